// `npm run bench:report -- DIR/*.json [--out DIR]`: merges run files (from any machines, GPUs and browsers) into
// DIR/comparison.md and DIR/comparison.svg.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { comparisonColumns, renderComparisonMarkdown, renderComparisonSvg, type LoadedRun } from './merge-report.js';
import { validateRunFile } from './run-schema.js';

export async function loadRuns(files: string[]): Promise<LoadedRun[]> {
  const runs: LoadedRun[] = [];
  for (const file of files) {
    let value: unknown;
    try {
      value = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: cannot read JSON (${(e as Error).message})`);
    }
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

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  if (values.help || positionals.length === 0) {
    console.log('usage: npm run bench:report -- RUN.json [RUN.json ...] [--out DIR]   (DIR defaults to the first file\'s folder)');
    process.exit(values.help ? 0 : 2);
  }
  const files = positionals.filter((f) => !/comparison\.json$/.test(f));
  const out = values.out ?? dirname(files[0]!);
  const result = await writeComparison(files, out);
  console.log(`merged ${files.length} run file(s), ${result.columns} configuration(s): wrote ${result.markdown} and ${result.svg}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
