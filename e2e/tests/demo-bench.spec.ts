import { expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkRunConsistency } from '../bench/consistency.js';
import { validateRunFile } from '../bench/run-schema.js';
import { runBenchCli as runCli } from '../support/bench-cli.js';
import { collectPageErrors, projectDevice } from '../support/harness-page.js';

/**
 * The demo's "Benchmark this device" view: a visitor's run, on the tiny fixture pair and a dropped JSONL file, downloads
 * a run file that validates against the harness's schema and that `bench:report` merges with a Playwright run of the
 * same prompts.
 */
const repoRoot = join(import.meta.dirname, '..', '..');

// Two categories in two formats, and a bad line (3) the view must leave out and record.
const promptLines = [
  JSON.stringify({ question_id: 7, category: 'writing', turns: ['Write a short note about the baker.', 'Now make it shorter.'] }),
  JSON.stringify({ id: 'river', category: 'qa', prompt: 'Tell me about the river.' }),
  JSON.stringify({ id: 'broken', prompt: 42 }),
];

test('Benchmark this device: the downloaded run file validates and bench:report merges it with a harness run', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const device = projectDevice(testInfo);
  const out = await mkdtemp(join(tmpdir(), `speculo-demo-bench-${device}-`));
  const prompts = join(out, 'prompts.jsonl');
  await writeFile(prompts, promptLines.join('\n') + '\n');
  const libraryVersion = (JSON.parse(await readFile(join(repoRoot, 'packages', 'speculo', 'package.json'), 'utf8')) as { version: string }).version;

  const errors = collectPageErrors(page);
  await page.goto('/demo/index.html');
  await expect(page.locator('#dev-backend')).not.toHaveText('detecting…');
  const view = page.getByRole('region', { name: 'Benchmark this device' });
  await expect(view).toBeVisible();
  await view.getByLabel('Pair to benchmark').selectOption('fixture');
  await view.getByLabel('Backend').selectOption(device);
  await view.getByLabel('JSONL prompt file').setInputFiles(prompts);
  await expect(view.getByLabel('My own prompt file')).toBeChecked();
  await view.getByLabel('New tokens per prompt').fill('8');
  await view.getByLabel('Repeats').fill('1');
  await view.getByLabel('Warm-up runs').fill('1');

  const started = Date.now();
  await view.getByRole('button', { name: 'Run the benchmark' }).click();
  await expect(view.getByRole('button', { name: 'Stop the benchmark' })).toBeEnabled();
  await expect(view.locator('#bench-status'))
    .toContainText('Done', { timeout: 180_000 })
    .catch(async (error: unknown) => {
      console.log(`benchmark did not finish: ${await view.locator('#bench-status').textContent()} / ${await view.locator('#bench-error').textContent()}; ${JSON.stringify(errors)}`);
      throw error;
    });
  testInfo.annotations.push({ type: 'demo benchmark wall time', description: `${((Date.now() - started) / 1000).toFixed(1)} s on ${device}` });
  await expect(view.getByRole('alert')).toBeHidden();
  await expect(view.locator('#bench-table tbody tr')).toHaveCount(2);
  await expect(view.locator('#bench-table tfoot tr')).toHaveAttribute('data-category', 'overall');
  await expect(view.locator('#bench-table tfoot')).toContainText('×');
  await expect(view.locator('#bench-identical')).toContainText('for all 2 prompts');

  const [download] = await Promise.all([page.waitForEvent('download'), view.getByRole('button', { name: 'Download run file' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^run-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-demo\.json$/);
  const demoFile = join(out, download.suggestedFilename());
  await download.saveAs(demoFile);
  await testInfo.attach('demo run file', { path: demoFile, contentType: 'application/json' });
  const run = validateRunFile(JSON.parse(await readFile(demoFile, 'utf8')), demoFile);
  expect(checkRunConsistency(run)).toEqual([]);
  expect(run.environment).toMatchObject({ producer: 'demo', node: null, libraryVersion, gitCommit: null });
  expect(run.environment.pageUrl).toContain('/demo/index.html');
  expect(run.environment.cpu.cores).toBeGreaterThan(0);
  expect(run.options).toMatchObject({
    pair: 'fixture',
    target: 'tiny-target',
    draft: 'tiny-draft',
    source: 'local',
    backends: [device],
    gpuProfiles: ['page'],
    maxNewTokens: 8,
    repeat: 1,
    warmup: 1,
  });
  expect(run.input).toMatchObject({ file: 'prompts.jsonl', lines: 3, promptsInFile: 2, promptsRun: 2, badLinePolicy: 'skip', multiTurnFirstOnly: 1 });
  expect(run.input.skippedLines).toEqual([{ line: 3, message: expect.stringMatching(/"prompt" must be a string/) }]);
  expect(run.configurations).toHaveLength(1);
  const config = run.configurations[0]!;
  expect(config).toMatchObject({ backend: device, engineBackend: device, profile: 'page', error: null, connection: { kind: 'page', endpoint: null } });
  expect(config.connection.origin).toMatch(/^http:\/\/localhost:\d+$/);
  expect(config.browser.name).toMatch(/^(Chrome|Chromium)$/);
  expect(config.browser.version).toMatch(/^\d+\./);
  expect(config.browser.userAgent).toContain(config.browser.version);
  expect(config.id).toBe(`${config.browser.name.toLowerCase()}-${config.browser.version.split('.')[0]}/${device}/page`);
  expect(config.download).toMatchObject({ networkRequests: null });
  expect(config.download!.files).toBeGreaterThan(0);
  if (device === 'webgpu') {
    expect(config.adapter).not.toBeNull();
    expect(config.adapter!.vendor || config.adapter!.architecture || config.adapter!.description).toBeTruthy();
  } else {
    expect(config.adapter).toBeNull();
    expect(config.label).toContain('WASM (CPU)');
  }
  expect(config.prompts.map((p) => [p.id, p.category])).toEqual([
    ['7', 'writing'],
    ['river', 'qa'],
  ]);
  for (const p of config.prompts) {
    expect(p.samples.map((s) => s.mode).sort()).toEqual(['speculative', 'target-only']);
    expect(p.outputsIdentical).toBe(true);
    expect(p.speedup!).toBeGreaterThan(0);
  }

  // The same prompts through `npm run bench` (Playwright drives the harness page), then both files through bench:report.
  // The CLI opens the harness on this test's own server (--origin) rather than start a second Vite server beside it.
  const cliOut = join(out, 'cli');
  const cli = await runCli('cli.ts', [
    '--origin',
    new URL(page.url()).origin,
    '--prompts',
    prompts,
    '--pair',
    'fixture',
    '--backends',
    device,
    '--gpu',
    'swiftshader',
    '--max-new-tokens',
    '8',
    '--repeat',
    '1',
    '--bad-lines',
    'skip',
    '--out',
    cliOut,
  ]);
  expect(cli.code, `${cli.stdout}\n${cli.stderr}`).toBe(0);
  const cliFile = (await readdir(cliOut)).find((f) => /^run-.*\.json$/.test(f));
  expect(cliFile).toBeTruthy();
  const cliRun = validateRunFile(JSON.parse(await readFile(join(cliOut, cliFile!), 'utf8')), cliFile);

  const merged = await runCli('report-cli.ts', [demoFile, join(cliOut, cliFile!), '--out', join(out, 'merged')]);
  await testInfo.attach('bench:report output', { body: `${merged.stdout}\n${merged.stderr}`, contentType: 'text/plain' });
  expect(merged.code, `${merged.stdout}\n${merged.stderr}`).toBe(0);
  expect(merged.stdout).toContain('merged 2 run file(s), 2 configuration(s)');
  // One table for the pair, with the visitor's page and the launched browser side by side.
  expect(merged.stdout).toContain('pair fixture (target tiny-target, draft tiny-draft): 2 configuration(s) from 2 run file(s)');
  expect(merged.stdout).toMatch(/ demo\/page /);
  expect(merged.stdout).toMatch(/ bench-cli\/launch /);
  const comparison = await readFile(join(out, 'merged', 'comparison.md'), 'utf8');
  expect(comparison).toContain(config.label);
  expect(comparison).toContain(cliRun.configurations[0]!.label);

  expect(errors).toEqual([]);
});

test('Benchmark this device offers the bundled Spec-Bench subset exactly when the site has it, and names what is missing', async ({ page, request }) => {
  const shared = join(resolve(process.env['SPECULO_SHARED_DIR'] ?? join(repoRoot, '..', 'shared')), 'benchmarks', 'spec-bench-dev.jsonl');
  const errors = collectPageErrors(page);
  await page.goto('/demo/index.html');
  const view = page.getByRole('region', { name: 'Benchmark this device' });
  const bundled = view.getByLabel('Bundled Spec-Bench subset');
  await expect(view.getByRole('link', { name: 'notice' })).toHaveAttribute('href', /\/bench\/NOTICE$/);
  if (existsSync(shared)) {
    await expect(bundled).toBeEnabled();
    await expect(bundled).toBeChecked();
    await expect(view.locator('#bench-bundled-missing')).toBeHidden();
    const jsonl = await request.get('/bench/spec-bench-dev.jsonl');
    expect(jsonl.status()).toBe(200);
    expect((await jsonl.text()).trim().split('\n')).toHaveLength(240);
    expect(await (await request.get('/bench/NOTICE')).text()).toMatch(/Spec-Bench[\s\S]*Apache\s+License/);
    await view.getByLabel('My own prompt file').check();
  } else {
    await expect(bundled).toBeDisabled();
    await expect(view.getByLabel('My own prompt file')).toBeChecked();
    await expect(view.locator('#bench-bundled-missing')).toBeVisible();
  }
  // No file chosen: an alert says what to do, and nothing starts.
  await view.getByRole('button', { name: 'Run the benchmark' }).click();
  await expect(view.getByRole('alert')).toContainText('Choose a JSONL prompt file');
  await expect(view.locator('#bench-status')).toHaveText('Not run yet.');
  expect(errors).toEqual([]);
});
