import { describe, expect, it } from 'vitest';
import { NgramCache } from '../../src/draft/lookup/ngram-cache.js';
import { NgramCacheDrafter } from '../../src/draft/lookup/ngram-cache-drafter.js';
import { PromptLookupDrafter } from '../../src/draft/lookup/prompt-lookup-drafter.js';
import { createRng, type Rng } from '../../src/sampling/prng.js';
import { randomTokens, simulateGreedyTarget } from './lookup-test-support.js';

const vocabulary = 32_000;
const gamma = 4;

/** A summary-like output: spans of 6–20 tokens copied from the document, joined by 1–3 tokens of its own. */
function extractiveSummary(rng: Rng, document: readonly number[], length: number): number[] {
  const summary: number[] = [];
  while (summary.length < length) {
    summary.push(...randomTokens(rng, 1 + (rng.nextUint32() % 3), vocabulary));
    const spanLength = 6 + (rng.nextUint32() % 15);
    const start = rng.nextUint32() % (document.length - spanLength);
    summary.push(...document.slice(start, start + spanLength));
  }
  return summary.slice(0, length);
}

describe('lookup drafters against a simulated greedy target', () => {
  it('prompt lookup is accepted mostly when the target copies from the prompt, and rarely on unrelated text', async () => {
    const rng = createRng(42);
    const document = randomTokens(rng, 2000, vocabulary);
    const drafter = new PromptLookupDrafter();

    const copying = await simulateGreedyTarget(drafter, document, extractiveSummary(rng, document, 400), gamma);
    const unrelated = await simulateGreedyTarget(drafter, document, randomTokens(rng, 400, vocabulary), gamma);

    expect(copying.acceptance).toBeGreaterThan(0.6);
    expect(copying.tokensPerRound).toBeGreaterThan(2.5);
    expect(unrelated.acceptance).toBeLessThan(0.05);
    expect(unrelated.tokensPerRound).toBeLessThan(1.1);
  });

  it('the n-gram cache speeds up answers that resemble earlier generations, not the prompt', async () => {
    const rng = createRng(43);
    const template = randomTokens(rng, 120, vocabulary);
    const drafter = new NgramCacheDrafter(new NgramCache({ maxBytes: 1 << 20 }));
    // Each answer reuses the template with a few tokens changed, after a prompt it shares nothing with.
    const answer = (): number[] => template.map((token) => (rng.next() < 0.05 ? rng.nextUint32() % vocabulary : token));
    const first = await simulateGreedyTarget(drafter, randomTokens(rng, 300, vocabulary), answer(), gamma);
    await simulateGreedyTarget(drafter, randomTokens(rng, 300, vocabulary), answer(), gamma);
    const third = await simulateGreedyTarget(drafter, randomTokens(rng, 300, vocabulary), answer(), gamma);

    expect(first.accepted).toBe(0);
    expect(third.acceptance).toBeGreaterThan(0.6);
    expect(third.tokensPerRound).toBeGreaterThan(1.7);
  });
});
