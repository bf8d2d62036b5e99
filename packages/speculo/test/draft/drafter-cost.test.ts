import { describe, expect, it } from 'vitest';
import { CompositeDrafter } from '../../src/draft/lookup/composite-drafter.js';
import { ngramCacheCost, promptLookupCost, sumDrafterCosts } from '../../src/draft/lookup/drafter-cost.js';
import { NgramCache } from '../../src/draft/lookup/ngram-cache.js';
import { NgramCacheDrafter } from '../../src/draft/lookup/ngram-cache-drafter.js';
import { PromptLookupDrafter } from '../../src/draft/lookup/prompt-lookup-drafter.js';
import { createRng } from '../../src/sampling/prng.js';
import { draftRequest, randomTokens } from './lookup-test-support.js';

describe('drafter costs', () => {
  it('lookup drafters download, store and put on the GPU nothing; their cache grows with what they index', async () => {
    const promptLookup = new PromptLookupDrafter();
    const ngramCache = new NgramCacheDrafter(new NgramCache({ maxBytes: 200_000 }));
    const emptyLookup = promptLookupCost(promptLookup);
    const emptyCache = ngramCacheCost(ngramCache);
    const composite = new CompositeDrafter(null, [promptLookup, ngramCache]);
    const prompt = randomTokens(createRng(1), 5000, 1000);
    composite.begin(prompt);
    await composite.propose(draftRequest(prompt, 4));

    const lookupCost = promptLookupCost(promptLookup);
    const cacheCost = ngramCacheCost(ngramCache);
    for (const cost of [lookupCost, cacheCost]) expect(cost).toMatchObject({ downloadBytes: 0, storedBytes: 0, gpuBytes: 0 });
    expect(lookupCost.cacheBytes).toBeGreaterThan(emptyLookup.cacheBytes);
    expect(cacheCost.cacheBytes).toBeGreaterThan(emptyCache.cacheBytes);
    expect(cacheCost.cacheBytes).toBeLessThanOrEqual(200_000);
    expect(sumDrafterCosts([lookupCost, cacheCost, { downloadBytes: 5, storedBytes: 6, gpuBytes: 7, cacheBytes: 8 }])).toEqual({
      downloadBytes: 5,
      storedBytes: 6,
      gpuBytes: 7,
      cacheBytes: lookupCost.cacheBytes + cacheCost.cacheBytes + 8,
    });
  });
});
