import type { PromptResult, SpreadJson, Summary } from '../../e2e/bench/run-schema.js';
import { $, h } from './dom.js';
import { formatPercent, formatRate } from './format.js';

const median = (s: SpreadJson): number | null => (typeof s.median === 'number' && Number.isFinite(s.median) ? s.median : null);

/** `1.42× [1.20–1.61]`: the median over prompts and its 25th–75th percentiles. */
function speedupCell(s: SpreadJson): string {
  const m = median(s);
  if (m === null) return '–';
  const range = typeof s.p25 === 'number' && typeof s.p75 === 'number' ? ` [${s.p25.toFixed(2)}–${s.p75.toFixed(2)}]` : '';
  return `${m.toFixed(2)}×${range}`;
}

function cells(s: Summary): string[] {
  const acceptance = median(s.acceptanceRate);
  const gamma = median(s.gammaMean);
  const base = median(s.targetOnlyTokensPerSecond);
  const spec = median(s.speculativeTokensPerSecond);
  return [
    String(s.prompts),
    speedupCell(s.speedup),
    acceptance === null ? '–' : formatPercent(acceptance),
    gamma === null ? '–' : gamma.toFixed(1),
    base === null ? '–' : formatRate(base),
    spec === null ? '–' : formatRate(spec),
  ];
}

/** Fills the results table: one row per category, the overall row in the footer (medians over prompts). */
export function showBenchTable(categories: readonly Summary[], overall: Summary): void {
  const row = (s: Summary, name: string) => h('tr', { 'data-category': name }, h('th', { scope: 'row' }, name), ...cells(s).map((c) => h('td', { class: 'num' }, c)));
  const table = $('bench-table');
  table.querySelector('tbody')!.replaceChildren(...categories.map((s) => row(s, s.category)));
  table.querySelector('tfoot')!.replaceChildren(row(overall, 'overall'));
}

/** Whether greedy target-only and speculative runs wrote the same tokens for every prompt, in words. */
export function describeIdentical(prompts: readonly PromptResult[]): string {
  const checked = prompts.filter((p) => p.outputsIdentical !== null);
  if (checked.length === 0) return 'Sampling (temperature above 0): outputs are not compared.';
  const same = checked.filter((p) => p.outputsIdentical).length;
  return same === checked.length
    ? `Same output with and without speculation, token for token, for all ${same} prompts.`
    : `Outputs differ for ${checked.length - same} of ${checked.length} prompts: under greedy decoding this is a bug; please report it with the run file.`;
}

export function clearBenchTable(): void {
  const table = $('bench-table');
  table.querySelector('tbody')!.replaceChildren();
  table.querySelector('tfoot')!.replaceChildren();
}
