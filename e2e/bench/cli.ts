// `npm run bench -- [--prompts FILE.jsonl] (--pair NAME | --target ID --draft ID) [--backends webgpu,wasm]
//   [--browser PATH]... [--gpu swiftshader|system] [--max-new-tokens N] [--repeat R] [--policy P] [--out DIR] …`
// measures Speculo on your prompts in real browsers and writes DIR/run-<timestamp>.{json,md,svg}.
// `npm run bench -- --suite engine …` runs the older fixed engine suite instead. See e2e/bench/README.md.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { chromiumPath } from '../chromium.js';
import { defaultServePort, openBenchPage, printTable, startServer, type GpuProfile } from './bench-browser.js';
import { defaultPromptsFile, repoRoot } from './defaults.js';
import { resolvePair } from './pairs.js';
import { Progress, formatDuration } from './progress.js';
import { readPrompts, selectPrompts, type BadLinePolicy } from './prompts-input.js';
import { renderRunMarkdown, spreadCell } from './report-markdown.js';
import { renderSpeedupSvg } from './report-svg.js';
import { preparePrompt } from './prepare-prompt.js';
import { runConfiguration, runTargets, type Backend } from './run-prompts.js';
import { describeInput, type PreparedBenchPrompt } from './runner.js';
import { runSchemaId, runSchemaVersion, validateRunFile, type Configuration, type RunFile } from './run-schema.js';
import { suiteDrafts, suites } from './suite-registry.js';
import { loadTokenizer } from './tokenize.js';

const options = {
  suite: { type: 'string' },
  prompts: { type: 'string' },
  pair: { type: 'string' },
  target: { type: 'string' },
  draft: { type: 'string' },
  dtype: { type: 'string' },
  backends: { type: 'string', default: 'webgpu,wasm' },
  gpu: { type: 'string', default: 'swiftshader' },
  browser: { type: 'string', multiple: true },
  connect: { type: 'string', multiple: true },
  cdp: { type: 'string', multiple: true },
  'serve-host': { type: 'string' },
  origin: { type: 'string' },
  'profile-dir': { type: 'string' },
  headed: { type: 'boolean', default: false },
  'max-new-tokens': { type: 'string' },
  'max-prompt-tokens': { type: 'string', default: '256' },
  repeat: { type: 'string' },
  warmup: { type: 'string', default: '1' },
  seed: { type: 'string', default: '0' },
  temperature: { type: 'string', default: '0' },
  'draft-length': { type: 'string' },
  policy: { type: 'string' },
  drafter: { type: 'string' },
  limit: { type: 'string' },
  'sample-per-category': { type: 'string' },
  categories: { type: 'string' },
  'bad-lines': { type: 'string', default: 'fail' },
  out: { type: 'string', default: 'bench-results' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; strict: true }>>['values'];

const usage = `usage: npm run bench -- [--prompts FILE.jsonl] (--pair NAME | --target ID --draft ID) [options]

  --prompts FILE          Spec-Bench or plain JSONL (default: ../shared/benchmarks/spec-bench-dev.jsonl when present)
  --pair NAME             fixture | ctrl-80 | gqa | gqa-qk-norm | gqa-sliding | optimum | mha | large-vocab |
                          qwen2.5-0.5b-1.5b | smollm2-360m-1.7b
  --target ID --draft ID  any pair (Hub ids or fixture names); --dtype D for both models
  --backends LIST         webgpu,wasm (default both)
  --gpu PROFILE[,…]       WebGPU adapter profile: swiftshader (CPU, default) | system (a real GPU)
  --browser PATH          Chrome/Chromium/Edge binary; repeat for several browsers (default SPECULO_CHROMIUM or /usr/bin/chromium)
  --headed                show the browser (some systems expose the hardware adapter only when headed)
  --profile-dir DIR       keep each launched browser's profile in DIR: models downloaded once stay in its Cache Storage
                          for later configurations and runs (the report says whether they came from cache)
  --connect WS_URL        also run on a browser behind a Playwright server (npx playwright run-server, launchServer,
                          or a grid's endpoint); repeat for several. Only these run unless --browser is given too
  --cdp URL               also run on a Chromium reached over CDP (http://host:9222 or its ws:// URL); repeat for several
  --serve-host HOST       serve the harness and fixtures on HOST (an address the remote browsers reach; default localhost)
  --origin URL            do not serve: the browsers open URL's /e2e/harness/index.html (a site you host, e.g. over https)
  --max-new-tokens N      per generation (default 128)
  --max-prompt-tokens N   longer prompts are cut from the left, chat template kept (default 256)
  --repeat R              timed repeats of each prompt and mode (default 3); --warmup W untimed rounds (default 1)
  --seed S --temperature T  sampling (default greedy, seed 0; repeat r uses seed S+r)
  --draft-length G --policy adaptive|static|heuristic --drafter model|prompt-lookup|ngram-cache|composite
  --limit N --sample-per-category K --categories a,b   choose prompts
  --bad-lines fail|skip   a bad input line fails the run (default) or is skipped and reported
  --out DIR               where run-<timestamp>.{json,md,svg} go (default bench-results)
  --suite NAME            a fixed suite instead: engine | drafters | host-overhead | scheduler | first-visit (with --backends, --gpu, --max-new-tokens, --repeat, --out;
                          engine, host-overhead and scheduler also take --draft a,b: a subset of their drafts, e.g. ctrl-draft-80,large-vocab-draft)`;

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new RangeError(`--${name} must be an integer ≥ ${min}, got ${raw}`);
  return n;
}

