import type { SpeculoEvent } from '../types/index.js';
import type { LanguageModelV4StreamPart, SharedV4Warning } from '@ai-sdk/provider';
import { finishReasonOf, providerMetadataOf, usageOfResult } from './result.js';

/**
 * The stream parts of one engine event: a token event's text becomes a `text-delta` (after the `text-start` of the
 * one text block), with the round and each token's provenance as `providerMetadata.speculo`; the `done` event ends
 * the block and becomes `finish`. Guardrail events have no part of their own (they are dispatched on the engine,
 * and come as `raw` parts with `includeRawChunks`).
 */
export class StreamPartMapper {
  private textStarted = false;

  constructor(private readonly textId = 'text-0') {}

  partsOf(event: SpeculoEvent): LanguageModelV4StreamPart[] {
    const id = this.textId;
    if (event.type === 'token') {
      if (!event.text) return [];
      const start: LanguageModelV4StreamPart[] = this.textStarted ? [] : [{ type: 'text-start', id }];
      this.textStarted = true;
      return [...start, { type: 'text-delta', id, delta: event.text, providerMetadata: { speculo: { round: event.round, provenance: event.provenance } } }];
    }
    if (event.type !== 'done') return [];
    const { result } = event;
    return [
      ...(this.textStarted ? [{ type: 'text-end', id } as const] : []),
      { type: 'finish', finishReason: finishReasonOf(result.finishReason), usage: usageOfResult(result), providerMetadata: providerMetadataOf(result) },
    ];
  }
}

/**
 * The AI SDK's stream of an engine stream: `stream-start` with the call's warnings, `response-metadata`, then the
 * parts of each event as the AI SDK pulls them. The engine's error (its abort reason, when the signal aborts)
 * errors the stream; cancelling the stream (the AI SDK does on abort, and when its consumer stops reading) leaves
 * the engine's stream, which stops the generation.
 */
export function streamOfEvents(
  events: AsyncIterableIterator<SpeculoEvent>,
  { warnings, modelId, includeRawChunks }: { warnings: SharedV4Warning[]; modelId: string; includeRawChunks: boolean },
): ReadableStream<LanguageModelV4StreamPart> {
  const mapper = new StreamPartMapper();
  return new ReadableStream<LanguageModelV4StreamPart>({
    start(controller) {
      controller.enqueue({ type: 'stream-start', warnings });
      controller.enqueue({ type: 'response-metadata', modelId, timestamp: new Date() });
    },
    async pull(controller) {
      // One pull, at least one part: events without a part (guardrails) do not end the pull.
      for (;;) {
        const next = await events.next();
        if (next.done) throw new Error('the generation stream ended without a result');
        const event = next.value;
        const parts = mapper.partsOf(event);
        if (includeRawChunks) controller.enqueue({ type: 'raw', rawValue: event });
        for (const part of parts) controller.enqueue(part);
        if (event.type === 'done') return controller.close();
        if (parts.length > 0 || includeRawChunks) return;
      }
    },
    async cancel() {
      await events.return?.();
    },
  });
}
