import { describe, expect, it } from 'vitest';
import { NgramCache } from '../../src/draft/lookup/ngram-cache.js';
import { NgramCacheDrafter } from '../../src/draft/lookup/ngram-cache-drafter.js';
import { draftRequest } from './lookup-test-support.js';

describe('NgramCacheDrafter', () => {
  it('learns from one generation and proposes in the next', async () => {
    const drafter = new NgramCacheDrafter(new NgramCache({ maxBytes: 1 << 20, minCount: [1], minShare: [0.5] }));
    const firstOutput = [1, 2, 3, 4, 5, 6, 7, 8];
    // Generation 1: the decoder proposes as tokens get committed; the engine reports the final tokens.
    for (let length = 1; length < firstOutput.length; length++) await drafter.propose(draftRequest(firstOutput.slice(0, length), 3));
    drafter.observe(firstOutput);
    drafter.reset();
    // Generation 2 starts with a different prompt that ends like generation 1 began.
    const proposal = await drafter.propose(draftRequest([40, 41, 1, 2, 3], 4));
    expect(proposal.tokens).toEqual([4, 5, 6, 7]);
    expect(proposal.probabilities).toEqual([null, null, null, null]);
    expect(proposal.forwardPasses).toBe(0);
    for (const confidence of proposal.confidences) expect(confidence).toBeCloseTo(1 / 2);
  });

  it('needs repeated evidence under the default thresholds', async () => {
    const drafter = new NgramCacheDrafter(new NgramCache({ maxBytes: 1 << 20 }));
    const answer = [90, 91, 92, 93, 94, 95, 96];
    drafter.observe(answer);
    drafter.reset();
    expect((await drafter.propose(draftRequest([90, 91, 92, 93], 3))).tokens).toEqual([]);
    drafter.reset();
    drafter.observe(answer);
    drafter.reset();
    expect((await drafter.propose(draftRequest([90, 91, 92, 93], 3))).tokens).toEqual([94, 95, 96]);
  });

  it('learns each committed token once however often it is proposed from', async () => {
    const cache = new NgramCache({ maxBytes: 1 << 20, minCount: [1], minShare: [0] });
    const drafter = new NgramCacheDrafter(cache);
    const committed = [5, 6, 7];
    await drafter.propose(draftRequest(committed, 2));
    await drafter.propose(draftRequest(committed, 2));
    drafter.rollback(3, null);
    committed.push(8);
    await drafter.propose(draftRequest(committed, 2));
    expect(cache.predict([5, 6, 7])).toMatchObject({ token: 8, total: 1 });
    expect(cache.predict([6])).toMatchObject({ token: 7, total: 1 });
  });

  it('respects maxTokens, maxProposal and continueAfter', async () => {
    const cache = new NgramCache({ maxBytes: 1 << 20, minCount: [1], minShare: [0.5] });
    cache.learn([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await new NgramCacheDrafter(cache).propose(draftRequest([1, 2], 3))).tokens).toEqual([3, 4, 5]);
    expect((await new NgramCacheDrafter(cache, { maxProposal: 2 }).propose(draftRequest([1, 2], 5))).tokens).toEqual([3, 4]);
    const stopped = await new NgramCacheDrafter(cache).propose(draftRequest([1, 2], 5, (position) => position < 2));
    expect(stopped).toMatchObject({ tokens: [3, 4, 5], stoppedEarly: true });
  });

  it('keeps the statistics across reset and drops them on dispose', async () => {
    const cache = new NgramCache({ maxBytes: 1 << 20, minCount: [1], minShare: [0.5] });
    const drafter = new NgramCacheDrafter(cache);
    drafter.observe([1, 2, 3]);
    drafter.reset();
    expect(cache.size).toBeGreaterThan(0);
    drafter.dispose();
    expect(cache.size).toBe(0);
  });
});
