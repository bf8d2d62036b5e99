import type { DraftProposal, DraftRequest, Drafter } from '../drafter.js';
import { lookupProposal, positiveIntegerOption } from './lookup-proposal.js';
import { NgramPositionIndex } from './ngram-position-index.js';

/** Options of {@link PromptLookupDrafter}; the names follow vLLM's prompt_lookup_min/max and num_speculative_tokens. */
export interface PromptLookupOptions {
  /** Longest suffix tried first (vLLM `prompt_lookup_max`, HF `max_matching_ngram_size`). Default 3. */
  maxNgram?: number;
  /** Shortest suffix still accepted as a match (vLLM `prompt_lookup_min`). Default 1. */
  minNgram?: number;
  /** Cap on proposed tokens below the round's γ (HF `prompt_lookup_num_tokens`). Default: γ alone. */
  maxProposal?: number;
}

/** The match behind the latest proposal, for traces and tests. */
export interface PromptLookupMatch {
  /** Suffix length n that matched. */
  readonly ngram: number;
  /** Index in the committed tokens where the copied continuation starts. */
  readonly source: number;
  /** How many tokens actually agree before the two positions (≥ ngram, measured up to 64). */
  readonly matchLength: number;
}

/** Matches longer than this all count as "very long" for confidence; measuring further buys nothing. */
const maxMeasuredMatch = 64;
/** Earlier occurrences of a context consulted for how often its continuation agreed. */
const maxAgreementSamples = 8;

/**
 * Prompt lookup decoding (Saxena 2023; vLLM's NgramProposer, HF `prompt_lookup_num_tokens`): find the last n
 * committed tokens earlier in the prompt plus output, and propose what followed them.
 *
 * Semantics: n goes from `maxNgram` down to `minNgram` and the first n with any earlier occurrence wins (as in HF,
 * and like vLLM v1's "longest n-gram in [min, max]"); among occurrences of that n-gram the *most recent* one is
 * copied, where HF and vLLM take the earliest. Recent text is the better predictor (the span being summarised,
 * the loop being repeated) and the index finds it in O(1). When the continuation reaches the end of the committed
 * text the copy keeps going over the tokens it has just proposed, LZ77-style, so a repeating period of p tokens
 * yields a full γ-token proposal instead of stopping after p (HF and vLLM stop there).
 *
 * Confidence of the i-th proposed token, given that the earlier ones are accepted, is
 *   (m + i) / (m + i + 2) × agreement
 * where m is the measured match length (a longer shared history makes the copy likelier; a lone 1-token match
 * scores 1/3, a 3-token one 0.6) and agreement is the share of the (up to 8) latest occurrences of the same
 * n-token context that were followed by the same token as the copied one (1 when the context occurred once).
 * Proposals are deterministic: probabilities are null and no forward pass runs.
 */
export class PromptLookupDrafter implements Drafter {
  readonly kind = 'prompt-lookup';
  readonly costClass = 'lookup';
  /** The match the latest `propose` copied from, or null when it found none. */
  lastMatch: PromptLookupMatch | null = null;
  private readonly maxNgram: number;
  private readonly minNgram: number;
  private readonly maxProposal: number;
  private index: NgramPositionIndex;

  constructor(options: PromptLookupOptions = {}) {
    this.maxNgram = positiveIntegerOption('maxNgram', options.maxNgram, 3);
    this.minNgram = positiveIntegerOption('minNgram', options.minNgram, 1);
    this.maxProposal = positiveIntegerOption('maxProposal', options.maxProposal, Infinity);
    this.index = new NgramPositionIndex(this.minNgram, this.maxNgram);
  }

  begin(promptIds: readonly number[]): void {
    this.index.clear();
    this.lastMatch = null;
    this.index.append(promptIds, 0, promptIds.length);
  }

  async propose(request: DraftRequest): Promise<DraftProposal> {
    const limit = Math.min(request.maxTokens, this.maxProposal);
    this.lastMatch = limit > 0 ? this.findMatch() : null;
    if (!this.lastMatch) return lookupProposal([], [], request.continueAfter);
    const { tokens, confidences } = this.copyContinuation(this.lastMatch, limit);
    return lookupProposal(tokens, confidences, request.continueAfter);
  }

  /** Indexes what the round committed; proposals are never indexed, so nothing needs cutting. */
  accept(_acceptedCount: number, committedTokens: readonly number[]): void {
    this.index.append(committedTokens, 0, committedTokens.length);
  }

  dispose(): void {
    // A fresh index drops the grown arrays; the drafter stays usable, as after reset.
    this.index = new NgramPositionIndex(this.minNgram, this.maxNgram);
    this.lastMatch = null;
  }

  /** Bytes held by the position index, which grows with the longest text seen since construction. */
  cacheBytes(): number {
    return this.index.memoryBytes();
  }

  private findMatch(): PromptLookupMatch | null {
    for (let n = this.maxNgram; n >= this.minNgram; n--) {
      const source = this.index.latestMatch(n);
      if (source >= 0) return { ngram: n, source, matchLength: this.index.matchLength(source, maxMeasuredMatch) };
    }
    return null;
  }

  private copyContinuation(match: PromptLookupMatch, limit: number): { tokens: number[]; confidences: number[] } {
    const end = this.index.length;
    const period = end - match.source;
    const tokens: number[] = [];
    const agreements: number[] = [];
    const confidences: number[] = [];
    for (let i = 0; i < limit; i++) {
      const source = match.source + i;
      if (source < end) {
        tokens.push(this.index.tokenAt(source));
        agreements.push(this.agreementAt(match.ngram, source));
      } else {
        // Past the committed text the copy repeats itself with the match's period.
        tokens.push(tokens[i - period]);
        agreements.push(agreements[i - period]);
      }
      const shared = match.matchLength + i;
      confidences.push((shared / (shared + 2)) * agreements[i]);
    }
    return { tokens, confidences };
  }

  /** Share of the latest occurrences of the n tokens before `source` that were followed by tokens[source]. */
  private agreementAt(n: number, source: number): number {
    const follower = this.index.tokenAt(source);
    let occurrences = 1;
    let agreeing = 1;
    for (let earlier = this.index.earlierOccurrence(n, source); earlier >= 0 && occurrences < maxAgreementSamples;) {
      occurrences++;
      if (this.index.tokenAt(earlier) === follower) agreeing++;
      earlier = this.index.earlierOccurrence(n, earlier);
    }
    return agreeing / occurrences;
  }
}
