import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/sampling/prng.js';
import { CostModel } from '../../src/schedule/cost-model.js';
import { PositionAwareStop } from '../../src/schedule/position-aware-stop.js';
import { PlainCostAwareStop } from './plain-cost-aware-stop.js';
import { linearWasm, profileOf } from './synthetic.js';

const cost = new CostModel(profileOf(linearWasm));
// One more token costs a 0.89 ms step and 0.64 ms of verify: at 0.35 tokens per ms, it must add 0.54 tokens.
const plan = { gamma: 8, tokensPerMs: 0.35 };

describe('PositionAwareStop', () => {
  it('is the plain cost-aware rule when acceptance does not depend on the position', () => {
    const stop = new PositionAwareStop(cost, { positionAcceptance: () => 0.8 });
    const plain = new PlainCostAwareStop(cost);
    const rng = createRng(6);
    for (let round = 0; round < 200; round++) {
      stop.beginRound(plan);
      plain.beginRound(plan);
      for (let position = 0; position < 6; position++) {
        const confidence = rng.next();
        expect(stop.continueAfter(position, confidence)).toBe(plain.continueAfter(position, confidence));
      }
    }
  });

  it("reads the next token from the next position's acceptance, not from the weak token before it", () => {
    // A weak first position, strong ones after it; the drafter's confidence says so and nothing more.
    const acceptance = [0.6, 0.95, 0.95, 0.95];
    const stop = new PositionAwareStop(cost, { positionAcceptance: (position) => acceptance[Math.min(position, 3)]! });
    const plain = new PlainCostAwareStop(cost);
    stop.beginRound(plan);
    plain.beginRound(plan);
    // The plain rule expects the second token to do as badly as the first (0.6 × 0.6 < 0.54) and stops; the second
    // position is accepted 95 % of the time (0.6 × 0.95 ≥ 0.54).
    expect(plain.continueAfter(0, 0.6)).toBe(false);
    expect(stop.continueAfter(0, 0.6)).toBe(true);
  });

  it('still stops on a token that is weak for its position: the text is hard here', () => {
    const stop = new PositionAwareStop(cost, { positionAcceptance: () => 0.9 });
    stop.beginRound(plan);
    expect(stop.continueAfter(0, 0.9)).toBe(true);
    expect(stop.continueAfter(1, 0.3)).toBe(false);
  });

  it('learns what each position usually sees, so a draft that is always sure is read by position', () => {
    // The draft reports 0.99 everywhere; the first position is accepted 60 % of the time, the next ones 95 %.
    const acceptance = [0.6, 0.95, 0.95, 0.95];
    const positionAcceptance = (position: number) => acceptance[Math.min(position, 3)]!;
    const stop = new PositionAwareStop(cost, { positionAcceptance });
    const plain = new PlainCostAwareStop(cost);
    const rng = createRng(12);
    for (let round = 0; round < 400; round++) {
      let accepted = 0;
      while (accepted < 4 && rng.next() < positionAcceptance(accepted)) accepted++;
      stop.observeRound([0.99, 0.99, 0.99, 0.99], accepted);
      plain.observeRound([0.99, 0.99, 0.99, 0.99], accepted);
    }
    // Calibrated, 0.99 means the pooled rate, about 0.82. At 0.3 tokens per ms a token must add 1.53 × 0.3 = 0.46
    // tokens. The plain rule expects 0.82^(k+2) from the token after position k: 0.67, 0.55, then 0.45, and stops
    // after the third. By position: 0.6 × 0.95 = 0.57, then 0.54, then 0.51: the fourth token still pays.
    stop.beginRound({ gamma: 8, tokensPerMs: 0.3 });
    plain.beginRound({ gamma: 8, tokensPerMs: 0.3 });
    const byPosition = [0, 1, 2].map((position) => stop.continueAfter(position, 0.99));
    const byConfidence = [0, 1, 2].map((position) => plain.continueAfter(position, 0.99));
    expect(byPosition).toEqual([true, true, true]);
    expect(byConfidence).toEqual([true, true, false]);
  });
});
