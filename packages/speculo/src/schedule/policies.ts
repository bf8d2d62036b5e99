import type { DeviceProfile, RoundReport, SchedulerPolicyName } from '../types/index.js';
import { assertInteger } from '../util/checks.js';
import { createRng } from '../sampling/prng.js';
import { AcceptanceEstimator, expectedCommittedFrom, type AcceptanceModel } from './acceptance-estimator.js';
import { CostModel } from './cost-model.js';
import { fitConvexCurve } from './curve-fit.js';
import { createThresholdStop, type EarlyStopRule, type EarlyStopSetting } from './early-stop.js';
import { chooseGamma, roundTokensPerMs } from './gamma-optimizer.js';
import { PositionAwareStop } from './position-aware-stop.js';

/** The γ a policy picks for a drafting round, with the speed-up it projects for it (null when it projects none). */
export interface GammaChoice {
  gamma: number;
  projectedSpeedup: number | null;
}

/**
 * Chooses γ for the rounds that draft; whether a round drafts at all is the speculation controller's call. The
 * controller asks {@link choose} before drafting, hands {@link continueAfter} (when present) to the drafter, then
 * reports the round.
 */
export interface SchedulePolicy {
  readonly name: SchedulerPolicyName;
  choose(): GammaChoice;
  /** In-round stop rule: asked after each drafted token with its 0-based position and raw confidence. */
  continueAfter?(position: number, confidence: number): boolean;
  observeRound(report: RoundReport): void;
  /**
   * The speed verdict, read after each round: the projected speed-up of the best speculative γ on slowly moving
   * estimates. Policies without it never trigger a speed fallback.
   */
  verdict?(): number;
  /** A speed-fallback probe begins: the evidence behind the verdict is stale, keep only part of it. */
  fadeEvidence?(): void;
}

function drafted(report: RoundReport): number {
  return report.proposal.tokens.length;
}

/** The same γ every round (γ = 0 is target-only decoding): the baseline, and today's `draftLength`. */
export function createStaticPolicy(gamma: number): SchedulePolicy {
  assertInteger('gamma', gamma, 0);
  return {
    name: 'static',
    choose: () => ({ gamma, projectedSpeedup: null }),
    observeRound: () => undefined,
  };
}

/**
 * transformers' "heuristic" schedule for `num_assistant_tokens`: +2 after a round whose drafts were all accepted,
 * otherwise −1 but never below 1. "All" means all that were drafted, as in transformers, so a round cut short that
 * was fully accepted still grows γ. Two deliberate differences: γ is capped at `max` (transformers is bounded only by
 * the length limit), and a round with nothing drafted leaves γ alone (there was nothing to judge).
 */
export function createHeuristicPolicy(initial = 4, max = 16): SchedulePolicy {
  assertInteger('initial', initial, 1);
  assertInteger('max', max, initial);
  let gamma = initial;
  return {
    name: 'heuristic',
    choose: () => ({ gamma, projectedSpeedup: null }),
    observeRound: (report) => {
      const count = drafted(report);
      if (count === 0) return;
      gamma = report.acceptedCount === count ? Math.min(max, gamma + 2) : Math.max(1, gamma - 1);
    },
  };
}

