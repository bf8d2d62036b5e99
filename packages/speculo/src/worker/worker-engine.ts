import { env as ortEnv } from 'onnxruntime-web/webgpu';
import type { EngineInfo, EngineOptions, LoadProgress, ModelInfo } from '../api/types.js';
import { normalizeGenerateOptions, type GenerateOptions } from '../api/validate-options.js';
import { assertCompatiblePair, assertSupportedArchitecture } from '../compat/compatibility.js';
import { SpeculativeDecoder } from '../decode/speculative-decoder.js';
import type { GenerationResult, StreamEvent } from '../decode/types.js';
import { ModelDrafter } from '../draft/model-drafter.js';
import { EngineBusyError, EngineDisposedError, SpeculoError } from '../errors.js';
import { CausalLmRunner, type LoadedCausalLM } from '../models/causal-lm-runner.js';
import { describeModel, eosTokenIdsOf } from '../models/describe-model.js';
import { loadModelHeader, loadModelWeights, type LoadedModel, type ModelHeader } from '../models/load-model.js';
import { configureTransformers } from '../runtime/configure-transformers.js';
import { selectBackend } from '../runtime/select-backend.js';

/** Options that cross into the worker (callbacks travel separately). */
export type WorkerLoadOptions = Omit<EngineOptions, 'onProgress' | 'worker'>;

interface LoadedPair {
  info: EngineInfo;
  target: LoadedModel;
  draft: LoadedModel | null;
  decoder: SpeculativeDecoder;
  runners: CausalLmRunner[];
}

/**
 * The engine as it lives inside the Web Worker: loads both models on one ORT WebGPU device, runs one generation
 * at a time, and streams committed tokens back through a callback.
 */
export class WorkerEngine {
  private pair: LoadedPair | null = null;
  private disposed = false;
  private running: { id: number; aborted: boolean } | null = null;

  async load(options: WorkerLoadOptions, onProgress?: (p: LoadProgress) => void): Promise<EngineInfo> {
    this.assertUsable();
    if (this.pair) throw new SpeculoError('the engine is already loaded; create another engine for other models');
    configureTransformers(options);
    const { backend, adapter } = await selectBackend(options.device ?? 'auto');
    const dtypes = typeof options.dtype === 'object' ? options.dtype : { target: options.dtype, draft: options.dtype };
    const files = { target: {} as Record<string, number>, draft: {} as Record<string, number> };
    const common = { revision: options.revision, onProgress };

    // Configs and tokenizers first: an unsupported or mismatched pair is refused before any weights download.
    const targetHeader = await loadModelHeader({ ...common, id: options.target, role: 'target', files: files.target });
    const draftHeader = options.draft ? await loadModelHeader({ ...common, id: options.draft, role: 'draft', files: files.draft }) : null;
    checkPair(targetHeader, draftHeader);

    const target = await loadModelWeights(targetHeader, { ...common, id: options.target, role: 'target', files: files.target, backend, dtype: dtypes.target ?? 'auto' });
    let draft: LoadedModel | null = null;
    try {
      draft = draftHeader
        ? await loadModelWeights(draftHeader, { ...common, id: draftHeader.id, role: 'draft', files: files.draft, backend, dtype: dtypes.draft ?? 'auto' })
        : null;
    } catch (e) {
      await target.model.dispose();
      throw e;
    }

    const targetRunner = new CausalLmRunner(target.model as unknown as LoadedCausalLM);
    const draftRunner = draft ? new CausalLmRunner(draft.model as unknown as LoadedCausalLM) : null;
    const maxSequenceLength = Math.min(maxPositions(target), draft ? maxPositions(draft) : Infinity);
    const gpuDevice = backend === 'webgpu' ? ((await ortEnv.webgpu.device) as GPUDevice) : null;
    const decoder = new SpeculativeDecoder({
      target: targetRunner,
      drafter: draftRunner ? new ModelDrafter(draftRunner) : null,
      eosTokenIds: new Set(eosTokenIdsOf(generationConfigOf(target), target.config)),
      maxSequenceLength,
      decode: (ids) => (ids.length === 0 ? '' : target.tokenizer.decode(ids, { skip_special_tokens: true })),
      gpuDevice,
      yieldToEventLoop,
    });
    const info: EngineInfo = {
      backend,
      adapter,
      target: modelInfo(target, files.target),
      draft: draft ? modelInfo(draft, files.draft) : null,
      maxSequenceLength,
    };
    this.pair = { info, target, draft, decoder, runners: draftRunner ? [targetRunner, draftRunner] : [targetRunner] };
    return info;
  }