function optionalInt(name: string, raw: string | undefined, min = 1): number | null {
  return raw === undefined ? null : positiveInt(name, raw, 0, min);
}

function parseBackends(raw: string): Backend[] {
  const list = raw
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  for (const b of list) if (b !== 'webgpu' && b !== 'wasm') throw new RangeError(`--backends takes webgpu and/or wasm, got ${b}`);
  if (list.length === 0) throw new RangeError('--backends is empty');
  return [...new Set(list)] as Backend[];
}

function parseGpuProfiles(raw: string): GpuProfile[] {
  const list = raw
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  for (const g of list) if (g !== 'swiftshader' && g !== 'system' && g !== 'wasm') throw new RangeError(`--gpu takes swiftshader, system or wasm, got ${g}`);
  return [...new Set(list)] as GpuProfile[];
}

/** Checks --connect / --cdp endpoints up front, so a typo fails before any model is tokenised. */
function parseEndpoints(kind: 'connect' | 'cdp', raw: string[] | undefined): { kind: 'connect' | 'cdp'; endpoint: string }[] {
  return (raw ?? []).map((endpoint) => {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new RangeError(`--${kind} takes a URL, got ${endpoint}`);
    }
    const allowed = kind === 'connect' ? ['ws:', 'wss:'] : ['ws:', 'wss:', 'http:', 'https:'];
    if (!allowed.includes(url.protocol)) {
      throw new RangeError(
        kind === 'connect'
          ? `--connect takes a Playwright server's ws:// or wss:// endpoint (from npx playwright run-server or launchServer), got ${endpoint}`
          : `--cdp takes http(s):// or ws(s):// (a Chromium started with --remote-debugging-port), got ${endpoint}`,
      );
    }
    return { kind, endpoint };
  });
}

