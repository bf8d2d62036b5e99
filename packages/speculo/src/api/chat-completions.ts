import type { FinishReason, GenerationResult, TokenSource } from '../decode/types.js';
import type { GenerationMetrics } from '../metrics/metrics.js';
import { assertKnownKeys, assertOptionsObject, keysOf } from './option-names.js';
import type { ChatMessage, GenerateOptions } from './validate-options.js';

/**
 * The request of `engine.chat.completions.create`, in OpenAI's Chat Completions shape (as WebLLM offers it), so
 * that code written against OpenAI's SDK or WebLLM runs unchanged. Parameters OpenAI has and a local speculative
 * engine cannot honour (`n` > 1, penalties, logprobs, tools) are refused by name rather than ignored.
 */
export interface ChatCompletionRequest {
  messages: ChatMessage[];
  /** Ignored: the engine's target model answers. Echoed back as the target's id. */
  model?: string | null;
  /** Stream chunks (`await create(...)` then `for await`) instead of returning one completion. */
  stream?: boolean | null;
  /** With `include_usage`, a last chunk carries `usage` (and no choices), as OpenAI sends it. */
  stream_options?: { include_usage?: boolean | null } | null;
  /** Upper bound on generated tokens; default 128. `max_completion_tokens` is the newer name of the same thing. */
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  /** Default 0, greedy decoding (OpenAI's default is 1). */
  temperature?: number | null;
  top_p?: number | null;
  seed?: number | null;
  stop?: string | string[] | null;
  /** Only 1 is supported. */
  n?: number | null;
  /** Only 0 (or absent) is supported. */
  frequency_penalty?: number | null;
  /** Only 0 (or absent) is supported. */
  presence_penalty?: number | null;
  /** Only false (or absent) is supported. */
  logprobs?: boolean | null;
  /** Ignored (OpenAI uses it for abuse monitoring). */
  user?: string | null;
  /** Speculo's own per-call options, for what OpenAI's request has no name for. */
  speculo?: SpeculationOptions & Pick<GenerateOptions, 'topK'>;
}

/**
 * Speculo's own per-call options, which APIs shaped after others have no names for: the `speculo` field of a chat
 * completion request and `providerOptions.speculo` of the AI SDK provider.
 */
export type SpeculationOptions = Pick<GenerateOptions, 'draftLength' | 'policy' | 'drafter' | 'speculative'>;
export const speculationOptionNames = keysOf<SpeculationOptions>()(['draftLength', 'policy', 'drafter', 'speculative']);

const requestNames = keysOf<ChatCompletionRequest>()([
  'messages',
  'model',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'seed',
  'stop',
  'n',
  'frequency_penalty',
  'presence_penalty',
  'logprobs',
  'user',
  'speculo',
]);
/** The `speculo` field: the speculation options, plus topK, which OpenAI's request has no name for either. */
const extensionNames = [...speculationOptionNames, 'topK'];
/** OpenAI parameters with no local meaning yet: named in the error so that the caller knows it is not a typo. */
const unsupportedNames = ['tools', 'tool_choice', 'functions', 'function_call', 'response_format', 'logit_bias', 'top_logprobs', 'parallel_tool_calls'];

export interface ChatCompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** OpenAI's finish reasons: `stop` for EOS or a stop string, `length` for the token or context limit. */
export type ChatFinishReason = 'stop' | 'length';

/** What Speculo adds to a completion (an extension field, which OpenAI clients ignore). */
export interface ChatCompletionExtension {
  metrics: GenerationMetrics;
  finishReason: FinishReason;
  /** `provenance[i]` says which model chose generated token `i`. */
  provenance: TokenSource[];
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  /** Unix time in seconds. */
  created: number;
  model: string;
  choices: { index: 0; message: { role: 'assistant'; content: string }; finish_reason: ChatFinishReason; logprobs: null }[];
  usage: ChatCompletionUsage;
  speculo: ChatCompletionExtension;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: { index: 0; delta: { role?: 'assistant'; content?: string }; finish_reason: ChatFinishReason | null; logprobs: null }[];
  /** Only on the usage chunk, when `stream_options.include_usage` asked for it. */
  usage?: ChatCompletionUsage;
  /** On the chunk that carries the finish reason. */
  speculo?: ChatCompletionExtension;
}

/**
 * Checks a chat completion request and turns it into `generate` options. Unknown names get the closest valid
 * one; OpenAI parameters the engine cannot honour are refused by name.
 */
export function generateOptionsOfChatRequest(request: ChatCompletionRequest): GenerateOptions {
  assertOptionsObject(request, 'the chat.completions.create request', "{ messages: [{ role: 'user', content: 'Hi' }] }");
  const unsupported = Object.keys(request).find((key) => unsupportedNames.includes(key));
  if (unsupported) throw new RangeError(`${unsupported} is not supported by chat.completions.create: the engine generates plain text`);
  assertKnownKeys(request, requestNames, 'chat.completions.create request');
  if (request.speculo !== undefined) assertKnownKeys(request.speculo, extensionNames, "the request's speculo options");
  refuseUnless('n', request.n, 1, 'one choice is generated per request');
  refuseUnless('frequency_penalty', request.frequency_penalty, 0, "penalties would change the target's distribution");
  refuseUnless('presence_penalty', request.presence_penalty, 0, "penalties would change the target's distribution");
  refuseUnless('logprobs', request.logprobs, false, 'log-probabilities are not returned');
  if (request.max_tokens != null && request.max_completion_tokens != null && request.max_tokens !== request.max_completion_tokens) {
    throw new RangeError(`max_tokens (${request.max_tokens}) and max_completion_tokens (${request.max_completion_tokens}) disagree: give one`);
  }
  const maxNewTokens = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const stop = request.stop == null ? undefined : typeof request.stop === 'string' ? [request.stop] : request.stop;
  return {
    messages: request.messages,
    ...(maxNewTokens === undefined ? {} : { maxNewTokens }),
    ...(request.temperature == null ? {} : { temperature: request.temperature }),
    ...(request.top_p == null ? {} : { topP: request.top_p }),
    ...(request.seed == null ? {} : { seed: request.seed }),
    ...(stop === undefined ? {} : { stop }),
    ...request.speculo,
  };
}

function refuseUnless(name: string, value: unknown, supported: unknown, why: string): void {
  if (value == null || value === supported) return;
  throw new RangeError(`${name} must be ${JSON.stringify(supported)} (or absent) in chat.completions.create, got ${JSON.stringify(value)}: ${why}`);
}

export function chatFinishReasonOf(reason: FinishReason): ChatFinishReason {
  return reason === 'eos' || reason === 'stop-string' ? 'stop' : 'length';
}

export function usageOf(result: GenerationResult): ChatCompletionUsage {
  return { prompt_tokens: result.promptTokens, completion_tokens: result.tokenIds.length, total_tokens: result.promptTokens + result.tokenIds.length };
}

export function extensionOf(result: GenerationResult): ChatCompletionExtension {
  return { metrics: result.metrics, finishReason: result.finishReason, provenance: result.provenance };
}

/** The id and timestamp every chunk of one completion shares. */
export function completionHeader(model: string): { id: string; created: number; model: string } {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
  return { id: `chatcmpl-${random}`, created: Math.floor(Date.now() / 1000), model };
}

export function completionOf(header: ReturnType<typeof completionHeader>, result: GenerationResult): ChatCompletion {
  return {
    ...header,
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: result.text }, finish_reason: chatFinishReasonOf(result.finishReason), logprobs: null }],
    usage: usageOf(result),
    speculo: extensionOf(result),
  };
}
