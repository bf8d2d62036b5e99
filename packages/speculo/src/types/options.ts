/** The options of one generation, as callers write them. */

/** One turn of a chat, rendered with the target tokenizer's chat template. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Options of one `generate` call. Give exactly one of `prompt`, `messages` and `promptIds`. */
export interface GenerateOptions {
  /** Raw text to continue, tokenised as is (no chat template). */
  prompt?: string;
  /** A conversation; the target tokenizer's chat template turns it into the prompt. */
  messages?: ChatMessage[];
  /** Already tokenized input (target tokenizer ids), used as is: for benchmarks that feed identical tokens to several engines. */
  promptIds?: number[];
  /** Upper bound on generated tokens, EOS included. Integer ≥ 1; default 128. */
  maxNewTokens?: number;
  /**
   * Sampling temperature, ≥ 0; 0 (the default) is greedy decoding. Any positive value samples, however small:
   * logits are scaled after their maximum is subtracted, so a tiny temperature approaches greedy without overflow.
   */
  temperature?: number;
  /** Keep only the k most likely tokens when sampling; integer ≥ 0, 0 (default) disables it. */
  topK?: number;
  /** Nucleus sampling mass in (0, 1]; 1 (default) disables it. */
  topP?: number;
  /** Seed of the sampling PRNG, an integer in 0..2^32 − 1 (default 0); a seed reproduces a sampled run. */
  seed?: number;
  /** Generation ends before the first occurrence of any of these strings, which is not emitted. */
  stop?: string[];
  /**
   * γ, the number of tokens drafted per round, integer 1..64. Given alone it fixes γ for this call (the `static`
   * policy); otherwise the engine's scheduler chooses γ every round.
   */
  draftLength?: number;
  /** How γ is chosen for this call; defaults to the engine's scheduler policy (`adaptive` unless configured). */
  policy?: SchedulerPolicyName;
  /** Which of the engine's drafters proposes tokens for this call; defaults to the engine's `drafter`. */
  drafter?: DrafterKind;
  /** false runs the target alone (plain decoding), e.g. as a baseline; default true. */
  speculative?: boolean;
  /** Record an audit trace (returned as `result.trace`); `redactPrompt` stores only the prompt's hash. */
  trace?: boolean | TraceOptions;
}

/** Scheduler policies: `adaptive` tunes γ to the device and text, `static` keeps `draftLength`, `heuristic` is HF transformers' schedule. */
export type SchedulerPolicyName = (typeof schedulerPolicyNames)[number];
export const schedulerPolicyNames = ['adaptive', 'static', 'heuristic'] as const;

/** Ways of proposing tokens: a draft model, lookups in the text (no second model), or both. */
export type DrafterKind = (typeof drafterKinds)[number];
export const drafterKinds = ['model', 'prompt-lookup', 'ngram-cache', 'composite'] as const;

/**
 * What one draft step costs: a forward pass of a draft model, or a lookup in the text (microseconds), which the
 * scheduler prices as free.
 */
export type DraftCostClass = 'forward-pass' | 'lookup';

export interface TraceOptions {
  /** Store only the SHA-256 of the prompt (and stop strings), never its text. */
  redactPrompt?: boolean;
  /** Store only the SHA-256 of the output text; defaults to `redactPrompt`. */
  redactOutput?: boolean;
}

/**
 * Longest γ a call, a scheduler option or a guardrail may ask for: beyond it acceptance of the last positions is
 * negligible and the verify cost grows.
 */
export const maxDraftLength = 64;

/** γ when nothing else decides it: the static schedule a call gets without a policy or a device profile. */
export const defaultDraftLength = 4;
