// The browser loop of the prompts harness: for each browser × backend × GPU profile, load the pair once, warm up,
// then run every prompt target-only and speculative, alternating which goes first (A B, then B A) so slow drift
// on the machine hits both modes alike, for R repeats with fixed seeds.
import type { Page } from '@playwright/test';
import { openBenchPage, type GpuProfile } from './bench-browser.js';
import type { ModelPair } from './pairs.js';
import type { Progress } from './progress.js';
import type { BenchPrompt } from './prompts-input.js';
import type { AdapterInfo, Configuration, Sample } from './run-schema.js';
import { summarizeCategories, summarizePrompt, toSample, type GenerationLike } from './summarize.js';

export type Backend = 'webgpu' | 'wasm';

export interface PreparedBenchPrompt {
  prompt: BenchPrompt;
  ids: number[];
  truncatedFrom: number | null;
}

/** One browser × backend × GPU profile to measure. */
export interface RunTarget {
  browserPath: string;
  backend: Backend;
  profile: GpuProfile;
}

export interface RunSettings {
  pair: ModelPair;
  prompts: PreparedBenchPrompt[];
  maxNewTokens: number;
  repeat: number;
  warmup: number;
  seed: number;
  temperature: number;
  draftLength: number | null;
  policy: string | null;
  drafter: string | null;
  headless: boolean;
}

