import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import type { EngineInfo, EngineOptions, LoadProgress } from '../api/types.js';
import { validateEngineOptions } from '../api/validate-engine-options.js';
import { normalizeGenerateOptions, type GenerateOptions } from '../api/validate-options.js';
import type { GenerationResult, GuardrailStreamEvent, TokenEvent } from '../decode/types.js';
import { createAbortError, EngineDisposedError } from '../errors.js';
import type { GuardrailEvent } from '../guard/guardrail-monitor.js';
import type { DeviceProfile } from '../schedule/device-profile.js';
import type { LifetimeTelemetry } from '../trace/telemetry.js';
import type { TraceSink } from '../trace/trace-types.js';
import { installErrorTransfer } from '../worker/error-transfer.js';
import type { WorkerEngine, WorkerEvent } from '../worker/worker-engine.js';
import { EventChannel } from './event-channel.js';

/** Per-call options: what to generate, plus an AbortSignal and a trace sink. */
export interface StreamOptions extends GenerateOptions {
  signal?: AbortSignal;
  /** Receives the trace's header, each round and event as it happens, then the end record (implies `trace`). */
  traceSink?: TraceSink;
}

/** Dispatched on the engine for every guardrail event; `detail` is the event. */
export class GuardrailEngineEvent extends Event {
  constructor(readonly detail: GuardrailEvent) {
    super(detail.type);
  }
}

/** The last event of a stream, carrying the whole result and its metrics. */
export interface DoneEvent {
  type: 'done';
  result: GenerationResult;
}

export type SpeculoEvent = TokenEvent | GuardrailStreamEvent | DoneEvent;

/**
 * A loaded target (and draft) model pair running in a dedicated Web Worker. Create one with
 * {@link createSpeculo}; every method is safe to call again after an error or an abort.
 */
export class SpeculoEngine extends EventTarget {
  private nextRequestId = 1;
  private disposed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly remote: Remote<WorkerEngine>,
    /** Backend, GPU adapter, the models' ids, dtypes and byte sizes, drafter costs, scheduler and guardrails. */
    readonly info: EngineInfo,
    private readonly ownsWorker: boolean,
  ) {
    super();
  }

  /** Spawns the worker and loads the models in it. Prefer {@link createSpeculo}. */
  static async create(options: EngineOptions): Promise<SpeculoEngine> {
    validateEngineOptions(options);
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
    const { signal, traceSink, ...rest } = options;
    const generateOptions: GenerateOptions = traceSink && !rest.trace ? { ...rest, trace: true } : rest;
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
      .generate(
        requestId,
        generateOptions,
        proxy((event: WorkerEvent) => {
          if (event.type === 'trace-record') return traceSink?.(event.record);
          if (event.type === 'result') {
            // Events and the result share one port, so every token event has been pushed by now.
            channel.push({ type: 'done', result: event.result });
            channel.end();
            return;
          }
          if (event.type === 'guardrail') this.dispatchEvent(new GuardrailEngineEvent(event.event));
          channel.push(event);
        }),
      )
      .then(
        () => undefined,
        (error: unknown) => channel.fail(error),
      )
      .finally(() => signal?.removeEventListener('abort', abort));
    return channel;
  }

  /**
   * Generates to the end and returns the result; `onToken` sees each round's tokens as they are committed and
   * `onGuardrail` each guardrail event.
   */
  async generate(options: StreamOptions & { onToken?: (event: TokenEvent) => void; onGuardrail?: (event: GuardrailEvent) => void }): Promise<GenerationResult> {
    const { onToken, onGuardrail, ...streamOptions } = options;
    for await (const event of this.stream(streamOptions)) {
      if (event.type === 'done') return event.result;
      if (event.type === 'token') onToken?.(event);
      else onGuardrail?.(event.event);
    }
    throw new Error('the generation stream ended without a result');
  }

  /** Engine info as it is now (the n-gram cache's memory grows with use); `info` is the snapshot taken at load. */
  currentInfo(): Promise<EngineInfo> {
    this.assertUsable();
    return this.remote.info();
  }

  /** Acceptance rate, mean acceptance length, acceptance by position and tokens/s over this engine's lifetime. */
  telemetry(): Promise<LifetimeTelemetry> {
    this.assertUsable();
    return this.remote.lifetimeTelemetry();
  }

  /** The device profile the adaptive scheduler uses (export it with `JSON.stringify`); null when not calibrated. */
  profile(): Promise<DeviceProfile | null> {
    this.assertUsable();
    return this.remote.profile();
  }

  /** Measures this device again (a few seconds), stores the profile in IndexedDB and uses it. */
  recalibrate(onProgress?: (p: LoadProgress) => void): Promise<DeviceProfile> {
    this.assertUsable();
    return this.remote.recalibrate(onProgress ? proxy(onProgress) : undefined);
  }

  /** Uses a profile exported from another session on the same device and models; refused with the bad field named. */
  importProfile(profile: unknown): Promise<DeviceProfile> {
    this.assertUsable();
    return this.remote.importProfile(typeof profile === 'string' ? JSON.parse(profile) : profile);
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
