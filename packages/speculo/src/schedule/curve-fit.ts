import { isotonicNonDecreasing } from './isotonic.js';

/**
 * Fits a convex, non-decreasing curve to a measured verify curve (cost of scoring k = 1..n tokens): the increments
 * are made non-decreasing and non-negative by pool-adjacent-violators, then the curve is placed at the level that
 * fits the measurement best in the least-squares sense.
 *
 * Verify passes have this shape: a GPU is memory-bound for a few tokens (scoring them costs about what one costs)
 * and compute-bound beyond, where each token adds the same work; a CPU is compute-bound from the start, with a
 * cheaper first extra token (measured on WASM: +0.2–0.5 ms from 1 to 2 tokens, then +0.6–0.7 ms a token). A
 * handful of timed passes per length on a busy device is noisy, and the isotonic profile turns noise into plateaus
 * and steps. Those steps mislead both the γ optimiser (it favours the end of a plateau) and the in-round stop rule,
 * which compares one more token's gain with the next step's cost: with a spurious step ahead it stops short of a γ
 * the round was planned for. On a convex curve marginal costs never decrease, so the one-step rule is exact. What
 * is lost is a genuine concave step (e.g. at a kernel tile boundary), which the fit spreads over the lengths
 * around it; the online correction still follows the overall level.
 *
 * (It replaces a flat-then-linear "hinge" fit, which is convex too but has one slope: on WASM it priced the cheap
 * first extra token at the average slope, and so γ = 1 about 5 % too high, enough to keep a draft that gains 6 %
 * in fallback most of the time.)
 */
export function fitConvexCurve(curve: readonly number[]): number[] {
  const n = curve.length;
  if (n < 2) return [...curve];
  const increments = curve.slice(1).map((y, k) => y - curve[k]!);
  const slopes = isotonicNonDecreasing(increments).map((slope) => Math.max(0, slope));
  const shape = [0];
  for (const slope of slopes) shape.push(shape[shape.length - 1]! + slope);
  const level = curve.reduce((a, y, k) => a + y - shape[k]!, 0) / n;
  const fitted = shape.map((s) => level + s);
  // A fit that dips to zero or below (wild noise on very few points) says less than the measurement itself.
  return fitted[0]! > 0 ? fitted : [...curve];
}
