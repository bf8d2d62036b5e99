export { createSpeculo, SpeculoEngine, GuardrailEngineEvent, type StreamOptions, type SpeculoEvent, type DoneEvent } from './client/speculo-engine.js';
export type { EngineOptions, EngineInfo, ModelInfo, LoadProgress, DeviceOption, DtypeOption, Backend, SchedulerOptions } from './api/types.js';
export type { GenerateOptions, ChatMessage, DrafterKind, SchedulerPolicyName, TraceOptions } from './api/validate-options.js';
export type { ChatCompletions, ChatCompletionCallOptions } from './client/chat-completions.js';
export type { ChatCompletion, ChatCompletionChunk, ChatCompletionExtension, ChatCompletionRequest, ChatCompletionUsage, ChatFinishReason } from './api/chat-completions.js';
export type { GenerationResult, TokenEvent, GuardrailStreamEvent, TokenSource, FinishReason, RoundRecord } from './decode/types.js';
export type { GenerationMetrics } from './metrics/metrics.js';
export {
  SpeculoError,
  IncompatibleModelsError,
  UnsupportedModelError,
  ModelLoadError,
  WebGPUUnavailableError,
  UnsupportedEnvironmentError,
  EngineDisposedError,
  EngineBusyError,
  GuardrailConfigError,
  GuardrailAbortError,
  InvalidDeviceProfileError,
  InvalidLogitsError,
  type InvalidLogitsDetails,
  type SpeculoErrorCode,
} from './errors.js';
// Guardrails, audit trace and telemetry.
export { parseGuardrailConfig, guardrailConfigHash, defaultGuardrailConfig, type GuardrailConfig, type GuardrailConfigInput } from './guard/guardrail-config.js';
export type { GuardrailEvent } from './guard/guardrail-monitor.js';
export { replayTrace, type ReplayReport } from './trace/replay.js';
export type { SpeculoTrace, TraceRound, TraceSink, TraceSinkRecord } from './trace/trace-types.js';
export type { LifetimeTelemetry } from './trace/telemetry.js';
// Scheduling.
export { parseDeviceProfile, type DeviceProfile } from './schedule/device-profile.js';
export type { RoundDecision } from './schedule/policies.js';
export type { DrafterCost } from './draft/lookup/drafter-cost.js';
// Lower-level pieces, for apps that run transformers.js in their own worker.
export { WorkerEngine, type AttachedModel } from './worker/worker-engine.js';
export { SpeculativeDecoder, type DecodeRequest, type DecoderParts } from './decode/speculative-decoder.js';
export { CausalLmRunner, type CausalLmRunnerOptions } from './models/causal-lm-runner.js';
export { ModelDrafter } from './draft/model-drafter.js';
export { PromptLookupDrafter, NgramCacheDrafter, NgramCache, CompositeDrafter } from './draft/lookup/index.js';
export type { Drafter, DraftProposal, DraftRequest } from './draft/drafter.js';
export { libraryVersion } from './version.js';
