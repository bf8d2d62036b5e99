import { argmax } from './logits-processing.js';

/** What a round needs of one logits row, computed in one pass. */
export interface RowStats {
  /** Index of the first largest value (ties → lowest index). */
  token: number;
  /** The largest value. */
  max: number;
  /**
   * Σ exp(x − max) over the row (≥ 1; −∞ entries contribute 0). confidence = 1 / sumExp,
   * log-sum-exp = max + log(sumExp).
   */
  sumExp: number;
}

/**
 * The exact reference of the GPU kernel in src/gpu/logits-row-stats.ts: the first largest value and its index, and
 * Σ exp(x − max) summed in float64 with `Math.exp`. A row entirely −∞ gives token 0, max −∞ and sumExp 1 (the
 * maximum's own term is 1, every other term 0).
 * @throws {InvalidLogitsError} on a NaN in the row, or when the maximum is +Infinity, as {@link argmax}.
 * @throws {RangeError} on an empty row.
 */
export function rowStats(row: Float32Array): RowStats {
  if (row.length === 0) throw new RangeError('rowStats needs a row of at least one value');
  const token = argmax(row);
  const max = row[token];
  // exp(−∞ − (−∞)) would be NaN: a row of −∞ is the maximum's own term alone.
  if (max === -Infinity) return { token, max, sumExp: 1 };
  let sumExp = 0;
  for (let i = 0; i < row.length; i++) sumExp += Math.exp(row[i] - max);
  return { token, max, sumExp };
}
