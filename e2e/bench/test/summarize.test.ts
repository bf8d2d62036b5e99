import { describe, expect, it } from 'vitest';
import { checkRunConsistency } from '../consistency.js';
import { quantile, spread } from '../stats.js';
import { hashTokens, summarizeCategories, summarizePrompt, toSample } from '../summarize.js';
import { fakeConfiguration, fakeGeneration, fakeRun } from './fake-run.js';

describe('stats', () => {
  it('computes type-7 quantiles and spreads, ignoring non-finite values', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75);
    expect(quantile([5], 0.75)).toBe(5);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
    expect(spread([3, NaN, 1, 2])).toEqual({ n: 3, median: 2, p25: 1.5, p75: 2.5, min: 1, max: 3 });
    expect(spread([]).n).toBe(0);
    expect(() => quantile([1], 2)).toThrow(RangeError);
  });
});

describe('toSample', () => {
  it('takes γ from the scheduler decisions when the engine reports them, skipping target-only rounds', () => {
    const s = toSample(
      fakeGeneration({
        tokens: 6,
        wallMs: 100,
        rounds: [
          [4, 4],
          [2, 1],
        ],
        decisions: [
          { gamma: 4, mode: 'speculate' },
          { gamma: 0, mode: 'target-only' },
          { gamma: 6, mode: 'probe' },
        ],
      }),
      { mode: 'speculative', repeat: 0, order: 0, seed: 0 },
    );
    expect(s.gammas).toEqual([4, 6]);
    expect(s.gammaSource).toBe('decisions');
    expect(s.modes).toEqual({ speculate: 1, 'target-only': 1, probe: 1 });
    expect(s.draftProvenanceTokens).toBe(5);
  });
  it('falls back to the drafted count per round on engines without decisions', () => {
    const s = toSample(
      fakeGeneration({
        tokens: 6,
        wallMs: 100,
        rounds: [
          [4, 4],
          [3, 1],
        ],
      }),
      { mode: 'speculative', repeat: 0, order: 0, seed: 0 },
    );
    expect(s.gammas).toEqual([4, 3]);
    expect(s.gammaSource).toBe('rounds');
  });
  it('hashes outputs so equal token lists compare equal', () => {
    expect(hashTokens([1, 2, 3])).toBe(hashTokens([1, 2, 3]));
    expect(hashTokens([1, 2, 3])).not.toBe(hashTokens([1, 2, 4]));
  });
});

describe('summarizePrompt', () => {
  const target = (r: number, ms: number) => toSample(fakeGeneration({ tokens: 10, wallMs: ms }), { mode: 'target-only', repeat: r, order: 0, seed: r });
  const spec = (r: number, ms: number, rounds: [number, number][]) => toSample(fakeGeneration({ tokens: 10, wallMs: ms, rounds }), { mode: 'speculative', repeat: r, order: 1, seed: r });

  it('pools repeats: tok/s is total tokens over total time and speedup is their ratio', () => {
    const p = summarizePrompt({ id: 'a', category: 'c', promptTokens: 5, truncatedFrom: null }, [target(0, 1000), spec(0, 400, [[4, 4]]), target(1, 1000), spec(1, 600, [[4, 2]])], true);
    expect(p.targetOnly).toMatchObject({ runs: 2, tokens: 20, wallMs: 2000, tokensPerSecond: 10 });
    expect(p.speculative).toMatchObject({ runs: 2, tokens: 20, wallMs: 1000, tokensPerSecond: 20 });
    expect(p.speedup).toBe(2);
    expect(p.acceptanceRate).toBe(6 / 8);
    expect(p.positionDrafted).toEqual([2, 2, 2, 2]);
    expect(p.positionAccepted).toEqual([2, 2, 1, 1]);
    expect(p.acceptanceByPosition).toEqual([1, 1, 0.5, 0.5]);
    expect(p.gammaMean).toBe(4);
    expect(p.gammaCounts).toEqual({ '4': 2 });
    expect(p.outputsIdentical).toBe(true);
  });
  it('flags greedy outputs that differ, and leaves the check out when sampling', () => {
    const other = toSample(fakeGeneration({ tokens: 10, wallMs: 500, rounds: [[4, 1]], ids: [9, 9, 9, 9, 9, 9, 9, 9, 9, 9] }), { mode: 'speculative', repeat: 0, order: 1, seed: 0 });
    expect(summarizePrompt({ id: 'a', category: 'c', promptTokens: 5, truncatedFrom: null }, [target(0, 1000), other], true).outputsIdentical).toBe(false);
    expect(summarizePrompt({ id: 'a', category: 'c', promptTokens: 5, truncatedFrom: null }, [target(0, 1000), other], false).outputsIdentical).toBeNull();
  });
  it('has no speedup or acceptance without speculative runs', () => {
    const p = summarizePrompt({ id: 'a', category: 'c', promptTokens: 5, truncatedFrom: null }, [target(0, 1000)], true);
    expect(p.speedup).toBeNull();
    expect(p.acceptanceRate).toBeNull();
  });
});

describe('summaries and consistency', () => {
  it('gives per-category medians whose counts add up to the overall', () => {
    const config = fakeConfiguration('a', ['x', 'y'], [1, 2, 3, 4, 5]);
    expect(config.categories.map((c) => [c.category, c.prompts])).toEqual([
      ['x', 3],
      ['y', 2],
    ]);
    expect(config.categories[0]!.speedup.median).toBeCloseTo(3);
    expect(config.overall.speedup).toMatchObject({ n: 5, min: 1, max: 5 });
    expect(config.overall.speedup.median).toBeCloseTo(3);
    expect(summarizeCategories([]).overall.prompts).toBe(0);
  });
  it('finds nothing wrong with a consistent run', () => {
    expect(checkRunConsistency(fakeRun([fakeConfiguration('a', ['x', 'y'], [1.5, 2, 0.8])]))).toEqual([]);
  });
  it('catches a speedup that is not the ratio, counts that do not add up, and acceptance out of range', () => {
    const config = fakeConfiguration('a', ['x'], [1.5, 2]);
    config.prompts[0]!.speedup = 9;
    config.prompts[1]!.acceptanceRate = 1.5;
    config.categories[0]!.prompts = 5;
    config.prompts[1]!.samples[1]!.draftProvenanceTokens = 0;
    const problems = checkRunConsistency(fakeRun([config]));
    expect(problems.join('\n')).toMatch(/prompt p0: speedup 9/);
    expect(problems.join('\n')).toMatch(/acceptance rate 1.5/);
    expect(problems.join('\n')).toMatch(/category prompt counts do not add up/);
    expect(problems.join('\n')).toMatch(/draft-provenance tokens/);
  });
});
