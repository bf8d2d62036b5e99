import { InvalidLogitsError } from '../errors.js';
import { bytesPerElement } from '../kv/kv-cache.js';
import type { RowStats } from '../sampling/row-stats.js';

/** One reduced row: its stats, or the error a NaN or a +Infinity maximum in it raises. */
export type RowOutcome = RowStats | InvalidLogitsError;

/** How the logits block stores its values: ORT hands fp32 logits, or fp16 from some exports. */
export type LogitsElementType = 'float32' | 'float16';

/** Bytes of one row's result: token (u32), max (f32 bits), sumExp (f32), status (u32). */
export const rowResultBytes = 16;
const workgroupSize = 256;
/** WebGPU's default maxComputeWorkgroupsPerDimension: more rows than this spill into the y dimension. */
const workgroupsPerDimension = 65535;
const statusOk = 0;
const statusNaN = 1;
const statusInfinity = 2;

/**
 * The shader, for one element type. The block is bound as `array<u32>` for both types and every value is classified
 * from its bits before any arithmetic: WGSL lets implementations assume that no NaN or infinity occurs at runtime, so
 * `x != x` or arithmetic on ±∞ may be optimised into anything. Only finite values reach `>` and `exp`.
 *
 * fp16 needs no `enable f16` (SwiftShader and many GPUs lack shader-f16): element e is half (e & 1) of word e >> 1,
 * low half first, decoded to float32 bits with integer operations (exact, subnormals included).
 */
