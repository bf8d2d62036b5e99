import { Tensor, env as ortEnv } from 'onnxruntime-web/webgpu';
import { InvalidLogitsError } from '../errors.js';
import { HostLogits, type GreedyPick, type LogitsBlock } from '../sampling/logits-block.js';
import { bytesPerElement } from '../kv/kv-cache.js';
import { LogitsRowStatsKernel, rowResultBytes, type LogitsElementType, type RowOutcome } from './logits-row-stats.js';

export type { LogitsElementType } from './logits-row-stats.js';

/**
 * Reads logits that ORT left on the GPU, on ORT's own device: per-row greedy picks by the row-stats kernel (16 bytes
 * a row come back), or rows' values by one copy. Each call is one submission and one `mapAsync`. One reader serves
 * every model of an engine.
 */
export class GpuLogitsReader {
  private readonly kernel: LogitsRowStatsKernel;
  private staging: GPUBuffer | null = null;
  /** The last values read, settled or not: the staging buffer is shared, so reads go one after another. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly device: GPUDevice) {
    this.kernel = new LogitsRowStatsKernel(device);
  }

  /** A reader on the device ORT's WebGPU backend runs on, where the logits are. */
  static async forOnnxRuntime(): Promise<GpuLogitsReader> {
    return new GpuLogitsReader((await ortEnv.webgpu.device) as GPUDevice);
  }

  /** The greedy picks of rows [firstRow, firstRow + rows) of a [*, vocabSize] block, as a {@link LogitsBlock}. */
  async picks(logits: GPUBuffer, elementType: LogitsElementType, firstRow: number, rows: number, vocabSize: number): Promise<GpuLogits> {
    return new GpuLogits(vocabSize, await this.kernel.rowOutcomes(logits, elementType, firstRow, rows, vocabSize));
  }

  /** A set of draft picks kept on the GPU for a round of up to `steps` draft steps (see {@link DeferredPicks}). */
  deferredPicks(steps: number): DeferredPicks {
    return new DeferredPicks(this.kernel, this.device, steps);
  }

  /** Rows [firstRow, firstRow + rows) copied back whole, as a {@link HostLogits} block. */
  values(logits: GPUBuffer, elementType: LogitsElementType, firstRow: number, rows: number, vocabSize: number): Promise<HostLogits> {
    const result = this.tail.then(() => this.copyBack(logits, elementType, firstRow, rows, vocabSize));
    this.tail = result.catch(() => undefined);
    return result;
  }

  dispose(): void {
    this.kernel.dispose();
    this.staging?.destroy();
    this.staging = null;
  }

