import type { Page } from '@playwright/test';
import { median, printTable, type BenchBrowser, type GpuProfile } from '../bench-browser.js';
import { controllableFixtures, generateIn, tokensPerSecond, type Sample } from './suite-support.js';

/** The weight files the fixtures ship: `model.onnx`, `model_q4.onnx`, `model_q4f16.onnx`. */
export type EngineSuiteDtype = 'fp32' | 'q4' | 'q4f16';

/** One target/draft pair the suite times, with the weight file each backend loads for both models. */
export interface EngineSuitePair {
  /** Row label. */
  name: string;
  target: string;
  draft: string;
  dtype: { webgpu: EngineSuiteDtype; wasm: EngineSuiteDtype };
  /**
   * Caps on new tokens and repeats under SwiftShader's software WebGPU, for pairs whose passes are too slow there to
   * run at the suite's size (a real GPU and WASM run the full size).
   */
  swiftshaderCap?: { maxNewTokens: number; repeat: number; why: string };
}

export interface EngineSuiteOptions {
  pairs: EngineSuitePair[];
  /**
   * The drafts to run, one per pair: a pair runs when its draft is listed. `--draft a,b` narrows this list (see
   * suite-registry's suiteDrafts), so each default pair has a draft of its own.
   */
  drafts: string[];
  prompts: string[];
  maxNewTokens: number;
  repeat: number;
  draftLength: number;
}

const enginePairs: EngineSuitePair[] = [
  ...controllableFixtures.drafts.map((draft) => ({
    name: draft.replace(/^ctrl-draft-/, 'ctrl-'),
    target: controllableFixtures.target,
    draft,
    dtype: { webgpu: 'fp32', wasm: 'fp32' } as const,
  })),
  {
    // The host-side cost of a real vocabulary: every verify hands back rows of 151,936 logits (Qwen2.5's width).
    name: 'large-vocab',
    target: 'large-vocab-target',
    draft: 'large-vocab-draft',
    // q4f16 needs WebGPU's shader-f16, which SwiftShader lacks; WASM runs the file web apps load.
    dtype: { webgpu: 'q4', wasm: 'q4f16' },
    // transformers.js took ~85 s to load this target and generate 8 tokens on SwiftShader: the full size would take
    // most of an hour across three modes and two repeats.
    swiftshaderCap: { maxNewTokens: 8, repeat: 1, why: 'a 151,936-column pass is slow on SwiftShader' },
  },
];

export const defaultEngineSuite: EngineSuiteOptions = {
  pairs: enginePairs,
  drafts: enginePairs.map((p) => p.draft),
  prompts: controllableFixtures.prompts,
  maxNewTokens: 24,
  repeat: 2,
  draftLength: 4,
};

export interface EngineSuiteRow {
  profile: GpuProfile;
  backend: string;
  pair: string;
  target: string;
  draft: string;
  /** Weight file both models and the transformers.js baseline loaded. */
  dtype: EngineSuiteDtype;
  /** New tokens per generation and timed repeats this row ran (smaller than the suite's when the pair is capped). */
  maxNewTokens: number;
  repeat: number;
  /** Why this row ran shorter than the suite's size, or null. */
  shortened: string | null;
  transformersTokPerS: number;
  targetOnlyTokPerS: number;
  speculativeTokPerS: number;
  speedupOverTransformers: number;
  speedupOverTargetOnly: number;
  acceptanceRate: number;
  meanAcceptanceLength: number;
  /** Share of speculative wall time spent outside both models' forward passes. */
  overheadShare: number;
  outputsIdentical: boolean;
}

/**
 * transformers.js `generate()` with the target alone, the engine's target-only mode, and speculative decoding at
 * a fixed γ, alternated (A B C, then C B A) so drift on a shared machine hits all three alike, for each pair.
 */
