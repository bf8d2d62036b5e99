import { describe, expect, it } from 'vitest';
import { NgramCache } from '../../src/draft/lookup/ngram-cache.js';
import { NgramCacheDrafter } from '../../src/draft/lookup/ngram-cache-drafter.js';
import { draftRequest, proposeAfter } from './lookup-test-support.js';

describe('NgramCacheDrafter', () => {
  it('learns from one generation and proposes in the next', async () => {
    const drafter = new NgramCacheDrafter(new NgramCache({ maxBytes: 1 << 20, minCount: [1], minShare: [0.5] }));
    const firstOutput = [1, 2, 3, 4, 5, 6, 7, 8];
    // Generation 1: the decoder proposes each round, then reports the token the round committed.
    drafter.begin(firstOutput.slice(0, 1));
    for (let length = 1; length < firstOutput.length; length++) {
      await drafter.propose(draftRequest(firstOutput.slice(0, length), 3));
      drafter.accept(0, [firstOutput[length]!]);
    }
    // Generation 2 starts with a different prompt that ends like generation 1 began.
    const proposal = await proposeAfter(drafter, [40, 41, 1, 2, 3], 4);
    expect(proposal.tokens).toEqual([4, 5, 6, 7]);
    expect(proposal.probabilities).toEqual([null, null, null, null]);
    expect(proposal.forwardPasses).toBe(0);
    for (const confidence of proposal.confidences) expect(confidence).toBeCloseTo(1 / 2);
  });

  it('needs repeated evidence under the default thresholds', async () => {
    const drafter = new NgramCacheDrafter(new NgramCache({ maxBytes: 1 << 20 }));
    const answer = [90, 91, 92, 93, 94, 95, 96];
    // A generation that commits the answer, after a one-token prompt.
    const commitAnswer = () => {
      drafter.begin(answer.slice(0, 1));
      drafter.accept(0, answer.slice(1));
    };
    commitAnswer();
    expect((await proposeAfter(drafter, [90, 91, 92, 93], 3)).tokens).toEqual([]);
    commitAnswer();
    expect((await proposeAfter(drafter, [90, 91, 92, 93], 3)).tokens).toEqual([94, 95, 96]);
  });

  it('learns each committed token once however often it is proposed from', async () => {
    const cache = new NgramCache({ maxBytes: 1 << 20, minCount: [1], minShare: [0] });
    const drafter = new NgramCacheDrafter(cache);
    const committed = [5, 6, 7];
    drafter.begin(committed);
    await drafter.propose(draftRequest(committed, 2));
    await drafter.propose(draftRequest(committed, 2));
    drafter.accept(0, [8]);
    committed.push(8);
    await drafter.propose(draftRequest(committed, 2));
    expect(cache.predict([5, 6, 7])).toMatchObject({ token: 8, total: 1 });
    expect(cache.predict([6])).toMatchObject({ token: 7, total: 1 });
  });

  it('respects maxTokens, maxProposal and continueAfter', async () => {
    const cache = new NgramCache({ maxBytes: 1 << 20, minCount: [1], minShare: [0.5] });
    cache.learn([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await proposeAfter(new NgramCacheDrafter(cache), [1, 2], 3)).tokens).toEqual([3, 4, 5]);
    expect((await proposeAfter(new NgramCacheDrafter(cache, { maxProposal: 2 }), [1, 2], 5)).tokens).toEqual([3, 4]);
    const stopped = await proposeAfter(new NgramCacheDrafter(cache), [1, 2], 5, (position) => position < 2);
    expect(stopped).toMatchObject({ tokens: [3, 4, 5], stoppedEarly: true });
  });

  it('keeps the statistics across a new begin and drops them on dispose', async () => {
    const cache = new NgramCache({ maxBytes: 1 << 20, minCount: [1], minShare: [0.5] });
    const drafter = new NgramCacheDrafter(cache);
    drafter.begin([1, 2]);
    drafter.accept(0, [3]);
    drafter.begin([9]);
    expect(cache.size).toBeGreaterThan(0);
    expect((await drafter.propose(draftRequest([9], 2))).tokens).toEqual([]);
    expect((await proposeAfter(drafter, [1], 2)).tokens).toEqual([2, 3]);
    drafter.dispose();
    expect(cache.size).toBe(0);
  });
});