function shaderSource(elementType: LogitsElementType): string {
  const loadBits =
    elementType === 'float32'
      ? /* wgsl */ `
fn loadBits(e: u32) -> u32 {
  return logits[e];
}`
      : /* wgsl */ `
fn loadBits(e: u32) -> u32 {
  let half = (logits[e >> 1u] >> ((e & 1u) * 16u)) & 0xffffu;
  let sign = (half & 0x8000u) << 16u;
  let exponent = (half >> 10u) & 0x1fu;
  let fraction = half & 0x3ffu;
  if (exponent == 0x1fu) {
    return sign | 0x7f800000u | (fraction << 13u); // ±Infinity, NaN
  }
  if (exponent != 0u) {
    return sign | ((exponent + 112u) << 23u) | (fraction << 13u);
  }
  return sign | bitcast<u32>(f32(fraction) * 5.9604644775390625e-8); // ±0 and subnormals: fraction · 2^−24
}`;
  return /* wgsl */ `
struct Params {
  baseElement: u32, // element index, in the bound window, where row 0 of the reduced rows starts
  rows: u32,
  vocabSize: u32,
  resultBase: u32, // where row 0's result goes in results
}

struct RowResult {
  token: u32, // the column of the first bad value when status != 0
  maxBits: u32,
  sumExp: f32,
  status: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<u32>;
@group(0) @binding(2) var<storage, read_write> results: array<RowResult>;

const WORKGROUP_SIZE: u32 = ${workgroupSize}u;
const NONE: u32 = 0xffffffffu;
// exp(−104) is below float32's smallest subnormal: clamping keeps exp's argument finite and changes no sum.
const MIN_EXPONENT: f32 = -104.0;

var<workgroup> partialMax: array<f32, ${workgroupSize}>;
var<workgroup> partialIndex: array<u32, ${workgroupSize}>;
var<workgroup> partialSum: array<f32, ${workgroupSize}>;
var<workgroup> partialNaN: array<u32, ${workgroupSize}>;
var<workgroup> partialInfinity: array<u32, ${workgroupSize}>;
${loadBits}

@compute @workgroup_size(${workgroupSize})
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let row = group.y * ${workgroupsPerDimension}u + group.x;
  if (row >= params.rows) {
    return;
  }
  let vocabSize = params.vocabSize;
  let start = params.baseElement + row * vocabSize;

  // This lane's columns lane, lane + 256, …: the first largest finite value, its column, an online Σ exp(x − max)
  // (rescaled whenever the max rises), and the first NaN and +Infinity columns. −∞ contributes nothing.
  var best = 0.0;
  var bestIndex = NONE;
  var sum = 0.0;
  var firstNaN = NONE;
  var firstInfinity = NONE;
  for (var column = lane; column < vocabSize; column += WORKGROUP_SIZE) {
    let bits = loadBits(start + column);
    let magnitude = bits & 0x7fffffffu;
    if (magnitude >= 0x7f800000u) {
      if (magnitude > 0x7f800000u) {
        firstNaN = min(firstNaN, column);
      } else if (bits == 0x7f800000u) {
        firstInfinity = min(firstInfinity, column);
      }
      continue;
    }
    let x = bitcast<f32>(bits);
    if (bestIndex == NONE) {
      best = x;
      bestIndex = column;
      sum = 1.0;
    } else if (x > best) {
      sum = sum * exp(max(best - x, MIN_EXPONENT)) + 1.0;
      best = x;
      bestIndex = column;
    } else {
      sum += exp(max(x - best, MIN_EXPONENT));
    }
  }
  partialMax[lane] = best;
  partialIndex[lane] = bestIndex;
  partialSum[lane] = sum;
  partialNaN[lane] = firstNaN;
  partialInfinity[lane] = firstInfinity;
  workgroupBarrier();

  // Tree reduction of (max, index, sum) pairs; equal maxima keep the lower column.
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      let other = lane + stride;
      partialNaN[lane] = min(partialNaN[lane], partialNaN[other]);
      partialInfinity[lane] = min(partialInfinity[lane], partialInfinity[other]);
      let otherIndex = partialIndex[other];
      if (otherIndex != NONE) {
        let index = partialIndex[lane];
        let value = partialMax[lane];
        let otherValue = partialMax[other];
        if (index == NONE) {
          partialMax[lane] = otherValue;
          partialIndex[lane] = otherIndex;
          partialSum[lane] = partialSum[other];
        } else if (otherValue > value || (otherValue == value && otherIndex < index)) {
          partialSum[lane] = partialSum[other] + partialSum[lane] * exp(max(value - otherValue, MIN_EXPONENT));
          partialMax[lane] = otherValue;
          partialIndex[lane] = otherIndex;
        } else {
          partialSum[lane] += partialSum[other] * exp(max(otherValue - value, MIN_EXPONENT));
        }
      }
    }
    workgroupBarrier();
  }

  if (lane == 0u) {
    var result: RowResult;
    if (partialNaN[0] != NONE) {
      result = RowResult(partialNaN[0], 0x7fc00000u, 0.0, ${statusNaN}u);
    } else if (partialInfinity[0] != NONE) {
      result = RowResult(partialInfinity[0], 0x7f800000u, 0.0, ${statusInfinity}u);
    } else if (partialIndex[0] == NONE) {
      result = RowResult(0u, 0xff800000u, 1.0, ${statusOk}u); // a row of −∞
    } else {
      // The max as the exact bits of the winning element, whatever the comparisons did with subnormals.
      let token = partialIndex[0];
      result = RowResult(token, loadBits(start + token), partialSum[0], ${statusOk}u);
    }
    results[params.resultBase + row] = result;
  }
}
`;
}

/**
 * Reduces rows of a logits block that lives on the GPU to what greedy decoding needs of each (argmax, max and
 * Σ exp(x − max)), so that 16 bytes per row come back instead of the whole row (49k–262k columns). One workgroup per
 * row; the sum is float32 on the GPU (relative error well under 1e-4 against {@link rowStats}'s float64 at 262,144
 * columns).
 *
 * Calls are serialised: the output and staging buffers are shared and grow to the largest call seen.
 */
export class LogitsRowStatsKernel {
  private readonly pipelines = new Map<LogitsElementType, Promise<GPUComputePipeline>>();
  private uniform: GPUBuffer | null = null;
  private output: GPUBuffer | null = null;
  private staging: GPUBuffer | null = null;
  /** Rows the output and staging buffers hold. */
  private capacity = 0;
  /** The last call, settled or not: the next one starts after it. */
  private tail: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(readonly device: GPUDevice) {}

