import type { DeviceProfile, GenerationResult } from '../../../packages/speculo/src/types/index.js';
import { analyticSpeedup, conditionalFromCumulative } from '../../../packages/speculo/src/schedule/gamma-optimizer.js';
import type { CostCurve } from '../../../packages/speculo/src/schedule/cost-model.js';
import { adaptiveCostModel } from '../../../packages/speculo/src/schedule/policies.js';
import { fixtureByName } from '../../../packages/fixtures/src/catalog.js';
import { printTable, type BenchBrowser, type GpuProfile } from '../bench-browser.js';
import { pairs, type DtypeName } from '../pairs.js';
import { printPerDeviceTuning, printSchedulerChecks } from './scheduler-side-by-side.js';
import {
  controllableFixtures,
  cumulativeAcceptanceByPosition,
  shuffledForPass,
  generateIn,
  pooledAcceptanceByPosition,
  tokensPerSecond,
  trainedFixtures,
  type Sample,
} from './suite-support.js';

/** The pair a draft runs in: its target and the weight file both models load, per backend. */
export interface SchedulerSuitePair {
  draft: string;
  target: string;
  dtype: { webgpu: DtypeName; wasm: DtypeName };
}

export interface SchedulerSuiteOptions {
  /** One pair per draft (a draft names its pair). */
  pairs: SchedulerSuitePair[];
  /** The drafts to run, in order; `--draft a,b` narrows this list (see suite-registry's suiteDrafts). */
  drafts: string[];
  /** The prompts, by target: each pair runs its target's prompts, tokenised with its target's chat template. */
  prompts: Record<string, string[]>;
  maxNewTokens: number;
  repeat: number;
  staticGammas: number[];
}

/**
 * The default pairs: each draft with the target the fixture catalog made it for (`draftFor`), the ctrl fixtures in
 * fp32 (their only file), the trained pair in its 4-bit exports (`pairs.trained.dtype`: q4 on WebGPU, q4f16 on WASM).
 */
function defaultPairs(): SchedulerSuitePair[] {
  const dtypeOf: Record<string, SchedulerSuitePair['dtype']> = {
    [controllableFixtures.target]: pairs['ctrl-80']!.dtype,
    [trainedFixtures.target]: pairs.trained!.dtype,
  };
  return [...controllableFixtures.drafts, ...trainedFixtures.drafts].map((draft) => {
    const target = fixtureByName(draft).draftFor;
    if (!target) throw new Error(`fixture ${draft} names no target (draftFor)`);
    const dtype = dtypeOf[target];
    if (!dtype) throw new Error(`the scheduler suite has no dtype for ${target}`);
    return { draft, target, dtype: { ...dtype } };
  });
}

const schedulerPairs = defaultPairs();

export const defaultSchedulerSuite: SchedulerSuiteOptions = {
  pairs: schedulerPairs,
  drafts: schedulerPairs.map((p) => p.draft),
  prompts: { [controllableFixtures.target]: controllableFixtures.prompts, [trainedFixtures.target]: trainedFixtures.prompts },
  maxNewTokens: 24,
  repeat: 1,
  staticGammas: [1, 2, 3, 4, 5, 6, 7, 8],
};

/** The pair and prompts `draft` runs with; throws when the options give it no pair or its target no prompts. */
export function schedulerPairOf(options: Pick<SchedulerSuiteOptions, 'pairs' | 'prompts'>, draft: string): SchedulerSuitePair & { prompts: string[] } {
  const pair = options.pairs.find((p) => p.draft === draft);
  if (!pair) throw new RangeError(`the scheduler suite has no pair for draft ${draft}; its drafts: ${options.pairs.map((p) => p.draft).join(', ')}`);
  const prompts = options.prompts[pair.target];
  if (!prompts?.length) throw new RangeError(`the scheduler suite has no prompts for ${pair.target} (draft ${draft})`);
  return { ...pair, prompts };
}

