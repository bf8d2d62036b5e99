import { describe, expect, it } from 'vitest';
import { sampleFrom, toProbabilities, type SamplingParams } from '../src/sampling/logits-processing.js';
import { createRng, type Rng } from '../src/sampling/prng.js';
import type { LogitsBlock } from '../src/sampling/logits-block.js';
import { verifyGreedy } from '../src/verify/greedy-verifier.js';
import { hostBlock } from './helpers/logits-block.js';
import { verifySampling, type VerifyOutcome } from '../src/verify/rejection-sampler.js';
import { goodnessOfFit } from './helpers/chi-square.js';

const draws = 20_000;
const significance = 0.001;
const plain: SamplingParams = { temperature: 1, topK: 0, topP: 1 };

type Verifier = (draftTokens: number[], draftProbs: (Float32Array | null)[], target: LogitsBlock, params: SamplingParams, rng: Rng) => VerifyOutcome;

/** One speculative setting: the target's logits (context-independent here) and the drafter per position. */
interface Case {
  vocabSize: number;
  targetLogits: Float32Array;
  /** Draft logits per position, or a fixed token for a deterministic drafter. */
  draft: (Float32Array | { deterministic: number })[];
  params: SamplingParams;
}

function randomLogits(vocabSize: number, rng: Rng, scale = 2.5): Float32Array {
  return Float32Array.from({ length: vocabSize }, () => (rng.next() - 0.5) * 2 * scale);
}

/** Runs one round: draws the draft tokens from q, then verifies them against the target. */
function runRound(c: Case, rng: Rng, verifier: Verifier): number[] {
  const draftTokens: number[] = [];
  const draftProbs: (Float32Array | null)[] = [];
  for (const position of c.draft) {
    if (position instanceof Float32Array) {
      const q = toProbabilities(position, c.params);
      draftTokens.push(sampleFrom(q, rng));
      draftProbs.push(q);
    } else {
      draftTokens.push(position.deterministic);
      draftProbs.push(null);
    }
  }
  const rows = new Float32Array((draftTokens.length + 1) * c.vocabSize);
  for (let row = 0; row <= draftTokens.length; row++) rows.set(c.targetLogits, row * c.vocabSize);
  const outcome = verifier(draftTokens, draftProbs, hostBlock(rows, c.vocabSize), c.params, rng);
  return [...draftTokens.slice(0, outcome.acceptedCount), outcome.nextToken];
}

/** Histogram of the first `length` emitted tokens (as one joint index), running rounds until enough are out. */
function emittedHistogram(c: Case, seed: number, length: number, verifier: Verifier = verifySampling): number[] {
  const rng = createRng(seed);
  const counts = new Array<number>(c.vocabSize ** length).fill(0);
  for (let draw = 0; draw < draws; draw++) {
    const emitted: number[] = [];
    while (emitted.length < length) emitted.push(...runRound(c, rng, verifier));
    let joint = 0;
    for (let i = 0; i < length; i++) joint = joint * c.vocabSize + emitted[i];
    counts[joint]++;
  }
  return counts;
}

function targetDistribution(c: Case): number[] {
  return Array.from(toProbabilities(c.targetLogits, c.params));
}

function outerProduct(p: number[]): number[] {
  return p.flatMap((a) => p.map((b) => a * b));
}

function firstTokenFit(c: Case, seed: number, verifier: Verifier = verifySampling) {
  return goodnessOfFit(emittedHistogram(c, seed, 1, verifier), targetDistribution(c));
}

/** A broken sampler that accepts every draft token: emits q, not p. */
const acceptAlways: Verifier = (draftTokens, _q, target, params, rng) => {
  const bonusRow = target.values(draftTokens.length);
  return { acceptedCount: draftTokens.length, nextToken: sampleFrom(toProbabilities(bonusRow, params), rng) };
};

/** A subtler broken sampler: correct acceptance test, but corrects from p instead of max(0, p − q). */
const correctFromTarget: Verifier = (draftTokens, draftProbs, target, params, rng) => {
  for (let i = 0; i < draftTokens.length; i++) {
    const p = toProbabilities(target.values(i), params);
    const q = draftProbs[i];
    const qToken = q === null ? 1 : q[draftTokens[i]];
    if (rng.next() * qToken < p[draftTokens[i]]) continue;
    return { acceptedCount: i, nextToken: sampleFrom(p, rng) };
  }
  const bonusRow = target.values(draftTokens.length);
  return { acceptedCount: draftTokens.length, nextToken: sampleFrom(toProbabilities(bonusRow, params), rng) };
};

