// `npm run bench:report -- DIR/*.json|DIR [--out DIR]`: merges run files (from any machines, GPUs and browsers) into
// DIR/comparison.md and DIR/comparison.svg, and prints one table per pair across the devices that ran it.
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { crossDeviceTables, renderCrossDeviceMarkdown, renderCrossDeviceText } from './cross-device-report.js';
import { comparisonColumns, renderComparisonMarkdown, renderComparisonSvg, type LoadedRun } from './merge-report.js';
import { readJsonFile } from './read-json.js';
import { runSchemaId, validateRunFile } from './run-schema.js';
import { isSchedulerSuiteFile, loadSchedulerSuiteFiles, printPerDeviceTuning, printSchedulerChecks } from './suites/scheduler-side-by-side.js';

export async function loadRuns(files: string[]): Promise<LoadedRun[]> {
  const runs: LoadedRun[] = [];
  for (const file of files) {
    const value = await readJsonFile(file);
    runs.push({ file, run: validateRunFile(value, file) });
  }
  return runs;
}

/**
 * Writes comparison.svg and comparison.md (the merged columns, then the per-pair cross-device tables) and returns the
 * cross-device tables as text for the terminal.
 */
export async function writeComparison(files: string[], outDir: string): Promise<{ markdown: string; svg: string; columns: number; crossDevice: string }> {
  const runs = await loadRuns(files);
  const columns = comparisonColumns(runs);
  const tables = crossDeviceTables(runs);
  await mkdir(outDir, { recursive: true });
  const svg = join(outDir, 'comparison.svg');
  const markdown = join(outDir, 'comparison.md');
  await writeFile(svg, renderComparisonSvg(columns));
  await writeFile(markdown, `${renderComparisonMarkdown(columns, 'comparison.svg')}\n${renderCrossDeviceMarkdown(tables)}`);
  return { markdown, svg, columns: columns.length, crossDevice: renderCrossDeviceText(tables) };
}

/** What a JSON value looks like to this report: a run file, a fixed suite's result, or something else. */
function looksLikeBenchFile(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { schema?: unknown; suite?: unknown };
  return v.schema === runSchemaId || typeof v.suite === 'string';
}

/**
 * The files the arguments name: a file as given (so a broken run file is reported, not dropped), a folder as the
 * benchmark files anywhere under it (other JSON there, e.g. a package.json, is listed in `ignored`).
 */
export async function expandReportArguments(paths: readonly string[]): Promise<{ files: string[]; ignored: string[] }> {
  const out = { files: [] as string[], ignored: [] as string[] };
  for (const path of paths) {
    const info = await stat(path).catch((e: unknown) => {
      throw new Error(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}`, { cause: e });
    });
    if (!info.isDirectory()) {
      out.files.push(path);
      continue;
    }
    const entries = (await readdir(path, { recursive: true })).filter((f) => f.endsWith('.json') && !f.split(/[\\/]/).some((part) => part === 'node_modules' || part.startsWith('.'))).sort();
    for (const entry of entries) {
      const file = join(path, entry);
      if ((await stat(file)).isDirectory()) continue;
      // Unreadable JSON in a folder is someone else's file, not a broken run: list it rather than fail the report.
      if (looksLikeBenchFile(await readJsonFile(file).catch(() => null))) out.files.push(file);
      else out.ignored.push(file);
    }
  }
  return out;
}

/** The error for arguments that hold no run file (and no scheduler suite file): what to give instead. */
export function noRunFilesMessage(paths: readonly string[], otherSuites: readonly string[]): string {
  return (
    `nothing to report: no run file among ${paths.join(', ')}` +
    (otherSuites.length ? ` (only fixed-suite results this report does not merge: ${otherSuites.join(', ')})` : '') +
    '. bench:report reads the run-<timestamp>.json files `npm run bench -- --out DIR` writes (or the demo\'s "Benchmark this device" download): ' +
    'run the benchmark first, or pass those files or the folder that holds them, e.g. `npm run bench:report -- bench-results`.'
  );
}

/** Which kind of benchmark file: a prompts-harness run, a scheduler suite result, or another fixed suite's. */
export async function classifyFiles(files: readonly string[]): Promise<{ runs: string[]; scheduler: string[]; otherSuites: string[] }> {
  const kinds = { runs: [] as string[], scheduler: [] as string[], otherSuites: [] as string[] };
  for (const file of files) {
    const value = await readJsonFile(file);
    if (isSchedulerSuiteFile(value)) kinds.scheduler.push(file);
    else if (typeof value === 'object' && value !== null && typeof (value as { suite?: unknown }).suite === 'string') kinds.otherSuites.push(file);
    else kinds.runs.push(file);
  }
  return kinds;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  if (values.help || positionals.length === 0) {
    console.log('usage: npm run bench:report -- FILE.json|FOLDER [...] [--out DIR]');
    console.log("  run files (run-*.json): merged into DIR/comparison.md and comparison.svg (DIR defaults to the first file's folder),");
    console.log('    and one table per pair across devices, printed and added to comparison.md');
    console.log('  a folder: the run and suite files anywhere under it');
    console.log('  scheduler suite files (scheduler.json, e.g. one per device): their checks and the γ per device, side by side');
    process.exit(values.help ? 0 : 2);
  }
  const expanded = await expandReportArguments(positionals);
  if (expanded.ignored.length) console.log(`ignored (not benchmark files): ${expanded.ignored.join(', ')}`);
  const { runs, scheduler, otherSuites } = await classifyFiles(expanded.files.filter((f) => !/comparison\.json$/.test(f)));
  if (!runs.length && !scheduler.length) throw new Error(noRunFilesMessage(positionals, otherSuites));
  if (otherSuites.length) console.log(`skipped (fixed-suite results this report does not merge): ${otherSuites.join(', ')}`);
  if (scheduler.length) {
    const results = await loadSchedulerSuiteFiles(scheduler);
    console.log(`scheduler suite: ${scheduler.length} file(s), ${results.length} (device, draft) result(s)`);
    printSchedulerChecks(results);
    printPerDeviceTuning(results);
  }
  if (runs.length) {
    const out = values.out ?? dirname(runs[0]!);
    const result = await writeComparison(runs, out);
    console.log('');
    console.log(result.crossDevice);
    console.log(`merged ${runs.length} run file(s), ${result.columns} configuration(s): wrote ${result.markdown} and ${result.svg}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
