import { AcceptanceEstimator } from './acceptance-estimator.js';
import { CostModel } from './cost-model.js';
import type { DeviceProfile } from './device-profile.js';
import { fitConvexCurve } from './curve-fit.js';
import { createEarlyStopRule, type EarlyStopRule, type EarlyStopSetting } from './early-stop.js';
import { FallbackController, type FallbackOptions, type FallbackState, type RoundMode } from './fallback.js';
import { chooseGamma } from './gamma-optimizer.js';

export type { FallbackState, RoundMode } from './fallback.js';

/** What the decoder should do in the next round. */
export interface RoundPlan {
  /** Tokens to draft at most; 0 with mode 'target-only'. The decoder may cap it further (output, context). */
  gamma: number;
  mode: RoundMode;
}

/** What happened in a round, as the decoder measured it. */
export interface RoundObservation {
  /** Tokens the drafter proposed. */
  drafted: number;
  /** How many of them the target accepted. */
  accepted: number;
  /** Time in the draft's forward passes. */
  draftMs: number;
  /** Time of the target's verify pass (it scored drafted + 1 tokens). */
  verifyMs: number;
  /** The drafter's `continueAfter` ended the proposal before γ. */
  stoppedEarly: boolean;
  /** The drafter's raw confidence in each proposed token. */
  confidences: number[];
  /** The decoder capped γ below the plan because of the output or context limit. */
  outputLimited?: boolean;
  /** Time spent cutting the caches back after verification. */
  rollbackMs?: number;
  /**
   * Wall time of the whole round up to this report: the forward passes, the cache cut, and everything the engine
   * does around them (the hop to the event loop, verification, commit, detokenising, streaming the tokens).
   */
  roundMs?: number;
}

/** Why drafting ended in a round. 'none': nothing was drafted, or the drafter ran out of proposals on its own. */
export type StopReason = 'gamma-reached' | 'low-confidence' | 'output-limit' | 'none';

/** One round's decision, for the result's metrics. */
export interface RoundDecision {
  /** 1-based round number within the generation. */
  round: number;
  /** γ the policy planned (before any cap by the decoder). */
  gamma: number;
  mode: RoundMode;
  stopReason: StopReason;
  drafted: number;
  accepted: number;
  /**
   * Adaptive only (null otherwise): the speedup over target-only projected at planning time for the best
   * speculative γ. In target-only rounds it is the projection that kept speculation off.
   */
  projectedSpeedup: number | null;
  /** The fallback state the round was planned in; always 'speculating' for policies without a fallback. */
  fallbackState: FallbackState;
}

/**
 * Chooses γ round by round. The decoder calls `nextRound()` before drafting, hands `continueAfter` (when present)
 * to the drafter, then reports the round with `observeRound()`.
 */
export interface SchedulePolicy {
  readonly name: 'adaptive' | 'static' | 'heuristic';
  nextRound(): RoundPlan;
  /** In-round stop rule: asked after each drafted token with its 0-based position and raw confidence. */
  continueAfter?(position: number, confidence: number): boolean;
  observeRound(record: RoundObservation): void;
  /**
   * Observed rounds' decisions in order, from the `from`-th on (default all): copies of the policy's log, which
   * holds the most recent 4096.
   */
  decisions(from?: number): RoundDecision[];
  /** The latest observed round's decision, without copying the log (asked every round). */
  lastDecision(): RoundDecision | undefined;
}

/**
 * Recent decisions kept by a policy. Adaptive policies live as long as the engine, so the log is a window, not a
 * history: each generation's own decisions are collected by its planner as they are made.
 */
const decisionWindow = 4096;

/** Pairs each plan with its observation; shared by every policy so decisions are recorded the same way. */
class DecisionLog {
  private readonly entries: RoundDecision[] = [];
  /** Decisions removed from the front of `entries`. */
  private dropped = 0;
  /** Leading entries past the window but not yet removed: they go in one splice, not one shift a round. */
  private stale = 0;
  private pending: { plan: RoundPlan; projectedSpeedup: number | null; fallbackState: FallbackState } | null = null;

