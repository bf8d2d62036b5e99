/** Acceptance and speed, per generation and over an engine's lifetime. */

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
