import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSoftwareAdapter } from '../adapter.js';
import { crossDeviceTables, renderCrossDeviceMarkdown, renderCrossDeviceText, softwareAdapterFootnote } from '../cross-device-report.js';
import { classifyFiles, expandReportArguments, loadRuns, noRunFilesMessage, writeComparison } from '../report-cli.js';
import { validateRunFile, type RunFile } from '../run-schema.js';
import { asV1RunJson, fakeConfiguration, fakeRun } from './fake-run.js';

const nvidia = { vendor: 'nvidia', architecture: 'ampere', device: '', description: 'NVIDIA GeForce RTX 3080' };
const noDownload = { download: null };

/** Machine A: Linux, launched Chromium on SwiftShader, plus a WASM configuration and one that failed. */
const swiftshaderRun = fakeRun([
  fakeConfiguration('chromium-140/webgpu/swiftshader', ['writing', 'math'], [0.6, 0.8, 0.7], {
    download: { files: 6, bytes: 1e6, cachedFilesBefore: 6, fromCache: true, fetchMs: 50, networkRequests: 0 },
  }),
  fakeConfiguration('chromium-140/wasm/wasm', ['writing'], [1.1, 1.3], { backend: 'wasm', profile: 'wasm', adapter: null, engineBackend: 'wasm', ...noDownload }),
  fakeConfiguration('chromium-140/webgpu/system', ['writing'], [], {
    profile: 'system',
    adapter: null,
    error: 'no WebGPU adapter\n(requestAdapter returned null)',
    loadMs: null,
    ...noDownload,
  }),
]);

/** Machine B: a Windows box with an NVIDIA GPU behind a CDP endpoint, same pair. */
const nvidiaRun = fakeRun(
  [
    fakeConfiguration('chrome-141/webgpu/remote', ['writing', 'math'], [1.8, 2.2, 2.0], {
      browser: { name: 'Chrome', version: '141.0.7390.1', executable: '', userAgent: 'Mozilla/5.0 Chrome/141', headless: false },
      profile: 'remote',
      connection: { kind: 'cdp', endpoint: 'http://gpu-box:9222/', origin: 'http://10.0.0.2:5198' },
      adapter: nvidia,
      models: { target: { id: 'tiny-target', dtype: 'q4' }, draft: { id: 'tiny-draft', dtype: 'fp16' } },
      loadMs: 4200,
      download: { files: 6, bytes: 1e6, cachedFilesBefore: 0, fromCache: false, fetchMs: 3000, networkRequests: 6 },
    }),
  ],
  {
    createdAt: '2026-02-03T10:20:30.000Z',
    environment: {
      producer: 'bench-cli',
      os: { platform: 'win32', release: '10.0', arch: 'x64' },
      cpu: { model: 'Ryzen', cores: 16 },
      memoryBytes: 32 * 2 ** 30,
      node: 'v22.1.0',
      libraryVersion: '0.2.0',
      gitCommit: '0123456789abcdef',
      pageUrl: null,
    },
  },
);

/** A visitor's tab on the demo page (Apple GPU), same pair. */
const demoRun = fakeRun(
  [
    fakeConfiguration('page/webgpu', ['writing'], [1.5, 1.5], {
      browser: { name: 'Safari', version: '26.0', executable: '', userAgent: 'Mozilla/5.0 Safari', headless: false },
      profile: 'page',
      connection: { kind: 'page', endpoint: null, origin: 'https://speculo.example' },
      adapter: { vendor: 'apple', architecture: 'metal-3', device: '', description: '' },
      ...noDownload,
    }),
  ],
  {
    environment: {
      producer: 'demo',
      os: { platform: 'macOS', release: '', arch: '' },
      cpu: { model: '', cores: 8 },
      memoryBytes: 8 * 2 ** 30,
      node: null,
      libraryVersion: '0.2.0',
      gitCommit: null,
      pageUrl: 'https://speculo.example/bench',
    },
  },
);

/** Another pair entirely: its own table. */
const otherPairRun = fakeRun([fakeConfiguration('chromium-140/webgpu/swiftshader', ['qa'], [1.2], noDownload)], {
  options: { ...fakeRun([]).options, pair: 'qwen2.5-0.5b-1.5b', target: 'Qwen/Qwen2.5-1.5B-Instruct', draft: 'Qwen/Qwen2.5-0.5B-Instruct' },
});

const loaded = [
  { file: 'a/run-1.json', run: swiftshaderRun },
  { file: 'b/run-2.json', run: nvidiaRun },
  { file: 'demo.json', run: demoRun },
  { file: 'c/run-3.json', run: otherPairRun },
];

