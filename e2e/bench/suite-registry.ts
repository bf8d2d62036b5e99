// The fixed `--suite NAME` benchmarks (the older scripts, kept as they were). Each suite module exports defaults
// with `maxNewTokens` and `repeat`, a run function per browser page and a table printer; they are imported lazily,
// so a suite under construction cannot break the prompts harness. Add a suite here and it is on the CLI.
import type { BenchBrowser, GpuProfile } from './bench-browser.js';

export interface SuiteOptionsBase {
  maxNewTokens: number;
  repeat: number;
}

export interface SuiteDefinition {
  description: string;
  load(): Promise<{
    defaults: SuiteOptionsBase;
    run(bench: BenchBrowser, profile: GpuProfile, options: SuiteOptionsBase): Promise<unknown>;
    /** Prints every result (flattened over profiles). */
    print(results: unknown[]): void;
  }>;
}

export const suites: Record<string, SuiteDefinition> = {
  engine: {
    description: 'transformers.js generate() vs target-only vs speculative on the ctrl fixtures and the Qwen2.5-sized large-vocab pair',
    async load() {
      const m = await import('./suites/engine-suite.js');
      return { defaults: m.defaultEngineSuite, run: (b, p, o) => m.runEngineSuite(b, p, o as typeof m.defaultEngineSuite), print: (r) => m.printEngineTable(r as never) };
    },
  },
  drafters: {
    description:
      'target-only vs each drafter (model, prompt lookup, n-gram cache, composite) on the trained pair (q4 on WebGPU, q4f16 on WASM): 2 Spec-Bench prompts per category plus code-edit and summarize-given prompts of its own',
    async load() {
      const m = await import('./suites/drafters-suite.js');
      return { defaults: m.defaultDraftersSuite, run: (b, p, o) => m.runDraftersSuite(b, p, o as typeof m.defaultDraftersSuite), print: (r) => m.printDraftersTable(r as never) };
    },
  },
  'host-overhead': {
    description: "the engine's JavaScript work, logits reads and bytes per round on each logits path (host-full, host, gpu), greedy and sampled, γ 1..8, at 151,936 and 439 columns",
    async load() {
      const m = await import('./suites/host-overhead-suite.js');
      return {
        defaults: m.defaultHostOverheadSuite,
        run: (b, p, o) => m.runHostOverheadSuite(b, p, o as typeof m.defaultHostOverheadSuite),
        print: (r) => m.printHostOverheadTable(r as never),
      };
    },
  },
  'first-visit': {
    description: 'time from createSpeculo to the first token on a first visit (fresh profile), trained pair: no measurement vs background vs eager calibration',
    async load() {
      const m = await import('./suites/first-visit-suite.js');
      return { defaults: m.defaultFirstVisitSuite, run: (b, p, o) => m.runFirstVisitSuite(b, p, o), print: (r) => m.printFirstVisitTable(r as never) };
    },
  },
  scheduler: {
    description: 'adaptive vs heuristic vs static γ policies on the ctrl fixtures (fp32) and the trained pair (q4 / q4f16), with acceptance by draft position',
    async load() {
      const m = await import('./suites/scheduler-suite.js');
      return { defaults: m.defaultSchedulerSuite, run: (b, p, o) => m.runSchedulerSuite(b, p, o as typeof m.defaultSchedulerSuite), print: (r) => m.printSchedulerTables(r as never) };
    },
  },
};

/** `--draft a,b` with a suite: a subset of the suite's own drafts, in the suite's order (e.g. to rerun the ones in doubt). */
export function suiteDrafts(suite: string, defaults: object, raw: string): string[] {
  const known = (defaults as { drafts?: unknown }).drafts;
  if (!Array.isArray(known)) throw new RangeError(`--draft does not apply to --suite ${suite}: it runs a fixed pair`);
  const wanted = raw
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  if (wanted.length === 0) throw new RangeError('--draft needs at least one draft name');
  const unknown = wanted.filter((d) => !known.includes(d));
  if (unknown.length) throw new RangeError(`--suite ${suite} has no draft ${unknown.join(', ')}; its drafts: ${known.join(', ')}`);
  return known.filter((d): d is string => typeof d === 'string' && wanted.includes(d));
}
