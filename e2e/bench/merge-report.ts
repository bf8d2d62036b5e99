// Merges run files from different machines, GPUs and browsers into one comparison table and chart. Pure.
import { adapterText, spreadCell } from './report-markdown.js';
import type { ChartSeries } from './report-svg.js';
import { renderSpeedupSvg } from './report-svg.js';
import type { Configuration, RunFile } from './run-schema.js';

export interface LoadedRun {
  file: string;
  run: RunFile;
}

export interface ComparisonColumn {
  key: string;
  label: string;
  file: string;
  run: RunFile;
  config: Configuration;
}

/** Every configuration that ran, across the files; labels gain the pair, host OS or date only when needed to tell them apart. */
export function comparisonColumns(runs: LoadedRun[]): ComparisonColumn[] {
  const columns: ComparisonColumn[] = [];
  for (const { file, run } of runs) {
    for (const config of run.configurations) {
      if (config.error || config.prompts.length === 0) continue;
      columns.push({ key: `${file}#${config.id}`, label: config.label, file, run, config });
    }
  }
  const pairs = new Set(columns.map((c) => c.run.options.pair));
  if (pairs.size > 1) for (const c of columns) c.label = `${c.label} · ${c.run.options.pair}`;
  const dup = (c: ComparisonColumn) => columns.filter((o) => o.label === c.label).length > 1;
  for (const c of columns.filter(dup)) c.label = `${c.label} · ${c.run.environment.os.platform}`;
  for (const c of columns.filter(dup)) c.label = `${c.label} · ${c.run.createdAt.slice(0, 16).replace('T', ' ')}`;
  columns.forEach((c, i) => {
    if (dup(c)) c.label = `${c.label} #${i + 1}`;
  });
  return columns;
}

/** Categories in order of first appearance over all columns. */
export function comparisonCategories(columns: ComparisonColumn[]): string[] {
  const seen: string[] = [];
  for (const c of columns) for (const s of c.config.categories) if (!seen.includes(s.category)) seen.push(s.category);
  return seen;
}

export function renderComparisonSvg(columns: ComparisonColumn[]): string {
  const categories = [...comparisonCategories(columns), 'overall'];
  const series: ChartSeries[] = columns.map((c) => ({
    label: c.label,
    values: Object.fromEntries([...c.config.categories.map((s) => [s.category, s.speedup] as const), ['overall', c.config.overall.speedup] as const]),
  }));
  const pairs = [...new Set(columns.map((c) => c.run.options.pair))].join(', ');
  return renderSpeedupSvg(categories, series, { title: 'Speculo: speedup by category', subtitle: `${pairs} · median over prompts, whiskers 25th–75th percentile` });
}

export function renderComparisonMarkdown(columns: ComparisonColumn[], chartFile?: string): string {
  const lines: string[] = ['# Speculo benchmark comparison', ''];
  if (columns.length === 0) return [...lines, 'No configuration in these files produced results.', ''].join('\n');
  if (chartFile) lines.push(`![speedup by category](${chartFile})`, '');
  lines.push('Speedup = speculative tok/s ÷ target-only tok/s per prompt; cells: median [25th–75th percentile] (prompts).', '');
  const categories = comparisonCategories(columns);
  const letters = columns.map((_, i) => `(${i + 1})`);
  lines.push(`| category | ${letters.join(' | ')} |`, `| --- | ${letters.map(() => '---').join(' | ')} |`);
  const cell = (c: ComparisonColumn, category: string) => {
    const s = category === 'overall' ? c.config.overall : c.config.categories.find((x) => x.category === category);
    return s ? `${spreadCell(s.speedup, '×')} (${s.prompts})` : '–';
  };
  for (const category of categories) lines.push(`| ${category} | ${columns.map((c) => cell(c, category)).join(' | ')} |`);
  lines.push(`| **overall** | ${columns.map((c) => `**${cell(c, 'overall')}**`).join(' | ')} |`);
  lines.push('', '## Columns', '');
  lines.push('| | configuration | adapter | browser | backend | pair (dtypes) | machine | acceptance | tok/s target-only → speculative | run |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  columns.forEach((c, i) => {
    const e = c.run.environment;
    const o = c.config.overall;
    lines.push(
      `| (${i + 1}) | ${c.label} | ${adapterText(c.config)} | ${c.config.browser.name} ${c.config.browser.version} | ${c.config.backend} (${c.config.profile}) | ` +
        `${c.run.options.pair} (${c.config.models.target.dtype}/${c.config.models.draft.dtype}) | ${e.os.platform} ${e.os.arch}, ${e.cpu.model} | ` +
        `${spreadCell(o.acceptanceRate, '', 2)} | ${spreadCell(o.targetOnlyTokensPerSecond)} → ${spreadCell(o.speculativeTokensPerSecond)} | ${c.file} (${c.run.createdAt}) |`,
    );
  });
  const settings = new Set(columns.map((c) => `${c.run.options.maxNewTokens}/${c.run.options.temperature}/${c.run.options.policy ?? 'default'}/${c.run.options.draftLength ?? 'default'}`));
  if (settings.size > 1) lines.push('', '> The runs used different settings (max new tokens / temperature / policy / γ); compare with care.');
  const prompts = new Set(columns.map((c) => `${c.run.input.file}:${c.config.prompts.length}`));
  if (prompts.size > 1) lines.push('', '> The runs used different prompt sets or sample sizes.');
  return lines.join('\n') + '\n';
}
