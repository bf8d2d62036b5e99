import { describe, expect, it } from 'vitest';
import { fitConvexCurve } from '../../src/schedule/curve-fit.js';
import { isotonicNonDecreasing } from '../../src/schedule/isotonic.js';
import { createRng } from '../../src/sampling/prng.js';

describe('fitConvexCurve', () => {
  it('reproduces a hinge, a line and a flat curve exactly', () => {
    const hinge = [20, 20, 20, 22, 24, 26];
    fitConvexCurve(hinge).forEach((y, i) => expect(y).toBeCloseTo(hinge[i]!, 9));
    const line = [10, 12, 14, 16, 18];
    fitConvexCurve(line).forEach((y, i) => expect(y).toBeCloseTo(line[i]!, 9));
    expect(fitConvexCurve([7, 7, 7])).toEqual([7, 7, 7]);
  });

  it('keeps a cheap first extra token, as WASM measures it, instead of pricing it at the average slope', () => {
    // Decode-measured WASM verify times for 1..9 tokens (ctrl-target): +0.36 ms from 1 to 2 tokens, then ~+0.64.
    const measured = [4.69, 5.05, 5.9, 6.73, 7.31, 7.9, 8.53, 9.13, 9.82];
    const fitted = fitConvexCurve(measured);
    expect(fitted[1]! - fitted[0]!).toBeLessThan(0.45);
    fitted.forEach((y, k) => expect(Math.abs(y / measured[k]! - 1)).toBeLessThan(0.05));
  });

  it('turns an isotonic fit of noisy samples back into a convex, non-decreasing curve near the truth', () => {
    const rng = createRng(7);
    const truth = Array.from({ length: 9 }, (_, k) => 5 + 0.6 * k);
    const error = (curve: number[]) => curve.reduce((a, y, k) => a + Math.abs(y / truth[k]! - 1), 0) / curve.length;
    let fittedError = 0;
    let measuredError = 0;
    for (let trial = 0; trial < 50; trial++) {
      // ±20 % noise, then the isotonic pooling buildProfile applies: plateaus and steps.
      const measured = isotonicNonDecreasing(truth.map((y) => y * (0.8 + 0.4 * rng.next())));
      const fitted = fitConvexCurve(measured);
      for (let k = 1; k < fitted.length; k++) {
        expect(fitted[k]!).toBeGreaterThanOrEqual(fitted[k - 1]! - 1e-9);
        if (k > 1) expect(fitted[k]! - fitted[k - 1]!).toBeGreaterThanOrEqual(fitted[k - 1]! - fitted[k - 2]! - 1e-9);
      }
      fittedError += error(fitted) / 50;
      measuredError += error(measured) / 50;
    }
    // Closer to the truth on average than the points it was fitted to.
    expect(fittedError).toBeLessThan(0.8 * measuredError);
  });

  it('never returns a non-positive cost: it falls back to the measurement', () => {
    expect(fitConvexCurve([0.001, 0.001, 5, 50])[0]!).toBeGreaterThan(0);
    expect(fitConvexCurve([4])).toEqual([4]);
  });
});
