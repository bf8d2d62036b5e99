import type {
  Backend,
  LogitsPathOption,
  DeviceProfile,
  DeviceProfileKey,
  DrafterKind,
  EngineInfo,
  EngineOptions,
  GenerateOptions,
  GenerationResult,
  GuardrailConfig,
  LifetimeTelemetry,
  LoadProgress,
  StreamEvent,
  TraceSinkRecord,
} from '../types/index.js';
import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers';
import { validateEngineOptions } from '../api/validate-engine-options.js';
import { normalizeGenerateOptions, type NormalizedGenerateOptions } from '../api/validate-options.js';
import { SpeculativeDecoder } from '../decode/speculative-decoder.js';
import { EngineDisposedError, SpeculoError } from '../errors.js';
import { guardrailConfigHash, parseGuardrailConfig } from '../guard/guardrail-config.js';
import { calibrateProfile, ProfileSampler } from '../models/calibrate-profile.js';
import { architectureOf } from '../models/decoder-contract.js';
import { PassMeter } from '../models/pass-meter.js';
import { GpuLogitsReader } from '../gpu/gpu-logits.js';
import { CausalLmRunner, type LoadedCausalLM, type LogitsPath } from '../models/causal-lm-runner.js';
import { eosTokenIdsOf } from '../models/describe-model.js';
import { loadModelHeader, loadModelWeights, type LoadedModel } from '../models/load-model.js';
import { assertTransformersSharesOnnxRuntime, configureTransformers } from '../runtime/configure-transformers.js';
import { assertDtypeRunsOn, dtypeToLoad } from '../runtime/dtype-support.js';
import { ProfileStore } from '../runtime/profile-store.js';
import { selectBackend } from '../runtime/select-backend.js';
import { parseDeviceProfile, profileKeyId } from '../schedule/device-profile.js';
import { SpeculationController } from '../schedule/speculation-controller.js';
import { GpuCopyQueue } from '../kv/gpu-copy-queue.js';
import { EngineTelemetry, telemetryPromptKey } from '../trace/telemetry.js';
import { TraceRecorder } from '../trace/trace-recorder.js';
import { libraryVersion } from '../version.js';
import { DrafterSet } from './drafter-set.js';
import { ProgressRelay } from './progress-relay.js';
import { adapterIdentityOf, checkPair, draftFootprintOf, generationConfigOf, maxPositionsOf, modelInfoOf, tokenizePrompt } from './model-pair.js';
import { OperationSlot, type Claim } from './operation-slot.js';

/** A model loaded by the app with transformers.js, handed to {@link WorkerEngine.attach}. */
export interface AttachedModel {
  model: PreTrainedModel;
  tokenizer: PreTrainedTokenizer;
  /** Shown in info and traces; defaults to the config's name or path. */
  id?: string;
  dtype?: string;
}

/** Options that cross into the worker (callbacks travel separately). */
export type WorkerLoadOptions = Omit<EngineOptions, 'onProgress' | 'worker'>;

/** A trace record on its way to the caller's trace sink. */
export interface TraceRecordEvent {
  type: 'trace-record';
  record: TraceSinkRecord;
}

/**
 * Events the worker sends while generating: stream events, trace records for the caller's sink, and finally the
 * result. The result travels on the same port as the events so that it cannot overtake the last of them.
 */
export type WorkerEvent = StreamEvent | TraceRecordEvent | { type: 'result'; result: GenerationResult };

interface LoadedEngine {
  info: EngineInfo;
  target: LoadedModel;
  draft: LoadedModel | null;
  runners: { target: CausalLmRunner; draft: CausalLmRunner | null };
  /** Reads logits on the GPU for both runners; null off the GPU path. */
  gpuLogits: GpuLogitsReader | null;
  decoder: SpeculativeDecoder;
  drafters: DrafterSet;
  controls: SpeculationController;
  profileKey: DeviceProfileKey;
  revision: string;
}