export interface SchedulerConfigRow {
  config: string;
  tokensPerSecond: number;
  speedup: number;
  /**
   * Speedup of the decoding phase alone (tokens after the first over the time after it): what the analytic model
   * predicts, since it prices rounds, not the prefill that both modes share.
   */
  decodeSpeedup: number;
  /**
   * Analytic speedup from this config's measured acceptance and the device's costs as the scheduler models them
   * (static γ only): see {@link measuredCostModel}.
   */
  predictedSpeedup: number | null;
  acceptanceRate: number;
  meanGamma: number;
  /** Where the decode phase's time went, per verify round: the evidence behind any gap to the prediction. */
  timeBreakdown: RoundTimeBreakdown;
}

/** Per-round means over a config's runs (decode phase: the prefill round excluded). */
export interface RoundTimeBreakdown {
  rounds: number;
  tokensPerRound: number;
  draftMsPerRound: number;
  verifyMsPerRound: number;
  /** Decode time outside draft and verify passes: acceptance tests, cache cuts, streaming, the event-loop hop. */
  otherMsPerRound: number;
}

function roundTimeBreakdown(runs: readonly GenerationResult[]): RoundTimeBreakdown {
  let rounds = 0;
  let tokens = 0;
  let draftMs = 0;
  let verifyMs = 0;
  let decodeMs = 0;
  for (const run of runs) {
    rounds += run.rounds.length;
    tokens += run.rounds.reduce((a, r) => a + r.committed, 0);
    draftMs += run.rounds.reduce((a, r) => a + r.draftMs, 0);
    verifyMs += run.rounds.reduce((a, r) => a + r.verifyMs, 0);
    decodeMs += run.metrics.wallMs - (run.metrics.timeToFirstTokenMs ?? 0);
  }
  const per = (x: number) => (rounds ? x / rounds : 0);
  return { rounds, tokensPerRound: per(tokens), draftMsPerRound: per(draftMs), verifyMsPerRound: per(verifyMs), otherMsPerRound: per(decodeMs - draftMs - verifyMs) };
}

/**
 * The device's costs as decoding measured them in this run, for the prediction: the verify curve as the mean verify
 * time at each length (target-only rounds give 1 token, static γ rounds γ + 1; a length no round used falls back
 * to the profile's curve, as the scheduler reads it, at the measured level); the draft as a least-squares line (a
 * fixed cost per proposal plus a cost per step) over the static configs' proposals; the engine's per-round work
 * measured in target-only rounds (decode time outside the verify passes); and the cache cut measured in speculative
 * rounds. The speculative configs' round times beyond those parts are not used, so the prediction does not absorb
 * the gap it is compared with. The profile is not the prediction's input: how far its shape is from decoding's is
 * reported on its own ({@link profileShapeError}).
 */
export function measuredCostModel(
  profile: Pick<DeviceProfile, 'draftStepMs' | 'targetVerifyMs'>,
  targetOnly: readonly GenerationResult[],
  speculative: readonly GenerationResult[],
): Required<CostCurve> {
  const shape = adaptiveCostModel(profile);
  const all = [...targetOnly, ...speculative].flatMap((run) => run.rounds);
  const measured = measuredVerifyCurve(all);
  const logRatios = all.filter((r) => r.verifyMs > 0).map((r) => Math.log(r.verifyMs / shape.verifyMs(r.drafted + 1)));
  const verifyScale = logRatios.length ? Math.exp(logRatios.reduce((a, b) => a + b, 0) / logRatios.length) : 1;
  const drafting = speculative.flatMap((run) => run.rounds).filter((r) => r.drafted > 0);
  const draft = fitLine(
    drafting.map((r) => [r.drafted, r.draftMs]),
    profile.draftStepMs,
  );
  const targetOnlyRounds = targetOnly.reduce((a, run) => a + run.rounds.length, 0);
  const decodeMs = targetOnly.reduce((a, run) => a + run.metrics.wallMs - (run.metrics.timeToFirstTokenMs ?? 0), 0);
  const targetOnlyVerifyMs = targetOnly.reduce((a, run) => a + run.rounds.reduce((b, r) => b + r.verifyMs, 0), 0);
  const engineMs = targetOnlyRounds > 0 ? Math.max(0, (decodeMs - targetOnlyVerifyMs) / targetOnlyRounds) : 0;
  const rollbackMs = drafting.length > 0 ? drafting.reduce((a, r) => a + r.rollbackMs, 0) / drafting.length : 0;
  return {
    verifyMs: (tokens) => measured.get(tokens) ?? shape.verifyMs(tokens) * verifyScale,
    draftMs: (steps) => (steps > 0 ? draft.fixed + draft.perStep * steps : 0),
    roundOverheadMs: (gamma) => engineMs + (gamma > 0 ? rollbackMs : 0),
  };
}

