import type { CostCurve } from '../../src/schedule/cost-model.js';
import { ConfidenceCalibrator, RoundStopState, shouldDraftAnother, type EarlyStopRule } from '../../src/schedule/early-stop.js';

/**
 * The plain cost-aware stop, kept as the reference the position-aware one is measured against: it predicts the next
 * token's acceptance from the calibrated confidence of the token just drafted (difficulty persists along the text),
 * whatever the draft position. PositionAwareStop reduces to it when acceptance does not depend on the position.
 */
export class PlainCostAwareStop extends RoundStopState implements EarlyStopRule {
  constructor(
    private readonly cost: CostCurve,
    private readonly calibrator = new ConfidenceCalibrator(),
  ) {
    super();
  }

  continueAfter(position: number, confidence: number): boolean {
    this.startsRound(position);
    const calibrated = this.calibrator.calibrate(confidence);
    this.acceptedSoFar *= calibrated;
    return shouldDraftAnother({
      position,
      confidence: calibrated,
      acceptedSoFarProbability: this.acceptedSoFar,
      cost: this.cost,
      currentGamma: this.gamma,
      tokensPerMs: this.tokensPerMs,
    });
  }

  observeRound(confidences: readonly number[], accepted: number): void {
    this.calibrator.observeRound(confidences, accepted);
  }
}