/** Where models come from and how the engine schedules: the load options that outlive loading. */
interface Setup {
  backend: Backend;
  adapter: EngineInfo['adapter'];
  files: { target: Record<string, number>; draft: Record<string, number> };
  options: Pick<WorkerLoadOptions, 'scheduler' | 'drafter' | 'ngramCacheBytes' | 'revision' | 'logitsPath'>;
  guardrails: GuardrailConfig | null;
  onProgress?: (p: LoadProgress) => void;
}

/**
 * The engine as it lives inside the Web Worker: loads both models on one ORT WebGPU device, runs one call at a
 * time (see {@link OperationSlot}), and streams committed tokens back through a callback.
 */
export class WorkerEngine {
  private engine: LoadedEngine | null = null;
  private disposed = false;
  private readonly slot = new OperationSlot();
  private readonly telemetry = new EngineTelemetry();
  private readonly profiles = new ProfileStore();
  /** Background calibration still measuring, and how its waiters learn the outcome; null when none is pending. */
  private background: {
    sampler: ProfileSampler;
    /** A stretch is queued; `quietSince`: when the engine last became idle. */
    scheduled: boolean;
    quietSince: number;
    settle: (profile: DeviceProfile | null) => void;
    done: Promise<DeviceProfile | null>;
  } | null = null;

  async load(options: WorkerLoadOptions, onProgress?: (p: LoadProgress) => void): Promise<EngineInfo> {
    const progress = new ProgressRelay(onProgress);
    try {
      return await this.loadReporting(options, progress.report);
    } finally {
      await progress.delivered();
    }
  }

  private async loadReporting(options: WorkerLoadOptions, onProgress: (p: LoadProgress) => void): Promise<EngineInfo> {
    this.assertUnloaded();
    // Configuration errors first: nothing downloads for a config that would be refused anyway.
    validateEngineOptions(options as EngineOptions);
    const guardrails = options.guardrails === undefined ? null : parseGuardrailConfig(options.guardrails);
    configureTransformers(options);
    const { backend, adapter } = await selectBackend(options.device ?? 'auto');
    const dtypes = typeof options.dtype === 'object' ? options.dtype : { target: options.dtype, draft: options.dtype };
    const files = { target: {} as Record<string, number>, draft: {} as Record<string, number> };
    const common = { revision: options.revision, onProgress };

    // Configs and tokenizers first: an unsupported or mismatched pair is refused before any weights download.
    const targetHeader = await loadModelHeader({ ...common, id: options.target, role: 'target', files: files.target });
    const draftHeader = options.draft ? await loadModelHeader({ ...common, id: options.draft, role: 'draft', files: files.draft }) : null;
    checkPair(targetHeader, draftHeader);
    for (const [header, dtype] of [
      [targetHeader, dtypes.target],
      [draftHeader, dtypes.draft],
    ] as const) {
      if (!header) continue;
      const architecture = architectureOf(header.config);
      assertDtypeRunsOn({ role: header.role, id: header.id, dtype: dtypeToLoad(dtype, header.config, backend), architecture }, backend, adapter);
    }

    const target = await loadModelWeights(targetHeader, { ...common, id: options.target, role: 'target', files: files.target, backend, dtype: dtypes.target ?? 'auto' });
    let draft: LoadedModel | null;
    try {
      draft = draftHeader ? await loadModelWeights(draftHeader, { ...common, id: draftHeader.id, role: 'draft', files: files.draft, backend, dtype: dtypes.draft ?? 'auto' }) : null;
    } catch (e) {
      await target.model.dispose();
      throw e;
    }
    try {
      return await this.install(target, draft, { backend, adapter, files, options, guardrails, onProgress });
    } catch (e) {
      // The engine loaded these models: when install refuses them (an export speculation cannot drive) before the
      // engine holds them, nobody else can free them.
      if (!this.engine) {
        await target.model.dispose();
        await draft?.model.dispose();
      }
      throw e;
    }
  }

