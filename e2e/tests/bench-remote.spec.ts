// `npm run bench` on browsers it did not launch (a Playwright server, a CDP endpoint) and on kept profiles
// (`--profile-dir`): the same run file, with the connection recorded and the second download avoided.
import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumPath, noWebGpuFlags, swiftshaderWebGpuFlags } from '../chromium.js';
import { checkRunConsistency } from '../bench/consistency.js';
import { validateRunFile, type RunFile } from '../bench/run-schema.js';
import { runBenchCli } from '../support/bench-cli.js';
import { projectDevice } from '../support/harness-page.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const prompts = [JSON.stringify({ id: 'a', category: 'writing', prompt: 'Once upon a time' }), JSON.stringify({ id: 'b', category: 'qa', prompt: 'The garden in spring' })];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts a child process and resolves with the first match of `pattern` in its output. */
function startAndWaitFor(command: string, args: string[], pattern: RegExp, cwd = repoRoot): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
    let output = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${command} did not print ${pattern} in 60 s:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}:\n${output}`));
    });
  });
}

async function readRun(out: string): Promise<RunFile> {
  const json = (await readdir(out)).find((f) => /^run-.*\.json$/.test(f));
  expect(json).toBeTruthy();
  return validateRunFile(JSON.parse(await readFile(join(out, json!), 'utf8')), json);
}

function stop(child: ChildProcess | undefined): void {
  if (child && child.exitCode === null) child.kill('SIGTERM');
}

test('bench --connect and --cdp: remote browsers run the harness served on --serve-host, and the run file says how they were reached', async ({}, testInfo) => {
  test.setTimeout(300_000);
  const device = projectDevice(testInfo);
  const dir = await mkdtemp(join(tmpdir(), `speculo-bench-remote-${device}-`));
  const promptsFile = join(dir, 'prompts.jsonl');
  await writeFile(promptsFile, prompts.join('\n') + '\n');

  // Bad endpoints and combinations fail before any browser starts, naming the fix.
  const badConnect = await runBenchCli('cli.ts', ['--prompts', promptsFile, '--pair', 'fixture', '--connect', 'http://localhost:1']);
  expect(badConnect.code).toBe(2);
  expect(badConnect.stderr).toMatch(/--connect takes a Playwright server's ws:\/\/ or wss:\/\/ endpoint/);
  const profileRemote = await runBenchCli('cli.ts', ['--prompts', promptsFile, '--pair', 'fixture', '--connect', 'ws://localhost:1/', '--profile-dir', dir]);
  expect(profileRemote.code).toBe(2);
  expect(profileRemote.stderr).toMatch(/--profile-dir keeps the profiles of browsers launched here/);

  const flags = device === 'webgpu' ? swiftshaderWebGpuFlags : noWebGpuFlags;
  let server: ChildProcess | undefined;
  let cdpBrowser: ChildProcess | undefined;
  try {
    // A Playwright server, as a colleague's machine or a grid would run it; --unsafe lets the client choose the binary and flags.
    const serverPort = await freePort();
    ({ child: server } = await startAndWaitFor(
      process.execPath,
      [join(repoRoot, 'node_modules', '@playwright', 'test', 'cli.js'), 'run-server', '--port', String(serverPort), '--host', '127.0.0.1', '--unsafe'],
      /Listening on (ws:\/\/\S+)/,
    ));
    const launchOptions = encodeURIComponent(JSON.stringify({ executablePath: chromiumPath(), args: flags, headless: true }));
    const endpoint = `ws://127.0.0.1:${serverPort}/?launch-options=${launchOptions}`;

    // A Chromium with a CDP port, as a device lab exposes it.
    const cdp = await startAndWaitFor(
      chromiumPath(),
      ['--headless=new', '--remote-debugging-port=0', `--user-data-dir=${join(dir, 'cdp-profile')}`, ...flags, 'about:blank'],
      /DevTools listening on (ws:\/\/\S+)/,
    );
    cdpBrowser = cdp.child;
    const cdpHttp = `http://${new URL(cdp.match[1]!).host}`;

    const out = join(dir, 'out');
    const result = await runBenchCli('cli.ts', [
      ...['--prompts', promptsFile, '--pair', 'fixture', '--backends', device, '--max-new-tokens', '8', '--repeat', '1'],
      ...['--connect', endpoint, '--cdp', cdpHttp, '--serve-host', '127.0.0.1', '--out', out],
    ]);
    await testInfo.attach('bench output', { body: `${result.stdout}\n${result.stderr}`, contentType: 'text/plain' });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stderr).toContain('remote browsers open http://127.0.0.1:5198/e2e/harness/index.html');

    const run = await readRun(out);
    expect(checkRunConsistency(run)).toEqual([]);
    expect(run.options.gpuProfiles).toEqual(['remote']);
    expect(run.configurations.map((c) => [c.connection.kind, c.connection.endpoint, c.connection.origin, c.profile, c.error])).toEqual([
      // No query in the file: a grid's access key would travel there.
      ['connect', `ws://127.0.0.1:${serverPort}/`, 'http://127.0.0.1:5198', 'remote', null],
      ['cdp', cdpHttp + '/', 'http://127.0.0.1:5198', 'remote', null],
    ]);
    for (const c of run.configurations) {
      expect(c.engineBackend).toBe(device);
      expect(c.prompts.map((p) => [p.id, p.samples.length, p.outputsIdentical])).toEqual([
        ['a', 2, true],
        ['b', 2, true],
      ]);
      expect(c.download!.networkRequests).toBeGreaterThan(0);
      if (device === 'webgpu') expect(c.adapter?.architecture ?? '').toMatch(/swiftshader/i);
      else expect(c.adapter).toBeNull();
    }
    expect(JSON.stringify(run)).not.toContain('launch-options');
  } finally {
    stop(server);
    stop(cdpBrowser);
  }
});

