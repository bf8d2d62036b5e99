import type { GenerationResult, SpeculoEvent, StreamOptions } from '../types/index.js';

/**
 * What the APIs shaped after others' (`engine.chat.completions`, the AI SDK provider `speculo/ai-sdk`) need of
 * the engine: its stream, and the target's id to report as the model.
 */
export interface StreamingEngine {
  stream(options: StreamOptions): AsyncIterableIterator<SpeculoEvent>;
  readonly info: { target: { id: string } };
}

/** Runs a stream to its end and returns the result its `done` event carries. */
export async function resultOfStream(events: AsyncIterable<SpeculoEvent>): Promise<GenerationResult> {
  for await (const event of events) if (event.type === 'done') return event.result;
  throw new Error('the generation stream ended without a result');
}