  /**
   * Uses models already loaded with transformers.js (AutoModelForCausalLM and AutoTokenizer, same `device` for
   * both) instead of loading them: for apps that run transformers.js in their own worker. The pair is checked as
   * in {@link load}. The engine takes ownership: {@link dispose} disposes the models.
   */
  async attach(target: AttachedModel, draft: AttachedModel | null, backend: Backend, options: Omit<WorkerLoadOptions, 'target' | 'draft'> = {}): Promise<EngineInfo> {
    this.assertUnloaded();
    assertTransformersSharesOnnxRuntime({ onlyOnWeb: true });
    const guardrails = options.guardrails === undefined ? null : parseGuardrailConfig(options.guardrails);
    const asLoaded = (m: AttachedModel, role: 'target' | 'draft'): LoadedModel => ({
      id: m.id ?? String((m.model.config as { _name_or_path?: string })._name_or_path ?? role),
      role,
      config: m.model.config as unknown as Record<string, unknown>,
      tokenizer: m.tokenizer,
      model: m.model,
      dtype: m.dtype ?? 'unknown',
    });
    const targetModel = asLoaded(target, 'target');
    const draftModel = draft ? asLoaded(draft, 'draft') : null;
    checkPair(targetModel, draftModel);
    const adapter = backend === 'webgpu' ? (await selectBackend('webgpu')).adapter : null;
    return this.install(targetModel, draftModel, { backend, adapter, files: { target: {}, draft: {} }, options, guardrails });
  }

  private async install(target: LoadedModel, draft: LoadedModel | null, setup: Setup): Promise<EngineInfo> {
    const { backend, adapter, files, options } = setup;
    // Constructing a runner checks the export against what speculation needs, so an unusable one is refused here,
    // at load, by name.
    // Both caches cut through one queue, so a round's cuts reach the GPU in one submission.
    const gpuCopies = backend === 'webgpu' ? await GpuCopyQueue.forOnnxRuntime() : null;
    // One meter for both models: a round's waits and reads are counted in one place.
    const meter = new PassMeter();
    const logitsPath = logitsPathFor(options.logitsPath ?? 'auto', backend);
    const gpuLogits = logitsPath === 'gpu' ? await GpuLogitsReader.forOnnxRuntime() : null;
    const runnerOptions = { gpuCopies, meter, logitsPath, gpuLogits } as const;
    const targetRunner = new CausalLmRunner(target.model as unknown as LoadedCausalLM, { name: `target model "${target.id}"`, ...runnerOptions });
    let draftRunner: CausalLmRunner | null;
    try {
      draftRunner = draft ? new CausalLmRunner(draft.model as unknown as LoadedCausalLM, { name: `draft model "${draft.id}"`, ...runnerOptions }) : null;
    } catch (e) {
      targetRunner.dispose();
      gpuLogits?.dispose();
      throw e;
    }
    const maxSequenceLength = Math.min(maxPositionsOf(target), draft ? maxPositionsOf(draft) : Infinity);
    const decoder = new SpeculativeDecoder({
      target: targetRunner,
      eosTokenIds: new Set(eosTokenIdsOf(generationConfigOf(target), target.config)),
      maxSequenceLength,
      decode: (ids) => (ids.length === 0 ? '' : target.tokenizer.decode(ids, { skip_special_tokens: true })),
      meter,
      yieldToEventLoop,
    });
    const footprint = draftRunner ? draftFootprintOf(files.draft, draftRunner, Math.min(maxSequenceLength, 4096)) : null;
    const drafters = new DrafterSet(draftRunner, options.ngramCacheBytes ?? 4 * 1024 * 1024, footprint);
    const defaultDrafter: DrafterKind = options.drafter ?? (draft ? 'model' : 'prompt-lookup');
    drafters.get(defaultDrafter);
    const controls = new SpeculationController(options.scheduler ?? {}, setup.guardrails);
    const profileKey: DeviceProfileKey = {
      adapter: adapterIdentityOf(adapter),
      backend,
      target: target.id,
      draft: draft?.id ?? 'none',
      dtype: `${target.dtype}/${draft?.dtype ?? 'none'}`,
    };
    const engine: LoadedEngine = {
      info: {
        backend,
        adapter,
        target: modelInfoOf(target, files.target),
        draft: draft ? modelInfoOf(draft, files.draft) : null,
        maxSequenceLength,
        drafters: drafters.kinds(),
        defaultDrafter,
        drafterCosts: drafters.costs(),
        scheduler: { policy: controls.defaultPolicy, profile: null, calibration: 'off' },
        guardrails: setup.guardrails ? { version: setup.guardrails.version, sha256: await guardrailConfigHash(setup.guardrails) } : null,
      },
      target,
      draft,
      runners: { target: targetRunner, draft: draftRunner },
      gpuLogits,
      decoder,
      drafters,
      controls,
      profileKey,
      revision: options.revision ?? 'main',
    };
    this.engine = engine;
    const calibrate = options.scheduler?.calibrate ?? 'background';
    if (controls.defaultPolicy === 'adaptive' && calibrate !== false) {
      const stored = await this.profiles.get(profileKeyId(profileKey));
      if (stored) controls.profile = stored;
      else if (calibrate === 'eager') controls.profile = await this.calibrate(engine, setup.onProgress);
      else this.startBackgroundCalibration(engine);
    }
    engine.info.scheduler.profile = controls.profile;
    engine.info.scheduler.calibration = controls.profile ? 'ready' : controls.calibrating ? 'measuring' : 'off';
    return engine.info;
  }