export interface AdaptivePolicyOptions {
  /** The device's measured costs (a full {@link DeviceProfile}, or just its curves). */
  profile: Pick<DeviceProfile, 'draftStepMs' | 'targetVerifyMs'>;
  /** Largest γ considered. Default 16. */
  maxGamma?: number;
  /** Half-life of the acceptance estimates that choose γ, in drafting rounds. Default 8. */
  halfLifeRounds?: number;
  /**
   * Half-life, in drafting rounds, of the slower estimates behind the fallback verdict (is speculation paying at
   * all?). Default 4 × `halfLifeRounds`. γ must follow the text round by round; the verdict must not: with 8
   * rounds of memory, a draft that gains 6 % spent most rounds in fallback in simulation, on estimates that dip
   * below break-even by chance.
   */
  verdictHalfLifeRounds?: number;
  /**
   * In-round stop rule. Default 'cost-aware', which here predicts the next token from the next position's acceptance
   * estimate and the drafted token's confidence (see {@link PositionAwareStop}).
   */
  earlyStop?: EarlyStopSetting;
  /** Half-life of the timing correction, in observations. Default 16. */
  costHalfLifeObservations?: number;
  /**
   * How the profile's verify curve is read: `'convex'` (default) fits a convex, non-decreasing curve to it (see
   * {@link fitConvexCurve}), `'as-measured'` uses the points as they are.
   */
  verifyCurve?: 'convex' | 'as-measured';
  /** Acceptance assumed before any evidence. Default 0.6. */
  priorAcceptance?: number;
  /**
   * Share of the acceptance evidence kept when a probe starts. Default 0.5: fallback means the evidence is stale,
   * so a few probe rounds must be able to overturn it, but not so little that the prior alone makes a still-useless
   * draft look worth resuming.
   */
  probeMemory?: number;
  /**
   * How γ is chosen from the acceptance estimates. `'off'`: the γ with the most expected tokens per ms on the
   * posterior means. `'thompson'`: the same, except that the positions past that γ take a draw from their posteriors
   * (Thompson sampling), so that a round may plan past the means' γ as often as a position there might pay: often
   * while its evidence is thin or stale, rarely once its own evidence says it does not pay.
   *
   * Default: `'thompson'` with the cost-aware early stop, `'off'` otherwise. With the stop, the drawn γ is only how far
   * the round may go: each token past the means' γ is still drafted only when the stop expects it to pay, so an
   * exploring round costs little. Measured in simulation against the means alone: −1 to +2 % (flat, decaying and
   * non-monotone acceptance by position, GPU- and WASM-like devices). Without the stop an exploring round drafts all
   * the way to the drawn γ: measured −0.5 to −3 %, and −5 % on a draft that is never right past its third token,
   * while the pooled prior alone already brings back positions whose evidence has faded (see
   * {@link AcceptanceEstimator}).
   */
  exploration?: 'thompson' | 'off';
  /** Seed of the exploration's draws, so that a run can be replayed. Default 0x5eed. */
  seed?: number;
}

/** The adaptive policy, with its parts exposed for inspection. */
export interface AdaptivePolicy extends SchedulePolicy {
  readonly name: 'adaptive';
  readonly estimator: AcceptanceEstimator;
  /** The slower estimates the fallback verdict is projected from. */
  readonly verdictEstimator: AcceptanceEstimator;
  readonly cost: CostModel;
}

/**
 * The cost model the adaptive policy plans with: the profile's draft step, and its verify curve read as
 * `verifyCurve` says (default `'convex'`). Exported so that a benchmark's prediction uses the scheduler's own reading.
 */
export function adaptiveCostModel(
  profile: Pick<DeviceProfile, 'draftStepMs' | 'targetVerifyMs'>,
  options: { verifyCurve?: AdaptivePolicyOptions['verifyCurve']; halfLifeObservations?: number } = {},
): CostModel {
  const measured = profile.targetVerifyMs;
  const convex = (options.verifyCurve ?? 'convex') === 'convex';
  const targetVerifyMs = convex ? fitConvexCurve(measured) : measured;
  return new CostModel({ draftStepMs: profile.draftStepMs, targetVerifyMs }, { halfLifeObservations: options.halfLifeObservations, convex });
}

/**
 * The default schedule. Each round it picks the γ ≥ 1 with the most expected committed tokens per ms from the
 * online acceptance estimates and the device's corrected cost curve, and stops drafting early when one more token
 * is not worth its cost. Its verdict (the best γ's projected speed-up on slower estimates) lets the speculation
 * controller hand over to the target alone when speculation is projected to lose.
 *
 * With exploration (see {@link AdaptivePolicyOptions.exploration}) the round's γ may go past the best γ on the
 * means; everything that judges the round stays on the means: the projected speed-up it reports is the drawn γ's on
 * the means, the early stop values time at the best rate on the means (the rate the round gives up, so a draw that
 * looks good does not make the stop stricter), and the verdict never sees a draw, so that fallback decisions are no
 * noisier than before.
 */
