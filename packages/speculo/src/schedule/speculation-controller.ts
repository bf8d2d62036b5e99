import type { DeviceProfile, DraftCostClass, GuardrailConfig, GuardrailEvent, RoundObserver, RoundPlan, RoundReport, SchedulerOptions, SchedulerPolicyName } from '../types/index.js';
import { GuardrailMonitor } from '../guard/guardrail-monitor.js';
import { defaultDraftLength } from '../types/options.js';
import { FallbackController, type AcceptanceSignal, type FallbackOptions } from './fallback.js';
import { createAdaptivePolicy, createHeuristicPolicy, createStaticPolicy, type SchedulePolicy } from './policies.js';

/**
 * Plans the rounds of one generation and learns from them: the policy chooses γ, the mode state decides whether a
 * round drafts at all (speculating, fallback, probing), and the guardrail's acceptance floor is the mode's second
 * trigger beside the policy's speed verdict. The decoder asks {@link plan} before each round, hands
 * {@link continueAfter} to the drafter, and reports the round to {@link observeRound}, which returns the guardrail
 * events it raised.
 */
export class RoundController implements RoundObserver {
  /** The in-round early stop to hand to the drafter, when the policy has one. */
  readonly continueAfter: ((position: number, confidence: number) => boolean) | undefined;

  constructor(
    readonly policy: SchedulePolicy,
    private readonly mode: FallbackController = new FallbackController(),
    private readonly monitor: GuardrailMonitor | null = null,
  ) {
    const rule = policy.continueAfter?.bind(policy);
    this.continueAfter = rule ? (position, confidence) => rule(position, confidence) : undefined;
  }

  /**
   * A speed fallback is the verdict of a policy that projects speed-ups; a call on a policy without one (a fixed γ,
   * the heuristic) asked for its own schedule, so it neither obeys that fallback nor advances it (its rounds would
   * count as failed probes). An acceptance fallback, the operator's guardrail, holds for every policy.
   */
  private get obeysMode(): boolean {
    return this.policy.verdict !== undefined || this.mode.cause !== 'speed';
  }

  plan(): RoundPlan {
    if (!this.obeysMode) {
      const choice = this.policy.choose();
      const gamma = this.monitor ? this.monitor.clampDraftLength(choice.gamma) : choice.gamma;
      return { gamma, mode: gamma === 0 ? 'target-only' : 'speculate', projectedSpeedup: choice.projectedSpeedup, fallbackState: 'speculating' };
    }
    const fallbackState = this.mode.state;
    const next = this.mode.nextMode();
    if (next === 'target-only') return { gamma: 0, mode: next, projectedSpeedup: this.policy.verdict?.() ?? null, fallbackState };
    const choice = this.policy.choose();
    // A probe must draft to be a probe, whatever the policy would do.
    let gamma = next === 'probe' ? Math.max(choice.gamma, 1) : choice.gamma;
    if (this.monitor) gamma = this.monitor.clampDraftLength(gamma);
    return { gamma, mode: gamma === 0 ? 'target-only' : next, projectedSpeedup: choice.projectedSpeedup, fallbackState };
  }

  /** Feeds the round to the policy, the guardrail and the mode state; returns the guardrail events it raised. */
  observeRound(report: RoundReport): GuardrailEvent[] {
    const drafted = report.proposal.tokens.length;
    if (report.acceptedCount < 0 || report.acceptedCount > drafted || !Number.isInteger(report.acceptedCount)) {
      throw new RangeError(`accepted must be an integer in 0..${drafted}, got ${report.acceptedCount}`);
    }
    this.policy.observeRound(report);
    const acceptanceProbe = this.mode.state === 'probing' && this.mode.cause === 'acceptance';
    const events =
      this.monitor?.observe(
        { round: report.round, drafted, accepted: report.acceptedCount, projectedSpeedup: report.plan?.projectedSpeedup ?? null },
        acceptanceProbe ? 'probe' : 'speculating',
      ) ?? [];
    const signal: AcceptanceSignal = events.some((e) => e.type === 'fallback') ? 'fallback' : acceptanceProbe && events.some((e) => e.type === 'recovered') ? 'recovered' : null;
    if (!this.obeysMode) {
      if (signal === 'fallback') this.mode.observe(null, signal);
      return events;
    }
    const before = this.mode.state;
    const after = this.mode.observe(this.policy.verdict?.() ?? null, signal);
    if (before === 'fallback' && after === 'probing' && this.mode.cause === 'speed') this.policy.fadeEvidence?.();
    return events;
  }
}

/** What a call asks of the schedule: a policy and a fixed γ, each null when the call leaves it to the engine. */
export interface CallSchedule {
  policy: SchedulerPolicyName | null;
  draftLength: number | null;
}

