import { expect, test, type Page } from '@playwright/test';
import { preview, type PreviewServer } from 'vite';
import { ensureConsumerBuild, releaseConsumerBuild, type ConsumerBuild } from '../consumer/consumer-build.js';
import { servedModels } from '../consumer/app-template.js';
import { collectPageErrors, projectDevice } from '../support/harness-page.js';

/**
 * What a reader of the README gets, on every CI run: the packed library installed into a fresh Vite + TypeScript app
 * outside the workspace with the README's install block as written, the README's self-hosting `src/main.ts` compiled
 * by `tsc` and built by `vite build`, the build served and opened in Chromium on both projects. Tokens must appear,
 * no request (of the page or its workers) may leave the app's origin on localhost, and the page and its workers must
 * log no error. The build is shared by both
 * projects (e2e/consumer/consumer-build.ts).
 */

let build: ConsumerBuild;
let server: PreviewServer | undefined;
let baseUrl: string;
let serveMs = 0;
let setupMs = 0;
/** Whether a retry of this project is still to come (then the shared build must stay). */
let retryPending = false;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(360_000);
  const setupStarted = performance.now();
  build = await ensureConsumerBuild();
  setupMs = performance.now() - setupStarted;
  const started = performance.now();
  server = await preview({ root: build.dir, configFile: false, logLevel: 'warn', preview: { port: 0, strictPort: false, open: false } });
  serveMs = performance.now() - started;
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview reported no URL');
  baseUrl = url.replace(/\/$/, '');
});

test.afterEach(async ({}, testInfo) => {
  retryPending = testInfo.status !== testInfo.expectedStatus && testInfo.retry < testInfo.project.retries;
});

test.afterAll(async ({}, testInfo) => {
  await server?.close();
  if (build && !retryPending)
    releaseConsumerBuild(
      build,
      testInfo.project.name,
      testInfo.config.projects.map((p) => p.name),
    );
});

/** Whether a request stays on the app's own origin (data: and blob: URLs never reach a network). */
function isOwnOrigin(url: string): boolean {
  const { protocol, origin } = new URL(url);
  return protocol === 'data:' || protocol === 'blob:' || origin === new URL(baseUrl).origin;
}

/** Waits until #output's text has not changed for `quietMs` (the snippet streams and then stops), at most `timeoutMs`. */
async function waitForQuietOutput(page: Page, quietMs: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = await page.locator('#output').textContent();
  let since = Date.now();
  while (Date.now() < deadline) {
    await page.waitForTimeout(250);
    const now = await page.locator('#output').textContent();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) break;
  }
  return last ?? '';
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

