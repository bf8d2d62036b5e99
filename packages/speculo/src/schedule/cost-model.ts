import type { DeviceProfile } from '../types/index.js';
import { fitConvexCurve } from './curve-fit.js';
import { decayPerStep } from './decay.js';
import { isotonicNonDecreasing } from './isotonic.js';

/** What a round costs: the schedule only needs these two curves. */
export interface CostCurve {
  /** Time of `steps` draft forward steps, in ms (0 for 0 steps). */
  draftMs(steps: number): number;
  /** Time of one target pass scoring `tokens` tokens (≥ 1), in ms. */
  verifyMs(tokens: number): number;
  /**
   * Time a round drafting `gamma` tokens spends outside its forward passes: the engine's own work that every round
   * pays (verification, commit, detokenising, streaming, the hop to the event loop) plus, when `gamma` > 0, cutting
   * both caches back. γ = 0 gives a target-only round's share. 0 when absent.
   */
  roundOverheadMs?(gamma: number): number;
}

/** A timing measured during decoding, fed back into the model. */
export type TimingObservation =
  | { kind: 'verify'; tokens: number; ms: number }
  | { kind: 'draft'; steps: number; ms: number }
  /** The cache cut after a speculative round's verification. */
  | { kind: 'rollback'; ms: number }
  /** A round's wall time minus its forward passes and cache cut: what the engine spends around the models. */
  | { kind: 'round-overhead'; ms: number };

export interface CostModelOptions {
  /** Observations after which a measurement's weight in the correction halves. Default 16. */
  halfLifeObservations?: number;
  /**
   * Keep the corrected verify curve convex (see {@link fitConvexCurve}), as the scheduler reads the profile; otherwise
   * it is only kept non-decreasing. Default false.
   */
  convex?: boolean;
}

/**
 * One observation moves the scale by at most this factor, so a single GC pause or tab switch cannot swing the
 * schedule; a lasting change still gets through over a few observations.
 */
const maxStepRatio = 4;

/** Evidence, in observations, at which a verify length's own correction counts as much as the global one. */
const lengthShrinkage = 2;

/** Decayed observations a verify length needs before its own correction is used and interpolated from. */
const minLengthEvidence = 0.5;

/** Weight, in observations, of the draft line's lasting pull toward "no fixed part". */
const draftOriginWeight = 0.5;

/**
 * The device's cost curves: the profile's measurements, corrected online by what decoding actually measures.
 *
 * The target's curve is corrected at two levels. A global scale follows the level: a busy or throttled device
 * slows every pass by about the same factor, and every length follows it, observed or not. On top, each verify
 * length decoding uses gets its own correction, shrunk toward the global one until it has a few observations of
 * its own (2 count as much as the global evidence), and the corrected curve is made convex (or non-decreasing)
 * again so that corrected and uncorrected neighbours stay consistent. The per-length part is there because a profile
 * can be wrong in shape, not just in level: one taken while the machine was busy (seen on WASM: a plateau over
 * five lengths and a jump at the last, at twice decoding's level), imported from another machine, or stale. With
 * a scale alone such a shape misprices γ for the engine's life (the bench predicted 1.1× where 0.9× was measured).
 * The draft is a line fitted to decoding's proposals (see {@link draftMs}); keeping draft and target separate lets
 * their ratio, which drives γ, move too (e.g. only one of them sharing the GPU with other work).
 *
 * Scales and per-length corrections are exponentially weighted averages in log space (ratios compose
 * multiplicatively, and log space treats 2× slower and 2× faster symmetrically).
 */
export class CostModel implements CostCurve {
  private readonly baseVerifyMs: readonly number[];
  private readonly baseDraftStepMs: number;
  private readonly weight: number;
  private logVerifyScale = 0;
  /** Per measured verify length: decayed mean of log(measured / profiled), and the decayed evidence behind it. */
  private readonly lengthLogRatio: number[];
  private readonly lengthEvidence: number[];
  private correctedCurve: number[] | null = null;
  private readonly convex: boolean;
  /** Decayed sums over draft observations (x: steps, y: ms) for the affine fit; see {@link draftMs}. */
  private readonly draftSums = { w: 0, x: 0, y: 0, xx: 0, xy: 0 };
  private draftLine: { fixed: number; perStep: number } | null = null;
  private rollbackEstimateMs: number | null = null;
  private engineEstimateMs: number | null = null;

