import { printTable, type BenchBrowser, type GpuProfile } from '../bench-browser.js';
import type { GenerationResult } from '../../../packages/speculo/src/types/index.js';
import { alternating, controllableFixtures, generateIn, tokensPerSecond, type Sample } from './suite-support.js';

/**
 * What the engine's own JavaScript costs per round, beside the models: the same generations on each logits path
 * (`host-full`, the earlier full-block path, against the default and, on WebGPU, the lazy host path), greedy and
 * sampled, at each γ, on the Qwen2.5-sized vocabulary and on the 439-column fixtures. Paths alternate within each
 * repeat, so drift on a shared machine hits them alike; each reports JS work, logits reads and bytes per round (the
 * engine's own counts, `RoundReport.host`) and tokens/s, and whether its tokens equal the full path's.
 */

type Dtype = 'fp32' | 'q4' | 'q4f16';

export interface HostOverheadPair {
  name: string;
  target: string;
  draft: string;
  /** Logits columns, for the per-row figures. */
  vocabSize: number;
  dtype: { webgpu: Dtype; wasm: Dtype };
  /** Smaller sweep under SwiftShader, for pairs whose passes are too slow there for the suite's size. */
  swiftshaderCap?: { maxNewTokens: number; repeat: number; gammas: number[]; why: string };
}

export interface HostOverheadOptions {
  pairs: HostOverheadPair[];
  drafts: string[];
  prompts: string[];
  gammas: number[];
  maxNewTokens: number;
  repeat: number;
}

const sampled = { temperature: 0.8, topP: 0.9 } as const;

export const defaultHostOverheadSuite: HostOverheadOptions = {
  pairs: [
    {
      name: 'large-vocab',
      target: 'large-vocab-target',
      draft: 'large-vocab-draft',
      vocabSize: 151_936,
      dtype: { webgpu: 'q4', wasm: 'q4f16' },
      swiftshaderCap: { maxNewTokens: 5, repeat: 1, gammas: [4], why: 'a 151,936-column pass takes seconds on SwiftShader' },
    },
    {
      name: 'ctrl-80',
      target: controllableFixtures.target,
      draft: 'ctrl-draft-80',
      vocabSize: 439,
      dtype: { webgpu: 'fp32', wasm: 'fp32' },
      swiftshaderCap: { maxNewTokens: 12, repeat: 1, gammas: [1, 4, 8], why: 'SwiftShader takes about 50 ms a layer a pass' },
    },
  ],
  drafts: ['large-vocab-draft', 'ctrl-draft-80'],
  prompts: controllableFixtures.prompts,
  gammas: [1, 2, 3, 4, 5, 6, 7, 8],
  maxNewTokens: 24,
  repeat: 2,
};

export interface HostOverheadRow {
  profile: GpuProfile;
  backend: string;
  pair: string;
  vocabSize: number;
  /** The engine's logitsPath option this row ran with. */
  path: string;
  mode: 'greedy' | 'sampled';
  gamma: number;
  /** Mean over every round (prefill excluded) of every run. */
  jsWorkMsPerRound: number;
  /** JS work per row handled: each draft step and each verified row counts one. */
  jsWorkMsPerRow: number;
  readsPerRound: number;
  bytesPerRound: number;
  /** bytesPerRound over the verified rows per round (draft steps included as rows). */
  bytesPerRow: number;
  tokensPerSecond: number;
  /** Tokens equal to the host-full path's for every prompt and repeat. */
  identicalToFull: boolean;
  /** Why the sweep ran shorter here, or null. */
  shortened: string | null;
}

export async function runHostOverheadSuite(bench: BenchBrowser, profile: GpuProfile, options: HostOverheadOptions): Promise<HostOverheadRow[]> {
  const { page } = bench;
  const device = profile === 'wasm' ? 'wasm' : 'webgpu';
  const paths = device === 'webgpu' ? ['host-full', 'host', 'auto'] : ['host-full', 'auto'];
  const rows: HostOverheadRow[] = [];
  for (const pair of options.pairs.filter((p) => options.drafts.includes(p.draft))) {
    const cap = profile === 'swiftshader' ? pair.swiftshaderCap : undefined;
    const maxNewTokens = Math.min(options.maxNewTokens, cap?.maxNewTokens ?? Infinity);
    const repeat = Math.min(options.repeat, cap?.repeat ?? Infinity);
    const gammas = cap?.gammas ?? options.gammas;
    const shortened = cap ? cap.why : null;
    const promptIds = await page.evaluate(([model, prompts]) => window.harness.tokenizeChat(model, prompts), [pair.target, options.prompts] as const);
    const engines: Record<string, number> = {};
    let backend = device as string;
    for (const path of paths) {
      const created = await page.evaluate(
        ([target, draft, dev, dtype, logitsPath]) => window.harness.createEngine({ target, draft, device: dev, dtype, logitsPath, scheduler: { calibrate: false } } as never),
        [pair.target, pair.draft, device, pair.dtype[device], path] as const,
      );
      engines[path] = created.handle;
      backend = created.info.backend;
      // Warm-up: shaders, buffer pools, the kernel's pipelines.
      await generateIn(page, created.handle, { promptIds: promptIds[0], maxNewTokens: 4, draftLength: 2 });
    }
    for (const mode of ['greedy', 'sampled'] as const) {
      for (const gamma of gammas) {
        const results: Record<string, GenerationResult[]> = Object.fromEntries(paths.map((p) => [p, []]));
        for (let r = 0; r < repeat; r++) {
          for (const [i, ids] of promptIds.entries()) {
            for (const path of alternating(paths, r + i)) {
              const sampling = mode === 'sampled' ? { ...sampled, seed: 100 * r + i } : {};
              results[path]!.push(await generateIn(page, engines[path]!, { promptIds: ids, maxNewTokens, draftLength: gamma, ...sampling }));
            }
          }
        }
        const full = results['host-full']!.map((result) => result.tokenIds);
        for (const path of paths) {
          const row = summarize(results[path]!, { profile, backend, pair: pair.name, vocabSize: pair.vocabSize, path, mode, gamma, shortened });
          row.identicalToFull = JSON.stringify(results[path]!.map((result) => result.tokenIds)) === JSON.stringify(full);
          rows.push(row);
        }
        const line = paths.map((p) => rows.find((row) => row.path === p && row.mode === mode && row.gamma === gamma && row.pair === pair.name)!);
        console.log(
          `  ${profile} ${pair.name} ${mode} γ=${gamma}: ${line.map((row) => `${row.path} ${row.jsWorkMsPerRound.toFixed(2)} ms/round, ${row.tokensPerSecond.toFixed(1)} tok/s`).join('; ')}`,
        );
      }
    }
    for (const handle of Object.values(engines)) await page.evaluate((h) => window.harness.disposeEngine(h), handle);
  }
  return rows;
}

