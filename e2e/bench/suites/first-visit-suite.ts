// What a first visit waits for: from `createSpeculo` to the first token of the first answer, in a fresh browser
// profile each time (no stored device profile, no cached models), with the pair loaded three ways: without any
// device measurement (the target-only baseline), with background calibration (the default) and with eager
// calibration (measure before ready). Modes alternate in rotating order so drift on the machine hits all alike.
import type { BenchBrowser, GpuProfile } from '../bench-browser.js';
import { median, printTable } from '../bench-browser.js';
import { pairs } from '../pairs.js';
import { trainedFixtures } from './suite-support.js';

export interface FirstVisitSuiteOptions {
  maxNewTokens: number;
  repeat: number;
}

export const defaultFirstVisitSuite: FirstVisitSuiteOptions = { maxNewTokens: 16, repeat: 3 };

const modes = [
  { name: 'target-only (no measurement)', options: { scheduler: { calibrate: false } }, speculative: false },
  { name: 'background calibration', options: {}, speculative: true },
  { name: 'eager calibration', options: { scheduler: { calibrate: 'eager' } }, speculative: true },
] as const;

type ModeName = (typeof modes)[number]['name'];

interface Visit {
  readyMs: number;
  firstTokenMs: number | null;
  doneMs: number;
  timeToFirstTokenInCallMs: number | null;
  drafted: number;
  tokens: number;
  calibration: string;
}

export interface FirstVisitResult {
  profile: GpuProfile;
  pair: string;
  dtype: string;
  visits: Record<ModeName, Visit[]>;
  /** Medians per mode. */
  medians: Record<ModeName, { readyMs: number; firstTokenMs: number; doneMs: number }>;
  /** Median first-token time of each mode ÷ the baseline's. */
  firstTokenRatio: Record<ModeName, number>;
}

export async function runFirstVisitSuite(bench: BenchBrowser, profile: GpuProfile, options: FirstVisitSuiteOptions): Promise<FirstVisitResult> {
  const device = profile === 'wasm' ? 'wasm' : 'webgpu';
  const dtype = pairs.trained!.dtype[device];
  const origin = new URL(bench.page.url()).origin;
  const [promptIds] = await bench.page.evaluate(([m, ps]) => window.harness.tokenizeChat(m, ps), [trainedFixtures.target, trainedFixtures.prompts.slice(0, 1)] as const);
  const visits = Object.fromEntries(modes.map((m) => [m.name, [] as Visit[]])) as Record<ModeName, Visit[]>;
  for (let r = 0; r < options.repeat; r++) {
    for (let k = 0; k < modes.length; k++) {
      const mode = modes[(r + k) % modes.length]!;
      // A fresh context: empty IndexedDB (no device profile) and Cache Storage (models fetched again), as a first visit.
      const context = await bench.browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${origin}/e2e/harness/index.html`);
        await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', null, { timeout: 60_000 });
        const engineOptions = { target: trainedFixtures.target, draft: trainedFixtures.drafts[0]!, device, dtype, ...mode.options };
        const visit = await page.evaluate(([o, call]) => window.harness.firstVisit(o as never, call), [
          engineOptions,
          { promptIds: promptIds!, maxNewTokens: options.maxNewTokens, speculative: mode.speculative },
        ] as const);
        visits[mode.name].push(visit);
        console.log(`  ${mode.name}: ready ${visit.readyMs.toFixed(0)} ms, first token ${visit.firstTokenMs?.toFixed(0)} ms (${visit.calibration})`);
      } finally {
        await context.close();
      }
    }
  }
  const medians = Object.fromEntries(
    modes.map((m) => {
      const v = visits[m.name];
      return [m.name, { readyMs: median(v.map((x) => x.readyMs)), firstTokenMs: median(v.map((x) => x.firstTokenMs ?? NaN)), doneMs: median(v.map((x) => x.doneMs)) }];
    }),
  ) as FirstVisitResult['medians'];
  const base = medians[modes[0].name].firstTokenMs;
  const firstTokenRatio = Object.fromEntries(modes.map((m) => [m.name, medians[m.name].firstTokenMs / base])) as FirstVisitResult['firstTokenRatio'];
  return { profile, pair: 'trained', dtype, visits, medians, firstTokenRatio };
}

export function printFirstVisitTable(results: FirstVisitResult[]): void {
  printTable(
    ['profile', 'mode', 'ready (ms)', 'first token (ms)', '÷ target-only', 'done (ms)', 'calibration after the call'],
    results.flatMap((r) =>
      modes.map((m) => [
        r.profile,
        m.name,
        r.medians[m.name].readyMs,
        r.medians[m.name].firstTokenMs,
        `${r.firstTokenRatio[m.name].toFixed(2)}×`,
        r.medians[m.name].doneMs,
        [...new Set(r.visits[m.name].map((v) => v.calibration))].join(', '),
      ]),
    ),
  );
  console.log('medians over repeats; each visit in a fresh browser context (no stored profile, models fetched again)');
}
