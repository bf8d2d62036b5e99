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
  /** Acceptance assumed before any evidence, for position 0. Default 0.6, a typical same-family draft. */
  priorAcceptance?: number;
  /** Weight of the prior, in rounds of evidence. Default 1: first rounds stay sane, steady state is barely biased. */
  priorStrength?: number;
}

/**
 * Online estimate of α_i = P(draft token i accepted | tokens before i accepted), per 0-based position i.
 *
 * Each position keeps exponentially decayed counts of trials and successes. A round that drafted d tokens and
 * had a accepted is a success at positions 0..a−1 and, when a < d, a failure at position a; later positions were
 * never judged (the verifier stops at the first rejection), so they are not counted: counting them as failures
 * would confuse "the draft was wrong here" with "an earlier token was".
 *
 * Each position is shrunk toward its left neighbour: α_i = (successes_i + m·α_{i−1}) / (trials_i + m), with
 * α_{−1} the prior. Position 0 starts at the prior, and a position never or rarely reached (it is only judged when
 * everything before it was accepted) extrapolates from the last observed ones instead of from a fixed guess.
 *
 * Decay is applied once per drafting round, so the half-life counts rounds that carry evidence; target-only rounds
 * tell nothing about the draft and leave the estimate as it was (see {@link AcceptanceEstimator.fade} for deliberate forgetting).
 */
export class AcceptanceEstimator implements AcceptanceModel {
  private readonly decay: number;
  private readonly prior: number;
  private readonly priorStrength: number;
  private readonly trials: number[] = [];
  private readonly successes: number[] = [];
  private cache: number[] | null = null;

  constructor(options: AcceptanceEstimatorOptions = {}) {
    this.decay = decayPerStep(options.halfLifeRounds ?? 8);
    this.prior = options.priorAcceptance ?? 0.6;
    this.priorStrength = options.priorStrength ?? 1;
    if (!(this.prior >= 0 && this.prior <= 1)) throw new RangeError(`priorAcceptance must be in [0, 1], got ${this.prior}`);
    if (!(this.priorStrength > 0) || !Number.isFinite(this.priorStrength)) {
      throw new RangeError(`priorStrength must be positive, got ${this.priorStrength}`);
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

  /** α_i for the 0-based draft position i. */
  acceptance(position: number): number {
    if (!Number.isInteger(position) || position < 0) throw new RangeError(`position must be a non-negative integer, got ${position}`);
    const estimates = this.estimates();
    return position < estimates.length ? estimates[position] : estimates[estimates.length - 1];
  }

  /** α_0..α_{count−1}. */
  acceptanceByPosition(count: number): number[] {
    return Array.from({ length: count }, (_, i) => this.acceptance(i));
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
    this.cache = null;
  }

  /** Shrunk estimates for every position with counts, plus one past them (the extrapolation); never empty. */
  private estimates(): number[] {
    if (this.cache) return this.cache;
    const estimates: number[] = [];
    let previous = this.prior;
    for (let i = 0; i < this.trials.length; i++) {
      previous = (this.successes[i] + this.priorStrength * previous) / (this.trials[i] + this.priorStrength);
      estimates.push(previous);
    }
    estimates.push(previous);
    this.cache = estimates;
    return estimates;
  }
}

function checkGamma(gamma: number): void {
  if (!Number.isInteger(gamma) || gamma < 0) throw new RangeError(`gamma must be a non-negative integer, got ${gamma}`);
}
