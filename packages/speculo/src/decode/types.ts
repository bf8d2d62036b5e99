import type { GenerationMetrics } from '../metrics/metrics.js';

/** Which model chose a committed token: an accepted draft proposal, or the target (correction, bonus, or plain decoding). */
export type TokenSource = 'draft' | 'target';

/**
 * Why generation ended: an EOS token, `maxNewTokens` reached, a stop string matched, or the models' context limit
 * (`max_position_embeddings`) reached.
 */
export type FinishReason = 'eos' | 'max-tokens' | 'stop-string' | 'context-length';

/** One round of speculation: tokens proposed, accepted by the target, and committed (accepted + the target's own). */
export interface RoundRecord {
  drafted: number;
  accepted: number;
  committed: number;
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

export type StreamEvent = TokenEvent;

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
  promptTokens: number;
}
