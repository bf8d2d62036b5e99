import { describe, expect, it } from 'vitest';
import { heldOutBest, pairedRatio } from '../suites/scheduler-suite.js';
import { shuffledForPass, tokensPerSecond } from '../suites/suite-support.js';

const run = (tokensPerPass: number[], ms = 1000) => tokensPerPass.map((tokens, pass) => ({ tokens, ms, pass }));

describe('heldOutBest', () => {
  it('is the best candidate’s speed when one is best on every pass', () => {
    expect(heldOutBest([run([100, 100, 100, 100]), run([200, 200, 200, 200])])).toBe(200);
  });

  it('is not inflated by a candidate that was lucky on one half only', () => {
    // Equal candidates; each has one lucky half. The plain maximum would report 150 tok/s.
    const lucky = heldOutBest([run([150, 100, 150, 100]), run([100, 150, 100, 150])]);
    expect(lucky).toBe(100);
  });
});

describe('pairedRatio', () => {
  it('compares configs within each pass, so one slow pass does not tilt the ratio', () => {
    // b is 10 % faster in every pass; in pass 2 the machine was busy while a ran (3× slower).
    const a = [
      { tokens: 100, ms: 1000, pass: 0 },
      { tokens: 100, ms: 1000, pass: 1 },
      { tokens: 100, ms: 3000, pass: 2 },
    ];
    const b = a.map((s) => ({ tokens: 110, ms: 1000, pass: s.pass }));
    expect(pairedRatio(a, b)).toBeCloseTo(100 / 110, 9);
    // The ratio of totals is dragged down by the slow pass.
    expect(tokensPerSecond(a) / tokensPerSecond(b)).toBeLessThan(0.6);
  });

  it('pairs by pass, whatever the order of the samples, and ignores unpaired passes', () => {
    const a = [
      { tokens: 120, ms: 1000, pass: 1 },
      { tokens: 90, ms: 1000, pass: 0 },
      { tokens: 50, ms: 1000, pass: 7 },
    ];
    const b = [
      { tokens: 100, ms: 1000, pass: 0 },
      { tokens: 100, ms: 1000, pass: 1 },
    ];
    expect(pairedRatio(a, b)).toBeCloseTo((0.9 + 1.2) / 2, 9);
    expect(pairedRatio(a, [])).toBeNaN();
  });
});

describe('shuffledForPass', () => {
  const configs = ['target-only', 's1', 's2', 's3', 's4', 'heuristic', 'adaptive'];
  it('is a permutation, the same on every run, and different between passes', () => {
    for (let pass = 0; pass < 10; pass++) {
      expect([...shuffledForPass(configs, pass)].sort()).toEqual([...configs].sort());
      expect(shuffledForPass(configs, pass)).toEqual(shuffledForPass(configs, pass));
    }
    expect(shuffledForPass(configs, 0)).not.toEqual(shuffledForPass(configs, 1));
  });

  it('gives a config different neighbours over the passes', () => {
    const before = new Set<string>();
    for (let pass = 0; pass < 36; pass++) {
      const order = shuffledForPass(configs, pass);
      const i = order.indexOf('adaptive');
      before.add(i === 0 ? '(first)' : order[i - 1]!);
    }
    expect(before.size).toBeGreaterThanOrEqual(5);
  });
});