  /**
   * Runs one generation. Events go to `onEvent` as rounds commit; the promise resolves with the full result or
   * rejects (AbortError after {@link abort}); either way the engine is ready for the next call. Refused with
   * EngineBusyError while another call runs, unless that call was aborted: then this one waits for it to unwind.
   */
  async generate(requestId: number, options: GenerateOptions, onEvent?: (event: WorkerEvent) => void): Promise<GenerationResult> {
    this.loaded();
    const normalized = normalizeGenerateOptions(options);
    try {
      return await this.slot.run('generate', requestId, (claim) => this.generateHolding(this.loaded(), normalized, claim, onEvent));
    } finally {
      this.scheduleBackgroundCalibration();
    }
  }

  private async generateHolding(engine: LoadedEngine, normalized: NormalizedGenerateOptions, claim: Claim, onEvent?: (event: WorkerEvent) => void): Promise<GenerationResult> {
    // The vocabulary size was read once at load: building the vocabulary map again per call would cost O(vocab).
    const promptIds = tokenizePrompt(engine.target, engine.info.target.vocabSize, normalized);
    const speculative = normalized.speculative;
    const drafterKind = normalized.drafter ?? engine.info.defaultDrafter;
    const drafter = speculative && drafterKind ? engine.drafters.get(drafterKind) : null;
    const controller = drafter ? engine.controls.begin(normalized, drafter) : undefined;
    const policy = engine.controls.policyFor(normalized);
    const trace = normalized.trace ? await this.traceRecorder(engine, normalized, promptIds.length, policy, onEvent) : undefined;
    try {
      const run = engine.decoder.run({
        promptIds,
        maxNewTokens: normalized.maxNewTokens,
        sampling: { temperature: normalized.temperature, topK: normalized.topK, topP: normalized.topP },
        seed: normalized.seed,
        stop: normalized.stop,
        drafter,
        ...(controller ? { controller } : {}),
        observers: trace ? [this.telemetry, trace] : [this.telemetry],
        signal: claim,
      });
      let result: GenerationResult;
      try {
        for (;;) {
          const step = await run.next();
          if (step.done) {
            result = step.value;
            break;
          }
          onEvent?.(step.value);
        }
      } catch (error) {
        if (trace) await trace.finish().catch(() => undefined);
        throw error;
      }
      if (trace) result.trace = await trace.finish();
      engine.drafters.learnFrom(drafter, promptIds, result.tokenIds);
      const { temperature, topK, topP, seed, maxNewTokens, stop } = normalized;
      const key = await telemetryPromptKey({ prompt: promptText(normalized, promptIds), sampling: { temperature, topK, topP, seed, maxNewTokens, stop } });
      result.speedupAgainstBaseline = this.telemetry.record(result.metrics, key).speedupVsTargetOnly;
      onEvent?.({ type: 'result', result });
      return result;
    } finally {
      // A failed or aborted round can leave caches mid-round: start the next generation from empty caches.
      engine.runners.target.reset();
      engine.runners.draft?.reset();
    }
  }

