import { describe, expect, it } from 'vitest';
import { PromptLookupDrafter } from '../../src/draft/lookup/prompt-lookup-drafter.js';
import { createRng } from '../../src/sampling/prng.js';
import { draftRequest, randomTokens } from './lookup-test-support.js';

/**
 * The documented semantics written as plainly as possible: n from max down to min, the latest earlier occurrence
 * of the last n tokens, and a copy that continues over its own output once it reaches the end.
 */
function bruteForceLookup(sequence: readonly number[], minNgram: number, maxNgram: number, limit: number): { tokens: number[]; source: number } {
  const length = sequence.length;
  for (let n = maxNgram; n >= minNgram; n--) {
    for (let end = length - 1; end >= n; end--) {
      let same = true;
      for (let i = 1; i <= n && same; i++) same = sequence[end - i] === sequence[length - i];
      if (!same) continue;
      const tokens: number[] = [];
      for (let i = 0; i < limit; i++) tokens.push(end + i < length ? sequence[end + i] : tokens[end + i - length]);
      return { tokens, source: end };
    }
  }
  return { tokens: [], source: -1 };
}

describe('PromptLookupDrafter', () => {
  it('proposes the continuation of a passage the prompt already contains', async () => {
    const passage = [101, 102, 103, 104, 105, 106, 107, 108, 109, 110];
    const committed = [1, 2, ...passage, 3, 4, 5, 6, 101, 102, 103];
    const drafter = new PromptLookupDrafter();
    const proposal = await drafter.propose(draftRequest(committed, 4));
    expect(proposal.tokens).toEqual([104, 105, 106, 107]);
    expect(proposal.probabilities).toEqual([null, null, null, null]);
    expect(proposal.forwardPasses).toBe(0);
    expect(proposal.stoppedEarly).toBe(false);
    expect(drafter.lastMatch).toEqual({ ngram: 3, source: 5, matchLength: 3 });
  });

  it('prefers the longest matching suffix over a more recent shorter one', async () => {
    // [1, 2, 3] occurred once, followed by 9; [3] alone occurred more recently, followed by 8.
    const committed = [1, 2, 3, 9, 7, 3, 8, 5, 1, 2, 3];
    const drafter = new PromptLookupDrafter({ maxNgram: 3, minNgram: 1 });
    expect((await drafter.propose(draftRequest(committed, 1))).tokens).toEqual([9]);
    expect(drafter.lastMatch?.ngram).toBe(3);
    const unigramOnly = new PromptLookupDrafter({ maxNgram: 1, minNgram: 1 });
    expect((await unigramOnly.propose(draftRequest(committed, 1))).tokens).toEqual([8]);
  });

  it('copies the most recent occurrence of the winning n-gram', async () => {
    const committed = [4, 5, 10, 4, 5, 20, 4, 5];
    expect((await new PromptLookupDrafter({ maxNgram: 2 }).propose(draftRequest(committed, 1))).tokens).toEqual([20]);
  });

  it('returns an empty proposal when nothing matches or minNgram is not reached', async () => {
    const drafter = new PromptLookupDrafter();
    expect((await drafter.propose(draftRequest([1, 2, 3, 4, 5], 4))).tokens).toEqual([]);
    expect(drafter.lastMatch).toBeNull();
    // Only a one-token suffix repeats, and two are required.
    expect((await new PromptLookupDrafter({ minNgram: 2 }).propose(draftRequest([7, 1, 8, 2, 1], 4))).tokens).toEqual([]);
    expect((await new PromptLookupDrafter().propose(draftRequest([], 4))).tokens).toEqual([]);
  });

  it('respects maxTokens and maxProposal', async () => {
    const committed = [1, 2, 3, 4, 5, 6, 7, 8, 1, 2];
    expect((await new PromptLookupDrafter().propose(draftRequest(committed, 2))).tokens).toEqual([3, 4]);
    expect((await new PromptLookupDrafter({ maxProposal: 3 }).propose(draftRequest(committed, 8))).tokens).toEqual([3, 4, 5]);
    expect((await new PromptLookupDrafter().propose(draftRequest(committed, 0))).tokens).toEqual([]);
  });

  it('keeps copying a repeating pattern past the end of the committed text', async () => {
    const proposal = await new PromptLookupDrafter().propose(draftRequest([9, 5, 6, 7, 5, 6, 7], 5));
    expect(proposal.tokens).toEqual([5, 6, 7, 5, 6]);
  });

  it('stops where continueAfter says so', async () => {
    const committed = [1, 2, 3, 4, 5, 6, 7, 8, 1, 2];
    const asked: number[] = [];
    const proposal = await new PromptLookupDrafter().propose(draftRequest(committed, 5, (position) => (asked.push(position), position < 1)));
    expect(proposal.tokens).toEqual([3, 4]);
    expect(proposal.stoppedEarly).toBe(true);
    expect(asked).toEqual([0, 1]);
  });

  it('is more confident after longer matches and less where the context was followed by different tokens', async () => {
    const drafter = new PromptLookupDrafter({ maxNgram: 1 });
    const longMatch = await drafter.propose(draftRequest([1, 2, 3, 4, 5, 6, 9, 1, 2, 3, 4, 5], 1));
    drafter.reset();
    const shortMatch = await drafter.propose(draftRequest([8, 5, 6, 9, 7, 5], 1));
    drafter.reset();
    // 5 was followed by 6 once and by 7 twice before; the latest (7) is copied with agreement 2/3.
    const disputed = await drafter.propose(draftRequest([5, 7, 1, 5, 6, 2, 5, 7, 3, 5], 1));
    expect(longMatch.tokens).toEqual([6]);
    expect(shortMatch.tokens).toEqual([6]);
    expect(disputed.tokens).toEqual([7]);
    expect(longMatch.confidences[0]).toBeCloseTo(5 / 7);
    expect(shortMatch.confidences[0]).toBeCloseTo(1 / 3);
    expect(disputed.confidences[0]).toBeCloseTo((1 / 3) * (2 / 3));
  });

  it('keeps its incremental index equal to a brute-force scan through appends, rollbacks and resets', async () => {
    const rng = createRng(2024);
    for (const [minNgram, maxNgram, vocabulary] of [
      [1, 3, 4],
      [2, 4, 3],
      [1, 1, 6],
      [3, 5, 2],
    ] as const) {
      const drafter = new PromptLookupDrafter({ minNgram, maxNgram });
      let committed: number[] = [];
      for (let step = 0; step < 600; step++) {
        const action = rng.next();
        if (action < 0.02) {
          drafter.reset();
          committed = randomTokens(rng, rng.nextUint32() % 20, vocabulary);
        } else if (action < 0.1 && committed.length > 0) {
          const kept = rng.nextUint32() % committed.length;
          drafter.rollback(kept, null);
          committed = committed.slice(0, kept);
        } else {
          committed.push(...randomTokens(rng, 1 + (rng.nextUint32() % 5), vocabulary));
        }
        const gamma = 1 + (rng.nextUint32() % 6);
        const expected = bruteForceLookup(committed, minNgram, maxNgram, gamma);
        const proposal = await drafter.propose(draftRequest(committed, gamma));
        expect(proposal.tokens).toEqual(expected.tokens);
        expect(drafter.lastMatch?.source ?? -1).toBe(expected.source);
        for (const confidence of proposal.confidences) {
          expect(confidence).toBeGreaterThan(0);
          expect(confidence).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it('stays exact once the index outgrows its first allocation', async () => {
    const rng = createRng(99);
    const drafter = new PromptLookupDrafter({ maxNgram: 4, minNgram: 2 });
    const committed = randomTokens(rng, 1500, 40);
    for (let length = 1000; length < 5000; length += 37) {
      committed.push(...randomTokens(rng, 37, 40));
      const proposal = await drafter.propose(draftRequest(committed, 4));
      expect(proposal.tokens).toEqual(bruteForceLookup(committed, 2, 4, 4).tokens);
    }
    expect(drafter.cacheBytes()).toBeGreaterThan(committed.length * 4);
  });

  it('re-indexes when handed a different sequence without a reset', async () => {
    const drafter = new PromptLookupDrafter();
    await drafter.propose(draftRequest([1, 2, 3, 4, 1, 2], 2));
    const proposal = await drafter.propose(draftRequest([5, 6, 7, 8, 5, 6, 9], 2));
    expect(proposal.tokens).toEqual(bruteForceLookup([5, 6, 7, 8, 5, 6, 9], 1, 3, 2).tokens);
  });

  it('rejects invalid options', () => {
    expect(() => new PromptLookupDrafter({ minNgram: 0 })).toThrow(RangeError);
    expect(() => new PromptLookupDrafter({ minNgram: 4, maxNgram: 3 })).toThrow(RangeError);
    expect(() => new PromptLookupDrafter({ maxProposal: 1.5 })).toThrow(RangeError);
  });
});