  plan(plan: RoundPlan, projectedSpeedup: number | null = null, fallbackState: FallbackState = 'speculating'): RoundPlan {
    this.pending = { plan, projectedSpeedup, fallbackState };
    return plan;
  }

  /** Records the round and returns its plan. */
  observe(record: RoundObservation): RoundPlan {
    if (!this.pending) throw new Error('observeRound was called without a preceding nextRound');
    checkObservation(record);
    const { plan, projectedSpeedup, fallbackState } = this.pending;
    this.pending = null;
    this.entries.push({
      round: this.count + 1,
      gamma: plan.gamma,
      mode: plan.mode,
      stopReason: stopReasonOf(plan, record),
      drafted: record.drafted,
      accepted: record.accepted,
      projectedSpeedup,
      fallbackState,
    });
    if (this.entries.length - this.stale > decisionWindow) this.stale++;
    if (this.stale >= decisionWindow) {
      this.entries.splice(0, this.stale);
      this.dropped += this.stale;
      this.stale = 0;
    }
    return plan;
  }

  /** Decisions from the `start`-th on (0-based over every round observed), as far as the window still holds them. */
  from(start: number): RoundDecision[] {
    return this.entries.slice(Math.max(this.stale, start - this.dropped)).map((entry) => ({ ...entry }));
  }

  get count(): number {
    return this.dropped + this.entries.length;
  }

  last(): RoundDecision | undefined {
    const entry = this.entries.at(-1);
    return entry && { ...entry };
  }
}

function stopReasonOf(plan: RoundPlan, record: RoundObservation): StopReason {
  if (record.stoppedEarly) return 'low-confidence';
  if (record.outputLimited) return 'output-limit';
  if (plan.gamma > 0 && record.drafted >= plan.gamma) return 'gamma-reached';
  return 'none';
}

function checkObservation(record: RoundObservation): void {
  if (!Number.isInteger(record.drafted) || record.drafted < 0) throw new RangeError(`drafted must be a non-negative integer, got ${record.drafted}`);
  if (!Number.isInteger(record.accepted) || record.accepted < 0 || record.accepted > record.drafted) {
    throw new RangeError(`accepted must be an integer in 0..${record.drafted}, got ${record.accepted}`);
  }
}

