import type { SchedulerOptions } from '../api/types.js';
import type { DrafterKind, NormalizedGenerateOptions, SchedulerPolicyName } from '../api/validate-options.js';
import { RoundPlanner } from '../decode/round-planner.js';
import type { GuardrailConfig } from '../guard/guardrail-config.js';
import { GuardrailMonitor } from '../guard/guardrail-monitor.js';
import type { DeviceProfile } from '../schedule/device-profile.js';
import { createAdaptivePolicy, createHeuristicPolicy, createStaticPolicy, type SchedulePolicy } from '../schedule/policies.js';

const defaultDraftLength = 4;

/**
 * The engine-lifetime state behind each round's γ: the device profile, one adaptive policy per drafter (their
 * acceptance estimates carry over between generations, so a bad draft is recognised quickly), and the guardrail
 * monitor, which watches every generation of the engine.
 */
export class SpeculationControls {
  private readonly adaptive = new Map<DrafterKind, SchedulePolicy>();
  private currentProfile: DeviceProfile | null = null;
  readonly monitor: GuardrailMonitor | null;

  constructor(
    private readonly scheduler: SchedulerOptions,
    readonly guardrails: GuardrailConfig | null,
  ) {
    this.monitor = guardrails ? new GuardrailMonitor(guardrails) : null;
  }

  get profile(): DeviceProfile | null {
    return this.currentProfile;
  }

  /** A new profile invalidates what the adaptive policies learned about timings. */
  set profile(profile: DeviceProfile | null) {
    this.currentProfile = profile;
    this.adaptive.clear();
  }

  /** The policy a call gets by default. */
  get defaultPolicy(): SchedulerPolicyName {
    return this.scheduler.policy ?? 'adaptive';
  }

  /**
   * The planner for one generation: an explicit `policy` wins; a `draftLength` alone means that fixed γ; otherwise
   * the engine's default. Adaptive needs a device profile; without one (calibration off) it runs static γ.
   */
  plannerFor(options: Pick<NormalizedGenerateOptions, 'policy' | 'draftLength'>, drafter: DrafterKind): { planner: RoundPlanner; policy: SchedulerPolicyName } {
    const name: SchedulerPolicyName = options.policy ?? (options.draftLength !== null ? 'static' : this.defaultPolicy);
    const draftLength = options.draftLength ?? this.scheduler.draftLength ?? defaultDraftLength;
    let policy: SchedulePolicy;
    if (name === 'heuristic') policy = createHeuristicPolicy(draftLength, Math.max(this.scheduler.maxDraftLength ?? 16, draftLength));
    else if (name === 'adaptive' && this.currentProfile) {
      // Within the measured curve by default: past it the costs are extrapolated, and a noisy acceptance estimate
      // would otherwise send single rounds to γ = 16 on a guess.
      const maxGamma = this.scheduler.maxDraftLength ?? this.currentProfile.targetVerifyMs.length - 1;
      policy = this.adaptiveFor(drafter, this.currentProfile, maxGamma);
    } else policy = createStaticPolicy(draftLength);
    return { planner: new RoundPlanner(policy, this.monitor), policy: policy.name };
  }

  private adaptiveFor(drafter: DrafterKind, profile: DeviceProfile, maxGamma: number): SchedulePolicy {
    let policy = this.adaptive.get(drafter);
    if (!policy) {
      // Lookups cost microseconds: their rounds are priced as a verify pass alone.
      const draftStepMs = drafter === 'prompt-lookup' || drafter === 'ngram-cache' ? 0 : profile.draftStepMs;
      policy = createAdaptivePolicy({
        profile: { draftStepMs, targetVerifyMs: profile.targetVerifyMs },
        maxGamma,
        earlyStop: this.scheduler.earlyStop ?? 'cost-aware',
      });
      this.adaptive.set(drafter, policy);
    }
    return policy;
  }
}
