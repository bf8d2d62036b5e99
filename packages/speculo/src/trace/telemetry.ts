import type { ChatMessage } from '../api/validate-options.js';
import type { GenerationResult } from '../decode/types.js';
import { canonicalJson, sha256Hex } from './canonical-hash.js';

/** Acceptance and speed of one generation, as reported with its result. */
export interface ResultTelemetry {
  acceptanceRate: number;
  meanAcceptanceLength: number;
  acceptanceByPosition: number[];
  tokensPerSecond: number;
  /** true when the run drafted nothing, i.e. it was plain target decoding (by request or by guardrail fallback). */
  targetOnly: boolean;
  /**
   * tokens/s over that of the last target-only run of the same prompt and sampling on this engine; null for a
   * target-only run or when there is no such baseline.
   */
  speedupVsTargetOnly: number | null;
}

/** The same measures over every generation an engine has run. */
export interface LifetimeTelemetry {
  generations: number;
  targetOnlyGenerations: number;
  newTokens: number;
  rounds: number;
  draftedTokens: number;
  acceptedTokens: number;
  /** acceptedTokens / draftedTokens; 0 when nothing was drafted. */
  acceptanceRate: number;
  /** Committed tokens per target forward pass over all generations (the prefill counting as a pass). */
  meanAcceptanceLength: number;
  /** For draft position i, accepted / proposed over all rounds of all generations. */
  acceptanceByPosition: number[];
  /** All tokens over all wall time. */
  tokensPerSecond: number;
  wallMs: number;
}

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

/**
 * Aggregates acceptance and speed over an engine's lifetime and remembers, per prompt, the tokens/s of its last
 * target-only run, so a speculative run of the same prompt can report its measured speed-up.
 */
export class EngineTelemetry {
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

  /** Adds a finished generation and returns its own telemetry. */
  record(result: GenerationResult, promptKey: string): ResultTelemetry {
    const { metrics } = result;
    const targetOnly = metrics.draftedTokens === 0;
    const speedup = targetOnly ? null : this.speedupAgainstBaseline(result, promptKey);

    this.generations++;
    if (targetOnly) this.targetOnlyGenerations++;
    this.newTokens += metrics.newTokens;
    this.rounds += metrics.rounds;
    this.drafted += metrics.draftedTokens;
    this.accepted += metrics.acceptedTokens;
    // GenerationMetrics carries committed / passes, not the count; multiplying back recovers it up to rounding.
    this.committed += metrics.meanAcceptanceLength * metrics.targetForwardPasses;
    this.targetForwardPasses += metrics.targetForwardPasses;
    this.wallMs += metrics.wallMs;
    for (const round of result.rounds) {
      for (let i = 0; i < round.drafted; i++) {
        this.draftedAt[i] = (this.draftedAt[i] ?? 0) + 1;
        this.acceptedAt[i] = (this.acceptedAt[i] ?? 0) + (i < round.accepted ? 1 : 0);
      }
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

  /** tokens/s of `result` over the last target-only run recorded for `promptKey`, or null when there is none. */
  speedupAgainstBaseline(result: GenerationResult, promptKey: string): number | null {
    const baseline = this.baselines.get(promptKey);
    return baseline === undefined ? null : result.metrics.tokensPerSecond / baseline;
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
