// `npm run bench:report -- DIR/*.json [--out DIR]`: merges run files (from any machines, GPUs and browsers) into
// DIR/comparison.md and DIR/comparison.svg.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { comparisonColumns, renderComparisonMarkdown, renderComparisonSvg, type LoadedRun } from './merge-report.js';
import { readJsonFile } from './read-json.js';
import { validateRunFile } from './run-schema.js';
import { isSchedulerSuiteFile, loadSchedulerSuiteFiles, printPerDeviceTuning, printSchedulerChecks } from './suites/scheduler-side-by-side.js';

export async function loadRuns(files: string[]): Promise<LoadedRun[]> {
  const runs: LoadedRun[] = [];
  for (const file of files) {
    const value = await readJsonFile(file);
    runs.push({ file, run: validateRunFile(value, file) });
  }
  return runs;
}

export async function writeComparison(files: string[], outDir: string): Promise<{ markdown: string; svg: string; columns: number }> {
  const runs = await loadRuns(files);
  const columns = comparisonColumns(runs);
  await mkdir(outDir, { recursive: true });
  const svg = join(outDir, 'comparison.svg');
  const markdown = join(outDir, 'comparison.md');
  await writeFile(svg, renderComparisonSvg(columns));
  await writeFile(markdown, renderComparisonMarkdown(columns, 'comparison.svg'));
  return { markdown, svg, columns: columns.length };
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
    console.log('usage: npm run bench:report -- FILE.json [FILE.json ...] [--out DIR]');
    console.log("  run files (run-*.json): merged into DIR/comparison.md and comparison.svg (DIR defaults to the first file's folder)");
    console.log('  scheduler suite files (scheduler.json, e.g. one per device): their checks and the γ per device, side by side');
    process.exit(values.help ? 0 : 2);
  }
  const { runs, scheduler, otherSuites } = await classifyFiles(positionals.filter((f) => !/comparison\.json$/.test(f)));
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
    console.log(`merged ${runs.length} run file(s), ${result.columns} configuration(s): wrote ${result.markdown} and ${result.svg}`);
  }
  if (!runs.length && !scheduler.length) throw new Error('nothing to report: no run file and no scheduler suite file among the arguments');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
