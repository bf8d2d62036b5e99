/** What a generation streams and returns. */
import type { GuardrailEvent } from './guardrail.js';
import type { FinishReason, RoundDecision, RoundRecord, TokenSource } from './round.js';
import type { SpeculoTrace } from './trace.js';

/** Measurements of one generation, reported with its result. */
export interface GenerationMetrics {
  /** Tokens emitted (EOS included). */
  newTokens: number;
  /** From `start` to `finish`. */
  wallMs: number;
  /** newTokens / wall time, prefill included; 0 when no time passed. */
  tokensPerSecond: number;
  /** From `start` to the first emitted token (prefill + tokenisation); null if none was emitted. */
  timeToFirstTokenMs: number | null;
  /** Verify rounds after the prefill (a non-speculative decode step counts as a round with 0 drafted). */
  rounds: number;
  /** Draft tokens proposed over all rounds. */
  draftedTokens: number;
  /** Draft tokens the target accepted. */
  acceptedTokens: number;
  /** acceptedTokens / draftedTokens; 0 when nothing was drafted. */
  acceptanceRate: number;
  /**
   * Tokens committed per target forward pass, counting the prefill as a pass that commits the first token.
   * Chosen so plain decoding scores exactly 1 and the value reads directly as the ideal speed-up over it
   * before draft cost. vLLM's `1 + accepted / drafts` counts verify steps only; the two converge on long
   * generations, and differ by at most the one prefill pass on short ones.
   */
  meanAcceptanceLength: number;
  /** For draft position i (0-based), how often a token proposed there was accepted. */
  acceptanceByPosition: number[];
  /** Time in draft forward passes. */
  draftMs: number;
  /** Time in target forward passes; the prefill counts here, it is a target forward pass. */
  verifyMs: number;
  /** wallMs − draftMs − verifyMs (tokenising, sampling, KV bookkeeping, messaging), clamped at 0. */
  otherMs: number;
  /** Prefill plus one per round. */
  targetForwardPasses: number;
  draftForwardPasses: number;
  /** The engine's own JavaScript work over the generation, prefill included: wall time less what it awaited of ORT or the GPU. */
  hostWorkMs: number;
  /** hostWorkMs of the rounds after the prefill, per round; 0 when there were none. */
  hostWorkMsPerRound: number;
  /** Logits reads into JS memory per round after the prefill (on WebGPU, GPU→CPU transfers, each a sync). */
  readsPerRound: number;
  /** Bytes of logits those reads brought back, per round after the prefill. */
  bytesReadPerRound: number;
}

/** Streamed as soon as a round commits tokens. `text` is the new visible text (special tokens are not shown). */
export interface TokenEvent {
  type: 'token';
  tokenIds: number[];
  text: string;
  provenance: TokenSource[];
  /** 0 for the token chosen after the prompt, then one per verify pass. */
  round: number;
}

/** A guardrail fired (acceptance drift, fallback, recovery, low speedup, abort); also dispatched on the engine. */
export interface GuardrailStreamEvent {
  type: 'guardrail';
  event: GuardrailEvent;
}

export type StreamEvent = TokenEvent | GuardrailStreamEvent;

export interface GenerationResult {
  /** The generated text (special tokens and any matched stop string excluded). */
  text: string;
  /** The generated token ids, EOS included when generation ended on it. */
  tokenIds: number[];
  /** `provenance[i]` says which model chose `tokenIds[i]`. */
  provenance: TokenSource[];
  finishReason: FinishReason;
  metrics: GenerationMetrics;
  rounds: RoundRecord[];
  /** The scheduler's decision for each round: γ, mode, why drafting stopped, fallback state. */
  decisions: RoundDecision[];
  promptTokens: number;
  /** Which drafter proposed tokens (`model`, `prompt-lookup`, …), or null for target-only. */
  drafter: string | null;
  /** The audit trace, when the call asked for one. */
  trace?: SpeculoTrace;
  /** Speed-up over the last target-only run of the same prompt and sampling on this engine, when there is one. */
  speedupAgainstBaseline?: number | null;
}

/** How a generation ended, as its observers learn it: the output, why it ended (or that it was aborted), the metrics. */
export interface GenerationEnd {
  tokenIds: readonly number[];
  provenance: readonly TokenSource[];
  text: string;
  /** `aborted` when an abort signal, a guardrail or an error cut it off. */
  finishReason: FinishReason | 'aborted';
  metrics: GenerationMetrics;
}
