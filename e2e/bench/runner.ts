// The measurement loop every benchmark runs, in the page that hosts the engine: the harness page that `npm run bench`
// drives and the demo's "Benchmark this device" view import this one module, so a visitor's run file is measured
// exactly like a Playwright one. Load the pair once, warm up, then run every prompt target-only and speculative,
// alternating which goes first (A B, then B A) so slow drift on the machine hits both modes alike, for R repeats
// with fixed seeds. Browser-safe: no Node, no Playwright.
import type { GenerationResult, LoadProgress, SpeculoEngine } from 'speculo';
import type { BadLinePolicy, BenchPrompt, ParsedPrompts } from './prompts-input.js';
import type { DownloadRecord, PromptResult, RunFile, Sample, Summary } from './run-schema.js';
import { summarizeCategories, summarizePrompt, toSample, type GenerationLike } from './summarize.js';

/** A prompt with the token ids both modes get (tokenised once, capped at the run's prompt length). */
export interface PreparedBenchPrompt {
  prompt: BenchPrompt;
  ids: number[];
  /** Length before truncation, or null if the prompt fit. */
  truncatedFrom: number | null;
}

/** The run file's account of its prompts: what the file held, what was skipped, truncated or cut to its first turn. */
export function describeInput(
  file: string,
  parsed: ParsedPrompts,
  prepared: readonly PreparedBenchPrompt[],
  badLinePolicy: BadLinePolicy,
  selection: RunFile['input']['selection'],
): RunFile['input'] {
  return {
    file,
    lines: parsed.lines,
    promptsInFile: parsed.prompts.length,
    promptsRun: prepared.length,
    badLinePolicy,
    skippedLines: parsed.badLines,
    truncatedPrompts: prepared.filter((p) => p.truncatedFrom !== null).length,
    multiTurnFirstOnly: prepared.filter((p) => p.prompt.droppedTurns).length,
    selection,
  };
}

/** How each prompt is generated; null leaves the engine's default. */
export interface MeasureSettings {
  maxNewTokens: number;
  repeat: number;
  warmup: number;
  seed: number;
  temperature: number;
  draftLength: number | null;
  policy: string | null;
  drafter: string | null;
}

/** What the loop reports as it goes, for a progress bar. */
export type RunnerEvent =
  | { kind: 'load'; progress: LoadProgress }
  | { kind: 'warmup'; index: number; total: number }
  | { kind: 'prompt-start'; promptId: string; category: string; repeat: number; done: number; total: number }
  | { kind: 'prompt-done'; promptId: string; category: string; repeat: number; done: number; total: number; targetOnlyTokensPerSecond: number; speculativeTokensPerSecond: number };

/** The part of a configuration the page measures; the driver adds the browser, connection and labels. */
export interface MeasuredConfiguration {
  loadMs: number;
  download: DownloadRecord;
  engineBackend: string;
  engineAdapter: { vendor: string; architecture: string; device: string; description: string } | null;
  engineDefaults: { policy: string | null; drafter: string | null };
  dtypes: { target: string | null; draft: string | null };
  prompts: PromptResult[];
  categories: Summary[];
  overall: Summary;
}

/** Cache Storage cache transformers.js keeps downloaded model files in (its `env.cacheKey`). */
export const modelCacheName = 'transformers-cache';

/** Model files of these models in the browser's Cache Storage (0 where there is none or the page may not read it). */
export async function cachedModelFiles(models: readonly string[]): Promise<number> {
  if (typeof caches === 'undefined') return 0;
  try {
    if (!(await caches.has(modelCacheName))) return 0;
    const keys = await (await caches.open(modelCacheName)).keys();
    // Local models are keyed by their URL under the site's model path, Hub ones by `…/<id>/resolve/<rev>/<file>`.
    return keys.filter((k) => models.some((m) => new URL(k.url).pathname.includes(`/${m}/`))).length;
  } catch {
    return 0;
  }
}

/**
 * Follows the load's progress reports: how many model files, their bytes, and how long some file was in flight. The
 * time is the union of each file's request-to-arrival interval, so session creation between one model's files and
 * the next model's does not count as fetching.
 */
