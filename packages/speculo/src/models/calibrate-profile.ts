import { GpuCopyBatch } from '../kv/gpu-copy-batch.js';
import { buildProfile, median, type DeviceProfile, type DeviceProfileKey } from '../schedule/device-profile.js';
import type { CausalLmRunner } from './causal-lm-runner.js';

/** What calibration needs of a model: a forward pass over its cache, and cutting the cache back. */
export type CalibratedRunner = Pick<CausalLmRunner, 'forward' | 'truncate' | 'reset'>;

export interface CalibrationOptions {
  /** Longest verify pass measured: 1..maxVerifyTokens tokens (γ up to maxVerifyTokens − 1). Default 9. */
  maxVerifyTokens?: number;
  /** Timed passes per verify length, after the warm-up. Default 4. */
  repeats?: number;
  /** Tokens in the cache while measuring, as in the middle of a short answer. Default 32. */
  contextTokens?: number;
  /**
   * Most untimed single-token passes spent waiting for the device to settle, after every shape has run once.
   * Default 12; settling usually ends sooner (see {@link calibrateProfile}).
   */
  maxSettlePasses?: number;
  gpuDevice: GPUDevice | null;
  /** The decoder's per-round hop to the event loop, timed with each verify sample. */
  yieldToEventLoop?: () => Promise<void>;
  /** Progress in passes. `total` is the most the run can take; settling early skips ahead. */
  onStep?: (done: number, total: number) => void;
  now?: () => number;
}

/** Settled: the median of the last few single-token passes is within 5% of the median of the few before. */
const settledChange = 0.05;
const settledWindow = 3;

/** Whether single-token timings have stopped trending: compares two consecutive windows, robust to one outlier. */
function hasSettled(samples: readonly number[]): boolean {
  if (samples.length < 2 * settledWindow) return false;
  const last = median(samples.slice(-settledWindow));
  const before = median(samples.slice(-2 * settledWindow, -settledWindow));
  return Math.abs(last - before) <= settledChange * last;
}

/**
 * Measures how the target's latency grows with the number of tokens scored in one pass, and the draft's
 * single-step latency, on this device: the cost curve the adaptive scheduler optimises γ against.
 *
 * The curve's shape decides γ, so the procedure guards it against drift, which right after loading is large:
 * shaders compile and buffers are allocated on first use of each shape, and on WASM the engine's hot code is
 * recompiled by the optimising tier while it runs, so the same pass gets 2–3× faster over the first second or so.
 * 1. Every shape runs once, untimed.
 * 2. Single-token passes (with a draft step each) run until they stop trending (the median of the last three
 *    within 5% of the median of the three before), or the cap is hit.
 * 3. The timed passes visit the lengths in alternating order (1..K, K..1, …), each followed by a draft step, so
 *    drift left over after settling falls on every length and on the draft alike instead of tilting the curve.
 */
export async function calibrateProfile(key: DeviceProfileKey, target: CalibratedRunner, draft: CalibratedRunner | null, options: CalibrationOptions): Promise<DeviceProfile> {
  const maxVerify = options.maxVerifyTokens ?? 9;
  const repeats = options.repeats ?? 4;
  const contextTokens = options.contextTokens ?? 32;
  const maxSettle = options.maxSettlePasses ?? 12;
  if (!Number.isInteger(maxVerify) || maxVerify < 2) throw new RangeError(`maxVerifyTokens must be an integer ≥ 2, got ${maxVerify}`);
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeats must be a positive integer, got ${repeats}`);
  if (!Number.isInteger(maxSettle) || maxSettle < 0) throw new RangeError(`maxSettlePasses must be a non-negative integer, got ${maxSettle}`);
  const now = options.now ?? (() => performance.now());
  // Token ids 1..n exist in every vocabulary; what they mean does not matter for timing.
  const context = Array.from({ length: contextTokens }, (_, i) => 1 + (i % 200));
  const draftPasses = draft ? 1 : 0;
  const total = maxVerify + draftPasses + maxSettle * (1 + draftPasses) + repeats * maxVerify * (1 + draftPasses);
  let done = 0;
  const step = (passes = 1) => {
    done += passes;
    options.onStep?.(done, total);
  };

  // A verify sample times what a decoding round adds around the forward pass too (the hop to the event loop and
  // the cache cut), so that on fast backends, where those are a visible share, the scheduler does not
  // overestimate what speculation gains. Draft steps are bare forward passes, as inside a proposal.
  const timeForward = async (runner: CalibratedRunner, tokens: number[], asRound: boolean): Promise<number> => {
    const start = now();
    if (asRound) await options.yieldToEventLoop?.();
    await runner.forward(tokens);
    const batch = options.gpuDevice ? new GpuCopyBatch(options.gpuDevice) : null;
    runner.truncate(contextTokens, batch);
    batch?.submit();
    const ms = now() - start;
    step();
    return ms;
  };
  const verify = (length: number) => timeForward(target, context.slice(0, length), true);
  const draftStep = (i: number) => (draft ? timeForward(draft, [context[i % context.length]!], false) : Promise.resolve(null));

  try {
    target.reset();
    await target.forward(context, true);
    if (draft) {
      draft.reset();
      await draft.forward(context, true);
    }

    for (let k = 1; k <= maxVerify; k++) await verify(k);
    await draftStep(0);

    const recent: number[] = [];
    for (let pass = 0; pass < maxSettle; pass++) {
      recent.push(await verify(1));
      await draftStep(pass);
      if (hasSettled(recent)) {
        step((maxSettle - pass - 1) * (1 + draftPasses));
        break;
      }
    }

    const verifySamples: number[][] = Array.from({ length: maxVerify }, () => []);
    const draftSamples: number[] = [];
    for (let r = 0; r < repeats; r++) {
      for (let i = 0; i < maxVerify; i++) {
        const k = r % 2 === 0 ? i + 1 : maxVerify - i;
        verifySamples[k - 1]!.push(await verify(k));
        const ms = await draftStep(r * maxVerify + i);
        if (ms !== null) draftSamples.push(ms);
      }
    }
    // Lookup drafters cost a few microseconds: a zero draft step is the honest model of them.
    return buildProfile(key, draft ? draftSamples : [0], verifySamples);
  } finally {
    target.reset();
    draft?.reset();
  }
}
