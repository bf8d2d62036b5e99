// A prompt as token ids, capped in length with its chat template kept. Browser-safe: the CLI runs it in Node and the
// demo's benchmark view in the page, with the same transformers.js tokenizer.
import type { BenchMessage, BenchPrompt } from './prompts-input.js';

/** The transformers.js tokenizer methods used here. */
export interface TokenizerLike {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  apply_chat_template(messages: BenchMessage[], options: Record<string, unknown>): unknown;
}

export interface PreparedPrompt {
  ids: number[];
  /** Length before truncation, or null if the prompt fit. */
  truncatedFrom: number | null;
}

function template(tokenizer: TokenizerLike, messages: BenchMessage[]): number[] {
  try {
    const ids = tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: true, return_tensor: false, return_dict: false });
    return Array.from(ids as ArrayLike<number>, Number);
  } catch {
    // No chat template: the conversation as plain text.
    return tokenizer.encode(messages.map((m) => m.content).join('\n\n'));
  }
}

/**
 * Token ids of a prompt, at most `maxTokens` long. A long chat keeps its template: the last user message loses text
 * from its start (earlier messages are dropped first); raw prompts lose tokens from the left.
 */
export function preparePrompt(tokenizer: TokenizerLike, prompt: BenchPrompt, maxTokens: number): PreparedPrompt {
  if (prompt.prompt !== undefined) {
    const ids = tokenizer.encode(prompt.prompt);
    return ids.length <= maxTokens ? { ids, truncatedFrom: null } : { ids: ids.slice(ids.length - maxTokens), truncatedFrom: ids.length };
  }
  let messages = [...prompt.messages!];
  const full = template(tokenizer, messages);
  if (full.length <= maxTokens) return { ids: full, truncatedFrom: null };
  let ids = full;
  // Drop whole earlier turns (keeping a leading system message) while more than the last user turn remains.
  while (ids.length > maxTokens && messages.length > 1) {
    const dropAt = messages[0]!.role === 'system' && messages.length > 2 ? 1 : 0;
    if (dropAt >= messages.map((m) => m.role).lastIndexOf('user')) break; // never drop the last user turn
    messages = messages.filter((_, i) => i !== dropAt);
    ids = template(tokenizer, messages);
  }
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  if (ids.length > maxTokens && lastUser >= 0) {
    const content = tokenizer.encode(messages[lastUser]!.content, { add_special_tokens: false });
    let keep = content.length - (ids.length - maxTokens);
    for (let attempt = 0; attempt < 4 && keep > 0 && ids.length > maxTokens; attempt++) {
      const text = tokenizer.decode(content.slice(content.length - keep), { skip_special_tokens: true });
      const candidate = messages.map((m, i) => (i === lastUser ? { ...m, content: text } : m));
      ids = template(tokenizer, candidate);
      keep -= Math.max(1, ids.length - maxTokens);
    }
  }
  // Last resort (a template longer than the cap): keep the tail, which holds the generation prompt.
  if (ids.length > maxTokens) ids = ids.slice(ids.length - maxTokens);
  return { ids, truncatedFrom: full.length };
}
