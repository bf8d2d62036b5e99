import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { preview, type PreviewServer } from 'vite';
import { collectPageErrors, projectDevice } from '../support/harness-page.js';

/**
 * The demo as visitors get it: the static site that `vite build` writes to dist/site, served by `vite preview`
 * (same config: COOP/COEP headers, models/ and ort/ beside demo/), driven in the real Chromium.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const siteIndex = join(repoRoot, 'dist', 'site', 'demo', 'index.html');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

/** Builds the site unless dist/site is newer than the demo sources and the library build it bundles. */
function ensureSiteBuilt(): void {
  const built = existsSync(siteIndex) ? statSync(siteIndex).mtimeMs : 0;
  const sources = Math.max(newestMtime(join(repoRoot, 'demo')), newestMtime(join(repoRoot, 'packages', 'speculo', 'dist')), newestMtime(join(repoRoot, 'vite.config.ts')));
  if (built > sources) return;
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit', timeout: 240_000 });
}

let server: PreviewServer;
let baseUrl: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(300_000);
  ensureSiteBuilt();
  server = await preview({ root: repoRoot, configFile: join(repoRoot, 'vite.config.ts'), logLevel: 'warn', preview: { port: 0, strictPort: false, open: false } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview reported no URL');
  baseUrl = url.replace(/\/$/, '');
});

test.afterAll(async () => {
  await server?.close();
});

/** Opens the built demo, collecting page errors, console errors and failed requests. */
async function openDemo(page: Page): Promise<string[]> {
  const errors = collectPageErrors(page);
  await page.goto(`${baseUrl}/demo/index.html`);
  await expect(page.locator('#dev-backend')).not.toHaveText('detecting…');
  return errors;
}

