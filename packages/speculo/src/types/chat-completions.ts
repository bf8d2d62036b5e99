/** Chat completions in OpenAI's shape (as WebLLM offers them), with Speculo's own extension. */
import type { GenerationMetrics } from './generation.js';
import type { ChatMessage, GenerateOptions } from './options.js';
import type { FinishReason, TokenSource } from './round.js';

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

/** Token counts of a completion, as OpenAI reports them. */
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

/** A chat completion, as OpenAI returns it, with Speculo's extension. */
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
