import { describe, expect, it } from 'vitest';
import { heldOutBest } from '../suites/scheduler-suite.js';

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
