import { describe, expect, it } from 'vitest';
import { createAdaptivePolicy, createHeuristicPolicy, createStaticPolicy, type SchedulePolicy } from '../../src/schedule/policies.js';
import { FallbackController } from '../../src/schedule/fallback.js';
import { RoundController } from '../../src/schedule/speculation-controller.js';
import { roundDecisionOf, type RoundDecision, type RoundPlan, type RoundReport } from '../../src/types/round.js';
import { createRng } from '../../src/sampling/prng.js';
import { chooseGamma, roundTokensPerMs } from '../../src/schedule/gamma-optimizer.js';
import { flatGpu, linearWasm, profileOf, reportOf, simulate, type RoundOutcome, type SyntheticDevice } from './synthetic.js';

function round(drafted: number, accepted: number, extra: Partial<RoundOutcome> = {}, plan: RoundPlan | null = null): RoundReport {
  return reportOf(plan, { drafted, accepted, draftMs: drafted * 2, verifyMs: 20, ...extra });
}

describe('createStaticPolicy', () => {
  it('plans the same γ every round and records why each round stopped drafting', () => {
    const policy = createStaticPolicy(4);
    const controller = new RoundController(policy);
    const outcomes: [number, number, Partial<RoundOutcome>][] = [
      [4, 2, {}],
      [2, 2, { stoppedEarly: true }],
      [1, 0, { outputLimited: true }],
      [3, 1, {}],
    ];
    const decisions: (RoundDecision | null)[] = [];
    outcomes.forEach(([drafted, accepted, extra], i) => {
      expect(policy.choose()).toEqual({ gamma: 4, projectedSpeedup: null });
      const plan = controller.plan();
      expect(plan).toEqual({ gamma: 4, mode: 'speculate', projectedSpeedup: null, fallbackState: 'speculating' });
      const report = round(drafted, accepted, { ...extra, round: i + 1 }, plan);
      controller.observeRound(report);
      decisions.push(roundDecisionOf(report));
    });
    expect(decisions.map((d) => d?.stopReason)).toEqual(['gamma-reached', 'low-confidence', 'output-limit', 'none']);
    expect(decisions[0]).toEqual({
      round: 1,
      gamma: 4,
      mode: 'speculate',
      stopReason: 'gamma-reached',
      drafted: 4,
      accepted: 2,
      projectedSpeedup: null,
      fallbackState: 'speculating',
    });
    expect(policy.continueAfter).toBeUndefined();
    expect(controller.continueAfter).toBeUndefined();
  });

  it('with γ = 0 decodes with the target alone', () => {
    const controller = new RoundController(createStaticPolicy(0));
    const plan = controller.plan();
    expect(plan).toEqual({ gamma: 0, mode: 'target-only', projectedSpeedup: null, fallbackState: 'speculating' });
    const report = round(0, 0, {}, plan);
    controller.observeRound(report);
    expect(roundDecisionOf(report)?.stopReason).toBe('none');
  });

  it('refuses impossible rounds', () => {
    const controller = new RoundController(createStaticPolicy(2));
    const plan = controller.plan();
    expect(() => controller.observeRound(round(2, 3, {}, plan))).toThrow(RangeError);
    expect(() => createStaticPolicy(-1)).toThrow(RangeError);
  });
});

describe('createHeuristicPolicy', () => {
  /** transformers' update_candidate_strategy for the "heuristic" schedule, written out independently. */
  function transformersNext(numAssistantTokens: number, numMatches: number, candidates: number): number {
    return numMatches === candidates ? numAssistantTokens + 2.0 : Math.max(1.0, numAssistantTokens - 1.0);
  }

  it("follows transformers' rule: +2 after a fully accepted round, otherwise −1 and never below 1", () => {
    const policy = createHeuristicPolicy(4, 100);
    const outcomes: [drafted: number, accepted: number][] = [
      [4, 4],
      [6, 6],
      [8, 3],
      [7, 0],
      [6, 0],
      [5, 0],
      [4, 0],
      [3, 0],
      [2, 0],
      [1, 0],
      [1, 1],
      [3, 2],
      [2, 2],
    ];
    let expected = 4;
    const gammas: number[] = [];
    for (const [drafted, accepted] of outcomes) {
      gammas.push(policy.choose().gamma);
      expect(gammas.at(-1)).toBe(expected);
      policy.observeRound(round(drafted, accepted));
      expected = transformersNext(expected, accepted, drafted);
    }
    expect(gammas).toEqual([4, 6, 8, 7, 6, 5, 4, 3, 2, 1, 1, 3, 2]);
  });

  it('counts a round cut short as fully accepted when everything drafted was, caps at max, and skips empty rounds', () => {
    const policy = createHeuristicPolicy(4, 7);
    policy.choose();
    policy.observeRound(round(2, 2, { stoppedEarly: true }));
    expect(policy.choose().gamma).toBe(6);
    policy.observeRound(round(6, 6));
    expect(policy.choose().gamma).toBe(7);
    policy.observeRound(round(0, 0, { outputLimited: true }));
    expect(policy.choose().gamma).toBe(7);
    expect(() => createHeuristicPolicy(0)).toThrow(RangeError);
    expect(() => createHeuristicPolicy(8, 4)).toThrow(RangeError);
  });
});

