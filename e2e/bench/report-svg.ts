// A hand-written SVG bar chart: speedup by category, one series (colour) per configuration (GPU / backend /
// browser), whiskers from the 25th to the 75th percentile, and a dashed line at 1× (no speedup). Pure.
import type { SpreadJson } from './run-schema.js';

export interface ChartSeries {
  label: string;
  /** Category → speedup summary over that category's prompts. */
  values: Record<string, SpreadJson | undefined>;
}

export interface ChartOptions {
  title: string;
  subtitle?: string;
}

const palette = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const f = (n: number) => (Math.round(n * 10) / 10).toString();

/** A "nice" axis maximum and tick step covering `max`. */
export function niceAxis(max: number): { top: number; step: number } {
  const target = Math.max(max, 1.2);
  const raw = target / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return { top: Math.ceil(target / step) * step, step };
}

export function renderSpeedupSvg(categories: string[], series: ChartSeries[], options: ChartOptions): string {
  const groupGap = 18;
  const barWidth = Math.max(6, Math.min(28, Math.floor(160 / Math.max(1, series.length))));
  const groupWidth = barWidth * Math.max(1, series.length) + groupGap;
  const left = 56;
  const right = 24;
  const top = options.subtitle ? 62 : 44;
  const plotHeight = 260;
  const labelSpace = 90;
  const legendLine = 18;
  const longestLabel = Math.max(20, ...series.map((s) => s.label.length));
  const width = Math.max(
    520,
    left + right + groupWidth * Math.max(1, categories.length),
    left + 18 + Math.ceil(longestLabel * 6.8) + right,
    left + Math.ceil((options.subtitle?.length ?? 0) * 6.6) + right,
  );
  const legendTop = top + plotHeight + labelSpace;
  const height = legendTop + legendLine * (series.length + 1) + 16;

  const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
  const maxValue = Math.max(1, ...series.flatMap((s) => Object.values(s.values).flatMap((v) => [v?.p75, v?.median].filter(finite))));
  const { top: yMax, step } = niceAxis(maxValue * 1.05);
  const y = (v: number) => top + plotHeight - (v / yMax) * plotHeight;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
  );
  out.push(`<title>${escapeXml(options.title)}</title>`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="24" font-size="16" font-weight="600">${escapeXml(options.title)}</text>`);
  if (options.subtitle) out.push(`<text x="${left}" y="44" fill="#555">${escapeXml(options.subtitle)}</text>`);

  // Axis and grid.
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    out.push(`<line x1="${left}" x2="${width - right}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 6}" y="${f(y(v) + 4)}" text-anchor="end" fill="#444">${Number(v.toFixed(2))}×</text>`);
  }
  out.push(`<text transform="translate(14 ${top + plotHeight / 2}) rotate(-90)" text-anchor="middle" fill="#444">speedup over target-only</text>`);

  categories.forEach((category, c) => {
    const x0 = left + c * groupWidth + groupGap / 2;
    series.forEach((s, k) => {
      const v = s.values[category];
      if (!v || !finite(v.median)) return;
      const x = x0 + k * barWidth;
      const colour = palette[k % palette.length]!;
      const h = Math.max(0, y(0) - y(v.median));
      const tip = `${s.label} — ${category}: median ${v.median.toFixed(2)}× (IQR ${finite(v.p25) ? v.p25.toFixed(2) : '?'}–${finite(v.p75) ? v.p75.toFixed(2) : '?'}, n=${v.n})`;
      out.push(`<rect x="${f(x)}" y="${f(y(v.median))}" width="${barWidth - 2}" height="${f(h)}" fill="${colour}"><title>${escapeXml(tip)}</title></rect>`);
      if (finite(v.p25) && finite(v.p75) && v.n > 1) {
        const cx = x + (barWidth - 2) / 2;
        out.push(`<line x1="${f(cx)}" x2="${f(cx)}" y1="${f(y(v.p25))}" y2="${f(y(v.p75))}" stroke="#222"/>`);
        out.push(`<line x1="${f(cx - 3)}" x2="${f(cx + 3)}" y1="${f(y(v.p25))}" y2="${f(y(v.p25))}" stroke="#222"/>`);
        out.push(`<line x1="${f(cx - 3)}" x2="${f(cx + 3)}" y1="${f(y(v.p75))}" y2="${f(y(v.p75))}" stroke="#222"/>`);
      }
    });
    const cx = x0 + (barWidth * Math.max(1, series.length)) / 2;
    out.push(`<text transform="translate(${f(cx)} ${top + plotHeight + 12}) rotate(35)" fill="#222">${escapeXml(category)}</text>`);
  });

  out.push(`<line x1="${left}" x2="${width - right}" y1="${f(y(1))}" y2="${f(y(1))}" stroke="#c00" stroke-dasharray="5 4"/>`);
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}" stroke="#444"/>`);
  out.push(`<line x1="${left}" x2="${width - right}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#444"/>`);

  series.forEach((s, k) => {
    const ly = legendTop + k * legendLine;
    out.push(`<rect x="${left}" y="${ly}" width="12" height="12" fill="${palette[k % palette.length]}"/>`);
    out.push(`<text x="${left + 18}" y="${ly + 10}">${escapeXml(s.label)}</text>`);
  });
  const ly = legendTop + series.length * legendLine;
  out.push(`<line x1="${left}" x2="${left + 12}" y1="${ly + 6}" y2="${ly + 6}" stroke="#c00" stroke-dasharray="4 2"/>`);
  out.push(`<text x="${left + 18}" y="${ly + 10}" fill="#c00">1× = no speedup (speculation as fast as the target alone)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