export async function runEngineSuite(bench: BenchBrowser, profile: GpuProfile, options: EngineSuiteOptions): Promise<EngineSuiteRow[]> {
  const { page } = bench;
  const device = profile === 'wasm' ? 'wasm' : 'webgpu';
  const selected = options.pairs.filter((p) => options.drafts.includes(p.draft));
  // Each target tokenizes with its own tokenizer: the large-vocabulary pair's ids mean nothing to ctrl-target.
  const promptIdsByTarget = new Map<string, number[][]>();
  for (const target of new Set(selected.map((p) => p.target))) {
    promptIdsByTarget.set(target, await page.evaluate(([model, prompts]) => window.harness.tokenizeChat(model, prompts), [target, options.prompts] as const));
  }
  const rows: EngineSuiteRow[] = [];
  for (const pair of selected) {
    const promptIds = promptIdsByTarget.get(pair.target)!;
    const dtype = pair.dtype[device];
    const { maxNewTokens, repeat, shortened } = pairRunSize(pair, profile, options);
    if (shortened) console.log(`  ${profile} ${pair.name}: ${maxNewTokens} new tokens × ${repeat} repeat(s) instead of ${options.maxNewTokens} × ${options.repeat} (${shortened})`);
    const { handle, info } = await page.evaluate(([target, draft, dev, dt]) => window.harness.createEngine({ target, draft, device: dev, dtype: dt, scheduler: { calibrate: 'eager' } }), [
      pair.target,
      pair.draft,
      device,
      dtype,
    ] as const);
    const transformers: Sample[] = [];
    const targetOnly: Sample[] = [];
    const speculative: Sample[] = [];
    const specMetrics: { drafted: number; accepted: number; committedPerPass: number[]; draftMs: number; verifyMs: number; wallMs: number }[] = [];
    let identical = true;
    // Warm-up: shaders, buffer pools and the baseline worker's model.
    await generate(page, handle, promptIds[0]!, 4, true, options.draftLength);
    await page.evaluate(([m, d, ids, dt]) => window.harness.timeTransformersGenerate(m, d, ids, 4, dt), [pair.target, device, promptIds[0]!, dtype] as const);
    for (let r = 0; r < repeat; r++) {
      for (const ids of promptIds) {
        const order = r % 2 === 0 ? ['transformers', 'target', 'spec'] : ['spec', 'target', 'transformers'];
        const outputs: Record<string, number[]> = {};
        for (const which of order) {
          if (which === 'transformers') {
            const t = await page.evaluate(([m, d, p, n, dt]) => window.harness.timeTransformersGenerate(m, d, p, n, dt), [pair.target, device, ids, maxNewTokens, dtype] as const);
            transformers.push({ tokens: t.newIds.length, ms: t.ms });
            outputs[which] = t.newIds;
          } else {
            const result = await generate(page, handle, ids, maxNewTokens, which === 'spec', options.draftLength);
            const sample = { tokens: result.tokenIds.length, ms: result.metrics.wallMs };
            (which === 'spec' ? speculative : targetOnly).push(sample);
            outputs[which] = result.tokenIds;
            if (which === 'spec') {
              const m = result.metrics;
              specMetrics.push({
                drafted: m.draftedTokens,
                accepted: m.acceptedTokens,
                committedPerPass: [m.meanAcceptanceLength],
                draftMs: m.draftMs,
                verifyMs: m.verifyMs,
                wallMs: m.wallMs,
              });
            }
          }
        }
        identical &&= JSON.stringify(outputs['spec']) === JSON.stringify(outputs['target']) && JSON.stringify(outputs['target']) === JSON.stringify(outputs['transformers']);
      }
    }
    await page.evaluate((h) => window.harness.disposeEngine(h), handle);
    const drafted = specMetrics.reduce((a, m) => a + m.drafted, 0);
    const accepted = specMetrics.reduce((a, m) => a + m.accepted, 0);
    const wall = specMetrics.reduce((a, m) => a + m.wallMs, 0);
    const inModels = specMetrics.reduce((a, m) => a + m.draftMs + m.verifyMs, 0);
    const row: EngineSuiteRow = {
      profile,
      backend: info.backend,
      pair: pair.name,
      target: pair.target,
      draft: pair.draft,
      dtype,
      maxNewTokens,
      repeat,
      shortened,
      transformersTokPerS: tokensPerSecond(transformers),
      targetOnlyTokPerS: tokensPerSecond(targetOnly),
      speculativeTokPerS: tokensPerSecond(speculative),
      speedupOverTransformers: tokensPerSecond(speculative) / tokensPerSecond(transformers),
      speedupOverTargetOnly: tokensPerSecond(speculative) / tokensPerSecond(targetOnly),
      acceptanceRate: drafted ? accepted / drafted : 0,
      meanAcceptanceLength: median(specMetrics.flatMap((m) => m.committedPerPass)),
      overheadShare: wall ? (wall - inModels) / wall : 0,
      outputsIdentical: identical,
    };
    rows.push(row);
    console.log(
      `  ${profile} ${pair.name} (${pair.draft} → ${pair.target}, ${dtype}): ${row.speculativeTokPerS.toFixed(1)} tok/s speculative vs ` +
        `${row.transformersTokPerS.toFixed(1)} transformers.js (${row.speedupOverTransformers.toFixed(2)}x)`,
    );
  }
  await page.evaluate(() => window.harness.closeBaselineWorker());
  return rows;
}

