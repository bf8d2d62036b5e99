import { expect, test } from '@playwright/test';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRunConsistency } from '../bench/consistency.js';
import { validateRunFile } from '../bench/run-schema.js';
import { runBenchCli as runCli } from '../support/bench-cli.js';
import { projectDevice } from '../support/harness-page.js';

// Mixed input formats, two categories, and one bad line (line 5) that --bad-lines skip must report, not hide.
const promptLines = [
  JSON.stringify({ question_id: 1, category: 'writing', turns: ['Write a short note about the baker.', 'Now make it shorter.'] }),
  JSON.stringify({ question_id: 2, category: 'qa', turns: ['What did the garden look like in spring?'] }),
  JSON.stringify({ id: 'plain', category: 'writing', prompt: 'Once upon a time' }),
  JSON.stringify({
    id: 'chat',
    category: 'qa',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Tell me about the river.' },
    ],
  }),
  JSON.stringify({ id: 'broken', prompt: 42 }),
];

test('bench harness: a small run on the fixture pair writes a consistent JSON, Markdown and SVG report naming the adapter', async ({}, testInfo) => {
  test.setTimeout(300_000);
  const device = projectDevice(testInfo);
  const out = await mkdtemp(join(tmpdir(), `speculo-bench-${device}-`));
  const prompts = join(out, 'prompts.jsonl');
  await writeFile(prompts, promptLines.join('\n') + '\n');

  // Without --bad-lines skip, the bad line fails the run before any browser starts.
  const refused = await runCli('cli.ts', ['--prompts', prompts, '--pair', 'fixture', '--backends', device, '--out', out]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/line 5: "prompt" must be a string/);

  const started = Date.now();
  const result = await runCli('cli.ts', [
    '--prompts',
    prompts,
    '--pair',
    'fixture',
    '--backends',
    device,
    '--gpu',
    'swiftshader',
    '--max-new-tokens',
    '12',
    '--repeat',
    '1',
    '--bad-lines',
    'skip',
    '--out',
    out,
  ]);
  testInfo.annotations.push({ type: 'bench wall time', description: `${((Date.now() - started) / 1000).toFixed(1)} s on ${device}` });
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  expect(result.stderr).toMatch(/line 5 skipped/);
  expect(result.stderr).toMatch(/4\/4 prompts \(100%\)/); // progress lines (not a TTY here)

  const files = await readdir(out);
  const json = files.find((f) => /^run-.*\.json$/.test(f));
  expect(json, files.join(', ')).toBeTruthy();
  const stem = json!.replace(/\.json$/, '');
  expect(files).toEqual(expect.arrayContaining([`${stem}.md`, `${stem}.svg`]));
  const run = validateRunFile(JSON.parse(await readFile(join(out, json!), 'utf8')), json);

  // The report follows from its samples: speedup = speculative tok/s ÷ target-only tok/s, acceptance in [0, 1],
  // counts add up (prompts, repeats, categories, drafted/accepted, provenance), greedy outputs identical.
  expect(checkRunConsistency(run)).toEqual([]);
  expect(run.input).toMatchObject({ promptsInFile: 4, promptsRun: 4, badLinePolicy: 'skip', multiTurnFirstOnly: 1 });
  expect(run.input.skippedLines).toEqual([{ line: 5, message: expect.stringMatching(/"prompt" must be a string/) }]);
  expect(run.configurations).toHaveLength(1);
  const config = run.configurations[0]!;
  expect(config.error).toBeNull();
  expect(config.backend).toBe(device);
  expect(config.engineBackend).toBe(device);
  expect(config.browser.version).toMatch(/^\d+\./);
  expect(config.categories.map((c) => [c.category, c.prompts])).toEqual([
    ['writing', 2],
    ['qa', 2],
  ]);
  await testInfo.attach('bench output', { body: `${result.stdout}\n${result.stderr}`, contentType: 'text/plain' });
  for (const p of config.prompts) {
    expect(p.speedup!).toBeGreaterThan(0);
    expect(p.speculative.timeToFirstTokenMs!).toBeGreaterThan(0);
    // The adaptive scheduler may run a whole generation target-only when speculation does not pay (it often
    // does not on WASM): then nothing was drafted and acceptance and γ are null, not 0.
    if (p.draftedTokens > 0) {
      expect(p.acceptanceRate!).toBeGreaterThanOrEqual(0);
      expect(p.acceptanceRate!).toBeLessThanOrEqual(1);
      expect(p.gammaMean!).toBeGreaterThanOrEqual(1);
    } else {
      expect(p.acceptanceRate).toBeNull();
    }
  }

  const markdown = await readFile(join(out, `${stem}.md`), 'utf8');
  const svg = await readFile(join(out, `${stem}.svg`), 'utf8');
  expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  expect(markdown).toContain(`](${stem}.svg)`);
  expect(markdown).toContain('line 5: "prompt" must be a string');
  if (device === 'webgpu') {
    expect(config.adapter).not.toBeNull();
    const adapter = config.adapter!;
    expect(adapter.vendor || adapter.architecture || adapter.description).toBeTruthy();
    for (const text of [markdown, svg]) {
      for (const field of [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean)) expect(text).toContain(field);
    }
  } else {
    expect(config.adapter).toBeNull();
    expect(markdown).toContain('none (WASM on the CPU)');
    expect(svg).toContain('WASM (CPU)');
  }

  // bench:report reads it back and merges it.
  const merged = await runCli('report-cli.ts', [join(out, json!), '--out', join(out, 'merged')]);
  expect(merged.code, merged.stderr).toBe(0);
  const comparison = await readFile(join(out, 'merged', 'comparison.md'), 'utf8');
  expect(comparison).toContain(config.label);
  expect(await readFile(join(out, 'merged', 'comparison.svg'), 'utf8')).toContain('<svg');
});
