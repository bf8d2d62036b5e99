import { expect, type Page, type TestInfo } from '@playwright/test';

/** The device a project runs on: `webgpu` (SwiftShader) or `wasm` (no adapter). */
export function projectDevice(testInfo: TestInfo): 'webgpu' | 'wasm' {
  return testInfo.project.metadata['device'] as 'webgpu' | 'wasm';
}

/** Collects page errors, console errors and failed requests of `page` into the returned (live) list. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`http ${r.status()}: ${r.url()}`);
  });
  return errors;
}

/** Opens the harness page, failing the test on any page or console error. */
export async function openHarness(page: Page): Promise<string[]> {
  const errors = collectPageErrors(page);
  await page.goto('/e2e/harness/index.html');
  await expect(page.locator('#status')).toHaveText('ready', { timeout: 60_000 });
  return errors;
}
