import { GpuCopyBatch } from '../kv/gpu-copy-batch.js';
import { buildProfile, type DeviceProfile, type DeviceProfileKey } from '../schedule/device-profile.js';
import type { CausalLmRunner } from './causal-lm-runner.js';

export interface CalibrationOptions {
  /** Longest verify pass measured: 1..maxVerifyTokens tokens (γ up to maxVerifyTokens − 1). */
  maxVerifyTokens?: number;
  /** Timed repetitions per length, after one warm-up. */
  repeats?: number;
  /** Tokens in the cache while measuring, as in the middle of a short answer. */
  contextTokens?: number;
  gpuDevice: GPUDevice | null;
  /** The decoder's per-round hop to the event loop, timed with each verify sample. */
  yieldToEventLoop?: () => Promise<void>;
  onStep?: (done: number, total: number) => void;
  now?: () => number;
}

/**
 * Measures how the target's latency grows with the number of tokens scored in one pass, and the draft's
 * single-step latency, on this device: the cost curve the adaptive scheduler optimises γ against.
 */
export async function calibrateProfile(key: DeviceProfileKey, target: CausalLmRunner, draft: CausalLmRunner | null, options: CalibrationOptions): Promise<DeviceProfile> {
  const maxVerify = options.maxVerifyTokens ?? 9;
  const repeats = options.repeats ?? 3;
  const contextTokens = options.contextTokens ?? 32;
  const now = options.now ?? (() => performance.now());
  // Token ids 1..n exist in every vocabulary; what they mean does not matter for timing.
  const context = Array.from({ length: contextTokens }, (_, i) => 1 + (i % 200));
  const total = maxVerify * (repeats + 1) + (draft ? repeats + 1 : 0);
  let done = 0;
  const step = () => options.onStep?.(++done, total);

  // A verify sample times what a decoding round adds around the forward pass too (the hop to the event loop and
  // the cache cut), so that on fast backends, where those are a visible share, the scheduler does not
  // overestimate what speculation gains. Draft steps are bare forward passes, as inside a proposal.
  const timeForward = async (runner: CausalLmRunner, tokens: number[], asRound: boolean): Promise<number> => {
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

  try {
    target.reset();
    await target.forward(context, true);
    const verifySamples: number[][] = [];
    for (let k = 1; k <= maxVerify; k++) {
      const tokens = context.slice(0, k);
      await timeForward(target, tokens, true);
      const samples: number[] = [];
      for (let r = 0; r < repeats; r++) samples.push(await timeForward(target, tokens, true));
      verifySamples.push(samples);
    }
    const draftSamples: number[] = [];
    if (draft) {
      draft.reset();
      await draft.forward(context, true);
      await timeForward(draft, [context[0]!], false);
      for (let r = 0; r < repeats; r++) draftSamples.push(await timeForward(draft, [context[r % context.length]!], false));
    }
    // Lookup drafters cost a few microseconds: a zero draft step is the honest model of them.
    return buildProfile(key, draft ? draftSamples : [0], verifySamples);
  } finally {
    target.reset();
    draft?.reset();
  }
}
