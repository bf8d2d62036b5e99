import type { LogitsBlock } from '../sampling/logits-block.js';

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

/** Checks that the target's block holds exactly γ + 1 rows. */
export function assertTargetRows(draftCount: number, target: LogitsBlock): void {
  if (!Number.isInteger(target.vocabSize) || target.vocabSize <= 0) {
    throw new RangeError(`vocabSize must be a positive integer, got ${target.vocabSize}`);
  }
  if (target.rows !== draftCount + 1) {
    throw new RangeError(`the target's logits have ${target.rows} rows, expected ${draftCount + 1} (one per draft token, and one more)`);
  }
}
