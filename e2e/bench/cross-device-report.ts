// The cross-device part of `bench:report`: one table per model pair, one row per configuration of every run file
// given (local Playwright browsers, remote browsers, the demo page on a visitor's GPU), so the same pair measured on
// different GPUs, backends and browsers sits side by side with the environment it ran in. Pure.
import { isSoftwareAdapter } from './adapter.js';
import type { LoadedRun } from './merge-report.js';
import { num, spreadCell } from './report-markdown.js';
import type { Configuration, Connection, RunFile, SpreadJson } from './run-schema.js';

/** The backend the configuration really ran on: the engine may fall back to WASM when WebGPU was asked for. */
function effectiveBackend(c: Configuration): 'webgpu' | 'wasm' {
  return c.backend === 'wasm' || c.engineBackend === 'wasm' ? 'wasm' : 'webgpu';
}

/** `vendor/architecture` (with the description when the browser gives one), `WASM (CPU)`, or `no adapter`. */
export function deviceText(c: Configuration): string {
  if (effectiveBackend(c) === 'wasm') return 'WASM (CPU)';
  const a = c.adapter ?? c.engineAdapter;
  if (!a) return 'no adapter';
  const va = [a.vendor, a.architecture].filter(Boolean).join('/');
  const detail = a.description || a.device;
  if (va && detail) return `${va} (${detail})`;
  return va || detail || 'unnamed adapter';
}

/** The γ chosen most often over all prompts' speculative rounds (ties go to the smaller γ); null when none. */
export function mostChosenGamma(c: Configuration): number | null {
  const counts = new Map<number, number>();
  for (const p of c.prompts) for (const [g, n] of Object.entries(p.gammaCounts)) counts.set(Number(g), (counts.get(Number(g)) ?? 0) + n);
  let best: number | null = null;
  for (const [g, n] of [...counts].sort((x, y) => x[0] - y[0])) if (n > 0 && (best === null || n > counts.get(best)!)) best = g;
  return best;
}

/** Where a run came from and on what machine; shared by all rows of one run file. */
export interface RunEnvironment {
  file: string;
  createdAt: string;
  producer: RunFile['environment']['producer'];
  /** `platform/arch`, `?` where the producer could not tell (the demo in some browsers). */
  os: string;
  cores: number;
  memoryBytes: number | null;
  libraryVersion: string;
  /** The first 7 characters of the commit, or null. */
  gitCommit: string | null;
  pageUrl: string | null;
}

/** One configuration of one run file, as a row of its pair's table. */
export interface CrossDeviceRow {
  configId: string;
  /** `failed`: the configuration has an error; `empty`: it ran no prompt. */
  status: 'ok' | 'failed' | 'empty';
  error: string | null;
  device: string;
  /** `webgpu`, `wasm`, or `webgpu (engine ran wasm)`. */
  backend: string;
  software: boolean;
  /** Browser name and major version, e.g. `Chromium 140`. */
  browser: string;
  connection: Connection['kind'];
  producer: RunFile['environment']['producer'];
  /** Overall speedup over prompts (median, p25, p75). */
  speedup: SpreadJson;
  /** Medians over prompts. */
  acceptance: number | null;
  gammaMean: number | null;
  gammaMostChosen: number | null;
  targetOnlyTokensPerSecond: number | null;
  speculativeTokensPerSecond: number | null;
  prompts: number;
  /** `target/draft`, e.g. `q4/fp16`. */
  dtypes: string;
  /** Every model file came from the browser's Cache Storage (null: not recorded, e.g. a v1 file). */
  fromCache: boolean | null;
  loadMs: number | null;
  environment: RunEnvironment;
}

/** All rows of one pair (same `options.pair`, target and draft), from however many run files. */
export interface PairTable {
  pair: string;
  target: string;
  draft: string;
  rows: CrossDeviceRow[];
  /** The runs used different settings (max new tokens, temperature, policy, γ, drafter or prompt file). */
  settingsDiffer: boolean;
}

function runEnvironment(file: string, run: RunFile): RunEnvironment {
  const e = run.environment;
  return {
    file,
    createdAt: run.createdAt,
    producer: e.producer,
    os: `${e.os.platform || '?'}/${e.os.arch || '?'}`,
    cores: e.cpu.cores,
    memoryBytes: e.memoryBytes,
    libraryVersion: e.libraryVersion,
    gitCommit: e.gitCommit ? e.gitCommit.slice(0, 7) : null,
    pageUrl: e.pageUrl,
  };
}

