import { Tensor, type InferenceSession } from 'onnxruntime-web/webgpu';
import { KvCache, type CacheSlot } from '../kv/kv-cache.js';
import type { GpuCopyBatch } from '../kv/gpu-copy-batch.js';

/** The part of a transformers.js causal LM that the runner needs: its decoder session and config. */
export interface LoadedCausalLM {
  sessions: Record<string, InferenceSession>;
  config: {
    model_type?: string;
    vocab_size?: number;
    normalized_config?: { num_heads?: number; dim_kv?: number };
    max_position_embeddings?: number;
    [key: string]: unknown;
  };
}

/** Logits of one forward pass: `rows` positions of `vocabSize` floats each, in one contiguous array. */
export interface ForwardLogits {
  readonly data: Float32Array;
  readonly rows: number;
  readonly vocabSize: number;
}

/** Returns row `i` of a logits block without copying. */
export function logitsRow(logits: ForwardLogits, i: number): Float32Array {
  return logits.data.subarray(i * logits.vocabSize, (i + 1) * logits.vocabSize);
}

/**
 * Runs one causal LM's decoder session token-chunk by token-chunk over its own KV cache. It calls ORT directly
 * (not transformers.js's forward) so that it owns every cache tensor and can cut the cache back after a
 * rejected speculation.
 */
export class CausalLmRunner {
  readonly cache: KvCache;
  private readonly session: InferenceSession;
  private readonly wantsPositionIds: boolean;
  private readonly wantsLogitsToKeep: boolean;
  private readonly wantsCacheBranch: boolean;

  constructor(model: LoadedCausalLM) {
    const session = model.sessions['model'] ?? model.sessions['decoder_model_merged'];
    if (!session) throw new Error('the model has no decoder session ("model" or "decoder_model_merged")');
    this.session = session;
    this.cache = new KvCache(findCacheSlots(session, model.config));
    this.wantsPositionIds = session.inputNames.includes('position_ids');
    this.wantsLogitsToKeep = session.inputNames.includes('num_logits_to_keep');
    this.wantsCacheBranch = session.inputNames.includes('use_cache_branch');
  }

  /** Positions already in the cache. */
  get length(): number {
    return this.cache.length;
  }

  /**
   * Feeds `tokens` after what the cache holds and returns the logits at every fed position; the cache grows by
   * `tokens.length`. With `lastOnly`, only the last row is copied out (prefill, draft steps).
   */
  async forward(tokens: readonly number[], lastOnly = false): Promise<ForwardLogits> {
    if (tokens.length === 0) throw new Error('forward needs at least one token');
    const past = this.cache.length;
    const total = past + tokens.length;
    const feeds: Record<string, Tensor> = {
      input_ids: new Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, tokens.length]),
      attention_mask: new Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      ...this.cache.feeds(),
    };
    if (this.wantsPositionIds) {
      const positions = new BigInt64Array(tokens.length);
      for (let i = 0; i < tokens.length; i++) positions[i] = BigInt(past + i);
      feeds['position_ids'] = new Tensor('int64', positions, [1, tokens.length]);
    }
    // 0 asks exports that support it for logits at every position, which verification needs.
    if (this.wantsLogitsToKeep) feeds['num_logits_to_keep'] = new Tensor('int64', BigInt64Array.of(lastOnly ? 1n : 0n), []);
    if (this.wantsCacheBranch) feeds['use_cache_branch'] = new Tensor('bool', Uint8Array.of(past > 0 ? 1 : 0), [1]);

    const outputs = (await this.session.run(feeds)) as Record<string, Tensor>;
    this.cache.adopt(outputs);
    const logitsTensor = outputs['logits'];
    if (!logitsTensor) throw new Error('the model returned no "logits" output');
    const logits = await readLogits(logitsTensor, lastOnly);
    logitsTensor.dispose();
    return logits;
  }

  /** Cuts the cache back to its first `keep` positions (GPU copies are queued on `batch`). */
  truncate(keep: number, batch: GpuCopyBatch | null): void {
    this.cache.truncate(keep, batch);
  }

  reset(): void {
    this.cache.reset();
  }

  dispose(): void {
    this.cache.dispose();
  }
}

/** Float16Array exists only in newer runtimes (and TypeScript's newest lib). */
const Float16 = (globalThis as { Float16Array?: new (n: number) => unknown }).Float16Array;

async function readLogits(tensor: Tensor, lastOnly: boolean): Promise<ForwardLogits> {
  const [, rowsAll, vocabSize] = tensor.dims as [number, number, number];
  const raw = tensor.location === 'cpu' ? tensor.data : await tensor.getData();
  const firstRow = lastOnly ? rowsAll - 1 : 0;
  const rows = rowsAll - firstRow;
  let data: Float32Array;
  if (raw instanceof Float32Array) {
    data = raw.subarray(firstRow * vocabSize);
  } else if (raw instanceof Uint16Array) {
    data = float16ToFloat32(raw.subarray(firstRow * vocabSize));
  } else if (Float16 && raw instanceof Float16) {
    data = Float32Array.from((raw as unknown as Float32Array).subarray(firstRow * vocabSize));
  } else {
    throw new Error(`unsupported logits type ${tensor.type}`);
  }
  return { data, rows, vocabSize };
}

function float16ToFloat32(half: Uint16Array): Float32Array {
  const out = new Float32Array(half.length);
  for (let i = 0; i < half.length; i++) {
    const h = half[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    out[i] =
      exponent === 0
        ? sign * 2 ** -14 * (fraction / 1024)
        : exponent === 31
          ? fraction ? NaN : sign * Infinity
          : sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return out;
}

/** Pairs each `past_key_values.*` input with its `present.*` output and reads the head layout. */
export function findCacheSlots(session: InferenceSession, config: LoadedCausalLM['config']): CacheSlot[] {
  const slots: CacheSlot[] = [];
  for (const meta of session.inputMetadata) {
    if (!meta.name.startsWith('past_key_values.')) continue;
    const outputName = meta.name.replace('past_key_values.', 'present.');
    if (!session.outputNames.includes(outputName)) {
      throw new Error(`cache input "${meta.name}" has no matching output "${outputName}"`);
    }
    const shape = meta.isTensor ? meta.shape : [];
    const heads = typeof shape[1] === 'number' ? shape[1] : config.normalized_config?.num_heads;
    const headDim = typeof shape[3] === 'number' ? shape[3] : config.normalized_config?.dim_kv;
    const type = meta.isTensor ? meta.type : 'float32';
    if (!heads || !headDim) throw new Error(`cannot tell the head layout of cache input "${meta.name}"`);
    if (type !== 'float32' && type !== 'float16') throw new Error(`cache input "${meta.name}" has unsupported type ${type}`);
    slots.push({ inputName: meta.name, outputName, heads, headDim, dataType: type });
  }
  return slots;
}
