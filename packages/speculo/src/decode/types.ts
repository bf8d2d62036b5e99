import type { GuardrailEvent } from '../guard/guardrail-monitor.js';
import type { GenerationMetrics } from '../metrics/metrics.js';
import type { RoundDecision } from '../schedule/policies.js';
import type { SpeculoTrace, TraceSinkRecord } from '../trace/trace-types.js';

/** Which model chose a committed token: an accepted draft proposal, or the target (correction, bonus, or plain decoding). */
export type TokenSource = 'draft' | 'target';

/**
 * Why generation ended: an EOS token, `maxNewTokens` reached, a stop string matched, or the models' context limit
 * (`max_position_embeddings`) reached.
 */
export type FinishReason = 'eos' | 'max-tokens' | 'stop-string' | 'context-length';

/** One verify round: tokens proposed, accepted by the target, committed (accepted + the target's own), and timings. */
export interface RoundRecord {
  drafted: number;
  accepted: number;
  committed: number;
  /** The drafter's proposal. */
  draftMs: number;
  /** The target's verify pass. */
  verifyMs: number;
  /** Cutting both caches back to what the round committed. */
  rollbackMs: number;
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

/** Internal: a trace record on its way to the caller's trace sink. */
export interface TraceRecordEvent {
  type: 'trace-record';
  record: TraceSinkRecord;
}

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
