import type { DeviceProfile } from './device-profile.js';
import type { GenerationResult, GuardrailStreamEvent, TokenEvent } from './generation.js';
import type { GuardrailConfigInput, GuardrailEvent } from './guardrail.js';
import type { TraceSink } from './trace.js';
import type { DrafterKind, GenerateOptions, SchedulerPolicyName } from './options.js';

/** Where the models run. `auto` takes WebGPU when an adapter is available and WASM otherwise. */
export type DeviceOption = (typeof deviceOptions)[number];
export const deviceOptions = ['auto', 'webgpu', 'wasm'] as const;
export type Backend = 'webgpu' | 'wasm';

/** Weight formats of Hugging Face ONNX exports, as transformers.js names them (`onnx/model_<dtype>.onnx`). */
export type DtypeOption = (typeof dtypeOptions)[number];
export const dtypeOptions = ['auto', 'fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16'] as const;

/**
 * Progress while the engine loads: per model file (`loaded`/`total` in bytes), then, on the first visit with a
 * device and model pair, the device calibration (`model: 'profile'`, `status: 'calibrate'`, steps done/total).
 */
export interface LoadProgress {
  model: 'target' | 'draft' | 'profile';
  /** The model id or path. */
  name: string;
  /** File inside the model repository, e.g. `onnx/model_q4.onnx`; `device-profile` while calibrating. */
  file: string;
  status: 'initiate' | 'download' | 'progress' | 'done' | 'calibrate';
  loaded: number;
  total: number;
}

/** The values of {@link SchedulerOptions.calibrate}. */
export type CalibrateOption = boolean | 'background' | 'eager';

/** Where the device profile stands: in use, being measured in idle moments, or not measured at all. */
export type CalibrationState = 'ready' | 'measuring' | 'off';

/** How the engine chooses γ. */
export interface SchedulerOptions {
  /** Default policy of every call: `adaptive` (default), `static` (fixed `draftLength`) or `heuristic`. */
  policy?: SchedulerPolicyName;
  /** γ of the `static` policy and the start of the `heuristic` one; default 4. */
  draftLength?: number;
  /**
   * Largest γ the adaptive and heuristic policies may pick. Default: 16 for heuristic; for adaptive, the longest
   * draft the device profile measured (8: verify passes of 1..9 tokens), so that it never bets on extrapolated costs.
   */
  maxDraftLength?: number;
  /** In-round early stop of the adaptive policy: cost-aware (default), a fixed confidence threshold, or off. */
  earlyStop?: 'cost-aware' | 'off' | { threshold: number };
  /**
   * How the device's cost curve is measured on first use of a pair (then kept in IndexedDB; later visits load it):
   * - `'background'` (default; `true` means the same): the engine is ready as soon as the models are loaded. Until
   *   the profile is measured, calls that would run the adaptive policy decode with the target alone (time to
   *   first token is target-only's), and the engine measures in its idle moments, giving way to any call within
   *   one forward pass. `engine.calibrated()` resolves when the profile is in use.
   * - `'eager'`: measure before `createSpeculo` resolves (a few seconds, reported through onProgress), so the first
   *   generation already runs adaptively: what benchmarks want.
   * - `false`: never measure; the adaptive policy is not available and calls run the static `draftLength`.
   */
  calibrate?: CalibrateOption;
}

