import type { InferenceSession } from 'onnxruntime-web/webgpu';
import { UnsupportedModelError } from '../errors.js';
import type { CacheSlot } from '../kv/kv-cache.js';

/** What the contract check reads of an ORT session: its declared inputs and outputs. */
export type DecoderSession = Pick<InferenceSession, 'inputNames' | 'outputNames' | 'inputMetadata' | 'outputMetadata'>;

/** The config.json fields the runner reads (transformers.js adds `normalized_config`). */
export interface DecoderConfig {
  model_type?: string;
  architectures?: string[];
  vocab_size?: number;
  hidden_size?: number;
  num_attention_heads?: number;
  num_key_value_heads?: number;
  head_dim?: number;
  normalized_config?: { num_heads?: number; dim_kv?: number };
  max_position_embeddings?: number;
  [key: string]: unknown;
}

/** What a decoder session offers the runner, once {@link checkDecoderContract} has accepted it. */
export interface DecoderContract {
  readonly cacheSlots: CacheSlot[];
  /**
   * Columns of a logits row: the `logits` output's declared last dimension, else config.json's `vocab_size`;
   * null when neither says (the runner then learns it from the first pass).
   */
  readonly vocabSize: number | null;
  /** Bytes per logit as ORT returns them: 2 for fp16 logits, else 4. */
  readonly bytesPerLogit: 2 | 4;
  readonly hasPositionIds: boolean;
  /** Exports with this input compute logits only for the last N positions when asked (0 = every position). */
  readonly hasLogitsToKeep: boolean;
  readonly hasCacheBranch: boolean;
}

const cacheInputPrefix = 'past_key_values.';
const cacheOutputPrefix = 'present.';

/**
 * Checks, from the session's declared inputs and outputs alone, that speculative decoding can drive this decoder,
 * so that an unusable export is refused while the engine loads rather than in the middle of a generation:
 * - the logits cover every fed position: verification scores all γ drafted tokens in one pass (an LM head pruned to
 *   the last position, `[batch, 1, vocab]`, is refused unless a `num_logits_to_keep` input lets the runner ask for
 *   every position);
 * - every cache input grows along the sequence axis (a fixed-size windowed or static cache cannot be cut back to a
 *   prefix after rejected drafts) and has a `present.*` output that refreshes it;
 * - the head layout of every cache input is known (see {@link findCacheSlots}).
 * `modelName` says which model in messages, e.g. `target model "onnx-community/Qwen2.5-1.5B-Instruct"`.
 * @throws {UnsupportedModelError} naming the model, what was found, why it cannot be used and what to use instead.
 */
export function checkDecoderContract(session: DecoderSession, config: DecoderConfig, modelName: string): DecoderContract {
  const architecture = architectureOf(config);
  const refuse = (message: string) => new UnsupportedModelError(`${modelName} ${message}`, architecture);
  if (!session.inputNames.includes('input_ids')) {
    throw refuse(`has no "input_ids" input (inputs: ${session.inputNames.join(', ')}); the engine feeds token ids. ` + 'Use an export that includes the embedding layer.');
  }
  const hasLogitsToKeep = session.inputNames.includes('num_logits_to_keep');
  if (!session.outputNames.includes('logits')) {
    throw refuse(
      `has no "logits" output (outputs: ${session.outputNames.join(', ')}); the engine reads each next-token ` +
        'distribution from it. Use an export that includes the language-modelling head.',
    );
  }
  const logits = session.outputMetadata.find((meta) => meta.name === 'logits');
  const logitsShape = logits?.isTensor ? logits.shape : [];
  if (logits?.isTensor && logits.type !== 'float32' && logits.type !== 'float16') {
    throw refuse(`has "${logits.type}" logits; the engine reads float32 or float16 logits. Use an fp32 or fp16 export.`);
  }
  if (logitsShape.length === 3 && logitsShape[1] === 1 && !hasLogitsToKeep) {
    throw refuse(
      `returns logits for the last position only: output "logits" is declared ${describeShape(logitsShape)}. ` +
        'Speculative decoding scores every drafted token in one pass and needs logits at every fed position, so ' +
        'an export whose language-modelling head is pruned to the last token cannot verify drafts. Use an export ' +
        'whose logits are [batch_size, sequence_length, vocab] (transformers.js/Optimum exports such as the ' +
        'onnx-community models), or one with a num_logits_to_keep input.',
    );
  }

  for (const meta of session.inputMetadata) {
    if (!meta.name.startsWith(cacheInputPrefix) || !meta.isTensor) continue;
    const window = meta.shape[2];
    if (typeof window === 'number') {
      throw refuse(
        `has a fixed-size KV cache of ${window} positions (windowed or static): input "${meta.name}" is declared ` +
          `${describeShape(meta.shape)}. After rejected drafts speculative decoding cuts the cache back to the ` +
          'accepted prefix, which a cache of fixed size (a sliding window or a static buffer) cannot do. Use an ' +
          'export whose cache grows with the sequence, declared [batch_size, kv_heads, past_sequence_length, ' +
          "head_dim] (transformers.js/Optimum exports, or onnxruntime-genai's builder without a sliding-window or " +
          'static cache).',
      );
    }
  }

  const declaredVocab = logitsShape.length === 3 ? logitsShape[2] : undefined;
  const vocabSize = typeof declaredVocab === 'number' && declaredVocab > 0 ? declaredVocab : (positiveInteger(config.vocab_size) ?? null);
  return {
    cacheSlots: findCacheSlots(session, config, modelName),
    vocabSize,
    bytesPerLogit: logits?.isTensor && logits.type === 'float16' ? 2 : 4,
    hasPositionIds: session.inputNames.includes('position_ids'),
    hasLogitsToKeep,
    hasCacheBranch: session.inputNames.includes('use_cache_branch'),
  };
}

