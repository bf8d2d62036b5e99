import { createRng } from '../../../packages/speculo/src/sampling/prng.js';
import type { Page } from '@playwright/test';
import type { GenerationResult } from '../../../packages/speculo/src/types/index.js';

/** The controllable fixture family both fixed suites sweep: one target and drafts of rising agreement. */
export const controllableFixtures = {
  target: 'ctrl-target',
  drafts: ['ctrl-draft-20', 'ctrl-draft-50', 'ctrl-draft-80', 'ctrl-draft-95'],
  prompts: ['Tell me about the baker.', 'What did the garden look like in spring?'],
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
