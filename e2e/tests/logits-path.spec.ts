import { expect, test, type Page } from '@playwright/test';
import { openHarness, projectDevice } from '../support/harness-page.js';

const prompts = ['The quick brown fox', 'Once upon a time'];
const maxNewTokens = 16;

/** With `instrumented`, the engine's worker counts GPU buffers and mapAsync calls (one such worker per page). */
async function createEngine(page: Page, options: Record<string, unknown>, instrumented = false) {
  return page.evaluate(
    ([o, i]) => window.harness.createEngine({ scheduler: { calibrate: false }, target: 'tiny-target', draft: 'tiny-draft', device: 'auto', dtype: 'fp32', ...o } as never, i),
    [options, instrumented] as const,
  );
}

/** Greedy and sampled runs of every prompt, with the metrics and the GPU reads (mapAsync calls) each took. */
async function runAll(page: Page, handle: number, instrumented: boolean) {
  return page.evaluate(
    async ([h, ps, n, i]) => {
      const mapAsyncCalls = async () => {
        const counts = i ? await window.harness.gpuBufferCounts() : null;
        return { all: counts?.mapAsyncCalls ?? 0, speculo: counts?.speculoMapAsyncCalls ?? 0 };
      };
      const engine = window.harness.engine(h);
      const out = [];
      for (const prompt of ps) {
        for (const sampling of [{}, { temperature: 0.8, topP: 0.9, seed: 11 }]) {
          const before = await mapAsyncCalls();
          const result = await engine.generate({ prompt, maxNewTokens: n, draftLength: 4, ...sampling });
          const after = await mapAsyncCalls();
          out.push({
            greedy: !('temperature' in sampling),
            tokenIds: result.tokenIds,
            metrics: result.metrics,
            rounds: result.rounds,
            mapAsyncCalls: after.all - before.all,
            speculoMapAsyncCalls: after.speculo - before.speculo,
          });
        }
      }
      return out;
    },
    [handle, prompts, maxNewTokens, instrumented] as const,
  );
}

test('every logits path writes the same tokens; on WebGPU the engine reads twice a greedy round at most, 16 bytes a row, counted by mapAsync', async ({ page }, testInfo) => {
  test.setTimeout(600_000);
  const device = projectDevice(testInfo);
  const errors = await openHarness(page);
  const paths = device === 'webgpu' ? (['auto', 'host', 'host-full'] as const) : (['auto', 'host-full'] as const);
  const results: Record<string, Awaited<ReturnType<typeof runAll>>> = {};
  for (const logitsPath of paths) {
    // The default path is the one counted; its worker is left instrumented after dispose, so it is the only one.
    const instrumented = logitsPath === 'auto' && device === 'webgpu';
    const { handle } = await createEngine(page, { logitsPath }, instrumented);
    results[logitsPath] = await runAll(page, handle, instrumented);
    await page.evaluate((h) => window.harness.disposeEngine(h), handle);
    if (instrumented) {
      const counts = await page.evaluate(() => window.harness.gpuBufferCounts());
      expect(counts.liveSpeculo).toBe(0);
      // ORT's own downloads: never a logits block, at most the 16-byte buffer of a token id (see below).
      expect(counts.largestOtherMap).toBeLessThanOrEqual(16);
    }
  }
  const tokens = (path: string) => results[path]!.map((run) => run.tokenIds);
  for (const path of paths.slice(1)) expect(tokens(path), `${path} against auto`).toEqual(tokens('auto'));

  for (const run of results['auto']!) {
    const passes = run.metrics.targetForwardPasses + run.metrics.draftForwardPasses;
    if (device === 'webgpu') {
      // Each of the engine's reads is one mapAsync on its own buffers, counted exactly (the prefill's, then every
      // round's). ORT adds downloads of its own when a graph reads the input ids on the CPU (a Shape node, these
      // fixtures' transition table): a draft step fed a pick that stayed on the GPU then makes ORT read that id back.
      expect(run.speculoMapAsyncCalls).toBe(1 + run.rounds.reduce((sum, round) => sum + round.host.reads, 0));
      expect(run.mapAsyncCalls).toBeLessThanOrEqual(1 + passes);
    }
    if (run.greedy && device === 'webgpu') {
      // 16 bytes per verified row and per draft step: nothing of the vocabulary comes back.
      for (const round of run.rounds) expect(round.host.bytesRead).toBeLessThanOrEqual(16 * (round.drafted + 1) + 16 * round.drafted);
      // After the first round (whose draft reads the prompt), the draft's picks stay on the GPU: one read for the
      // proposal, one for the verify.
      for (const round of run.rounds.slice(1)) expect(round.host.reads).toBeLessThanOrEqual(2);
    }
    expect(run.metrics.hostWorkMsPerRound).toBeGreaterThan(0);
  }
  if (device === 'webgpu') {
    // The host path reads every verify row whole: the GPU path's saving, measured by the engine itself.
    const bytes = (path: string) => results[path]!.filter((run) => run.greedy).reduce((sum, run) => sum + run.metrics.bytesReadPerRound, 0);
    expect(bytes('auto') * 10).toBeLessThan(bytes('host'));
  }
  expect(errors).toEqual([]);
});

test("logitsPath 'gpu' is refused on WASM with the fix named, and the page can load again", async ({ page }, testInfo) => {
  test.skip(projectDevice(testInfo) !== 'wasm', 'the WASM project checks the refusal');
  const errors = await openHarness(page);
  const refused = await page.evaluate(() =>
    window.harness.capture(() => window.harness.createEngine({ target: 'tiny-target', device: 'wasm', logitsPath: 'gpu', scheduler: { calibrate: false } } as never)),
  );
  expect(refused).toMatchObject({ ok: false });
  expect(refused.ok === false && refused.message).toMatch(/logitsPath 'gpu' needs the WebGPU backend.*use 'auto' or 'host'/);
  const { handle } = await createEngine(page, { device: 'wasm' });
  await page.evaluate((h) => window.harness.disposeEngine(h), handle);
  expect(errors).toEqual([]);
});
