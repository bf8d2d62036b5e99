import { finishHash, mixToken, ngramHashSeed } from './token-hash.js';

/** Options of {@link NgramCache}. */
export interface NgramCacheOptions {
  /** Budget for everything the cache allocates, in bytes; {@link NgramCache.memoryBytes} never exceeds it. */
  maxBytes: number;
  /** Longest context, in tokens (llama.cpp's LLAMA_NGRAM_MAX is 4). Default 4, at most 8. */
  maxContext?: number;
  /** Next tokens tracked per context (Misra–Gries counters). Default 4. */
  followersPerContext?: number;
  /**
   * Least number of observations of a context of length n (at index n − 1) before it may propose. Default
   * llama.cpp's strict thresholds for its cross-request ("dynamic") cache: [4, 3, 2, 2], the last repeated.
   */
  minCount?: readonly number[];
  /** Least share of those observations its top next token must have, per context length. Default [0.75, 0.66, 0.66, 0.66]. */
  minShare?: readonly number[];
}

/** A confident next token for a context. */
export interface NgramPrediction {
  readonly token: number;
  /** Length of the context that predicted it. */
  readonly contextLength: number;
  /** Observations of the token after that context (a lower bound, see {@link NgramCache}). */
  readonly count: number;
  /** Observations of the context. */
  readonly total: number;
  /** count / (total + 1): the observed share, shrunk so that one observation never claims certainty. */
  readonly confidence: number;
}

const defaultMinCount = [4, 3, 2, 2];
const defaultMinShare = [0.75, 0.66, 0.66, 0.66];
const initialEntries = 1024;
/** Below this many contexts the cache is too small to be useful; such a budget is a configuration error. */
const minimumEntries = 16;

/**
 * Statistics of which token follows each 1..maxContext-token context, kept across the generations of one engine
 * (llama.cpp's common_ngram_cache, whose "dynamic" cache learns from earlier outputs), under a hard byte budget.
 *
 * Storage is a set of parallel typed arrays with one fixed-size record per context: its tokens, length and hash,
 * K follower tokens with counts, the context's total, and links of an LRU list; an open-addressing table (linear
 * probing, load ≤ 1/2, backward-shift deletion) maps hashes to records and compares the stored tokens, so hash
 * collisions never merge two contexts. Because nothing else is allocated per context, `memoryBytes()` is the exact
 * sum of the arrays' byteLength (only a few hundred bytes of object headers are left out). The arrays double until
 * the next size would break the budget; from then on a new context replaces the least recently used one (learned
 * or proposed from), so the cache follows what the engine currently generates instead of freezing on old text.
 * (While growing, the old and new arrays briefly coexist.)
 *
 * Followers use Misra–Gries: a new token takes a free slot, and with all K taken every count drops by one instead.
 * Counts are therefore lower bounds (off by at most total/(K+1)), and a share computed from them never overstates
 * how predictable a context is.
 */
export class NgramCache {
  readonly maxBytes: number;
  readonly maxContext: number;
  readonly followersPerContext: number;
  private readonly minCount: number[];
  private readonly minShare: number[];

  private capacity = 0;
  private used = 0;
  private evicted = 0;
  private contextTokens = new Int32Array(0);
  private contextLengths = new Uint8Array(0);
  private contextHashes = new Uint32Array(0);
  private followerTokens = new Int32Array(0);
  private followerCounts = new Uint32Array(0);
  private totals = new Uint32Array(0);
  private olderLinks = new Int32Array(0);
  private newerLinks = new Int32Array(0);
  /** Record index + 1 per bucket; 0 marks an empty bucket. */
  private buckets = new Int32Array(0);
  private newest = -1;
  private oldest = -1;
  /** Scratch for the hashes of every context length at one position. */
  private readonly scratchHashes: Uint32Array;

  constructor(options: NgramCacheOptions) {
    this.maxContext = options.maxContext ?? 4;
    this.followersPerContext = options.followersPerContext ?? 4;
    if (!Number.isInteger(this.maxContext) || this.maxContext < 1 || this.maxContext > 8) {
      throw new RangeError(`maxContext must be an integer in 1..8, got ${this.maxContext}`);
    }
    if (!Number.isInteger(this.followersPerContext) || this.followersPerContext < 1 || this.followersPerContext > 16) {
      throw new RangeError(`followersPerContext must be an integer in 1..16, got ${this.followersPerContext}`);
    }
    this.minCount = perLength(options.minCount ?? defaultMinCount, this.maxContext, 'minCount');
    this.minShare = perLength(options.minShare ?? defaultMinShare, this.maxContext, 'minShare');
    this.maxBytes = options.maxBytes;
    const affordable = this.largestCapacityWithin(options.maxBytes);
    if (!(affordable >= minimumEntries)) {
      throw new RangeError(`maxBytes ${options.maxBytes} holds fewer than ${minimumEntries} contexts (${this.bytesFor(minimumEntries)} bytes)`);
    }
    this.scratchHashes = new Uint32Array(this.maxContext + 1);
    this.resize(Math.min(initialEntries, affordable));
  }

