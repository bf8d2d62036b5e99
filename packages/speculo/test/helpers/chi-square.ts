/**
 * Chi-square goodness-of-fit for the sampler tests. The survival function is the regularised upper incomplete
 * gamma Q(df/2, x/2), computed as in Numerical Recipes (series below a + 1, Lentz continued fraction above).
 */

const lanczos = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7): about 15 significant digits. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = lanczos[0];
  for (let i = 1; i < lanczos.length; i++) sum += lanczos[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a). */
export function upperRegularizedGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - sum * Math.exp(logPrefix);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

/** P(X ≥ statistic) for X ~ χ²(df). */
export function chiSquareSurvival(statistic: number, df: number): number {
  return upperRegularizedGamma(df / 2, statistic / 2);
}

export interface GoodnessOfFit {
  statistic: number;
  df: number;
  pValue: number;
}

/**
 * Pearson's test of observed counts against expected probabilities. Bins expected to hold fewer than 5 draws
 * are pooled (the χ² approximation needs that); a draw in a bin of probability 0 gives p-value 0 outright,
 * since no amount of chance explains an impossible outcome.
 */
export function goodnessOfFit(observed: ArrayLike<number>, expectedProbabilities: ArrayLike<number>): GoodnessOfFit {
  let draws = 0;
  let totalProbability = 0;
  for (let i = 0; i < observed.length; i++) draws += observed[i];
  for (let i = 0; i < expectedProbabilities.length; i++) totalProbability += expectedProbabilities[i];

  const bins: { observed: number; expected: number }[] = [];
  const pooled = { observed: 0, expected: 0 };
  for (let i = 0; i < expectedProbabilities.length; i++) {
    const expected = (expectedProbabilities[i] / totalProbability) * draws;
    if (expected === 0) {
      if (observed[i] > 0) return { statistic: Infinity, df: 0, pValue: 0 };
      continue;
    }
    if (expected < 5) {
      pooled.observed += observed[i];
      pooled.expected += expected;
    } else {
      bins.push({ observed: observed[i], expected });
    }
  }
  if (pooled.expected > 0) bins.push(pooled);

  let statistic = 0;
  for (const bin of bins) statistic += (bin.observed - bin.expected) ** 2 / bin.expected;
  const df = bins.length - 1;
  return { statistic, df, pValue: df > 0 ? chiSquareSurvival(statistic, df) : 1 };
}
