import { Tensor, type InferenceSession } from 'onnxruntime-web/webgpu';
import { UnsupportedModelError } from '../errors.js';
import { KvCache } from '../kv/kv-cache.js';
import type { GpuCopyQueue } from '../kv/gpu-copy-queue.js';
import { architectureOf, checkDecoderContract, type DecoderConfig, type DecoderContract } from './decoder-contract.js';
import { rowResultBytes } from '../gpu/logits-row-stats.js';
import { GpuLogitsOutput, type DeferredPicks, type GpuLogitsReader, type LogitsElementType } from '../gpu/gpu-logits.js';
import { FullyConvertedLogits, HostLogits, type GreedyPick, type LogitsBlock } from '../sampling/logits-block.js';
import { InvalidLogitsError } from '../errors.js';
import { PassMeter } from './pass-meter.js';

export { checkDecoderContract, findCacheSlots, type DecoderConfig, type DecoderContract, type DecoderSession } from './decoder-contract.js';

/** The part of a transformers.js causal LM that the runner needs: its decoder session and config. */
export interface LoadedCausalLM {
  sessions: Record<string, InferenceSession>;
  config: DecoderConfig;
}

/**
 * How a runner hands logits to the round. 'gpu' (WebGPU) has ORT write them into a GPU buffer of the runner's and
 * reads back only what the round asks for: 16 bytes a row for greedy picks, or the rows' values for sampling. 'host'
 * takes ORT's logits into JS memory and answers each question about a row (a greedy pick, the values for sampling)
 * without converting more than that row. 'host-full' converts the whole block to float32 as it arrives and takes a
 * draft's confidence from an exact softmax, the path before blocks were read lazily, kept for the host-overhead
 * benchmark.
 */
export type LogitsPath = 'gpu' | 'host' | 'host-full';

/**
 * What the caller will ask of a pass's logits: greedy picks only (argmax and confidence per row), or rows' values
 * (sampling). On the GPU path picks read 16 bytes a row; values read the rows.
 */
export type LogitsRead = 'picks' | 'values';

/**
 * What the decoder, a model drafter and calibration need of a model: passes over its cache, and the cut the cache
 * owns. How the cut reaches the GPU stays inside the model.
 */
export interface ForwardModel {
  /** Positions already in the cache. */
  readonly length: number;
  /** Columns of a logits row, once known (declared by the export or config, or seen in a pass). */
  readonly vocabSize: number | null;
  forward(tokens: readonly number[], lastOnly?: boolean, read?: LogitsRead): Promise<LogitsBlock>;
  prefill(tokens: readonly number[], read?: LogitsRead): Promise<LogitsBlock>;
  /** Cuts the cache back to its first `length` positions. */
  rollbackTo(length: number): void;
  reset(): void;
  /** True when greedy draft picks can stay on the GPU between passes ({@link forwardDeferred}). */
  readonly canDeferPicks?: boolean;
  /**
   * One greedy draft step whose pick stays on the GPU: feeds `tokens` (ids the host knows) or, with 'previous', the
   * pick of the step before, and records its last row's pick. A round of up to `maxSteps` such steps reads nothing
   * back until {@link readDeferredPicks}.
   */
  forwardDeferred?(tokens: readonly number[] | 'previous', maxSteps: number): Promise<void>;
  /** Every pick recorded since the last read, in one GPU→CPU read; a bad row is its InvalidLogitsError. */
  readDeferredPicks?(): Promise<(GreedyPick | InvalidLogitsError)[]>;
}

/** Token ids already on the GPU, as ORT takes them: an int64 `[1, length]` tensor. */
interface GpuTokenIds {
  tensor: Tensor;
  length: number;
}