describe('verifySampling is distribution-preserving (χ² goodness of fit, p > 0.001)', () => {
  it.each([8, 12, 16])('random p and q over %i tokens', (vocabSize) => {
    const setup = createRng(2025 + vocabSize);
    const c: Case = {
      vocabSize,
      targetLogits: randomLogits(vocabSize, setup),
      draft: [randomLogits(vocabSize, setup)],
      params: plain,
    };
    const fit = firstTokenFit(c, vocabSize);
    expect(fit.df).toBeGreaterThan(4);
    expect(fit.pValue).toBeGreaterThan(significance);
  });

  it('random p and q with γ = 3 (first emitted token)', () => {
    const setup = createRng(2026);
    const vocabSize = 10;
    const c: Case = {
      vocabSize,
      targetLogits: randomLogits(vocabSize, setup),
      draft: [randomLogits(vocabSize, setup), randomLogits(vocabSize, setup), randomLogits(vocabSize, setup)],
      params: plain,
    };
    expect(firstTokenFit(c, 31).pValue).toBeGreaterThan(significance);
  });

  it('disjoint supports: every draft token is rejected and the correction is p', () => {
    const vocabSize = 8;
    const targetLogits = Float32Array.from([-Infinity, -Infinity, -Infinity, -Infinity, 0.5, 1, -0.3, 0.2]);
    const draftLogits = Float32Array.from([1, 0, 0.4, -1, -Infinity, -Infinity, -Infinity, -Infinity]);
    const c: Case = { vocabSize, targetLogits, draft: [draftLogits], params: plain };
    const counts = emittedHistogram(c, 5, 1);
    expect(counts.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(goodnessOfFit(counts, targetDistribution(c)).pValue).toBeGreaterThan(significance);
  });

  it('q == p: everything is accepted', () => {
    const setup = createRng(2027);
    const vocabSize = 12;
    const logits = randomLogits(vocabSize, setup);
    const c: Case = { vocabSize, targetLogits: logits, draft: [logits, logits], params: plain };
    const rng = createRng(6);
    for (let i = 0; i < 1000; i++) expect(runRound(c, rng, verifySampling)).toHaveLength(3);
    expect(firstTokenFit(c, 6).pValue).toBeGreaterThan(significance);
  });

  it('deterministic drafter (q one-hot, draftProbs null)', () => {
    const setup = createRng(2028);
    const vocabSize = 10;
    const c: Case = {
      vocabSize,
      targetLogits: randomLogits(vocabSize, setup),
      draft: [{ deterministic: 3 }, { deterministic: 7 }],
      params: plain,
    };
    expect(firstTokenFit(c, 7).pValue).toBeGreaterThan(significance);
  });

  it('deterministic drafter proposing a token the target forbids', () => {
    const vocabSize = 6;
    const targetLogits = Float32Array.from([0.2, -Infinity, 1, 0.5, -0.5, 0]);
    const c: Case = { vocabSize, targetLogits, draft: [{ deterministic: 1 }], params: plain };
    const counts = emittedHistogram(c, 8, 1);
    expect(counts[1]).toBe(0);
    expect(goodnessOfFit(counts, targetDistribution(c)).pValue).toBeGreaterThan(significance);
  });

  it.each<[string, SamplingParams]>([
    ['temperature 0.7', { temperature: 0.7, topK: 0, topP: 1 }],
    ['temperature 1.5 + top-k 5', { temperature: 1.5, topK: 5, topP: 1 }],
    ['temperature 0.8 + top-p 0.8', { temperature: 0.8, topK: 0, topP: 0.8 }],
    ['temperature 1.2 + top-k 8 + top-p 0.9', { temperature: 1.2, topK: 8, topP: 0.9 }],
  ])('processed distributions: %s', (_, params) => {
    const setup = createRng(2029);
    const vocabSize = 16;
    const c: Case = {
      vocabSize,
      targetLogits: randomLogits(vocabSize, setup),
      draft: [randomLogits(vocabSize, setup), randomLogits(vocabSize, setup)],
      params,
    };
    const counts = emittedHistogram(c, 9, 1);
    const p = targetDistribution(c);
    // Tokens filtered out of p by top-k/top-p must never be emitted, whatever q proposes.
    counts.forEach((count, token) => {
      if (p[token] === 0) expect(count).toBe(0);
    });
    expect(goodnessOfFit(counts, p).pValue).toBeGreaterThan(significance);
  });

  it('joint distribution of the first two emitted tokens is p ⊗ p (γ = 2, 4 tokens)', () => {
    const targetLogits = Float32Array.from([0.3, -0.2, 0.5, 0]);
    const c: Case = {
      vocabSize: 4,
      targetLogits,
      draft: [Float32Array.from([1, 0.2, -0.5, 0.1]), Float32Array.from([-0.4, 0.9, 0.2, 0.3])],
      params: { temperature: 0.9, topK: 0, topP: 1 },
    };
    const fit = goodnessOfFit(emittedHistogram(c, 10, 2), outerProduct(targetDistribution(c)));
    expect(fit.df).toBe(15);
    expect(fit.pValue).toBeGreaterThan(significance);
  });

  it('joint distribution with a sampled then a deterministic draft position is p ⊗ p', () => {
    const c: Case = {
      vocabSize: 4,
      targetLogits: Float32Array.from([0.1, 0.4, -0.3, 0.2]),
      draft: [Float32Array.from([0.8, -0.2, 0.3, -0.6]), { deterministic: 2 }],
      params: plain,
    };
    const fit = goodnessOfFit(emittedHistogram(c, 11, 2), outerProduct(targetDistribution(c)));
    expect(fit.pValue).toBeGreaterThan(significance);
  });
});

describe('the χ² check catches broken samplers (negative controls)', () => {
  const c: Case = {
    vocabSize: 4,
    targetLogits: Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.2), -Infinity]),
    draft: [Float32Array.from([Math.log(0.2), Math.log(0.3), Math.log(0.4), Math.log(0.1)])],
    params: plain,
  };

  it('detects a sampler that accepts every draft token', () => {
    expect(firstTokenFit(c, 12, acceptAlways).pValue).toBeLessThan(1e-6);
  });

  it('detects a sampler that corrects from p instead of the residual', () => {
    const fit = firstTokenFit({ ...c, targetLogits: Float32Array.from([0.5, 0.3, 0.2, 1e-3].map(Math.log)) }, 13, correctFromTarget);
    expect(fit.pValue).toBeLessThan(1e-6);
  });
});

