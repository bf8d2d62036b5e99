/**
 * Splits generated token ids into the text each token adds, so the page can mark every token's provenance.
 * Loads only the target's tokenizer files (the engine has already cached them) in a worker of its own.
 */
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';

export type PiecesRequest = { kind: 'load'; seq: number; model: string; localModelPath: string | null; allowRemoteModels: boolean } | { kind: 'pieces'; seq: number; ids: number[] };
export type PiecesReply = { seq: number; ok: true; pieces?: string[] } | { seq: number; ok: false; error: string };

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
    } else {
      if (!tokenizer) throw new Error('no tokenizer loaded');
      postMessage({ seq: msg.seq, ok: true, pieces: pieces(msg.ids) } satisfies PiecesReply);
    }
  } catch (error) {
    postMessage({ seq: msg.seq, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies PiecesReply);
  }
};
