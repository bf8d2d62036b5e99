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
    description: 'transformers.js generate() vs target-only vs speculative on the ctrl fixtures',
    async load() {
      const m = await import('./suites/engine-suite.js');
      return { defaults: m.defaultEngineSuite, run: (b, p, o) => m.runEngineSuite(b, p, o as typeof m.defaultEngineSuite), print: (r) => m.printEngineTable(r as never) };
    },
  },
  drafters: {
    description: 'target-only vs each drafter (model, prompt lookup, n-gram cache, composite)',
    async load() {
      const m = await import('./suites/drafters-suite.js');
      return { defaults: m.defaultDraftersSuite, run: (b, p, o) => m.runDraftersSuite(b, p, o as typeof m.defaultDraftersSuite), print: (r) => m.printDraftersTable(r as never) };
    },
  },
  scheduler: {
    description: 'adaptive vs heuristic vs static γ policies on the ctrl fixtures',
    async load() {
      const m = await import('./suites/scheduler-suite.js');
      return { defaults: m.defaultSchedulerSuite, run: (b, p, o) => m.runSchedulerSuite(b, p, o as typeof m.defaultSchedulerSuite), print: (r) => m.printSchedulerTables(r as never) };
    },
  },
};
