import { createRng } from '../../../packages/speculo/src/sampling/prng.js';
import type { Page } from '@playwright/test';
import type { GenerationResult } from '../../../packages/speculo/src/types/index.js';

/** The controllable fixture family both fixed suites sweep: one target and drafts of rising agreement. */
export const controllableFixtures = {
  target: 'ctrl-target',
  drafts: ['ctrl-draft-20', 'ctrl-draft-50', 'ctrl-draft-80', 'ctrl-draft-95'],
  prompts: ['Tell me about the baker.', 'What did the garden look like in spring?'],
};

/**
 * The trained pair (tools/train): a 4-layer target and a 2-layer draft trained on Python's source and documentation.
 * Its prompts are chat turns in the form it learnt: an ask, a blank line, then code to go on from.
 */
export const trainedFixtures = {
  target: 'trained-target',
  drafts: ['trained-draft'],
  prompts: [
    [
      'Continue this Python code.',
      '',
      'def read_lines(path, encoding="utf-8"):',
      '    """Return the lines of the file at *path*, without their line endings."""',
      '    with open(path, encoding=encoding) as f:',
    ].join('\n'),
    [
      'Continue this Python code.',
      '',
      'class Counter:',
      '    def __init__(self):',
      '        self.counts = {}',
      '',
      '    def add(self, key):',
      '        self.counts[key] = self.counts.get(key, 0) + 1',
      '',
      '    def total(self):',
    ].join('\n'),
  ],
};

/** One generation's throughput sample. */
export interface Sample {
  tokens: number;
  ms: number;
}

/** tokens/s over several runs: total tokens over total time, so long runs weigh by their length. */
export function tokensPerSecond(samples: readonly Sample[]): number {
  const ms = samples.reduce((a, s) => a + s.ms, 0);
  return ms > 0 ? (samples.reduce((a, s) => a + s.tokens, 0) * 1000) / ms : 0;
}

/** Runs one generation in the harness page and returns the full result. */
export function generateIn(page: Page, handle: number, options: Record<string, unknown>): Promise<GenerationResult> {
  return page.evaluate(([h, o]) => window.harness.engine(h).generate(o as never), [handle, options] as const) as Promise<GenerationResult>;
}

/** Element-wise mean of cumulative acceptance-by-position arrays, weighting each run by its drafted tokens. */
export function pooledAcceptanceByPosition(results: readonly GenerationResult[]): number[] {
  const sums: number[] = [];
  const weights: number[] = [];
  for (const r of results) {
    r.metrics.acceptanceByPosition.forEach((a, i) => {
      sums[i] = (sums[i] ?? 0) + a * r.metrics.draftedTokens;
      weights[i] = (weights[i] ?? 0) + r.metrics.draftedTokens;
    });
  }
  return sums.map((s, i) => (weights[i] ? s / weights[i]! : 0));
}

/**
 * Cumulative acceptance by draft position, pooled exactly over `results`: entry i is, over every round that proposed
 * a token at position i + 1, the share in which that token and every one before it were accepted (what
 * `GenerationMetrics.acceptanceByPosition` reports per generation). Each run's entry i weighs by that run's rounds
 * that proposed position i + 1 (counted from `rounds`), so the pool is the ratio over all rounds; `proposals[i]` is
 * their total.
 */
export function cumulativeAcceptanceByPosition(results: readonly Pick<GenerationResult, 'metrics' | 'rounds'>[]): { cumulative: number[]; proposals: number[] } {
  const accepted: number[] = [];
  const proposals: number[] = [];
  for (const r of results) {
    r.metrics.acceptanceByPosition.forEach((a, i) => {
      const proposed = r.rounds.filter((round) => round.drafted > i).length;
      accepted[i] = (accepted[i] ?? 0) + a * proposed;
      proposals[i] = (proposals[i] ?? 0) + proposed;
    });
  }
  return { cumulative: proposals.map((n, i) => (n ? accepted[i]! / n : 0)), proposals };
}

/**
 * A seeded shuffle of the configurations for one pass: a different order each pass, the same on every run. With
 * many configurations a fixed or merely alternating order gives each one the same neighbours every time, and a
 * neighbour leaves work behind (garbage the next run collects, caches it evicted), a bias that repeats never average
 * out. Seen here: in the alternating order adaptive always ran next to the heuristic and read 0.93–0.94 ×
 * target-only in two runs on a draft that keeps it in fallback (97 % target-only rounds), where a side-by-side
 * probe of the two alone read 0.98.
 */
export function shuffledForPass<T>(items: readonly T[], pass: number): T[] {
  const rng = createRng(0x5eed + pass);
  const order = [...items];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Visits configurations in an order that flips every repeat (A B C, C B A, …) so drift hits all alike. */
export function alternating<T>(items: readonly T[], repeat: number): T[] {
  return repeat % 2 === 0 ? [...items] : [...items].reverse();
}
