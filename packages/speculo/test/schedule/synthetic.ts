import { roundReport } from '../helpers/round-report.js';
import { createRng } from '../../src/sampling/prng.js';
import { createStaticPolicy, type SchedulePolicy } from '../../src/schedule/policies.js';
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
  /**
   * How much slower than steady the device runs in a 1-based round, per model: a device that warms up (shaders
   * compiled on first use, a JIT, clocks ramping) starts above 1 and settles at 1. Scales the draft steps and the
   * verify pass; the engine's work and the cache cut stay as they are. Default: 1 throughout.
   */
  slowdown?: (round: number) => { draft: number; verify: number };
}

/** GPU-like: a verify of 8 tokens costs about what a verify of 1 does; the draft step is a tenth of a verify. */
export const flatGpu: SyntheticDevice = { draftStepMs: 2, verifyMs: (tokens) => 20 + 0.2 * (tokens - 1) };

/** CPU-like: a verify costs in proportion to the tokens it scores. */
export const steepCpu: SyntheticDevice = { draftStepMs: 4, verifyMs: (tokens) => 20 * tokens };

/**
 * The profile a perfect measurement of `device` would give, up to `maxTokens` verify tokens, taken as the device
 * runs in round `atRound` (default: once warm; pass 1 for what a calibration just before decoding measures).
 */
export function profileOf(device: SyntheticDevice, maxTokens = 9, atRound?: number): { draftStepMs: number; targetVerifyMs: number[] } {
  const slowdown = atRound === undefined ? { draft: 1, verify: 1 } : (device.slowdown?.(atRound) ?? { draft: 1, verify: 1 });
  return {
    draftStepMs: device.draftStepMs * slowdown.draft,
    targetVerifyMs: Array.from({ length: maxTokens }, (_, k) => device.verifyMs(k + 1) * slowdown.verify),
  };
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
  /**
   * How accept/reject is drawn. `'sequential'` (default): one draw per drafted token from a seeded stream, so two
   * schedules on the same seed see different luck as soon as they draft differently. `'by-output'`: one uniform u_j
   * per output index j, fixed by the seed, and a token landing at j is accepted when u_j < its acceptance: every
   * schedule on the same seed decodes the same text, with the same easy and hard tokens (common random numbers), so
   * a comparison between schedules measures the schedules rather than their luck. Each output index is judged at
   * most once per run (the rejected token is replaced by the target's), so the draws stay independent.
   */
  draws?: 'sequential' | 'by-output';
}

export interface SimulationResult {
  tokens: number;
  ms: number;
  tokensPerMs: number;
  /** Every round's decision, in order, numbered from 1. */
  decisions: RoundDecision[];
  /** Tokens committed and ms spent by each round, in order (index 0 is round 1). */
  perRound: { tokens: number; ms: number }[];
}

/** Tokens per ms over rounds `from`..`to` (1-based, inclusive; default to the last), e.g. once a device has warmed up. */
export function rateOver(result: SimulationResult, from: number, to = result.perRound.length): number {
  let tokens = 0;
  let ms = 0;
  for (const round of result.perRound.slice(from - 1, to)) {
    tokens += round.tokens;
    ms += round.ms;
  }
  return tokens / ms;
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
  const uniforms: number[] = [];
  const draw = (outputIndex: number): number => {
    if (setup.draws !== 'by-output') return rng.next();
    while (uniforms.length <= outputIndex) uniforms.push(rng.next());
    return uniforms[outputIndex]!;
  };
  const decisions: RoundDecision[] = [];
  const perRound: { tokens: number; ms: number }[] = [];
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
      const acceptedHere = draw(tokens + position) < probability;
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
    const slowdown = setup.device.slowdown?.(round) ?? { draft: 1, verify: 1 };
    const draftMs = drafted * setup.device.draftStepMs * slowdown.draft;
    const verifyMs = setup.device.verifyMs(drafted + 1) * slowdown.verify;
    const rollbackMs = drafted > 0 ? (setup.device.rollbackMs ?? 0) : 0;
    const roundMs = draftMs + verifyMs + rollbackMs + (setup.device.engineMsPerRound ?? 0);
    tokens += accepted + 1;
    ms += roundMs;
    perRound.push({ tokens: accepted + 1, ms: roundMs });
    const report = reportOf(plan, { round, drafted, accepted, draftMs, verifyMs, rollbackMs, roundMs, stoppedEarly, confidences });
    controller.observeRound(report);
    const decision = roundDecisionOf(report);
    if (decision) decisions.push(decision);
  }
  return { tokens, ms, tokensPerMs: tokens / ms, decisions, perRound };
}

/**
 * WASM-like: passes of a few milliseconds and a verify that grows linearly with the tokens it scores. The numbers
 * are ctrl-target's verify on WASM (4.69 ms for 1 token, +0.64 ms a token), its draft step, cache cut and engine
 * work per round, as measured.
 */
export const linearWasm: SyntheticDevice = { draftStepMs: 0.89, verifyMs: (tokens) => 4.69 + 0.64 * (tokens - 1), rollbackMs: 0.46, engineMsPerRound: 0.48 };

