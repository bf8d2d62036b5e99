import type { CostCurve } from './cost-model.js';
import { decayPerStep } from './decay.js';
import { isotonicNonDecreasing } from './isotonic.js';

/** Everything the cost-aware rule weighs after a token is drafted. */
export interface DraftAnotherQuestion {
  /** 0-based position of the token just drafted (so position + 1 tokens are drafted). */
  position: number;
  /**
   * Predicted probability that the next token would be accepted, given the ones before it are (the position-aware
   * stop reads it from the next position's estimate and the surprise of the token just drafted).
   */
  confidence: number;
  /** Probability that every token drafted so far is accepted: the product of their calibrated confidences. */
  acceptedSoFarProbability: number;
  cost: CostCurve;
  /** The round's planned γ; never draft past it. */
  currentGamma: number;
  /**
   * The round's planned throughput (committed tokens per ms). Its inverse is the time value of a token: what the
   * round pays per token on average, and so the least a marginal token must save to be worth drafting.
   */
  tokensPerMs: number;
}

/**
 * Whether to draft one more token. The next token adds a committed token only if it and every token before it are
 * accepted, so its expected gain is acceptedSoFarProbability × confidence tokens. It costs one draft step plus the
 * growth of the verify pass by one token. Extending the round raises its tokens per ms exactly when
 * gain / cost exceeds the round's rate, i.e. gain × (1 / tokensPerMs) ≥ cost. This is the cost-aware form of a
 * confidence threshold: the threshold is not a constant but the point where one more token stops paying on this
 * device (on a free draft and flat verify curve it never stops; on an expensive draft it stops early).
 */
export function shouldDraftAnother(question: DraftAnotherQuestion): boolean {
  const { position, confidence, acceptedSoFarProbability, cost, currentGamma, tokensPerMs } = question;
  const drafted = position + 1;
  if (drafted >= currentGamma) return false;
  const expectedGainTokens = acceptedSoFarProbability * confidence;
  // The verify pass scores the drafted tokens plus the round's own token.
  const marginalMs = cost.draftMs(drafted + 1) - cost.draftMs(drafted) + cost.verifyMs(drafted + 2) - cost.verifyMs(drafted + 1);
  return expectedGainTokens >= marginalMs * tokensPerMs;
}

export interface ConfidenceCalibratorOptions {
  /** Equal-width confidence bins over [0, 1]. Default 10. */
  bins?: number;
  /** Drafting rounds after which an observation's weight halves. Default 64. */
  halfLifeRounds?: number;
  /** Pseudo-observations per bin that start it at face value (acceptance = confidence). Default 2. */
  priorStrength?: number;
}

/**
 * Maps a draft's raw confidence to the probability that the target accepts the token, learnt from rounds.
 *
 * Raw confidence is the draft's own probability of its token, which is rarely calibrated against the target
 * (a small draft is often sure and wrong on rare words; under sampling the acceptance is min(1, p/q), not q).
 * The map is a histogram of decayed acceptance counts per confidence bin, each bin starting at face value with a
 * small prior so that untouched bins behave like the raw confidence. Bins are then fitted non-decreasing (isotonic
 * regression weighted by evidence), since a more confident draft should not be accepted less often and a sparse
 * bin must not invert the order, and the result is interpolated linearly between bin centres so that the map is
 * continuous. The half-life is long (64 rounds) because calibration is a property of the model pair, steadier than
 * the text, and ten bins need more evidence than one rate.
 *
 * Only judged tokens count: tokens up to and including the first rejection. Tokens after it were never compared
 * with the target.
 */
export class ConfidenceCalibrator {
  private readonly bins: number;
  private readonly decay: number;
  private readonly priorStrength: number;
  private readonly trials: number[];
  private readonly successes: number[];
  private map: number[] | null = null;

  constructor(options: ConfidenceCalibratorOptions = {}) {
    this.bins = options.bins ?? 10;
    if (!Number.isInteger(this.bins) || this.bins < 1) throw new RangeError(`bins must be a positive integer, got ${this.bins}`);
    this.decay = decayPerStep(options.halfLifeRounds ?? 64);
    this.priorStrength = options.priorStrength ?? 2;
    if (!(this.priorStrength > 0)) throw new RangeError(`priorStrength must be positive, got ${this.priorStrength}`);
    this.trials = Array<number>(this.bins).fill(0);
    this.successes = Array<number>(this.bins).fill(0);
  }

