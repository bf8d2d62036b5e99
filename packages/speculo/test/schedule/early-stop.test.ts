import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/sampling/prng.js';
import { CostModel } from '../../src/schedule/cost-model.js';
import { ConfidenceCalibrator, createThresholdStop, shouldDraftAnother } from '../../src/schedule/early-stop.js';
import { PlainCostAwareStop } from './plain-cost-aware-stop.js';
import { flatGpu, profileOf, steepCpu } from './synthetic.js';

const freeDraftFlatVerify = new CostModel({ draftStepMs: 0, targetVerifyMs: [20, 20] });
const expensive = new CostModel(profileOf(steepCpu));

describe('shouldDraftAnother', () => {
  const question = { position: 1, currentGamma: 8, tokensPerMs: 1 / 20 };

  it('stops on low confidence when steps are expensive', () => {
    expect(shouldDraftAnother({ ...question, confidence: 0.3, acceptedSoFarProbability: 0.3, cost: expensive })).toBe(false);
  });

  it('never stops when drafting and verifying one more token is free', () => {
    expect(shouldDraftAnother({ ...question, confidence: 0.05, acceptedSoFarProbability: 0.01, cost: freeDraftFlatVerify })).toBe(true);
  });

  it('draws the line where the marginal gain pays for the marginal time', () => {
    // Flat GPU: one more token costs a 2 ms draft step and 0.2 ms more verify; at 0.1 tokens per ms those 2.2 ms
    // are worth 0.22 tokens, the break-even gain.
    const cost = new CostModel(profileOf(flatGpu));
    const tokensPerMs = 0.1;
    const breakEven = 2.2 * tokensPerMs;
    const ask = (gain: number) => shouldDraftAnother({ position: 0, confidence: 1, acceptedSoFarProbability: gain, cost, currentGamma: 8, tokensPerMs });
    expect(ask(breakEven * 1.01)).toBe(true);
    expect(ask(breakEven * 0.99)).toBe(false);
  });

  it('the same confidence continues on a GPU and stops on a CPU', () => {
    const common = { position: 0, confidence: 0.5, acceptedSoFarProbability: 0.5, currentGamma: 8, tokensPerMs: 1 / 20 };
    expect(shouldDraftAnother({ ...common, cost: new CostModel(profileOf(flatGpu)) })).toBe(true);
    expect(shouldDraftAnother({ ...common, cost: expensive })).toBe(false);
  });

  it('never drafts past the planned γ', () => {
    expect(shouldDraftAnother({ position: 3, confidence: 1, acceptedSoFarProbability: 1, cost: freeDraftFlatVerify, currentGamma: 4, tokensPerMs: 1 })).toBe(false);
  });
});

describe('ConfidenceCalibrator', () => {
  it('takes confidence at face value before it has evidence', () => {
    const calibrator = new ConfidenceCalibrator();
    expect(calibrator.calibrate(0.45)).toBeCloseTo(0.45, 12);
    expect(calibrator.calibrate(0.7)).toBeCloseTo(0.7, 12);
  });

  it('learns that an overconfident draft is accepted less often than it claims', () => {
    const rng = createRng(5);
    const calibrator = new ConfidenceCalibrator();
    for (let round = 0; round < 400; round++) calibrator.observeRound([0.95], rng.next() < 0.4 ? 1 : 0);
    expect(calibrator.calibrate(0.95)).toBeGreaterThan(0.3);
    expect(calibrator.calibrate(0.95)).toBeLessThan(0.5);
  });

  it('reads a well-measured bin as measured, not pulled toward an unvisited neighbour', () => {
    const rng = createRng(9);
    const calibrator = new ConfidenceCalibrator();
    // Every draft is 0.93 confident and right 93 % of the time; the 0.8–0.9 bin next door never sees a token.
    for (let round = 0; round < 2000; round++) calibrator.observeRound([0.93], rng.next() < 0.93 ? 1 : 0);
    const measured = calibrator.calibrate(0.95); // the bin's centre: its own estimate
    expect(measured).toBeGreaterThan(0.85);
    expect(measured).toBeLessThan(0.97);
    // Off-centre confidences in the same bin read the same, instead of blending in the neighbour's 0.85 prior.
    expect(calibrator.calibrate(0.93)).toBeCloseTo(measured, 12);
    expect(calibrator.calibrate(0.91)).toBeCloseTo(measured, 12);
  });

  it('stays non-decreasing in confidence even when the evidence is not', () => {
    const calibrator = new ConfidenceCalibrator();
    for (let round = 0; round < 100; round++) {
      calibrator.observeRound([0.35], 1);
      calibrator.observeRound([0.65], 0);
    }
    let previous = -Infinity;
    for (let confidence = 0; confidence <= 1; confidence += 0.01) {
      const calibrated = calibrator.calibrate(confidence);
      expect(calibrated).toBeGreaterThanOrEqual(previous - 1e-12);
      previous = calibrated;
    }
  });

  it('ignores tokens after the first rejection, which the target never judged', () => {
    const judgedOnly = new ConfidenceCalibrator();
    const withTail = new ConfidenceCalibrator();
    for (let round = 0; round < 20; round++) {
      judgedOnly.observeRound([0.95], 0);
      withTail.observeRound([0.95, 0.95, 0.95], 0);
    }
    expect(withTail.calibrate(0.95)).toBe(judgedOnly.calibrate(0.95));
  });
});

describe('createThresholdStop', () => {
  it('applies a fixed threshold to the raw confidence, whatever the device', () => {
    const rule = createThresholdStop(0.4);
    rule.beginRound({ gamma: 8, tokensPerMs: 1 });
    expect(rule.continueAfter(0, 0.39)).toBe(false);
    expect(rule.continueAfter(0, 0.4)).toBe(true);
    expect(() => createThresholdStop(1.5)).toThrow(RangeError);
  });
});

describe('RoundStopState (the plain cost-aware stop)', () => {
  it('carries the chance that the round survives so far and restarts it each round', () => {
    const cost = new CostModel(profileOf(flatGpu));
    const rule = new PlainCostAwareStop(cost);
    rule.beginRound({ gamma: 8, tokensPerMs: 0.1 });
    // Break-even gain is 0.22: 0.9 → 0.81 → 0.729 keep going, a 0.3 token drops the prediction below it.
    expect(rule.continueAfter(0, 0.9)).toBe(true);
    expect(rule.continueAfter(1, 0.9)).toBe(true);
    expect(rule.continueAfter(2, 0.3)).toBe(false);
    rule.beginRound({ gamma: 8, tokensPerMs: 0.1 });
    expect(rule.continueAfter(0, 0.9)).toBe(true);
  });
});
