import { Tensor } from 'onnxruntime-web/webgpu';
import { UnsupportedModelError } from '../errors.js';
import type { GpuCopyQueue } from './gpu-copy-queue.js';

/** One cache input of the model and the output that refreshes it, e.g. past_key_values.0.key ← present.0.key. */
export interface CacheSlot {
  readonly inputName: string;
  readonly outputName: string;
  /** Declared [batch, heads, past_sequence_length, head_dim] with the numeric dims read from the model. */
  readonly heads: number;
  readonly headDim: number;
  readonly dataType: 'float32' | 'float16';
}

/** Bytes of one cache element of each data type. */
export const bytesPerElement = { float32: 4, float16: 2 } as const;

/** Which model a cache belongs to, for the messages of the errors it raises. */
export interface CacheOwner {
  /** E.g. `target model "onnx-community/Qwen2.5-1.5B-Instruct"`. */
  readonly name: string;
  /** Reported as {@link UnsupportedModelError.architecture}. */
  readonly architecture: string;
}

/**
 * The key/value cache of one causal LM, kept where ORT left it: GPU buffers on WebGPU, typed arrays on WASM.
 * Rolling back a rejected speculation cuts every tensor to a prefix of the sequence axis without downloading
 * anything: on the GPU, one buffer copy per head into a fresh buffer.
 */
export class KvCache {
  private tensors = new Map<string, Tensor>();
  private seqLength = 0;

  constructor(
    readonly slots: readonly CacheSlot[],
    private readonly owner: CacheOwner = { name: 'the model', architecture: 'unknown' },
    /** Cuts a GPU-resident cache; null on CPU backends. */
    private readonly gpuCopies: GpuCopyQueue | null = null,
  ) {
    this.reset();
  }

  /** Number of positions the cache holds. */
  get length(): number {
    return this.seqLength;
  }

  /** Bytes the cache holds per position of context, over every layer and head. */
  get bytesPerToken(): number {
    return this.slots.reduce((sum, slot) => sum + slot.heads * slot.headDim * bytesPerElement[slot.dataType], 0);
  }

  /** The cache tensors as session feeds, by input name. */
  feeds(): Record<string, Tensor> {
    return Object.fromEntries(this.tensors);
  }

  /**
   * Takes the `present.*` outputs of a forward pass that fed `fedTokens` tokens as the new cache and releases the
   * tensors they replace (which were this pass's inputs and are no longer needed).
   *
   * Every output must hold exactly the old positions plus the fed ones, in the layout the cache was built for:
   * rollback cuts a prefix of the sequence axis, which is only right for a cache that grows by what was fed. A
   * windowed cache that drops old positions (or a head layout misread from config.json) would otherwise corrupt
   * every later round without an error. Nothing is adopted when a check fails; the caller still owns `outputs`.
   * @throws {UnsupportedModelError} when an output does not have that shape.
   */
  adopt(outputs: Record<string, Tensor>, fedTokens: number): void {
    const expectedLength = this.seqLength + fedTokens;
    for (const slot of this.slots) {
      const next = outputs[slot.outputName];
      if (!next) throw new UnsupportedModelError(`${this.owner.name} returned no "${slot.outputName}" output`, this.owner.architecture);
      const [, heads, length, headDim] = next.dims;
      if (length !== expectedLength) {
        throw new UnsupportedModelError(
          `${this.owner.name} returned "${slot.outputName}" with ${length} positions after ${fedTokens} tokens were fed ` +
            `on a cache of ${this.seqLength}, instead of ${expectedLength}: its cache does not grow by the fed tokens, so ` +
            'it is windowed or static and cannot be cut back to the accepted prefix after rejected drafts. Use an ' +
            'export whose KV cache grows with the sequence.',
          this.owner.architecture,
        );
      }
      if (heads !== slot.heads || headDim !== slot.headDim) {
        throw new UnsupportedModelError(
          `${this.owner.name} returned "${slot.outputName}" as [${next.dims.join(', ')}], but the cache layout read from ` +
            `the model is ${slot.heads} key/value heads of ${slot.headDim}; check num_key_value_heads and head_dim in ` +
            'config.json.',
          this.owner.architecture,
        );
      }
    }
    for (const slot of this.slots) {
      const next = outputs[slot.outputName]!;
      const previous = this.tensors.get(slot.inputName);
      if (previous && previous !== next) previous.dispose();
      this.tensors.set(slot.inputName, next);
    }
    this.seqLength = expectedLength;
  }

