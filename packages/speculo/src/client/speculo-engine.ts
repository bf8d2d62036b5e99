import type {
  DeviceProfile,
  EngineInfo,
  EngineOptions,
  GenerateCallOptions,
  GenerateOptions,
  GenerationResult,
  GuardrailEvent,
  LifetimeTelemetry,
  LoadProgress,
  SpeculoEvent,
  StreamOptions,
} from '../types/index.js';
import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import { assertCloneable, assertKnownKeys, assertOptionsObject } from '../api/option-names.js';
import { validateEngineOptions } from '../api/validate-engine-options.js';
import { generateOptionNames, normalizeGenerateOptions } from '../api/validate-options.js';

import { EngineDisposedError, UnsupportedEnvironmentError } from '../errors.js';
import { parseGuardrailConfig } from '../guard/guardrail-config.js';
import { installErrorTransfer } from '../worker/error-transfer.js';
import type { WorkerEngine, WorkerEvent } from '../worker/worker-engine.js';
import { ChatCompletions } from './chat-completions.js';
import { EventChannel } from './event-channel.js';

/** Dispatched on the engine for every guardrail event; `detail` is the event. */
export class GuardrailEngineEvent extends Event {
  constructor(readonly detail: GuardrailEvent) {
    super(detail.type);
  }
}

const promptExample = "{ prompt: 'Hello' }";
const streamOptionNames = [...generateOptionNames, 'signal', 'traceSink'];
const generateCallOptionNames = [...streamOptionNames, 'onToken', 'onGuardrail'];

/** How long `dispose` waits for the worker to free the models before it terminates a worker it created. */
const disposeGraceMs = 10_000;

/**
 * A loaded target (and draft) model pair running in a dedicated Web Worker. Create one with
 * {@link createSpeculo}; every method is safe to call again after an error or an abort.
 *
 * One call at a time: a generation or recalibration started while another runs is refused with
 * `EngineBusyError`, unless the running one was aborted (its signal, or `break` out of its stream), in which case
 * the new call waits for it to unwind and then runs. `dispose()` rejects every call still running or waiting
 * with `EngineDisposedError` at once.
 */
export class SpeculoEngine extends EventTarget {
  private nextRequestId = 1;
  private disposal: Promise<void> | null = null;
  /** Fails each call still in flight; dispose runs them all. */
  private readonly inFlight = new Set<(error: Error) => void>();
  /**
   * OpenAI's Chat Completions on this engine, as WebLLM offers them:
   * `await engine.chat.completions.create({ messages, stream: true, max_tokens: 64 })`. Same rules as `stream`.
   */
  readonly chat: { readonly completions: ChatCompletions };

  private constructor(
    private readonly worker: Worker,
    private readonly remote: Remote<WorkerEngine>,
    /** Backend, GPU adapter, the models' ids, dtypes and byte sizes, drafter costs, scheduler and guardrails. */
    readonly info: EngineInfo,
    private readonly ownsWorker: boolean,
  ) {
    super();
    this.chat = { completions: new ChatCompletions(this) };
  }

