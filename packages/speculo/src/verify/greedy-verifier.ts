import { locateInvalidLogits } from '../errors.js';
import type { LogitsBlock } from '../sampling/logits-block.js';
import { assertTargetRows, type VerifyOutcome } from './verify-outcome.js';

export type { VerifyOutcome } from './verify-outcome.js';

/**
 * Greedy verification: accept draft tokens while each equals the target's argmax, then emit the target's argmax
 * at the first mismatch (the correction) or after the last draft token (the bonus). The output is exactly what
 * greedy decoding with the target alone would produce.
 *
 * `target` holds γ + 1 rows: row i is the target's prediction after the i-th fed token,
 * where row 0 follows the last committed token and so predicts draft token 0, and row γ gives the bonus.
 * @throws {InvalidLogitsError} (with its `row`) when an examined row holds NaN or +Infinity.
 */
export function verifyGreedy(draftTokens: ArrayLike<number>, target: LogitsBlock): VerifyOutcome {
  const draftCount = draftTokens.length;
  assertTargetRows(draftCount, target);
  let row = 0;
  try {
    for (; row < draftCount; row++) {
      const targetToken = target.argmax(row);
      if (targetToken !== draftTokens[row]) return { acceptedCount: row, nextToken: targetToken };
    }
    return { acceptedCount: draftCount, nextToken: target.argmax(draftCount) };
  } catch (error) {
    // argmax sees one row; the row index is what tells a reader which draft position the bad logits scored.
    throw locateInvalidLogits(error, { row });
  }
}