  /** Aborts generation `requestId`, running or waiting for its turn; an id that already ended is ignored. */
  abort(requestId: number): void {
    this.slot.abort(requestId);
  }

  info(): EngineInfo {
    const engine = this.loaded();
    return { ...engine.info, drafterCosts: engine.drafters.costs() };
  }

  /** Aggregated acceptance and speed over this engine's lifetime. */
  lifetimeTelemetry(): LifetimeTelemetry {
    this.loaded();
    return this.telemetry.snapshot();
  }

  /** The device profile in use (null before calibration). */
  profile(): DeviceProfile | null {
    return this.loaded().controls.profile;
  }

  /**
   * Resolves with the profile in use once background calibration has finished (at once when none is pending), or
   * with null when the engine is disposed first or a timing pass failed (adaptive calls then run the static
   * `draftLength`, as with calibration off).
   */
  async calibrated(): Promise<DeviceProfile | null> {
    const engine = this.loaded();
    return this.background ? this.background.done : engine.controls.profile;
  }

  /** Measures the device again, stores and uses the new profile. */
  async recalibrate(onProgress?: (p: LoadProgress) => void): Promise<DeviceProfile> {
    this.loaded();
    return this.slot
      .run('calibrate', null, async (claim) => {
        const engine = this.loaded();
        const progress = new ProgressRelay(onProgress);
        const profile = await this.calibrate(engine, progress.report, claim).finally(() => progress.delivered());
        this.useProfile(engine, profile);
        return profile;
      })
      .finally(() => this.scheduleBackgroundCalibration());
  }

  /** Validates and uses a profile exported elsewhere (e.g. measured once per GPU model), storing it for reuse. */
  async importProfile(json: unknown): Promise<DeviceProfile> {
    const engine = this.loaded();
    const profile = parseDeviceProfile(json);
    if (profile.id !== profileKeyId(engine.profileKey)) {
      throw new RangeError(`the profile was measured for ${describeKey(profile.key)}, not for this engine's ${describeKey(engine.profileKey)}`);
    }
    await this.profiles.put(profile);
    this.useProfile(engine, profile);
    return profile;
  }

  /**
   * Aborts the running call and any waiting one (they reject with EngineDisposedError), waits for the running one
   * to unwind (at most one pass: freeing the models under a forward pass would crash it), then frees both models.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.slot.abortAllAndWait();
    this.settleBackground(null);
    const engine = this.engine;
    this.engine = null;
    this.profiles.close();
    if (!engine) return;
    engine.drafters.dispose();
    engine.runners.target.dispose();
    engine.runners.draft?.dispose();
    engine.gpuLogits?.dispose();
    await engine.target.model.dispose();
    await engine.draft?.model.dispose();
  }

  /** Puts `profile` in use; a background calibration still pending is settled with it (it is no longer needed). */
  private useProfile(engine: LoadedEngine, profile: DeviceProfile): void {
    engine.controls.profile = profile;
    engine.controls.calibrating = false;
    engine.info.scheduler.profile = profile;
    engine.info.scheduler.calibration = 'ready';
    this.settleBackground(profile);
  }

