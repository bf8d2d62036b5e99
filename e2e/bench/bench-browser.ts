import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { fileURLToPath } from 'node:url';
import { chromiumPath, noWebGpuFlags, swiftshaderWebGpuFlags, systemGpuFlags } from '../chromium.js';
import type { Connection } from './run-schema.js';

/** A GPU profile names how the browser is started: which WebGPU adapter (if any) the page will get. */
export type GpuProfile = 'swiftshader' | 'wasm' | 'system';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The port the harness is served on by default: fixed, because Cache Storage (kept downloads) is per origin. */
export const defaultServePort = 5198;

/**
 * Serves the harness and fixtures with Vite for the length of a benchmark run, on `host` (default localhost; an
 * address other machines reach for remote browsers). `strictPort` fails rather than move to another port.
 */
export async function startServer(port = defaultServePort, options: { host?: string; strictPort?: boolean } = {}): Promise<{ server: ViteDevServer; baseUrl: string }> {
  const host = options.host ?? 'localhost';
  // No HMR and no file watching: an edit elsewhere in the repo must not reload the page mid-measurement.
  const server = await createServer({
    configFile: `${repoRoot}/vite.config.ts`,
    root: repoRoot,
    server: { port, host, strictPort: options.strictPort ?? false, hmr: false, watch: null },
    logLevel: 'error',
  });
  try {
    await server.listen();
  } catch (e) {
    await server.close();
    if (options.strictPort && /port .* is already in use/i.test(String(e))) {
      throw new Error(`port ${port} on ${host} is in use: the cached models in --profile-dir belong to http://${host}:${port}, so free the port (or serve elsewhere with --origin)`, {
        cause: e,
      });
    }
    throw e;
  }
  const address = server.httpServer?.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  // Bound to every interface: the browsers need a name for this machine; its host name is the best guess.
  const urlHost = host === '0.0.0.0' || host === '::' ? hostname() : host.includes(':') ? `[${host}]` : host;
  return { server, baseUrl: `http://${urlHost}:${actualPort}` };
}

/** Where a configuration's browser comes from. */
export type BrowserSource = { kind: 'launch'; executablePath: string; profile: GpuProfile; headless: boolean; profileDir: string | null } | { kind: 'connect' | 'cdp'; endpoint: string };

/** An endpoint as the run file may keep it: no user, password, query or fragment (grids put access keys there). */
export function redactEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparseable endpoint)';
  }
}

/**
 * The persistent profile folder of one browser binary under `--profile-dir`: WASM and WebGPU configurations of a
 * browser share it (one Cache Storage), while different binaries never share a profile they could not read.
 */
export function persistentProfileDir(root: string, executablePath: string): string {
  const name = executablePath.split(/[\\/]/).filter(Boolean).at(-1) ?? 'browser';
  const digest = createHash('sha256').update(resolve(executablePath)).digest('hex').slice(0, 8);
  return join(resolve(root), `${name.replace(/[^\w.-]/g, '_')}-${digest}`);
}

export interface BenchSession {
  page: Page;
  version: string;
  userAgent: string;
  connection: Connection;
  /** Requests for these models' files that reached the network since the page opened (Cache Storage hits never do). */
  modelRequests(): number;
  close(): Promise<void>;
}

function flagsFor(profile: GpuProfile): string[] {
  return profile === 'swiftshader' ? swiftshaderWebGpuFlags : profile === 'wasm' ? noWebGpuFlags : systemGpuFlags;
}

/** Opens the harness page on `origin` in a browser from `source`, counting model-file requests. */
export async function openBenchSession(origin: string, source: BrowserSource, models: readonly string[]): Promise<BenchSession> {
  let context: BrowserContext;
  let browser: Browser | null = null;
  let connection: Connection;
  let closeAll: () => Promise<void>;
  if (source.kind === 'launch' && source.profileDir !== null) {
    const userDataDir = persistentProfileDir(source.profileDir, source.executablePath);
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: source.executablePath, args: flagsFor(source.profile), headless: source.headless });
    connection = { kind: 'persistent', endpoint: userDataDir, origin };
    closeAll = () => context.close();
  } else if (source.kind === 'launch') {
    browser = await chromium.launch({ executablePath: source.executablePath, args: flagsFor(source.profile), headless: source.headless });
    context = await browser.newContext();
    connection = { kind: 'launch', endpoint: null, origin };
    closeAll = () => browser!.close();
  } else if (source.kind === 'connect') {
    // A Playwright server started with --unsafe takes launch flags from this header (a grid ignores it, and a
    // `launch-options` query in the endpoint wins): ask for the real GPU.
    browser = await chromium.connect(source.endpoint, { headers: { 'x-playwright-launch-options': JSON.stringify({ args: systemGpuFlags }) }, timeout: 120_000 });
    context = await browser.newContext();
    connection = { kind: 'connect', endpoint: redactEndpoint(source.endpoint), origin };
    closeAll = () => browser!.close();
  } else {
    browser = await chromium.connectOverCDP(source.endpoint, { timeout: 120_000 });
    // The browser's own profile: its Cache Storage keeps downloads between runs like --profile-dir does.
    context = browser.contexts()[0] ?? (await browser.newContext());
    connection = { kind: 'cdp', endpoint: redactEndpoint(source.endpoint), origin };
    // Close only the tab this run opened; then disconnect.
    closeAll = async () => {
      await Promise.all(opened.map((p) => p.close().catch(() => undefined)));
      await browser!.close();
    };
  }
  const opened: Page[] = [];
  let requests = 0;
  context.on('request', (request) => {
    let path: string;
    try {
      path = new URL(request.url()).pathname;
    } catch {
      return;
    }
    if (models.some((m) => path.includes(`/${m}/`))) requests++;
  });
  try {
    const page = source.kind === 'launch' && source.profileDir !== null ? (context.pages()[0] ?? (await context.newPage())) : await context.newPage();
    opened.push(page);
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${origin}/e2e/harness/index.html`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', null, { timeout: 120_000 });
    const userAgent = await page.evaluate(() => navigator.userAgent);
    const version = browser?.version() ?? /(?:Chrome|Chromium|Edg)\/([\d.]+)/.exec(userAgent)?.[1] ?? 'unknown';
    return { page, version, userAgent, connection, modelRequests: () => requests, close: closeAll };
  } catch (e) {
    await closeAll().catch(() => undefined);
    throw e;
  }
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
