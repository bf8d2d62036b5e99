import { chromium, type Browser, type Page } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import { fileURLToPath } from 'node:url';
import { chromiumPath, noWebGpuFlags, swiftshaderWebGpuFlags, systemGpuFlags } from '../chromium.js';

/** A GPU profile names how the browser is started: which WebGPU adapter (if any) the page will get. */
export type GpuProfile = 'swiftshader' | 'wasm' | 'system';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Serves the harness and fixtures with Vite for the length of a benchmark run. */
export async function startServer(port = 5198): Promise<{ server: ViteDevServer; baseUrl: string }> {
  // No HMR and no file watching: an edit elsewhere in the repo must not reload the page mid-measurement.
  const server = await createServer({ configFile: `${repoRoot}/vite.config.ts`, root: repoRoot, server: { port, strictPort: false, hmr: false, watch: null }, logLevel: 'error' });
  await server.listen();
  const address = server.httpServer?.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return { server, baseUrl: `http://localhost:${actualPort}` };
}

export interface BenchBrowser {
  browser: Browser;
  page: Page;
  version: string;
  userAgent: string;
}

/** Starts Chromium for a GPU profile and opens the harness page. */
export async function openBenchPage(baseUrl: string, profile: GpuProfile, executablePath = chromiumPath()): Promise<BenchBrowser> {
  const args = profile === 'swiftshader' ? swiftshaderWebGpuFlags : profile === 'wasm' ? noWebGpuFlags : systemGpuFlags;
  const browser = await chromium.launch({ executablePath, args, headless: process.env.SPECULO_HEADED ? false : true });
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${baseUrl}/e2e/harness/index.html`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', null, { timeout: 60_000 });
  const userAgent = await page.evaluate(() => navigator.userAgent);
  return { browser, page, version: browser.version(), userAgent };
}

/** Median of a list (mean of the middle two for even lengths). */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Prints rows as an aligned text table. */
export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  for (const [k, row] of cells.entries()) {
    console.log(row.map((c, i) => String(c).padEnd(widths[i]!)).join('  '));
    if (k === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}