/** Mean verify time by the number of tokens scored (drafted + 1). */
function measuredVerifyCurve(rounds: readonly { drafted: number; verifyMs: number }[]): Map<number, number> {
  const sums = new Map<number, { ms: number; n: number }>();
  for (const r of rounds) {
    const entry = sums.get(r.drafted + 1) ?? { ms: 0, n: 0 };
    entry.ms += r.verifyMs;
    entry.n += 1;
    sums.set(r.drafted + 1, entry);
  }
  return new Map([...sums].map(([tokens, { ms, n }]) => [tokens, ms / n]));
}

/**
 * How far the profile's verify curve, as the scheduler reads it, is in shape from what decoding measured: the
 * largest relative difference over the lengths decoding used, after matching the two at 1 token. 0 is a perfect
 * shape; the level does not count, since the scheduler follows the level online.
 */
export function profileShapeError(profile: Pick<DeviceProfile, 'draftStepMs' | 'targetVerifyMs'>, runs: readonly GenerationResult[]): number {
  const shape = adaptiveCostModel(profile);
  const measured = measuredVerifyCurve(runs.flatMap((run) => run.rounds));
  const one = measured.get(1);
  if (!one) return NaN;
  let worst = 0;
  for (const [tokens, ms] of measured) worst = Math.max(worst, Math.abs(shape.verifyMs(tokens) / shape.verifyMs(1) / (ms / one) - 1));
  return worst;
}

/** Least-squares line through (x, y) points; through the origin at `fallbackSlope` when x never varies. */
function fitLine(points: readonly (readonly [number, number])[], fallbackSlope: number): { fixed: number; perStep: number } {
  const n = points.length;
  if (n === 0) return { fixed: 0, perStep: fallbackSlope };
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  if (sxx === 0) return { fixed: 0, perStep: my / mx };
  const perStep = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx;
  return { fixed: my - perStep * mx, perStep };
}

export interface SchedulerSuiteResult {
  profile: GpuProfile;
  backend: string;
  draft: string;
  target: string;
  /** The weight file both models loaded. */
  dtype: DtypeName;
  deviceProfile: DeviceProfile | null;
  rows: SchedulerConfigRow[];
  adaptiveGammaHistogram: Record<number, number>;
  /** Why adaptive's rounds stopped drafting (γ reached, low confidence, output limit, none). */
  adaptiveStopReasons: Record<string, number>;
  /**
   * Acceptance by draft position in the largest static γ's runs (γ = 8 by default; null when no static γ ran), where
   * every round proposes γ tokens unless the output limit cuts it short. `cumulative[i]` is as
   * `GenerationMetrics.acceptanceByPosition` defines it: over the rounds that proposed a token at position i + 1, the
   * share in which that token and every one before it were accepted, so it never rises with i when all rounds
   * propose γ. `conditional[i]` is the chance position i + 1 is accepted given all before it were
   * (cumulative[i] / cumulative[i − 1]): the per-token agreement a ctrl draft is built with. `proposals[i]` counts
   * the rounds that proposed position i + 1. Pooled over the config's runs by rounds (see
   * cumulativeAcceptanceByPosition).
   */
  acceptanceByPosition: { gamma: number; cumulative: number[]; conditional: number[]; proposals: number[] } | null;
  checks: {
    adaptiveVsBestStatic: number;
    /**
     * Adaptive against the best static γ chosen on one half of the passes and measured on the other (both ways,
     * averaged). The plain maximum over eight noisy estimates is biased upward by the noise itself; this is not.
     */
    adaptiveVsHeldOutBestStatic: number;
    adaptiveVsHeuristic: number;
    adaptiveVsTargetOnly: number;
    worstMeasuredOverPredicted: number;
    /** {@link profileShapeError} of the load-time profile against this run's decoding. */
    profileShapeError: number;
    /**
     * The same comparisons as medians of per-pass ratios (see {@link pairedRatio}): within a pass the configs run
     * back to back, so these cancel drift and a slow pass, which the ratios of totals above do not.
     */
    paired: { adaptiveVsBestStatic: number; adaptiveVsHeuristic: number; adaptiveVsTargetOnly: number };
  };
}

