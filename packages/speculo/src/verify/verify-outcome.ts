/** What the target's verification of one round of draft tokens decided. */
export interface VerifyOutcome {
  /** How many draft tokens, from the first, the target accepted (0..γ). */
  acceptedCount: number;
  /**
   * The token the target itself contributes this round: the correction replacing the first rejected draft token,
   * or, when all γ were accepted, the bonus token drawn from the row after the last draft token.
   */
  nextToken: number;
}

/** Checks that `targetLogits` holds exactly γ + 1 rows of `vocabSize` logits. */
export function assertTargetRows(draftCount: number, targetLogits: Float32Array, vocabSize: number): void {
  if (!Number.isInteger(vocabSize) || vocabSize <= 0) {
    throw new RangeError(`vocabSize must be a positive integer, got ${vocabSize}`);
  }
  const expected = (draftCount + 1) * vocabSize;
  if (targetLogits.length !== expected) {
    throw new RangeError(`targetLogits has ${targetLogits.length} values, expected ${draftCount + 1} rows × ${vocabSize} = ${expected}`);
  }
}