/**
 * {@link linearWasm} warming up: the draft starts 3× and the target 2× slower than steady (kernels compiled and
 * caches filled on first use, clocks ramping) and both settle with a time constant of 50 rounds. Calibration runs
 * just before decoding, on the cold device, so the profile the schedule gets is the cold one:
 * `profileOf(warmingWasm, n, 1)`.
 */
export const warmingWasm: SyntheticDevice = {
  ...linearWasm,
  slowdown: (round) => ({ draft: 1 + 2 * Math.exp(-round / 50), verify: 1 + Math.exp(-round / 50) }),
};

/** Conditional acceptance by 0-based draft position: α_i given that the tokens before i were accepted. */
export type PositionShape = (position: number) => number;

const listed =
  (values: readonly number[]): PositionShape =>
  (position) =>
    values[Math.min(position, values.length - 1)]!;

/** Acceptance-by-position truths for the schedule's simulations. */
export const positionShapes: Record<'decaying' | 'flat' | 'highDipHigh' | 'lowFirst' | 'useless', PositionShape> = {
  /** Real drafts: acceptance decays along the draft. */
  decaying: (position: number) => 0.9 * Math.pow(0.93, position),
  flat: () => 0.8,
  /**
   * Not monotone, as measured on the ctrl drafts on WASM: high early, a dip, high again. A schedule that reads a
   * position from the one before it never drafts past the dip.
   */
  highDipHigh: listed([0.97, 0.95, 0.92, 0.6, 0.98, 0.98, 0.97, 0.96, 0.95]),
  /** Not monotone the other way: a weak first token, then strong ones. */
  lowFirst: listed([0.6, 0.95, 0.95, 0.95, 0.9]),
  /** A draft that is almost never right. */
  useless: () => 0.1,
};

/**
 * Text whose difficulty comes in stretches, as real text does: easy runs (20 tokens on average) and hard ones (5),
 * 80 % of the text easy. A token's acceptance is its position's, moved by +1 in log-odds on easy text and −2 on hard
 * text; the drafter reports that acceptance as its confidence (a calibrated draft), so the schedule can see the
 * difficulty, as a real draft's confidence lets it. Fixed by the seed, shared by every schedule run on it.
 */
export function textAcceptance(shape: PositionShape, seed: number): (outputIndex: number, position: number) => number {
  const rng = createRng(seed);
  const easy = [true];
  return (outputIndex, position) => {
    while (easy.length <= outputIndex) {
      const last = easy[easy.length - 1]!;
      easy.push(rng.next() < (last ? 0.05 : 0.2) ? !last : last);
    }
    return logistic(logit(shape(position)) + (easy[outputIndex] ? 1 : -2));
  };
}

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** A schedule against the best static γ in hindsight, over the same seeds and rounds. */
export interface StaticComparison {
  /** The γ in 0..maxStaticGamma with the most tokens per ms, mean over the seeds. */
  bestGamma: number;
  bestStaticTokensPerMs: number;
  targetOnlyTokensPerMs: number;
  tokensPerMs: number;
  /** `tokensPerMs` / `bestStaticTokensPerMs`. */
  ratio: number;
  /** Mean planned γ of the schedule over the measured rounds, target-only rounds counting 0. */
  meanGamma: number;
}

/**
 * Runs `schedule(seed)` and every static γ in 0..`maxStaticGamma` on `setup(seed)` for each seed, measuring tokens
 * per ms over rounds `from`..end (after a warm-up), and compares the schedule's mean with the best static γ's. The
 * static γ is chosen with hindsight, as one γ for all seeds (as a deployment would fix one), on the same rounds and
 * the same text (use `draws: 'by-output'` so that every schedule decodes the same text).
 */
export function compareWithBestStatic(
  setup: (seed: number) => SimulationSetup,
  schedule: (seed: number) => SchedulePolicy | RoundDriver,
  options: { seeds: readonly number[]; from: number; maxStaticGamma?: number },
): StaticComparison {
  const { seeds, from } = options;
  const mean = (rate: (seed: number) => number) => seeds.reduce((sum, seed) => sum + rate(seed), 0) / seeds.length;
  const statics = Array.from({ length: (options.maxStaticGamma ?? 12) + 1 }, (_, gamma) => mean((seed) => rateOver(simulate(createStaticPolicy(gamma), setup(seed)), from)));
  const bestStaticTokensPerMs = Math.max(...statics);
  let gammaSum = 0;
  let measuredRounds = 0;
  const tokensPerMs = mean((seed) => {
    const result = simulate(schedule(seed), setup(seed));
    for (const decision of result.decisions.slice(from - 1)) gammaSum += decision.gamma;
    measuredRounds += result.perRound.length - (from - 1);
    return rateOver(result, from);
  });
  return {
    bestGamma: statics.indexOf(bestStaticTokensPerMs),
    bestStaticTokensPerMs,
    targetOnlyTokensPerMs: statics[0]!,
    tokensPerMs,
    ratio: tokensPerMs / bestStaticTokensPerMs,
    meanGamma: gammaSum / measuredRounds,
  };
}