/**
 * Median over passes of `a`'s tok/s divided by `b`'s tok/s in the same pass. On a shared machine a config's
 * timings drift by ±5–15 % over a run; pairing within a pass and taking the median keeps that out of the ratio.
 */
export function pairedRatio(a: readonly PassSample[], b: readonly PassSample[]): number {
  const byPass = new Map<number, PassSample[]>();
  for (const sample of b) byPass.set(sample.pass, [...(byPass.get(sample.pass) ?? []), sample]);
  const ratios: number[] = [];
  for (const pass of new Set(a.map((sample) => sample.pass))) {
    const other = byPass.get(pass);
    if (!other) continue;
    ratios.push(tokensPerSecond(a.filter((sample) => sample.pass === pass)) / tokensPerSecond(other));
  }
  if (ratios.length === 0) return NaN;
  ratios.sort((x, y) => x - y);
  const middle = ratios.length / 2;
  return Number.isInteger(middle) ? (ratios[middle - 1]! + ratios[middle]!) / 2 : ratios[Math.floor(middle)]!;
}

interface Config {
  name: string;
  options: Record<string, unknown>;
  gamma: number | null;
}

/**
 * Target-only, static γ = 1..8, HF's heuristic and the adaptive policy on each draft (the controllable ctrl drafts and
 * the trained draft, each with its own target, weight file and prompts), in a shuffled order per pass; reports
 * tokens/s, speedup, the analytic prediction for each static γ, the γ adaptive chose and the largest static γ's
 * acceptance by draft position.
 */
