import type { JSONObject, LanguageModelV4FinishReason, LanguageModelV4Usage, SharedV4ProviderMetadata } from '@ai-sdk/provider';
import { chatFinishReasonOf, extensionOf } from '../api/chat-completions.js';
import type { FinishReason, GenerationResult } from '../types/index.js';

/**
 * The AI SDK's finish reason: `stop` for EOS or a stop string, `length` for `maxOutputTokens` or the context limit
 * (as in chat completions), with Speculo's own reason as `raw`.
 */
export function finishReasonOf(reason: FinishReason): LanguageModelV4FinishReason {
  return { unified: chatFinishReasonOf(reason), raw: reason };
}

/**
 * Prompt and generated tokens (EOS included). The engine prefills every prompt whole, so nothing is read from a
 * cache; reasoning is not told apart from text.
 */
export function usageOfResult(result: GenerationResult): LanguageModelV4Usage {
  const output = result.tokenIds.length;
  return {
    inputTokens: { total: result.promptTokens, noCache: result.promptTokens, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: undefined },
  };
}

/** `providerMetadata.speculo`: the metrics, Speculo's finish reason and each token's provenance, as chat completions carry them. */
export function providerMetadataOf(result: GenerationResult): SharedV4ProviderMetadata {
  // Plain data (numbers, strings, arrays of them, null), so JSON as the type asks.
  return { speculo: extensionOf(result) as unknown as JSONObject };
}
