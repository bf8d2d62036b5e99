/**
 * The run file of a "Benchmark this device" run, in the harness's versioned schema (`e2e/bench/run-schema.ts`), so
 * `npm run bench:report` merges it with Playwright runs. Where the Node driver asks the machine, the page records what
 * the browser tells it: the user agent, `navigator.hardwareConcurrency`, `navigator.deviceMemory`, the adapter.
 */
import { libraryVersion } from 'speculo';
import { describeInput, type MeasureSettings, type MeasuredConfiguration, type PageFacts, type PreparedBenchPrompt } from '../../e2e/bench/runner.js';
import { runSchemaId, runSchemaVersion, validateRunFile, type AdapterInfo, type Configuration, type RunFile } from '../../e2e/bench/run-schema.js';
import type { ChosenPrompts, Selection } from './bench-prompts.js';
import type { PairPreset } from './pairs.js';

export type BenchBackend = 'webgpu' | 'wasm';

/** Browser name and version from the user agent; Client Hints' brands (when the page gets them) tell Chrome from Chromium. */
export function browserOf(userAgent: string, brands: readonly { brand: string }[] = []): { name: string; version: string } {
  const has = (brand: string) => brands.some((b) => b.brand === brand);
  const version = (pattern: RegExp) => pattern.exec(userAgent)?.[1] ?? '';
  if (/\bEdg\//.test(userAgent)) return { name: 'Edge', version: version(/\bEdg\/([\d.]+)/) };
  if (/\bFirefox\//.test(userAgent)) return { name: 'Firefox', version: version(/\bFirefox\/([\d.]+)/) };
  const chrome = version(/\b(?:Headless)?Chrome\/([\d.]+)/);
  if (chrome) return { name: !has('Google Chrome') && (has('Chromium') || /\bChromium\//.test(userAgent)) ? 'Chromium' : 'Chrome', version: chrome };
  if (/\bSafari\//.test(userAgent)) return { name: 'Safari', version: version(/\bVersion\/([\d.]+)/) };
  return { name: 'browser', version: '' };
}

/** A short adapter name for tables and chart legends, as the harness writes it. */
export function adapterLabel(adapter: AdapterInfo | null, backend: BenchBackend): string {
  if (backend === 'wasm' || !adapter) return 'WASM (CPU)';
  const parts = [adapter.description, [adapter.vendor, adapter.architecture].filter(Boolean).join(' '), adapter.device].filter((s) => s && s.trim());
  return parts[0] ?? 'unknown adapter';
}

/** Everything a run file is made of. */
export interface DemoRun {
  startedAt: number;
  facts: PageFacts;
  /** A preset the view offers (it has a draft model and a `benchPair` name). */
  preset: PairPreset;
  backend: BenchBackend;
  settings: MeasureSettings;
  maxPromptTokens: number;
  prompts: ChosenPrompts;
  selection: Selection;
  prepared: PreparedBenchPrompt[];
  measured: MeasuredConfiguration;
}

/** The run as the file holds it, validated against the schema as readers will see it (after JSON). */
export function demoRunFile(r: DemoRun): RunFile {
  const { facts, preset, backend, settings, measured } = r;
  const brands = (navigator as Navigator & { userAgentData?: { brands?: { brand: string }[] } }).userAgentData?.brands ?? [];
  const browser = browserOf(facts.userAgent, brands);
  const major = browser.version.split('.')[0] ?? '';
  const adapter = backend === 'wasm' ? null : facts.adapter;
  const draft = preset.draft ?? '';
  const configuration: Configuration = {
    id: `${browser.name.toLowerCase()}-${major}/${backend}/page`,
    label: `${browser.name} ${major} · ${backend} · ${adapterLabel(adapter, backend)}`,
    browser: { ...browser, executable: '', userAgent: facts.userAgent, headless: /\bHeadlessChrome\//.test(facts.userAgent) },
    backend,
    profile: 'page',
    connection: { kind: 'page', endpoint: null, origin: location.origin },
    adapter,
    engineBackend: measured.engineBackend,
    engineAdapter: measured.engineAdapter,
    engineDefaults: measured.engineDefaults,
    models: { target: { id: preset.target, dtype: measured.dtypes.target ?? preset.dtype }, draft: { id: draft, dtype: measured.dtypes.draft ?? preset.dtype } },
    loadMs: measured.loadMs,
    download: measured.download,
    error: null,
    prompts: measured.prompts,
    categories: measured.categories,
    overall: measured.overall,
  };
  const run: RunFile = {
    schema: runSchemaId,
    schemaVersion: runSchemaVersion,
    createdAt: new Date(r.startedAt).toISOString(),
    durationMs: Date.now() - r.startedAt,
    environment: {
      producer: 'demo',
      pageUrl: location.href,
      os: { platform: facts.platform, release: '', arch: '' },
      cpu: { model: 'unknown', cores: facts.hardwareConcurrency },
      memoryBytes: facts.deviceMemoryGiB === null ? null : facts.deviceMemoryGiB * 2 ** 30,
      node: null,
      libraryVersion,
      gitCommit: null,
    },
    options: {
      pair: preset.benchPair ?? preset.id,
      target: preset.target,
      draft,
      source: preset.local ? 'local' : 'hub',
      backends: [backend],
      gpuProfiles: ['page'],
      maxNewTokens: settings.maxNewTokens,
      maxPromptTokens: r.maxPromptTokens,
      repeat: settings.repeat,
      warmup: settings.warmup,
      seed: settings.seed,
      temperature: settings.temperature,
      draftLength: settings.draftLength,
      policy: settings.policy,
      drafter: settings.drafter,
    },
    input: describeInput(r.prompts.file, r.prompts.parsed, r.prepared, 'skip', { samplePerCategory: r.selection.samplePerCategory, limit: r.selection.limit, categories: null }),
    configurations: [configuration],
  };
  // A NaN (an empty summary) becomes null in JSON: validate what bench:report will read.
  return validateRunFile(JSON.parse(JSON.stringify(run)), 'the run file this page made');
}

/** `run-<ISO time>-demo.json`, like the harness's `run-<ISO time>.json`. */
export function runFileName(startedAt: number): string {
  return `run-${new Date(startedAt).toISOString().replace(/[:.]/g, '-')}-demo.json`;
}
