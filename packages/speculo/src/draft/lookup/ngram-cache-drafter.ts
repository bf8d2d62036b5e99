import type { GpuCopyBatch } from '../../kv/gpu-copy-batch.js';
import type { DraftProposal, DraftRequest, Drafter } from '../drafter.js';
import { lookupProposal, positiveIntegerOption } from './lookup-proposal.js';
import type { NgramCache } from './ngram-cache.js';

/** Options of {@link NgramCacheDrafter}. */
export interface NgramCacheDrafterOptions {
  /** Cap on proposed tokens below the round's γ. Default: γ alone. */
  maxProposal?: number;
}

/**
 * Proposes from an {@link NgramCache} that outlives generations: each step predicts the next token from the longest
 * confident context of the committed text plus the tokens proposed so far, and the chain stops at the first step
 * with no confident context (llama.cpp's common_ngram_cache_draft, without its static corpus cache).
 *
 * Learning needs no engine call in the normal flow: every `propose` first learns the committed tokens it has not
 * seen (they are final; drafts are never learned), so prompts and outputs both enter the cache as they arrive.
 * Only the tokens committed by a generation's last round never reach a `propose`; an engine that wants those too
 * calls {@link observe} with the final committed tokens when the generation ends, before the next `reset`.
 * `reset` starts a new sequence but keeps the statistics — that is the point of the cache; `dispose` clears them.
 */
export class NgramCacheDrafter implements Drafter {
  readonly kind = 'ngram-cache';
  private readonly maxProposal: number;
  /** How many committed tokens of the current generation have been learned. */
  private learnedLength = 0;
  /** The last learned token, to notice a caller that switched sequences without `reset`; -1 when unknown. */
  private lastLearnedToken = -1;

  constructor(
    readonly cache: NgramCache,
    options: NgramCacheDrafterOptions = {},
  ) {
    this.maxProposal = positiveIntegerOption('maxProposal', options.maxProposal, Infinity);
  }

  async propose(request: DraftRequest): Promise<DraftProposal> {
    this.observe(request.committed);
    const limit = Math.min(request.maxTokens, this.maxProposal);
    const committed = request.committed;
    const contextLength = Math.min(this.cache.maxContext, committed.length);
    // The chain predicts over the committed tail followed by its own proposals.
    const window = new Int32Array(contextLength + Math.max(0, limit));
    for (let i = 0; i < contextLength; i++) window[i] = committed[committed.length - contextLength + i];
    const tokens: number[] = [];
    const confidences: number[] = [];
    while (tokens.length < limit) {
      const prediction = this.cache.predict(window, contextLength + tokens.length);
      if (!prediction) break;
      window[contextLength + tokens.length] = prediction.token;
      tokens.push(prediction.token);
      confidences.push(prediction.confidence);
    }
    return lookupProposal(tokens, confidences, request.continueAfter);
  }

  /**
   * Learns the committed tokens of the current generation not learned yet. `propose` calls it each round; the
   * engine may call it with the final tokens when a generation ends so its last round is learned as well.
   */
  observe(committed: readonly number[]): void {
    const switched = committed.length < this.learnedLength || (this.learnedLength > 0 && this.lastLearnedToken >= 0 && committed[this.learnedLength - 1] !== this.lastLearnedToken);
    if (switched) this.learnedLength = 0;
    if (committed.length === this.learnedLength) return;
    this.cache.learn(committed, this.learnedLength);
    this.learnedLength = committed.length;
    this.lastLearnedToken = committed[committed.length - 1];
  }

  /**
   * Committed tokens are final, so a rollback never reaches learned text in the decoder's flow. Should it, the
   * counts stay (statistics cannot be unlearned) and the cut-off text is learned again if it is re-committed.
   */
  rollback(validLength: number, _batch: GpuCopyBatch | null): void {
    if (validLength < this.learnedLength) {
      this.learnedLength = validLength;
      this.lastLearnedToken = -1;
    }
  }

  reset(): void {
    this.learnedLength = 0;
    this.lastLearnedToken = -1;
  }

  dispose(): void {
    this.reset();
    this.cache.clear();
  }

  /** Bytes held by the shared n-gram cache. */
  cacheBytes(): number {
    return this.cache.memoryBytes();
  }
}