describe('isSoftwareAdapter', () => {
  it('flags CPU rasterisers and fallback adapters, not GPUs and never WASM', () => {
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader', device: '', description: '' }, 'webgpu')).toBe(true);
    expect(isSoftwareAdapter({ vendor: '', architecture: '', device: '', description: 'SwiftShader Device (Subzero)' }, 'webgpu')).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.7, 256 bits)' }, 'webgpu')).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', description: 'lavapipe' }, 'webgpu')).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }, 'webgpu')).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'microsoft', architecture: 'WARP' }, 'webgpu')).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'x', adapterType: 'CPU' }, 'webgpu')).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'x', isFallbackAdapter: true }, 'webgpu')).toBe(true);
    expect(isSoftwareAdapter(nvidia, 'webgpu')).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'intel', architecture: 'gen-12lp', adapterType: 'integrated GPU' }, 'webgpu')).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' }, 'wasm')).toBe(false);
    expect(isSoftwareAdapter(null, 'webgpu')).toBe(false);
  });
});

describe('crossDeviceTables', () => {
  const tables = crossDeviceTables(loaded);

  it('makes one table per pair, shared by runs from different machines and the demo', () => {
    expect(tables.map((t) => [t.pair, t.target, t.draft, t.rows.length])).toEqual([
      ['fixture', 'tiny-target', 'tiny-draft', 5],
      ['qwen2.5-0.5b-1.5b', 'Qwen/Qwen2.5-1.5B-Instruct', 'Qwen/Qwen2.5-0.5B-Instruct', 1],
    ]);
    expect(tables[0]!.rows.map((r) => r.environment.file)).toEqual(['a/run-1.json', 'a/run-1.json', 'a/run-1.json', 'b/run-2.json', 'demo.json']);
  });

  it('fills each row from its configuration and run', () => {
    const [swift, wasm, failed, gpu, demo] = tables[0]!.rows;
    expect(swift).toMatchObject({ device: 'google/swiftshader (SwiftShader Device)', backend: 'webgpu', software: true, status: 'ok', browser: 'Chromium 140' });
    expect(swift).toMatchObject({ connection: 'launch', producer: 'bench-cli', prompts: 3, fromCache: true, loadMs: 1000, dtypes: 'fp32/fp32' });
    expect(swift!.speedup.median).toBeCloseTo(0.7);
    // Rounds of 4, 4 and 2 proposals, 5 of 10 accepted, in every prompt.
    expect(swift).toMatchObject({ acceptance: 0.5, gammaMostChosen: 4, targetOnlyTokensPerSecond: 10 });
    expect(swift!.gammaMean).toBeCloseTo(10 / 3);
    expect(swift!.speculativeTokensPerSecond).toBeCloseTo(7);

    expect(wasm).toMatchObject({ device: 'WASM (CPU)', backend: 'wasm', software: false, fromCache: null });
    expect(failed).toMatchObject({ status: 'failed', error: 'no WebGPU adapter\n(requestAdapter returned null)', device: 'no adapter', software: false, prompts: 0 });

    expect(gpu).toMatchObject({ device: 'nvidia/ampere (NVIDIA GeForce RTX 3080)', software: false, browser: 'Chrome 141', connection: 'cdp', dtypes: 'q4/fp16' });
    expect(gpu).toMatchObject({ fromCache: false, loadMs: 4200 });
    expect(gpu!.speedup.median).toBeCloseTo(2);
    expect(gpu!.environment).toMatchObject({ os: 'win32/x64', cores: 16, memoryBytes: 32 * 2 ** 30, libraryVersion: '0.2.0', gitCommit: '0123456', createdAt: '2026-02-03T10:20:30.000Z' });

    expect(demo).toMatchObject({ device: 'apple/metal-3', producer: 'demo', connection: 'page', software: false, browser: 'Safari 26' });
    expect(demo!.environment).toMatchObject({ os: 'macOS/?', pageUrl: 'https://speculo.example/bench' });
  });

  it('notes runs of one pair with different settings', () => {
    expect(tables[0]!.settingsDiffer).toBe(false);
    const longer = fakeRun(swiftshaderRun.configurations, { options: { ...swiftshaderRun.options, maxNewTokens: 64 } });
    const t = crossDeviceTables([loaded[0]!, { file: 'x.json', run: longer }]);
    expect(t[0]!.settingsDiffer).toBe(true);
    expect(renderCrossDeviceText(t)).toContain('different settings');
  });
});

