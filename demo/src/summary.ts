import type { GenerationResult, RoundDecision } from 'speculo';
import { gammaChart, type ChartRound } from './chart.js';
import { $, h } from './dom.js';
import { describeCost, drafterCostOf } from './drafters.js';
import { formatBytes, formatMs, formatPercent, formatRate } from './format.js';
import { showNoGuardrails } from './guardrails.js';
import type { Loaded, PaneRun } from './state.js';

/** Fills the Results summary once both runs are done: speed-up, same-text check, costs, chart, trace note. */
export function showSummary(loaded: Loaded, base: PaneRun, spec: PaneRun): void {
  const b = base.result.metrics;
  const s = spec.result.metrics;
  const speedup = b.tokensPerSecond > 0 ? s.tokensPerSecond / b.tokensPerSecond : NaN;
  const identical = base.result.text === spec.result.text && base.result.tokenIds.join(',') === spec.result.tokenIds.join(',');
  const greedy = (base.options.temperature ?? 0) === 0;
  showSpeedup(speedup);

  const facts = $('summary-facts');
  facts.replaceChildren();
  const add = (k: string, v: string, id?: string) => facts.append(h('dt', {}, k), h('dd', id ? { id } : {}, v));
  add('Target only', `${formatRate(b.tokensPerSecond)} (${b.newTokens} tokens in ${formatMs(b.wallMs)})`);
  add('Speculative', `${formatRate(s.tokensPerSecond)} (${s.newTokens} tokens in ${formatMs(s.wallMs)})`);
  add('Same text', identical ? 'yes, token for token' : greedy ? 'NO: the outputs differ (this would be a bug under greedy decoding)' : 'no (sampling: expected to differ)', 'identical');
  add('Acceptance rate', `${formatPercent(s.acceptanceRate)} (${s.acceptedTokens} of ${s.draftedTokens} drafted tokens)`);
  add('Mean acceptance length', `${s.meanAcceptanceLength.toFixed(2)} tokens per target pass`);
  add('Target passes', `${s.targetForwardPasses} instead of ${b.targetForwardPasses}`);
  facts.dataset['identical'] = String(identical);

  const draftShare = s.wallMs > 0 ? s.draftMs / s.wallMs : 0;
  const drafter = spec.result.drafter;
  const cost = drafterCostOf(loaded.info, drafter);
  $('costs').textContent =
    `Cost: ${formatPercent(draftShare)} of the speculative run went to drafting (${formatMs(s.draftMs)}, ${s.draftForwardPasses} draft passes); ` +
    (cost
      ? `the ${drafter} drafter costs ${describeCost(cost)}.`
      : loaded.info.draft && drafter !== 'prompt-lookup' && drafter !== 'ngram-cache'
        ? `the draft model adds ${formatBytes(loaded.info.draft.bytes)} to download, cache and GPU memory.`
        : 'no draft model to download or hold in memory.');

  const notes: string[] = [];
  if (drafter) notes.push(`Drafter: ${drafter}.`);
  const baselineSpeedup = spec.result.speedupAgainstBaseline;
  if (typeof baselineSpeedup === 'number') notes.push(`The engine’s own speed-up estimate: ${baselineSpeedup.toFixed(2)}×.`);
  notes.push('Speed-up = speculative tok/s ÷ target-only tok/s, each over its whole run including the prompt pass.');
  $('lib-notes').textContent = notes.join(' ');

  $('chart').replaceChildren(gammaChart(chartRounds(spec.result)));
  if (spec.guardrailEvents.length === 0) showNoGuardrails();

  $('trace-note').textContent =
    spec.result.trace !== undefined
      ? 'Traces are the library’s audit traces (format speculo-trace).'
      : 'This Speculo build returns no audit trace: the download is assembled by the demo from the result (tokens, provenance, rounds, metrics).';
}

function showSpeedup(speedup: number): void {
  const speedupEl = $('speedup');
  speedupEl.textContent = Number.isFinite(speedup) ? `${speedup.toFixed(2)}×` : '–';
  const verdict = speedup >= 1.1 ? 'faster' : speedup <= 0.9 ? 'slower' : 'same';
  speedupEl.className = `speedup ${verdict}`;
  speedupEl.dataset['speedup'] = String(speedup);
  $('speedup-caption').textContent =
    verdict === 'faster'
      ? 'faster with speculation on this device'
      : verdict === 'slower'
        ? 'slower with speculation on this device: drafting costs more than it saves here'
        : 'about the same speed on this device (differences under 10 % are within run-to-run noise)';
}

/** The chart's rounds: the scheduler's decision for each round where it has one, else the round record alone. */
function chartRounds(result: GenerationResult): ChartRound[] {
  let position = result.tokenIds.length > 0 ? 1 : 0; // the prefill commits the first token
  return result.rounds.map((r, i) => {
    position += r.committed;
    const d: RoundDecision | undefined = result.decisions[i];
    return {
      round: d?.round ?? i + 1,
      gamma: d?.drafted ?? r.drafted,
      accepted: d?.accepted ?? r.accepted,
      position,
      ...(d?.mode ? { mode: d.mode } : {}),
    };
  });
}