  /** Estimated acceptance probability of a token drafted with this raw confidence. */
  calibrate(confidence: number): number {
    const map = this.binMap();
    const position = clamp01(confidence) * this.bins - 0.5;
    if (position <= 0) return map[0];
    if (position >= this.bins - 1) return map[this.bins - 1];
    const low = Math.floor(position);
    // Interpolate only towards a neighbour with evidence: an untouched bin holds its prior (its centre), and
    // blending it in would drag a well-measured bin toward face value, e.g. 0.93-confident drafts accepted 93 % of
    // the time would read as 0.91 because the 0.85 bin next door was never visited.
    const lowKnown = this.trials[low]! >= minEvidence;
    const highKnown = this.trials[low + 1]! >= minEvidence;
    const t = lowKnown === highKnown ? position - low : highKnown ? 1 : 0;
    return map[low] * (1 - t) + map[low + 1] * t;
  }

  /** Folds in one round: the raw confidences of its drafted tokens and how many of them were accepted. */
  observeRound(confidences: readonly number[], accepted: number): void {
    if (confidences.length === 0) return;
    if (!Number.isInteger(accepted) || accepted < 0 || accepted > confidences.length) {
      throw new RangeError(`accepted must be an integer in 0..${confidences.length}, got ${accepted}`);
    }
    for (let b = 0; b < this.bins; b++) {
      this.trials[b] *= this.decay;
      this.successes[b] *= this.decay;
    }
    const judged = Math.min(confidences.length, accepted + 1);
    for (let i = 0; i < judged; i++) {
      const bin = this.binOf(confidences[i]);
      this.trials[bin] += 1;
      if (i < accepted) this.successes[bin] += 1;
    }
    this.map = null;
  }

  private binOf(confidence: number): number {
    return Math.min(this.bins - 1, Math.floor(clamp01(confidence) * this.bins));
  }

  private binMap(): number[] {
    if (this.map) return this.map;
    const m = this.priorStrength;
    const estimates = this.trials.map((trials, b) => (this.successes[b] + m * ((b + 0.5) / this.bins)) / (trials + m));
    this.map = isotonicNonDecreasing(
      estimates,
      this.trials.map((trials) => trials + m),
    );
    return this.map;
  }
}

/** Decayed observations a confidence bin needs before its neighbours interpolate towards it. */
const minEvidence = 1;

/** How drafting may stop before γ: the cost-aware rule, a fixed confidence threshold, or never. */
export type EarlyStopSetting = 'cost-aware' | { threshold: number } | 'off';

/** The in-round stop decision, with the per-round state the drafter's `continueAfter` callback needs. */
export interface EarlyStopRule {
  /** Starts a round planned at `gamma` drafts, expected to deliver `tokensPerMs`. */
  beginRound(plan: { gamma: number; tokensPerMs: number }): void;
  /** Asked after the token at `position` was drafted with raw `confidence`; false ends drafting. */
  continueAfter(position: number, confidence: number): boolean;
  /** Learns from the finished round (the cost-aware rule recalibrates; a threshold learns nothing). */
  observeRound(confidences: readonly number[], accepted: number): void;
}

/**
 * The plain stop, for comparison: go on while the raw confidence of the last token is at least `threshold`, whatever
 * the device. Like transformers' `assistant_confidence_threshold` it judges the token already drafted; llama.cpp's
 * `--draft-p-min` checks the candidate before adding it, which the drafter interface (asked after each token)
 * cannot express. The default, `'cost-aware'`, is the PositionAwareStop (position-aware-stop.ts).
 */
export function createThresholdStop(threshold: number): EarlyStopRule {
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`the early-stop threshold must be in [0, 1], got ${threshold}`);
  return {
    beginRound: () => {},
    continueAfter: (_position, confidence) => confidence >= threshold,
    observeRound: () => {},
  };
}

/**
 * What every cost-aware stop keeps through a round: the plan it was given and the running probability that every
 * token drafted so far is accepted.
 */
export abstract class RoundStopState {
  protected gamma = 0;
  protected tokensPerMs = 0;
  protected acceptedSoFar = 1;

  beginRound(plan: { gamma: number; tokensPerMs: number }): void {
    this.gamma = plan.gamma;
    this.tokensPerMs = plan.tokensPerMs;
    this.acceptedSoFar = 1;
  }

  /** The drafter asks in order from position 0; restart the product there so a missed beginRound cannot leak. */
  protected startsRound(position: number): void {
    if (position === 0) this.acceptedSoFar = 1;
  }
}

function clamp01(value: number): number {
  return Number.isNaN(value) ? 0 : Math.min(1, Math.max(0, value));
}