test('a fresh Vite app set up from the README alone installs the packed library, compiles, builds and streams tokens offline', async ({ page, context }, testInfo) => {
  test.setTimeout(180_000);
  const device = projectDevice(testInfo);
  const { report } = build;

  // The install: one onnxruntime-web, and onnxruntime-node and sharp replaced by the README's empty stub.
  expect(report.onnxruntimeWebCopies, `npm ls onnxruntime-web:\n${report.npmLsOnnxruntimeWeb}`).toHaveLength(1);
  expect(report.npmLsExitCode, `npm ls onnxruntime-web:\n${report.npmLsOnnxruntimeWeb}`).toBe(0);
  expect(report.onnxruntimeCommonCopies, `onnxruntime-common copies`).toHaveLength(1);
  for (const name of ['onnxruntime-node', 'sharp']) {
    const copies = report.stubs.filter((c) => c.name === name);
    expect(copies.length, `${name}: transformers.js depends on it, so npm installs it (here: the stub)`).toBeGreaterThan(0);
    for (const copy of copies) {
      const what = `${name} at ${copy.location} (${copy.manifest} in ${copy.realpath}, ${copy.bytes} bytes)`;
      expect(copy.link, `${what} should be a link to the README's local stub`).toBe(true);
      expect(copy.realpath, `${what} should link outside node_modules`).not.toMatch(/^node_modules\//);
      expect(copy.bytes, `${what} should be an empty package`).toBeLessThan(16_384);
    }
  }
  expect(report.sharpNativePackages, 'sharp native builds installed').toEqual([]);
  // Nothing from the repository's own npm configuration (its .npmrc's onnxruntime-node-install) reached the install.
  expect(report.installWarnings.filter((w) => /onnxruntime-node-install/.test(w))).toEqual([]);
  // Vite emits ONNX Runtime's WebAssembly once (the one imported with ?url), no other build of it.
  expect(report.dist.files.filter((f) => f.endsWith('.wasm'))).toEqual([expect.stringMatching(/^assets\/ort-wasm-simd-threaded\.asyncify-[\w-]+\.wasm$/)]);

  // The page and everything it and its workers fetch, from the start.
  const opened = performance.now();
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  let modelsFetchedMs = 0;
  context.on('requestfinished', (r) => {
    if (new URL(r.url()).pathname.startsWith('/models/')) modelsFetchedMs = performance.now() - opened;
  });
  const errors = collectPageErrors(page);
  page.on('worker', (w) => w.on('console', (m) => (m.type() === 'error' ? errors.push(`worker console: ${m.text()} (${w.url()})`) : undefined)));

  await page.goto(`${baseUrl}/`);
  await expect(page.locator('#output'))
    .not.toBeEmpty({ timeout: 120_000 })
    .catch((error: unknown) => {
      throw new Error(`no token in #output ${s(performance.now() - opened)} after opening the page; errors of the page and its workers:\n${errors.join('\n')}`, { cause: error });
    });
  const firstTokenMs = performance.now() - opened;
  const text = await waitForQuietOutput(page, 3_000, 60_000);
  const streamMs = performance.now() - opened;

  expect(errors).toEqual([]);
  // The README promises no request outside the page's origin: that is stricter than "localhost only".
  expect(requests.filter((u) => !isOwnOrigin(u))).toEqual([]);
  // The list above is only worth something if it saw the worker's fetches: the models and the runtime.
  const paths = requests.map((u) => new URL(u).pathname);
  for (const id of Object.keys(servedModels)) expect(paths).toContain(`/models/${id}/onnx/model_q4.onnx`);
  expect(paths.some((p) => /\/assets\/ort-wasm-simd-threaded\.asyncify-[\w-]+\.wasm$/.test(p))).toBe(true);
  expect(text.trim().length).toBeGreaterThan(0);

  const installToFirstToken = report.installMs + report.tscMs + report.buildMs + serveMs + firstTokenMs;
  const summary = [
    `consumer app (${device}${build.builtHere ? '' : ', build reused from the other project'}):`,
    `README install ${s(report.installMs)} (${report.installCommands.join(' && ')}),`,
    `tsc ${s(report.tscMs)}, vite build ${s(report.buildMs)}, serve ${s(serveMs)}, page to first token ${s(firstTokenMs)} (model files fetched at ${s(modelsFetchedMs)}, stream quiet at ${s(streamMs)}),`,
    `npm install start to first token ${s(installToFirstToken)};`,
    `node_modules ${mb(report.nodeModules.bytesBefore)} / ${report.nodeModules.packagesBefore} packages (vite + typescript) -> ${mb(report.nodeModules.bytesAfter)} / ${report.nodeModules.packagesAfter} packages`,
    `(+${mb(report.nodeModules.bytesAfter - report.nodeModules.bytesBefore)}, +${report.nodeModules.packagesAfter - report.nodeModules.packagesBefore} packages); dist ${mb(report.dist.bytes)};`,
    `tarball ${(report.tarball.bytes / 1e3).toFixed(0)} kB; npm ${report.npm}, node ${report.node}; setup in this worker ${s(setupMs)};`,
    `npm warnings: ${report.installWarnings.filter((w) => !/^npm warn( [\w-]+)?\s*$/.test(w)).join(' | ') || 'none'}; output ${JSON.stringify(text.slice(0, 60))}`,
  ].join(' ');
  console.log(summary);
  testInfo.annotations.push({ type: 'consumer-app', description: summary });
  await testInfo.attach('consumer-app-report.json', {
    contentType: 'application/json',
    body: JSON.stringify(
      { ...report, device, builtHere: build.builtHere, setupMs, serveMs, modelsFetchedMs, firstTokenMs, streamMs, installToFirstTokenMs: installToFirstToken, output: text },
      null,
      2,
    ),
  });
});
