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

  it('counts only judged positions and extrapolates from the last observed one', () => {
    const estimator = new AcceptanceEstimator();
    // Four drafted, one accepted: position 0 succeeded, position 1 failed, positions 2 and 3 were never judged.
    for (let round = 0; round < 100; round++) estimator.observeRound(4, 1);
    expect(estimator.acceptance(0)).toBeGreaterThan(0.9);
    expect(estimator.acceptance(1)).toBeLessThan(0.1);
    expect(estimator.evidence(2)).toBe(0);
    expect(estimator.acceptance(2)).toBe(estimator.acceptance(1));
    expect(estimator.acceptance(9)).toBe(estimator.acceptance(1));
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
  });
});
