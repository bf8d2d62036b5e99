import { describe, expect, it } from 'vitest';
import type { LoadProgress } from '../../src/types/index.js';
import { ProgressRelay } from '../../src/worker/progress-relay.js';

const step = (loaded: number): LoadProgress => ({ model: 'profile', name: 'p', file: 'device-profile', status: 'calibrate', loaded, total: 3 });

/** A receiver on another port: each report is handled after a delay, as a busy page would. */
function slowReceiver(delayMs: number) {
  const handled: number[] = [];
  const callback = (p: LoadProgress) => new Promise<void>((resolve) => setTimeout(() => (handled.push(p.loaded), resolve()), delayMs));
  return { handled, callback };
}

describe('ProgressRelay', () => {
  it('answers only after the receiver has handled every report, so no report can arrive after the answer', async () => {
    const receiver = slowReceiver(20);
    const relay = new ProgressRelay(receiver.callback);
    for (let i = 1; i <= 3; i++) relay.report(step(i));
    expect(receiver.handled).toEqual([]);
    await relay.delivered();
    expect(receiver.handled).toEqual([1, 2, 3]);
  });

  it("does not fail the call when the page's callback throws or rejects", async () => {
    const throwing = new ProgressRelay(() => {
      throw new Error('page bug');
    });
    expect(() => throwing.report(step(1))).not.toThrow();
    const rejecting = new ProgressRelay(() => Promise.reject(new Error('page bug')));
    rejecting.report(step(1));
    await expect(rejecting.delivered()).resolves.toBeUndefined();
  });

  it('waits a bounded time for a page that stopped answering', async () => {
    const relay = new ProgressRelay(() => new Promise(() => {}), 50);
    relay.report(step(1));
    const start = performance.now();
    await relay.delivered();
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('needs no receiver', async () => {
    const relay = new ProgressRelay();
    relay.report(step(1));
    await expect(relay.delivered()).resolves.toBeUndefined();
  });
});
