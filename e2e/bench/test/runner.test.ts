import type { LoadProgress, SpeculoEngine } from 'speculo';
import { describe, expect, it } from 'vitest';
import { persistentProfileDir, redactEndpoint } from '../bench-browser.js';
import { insecureOriginMessage } from '../run-prompts.js';
import { DownloadTracker, measureConfiguration, measurePrompts, unionLength, type MeasureSettings, type PreparedBenchPrompt, type RunnerEvent } from '../runner.js';
import { fakeGeneration } from './fake-run.js';

const settings: MeasureSettings = { maxNewTokens: 8, repeat: 2, warmup: 1, seed: 5, temperature: 0, draftLength: null, policy: null, drafter: null };

function prompt(id: string, category: string, ids: number[]): PreparedBenchPrompt {
  return { prompt: { id, category, line: 1, prompt: id, format: 'prompt' }, ids, truncatedFrom: null };
}

/** An engine that records each call and answers with a fixed generation (speculative twice as fast). */
function fakeEngine(calls: Record<string, unknown>[]): SpeculoEngine & { disposed: number } {
  const engine = {
    disposed: 0,
    info: { backend: 'wasm', adapter: null, target: { dtype: 'fp32' }, draft: { dtype: 'fp32' }, scheduler: { policy: 'adaptive' }, defaultDrafter: 'model' },
    generate: async (options: Record<string, unknown>) => {
      calls.push(options);
      const speculative = options['speculative'] === true;
      return {
        ...fakeGeneration({
          tokens: 8,
          wallMs: speculative ? 400 : 800,
          rounds: speculative
            ? [
                [4, 3],
                [4, 2],
              ]
            : [],
        }),
        text: '',
        trace: null,
      };
    },
    dispose: async () => {
      engine.disposed++;
    },
  };
  return engine as unknown as SpeculoEngine & { disposed: number };
}

describe('the shared measurement loop', () => {
  it('warms up both modes, then alternates which mode goes first per prompt and repeat, with seed + repeat', async () => {
    const calls: Record<string, unknown>[] = [];
    const events: RunnerEvent[] = [];
    const prompts = [prompt('a', 'x', [1, 2]), prompt('b', 'y', [3])];
    const out = await measurePrompts(fakeEngine(calls), prompts, settings, (e) => events.push(e));
    // Warm-up: 8 tokens at most, target-only then speculative, not recorded.
    expect(calls.slice(0, 2).map((c) => [c['speculative'], c['maxNewTokens']])).toEqual([
      [false, 8],
      [true, 8],
    ]);
    const timed = calls.slice(2);
    expect(timed.map((c) => `${(c['promptIds'] as number[]).join('')}:${c['speculative'] ? 'S' : 'T'}:${String(c['seed'])}`)).toEqual([
      '12:T:5',
      '12:S:5',
      '3:S:5',
      '3:T:5',
      '12:S:6',
      '12:T:6',
      '3:T:6',
      '3:S:6',
    ]);
    expect(timed.every((c) => !('draftLength' in c) && !('policy' in c) && c['temperature'] === 0)).toBe(true);
    expect(out.prompts.map((p) => [p.id, p.samples.length, p.speedup])).toEqual([
      ['a', 4, 2],
      ['b', 4, 2],
    ]);
    expect(out.categories.map((c) => c.category)).toEqual(['x', 'y']);
    expect(events.filter((e) => e.kind === 'prompt-done').map((e) => (e.kind === 'prompt-done' ? e.done : -1))).toEqual([1, 2, 3, 4]);
  });

  it('passes the run’s γ, policy and drafter through, and stops on abort', async () => {
    const calls: Record<string, unknown>[] = [];
    const controller = new AbortController();
    const engine = fakeEngine(calls);
    const generate = engine.generate.bind(engine);
    engine.generate = (async (options: Record<string, unknown>) => {
      if (calls.length === 3) controller.abort();
      if ((options['signal'] as AbortSignal | undefined)?.aborted) throw new DOMException('stopped', 'AbortError');
      return generate(options as never);
    }) as never;
    const run = measurePrompts(engine, [prompt('a', 'x', [1])], { ...settings, draftLength: 3, policy: 'static', drafter: 'ngram-cache' }, undefined, controller.signal);
    await expect(run).rejects.toThrow(/stopped/);
    expect(calls[0]).toMatchObject({ draftLength: 3, policy: 'static', drafter: 'ngram-cache' });
  });

  it('disposes the engine after measuring and on failure, and records the load', async () => {
    const engine = fakeEngine([]);
    const progress: LoadProgress[] = [
      { model: 'target', name: 't', file: 'onnx/model.onnx', status: 'initiate', loaded: 0, total: 0 },
      { model: 'target', name: 't', file: 'onnx/model.onnx', status: 'done', loaded: 1000, total: 1000 },
    ];
    const measured = await measureConfiguration(
      async (onProgress) => {
        progress.forEach(onProgress);
        return engine;
      },
      ['t'],
      [prompt('a', 'x', [1])],
      { ...settings, warmup: 0, repeat: 1 },
    );
    expect(engine.disposed).toBe(1);
    expect(measured.download).toMatchObject({ files: 1, bytes: 1000, networkRequests: null });
    expect(measured.engineDefaults).toEqual({ policy: 'adaptive', drafter: 'model' });
    engine.generate = (async () => {
      throw new Error('lost device');
    }) as never;
    await expect(measureConfiguration(async () => engine, ['t'], [prompt('a', 'x', [1])], settings)).rejects.toThrow(/lost device/);
    expect(engine.disposed).toBe(2);
  });
});

