import type { Rng } from '../sampling/prng.js';

/**
 * A draw from Beta(a, b) (a, b > 0), as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). The schedule samples a
 * handful of these per round, so exactness and a seeded generator matter more than speed.
 */
export function sampleBeta(rng: Rng, a: number, b: number): number {
  if (!(a > 0 && b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) throw new RangeError(`Beta parameters must be positive and finite, got ${a}, ${b}`);
  const x = sampleGamma(rng, a);
  const y = sampleGamma(rng, b);
  const sum = x + y;
  // Both draws can underflow to 0 for tiny shapes; the mean is the only sensible answer then.
  return sum > 0 ? x / sum : a / (a + b);
}

/**
 * A draw from Gamma(shape, 1): Marsaglia and Tsang's squeeze method (ACM TOMS 26(3), 2000), which needs about one
 * normal and one uniform per draw for shape ≥ 1; a shape below 1 is boosted to shape + 1 and scaled by U^(1/shape).
 */
export function sampleGamma(rng: Rng, shape: number): number {
  if (shape < 1) return sampleGamma(rng, shape + 1) * Math.pow(uniformOpen(rng), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = uniformOpen(rng);
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Box–Muller; one of the pair is enough here. */
function standardNormal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(uniformOpen(rng))) * Math.cos(2 * Math.PI * rng.next());
}

/** Uniform in (0, 1): the generator's [0, 1) without its 0, which the logarithms above cannot take. */
function uniformOpen(rng: Rng): number {
  let u = rng.next();
  while (u === 0) u = rng.next();
  return u;
}