export class DownloadTracker {
  private readonly bytes = new Map<string, number>();
  private readonly started = new Map<string, number>();
  private readonly intervals: [number, number][] = [];

  constructor(private readonly cachedFilesBefore: number | null) {}

  report(p: LoadProgress): void {
    if (p.model === 'profile') return;
    const key = `${p.name}/${p.file}`;
    const now = performance.now();
    // A file can be requested twice (config.json: once with the tokenizer, once with the weights).
    if (p.status === 'initiate' || !this.started.has(key)) this.started.set(key, now);
    this.bytes.set(key, Math.max(this.bytes.get(key) ?? 0, p.total, p.loaded));
    if (p.status === 'done') this.intervals.push([this.started.get(key)!, now]);
  }

  record(networkRequests: number | null = null): DownloadRecord {
    let bytes = 0;
    for (const b of this.bytes.values()) bytes += b;
    const files = this.bytes.size;
    return {
      files,
      bytes,
      cachedFilesBefore: this.cachedFilesBefore,
      fromCache: this.cachedFilesBefore === null ? null : files > 0 && this.cachedFilesBefore >= files,
      fetchMs: this.intervals.length ? unionLength(this.intervals) : null,
      networkRequests,
    };
  }
}

/** Total length covered by a set of [start, end] intervals. */
export function unionLength(intervals: readonly (readonly [number, number])[]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of sorted) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

/** The fields of a `GenerationResult` a sample is made of (the text and trace stay in the page). */
export function generationLike(r: GenerationResult): GenerationLike {
  const extra = r as unknown as { decisions?: { gamma: number; mode?: string }[]; drafter?: string | null };
  return {
    tokenIds: r.tokenIds,
    provenance: r.provenance,
    finishReason: r.finishReason,
    rounds: r.rounds.map((x) => ({ drafted: x.drafted, accepted: x.accepted, committed: x.committed })),
    metrics: r.metrics,
    decisions: Array.isArray(extra.decisions) ? extra.decisions.map((d) => ({ gamma: d.gamma, mode: d.mode })) : undefined,
    drafter: extra.drafter ?? null,
  };
}

async function generate(
  engine: SpeculoEngine,
  settings: MeasureSettings,
  promptIds: number[],
  maxNewTokens: number,
  speculative: boolean,
  seed: number,
  signal?: AbortSignal,
): Promise<GenerationLike> {
  const options: Record<string, unknown> = { promptIds, maxNewTokens, speculative, seed, temperature: settings.temperature };
  if (settings.draftLength !== null) options['draftLength'] = settings.draftLength;
  if (settings.policy !== null) options['policy'] = settings.policy;
  if (settings.drafter !== null) options['drafter'] = settings.drafter;
  if (signal) options['signal'] = signal;
  return generationLike(await engine.generate(options as never));
}

/** Warm-up, then the alternated timed runs of every prompt; summarised per prompt and per category. */
export async function measurePrompts(
  engine: SpeculoEngine,
  prompts: readonly PreparedBenchPrompt[],
  settings: MeasureSettings,
  onEvent: (event: RunnerEvent) => void = () => undefined,
  signal?: AbortSignal,
): Promise<Pick<MeasuredConfiguration, 'prompts' | 'categories' | 'overall'>> {
  // Warm-up: shader compilation, buffer pools, both code paths; not recorded.
  for (let w = 0; w < settings.warmup && prompts.length > 0; w++) {
    onEvent({ kind: 'warmup', index: w, total: settings.warmup });
    const ids = prompts[w % prompts.length]!.ids;
    const n = Math.min(settings.maxNewTokens, 8);
    await generate(engine, settings, ids, n, false, settings.seed, signal);
    await generate(engine, settings, ids, n, true, settings.seed, signal);
  }
  const total = prompts.length * settings.repeat;
  let done = 0;
  const samples: Sample[][] = prompts.map(() => []);
  for (let r = 0; r < settings.repeat; r++) {
    for (const [i, p] of prompts.entries()) {
      const where = { promptId: p.prompt.id, category: p.prompt.category, repeat: r };
      onEvent({ kind: 'prompt-start', ...where, done, total });
      const seed = settings.seed + r;
      const modes: Sample['mode'][] = (r + i) % 2 === 0 ? ['target-only', 'speculative'] : ['speculative', 'target-only'];
      for (const [order, mode] of modes.entries()) {
        const result = await generate(engine, settings, p.ids, settings.maxNewTokens, mode === 'speculative', seed, signal);
        samples[i]!.push(toSample(result, { mode, repeat: r, order: order as 0 | 1, seed }));
      }
      done++;
      const last = samples[i]!.slice(-2);
      onEvent({
        kind: 'prompt-done',
        ...where,
        done,
        total,
        targetOnlyTokensPerSecond: last.find((s) => s.mode === 'target-only')!.tokensPerSecond,
        speculativeTokensPerSecond: last.find((s) => s.mode === 'speculative')!.tokensPerSecond,
      });
    }
  }
  const results = prompts.map((p, i) =>
    summarizePrompt({ id: p.prompt.id, category: p.prompt.category, promptTokens: p.ids.length, truncatedFrom: p.truncatedFrom }, samples[i]!, settings.temperature === 0),
  );
  return { prompts: results, ...summarizeCategories(results) };
}

