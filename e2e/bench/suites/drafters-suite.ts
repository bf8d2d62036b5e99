import { existsSync, readFileSync } from 'node:fs';
import type { GenerationResult } from '../../../packages/speculo/src/types/index.js';
import { printTable, type BenchBrowser, type GpuProfile } from '../bench-browser.js';
import { pairs, type DtypeName } from '../pairs.js';
import { preparePrompt } from '../prepare-prompt.js';
import { loadTokenizer } from '../tokenize.js';
import { alternating, generateIn, tokensPerSecond, type Sample } from './suite-support.js';

export interface DraftersSuiteOptions {
  target: string;
  draft: string;
  /** The weight file both models load, per backend (transformers.js dtype names). */
  dtype: { webgpu: DtypeName; wasm: DtypeName };
  /** Spec-Bench JSONL read at run time; missing → the suite's own prompts only. */
  specBenchFile: string;
  /** Spec-Bench prompts taken per category (first turn only). */
  perCategory: number;
  /** Prompts longer than this lose text from the start of the user message (the chat template stays). */
  maxPromptTokens: number;
  maxNewTokens: number;
  repeat: number;
}

/**
 * The trained pair (`pairs.trained`): real models, so acceptance means something. The sizes aim at a WASM run of
 * 10–15 minutes at most on two cores: 32 prompts × 5 drafters × 2 repeats × up to 128 new tokens (the target decodes
 * in ~4 ms/token there when it has the cores to itself; a 16-token, 1-repeat run took 78 s, load included, with a
 * training job on both cores).
 */
export const defaultDraftersSuite: DraftersSuiteOptions = {
  target: pairs.trained!.target,
  draft: pairs.trained!.draft,
  dtype: { ...pairs.trained!.dtype },
  specBenchFile: new URL('../../../../shared/benchmarks/spec-bench-dev.jsonl', import.meta.url).pathname,
  perCategory: 2,
  maxPromptTokens: 384,
  maxNewTokens: 128,
  repeat: 2,
};

const drafterConfigs = [
  { name: 'target-only', options: { speculative: false } },
  { name: 'model', options: { drafter: 'model' } },
  { name: 'prompt-lookup', options: { drafter: 'prompt-lookup' } },
  { name: 'ngram-cache', options: { drafter: 'ngram-cache' } },
  { name: 'composite', options: { drafter: 'composite' } },
] as const;

export interface DrafterRow {
  category: string;
  drafter: string;
  acceptanceRate: number;
  meanAcceptanceLength: number;
  tokensPerSecond: number;
  speedup: number;
  extraBytes: { downloadBytes: number; storedBytes: number; gpuBytes: number; cacheBytes: number } | null;
}

export interface PromptCase {
  category: string;
  text: string;
}

/**
 * The suite's own prompts, in the chat turns the trained pair learnt (an ask, a blank line, then the text to go on
 * from): Python code and reStructuredText prose whose continuation repeats what the prompt gives (names, call
 * shapes, phrasing), where prompt lookup can draft. Written for this suite.
 */
export const ownPrompts: readonly PromptCase[] = [
  {
    category: 'code-edit',
    text: `Continue this Python code.

class Settings:
    """Typed access to a flat mapping of configuration strings."""

    def __init__(self, values):
        self._values = dict(values)

    def get_str(self, name, default=None):
        value = self._values.get(name)
        if value is None:
            return default
        return str(value)

    def get_int(self, name, default=None):
        value = self._values.get(name)
        if value is None:
            return default
        return int(value)

    def get_float(self, name, default=None):
        value = self._values.get(name)
        if value is None:
            return default
        return float(value)

    def get_bool(self, name, default=None):
        value = self._values.get(name)`,
  },
  {
    category: 'code-edit',
    text: `Write the rest of this function.

def check_record(record):
    """Raise TypeError if a field of *record* has the wrong type."""
    if not isinstance(record.get("name"), str):
        raise TypeError("record['name'] must be a str")
    if not isinstance(record.get("size"), int):
        raise TypeError("record['size'] must be an int")
    if not isinstance(record.get("tags"), list):
        raise TypeError("record['tags'] must be a list")
    if not isinstance(record.get("owner"), str):
        raise TypeError("record['owner'] must be a str")
    if not isinstance(record.get("created"), float):`,
  },
  {
    category: 'code-edit',
    text: `Complete the following code:

import unittest


class StackTests(unittest.TestCase):

    def setUp(self):
        self.stack = Stack()

    def test_push_one(self):
        self.stack.push(1)
        self.assertEqual(len(self.stack), 1)
        self.assertEqual(self.stack.peek(), 1)

    def test_push_two(self):
        self.stack.push(1)
        self.stack.push(2)
        self.assertEqual(len(self.stack), 2)
        self.assertEqual(self.stack.peek(), 2)

    def test_pop_one(self):
        self.stack.push(1)
        self.assertEqual(self.stack.pop(), 1)
        self.assertEqual(len(self.stack), 0)

    def test_pop_two(self):`,
  },
  {
    category: 'summarize-given',
    text: `Continue this passage from the Python documentation.

A context manager is an object that decides what happens when a block of code is entered and when it is left.
The :keyword:\`with\` statement calls the manager's :meth:\`__enter__\` method before the block runs and its
:meth:\`__exit__\` method after the block finishes, whether the block finished normally or raised an exception.
If the block raised an exception, :meth:\`__exit__\` receives the exception type, the exception value and the
traceback; if the block finished normally, all three arguments are \`\`None\`\`. When :meth:\`__exit__\` returns
a true value, the exception is suppressed and execution continues after the :keyword:\`with\` statement. When
:meth:\`__exit__\` returns a false value,`,
  },
  {
    category: 'summarize-given',
    text: `Finish this section of the docs.

The *timeout* argument, if given, is the number of seconds to wait before giving up. If *timeout* is
\`\`None\`\`, the call waits forever.

The *retries* argument, if given, is the number of times to try again after a failure. If *retries* is
\`\`None\`\`, the call never tries again.

The *delay* argument, if given, is the number of seconds to sleep between two tries. If *delay* is
\`\`None\`\`, the call does not sleep.

The *backoff* argument, if given,`,
  },
  {
    category: 'summarize-given',
    text: `Keep writing this explanation.

An iterator is an object that hands out the items of a sequence one at a time. Each call to :func:\`next\` on an
iterator returns the next item, and when no items are left, :func:\`next\` raises :exc:\`StopIteration\`. An
iterable is any object whose :meth:\`__iter__\` method returns an iterator: lists, tuples, strings and
dictionaries are all iterables. A :keyword:\`for\` loop first calls :func:\`iter\` on the iterable to get an
iterator, then calls :func:\`next\` on that iterator until :exc:\`StopIteration\` is raised. A generator function
is a shorter way to write an iterator: instead of`,
  },
];