/** "Chrome", "Chromium" or "Edge", from the user agent and the executable's name. */
export function browserName(userAgent: string, executable: string): string {
  if (/\bEdg\//.test(userAgent)) return 'Edge';
  if (/chromium/i.test(executable) || /Chromium\//.test(userAgent)) return 'Chromium';
  if (/Chrome\//.test(userAgent)) return 'Chrome';
  return 'browser';
}

/** A short adapter name for tables and chart legends. */
export function adapterLabel(adapter: AdapterInfo | null, backend: Backend): string {
  if (backend === 'wasm' || !adapter) return 'WASM (CPU)';
  const parts = [adapter.description, [adapter.vendor, adapter.architecture].filter(Boolean).join(' '), adapter.device].filter((s) => s && s.trim());
  return parts[0] ?? 'unknown adapter';
}

async function pageAdapter(page: Page): Promise<AdapterInfo | null> {
  return page.evaluate(async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    if (!adapter) return null;
    const info = adapter.info;
    return { vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '' };
  });
}

interface GenerateCall {
  handle: number;
  promptIds: number[];
  maxNewTokens: number;
  speculative: boolean;
  seed: number;
  temperature: number;
  draftLength: number | null;
  policy: string | null;
  drafter: string | null;
}

async function generate(page: Page, call: GenerateCall): Promise<GenerationLike> {
  return page.evaluate(async (c) => {
    const options: Record<string, unknown> = { promptIds: c.promptIds, maxNewTokens: c.maxNewTokens, speculative: c.speculative, seed: c.seed, temperature: c.temperature };
    if (c.draftLength !== null) options['draftLength'] = c.draftLength;
    if (c.policy !== null) options['policy'] = c.policy;
    if (c.drafter !== null) options['drafter'] = c.drafter;
    const r = await window.harness.engine(c.handle).generate(options as never);
    const extra = r as unknown as { decisions?: { gamma: number; mode?: string }[]; drafter?: string | null };
    // Only what the harness reads: the trace and text stay in the page.
    return {
      tokenIds: r.tokenIds,
      provenance: r.provenance,
      finishReason: r.finishReason,
      rounds: r.rounds.map((x) => ({ drafted: x.drafted, accepted: x.accepted, committed: x.committed })),
      metrics: r.metrics,
      decisions: Array.isArray(extra.decisions) ? extra.decisions.map((d) => ({ gamma: d.gamma, mode: d.mode })) : undefined,
      drafter: extra.drafter ?? null,
    };
  }, call);
}

/** Runs one configuration; failures (no adapter, a model that will not load) are recorded, not thrown. */
export async function runConfiguration(baseUrl: string, target: RunTarget, settings: RunSettings, progress: Progress): Promise<Configuration> {
  const { pair, prompts } = settings;
  const dtype = pair.dtype[target.backend];
  const units = prompts.length * settings.repeat;
  const config: Configuration = {
    id: '',
    label: '',
    browser: { name: 'browser', version: '', executable: target.browserPath, userAgent: '', headless: settings.headless },
    backend: target.backend,
    profile: target.profile,
    adapter: null,
    engineBackend: null,
    engineAdapter: null,
    engineDefaults: { policy: null, drafter: null },
    models: { target: { id: pair.target, dtype }, draft: { id: pair.draft, dtype } },
    loadMs: null,
    error: null,
    prompts: [],
    categories: [],
    overall: summarizeCategories([]).overall,
  };
  let done = 0;
  let bench: Awaited<ReturnType<typeof openBenchPage>> | null = null;
  try {
    progress.status(`${target.profile}/${target.backend}: starting the browser`);
    bench = await openBenchPage(baseUrl, target.profile, target.browserPath);
    const { page } = bench;
    config.browser.userAgent = bench.userAgent;
    config.browser.version = bench.version;
    config.browser.name = browserName(bench.userAgent, target.browserPath);
    config.adapter = target.backend === 'wasm' ? null : await pageAdapter(page);
    config.id = `${config.browser.name.toLowerCase()}-${bench.version.split('.')[0]}/${target.backend}/${target.profile}`;
    if (target.profile === 'system' && target.backend === 'webgpu' && !config.adapter) {
      throw new Error('no WebGPU adapter in this browser (--gpu system): try --headed, and check chrome://gpu (see e2e/bench/README.md)');
    }
    config.label = `${config.browser.name} ${bench.version.split('.')[0]} · ${target.backend} · ${adapterLabel(config.adapter, target.backend)}`;

    progress.status(`${config.id}: loading ${pair.draft} + ${pair.target} (${dtype})`);
    const engineOptions: Record<string, unknown> = { target: pair.target, draft: pair.draft, device: target.backend, dtype: { target: dtype, draft: dtype } };
    if (settings.drafter !== null) engineOptions['drafter'] = settings.drafter;
    // Hub pairs: undo the harness's offline defaults (local /models/ only).
    if (pair.source === 'hub') Object.assign(engineOptions, { localModelPath: undefined, allowRemoteModels: true });
    const t0 = performance.now();
    const { handle, info } = await page.evaluate((o) => window.harness.createEngine(o as never), engineOptions);
    config.loadMs = performance.now() - t0;
    config.engineBackend = info.backend;
    config.engineAdapter = info.adapter ? { vendor: info.adapter.vendor, architecture: info.adapter.architecture, device: info.adapter.device, description: info.adapter.description } : null;
    const reported = info as unknown as { scheduler?: { policy?: string }; defaultDrafter?: string | null };
    config.engineDefaults = { policy: reported.scheduler?.policy ?? null, drafter: reported.defaultDrafter ?? null };
    if (info.target?.dtype) config.models.target.dtype = info.target.dtype;
    if (info.draft?.dtype) config.models.draft.dtype = info.draft.dtype;

    const base = { handle, temperature: settings.temperature, draftLength: settings.draftLength, policy: settings.policy, drafter: settings.drafter };
    // Warm-up: shader compilation, buffer pools, both code paths; not recorded.
    for (let w = 0; w < settings.warmup && prompts.length > 0; w++) {
      progress.status(`${config.id}: warm-up ${w + 1}/${settings.warmup}`);
      const promptIds = prompts[w % prompts.length]!.ids;
      const n = Math.min(settings.maxNewTokens, 8);
      await generate(page, { ...base, promptIds, maxNewTokens: n, speculative: false, seed: settings.seed });
      await generate(page, { ...base, promptIds, maxNewTokens: n, speculative: true, seed: settings.seed });
    }

    const samples: Sample[][] = prompts.map(() => []);
    for (let r = 0; r < settings.repeat; r++) {
      for (const [i, p] of prompts.entries()) {
        progress.status(`${config.id}: ${p.prompt.id} (${p.prompt.category}) repeat ${r + 1}/${settings.repeat}`);
        const seed = settings.seed + r;
        const modes: Sample['mode'][] = (r + i) % 2 === 0 ? ['target-only', 'speculative'] : ['speculative', 'target-only'];
        for (const [order, mode] of modes.entries()) {
          const result = await generate(page, { ...base, promptIds: p.ids, maxNewTokens: settings.maxNewTokens, speculative: mode === 'speculative', seed });
          samples[i]!.push(toSample(result, { mode, repeat: r, order: order as 0 | 1, seed }));
        }
        done++;
        const last = samples[i]!.slice(-2);
        const t = last.find((s) => s.mode === 'target-only')!;
        const s = last.find((x) => x.mode === 'speculative')!;
        progress.tick(`${config.id} ${p.prompt.id}: ${t.tokensPerSecond.toFixed(1)} → ${s.tokensPerSecond.toFixed(1)} tok/s`);
      }
    }
    await page.evaluate((h) => window.harness.disposeEngine(h), handle);
    config.prompts = prompts.map((p, i) =>
      summarizePrompt({ id: p.prompt.id, category: p.prompt.category, promptTokens: p.ids.length, truncatedFrom: p.truncatedFrom }, samples[i]!, settings.temperature === 0),
    );
    const { categories, overall } = summarizeCategories(config.prompts);
    config.categories = categories;
    config.overall = overall;
  } catch (e) {
    config.error = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    config.prompts = [];
    progress.log(`${config.id || `${target.profile}/${target.backend}`}: failed: ${config.error}`);
    if (units > done) progress.tick('skipped', units - done);
  } finally {
    await bench?.browser.close().catch(() => undefined);
  }
  if (!config.id) {
    config.id = `${target.profile}/${target.backend}`;
    config.label = `${target.backend} · ${target.profile}`;
  }
  return config;
}

/** browser × backend × GPU profile: WASM runs once per browser (no adapter); WebGPU once per GPU profile. */
export function runTargets(browsers: string[], backends: Backend[], gpus: GpuProfile[]): RunTarget[] {
  const targets: RunTarget[] = [];
  for (const browserPath of browsers) {
    for (const backend of backends) {
      if (backend === 'wasm') targets.push({ browserPath, backend, profile: 'wasm' });
      else for (const profile of gpus.filter((g) => g !== 'wasm')) targets.push({ browserPath, backend, profile });
    }
  }
  return targets;
}