  constructor(profile: Pick<DeviceProfile, 'draftStepMs' | 'targetVerifyMs'>, options: CostModelOptions = {}) {
    const curve = profile.targetVerifyMs;
    if (curve.length < 2) throw new RangeError('the cost curve needs at least the latencies of 1 and 2 tokens');
    for (const [k, ms] of curve.entries()) {
      if (!(ms > 0) || !Number.isFinite(ms)) throw new RangeError(`targetVerifyMs[${k}] must be a positive duration, got ${ms}`);
      if (k > 0 && ms < curve[k - 1]) throw new RangeError(`targetVerifyMs must be non-decreasing (index ${k})`);
    }
    if (!(profile.draftStepMs >= 0) || !Number.isFinite(profile.draftStepMs)) {
      throw new RangeError(`draftStepMs must be a non-negative duration, got ${profile.draftStepMs}`);
    }
    this.baseVerifyMs = [...curve];
    this.lengthLogRatio = curve.map(() => 0);
    this.lengthEvidence = curve.map(() => 0);
    this.convex = options.convex ?? false;
    this.baseDraftStepMs = profile.draftStepMs;
    this.weight = 1 - decayPerStep(options.halfLifeObservations ?? 16);
    // The profile enters as two observations on its own line (1 step and the longest draft it prices), which fade
    // like any other as decoding's own observations come in.
    for (const steps of [1, Math.max(2, curve.length - 1)]) this.addDraftPoint(steps, steps * profile.draftStepMs, 1);
  }

  /** Current correction of the target's curve (measured / profiled); 1 until something is observed. */
  get verifyScale(): number {
    return Math.exp(this.logVerifyScale);
  }

  /** Current correction of the draft's per-step cost (measured / profiled); 1 for a free draft. */
  get draftScale(): number {
    return this.baseDraftStepMs > 0 ? this.line().perStep / this.baseDraftStepMs : 1;
  }

  /** What a proposal costs besides its steps, as decoding measured it (0 until observed). */
  get draftFixedMs(): number {
    return this.baseDraftStepMs > 0 ? this.line().fixed : 0;
  }

  verifyMs(tokens: number): number {
    if (!Number.isInteger(tokens) || tokens < 1) throw new RangeError(`verify tokens must be a positive integer, got ${tokens}`);
    return extended(this.curve(), tokens);
  }

  /** The corrected verify curve over the profile's lengths. */
  private curve(): number[] {
    if (this.correctedCurve) return this.correctedCurve;
    const global = this.logVerifyScale;
    // Log-corrections where decoding has evidence, shrunk toward the global one; lengths in between are
    // interpolated and lengths beyond the ends take the nearest, so that an unused length follows its neighbours'
    // shape rather than jumping back to the profile's.
    const known = this.lengthEvidence.map((evidence, k) =>
      evidence >= minLengthEvidence ? (evidence * this.lengthLogRatio[k]! + lengthShrinkage * global) / (evidence + lengthShrinkage) : null,
    );
    const correction = known.map((value, k) => {
      if (value !== null) return value;
      let left = k - 1;
      while (left >= 0 && known[left] === null) left--;
      let right = k + 1;
      while (right < known.length && known[right] === null) right++;
      const leftValue = left >= 0 ? known[left]! : null;
      const rightValue = right < known.length ? known[right]! : null;
      if (leftValue !== null && rightValue !== null) return leftValue + ((rightValue - leftValue) * (k - left)) / (right - left);
      return leftValue ?? rightValue ?? global;
    });
    const corrected = this.baseVerifyMs.map((base, k) => base * Math.exp(correction[k]!));
    this.correctedCurve = this.convex ? fitConvexCurve(corrected) : isotonicNonDecreasing(corrected);
    return this.correctedCurve;
  }

  /**
   * What a round costs besides its forward passes, as decoding measured it (0 until rounds were observed): the
   * engine's per-round work, paid by target-only rounds too, plus for γ > 0 the cache cut. The profile cannot know
   * either. On WebGPU both are small next to a pass; on WASM, where a pass takes milliseconds, the cut copies every
   * layer's cache and the per-round work is a few percent to a fifth of the round, which favours fewer, longer
   * rounds and can turn a marginal speedup into a loss.
   */
  roundOverheadMs(gamma: number): number {
    return (this.engineEstimateMs ?? 0) + (gamma > 0 ? (this.rollbackEstimateMs ?? 0) : 0);
  }

