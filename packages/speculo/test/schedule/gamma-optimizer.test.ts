import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/sampling/prng.js';
import { expectedCommittedFrom, type AcceptanceModel } from '../../src/schedule/acceptance-estimator.js';
import { CostModel, type CostCurve } from '../../src/schedule/cost-model.js';
import { analyticSpeedup, chooseGamma, conditionalFromCumulative } from '../../src/schedule/gamma-optimizer.js';
import { flatGpu, profileOf, steepCpu } from './synthetic.js';

function constant(alpha: number): AcceptanceModel {
  return { expectedCommitted: (gamma) => expectedCommittedFrom([alpha], gamma) };
}

describe('chooseGamma', () => {
  it('drafts long on a flat GPU-like curve with a good draft', () => {
    const cost = new CostModel(profileOf(flatGpu));
    const choice = chooseGamma({ estimator: constant(0.8), cost, maxGamma: 16 });
    expect(choice.gamma).toBeGreaterThanOrEqual(4);
    expect(choice.projectedSpeedup).toBeGreaterThan(2);
    expect(choice.targetOnlyTokensPerMs).toBe(1 / 20);
  });

  it('does not draft on a steep CPU-like curve with a mediocre draft', () => {
    const cost = new CostModel(profileOf(steepCpu));
    const choice = chooseGamma({ estimator: constant(0.5), cost, maxGamma: 16 });
    expect(choice.gamma).toBe(0);
    expect(choice.projectedSpeedup).toBe(1);
    const speculative = chooseGamma({ estimator: constant(0.5), cost, maxGamma: 16, minGamma: 1 });
    expect(speculative.gamma).toBe(1);
    expect(speculative.projectedSpeedup).toBeCloseTo(1.5 / (44 / 20), 12);
  });

  it("charges the engine's per-round work to target-only rounds too, so it favours fewer, longer rounds", () => {
    const bare: CostCurve = { draftMs: (steps) => 1 * steps, verifyMs: (tokens) => 4 + 0.5 * (tokens - 1) };
    const withWork: CostCurve = { ...bare, roundOverheadMs: () => 3 };
    const plain = chooseGamma({ estimator: constant(0.6), cost: bare, maxGamma: 8 });
    const loaded = chooseGamma({ estimator: constant(0.6), cost: withWork, maxGamma: 8 });
    expect(loaded.targetOnlyTokensPerMs).toBe(1 / 7);
    expect(loaded.gamma).toBeGreaterThan(plain.gamma);
    // Per-round work dilutes what speculation saves, but a round that commits more tokens pays it fewer times.
    expect(loaded.projectedSpeedup).toBeGreaterThan(1);
  });

  it('prefers the shorter draft on a tie', () => {
    const free: CostCurve = { draftMs: () => 0, verifyMs: () => 10 };
    expect(chooseGamma({ estimator: constant(0), cost: free, maxGamma: 8 }).gamma).toBe(0);
  });

  it('matches brute force on random acceptance profiles and cost curves', () => {
    const rng = createRng(2024);
    for (let trial = 0; trial < 300; trial++) {
      const alphas = Array.from({ length: 1 + Math.floor(rng.next() * 10) }, () => rng.next());
      let verify = 5 + rng.next() * 20;
      const curve = Array.from({ length: 2 + Math.floor(rng.next() * 10) }, () => (verify += rng.next() * rng.next() * 15));
      const cost = new CostModel({ draftStepMs: rng.next() * 8, targetVerifyMs: curve });
      const maxGamma = 1 + Math.floor(rng.next() * 16);

      let bruteGamma = 0;
      let bruteRate = -1;
      for (let gamma = 0; gamma <= maxGamma; gamma++) {
        let committed = 1;
        let survive = 1;
        for (let j = 0; j < gamma; j++) committed += survive *= alphas[Math.min(j, alphas.length - 1)];
        const rate = committed / (gamma * cost.draftMs(1) + cost.verifyMs(gamma + 1));
        if (rate > bruteRate) [bruteGamma, bruteRate] = [gamma, rate];
      }
      const choice = chooseGamma({ estimator: { expectedCommitted: (g) => expectedCommittedFrom(alphas, g) }, cost, maxGamma });
      expect(choice.gamma).toBe(bruteGamma);
      expect(choice.expectedTokensPerMs).toBeCloseTo(bruteRate, 12);
    }
  });

  it('rejects bad bounds', () => {
    const cost = new CostModel(profileOf(flatGpu));
    expect(() => chooseGamma({ estimator: constant(0.5), cost, maxGamma: -1 })).toThrow(RangeError);
    expect(() => chooseGamma({ estimator: constant(0.5), cost, maxGamma: 2, minGamma: 3 })).toThrow(RangeError);
  });
});

describe('analyticSpeedup', () => {
  it('turns cumulative per-position acceptance, as metrics report it, back into conditional', () => {
    expect(conditionalFromCumulative([0.8, 0.4, 0.1])).toEqual([0.8, 0.5, 0.25]);
    expect(conditionalFromCumulative([0.5, 0, 0])).toEqual([0.5, 0, 0]);
    // Rates from different sets of rounds can disagree; a conditional probability cannot exceed 1.
    expect(conditionalFromCumulative([0.5, 0.6])).toEqual([0.5, 1]);
  });

  it('predicts the speedup the optimiser projects', () => {
    const cost = new CostModel(profileOf(flatGpu));
    const cumulative = [0.8, 0.64, 0.512, 0.4096];
    const gamma = 4;
    const expected = ((1 + 0.8 + 0.64 + 0.512 + 0.4096) / (cost.draftMs(gamma) + cost.verifyMs(gamma + 1))) * cost.verifyMs(1);
    expect(analyticSpeedup(cumulative, cost, gamma)).toBeCloseTo(expected, 12);
    const choice = chooseGamma({ estimator: constant(0.8), cost, maxGamma: gamma, minGamma: gamma });
    expect(analyticSpeedup(cumulative, cost, gamma)).toBeCloseTo(choice.projectedSpeedup, 12);
    expect(analyticSpeedup(cumulative, cost, 0)).toBe(1);
  });
});
