/**
 * The target's tokenizer, in a worker of its own: splits generated token ids into the text each token adds, so the
 * page can mark every token's provenance, and turns benchmark prompts into token ids as the harness does. Loads only
 * the tokenizer files (the engine caches them too).
 */
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { preparePrompt, type TokenizerLike } from '../../e2e/bench/prepare-prompt.js';
import type { BenchPrompt } from '../../e2e/bench/prompts-input.js';
import type { PreparedBenchPrompt } from '../../e2e/bench/runner.js';

export type PiecesRequest =
  | { kind: 'load'; seq: number; model: string; localModelPath: string | null; allowRemoteModels: boolean }
  | { kind: 'pieces'; seq: number; ids: number[] }
  | { kind: 'prepare'; seq: number; prompts: BenchPrompt[]; maxTokens: number };
export type PiecesReply = { seq: number; ok: true; pieces?: string[]; prepared?: PreparedBenchPrompt[] } | { seq: number; ok: false; error: string };

let tokenizer: PreTrainedTokenizer | null = null;

function pieces(ids: number[]): string[] {
  const t = tokenizer!;
  const out: string[] = [];
  let previous = '';
  for (let i = 0; i < ids.length; i++) {
    const text = t.decode(ids.slice(0, i + 1), { skip_special_tokens: true });
    // A token that completes a multi-byte character can rewrite the tail: give it whatever changed.
    if (text.startsWith(previous)) out.push(text.slice(previous.length));
    else {
      out.push(text);
      out.fill('', 0, i);
    }
    previous = text;
  }
  return out;
}

self.onmessage = async (e: MessageEvent<PiecesRequest>) => {
  const msg = e.data;
  try {
    if (msg.kind === 'load') {
      if (msg.localModelPath) {
        env.allowLocalModels = true;
        env.localModelPath = msg.localModelPath;
      }
      env.allowRemoteModels = msg.allowRemoteModels;
      tokenizer = await AutoTokenizer.from_pretrained(msg.model);
      postMessage({ seq: msg.seq, ok: true } satisfies PiecesReply);
    } else if (!tokenizer) {
      throw new Error('no tokenizer loaded');
    } else if (msg.kind === 'pieces') {
      postMessage({ seq: msg.seq, ok: true, pieces: pieces(msg.ids) } satisfies PiecesReply);
    } else {
      const t = tokenizer as unknown as TokenizerLike;
      const prepared = msg.prompts.map((prompt) => ({ prompt, ...preparePrompt(t, prompt, msg.maxTokens) }));
      postMessage({ seq: msg.seq, ok: true, prepared } satisfies PiecesReply);
    }
  } catch (error) {
    postMessage({ seq: msg.seq, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies PiecesReply);
  }
};