export interface EngineOptions {
  /**
   * The model whose output you want: a Hub id (`org/name`), or with `localModelPath` a folder name under that path.
   * Not a path or URL.
   */
  target: string;
  /**
   * Smaller model with the same tokenizer that proposes tokens, named like `target`. Without one, the engine decodes
   * with the target alone.
   */
  draft?: string;
  device?: DeviceOption;
  /** One dtype for both models, or one each. Defaults to `auto` (transformers.js's choice per device). */
  dtype?: DtypeOption | { target?: DtypeOption; draft?: DtypeOption };
  onProgress?: (progress: LoadProgress) => void;
  /** Model repository revision (branch, tag or commit); defaults to `main`. */
  revision?: string;
  /**
   * Where models are fetched from. By default from the Hugging Face Hub; set `localModelPath` (a path on this
   * origin such as `/models/`) and `allowRemoteModels: false` to serve them yourself.
   */
  localModelPath?: string;
  /** `false` never fetches from `remoteHost` (the Hub by default): models come from `localModelPath` only. */
  allowRemoteModels?: boolean;
  /**
   * A Hub-compatible host to fetch models from instead of `https://huggingface.co/`, such as a CDN of your own
   * (`https://cdn.example.com/models/`). An absolute http(s) URL.
   */
  remoteHost?: string;
  /**
   * How `remoteHost` lays out a model's files: `{model}` is the id, `{revision}` the revision. Default
   * `'{model}/resolve/{revision}/'` (the Hub's); `'{model}/'` for plain folders.
   */
  remotePathTemplate?: string;
  /**
   * URLs of ORT's `ort-wasm-simd-threaded.asyncify.{mjs,wasm}`. transformers.js otherwise loads them from a CDN.
   */
  wasmPaths?: { mjs: string; wasm: string };
  /** A worker you created from `speculo/worker` yourself (bundlers that cannot follow `new URL(…, import.meta.url)`). */
  worker?: Worker;
  /**
   * Default drafter: `model` (the draft model; the default when there is one), `prompt-lookup` (copies from the
   * prompt and output, no second model; the default without a draft), `ngram-cache` (statistics of earlier
   * requests), `composite` (lookups when long and confident, else the model).
   */
  drafter?: DrafterKind;
  scheduler?: SchedulerOptions;
  /** Guardrails (acceptance floor, minimum projected speedup, γ cap); validated at load, refused with the bad field named. */
  guardrails?: GuardrailConfigInput;
  /** Memory budget of the cross-request n-gram cache, bytes; default 4 MiB. */
  ngramCacheBytes?: number;
  /**
   * How a round reads the models' logits; a benchmarking knob, the output is the same on every path. `auto` (the
   * default) is `gpu` on WebGPU and `host` on WASM. `gpu`: logits stay on the GPU, in a buffer ORT writes into, and a
   * small kernel reduces each row there, so a greedy round reads back 16 bytes a row (sampling reads the rows it
   * needs). `host`: logits come to JS memory and each row is read only as far as the round needs (a greedy pick
   * scans fp16 rows without converting them). `host-full`: the earlier path, the whole block converted to float32
   * on arrival and confidences from an exact softmax, kept so that the host-overhead benchmark can set the paths
   * side by side.
   */
  logitsPath?: LogitsPathOption;
}

/** The values of {@link EngineOptions.logitsPath}. */
export const logitsPathOptions = ['auto', 'gpu', 'host', 'host-full'] as const;
export type LogitsPathOption = (typeof logitsPathOptions)[number];

/** What the engine runs on, as the page can show it. */
export interface EngineInfo {
  backend: Backend;
  adapter: { vendor: string; architecture: string; device: string; description: string; shaderF16: boolean } | null;
  target: ModelInfo;
  draft: ModelInfo | null;
  /** Largest prompt + output length the pair accepts. */
  maxSequenceLength: number;
  /** Drafters this engine can use, and the default one. */
  drafters: DrafterKind[];
  defaultDrafter: DrafterKind | null;
  /** What each drafter costs: bytes downloaded and stored, GPU memory, cache memory. */
  drafterCosts: Partial<Record<DrafterKind, DrafterCost>>;
  /**
   * The scheduler's default policy, the device profile it uses (null when not calibrated), and the calibration's
   * state (`measuring`: background calibration has not finished; adaptive calls decode with the target alone).
   */
  scheduler: { policy: SchedulerPolicyName; profile: DeviceProfile | null; calibration: CalibrationState };
  /** The guardrails in force: version and content hash, or null. */
  guardrails: { version: string; sha256: string } | null;
}

export interface ModelInfo {
  id: string;
  modelType: string;
  dtype: string;
  vocabSize: number;
  /** Bytes of the files loaded for this model, when the loader reported them. */
  bytes: number;
  files: Record<string, number>;
}

/** What running a drafter costs the user's machine, in bytes. */
export interface DrafterCost {
  /** Bytes fetched over the network to set the drafter up (model weights, tokenizer). */
  downloadBytes: number;
  /** Bytes kept in browser storage (Cache API, OPFS, IndexedDB) between sessions. */
  storedBytes: number;
  /** GPU memory held: weights, KV cache, activations. */
  gpuBytes: number;
  /** CPU-side memory of indexes and statistics. */
  cacheBytes: number;
}

/** Per-call options: what to generate, plus an AbortSignal and a trace sink. */
export interface StreamOptions extends GenerateOptions {
  /**
   * Aborts the call as `fetch` does: it rejects at once with `signal.reason`, which is a `DOMException` named
   * `AbortError` unless you passed your own reason to `abort(reason)`.
   */
  signal?: AbortSignal;
  /** Receives the trace's header, each round and event as it happens, then the end record (implies `trace`). */
  traceSink?: TraceSink;
}

/** The last event of a stream, carrying the whole result and its metrics. */
export interface DoneEvent {
  type: 'done';
  result: GenerationResult;
}

export type SpeculoEvent = TokenEvent | GuardrailStreamEvent | DoneEvent;

/** Options of `SpeculoEngine.generate`: those of `stream` plus callbacks for tokens and guardrail events. */
export interface GenerateCallOptions extends StreamOptions {
  onToken?: (event: TokenEvent) => void;
  onGuardrail?: (event: GuardrailEvent) => void;
}