/** --origin: where the browsers open the harness instead of a server started here. */
function parseOrigin(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RangeError(`--origin takes a URL such as https://bench.example.com, got ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError(`--origin takes an http(s) URL, got ${raw}`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function gitCommit(): string | null {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
}

async function runPromptsHarness(values: Values): Promise<number> {
  const startedAt = Date.now();
  const pair = resolvePair({ pair: values.pair, target: values.target, draft: values.draft, dtype: values.dtype });
  const promptsFile = values.prompts ?? defaultPromptsFile;
  if (!existsSync(promptsFile)) {
    throw new Error(
      values.prompts
        ? `no prompts file at ${promptsFile}`
        : `no --prompts given and the default ${defaultPromptsFile} is not there: pass --prompts FILE.jsonl (see e2e/bench/README.md for the Spec-Bench file or your own prompts)`,
    );
  }
  const badLines = values['bad-lines'] as BadLinePolicy;
  if (badLines !== 'fail' && badLines !== 'skip') throw new RangeError(`--bad-lines takes fail or skip, got ${values['bad-lines']}`);
  const parsed = readPrompts(await readFile(promptsFile, 'utf8'), promptsFile, badLines);
  for (const b of parsed.badLines) console.warn(`${promptsFile}: line ${b.line} skipped: ${b.message}`);
  const limit = optionalInt('limit', values.limit);
  const samplePerCategory = optionalInt('sample-per-category', values['sample-per-category']);
  const categories = values.categories
    ? values.categories
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean)
    : null;
  const selected = selectPrompts(parsed.prompts, { limit: limit ?? undefined, samplePerCategory: samplePerCategory ?? undefined, categories: categories ?? undefined });
  if (selected.length === 0) throw new Error(`no prompts left after --categories/--sample-per-category/--limit (the file has ${parsed.prompts.length})`);

  const maxNewTokens = positiveInt('max-new-tokens', values['max-new-tokens'], 128);
  const maxPromptTokens = positiveInt('max-prompt-tokens', values['max-prompt-tokens'], 256);
  const repeat = positiveInt('repeat', values.repeat, 3);
  const warmup = positiveInt('warmup', values.warmup, 1, 0);
  const seed = positiveInt('seed', values.seed, 0, 0);
  const temperature = Number(values.temperature);
  if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new RangeError(`--temperature must be a number ≥ 0, got ${values.temperature}`);
  const draftLength = optionalInt('draft-length', values['draft-length']);
  const policy = values.policy ?? null;
  if (policy !== null && !['adaptive', 'static', 'heuristic'].includes(policy)) throw new RangeError(`--policy takes adaptive, static or heuristic, got ${policy}`);
  const drafter = values.drafter ?? null;
  if (drafter !== null && !['model', 'prompt-lookup', 'ngram-cache', 'composite'].includes(drafter)) {
    throw new RangeError(`--drafter takes model, prompt-lookup, ngram-cache or composite, got ${drafter}`);
  }
  const backends = parseBackends(values.backends!);
  const gpus = parseGpuProfiles(values.gpu!);
  const remotes = [...parseEndpoints('connect', values.connect), ...parseEndpoints('cdp', values.cdp)];
  const origin = parseOrigin(values.origin);
  if (origin !== null && values['serve-host'] !== undefined) throw new RangeError('--origin and --serve-host exclude each other: --origin means nothing is served here');
  const profileDir = values['profile-dir'] ?? null;
  // Remote browsers alone unless --browser asks for local ones too.
  const browsers = values.browser?.length ? values.browser : remotes.length ? [] : [chromiumPath()];
  for (const b of browsers) if (!existsSync(b)) throw new Error(`no browser at ${b}`);
  if (profileDir !== null && browsers.length === 0) {
    throw new RangeError('--profile-dir keeps the profiles of browsers launched here: remote browsers keep their own (a CDP browser keeps its profile; ask a grid for a persistent one)');
  }
  const targets = runTargets(browsers, backends, gpus, { headless: !values.headed, profileDir }, remotes);
  if (targets.length === 0) throw new RangeError('nothing to run: --backends webgpu needs a --gpu profile other than wasm');
  if (values.headed) process.env['SPECULO_HEADED'] = '1';

  console.log(`tokenizing ${selected.length} prompts with ${pair.target}'s tokenizer`);
  const tokenizer = await loadTokenizer(pair);
  const prepared: PreparedBenchPrompt[] = selected.map((prompt) => ({ prompt, ...preparePrompt(tokenizer, prompt, maxPromptTokens) }));

  const progress = new Progress(targets.length * prepared.length * repeat);
  progress.log(
    `${pair.name}: ${pair.draft} → ${pair.target}; ${prepared.length} prompts × ${repeat} repeat(s) × ${targets.length} configuration(s) ` +
      `(${targets.map((t) => `${t.backend}/${t.profile}`).join(', ')}), ${maxNewTokens} new tokens max`,
  );
  // Cache Storage is per origin: with kept profiles the server must come back on the same port.
  const served = origin === null ? await startServer(defaultServePort, { host: values['serve-host'], strictPort: profileDir !== null }) : null;
  const baseUrl = origin ?? served!.baseUrl;
  if (remotes.length) progress.log(`remote browsers open ${baseUrl}/e2e/harness/index.html`);
  const configurations: Configuration[] = [];
  try {
    for (const target of targets) {
      configurations.push(await runConfiguration(baseUrl, target, { pair, prompts: prepared, maxNewTokens, repeat, warmup, seed, temperature, draftLength, policy, drafter }, progress));
    }
  } finally {
    progress.finish();
    await served?.server.close();
  }
  // Two configurations with the same id (e.g. two Chromium builds of one major version): number them.
  configurations.forEach((c, i) => {
    if (configurations.filter((o) => o.id === c.id).length > 1) c.id = `${c.id}#${i + 1}`;
  });

  const libraryVersion = (JSON.parse(await readFile(join(repoRoot, 'packages/speculo/package.json'), 'utf8')) as { version: string }).version;
  const run: RunFile = {
    schema: runSchemaId,
    schemaVersion: runSchemaVersion,
    createdAt: new Date(startedAt).toISOString(),
    durationMs: Date.now() - startedAt,
    environment: {
      producer: 'bench-cli',
      pageUrl: null,
      os: { platform: platform(), release: release(), arch: arch() },
      cpu: { model: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
      memoryBytes: totalmem(),
      node: process.version,
      libraryVersion,
      gitCommit: gitCommit(),
    },
    options: {
      pair: pair.name,
      target: pair.target,
      draft: pair.draft,
      source: pair.source,
      backends,
      gpuProfiles: [...new Set(targets.map((t) => t.profile))],
      maxNewTokens,
      maxPromptTokens,
      repeat,
      warmup,
      seed,
      temperature,
      draftLength,
      policy,
      drafter,
    },
    input: describeInput(relative(process.cwd(), promptsFile) || promptsFile, parsed, prepared, badLines, { samplePerCategory, limit, categories }),
    configurations,
  };
  // A NaN (an empty summary) becomes null in JSON; validate what readers will see.
  const json = JSON.stringify(run, null, 2);
  validateRunFile(JSON.parse(json), 'the run about to be written');

  await mkdir(values.out!, { recursive: true });
  const stamp = new Date(startedAt).toISOString().replace(/[:.]/g, '-');
  const base = join(values.out!, `run-${stamp}`);
  const chart = renderSpeedupSvg(
    [...new Set(configurations.flatMap((c) => c.categories.map((s) => s.category))), 'overall'],
    configurations
      .filter((c) => !c.error)
      .map((c) => ({ label: c.label, values: Object.fromEntries([...c.categories.map((s) => [s.category, s.speedup] as const), ['overall', c.overall.speedup] as const]) })),
    { title: `Speculo: speedup by category (${pair.name})`, subtitle: `${prepared.length} prompts · ${maxNewTokens} new tokens · median over prompts, whiskers 25th–75th percentile` },
  );
  await writeFile(`${base}.json`, json + '\n');
  await writeFile(`${base}.svg`, chart);
  await writeFile(`${base}.md`, renderRunMarkdown(run, `run-${stamp}.svg`));

  console.log('');
  printTable(
    ['configuration', 'adapter', 'models', 'prompts', 'target-only tok/s', 'speculative tok/s', 'speedup', 'acceptance', 'mean acc. length'],
    configurations.map((c) =>
      c.error
        ? [c.id, '-', '-', '0', '-', '-', `failed: ${c.error}`, '-', '-']
        : [
            c.id,
            c.label.split(' · ').at(-1)!,
            c.download?.fromCache ? 'from cache' : `${c.download?.networkRequests ?? '?'} requests`,
            String(c.prompts.length),
            spreadCell(c.overall.targetOnlyTokensPerSecond),
            spreadCell(c.overall.speculativeTokensPerSecond),
            spreadCell(c.overall.speedup, 'x'),
            spreadCell(c.overall.acceptanceRate, '', 2),
            spreadCell(c.overall.meanAcceptanceLength, '', 2),
          ],
    ),
  );
  console.log(`\nwrote ${base}.json, ${base}.md and ${base}.svg in ${formatDuration(run.durationMs)}`);
  const failed = configurations.filter((c) => c.error);
  if (failed.length) console.error(`${failed.length} configuration(s) failed: ${failed.map((c) => c.id).join(', ')}`);
  return failed.length ? 1 : 0;
}

async function runSuiteCli(values: Values): Promise<number> {
  const definition = suites[values.suite!];
  if (!definition) throw new RangeError(`unknown --suite ${values.suite}; available: ${Object.keys(suites).join(', ')}`);
  const suite = await definition.load();
  const backends = parseBackends(values.backends!);
  if (values.gpu !== 'swiftshader' && values.gpu !== 'system') throw new RangeError(`--gpu takes swiftshader or system with --suite, got ${values.gpu}`);
  const suiteOptions = {
    ...suite.defaults,
    maxNewTokens: positiveInt('max-new-tokens', values['max-new-tokens'], suite.defaults.maxNewTokens),
    repeat: positiveInt('repeat', values.repeat, suite.defaults.repeat),
    ...(values.draft !== undefined ? { drafts: suiteDrafts(values.suite!, suite.defaults, values.draft) } : {}),
  };
  if (values.headed) process.env['SPECULO_HEADED'] = '1';
  const { server, baseUrl } = await startServer();
  const results: unknown[] = [];
  const environments = [];
  try {
    for (const backend of backends) {
      const profile: GpuProfile = backend === 'wasm' ? 'wasm' : (values.gpu as GpuProfile);
      console.log(`${values.suite} suite on ${profile} (${backend})`);
      const bench = await openBenchPage(baseUrl, profile, values.browser?.[0]);
      try {
        const adapter = await bench.page.evaluate(() => window.harness.webgpuAdapter());
        environments.push({ profile, backend, browser: bench.version, userAgent: bench.userAgent, adapter });
        const result = await suite.run(bench, profile, suiteOptions);
        results.push(...(Array.isArray(result) ? (result as unknown[]) : [result]));
      } finally {
        await bench.browser.close();
      }
    }
  } finally {
    await server.close();
  }
  suite.print(results);
  await mkdir(values.out!, { recursive: true });
  const file = join(values.out!, `${values.suite}.json`);
  await writeFile(file, JSON.stringify({ suite: values.suite, schemaVersion: 1, createdAt: new Date().toISOString(), options: suiteOptions, environments, results }, null, 2));
  console.log(`wrote ${file}`);
  return 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options, strict: true });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  return values.suite !== undefined ? runSuiteCli(values) : runPromptsHarness(values);
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(e instanceof RangeError || (e instanceof Error && e.name === 'PromptInputError') ? 2 : 1);
  },
);
