import type {
  ChatCompletion,
  ChatCompletionExtension,
  ChatCompletionRequest,
  ChatCompletionUsage,
  ChatFinishReason,
  FinishReason,
  GenerateOptions,
  GenerationResult,
  SpeculationOptions,
} from '../types/index.js';

import { assertKnownKeys, assertOptionsObject, keysOf } from './option-names.js';

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
