import type { SpeculationOptions } from '../types/index.js';
import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4GenerateResult, LanguageModelV4StreamResult } from '@ai-sdk/provider';
import { resultOfStream, type StreamingEngine } from '../client/engine-stream.js';
import { engineCallOf } from './call-options.js';
import { finishReasonOf, providerMetadataOf, usageOfResult } from './result.js';
import { streamOfEvents } from './stream-parts.js';

/**
 * A loaded engine as a language model of the AI SDK (specification v4, what `ai` 7's `generateText` and
 * `streamText` take). Each call runs one generation on the engine, so the engine's rules apply: one call at a time
 * (`EngineBusyError` otherwise), and an aborted call rejects with the signal's reason and frees the engine at once.
 */
export class SpeculoLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = 'v4';
  readonly provider = 'speculo';
  readonly modelId: string;
  /** No URLs are read by the model: the engine takes text only. */
  readonly supportedUrls = {};

  constructor(
    private readonly engine: StreamingEngine,
    /** Speculo's own options for every call; a call's `providerOptions.speculo` overrides them. */
    private readonly settings: SpeculationOptions = {},
  ) {
    this.modelId = engine.info.target.id;
  }

  async doGenerate(call: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const { options, warnings, events } = this.start(call);
    const result = await resultOfStream(events);
    return {
      content: result.text ? [{ type: 'text', text: result.text }] : [],
      finishReason: finishReasonOf(result.finishReason),
      usage: usageOfResult(result),
      providerMetadata: providerMetadataOf(result),
      request: { body: options },
      response: { modelId: this.modelId, timestamp: new Date() },
      warnings,
    };
  }

  async doStream(call: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const { options, warnings, events } = this.start(call);
    return { stream: streamOfEvents(events, { warnings, modelId: this.modelId, includeRawChunks: call.includeRawChunks === true }), request: { body: options } };
  }

  /** Starts the engine's generation for a call, with its abort signal. */
  private start(call: LanguageModelV4CallOptions) {
    const { options, warnings } = engineCallOf(call, this.settings);
    return { options, warnings, events: this.engine.stream({ ...options, ...(call.abortSignal ? { signal: call.abortSignal } : {}) }) };
  }
}