  /** Contexts currently held. */
  get size(): number {
    return this.used;
  }

  /** Contexts dropped to stay within the budget since construction. */
  get evictions(): number {
    return this.evicted;
  }

  /**
   * Counts, for every position t in [from, tokens.length), tokens[t] as the follower of each context of 1..maxContext
   * tokens ending just before t. Contexts may reach before `from`, so text can be learned in pieces without losing
   * the pairs that straddle two pieces.
   */
  learn(tokens: ArrayLike<number>, from = 0): void {
    for (let t = Math.max(from, 1); t < tokens.length; t++) {
      const follower = tokens[t];
      let state = ngramHashSeed;
      const longest = Math.min(this.maxContext, t);
      for (let n = 1; n <= longest; n++) {
        state = mixToken(state, tokens[t - n]);
        const hash = finishHash(state, n);
        let record = this.find(tokens, t, n, hash);
        if (record < 0) record = this.insert(tokens, t, n, hash);
        else this.touch(record);
        this.count(record, follower);
      }
    }
  }

  /**
   * The follower of the longest context ending at `end` that has been observed often enough (minCount) and is
   * dominated by one token (minShare), or null. The longest context is tried first because it is the most
   * specific; a short context is used only when no longer one is confident.
   */
  predict(context: ArrayLike<number>, end = context.length): NgramPrediction | null {
    const longest = Math.min(this.maxContext, end);
    let state = ngramHashSeed;
    for (let n = 1; n <= longest; n++) {
      state = mixToken(state, context[end - n]);
      this.scratchHashes[n] = finishHash(state, n);
    }
    const k = this.followersPerContext;
    for (let n = longest; n >= 1; n--) {
      const record = this.find(context, end, n, this.scratchHashes[n]);
      if (record < 0) continue;
      const total = this.totals[record];
      if (total < this.minCount[n - 1]) continue;
      let best = 0;
      for (let j = 1; j < k; j++) if (this.followerCounts[record * k + j] > this.followerCounts[record * k + best]) best = j;
      const count = this.followerCounts[record * k + best];
      if (count === 0 || count < this.minShare[n - 1] * total) continue;
      this.touch(record);
      return { token: this.followerTokens[record * k + best], contextLength: n, count, total, confidence: count / (total + 1) };
    }
    return null;
  }

  /** Exact bytes of the cache's typed arrays (see the class comment for what that leaves out). */
  memoryBytes(): number {
    return (
      this.contextTokens.byteLength +
      this.contextLengths.byteLength +
      this.contextHashes.byteLength +
      this.followerTokens.byteLength +
      this.followerCounts.byteLength +
      this.totals.byteLength +
      this.olderLinks.byteLength +
      this.newerLinks.byteLength +
      this.buckets.byteLength +
      this.scratchHashes.byteLength
    );
  }

  /** Forgets every statistic; keeps the allocated arrays. */
  clear(): void {
    this.used = 0;
    this.newest = -1;
    this.oldest = -1;
    this.buckets.fill(0);
  }

  private find(tokens: ArrayLike<number>, end: number, n: number, hash: number): number {
    const mask = this.buckets.length - 1;
    for (let bucket = hash & mask; ; bucket = (bucket + 1) & mask) {
      const record = this.buckets[bucket] - 1;
      if (record < 0) return -1;
      if (this.contextHashes[record] === hash && this.contextLengths[record] === n && this.holdsContext(record, tokens, end, n)) {
        return record;
      }
    }
  }

  private holdsContext(record: number, tokens: ArrayLike<number>, end: number, n: number): boolean {
    const base = record * this.maxContext;
    for (let i = 0; i < n; i++) if (this.contextTokens[base + i] !== tokens[end - n + i]) return false;
    return true;
  }

  private insert(tokens: ArrayLike<number>, end: number, n: number, hash: number): number {
    if (this.used === this.capacity) {
      const grown = Math.min(this.capacity * 2, this.largestCapacityWithin(this.maxBytes));
      if (grown > this.capacity) this.resize(grown);
    }
    let record: number;
    if (this.used < this.capacity) {
      record = this.used++;
    } else {
      record = this.oldest;
      this.unlinkBucket(record);
      this.unlinkRecency(record);
      this.evicted++;
    }
    const base = record * this.maxContext;
    for (let i = 0; i < n; i++) this.contextTokens[base + i] = tokens[end - n + i];
    this.contextLengths[record] = n;
    this.contextHashes[record] = hash;
    this.totals[record] = 0;
    this.followerCounts.fill(0, record * this.followersPerContext, (record + 1) * this.followersPerContext);
    this.placeInBucket(record);
    this.pushNewest(record);
    return record;
  }

