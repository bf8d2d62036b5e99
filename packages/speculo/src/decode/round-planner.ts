import type { GuardrailEvent } from '../guard/guardrail-monitor.js';
import type { GuardrailMonitor } from '../guard/guardrail-monitor.js';
import type { RoundDecision, RoundObservation, SchedulePolicy, StopReason } from '../schedule/policies.js';

/** What the decoder does this round. */
export interface PlannedRound {
  /** Tokens to draft (0: decode with the target alone). */
  gamma: number;
  mode: 'speculate' | 'target-only' | 'probe';
  /** The output or context limit cut γ below what the scheduler wanted. */
  outputLimited: boolean;
  /** In-round early-stop rule to hand to the drafter. */
  continueAfter?: (position: number, confidence: number) => boolean;
}

/** What the decoder saw after the verify pass: the scheduler's observation plus the round number. */
export interface ObservedRound extends RoundObservation {
  round: number;
}

/**
 * Decides each round's γ from the scheduler policy and the guardrails, and feeds both what happened: the
 * scheduler tunes γ for speed, the guardrails watch acceptance for the operator and can force target-only.
 */
export class RoundPlanner {
  /** This generation's decisions, collected as they are made: the policy outlives the generation. */
  private readonly made: RoundDecision[] = [];

  constructor(
    private readonly policy: SchedulePolicy,
    private readonly monitor: GuardrailMonitor | null,
  ) {}

  get policyName(): SchedulePolicy['name'] {
    return this.policy.name;
  }

  /** `limit` is the most the output and context still allow drafting this round. */
  plan(limit: number): PlannedRound {
    const guardFallback = this.monitor?.state === 'fallback';
    const guardProbe = guardFallback && this.monitor!.wantsProbe();
    const scheduled = this.policy.nextRound();
    let gamma = scheduled.mode === 'target-only' && !guardProbe ? 0 : Math.max(scheduled.gamma, guardProbe ? 1 : 0);
    if (guardFallback && !guardProbe) gamma = 0;
    if (this.monitor) gamma = this.monitor.clampDraftLength(gamma);
    const capped = Math.min(gamma, limit);
    const mode = capped === 0 ? 'target-only' : guardProbe || scheduled.mode === 'probe' ? 'probe' : 'speculate';
    return {
      gamma: capped,
      mode,
      outputLimited: capped < gamma,
      continueAfter: this.policy.continueAfter ? (position, confidence) => this.policy.continueAfter!(position, confidence) : undefined,
    };
  }

  /** Records the round with the scheduler and returns the guardrail events it raises. */
  observe(round: ObservedRound): GuardrailEvent[] {
    this.policy.observeRound(round);
    const decision = this.policy.lastDecision();
    if (decision) this.made.push({ ...decision, round: this.made.length + 1 });
    if (!this.monitor) return [];
    return this.monitor.observe({
      round: round.round,
      drafted: round.drafted,
      accepted: round.accepted,
      projectedSpeedup: decision?.projectedSpeedup ?? null,
    });
  }

  /** This generation's decisions, numbered from its first round. */
  decisions(): RoundDecision[] {
    return this.made.map((d) => ({ ...d }));
  }
}

export type { RoundDecision, StopReason };