describe('createAdaptivePolicy', () => {
  it('records its projection and state, and offers an in-round stop rule unless told not to', () => {
    const policy = createAdaptivePolicy({ profile: profileOf(flatGpu) });
    const controller = new RoundController(policy);
    const plan = controller.plan();
    expect(plan.mode).toBe('speculate');
    expect(plan.gamma).toBeGreaterThanOrEqual(1);
    const report = round(plan.gamma, 1, {}, plan);
    controller.observeRound(report);
    const decision = roundDecisionOf(report)!;
    expect(decision.projectedSpeedup).toBeGreaterThan(1);
    expect(decision.fallbackState).toBe('speculating');
    expect(typeof policy.continueAfter).toBe('function');
    expect(typeof controller.continueAfter).toBe('function');
    expect(createAdaptivePolicy({ profile: profileOf(flatGpu), earlyStop: 'off' }).continueAfter).toBeUndefined();
  });

  it('drafts longer as the draft proves itself and shorter as it fails', () => {
    const policy = createAdaptivePolicy({ profile: profileOf(flatGpu), earlyStop: 'off' });
    const gammaAfter = (drafted: (gamma: number) => [number, number], rounds: number): number => {
      for (let i = 0; i < rounds; i++) {
        const { gamma } = policy.choose();
        const [d, a] = drafted(gamma);
        policy.observeRound(round(d, a));
      }
      return policy.choose().gamma;
    };
    const good = gammaAfter((gamma) => [gamma, gamma], 30);
    const poor = gammaAfter((gamma) => [gamma, Math.min(gamma, 1)], 30);
    expect(good).toBeGreaterThanOrEqual(10);
    expect(poor).toBeLessThanOrEqual(2);
  });

  it('falls back on a useless draft, probes, and resumes when the draft recovers', () => {
    const policy = createAdaptivePolicy({ profile: profileOf(flatGpu) });
    // 0.9 for 200 rounds' worth of output, then a draft that is never right, then 0.9 again.
    const phase = (outputIndex: number) => (outputIndex < 600 ? 0.9 : outputIndex < 1100 ? 0 : 0.9);
    const { decisions } = simulate(new RoundController(policy, new FallbackController()), { device: flatGpu, acceptance: phase, rounds: 1200, seed: 3 });
    const firstFallback = decisions.findIndex((d) => d.fallbackState === 'fallback');
    expect(firstFallback).toBeGreaterThan(0);
    expect(decisions.slice(firstFallback).some((d) => d.mode === 'probe')).toBe(true);
    // A target-only round drafts nothing.
    expect(decisions.filter((d) => d.mode === 'target-only').every((d) => d.gamma === 0 && d.drafted === 0)).toBe(true);
    // The draft is back: the last rounds speculate again.
    expect(decisions.slice(-50).every((d) => d.fallbackState === 'speculating')).toBe(true);
    expect(decisions.slice(-50).reduce((sum, d) => sum + d.accepted, 0)).toBeGreaterThan(100);
  });

  it('lets one probe overturn the stale verdict once the draft recovers', () => {
    const midrange: SyntheticDevice = { draftStepMs: 3, verifyMs: (tokens) => 20 + 3 * (tokens - 1) };
    const policy = createAdaptivePolicy({ profile: profileOf(midrange) });
    const recoveredAt = 1000;
    const { decisions } = simulate(new RoundController(policy, new FallbackController()), {
      device: midrange,
      acceptance: (outputIndex) => (outputIndex < 400 || outputIndex >= recoveredAt ? 0.9 : 0),
      rounds: 1200,
      seed: 2,
    });
    let output = 0;
    const firstRecoveredRound = decisions.findIndex((d) => (output += d.accepted + 1) >= recoveredAt);
    const resumed = decisions.findIndex((d, i) => i > firstRecoveredRound && d.fallbackState === 'speculating');
    expect(resumed).toBeGreaterThan(firstRecoveredRound);
    const probesBeforeResuming = decisions.slice(firstRecoveredRound, resumed).filter((d, i, slice) => d.mode === 'probe' && (i === 0 || slice[i - 1].mode !== 'probe')).length;
    expect(probesBeforeResuming).toBe(1);
  });

  it('corrects a profile measured on an idle device', () => {
    const busy: SyntheticDevice = { draftStepMs: 2 * flatGpu.draftStepMs, verifyMs: (tokens) => 2 * flatGpu.verifyMs(tokens) };
    const policy = createAdaptivePolicy({ profile: profileOf(flatGpu) });
    simulate(policy, { device: busy, acceptance: () => 0.8, rounds: 200, seed: 1 });
    expect(policy.cost.verifyScale).toBeCloseTo(2, 2);
    expect(policy.cost.draftScale).toBeCloseTo(2, 2);
  });
});