/** What the controller needs to know of a drafter: its name and what a draft step costs. */
export interface ScheduledDrafter {
  readonly kind: string;
  readonly costClass: DraftCostClass;
}

/** What a drafter keeps between generations: its adaptive policy and its mode state. */
interface DrafterSchedule {
  adaptive: SchedulePolicy | null;
  mode: FallbackController;
}

/**
 * The engine-lifetime side of scheduling: the device profile; per drafter the state that carries over between
 * generations (the adaptive policy's acceptance estimates, so a bad draft is recognised quickly, and the mode state);
 * and one guardrail window over every drafting round of the engine, so that a drafter that turns useless, or one
 * that replaces a good one, is caught within the window whatever the generations' lengths. {@link begin} hands each
 * generation its {@link RoundController}.
 */
export class SpeculationController {
  private readonly drafters = new Map<string, DrafterSchedule>();
  private readonly monitor: GuardrailMonitor | null;
  private currentProfile: DeviceProfile | null = null;
  /**
   * True while background calibration measures the device: adaptive calls then decode with the target alone
   * rather than guess a γ with no cost curve, so a first visit is never slower than target-only decoding.
   */
  calibrating = false;

  constructor(
    private readonly scheduler: SchedulerOptions,
    readonly guardrails: GuardrailConfig | null,
    private readonly fallback: FallbackOptions = {},
  ) {
    this.monitor = guardrails ? new GuardrailMonitor(guardrails) : null;
  }

  get profile(): DeviceProfile | null {
    return this.currentProfile;
  }

  /** A new profile invalidates what the adaptive policies learned about timings. */
  set profile(profile: DeviceProfile | null) {
    this.currentProfile = profile;
    for (const schedule of this.drafters.values()) schedule.adaptive = null;
  }

  /** The policy a call gets by default. */
  get defaultPolicy(): SchedulerPolicyName {
    return this.scheduler.policy ?? 'adaptive';
  }

  /**
   * The policy a call runs: an explicit `policy` wins; a `draftLength` alone means that fixed γ; otherwise the
   * engine's default. Adaptive needs a device profile; without one it runs static: γ = 0 while background
   * calibration measures the device, the configured `draftLength` when calibration is off.
   */
  policyFor(options: CallSchedule): SchedulerPolicyName {
    const name = this.requestedPolicy(options);
    return name === 'adaptive' && !this.currentProfile ? 'static' : name;
  }

  private requestedPolicy(options: CallSchedule): SchedulerPolicyName {
    return options.policy ?? (options.draftLength !== null ? 'static' : this.defaultPolicy);
  }

  /** The controller of one generation drafted by `drafter`. */
  begin(options: CallSchedule, drafter: ScheduledDrafter): RoundController {
    const schedule = this.scheduleOf(drafter.kind);
    const draftLength = options.draftLength ?? this.scheduler.draftLength ?? defaultDraftLength;
    const name = this.policyFor(options);
    let policy: SchedulePolicy;
    if (name === 'heuristic') policy = createHeuristicPolicy(draftLength, Math.max(this.scheduler.maxDraftLength ?? 16, draftLength));
    else if (name === 'adaptive' && this.currentProfile) policy = schedule.adaptive ??= this.adaptive(drafter, this.currentProfile);
    else policy = createStaticPolicy(this.calibrating && this.requestedPolicy(options) === 'adaptive' ? 0 : draftLength);
    return new RoundController(policy, schedule.mode, this.monitor);
  }

  private scheduleOf(kind: string): DrafterSchedule {
    let schedule = this.drafters.get(kind);
    if (!schedule) {
      const acceptanceProbeInterval = this.guardrails ? this.guardrails.recovery.probeEveryRounds - 1 : undefined;
      schedule = {
        adaptive: null,
        mode: new FallbackController({ ...this.fallback, ...(acceptanceProbeInterval === undefined ? {} : { acceptanceProbeInterval }) }),
      };
      this.drafters.set(kind, schedule);
    }
    return schedule;
  }

  private adaptive(drafter: ScheduledDrafter, profile: DeviceProfile): SchedulePolicy {
    return createAdaptivePolicy({
      // A lookup costs microseconds: its rounds are priced as a verify pass alone.
      profile: { draftStepMs: drafter.costClass === 'lookup' ? 0 : profile.draftStepMs, targetVerifyMs: profile.targetVerifyMs },
      // Within the measured curve by default: past it the costs are extrapolated, and a noisy acceptance estimate
      // would otherwise send single rounds to γ = 16 on a guess.
      maxGamma: this.scheduler.maxDraftLength ?? profile.targetVerifyMs.length - 1,
      earlyStop: this.scheduler.earlyStop ?? 'cost-aware',
    });
  }
}
