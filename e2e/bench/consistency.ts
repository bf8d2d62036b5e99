// Internal consistency of a run file: the numbers in the report must follow from the samples. Used by the
// end-to-end test and available to anyone checking a run from another machine. Pure.
import type { RunFile } from './run-schema.js';
import { median } from './stats.js';

const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
const total = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
const inUnit = (x: number) => x >= 0 && x <= 1;

/** Every inconsistency found (empty when the run adds up). */
export function checkRunConsistency(run: RunFile): string[] {
  const problems: string[] = [];
  const o = run.options;
  for (const c of run.configurations) {
    const at = (what: string) => `${c.id}: ${what}`;
    if (c.error) {
      if (c.prompts.length) problems.push(at('failed but has prompt results'));
      continue;
    }
    if (c.prompts.length !== run.input.promptsRun) problems.push(at(`${c.prompts.length} prompt results for ${run.input.promptsRun} prompts run`));
    for (const p of c.prompts) {
      const where = (what: string) => at(`prompt ${p.id}: ${what}`);
      const target = p.samples.filter((s) => s.mode === 'target-only');
      const spec = p.samples.filter((s) => s.mode === 'speculative');
      if (target.length !== o.repeat || spec.length !== o.repeat) problems.push(where(`${target.length} target-only and ${spec.length} speculative samples for ${o.repeat} repeats`));
      for (const s of p.samples) {
        if (s.newTokens < 1 || s.newTokens > o.maxNewTokens) problems.push(where(`${s.mode} run emitted ${s.newTokens} tokens (max ${o.maxNewTokens})`));
        if (!close(s.tokensPerSecond, s.wallMs > 0 ? (s.newTokens * 1000) / s.wallMs : 0, 1e-6)) problems.push(where(`${s.mode} tokens/s ≠ tokens ÷ time`));
        if (s.acceptedTokens > s.draftedTokens) problems.push(where(`accepted ${s.acceptedTokens} > drafted ${s.draftedTokens}`));
        if (s.draftProvenanceTokens !== s.acceptedTokens) problems.push(where(`${s.draftProvenanceTokens} draft-provenance tokens but ${s.acceptedTokens} accepted`));
        if (total(s.roundDrafted) !== s.draftedTokens || total(s.roundAccepted) !== s.acceptedTokens) problems.push(where(`${s.mode} rounds do not add up to the drafted/accepted totals`));
        if (s.mode === 'target-only' && s.draftedTokens !== 0) problems.push(where(`target-only run drafted ${s.draftedTokens} tokens`));
        if (s.mode === 'speculative' && s.meanAcceptanceLength < 1 - 1e-9) problems.push(where(`mean acceptance length ${s.meanAcceptanceLength} < 1`));
      }
      const sums = (xs: typeof target) => ({ tokens: total(xs.map((s) => s.newTokens)), wallMs: total(xs.map((s) => s.wallMs)) });
      for (const [name, agg, xs] of [
        ['target-only', p.targetOnly, target],
        ['speculative', p.speculative, spec],
      ] as const) {
        const t = sums(xs);
        if (agg.tokens !== t.tokens || !close(agg.wallMs, t.wallMs)) problems.push(where(`${name} totals do not add up`));
        if (!close(agg.tokensPerSecond, (t.tokens * 1000) / t.wallMs)) problems.push(where(`${name} tokens/s ≠ tokens ÷ time`));
      }
      if (p.speedup === null || !close(p.speedup, p.speculative.tokensPerSecond / p.targetOnly.tokensPerSecond)) {
        problems.push(where(`speedup ${p.speedup} ≠ speculative tok/s ÷ target-only tok/s`));
      }
      if (p.draftedTokens !== total(spec.map((s) => s.draftedTokens)) || p.acceptedTokens !== total(spec.map((s) => s.acceptedTokens)))
        problems.push(where('drafted/accepted totals do not add up'));
      if (p.acceptanceRate !== null && (!inUnit(p.acceptanceRate) || !close(p.acceptanceRate, p.acceptedTokens / p.draftedTokens)))
        problems.push(where(`acceptance rate ${p.acceptanceRate} is not accepted ÷ drafted in [0, 1]`));
      if (p.acceptanceRate === null && p.draftedTokens > 0) problems.push(where('acceptance rate missing though tokens were drafted'));
      if (!p.acceptanceByPosition.every(inUnit)) problems.push(where('acceptance by position outside [0, 1]'));
      if (total(p.positionDrafted) !== p.draftedTokens || total(p.positionAccepted) !== p.acceptedTokens) problems.push(where('acceptance by position does not add up to the totals'));
      if (o.temperature === 0 && p.outputsIdentical !== true) problems.push(where('greedy target-only and speculative outputs differ'));
      if (p.promptTokens > o.maxPromptTokens) problems.push(where(`prompt has ${p.promptTokens} tokens, over --max-prompt-tokens ${o.maxPromptTokens}`));
    }
    if (total(c.categories.map((s) => s.prompts)) !== c.prompts.length || c.overall.prompts !== c.prompts.length) problems.push(at('category prompt counts do not add up'));
    for (const s of c.categories) {
      const mine = c.prompts.filter((p) => p.category === s.category);
      if (mine.length !== s.prompts) problems.push(at(`category ${s.category} counts ${s.prompts} prompts, found ${mine.length}`));
      const m = median(mine.map((p) => p.speedup ?? NaN));
      if (s.speedup.median === null || !close(s.speedup.median, m)) problems.push(at(`category ${s.category} median speedup ${s.speedup.median} ≠ ${m}`));
      if (!s.acceptanceByPosition.every(inUnit)) problems.push(at(`category ${s.category} acceptance by position outside [0, 1]`));
      for (const v of [s.acceptanceRate.median, s.acceptanceRate.min, s.acceptanceRate.max])
        if (v !== null && !inUnit(v)) problems.push(at(`category ${s.category} acceptance outside [0, 1]`));
    }
    const all = median(c.prompts.map((p) => p.speedup ?? NaN));
    if (c.prompts.length && (c.overall.speedup.median === null || !close(c.overall.speedup.median, all))) problems.push(at(`overall median speedup ${c.overall.speedup.median} ≠ ${all}`));
  }
  return problems;
}