  private settleBackground(profile: DeviceProfile | null): void {
    const background = this.background;
    this.background = null;
    background?.settle(profile);
  }

  /**
   * Measures the device in the engine's idle moments: the first visit is ready as soon as the models are, and its
   * adaptive calls decode with the target alone until the profile is stored.
   */
  private startBackgroundCalibration(engine: LoadedEngine): void {
    const sampler = new ProfileSampler(engine.profileKey, engine.runners.target, engine.runners.draft, {
      yieldToEventLoop,
      warmUpMs: warmUpMsOf(engine.info.backend),
    });
    let settle!: (profile: DeviceProfile | null) => void;
    const done = new Promise<DeviceProfile | null>((resolve) => (settle = resolve));
    this.background = { sampler, scheduled: false, quietSince: performance.now(), settle, done };
    engine.controls.calibrating = true;
    this.scheduleBackgroundCalibration();
  }

  /**
   * Queues one stretch of background calibration once the engine has been idle for {@link backgroundIdleMs}: an app
   * often sends its first call right after loading, or the next one right after an answer, and a pass already
   * started must finish before a call can run (on a software GPU the first pass of a shape takes seconds).
   */
  private scheduleBackgroundCalibration(): void {
    const background = this.background;
    if (!background || this.disposed) return;
    background.quietSince = performance.now();
    if (background.scheduled) return;
    background.scheduled = true;
    const wake = (delayMs: number) =>
      setTimeout(() => {
        // A call that ended meanwhile restarts the quiet period.
        const quietMs = performance.now() - background.quietSince;
        if (quietMs < backgroundIdleMs) return wake(backgroundIdleMs - quietMs);
        background.scheduled = false;
        void this.calibrateWhileIdle();
      }, delayMs);
    wake(backgroundIdleMs);
  }

  private async calibrateWhileIdle(): Promise<void> {
    const engine = this.engine;
    const background = this.background;
    if (!engine || !background || this.disposed) return;
    let profile: DeviceProfile | null | undefined;
    try {
      // Undefined: a call holds the engine; it queues the next stretch when it ends.
      profile = await this.slot.runWhenIdle((claim) => background.sampler.run(claim));
      if (profile === undefined || profile === null || this.background !== background) return;
      await this.profiles.put(profile);
    } catch (error) {
      // Preempted by a call (it queues the next stretch when it ends), or disposed (settled below).
      if (!this.disposed && error instanceof DOMException && error.name === 'AbortError') return;
      if (!this.disposed) {
        // A model that fails a timing pass fails generations too, where the error reaches the caller; here the
        // schedule just stays as with calibration off.
        engine.controls.calibrating = false;
        engine.info.scheduler.calibration = 'off';
      }
      this.settleBackground(null);
      return;
    }
    if (!this.disposed && this.engine === engine) this.useProfile(engine, profile);
  }

  private async calibrate(engine: LoadedEngine, onProgress?: (p: LoadProgress) => void, signal?: { readonly aborted: boolean }): Promise<DeviceProfile> {
    const name = `${engine.profileKey.target} + ${engine.profileKey.draft} on ${engine.profileKey.backend}`;
    const profile = await calibrateProfile(engine.profileKey, engine.runners.target, engine.runners.draft, {
      yieldToEventLoop,
      signal,
      warmUpMs: warmUpMsOf(engine.info.backend),
      onStep: (loaded, total) => onProgress?.({ model: 'profile', name, file: 'device-profile', status: 'calibrate', loaded, total }),
    });
    await this.profiles.put(profile);
    return profile;
  }