const finite = (x: number | null): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

function row(file: string, run: RunFile, c: Configuration): CrossDeviceRow {
  const backend = effectiveBackend(c);
  const o = c.overall;
  return {
    configId: c.id,
    status: c.error ? 'failed' : c.prompts.length === 0 ? 'empty' : 'ok',
    error: c.error,
    device: deviceText(c),
    backend: backend === c.backend ? c.backend : `${c.backend} (engine ran ${backend})`,
    software: isSoftwareAdapter(c.adapter ?? c.engineAdapter, backend),
    browser: `${c.browser.name} ${c.browser.version.split('.')[0] ?? ''}`.trim(),
    connection: c.connection.kind,
    producer: run.environment.producer,
    speedup: o.speedup,
    acceptance: finite(o.acceptanceRate.median),
    gammaMean: finite(o.gammaMean.median),
    gammaMostChosen: mostChosenGamma(c),
    targetOnlyTokensPerSecond: finite(o.targetOnlyTokensPerSecond.median),
    speculativeTokensPerSecond: finite(o.speculativeTokensPerSecond.median),
    prompts: c.prompts.length,
    dtypes: `${c.models.target.dtype}/${c.models.draft.dtype}`,
    fromCache: c.download?.fromCache ?? null,
    loadMs: finite(c.loadMs),
    environment: runEnvironment(file, run),
  };
}

/** Every configuration of every run, grouped by pair (in order of first appearance; rows in file order). */
export function crossDeviceTables(runs: readonly LoadedRun[]): PairTable[] {
  const tables = new Map<string, PairTable & { settings: Set<string> }>();
  for (const { file, run } of runs) {
    const o = run.options;
    // The pair name alone is not enough: `--target/--draft` runs may share a generic name with other models.
    const key = JSON.stringify([o.pair, o.target, o.draft]);
    let table = tables.get(key);
    if (!table) {
      table = { pair: o.pair, target: o.target, draft: o.draft, rows: [], settingsDiffer: false, settings: new Set() };
      tables.set(key, table);
    }
    table.settings.add(JSON.stringify([o.maxNewTokens, o.temperature, o.policy, o.draftLength, o.drafter, run.input.file]));
    for (const c of run.configurations) table.rows.push(row(file, run, c));
  }
  return [...tables.values()].map(({ settings, ...t }) => ({ ...t, settingsDiffer: settings.size > 1 }));
}

/** The marker on a software-adapter row. */
export const softwareMarker = '⚠ software adapter';

/** Why software-adapter rows are flagged (shown under a table that has one). */
export const softwareAdapterFootnote =
  `${softwareMarker}: a CPU emulation of a GPU (SwiftShader, llvmpipe/lavapipe, WARP / Microsoft Basic Render Driver); ` +
  'its numbers measure that emulation on the CPU, not a GPU. WASM (CPU) rows run on the CPU by design.';

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function notes(r: CrossDeviceRow): string {
  const parts: string[] = [];
  if (r.status === 'failed') parts.push(`failed: ${oneLine(r.error ?? '')}`);
  if (r.status === 'empty') parts.push('no prompt ran');
  if (r.software) parts.push(softwareMarker);
  return parts.join('; ');
}

function loadCell(r: CrossDeviceRow): string {
  const load = r.loadMs === null ? '–' : `${(r.loadMs / 1000).toFixed(1)} s`;
  return r.fromCache === null ? load : `${load} (${r.fromCache ? 'cached' : 'downloaded'})`;
}

function memoryText(e: RunEnvironment): string {
  if (e.memoryBytes === null) return 'memory ?';
  // The demo only sees `navigator.deviceMemory`: rounded and capped at 8 GiB.
  return `${e.producer === 'demo' ? '≈' : ''}${(e.memoryBytes / 2 ** 30).toFixed(1)} GiB`;
}

