import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import type { EngineInfo, EngineOptions } from '../api/types.js';
import { normalizeGenerateOptions, type GenerateOptions } from '../api/validate-options.js';
import type { GenerationResult, TokenEvent } from '../decode/types.js';
import { createAbortError, EngineDisposedError } from '../errors.js';
import { installErrorTransfer } from '../worker/error-transfer.js';
import type { WorkerEngine } from '../worker/worker-engine.js';
import { EventChannel } from './event-channel.js';

/** Per-call options: what to generate, plus an AbortSignal. */
export interface StreamOptions extends GenerateOptions {
  signal?: AbortSignal;
}

/** The last event of a stream, carrying the whole result and its metrics. */
export interface DoneEvent {
  type: 'done';
  result: GenerationResult;
}

export type SpeculoEvent = TokenEvent | DoneEvent;

/**
 * A loaded target (and draft) model pair running in a dedicated Web Worker. Create one with
 * {@link createSpeculo}; every method is safe to call again after an error or an abort.
 */
export class SpeculoEngine {
  private nextRequestId = 1;
  private disposed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly remote: Remote<WorkerEngine>,
    /** Backend, GPU adapter and the models' ids, dtypes and byte sizes. */
    readonly info: EngineInfo,
    private readonly ownsWorker: boolean,
  ) {}

  /** Spawns the worker and loads the models in it. Prefer {@link createSpeculo}. */
  static async create(options: EngineOptions): Promise<SpeculoEngine> {
    installErrorTransfer();
    const ownsWorker = !options.worker;
    const worker = options.worker ?? new Worker(new URL('../worker/engine.worker.js', import.meta.url), { type: 'module', name: 'speculo' });
    const remote = wrap<WorkerEngine>(worker);
    const { onProgress, worker: _worker, ...loadOptions } = options;
    try {
      const info = await remote.load(loadOptions, onProgress ? proxy(onProgress) : undefined);
      return new SpeculoEngine(worker, remote, info, ownsWorker);
    } catch (error) {
      remote[releaseProxy]();
      if (ownsWorker) worker.terminate();
      throw error;
    }
  }

  /**
   * Streams a generation: one `token` event per verification round as tokens are committed, then one `done`
   * event with the result. Breaking out of the loop aborts the generation.
   */
  stream(options: StreamOptions): AsyncIterableIterator<SpeculoEvent> {
    const channel = new EventChannel<SpeculoEvent>();
    const { signal, ...generateOptions } = options;
    let requestId = 0;
    try {
      this.assertUsable();
      normalizeGenerateOptions(generateOptions);
      signal?.throwIfAborted();
    } catch (error) {
      channel.fail(error instanceof DOMException && error.name === 'AbortError' ? createAbortError(signal?.reason) : error);
      return channel;
    }
    requestId = this.nextRequestId++;
    const abort = () => void this.remote.abort(requestId);
    signal?.addEventListener('abort', abort, { once: true });
    channel.onReturn = abort;
    this.remote
      .generate(requestId, generateOptions, proxy((event: TokenEvent) => channel.push(event)))
      .then(
        (result) => {
          channel.push({ type: 'done', result });
          channel.end();
        },
        (error: unknown) => channel.fail(error),
      )
      .finally(() => signal?.removeEventListener('abort', abort));
    return channel;
  }

  /** Generates to the end and returns the result; `onToken` sees each round's tokens as they are committed. */
  async generate(options: StreamOptions & { onToken?: (event: TokenEvent) => void }): Promise<GenerationResult> {
    const { onToken, ...streamOptions } = options;
    for await (const event of this.stream(streamOptions)) {
      if (event.type === 'done') return event.result;
      onToken?.(event);
    }
    throw new Error('the generation stream ended without a result');
  }

  /** Releases both models, their GPU buffers and the worker. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      await this.remote.dispose();
    } finally {
      this.remote[releaseProxy]();
      if (this.ownsWorker) this.worker.terminate();
    }
  }

  private assertUsable(): void {
    if (this.disposed) throw new EngineDisposedError('the engine was disposed');
  }
}

/**
 * Loads a target model (and optionally a draft model sharing its tokenizer) in a Web Worker and returns an
 * engine that decodes speculatively on WebGPU, or WASM where WebGPU is missing.
 *
 * ```ts
 * const engine = await createSpeculo({ target: 'onnx-community/Qwen2.5-1.5B-Instruct', draft: 'onnx-community/Qwen2.5-0.5B-Instruct', dtype: 'q4f16' });
 * for await (const ev of engine.stream({ messages: [{ role: 'user', content: 'Hi!' }] })) if (ev.type === 'token') show(ev.text);
 * ```
 */
export function createSpeculo(options: EngineOptions): Promise<SpeculoEngine> {
  return SpeculoEngine.create(options);
}
