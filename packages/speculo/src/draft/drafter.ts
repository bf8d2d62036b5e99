import type { Rng } from '../sampling/prng.js';
import type { SamplingParams } from '../sampling/logits-processing.js';
import type { GpuCopyBatch } from '../kv/gpu-copy-batch.js';

/** What a drafter proposes for one round. */
export interface DraftProposal {
  /** Proposed token ids, at most the requested count. */
  readonly tokens: number[];
  /**
   * The distribution each token was drawn from (after the same logits processing as the target's), or null for
   * a deterministic proposal; the rejection sampler treats null as a one-hot distribution.
   */
  readonly probabilities: (Float32Array | null)[];
  /** Forward passes the drafter ran for this proposal (0 for lookup drafters). */
  readonly forwardPasses: number;
}

/**
 * One way of proposing tokens for the target to verify (vLLM's proposer, llama.cpp's common_speculative).
 * The decoder calls `propose` once per round with everything committed so far, then `rollback` with how much of
 * that history the drafter may keep.
 */
export interface Drafter {
  readonly kind: string;
  propose(committed: readonly number[], maxTokens: number, sampling: SamplingParams, rng: Rng, targetVocabSize: number): Promise<DraftProposal>;
  /** Forget anything past the first `validLength` committed tokens (queued GPU copies go on `batch`). */
  rollback(validLength: number, batch: GpuCopyBatch | null): void;
  /** Start afresh for a new prompt. */
  reset(): void;
  dispose(): void;
}