export interface CausalLmRunnerOptions {
  /**
   * Which model this is, in error messages: e.g. `target model "onnx-community/Qwen2.5-1.5B-Instruct"`. Defaults to
   * the config's `_name_or_path`.
   */
  name?: string;
  /**
   * Most bytes of logits one {@link CausalLmRunner.prefill} pass may ask ORT for. Default 32 MiB: about 55 tokens
   * per pass at Qwen2.5's 151,936 columns, where a 2,048-token prompt in one pass would return 1.2 GB.
   */
  prefillLogitsBudgetBytes?: number;
  /** Where a GPU-resident cache queues its cuts (one queue shared by the target and the draft); null on WASM. */
  gpuCopies?: GpuCopyQueue | null;
  /** Counts the waits on ORT and the logits read back; share one between the models of an engine. */
  meter?: PassMeter;
  /** Default 'host'; 'gpu' needs `gpuLogits`. */
  logitsPath?: LogitsPath;
  /** Reads logits on ORT's WebGPU device (one reader shared by the models of an engine); for the 'gpu' path. */
  gpuLogits?: GpuLogitsReader | null;
}

/** Rows a logits output keeps room for between passes: a verify of γ = 16. Larger passes (prefill chunks) shrink it back. */
const keptLogitsRows = 17;

const defaultPrefillLogitsBudgetBytes = 32 * 1024 * 1024;

/**
 * How many prompt tokens one prefill pass may feed so that its logits block, `tokens × vocabSize × bytesPerLogit`,
 * stays within `budgetBytes`; at least 1.
 */
export function prefillChunkTokens(vocabSize: number, bytesPerLogit: number, budgetBytes: number): number {
  return Math.max(1, Math.floor(budgetBytes / (vocabSize * bytesPerLogit)));
}

/**
 * Runs one causal LM's decoder session token-chunk by token-chunk over its own KV cache. It calls ORT directly
 * (not transformers.js's forward) so that it owns every cache tensor and can cut the cache back after a
 * rejected speculation.
 *
 * Constructing it checks the session against what speculation needs ({@link checkDecoderContract}), so an unusable
 * export is refused while the engine loads.
 */
export class CausalLmRunner implements ForwardModel {
  readonly cache: KvCache;
  /** Who this model is in messages. */
  readonly name: string;
  private readonly session: InferenceSession;
  private readonly contract: DecoderContract;
  private readonly prefillBudgetBytes: number;
  private readonly gpuCopies: GpuCopyQueue | null;
  readonly meter: PassMeter;
  private readonly logitsPath: LogitsPath;
  private readonly gpuLogits: GpuLogitsReader | null;
  /** Where ORT writes this model's logits on the GPU path. */
  private readonly logitsOutput: GpuLogitsOutput | null;
  /** The draft picks of the current round, kept on the GPU; grown to the longest round. */
  private picks: DeferredPicks | null = null;
  /** Logits width seen in a pass, for exports that declare it nowhere. */
  private observedVocabSize: number | null = null;

  /** @throws {UnsupportedModelError} when the export cannot be driven speculatively (see {@link checkDecoderContract}). */
  constructor(model: LoadedCausalLM, options: CausalLmRunnerOptions = {}) {
    this.name = options.name ?? `model "${String(model.config['_name_or_path'] ?? model.config.model_type ?? 'unknown')}"`;
    const session = model.sessions['model'] ?? model.sessions['decoder_model_merged'];
    if (!session) {
      throw new UnsupportedModelError(`${this.name} has no decoder session ("model" or "decoder_model_merged"); the engine drives a decoder-only causal LM`, architectureOf(model.config));
    }
    this.session = session;
    this.contract = checkDecoderContract(session, model.config, this.name);
    this.gpuCopies = options.gpuCopies ?? null;
    this.cache = new KvCache(this.contract.cacheSlots, { name: this.name, architecture: architectureOf(model.config) }, this.gpuCopies);
    const budget = options.prefillLogitsBudgetBytes ?? defaultPrefillLogitsBudgetBytes;
    if (!(budget > 0)) throw new RangeError(`prefillLogitsBudgetBytes must be positive, got ${budget}`);
    this.prefillBudgetBytes = budget;
    this.meter = options.meter ?? new PassMeter();
    this.logitsPath = options.logitsPath ?? 'host';
    this.gpuLogits = options.gpuLogits ?? null;
    if (this.logitsPath === 'gpu' && !this.gpuLogits) throw new TypeError("logitsPath 'gpu' needs a GPU logits reader (gpuLogits); on WASM use 'host'");
    this.logitsOutput = this.logitsPath === 'gpu' && this.gpuLogits ? new GpuLogitsOutput(this.gpuLogits.device, `speculo logits of the ${this.name}`) : null;
  }

