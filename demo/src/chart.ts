/** Per-round data for the chart: γ proposed, tokens accepted, and where in the answer the round ended. */
export interface ChartRound {
  round: number;
  gamma: number;
  accepted: number;
  /** Tokens of the answer committed by the end of this round. */
  position: number;
  mode?: string;
}

const ns = 'http://www.w3.org/2000/svg';

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(ns, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * A small inline SVG: per verify round, γ (outlined bar) and the draft tokens accepted (filled bar), plus the
 * running acceptance rate (line, right axis), along the answer from left to right.
 */
export function gammaChart(rounds: ChartRound[]): SVGSVGElement {
  const width = 440;
  const height = 170;
  const pad = { left: 30, right: 38, top: 10, bottom: 30 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const maxGamma = Math.max(1, ...rounds.map((r) => r.gamma));
  const drafted = rounds.reduce((s, r) => s + r.gamma, 0);
  const accepted = rounds.reduce((s, r) => s + r.accepted, 0);

  const svg = el('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-labelledby': 'chart-title chart-desc',
    class: 'chart',
    preserveAspectRatio: 'xMinYMin meet',
  }) as SVGSVGElement;
  svg.append(el('title', { id: 'chart-title' }, 'γ and acceptance per round along the answer'));
  svg.append(
    el(
      'desc',
      { id: 'chart-desc' },
      `${rounds.length} verify rounds; ${accepted} of ${drafted} drafted tokens accepted. ` +
        `Outlined bars: tokens drafted (γ); filled bars: tokens accepted; line: running acceptance rate.`,
    ),
  );
  const y = (v: number) => pad.top + plotH - (v / maxGamma) * plotH;
  const yRate = (v: number) => pad.top + plotH - v * plotH;
  // Axes and grid.
  svg.append(el('line', { x1: pad.left, y1: pad.top + plotH, x2: pad.left + plotW, y2: pad.top + plotH, class: 'axis' }));
  for (const v of [0, Math.ceil(maxGamma / 2), maxGamma]) {
    svg.append(el('text', { x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, String(v)));
  }
  for (const v of [0, 0.5, 1]) {
    svg.append(el('text', { x: pad.left + plotW + 6, y: yRate(v) + 4, class: 'tick' }, `${v * 100}%`));
  }
  svg.append(el('text', { x: pad.left, y: height - 6, class: 'tick' }, 'γ'));
  svg.append(el('text', { x: pad.left + plotW / 2, y: height - 6, 'text-anchor': 'middle', class: 'tick' }, 'round along the answer →'));
  if (rounds.length === 0) {
    svg.append(el('text', { x: pad.left + plotW / 2, y: pad.top + plotH / 2, 'text-anchor': 'middle', class: 'tick' }, 'no drafting rounds'));
    return svg;
  }
  const slot = plotW / rounds.length;
  const barW = Math.max(1, slot * 0.7);
  let runDrafted = 0;
  let runAccepted = 0;
  const points: string[] = [];
  rounds.forEach((r, i) => {
    const x = pad.left + i * slot + (slot - barW) / 2;
    const g = el('g', {});
    g.append(el('title', {}, `round ${r.round}${r.mode ? ` (${r.mode})` : ''}: γ ${r.gamma}, accepted ${r.accepted}, ${r.position} tokens in`));
    g.append(el('rect', { x, y: y(r.gamma), width: barW, height: Math.max(0, y(0) - y(r.gamma)), class: 'bar-gamma' }));
    g.append(el('rect', { x, y: y(r.accepted), width: barW, height: Math.max(0, y(0) - y(r.accepted)), class: 'bar-accepted' }));
    svg.append(g);
    runDrafted += r.gamma;
    runAccepted += r.accepted;
    if (runDrafted > 0) points.push(`${(pad.left + (i + 0.5) * slot).toFixed(1)},${yRate(runAccepted / runDrafted).toFixed(1)}`);
  });
  if (points.length > 1) svg.append(el('polyline', { points: points.join(' '), class: 'rate-line' }));
  return svg;
}