  /**
   * A proposal of `steps` draft tokens: fixed + steps × perStep. The profile times bare single-token steps; a
   * proposal also pays per-round work (measured on WASM: about 0.5 ms a proposal besides 0.44 ms a step), which a
   * single scale would spread over the steps, overpricing long drafts and underpricing short ones. So the line is a
   * decayed least-squares fit of decoding's (steps, ms) observations, started from the profile's line (two fading
   * pseudo-observations) and held toward no fixed part by a lasting pseudo-observation at (0 steps, 0 ms): while
   * decoding drafts a single length, which cannot tell a fixed part from a slope, the line scales proportionally
   * (as a single correction factor would); once lengths vary, a fixed part the data show is fitted.
   */
  draftMs(steps: number): number {
    if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`draft steps must be a non-negative integer, got ${steps}`);
    if (steps === 0 || this.baseDraftStepMs === 0) return 0;
    const { fixed, perStep } = this.line();
    return fixed + steps * perStep;
  }

  /**
   * Blends a measured time into the curves. Ignored when nothing was run or the clock could not resolve it
   * (browsers coarsen `performance.now()`, so 0 ms readings happen and carry no ratio).
   */
  observe(observation: TimingObservation): void {
    if (observation.kind === 'round-overhead') {
      // A coarse clock reads small overheads as 0, which is still evidence that they are small.
      if (observation.ms >= 0 && Number.isFinite(observation.ms)) this.engineEstimateMs = this.averaged(this.engineEstimateMs, observation.ms);
      return;
    }
    if (!(observation.ms > 0) || !Number.isFinite(observation.ms)) return;
    if (observation.kind === 'rollback') {
      this.rollbackEstimateMs = this.averaged(this.rollbackEstimateMs, observation.ms);
      return;
    }
    if (observation.kind === 'verify') {
      const { tokens, ms } = observation;
      const base = extended(this.baseVerifyMs, tokens);
      this.logVerifyScale += this.weight * clampedLogRatio(ms, base * this.verifyScale);
      if (tokens <= this.baseVerifyMs.length) {
        const k = tokens - 1;
        const keep = 1 - this.weight;
        for (let j = 0; j < this.lengthEvidence.length; j++) this.lengthEvidence[j]! *= keep;
        const predicted = this.verifyMs(tokens);
        const logRatio = Math.log(predicted / base) + clampedLogRatio(ms, predicted);
        const evidence = this.lengthEvidence[k]!;
        this.lengthLogRatio[k] = (this.lengthLogRatio[k]! * evidence + logRatio) / (evidence + 1);
        this.lengthEvidence[k] = evidence + 1;
      }
      this.correctedCurve = null;
    } else {
      if (observation.steps <= 0) return;
      const predicted = this.draftMs(observation.steps);
      // A profile may say the draft is free (a lookup drafter); then there is nothing to correct.
      if (predicted <= 0) return;
      // The same cap as for the scales: one stall moves the line a little, a lasting change gets through.
      const ms = predicted * Math.exp(clampedLogRatio(observation.ms, predicted));
      const keep = 1 - this.weight;
      const sums = this.draftSums;
      for (const key of ['w', 'x', 'y', 'xx', 'xy'] as const) sums[key] *= keep;
      this.addDraftPoint(observation.steps, ms, 1);
    }
  }

  private addDraftPoint(steps: number, ms: number, weight: number): void {
    const sums = this.draftSums;
    sums.w += weight;
    sums.x += weight * steps;
    sums.y += weight * ms;
    sums.xx += weight * steps * steps;
    sums.xy += weight * steps * ms;
    this.draftLine = null;
  }

  /** The draft's fitted line, with the lasting pseudo-observation at the origin (weight 0.5). */
  private line(): { fixed: number; perStep: number } {
    if (this.draftLine) return this.draftLine;
    const { w, x: X, y: Y, xx: XX, xy: XY } = this.draftSums;
    const W = w + draftOriginWeight;
    let perStep = (W * XY - X * Y) / (W * XX - X * X);
    let fixed = (Y - perStep * X) / W;
    // Noise can tilt the line past its physical bounds: a proposal cannot cost less than nothing.
    if (fixed < 0 || !(perStep >= 0)) {
      fixed = 0;
      perStep = XY / XX;
    }
    this.draftLine = { fixed, perStep };
    return this.draftLine;
  }

  /**
   * An overhead's running average. The first measurement stands alone (there is no profiled value to blend with);
   * each is capped at a verify pass so that one stall (GC, a busy tab) cannot make speculation look hopeless.
   */
  private averaged(estimate: number | null, measured: number): number {
    const ms = Math.min(measured, this.verifyMs(1));
    return estimate === null ? ms : estimate + this.weight * (ms - estimate);
  }
}

/** A curve's value at `tokens`, continuing its last slope past its end (the compute-bound regime is linear). */
function extended(curve: readonly number[], tokens: number): number {
  if (tokens <= curve.length) return curve[tokens - 1]!;
  const last = curve[curve.length - 1]!;
  return last + (last - curve[curve.length - 2]!) * (tokens - curve.length);
}

function clampedLogRatio(measured: number, predicted: number): number {
  const limit = Math.log(maxStepRatio);
  return Math.min(limit, Math.max(-limit, Math.log(measured / predicted)));
}
