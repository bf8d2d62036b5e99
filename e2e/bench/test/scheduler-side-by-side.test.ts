import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { classifyFiles } from '../report-cli.js';
import { suiteDrafts } from '../suite-registry.js';
import { deviceTuning, loadSchedulerSuiteFiles, parseSchedulerSuiteFile, printPerDeviceTuning, type SchedulerResultSummary } from '../suites/scheduler-side-by-side.js';

function result(profile: string, backend: string, histogram: Record<string, number>, verify: number[], draftStepMs: number, staticTps: number[]): SchedulerResultSummary {
  return {
    profile,
    backend,
    draft: 'ctrl-draft-80',
    deviceProfile: { draftStepMs, targetVerifyMs: verify },
    rows: [
      { config: 'target-only', tokensPerSecond: 1, meanGamma: 0 },
      // meanGamma of a static row can fall below γ when the output limit cuts rounds short: the name is the γ.
      ...staticTps.map((tps, i) => ({ config: `static γ=${i + 1}`, tokensPerSecond: tps, meanGamma: i + 0.5 })),
      { config: 'adaptive', tokensPerSecond: 2, meanGamma: 3 },
    ],
    adaptiveGammaHistogram: histogram,
    checks: {
      adaptiveVsBestStatic: 1,
      adaptiveVsHeldOutBestStatic: null,
      adaptiveVsHeuristic: 1.1,
      adaptiveVsTargetOnly: 2,
      worstMeasuredOverPredicted: 0.95,
      profileShapeError: 0.1,
      paired: { adaptiveVsBestStatic: 1, adaptiveVsHeuristic: 1.1, adaptiveVsTargetOnly: 2 },
    },
  };
}

const gpu = result('swiftshader', 'webgpu', { 6: 10, 7: 30 }, [600, 600, 600, 610, 610, 620, 620, 630, 1000], 45, [1, 1.5, 2, 2.2, 2.4, 2.6, 2.5, 2]);
const wasm = result('wasm', 'wasm', { 1: 30, 2: 10 }, [4, 4.3, 5, 5.7, 6.4, 7, 7.7, 8.4, 9], 0.45, [1.6, 1.5, 1.4, 1.3, 1.2, 1.1, 1, 0.9]);

describe('deviceTuning', () => {
  it('reads adaptive’s mean γ from its histogram, the best static γ from the config name, and the cost curve’s shape', () => {
    expect(deviceTuning(gpu)).toEqual({
      draft: 'ctrl-draft-80',
      device: 'swiftshader/webgpu',
      adaptiveMeanGamma: 6.75,
      bestStaticGamma: 6,
      verifyCostPerExtraToken: 30 / 7 / 600,
      draftStepOverVerify: 45 / 600,
    });
    expect(deviceTuning(wasm)).toMatchObject({ device: 'wasm/wasm', adaptiveMeanGamma: 1.25, bestStaticGamma: 1, verifyCostPerExtraToken: 4.4 / 7 / 4 });
  });

  it('leaves the curve out when the run had no device profile, and γ undefined when adaptive ran no round', () => {
    const bare = { ...wasm, deviceProfile: null, adaptiveGammaHistogram: {} };
    expect(deviceTuning(bare)).toMatchObject({ adaptiveMeanGamma: NaN, verifyCostPerExtraToken: null, draftStepOverVerify: null });
  });
});

describe('printPerDeviceTuning', () => {
  it('prints one row per (draft, device) and the mean γ of each device', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      printPerDeviceTuning([gpu, wasm]);
      const text = log.mock.calls.map((c) => String(c[0])).join('\n');
      expect(text).toMatch(/ctrl-draft-80\s+swiftshader\/webgpu\s+6\.75\s+6\b/);
      expect(text).toMatch(/ctrl-draft-80\s+wasm\/wasm\s+1\.25\s+1\b/);
      expect(text).toContain('mean adaptive γ on swiftshader/webgpu: 6.75');
      expect(text).toContain('mean adaptive γ on wasm/wasm: 1.25');
    } finally {
      log.mockRestore();
    }
  });
});

describe('scheduler suite files', () => {
  it('are validated, and a wrong one is named with the field at fault', () => {
    expect(parseSchedulerSuiteFile({ suite: 'scheduler', results: [gpu] }, 'a.json')).toHaveLength(1);
    expect(() => parseSchedulerSuiteFile({ suite: 'scheduler', results: [{ ...gpu, rows: 'x' }] }, 'b.json')).toThrow(/b\.json: not a scheduler suite result: results\.0\.rows/);
    expect(() => parseSchedulerSuiteFile({ suite: 'engine', results: [] }, 'c.json')).toThrow(/c\.json: not a scheduler suite result: suite/);
  });

  it('are told apart from run files and other suites’ files, so `bench:report -- bench-results/*.json` takes a mixed folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'speculo-sched-report-'));
    const write = async (name: string, value: unknown) => {
      await writeFile(join(dir, name), JSON.stringify(value));
      return join(dir, name);
    };
    const scheduler = await write('scheduler.json', { suite: 'scheduler', schemaVersion: 1, results: [gpu, wasm] });
    const engine = await write('engine.json', { suite: 'engine', results: [] });
    const run = await write('run-1.json', { schema: 'speculo-bench-run' });
    expect(await classifyFiles([scheduler, engine, run])).toEqual({ runs: [run], scheduler: [scheduler], otherSuites: [engine] });
    expect(await loadSchedulerSuiteFiles([scheduler])).toHaveLength(2);
    const broken = await write('broken.json', '{');
    await writeFile(broken, '{');
    await expect(classifyFiles([broken])).rejects.toThrow(/broken\.json: cannot read JSON/);
  });
});

describe('suiteDrafts (`--draft a,b` with --suite)', () => {
  const defaults = { drafts: ['ctrl-draft-20', 'ctrl-draft-50', 'ctrl-draft-80', 'ctrl-draft-95'] };

  it('keeps the suite’s order and names an unknown draft with the ones there are', () => {
    expect(suiteDrafts('scheduler', defaults, 'ctrl-draft-95, ctrl-draft-80')).toEqual(['ctrl-draft-80', 'ctrl-draft-95']);
    expect(() => suiteDrafts('scheduler', defaults, 'ctrl-draft-80,ctrl-draft-99')).toThrow(/no draft ctrl-draft-99; its drafts: ctrl-draft-20, ctrl-draft-50/);
    expect(() => suiteDrafts('scheduler', defaults, ' , ')).toThrow(/at least one draft/);
  });

  it('is refused by a suite that runs a fixed pair', () => {
    expect(() => suiteDrafts('drafters', { draft: 'tiny-draft' }, 'ctrl-draft-80')).toThrow(/does not apply to --suite drafters/);
  });
});
