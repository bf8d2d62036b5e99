// The scheduler suite's results side by side across devices, from one run or from saved `scheduler.json` files of
// several runs (`npm run bench:report -- wasm/scheduler.json webgpu/scheduler.json`): what γ each device's cost
// curve led adaptive to, next to the curve itself, and the suite's checks.
import { z } from 'zod';
import { printTable } from '../bench-browser.js';
import { readJsonFile } from '../read-json.js';

const nullableNumber = z.number().nullable();

/** The fields of a scheduler suite result this module reads (the suite writes more). */
const schedulerResultSchema = z.object({
  profile: z.string(),
  backend: z.string(),
  draft: z.string(),
  deviceProfile: z.object({ draftStepMs: z.number(), targetVerifyMs: z.array(z.number()).min(1) }).nullable(),
  rows: z.array(z.object({ config: z.string(), tokensPerSecond: z.number(), meanGamma: z.number() })).min(1),
  adaptiveGammaHistogram: z.record(z.string(), z.number().int().nonnegative()),
  checks: z.object({
    adaptiveVsBestStatic: nullableNumber,
    adaptiveVsHeldOutBestStatic: nullableNumber,
    adaptiveVsHeuristic: nullableNumber,
    adaptiveVsTargetOnly: nullableNumber,
    worstMeasuredOverPredicted: nullableNumber,
    profileShapeError: nullableNumber,
    paired: z.object({ adaptiveVsBestStatic: nullableNumber, adaptiveVsHeuristic: nullableNumber, adaptiveVsTargetOnly: nullableNumber }),
  }),
});

const schedulerFileSchema = z.object({ suite: z.literal('scheduler'), results: z.array(schedulerResultSchema).min(1) });

export type SchedulerResultSummary = z.infer<typeof schedulerResultSchema>;

/** One (draft, device) cell of the side-by-side table. */
export interface DeviceTuning {
  draft: string;
  /** Which device: the GPU profile and the backend, e.g. `swiftshader/webgpu`. */
  device: string;
  /** Mean γ over adaptive's rounds. */
  adaptiveMeanGamma: number;
  /** The static γ with the highest tok/s in this run. */
  bestStaticGamma: number;
  /**
   * What each extra token adds to a target pass, as a fraction of a one-token pass (mean over 1..8 tokens, the
   * lengths γ = 1..7 verify): how the device's cost grows with the tokens it scores at once.
   */
  verifyCostPerExtraToken: number | null;
  /** One draft step over one target token's verify: how cheap drafting is on the device. */
  draftStepOverVerify: number | null;
}

/** True when the parsed JSON is a scheduler suite file (as opposed to a prompts-harness run file). */
export function isSchedulerSuiteFile(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { suite?: unknown }).suite === 'scheduler';
}

/** Validates a parsed `scheduler.json`; the error names the file and the first wrong field. */
export function parseSchedulerSuiteFile(value: unknown, file: string): SchedulerResultSummary[] {
  const parsed = schedulerFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: not a scheduler suite result: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return parsed.data.results;
}

export async function loadSchedulerSuiteFiles(files: readonly string[]): Promise<SchedulerResultSummary[]> {
  const results: SchedulerResultSummary[] = [];
  for (const file of files) {
    const value = await readJsonFile(file);
    results.push(...parseSchedulerSuiteFile(value, file));
  }
  return results;
}

/** `profile/backend`, e.g. `swiftshader/webgpu`: the device a result was measured on. */
const deviceOf = (result: SchedulerResultSummary) => `${result.profile}/${result.backend}`;

/** Adaptive's rounds and the sum of their γ, from its histogram. */
function gammaTotals(histogram: Record<string, number>): { rounds: number; gammaSum: number } {
  let rounds = 0;
  let gammaSum = 0;
  for (const [gamma, n] of Object.entries(histogram)) {
    rounds += n;
    gammaSum += Number(gamma) * n;
  }
  return { rounds, gammaSum };
}