export function createAdaptivePolicy(options: AdaptivePolicyOptions): AdaptivePolicy {
  const maxGamma = options.maxGamma ?? 16;
  assertInteger('maxGamma', maxGamma, 1);
  const probeMemory = options.probeMemory ?? 0.5;
  const cost = adaptiveCostModel(options.profile, { verifyCurve: options.verifyCurve, halfLifeObservations: options.costHalfLifeObservations });
  const halfLifeRounds = options.halfLifeRounds ?? 8;
  const estimator = new AcceptanceEstimator({ halfLifeRounds, priorAcceptance: options.priorAcceptance });
  const verdictEstimator = new AcceptanceEstimator({ halfLifeRounds: options.verdictHalfLifeRounds ?? 4 * halfLifeRounds, priorAcceptance: options.priorAcceptance });
  const earlyStopSetting = options.earlyStop ?? 'cost-aware';
  const earlyStop: EarlyStopRule | null =
    earlyStopSetting === 'off'
      ? null
      : earlyStopSetting === 'cost-aware'
        ? new PositionAwareStop(cost, { positionAcceptance: (position) => estimator.acceptance(position), halfLifeRounds })
        : createThresholdStop(earlyStopSetting.threshold);
  // γ = 0 is left to the controller's fallback, which adds hysteresis and probing; letting the optimiser pick it
  // directly would stop all evidence gathering with no way back.
  const bestSpeculative = (from: AcceptanceModel = estimator) => chooseGamma({ estimator: from, cost, maxGamma, minGamma: 1 });
  const explore = (options.exploration ?? (earlyStopSetting === 'cost-aware' ? 'thompson' : 'off')) === 'thompson';
  const rng = createRng(options.seed ?? 0x5eed);

  const policy: AdaptivePolicy = {
    name: 'adaptive',
    estimator,
    verdictEstimator,
    cost,
    choose() {
      const exploit = bestSpeculative();
      let gamma = exploit.gamma;
      if (explore) {
        // Positions inside the plan keep their means: every round that gets that far judges them, so a draw there
        // teaches nothing and only makes γ jitter. Positions past it are judged by no planned round; their evidence
        // fades, their posteriors widen toward the pooled rate, and a draw there asks whether they might pay.
        const sampled = estimator.acceptanceByPosition(exploit.gamma);
        for (let position = exploit.gamma; position < maxGamma; position++) sampled.push(estimator.sample(position, rng));
        gamma = bestSpeculative({ expectedCommitted: (g) => expectedCommittedFrom(sampled, g) }).gamma;
      }
      earlyStop?.beginRound({ gamma, tokensPerMs: exploit.expectedTokensPerMs });
      return { gamma, projectedSpeedup: roundTokensPerMs(estimator, cost, gamma) / exploit.targetOnlyTokensPerMs };
    },
    observeRound(report) {
      const count = drafted(report);
      const { draftMs, verifyMs, rollbackMs, roundMs } = report.timings;
      cost.observe({ kind: 'verify', tokens: count + 1, ms: verifyMs });
      if (count > 0) {
        cost.observe({ kind: 'draft', steps: count, ms: draftMs });
        cost.observe({ kind: 'rollback', ms: rollbackMs });
      }
      cost.observe({ kind: 'round-overhead', ms: Math.max(0, roundMs - draftMs - verifyMs - rollbackMs) });
      estimator.observeRound(count, report.acceptedCount);
      verdictEstimator.observeRound(count, report.acceptedCount);
      earlyStop?.observeRound(report.proposal.confidences.slice(0, count), report.acceptedCount);
    },
    verdict: () => bestSpeculative(verdictEstimator).projectedSpeedup,
    fadeEvidence() {
      estimator.fade(probeMemory);
      verdictEstimator.fade(probeMemory);
    },
  };
  if (earlyStop) policy.continueAfter = (position, confidence) => earlyStop.continueAfter(position, confidence);
  return policy;
}
