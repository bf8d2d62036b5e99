import type { CostCurve } from './cost-model.js';
import { decayPerStep } from './decay.js';
import { ConfidenceCalibrator, RoundStopState, shouldDraftAnother, type EarlyStopRule } from './early-stop.js';

export interface PositionAwareStopOptions {
  /** The schedule's current estimate of α_i, the acceptance at 0-based draft position i given the tokens before it were accepted. */
  positionAcceptance: (position: number) => number;
  /** Maps raw confidence to acceptance probability. Default: a fresh {@link ConfidenceCalibrator}. */
  calibrator?: ConfidenceCalibrator;
  /**
   * Drafting rounds after which a judged token's weight in its position's mean calibrated confidence halves.
   * Default 8, the acceptance estimates' own half-life, so that the two follow the text at the same pace: when the
   * text turns hard both fall together and the token's confidence is not read as a surprise twice.
   */
  halfLifeRounds?: number;
}

/** Pseudo-tokens at the position's acceptance estimate that start its mean calibrated confidence. */
const meanPriorStrength = 1;

/** Probabilities are kept this far from 0 and 1 before taking log-odds. */
const oddsEpsilon = 1e-4;

/**
 * The cost-aware in-round stop ({@link shouldDraftAnother}: draft one more token while its expected gain pays for
 * its time at the round's rate), with a prediction of the next token's acceptance that knows the draft position.
 *
 * The plain rule predicts the next token from the calibrated confidence c of the token just drafted: difficulty
 * persists along the text. That conflates two things when acceptance depends on the position in the draft (real
 * drafts decay along the draft; measured drafts dip at one position and recover): a token at a position where the
 * draft is usually weak reads as hard text, and the rule stops right before the positions that pay; the
 * adaptive schedule may then plan deep rounds that never reach deep, and never learn the deep positions. Here the
 * next token is predicted as the next position's estimated acceptance α_{i+1}, moved by how much the token just
 * drafted stands out from what its own position usually sees (its surprise), in log-odds:
 *
 *   s_i = logit c_i − logit c̄_i,   logit q_{i+1} = logit α_{i+1} + s_i
 *
 * where c̄_i is the decayed mean calibrated confidence of the tokens judged at position i. The tokens already
 * drafted are read the same way, each as logit α_j + s_j, in the probability that all of them are accepted. When
 * confidence carries no signal (c = c̄, e.g. a draft that is always sure) the predictions are the positions'
 * estimates; when acceptance does not depend on the position (α_{i+1} ≈ α_i ≈ c̄_i for a calibrated draft) they
 * are the calibrated confidences, the plain rule; in between, the text's difficulty is carried over to the next
 * position's level. Log-odds rather than a ratio so that a confident token next to a strong position stays below 1.
 *
 * Only judged tokens count toward c̄_i, as in the calibrator: tokens after the first rejection were never compared
 * with the target, and the tokens drafted after a rejection would pull the mean toward hard text.
 */
export class PositionAwareStop extends RoundStopState implements EarlyStopRule {
  private readonly positionAcceptance: (position: number) => number;
  private readonly calibrator: ConfidenceCalibrator;
  private readonly decay: number;
  /** Per position: decayed count and sum of calibrated confidences of judged tokens. */
  private readonly judged: number[] = [];
  private readonly calibratedSum: number[] = [];
  constructor(
    private readonly cost: CostCurve,
    options: PositionAwareStopOptions,
  ) {
    super();
    this.positionAcceptance = options.positionAcceptance;
    this.calibrator = options.calibrator ?? new ConfidenceCalibrator();
    this.decay = decayPerStep(options.halfLifeRounds ?? 8);
  }

  continueAfter(position: number, confidence: number): boolean {
    this.startsRound(position);
    const surprise = this.surprise(position, this.calibrator.calibrate(confidence));
    this.acceptedSoFar *= shifted(this.positionAcceptance(position), surprise);
    return shouldDraftAnother({
      position,
      confidence: shifted(this.positionAcceptance(position + 1), surprise),
      acceptedSoFarProbability: this.acceptedSoFar,
      cost: this.cost,
      currentGamma: this.gamma,
      tokensPerMs: this.tokensPerMs,
    });
  }

  /** How far, in log-odds, a token's calibrated confidence stands out from what its position usually sees. */
  surprise(position: number, calibrated: number): number {
    return logit(calibrated) - logit(this.meanCalibrated(position));
  }

  observeRound(confidences: readonly number[], accepted: number): void {
    if (confidences.length > 0) {
      for (let i = 0; i < this.judged.length; i++) {
        this.judged[i] *= this.decay;
        this.calibratedSum[i] *= this.decay;
      }
      // Read with the map the round was drafted with, before the calibrator learns from the round.
      const judged = Math.min(confidences.length, accepted + 1);
      for (let i = 0; i < judged; i++) {
        while (this.judged.length <= i) {
          this.judged.push(0);
          this.calibratedSum.push(0);
        }
        this.judged[i] += 1;
        this.calibratedSum[i] += this.calibrator.calibrate(confidences[i]);
      }
    }
    this.calibrator.observeRound(confidences, accepted);
  }

  /** c̄_i, shrunk toward the position's acceptance estimate while it has little evidence. */
  private meanCalibrated(position: number): number {
    const count = this.judged[position] ?? 0;
    const sum = this.calibratedSum[position] ?? 0;
    return (sum + meanPriorStrength * this.positionAcceptance(position)) / (count + meanPriorStrength);
  }
}

function logit(p: number): number {
  const q = Math.min(1 - oddsEpsilon, Math.max(oddsEpsilon, p));
  return Math.log(q / (1 - q));
}

/** A probability moved by `shift` in log-odds. */
function shifted(probability: number, shift: number): number {
  return 1 / (1 + Math.exp(-(logit(probability) + shift)));
}
