import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/sampling/prng.js';
import { AcceptanceEstimator, expectedCommittedFrom } from '../../src/schedule/acceptance-estimator.js';

describe('expectedCommittedFrom', () => {
  it('sums the chances that each prefix of drafts survives, plus the target token', () => {
    expect(expectedCommittedFrom([0.5, 0.5], 0)).toBe(1);
    expect(expectedCommittedFrom([0.5, 0.5], 2)).toBe(1.75);
    // Past the list, the last acceptance repeats.
    expect(expectedCommittedFrom([0.5, 0.5], 3)).toBe(1.875);
    expect(expectedCommittedFrom([1, 0.5], 2)).toBe(2.5);
    expect(expectedCommittedFrom([], 4)).toBe(1);
  });
});

describe('AcceptanceEstimator', () => {
  it('starts at the prior at every position', () => {
    const estimator = new AcceptanceEstimator({ priorAcceptance: 0.6 });
    expect(estimator.acceptanceByPosition(3)).toEqual([0.6, 0.6, 0.6]);
    expect(estimator.expectedCommitted(0)).toBe(1);
    expect(estimator.expectedCommitted(2)).toBeCloseTo(1 + 0.6 + 0.36, 12);
  });

  it('counts only judged positions; an unjudged position reads as the pooled rate, not as its neighbour', () => {
    const estimator = new AcceptanceEstimator();
    // Four drafted, one accepted: position 0 succeeded, position 1 failed, positions 2 and 3 were never judged.
    for (let round = 0; round < 100; round++) estimator.observeRound(4, 1);
    expect(estimator.acceptance(0)).toBeGreaterThan(0.9);
    expect(estimator.acceptance(1)).toBeLessThan(0.15);
    expect(estimator.evidence(2)).toBe(0);
    // Half of all judged tokens were accepted: a position with no evidence of its own is neither the 0 next to it
    // nor the 1 before that.
    const pooled = estimator.pooledAcceptance();
    expect(pooled).toBeCloseTo(0.5, 1);
    expect(estimator.acceptance(2)).toBeCloseTo(pooled, 12);
    expect(estimator.acceptance(9)).toBeCloseTo(pooled, 12);
  });

  it('does not carry a dip forward: positions past a weak one are learnt on their own', () => {
    // Acceptance by position high, a dip at position 2, high again (as measured on WASM drafts).
    const truth = [0.95, 0.95, 0.5, 0.95, 0.95, 0.95];
    const rng = createRng(4);
    const estimator = new AcceptanceEstimator({ halfLifeRounds: 1000 });
    for (let round = 0; round < 2000; round++) {
      let accepted = 0;
      while (accepted < truth.length && rng.next() < truth[accepted]) accepted++;
      estimator.observeRound(truth.length, accepted);
    }
    const estimates = estimator.acceptanceByPosition(truth.length);
    expect(estimates[2]).toBeLessThan(0.65);
    for (const position of [3, 4, 5]) expect(estimates[position]).toBeGreaterThan(0.85);
  });

  it('holds a Beta posterior per position: the pooled rate as a prior of two tokens, then its own counts', () => {
    const estimator = new AcceptanceEstimator({ priorAcceptance: 0.6, priorStrength: 1, positionPriorStrength: 2 });
    expect(estimator.posterior(0)).toEqual({ alpha: 1.2, beta: expect.closeTo(0.8, 12) });
    estimator.observeRound(2, 2);
    estimator.observeRound(2, 0);
    // Judged: position 0 twice (the older round's success weighs d, the decay per round, the newer failure 1),
    // position 1 once (a success, weight d).
    const d = Math.pow(2, -1 / 8);
    const pooled = (2 * d + 0.6) / (2 * d + 1 + 1);
    expect(estimator.pooledAcceptance()).toBeCloseTo(pooled, 12);
    const zero = estimator.posterior(0);
    expect(zero.alpha).toBeCloseTo(d + 2 * pooled, 12);
    expect(zero.beta).toBeCloseTo(1 + 2 * (1 - pooled), 12);
    expect(estimator.acceptance(0)).toBeCloseTo(zero.alpha / (zero.alpha + zero.beta), 12);
    const unjudged = estimator.posterior(5);
    expect(unjudged.alpha + unjudged.beta).toBeCloseTo(2, 12);
  });

  it('samples from the posteriors: wide where a position has little evidence, tight where it has much', () => {
    const estimator = new AcceptanceEstimator({ halfLifeRounds: 1000 });
    for (let round = 0; round < 400; round++) estimator.observeRound(2, round % 5 === 0 ? 0 : 1);
    const rng = createRng(8);
    const draws = Array.from({ length: 4000 }, () => [0, 1, 2, 3].map((position) => estimator.sample(position, rng)));
    const stats = (position: number) => {
      const values = draws.map((draw) => draw[position]!);
      const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
      return { mean, sd: Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length) };
    };
    for (const position of [0, 1, 3]) expect(stats(position).mean).toBeCloseTo(estimator.acceptance(position), 2);
    // Position 0: about 400 judged tokens; position 1: about 320, all rejected; position 3: the prior's two tokens.
    expect(stats(0).sd).toBeLessThan(0.03);
    expect(stats(1).sd).toBeLessThan(0.01);
    expect(stats(3).sd).toBeGreaterThan(0.15);
  });

  it('forgets half of the old evidence per half-life', () => {
    const estimator = new AcceptanceEstimator({ halfLifeRounds: 8, priorStrength: 1e-9 });
    for (let round = 0; round < 400; round++) estimator.observeRound(1, 1);
    for (let round = 0; round < 8; round++) estimator.observeRound(1, 0);
    // Equal decayed weight on the old all-accepted and the new all-rejected rounds.
    expect(estimator.acceptance(0)).toBeCloseTo(0.5, 6);
  });

  it('follows a change of acceptance within a few half-lives', () => {
    const rng = createRng(11);
    const estimator = new AcceptanceEstimator({ halfLifeRounds: 8 });
    const draw = (alpha: number) => {
      let accepted = 0;
      while (accepted < 4 && rng.next() < alpha) accepted++;
      estimator.observeRound(4, accepted);
    };
    for (let round = 0; round < 200; round++) draw(0.9);
    expect(estimator.acceptance(0)).toBeGreaterThan(0.8);
    for (let round = 0; round < 32; round++) draw(0.3);
    expect(Math.abs(estimator.acceptance(0) - 0.3)).toBeLessThan(0.12);
    // Position 1 is judged only when position 0 was accepted, so it has less evidence and lags further behind.
    expect(estimator.acceptance(1)).toBeLessThan(0.6);
  });

  it('is not moved by rounds that drafted nothing', () => {
    const estimator = new AcceptanceEstimator();
    estimator.observeRound(3, 1);
    const before = estimator.acceptanceByPosition(4);
    for (let round = 0; round < 50; round++) estimator.observeRound(0, 0);
    expect(estimator.acceptanceByPosition(4)).toEqual(before);
  });

  it('fades evidence on request, letting new rounds weigh more', () => {
    const estimator = new AcceptanceEstimator();
    for (let round = 0; round < 100; round++) estimator.observeRound(1, 0);
    const full = estimator.evidence(0);
    estimator.fade(0.5);
    expect(estimator.evidence(0)).toBeCloseTo(full / 2, 9);
  });

  it('rejects impossible rounds and settings', () => {
    const estimator = new AcceptanceEstimator();
    expect(() => estimator.observeRound(2, 3)).toThrow(RangeError);
    expect(() => estimator.observeRound(-1, 0)).toThrow(RangeError);
    expect(() => estimator.expectedCommitted(1.5)).toThrow(RangeError);
    expect(() => new AcceptanceEstimator({ halfLifeRounds: 0 })).toThrow(RangeError);
    expect(() => new AcceptanceEstimator({ priorAcceptance: 2 })).toThrow(RangeError);
    expect(() => new AcceptanceEstimator({ positionPriorStrength: 0 })).toThrow(RangeError);
    expect(() => estimator.posterior(-1)).toThrow(RangeError);
  });
});
