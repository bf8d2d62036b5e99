import type { EngineInfo, ModelInfo } from '../types/engine.js';
import type { NormalizedGenerateOptions } from '../api/validate-options.js';
import { assertCompatiblePair, assertSupportedArchitecture } from '../compat/compatibility.js';
import type { CausalLmRunner } from '../models/causal-lm-runner.js';
import { describeModel, eosTokenIdsOf } from '../models/describe-model.js';
import type { LoadedModel, ModelHeader } from '../models/load-model.js';
import type { ModelDraftFootprint } from './drafter-set.js';

/** Refuses unsupported architectures and pairs that do not share a tokenizer, from configs and tokenizers alone. */
export function checkPair(target: ModelHeader, draft: ModelHeader | null): void {
  const targetDescription = describeModel(target, eosTokenIdsOf(null, target.config));
  assertSupportedArchitecture(targetDescription);
  if (!draft) return;
  const draftDescription = describeModel(draft, eosTokenIdsOf(null, draft.config));
  assertSupportedArchitecture(draftDescription);
  assertCompatiblePair(targetDescription, draftDescription);
}

/** The prompt as target token ids: given ids as they are, chat messages through the chat template, or text. */
export function tokenizePrompt(model: LoadedModel, vocabSize: number, options: NormalizedGenerateOptions): number[] {
  const { tokenizer } = model;
  if (options.promptIds) {
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

export function vocabSizeOf(model: LoadedModel): number {
  const vocab = model.tokenizer.get_vocab() as Map<string, number> | Record<string, number>;
  return vocab instanceof Map ? vocab.size : Object.keys(vocab).length;
}

export function generationConfigOf(model: LoadedModel): Record<string, unknown> | null {
  return (model.model as unknown as { generation_config?: Record<string, unknown> | null }).generation_config ?? null;
}

/** The model's context limit from config.json; unlimited when it states none. */
export function maxPositionsOf(model: LoadedModel): number {
  const value = model.config['max_position_embeddings'] ?? model.config['n_positions'];
  return typeof value === 'number' && value > 0 ? value : Number.MAX_SAFE_INTEGER;
}

export function modelInfoOf(model: LoadedModel, files: Record<string, number>): ModelInfo {
  return {
    id: model.id,
    modelType: String(model.config['model_type'] ?? 'unknown'),
    dtype: model.dtype,
    vocabSize: vocabSizeOf(model),
    bytes: Object.values(files).reduce((a, b) => a + b, 0),
    files: { ...files },
  };
}

/** The draft model's footprint for the cost report: files, weights, and KV cache at `contextTokens`. */
export function draftFootprintOf(files: Record<string, number>, runner: CausalLmRunner, contextTokens: number): ModelDraftFootprint {
  const kvBytesPerToken = runner.cache.bytesPerToken;
  const weightBytes = Object.entries(files)
    .filter(([name]) => /\.onnx(_data)?$/.test(name))
    .reduce((sum, [, bytes]) => sum + bytes, 0);
  return { fileBytes: Object.values(files).reduce((a, b) => a + b, 0), weightBytes, kvBytesPerToken, contextTokens };
}

/** The adapter identity a device profile is keyed by. */
export function adapterIdentityOf(adapter: EngineInfo['adapter']) {
  return adapter ? { vendor: adapter.vendor, architecture: adapter.architecture, device: adapter.device, description: adapter.description } : null;
}
