import type { Page } from '@playwright/test';
import { median, printTable, type BenchBrowser, type GpuProfile } from '../bench-browser.js';
import { controllableFixtures, generateIn, tokensPerSecond, type Sample } from './suite-support.js';

export interface EngineSuiteOptions {
  target: string;
  drafts: string[];
  prompts: string[];
  maxNewTokens: number;
  repeat: number;
  draftLength: number;
}

export const defaultEngineSuite: EngineSuiteOptions = {
  ...controllableFixtures,
  maxNewTokens: 24,
  repeat: 2,
  draftLength: 4,
};

export interface EngineSuiteRow {
  profile: GpuProfile;
  backend: string;
  draft: string;
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
 * a fixed γ, alternated (A B C, then C B A) so drift on a shared machine hits all three alike.
 */
export async function runEngineSuite(bench: BenchBrowser, profile: GpuProfile, options: EngineSuiteOptions): Promise<EngineSuiteRow[]> {
  const { page } = bench;
  const device = profile === 'wasm' ? 'wasm' : 'webgpu';
  const promptIds = await page.evaluate(async ([model, prompts]) => {
    return window.harness.tokenizeChat(model, prompts);
  }, [options.target, options.prompts] as const);
  const rows: EngineSuiteRow[] = [];
  for (const draft of options.drafts) {
    const { handle, info } = await page.evaluate(
      ([target, d, dev]) => window.harness.createEngine({ target, draft: d, device: dev, dtype: 'fp32' }),
      [options.target, draft, device] as const,
    );
    const transformers: Sample[] = [];
    const targetOnly: Sample[] = [];
    const speculative: Sample[] = [];
    const specMetrics: { drafted: number; accepted: number; committedPerPass: number[]; draftMs: number; verifyMs: number; wallMs: number }[] = [];
    let identical = true;
    // Warm-up: shaders, buffer pools and the baseline worker's model.
    await generate(page, handle, promptIds[0]!, 4, true, options.draftLength);
    await page.evaluate(([m, d, ids]) => window.harness.timeTransformersGenerate(m, d, ids, 4), [options.target, device, promptIds[0]!] as const);
    for (let r = 0; r < options.repeat; r++) {
      for (const ids of promptIds) {
        const order = r % 2 === 0 ? ['transformers', 'target', 'spec'] : ['spec', 'target', 'transformers'];
        const outputs: Record<string, number[]> = {};
        for (const which of order) {
          if (which === 'transformers') {
            const t = await page.evaluate(([m, d, p, n]) => window.harness.timeTransformersGenerate(m, d, p, n), [options.target, device, ids, options.maxNewTokens] as const);
            transformers.push({ tokens: t.newIds.length, ms: t.ms });
            outputs[which] = t.newIds;
          } else {
            const result = await generate(page, handle, ids, options.maxNewTokens, which === 'spec', options.draftLength);
            const sample = { tokens: result.tokenIds.length, ms: result.metrics.wallMs };
            (which === 'spec' ? speculative : targetOnly).push(sample);
            outputs[which] = result.tokenIds;
            if (which === 'spec') {
              const m = result.metrics;
              specMetrics.push({ drafted: m.draftedTokens, accepted: m.acceptedTokens, committedPerPass: [m.meanAcceptanceLength], draftMs: m.draftMs, verifyMs: m.verifyMs, wallMs: m.wallMs });
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
      draft,
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
    console.log(`  ${profile} ${draft}: ${row.speculativeTokPerS.toFixed(1)} tok/s speculative vs ${row.transformersTokPerS.toFixed(1)} transformers.js (${row.speedupOverTransformers.toFixed(2)}x)`);
  }
  await page.evaluate(() => window.harness.closeBaselineWorker());
  return rows;
}

function generate(page: Page, handle: number, promptIds: number[], maxNewTokens: number, speculative: boolean, draftLength: number) {
  return generateIn(page, handle, { promptIds, maxNewTokens, speculative, draftLength });
}

export function printEngineTable(rows: EngineSuiteRow[]): void {
  printTable(
    ['profile', 'backend', 'draft', 'tfjs tok/s', 'target-only tok/s', 'spec tok/s', 'x tfjs', 'x target-only', 'accept', 'tokens/pass', 'overhead', 'identical'],
    rows.map((r) => [r.profile, r.backend, r.draft, r.transformersTokPerS, r.targetOnlyTokPerS, r.speculativeTokPerS, r.speedupOverTransformers, r.speedupOverTargetOnly, r.acceptanceRate, r.meanAcceptanceLength, `${(r.overheadShare * 100).toFixed(1)}%`, r.outputsIdentical ? 'yes' : 'NO']),
  );
}
