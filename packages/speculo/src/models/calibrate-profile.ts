import type { DeviceProfile, DeviceProfileKey } from '../types/index.js';
import { createAbortError } from '../errors.js';
import { buildProfile } from '../schedule/device-profile.js';
import type { ForwardModel } from './causal-lm-runner.js';

/** What calibration needs of a model: filling its cache, a forward pass over it, and cutting the cache back. */
export type CalibratedRunner = Pick<ForwardModel, 'forward' | 'prefill' | 'rollbackTo' | 'reset'>;

export interface CalibrationOptions {
  /** Longest verify pass measured: 1..maxVerifyTokens tokens (γ up to maxVerifyTokens − 1). Default 9. */
  maxVerifyTokens?: number;
  /** Timed passes per verify length, after the warm-up. Default 6. */
  repeats?: number;
  /** Tokens in the cache while measuring, as in the middle of a short answer. Default 32. */
  contextTokens?: number;
  /**
   * Least time spent in untimed passes before measuring, in ms. Default 1000. Engines pass 3000 on WASM, where the
   * browser keeps recompiling the runtime's hot code into its optimising tier for the first seconds after loading.
   */
  warmUpMs?: number;
  /** The decoder's per-round hop to the event loop, timed with each verify sample. */
  yieldToEventLoop?: () => Promise<void>;
  /** Read before every pass: once `aborted`, calibration stops with an AbortError (the engine is being disposed). */
  signal?: { readonly aborted: boolean };
  /** Progress: one step per timed pass, plus a fixed number of steps spread over the warm-up. */
  onStep?: (done: number, total: number) => void;
  now?: () => number;
}

/** Progress steps that stand for the warm-up, whose pass count depends on the device's speed. */
const warmUpSteps = 10;

/**
 * Measures how the target's latency grows with the number of tokens scored in one pass, and the draft's
 * single-step latency, on this device: the cost curve the adaptive scheduler optimises γ against.
 *
 * The curve's shape decides γ, so the procedure guards it against drift and noise, which right after loading
 * are large: shaders compile and buffers are allocated on first use of each shape, and on WASM the browser
 * recompiles the runtime's hot code into its optimising tier over the first seconds, so the same pass gets 2–3×
 * faster (measured here: profiles taken in the first ~3 s after loading were 2–3× slower than decoding, with
 * spurious steps; later ones matched decoding within 10 %).
 * 1. Every shape runs once, then passes cycle through the lengths (each with a draft step) until `warmUpMs` has
 *    passed since calibration began. None of this is timed.
 * 2. The timed passes visit the lengths in alternating order (1..K, K..1, …), each followed by a draft step, so
 *    drift left over falls on every length and on the draft alike instead of tilting the curve. Each point is
 *    the lower quartile of its samples (see {@link buildProfile}): noise on a shared machine only ever adds time.
 */
export async function calibrateProfile(key: DeviceProfileKey, target: CalibratedRunner, draft: CalibratedRunner | null, options: CalibrationOptions): Promise<DeviceProfile> {
  const maxVerify = options.maxVerifyTokens ?? 9;
  const repeats = options.repeats ?? 6;
  const contextTokens = options.contextTokens ?? 32;
  const warmUpMs = options.warmUpMs ?? 1000;
  if (!Number.isInteger(maxVerify) || maxVerify < 2) throw new RangeError(`maxVerifyTokens must be an integer ≥ 2, got ${maxVerify}`);
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeats must be a positive integer, got ${repeats}`);
  if (!(warmUpMs >= 0) || !Number.isFinite(warmUpMs)) throw new RangeError(`warmUpMs must be a non-negative duration, got ${warmUpMs}`);
  const now = options.now ?? (() => performance.now());
  // Token ids 1..n exist in every vocabulary; what they mean does not matter for timing.
  const context = Array.from({ length: contextTokens }, (_, i) => 1 + (i % 200));
  const draftPasses = draft ? 1 : 0;
  const total = warmUpSteps + repeats * maxVerify * (1 + draftPasses);
  let done = 0;
  const step = () => options.onStep?.(++done, total);

  // A verify sample times what a decoding round adds around the forward pass too (the hop to the event loop and
  // the cache cut), so that on fast backends, where those are a visible share, the scheduler does not
  // overestimate what speculation gains. Draft steps are bare forward passes, as inside a proposal.
  const timeForward = async (runner: CalibratedRunner, tokens: number[], asRound: boolean): Promise<number> => {
    if (options.signal?.aborted) throw createAbortError();
    const start = now();
    if (asRound) await options.yieldToEventLoop?.();
    // Picks, as a greedy round reads them: on the GPU path a few bytes a row, not the whole block.
    await runner.forward(tokens, false, 'picks');
    runner.rollbackTo(contextTokens);
    return now() - start;
  };
  const verify = (length: number) => timeForward(target, context.slice(0, length), true);
  const draftStep = (i: number) => (draft ? timeForward(draft, [context[i % context.length]!], false) : Promise.resolve(null));

  try {
    // Only the cache matters here: prefill fills it without asking for logits at every context position.
    target.reset();
    await target.prefill(context, 'picks');
    if (draft) {
      draft.reset();
      await draft.prefill(context, 'picks');
    }

    const warmUpStart = now();
    let warmUpReported = 0;
    for (let pass = 0; pass < maxVerify || now() - warmUpStart < warmUpMs; pass++) {
      await verify((pass % maxVerify) + 1);
      await draftStep(pass);
      const reached = Math.min(warmUpSteps, Math.floor((warmUpSteps * (now() - warmUpStart)) / Math.max(warmUpMs, 1)));
      for (; warmUpReported < reached; warmUpReported++) step();
    }
    for (; warmUpReported < warmUpSteps; warmUpReported++) step();

    const verifySamples: number[][] = Array.from({ length: maxVerify }, () => []);
    const draftSamples: number[] = [];
    for (let r = 0; r < repeats; r++) {
      for (let i = 0; i < maxVerify; i++) {
        const k = r % 2 === 0 ? i + 1 : maxVerify - i;
        verifySamples[k - 1]!.push(await verify(k));
        step();
        const ms = await draftStep(r * maxVerify + i);
        if (ms !== null) {
          draftSamples.push(ms);
          step();
        }
      }
    }
    // Lookup drafters cost a few microseconds: a zero draft step is the honest model of them.
    return buildProfile(key, draft ? draftSamples : [0], verifySamples);
  } finally {
    target.reset();
    draft?.reset();
  }
}