  /** Positions already in the cache. */
  get length(): number {
    return this.cache.length;
  }

  /** Columns of a logits row, when the export or config.json declares it (or a pass has shown it). */
  get vocabSize(): number | null {
    return this.contract.vocabSize ?? this.observedVocabSize;
  }

  /**
   * Feeds `tokens` after what the cache holds and returns the logits at every fed position; the cache grows by
   * `tokens.length`. With `lastOnly`, only the last row is copied out (draft steps). To feed a long sequence of
   * which only the last row matters, use {@link prefill}: this returns ORT's whole `[1, tokens, vocab]` block.
   */
  async forward(tokens: readonly number[], lastOnly = false, read: LogitsRead = 'values'): Promise<LogitsBlock> {
    const logitsTensor = await this.run(tokens, lastOnly ? 1 : 0);
    try {
      return await this.readLogits(logitsTensor, lastOnly, read);
    } finally {
      logitsTensor.dispose();
    }
  }

  /**
   * Feeds a long sequence (a prompt, or the text a draft model has not seen yet) and returns the logits of its last
   * position only, as one row; the cache grows by `tokens.length`.
   *
   * ORT materialises logits for every fed position: a 2,048-token prompt at 151,936 columns is 1.2 GB. So the
   * sequence goes in chunks whose logits stay within the runner's budget (`prefillLogitsBudgetBytes`), each chunk
   * on the cache of the ones before, as verification does, and each chunk's logits are released at once. One
   * pass suffices when the export has a `num_logits_to_keep` input (it then computes the last row alone) or when
   * the sequence fits one chunk.
   */
  async prefill(tokens: readonly number[], read: LogitsRead = 'values'): Promise<LogitsBlock> {
    if (tokens.length === 0) throw new Error('prefill needs at least one token');
    try {
      return await this.prefillChunks(tokens, read);
    } finally {
      // A chunk's block on the GPU need not outlive the prefill: verify passes are a few rows.
      this.logitsOutput?.shrinkTo(keptLogitsRows * (this.vocabSize ?? 0) * this.contract.bytesPerLogit);
    }
  }

  private async prefillChunks(tokens: readonly number[], read: LogitsRead): Promise<LogitsBlock> {
    if (this.contract.hasLogitsToKeep) return this.forward(tokens, true, read);
    let start = 0;
    // With the width declared nowhere, one token learns it at the cost of one small pass.
    if (this.vocabSize === null && tokens.length > 1) {
      (await this.run(tokens.slice(0, 1), 0)).dispose();
      start = 1;
    }
    const chunk = prefillChunkTokens(this.vocabSize ?? 1, this.contract.bytesPerLogit, this.prefillBudgetBytes);
    for (; tokens.length - start > chunk; start += chunk) {
      (await this.run(tokens.slice(start, start + chunk), 0)).dispose();
    }
    return this.forward(tokens.slice(start), true, read);
  }

  /**
   * The outputs ORT should return: every output where the session puts it, except the logits on the GPU path, which
   * go into this model's own GPU buffer (ORT's pre-allocated outputs). Undefined (ORT's default) on the host paths
   * and until the vocabulary width is known.
   */
  private fetches(fed: number, logitsToKeep: number): Record<string, Tensor | null> | undefined {
    const vocabSize = this.vocabSize;
    if (!this.logitsOutput || vocabSize === null) return undefined;
    const rows = logitsToKeep === 1 && this.contract.hasLogitsToKeep ? 1 : fed;
    const fetches: Record<string, Tensor | null> = {};
    for (const name of this.session.outputNames) fetches[name] = null;
    fetches['logits'] = this.logitsOutput.tensor(this.logitsElementType, rows, vocabSize);
    return fetches;
  }