export function deviceTuning(result: SchedulerResultSummary): DeviceTuning {
  const { rounds, gammaSum } = gammaTotals(result.adaptiveGammaHistogram);
  const statics = result.rows.filter((row) => row.config.startsWith('static'));
  const best = statics.reduce<(typeof statics)[number] | null>((b, row) => (b === null || row.tokensPerSecond > b.tokensPerSecond ? row : b), null);
  const verify = result.deviceProfile?.targetVerifyMs ?? null;
  return {
    draft: result.draft,
    device: deviceOf(result),
    adaptiveMeanGamma: rounds ? gammaSum / rounds : NaN,
    bestStaticGamma: best ? Number(/γ=(\d+)/.exec(best.config)?.[1] ?? NaN) : NaN,
    verifyCostPerExtraToken: verify && verify.length > 1 ? (verify[Math.min(verify.length, 8) - 1]! - verify[0]!) / (Math.min(verify.length, 8) - 1) / verify[0]! : null,
    draftStepOverVerify: verify && result.deviceProfile ? result.deviceProfile.draftStepMs / verify[0]! : null,
  };
}

const cell = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : x);

/**
 * Per draft, one row per device: adaptive's mean γ and the best static γ next to the device's cost curve. Where the
 * curves differ (flat verify and a cheap draft on a GPU, a verify that grows with every token on WASM), the γ must
 * differ with them: this is the issue's "per-device tuning must show".
 */
export function printPerDeviceTuning(results: readonly SchedulerResultSummary[]): void {
  const tunings = results.map(deviceTuning).sort((a, b) => a.draft.localeCompare(b.draft) || a.device.localeCompare(b.device));
  console.log("\nγ per device, side by side (a fallback round counts as γ = 0), with the device profile's costs as fractions of a one-token target pass");
  printTable(
    ['draft', 'device', 'adaptive mean γ', 'best static γ', 'verify cost per extra token', 'draft step'],
    tunings.map((t) => [t.draft, t.device, cell(t.adaptiveMeanGamma), cell(t.bestStaticGamma), cell(t.verifyCostPerExtraToken), cell(t.draftStepOverVerify)]),
  );
  const byDevice = new Map<string, { rounds: number; gammaSum: number }>();
  for (const r of results) {
    const totals = gammaTotals(r.adaptiveGammaHistogram);
    const sum = byDevice.get(deviceOf(r)) ?? { rounds: 0, gammaSum: 0 };
    byDevice.set(deviceOf(r), { rounds: sum.rounds + totals.rounds, gammaSum: sum.gammaSum + totals.gammaSum });
  }
  for (const [device, sum] of byDevice) console.log(`mean adaptive γ on ${device}: ${(sum.gammaSum / Math.max(1, sum.rounds)).toFixed(2)}`);
}

/** The suite's targets, as ratios of totals and as medians of per-pass ratios. */
export function printSchedulerChecks(results: readonly SchedulerResultSummary[]): void {
  console.log('\nchecks (targets: adaptive ≥ 0.95 × best static; ≥ heuristic on average; ≥ 0.97 × target-only at acceptance ≈ 0.2; decode-phase measured ≥ 0.9 × predicted)');
  printTable(
    ['profile', 'draft', 'adaptive/best static', 'adaptive/held-out best static', 'adaptive/heuristic', 'adaptive/target-only', 'min decode measured/predicted', 'profile shape error'],
    results.map((r) => [
      r.profile,
      r.draft,
      cell(r.checks.adaptiveVsBestStatic),
      cell(r.checks.adaptiveVsHeldOutBestStatic),
      cell(r.checks.adaptiveVsHeuristic),
      cell(r.checks.adaptiveVsTargetOnly),
      cell(r.checks.worstMeasuredOverPredicted),
      cell(r.checks.profileShapeError),
    ]),
  );
  console.log('\nthe same as medians of per-pass ratios (configs in one pass run back to back: drift and slow passes cancel)');
  printTable(
    ['profile', 'draft', 'adaptive/best static', 'adaptive/heuristic', 'adaptive/target-only'],
    results.map((r) => [r.profile, r.draft, cell(r.checks.paired.adaptiveVsBestStatic), cell(r.checks.paired.adaptiveVsHeuristic), cell(r.checks.paired.adaptiveVsTargetOnly)]),
  );
  const heuristicByDevice = new Map<string, number[]>();
  for (const r of results) {
    const ratio = r.checks.adaptiveVsHeuristic;
    if (ratio === null || !Number.isFinite(ratio)) continue;
    heuristicByDevice.set(deviceOf(r), [...(heuristicByDevice.get(deviceOf(r)) ?? []), ratio]);
  }
  for (const [device, ratios] of heuristicByDevice) console.log(`adaptive / heuristic on ${device}, mean over drafts: ${(ratios.reduce((a, b) => a + b, 0) / ratios.length).toFixed(2)}`);
}
