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
 * It learns the committed sequence as the decoder reports it: the prompt at `begin`, each round's tokens at
 * `accept` (they are final; drafts are never learned). A new `begin` starts a new sequence but keeps the
 * statistics — that is the point of the cache; `dispose` clears them.
 */
export class NgramCacheDrafter implements Drafter {
  readonly kind = 'ngram-cache';
  readonly costClass = 'lookup';
  private readonly maxProposal: number;
  /** The committed sequence of the current generation, all of it learned. */
  private sequence: number[] = [];

  constructor(
    readonly cache: NgramCache,
    options: NgramCacheDrafterOptions = {},
  ) {
    this.maxProposal = positiveIntegerOption('maxProposal', options.maxProposal, Infinity);
  }

  begin(promptIds: readonly number[]): void {
    this.sequence = [];
    this.accept(0, promptIds);
  }

  async propose(request: DraftRequest): Promise<DraftProposal> {
    const limit = Math.min(request.maxTokens, this.maxProposal);
    const committed = this.sequence;
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

  /** Learns what the round committed. */
  accept(_acceptedCount: number, committedTokens: readonly number[]): void {
    if (committedTokens.length === 0) return;
    const from = this.sequence.length;
    for (const token of committedTokens) this.sequence.push(token);
    this.cache.learn(this.sequence, from);
  }

  dispose(): void {
    this.sequence = [];
    this.cache.clear();
  }

  /** Bytes held by the shared n-gram cache. */
  cacheBytes(): number {
    return this.cache.memoryBytes();
  }
}
