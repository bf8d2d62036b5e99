import type { GenerateOptions, SpeculationOptions } from '../types/index.js';
import type { LanguageModelV4CallOptions, SharedV4Warning } from '@ai-sdk/provider';
import { speculationOptionNames } from '../api/chat-completions.js';
import { assertKnownKeys, assertOptionsObject } from '../api/option-names.js';
import { normalizeGenerateOptions } from '../api/validate-options.js';
import { chatMessagesOfPrompt } from './prompt.js';

/** A call of the AI SDK as the engine's options, and the warnings the AI SDK reports for it. */
export interface EngineCall {
  options: GenerateOptions;
  warnings: SharedV4Warning[];
}

/**
 * Maps the AI SDK's call options onto `generate` options: `maxOutputTokens` → `maxNewTokens`, `stopSequences` →
 * `stop`, and `temperature`, `topP`, `topK` and `seed` as they are. Without a temperature the engine decodes
 * greedily (temperature 0), as `generate` and `chat.completions` do. `providerOptions.speculo` carries Speculo's
 * own options (`draftLength`, `policy`, `drafter`, `speculative`) over `defaults`, the model's.
 *
 * What cannot work is refused with a RangeError naming it: tools the model may call (the engine writes plain text,
 * never a tool call), a JSON response format (output is not constrained to JSON) and non-text prompt parts.
 * Settings the engine does without, as the specification's `warnings` are for, become `unsupported` warnings:
 * penalties and a reasoning effort. Bad values are refused as `generate` refuses them.
 */
export function engineCallOf(call: LanguageModelV4CallOptions, defaults: SpeculationOptions = {}): EngineCall {
  if (call.tools?.length && call.toolChoice?.type !== 'none') {
    throw new RangeError(
      `tools (${call.tools.map((t) => t.name).join(', ')}) are not supported by the speculo provider: the engine writes plain text, never a tool call; leave tools out or set toolChoice 'none'`,
    );
  }
  if (call.responseFormat?.type === 'json') {
    throw new RangeError("responseFormat 'json' is not supported by the speculo provider: the engine does not constrain its output to JSON");
  }
  const warnings: SharedV4Warning[] = [];
  for (const feature of ['frequencyPenalty', 'presencePenalty'] as const) {
    const value = call[feature];
    if (value != null && value !== 0)
      warnings.push({ type: 'unsupported', feature, details: `ignored (${value}): penalties would change the target's distribution, which speculation preserves` });
  }
  if (call.reasoning != null && call.reasoning !== 'provider-default' && call.reasoning !== 'none') {
    warnings.push({ type: 'unsupported', feature: 'reasoning', details: `ignored ('${call.reasoning}'): the engine has no reasoning effort setting` });
  }
  const extension = call.providerOptions?.['speculo'];
  if (extension !== undefined) {
    assertOptionsObject(extension, 'providerOptions.speculo', '{ draftLength: 4 }');
    assertKnownKeys(extension, speculationOptionNames, 'providerOptions.speculo');
  }
  const options: GenerateOptions = {
    messages: chatMessagesOfPrompt(call.prompt),
    ...(call.maxOutputTokens == null ? {} : { maxNewTokens: call.maxOutputTokens }),
    ...(call.temperature == null ? {} : { temperature: call.temperature }),
    ...(call.topP == null ? {} : { topP: call.topP }),
    ...(call.topK == null ? {} : { topK: call.topK }),
    ...(call.seed == null ? {} : { seed: call.seed }),
    ...(call.stopSequences?.length ? { stop: call.stopSequences } : {}),
    ...defaults,
    ...(extension as SpeculationOptions | undefined),
  };
  // Refuse bad values when the call starts, not at the first part of its stream.
  normalizeGenerateOptions(options);
  return { options, warnings };
}