  private get logitsElementType(): LogitsElementType {
    return this.contract.bytesPerLogit === 2 ? 'float16' : 'float32';
  }

  /**
   * The block of a pass's logits tensor. On the GPU path only what `read` asks for comes back (picks, or the rows'
   * values); otherwise the block is read into JS memory if ORT left it on the GPU. With `lastOnly` only the last row
   * is kept, so that the rest of the block can be released.
   */
  private async readLogits(tensor: Tensor, lastOnly: boolean, read: LogitsRead): Promise<LogitsBlock> {
    const [, rowsAll, vocabSize] = tensor.dims as [number, number, number];
    if (tensor.location === 'gpu-buffer' && this.gpuLogits && this.logitsPath === 'gpu') {
      const firstRow = lastOnly ? rowsAll - 1 : 0;
      const rows = rowsAll - firstRow;
      const buffer = tensor.gpuBuffer as GPUBuffer;
      const type = this.logitsElementType;
      const block = await this.meter.awaiting<LogitsBlock>(
        read === 'picks' ? this.gpuLogits.picks(buffer, type, firstRow, rows, vocabSize) : this.gpuLogits.values(buffer, type, firstRow, rows, vocabSize),
      );
      this.meter.recordRead(read === 'picks' ? rows * rowResultBytes : rows * vocabSize * this.contract.bytesPerLogit);
      return block;
    }
    let raw = tensor.data;
    if (tensor.location !== 'cpu') {
      raw = await this.meter.awaiting(tensor.getData());
      this.meter.recordRead(bytesOf(raw));
    }
    const all = logitsValues(raw, tensor.type);
    const rows = lastOnly ? 1 : rowsAll;
    const values = lastOnly && rowsAll > 1 ? all.slice((rowsAll - 1) * vocabSize) : all;
    return this.logitsPath === 'host-full' ? new FullyConvertedLogits(values, rows, vocabSize) : new HostLogits(values, rows, vocabSize);
  }

  rollbackTo(length: number): void {
    this.cache.truncate(length);
  }

  reset(): void {
    this.cache.reset();
  }

  dispose(): void {
    this.cache.dispose();
    this.logitsOutput?.release();
    this.picks?.dispose();
    this.picks = null;
  }

  get canDeferPicks(): boolean {
    return this.logitsOutput !== null && this.vocabSize !== null;
  }

  async forwardDeferred(tokens: readonly number[] | 'previous', maxSteps: number): Promise<void> {
    const vocabSize = this.vocabSize;
    if (!this.gpuLogits || !this.logitsOutput || vocabSize === null)
      throw new Error(`${this.name} cannot keep picks on the GPU: that needs the 'gpu' logits path and a known vocabulary width`);
    if (!this.picks || (tokens !== 'previous' && this.picks.capacity < maxSteps)) {
      this.picks?.dispose();
      this.picks = this.gpuLogits.deferredPicks(Math.max(maxSteps, keptLogitsRows));
    }
    const picks = this.picks;
    // Ids from the host start a proposal: whatever an earlier one left unread (it failed midway) is dropped.
    if (tokens !== 'previous') picks.restart();
    const input = tokens === 'previous' ? { tensor: picks.tokenInput(picks.steps - 1), length: 1 } : tokens;
    const logitsTensor = await this.run(input, 1);
    try {
      const rows = logitsTensor.dims[1]!;
      await this.meter.awaiting(picks.add(logitsTensor.gpuBuffer as GPUBuffer, this.logitsElementType, rows - 1, vocabSize));
    } finally {
      logitsTensor.dispose();
    }
  }

