// Drives one configuration of the prompts harness from Node: open the browser (launched, on a kept profile, over a
// Playwright server or CDP), then let the harness page run the shared measurement loop (`runner.ts`, the same code
// the demo's benchmark view runs) and follow its progress.
import { openBenchSession, type BenchSession, type BrowserSource, type GpuProfile } from './bench-browser.js';
import type { ModelPair } from './pairs.js';
import type { Progress } from './progress.js';
import type { MeasureSettings, PreparedBenchPrompt, RunnerEvent } from './runner.js';
import type { AdapterInfo, Configuration } from './run-schema.js';
import { summarizeCategories } from './summarize.js';

export type Backend = 'webgpu' | 'wasm';

/** One browser × backend to measure. */
export interface RunTarget {
  source: BrowserSource;
  backend: Backend;
  profile: Configuration['profile'];
}

export interface RunSettings extends MeasureSettings {
  pair: ModelPair;
  prompts: PreparedBenchPrompt[];
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

/** The error for a page WebGPU cannot run in, naming both fixes. */
export function insecureOriginMessage(origin: string): string {
  return (
    `the page at ${origin} is not a secure context, so the browser gives it no WebGPU (and no WASM threads): ` +
    `serve it over https (--origin https://…) or start the remote browser with --unsafely-treat-insecure-origin-as-secure=${origin}`
  );
}

function sourceLabel(source: BrowserSource): string {
  return source.kind === 'launch' ? source.executablePath : `${source.kind} ${source.endpoint.split('?')[0]}`;
}

/** Runs one configuration; failures (no adapter, a model that will not load, a lost connection) are recorded, not thrown. */
export async function runConfiguration(origin: string, target: RunTarget, settings: RunSettings, progress: Progress): Promise<Configuration> {
  const { pair, prompts } = settings;
  const dtype = pair.dtype[target.backend];
  const units = prompts.length * settings.repeat;
  const config: Configuration = {
    id: '',
    label: '',
    browser: {
      name: 'browser',
      version: '',
      executable: target.source.kind === 'launch' ? target.source.executablePath : '',
      userAgent: '',
      headless: target.source.kind === 'launch' ? target.source.headless : false,
    },
    backend: target.backend,
    profile: target.profile,
    connection: { kind: target.source.kind === 'launch' ? (target.source.profileDir !== null ? 'persistent' : 'launch') : target.source.kind, endpoint: null, origin },
    adapter: null,
    engineBackend: null,
    engineAdapter: null,
    engineDefaults: { policy: null, drafter: null },
    models: { target: { id: pair.target, dtype }, draft: { id: pair.draft, dtype } },
    loadMs: null,
    download: null,
    error: null,
    prompts: [],
    categories: [],
    overall: summarizeCategories([]).overall,
  };
  let done = 0;
  let session: BenchSession | null = null;
  const where = `${target.profile}/${target.backend}`;
  try {
    progress.status(`${where}: opening ${sourceLabel(target.source)}`);
    session = await openBenchSession(origin, target.source, [pair.target, pair.draft]);
    const { page } = session;
    config.connection = session.connection;
    config.browser.userAgent = session.userAgent;
    config.browser.version = session.version;
    config.browser.name = browserName(session.userAgent, config.browser.executable);
    const facts = await page.evaluate(() => window.harness.pageFacts());
    config.adapter = target.backend === 'wasm' ? null : facts.adapter;
    config.id = `${config.browser.name.toLowerCase()}-${session.version.split('.')[0]}/${target.backend}/${target.profile}`;
    if (!facts.secureContext) {
      if (target.backend === 'webgpu') throw new Error(insecureOriginMessage(origin));
      progress.log(`${config.id}: ${insecureOriginMessage(origin)}; WASM runs single-threaded`);
    }
    if (target.backend === 'webgpu' && !config.adapter) {
      throw new Error(
        target.source.kind === 'launch'
          ? 'no WebGPU adapter in this browser (--gpu system): try --headed, and check chrome://gpu (see e2e/bench/README.md)'
          : 'the remote browser has no WebGPU adapter: ask the grid for a GPU machine, or start it with WebGPU enabled (see e2e/bench/README.md)',
      );
    }
    config.label = `${config.browser.name} ${session.version.split('.')[0]} · ${target.backend} · ${adapterLabel(config.adapter, target.backend)}`;

    progress.status(`${config.id}: loading ${pair.draft} + ${pair.target} (${dtype})`);
    const id = config.id;
    await page.exposeFunction('speculoBenchEvent', (event: RunnerEvent) => {
      if (event.kind === 'warmup') progress.status(`${id}: warm-up ${event.index + 1}/${event.total}`);
      else if (event.kind === 'prompt-start') progress.status(`${id}: ${event.promptId} (${event.category}) repeat ${event.repeat + 1}/${settings.repeat}`);
      else if (event.kind === 'prompt-done') {
        done = event.done;
        progress.tick(`${id} ${event.promptId}: ${event.targetOnlyTokensPerSecond.toFixed(1)} → ${event.speculativeTokensPerSecond.toFixed(1)} tok/s`);
      }
    });
    // Measured before timing starts: the runs compare steady states, not a first visit's background calibration.
    const engineOptions: Record<string, unknown> = {
      target: pair.target,
      draft: pair.draft,
      device: target.backend,
      dtype: { target: dtype, draft: dtype },
      scheduler: { calibrate: 'eager' },
    };
    if (settings.drafter !== null) engineOptions['drafter'] = settings.drafter;
    const measureSettings: MeasureSettings = {
      maxNewTokens: settings.maxNewTokens,
      repeat: settings.repeat,
      warmup: settings.warmup,
      seed: settings.seed,
      temperature: settings.temperature,
      draftLength: settings.draftLength,
      policy: settings.policy,
      drafter: settings.drafter,
    };
    const measured = await page.evaluate(([o, offline, p, m]) => window.harness.runBench(o as never, offline, p, m), [
      engineOptions,
      pair.source === 'local',
      prompts,
      measureSettings,
    ] as const);
    config.loadMs = measured.loadMs;
    config.download = { ...measured.download, networkRequests: session.modelRequests() };
    config.engineBackend = measured.engineBackend;
    config.engineAdapter = measured.engineAdapter;
    config.engineDefaults = measured.engineDefaults;
    if (measured.dtypes.target) config.models.target.dtype = measured.dtypes.target;
    if (measured.dtypes.draft) config.models.draft.dtype = measured.dtypes.draft;
    config.prompts = measured.prompts;
    config.categories = measured.categories;
    config.overall = measured.overall;
  } catch (e) {
    config.error = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    config.prompts = [];
    progress.log(`${config.id || where}: failed: ${config.error}`);
    if (units > done) progress.tick('skipped', units - done);
  } finally {
    await session?.close().catch(() => undefined);
  }
  if (!config.id) {
    config.id = `${target.profile}/${target.backend}`;
    config.label = `${target.backend} · ${target.profile}`;
  }
  return config;
}

/**
 * Launched browsers × backend × GPU profile: WASM runs once per browser (no adapter), WebGPU once per GPU profile;
 * then each remote browser (`--connect`, `--cdp`) once per backend, with whatever GPU it was started with.
 */
export function runTargets(
  browsers: string[],
  backends: Backend[],
  gpus: GpuProfile[],
  launch: { headless: boolean; profileDir: string | null } = { headless: true, profileDir: null },
  remotes: { kind: 'connect' | 'cdp'; endpoint: string }[] = [],
): RunTarget[] {
  const targets: RunTarget[] = [];
  for (const executablePath of browsers) {
    for (const backend of backends) {
      const profiles: GpuProfile[] = backend === 'wasm' ? ['wasm'] : gpus.filter((g) => g !== 'wasm');
      for (const profile of profiles) targets.push({ source: { kind: 'launch', executablePath, profile, ...launch }, backend, profile });
    }
  }
  for (const remote of remotes) for (const backend of backends) targets.push({ source: remote, backend, profile: 'remote' });
  return targets;
}