test('bench --profile-dir: the second run loads every model file from Cache Storage, with no model request on the network', async ({}, testInfo) => {
  test.skip(projectDevice(testInfo) === 'webgpu', 'Cache Storage does not depend on the backend: the WASM project covers it, and a second SwiftShader run would add minutes');
  test.setTimeout(300_000);
  const dir = await mkdtemp(join(tmpdir(), 'speculo-bench-profile-'));
  const promptsFile = join(dir, 'prompts.jsonl');
  await writeFile(promptsFile, prompts.slice(0, 1).join('\n') + '\n');
  const profiles = join(dir, 'profiles');
  const runs: RunFile[] = [];
  for (const k of [1, 2]) {
    const out = join(dir, `out-${k}`);
    const result = await runBenchCli('cli.ts', [
      '--prompts',
      promptsFile,
      '--pair',
      'fixture',
      '--backends',
      'wasm',
      '--max-new-tokens',
      '8',
      '--repeat',
      '1',
      '--profile-dir',
      profiles,
      '--out',
      out,
    ]);
    await testInfo.attach(`run ${k}`, { body: `${result.stdout}\n${result.stderr}`, contentType: 'text/plain' });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    runs.push(await readRun(out));
  }
  const [first, second] = runs.map((r) => r.configurations[0]!);
  expect(first!.connection.kind).toBe('persistent');
  expect(first!.connection.endpoint).toContain(profiles);
  expect(second!.connection.endpoint).toBe(first!.connection.endpoint);
  expect(first!.download).toMatchObject({ cachedFilesBefore: 0, fromCache: false });
  expect(first!.download!.networkRequests).toBeGreaterThanOrEqual(first!.download!.files);
  expect(second!.download).toMatchObject({ files: first!.download!.files, fromCache: true, networkRequests: 0 });
  expect(second!.download!.cachedFilesBefore).toBeGreaterThanOrEqual(first!.download!.files);
  // The same tokens either way: the cache changes where the bytes come from, nothing else.
  expect(second!.prompts[0]!.samples.map((s) => s.outputHash)).toEqual(first!.prompts[0]!.samples.map((s) => s.outputHash));
  const report = await runBenchCli('report-cli.ts', [join(dir, 'out-1'), join(dir, 'out-2'), '--out', join(dir, 'merged')]);
  expect(report.code, report.stderr).toBe(0);
  expect(report.stdout).toMatch(/\(cached\)/);
});