/** `linux/x64 · 8 cores · 16.0 GiB · speculo 0.1.0 (abc1234) · 2026-01-02 03:04 · run.json`. */
export function environmentText(e: RunEnvironment): string {
  return [
    e.os,
    `${e.cores} cores`,
    memoryText(e),
    `speculo ${e.libraryVersion}${e.gitCommit ? ` (${e.gitCommit})` : ''}`,
    e.createdAt.slice(0, 16).replace('T', ' '),
    e.file,
    ...(e.pageUrl ? [e.pageUrl] : []),
  ].join(' · ');
}

/** The cells shared by the terminal and Markdown tables, in header order. */
function cells(r: CrossDeviceRow): string[] {
  const ok = r.status === 'ok';
  return [
    r.device,
    r.backend,
    r.browser,
    `${r.producer}/${r.connection}`,
    ok ? spreadCell(r.speedup, '×') : '–',
    ok ? num(r.acceptance, 2) : '–',
    ok ? `${num(r.gammaMean, 1)} / ${r.gammaMostChosen ?? '–'}` : '–',
    ok ? `${num(r.targetOnlyTokensPerSecond)} → ${num(r.speculativeTokensPerSecond)}` : '–',
    String(r.prompts),
    r.dtypes,
    loadCell(r),
  ];
}

const headers = ['device', 'backend', 'browser', 'via', 'speedup [p25–p75]', 'acceptance', 'γ mean / most chosen', 'tok/s target-only → speculative', 'prompts', 'dtypes', 'load'];

function title(t: PairTable): string {
  return `pair ${t.pair} (target ${t.target}, draft ${t.draft})`;
}

function tableNotes(t: PairTable): string[] {
  const out: string[] = [];
  if (t.rows.some((r) => r.software)) out.push(softwareAdapterFootnote);
  if (t.settingsDiffer) out.push('The runs used different settings (max new tokens / temperature / policy / γ / drafter / prompt file): compare with care.');
  return out;
}

/** Aligned plain-text tables for the terminal, one per pair; environments are listed under each table as [n]. */
export function renderCrossDeviceText(tables: readonly PairTable[]): string {
  if (tables.length === 0) return 'cross-device: no run file\n';
  const blocks = tables.map((t) => {
    const files = [...new Set(t.rows.map((r) => r.environment.file))];
    const body = t.rows.map((r) => [...cells(r), `[${files.indexOf(r.environment.file) + 1}]`, notes(r)]);
    const all = [[...headers, 'run', 'notes'], ...body];
    const widths = all[0]!.map((_, i) => Math.max(...all.map((cols) => [...cols[i]!].length)));
    // Pad by code points so the arrows and γ line up; the notes column is last and left ragged.
    const line = (cols: string[]) =>
      cols
        .map((c, i) => (i === cols.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length)))
        .join('  ')
        .trimEnd();
    const lines = [`${title(t)}: ${t.rows.length} configuration(s) from ${files.length} run file(s)`, line(all[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
    for (const [i, file] of files.entries()) lines.push(`  [${i + 1}] ${environmentText(t.rows.find((r) => r.environment.file === file)!.environment)}`);
    for (const n of tableNotes(t)) lines.push(`  ${n}`);
    return lines.join('\n');
  });
  return blocks.join('\n\n') + '\n';
}

/** A Markdown section (`## Across devices`) with one table per pair, for the report file. */
export function renderCrossDeviceMarkdown(tables: readonly PairTable[]): string {
  const esc = (c: string) => oneLine(c).replace(/\|/g, '\\|');
  const lines = ['## Across devices', ''];
  if (tables.length === 0) return [...lines, 'No run file.', ''].join('\n');
  lines.push(
    'One table per model pair, one row per configuration of every run file: speedup = speculative ÷ target-only tok/s per prompt, ' +
      'median [25th–75th percentile] over prompts; acceptance, γ and tok/s are medians over prompts, "most chosen" the γ picked in most rounds.',
  );
  for (const t of tables) {
    lines.push('', `### Pair \`${t.pair}\` (target \`${t.target}\`, draft \`${t.draft}\`)`, '');
    const h = [...headers, 'environment', 'notes'];
    lines.push(`| ${h.map(esc).join(' | ')} |`, `| ${h.map(() => '---').join(' | ')} |`);
    for (const r of t.rows) lines.push(`| ${[...cells(r), environmentText(r.environment), notes(r)].map(esc).join(' | ')} |`);
    for (const x of tableNotes(t)) lines.push('', `> ${x}`);
  }
  return lines.join('\n') + '\n';
}
