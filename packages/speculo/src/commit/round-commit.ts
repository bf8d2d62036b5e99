/** What one speculative round produced, before limits are applied. */
export interface RoundCommitInput {
  /** The draft tokens the target accepted, in order. */
  accepted: number[];
  /** The target's own token for the round: the correction or the bonus. */
  nextToken: number;
  /** Any of these ends the generation; the EOS token itself is emitted. */
  eosTokenIds: ReadonlySet<number>;
  /** `maxNewTokens` minus the tokens already emitted; at least 1. */
  remaining: number;
}

/** What the round actually emits. */
export interface RoundCommit {
  /** Tokens to append to the output, in order. */
  tokens: number[];
  /** Why the generation ends after this round, or null if it continues. */
  stop: 'eos' | 'max-tokens' | null;
  /** How many of `tokens` are accepted draft tokens (always a prefix of `tokens`). */
  acceptedDraftUsed: number;
}

/**
 * Decides what a round emits: the accepted draft tokens then `nextToken`, cut after the first EOS (which is
 * included, as in transformers' `generate`) and at `remaining` tokens, so the output never exceeds
 * `maxNewTokens` even though a round can accept up to γ + 1 tokens at once. An EOS that lands exactly on the
 * limit reports `'eos'`, the more informative reason.
 */
export function commitRound(input: RoundCommitInput): RoundCommit {
  const { accepted, nextToken, eosTokenIds, remaining } = input;
  if (!Number.isInteger(remaining) || remaining < 1) {
    throw new RangeError(`remaining must be an integer ≥ 1, got ${remaining}`);
  }
  const tokens: number[] = [];
  const proposed = accepted.length + 1;
  for (let i = 0; i < proposed; i++) {
    const token = i < accepted.length ? accepted[i] : nextToken;
    tokens.push(token);
    if (eosTokenIds.has(token)) return finish(tokens, 'eos', accepted.length);
    if (tokens.length === remaining) return finish(tokens, 'max-tokens', accepted.length);
  }
  return finish(tokens, null, accepted.length);
}

function finish(tokens: number[], stop: RoundCommit['stop'], acceptedCount: number): RoundCommit {
  return { tokens, stop, acceptedDraftUsed: Math.min(tokens.length, acceptedCount) };
}
