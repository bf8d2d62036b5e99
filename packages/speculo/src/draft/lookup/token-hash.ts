/**
 * 32-bit hashing of token n-grams for the lookup drafters' hash tables.
 *
 * Tokens are mixed from the last one backwards, so one running state yields the hashes of the 1-, 2-, …, n-token
 * contexts ending at the same position in O(n) instead of O(n²); both lookup indexes need all context lengths at
 * once. Mixing is MurmurHash3's (Math.imul keeps it in 32-bit integer arithmetic, no floats or BigInt), which
 * spreads small consecutive token ids across the table's low bits that masking keeps.
 */

/** Starting state of a running n-gram hash. */
export const ngramHashSeed = 0x9747b28c;

/** Folds one more (earlier) token into a running hash state. */
export function mixToken(state: number, token: number): number {
  let k = Math.imul(token | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let h = state ^ k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Turns a running state over `length` tokens into the final unsigned hash (length is mixed in, as in Murmur). */
export function finishHash(state: number, length: number): number {
  let h = state ^ length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of the `n` tokens `tokens[end - n .. end)`; equal to the running form's value after `n` tokens. */
export function hashNgram(tokens: ArrayLike<number>, end: number, n: number): number {
  let state = ngramHashSeed;
  for (let i = end - 1; i >= end - n; i--) state = mixToken(state, tokens[i]);
  return finishHash(state, n);
}

/** True when `a[aEnd - n .. aEnd)` and `b[bEnd - n .. bEnd)` hold the same tokens (hash hits are verified with it). */
export function sameNgram(a: ArrayLike<number>, aEnd: number, b: ArrayLike<number>, bEnd: number, n: number): boolean {
  for (let i = 1; i <= n; i++) if (a[aEnd - i] !== b[bEnd - i]) return false;
  return true;
}
