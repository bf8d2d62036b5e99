import { float16ToFloat32 } from '../util/float16.js';
import { argmax, argmaxOfHalf, argmaxWithConfidence } from './logits-processing.js';

/** A greedy pick and the softmax probability of the picked token under the row (a draft's confidence). */
export interface GreedyPick {
  token: number;
  confidence: number;
}

/**
 * The logits of one forward pass, as a round reads them: a greedy pick per row, or a row's values for sampling.
 * An implementation keeps the logits where the model left them (host memory in fp32 or fp16, or the GPU) and does
 * only the work a question needs, so a greedy round never converts or copies a full-vocabulary row.
 *
 * Row `r` holds the model's prediction after the r-th fed token. A row of NaN, or one whose maximum is +Infinity,
 * makes every method that reads it throw `InvalidLogitsError` with the column.
 */
export interface LogitsBlock {
  readonly rows: number;
  /** Columns per row. */
  readonly vocabSize: number;
  /** Index of the first largest logit of `row`. */
  argmax(row: number): number;
  /** The greedy pick of `row` and its softmax probability (to about 1e-4: a confidence, not an acceptance test). */
  argmaxWithConfidence(row: number): GreedyPick;
  /**
   * Row `row` as float32. The array may be overwritten by the next `values` call, of this block or another: use it
   * (or copy it) before asking for another row.
   */
  values(row: number): Float32Array;
}

/** One converted fp16 row, shared by every block: a row is read and used before the next is asked for. */
let halfRowScratch = new Float32Array(0);

/**
 * A logits block in host memory, as ORT returns it on WASM (and on WebGPU when logits are read back): float32, or
 * raw half-precision bit patterns. fp16 rows are never converted for a greedy pick (the scan looks each value up);
 * a row asked for by `values` is converted into one reused array.
 */
export class HostLogits implements LogitsBlock {
  /** `data` holds `rows × vocabSize` values, row-major; a Uint16Array holds fp16 bit patterns. */
  constructor(
    private readonly data: Float32Array | Uint16Array,
    readonly rows: number,
    readonly vocabSize: number,
  ) {
    if (data.length !== rows * vocabSize) throw new RangeError(`logits hold ${data.length} values, expected ${rows} rows × ${vocabSize}`);
  }

  argmax(row: number): number {
    const raw = this.raw(row);
    return raw instanceof Float32Array ? argmax(raw) : argmaxOfHalf(raw);
  }

  argmaxWithConfidence(row: number): GreedyPick {
    return argmaxWithConfidence(this.values(row));
  }

  values(row: number): Float32Array {
    const raw = this.raw(row);
    if (raw instanceof Float32Array) return raw;
    if (halfRowScratch.length !== raw.length) halfRowScratch = new Float32Array(raw.length);
    return float16ToFloat32(raw, halfRowScratch);
  }

  private raw(row: number): Float32Array | Uint16Array {
    if (!Number.isInteger(row) || row < 0 || row >= this.rows) throw new RangeError(`row ${row} is outside the block's ${this.rows} rows`);
    return this.data.subarray(row * this.vocabSize, (row + 1) * this.vocabSize);
  }
}

/**
 * The host path as it was before blocks were read lazily: the whole block converted to float32 as it arrives, and
 * the draft's confidence from an exact softmax. Kept, selected by the engine's `logitsPath: 'host-full'`, so that
 * the host-overhead benchmark can measure what the lazy path saves, side by side in one run.
 */
export class FullyConvertedLogits extends HostLogits {
  constructor(data: Float32Array | Uint16Array, rows: number, vocabSize: number) {
    super(data instanceof Float32Array ? data : float16ToFloat32(data), rows, vocabSize);
  }

  override argmaxWithConfidence(row: number): GreedyPick {
    const values = this.values(row);
    const token = argmax(values);
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += Math.exp(values[i] - values[token]);
    return { token, confidence: 1 / sum };
  }
}
