import { expect, test } from '@playwright/test';
import { openHarness, projectDevice } from '../support/harness-page.js';
import { fixtureEosIds, referenceGreedy } from '../support/reference-greedy.js';

test('a fixture model loads in a module worker and transformers.js generate() matches a Node reference', async ({ page }, testInfo) => {
  const device = projectDevice(testInfo);
  const errors = await openHarness(page);
  const adapter = await page.evaluate(() => window.harness.webgpuAdapter());
  if (device === 'webgpu') expect(adapter).toEqual({ vendor: 'google', architecture: 'swiftshader' });
  else expect(adapter).toBeNull();

  const maxNewTokens = 12;
  const { promptIds, newIds } = await page.evaluate(([d, n]) => window.harness.transformersGreedy('tiny-target', d, 'The quick brown fox', n), [device, maxNewTokens] as const);
  expect(promptIds.length).toBeGreaterThan(3);
  const expected = await referenceGreedy('tiny-target', promptIds, maxNewTokens, fixtureEosIds('tiny-target'));
  expect(newIds).toEqual(expected);
  expect(errors).toEqual([]);
});

test("models already loaded with transformers.js can be attached to the engine in the app's own worker", async ({ page }, testInfo) => {
  const device = projectDevice(testInfo);
  const errors = await openHarness(page);
  const result = await page.evaluate(([d]) => window.harness.attachedGenerate('tiny-target', 'tiny-draft', d, 'Once upon a time', 12), [device] as const);
  expect(result.backend).toBe(device);
  expect(result.spec).toEqual(result.plain);
  expect(result.accepted).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});
