import { expectedCommittedFrom, type AcceptanceModel } from './acceptance-estimator.js';
import type { CostCurve } from './cost-model.js';

/** The best draft length for the next round and what it is expected to deliver. */
export interface GammaChoice {
  /** Tokens to draft; 0 means decode with the target alone. */
  gamma: number;
  /** Expected committed tokens per ms of draft + verify time at `gamma`. */
  expectedTokensPerMs: number;
  /** `expectedTokensPerMs` / `targetOnlyTokensPerMs`: > 1 means speculation is expected to pay. */
  projectedSpeedup: number;
  /** Target-only decoding: one token per round of a single-token target pass and the engine's per-round work. */
  targetOnlyTokensPerMs: number;
}

export interface ChooseGammaInput {
  estimator: AcceptanceModel;
  cost: CostCurve;
  /** Largest γ considered. */
  maxGamma: number;
  /**
   * Smallest γ considered, default 0. Pass 1 for the best speculative choice even when target-only would win, e.g.
   * to know how far below 1 the speedup is, or to probe.
   */
  minGamma?: number;
}

/** Target-only rounds commit exactly one token. */
const targetOnly: AcceptanceModel = { expectedCommitted: () => 1 };

/**
 * Expected committed tokens per ms for a round drafting γ tokens:
 * E[committed(γ)] / (draft(γ) + verify(γ + 1) + overhead(γ)). Draft, verify, the cache cut and the engine's own
 * work run one after the other, so their times add.
 */
export function roundTokensPerMs(acceptance: AcceptanceModel, cost: CostCurve, gamma: number): number {
  return acceptance.expectedCommitted(gamma) / (cost.draftMs(gamma) + cost.verifyMs(gamma + 1) + (cost.roundOverheadMs?.(gamma) ?? 0));
}

/**
 * The γ in minGamma..maxGamma that maximises expected committed tokens per ms, by evaluating every candidate:
 * the objective is not concave in general (a cost curve with steps, e.g. at a GPU tile boundary, has several local
 * optima) and maxGamma is small, so exhaustive search is both exact and cheap. Ties go to the smaller γ, which
 * wastes less when the estimates are off.
 */
export function chooseGamma(input: ChooseGammaInput): GammaChoice {
  const { estimator, cost, maxGamma } = input;
  const minGamma = input.minGamma ?? 0;
  if (!Number.isInteger(maxGamma) || maxGamma < 0) throw new RangeError(`maxGamma must be a non-negative integer, got ${maxGamma}`);
  if (!Number.isInteger(minGamma) || minGamma < 0 || minGamma > maxGamma) {
    throw new RangeError(`minGamma must be an integer in 0..${maxGamma}, got ${minGamma}`);
  }
  const targetOnlyTokensPerMs = roundTokensPerMs(targetOnly, cost, 0);
  let best = { gamma: minGamma, rate: roundTokensPerMs(estimator, cost, minGamma) };
  for (let gamma = minGamma + 1; gamma <= maxGamma; gamma++) {
    const rate = roundTokensPerMs(estimator, cost, gamma);
    if (rate > best.rate) best = { gamma, rate };
  }
  return {
    gamma: best.gamma,
    expectedTokensPerMs: best.rate,
    projectedSpeedup: best.rate / targetOnlyTokensPerMs,
    targetOnlyTokensPerMs,
  };
}

/**
 * Conditional acceptances α_i from cumulative ones c_i = P(draft tokens 0..i all accepted), as
 * `GenerationMetrics.acceptanceByPosition` reports them (a token at position i counts as accepted only when every
 * token before it was): α_i = c_i / c_{i−1}, clamped to [0, 1] because with a varying γ the two rates come from
 * slightly different sets of rounds.
 */
export function conditionalFromCumulative(cumulative: readonly number[]): number[] {
  return cumulative.map((c, i) => {
    const before = i === 0 ? 1 : cumulative[i - 1];
    return before > 0 ? Math.min(1, Math.max(0, c / before)) : 0;
  });
}

/**
 * The speed-up over target-only decoding that the model predicts for a fixed γ, given measured acceptance, for the
 * benchmark's "measured vs predicted". `acceptanceByPosition` is cumulative, exactly as
 * `GenerationMetrics.acceptanceByPosition` reports it (see {@link conditionalFromCumulative}); positions past its
 * end keep the last conditional acceptance.
 */
export function analyticSpeedup(acceptanceByPosition: readonly number[], cost: CostCurve, gamma: number): number {
  const conditional = conditionalFromCumulative(acceptanceByPosition);
  const model: AcceptanceModel = { expectedCommitted: (g) => expectedCommittedFrom(conditional, g) };
  return roundTokensPerMs(model, cost, gamma) / roundTokensPerMs(targetOnly, cost, 0);
}
