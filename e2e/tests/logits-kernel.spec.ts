import { expect, test } from '@playwright/test';
import { collectPageErrors, projectDevice } from '../support/harness-page.js';

test('the logits row-stats kernel matches its CPU reference on f32 and f16 blocks, with one mapAsync per call', async ({ page }, testInfo) => {
  test.skip(projectDevice(testInfo) !== 'webgpu', 'a WebGPU kernel: the wasm project has no adapter');
  const errors = collectPageErrors(page);
  await page.goto('/e2e/harness/kernels.html');
  await expect(page.locator('#status')).toHaveText('ready', { timeout: 60_000 });
  const results = await page.evaluate(() => window.kernels.run());
  testInfo.annotations.push({ type: 'timings', description: results.cases.map((c) => `${c.name} ${c.elementType}: ${c.ms} ms`).join('; ') });

  expect(results.cases.map((c) => `${c.name} ${c.elementType}`)).toHaveLength(6);
  for (const result of results.cases) {
    const label = `${result.name} (${result.elementType})`;
    expect(result.mismatches, label).toEqual([]);
    expect(result.worstRelativeError, label).toBeLessThan(1e-4);
    expect(result.mapAsyncCalls, label).toBe(1);
  }
  // Both dtypes reduce rows with −∞ entries and a row of −∞ (token 0, max −∞, sumExp 1), ties and odd offsets.
  const odd = results.cases.find((c) => c.name === 'odd vocabulary 151,937' && c.elementType === 'float16')!;
  expect(odd.rows).toBe(5);

  expect(results.errors.map((e) => [e.name, e.error?.isInvalidLogitsError, e.error?.value, e.error?.column, e.error?.row, e.mapAsyncCalls])).toEqual([
    ['NaN (float32)', true, 'NaN', 100, 1, 1],
    ['+Infinity max (float32)', true, 'Infinity', 50, 0, 1],
    ['NaN (float16)', true, 'NaN', 100, 1, 1],
    ['+Infinity max (float16)', true, 'Infinity', 50, 0, 1],
    ['fp16 overflow (float16)', true, 'Infinity', 438, 3, 1],
  ]);
  for (const check of results.errors) {
    expect(check.error!.name, check.name).toBe('InvalidLogitsError');
    expect(check.error!.message, check.name).toContain(`token ${check.error!.column}`);
    // The reference throws the same error on the same row.
    expect(check.reference, check.name).toEqual({ value: check.error!.value, column: check.error!.column });
  }

  expect(results.concurrent).toEqual({ mapAsyncCalls: 2, matches: true });
  expect(results.afterDispose).toContain('disposed');
  expect(errors).toEqual([]);
});
