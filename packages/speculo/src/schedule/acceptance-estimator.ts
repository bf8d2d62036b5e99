import type { Rng } from '../sampling/prng.js';
import { sampleBeta } from './beta-sampler.js';
import { decayPerStep } from './decay.js';

/** Anything that can say how many tokens a round of γ drafts commits on average. */
export interface AcceptanceModel {
  /** Expected tokens committed by a round drafting `gamma` tokens, counting the target's own token (so ≥ 1). */
  expectedCommitted(gamma: number): number;
}

/**
 * Expected tokens committed per round from conditional acceptances: 1 + Σ_{j=1..γ} Π_{i<j} α_i, where α_i is the
 * probability that draft token i (0-based) is accepted given that tokens before it were. The product is the
 * chance that the first j drafts all survive, each of which adds one token; the 1 is the target's token, which
 * every round commits. Positions past the end of `conditional` repeat its last value; an empty list means the
 * draft is never accepted.
 */
export function expectedCommittedFrom(conditional: readonly number[], gamma: number): number {
  checkGamma(gamma);
  let expected = 1;
  let allAccepted = 1;
  for (let i = 0; i < gamma; i++) {
    const alpha = conditional.length === 0 ? 0 : conditional[Math.min(i, conditional.length - 1)];
    allAccepted *= alpha;
    expected += allAccepted;
  }
  return expected;
}

export interface AcceptanceEstimatorOptions {
  /** Drafting rounds after which an observation's weight halves. Default 8: the schedule follows the text. */
  halfLifeRounds?: number;
  /** Pooled acceptance assumed before any evidence. Default 0.6, a typical same-family draft. */
  priorAcceptance?: number;
  /** Weight of `priorAcceptance` in the pooled rate, in judged tokens. Default 1: first rounds stay sane, steady state is barely biased. */
  priorStrength?: number;
  /**
   * Weight of the pooled rate in each position's estimate, in judged tokens. Default 2: a position judged in a
   * couple of rounds is already mostly its own; one never judged (or whose evidence has decayed away) reads as the
   * pooled rate, with the uncertainty of two observations.
   */
  positionPriorStrength?: number;
}

/** A position's posterior Beta(alpha, beta) over its conditional acceptance. */
export interface AcceptancePosterior {
  alpha: number;
  beta: number;
}

/**
 * Online estimate of α_i = P(draft token i accepted | tokens before i accepted), per 0-based position i, with
 * its uncertainty.
 *
 * Each position keeps exponentially decayed counts of trials and successes. A round that drafted d tokens and
 * had a accepted is a success at positions 0..a−1 and, when a < d, a failure at position a; later positions were
 * never judged (the verifier stops at the first rejection), so they are not counted: counting them as failures
 * would confuse "the draft was wrong here" with "an earlier token was".
 *
 * Two levels. The pooled rate p̄ is every judged token's outcome, whatever its position, shrunk toward
 * `priorAcceptance` by `priorStrength` tokens. Each position's posterior is Beta(s_i + m·p̄, f_i + m·(1 − p̄)),
 * its own successes s_i and failures f_i over a prior of m = `positionPriorStrength` tokens centred on p̄, and its
 * estimate is that posterior's mean. Why pooled and not the position before (as this estimator once did): acceptance
 * by position is not monotone on real drafts (measured on WASM: high early, a dip, high again), and a position
 * only judged when everything before it was accepted is judged rarely, so copying the neighbour carried a dip
 * forward to every deeper position, γ never went past it and the deeper positions were never learned (adaptive
 * settled at γ ≈ 4 where a static 6 was 4 % faster). The pooled rate is the draft's overall form, a neutral guess
 * for a position with no evidence of its own. It overrates the deep positions of a draft that decays along the
 * draft, which costs a few rounds drafting one token too far until they are judged and their own evidence takes
 * over; it underrates those of a draft whose first tokens are its weakest, which is where the posterior's width
 * matters: {@link sample} draws from it so that the schedule can explore (see the adaptive policy).
 *
 * Decay is applied once per drafting round to every position, judged or not: evidence about a position not drafted
 * for a while goes stale like any other, its posterior widens and returns toward the pooled rate, which is what
 * lets the schedule look there again. Target-only rounds tell nothing about the draft and leave the estimate as
 * it was (see {@link AcceptanceEstimator.fade} for deliberate forgetting).
 */
export class AcceptanceEstimator implements AcceptanceModel {
  private readonly decay: number;
  private readonly prior: number;
  private readonly priorStrength: number;
  private readonly positionPriorStrength: number;
  private readonly trials: number[] = [];
  private readonly successes: number[] = [];
  private pooledCache: number | null = null;

