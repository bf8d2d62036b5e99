import { describe, expect, it } from 'vitest';
import { chiSquareSurvival, goodnessOfFit, logGamma } from './helpers/chi-square.js';

describe('chi-square helper', () => {
  it('logGamma matches factorials and Γ(1/2) = √π', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9);
  });

  it('survival function matches tabulated critical values', () => {
    // Critical values from standard χ² tables (scipy.stats.chi2.isf).
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 9);
    expect(chiSquareSurvival(6.6348966010212145, 1)).toBeCloseTo(0.01, 9);
    expect(chiSquareSurvival(15.08627246938899, 5)).toBeCloseTo(0.01, 9);
    expect(chiSquareSurvival(18.307038053275146, 10)).toBeCloseTo(0.05, 9);
    expect(chiSquareSurvival(124.34211340400407, 100)).toBeCloseTo(0.05, 9);
    // df = 2 is exponential: Q(1, x/2) = e^(−x/2).
    expect(chiSquareSurvival(2, 2)).toBeCloseTo(Math.exp(-1), 12);
    expect(chiSquareSurvival(0, 3)).toBe(1);
  });

  it('goodnessOfFit accepts a fit, rejects a misfit and an impossible outcome', () => {
    expect(goodnessOfFit([2500, 2510, 2490, 2500], [0.25, 0.25, 0.25, 0.25]).pValue).toBeGreaterThan(0.9);
    expect(goodnessOfFit([3000, 2000, 2500, 2500], [0.25, 0.25, 0.25, 0.25]).pValue).toBeLessThan(1e-10);
    expect(goodnessOfFit([10, 0, 1], [0.5, 0.5, 0]).pValue).toBe(0);
  });
});
