import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixtureByName } from '../../../packages/fixtures/src/catalog.js';
import type { GenerationResult } from '../../../packages/speculo/src/types/index.js';
import { pairs } from '../pairs.js';
import { suiteDrafts } from '../suite-registry.js';
import { defaultSchedulerSuite, printAcceptanceByPosition, schedulerPairOf } from '../suites/scheduler-suite.js';
import { cumulativeAcceptanceByPosition } from '../suites/suite-support.js';

describe('scheduler suite defaults', () => {
  it('runs the ctrl drafts and the trained draft, each resolving to its catalog target, a dtype per backend and prompts', () => {
    expect(defaultSchedulerSuite.drafts).toEqual(['ctrl-draft-20', 'ctrl-draft-50', 'ctrl-draft-80', 'ctrl-draft-95', 'trained-draft']);
    for (const draft of defaultSchedulerSuite.drafts) {
      const pair = schedulerPairOf(defaultSchedulerSuite, draft);
      expect(pair.target).toBe(fixtureByName(draft).draftFor);
      expect(pair.dtype).toEqual(draft.startsWith('ctrl-') ? { webgpu: 'fp32', wasm: 'fp32' } : pairs.trained!.dtype);
      expect(pair.prompts.length).toBeGreaterThanOrEqual(2);
    }
    expect(schedulerPairOf(defaultSchedulerSuite, 'trained-draft')).toMatchObject({ target: 'trained-target', dtype: { webgpu: 'q4', wasm: 'q4f16' } });
    // The trained pair learnt chat turns of an ask, a blank line and the text to go on from.
    for (const prompt of schedulerPairOf(defaultSchedulerSuite, 'trained-draft').prompts) expect(prompt).toMatch(/^Continue this Python code\.\n\n\S/);
  });

  it('narrows to the trained draft with --draft trained-draft, and names a draft it has no pair for', () => {
    expect(suiteDrafts('scheduler', defaultSchedulerSuite, 'trained-draft')).toEqual(['trained-draft']);
    expect(suiteDrafts('scheduler', defaultSchedulerSuite, 'trained-draft,ctrl-draft-80')).toEqual(['ctrl-draft-80', 'trained-draft']);
    expect(() => schedulerPairOf(defaultSchedulerSuite, 'gqa-draft')).toThrow(/no pair for draft gqa-draft/);
    expect(() => schedulerPairOf({ ...defaultSchedulerSuite, prompts: {} }, 'trained-draft')).toThrow(/no prompts for trained-target/);
  });
});

/** A generation with rounds given as [drafted, accepted], and its metrics' cumulative acceptance by position. */
function generation(rounds: [number, number][]): Pick<GenerationResult, 'metrics' | 'rounds'> {
  const drafted: number[] = [];
  const accepted: number[] = [];
  for (const [d, a] of rounds) {
    for (let i = 0; i < d; i++) {
      drafted[i] = (drafted[i] ?? 0) + 1;
      if (i < a) accepted[i] = (accepted[i] ?? 0) + 1;
    }
  }
  return {
    rounds: rounds.map(([d, a]) => ({ drafted: d, accepted: a })),
    metrics: { acceptanceByPosition: drafted.map((n, i) => (accepted[i] ?? 0) / n) },
  } as unknown as Pick<GenerationResult, 'metrics' | 'rounds'>;
}

describe('cumulativeAcceptanceByPosition', () => {
  it('pools runs by the rounds that proposed each position, as one run over all their rounds would', () => {
    const a = generation([
      [4, 4],
      [4, 1],
      [2, 2], // cut short by the output limit
    ]);
    const b = generation([[4, 0]]);
    const pooled = cumulativeAcceptanceByPosition([a, b]);
    const whole = generation([
      [4, 4],
      [4, 1],
      [2, 2],
      [4, 0],
    ]);
    expect(pooled.proposals).toEqual([4, 4, 3, 3]);
    expect(pooled.cumulative).toEqual(whole.metrics.acceptanceByPosition);
    expect(pooled.cumulative).toEqual([3 / 4, 2 / 4, 1 / 3, 1 / 3]);
    expect(cumulativeAcceptanceByPosition([])).toEqual({ cumulative: [], proposals: [] });
  });
});

describe('printAcceptanceByPosition', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints one line per draft over positions 1..γ, marking positions no round reached', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    printAcceptanceByPosition([
      {
        profile: 'wasm',
        draft: 'ctrl-draft-80',
        acceptanceByPosition: {
          gamma: 8,
          cumulative: [0.8, 0.64, 0.5, 0.4, 0.33, 0.26, 0.21, 0.17],
          conditional: [0.8, 0.8, 0.78, 0.8, 0.82, 0.79, 0.8, 0.81],
          proposals: Array(8).fill(20),
        },
      },
      { profile: 'wasm', draft: 'trained-draft', acceptanceByPosition: { gamma: 8, cumulative: [0.5, 0.25], conditional: [0.5, 0.5], proposals: [3, 3] } },
      { profile: 'wasm', draft: 'none', acceptanceByPosition: null },
    ]);
    expect(lines[0]).toMatch(/acceptance by draft position 1\.\.8 \(static γ=8\)/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/wasm ctrl-draft-80\s+cumulative 0\.80 0\.64 0\.50 0\.40 0\.33 0\.26 0\.21 0\.17 {2}\| {2}conditional 0\.80 .* \(20 rounds\)/);
    expect(lines[2]).toMatch(/wasm trained-draft\s+cumulative 0\.50 0\.25( +-){6} {2}\|/);
  });
});
