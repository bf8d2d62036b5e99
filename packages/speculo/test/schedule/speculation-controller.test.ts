import { describe, expect, it } from 'vitest';
import { parseGuardrailConfig } from '../../src/guard/guardrail-config.js';
import { buildProfile } from '../../src/schedule/device-profile.js';
import { SpeculationController, type RoundController, type ScheduledDrafter } from '../../src/schedule/speculation-controller.js';
import { reportOf } from './synthetic.js';

// A flat verify curve and a free draft: every extra token pays, so only the cap limits γ.
const profile = buildProfile(
  { adapter: null, backend: 'webgpu', target: 't', draft: 'd', dtype: 'fp32/fp32' },
  [0.01, 0.01],
  Array.from({ length: 9 }, () => [20, 20]),
);

const model: ScheduledDrafter = { kind: 'model', costClass: 'forward-pass' };
const lookup: ScheduledDrafter = { kind: 'prompt-lookup', costClass: 'lookup' };
const adaptive = { policy: 'adaptive', draftLength: null } as const;

/** Runs `rounds` rounds in which the draft gets `accepted(γ)` of what it drafts accepted; returns the largest γ planned. */
function runRounds(controller: RoundController, rounds: number, accepted: (gamma: number) => number): number {
  let largest = 0;
  for (let round = 1; round <= rounds; round++) {
    const plan = controller.plan();
    largest = Math.max(largest, plan.gamma);
    controller.observeRound(
      reportOf(plan, { round, drafted: plan.gamma, accepted: accepted(plan.gamma), draftMs: 0.01 * plan.gamma, verifyMs: 20, confidences: Array<number>(plan.gamma).fill(1) }),
    );
  }
  return largest;
}

function largestGammaPlanned(controller: SpeculationController): number {
  // A perfect draft: everything accepted, fully confident.
  return runRounds(controller.begin(adaptive, model), 60, (gamma) => gamma);
}

describe('SpeculationController', () => {
  it('keeps adaptive within the measured curve by default (γ ≤ 8 for verify lengths 1..9)', () => {
    const controller = new SpeculationController({}, null);
    controller.profile = profile;
    expect(largestGammaPlanned(controller)).toBe(8);
  });

  it('lets an explicit maxDraftLength go past it', () => {
    const controller = new SpeculationController({ maxDraftLength: 12 }, null);
    controller.profile = profile;
    expect(largestGammaPlanned(controller)).toBe(12);
  });

  it('runs static γ for adaptive calls until there is a profile; an explicit draftLength means static', () => {
    const controller = new SpeculationController({ draftLength: 3 }, null);
    expect(controller.policyFor(adaptive)).toBe('static');
    expect(controller.begin(adaptive, model).plan()).toEqual({ gamma: 3, mode: 'speculate', projectedSpeedup: null, fallbackState: 'speculating' });
    controller.profile = profile;
    expect(controller.policyFor(adaptive)).toBe('adaptive');
    expect(controller.policyFor({ policy: null, draftLength: 2 })).toBe('static');
    expect(controller.begin({ policy: null, draftLength: 2 }, model).plan().gamma).toBe(2);
    expect(controller.policyFor({ policy: 'heuristic', draftLength: 2 })).toBe('heuristic');
  });

  it("hands each generation its own controller over the drafter's policy, which lives on until the profile changes", () => {
    const controller = new SpeculationController({}, null);
    controller.profile = profile;
    const first = controller.begin(adaptive, model);
    runRounds(first, 5, (gamma) => gamma);
    const second = controller.begin(adaptive, model);
    expect(second).not.toBe(first);
    expect(second.policy).toBe(first.policy);
    expect(controller.begin(adaptive, lookup).policy).not.toBe(first.policy);
    controller.profile = profile;
    expect(controller.begin(adaptive, model).policy).not.toBe(first.policy);
  });

  it("keeps a drafter's guardrail fallback across generations, caps γ, and probes every probeEveryRounds", () => {
    const guardrails = parseGuardrailConfig({
      version: '1.0.0',
      acceptanceFloor: { rate: 0.5, windowRounds: 4, action: 'fallback' },
      maxDraftLength: 2,
      recovery: { rate: 0.6, windowRounds: 2, probeEveryRounds: 3 },
    });
    const controller = new SpeculationController({ policy: 'static', draftLength: 6 }, guardrails);
    const first = controller.begin({ policy: null, draftLength: null }, model);
    expect(first.plan().gamma).toBe(2);
    // A useless draft: the fourth round breaches the floor and speculation falls back.
    runRounds(first, 4, () => 0);
    // The next generation of the same drafter starts in fallback: two target-only rounds, then a probe.
    const second = controller.begin({ policy: null, draftLength: null }, model);
    const modes = Array.from({ length: 3 }, (_, i) => {
      const plan = second.plan();
      second.observeRound(reportOf(plan, { round: i + 1, drafted: plan.gamma, accepted: 0 }));
      return plan.mode;
    });
    expect(modes).toEqual(['target-only', 'target-only', 'probe']);
    // Another drafter has its own state.
    expect(controller.begin({ policy: null, draftLength: null }, lookup).plan().mode).toBe('speculate');
  });

  it("lets a fixed-γ call draft through an adaptive speed fallback without advancing it (the guardrail's acceptance fallback, above, holds for every policy)", () => {
    const controller = new SpeculationController({}, null);
    // A draft step a quarter of a verify pass: a draft nobody agrees with costs a quarter of the time per token.
    controller.profile = buildProfile(
      { adapter: null, backend: 'webgpu', target: 't', draft: 'd', dtype: 'fp32/fp32' },
      [5, 5],
      Array.from({ length: 9 }, () => [20, 20]),
    );
    const losing = controller.begin(adaptive, model);
    // A useless draft: nothing accepted, so the speed verdict falls under 1 and speculation falls back.
    runRounds(losing, 40, () => 0);
    const fallbackPlan = controller.begin(adaptive, model).plan();
    expect(fallbackPlan.fallbackState).not.toBe('speculating');
    const fixed = controller.begin({ policy: null, draftLength: 4 }, model);
    const plans = Array.from({ length: 20 }, (_, i) => {
      const plan = fixed.plan();
      fixed.observeRound(reportOf(plan, { round: i + 1, drafted: plan.gamma, accepted: 0 }));
      return plan;
    });
    expect(plans.every((p) => p.gamma === 4 && p.mode === 'speculate')).toBe(true);
    // The adaptive schedule is where it was: 20 failed "probes" would have doubled its wait.
    expect(controller.begin(adaptive, model).plan()).toEqual(fallbackPlan);
  });
});