  /**
   * Runs one generation. Events go to `onEvent` as rounds commit; the promise resolves with the full result or
   * rejects (AbortError after {@link abort}); either way the engine is ready for the next call.
   */
  async generate(requestId: number, options: GenerateOptions, onEvent?: (event: StreamEvent) => void): Promise<GenerationResult> {
    this.assertUsable();
    const pair = this.pair;
    if (!pair) throw new SpeculoError('the engine has no models loaded');
    if (this.running) throw new EngineBusyError(`generation ${this.running.id} is still running; await it or abort it first`);
    const normalized = normalizeGenerateOptions(options);
    const promptIds = tokenizePrompt(pair.target, normalized);
    const request = { id: requestId, aborted: false };
    this.running = request;
    try {
      const run = pair.decoder.run({
        promptIds,
        maxNewTokens: normalized.maxNewTokens,
        sampling: { temperature: normalized.temperature, topK: normalized.topK, topP: normalized.topP },
        seed: normalized.seed,
        stop: normalized.stop,
        draftLength: normalized.draftLength,
        speculative: normalized.speculative && pair.draft !== null,
        signal: request,
      });
      for (;;) {
        const step = await run.next();
        if (step.done) return step.value;
        onEvent?.(step.value);
      }
    } finally {
      this.running = null;
      // A failed or aborted round can leave caches mid-round: start the next generation from empty caches.
      for (const runner of pair.runners) runner.reset();
    }
  }

  /** Aborts generation `requestId` if it is the one running. */
  abort(requestId: number): void {
    if (this.running?.id === requestId) this.running.aborted = true;
  }

  info(): EngineInfo {
    this.assertUsable();
    if (!this.pair) throw new SpeculoError('the engine has no models loaded');
    return this.pair.info;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.running) this.running.aborted = true;
    const pair = this.pair;
    this.pair = null;
    if (!pair) return;
    for (const runner of pair.runners) runner.dispose();
    await pair.target.model.dispose();
    await pair.draft?.model.dispose();
  }

  private assertUsable(): void {
    if (this.disposed) throw new EngineDisposedError('the engine was disposed');
  }
}

function checkPair(target: ModelHeader, draft: ModelHeader | null): void {
  const targetDescription = describeModel(target, eosTokenIdsOf(null, target.config));
  assertSupportedArchitecture(targetDescription);
  if (!draft) return;
  const draftDescription = describeModel(draft, eosTokenIdsOf(null, draft.config));
  assertSupportedArchitecture(draftDescription);
  assertCompatiblePair(targetDescription, draftDescription);
}

function tokenizePrompt(model: LoadedModel, options: ReturnType<typeof normalizeGenerateOptions>): number[] {
  const { tokenizer } = model;
  if (options.promptIds) {
    const vocabSize = pairVocabSize(model);
    const outside = options.promptIds.find((id) => id >= vocabSize);
    if (outside !== undefined) throw new RangeError(`promptIds holds token id ${outside}, outside the target's vocabulary of ${vocabSize}`);
    return options.promptIds;
  }
  if (options.messages) {
    const ids = tokenizer.apply_chat_template(options.messages, { add_generation_prompt: true, tokenize: true, return_tensor: false, return_dict: false });
    return Array.from(ids as unknown as number[]);
  }
  return tokenizer.encode(options.prompt!);
}

function pairVocabSize(model: LoadedModel): number {
  const vocab = model.tokenizer.get_vocab() as Map<string, number> | Record<string, number>;
  return vocab instanceof Map ? vocab.size : Object.keys(vocab).length;
}

function generationConfigOf(model: LoadedModel): Record<string, unknown> | null {
  return (model.model as unknown as { generation_config?: Record<string, unknown> | null }).generation_config ?? null;
}

function maxPositions(model: LoadedModel): number {
  const value = model.config['max_position_embeddings'] ?? model.config['n_positions'];
  return typeof value === 'number' && value > 0 ? value : Number.MAX_SAFE_INTEGER;
}

function modelInfo(model: LoadedModel, files: Record<string, number>): ModelInfo {
  return {
    id: model.id,
    modelType: String(model.config['model_type'] ?? 'unknown'),
    dtype: model.dtype,
    vocabSize: pairVocabSize(model),
    bytes: Object.values(files).reduce((a, b) => a + b, 0),
    files: { ...files },
  };
}

/** A macrotask hop so that comlink can deliver an abort between rounds, even when ORT resolves synchronously. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