test('the built demo runs its offline default, the trained pair, side by side: real identical greedy text, a speed-up, provenance marks, a trace', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const device = projectDevice(testInfo);
  await page.setViewportSize({ width: 1280, height: 800 });
  const errors = await openDemo(page);

  // Every control is labelled.
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input, select, textarea')]
      .filter((el) => (el.labels?.length ?? 0) === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.id),
  );
  expect(unlabelled).toEqual([]);

  // The offline default is the trained pair: real text with no network.
  await expect(page.getByLabel('Model pair')).toHaveValue('trained');
  const workerLog: string[] = [];
  page.on('console', (m) => workerLog.push(`${m.type()}: ${m.text()}`));
  page.on('worker', (w) => w.on('close', () => workerLog.push(`worker closed: ${w.url()}`)));
  page.on('crash', () => workerLog.push('page crashed'));
  await page.getByRole('button', { name: 'Load models' }).click();
  await expect(page.locator('#load-status'))
    .toContainText('Loaded', { timeout: 120_000 })
    .catch((error: unknown) => {
      // A load that never finishes says nothing by itself: keep what the page and its workers printed.
      console.log(`demo load did not finish; errors: ${JSON.stringify(errors)}; console: ${JSON.stringify(workerLog.slice(-40))}`);
      throw error;
    });
  await expect(page.locator('#load-error')).toBeHidden();
  if (device === 'webgpu') {
    await expect(page.locator('#dev-backend')).toHaveText('WebGPU');
    await expect(page.locator('#dev-notice')).toBeHidden();
  } else {
    await expect(page.locator('#dev-backend')).toHaveText('WASM (CPU)');
    await expect(page.locator('#dev-notice')).toBeVisible();
  }
  await expect(page.locator('#downloads tbody tr').first()).toBeVisible();
  await expect(page.locator('#downloads-total')).not.toHaveText('0 B');

  await page.getByLabel('Prompt', { exact: true }).fill('Continue this Python code.\n\ndef read_lines(path):\n    """Return the lines of the file at *path*."""\n');
  await page.getByLabel('Max new tokens').fill('16');
  await page.getByLabel('Temperature').fill('0');
  // Keyboard: Enter in a field submits the run.
  await page.getByLabel('Max new tokens').press('Enter');
  await expect(page.locator('#run-status')).toContainText('Done', { timeout: 240_000 });

  // Both panes finished with identical greedy text.
  const baseline = await page.locator('#baseline-text').textContent();
  const speculative = await page.locator('#spec-text').textContent();
  expect(baseline?.length).toBeGreaterThan(0);
  expect(speculative).toBe(baseline);
  // Real text, not the built fixtures' noise: printable characters and words of three letters or more.
  expect(baseline).toMatch(/[A-Za-z_]{3,}/);
  expect([...baseline!].filter((c) => c === '\uFFFD' || (c < ' ' && c !== '\n' && c !== '\t'))).toEqual([]);
  await expect(page.locator('#summary-facts')).toHaveAttribute('data-identical', 'true');
  await expect(page.locator('#identical')).toContainText('yes');

  // A speed-up figure.
  await expect(page.locator('#speedup')).toHaveText(/^\d+\.\d\d×$/);
  const speedup = Number(await page.locator('#speedup').getAttribute('data-speedup'));
  expect(speedup).toBeGreaterThan(0);
  await expect(page.locator('#baseline-stats')).toContainText('tok/s');
  await expect(page.locator('#spec-stats')).toContainText('tok/s');

  // Provenance: every speculative token is marked, by colour and by a title; some are accepted draft tokens.
  await expect(page.locator('#spec-text')).toHaveAttribute('data-marks', 'per-token');
  const marks = page.locator('#spec-text .tok');
  expect(await marks.count()).toBeGreaterThan(0);
  const sources = await marks.evaluateAll((els) => els.map((el) => [el.getAttribute('data-source'), el.getAttribute('title')]));
  for (const [source, title] of sources) {
    expect(['draft', 'target']).toContain(source);
    expect(title).toBeTruthy();
  }
  expect(sources.some(([s]) => s === 'draft')).toBe(true);
  await expect(page.locator('#chart svg')).toBeVisible();

  // The trace downloads and parses.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download trace (speculative)' }).click()]);
  const tracePath = testInfo.outputPath('speculo-trace-speculative.json');
  await download.saveAs(tracePath);
  const trace = JSON.parse(readFileSync(tracePath, 'utf8')) as { format: string; output: { tokenIds: number[]; provenance: string[] } };
  expect(['speculo-trace', 'speculo-demo-trace']).toContain(trace.format);
  expect(trace.output.tokenIds.length).toBeGreaterThan(0);
  expect(trace.output.provenance.length).toBe(trace.output.tokenIds.length);
  await testInfo.attach('speculo-trace-speculative.json', { path: tracePath, contentType: 'application/json' });

  // Replay plays both panes back and ends with the same text.
  await page.getByRole('button', { name: 'Replay both at measured speed' }).click();
  await expect(page.getByRole('button', { name: 'Replay both at measured speed' })).toBeVisible({ timeout: 60_000 });
  expect(await page.locator('#spec-text').textContent()).toBe(baseline);

  // The storage panel reports the cache and the draft's cost.
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.locator('#storage-estimate')).toContainText('navigator.storage.estimate()');
  await expect(page.locator('#storage-draft-cost')).toContainText('The draft costs');

  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `horizontal overflow at ${width}×${height}`).toBeLessThanOrEqual(0);
    const file = testInfo.outputPath(`demo-${width}x${height}.png`);
    await page.screenshot({ path: file, fullPage: true });
    await testInfo.attach(`demo-${width}x${height}.png`, { path: file, contentType: 'image/png' });
  }

  expect(errors).toEqual([]);
});

test('an incompatible pair is refused with the reason before any weights download', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = await openDemo(page);
  const onnxRequests: string[] = [];
  page.on('request', (r) => {
    if (/\.onnx(_data)?$/.test(r.url())) onnxRequests.push(r.url());
  });
  await page.getByLabel('Model pair').selectOption('fixture-incompatible');
  await page.getByRole('button', { name: 'Load models' }).click();
  await expect(page.locator('#load-error')).toContainText('Refused', { timeout: 60_000 });
  await expect(page.locator('#load-error')).toContainText('no weights were downloaded');
  await expect(page.getByRole('button', { name: 'Run both' })).toBeDisabled();
  expect(onnxRequests).toEqual([]);
  expect(errors).toEqual([]);
});
