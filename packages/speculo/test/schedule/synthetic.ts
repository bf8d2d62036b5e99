import { roundReport } from '../helpers/round-report.js';
import { createRng } from '../../src/sampling/prng.js';
import type { SchedulePolicy } from '../../src/schedule/policies.js';
import { RoundController } from '../../src/schedule/speculation-controller.js';
import { roundDecisionOf, type RoundDecision, type RoundPlan, type RoundReport } from '../../src/types/round.js';

/** A device: the true cost of draft steps and verify passes. */
export interface SyntheticDevice {
  draftStepMs: number;
  verifyMs: (tokens: number) => number;
  /** What the engine spends per round around the passes (verification, commit, streaming); no profile sees it. Default 0. */
  engineMsPerRound?: number;
  /** Cutting the caches back after a speculative round. Default 0. */
  rollbackMs?: number;
}

/** GPU-like: a verify of 8 tokens costs about what a verify of 1 does; the draft step is a tenth of a verify. */
export const flatGpu: SyntheticDevice = { draftStepMs: 2, verifyMs: (tokens) => 20 + 0.2 * (tokens - 1) };

/** CPU-like: a verify costs in proportion to the tokens it scores. */
export const steepCpu: SyntheticDevice = { draftStepMs: 4, verifyMs: (tokens) => 20 * tokens };

/** The profile a perfect measurement of `device` would give, up to `maxTokens` verify tokens. */
export function profileOf(device: SyntheticDevice, maxTokens = 9): { draftStepMs: number; targetVerifyMs: number[] } {
  return { draftStepMs: device.draftStepMs, targetVerifyMs: Array.from({ length: maxTokens }, (_, k) => device.verifyMs(k + 1)) };
}

export interface SimulationSetup {
  device: SyntheticDevice;
  /**
   * Acceptance probability of a draft token, given the tokens before it were accepted: `outputIndex` is where the
   * token would land in the output (difficulty belongs to the text, so a hard stretch stays hard until committed),
   * `position` its 0-based place in the round. The simulated drafter reports it as its confidence, i.e. the
   * draft is perfectly calibrated unless `confidence` says otherwise.
   */
  acceptance: (outputIndex: number, position: number) => number;
  /** The drafter's reported confidence for a token of this acceptance probability; default: the probability. */
  confidence?: (acceptance: number) => number;
  rounds: number;
  seed: number;
}

export interface SimulationResult {
  tokens: number;
  ms: number;
  tokensPerMs: number;
  /** Every round's decision, in order, numbered from 1. */
  decisions: RoundDecision[];
}

/** What a round did, as a test states it; the rest of the {@link RoundReport} gets plain defaults. */
export interface RoundOutcome {
  drafted: number;
  accepted: number;
  /** Default 1. */
  round?: number;
  draftMs?: number;
  verifyMs?: number;
  /** Default 0. */
  rollbackMs?: number;
  /** Default: the passes and the cut, with nothing around them. */
  roundMs?: number;
  stoppedEarly?: boolean;
  outputLimited?: boolean;
  /** Default 0.5 for each drafted token. */
  confidences?: readonly number[];
}

/** The {@link RoundReport} of a round planned as `plan` (null: unplanned) that went as `outcome` says. */
export function reportOf(plan: RoundPlan | null, outcome: RoundOutcome): RoundReport {
  const { drafted, ...timings } = outcome;
  return roundReport({ ...timings, plan, proposal: drafted, mode: drafted === 0 ? 'target-only' : (plan?.mode ?? 'speculate') });
}

/** What the decoder drives each round: a {@link RoundController}, or anything shaped like one. */
export type RoundDriver = Pick<RoundController, 'plan' | 'continueAfter' | 'observeRound'>;

/**
 * Runs a schedule against a device and a known acceptance, the way the decoder drives it: plan, draft (asking
 * `continueAfter` after each token but the last), verify, report. A bare policy runs inside a {@link RoundController}
 * with the default fallback. Accept/reject is drawn from a seeded generator.
 */
export function simulate(schedule: SchedulePolicy | RoundDriver, setup: SimulationSetup): SimulationResult {
  const controller: RoundDriver = 'plan' in schedule ? schedule : new RoundController(schedule);
  const rng = createRng(setup.seed);
  const decisions: RoundDecision[] = [];
  let tokens = 0;
  let ms = 0;
  for (let round = 1; round <= setup.rounds; round++) {
    const plan = controller.plan();
    const { gamma } = plan;
    const confidences: number[] = [];
    let accepted = 0;
    let allAcceptedSoFar = true;
    let stoppedEarly = false;
    for (let position = 0; position < gamma; position++) {
      const probability = setup.acceptance(tokens + position, position);
      const acceptedHere = rng.next() < probability;
      const confidence = setup.confidence ? setup.confidence(probability) : probability;
      confidences.push(confidence);
      if (allAcceptedSoFar && acceptedHere) accepted++;
      else allAcceptedSoFar = false;
      if (position + 1 < gamma && controller.continueAfter && !controller.continueAfter(position, confidence)) {
        stoppedEarly = true;
        break;
      }
    }
    const drafted = confidences.length;
    const draftMs = drafted * setup.device.draftStepMs;
    const verifyMs = setup.device.verifyMs(drafted + 1);
    const rollbackMs = drafted > 0 ? (setup.device.rollbackMs ?? 0) : 0;
    const roundMs = draftMs + verifyMs + rollbackMs + (setup.device.engineMsPerRound ?? 0);
    tokens += accepted + 1;
    ms += roundMs;
    const report = reportOf(plan, { round, drafted, accepted, draftMs, verifyMs, rollbackMs, roundMs, stoppedEarly, confidences });
    controller.observeRound(report);
    const decision = roundDecisionOf(report);
    if (decision) decisions.push(decision);
  }
  return { tokens, ms, tokensPerMs: tokens / ms, decisions };
}
