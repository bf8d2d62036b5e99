import type { DraftCostClass } from '../types/index.js';
import type { Rng } from '../sampling/prng.js';
import type { SamplingParams } from '../sampling/logits-processing.js';

/** What the decoder asks of a drafter each round. */
export interface DraftRequest {
  /** Prompt and output so far. */
  readonly committed: readonly number[];
  /** γ: propose at most this many tokens. */
  readonly maxTokens: number;
  /** The target's logits processing, applied to the draft's distributions too (required for lossless sampling). */
  readonly sampling: SamplingParams;
  readonly rng: Rng;
  /** Width of the target's logits rows; proposal distributions must have this length. */
  readonly targetVocabSize: number;
  /**
   * Asked after each drafted token with its 0-based position and the drafter's confidence in it (its probability
   * under the draft's own distribution); returning false ends the proposal early.
   */
  readonly continueAfter?: (position: number, confidence: number) => boolean;
}

/** What a drafter proposes for one round. */
export interface DraftProposal {
  /** Proposed token ids, at most `maxTokens`. */
  readonly tokens: number[];
  /**
   * The distribution each token was drawn from (after the same logits processing as the target's), or null for
   * a deterministic proposal; the rejection sampler treats null as a one-hot distribution.
   */
  readonly probabilities: (Float32Array | null)[];
  /** The drafter's confidence in each token, in [0, 1]; lookup drafters report their match statistics. */
  readonly confidences: number[];
  /** Forward passes the drafter ran for this proposal (0 for lookup drafters). */
  readonly forwardPasses: number;
  /** True when `continueAfter` ended the proposal before `maxTokens`. */
  readonly stoppedEarly: boolean;
}

/**
 * One way of proposing tokens for the target to verify (vLLM's proposers, llama.cpp's common_speculative). The
 * decoder drives one lifecycle per generation: {@link begin} with the prompt, then every round an optional
 * {@link propose} and always an {@link accept} with what the round committed. A drafter keeps whatever state it
 * needs (a KV cache, an index, statistics) in step with that sequence, and cuts it back itself.
 */
export interface Drafter {
  /** A short name for metrics and traces, e.g. `model`, `prompt-lookup`. */
  readonly kind: string;
  readonly costClass: DraftCostClass;
  /** A new sequence starts with these prompt tokens. */
  begin(promptIds: readonly number[]): void;
  propose(request: DraftRequest): Promise<DraftProposal>;
  /**
   * The round is verified: `acceptedCount` leading tokens of this round's proposal were accepted (0 when it did not
   * propose), and `committedTokens` were appended to the sequence (the accepted ones, then the target's own token;
   * the prefill's first token in the round after {@link begin}).
   */
  accept(acceptedCount: number, committedTokens: readonly number[]): void;
  dispose(): void;
}
