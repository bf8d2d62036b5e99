import { describe, expect, it } from 'vitest';
import { NgramCache } from '../../src/draft/lookup/ngram-cache.js';
import { createRng } from '../../src/sampling/prng.js';
import { randomTokens } from './lookup-test-support.js';

/** Thresholds that let a single observation propose, to test the mechanics rather than llama.cpp's defaults. */
const eager = { minCount: [1], minShare: [0.5] };

describe('NgramCache', () => {
  it('predicts what followed a context once the default (strict) thresholds are met', () => {
    const cache = new NgramCache({ maxBytes: 1 << 20 });
    const text = [10, 11, 12, 13, 14, 15];
    cache.learn(text);
    // A 4-token context needs two observations under llama.cpp's strict thresholds.
    expect(cache.predict([10, 11, 12, 13])).toBeNull();
    cache.learn(text);
    expect(cache.predict([10, 11, 12, 13])).toMatchObject({ token: 14, contextLength: 4, count: 2, total: 2 });
    expect(cache.predict([10, 11, 12, 13])?.confidence).toBeCloseTo(2 / 3);
  });

  it('uses the longest confident context and skips ambiguous shorter ones', () => {
    const cache = new NgramCache({ maxBytes: 1 << 20, minCount: [1], minShare: [0.66] });
    cache.learn([1, 2, 3, 50]);
    cache.learn([7, 2, 3, 60]);
    expect(cache.predict([1, 2, 3])).toMatchObject({ token: 50, contextLength: 3 });
    expect(cache.predict([7, 2, 3])).toMatchObject({ token: 60, contextLength: 3 });
    // [2, 3] and [3] were followed by 50 and 60 equally often: below the 66% share, so no proposal.
    expect(cache.predict([9, 2, 3])).toBeNull();
  });

  it('learns pieces of one text as if it were learned at once', () => {
    const text = randomTokens(createRng(3), 300, 20);
    const whole = new NgramCache({ maxBytes: 1 << 20, ...eager });
    const pieces = new NgramCache({ maxBytes: 1 << 20, ...eager });
    whole.learn(text);
    for (let from = 0; from < text.length; from += 17) pieces.learn(text.slice(0, Math.min(text.length, from + 17)), from);
    expect(pieces.size).toBe(whole.size);
    for (let end = 1; end <= text.length; end++) expect(pieces.predict(text, end)).toEqual(whole.predict(text, end));
  });

  it('keeps follower counts as lower bounds within total/(K+1) of the truth', () => {
    const rng = createRng(11);
    const followers = 3;
    const cache = new NgramCache({ maxBytes: 1 << 22, maxContext: 2, followersPerContext: followers, minCount: [0], minShare: [0] });
    const text = randomTokens(rng, 20_000, 12);
    cache.learn(text);
    const truth = new Map<string, Map<number, number>>();
    for (let t = 2; t < text.length; t++) {
      const key = `${text[t - 2]},${text[t - 1]}`;
      const counts = truth.get(key) ?? new Map<number, number>();
      counts.set(text[t], (counts.get(text[t]) ?? 0) + 1);
      truth.set(key, counts);
    }
    for (const [key, counts] of truth) {
      const context = key.split(',').map(Number);
      const prediction = cache.predict(context);
      if (!prediction || prediction.contextLength !== 2) continue;
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const exact = counts.get(prediction.token) ?? 0;
      expect(prediction.count).toBeLessThanOrEqual(exact);
      expect(prediction.count).toBeGreaterThanOrEqual(exact - total / (followers + 1));
    }
  });

  it('never reports more memory than its budget, however much it learns', () => {
    const rng = createRng(5);
    const maxBytes = 96 * 1024;
    const cache = new NgramCache({ maxBytes });
    for (let chunk = 0; chunk < 40; chunk++) {
      cache.learn(randomTokens(rng, 5000, 30_000));
      expect(cache.memoryBytes()).toBeLessThanOrEqual(maxBytes);
    }
    expect(cache.evictions).toBeGreaterThan(0);
    // The budget is used, not just respected: growth stopped within a factor of two of it.
    expect(cache.memoryBytes()).toBeGreaterThan(maxBytes / 2);
  });

  it('reports the bytes its arrays actually hold', () => {
    const cache = new NgramCache({ maxBytes: 1 << 20, maxContext: 4, followersPerContext: 4 });
    const before = cache.memoryBytes();
    // 1024 records of 4·4 + 1 + 4 + 8·4 + 4 + 8 bytes, 2048 four-byte buckets, five scratch hashes.
    expect(before).toBe(1024 * 65 + 2048 * 4 + 5 * 4);
    cache.learn(randomTokens(createRng(8), 2000, 10_000));
    expect(cache.memoryBytes()).toBeGreaterThan(before);
  });

  it('stays useful under eviction: recent and regularly used contexts survive, stale ones go', () => {
    const rng = createRng(21);
    // About 3,500 contexts; each learned token adds up to four.
    const cache = new NgramCache({ maxBytes: 256 * 1024, ...eager });
    const hits = (text: number[]): number => {
      let correct = 0;
      for (let end = 4; end < text.length; end++) if (cache.predict(text, end)?.token === text[end]) correct++;
      return correct / (text.length - 4);
    };
    const stale = randomTokens(rng, 200, 1000).map((token) => token + 100_000);
    const used = randomTokens(rng, 40, 1000).map((token) => token + 200_000);
    cache.learn(stale);
    cache.learn(used);
    // Far more text than fits passes through; `used` is only predicted from (not re-learned) between chunks.
    for (let round = 0; round < 30; round++) {
      cache.learn(randomTokens(rng, 500, 50_000));
      expect(hits(used)).toBe(1);
    }
    const recent = randomTokens(rng, 300, 1000).map((token) => token + 300_000);
    cache.learn(recent);
    expect(cache.evictions).toBeGreaterThan(40_000);
    expect(hits(recent)).toBe(1);
    expect(hits(stale)).toBe(0);
  });

  it('finds every recent context after heavy eviction (deletions keep the hash table intact)', () => {
    const rng = createRng(33);
    const cache = new NgramCache({ maxBytes: 32 * 1024, maxContext: 2, minCount: [1], minShare: [0] });
    const text = randomTokens(rng, 50_000, 100_000);
    cache.learn(text);
    // The last 200 positions add at most 400 contexts, far fewer than the cache holds.
    for (let end = text.length - 200; end < text.length; end++) {
      expect(cache.predict(text, end)).toMatchObject({ token: text[end], contextLength: 2 });
    }
  });

  it('rejects a budget too small to be useful and bad thresholds', () => {
    expect(() => new NgramCache({ maxBytes: 100 })).toThrow(RangeError);
    expect(() => new NgramCache({ maxBytes: 1 << 20, maxContext: 9 })).toThrow(RangeError);
    expect(() => new NgramCache({ maxBytes: 1 << 20, minShare: [] })).toThrow(RangeError);
  });
});
