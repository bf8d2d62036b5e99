import { describe, expect, it } from 'vitest';
import { InvalidLogitsError } from '../../src/errors.js';
import { argmaxWithConfidence } from '../../src/sampling/logits-processing.js';
import { createRng, type Rng } from '../../src/sampling/prng.js';
import { rowStats } from '../../src/sampling/row-stats.js';

const f32 = (values: number[]): Float32Array => Float32Array.from(values);

/** Standard normal by Box–Muller. */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('rowStats', () => {
  it('gives the max, its first index and Σ exp(x − max)', () => {
    const row = f32([0.5, 2, -1, 1]);
    const stats = rowStats(row);
    expect(stats.token).toBe(1);
    expect(stats.max).toBe(2);
    const expected = [0.5, 2, -1, 1].reduce((sum, x) => sum + Math.exp(x - 2), 0);
    expect(stats.sumExp).toBeCloseTo(expected, 12);
  });

  it('breaks ties at the max towards the lowest index, and counts every tied term', () => {
    const stats = rowStats(f32([1, 3, 0, 3, 3]));
    expect(stats.token).toBe(1);
    expect(stats.max).toBe(3);
    expect(stats.sumExp).toBeCloseTo(3 + Math.exp(-2) + Math.exp(-3), 12);
  });

  it('lets −∞ entries contribute nothing', () => {
    const stats = rowStats(f32([-Infinity, 0, -Infinity, Math.log(3)]));
    expect(stats.token).toBe(3);
    expect(stats.sumExp).toBeCloseTo(1 + 1 / 3, 6); // log(3) rounded to float32
  });

  it('gives token 0, max −∞ and sumExp 1 for a row of −∞', () => {
    expect(rowStats(f32([-Infinity, -Infinity, -Infinity]))).toEqual({ token: 0, max: -Infinity, sumExp: 1 });
  });

  it('throws InvalidLogitsError with the column of the first NaN', () => {
    for (const [row, column] of [
      [f32([0, 1, NaN, 2, NaN]), 2],
      [f32([NaN, 1]), 0],
      [f32([Infinity, NaN]), 1],
    ] as const) {
      const error = thrown(() => rowStats(row));
      expect(error).toBeInstanceOf(InvalidLogitsError);
      expect((error as InvalidLogitsError).details()).toEqual({ value: 'NaN', column, model: null, round: null, row: null });
    }
  });

  it('throws InvalidLogitsError when the maximum is +Infinity, at its first column', () => {
    const error = thrown(() => rowStats(f32([0, -Infinity, Infinity, 1, Infinity])));
    expect(error).toBeInstanceOf(InvalidLogitsError);
    expect((error as InvalidLogitsError).details()).toMatchObject({ value: 'Infinity', column: 2 });
  });

  it('refuses an empty row', () => {
    expect(() => rowStats(new Float32Array(0))).toThrow(RangeError);
  });

  it('agrees with argmaxWithConfidence on random rows of 151,936 columns', () => {
    const rng = createRng(20260601);
    const row = new Float32Array(151_936);
    for (let trial = 0; trial < 6; trial++) {
      const scale = [1, 3, 8][trial % 3];
      for (let i = 0; i < row.length; i++) row[i] = scale * normal(rng);
      if (trial === 5) row[row.length - 1] = 50; // one clear winner: a confidence near 1
      const stats = rowStats(row);
      const fast = argmaxWithConfidence(row);
      expect(stats.token).toBe(fast.token);
      expect(stats.max).toBe(row[fast.token]);
      expect(Math.abs(1 / stats.sumExp - fast.confidence) / fast.confidence).toBeLessThan(1e-3);
    }
  });
});