/** Run untimed before the others (no category). */
const warmupPrompt: PromptCase = { category: 'warmup', text: 'Go on:\n\nThe module defines the following functions:' };

/** The suite's own prompts plus `perCategory` Spec-Bench prompts per category (first turn), read from the shared file. */
export function loadPrompts(options: Pick<DraftersSuiteOptions, 'specBenchFile' | 'perCategory'>): PromptCase[] {
  const cases: PromptCase[] = [...ownPrompts];
  if (!existsSync(options.specBenchFile)) {
    console.warn(`  ${options.specBenchFile} not found: the suite's own prompts only`);
    return cases;
  }
  const taken = new Map<string, number>();
  for (const line of readFileSync(options.specBenchFile, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { category: string; turns: string[] };
    const n = taken.get(row.category) ?? 0;
    if (n >= options.perCategory) continue;
    taken.set(row.category, n + 1);
    cases.push({ category: row.category, text: row.turns[0]! });
  }
  return cases;
}

/** Chat-templated prompt ids, tokenised in Node with the target's tokenizer; long prompts keep their template. */
async function tokenizePrompts(options: DraftersSuiteOptions, cases: readonly PromptCase[]): Promise<number[][]> {
  const source = options.target.includes('/') ? 'hub' : 'local';
  const tokenizer = await loadTokenizer({ name: 'drafters-suite', target: options.target, draft: options.draft, dtype: options.dtype, source, description: '' });
  let cut = 0;
  const ids = cases.map((c, i) => {
    const prepared = preparePrompt(tokenizer, { id: String(i), category: c.category, line: 0, messages: [{ role: 'user', content: c.text }], format: 'messages' }, options.maxPromptTokens);
    if (prepared.truncatedFrom !== null) cut++;
    return prepared.ids;
  });
  if (cut) console.log(`  ${cut} prompt(s) cut to ${options.maxPromptTokens} tokens (text from the start of the user message)`);
  return ids;
}

/**
 * Target-only, the draft model, prompt lookup, the n-gram cache and the composite drafter on the suite's own and
 * Spec-Bench prompts: acceptance, mean acceptance length, speedup and extra bytes by category and drafter.
 */
export async function runDraftersSuite(bench: BenchBrowser, profile: GpuProfile, options: DraftersSuiteOptions): Promise<{ profile: GpuProfile; backend: string; rows: DrafterRow[] }> {
  const { page } = bench;
  const device = profile === 'wasm' ? 'wasm' : 'webgpu';
  const dtype = options.dtype[device];
  const cases = loadPrompts(options);
  const [warmupIds, ...promptIds] = await tokenizePrompts(options, [warmupPrompt, ...cases]);
  const { handle, info } = await page.evaluate(([t, d, dev, dt]) => window.harness.createEngine({ target: t, draft: d, device: dev, dtype: dt, scheduler: { calibrate: 'eager' } }), [
    options.target,
    options.draft,
    device,
    dtype,
  ] as const);
  console.log(
    `  ${options.draft} → ${options.target} (${dtype}), ${cases.length} prompts × ${drafterConfigs.length} drafters × ${options.repeat} repeat(s), ${options.maxNewTokens} new tokens max`,
  );
  // Each drafter once, untimed, on a prompt of its own: on WASM the hot code reaches the optimising tier before
  // anything is timed (otherwise the first category pays for it).
  for (const config of drafterConfigs) await generateIn(page, handle, { promptIds: warmupIds, maxNewTokens: Math.min(8, options.maxNewTokens), ...config.options });
  const samples = new Map<string, Sample[]>();
  const results = new Map<string, GenerationResult[]>();
  for (let r = 0; r < options.repeat; r++) {
    for (const [i, ids] of promptIds.entries()) {
      for (const config of alternating(drafterConfigs, r + i)) {
        const result = await generateIn(page, handle, { promptIds: ids, maxNewTokens: options.maxNewTokens, ...config.options });
        const key = `${cases[i]!.category}|${config.name}`;
        (samples.get(key) ?? samples.set(key, []).get(key)!).push({ tokens: result.tokenIds.length, ms: result.metrics.wallMs });
        (results.get(key) ?? results.set(key, []).get(key)!).push(result);
      }
    }
  }
  const costs = (await page.evaluate((h) => window.harness.engine(h).currentInfo(), handle)).drafterCosts;
  await page.evaluate((h) => window.harness.disposeEngine(h), handle);
  const rows: DrafterRow[] = [];
  const categories = [...new Set(cases.map((c) => c.category)), 'overall'];
  for (const category of categories) {
    const keysFor = (drafter: string) => [...samples.keys()].filter((k) => k.endsWith(`|${drafter}`) && (category === 'overall' || k.startsWith(`${category}|`)));
    const baseline = tokensPerSecond(keysFor('target-only').flatMap((k) => samples.get(k)!));
    for (const config of drafterConfigs) {
      const keys = keysFor(config.name);
      const runs = keys.flatMap((k) => results.get(k)!);
      const drafted = runs.reduce((a, x) => a + x.metrics.draftedTokens, 0);
      const accepted = runs.reduce((a, x) => a + x.metrics.acceptedTokens, 0);
      const committed = runs.reduce((a, x) => a + x.metrics.newTokens, 0);
      const passes = runs.reduce((a, x) => a + x.metrics.targetForwardPasses, 0);
      const tps = tokensPerSecond(keys.flatMap((k) => samples.get(k)!));
      rows.push({
        category,
        drafter: config.name,
        acceptanceRate: drafted ? accepted / drafted : 0,
        meanAcceptanceLength: passes ? committed / passes : 0,
        tokensPerSecond: tps,
        speedup: tps / baseline,
        extraBytes: config.name === 'target-only' ? null : (costs[config.name as keyof typeof costs] ?? null),
      });
    }
  }
  return { profile, backend: info.backend, rows };
}

/** Per category: does the composite drafter keep up with the better of its two main parts? (Speedups over the category's target-only run, so the same order as tok/s.) */
export interface CompositeCheck {
  category: string;
  composite: number;
  model: number;
  promptLookup: number;
  /** composite tok/s ≥ max(model, prompt-lookup) tok/s. */
  holds: boolean;
}

export function compositeChecks(rows: readonly DrafterRow[]): CompositeCheck[] {
  const checks: CompositeCheck[] = [];
  for (const category of new Set(rows.map((row) => row.category))) {
    const speedOf = (drafter: string) => rows.find((row) => row.category === category && row.drafter === drafter)?.speedup ?? NaN;
    const [composite, model, promptLookup] = [speedOf('composite'), speedOf('model'), speedOf('prompt-lookup')];
    checks.push({ category, composite, model, promptLookup, holds: composite >= Math.max(model, promptLookup) });
  }
  return checks;
}

export function printDraftersTable(results: readonly { profile: GpuProfile; rows: DrafterRow[] }[]): void {
  for (const r of results) {
    console.log(`\n${r.profile}`);
    printTable(
      ['category', 'drafter', 'accept', 'tokens/pass', 'tok/s', 'speedup', 'extra download', 'extra GPU', 'cache'],
      r.rows.map((row) => [
        row.category,
        row.drafter,
        row.acceptanceRate,
        row.meanAcceptanceLength,
        row.tokensPerSecond,
        row.speedup,
        row.extraBytes?.downloadBytes ?? 0,
        row.extraBytes?.gpuBytes ?? 0,
        row.extraBytes?.cacheBytes ?? 0,
      ]),
    );
    console.log(`\n${r.profile}: composite ≥ the better of model and prompt-lookup (speedup over target-only)?`);
    const checks = compositeChecks(r.rows);
    const width = Math.max(...checks.map((c) => c.category.length));
    for (const c of checks) {
      const f = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '-');
      console.log(`  ${`${c.category}:`.padEnd(width + 1)} ${c.holds ? 'yes' : 'no '}  composite ${f(c.composite)}, model ${f(c.model)}, prompt-lookup ${f(c.promptLookup)}`);
    }
  }
}
