import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, GenerationResult, SpeculoEvent } from '../types/index.js';
import { chatFinishReasonOf, completionHeader, completionOf, extensionOf, generateOptionsOfChatRequest, usageOf } from '../api/chat-completions.js';
import { normalizeGenerateOptions } from '../api/validate-options.js';
import { resultOfStream, type StreamingEngine } from './engine-stream.js';

/** The second argument of `create`, as in OpenAI's SDK. */
export interface ChatCompletionCallOptions {
  /** Aborts as a generation's signal does: the call, or the stream's next chunk, rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * `engine.chat.completions`: OpenAI's Chat Completions on the engine, as WebLLM offers them. Non-streaming resolves
 * to one `chat.completion`; with `stream: true` it resolves to an async iterator of `chat.completion.chunk`s (the
 * first carries the assistant role, then one per committed round, then the finish reason, then `usage` if
 * `stream_options.include_usage`). Leaving the loop early aborts the generation.
 */
export class ChatCompletions {
  constructor(private readonly engine: StreamingEngine) {}

  create(request: ChatCompletionRequest & { stream: true }, options?: ChatCompletionCallOptions): Promise<AsyncIterableIterator<ChatCompletionChunk>>;
  create(request: ChatCompletionRequest & { stream?: false | null }, options?: ChatCompletionCallOptions): Promise<ChatCompletion>;
  create(request: ChatCompletionRequest, options?: ChatCompletionCallOptions): Promise<ChatCompletion | AsyncIterableIterator<ChatCompletionChunk>>;
  async create(request: ChatCompletionRequest, options: ChatCompletionCallOptions = {}): Promise<ChatCompletion | AsyncIterableIterator<ChatCompletionChunk>> {
    const generateOptions = generateOptionsOfChatRequest(request);
    // Refuse bad values here, at create(), rather than at the first chunk.
    normalizeGenerateOptions(generateOptions);
    const header = completionHeader(this.engine.info.target.id);
    const events = this.engine.stream({ ...generateOptions, ...(options.signal ? { signal: options.signal } : {}) });
    if (request.stream) return chunksOf(events, header, request.stream_options?.include_usage === true);
    return completionOf(header, await resultOfStream(events));
  }
}

async function* chunksOf(
  events: AsyncIterableIterator<SpeculoEvent>,
  header: ReturnType<typeof completionHeader>,
  includeUsage: boolean,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  const chunk = (delta: ChatCompletionChunk['choices'][0]['delta'], finish: GenerationResult | null): ChatCompletionChunk => ({
    ...header,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finish ? chatFinishReasonOf(finish.finishReason) : null, logprobs: null }],
    ...(finish ? { speculo: extensionOf(finish) } : {}),
  });
  let finished = false;
  try {
    yield chunk({ role: 'assistant', content: '' }, null);
    for await (const event of events) {
      if (event.type === 'token' && event.text) yield chunk({ content: event.text }, null);
      if (event.type !== 'done') continue;
      finished = true;
      yield chunk({}, event.result);
      if (includeUsage) yield { ...header, object: 'chat.completion.chunk', choices: [], usage: usageOf(event.result) };
    }
  } finally {
    // Leaving before the loop over events started (after the role chunk) must still stop the generation.
    if (!finished) await events.return?.();
  }
}
