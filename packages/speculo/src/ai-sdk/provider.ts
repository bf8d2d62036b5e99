import type { SpeculationOptions } from '../types/index.js';
import type { ProviderV4 } from '@ai-sdk/provider';
import { speculationOptionNames } from '../api/chat-completions.js';
import { assertKnownKeys, assertOptionsObject } from '../api/option-names.js';
import type { StreamingEngine } from '../client/engine-stream.js';
import { SpeculoLanguageModel } from './language-model.js';

/**
 * The AI SDK provider of one loaded engine. Call it for its language model (`provider()` or
 * `provider({ draftLength: 4 })`); `languageModel(id)` serves provider registries and takes the engine's target id.
 */
export interface SpeculoProvider extends ProviderV4 {
  (settings?: SpeculationOptions): SpeculoLanguageModel;
  languageModel(modelId: string, settings?: SpeculationOptions): SpeculoLanguageModel;
}

/**
 * An AI SDK provider for a loaded engine (`createSpeculo(...)`), so that `ai`'s `generateText`, `streamText` and
 * the rest run on it:
 *
 * ```ts
 * const speculo = createSpeculoProvider(engine);
 * const { textStream } = streamText({ model: speculo(), prompt: 'Hi', maxOutputTokens: 64 });
 * ```
 */
export function createSpeculoProvider(engine: StreamingEngine): SpeculoProvider {
  const model = (settings: SpeculationOptions = {}) => {
    assertOptionsObject(settings, 'the speculo model settings', '{ draftLength: 4 }');
    assertKnownKeys(settings, speculationOptionNames, 'the speculo model settings');
    return new SpeculoLanguageModel(engine, settings);
  };
  const noModel = (kind: string) => (modelId: string) => {
    throw new RangeError(`the speculo provider has no ${kind} model ("${modelId}"): it serves the engine's language model, ${engine.info.target.id}`);
  };
  return Object.assign(model, {
    specificationVersion: 'v4' as const,
    languageModel(modelId: string, settings?: SpeculationOptions) {
      if (modelId !== engine.info.target.id) {
        throw new RangeError(`the speculo provider serves the engine's target "${engine.info.target.id}", not "${modelId}": load that model with createSpeculo`);
      }
      return model(settings);
    },
    embeddingModel: noModel('embedding'),
    imageModel: noModel('image'),
  });
}

/** The language model of a loaded engine, for `streamText({ model: speculo(engine), ... })`. */
export function speculo(engine: StreamingEngine, settings?: SpeculationOptions): SpeculoLanguageModel {
  return createSpeculoProvider(engine)(settings);
}
