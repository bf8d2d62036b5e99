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
 * single-step latency, on this device: the cost curve the adaptive scheduler optimises γ against. Runs it all at
 * once (see {@link ProfileSampler} for the procedure); `calibrate: 'eager'` and `recalibrate()` use it.
 */
export async function calibrateProfile(key: DeviceProfileKey, target: CalibratedRunner, draft: CalibratedRunner | null, options: CalibrationOptions): Promise<DeviceProfile> {
  const sampler = new ProfileSampler(key, target, draft, options);
  return (await sampler.run(options.signal))!;
}

/**
 * The measurement behind a device profile, resumable: {@link run} takes passes until the profile is complete or its
 * signal aborts, and keeps every sample taken, so background calibration can measure in the engine's idle moments and
 * give the models up to a generation after at most one pass.
 *
 * The curve's shape decides γ, so the procedure guards it against drift and noise, which right after loading
 * are large: shaders compile and buffers are allocated on first use of each shape, and on WASM the browser
 * recompiles the runtime's hot code into its optimising tier over the first seconds, so the same pass gets 2–3×
 * faster (measured here: profiles taken in the first ~3 s after loading were 2–3× slower than decoding, with
 * spurious steps; later ones matched decoding within 10 %).
 * 1. Every shape runs once, then passes cycle through the lengths (each with a draft step) until `warmUpMs` has
 *    passed since calibration began (generations run in between count: they warm the same code). None of this is
 *    timed. A resumed run, whose shapes are compiled, starts with one untimed pass after refilling the caches.
 * 2. The timed passes visit the lengths in alternating order (1..K, K..1, …), each followed by a draft step, so
 *    drift left over falls on every length and on the draft alike instead of tilting the curve. Each point is
 *    the lower quartile of its samples (see {@link buildProfile}): noise on a shared machine only ever adds time.
 */
export class ProfileSampler {
  private readonly maxVerify: number;
  private readonly repeats: number;
  private readonly contextTokens: number;
  private readonly warmUpMs: number;
  private readonly now: () => number;
  private readonly context: number[];
  private readonly verifySamples: number[][];
  private readonly draftSamples: number[] = [];
  /** Next timed pass, 0..repeats × maxVerify. */
  private next = 0;
  private warmUpStart: number | null = null;
  private warmUpReported = 0;
  private done = 0;
  private readonly total: number;
  private sessions = 0;

  constructor(
    private readonly key: DeviceProfileKey,
    private readonly target: CalibratedRunner,
    private readonly draft: CalibratedRunner | null,
    private readonly options: Omit<CalibrationOptions, 'signal'> = {},
  ) {
    this.maxVerify = options.maxVerifyTokens ?? 9;
    this.repeats = options.repeats ?? 6;
    this.contextTokens = options.contextTokens ?? 32;
    this.warmUpMs = options.warmUpMs ?? 1000;
    if (!Number.isInteger(this.maxVerify) || this.maxVerify < 2) throw new RangeError(`maxVerifyTokens must be an integer ≥ 2, got ${this.maxVerify}`);
    if (!Number.isInteger(this.repeats) || this.repeats < 1) throw new RangeError(`repeats must be a positive integer, got ${this.repeats}`);
    if (!(this.warmUpMs >= 0) || !Number.isFinite(this.warmUpMs)) throw new RangeError(`warmUpMs must be a non-negative duration, got ${this.warmUpMs}`);
    this.now = options.now ?? (() => performance.now());
    // Token ids 1..n exist in every vocabulary; what they mean does not matter for timing.
    this.context = Array.from({ length: this.contextTokens }, (_, i) => 1 + (i % 200));
    this.verifySamples = Array.from({ length: this.maxVerify }, () => []);
    this.total = warmUpSteps + this.repeats * this.maxVerify * (draft ? 2 : 1);
  }

  /** Every timed pass taken: {@link profile} is ready. */
  get complete(): boolean {
    return this.next >= this.repeats * this.maxVerify;
  }

  /** Progress steps done and in all (the warm-up counts as a fixed number of steps). */
  get progress(): { done: number; total: number } {
    return { done: this.done, total: this.total };
  }

  /** The profile of the samples taken; only once {@link complete}. */
  profile(): DeviceProfile {
    if (!this.complete) throw new Error(`the device profile is not measured yet (${this.done} of ${this.total} steps)`);
    // Lookup drafters cost a few microseconds: a zero draft step is the honest model of them.
    return buildProfile(this.key, this.draft ? this.draftSamples : [0], this.verifySamples);
  }

  /**
   * Takes passes until the profile is complete (and returns it) or `signal` aborts (AbortError; the samples taken
   * so far are kept for the next run). The models' caches are reset at the end either way.
   */
  async run(signal?: { readonly aborted: boolean }): Promise<DeviceProfile | null> {
    if (this.complete) return this.profile();
    const { target, draft, context, contextTokens, maxVerify } = this;
    const firstSession = this.sessions++ === 0;
    this.warmUpStart ??= this.now();
    // A verify sample times what a decoding round adds around the forward pass too (the hop to the event loop and
    // the cache cut), so that on fast backends, where those are a visible share, the scheduler does not
    // overestimate what speculation gains. Draft steps are bare forward passes, as inside a proposal.
    const timeForward = async (runner: CalibratedRunner, tokens: number[], asRound: boolean): Promise<number> => {
      if (signal?.aborted) throw createAbortError();
      const start = this.now();
      if (asRound) await this.options.yieldToEventLoop?.();
      // Picks, as a greedy round reads them: on the GPU path a few bytes a row, not the whole block.
      await runner.forward(tokens, false, 'picks');
      runner.rollbackTo(contextTokens);
      return this.now() - start;
    };
    const verify = (length: number) => timeForward(target, context.slice(0, length), true);
    const draftStep = (i: number) => (draft ? timeForward(draft, [context[i % context.length]!], false) : Promise.resolve(null));
    const step = () => {
      this.done++;
      this.options.onStep?.(this.done, this.total);
    };

    try {
      if (signal?.aborted) throw createAbortError();
      // Only the cache matters here: prefill fills it without asking for logits at every context position.
      target.reset();
      await target.prefill(context, 'picks');
      if (draft) {
        draft.reset();
        await draft.prefill(context, 'picks');
      }

      const untimedPasses = firstSession ? maxVerify : 1;
      for (let pass = 0; pass < untimedPasses || this.now() - this.warmUpStart < this.warmUpMs; pass++) {
        await verify((pass % maxVerify) + 1);
        await draftStep(pass);
        const reached = Math.min(warmUpSteps, Math.floor((warmUpSteps * (this.now() - this.warmUpStart)) / Math.max(this.warmUpMs, 1)));
        for (; this.warmUpReported < reached; this.warmUpReported++) step();
      }
      for (; this.warmUpReported < warmUpSteps; this.warmUpReported++) step();

      for (; !this.complete; this.next++) {
        const r = Math.floor(this.next / maxVerify);
        const i = this.next % maxVerify;
        const k = r % 2 === 0 ? i + 1 : maxVerify - i;
        const verifyMs = await verify(k);
        const draftMs = await draftStep(this.next);
        // A pass counts only with its draft step: a preemption between them would leave the draft one short.
        this.verifySamples[k - 1]!.push(verifyMs);
        step();
        if (draftMs !== null) {
          this.draftSamples.push(draftMs);
          step();
        }
      }
      return this.profile();
    } finally {
      target.reset();
      draft?.reset();
    }
  }
}