describe('download records', () => {
  it('counts the time some file was in flight, not the gaps between models', () => {
    expect(unionLength([])).toBe(0);
    expect(
      unionLength([
        [0, 10],
        [5, 12],
        [20, 25],
        [21, 22],
      ]),
    ).toBe(17);
  });

  it('says the models came from cache only when every file was cached before the load', () => {
    const p = (file: string, status: LoadProgress['status'], loaded = 0): LoadProgress => ({ model: 'draft', name: 'd', file, status, loaded, total: loaded });
    const feed = (t: DownloadTracker) => {
      t.report(p('config.json', 'initiate'));
      t.report(p('config.json', 'done', 10));
      t.report(p('onnx/model.onnx', 'initiate'));
      t.report(p('onnx/model.onnx', 'done', 90));
      t.report({ model: 'profile', name: 'x', file: 'device-profile', status: 'calibrate', loaded: 1, total: 9 });
      return t.record(0);
    };
    expect(feed(new DownloadTracker(2))).toMatchObject({ files: 2, bytes: 100, cachedFilesBefore: 2, fromCache: true, networkRequests: 0 });
    expect(feed(new DownloadTracker(1)).fromCache).toBe(false);
    expect(feed(new DownloadTracker(null)).fromCache).toBeNull();
  });
});

describe('remote browsers', () => {
  it('keeps no credentials or query of an endpoint in the run file', () => {
    expect(redactEndpoint('wss://user:key@hub.grid.example/playwright?caps=%7B%22os%22%7D&token=abc')).toBe('wss://hub.grid.example/playwright');
    expect(redactEndpoint('ws://localhost:3000/?launch-options={}')).toBe('ws://localhost:3000/');
    expect(redactEndpoint('not a url')).toBe('(unparseable endpoint)');
  });

  it('gives each browser binary its own profile folder under --profile-dir', () => {
    const a = persistentProfileDir('/tmp/profiles', '/usr/bin/chromium');
    expect(a).toMatch(/^\/tmp\/profiles\/chromium-[0-9a-f]{8}$/);
    expect(persistentProfileDir('/tmp/profiles', '/usr/bin/chromium')).toBe(a);
    expect(persistentProfileDir('/tmp/profiles', '/opt/google/chrome/chrome')).not.toBe(a);
  });

  it('names both fixes for a page that is not a secure context', () => {
    expect(insecureOriginMessage('http://10.0.0.5:5198')).toMatch(/--origin https:.*--unsafely-treat-insecure-origin-as-secure=http:\/\/10\.0\.0\.5:5198/);
  });
});