describe('adaptive exploration', () => {
  /** Rounds of a draft whose acceptance by position is `truth`, each drafting what the policy plans. */
  function drive(policy: ReturnType<typeof createAdaptivePolicy>, truth: (position: number) => number, rounds: number, seed: number, each?: () => void) {
    const rng = createRng(seed);
    for (let i = 0; i < rounds; i++) {
      each?.();
      const { gamma } = policy.choose();
      let accepted = 0;
      while (accepted < gamma && rng.next() < truth(accepted)) accepted++;
      policy.observeRound(round(gamma, accepted, { draftMs: 2 * gamma, verifyMs: flatGpu.verifyMs(gamma + 1) }));
    }
  }
  const dip = (position: number) => (position === 2 ? 0.5 : 0.9);

  it('draws only past the plan on the means: never shorter, and reports the projection on the means', () => {
    const policy = createAdaptivePolicy({ profile: profileOf(flatGpu), maxGamma: 8, exploration: 'thompson' });
    let explored = 0;
    drive(policy, dip, 300, 1, () => {
      const onMeans = chooseGamma({ estimator: policy.estimator, cost: policy.cost, maxGamma: 8, minGamma: 1 });
      const choice = policy.choose();
      expect(choice.gamma).toBeGreaterThanOrEqual(onMeans.gamma);
      if (choice.gamma > onMeans.gamma) explored++;
      expect(choice.projectedSpeedup).toBeCloseTo(roundTokensPerMs(policy.estimator, policy.cost, choice.gamma) / onMeans.targetOnlyTokensPerMs, 12);
    });
    expect(explored).toBeGreaterThan(0);
  });

  it('is reproducible from its seed, and plans on the means when off', () => {
    const gammas = (options: Partial<Parameters<typeof createAdaptivePolicy>[0]>) => {
      const policy = createAdaptivePolicy({ profile: profileOf(flatGpu), maxGamma: 8, ...options });
      const planned: number[] = [];
      drive(policy, dip, 200, 2, () => {
        planned.push(policy.choose().gamma);
        if (options.exploration === 'off') {
          expect(planned.at(-1)).toBe(chooseGamma({ estimator: policy.estimator, cost: policy.cost, maxGamma: 8, minGamma: 1 }).gamma);
        }
      });
      return planned;
    };
    expect(gammas({ seed: 7 })).toEqual(gammas({ seed: 7 }));
    expect(gammas({ seed: 7 })).not.toEqual(gammas({ seed: 8 }));
    gammas({ exploration: 'off' });
  });

  it('explores by default only with the cost-aware early stop, which cuts an exploring round where it stops paying', () => {
    const plans = (earlyStop: 'off' | 'cost-aware', exploration?: 'off') => {
      const policy = createAdaptivePolicy({ profile: profileOf(flatGpu), maxGamma: 8, earlyStop, exploration });
      const planned: number[] = [];
      drive(policy, dip, 100, 3, () => planned.push(policy.choose().gamma));
      return planned;
    };
    expect(plans('off')).toEqual(plans('off', 'off'));
    expect(plans('cost-aware')).not.toEqual(plans('cost-aware', 'off'));
  });

  it('never lets a draw reach the verdict', () => {
    const exploring = createAdaptivePolicy({ profile: profileOf(flatGpu), exploration: 'thompson' });
    const onMeans = createAdaptivePolicy({ profile: profileOf(flatGpu), exploration: 'off' });
    const rng = createRng(4);
    for (let i = 0; i < 100; i++) {
      exploring.choose();
      onMeans.choose();
      const drafted = 1 + Math.floor(rng.next() * 6);
      const report = round(drafted, Math.floor(rng.next() * (drafted + 1)));
      exploring.observeRound(report);
      onMeans.observeRound(report);
      expect(exploring.verdict!()).toBe(onMeans.verdict!());
    }
  });

  it('stops drafting deep positions once they are known not to pay', () => {
    // A cliff: three good positions, then a draft that is never right. Exploring past it costs a few rounds early on.
    const policy = createAdaptivePolicy({ profile: profileOf(linearWasm, 13), maxGamma: 12 });
    const { decisions } = simulate(policy, { device: linearWasm, acceptance: (_outputIndex, position) => (position < 3 ? 0.9 : 0.05), rounds: 2000, seed: 5 });
    const deep = decisions.slice(200).filter((d) => d.drafted > 4).length;
    expect(deep).toBeLessThan(0.01 * 1800);
  });
});

/** Keeps the type import honest: every factory satisfies the shared interface. */
const policies: SchedulePolicy[] = [createStaticPolicy(1), createHeuristicPolicy(), createAdaptivePolicy({ profile: profileOf(flatGpu) })];
it('every policy names itself', () => {
  expect(policies.map((policy) => policy.name)).toEqual(['static', 'heuristic', 'adaptive']);
});