  constructor(options: AcceptanceEstimatorOptions = {}) {
    this.decay = decayPerStep(options.halfLifeRounds ?? 8);
    this.prior = options.priorAcceptance ?? 0.6;
    this.priorStrength = options.priorStrength ?? 1;
    this.positionPriorStrength = options.positionPriorStrength ?? 2;
    if (!(this.prior >= 0 && this.prior <= 1)) throw new RangeError(`priorAcceptance must be in [0, 1], got ${this.prior}`);
    for (const [name, value] of [
      ['priorStrength', this.priorStrength],
      ['positionPriorStrength', this.positionPriorStrength],
    ] as const) {
      if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be positive, got ${value}`);
    }
  }

  /** Folds in one verify round: `drafted` tokens proposed, the first `accepted` of them accepted. */
  observeRound(drafted: number, accepted: number): void {
    if (!Number.isInteger(drafted) || drafted < 0) throw new RangeError(`drafted must be a non-negative integer, got ${drafted}`);
    if (!Number.isInteger(accepted) || accepted < 0 || accepted > drafted) {
      throw new RangeError(`accepted must be an integer in 0..${drafted}, got ${accepted}`);
    }
    if (drafted === 0) return;
    this.scaleCounts(this.decay);
    const judged = Math.min(drafted, accepted + 1);
    while (this.trials.length < judged) {
      this.trials.push(0);
      this.successes.push(0);
    }
    for (let i = 0; i < judged; i++) {
      this.trials[i] += 1;
      if (i < accepted) this.successes[i] += 1;
    }
  }

  /**
   * Keeps only `keep` (0..1) of the evidence gathered so far, e.g. before probing a draft that was abandoned a while
   * ago, so that a few probe rounds can overturn a verdict that may no longer hold.
   */
  fade(keep: number): void {
    if (!(keep >= 0 && keep <= 1)) throw new RangeError(`keep must be in [0, 1], got ${keep}`);
    this.scaleCounts(keep);
  }

  /** The pooled conditional acceptance over all positions, shrunk toward the prior: the centre of every position's prior. */
  pooledAcceptance(): number {
    if (this.pooledCache !== null) return this.pooledCache;
    let trials = 0;
    let successes = 0;
    for (let i = 0; i < this.trials.length; i++) {
      trials += this.trials[i];
      successes += this.successes[i];
    }
    this.pooledCache = (successes + this.priorStrength * this.prior) / (trials + this.priorStrength);
    return this.pooledCache;
  }

  /** The posterior Beta(alpha, beta) of α_i for the 0-based draft position i. */
  posterior(position: number): AcceptancePosterior {
    checkPosition(position);
    const pooled = this.pooledAcceptance();
    const m = this.positionPriorStrength;
    const trials = this.trials[position] ?? 0;
    const successes = this.successes[position] ?? 0;
    // Decay keeps successes ≤ trials; the guard only absorbs rounding.
    return { alpha: successes + m * pooled, beta: Math.max(0, trials - successes) + m * (1 - pooled) };
  }

  /** α_i for the 0-based draft position i: its posterior mean. */
  acceptance(position: number): number {
    const { alpha, beta } = this.posterior(position);
    return alpha / (alpha + beta);
  }

  /** α_0..α_{count−1}. */
  acceptanceByPosition(count: number): number[] {
    return Array.from({ length: count }, (_, i) => this.acceptance(i));
  }

  /**
   * One draw of α_i from its posterior, for Thompson sampling. A posterior with no room to move (the pooled rate at
   * exactly 0 or 1 and no evidence against it) gives its mean.
   */
  sample(position: number, rng: Rng): number {
    const { alpha, beta } = this.posterior(position);
    return alpha > 0 && beta > 0 ? sampleBeta(rng, alpha, beta) : alpha / (alpha + beta);
  }

  expectedCommitted(gamma: number): number {
    checkGamma(gamma);
    return expectedCommittedFrom(this.acceptanceByPosition(Math.max(1, gamma)), gamma);
  }

  /** Decayed number of times position i was judged: how much evidence its estimate rests on. */
  evidence(position: number): number {
    return this.trials[position] ?? 0;
  }

  private scaleCounts(factor: number): void {
    for (let i = 0; i < this.trials.length; i++) {
      this.trials[i] *= factor;
      this.successes[i] *= factor;
    }
    this.pooledCache = null;
  }
}

function checkPosition(position: number): void {
  if (!Number.isInteger(position) || position < 0) throw new RangeError(`position must be a non-negative integer, got ${position}`);
}

function checkGamma(gamma: number): void {
  if (!Number.isInteger(gamma) || gamma < 0) throw new RangeError(`gamma must be a non-negative integer, got ${gamma}`);
}
