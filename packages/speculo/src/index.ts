export { createSpeculo, SpeculoEngine, type StreamOptions, type SpeculoEvent, type DoneEvent } from './client/speculo-engine.js';
export type { EngineOptions, EngineInfo, ModelInfo, LoadProgress, DeviceOption, DtypeOption, Backend } from './api/types.js';
export type { GenerateOptions } from './api/validate-options.js';
export type { GenerationResult, TokenEvent, TokenSource, FinishReason, RoundRecord } from './decode/types.js';
export type { GenerationMetrics } from './metrics/metrics.js';
export {
  SpeculoError,
  IncompatibleModelsError,
  UnsupportedModelError,
  ModelLoadError,
  WebGPUUnavailableError,
  EngineDisposedError,
  EngineBusyError,
} from './errors.js';
export { SpeculativeDecoder, type DecodeRequest, type DecoderParts } from './decode/speculative-decoder.js';
export { CausalLmRunner } from './models/causal-lm-runner.js';
export { ModelDrafter } from './draft/model-drafter.js';
export type { Drafter, DraftProposal } from './draft/drafter.js';
