import { existsSync, readFileSync } from 'node:fs';
import type { GenerationResult } from '../../../packages/speculo/src/types/index.js';
import { printTable, type BenchBrowser, type GpuProfile } from '../bench-browser.js';
import { alternating, generateIn, tokensPerSecond, type Sample } from './suite-support.js';

export interface DraftersSuiteOptions {
  target: string;
  draft: string;
  /** Spec-Bench JSONL read at run time; missing → fixture prompts only. */
  specBenchFile: string;
  perCategory: number;
  maxPromptTokens: number;
  maxNewTokens: number;
  repeat: number;
}

export const defaultDraftersSuite: DraftersSuiteOptions = {
  target: 'tiny-target',
  draft: 'tiny-draft',
  specBenchFile: new URL('../../../../shared/benchmarks/spec-bench-dev.jsonl', import.meta.url).pathname,
  perCategory: 1,
  maxPromptTokens: 192,
  maxNewTokens: 24,
  repeat: 1,
};

const drafterConfigs = [
  { name: 'target-only', options: { speculative: false } },
  { name: 'model', options: { drafter: 'model' } },
  { name: 'prompt-lookup', options: { drafter: 'prompt-lookup' } },
  { name: 'ngram-cache', options: { drafter: 'ngram-cache' } },
  { name: 'composite', options: { drafter: 'composite' } },
] as const;

export interface DrafterRow {
  category: string;
  drafter: string;
  acceptanceRate: number;
  meanAcceptanceLength: number;
  tokensPerSecond: number;
  speedup: number;
  extraBytes: { downloadBytes: number; storedBytes: number; gpuBytes: number; cacheBytes: number } | null;
}

interface PromptCase {
  category: string;
  text: string;
}

/** Fixture prompts plus `perCategory` Spec-Bench prompts per category (first turn), read from the shared file. */
function loadPrompts(options: DraftersSuiteOptions): PromptCase[] {
  const cases: PromptCase[] = [
    { category: 'fixture', text: 'Once upon a time' },
    { category: 'fixture-repeat', text: 'the cat sat on the mat. the cat sat on the mat. the cat sat on the mat.' },
  ];
  if (!existsSync(options.specBenchFile)) {
    console.warn(`  ${options.specBenchFile} not found: fixture prompts only`);
    return cases;
  }
  const taken = new Map<string, number>();
  for (const line of readFileSync(options.specBenchFile, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { category: string; turns: string[] };
    const n = taken.get(row.category) ?? 0;
    if (n >= options.perCategory) continue;
    taken.set(row.category, n + 1);
    cases.push({ category: row.category, text: row.turns[0]! });
  }
  return cases;
}

/**
 * Target-only, the draft model, prompt lookup, the n-gram cache and the composite drafter on fixture and
 * Spec-Bench prompts: acceptance, mean acceptance length, speedup and extra bytes by category and drafter.
 */
export async function runDraftersSuite(bench: BenchBrowser, profile: GpuProfile, options: DraftersSuiteOptions): Promise<{ profile: GpuProfile; backend: string; rows: DrafterRow[] }> {
  const { page } = bench;
  const device = profile === 'wasm' ? 'wasm' : 'webgpu';
  const cases = loadPrompts(options);
  const tokenized = await page.evaluate(([m, ps]) => window.harness.tokenizeChat(m, ps), [options.target, cases.map((c) => c.text)] as const);
  // Long prompts are cut from the left (the question's end stays): the fixtures are small and SwiftShader is slow.
  const promptIds = tokenized.map((ids) => ids.slice(-options.maxPromptTokens));
  const { handle, info } = await page.evaluate(([t, d, dev]) => window.harness.createEngine({ target: t, draft: d, device: dev, dtype: 'fp32' }), [
    options.target,
    options.draft,
    device,
  ] as const);
  await generateIn(page, handle, { promptIds: promptIds[0], maxNewTokens: 4 });
  const samples = new Map<string, Sample[]>();
  const results = new Map<string, GenerationResult[]>();
  for (let r = 0; r < options.repeat; r++) {
    for (const [i, ids] of promptIds.entries()) {
      for (const config of alternating(drafterConfigs, r + i)) {
        const result = await generateIn(page, handle, { promptIds: ids, maxNewTokens: options.maxNewTokens, ...config.options });
        const key = `${cases[i]!.category}|${config.name}`;
        (samples.get(key) ?? samples.set(key, []).get(key)!).push({ tokens: result.tokenIds.length, ms: result.metrics.wallMs });
        (results.get(key) ?? results.set(key, []).get(key)!).push(result);
      }
    }
  }
  const costs = (await page.evaluate((h) => window.harness.engine(h).currentInfo(), handle)).drafterCosts;
  await page.evaluate((h) => window.harness.disposeEngine(h), handle);
  const rows: DrafterRow[] = [];
  const categories = [...new Set(cases.map((c) => c.category)), 'overall'];
  for (const category of categories) {
    const keysFor = (drafter: string) => [...samples.keys()].filter((k) => k.endsWith(`|${drafter}`) && (category === 'overall' || k.startsWith(`${category}|`)));
    const baseline = tokensPerSecond(keysFor('target-only').flatMap((k) => samples.get(k)!));
    for (const config of drafterConfigs) {
      const keys = keysFor(config.name);
      const runs = keys.flatMap((k) => results.get(k)!);
      const drafted = runs.reduce((a, x) => a + x.metrics.draftedTokens, 0);
      const accepted = runs.reduce((a, x) => a + x.metrics.acceptedTokens, 0);
      const committed = runs.reduce((a, x) => a + x.metrics.newTokens, 0);
      const passes = runs.reduce((a, x) => a + x.metrics.targetForwardPasses, 0);
      const tps = tokensPerSecond(keys.flatMap((k) => samples.get(k)!));
      rows.push({
        category,
        drafter: config.name,
        acceptanceRate: drafted ? accepted / drafted : 0,
        meanAcceptanceLength: passes ? committed / passes : 0,
        tokensPerSecond: tps,
        speedup: tps / baseline,
        extraBytes: config.name === 'target-only' ? null : (costs[config.name as keyof typeof costs] ?? null),
      });
    }
  }
  return { profile, backend: info.backend, rows };
}

export function printDraftersTable(results: readonly { profile: GpuProfile; rows: DrafterRow[] }[]): void {
  for (const r of results) {
    console.log(`\n${r.profile}`);
    printTable(
      ['category', 'drafter', 'accept', 'tokens/pass', 'tok/s', 'speedup', 'extra download', 'extra GPU', 'cache'],
      r.rows.map((row) => [
        row.category,
        row.drafter,
        row.acceptanceRate,
        row.meanAcceptanceLength,
        row.tokensPerSecond,
        row.speedup,
        row.extraBytes?.downloadBytes ?? 0,
        row.extraBytes?.gpuBytes ?? 0,
        row.extraBytes?.cacheBytes ?? 0,
      ]),
    );
  }
}