describe('renderCrossDeviceText', () => {
  const text = renderCrossDeviceText(crossDeviceTables(loaded));
  const lines = text.split('\n');

  it('prints a titled, aligned table per pair with the environments under it', () => {
    expect(lines[0]).toBe('pair fixture (target tiny-target, draft tiny-draft): 5 configuration(s) from 3 run file(s)');
    expect(text).toContain('pair qwen2.5-0.5b-1.5b (target Qwen/Qwen2.5-1.5B-Instruct, draft Qwen/Qwen2.5-0.5B-Instruct): 1 configuration(s) from 1 run file(s)');
    const header = lines[1]!;
    const rows = lines.slice(3, 8);
    // Every row's speedup starts under the header's.
    const at = header.indexOf('speedup');
    expect(at).toBeGreaterThan(0);
    expect(rows.map((r) => r.slice(at, at + 5))).toEqual(['0.70×', '1.20×', '–    ', '2.00×', '1.50×']);
    expect(rows[0]).toMatch(
      /^google\/swiftshader \(SwiftShader Device\) +webgpu +Chromium 140 +bench-cli\/launch +0\.70× \[0\.65–0\.75\] +0\.50 +3\.3 \/ 4 +10\.0 → 7\.00 +3 +fp32\/fp32 +1\.0 s \(cached\) +\[1\] +⚠ software adapter$/,
    );
    expect(rows[1]).toMatch(/^WASM \(CPU\) +wasm .* \[1\]$/);
    expect(rows[2]).toMatch(/^no adapter +webgpu .* \[1\] +failed: no WebGPU adapter \(requestAdapter returned null\)$/);
    expect(rows[3]).toMatch(/^nvidia\/ampere \(NVIDIA GeForce RTX 3080\) +webgpu +Chrome 141 +bench-cli\/cdp +2\.00× .* q4\/fp16 +4\.2 s \(downloaded\) +\[2\]$/);
    expect(rows[4]).toMatch(/^apple\/metal-3 +webgpu +Safari 26 +demo\/page +1\.50× .* \[3\]$/);
    expect(lines[8]).toBe('  [1] linux/x64 · 2 cores · 8.0 GiB · speculo 0.1.0 · 2026-01-02 03:04 · a/run-1.json');
    expect(lines[9]).toBe('  [2] win32/x64 · 16 cores · 32.0 GiB · speculo 0.2.0 (0123456) · 2026-02-03 10:20 · b/run-2.json');
    expect(lines[10]).toBe('  [3] macOS/? · 8 cores · ≈8.0 GiB · speculo 0.2.0 · 2026-01-02 03:04 · demo.json · https://speculo.example/bench');
    expect(lines[11]).toBe(`  ${softwareAdapterFootnote}`);
  });

  it('flags only the software adapter and explains the flag', () => {
    // Per pair: its SwiftShader row and the footnote; the NVIDIA, Apple, WASM and failed rows carry no flag.
    const [fixture, qwen] = text.split('\n\n');
    expect(fixture!.match(/⚠ software adapter/g)).toHaveLength(2);
    expect(qwen!.match(/⚠ software adapter/g)).toHaveLength(2);
    expect(lines.filter((l) => l.endsWith('⚠ software adapter')).map((l) => l.split('  ')[0])).toEqual([
      'google/swiftshader (SwiftShader Device)',
      'google/swiftshader (SwiftShader Device)',
    ]);
    expect(softwareAdapterFootnote).toMatch(/CPU emulation of a GPU.*not a GPU/);
    expect(renderCrossDeviceText(crossDeviceTables([loaded[1]!]))).not.toContain('software adapter');
  });
});

