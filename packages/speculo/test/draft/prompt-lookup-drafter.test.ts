import { describe, expect, it } from 'vitest';
import { PromptLookupDrafter } from '../../src/draft/lookup/prompt-lookup-drafter.js';
import { createRng } from '../../src/sampling/prng.js';
import { draftRequest, proposeAfter, randomTokens } from './lookup-test-support.js';

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
    const proposal = await proposeAfter(drafter, committed, 4);
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
    expect((await proposeAfter(drafter, committed, 1)).tokens).toEqual([9]);
    expect(drafter.lastMatch?.ngram).toBe(3);
    const unigramOnly = new PromptLookupDrafter({ maxNgram: 1, minNgram: 1 });
    expect((await proposeAfter(unigramOnly, committed, 1)).tokens).toEqual([8]);
  });

  it('copies the most recent occurrence of the winning n-gram', async () => {
    const committed = [4, 5, 10, 4, 5, 20, 4, 5];
    expect((await proposeAfter(new PromptLookupDrafter({ maxNgram: 2 }), committed, 1)).tokens).toEqual([20]);
  });

  it('returns an empty proposal when nothing matches or minNgram is not reached', async () => {
    const drafter = new PromptLookupDrafter();
    expect((await proposeAfter(drafter, [1, 2, 3, 4, 5], 4)).tokens).toEqual([]);
    expect(drafter.lastMatch).toBeNull();
    // Only a one-token suffix repeats, and two are required.
    expect((await proposeAfter(new PromptLookupDrafter({ minNgram: 2 }), [7, 1, 8, 2, 1], 4)).tokens).toEqual([]);
    expect((await proposeAfter(new PromptLookupDrafter(), [], 4)).tokens).toEqual([]);
  });

  it('respects maxTokens and maxProposal', async () => {
    const committed = [1, 2, 3, 4, 5, 6, 7, 8, 1, 2];
    expect((await proposeAfter(new PromptLookupDrafter(), committed, 2)).tokens).toEqual([3, 4]);
    expect((await proposeAfter(new PromptLookupDrafter({ maxProposal: 3 }), committed, 8)).tokens).toEqual([3, 4, 5]);
    expect((await proposeAfter(new PromptLookupDrafter(), committed, 0)).tokens).toEqual([]);
  });

  it('keeps copying a repeating pattern past the end of the committed text', async () => {
    const proposal = await proposeAfter(new PromptLookupDrafter(), [9, 5, 6, 7, 5, 6, 7], 5);
    expect(proposal.tokens).toEqual([5, 6, 7, 5, 6]);
  });

  it('stops where continueAfter says so', async () => {
    const committed = [1, 2, 3, 4, 5, 6, 7, 8, 1, 2];
    const asked: number[] = [];
    const proposal = await proposeAfter(new PromptLookupDrafter(), committed, 5, (position) => (asked.push(position), position < 1));
    expect(proposal.tokens).toEqual([3, 4]);
    expect(proposal.stoppedEarly).toBe(true);
    expect(asked).toEqual([0, 1]);
  });

  it('is more confident after longer matches and less where the context was followed by different tokens', async () => {
    const drafter = new PromptLookupDrafter({ maxNgram: 1 });
    // Each begin starts a new sequence.
    const longMatch = await proposeAfter(drafter, [1, 2, 3, 4, 5, 6, 9, 1, 2, 3, 4, 5], 1);
    const shortMatch = await proposeAfter(drafter, [8, 5, 6, 9, 7, 5], 1);
    // 5 was followed by 6 once and by 7 twice before; the latest (7) is copied with agreement 2/3.
    const disputed = await proposeAfter(drafter, [5, 7, 1, 5, 6, 2, 5, 7, 3, 5], 1);
    expect(longMatch.tokens).toEqual([6]);
    expect(shortMatch.tokens).toEqual([6]);
    expect(disputed.tokens).toEqual([7]);
    expect(longMatch.confidences[0]).toBeCloseTo(5 / 7);
    expect(shortMatch.confidences[0]).toBeCloseTo(1 / 3);
    expect(disputed.confidences[0]).toBeCloseTo((1 / 3) * (2 / 3));
  });

  it('keeps its incremental index equal to a brute-force scan through begins and accepted rounds', async () => {
    const rng = createRng(2024);
    for (const [minNgram, maxNgram, vocabulary] of [
      [1, 3, 4],
      [2, 4, 3],
      [1, 1, 6],
      [3, 5, 2],
    ] as const) {
      const drafter = new PromptLookupDrafter({ minNgram, maxNgram });
      let committed: number[] = [];
      drafter.begin(committed);
      let previous: number[] = [];
      for (let step = 0; step < 600; step++) {
        if (rng.next() < 0.02) {
          committed = randomTokens(rng, rng.nextUint32() % 20, vocabulary);
          drafter.begin(committed);
        } else {
          // A round commits the accepted head of the latest proposal, then tokens of the target's own; the
          // rejected rest of the proposal must leave no trace in the index.
          const acceptedCount = rng.nextUint32() % (previous.length + 1);
          const roundTokens = [...previous.slice(0, acceptedCount), ...randomTokens(rng, 1 + (rng.nextUint32() % 5), vocabulary)];
          drafter.accept(acceptedCount, roundTokens);
          committed.push(...roundTokens);
        }
        const gamma = 1 + (rng.nextUint32() % 6);
        const expected = bruteForceLookup(committed, minNgram, maxNgram, gamma);
        const proposal = await drafter.propose(draftRequest(committed, gamma));
        previous = proposal.tokens;
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
    drafter.begin(committed);
    for (let length = 1000; length < 5000; length += 37) {
      const roundTokens = randomTokens(rng, 37, 40);
      drafter.accept(0, roundTokens);
      committed.push(...roundTokens);
      const proposal = await drafter.propose(draftRequest(committed, 4));
      expect(proposal.tokens).toEqual(bruteForceLookup(committed, 2, 4, 4).tokens);
    }
    expect(drafter.cacheBytes()).toBeGreaterThan(committed.length * 4);
  });

  it('starts over at begin, forgetting the previous sequence', async () => {
    const drafter = new PromptLookupDrafter();
    expect((await proposeAfter(drafter, [1, 2, 3, 4, 1, 2], 2)).tokens).toEqual([3, 4]);
    const proposal = await proposeAfter(drafter, [5, 6, 7, 8, 5, 6, 9], 2);
    expect(proposal.tokens).toEqual(bruteForceLookup([5, 6, 7, 8, 5, 6, 9], 1, 3, 2).tokens);
    // [1, 2] was followed by 3 in the previous sequence only.
    expect((await proposeAfter(drafter, [9, 1, 2], 2)).tokens).toEqual([]);
  });

  it('indexes the prompt and what rounds commit, not the request or its own proposals', async () => {
    const drafter = new PromptLookupDrafter();
    drafter.begin([5, 6, 7]);
    // The request's committed text is not read: only begin and accept feed the index.
    expect((await drafter.propose(draftRequest([5, 6, 7, 5], 2))).tokens).toEqual([]);
    drafter.accept(0, [5]);
    const proposal = await drafter.propose(draftRequest([5, 6, 7, 5], 2));
    expect(proposal.tokens).toEqual([6, 7]);
    // One proposed token accepted, then the target's 8: the rejected 7 never enters the index.
    drafter.accept(1, [6, 8]);
    expect((await drafter.propose(draftRequest([5, 6, 7, 5, 6, 8], 2))).tokens).toEqual([]);
    drafter.accept(0, [5]);
    expect((await drafter.propose(draftRequest([5, 6, 7, 5, 6, 8, 5], 2))).tokens).toEqual([6, 8]);
  });

  it('rejects invalid options', () => {
    expect(() => new PromptLookupDrafter({ minNgram: 0 })).toThrow(RangeError);
    expect(() => new PromptLookupDrafter({ minNgram: 4, maxNgram: 3 })).toThrow(RangeError);
    expect(() => new PromptLookupDrafter({ maxProposal: 1.5 })).toThrow(RangeError);
  });
});