function summarize(
  results: GenerationResult[],
  fixed: Omit<HostOverheadRow, 'jsWorkMsPerRound' | 'jsWorkMsPerRow' | 'readsPerRound' | 'bytesPerRound' | 'bytesPerRow' | 'tokensPerSecond' | 'identicalToFull'>,
): HostOverheadRow {
  const rounds = results.flatMap((result) => result.rounds);
  const draftSteps = results.reduce((sum, result) => sum + result.metrics.draftForwardPasses, 0);
  const verifiedRows = rounds.reduce((sum, round) => sum + round.drafted + 1, 0);
  const total = (pick: (round: GenerationResult['rounds'][number]) => number) => rounds.reduce((sum, round) => sum + pick(round), 0);
  const per = (value: number, count: number) => (count > 0 ? value / count : 0);
  const samples: Sample[] = results.map((result) => ({ tokens: result.tokenIds.length, ms: result.metrics.wallMs }));
  return {
    ...fixed,
    jsWorkMsPerRound: per(
      total((round) => round.host.workMs),
      rounds.length,
    ),
    jsWorkMsPerRow: per(
      total((round) => round.host.workMs),
      draftSteps + verifiedRows,
    ),
    readsPerRound: per(
      total((round) => round.host.reads),
      rounds.length,
    ),
    bytesPerRound: per(
      total((round) => round.host.bytesRead),
      rounds.length,
    ),
    bytesPerRow: per(
      total((round) => round.host.bytesRead),
      draftSteps + verifiedRows,
    ),
    tokensPerSecond: tokensPerSecond(samples),
    identicalToFull: true,
  };
}

/** The issue's targets, per backend and mode, against what a row measured on the large vocabulary. */
function targetLine(rows: HostOverheadRow[]): string[] {
  const lines: string[] = [];
  for (const row of rows.filter((r) => r.vocabSize > 100_000 && r.path === 'auto')) {
    const where = `${row.profile} ${row.mode} γ=${row.gamma}`;
    if (row.backend === 'webgpu') {
      const workTarget = row.mode === 'greedy' ? 1 : 3;
      const checks = [
        [`JS work ${row.jsWorkMsPerRound.toFixed(2)} ms/round ≤ ${workTarget}`, row.jsWorkMsPerRound <= workTarget],
        ...(row.mode === 'greedy'
          ? ([
              [`reads ${row.readsPerRound.toFixed(1)}/round ≤ 2`, row.readsPerRound <= 2],
              [`bytes ${row.bytesPerRow.toFixed(0)}/row ≤ 64`, row.bytesPerRow <= 64],
            ] as const)
          : []),
      ] as const;
      lines.push(`${where}: ${checks.map(([text, met]) => `${text} ${met ? 'met' : 'NOT met'}`).join(', ')}`);
    } else {
      const target = row.mode === 'greedy' ? 0.5 : 2;
      lines.push(
        `${where}: JS work ${row.jsWorkMsPerRow.toFixed(2)} ms/row ≤ ${target}: ${row.jsWorkMsPerRow <= target ? 'met' : `NOT met (gap ${(row.jsWorkMsPerRow - target).toFixed(2)} ms)`}`,
      );
    }
  }
  return lines;
}

export function printHostOverheadTable(rows: HostOverheadRow[]): void {
  printTable(
    ['profile', 'backend', 'pair', 'mode', 'γ', 'path', 'JS ms/round', 'JS ms/row', 'reads/round', 'bytes/round', 'bytes/row', 'tok/s', 'x host-full', 'identical'],
    rows.map((r) => {
      const full = rows.find((f) => f.path === 'host-full' && f.profile === r.profile && f.pair === r.pair && f.mode === r.mode && f.gamma === r.gamma);
      return [
        r.profile,
        r.backend,
        `${r.pair}${r.shortened ? '*' : ''}`,
        r.mode,
        r.gamma,
        r.path,
        r.jsWorkMsPerRound,
        r.jsWorkMsPerRow,
        r.readsPerRound,
        r.bytesPerRound,
        r.bytesPerRow,
        r.tokensPerSecond,
        full && full.tokensPerSecond > 0 ? r.tokensPerSecond / full.tokensPerSecond : NaN,
        r.identicalToFull ? 'yes' : 'NO',
      ];
    }),
  );
  for (const why of new Set(rows.filter((r) => r.shortened).map((r) => r.shortened))) console.log(`* shortened: ${why}`);
  console.log('\nTargets (large vocabulary, default path):');
  for (const line of targetLine(rows)) console.log(`  ${line}`);
}