  private async traceRecorder(
    engine: LoadedEngine,
    options: NormalizedGenerateOptions,
    promptTokens: number,
    policy: string,
    onEvent?: (event: WorkerEvent) => void,
  ): Promise<TraceRecorder> {
    const traceModel = (info: EngineInfo['target']) => ({ id: info.id, revision: engine.revision, dtype: info.dtype, files: info.files });
    const guardrails = engine.controls.guardrails;
    return TraceRecorder.create({
      libraryVersion,
      models: { target: traceModel(engine.info.target), draft: engine.info.draft ? traceModel(engine.info.draft) : null },
      runtime: { backend: engine.info.backend, adapter: engine.info.adapter },
      scheduler: { policy, profileId: engine.controls.profile?.id ?? null },
      guardrails,
      prompt: promptText(options, null),
      promptTokens,
      sampling: {
        temperature: options.temperature,
        topK: options.topK,
        topP: options.topP,
        seed: options.seed,
        maxNewTokens: options.maxNewTokens,
        stop: options.stop,
        draftLength: options.draftLength,
        speculative: options.speculative,
      },
      redactPrompt: options.trace?.redactPrompt ?? false,
      ...(options.trace?.redactOutput === undefined ? {} : { redactOutput: options.trace.redactOutput }),
      sink: onEvent ? (record) => onEvent({ type: 'trace-record', record }) : undefined,
    });
  }

  private loaded(): LoadedEngine {
    if (this.disposed) throw new EngineDisposedError('the engine was disposed');
    if (!this.engine) throw new SpeculoError('the engine has no models loaded');
    return this.engine;
  }

  private assertUnloaded(): void {
    if (this.disposed) throw new EngineDisposedError('the engine was disposed');
    if (this.engine) throw new SpeculoError('the engine is already loaded; create another engine for other models');
  }
}

/** The prompt as the trace and telemetry key see it; pre-tokenized prompts are described by their ids. */
function promptText(options: NormalizedGenerateOptions, promptIds: number[] | null): string | { role: 'user'; content: string }[] {
  if (options.messages) return options.messages as { role: 'user'; content: string }[];
  if (options.prompt !== null) return options.prompt;
  return `[token ids] ${(options.promptIds ?? promptIds ?? []).join(' ')}`;
}

function describeKey(key: DeviceProfileKey): string {
  const adapter = key.adapter ? `${key.adapter.vendor}/${key.adapter.architecture}` : 'no adapter';
  return `${key.target} + ${key.draft} (${key.dtype}) on ${key.backend}, ${adapter}`;
}

/**
 * A macrotask hop so that comlink can deliver an abort between rounds, even when ORT resolves synchronously. One
 * channel for the worker's life, held by this module, rather than one per round: no allocation per round, and no
 * port that only its own pending message keeps alive.
 */
/** How long the engine must have been idle before background calibration takes a stretch of passes. */
const backgroundIdleMs = 1000;

/** Measured on WASM: profiles taken in the first ~3 s after loading ran 2–3× slow with spurious steps. */
function warmUpMsOf(backend: Backend): number {
  return backend === 'wasm' ? 3000 : 1000;
}

const yieldToEventLoop: () => Promise<void> = (() => {
  const waiting: (() => void)[] = [];
  let channel: MessageChannel | null = null;
  return (): Promise<void> => {
    if (!channel) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => waiting.shift()?.();
    }
    const port = channel.port2;
    return new Promise((resolve) => {
      waiting.push(resolve);
      port.postMessage(null);
    });
  };
})();

/** The path a runner takes for the engine's `logitsPath` option on `backend`. */
function logitsPathFor(option: LogitsPathOption, backend: Backend): LogitsPath {
  if (option === 'auto') return backend === 'webgpu' ? 'gpu' : 'host';
  if (option === 'gpu' && backend !== 'webgpu') {
    throw new RangeError(`logitsPath 'gpu' needs the WebGPU backend, and this engine runs on ${backend}: use 'auto' or 'host'`);
  }
  return option;
}
