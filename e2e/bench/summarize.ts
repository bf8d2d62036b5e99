// From generation results to per-prompt results and per-category summaries. Pure.
import type { PromptResult, Sample, Summary } from './run-schema.js';
import { pooledRate, spread, sum } from './stats.js';

/** The parts of a `GenerationResult` the harness reads; `decisions` and `drafter` are newer and may be missing. */
export interface GenerationLike {
  tokenIds: number[];
  provenance: string[];
  finishReason: string;
  rounds: { drafted: number; accepted: number; committed?: number }[];
  metrics: {
    newTokens: number;
    wallMs: number;
    tokensPerSecond: number;
    timeToFirstTokenMs: number | null;
    rounds: number;
    draftedTokens: number;
    acceptedTokens: number;
    meanAcceptanceLength: number;
    targetForwardPasses: number;
  };
  decisions?: { gamma: number; mode?: string }[];
  drafter?: string | null;
}

/** FNV-1a (32-bit) of a token id list, as 8 hex digits. */
export function hashTokens(ids: readonly number[]): string {
  let h = 0x811c9dc5;
  for (const id of ids) {
    for (let k = 0; k < 4; k++) {
      h ^= (id >>> (8 * k)) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** One generation as a stored sample. */
export function toSample(result: GenerationLike, meta: { mode: Sample['mode']; repeat: number; order: 0 | 1; seed: number }): Sample {
  const m = result.metrics;
  const roundDrafted = result.rounds.map((r) => r.drafted);
  const roundAccepted = result.rounds.map((r) => r.accepted);
  let gammas: number[] = [];
  let gammaSource: Sample['gammaSource'] = 'none';
  const modes: Record<string, number> = {};
  if (meta.mode === 'speculative') {
    if (Array.isArray(result.decisions) && result.decisions.length > 0) {
      gammas = result.decisions.filter((d) => d.mode === undefined || !/target/i.test(d.mode)).map((d) => d.gamma);
      gammaSource = 'decisions';
    } else {
      gammas = roundDrafted.filter((d) => d > 0);
      gammaSource = 'rounds';
    }
  }
  for (const d of result.decisions ?? []) if (d.mode) modes[d.mode] = (modes[d.mode] ?? 0) + 1;
  return {
    mode: meta.mode,
    repeat: meta.repeat,
    order: meta.order,
    seed: meta.seed,
    newTokens: m.newTokens,
    wallMs: m.wallMs,
    tokensPerSecond: m.tokensPerSecond,
    timeToFirstTokenMs: m.timeToFirstTokenMs,
    rounds: m.rounds,
    draftedTokens: m.draftedTokens,
    acceptedTokens: m.acceptedTokens,
    draftProvenanceTokens: result.provenance.filter((p) => p === 'draft').length,
    meanAcceptanceLength: m.meanAcceptanceLength,
    targetForwardPasses: m.targetForwardPasses,
    roundDrafted,
    roundAccepted,
    gammas,
    gammaSource,
    modes,
    drafter: result.drafter ?? null,
    finishReason: result.finishReason,
    outputHash: hashTokens(result.tokenIds),
  };
}

function modeTotals(samples: Sample[]) {
  const tokens = sum(samples.map((s) => s.newTokens));
  const wallMs = sum(samples.map((s) => s.wallMs));
  const ttfts = samples.map((s) => s.timeToFirstTokenMs).filter((t): t is number => t !== null);
  return { runs: samples.length, tokens, wallMs, tokensPerSecond: pooledRate(tokens, wallMs), timeToFirstTokenMs: ttfts.length ? spread(ttfts).median : null };
}

/** Pools a prompt's samples: tok/s is total tokens over total time per mode; speedup is their ratio. */
export function summarizePrompt(prompt: { id: string; category: string; promptTokens: number; truncatedFrom: number | null }, samples: Sample[], greedy: boolean): PromptResult {
  const target = samples.filter((s) => s.mode === 'target-only');
  const spec = samples.filter((s) => s.mode === 'speculative');
  const targetOnly = modeTotals(target);
  const speculative = modeTotals(spec);
  const draftedTokens = sum(spec.map((s) => s.draftedTokens));
  const acceptedTokens = sum(spec.map((s) => s.acceptedTokens));
  const positionDrafted: number[] = [];
  const positionAccepted: number[] = [];
  for (const s of spec) {
    s.roundDrafted.forEach((d, r) => {
      const a = s.roundAccepted[r] ?? 0;
      for (let i = 0; i < d; i++) {
        positionDrafted[i] = (positionDrafted[i] ?? 0) + 1;
        positionAccepted[i] = (positionAccepted[i] ?? 0) + (i < a ? 1 : 0);
      }
    });
  }
  const passes = sum(spec.map((s) => s.targetForwardPasses));
  const gammas = spec.flatMap((s) => s.gammas);
  const gammaCounts: Record<string, number> = {};
  for (const g of gammas) gammaCounts[String(g)] = (gammaCounts[String(g)] ?? 0) + 1;
  let outputsIdentical: boolean | null = null;
  if (greedy && target.length > 0 && spec.length > 0) {
    const hashes = new Set([...target, ...spec].map((s) => s.outputHash));
    outputsIdentical = hashes.size === 1;
  }
  return {
    ...prompt,
    samples,
    targetOnly,
    speculative,
    speedup: targetOnly.tokensPerSecond > 0 && spec.length > 0 ? speculative.tokensPerSecond / targetOnly.tokensPerSecond : null,
    draftedTokens,
    acceptedTokens,
    acceptanceRate: draftedTokens > 0 ? acceptedTokens / draftedTokens : null,
    // Weighted by target passes: the pooled "tokens committed per target forward pass".
    meanAcceptanceLength: passes > 0 ? sum(spec.map((s) => s.meanAcceptanceLength * s.targetForwardPasses)) / passes : null,
    positionDrafted: fill(positionDrafted),
    positionAccepted: fill(positionAccepted),
    acceptanceByPosition: fill(positionDrafted).map((d, i) => (d > 0 ? (positionAccepted[i] ?? 0) / d : 0)),
    gammaMean: gammas.length ? sum(gammas) / gammas.length : null,
    gammaCounts,
    outputsIdentical,
  };
}

function fill(values: number[]): number[] {
  return Array.from({ length: values.length }, (_, i) => values[i] ?? 0);
}

const val = (x: number | null) => (x === null ? NaN : x);

/** Medians with their spread over a set of prompts (one value per prompt). */
export function summarize(category: string, prompts: PromptResult[]): Summary {
  const positionDrafted: number[] = [];
  const positionAccepted: number[] = [];
  for (const p of prompts) {
    p.positionDrafted.forEach((d, i) => (positionDrafted[i] = (positionDrafted[i] ?? 0) + d));
    p.positionAccepted.forEach((a, i) => (positionAccepted[i] = (positionAccepted[i] ?? 0) + a));
  }
  return {
    category,
    prompts: prompts.length,
    speedup: spread(prompts.map((p) => val(p.speedup))),
    targetOnlyTokensPerSecond: spread(prompts.map((p) => p.targetOnly.tokensPerSecond)),
    speculativeTokensPerSecond: spread(prompts.map((p) => p.speculative.tokensPerSecond)),
    acceptanceRate: spread(prompts.map((p) => val(p.acceptanceRate))),
    meanAcceptanceLength: spread(prompts.map((p) => val(p.meanAcceptanceLength))),
    gammaMean: spread(prompts.map((p) => val(p.gammaMean))),
    targetOnlyTimeToFirstTokenMs: spread(prompts.map((p) => val(p.targetOnly.timeToFirstTokenMs))),
    speculativeTimeToFirstTokenMs: spread(prompts.map((p) => val(p.speculative.timeToFirstTokenMs))),
    acceptanceByPosition: fill(positionDrafted).map((d, i) => (d > 0 ? (positionAccepted[i] ?? 0) / d : 0)),
  };
}

/** Per-category summaries (categories in order of first appearance) and the overall one. */
export function summarizeCategories(prompts: PromptResult[]): { categories: Summary[]; overall: Summary } {
  const order: string[] = [];
  const by = new Map<string, PromptResult[]>();
  for (const p of prompts) {
    if (!by.has(p.category)) order.push(p.category);
    by.set(p.category, [...(by.get(p.category) ?? []), p]);
  }
  return { categories: order.map((c) => summarize(c, by.get(c)!)), overall: summarize('overall', prompts) };
}