  /** Spawns the worker and loads the models in it. Prefer {@link createSpeculo}. */
  static async create(options: EngineOptions): Promise<SpeculoEngine> {
    validateEngineOptions(options);
    const { onProgress, worker: _worker, ...loadOptions } = options;
    assertCloneable(loadOptions, 'createSpeculo options');
    // Checked here as well as in the worker, so that a bad config fails before a worker starts.
    if (options.guardrails !== undefined) parseGuardrailConfig(options.guardrails);
    if (!options.worker && typeof Worker === 'undefined') {
      throw new UnsupportedEnvironmentError(
        'createSpeculo runs the models in a module Web Worker, and this environment has no Worker (Node?). Use it in a ' +
          'browser, or pass a worker created from speculo/worker as the worker option; in Node, run transformers.js directly.',
      );
    }
    installErrorTransfer();
    const ownsWorker = !options.worker;
    const worker = options.worker ?? new Worker(new URL('../worker/engine.worker.js', import.meta.url), { type: 'module', name: 'speculo' });
    const remote = wrap<WorkerEngine>(worker);
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
   * event with the result. Breaking out of the loop aborts the generation; the next call may start at once.
   */
  stream(options: StreamOptions): AsyncIterableIterator<SpeculoEvent> {
    const channel = new EventChannel<SpeculoEvent>();
    const signal = options?.signal;
    let generateOptions: GenerateOptions;
    try {
      this.assertUsable();
      assertOptionsObject(options, 'stream() options', promptExample);
      assertKnownKeys(options, streamOptionNames, 'stream() options');
      const { signal: _signal, traceSink, ...rest } = options;
      generateOptions = traceSink && !rest.trace ? { ...rest, trace: true } : rest;
      normalizeGenerateOptions(generateOptions);
      assertCloneable(generateOptions, 'options');
      if (signal?.aborted) throw signal.reason;
    } catch (error) {
      channel.fail(error);
      return channel;
    }
    const { traceSink } = options;
    const requestId = this.nextRequestId++;
    const close = () => {
      this.inFlight.delete(fail);
      signal?.removeEventListener('abort', abortFromSignal);
    };
    const fail = (error: unknown) => {
      close();
      channel.fail(error);
    };
    // fetch's contract: the call rejects at once with the signal's reason; the worker unwinds its round meanwhile,
    // and the next call waits for that instead of being refused.
    const abortInWorker = () => {
      if (!this.disposal) void this.remote.abort(requestId);
    };
    const abortFromSignal = () => {
      abortInWorker();
      fail(signal!.reason);
    };
    signal?.addEventListener('abort', abortFromSignal, { once: true });
    this.inFlight.add(fail);
    channel.onReturn = () => {
      close();
      abortInWorker();
    };
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
      .then(close, fail);
    return channel;
  }

  /**
   * Generates to the end and returns the result; `onToken` sees each round's tokens as they are committed and
   * `onGuardrail` each guardrail event.
   */
  async generate(options: GenerateCallOptions): Promise<GenerationResult> {
    assertOptionsObject(options, 'generate() options', promptExample);
    assertKnownKeys(options, generateCallOptionNames, 'generate() options');
    const { onToken, onGuardrail, ...streamOptions } = options;
    for await (const event of this.stream(streamOptions)) {
      if (event.type === 'done') return event.result;
      if (event.type === 'token') onToken?.(event);
      else onGuardrail?.(event.event);
    }
    throw new Error('the generation stream ended without a result');
  }

  /** Engine info as it is now (the n-gram cache's memory grows with use); `info` is the snapshot taken at load. */
  async currentInfo(): Promise<EngineInfo> {
    this.assertUsable();
    return this.track(this.remote.info());
  }

  /** Acceptance rate, mean acceptance length, acceptance by position and tokens/s over this engine's lifetime. */
  async telemetry(): Promise<LifetimeTelemetry> {
    this.assertUsable();
    return this.track(this.remote.lifetimeTelemetry());
  }

  /** The device profile the adaptive scheduler uses (export it with `JSON.stringify`); null when not calibrated. */
  async profile(): Promise<DeviceProfile | null> {
    this.assertUsable();
    return this.track(this.remote.profile());
  }

  /**
   * Resolves with the device profile once background calibration (the default `scheduler.calibrate`) has measured
   * this device and the adaptive policy uses it; at once when the profile was stored by an earlier visit, measured
   * eagerly, or calibration is off (then null). Until then adaptive calls decode with the target alone.
   */
  async calibrated(): Promise<DeviceProfile | null> {
    this.assertUsable();
    return this.track(this.remote.calibrated());
  }

  /**
   * Measures this device again (a few seconds), stores the profile in IndexedDB and uses it. Like a generation it
   * holds the engine: refused with EngineBusyError while a generation runs, and a generation started meanwhile is.
   */
  async recalibrate(onProgress?: (p: LoadProgress) => void): Promise<DeviceProfile> {
    this.assertUsable();
    return this.track(this.remote.recalibrate(onProgress ? proxy(onProgress) : undefined));
  }

  /** Uses a profile exported from another session on the same device and models; refused with the bad field named. */
  async importProfile(profile: unknown): Promise<DeviceProfile> {
    this.assertUsable();
    return this.track(this.remote.importProfile(typeof profile === 'string' ? JSON.parse(profile) : profile));
  }

  /**
   * Releases both models, their GPU buffers and the worker. A generation or recalibration still running or
   * waiting rejects at once with EngineDisposedError (a stream's next `next()` too); the worker finishes the pass
   * it is in before the models are freed. Calling it again returns the same promise.
   */
  dispose(): Promise<void> {
    this.disposal ??= this.release();
    return this.disposal;
  }

  private async release(): Promise<void> {
    const error = new EngineDisposedError('the engine was disposed while this call was running');
    for (const fail of [...this.inFlight]) fail(error);
    this.inFlight.clear();
    try {
      const disposed = this.remote.dispose();
      // A worker the engine created is terminated anyway, which frees everything it holds: never wait on it forever.
      await (this.ownsWorker ? Promise.race([disposed, new Promise((resolve) => setTimeout(resolve, disposeGraceMs))]) : disposed);
    } finally {
      this.remote[releaseProxy]();
      if (this.ownsWorker) this.worker.terminate();
    }
  }

  /** `promise`, or EngineDisposedError as soon as the engine is disposed. */
  private track<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.inFlight.add(reject);
      promise.then(resolve, reject).finally(() => this.inFlight.delete(reject));
    });
  }

  private assertUsable(): void {
    if (this.disposal) throw new EngineDisposedError('the engine was disposed');
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