/**
 * Loads the pair with `create` (which must pass `onProgress` to `createSpeculo`), measures every prompt and disposes
 * the engine, also on failure.
 */
export async function measureConfiguration(
  create: (onProgress: (p: LoadProgress) => void) => Promise<SpeculoEngine>,
  models: readonly string[],
  prompts: readonly PreparedBenchPrompt[],
  settings: MeasureSettings,
  onEvent: (event: RunnerEvent) => void = () => undefined,
  signal?: AbortSignal,
): Promise<MeasuredConfiguration> {
  const tracker = new DownloadTracker(await cachedModelFiles(models));
  const t0 = performance.now();
  const engine = await create((progress) => {
    tracker.report(progress);
    onEvent({ kind: 'load', progress });
  });
  try {
    const loadMs = performance.now() - t0;
    const info = engine.info;
    const reported = info as unknown as { scheduler?: { policy?: string }; defaultDrafter?: string | null };
    const measured = await measurePrompts(engine, prompts, settings, onEvent, signal);
    return {
      loadMs,
      download: tracker.record(),
      engineBackend: info.backend,
      engineAdapter: info.adapter ? { vendor: info.adapter.vendor, architecture: info.adapter.architecture, device: info.adapter.device, description: info.adapter.description } : null,
      engineDefaults: { policy: reported.scheduler?.policy ?? null, drafter: reported.defaultDrafter ?? null },
      dtypes: { target: info.target?.dtype ?? null, draft: info.draft?.dtype ?? null },
      ...measured,
    };
  } finally {
    await engine.dispose();
  }
}

/** What the page can tell about the browser it runs in, for the run file. */
export interface PageFacts {
  userAgent: string;
  secureContext: boolean;
  adapter: { vendor: string; architecture: string; device: string; description: string } | null;
  hardwareConcurrency: number;
  /** `navigator.deviceMemory` in GiB (Chromium only; rounded and capped), or null. */
  deviceMemoryGiB: number | null;
  platform: string;
}

export async function pageFacts(): Promise<PageFacts> {
  let adapter: PageFacts['adapter'] = null;
  try {
    const a = await navigator.gpu?.requestAdapter();
    if (a) adapter = { vendor: a.info.vendor ?? '', architecture: a.info.architecture ?? '', device: a.info.device ?? '', description: a.info.description ?? '' };
  } catch {
    adapter = null;
  }
  const nav = navigator as Navigator & { deviceMemory?: number; userAgentData?: { platform?: string } };
  return {
    userAgent: navigator.userAgent,
    secureContext: self.isSecureContext,
    adapter,
    hardwareConcurrency: navigator.hardwareConcurrency ?? 0,
    deviceMemoryGiB: typeof nav.deviceMemory === 'number' ? nav.deviceMemory : null,
    platform: nav.userAgentData?.platform ?? navigator.platform ?? '',
  };
}
