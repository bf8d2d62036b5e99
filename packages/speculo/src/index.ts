// The public data types live in types/; everything else here is behaviour.
export type {
  Backend,
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionExtension,
  ChatCompletionRequest,
  ChatCompletionUsage,
  ChatFinishReason,
  ChatMessage,
  DeviceOption,
  DeviceProfile,
  DoneEvent,
  DrafterCost,
  DrafterKind,
  DtypeOption,
  EngineInfo,
  EngineOptions,
  FinishReason,
  GenerateOptions,
  GenerationMetrics,
  GenerationResult,
  GuardrailConfig,
  GuardrailConfigInput,
  GuardrailEvent,
  GuardrailStreamEvent,
  HostWork,
  LogitsPathOption,
  LifetimeTelemetry,
  LoadProgress,
  ModelInfo,
  ReplayReport,
  RoundDecision,
  RoundObserver,
  RoundPlan,
  RoundRecord,
  RoundReport,
  CalibrateOption,
  CalibrationState,
  SchedulerOptions,
  SchedulerPolicyName,
  SpeculoEvent,
  SpeculoTrace,
  StreamOptions,
  TokenEvent,
  TokenSource,
  TraceOptions,
  TraceRound,
  TraceSink,
  TraceSinkRecord,
} from './types/index.js';
export { createSpeculo, SpeculoEngine, GuardrailEngineEvent } from './client/speculo-engine.js';
export type { ChatCompletions, ChatCompletionCallOptions } from './client/chat-completions.js';
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
export { parseGuardrailConfig, guardrailConfigHash, defaultGuardrailConfig } from './guard/guardrail-config.js';
export { replayTrace } from './trace/replay.js';
// Scheduling.
export { parseDeviceProfile } from './schedule/device-profile.js';
// Lower-level pieces, for apps that run transformers.js in their own worker.
export { WorkerEngine, type AttachedModel } from './worker/worker-engine.js';
export { SpeculativeDecoder, type DecodeRequest, type DecoderParts } from './decode/speculative-decoder.js';
export { SpeculationController, RoundController, type CallSchedule } from './schedule/speculation-controller.js';
export { CausalLmRunner, type CausalLmRunnerOptions, type ForwardModel } from './models/causal-lm-runner.js';
export { ModelDrafter } from './draft/model-drafter.js';
export { PromptLookupDrafter, NgramCacheDrafter, NgramCache, CompositeDrafter } from './draft/lookup/index.js';
export type { Drafter, DraftProposal, DraftRequest } from './draft/drafter.js';
export { libraryVersion } from './version.js';