  /**
   * Keeps the first `keep` positions, the cut the cache owns (HF's `DynamicCache.crop`). GPU tensors are copied
   * prefix-by-head into new buffers through the cache's {@link GpuCopyQueue}, which submits the cuts of a round
   * together; CPU tensors are sliced.
   */
  truncate(keep: number): void {
    if (keep === this.seqLength) return;
    if (keep > this.seqLength || keep < 0) {
      throw new RangeError(`cannot cut a cache of ${this.seqLength} positions to ${keep}`);
    }
    if (keep === 0) {
      this.reset();
      return;
    }
    for (const slot of this.slots) {
      const old = this.tensors.get(slot.inputName)!;
      const cut = old.location === 'gpu-buffer' ? this.cutOnGpu(slot, old, keep) : cutOnCpu(slot, old, keep);
      this.tensors.set(slot.inputName, cut);
    }
    this.seqLength = keep;
  }

  /** Drops everything and starts from an empty cache. */
  reset(): void {
    this.gpuCopies?.submit();
    this.disposeTensors();
    for (const slot of this.slots) {
      const empty = slot.dataType === 'float16' ? new Uint16Array(0) : new Float32Array(0);
      this.tensors.set(slot.inputName, new Tensor(slot.dataType, empty, [1, slot.heads, 0, slot.headDim]));
    }
    this.seqLength = 0;
  }

  dispose(): void {
    this.gpuCopies?.submit();
    this.disposeTensors();
  }

  private disposeTensors(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }

  private cutOnGpu(slot: CacheSlot, old: Tensor, keep: number): Tensor {
    const batch = this.gpuCopies;
    if (!batch) throw new Error(`${this.owner.name} keeps its cache on the GPU but was built without a GPU copy queue to cut it`);
    const rowBytes = slot.headDim * bytesPerElement[slot.dataType];
    const oldHeadStride = this.seqLength * rowBytes;
    const newHeadStride = keep * rowBytes;
    const buffer = batch.createBuffer(slot.heads * newHeadStride, `speculo ${slot.inputName}`);
    for (let h = 0; h < slot.heads; h++) {
      batch.copy(old.gpuBuffer as GPUBuffer, h * oldHeadStride, buffer, h * newHeadStride, newHeadStride);
    }
    batch.retireAfterSubmit(() => old.dispose());
    return Tensor.fromGpuBuffer(buffer, {
      dataType: slot.dataType,
      dims: [1, slot.heads, keep, slot.headDim],
      dispose: () => buffer.destroy(),
    });
  }
}

function cutOnCpu(slot: CacheSlot, old: Tensor, keep: number): Tensor {
  const length = old.dims[2]!;
  const source = old.data as Float32Array | Uint16Array;
  // fp16 data may come back as Uint16Array or Float16Array depending on the runtime: keep whichever it was.
  const Typed = source.constructor as new (length: number) => Float32Array | Uint16Array;
  const target = new Typed(slot.heads * keep * slot.headDim);
  for (let h = 0; h < slot.heads; h++) {
    const from = h * length * slot.headDim;
    target.set(source.subarray(from, from + keep * slot.headDim), h * keep * slot.headDim);
  }
  old.dispose();
  return new Tensor(slot.dataType, target, [1, slot.heads, keep, slot.headDim]);
}
