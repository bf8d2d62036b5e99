import type { DeviceProfileKey } from '../../src/types/index.js';
import { describe, expect, it } from 'vitest';
import { calibrateProfile, ProfileSampler, type CalibratedRunner } from '../../src/models/calibrate-profile.js';
import { HostLogits, type LogitsBlock } from '../../src/sampling/logits-block.js';

const key: DeviceProfileKey = { adapter: null, backend: 'wasm', target: 't', draft: 'd', dtype: 'fp32/fp32' };

/**
 * A simulated device on a virtual clock. A pass over k tokens costs `base + slope·(k − 1)` ms times a warm-up
 * factor that decays with every pass the device has run, as code tiers up and caches fill right after loading.
 */
class SimulatedDevice {
  time = 0;
  passes = 0;
  constructor(private readonly warmUp: (pass: number) => number) {}

  /** Token counts of every forward pass, to check how the context was fed. */
  readonly forwardLengths: number[] = [];

  runner(base: number, slope: number): CalibratedRunner & { length: number } {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the runner's methods use `this` for the runner itself
    const device = this;
    return {
      length: 0,
      async forward(tokens: readonly number[]): Promise<LogitsBlock> {
        device.forwardLengths.push(tokens.length);
        device.time += (base + slope * (tokens.length - 1)) * device.warmUp(device.passes++);
        this.length += tokens.length;
        return new HostLogits(new Float32Array(0), tokens.length, 0);
      },
      // Filling the context is not timed: only its effect on the cache matters.
      async prefill(tokens: readonly number[]): Promise<LogitsBlock> {
        this.length += tokens.length;
        return new HostLogits(new Float32Array(0), 1, 0);
      },
      rollbackTo(length: number) {
        this.length = Math.min(this.length, length);
      },
      reset() {
        this.length = 0;
      },
    };
  }
}

function calibrate(device: SimulatedDevice, withDraft = true, onStep?: (done: number, total: number) => void) {
  return calibrateProfile(key, device.runner(10, 1), withDraft ? device.runner(0.5, 0) : null, { now: () => device.time, onStep });
}

