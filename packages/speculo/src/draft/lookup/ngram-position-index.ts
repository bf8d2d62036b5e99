import { finishHash, mixToken, ngramHashSeed, sameNgram } from './token-hash.js';

const initialCapacity = 1024;
/**
 * A chain walk gives up after this many links. A chain holds every earlier position whose n-gram landed in the
 * same bucket, newest first, so the first true occurrence is normally the first link; only hash collisions (about
 * one foreign link per table-full of tokens) sit in front of it, and this bound merely caps adversarial inputs.
 */
const maxChainSteps = 256;

/**
 * Where each n-gram (for n in [minSize, maxSize]) of a growing token sequence occurred, for prompt lookup.
 *
 * It is zlib's hash-chain layout, kept in typed arrays: per n, `heads[bucket]` is the latest "end position" e (the
 * n-gram is tokens[e − n .. e), its continuation starts at e) hashed into that bucket, and `previous[e]` links to the
 * next older one. Appending a token inserts one link per n, so the index follows the committed text at O(maxSize²)
 * work per token instead of rescanning it each round; the latest match of the current suffix is one or two links
 * away. Truncation unlinks positions newest first, which restores each bucket exactly (links were pushed LIFO), so
 * rollback keeps the index identical to one built from the shorter text.
 */
export class NgramPositionIndex {
  private tokens: Int32Array;
  private count = 0;
  private heads: Int32Array[] = [];
  private previous: Int32Array[] = [];
  private mask = 0;

  constructor(
    readonly minSize: number,
    readonly maxSize: number,
  ) {
    if (!Number.isInteger(minSize) || !Number.isInteger(maxSize) || minSize < 1 || maxSize < minSize) {
      throw new RangeError(`n-gram sizes must be integers with 1 <= min <= max, got ${minSize}..${maxSize}`);
    }
    this.tokens = new Int32Array(0);
    this.allocate(initialCapacity);
  }

  /** Number of tokens indexed. */
  get length(): number {
    return this.count;
  }

  tokenAt(position: number): number {
    return this.tokens[position];
  }

  /** Indexes `source[from .. to)` after the tokens already held. */
  append(source: ArrayLike<number>, from = 0, to = source.length): void {
    if (to <= from) return;
    if (this.count + (to - from) > this.tokens.length) this.allocate(nextPowerOfTwo(this.count + (to - from)));
    for (let i = from; i < to; i++) {
      this.tokens[this.count++] = source[i];
      this.link(this.count);
    }
  }

  /** Forgets every token from `length` on, leaving the index as if they had never been appended. */
  truncate(length: number): void {
    if (length >= this.count) return;
    if (length <= 0) {
      this.clear();
      return;
    }
    for (let end = this.count; end > length; end--) this.unlink(end);
    this.count = length;
  }

  /** Forgets all tokens but keeps the allocated capacity for the next sequence. */
  clear(): void {
    this.count = 0;
    for (const heads of this.heads) heads.fill(-1);
  }

  /**
   * The latest end position e < length whose n tokens before it equal the last n tokens, or -1. The continuation
   * tokens[e ..] is what followed that earlier occurrence.
   */
  latestMatch(n: number): number {
    const end = this.count;
    if (n < this.minSize || n > this.maxSize || end <= n) return -1;
    return this.verifiedLink(n, this.previous[n - this.minSize][end], end);
  }

  /** The occurrence of the n-gram ending at `end` that comes just before it, or -1. */
  earlierOccurrence(n: number, end: number): number {
    return this.verifiedLink(n, this.previous[n - this.minSize][end], end);
  }

  /** How many tokens before `earlierEnd` and before the current end agree, counting backwards, at most `cap`. */
  matchLength(earlierEnd: number, cap: number): number {
    const tokens = this.tokens;
    const end = this.count;
    let k = 0;
    while (k < cap && earlierEnd - k - 1 >= 0 && tokens[earlierEnd - k - 1] === tokens[end - k - 1]) k++;
    return k;
  }

  /** Bytes held by the index's typed arrays (tokens, chain links and bucket heads; object headers excluded). */
  memoryBytes(): number {
    let bytes = this.tokens.byteLength;
    for (let s = 0; s < this.heads.length; s++) bytes += this.heads[s].byteLength + this.previous[s].byteLength;
    return bytes;
  }

  private verifiedLink(n: number, start: number, end: number): number {
    const previous = this.previous[n - this.minSize];
    let candidate = start;
    for (let steps = 0; candidate >= 0 && steps < maxChainSteps; steps++) {
      if (sameNgram(this.tokens, candidate, this.tokens, end, n)) return candidate;
      candidate = previous[candidate];
    }
    return -1;
  }

  private link(end: number): void {
    this.forEachBucket(end, (s, bucket) => {
      this.previous[s][end] = this.heads[s][bucket];
      this.heads[s][bucket] = end;
    });
  }

  private unlink(end: number): void {
    this.forEachBucket(end, (s, bucket) => {
      this.heads[s][bucket] = this.previous[s][end];
    });
  }

  /** Visits the hash bucket of every indexed n-gram size ending at `end` (hashing each token once). */
  private forEachBucket(end: number, visit: (sizeIndex: number, bucket: number) => void): void {
    let state = ngramHashSeed;
    const largest = Math.min(this.maxSize, end);
    for (let n = 1; n <= largest; n++) {
      state = mixToken(state, this.tokens[end - n]);
      if (n >= this.minSize) visit(n - this.minSize, finishHash(state, n) & this.mask);
    }
  }

  /** Grows to `capacity` tokens (a power of two, also the bucket count) and relinks what is held. */
  private allocate(capacity: number): void {
    const tokens = new Int32Array(capacity);
    tokens.set(this.tokens.subarray(0, this.count));
    this.tokens = tokens;
    this.mask = capacity - 1;
    const sizes = this.maxSize - this.minSize + 1;
    this.heads = Array.from({ length: sizes }, () => new Int32Array(capacity).fill(-1));
    // End positions run from 1 to capacity inclusive.
    this.previous = Array.from({ length: sizes }, () => new Int32Array(capacity + 1));
    for (let end = 1; end <= this.count; end++) this.link(end);
  }
}

function nextPowerOfTwo(value: number): number {
  let power = 1;
  while (power < value) power *= 2;
  return power;
}