  /** Misra–Gries update of the record's followers with one observation of `follower`. */
  private count(record: number, follower: number): void {
    const k = this.followersPerContext;
    const base = record * k;
    this.totals[record] = Math.min(this.totals[record] + 1, 0xffffffff);
    let free = -1;
    for (let j = 0; j < k; j++) {
      if (this.followerCounts[base + j] === 0) {
        if (free < 0) free = j;
      } else if (this.followerTokens[base + j] === follower) {
        this.followerCounts[base + j]++;
        return;
      }
    }
    if (free >= 0) {
      this.followerTokens[base + free] = follower;
      this.followerCounts[base + free] = 1;
      return;
    }
    for (let j = 0; j < k; j++) this.followerCounts[base + j]--;
  }

  private placeInBucket(record: number): void {
    const mask = this.buckets.length - 1;
    let bucket = this.contextHashes[record] & mask;
    while (this.buckets[bucket] !== 0) bucket = (bucket + 1) & mask;
    this.buckets[bucket] = record + 1;
  }

  /** Removes the record's bucket and shifts later members of its probe run back, so no tombstones accumulate. */
  private unlinkBucket(record: number): void {
    const mask = this.buckets.length - 1;
    let hole = this.contextHashes[record] & mask;
    while (this.buckets[hole] !== record + 1) hole = (hole + 1) & mask;
    this.buckets[hole] = 0;
    for (let next = (hole + 1) & mask; this.buckets[next] !== 0; next = (next + 1) & mask) {
      const home = this.contextHashes[this.buckets[next] - 1] & mask;
      // An entry may move into the hole only if its home bucket is not between the hole and where it sits.
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        this.buckets[hole] = this.buckets[next];
        this.buckets[next] = 0;
        hole = next;
      }
    }
  }

  private touch(record: number): void {
    if (record === this.newest) return;
    this.unlinkRecency(record);
    this.pushNewest(record);
  }

  private pushNewest(record: number): void {
    this.olderLinks[record] = this.newest;
    this.newerLinks[record] = -1;
    if (this.newest >= 0) this.newerLinks[this.newest] = record;
    this.newest = record;
    if (this.oldest < 0) this.oldest = record;
  }

  private unlinkRecency(record: number): void {
    const older = this.olderLinks[record];
    const newer = this.newerLinks[record];
    if (older >= 0) this.newerLinks[older] = newer;
    else this.oldest = newer;
    if (newer >= 0) this.olderLinks[newer] = older;
    else this.newest = older;
  }

  /** Bytes of all arrays for `capacity` records: the fixed-size record, twice as many buckets, and the scratch. */
  private bytesFor(capacity: number): number {
    const perRecord = 4 * this.maxContext + 1 + 4 + 8 * this.followersPerContext + 4 + 8;
    return capacity * perRecord + 4 * bucketCountFor(capacity) + 4 * (this.maxContext + 1);
  }

  private largestCapacityWithin(maxBytes: number): number {
    // bytesFor is increasing, so a binary search finds the largest fitting capacity.
    let low = 0;
    let high = 1;
    while (this.bytesFor(high) <= maxBytes && high < 2 ** 28) high *= 2;
    while (low < high - 1) {
      const middle = Math.floor((low + high) / 2);
      if (this.bytesFor(middle) <= maxBytes) low = middle;
      else high = middle;
    }
    return this.bytesFor(high) <= maxBytes ? high : low;
  }

  private resize(capacity: number): void {
    const n = this.maxContext;
    const k = this.followersPerContext;
    this.contextTokens = grownCopy(this.contextTokens, new Int32Array(capacity * n));
    this.contextLengths = grownCopy(this.contextLengths, new Uint8Array(capacity));
    this.contextHashes = grownCopy(this.contextHashes, new Uint32Array(capacity));
    this.followerTokens = grownCopy(this.followerTokens, new Int32Array(capacity * k));
    this.followerCounts = grownCopy(this.followerCounts, new Uint32Array(capacity * k));
    this.totals = grownCopy(this.totals, new Uint32Array(capacity));
    this.olderLinks = grownCopy(this.olderLinks, new Int32Array(capacity));
    this.newerLinks = grownCopy(this.newerLinks, new Int32Array(capacity));
    this.buckets = new Int32Array(bucketCountFor(capacity));
    this.capacity = capacity;
    for (let record = 0; record < this.used; record++) this.placeInBucket(record);
  }
}

/** Power-of-two bucket count keeping the load factor at or below 1/2. */
function bucketCountFor(capacity: number): number {
  let buckets = 1;
  while (buckets < capacity * 2) buckets *= 2;
  return buckets;
}

function grownCopy<T extends Int32Array | Uint32Array | Uint8Array>(from: T, to: T): T {
  to.set(from.subarray(0, Math.min(from.length, to.length)) as never);
  return to;
}

function perLength(values: readonly number[], maxContext: number, name: string): number[] {
  if (values.length === 0) throw new RangeError(`${name} needs at least one value`);
  const resolved = Array.from({ length: maxContext }, (_, i) => values[Math.min(i, values.length - 1)]);
  for (const value of resolved) {
    if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${name} values must be finite and >= 0, got ${value}`);
  }
  return resolved;
}
