// Synthetic generation results and run files for the Node tests (no browser).
import type { Configuration, RunFile } from '../run-schema.js';
import { summarizeCategories, summarizePrompt, toSample, type GenerationLike } from '../summarize.js';

/** A generation: `rounds` as [drafted, accepted] pairs; target-only when empty. */
export function fakeGeneration(options: { tokens: number; wallMs: number; rounds?: [number, number][]; ids?: number[]; decisions?: { gamma: number; mode?: string }[] }): GenerationLike {
  const rounds = (options.rounds ?? []).map(([drafted, accepted]) => ({ drafted, accepted, committed: accepted + 1 }));
  const drafted = rounds.reduce((a, r) => a + r.drafted, 0);
  const accepted = rounds.reduce((a, r) => a + r.accepted, 0);
  const ids = options.ids ?? Array.from({ length: options.tokens }, (_, i) => i + 1);
  const provenance = ids.map((_, i) => (i < accepted ? 'draft' : 'target'));
  const passes = 1 + (rounds.length || options.tokens - 1);
  return {
    tokenIds: ids,
    provenance,
    finishReason: 'max-tokens',
    rounds: rounds.length ? rounds : Array.from({ length: options.tokens - 1 }, () => ({ drafted: 0, accepted: 0, committed: 1 })),
    metrics: {
      newTokens: options.tokens,
      wallMs: options.wallMs,
      tokensPerSecond: (options.tokens * 1000) / options.wallMs,
      timeToFirstTokenMs: options.wallMs / 4,
      rounds: rounds.length || options.tokens - 1,
      draftedTokens: drafted,
      acceptedTokens: accepted,
      meanAcceptanceLength: options.tokens / passes,
      targetForwardPasses: passes,
    },
    ...(options.decisions ? { decisions: options.decisions } : {}),
  };
}

/** A configuration with prompts p0..p(n-1) over the given categories; speculative is `factor` times faster. */
export function fakeConfiguration(id: string, categories: string[], factors: number[], overrides: Partial<Configuration> = {}): Configuration {
  const prompts = factors.map((factor, i) => {
    const target = toSample(fakeGeneration({ tokens: 8, wallMs: 800 }), { mode: 'target-only', repeat: 0, order: 0, seed: 0 });
    const spec = toSample(
      fakeGeneration({
        tokens: 8,
        wallMs: 800 / factor,
        rounds: [
          [4, 3],
          [4, 2],
          [2, 0],
        ],
      }),
      { mode: 'speculative', repeat: 0, order: 1, seed: 0 },
    );
    return summarizePrompt({ id: `p${i}`, category: categories[i % categories.length]!, promptTokens: 20, truncatedFrom: null }, [target, spec], true);
  });
  const { categories: cats, overall } = summarizeCategories(prompts);
  return {
    id,
    label: `Chromium 140 · webgpu · ${id}`,
    browser: { name: 'Chromium', version: '140.0.1.2', executable: '/usr/bin/chromium', userAgent: 'Mozilla/5.0 Chrome/140', headless: true },
    backend: 'webgpu',
    profile: 'swiftshader',
    connection: { kind: 'launch', endpoint: null, origin: 'http://localhost:5198' },
    adapter: { vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader Device' },
    engineBackend: 'webgpu',
    engineAdapter: null,
    engineDefaults: { policy: 'adaptive', drafter: 'model' },
    models: { target: { id: 'tiny-target', dtype: 'fp32' }, draft: { id: 'tiny-draft', dtype: 'fp32' } },
    loadMs: 1000,
    download: { files: 6, bytes: 1_000_000, cachedFilesBefore: 0, fromCache: false, fetchMs: 200, networkRequests: 6 },
    error: null,
    prompts,
    categories: cats,
    overall,
    ...overrides,
  };
}

export function fakeRun(configurations: Configuration[], overrides: Partial<RunFile> = {}): RunFile {
  return {
    schema: 'speculo-bench-run',
    schemaVersion: 2,
    createdAt: '2026-01-02T03:04:05.000Z',
    durationMs: 60_000,
    environment: {
      producer: 'bench-cli',
      os: { platform: 'linux', release: '6.1', arch: 'x64' },
      cpu: { model: 'Test CPU', cores: 2 },
      memoryBytes: 2 ** 33,
      node: 'v20.19.0',
      libraryVersion: '0.1.0',
      gitCommit: null,
      pageUrl: null,
    },
    options: {
      pair: 'fixture',
      target: 'tiny-target',
      draft: 'tiny-draft',
      source: 'local',
      backends: ['webgpu'],
      gpuProfiles: ['swiftshader'],
      maxNewTokens: 8,
      maxPromptTokens: 256,
      repeat: 1,
      warmup: 1,
      seed: 0,
      temperature: 0,
      draftLength: null,
      policy: null,
      drafter: null,
    },
    input: {
      file: 'prompts.jsonl',
      lines: 4,
      promptsInFile: 4,
      promptsRun: configurations[0]?.prompts.length ?? 0,
      badLinePolicy: 'fail',
      skippedLines: [],
      truncatedPrompts: 0,
      multiTurnFirstOnly: 0,
      selection: { samplePerCategory: null, limit: null, categories: null },
    },
    configurations,
    ...overrides,
  };
}

/** `run` as a schemaVersion 1 file would have held it (as parsed JSON): without the fields version 2 added. */
export function asV1RunJson(run: RunFile): unknown {
  const { producer: _producer, pageUrl: _pageUrl, ...environment } = run.environment;
  return JSON.parse(
    JSON.stringify({
      ...run,
      schemaVersion: 1,
      environment,
      configurations: run.configurations.map(({ connection: _connection, download: _download, ...c }) => c),
    }),
  ) as unknown;
}