  /**
   * Reduces rows [firstRow, firstRow + rows) of a row-major [totalRows, vocabSize] logits block held in `logits` (a
   * buffer with STORAGE usage, as ORT's WebGPU tensors are), with one submission and one `mapAsync`. `rows` 0
   * resolves to [] without touching the GPU.
   *
   * Only the rows asked for are bound (a window aligned to minStorageBufferOffsetAlignment), so the block may be
   * larger than maxStorageBufferBindingSize as long as those rows are not. WebGPU binds whole 4-byte words: an fp16
   * block with an odd element count must sit in a buffer padded to a multiple of 4 bytes if its last row is reduced
   * (ORT pads every buffer to 16 bytes); otherwise this rejects with a RangeError.
   *
   * @throws {InvalidLogitsError} for the first of the rows holding a NaN (column: the first NaN) or whose maximum is
   * +Infinity (column: its first occurrence); `row` is the index among the reduced rows (0 for `firstRow`).
   * @throws {RangeError} when the rows do not fit the buffer or a binding limit.
   */
  async rowStats(logits: GPUBuffer, elementType: LogitsElementType, firstRow: number, rows: number, vocabSize: number): Promise<RowStats[]> {
    const outcomes = await this.rowOutcomes(logits, elementType, firstRow, rows, vocabSize);
    return outcomes.map((outcome, row) => {
      if (outcome instanceof InvalidLogitsError) throw outcome.locate({ row });
      return outcome;
    });
  }

  /**
   * {@link rowStats}, except that a bad row does not reject the call: its entry is the InvalidLogitsError it would
   * have thrown, without a row: the caller knows which draft position or verify row it was, and a caller that never
   * looks at that row (rows past a rejected draft token) is not failed by it.
   */
  rowOutcomes(logits: GPUBuffer, elementType: LogitsElementType, firstRow: number, rows: number, vocabSize: number): Promise<RowOutcome[]> {
    const result = this.tail.then(() => this.reduce(logits, elementType, firstRow, rows, vocabSize));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Destroys the kernel's own buffers (uniforms, output, staging), never the logits. Later calls reject. */
  dispose(): void {
    this.disposed = true;
    this.uniform?.destroy();
    this.output?.destroy();
    this.staging?.destroy();
    this.uniform = this.output = this.staging = null;
    this.capacity = 0;
  }

  private async reduce(logits: GPUBuffer, elementType: LogitsElementType, firstRow: number, rows: number, vocabSize: number): Promise<RowOutcome[]> {
    this.validate(elementType, firstRow, rows, vocabSize);
    if (rows === 0) return [];
    const { output, staging } = this.buffers(rows);
    const resultSize = rows * rowResultBytes;
    const device = this.device;
    device.pushErrorScope('validation');
    try {
      await this.submit(logits, elementType, firstRow, rows, vocabSize, output, 0, (encoder) => encoder.copyBufferToBuffer(output, 0, staging, 0, resultSize));
    } catch (error) {
      await device.popErrorScope();
      throw error;
    }
    // Both settle before anything is thrown, so that neither rejection goes unhandled.
    const [scope, mapping] = await Promise.allSettled([device.popErrorScope(), staging.mapAsync(GPUMapMode.READ, 0, resultSize)]);
    const error = scope.status === 'fulfilled' ? scope.value : null;
    if (error) {
      if (mapping.status === 'fulfilled') staging.unmap();
      throw new Error(`logits row stats failed on the GPU: ${error.message}`);
    }
    if (mapping.status === 'rejected') throw mapping.reason;
    const words = new Uint32Array(staging.getMappedRange(0, resultSize).slice(0));
    staging.unmap();
    return readResults(words, rows);
  }

  /**
   * Reduces rows into `results` (a STORAGE buffer of 16-byte results) from result `resultBase` on, and submits, reading
   * nothing: for picks that stay on the GPU until a later {@link readOutcomes}. `after` adds commands to the same
   * submission (e.g. copying a token where the next pass reads it).
   */
  dispatch(
    logits: GPUBuffer,
    elementType: LogitsElementType,
    firstRow: number,
    rows: number,
    vocabSize: number,
    results: GPUBuffer,
    resultBase: number,
    after?: (encoder: GPUCommandEncoder) => void,
  ): Promise<void> {
    const done = this.tail.then(() => {
      this.validate(elementType, firstRow, rows, vocabSize);
      return this.submit(logits, elementType, firstRow, rows, vocabSize, results, resultBase, after);
    });
    this.tail = done.catch(() => undefined);
    return done;
  }

  /** Reads `rows` results from the start of `results` through `staging` (a MAP_READ buffer), with one `mapAsync`. */
  readOutcomes(results: GPUBuffer, staging: GPUBuffer, rows: number): Promise<RowOutcome[]> {
    const done = this.tail.then(async () => {
      const size = rows * rowResultBytes;
      const encoder = this.device.createCommandEncoder({ label: 'speculo logits row stats read' });
      encoder.copyBufferToBuffer(results, 0, staging, 0, size);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ, 0, size);
      const words = new Uint32Array(staging.getMappedRange(0, size).slice(0));
      staging.unmap();
      return readResults(words, rows);
    });
    this.tail = done.catch(() => undefined);
    return done;
  }