  async readDeferredPicks(): Promise<(GreedyPick | InvalidLogitsError)[]> {
    if (!this.picks) return [];
    const picks = this.picks;
    const steps = picks.steps;
    const outcomes = await this.meter.awaiting(picks.read());
    this.meter.recordRead(steps * rowResultBytes);
    return outcomes.map((outcome) => (outcome instanceof InvalidLogitsError ? outcome : { token: outcome.token, confidence: 1 / outcome.sumExp }));
  }

  /**
   * One pass over `tokens` on the cache; adopts the new cache and returns the logits tensor, which the caller
   * disposes. `logitsToKeep` (0 = every position) reaches exports with a `num_logits_to_keep` input.
   */
  private async run(tokens: readonly number[] | GpuTokenIds, logitsToKeep: number): Promise<Tensor> {
    if (tokens.length === 0) throw new Error('forward needs at least one token');
    // Cuts still queued must reach the GPU before a pass reads the cache they wrote.
    this.gpuCopies?.submit();
    const past = this.cache.length;
    const total = past + tokens.length;
    const feeds: Record<string, Tensor> = {
      input_ids: 'tensor' in tokens ? tokens.tensor : new Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, tokens.length]),
      attention_mask: new Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      ...this.cache.feeds(),
    };
    if (this.contract.hasPositionIds) {
      const positions = new BigInt64Array(tokens.length);
      for (let i = 0; i < tokens.length; i++) positions[i] = BigInt(past + i);
      feeds['position_ids'] = new Tensor('int64', positions, [1, tokens.length]);
    }
    // 0 asks exports that support it for logits at every position, which verification needs.
    if (this.contract.hasLogitsToKeep) feeds['num_logits_to_keep'] = new Tensor('int64', BigInt64Array.of(BigInt(logitsToKeep)), []);
    if (this.contract.hasCacheBranch) feeds['use_cache_branch'] = new Tensor('bool', Uint8Array.of(past > 0 ? 1 : 0), [1]);

    const outputs = (await this.meter.awaiting(this.session.run(feeds, this.fetches(tokens.length, logitsToKeep)))) as Record<string, Tensor>;
    const logitsTensor = outputs['logits'];
    try {
      if (!logitsTensor) throw new Error(`${this.name} returned no "logits" output`);
      this.cache.adopt(outputs, tokens.length);
    } catch (error) {
      // Nothing was adopted: the outputs of this pass are ours to release (on WebGPU, present.* are GPU buffers),
      // except any that is one of the cache's own tensors handed back.
      const cached = new Set(Object.values(this.cache.feeds()));
      for (const tensor of Object.values(outputs)) if (!cached.has(tensor)) tensor.dispose();
      throw error;
    }
    this.observedVocabSize ??= logitsTensor.dims[2] ?? null;
    // ORT copied a CPU tensor out of its heap (WASM) or back from the GPU (WebGPU's default) before returning it.
    if (logitsTensor.location === 'cpu') this.meter.recordRead(bytesOf(logitsTensor.data));
    return logitsTensor;
  }
}

/** Float16Array exists only in newer runtimes (and TypeScript's newest lib). */
const Float16 = (globalThis as { Float16Array?: new (n: number) => unknown }).Float16Array;

function bytesOf(data: Tensor['data']): number {
  return ArrayBuffer.isView(data) ? data.byteLength : 0;
}

/** The values of a logits tensor as float32, or as fp16 bit patterns (a Float16Array is viewed as its bits). */
function logitsValues(raw: Tensor['data'], type: string): Float32Array | Uint16Array {
  if (raw instanceof Float32Array || raw instanceof Uint16Array) return raw;
  if (Float16 && raw instanceof Float16) {
    const half = raw as unknown as Uint16Array;
    return new Uint16Array(half.buffer, half.byteOffset, half.length);
  }
  throw new Error(`unsupported logits type ${type}`);
}
