import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pairs } from '../pairs.js';
import { compositeChecks, defaultDraftersSuite, loadPrompts, ownPrompts, printDraftersTable, type DrafterRow } from '../suites/drafters-suite.js';

/** The chat asks the trained pair learnt (tools/train/prepare.ts), each followed by a blank line and the text. */
const trainedAsks = [
  'Continue this Python code.',
  'Write the rest of this function.',
  'Complete the following code:',
  'What comes next in this module?',
  'Continue this passage from the Python documentation.',
  'Keep writing this explanation.',
  'Go on:',
  'Finish this section of the docs.',
];

describe('drafters suite defaults', () => {
  afterEach(() => vi.restoreAllMocks());

  it('runs the trained pair in its per-backend weight files', () => {
    expect(defaultDraftersSuite).toMatchObject({ target: 'trained-target', draft: 'trained-draft', dtype: pairs.trained!.dtype, perCategory: 2 });
    expect(defaultDraftersSuite.dtype).toEqual({ webgpu: 'q4', wasm: 'q4f16' });
  });

  it('has 2–3 prompts of its own in code-edit and summarize-given, each a chat turn the trained pair learnt', () => {
    for (const category of ['code-edit', 'summarize-given']) {
      const n = ownPrompts.filter((p) => p.category === category).length;
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(3);
    }
    expect(new Set(ownPrompts.map((p) => p.category))).toEqual(new Set(['code-edit', 'summarize-given']));
    for (const p of ownPrompts) {
      const [ask, blank] = p.text.split('\n');
      expect(trainedAsks).toContain(ask);
      expect(blank).toBe('');
    }
  });

  it('adds perCategory Spec-Bench first turns per category, and its own prompts alone when the file is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'speculo-drafters-'));
    const file = join(dir, 'spec.jsonl');
    const row = (category: string, q: string) => JSON.stringify({ question_id: 1, category, turns: [q, 'second turn'] });
    await writeFile(file, [row('writing', 'w1'), row('writing', 'w2'), row('writing', 'w3'), row('qa', 'q1'), ''].join('\n'));
    const cases = loadPrompts({ specBenchFile: file, perCategory: 2 });
    expect(cases.slice(ownPrompts.length)).toEqual([
      { category: 'writing', text: 'w1' },
      { category: 'writing', text: 'w2' },
      { category: 'qa', text: 'q1' },
    ]);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(loadPrompts({ specBenchFile: join(dir, 'missing.jsonl'), perCategory: 2 })).toEqual(ownPrompts);
  });
});

describe('compositeChecks', () => {
  afterEach(() => vi.restoreAllMocks());

  const row = (category: string, drafter: string, speedup: number): DrafterRow => ({
    category,
    drafter,
    acceptanceRate: 0.5,
    meanAcceptanceLength: 1.5,
    tokensPerSecond: 100 * speedup,
    speedup,
    extraBytes: null,
  });
  const rows = [
    ...[
      ['target-only', 1],
      ['model', 1.4],
      ['prompt-lookup', 1.2],
      ['ngram-cache', 1.1],
      ['composite', 1.5],
    ].map(([d, s]) => row('code-edit', d as string, s as number)),
    ...[
      ['target-only', 1],
      ['model', 1.3],
      ['prompt-lookup', 0.9],
      ['ngram-cache', 1],
      ['composite', 1.2],
    ].map(([d, s]) => row('overall', d as string, s as number)),
  ];

  it('says per category whether composite reaches the better of model and prompt lookup', () => {
    expect(compositeChecks(rows)).toEqual([
      { category: 'code-edit', composite: 1.5, model: 1.4, promptLookup: 1.2, holds: true },
      { category: 'overall', composite: 1.2, model: 1.3, promptLookup: 0.9, holds: false },
    ]);
  });

  it('is printed under the table, one line per category', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    printDraftersTable([{ profile: 'wasm', rows }]);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}code-edit: +yes +composite 1\.50×, model 1\.40×, prompt-lookup 1\.20×$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}overall: +no +composite 1\.20×, model 1\.30×, prompt-lookup 0\.90×$/));
  });
});
