import type { TokenSource } from 'speculo';
import { $, h } from './dom.js';
import type { TokenPieces } from './pieces.js';
import type { Chunk, PaneRun } from './state.js';

/** Appends one stream event; with `mark`, each token (or, before the tokenizer has split it, the round) shows its source. */
export function appendChunk(pane: HTMLElement, chunk: Chunk, mark: boolean): void {
  if (!mark) {
    pane.append(chunk.text);
    return;
  }
  if (chunk.tokens) {
    for (const token of chunk.tokens) {
      if (!token.text) continue;
      pane.append(h('span', { class: `tok ${token.source}`, title: token.source === 'draft' ? 'accepted draft token' : 'target token', 'data-source': token.source }, token.text));
    }
    return;
  }
  if (!chunk.text) return;
  const drafted = chunk.sources.filter((s) => s === 'draft').length;
  const target = chunk.sources.length - drafted;
  const source: TokenSource = drafted > 0 ? 'draft' : 'target';
  pane.append(
    h(
      'span',
      {
        class: `tok ${source} round`,
        'data-source': source,
        title: `round ${chunk.round}: ${drafted} accepted draft token${drafted === 1 ? '' : 's'} + ${target} target token${target === 1 ? '' : 's'}`,
      },
      chunk.text,
    ),
  );
}

/** Splits the speculative text per token with the target's tokenizer so each token carries its own mark. */
export async function refinePieces(tokenizer: TokenPieces, run: PaneRun, paneId: string): Promise<void> {
  const { result } = run;
  const pane = $(paneId);
  const pieces = await tokenizer.pieces(result.tokenIds).catch(() => null);
  // Without the tokenizer (or when the pieces do not add up to the text), the marks stay per round.
  if (!pieces || pieces.join('') !== result.text) {
    pane.dataset['marks'] = pieces ? 'per-round (token pieces did not match the text)' : `per-round (tokenizer unavailable: ${tokenizer.lastError ?? 'unknown'})`;
    return;
  }
  let i = 0;
  for (const chunk of run.chunks) {
    const n = chunk.sources.length;
    chunk.tokens = chunk.sources.map((source, k) => ({ source, text: pieces[i + k] ?? '' }));
    i += n;
  }
  if (i !== result.tokenIds.length) {
    for (const chunk of run.chunks) chunk.tokens = null;
    return;
  }
  pane.replaceChildren();
  for (const chunk of run.chunks) appendChunk(pane, chunk, true);
  pane.dataset['marks'] = 'per-token';
}