function checkGamma(name: string, gamma: number, min: number): void {
  if (!Number.isInteger(gamma) || gamma < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${gamma}`);
}

/** The same γ every round (γ = 0 is target-only decoding): the baseline, and today's `draftLength`. */
export function createStaticPolicy(gamma: number): SchedulePolicy {
  checkGamma('gamma', gamma, 0);
  const log = new DecisionLog();
  const plan: RoundPlan = { gamma, mode: gamma === 0 ? 'target-only' : 'speculate' };
  return {
    name: 'static',
    nextRound: () => log.plan({ ...plan }),
    observeRound: (record) => void log.observe(record),
    decisions: (from = 0) => log.from(from),
    lastDecision: () => log.last(),
  };
}

/**
 * transformers' "heuristic" schedule for `num_assistant_tokens`: +2 after a round whose drafts were all accepted,
 * otherwise −1 but never below 1. "All" means all that were drafted, as in transformers, so a round cut short that
 * was fully accepted still grows γ. Two deliberate differences: γ is capped at `max` (transformers is bounded only by
 * the length limit), and a round with nothing drafted leaves γ alone (there was nothing to judge).
 */
export function createHeuristicPolicy(initial = 4, max = 16): SchedulePolicy {
  checkGamma('initial', initial, 1);
  checkGamma('max', max, initial);
  const log = new DecisionLog();
  let gamma = initial;
  return {
    name: 'heuristic',
    nextRound: () => log.plan({ gamma, mode: 'speculate' }),
    observeRound: (record) => {
      log.observe(record);
      if (record.drafted === 0) return;
      gamma = record.accepted === record.drafted ? Math.min(max, gamma + 2) : Math.max(1, gamma - 1);
    },
    decisions: (from = 0) => log.from(from),
    lastDecision: () => log.last(),
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
  /** In-round stop rule. Default 'cost-aware'. */
  earlyStop?: EarlyStopSetting;
  fallback?: FallbackOptions;
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
}

/** The adaptive policy, with its parts exposed for inspection. */
export interface AdaptivePolicy extends SchedulePolicy {
  readonly name: 'adaptive';
  readonly estimator: AcceptanceEstimator;
  /** The slower estimates the fallback verdict is projected from. */
  readonly verdictEstimator: AcceptanceEstimator;
  readonly cost: CostModel;
  readonly fallback: FallbackController;
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
 * online acceptance estimates and the device's corrected cost curve, stops drafting early when one more token is
 * not worth its cost, and hands over to the target alone when the best γ is projected to lose (probing now and then).
 */
export function createAdaptivePolicy(options: AdaptivePolicyOptions): AdaptivePolicy {
  const maxGamma = options.maxGamma ?? 16;
  checkGamma('maxGamma', maxGamma, 1);
  const probeMemory = options.probeMemory ?? 0.5;
  const cost = adaptiveCostModel(options.profile, { verifyCurve: options.verifyCurve, halfLifeObservations: options.costHalfLifeObservations });
  const halfLifeRounds = options.halfLifeRounds ?? 8;
  const estimator = new AcceptanceEstimator({ halfLifeRounds, priorAcceptance: options.priorAcceptance });
  const verdictEstimator = new AcceptanceEstimator({ halfLifeRounds: options.verdictHalfLifeRounds ?? 4 * halfLifeRounds, priorAcceptance: options.priorAcceptance });
  const fallback = new FallbackController(options.fallback);
  const earlyStop: EarlyStopRule | null = createEarlyStopRule(options.earlyStop ?? 'cost-aware', cost);
  const log = new DecisionLog();
  // γ = 0 is left to the fallback controller, which adds hysteresis and probing; letting the optimiser pick it
  // directly would stop all evidence gathering with no way back.
  const bestSpeculative = (from: AcceptanceEstimator = estimator) => chooseGamma({ estimator: from, cost, maxGamma, minGamma: 1 });

  const policy: AdaptivePolicy = {
    name: 'adaptive',
    estimator,
    verdictEstimator,
    cost,
    fallback,
    nextRound() {
      const mode = fallback.nextMode();
      if (mode === 'target-only') return log.plan({ gamma: 0, mode }, bestSpeculative(verdictEstimator).projectedSpeedup, fallback.state);
      const choice = bestSpeculative();
      earlyStop?.beginRound({ gamma: choice.gamma, tokensPerMs: choice.expectedTokensPerMs });
      return log.plan({ gamma: choice.gamma, mode }, choice.projectedSpeedup, fallback.state);
    },
    observeRound(record) {
      log.observe(record);
      cost.observe({ kind: 'verify', tokens: record.drafted + 1, ms: record.verifyMs });
      if (record.drafted > 0) {
        cost.observe({ kind: 'draft', steps: record.drafted, ms: record.draftMs });
        if (record.rollbackMs !== undefined) cost.observe({ kind: 'rollback', ms: record.rollbackMs });
      }
      if (record.roundMs !== undefined) {
        cost.observe({ kind: 'round-overhead', ms: Math.max(0, record.roundMs - record.draftMs - record.verifyMs - (record.rollbackMs ?? 0)) });
      }
      estimator.observeRound(record.drafted, record.accepted);
      verdictEstimator.observeRound(record.drafted, record.accepted);
      earlyStop?.observeRound(record.confidences.slice(0, record.drafted), record.accepted);
      const before = fallback.state;
      const after = fallback.observe(bestSpeculative(verdictEstimator).projectedSpeedup);
      if (before === 'fallback' && after === 'probing') {
        estimator.fade(probeMemory);
        verdictEstimator.fade(probeMemory);
      }
    },
    decisions: (from = 0) => log.from(from),
    lastDecision: () => log.last(),
  };
  if (earlyStop) policy.continueAfter = (position, confidence) => earlyStop.continueAfter(position, confidence);
  return policy;
}