describe('calibrateProfile', () => {
  it('measures a steady device exactly', async () => {
    const profile = await calibrate(new SimulatedDevice(() => 1));
    expect(profile.targetVerifyMs).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect(profile.draftStepMs).toBe(0.5);
  });

  it('keeps the curve’s slope when the device speeds up 3× while it warms up', async () => {
    // 3× slower at first, decaying over a few dozen passes: measured straight after loading, one length after the
    // other, this flattens the curve (early short lengths slow, late long ones fast) and isotonic pooling erases
    // the slope. A short warm-up leaves drift to the alternating order.
    const device = new SimulatedDevice((pass) => 1 + 2 * Math.exp(-pass / 8));
    const profile = await calibrateProfile(key, device.runner(10, 1), device.runner(0.5, 0), { now: () => device.time, warmUpMs: 100 });
    const curve = profile.targetVerifyMs;
    const slope = (curve[8]! - curve[0]!) / 8;
    expect(slope).toBeGreaterThan(0.8);
    expect(slope).toBeLessThan(1.25);
    expect(curve[0]! / 10).toBeGreaterThan(0.95);
    expect(curve[0]! / 10).toBeLessThan(1.1);
    // The draft is measured beside the target, so its level drifts alike and their ratio holds.
    expect(profile.draftStepMs / 0.5).toBeLessThan(1.1);
  });

  it('warms up for warmUpMs before timing anything, and reports progress up to a fixed total', async () => {
    const steps: [number, number, number][] = [];
    const device = new SimulatedDevice(() => 1);
    await calibrateProfile(key, device.runner(10, 1), device.runner(0.5, 0), {
      now: () => device.time,
      warmUpMs: 2000,
      onStep: (done, total) => steps.push([done, total, device.time]),
    });
    const total = steps[0]![1];
    expect(steps.every(([, t]) => t === total)).toBe(true);
    expect(steps.map(([done]) => done)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // 10 steps stand for the warm-up; the first timed pass comes after 2 s of (virtual) device time.
    expect(steps[10]![2]).toBeGreaterThan(2000);
    expect(total).toBe(10 + 6 * 9 * 2);
  });

  it('fills the context through prefill, never asking for logits at every context position', async () => {
    const device = new SimulatedDevice(() => 1);
    await calibrateProfile(key, device.runner(10, 1), device.runner(0.5, 0), { now: () => device.time, contextTokens: 64 });
    expect(device.forwardLengths.length).toBeGreaterThan(0);
    expect(Math.max(...device.forwardLengths)).toBeLessThanOrEqual(9);
  });

  it('prices a lookup drafter at zero and refuses a degenerate setup', async () => {
    const profile = await calibrate(new SimulatedDevice(() => 1), false);
    expect(profile.draftStepMs).toBe(0);
    const device = new SimulatedDevice(() => 1);
    await expect(calibrateProfile(key, device.runner(1, 1), null, { maxVerifyTokens: 1 })).rejects.toThrow(/maxVerifyTokens/);
  });
});

describe('calibrateProfile with an abort signal', () => {
  /** Runners on one simulated device that count resets, and abort the signal once `abortAfter` forwards have run. */
  function abortableSetup(abortAfter: number, withDraft = true) {
    const device = new SimulatedDevice(() => 1);
    const signal = { aborted: false };
    const resets = { target: 0, draft: 0 };
    const wrap = (runner: CalibratedRunner & { length: number }, role: 'target' | 'draft') => {
      const forward = runner.forward.bind(runner);
      const reset = runner.reset.bind(runner);
      runner.forward = async (tokens) => {
        const logits = await forward(tokens);
        if (device.forwardLengths.length >= abortAfter) signal.aborted = true;
        return logits;
      };
      runner.reset = () => {
        resets[role]++;
        reset();
      };
      return runner;
    };
    const target = wrap(device.runner(10, 1), 'target');
    const draft = withDraft ? wrap(device.runner(0.5, 0), 'draft') : null;
    return { device, signal, resets, target, draft };
  }

  async function expectAborted(promise: Promise<unknown>): Promise<void> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
  }

  it.each([
    ['during the warm-up', 3],
    ['during the timed passes', 30],
  ])('stops %s with an AbortError, runs no further pass and resets both runners', async (_, abortAfter) => {
    const { device, signal, resets, target, draft } = abortableSetup(abortAfter);
    await expectAborted(calibrateProfile(key, target, draft, { now: () => device.time, warmUpMs: 0, signal }));
    expect(signal.aborted).toBe(true);
    expect(device.forwardLengths).toHaveLength(abortAfter);
    // Once before filling the context, once on the way out.
    expect(resets).toEqual({ target: 2, draft: 2 });
    expect(target.length).toBe(0);
    expect(draft!.length).toBe(0);
  });

  it('stops before the first pass when already aborted, and resets a lone target', async () => {
    const { device, signal, resets, target } = abortableSetup(Infinity, false);
    signal.aborted = true;
    const steps: number[] = [];
    await expectAborted(calibrateProfile(key, target, null, { now: () => device.time, signal, onStep: (done) => steps.push(done) }));
    expect(device.forwardLengths).toEqual([]);
    expect(steps).toEqual([]);
    // Aborted before the caches are filled: only the final reset runs.
    expect(resets.target).toBe(1);
    expect(target.length).toBe(0);
  });

  it('measures as before while the signal stays unaborted', async () => {
    const { device, signal, resets, target, draft } = abortableSetup(Infinity);
    const profile = await calibrateProfile(key, target, draft, { now: () => device.time, signal });
    expect(signal.aborted).toBe(false);
    expect(profile.targetVerifyMs).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect(profile.draftStepMs).toBe(0.5);
    expect(resets).toEqual({ target: 2, draft: 2 });
  });

  it('a sampler preempted again and again keeps its samples and ends with the profile of an uninterrupted run', async () => {
    const whole = abortableSetup(Infinity);
    const expected = await calibrateProfile(key, whole.target, whole.draft, { now: () => whole.device.time, warmUpMs: 0 });

    const { device, target, draft } = abortableSetup(Infinity);
    const sampler = new ProfileSampler(key, target, draft, { now: () => device.time, warmUpMs: 0 });
    let sessions = 0;
    for (; !sampler.complete; sessions++) {
      // Each stretch is preempted after five passes, as a generation arriving would do.
      const signal = { aborted: false };
      const stop = device.forwardLengths.length + 5;
      const forward = target.forward.bind(target);
      target.forward = async (tokens, ...rest) => {
        const out = await forward(tokens, ...rest);
        if (device.forwardLengths.length >= stop) signal.aborted = true;
        return out;
      };
      const result = await sampler.run(signal).then(
        (p) => p,
        (e: unknown) => e,
      );
      target.forward = forward;
      if (!sampler.complete) expect((result as DOMException).name).toBe('AbortError');
      else expect((result as { targetVerifyMs: number[] }).targetVerifyMs).toEqual(sampler.profile().targetVerifyMs);
      expect(target.length).toBe(0);
      if (sessions > 200) throw new Error('the sampler makes no progress');
    }
    expect(sessions).toBeGreaterThan(5);
    expect(sampler.progress.done).toBe(sampler.progress.total);
    expect(sampler.profile().targetVerifyMs).toEqual(expected.targetVerifyMs);
    expect(sampler.profile().draftStepMs).toBe(expected.draftStepMs);
  });
});
