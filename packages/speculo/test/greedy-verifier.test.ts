import { describe, expect, it } from 'vitest';
import type { LogitsBlock } from '../src/sampling/logits-block.js';
import { verifyGreedy } from '../src/verify/greedy-verifier.js';
import { hostBlock } from './helpers/logits-block.js';

const vocabSize = 6;

/** γ + 1 rows whose argmaxes are `winners` (row i predicts the token after the i-th fed token). */
function rowsFavouring(winners: number[]): LogitsBlock {
  const logits = new Float32Array(winners.length * vocabSize);
  winners.forEach((winner, row) => {
    for (let token = 0; token < vocabSize; token++) logits[row * vocabSize + token] = -Math.abs(token - winner);
    logits[row * vocabSize + winner] = 2;
  });
  return hostBlock(logits, vocabSize);
}

describe('verifyGreedy', () => {
  it('accepts every matching draft token and takes the bonus from the last row', () => {
    expect(verifyGreedy([3, 1, 4], rowsFavouring([3, 1, 4, 5]))).toEqual({ acceptedCount: 3, nextToken: 5 });
  });

  it('stops at the first mismatch and returns the target token as the correction', () => {
    // Row 2 disagrees; row 3 would agree with nothing but must not be consulted.
    expect(verifyGreedy([3, 1, 4], rowsFavouring([3, 1, 2, 0]))).toEqual({ acceptedCount: 2, nextToken: 2 });
  });

  it('accepts nothing when the first draft token is wrong', () => {
    expect(verifyGreedy([0, 1], rowsFavouring([5, 1, 2]))).toEqual({ acceptedCount: 0, nextToken: 5 });
  });

  it('does not accept later matches after a mismatch', () => {
    expect(verifyGreedy([2, 2, 2], rowsFavouring([2, 3, 2, 2]))).toEqual({ acceptedCount: 1, nextToken: 3 });
  });

  it('handles γ = 1 both ways', () => {
    expect(verifyGreedy([4], rowsFavouring([4, 0]))).toEqual({ acceptedCount: 1, nextToken: 0 });
    expect(verifyGreedy([4], rowsFavouring([1, 0]))).toEqual({ acceptedCount: 0, nextToken: 1 });
  });

  it('handles a long γ', () => {
    const winners = Array.from({ length: 65 }, (_, i) => (i * 7) % vocabSize);
    const draft = winners.slice(0, 64);
    expect(verifyGreedy(draft, rowsFavouring(winners))).toEqual({ acceptedCount: 64, nextToken: winners[64] });
    const wrongAt40 = [...draft];
    wrongAt40[40] = (wrongAt40[40] + 1) % vocabSize;
    expect(verifyGreedy(wrongAt40, rowsFavouring(winners))).toEqual({
      acceptedCount: 40,
      nextToken: winners[40],
    });
  });

  it('accepts typed-array drafts and breaks logit ties to the lowest id', () => {
    const logits = new Float32Array(2 * vocabSize);
    logits.fill(1, 0, vocabSize); // row 0: all tied, so the target picks token 0
    logits[vocabSize + 3] = 1;
    expect(verifyGreedy(Int32Array.from([0]), hostBlock(logits, vocabSize))).toEqual({ acceptedCount: 1, nextToken: 3 });
  });

  it('rejects logits that are not γ + 1 rows', () => {
    expect(() => verifyGreedy([1, 2], hostBlock(new Float32Array(2 * vocabSize), vocabSize))).toThrow(/2 rows, expected 3/);
  });
});
