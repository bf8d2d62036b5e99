import type { ChatMessage, GenerationEnd, GenerationMetrics, LifetimeTelemetry, ResultTelemetry, RoundObserver, RoundReport } from '../types/index.js';

import { canonicalJson, sha256Hex } from '../util/canonical-hash.js';

/** What makes two runs comparable for a speed-up: the prompt and the sampling, not γ or speculation. */
export interface PromptKeyInput {
  prompt: string | ChatMessage[];
  sampling: { temperature: number; topK: number; topP: number; seed: number; maxNewTokens: number; stop: string[] };
}

/**
 * Key under which {@link EngineTelemetry} matches a run with its target-only baseline: SHA-256 of the prompt
 * and sampling parameters. A hash rather than the text, so the telemetry holds no prompt.
 */
export async function telemetryPromptKey(input: PromptKeyInput): Promise<string> {
  const { temperature, topK, topP, seed, maxNewTokens, stop } = input.sampling;
  return sha256Hex(canonicalJson({ prompt: input.prompt, sampling: { temperature, topK, topP, seed, maxNewTokens, stop } }));
}

// Baselines are kept per prompt; an engine serving many prompts must not grow without bound.
const maxBaselines = 256;

/** Per-position counts and totals of the generation in progress, folded into the lifetime when it finishes. */
class RoundTally {
  rounds = 0;
  drafted = 0;
  accepted = 0;
  draftedAt: number[] = [];
  acceptedAt: number[] = [];
}

/**
 * Aggregates acceptance and speed over an engine's lifetime and remembers, per prompt, the tokens/s of its last
 * target-only run, so a speculative run of the same prompt can report its measured speed-up. It observes the rounds
 * of every generation and keeps those of the generations that finish ({@link record}); an aborted one is dropped.
 */
export class EngineTelemetry implements RoundObserver {
  private pending = new RoundTally();
  private readonly baselines = new Map<string, number>();
  private generations = 0;
  private targetOnlyGenerations = 0;
  private newTokens = 0;
  private rounds = 0;
  private drafted = 0;
  private accepted = 0;
  private committed = 0;
  private targetForwardPasses = 0;
  private wallMs = 0;
  private draftedAt: number[] = [];
  private acceptedAt: number[] = [];

  observeRound(report: RoundReport): void {
    if (report.mode === 'prefill') {
      this.pending = new RoundTally();
      return;
    }
    const tally = this.pending;
    const drafted = report.proposal.tokens.length;
    tally.rounds++;
    tally.drafted += drafted;
    tally.accepted += report.acceptedCount;
    for (let i = 0; i < drafted; i++) {
      tally.draftedAt[i] = (tally.draftedAt[i] ?? 0) + 1;
      tally.acceptedAt[i] = (tally.acceptedAt[i] ?? 0) + (i < report.acceptedCount ? 1 : 0);
    }
  }

  /** An aborted generation's rounds do not count. */
  observeEnd(end: GenerationEnd): void {
    if (end.finishReason === 'aborted') this.pending = new RoundTally();
  }

  /** Adds the generation that just finished, from its observed rounds and its metrics, and returns its own telemetry. */
  record(metrics: GenerationMetrics, promptKey: string): ResultTelemetry {
    const tally = this.pending;
    this.pending = new RoundTally();
    const targetOnly = tally.drafted === 0;
    const speedup = targetOnly ? null : this.speedupAgainstBaseline(metrics, promptKey);

    this.generations++;
    if (targetOnly) this.targetOnlyGenerations++;
    this.newTokens += metrics.newTokens;
    this.rounds += tally.rounds;
    this.drafted += tally.drafted;
    this.accepted += tally.accepted;
    // Every emitted token was committed by a target pass (the prefill's or a round's).
    this.committed += metrics.newTokens;
    this.targetForwardPasses += metrics.targetForwardPasses;
    this.wallMs += metrics.wallMs;
    for (let i = 0; i < tally.draftedAt.length; i++) {
      this.draftedAt[i] = (this.draftedAt[i] ?? 0) + tally.draftedAt[i];
      this.acceptedAt[i] = (this.acceptedAt[i] ?? 0) + (tally.acceptedAt[i] ?? 0);
    }
    if (targetOnly && metrics.tokensPerSecond > 0) {
      // Re-inserting moves the key to the end of the Map's order, so the oldest baseline is evicted first.
      this.baselines.delete(promptKey);
      this.baselines.set(promptKey, metrics.tokensPerSecond);
      if (this.baselines.size > maxBaselines) this.baselines.delete(this.baselines.keys().next().value as string);
    }
    return {
      acceptanceRate: metrics.acceptanceRate,
      meanAcceptanceLength: metrics.meanAcceptanceLength,
      acceptanceByPosition: [...metrics.acceptanceByPosition],
      tokensPerSecond: metrics.tokensPerSecond,
      targetOnly,
      speedupVsTargetOnly: speedup,
    };
  }

  /** tokens/s of a run over the last target-only run recorded for `promptKey`, or null when there is none. */
  speedupAgainstBaseline(metrics: GenerationMetrics, promptKey: string): number | null {
    const baseline = this.baselines.get(promptKey);
    return baseline === undefined ? null : metrics.tokensPerSecond / baseline;
  }

  /** The lifetime aggregate so far. */
  snapshot(): LifetimeTelemetry {
    return {
      generations: this.generations,
      targetOnlyGenerations: this.targetOnlyGenerations,
      newTokens: this.newTokens,
      rounds: this.rounds,
      draftedTokens: this.drafted,
      acceptedTokens: this.accepted,
      acceptanceRate: this.drafted > 0 ? this.accepted / this.drafted : 0,
      meanAcceptanceLength: this.targetForwardPasses > 0 ? this.committed / this.targetForwardPasses : 0,
      acceptanceByPosition: this.draftedAt.map((count, i) => this.acceptedAt[i] / count),
      tokensPerSecond: this.wallMs > 0 ? (this.newTokens * 1000) / this.wallMs : 0,
      wallMs: this.wallMs,
    };
  }
}
