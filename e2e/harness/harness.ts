import { wrap } from 'comlink';
import { createSpeculo, type EngineOptions, type LoadProgress, type SpeculoEngine } from 'speculo';
import { measureConfiguration, pageFacts, type MeasureSettings, type PreparedBenchPrompt, type RunnerEvent } from '../bench/runner.js';
import type { GpuBufferCounts } from './gpu-buffer-counter.js';
import { offlineSources } from './offline-env.js';
import type { TransformersSmoke } from './transformers-smoke.worker.js';

/**
 * Functions the Playwright tests call through `page.evaluate`. Everything model-related runs in workers;
 * the page only forwards calls and keeps engines by handle.
 */
const engines = new Map<number, SpeculoEngine>();

/** Runs `use` against a fresh transformers.js worker and terminates it afterwards. */
async function withSmokeWorker<T>(use: (smoke: ReturnType<typeof wrap<TransformersSmoke>>) => Promise<T>): Promise<T> {
  const worker = new Worker(new URL('./transformers-smoke.worker.ts', import.meta.url), { type: 'module' });
  try {
    return await use(wrap<TransformersSmoke>(worker));
  } finally {
    worker.terminate();
  }
}
let nextHandle = 1;

const harness = {
  async webgpuAdapter() {
    const adapter = await navigator.gpu?.requestAdapter();
    return adapter ? { vendor: adapter.info.vendor, architecture: adapter.info.architecture } : null;
  },
  async transformersGreedy(model: string, device: 'webgpu' | 'wasm', prompt: string, maxNewTokens: number) {
    return withSmokeWorker((smoke) => smoke.greedy(model, device, prompt, maxNewTokens));
  },
  /** transformers.js generate() on `prompts` and the verify-versus-steps logits check, on one loaded model. */
  async referenceChecks(model: string, device: 'webgpu' | 'wasm', dtype: 'fp32' | 'q4' | 'q4f16', prompts: string[], maxNewTokens: number, verifyPromptIds: number[], chunk: number[]) {
    return withSmokeWorker((smoke) => smoke.referenceChecks(model, device, dtype, prompts, maxNewTokens, verifyPromptIds, chunk));
  },
  /** Loads a pair with transformers.js in a worker of the app's own and attaches it to Speculo's WorkerEngine there. */
  async attachedGenerate(target: string, draft: string, device: 'webgpu' | 'wasm', prompt: string, maxNewTokens: number) {
    return withSmokeWorker((smoke) => smoke.attachedGenerate(target, draft, device, prompt, maxNewTokens));
  },
  async tokenizeChat(model: string, userMessages: string[]) {
    return withSmokeWorker((smoke) => smoke.tokenizeChat(model, userMessages));
  },
  async tokenize(model: string, texts: string[]) {
    return withSmokeWorker((smoke) => smoke.tokenize(model, texts));
  },
  /** A long-lived transformers.js worker for baseline timings (one model load, many timed runs). */
  baselineWorker: null as null | { worker: Worker; api: ReturnType<typeof wrap<TransformersSmoke>> },
  async timeTransformersGenerate(model: string, device: 'webgpu' | 'wasm', promptIds: number[], maxNewTokens: number, dtype: 'fp32' | 'q4' | 'q4f16' = 'fp32') {
    if (!harness.baselineWorker) {
      const worker = new Worker(new URL('./transformers-smoke.worker.ts', import.meta.url), { type: 'module' });
      harness.baselineWorker = { worker, api: wrap<TransformersSmoke>(worker) };
    }
    return harness.baselineWorker.api.timeGenerate(model, device, promptIds, maxNewTokens, dtype);
  },
  closeBaselineWorker() {
    harness.baselineWorker?.worker.terminate();
    harness.baselineWorker = null;
  },
  /** Loads an engine on the fixtures; with `instrumented`, its worker counts GPU buffers. */
  async createEngine(options: Omit<EngineOptions, 'localModelPath' | 'allowRemoteModels' | 'wasmPaths' | 'onProgress' | 'worker'>, instrumented = false) {
    const progress: LoadProgress[] = [];
    let loaded = false;
    /** Reports that reached the page after createSpeculo resolved: the library promises there are none. */
    let lateProgress = 0;
    const worker = instrumented ? new Worker(new URL('./instrumented-engine.worker.ts', import.meta.url), { type: 'module' }) : undefined;
    const onProgress = (p: LoadProgress) => {
      if (loaded) lateProgress++;
      progress.push(p);
    };
    const engine = await createSpeculo({ ...offlineSources, ...options, ...(worker ? { worker } : {}), onProgress });
    loaded = true;
    // Long enough for anything still queued on the progress port to arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const handle = nextHandle++;
    engines.set(handle, engine);
    return { handle, info: engine.info, progress, lateProgress };
  },
  engine(handle: number): SpeculoEngine {
    const engine = engines.get(handle);
    if (!engine) throw new Error(`no engine ${handle}`);
    return engine;
  },
  async disposeEngine(handle: number) {
    await harness.engine(handle).dispose();
    engines.delete(handle);
  },
  /** What the page knows about its browser and adapter (the benchmark's run file records it). */
  pageFacts,
  /**
   * One benchmark configuration, measured by the runner the demo's benchmark view also uses. Hub pairs pass
   * `offline: false`. Progress goes to `window.speculoBenchEvent` when the driver exposes one.
   */
  async runBench(options: Omit<EngineOptions, 'onProgress' | 'worker'>, offline: boolean, prompts: PreparedBenchPrompt[], settings: MeasureSettings) {
    const report = (event: RunnerEvent) => void window.speculoBenchEvent?.(event);
    const models = [options.target, ...(options.draft ? [options.draft] : [])];
    const sources = offline ? offlineSources : { wasmPaths: offlineSources.wasmPaths };
    return measureConfiguration((onProgress) => createSpeculo({ ...sources, ...options, onProgress }), models, prompts, settings, report);
  },
  /**
   * A first visit, timed from `createSpeculo` to the first streamed token of one generation, then the engine is
   * disposed. Run it in a fresh browser context: a stored device profile would make it a returning visit.
   */
  async firstVisit(
    options: Omit<EngineOptions, 'localModelPath' | 'allowRemoteModels' | 'wasmPaths' | 'onProgress' | 'worker'>,
    call: { promptIds: number[]; maxNewTokens: number; speculative: boolean },
  ) {
    const t0 = performance.now();
    const engine = await createSpeculo({ ...offlineSources, ...options });
    const readyMs = performance.now() - t0;
    const first: { ms: number | null } = { ms: null };
    try {
      const result = await engine.generate({
        ...call,
        onToken: () => {
          first.ms ??= performance.now() - t0;
        },
      });
      const calibration = (await engine.currentInfo()).scheduler.calibration;
      return {
        readyMs,
        firstTokenMs: first.ms,
        doneMs: performance.now() - t0,
        timeToFirstTokenInCallMs: result.metrics.timeToFirstTokenMs,
        drafted: result.metrics.draftedTokens,
        tokens: result.tokenIds.length,
        calibration,
      };
    } finally {
      await engine.dispose();
    }
  },
  /** Asks the instrumented worker(s) for their GPU buffer counts. */
  gpuBufferCounts(): Promise<GpuBufferCounts> {
    const channel = new BroadcastChannel('speculo-gpu-buffer-counter');
    const query = Math.random();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no instrumented worker answered')), 5000);
      channel.onmessage = (event: MessageEvent<{ reply: number; counts: GpuBufferCounts }>) => {
        if (event.data.reply !== query) return;
        clearTimeout(timer);
        channel.close();
        resolve(event.data.counts);
      };
      channel.postMessage({ query });
    });
  },
  /** The Vercel AI SDK and Speculo's provider for it, loaded only by the tests that use them. */
  async aiSdk() {
    const [ai, provider] = await Promise.all([import('ai'), import('speculo/ai-sdk')]);
    return { ai, speculo: provider.speculo };
  },
  /** Runs `fn` and returns its value or the error's name, code and message (errors do not survive evaluate). */
  async capture<T>(
    fn: () => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; name: string; code?: string; message: string; isRangeError: boolean; fields: Record<string, unknown> }> {
    try {
      return { ok: true, value: await fn() };
    } catch (e) {
      const err = e as Error & { code?: string };
      const fields = Object.fromEntries(Object.entries(err).filter(([k]) => !['stack', 'message'].includes(k)));
      return { ok: false, name: err.name, code: err.code, message: err.message, isRangeError: e instanceof RangeError, fields };
    }
  },
};

declare global {
  interface Window {
    harness: typeof harness;
    /** Exposed by `npm run bench` to follow a run's progress. */
    speculoBenchEvent?: (event: RunnerEvent) => Promise<void>;
  }
}
window.harness = harness;
document.getElementById('status')!.textContent = 'ready';
