// `npm run bench -- --suite engine [--backends webgpu,wasm] [--gpu swiftshader|system] [--browser PATH]
//   [--max-new-tokens N] [--repeat R] [--out DIR]`: runs a benchmark suite in real Chromium and writes
// `DIR/<suite>.json` plus a table on stdout.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openBenchPage, startServer, type GpuProfile } from './bench-browser.js';
import { defaultEngineSuite, printEngineTable, runEngineSuite, type EngineSuiteRow } from './suites/engine-suite.js';

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'engine' },
    backends: { type: 'string', default: 'webgpu,wasm' },
    gpu: { type: 'string', default: 'swiftshader' },
    browser: { type: 'string' },
    'max-new-tokens': { type: 'string' },
    repeat: { type: 'string' },
    out: { type: 'string', default: 'bench-results' },
  },
  strict: true,
});

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

async function main(): Promise<void> {
  if (values.suite !== 'engine') throw new RangeError(`unknown --suite ${values.suite}; available: engine`);
  const backends = values.backends!.split(',').map((b) => b.trim());
  for (const b of backends) if (b !== 'webgpu' && b !== 'wasm') throw new RangeError(`--backends takes webgpu and/or wasm, got ${b}`);
  if (values.gpu !== 'swiftshader' && values.gpu !== 'system') throw new RangeError(`--gpu takes swiftshader or system, got ${values.gpu}`);
  const options = {
    ...defaultEngineSuite,
    maxNewTokens: positiveInt('max-new-tokens', values['max-new-tokens'], defaultEngineSuite.maxNewTokens),
    repeat: positiveInt('repeat', values.repeat, defaultEngineSuite.repeat),
  };
  const { server, baseUrl } = await startServer();
  const rows: EngineSuiteRow[] = [];
  const environments = [];
  try {
    for (const backend of backends) {
      const profile: GpuProfile = backend === 'wasm' ? 'wasm' : (values.gpu as GpuProfile);
      console.log(`engine suite on ${profile} (${backend})`);
      const bench = await openBenchPage(baseUrl, profile, values.browser);
      try {
        const adapter = await bench.page.evaluate(() => window.harness.webgpuAdapter());
        environments.push({ profile, backend, browser: bench.version, userAgent: bench.userAgent, adapter });
        rows.push(...(await runEngineSuite(bench, profile, options)));
      } finally {
        await bench.browser.close();
      }
    }
  } finally {
    await server.close();
  }
  printEngineTable(rows);
  await mkdir(values.out!, { recursive: true });
  const file = join(values.out!, 'engine.json');
  await writeFile(file, JSON.stringify({ suite: 'engine', schemaVersion: 1, createdAt: new Date().toISOString(), options, environments, rows }, null, 2));
  console.log(`wrote ${file}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