describe('verifySampling mechanics', () => {
  const vocabSize = 5;
  const rows = Float32Array.from([0, 2, 1, -1, 0.5, 1, 0, 0, 3, 0, 0.2, 0.1, 0.4, 0.3, 2]);

  it('delegates to greedy verification at temperature 0', () => {
    const greedy = { temperature: 0, topK: 0, topP: 1 };
    for (const draft of [
      [1, 3],
      [1, 0],
      [2, 3],
    ]) {
      expect(verifySampling(draft, [null, null], hostBlock(rows, vocabSize), greedy, createRng(1))).toEqual(verifyGreedy(draft, hostBlock(rows, vocabSize)));
    }
  });

  it('is reproducible for a seed', () => {
    const q = toProbabilities(Float32Array.from([0.3, 0.2, 0.1, 0, -0.1]), plain);
    const run = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 200 }, () => verifySampling([1, 3], [q, q], hostBlock(rows, vocabSize), plain, rng));
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });

  it('handles an empty draft by sampling the bonus from row 0', () => {
    const outcome = verifySampling([], [], hostBlock(rows.subarray(0, vocabSize), vocabSize), plain, createRng(1));
    expect(outcome.acceptedCount).toBe(0);
    expect(outcome.nextToken).toBeGreaterThanOrEqual(0);
  });

  it('rejects a draft token that is impossible under its own q, and mismatched shapes', () => {
    const q = Float32Array.from([0.5, 0, 0.5, 0, 0]);
    expect(() => verifySampling([1, 0], [q, q], hostBlock(rows, vocabSize), plain, createRng(1))).toThrow(/draftProbs/);
    expect(() => verifySampling([1, 0], [q], hostBlock(rows, vocabSize), plain, createRng(1))).toThrow(/draftProbs/);
    expect(() => verifySampling([1], [q], hostBlock(rows, vocabSize), plain, createRng(1))).toThrow(/rows/);
  });
});
