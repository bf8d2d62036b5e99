import type { Rng } from '../sampling/prng.js';
import type { SamplingParams } from '../sampling/logits-processing.js';
import type { GpuCopyBatch } from '../kv/gpu-copy-batch.js';

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
 * One way of proposing tokens for the target to verify (vLLM's proposers, llama.cpp's common_speculative).
 * The decoder calls `propose` once per round with everything committed so far, then `rollback` with how much of
 * that history the drafter may keep.
 */
export interface Drafter {
  /** A short name for metrics and traces, e.g. `model`, `prompt-lookup`. */
  readonly kind: string;
  propose(request: DraftRequest): Promise<DraftProposal>;
  /** Forget anything past the first `validLength` committed tokens (queued GPU copies go on `batch`). */
  rollback(validLength: number, batch: GpuCopyBatch | null): void;
  /** Start afresh for a new prompt. */
  reset(): void;
  dispose(): void;
}