/** New tokens and repeats one pair runs on a profile: the suite's, or less under a SwiftShader cap. */
export function pairRunSize(
  pair: EngineSuitePair,
  profile: GpuProfile,
  options: Pick<EngineSuiteOptions, 'maxNewTokens' | 'repeat'>,
): { maxNewTokens: number; repeat: number; shortened: string | null } {
  const cap = profile === 'swiftshader' ? pair.swiftshaderCap : undefined;
  if (!cap) return { maxNewTokens: options.maxNewTokens, repeat: options.repeat, shortened: null };
  const maxNewTokens = Math.min(cap.maxNewTokens, options.maxNewTokens);
  const repeat = Math.min(cap.repeat, options.repeat);
  return { maxNewTokens, repeat, shortened: maxNewTokens < options.maxNewTokens || repeat < options.repeat ? cap.why : null };
}

function generate(page: Page, handle: number, promptIds: number[], maxNewTokens: number, speculative: boolean, draftLength: number) {
  return generateIn(page, handle, { promptIds, maxNewTokens, speculative, draftLength });
}

export function printEngineTable(rows: EngineSuiteRow[]): void {
  printTable(
    [
      'profile',
      'backend',
      'pair',
      'target',
      'draft',
      'dtype',
      'tokens×repeats',
      'tfjs tok/s',
      'target-only tok/s',
      'spec tok/s',
      'x tfjs',
      'x target-only',
      'accept',
      'tokens/pass',
      'overhead',
      'identical',
    ],
    rows.map((r) => [
      r.profile,
      r.backend,
      r.pair,
      r.target,
      r.draft,
      r.dtype,
      `${r.maxNewTokens}×${r.repeat}${r.shortened ? '*' : ''}`,
      r.transformersTokPerS,
      r.targetOnlyTokPerS,
      r.speculativeTokPerS,
      r.speedupOverTransformers,
      r.speedupOverTargetOnly,
      r.acceptanceRate,
      r.meanAcceptanceLength,
      `${(r.overheadShare * 100).toFixed(1)}%`,
      r.outputsIdentical ? 'yes' : 'NO',
    ]),
  );
  const shortened = rows.filter((r) => r.shortened);
  for (const why of new Set(shortened.map((r) => r.shortened))) {
    const which = shortened.filter((r) => r.shortened === why).map((r) => `${r.profile} ${r.pair}`);
    console.log(`* shortened (${which.join(', ')}): ${why}; its speedups come from fewer tokens than the other rows'`);
  }
}
