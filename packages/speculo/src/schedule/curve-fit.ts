/**
 * Least-squares fit of a "hinge" to a measured verify curve: flat up to some length h, then rising linearly,
 * i.e. cost(k) = a + b·max(0, k − h) with b ≥ 0, for k = 1..n, with h (1..n) chosen by the smallest squared error.
 *
 * This is the shape verify passes have: a GPU is memory-bound for a few tokens (scoring them costs about what one
 * costs) and compute-bound beyond, where each token adds the same work; a CPU is compute-bound from the start
 * (h = 1). A handful of timed passes per length on a busy device is noisy, and the isotonic profile turns noise
 * into plateaus and steps. Those steps mislead both the γ optimiser (it favours the end of a plateau) and the
 * in-round stop rule, which compares one more token's gain with the next step's cost: with a spurious step ahead it
 * stops short of a γ the round was planned for. A hinge is convex, so marginal costs never decrease and the
 * one-step rule is exact. What is lost is a genuine step (e.g. at a kernel tile boundary), which the fit spreads
 * over the lengths around it; the online correction still follows the overall level.
 */
export function fitHingeCurve(curve: readonly number[]): number[] {
  const n = curve.length;
  if (n < 2) return [...curve];
  const mean = curve.reduce((a, b) => a + b, 0) / n;
  let best = { sse: sumSquares(curve.map((y) => y - mean)), a: mean, b: 0, h: n };
  for (let h = 1; h < n; h++) {
    const xs = curve.map((_, i) => Math.max(0, i + 1 - h));
    const xMean = xs.reduce((a, b) => a + b, 0) / n;
    let covariance = 0;
    let variance = 0;
    for (let i = 0; i < n; i++) {
      covariance += (xs[i]! - xMean) * (curve[i]! - mean);
      variance += (xs[i]! - xMean) ** 2;
    }
    const b = covariance / variance;
    // A falling cost is noise: the flat fit (h = n) already covers "no growth".
    if (!(b > 0)) continue;
    const a = mean - b * xMean;
    const sse = sumSquares(curve.map((y, i) => y - (a + b * xs[i]!)));
    if (sse < best.sse) best = { sse, a, b, h };
  }
  const fitted = curve.map((_, i) => best.a + best.b * Math.max(0, i + 1 - best.h));
  // A fit that dips to zero or below (wild noise on very few points) says less than the measurement itself.
  return fitted[0]! > 0 ? fitted : [...curve];
}

function sumSquares(values: readonly number[]): number {
  return values.reduce((a, v) => a + v * v, 0);
}
