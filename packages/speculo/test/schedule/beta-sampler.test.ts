import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/sampling/prng.js';
import { sampleBeta, sampleGamma } from '../../src/schedule/beta-sampler.js';

function moments(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return { mean, variance: values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length };
}

describe('sampleBeta', () => {
  it.each([
    [1.2, 0.8],
    [0.3, 0.5],
    [12, 2],
    [40, 0.4],
  ])('Beta(%s, %s) has the right mean and variance', (a, b) => {
    const rng = createRng(17);
    const draws = Array.from({ length: 20000 }, () => sampleBeta(rng, a, b));
    expect(draws.every((x) => x >= 0 && x <= 1)).toBe(true);
    const { mean, variance } = moments(draws);
    const expectedMean = a / (a + b);
    const expectedVariance = (a * b) / ((a + b) ** 2 * (a + b + 1));
    // 20,000 draws: the sample mean is within about 4 standard errors.
    expect(Math.abs(mean - expectedMean)).toBeLessThan(4 * Math.sqrt(expectedVariance / draws.length));
    expect(variance / expectedVariance).toBeGreaterThan(0.93);
    expect(variance / expectedVariance).toBeLessThan(1.07);
  });

  it('is reproducible from the seed', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 5 }, () => sampleBeta(rng, 2, 3));
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });

  it('rejects parameters that are not positive', () => {
    const rng = createRng(1);
    expect(() => sampleBeta(rng, 0, 1)).toThrow(RangeError);
    expect(() => sampleBeta(rng, 1, Number.NaN)).toThrow(RangeError);
  });
});

describe('sampleGamma', () => {
  it.each([0.4, 1, 3.5])('Gamma(%s) has mean and variance equal to its shape', (shape) => {
    const rng = createRng(23);
    const { mean, variance } = moments(Array.from({ length: 20000 }, () => sampleGamma(rng, shape)));
    expect(Math.abs(mean - shape)).toBeLessThan(4 * Math.sqrt(shape / 20000));
    expect(variance / shape).toBeGreaterThan(0.93);
    expect(variance / shape).toBeLessThan(1.07);
  });
});