/**
 * Pairs each `past_key_values.*` input with its `present.*` output and reads the head layout. Numeric dims of the
 * declared shape come first; where an export names them instead (onnxruntime-genai's builder can declare the head
 * dimension as `kv_cache_dim`), config.json says: key/value heads from `num_key_value_heads`, the head dimension
 * from `head_dim`; then transformers.js's `normalized_config`, its per-architecture reading of the same fields;
 * then what the attention heads imply (`num_attention_heads`, `hidden_size / num_attention_heads`), which holds
 * only for models without grouped-query attention or a separate head size, so it comes last.
 * @throws {UnsupportedModelError} naming the cache input and the config fields looked for, when neither says.
 */
export function findCacheSlots(session: DecoderSession, config: DecoderConfig, modelName = 'the model'): CacheSlot[] {
  const architecture = architectureOf(config);
  const slots: CacheSlot[] = [];
  for (const meta of session.inputMetadata) {
    if (!meta.name.startsWith(cacheInputPrefix)) continue;
    const outputName = cacheOutputPrefix + meta.name.slice(cacheInputPrefix.length);
    if (!session.outputNames.includes(outputName)) {
      throw new UnsupportedModelError(
        `${modelName} has cache input "${meta.name}" but no output "${outputName}" to refresh it; the engine needs ` +
          'each pass to return the grown cache. Use an export with present.* outputs.',
        architecture,
      );
    }
    const shape = meta.isTensor ? meta.shape : [];
    const type = meta.isTensor ? meta.type : 'float32';
    if (type !== 'float32' && type !== 'float16') {
      throw new UnsupportedModelError(`${modelName} has a ${type} cache input "${meta.name}"; the engine keeps float32 or float16 caches.`, architecture);
    }
    const heads = numericDim(shape[1]) ?? kvHeadsFromConfig(config);
    const headDim = numericDim(shape[3]) ?? headDimFromConfig(config);
    if (heads === undefined || headDim === undefined) {
      const missing = [
        heads === undefined ? 'its key/value heads (dim 1) from num_key_value_heads, normalized_config.num_heads or num_attention_heads' : null,
        headDim === undefined ? 'its head dimension (dim 3) from head_dim, normalized_config.dim_kv or hidden_size / num_attention_heads' : null,
      ].filter((part) => part !== null);
      throw new UnsupportedModelError(
        `${modelName}: cannot tell the head layout of cache input "${meta.name}", declared ${describeShape(shape)}: ` +
          `config.json does not give ${missing.join(', nor ')}. Add those fields to config.json, or use an export ` +
          'that declares the cache dims as numbers.',
        architecture,
      );
    }
    slots.push({ inputName: meta.name, outputName, heads, headDim, dataType: type });
  }
  return slots;
}

/** The name UnsupportedModelError reports: the first architecture, else the model type. */
export function architectureOf(config: DecoderConfig): string {
  return (Array.isArray(config.architectures) ? config.architectures[0] : undefined) ?? config.model_type ?? 'unknown';
}

function kvHeadsFromConfig(config: DecoderConfig): number | undefined {
  return positiveInteger(config.num_key_value_heads) ?? positiveInteger(config.normalized_config?.num_heads) ?? positiveInteger(config.num_attention_heads);
}

function headDimFromConfig(config: DecoderConfig): number | undefined {
  const explicit = positiveInteger(config.head_dim) ?? positiveInteger(config.normalized_config?.dim_kv);
  if (explicit !== undefined) return explicit;
  const hidden = positiveInteger(config.hidden_size);
  const heads = positiveInteger(config.num_attention_heads);
  return hidden !== undefined && heads !== undefined ? positiveInteger(hidden / heads) : undefined;
}

function numericDim(dim: number | string | undefined): number | undefined {
  return typeof dim === 'number' && dim > 0 ? dim : undefined;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function describeShape(shape: ReadonlyArray<number | string>): string {
  return `[${shape.join(', ')}]`;
}
