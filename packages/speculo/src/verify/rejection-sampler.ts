import { locateInvalidLogits } from '../errors.js';
import type { LogitsBlock } from '../sampling/logits-block.js';
import { isGreedy, sampleFrom, toProbabilities, type SamplingParams } from '../sampling/logits-processing.js';
import type { Rng } from '../sampling/prng.js';
import { verifyGreedy } from './greedy-verifier.js';
import { assertTargetRows, type VerifyOutcome } from './verify-outcome.js';

export type { VerifyOutcome } from './verify-outcome.js';

// Reused across rounds: p_i and the residual are full-vocabulary rows.
let targetProbs = new Float32Array(0);
let residual = new Float32Array(0);

function scratchRows(vocabSize: number): void {
  if (targetProbs.length !== vocabSize) {
    targetProbs = new Float32Array(vocabSize);
    residual = new Float32Array(vocabSize);
  }
}

/**
 * Speculative sampling (Leviathan et al. 2023, "Fast Inference from Transformers via Speculative Decoding";
 * Chen et al. 2023, "Accelerating LLM Decoding with Speculative Sampling"). For each draft token x_i, in order:
 * accept with probability min(1, p_i(x_i) / q_i(x_i)); at the first rejection draw the correction from
 * normalise(max(0, p_i − q_i)) and stop; if all γ are accepted draw a bonus token from p_γ. Every emitted token
 * is then distributed exactly as if sampled from the target alone.
 *
 * - `p_i` is `toProbabilities(target.values(i), params)`; `draftProbs[i]` must be q_i, the distribution the drafter
 *   actually sampled x_i from, processed with the same `params`. Any mismatch silently breaks losslessness.
 * - A `null` entry means a deterministic proposal: q_i is one-hot on x_i (e.g. a greedy drafter, or n-gram /
 *   prompt-lookup proposals). The same formulas then accept with probability p_i(x_i) and draw the correction from
 *   p_i with x_i removed, which is exactly the residual max(0, p_i − onehot(x_i)) normalised, so this is not an
 *   approximation but the rule applied to the true proposal distribution.
 * - Temperature 0 delegates to {@link verifyGreedy}, the limit of this rule when p and q are one-hot.
 *
 * Consumes one `rng` draw per examined draft token plus one for the final token, so a seed reproduces a run.
 * @throws {InvalidLogitsError} (with its `row`) when an examined target row holds NaN or +Infinity.
 */
export function verifySampling(draftTokens: ArrayLike<number>, draftProbs: ReadonlyArray<Float32Array | null>, target: LogitsBlock, params: SamplingParams, rng: Rng): VerifyOutcome {
  if (isGreedy(params)) return verifyGreedy(draftTokens, target);

  const draftCount = draftTokens.length;
  assertTargetRows(draftCount, target);
  const vocabSize = target.vocabSize;
  if (draftProbs.length !== draftCount) {
    throw new RangeError(`draftProbs has ${draftProbs.length} rows but there are ${draftCount} draft tokens`);
  }
  scratchRows(vocabSize);

  let row = 0;
  try {
    for (; row < draftCount; row++) {
      const token = draftTokens[row];
      const q = draftProbs[row];
      if (q !== null && q.length !== vocabSize) {
        throw new RangeError(`draftProbs[${row}] has length ${q.length}, expected vocabSize ${vocabSize}`);
      }
      const p = toProbabilities(target.values(row), params, targetProbs);
      const pToken = p[token];
      const qToken = q === null ? 1 : q[token];
      if (!(qToken > 0)) {
        throw new RangeError(
          `draft token ${token} at position ${row} has probability ${qToken} under its own draft distribution; ` + 'draftProbs must be the distribution the token was sampled from',
        );
      }
      // u < p/q written without the division; when p ≥ q it always holds, as min(1, ·) requires.
      if (rng.next() * qToken < pToken) continue;
      return { acceptedCount: row, nextToken: sampleResidual(p, q, token, rng) };
    }

    const bonusProbs = toProbabilities(target.values(draftCount), params, targetProbs);
    return { acceptedCount: draftCount, nextToken: sampleFrom(bonusProbs, rng) };
  } catch (error) {
    // toProbabilities sees one row; the row index says which draft position the bad logits scored.
    throw locateInvalidLogits(error, { row });
  }
}

/** Draws from normalise(max(0, p − q)); q null means one-hot on `rejectedToken`. */
function sampleResidual(p: Float32Array, q: Float32Array | null, rejectedToken: number, rng: Rng): number {
  let mass = 0;
  for (let j = 0; j < p.length; j++) {
    const difference = q === null ? (j === rejectedToken ? 0 : p[j]) : p[j] - q[j];
    residual[j] = difference > 0 ? difference : 0;
    // Read back the stored float32 so the check below sees exactly what sampleFrom will see.
    mass += residual[j];
  }
  // The residual is empty only when p ≤ q everywhere, i.e. p == q, where a rejection has probability 0 and can
  // only be reached through float rounding; p itself is then the right distribution.
  return mass > 0 ? sampleFrom(residual, rng) : sampleFrom(p, rng);
}