export async function runSchedulerSuite(bench: BenchBrowser, profile: GpuProfile, options: SchedulerSuiteOptions): Promise<SchedulerSuiteResult[]> {
  const { page } = bench;
  const device = profile === 'wasm' ? 'wasm' : 'webgpu';
  const configs: Config[] = [
    { name: 'target-only', options: { speculative: false }, gamma: 0 },
    ...options.staticGammas.map((g) => ({ name: `static γ=${g}`, options: { policy: 'static', draftLength: g }, gamma: g })),
    { name: 'heuristic', options: { policy: 'heuristic' }, gamma: null },
    { name: 'adaptive', options: { policy: 'adaptive' }, gamma: null },
  ];
  const results: SchedulerSuiteResult[] = [];
  const largestStatic = options.staticGammas.length ? Math.max(...options.staticGammas) : null;
  for (const draft of options.drafts) {
    const pair = schedulerPairOf(options, draft);
    const dtype = pair.dtype[device];
    const promptIds = await page.evaluate(([m, ps]) => window.harness.tokenizeChat(m, ps), [pair.target, pair.prompts] as const);
    const { handle, info } = await page.evaluate(([t, d, dev, dt]) => window.harness.createEngine({ target: t, draft: d, device: dev, dtype: dt, scheduler: { calibrate: 'eager' } }), [
      pair.target,
      draft,
      device,
      dtype,
    ] as const);
    const deviceProfile = info.scheduler.profile;
    const samples = new Map<string, PassSample[]>();
    const decodeSamples = new Map<string, Sample[]>();
    const outputs = new Map<string, GenerationResult[]>();
    // Every config once, untimed: each verify length's shapes compile and, on WASM, the hot code reaches the
    // optimising tier before anything is timed (otherwise whichever config runs first pays for it). Adaptive's
    // estimates learn from this run as they would from any earlier answer.
    for (const config of configs) await generateIn(page, handle, { promptIds: promptIds[0], maxNewTokens: Math.min(16, options.maxNewTokens), ...config.options });
    for (let r = 0; r < options.repeat; r++) {
      for (const [p, ids] of promptIds.entries()) {
        // A different order every pass (see shuffledForPass): no config always follows the same neighbour.
        for (const config of shuffledForPass(configs, r * promptIds.length + p)) {
          const result = await generateIn(page, handle, { promptIds: ids, maxNewTokens: options.maxNewTokens, ...config.options });
          (samples.get(config.name) ?? samples.set(config.name, []).get(config.name)!).push({ tokens: result.tokenIds.length, ms: result.metrics.wallMs, pass: r * promptIds.length + p });
          const decodeMs = result.metrics.wallMs - (result.metrics.timeToFirstTokenMs ?? 0);
          (decodeSamples.get(config.name) ?? decodeSamples.set(config.name, []).get(config.name)!).push({ tokens: result.tokenIds.length - 1, ms: decodeMs });
          (outputs.get(config.name) ?? outputs.set(config.name, []).get(config.name)!).push(result);
        }
      }
    }
    await page.evaluate((h) => window.harness.disposeEngine(h), handle);
    const baseline = tokensPerSecond(samples.get('target-only')!);
    const decodeBaseline = tokensPerSecond(decodeSamples.get('target-only')!);
    // The scheduler's own model of this device, as decoding measured it.
    const staticRuns = configs.filter((c) => c.name.startsWith('static')).flatMap((c) => outputs.get(c.name)!);
    const cost = deviceProfile ? measuredCostModel(deviceProfile, outputs.get('target-only')!, staticRuns) : null;
    const rows = configs.map((config): SchedulerConfigRow => {
      const runs = outputs.get(config.name)!;
      const tps = tokensPerSecond(samples.get(config.name)!);
      const drafted = runs.reduce((a, x) => a + x.metrics.draftedTokens, 0);
      const accepted = runs.reduce((a, x) => a + x.metrics.acceptedTokens, 0);
      const decisions = runs.flatMap((x) => x.decisions);
      const predicted = config.gamma && cost ? analyticSpeedup(pooledAcceptanceByPosition(runs), cost, config.gamma) : null;
      return {
        config: config.name,
        tokensPerSecond: tps,
        speedup: tps / baseline,
        decodeSpeedup: tokensPerSecond(decodeSamples.get(config.name)!) / decodeBaseline,
        predictedSpeedup: predicted,
        acceptanceRate: drafted ? accepted / drafted : 0,
        meanGamma: decisions.length ? decisions.reduce((a, d) => a + d.gamma, 0) / decisions.length : (config.gamma ?? 0),
        timeBreakdown: roundTimeBreakdown(runs),
      };
    });
    const histogram: Record<number, number> = {};
    const stopReasons: Record<string, number> = {};
    for (const d of outputs.get('adaptive')!.flatMap((x) => x.decisions)) {
      histogram[d.gamma] = (histogram[d.gamma] ?? 0) + 1;
      stopReasons[d.stopReason] = (stopReasons[d.stopReason] ?? 0) + 1;
    }
    const byName = new Map(rows.map((row) => [row.config, row]));
    const staticRows = rows.filter((row) => row.config.startsWith('static'));
    const bestStatic = Math.max(...staticRows.map((row) => row.tokensPerSecond));
    const bestStaticName = staticRows.find((row) => row.tokensPerSecond === bestStatic)!.config;
    const pairedWith = (name: string) => pairedRatio(samples.get('adaptive')!, samples.get(name)!);
    const adaptive = byName.get('adaptive')!.tokensPerSecond;
    const ratios = rows.filter((row) => row.predictedSpeedup).map((row) => row.decodeSpeedup / row.predictedSpeedup!);
    const byPosition = largestStatic === null ? null : { gamma: largestStatic, ...cumulativeAcceptanceByPosition(outputs.get(`static γ=${largestStatic}`)!) };
    results.push({
      profile,
      backend: info.backend,
      draft,
      target: pair.target,
      dtype,
      deviceProfile,
      rows,
      adaptiveGammaHistogram: histogram,
      adaptiveStopReasons: stopReasons,
      acceptanceByPosition: byPosition && { ...byPosition, conditional: conditionalFromCumulative(byPosition.cumulative) },
      checks: {
        adaptiveVsBestStatic: adaptive / bestStatic,
        adaptiveVsHeldOutBestStatic: adaptive / heldOutBest(configs.filter((c) => c.name.startsWith('static')).map((c) => samples.get(c.name)!)),
        adaptiveVsHeuristic: adaptive / byName.get('heuristic')!.tokensPerSecond,
        adaptiveVsTargetOnly: adaptive / baseline,
        worstMeasuredOverPredicted: ratios.length ? Math.min(...ratios) : NaN,
        profileShapeError: deviceProfile ? profileShapeError(deviceProfile, [...outputs.get('target-only')!, ...staticRuns]) : NaN,
        paired: { adaptiveVsBestStatic: pairedWith(bestStaticName), adaptiveVsHeuristic: pairedWith('heuristic'), adaptiveVsTargetOnly: pairedWith('target-only') },
      },
    });
    console.log(`  ${profile} ${draft}: adaptive ${adaptive.toFixed(1)} tok/s = ${(adaptive / bestStatic).toFixed(2)}× best static, ${(adaptive / baseline).toFixed(2)}× target-only`);
  }
  return results;
}

