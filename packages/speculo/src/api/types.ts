/** Where the models run. `auto` takes WebGPU when an adapter is available and WASM otherwise. */
export type DeviceOption = 'auto' | 'webgpu' | 'wasm';
export type Backend = 'webgpu' | 'wasm';

/** Weight formats of Hugging Face ONNX exports, as transformers.js names them (`onnx/model_<dtype>.onnx`). */
export type DtypeOption = 'auto' | 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';

/** Progress of one file while the models load; `loaded`/`total` are bytes. */
export interface LoadProgress {
  model: 'target' | 'draft';
  /** The model id or path. */
  name: string;
  /** File inside the model repository, e.g. `onnx/model_q4.onnx`. */
  file: string;
  status: 'initiate' | 'download' | 'progress' | 'done';
  loaded: number;
  total: number;
}

export interface EngineOptions {
  /** Hugging Face model id or local path of the model whose output you want. */
  target: string;
  /** Smaller model with the same tokenizer that proposes tokens. Without one, the engine decodes with the target alone. */
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
  allowRemoteModels?: boolean;
  /**
   * URLs of ORT's `ort-wasm-simd-threaded.asyncify.{mjs,wasm}`. transformers.js otherwise loads them from a CDN.
   */
  wasmPaths?: { mjs: string; wasm: string };
  /** A worker you created from `speculo/worker` yourself (bundlers that cannot follow `new URL(…, import.meta.url)`). */
  worker?: Worker;
}

/** What the engine runs on, as the page can show it. */
export interface EngineInfo {
  backend: Backend;
  adapter: { vendor: string; architecture: string; device: string; description: string; shaderF16: boolean } | null;
  target: ModelInfo;
  draft: ModelInfo | null;
  /** Largest prompt + output length the pair accepts. */
  maxSequenceLength: number;
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