  private async copyBack(logits: GPUBuffer, elementType: LogitsElementType, firstRow: number, rows: number, vocabSize: number): Promise<HostLogits> {
    const bytes = bytesPerElement[elementType];
    const start = firstRow * vocabSize * bytes;
    const size = rows * vocabSize * bytes;
    // copyBufferToBuffer moves 4-byte-aligned ranges: an fp16 row of odd width is read from the word that holds it.
    const alignedStart = Math.floor(start / 4) * 4;
    const alignedSize = Math.ceil((start + size - alignedStart) / 4) * 4;
    if (alignedStart + alignedSize > logits.size) throw new RangeError(`rows ${firstRow}..${firstRow + rows - 1} lie outside the ${logits.size}-byte logits buffer`);
    if (!this.staging || this.staging.size < alignedSize) {
      this.staging?.destroy();
      this.staging = this.device.createBuffer({ label: 'speculo logits values', size: alignedSize, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
    const staging = this.staging;
    const encoder = this.device.createCommandEncoder({ label: 'speculo logits values' });
    encoder.copyBufferToBuffer(logits, alignedStart, staging, 0, alignedSize);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ, 0, alignedSize);
    const copy = staging.getMappedRange(0, alignedSize).slice(start - alignedStart, start - alignedStart + size);
    staging.unmap();
    const data = elementType === 'float32' ? new Float32Array(copy) : new Uint16Array(copy);
    return new HostLogits(data, rows, vocabSize);
  }
}

/**
 * A block read from the GPU as greedy picks only: each row's argmax and Σ exp(x − max), computed where the logits
 * are. A row whose logits hold NaN (or a +Infinity maximum) throws when it is asked for, as a host block does, so a
 * bad row past a rejected draft token fails nothing.
 */
export class GpuLogits implements LogitsBlock {
  readonly rows: number;

  constructor(
    readonly vocabSize: number,
    private readonly outcomes: readonly RowOutcome[],
  ) {
    this.rows = outcomes.length;
  }

  argmax(row: number): number {
    return this.stats(row).token;
  }

  argmaxWithConfidence(row: number): GreedyPick {
    const { token, sumExp } = this.stats(row);
    return { token, confidence: 1 / sumExp };
  }

  values(): Float32Array {
    throw new Error("this logits block was read from the GPU as greedy picks only; ask the model's forward pass for values (read: 'values') to sample");
  }

  private stats(row: number) {
    const outcome = this.outcomes[row];
    if (outcome === undefined) throw new RangeError(`row ${row} is outside the block's ${this.rows} rows`);
    if (outcome instanceof InvalidLogitsError) throw outcome;
    return outcome;
  }
}

/**
 * The GPU buffer one model's logits are written into, handed to ORT as a pre-allocated output so that logits never
 * leave the GPU unread. It grows to the largest pass (a prefill chunk, within the runner's logits budget) and can be
 * shrunk back once such a pass is over.
 */
export class GpuLogitsOutput {
  private buffer: GPUBuffer | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
  ) {}

  /** A tensor over the buffer with dims [1, rows, vocabSize]; the buffer stays this output's. */
  tensor(elementType: LogitsElementType, rows: number, vocabSize: number): Tensor {
    // WebGPU buffers are bound and copied in 4-byte words, and ORT pads its own to 16 bytes: so does this one.
    const size = Math.ceil((rows * vocabSize * bytesPerElement[elementType]) / 16) * 16;
    if (!this.buffer || this.buffer.size < size) {
      this.buffer?.destroy();
      this.buffer = this.device.createBuffer({ label: this.label, size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    }
    return Tensor.fromGpuBuffer(this.buffer, { dataType: elementType, dims: [1, rows, vocabSize] });
  }

  /** Frees the buffer when it holds more than `bytes`; the next pass allocates what it needs. */
  shrinkTo(bytes: number): void {
    if (this.buffer && this.buffer.size > bytes) this.release();
  }

  release(): void {
    this.buffer?.destroy();
    this.buffer = null;
  }
}

/**
 * A round's greedy draft picks, kept on the GPU until the round reads them all at once. Each step's row is reduced
 * into one results buffer, and its token is copied into an int64 buffer that ORT takes as the next step's
 * `input_ids`: γ draft steps make no GPU→CPU read, and one `mapAsync` at the end returns every token and confidence.
 */
export class DeferredPicks {
  private readonly results: GPUBuffer;
  private readonly staging: GPUBuffer;
  private readonly tokens: GPUBuffer[] = [];
  /** Steps recorded this round. */
  private count = 0;

  constructor(
    private readonly kernel: LogitsRowStatsKernel,
    private readonly device: GPUDevice,
    /** Most steps a round may record. */
    readonly capacity: number,
  ) {
    const size = Math.max(1, capacity) * rowResultBytes;
    this.results = device.createBuffer({ label: 'speculo logits deferred picks', size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    this.staging = device.createBuffer({ label: 'speculo logits deferred picks read', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  /** Forgets the steps recorded so far (a proposal that failed midway), so the next step is step 0. */
  restart(): void {
    this.count = 0;
  }

  /** Steps recorded since the last {@link read}. */
  get steps(): number {
    return this.count;
  }

  /**
   * Records the pick of row `row` of `logits` as the next step: its stats, and its token in an int64 buffer (zeroed
   * at creation, so copying the token's 32 low bits makes the int64).
   */
  async add(logits: GPUBuffer, elementType: LogitsElementType, row: number, vocabSize: number): Promise<void> {
    const step = this.count;
    if (step >= this.capacity) throw new RangeError(`a round of deferred picks holds at most ${this.capacity} steps`);
    // Two token buffers, used in turn: a step's token is read only by the pass right after it, which is submitted
    // before the step after that writes into the same buffer again.
    const token = (this.tokens[step % 2] ??= this.device.createBuffer({
      label: 'speculo logits deferred token',
      size: 16,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    }));
    await this.kernel.dispatch(logits, elementType, row, 1, vocabSize, this.results, step, (encoder) => encoder.copyBufferToBuffer(this.results, step * rowResultBytes, token, 0, 4));
    this.count = step + 1;
  }

  /** The token of the last recorded step `step`, as the `[1, 1]` int64 `input_ids` of the pass after it. */
  tokenInput(step: number): Tensor {
    const buffer = this.tokens[step % 2];
    if (!buffer || step >= this.count || step < this.count - 1) throw new RangeError(`step ${step} is not the last recorded step`);
    return Tensor.fromGpuBuffer(buffer, { dataType: 'int64', dims: [1, 1] });
  }

  /** Every recorded step's pick, in one read; the set is empty again afterwards. */
  async read(): Promise<RowOutcome[]> {
    const steps = this.count;
    this.count = 0;
    return steps === 0 ? [] : this.kernel.readOutcomes(this.results, this.staging, steps);
  }

  dispose(): void {
    this.results.destroy();
    this.staging.destroy();
    for (const buffer of this.tokens) buffer.destroy();
    this.tokens.length = 0;
  }
}