export interface PassSample extends Sample {
  /** Which pass over the prompts (repeat × prompts + prompt) the sample came from. */
  pass: number;
}

/**
 * tok/s of the best candidate chosen on the even passes and measured on the odd ones, and the other way round,
 * averaged: an estimate of the best candidate's speed that the noise which picked it does not inflate.
 */
export function heldOutBest(candidates: readonly (readonly PassSample[])[]): number {
  const half = (list: readonly PassSample[], parity: number) => list.filter((s) => s.pass % 2 === parity);
  const pickOnMeasureOff = (pick: number) => {
    let best = candidates[0]!;
    for (const c of candidates) if (tokensPerSecond(half(c, pick)) > tokensPerSecond(half(best, pick))) best = c;
    return tokensPerSecond(half(best, 1 - pick));
  };
  return (pickOnMeasureOff(0) + pickOnMeasureOff(1)) / 2;
}

export function printSchedulerTables(results: readonly SchedulerSuiteResult[]): void {
  for (const r of results) {
    console.log(`\n${r.profile} (${r.backend}) ${r.draft}: adaptive γ chosen ${JSON.stringify(r.adaptiveGammaHistogram)}, drafting stopped by ${JSON.stringify(r.adaptiveStopReasons)}`);
    printTable(
      ['config', 'tok/s', 'speedup', 'decode-phase speedup', 'predicted', 'accept', 'mean γ', 'tok/round', 'draft ms/round', 'verify ms/round', 'other ms/round'],
      r.rows.map((row) => {
        const t = row.timeBreakdown;
        return [
          row.config,
          row.tokensPerSecond,
          row.speedup,
          row.decodeSpeedup,
          row.predictedSpeedup ?? '-',
          row.acceptanceRate,
          row.meanGamma,
          t.tokensPerRound,
          t.draftMsPerRound,
          t.verifyMsPerRound,
          t.otherMsPerRound,
        ];
      }),
    );
  }
  printAcceptanceByPosition(results);
  printSchedulerChecks(results);
  printPerDeviceTuning(results);
}

/** One line per (profile, draft): cumulative acceptance at positions 1..γ of the largest static γ, conditional after it. */
export function printAcceptanceByPosition(results: readonly Pick<SchedulerSuiteResult, 'profile' | 'draft' | 'acceptanceByPosition'>[]): void {
  const shown = results.filter((r) => r.acceptanceByPosition !== null);
  if (!shown.length) return;
  const gamma = Math.max(...shown.map((r) => r.acceptanceByPosition!.gamma));
  const cells = (values: readonly number[]) => Array.from({ length: gamma }, (_, i) => (i < values.length ? values[i]!.toFixed(2) : '   -')).join(' ');
  const label = (r: (typeof shown)[number]) => `${r.profile} ${r.draft}`;
  const width = Math.max(...shown.map((r) => label(r).length));
  console.log(
    `\nacceptance by draft position 1..${gamma} (static γ=${gamma}): cumulative = P(this token and all before it accepted); conditional = P(this token accepted | all before it were)`,
  );
  for (const r of shown) {
    const a = r.acceptanceByPosition!;
    console.log(`  ${label(r).padEnd(width)}  cumulative ${cells(a.cumulative)}  |  conditional ${cells(a.conditional)}  (${a.proposals[0] ?? 0} rounds)`);
  }
}