describe('renderCrossDeviceMarkdown', () => {
  it('writes a section with one table per pair, environment per row, escaped cells', () => {
    const md = renderCrossDeviceMarkdown(crossDeviceTables(loaded));
    expect(md.startsWith('## Across devices\n')).toBe(true);
    expect(md.match(/^### Pair /gm)).toHaveLength(2);
    expect(md).toContain('### Pair `fixture` (target `tiny-target`, draft `tiny-draft`)');
    expect(md).toContain(
      '| nvidia/ampere (NVIDIA GeForce RTX 3080) | webgpu | Chrome 141 | bench-cli/cdp | 2.00× [1.90–2.10] | 0.50 | 3.3 / 4 | 10.0 → 20.0 | 3 | q4/fp16 | 4.2 s (downloaded) | win32/x64 · 16 cores · 32.0 GiB · speculo 0.2.0 (0123456) · 2026-02-03 10:20 · b/run-2.json |  |',
    );
    expect(md).toContain('| WASM (CPU) | wasm | Chromium 140 | bench-cli/launch | 1.20× [1.15–1.25] |');
    expect(md).toMatch(/\| no adapter \| webgpu \| Chromium 140 \| bench-cli\/launch \| – \| – \| – \| – \| 0 \| .* \| failed: no WebGPU adapter \(requestAdapter returned null\) \|/);
    expect(md).toContain('| ⚠ software adapter |');
    expect(md).toContain(`> ${softwareAdapterFootnote}`);
    const pipes = (line: string) => line.replace(/\\\|/g, '').split('|').length;
    const tableLines = md.split('\n').filter((l) => l.startsWith('|'));
    expect(new Set(tableLines.map(pipes)).size).toBe(1);
  });
});

describe('bench:report with run files from several devices', () => {
  const write = (dir: string, name: string, value: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(value));
    return file;
  };

  it('merges a v1 run file (without the v2 fields) with v2 files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cross-device-'));
    const v1 = asV1RunJson(swiftshaderRun) as { schemaVersion: number; environment: Record<string, unknown>; configurations: Record<string, unknown>[] };
    expect(v1.schemaVersion).toBe(1);
    expect('producer' in v1.environment || 'connection' in v1.configurations[0]! || 'download' in v1.configurations[0]!).toBe(false);
    const files = [write(dir, 'run-v1.json', v1), write(dir, 'run-gpu.json', nvidiaRun), write(dir, 'run-demo.json', demoRun)];
    const runs = await loadRuns(files);
    const [table] = crossDeviceTables(runs);
    expect(table!.rows.map((r) => [r.device, r.producer, r.connection, r.fromCache, r.status])).toEqual([
      ['google/swiftshader (SwiftShader Device)', 'bench-cli', 'launch', null, 'ok'],
      ['WASM (CPU)', 'bench-cli', 'launch', null, 'ok'],
      ['no adapter', 'bench-cli', 'launch', null, 'failed'],
      ['nvidia/ampere (NVIDIA GeForce RTX 3080)', 'bench-cli', 'cdp', false, 'ok'],
      ['apple/metal-3', 'demo', 'page', null, 'ok'],
    ]);
    const out = await writeComparison(files, join(dir, 'merged'));
    expect(out.columns).toBe(4);
    const md = readFileSync(out.markdown, 'utf8');
    expect(md).toContain('# Speculo benchmark comparison');
    expect(md).toContain('](comparison.svg)');
    expect(md).toContain('## Across devices');
    expect(md).toContain('| google/swiftshader (SwiftShader Device) | webgpu | Chromium 140 | bench-cli/launch | 0.70× [0.65–0.75] |');
    expect(out.crossDevice).toContain('pair fixture (target tiny-target, draft tiny-draft): 5 configuration(s) from 3 run file(s)');
  });

  it('takes a folder: its run and suite files, listing other JSON as ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cross-device-dir-'));
    mkdirSync(join(dir, 'wasm'));
    const run = write(dir, 'run-1.json', nvidiaRun);
    const scheduler = write(join(dir, 'wasm'), 'scheduler.json', { suite: 'scheduler', results: [] });
    const other = write(dir, 'package.json', { name: 'x' });
    writeFileSync(join(dir, 'notes.md'), '# not JSON');
    const expanded = await expandReportArguments([dir]);
    expect(expanded).toEqual({ files: [run, scheduler], ignored: [other] });
    expect(await classifyFiles(expanded.files)).toEqual({ runs: [run], scheduler: [scheduler], otherSuites: [] });
    // A file named explicitly is kept, so a broken run file is reported rather than skipped.
    expect((await expandReportArguments([other])).files).toEqual([other]);
    await expect(expandReportArguments([join(dir, 'missing')])).rejects.toThrow(/missing: no such file or folder/);
  });

  it('refuses arguments with no run file, naming the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cross-device-empty-'));
    write(dir, 'package.json', { name: 'x' });
    const expanded = await expandReportArguments([dir]);
    expect(expanded.files).toEqual([]);
    const message = noRunFilesMessage([dir], []);
    expect(message).toContain(`no run file among ${dir}`);
    expect(message).toContain('npm run bench -- --out DIR');
    expect(message).toContain('npm run bench:report -- bench-results');
    expect(noRunFilesMessage(['engine.json'], ['engine.json'])).toContain('only fixed-suite results this report does not merge: engine.json');
  });

  it('validates the demo and v1 files it merges', () => {
    const v2: RunFile = validateRunFile(JSON.parse(JSON.stringify(demoRun)), 'demo.json');
    expect(v2.environment.producer).toBe('demo');
    const v1 = validateRunFile(asV1RunJson(swiftshaderRun), 'v1.json');
    expect(v1.configurations[0]!.connection.kind).toBe('launch');
    expect(v1.configurations[0]!.download).toBeNull();
  });
});