  private validate(elementType: LogitsElementType, firstRow: number, rows: number, vocabSize: number): void {
    if (this.disposed) throw new Error('LogitsRowStatsKernel has been disposed');
    if (!Object.hasOwn(bytesPerElement, elementType)) throw new RangeError(`elementType must be 'float32' or 'float16', got ${String(elementType)}`);
    for (const [name, value] of [
      ['firstRow', firstRow],
      ['rows', rows],
      ['vocabSize', vocabSize],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be an integer ≥ 0, got ${value}`);
    }
    if (vocabSize === 0) throw new RangeError('vocabSize must be at least 1');
  }

  /** Writes the uniforms, dispatches one workgroup per row into `results` at `resultBase`, and submits. */
  private async submit(
    logits: GPUBuffer,
    elementType: LogitsElementType,
    firstRow: number,
    rows: number,
    vocabSize: number,
    results: GPUBuffer,
    resultBase: number,
    after?: (encoder: GPUCommandEncoder) => void,
  ): Promise<void> {
    const window = this.bindingWindow(logits, bytesPerElement[elementType], firstRow, rows, vocabSize);
    const pipeline = await this.pipeline(elementType);
    if (this.disposed) throw new Error('LogitsRowStatsKernel has been disposed');
    this.uniform ??= this.device.createBuffer({ label: 'speculo logits row stats params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    // Queue writes and submissions run in order, so each submission sees the uniforms written just before it.
    this.device.queue.writeBuffer(this.uniform, 0, new Uint32Array([window.baseElement, rows, vocabSize, resultBase]));
    const bindGroup = this.device.createBindGroup({
      label: 'speculo logits row stats',
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.uniform } },
        { binding: 1, resource: { buffer: logits, offset: window.offset, size: window.size } },
        { binding: 2, resource: { buffer: results } },
      ],
    });
    const encoder = this.device.createCommandEncoder({ label: 'speculo logits row stats' });
    const pass = encoder.beginComputePass({ label: 'speculo logits row stats' });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.min(rows, workgroupsPerDimension), Math.ceil(rows / workgroupsPerDimension));
    pass.end();
    after?.(encoder);
    this.device.queue.submit([encoder.finish()]);
  }

  /** The part of `logits` that holds the rows, as a binding: offset, size, and where the first row starts in it. */
  private bindingWindow(logits: GPUBuffer, bytes: number, firstRow: number, rows: number, vocabSize: number): { offset: number; size: number; baseElement: number } {
    const startByte = firstRow * vocabSize * bytes;
    const endByte = (firstRow + rows) * vocabSize * bytes;
    if (endByte > logits.size) {
      throw new RangeError(`rows ${firstRow}..${firstRow + rows - 1} of ${vocabSize} ${bytes * 8}-bit columns need ${endByte} bytes, the buffer has ${logits.size}`);
    }
    const alignment = this.device.limits.minStorageBufferOffsetAlignment;
    const offset = Math.floor(startByte / alignment) * alignment;
    const end = Math.ceil(endByte / 4) * 4;
    if (end > logits.size) {
      throw new RangeError(
        `the logits buffer is ${logits.size} bytes, not a multiple of 4: its last fp16 value cannot be bound (WebGPU binds whole 4-byte words); pad the buffer to a multiple of 4 bytes`,
      );
    }
    const size = end - offset;
    if (size > this.device.limits.maxStorageBufferBindingSize) {
      throw new RangeError(`${rows} rows of ${vocabSize} columns take ${size} bytes, over this device's maxStorageBufferBindingSize (${this.device.limits.maxStorageBufferBindingSize})`);
    }
    const baseElement = (startByte - offset) / bytes;
    if (baseElement + rows * vocabSize > 0xffffffff) throw new RangeError(`${rows} rows of ${vocabSize} columns exceed the kernel's 32-bit element indices`);
    return { offset, size, baseElement };
  }

  private pipeline(elementType: LogitsElementType): Promise<GPUComputePipeline> {
    let pipeline = this.pipelines.get(elementType);
    if (!pipeline) {
      const label = `speculo logits row stats (${elementType})`;
      pipeline = this.device.createComputePipelineAsync({
        label,
        layout: 'auto',
        compute: { module: this.device.createShaderModule({ label, code: shaderSource(elementType) }), entryPoint: 'main' },
      });
      this.pipelines.set(elementType, pipeline);
      // A failed compilation is not cached: the next call tries again (and reports the error again).
      pipeline.catch(() => this.pipelines.delete(elementType));
    }
    return pipeline;
  }

  /** The uniform, output and staging buffers, the last two grown to hold `rows` results. */
  private buffers(rows: number): { uniform: GPUBuffer; output: GPUBuffer; staging: GPUBuffer } {
    this.uniform ??= this.device.createBuffer({ label: 'speculo logits row stats params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    if (!this.output || !this.staging || rows > this.capacity) {
      this.output?.destroy();
      this.staging?.destroy();
      // Room for at least a verify pass of a long draft, so that early calls do not regrow it one row at a time.
      this.capacity = Math.max(rows, 2 * this.capacity, 16);
      const size = this.capacity * rowResultBytes;
      this.output = this.device.createBuffer({ label: 'speculo logits row stats output', size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
      this.staging = this.device.createBuffer({ label: 'speculo logits row stats staging', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
    return { uniform: this.uniform, output: this.output, staging: this.staging };
  }
}

/** The mapped results: each row's {@link RowStats}, or the error its NaN or +Infinity maximum raises. */
function readResults(words: Uint32Array, rows: number): RowOutcome[] {
  const floats = new Float32Array(words.buffer, words.byteOffset, words.length);
  const outcomes: RowOutcome[] = [];
  for (let row = 0; row < rows; row++) {
    const token = words[row * 4];
    const status = words[row * 4 + 3];
    if (status === statusNaN) outcomes.push(new InvalidLogitsError({ value: 'NaN', column: token }));
    else if (status === statusInfinity) outcomes.push(new InvalidLogitsError({ value: 'Infinity', column: token }));
    else if (status !== statusOk) throw new Error(`logits row stats: unknown status ${status} in row ${row}`);
    else outcomes.push({ token, max: floats[row * 4 + 1], sumExp: floats[row * 4 + 2] });
  }
  return outcomes;
}
