import { expect, test, type Page } from '@playwright/test';
import { openHarness, projectDevice } from '../support/harness-page.js';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureEosIds, fixturesDir, referenceGreedy } from '../support/reference-greedy.js';

const prompts = [
  'The quick brown fox',
  'Once upon a time',
  'In the beginning',
  'Speculative decoding is',
  'A short note about the weather:',
  'def add(a, b):',
  'Translate to French: good morning',
  'Summarize: the cat sat on the mat.',
  'Question: what is two plus two? Answer:',
  'Lorem ipsum dolor sit amet',
];
const maxNewTokens = 14;

/** These tests fix γ per call, so they skip the device calibration the adaptive scheduler would run at load. */
async function createEngine(page: Page, options: Record<string, unknown>, instrumented = false) {
  return page.evaluate(([o, i]) => window.harness.createEngine({ scheduler: { calibrate: false }, ...o } as never, i), [options, instrumented] as const);
}

test.describe.configure({ mode: 'serial' });

test('greedy speculative decoding is token-identical to target-only for every draft and γ', async ({ page }, testInfo) => {
  test.setTimeout(900_000);
  const device = projectDevice(testInfo);
  const errors = await openHarness(page);
  const eos = fixtureEosIds('tiny-target');

  // Target-only through the engine, checked against an independent Node oracle (no KV cache at all).
  const { handle: baseHandle, info } = await createEngine(page, { target: 'tiny-target', draft: 'tiny-draft', device: 'auto', dtype: 'fp32' });
  expect(info.backend).toBe(device);
  const baseline = await page.evaluate(
    async ([h, ps, n]) => {
      const engine = window.harness.engine(h);
      const out = [];
      for (const prompt of ps) {
        const r = await engine.generate({ prompt, maxNewTokens: n, speculative: false });
        out.push({ tokenIds: r.tokenIds, text: r.text, promptTokens: r.promptTokens });
      }
      return out;
    },
    [baseHandle, prompts, maxNewTokens] as const,
  );
  await page.evaluate((h) => window.harness.disposeEngine(h), baseHandle);

  const promptIds = await page.evaluate((ps) => window.harness.tokenize('tiny-target', ps), prompts);
  for (let i = 0; i < prompts.length; i++) {
    expect(baseline[i]!.promptTokens).toBe(promptIds[i]!.length);
    expect(baseline[i]!.tokenIds, `target-only output for "${prompts[i]}"`).toEqual(await referenceGreedy('tiny-target', promptIds[i]!, maxNewTokens, eos));
  }

  const acceptance: Record<string, number> = {};
  for (const draft of ['tiny-draft-random', 'tiny-draft', 'tiny-target']) {
    const { handle } = await createEngine(page, { target: 'tiny-target', draft, device: 'auto', dtype: 'fp32' });
    const runs = await page.evaluate(
      async ([h, ps, n]) => {
        const engine = window.harness.engine(h);
        const out = [];
        for (const draftLength of [1, 4, 8]) {
          for (const prompt of ps) {
            const r = await engine.generate({ prompt, maxNewTokens: n, draftLength });
            out.push({ draftLength, tokenIds: r.tokenIds, provenance: r.provenance, metrics: r.metrics });
          }
        }
        return out;
      },
      [handle, prompts, maxNewTokens] as const,
    );
    await page.evaluate((h) => window.harness.disposeEngine(h), handle);
    let drafted = 0;
    let accepted = 0;
    runs.forEach((run, k) => {
      const i = k % prompts.length;
      expect(run.tokenIds, `${draft} γ=${run.draftLength} "${prompts[i]}"`).toEqual(baseline[i]!.tokenIds);
      expect(run.provenance.length).toBe(run.tokenIds.length);
      expect(run.provenance.filter((p) => p === 'draft').length).toBe(run.metrics.acceptedTokens);
      drafted += run.metrics.draftedTokens;
      accepted += run.metrics.acceptedTokens;
    });
    acceptance[draft] = accepted / drafted;
  }
  testInfo.annotations.push({ type: 'acceptance', description: JSON.stringify(acceptance) });
  // The target drafting for itself agrees everywhere; a random draft almost never; the good draft in between.
  expect(acceptance['tiny-target']).toBe(1);
  expect(acceptance['tiny-draft-random']).toBeLessThan(0.2);
  expect(acceptance['tiny-draft']).toBeGreaterThan(0.5);
  expect(errors).toEqual([]);
});

test('sampling with a seed is reproducible, abort leaves the engine usable, and no GPU buffer leaks', async ({ page }, testInfo) => {
  test.setTimeout(600_000);
  const device = projectDevice(testInfo);
  const errors = await openHarness(page);
  const { handle } = await createEngine(page, { target: 'tiny-target', draft: 'tiny-draft', device: 'auto', dtype: 'fp32' }, device === 'webgpu');

  const sampled = await page.evaluate(async (h) => {
    const engine = window.harness.engine(h);
    const options = { prompt: 'Once upon a time', maxNewTokens: 20, temperature: 1.5, topK: 50, topP: 0.95, draftLength: 4 };
    const a = await engine.generate({ ...options, seed: 7 });
    const b = await engine.generate({ ...options, seed: 7 });
    const c = await engine.generate({ ...options, seed: 8 });
    return { a: a.tokenIds, b: b.tokenIds, c: c.tokenIds };
  }, handle);
  expect(sampled.a).toEqual(sampled.b);
  expect(sampled.a).not.toEqual(sampled.c);

  const aborted = await page.evaluate(async (h) => {
    const engine = window.harness.engine(h);
    const controller = new AbortController();
    const seen: number[] = [];
    const outcome = await window.harness.capture(async () => {
      for await (const ev of engine.stream({ prompt: 'In the beginning', maxNewTokens: 64, draftLength: 4, signal: controller.signal })) {
        if (ev.type === 'token') {
          seen.push(...ev.tokenIds);
          controller.abort();
        }
      }
    });
    const after = await engine.generate({ prompt: 'In the beginning', maxNewTokens: 12, draftLength: 4 });
    const reference = await engine.generate({ prompt: 'In the beginning', maxNewTokens: 12, speculative: false });
    return { outcome, seen, after: after.tokenIds, reference: reference.tokenIds };
  }, handle);
  expect(aborted.outcome).toMatchObject({ ok: false, name: 'AbortError' });
  expect(aborted.seen.length).toBeGreaterThan(0);
  expect(aborted.seen.length).toBeLessThan(64);
  expect(aborted.after).toEqual(aborted.reference);

  if (device === 'webgpu') {
    // ORT pools the buffers it frees by size, so the first runs of a workload grow the pool; running the same
    // workload again must not grow it further, and Speculo's own cache buffers must all be gone after each call.
    const workload = (h: number) =>
      page.evaluate(async (handle) => {
        const engine = window.harness.engine(handle);
        for (const prompt of ['Once upon a time', 'The quick brown fox', 'def add(a, b):']) await engine.generate({ prompt, maxNewTokens: 16, draftLength: 4 });
        await engine.generate({ prompt: 'Once upon a time', maxNewTokens: 16, temperature: 1, seed: 3, draftLength: 4 });
      }, h);
    await workload(handle);
    const before = await page.evaluate(() => window.harness.gpuBufferCounts());
    await workload(handle);
    const after = await page.evaluate(() => window.harness.gpuBufferCounts());
    expect(after.created).toBeGreaterThan(before.created);
    expect(after.live).toBe(before.live);
    // Between calls the engine keeps only its logits buffers: each model's output (2), the row-stats kernel's
    // uniforms, results and staging (3), the staging of sampled rows (1), and the draft's picks kept on the GPU
    // (results, staging, two token buffers: 4).
    expect(after.liveSpeculo).toBe(after.liveSpeculoLogits);
    expect(after.liveSpeculoLogits).toBeLessThanOrEqual(10);
    await page.evaluate((h) => window.harness.disposeEngine(h), handle);
    const disposed = await page.evaluate(() => window.harness.gpuBufferCounts());
    testInfo.annotations.push({ type: 'gpu-buffers', description: JSON.stringify({ before, after, disposed }) });
    console.log('gpu buffers', JSON.stringify({ before, after, disposed }));
    expect(disposed.liveSpeculo).toBe(0);
    expect(disposed.live).toBe(0);
  } else {
    await page.evaluate((h) => window.harness.disposeEngine(h), handle);
  }
  expect(errors).toEqual([]);
});

test('bad input gets a clear typed error and the engine stays usable', async ({ page }, testInfo) => {
  const device = projectDevice(testInfo);
  const errors = await openHarness(page);

  const incompatible = await page.evaluate(() => window.harness.capture(() => window.harness.createEngine({ target: 'tiny-target', draft: 'tiny-other-vocab', dtype: 'fp32' })));
  expect(incompatible).toMatchObject({ ok: false, name: 'IncompatibleModelsError', code: 'incompatible-models' });
  expect(incompatible.ok === false && incompatible.message).toMatch(/vocab/i);

  const missing = await page.evaluate(() => window.harness.capture(() => window.harness.createEngine({ target: 'no-such-model', dtype: 'fp32' })));
  expect(missing).toMatchObject({ ok: false, name: 'ModelLoadError' });
  expect(missing.ok === false && missing.message).toMatch(/config\.json|tokenizer/);

  // A model whose weights file is corrupt: configs and tokenizer load, the ONNX file does not.
  const corrupt = join(fixturesDir, `corrupt-${device}`);
  rmSync(corrupt, { recursive: true, force: true });
  cpSync(join(fixturesDir, 'tiny-target'), corrupt, { recursive: true });
  writeFileSync(join(corrupt, 'onnx', 'model.onnx'), Buffer.from('this is not an ONNX model'));
  const broken = await page.evaluate((id) => window.harness.capture(() => window.harness.createEngine({ target: id, dtype: 'fp32' })), `corrupt-${device}`);
  rmSync(corrupt, { recursive: true, force: true });
  expect(broken).toMatchObject({ ok: false, name: 'ModelLoadError', fields: { file: 'onnx/model.onnx' } });
  expect(broken.ok === false && broken.message).toContain('onnx/model.onnx');

  if (device === 'wasm') {
    const noGpu = await page.evaluate(() => window.harness.capture(() => window.harness.createEngine({ target: 'tiny-target', device: 'webgpu', dtype: 'fp32' })));
    expect(noGpu).toMatchObject({ ok: false, name: 'WebGPUUnavailableError' });
  }

  const { handle } = await createEngine(page, { target: 'tiny-target', draft: 'tiny-draft', dtype: 'fp32' });
  const bad = await page.evaluate(async (h) => {
    const engine = window.harness.engine(h);
    const cases: Record<string, unknown>[] = [
      { prompt: 'x', maxNewTokens: 0 },
      { prompt: 'x', temperature: -1 },
      { prompt: 'x', topP: 0 },
      { prompt: 'x', topP: 1.5 },
      { prompt: 'x', topK: -2 },
      { prompt: 'x', draftLength: 2.5 },
      { prompt: '' },
    ];
    const results = [];
    for (const c of cases) results.push(await window.harness.capture(() => engine.generate(c as never)));
    const ok = await engine.generate({ prompt: 'The quick brown fox', maxNewTokens: 8 });
    return { results, ok: ok.tokenIds.length };
  }, handle);
  const names = ['maxNewTokens', 'temperature', 'topP', 'topP', 'topK', 'draftLength', 'prompt'];
  bad.results.forEach((r, i) => {
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.isRangeError, r.message).toBe(true);
      expect(r.message).toContain(names[i]);
    }
  });
  expect(bad.ok).toBe(8);

  // EOS and stop strings end generation cleanly, and maxNewTokens is exact.
  const stops = await page.evaluate(async (h) => {
    const engine = window.harness.engine(h);
    const full = await engine.generate({ prompt: 'Once upon a time', maxNewTokens: 24 });
    const needle = full.text.slice(6, 9);
    const stopped = await engine.generate({ prompt: 'Once upon a time', maxNewTokens: 24, stop: [needle] });
    return { full: { text: full.text, n: full.tokenIds.length, reason: full.finishReason }, needle, stopped: { text: stopped.text, reason: stopped.finishReason } };
  }, handle);
  if (stops.full.reason === 'max-tokens') expect(stops.full.n).toBe(24);
  if (stops.needle.length === 3) {
    expect(stops.stopped.reason).toBe('stop-string');
    expect(stops.full.text.startsWith(stops.stopped.text)).toBe(true);
    expect(stops.stopped.text).not.toContain(stops.needle);
  }
  await page.evaluate((h) => window.harness.disposeEngine(h), handle);
  // The missing model's 404 is the one console error this test causes on purpose.
  expect(errors.filter((e) => !/status of 404|http 404: .*no-such-model/.test(e))).toEqual([]);
});

test('load failures name the URL tried and the option that fixes it', async ({ page }) => {
  const errors = await openHarness(page);
  const load = (options: Record<string, unknown>) => page.evaluate((o) => window.harness.capture(() => window.harness.createEngine(o as never)), options);

  // ORT's runtime missing is not a broken model file: the error names the runtime URL and wasmPaths.
  const runtime = await load({ target: 'tiny-target', dtype: 'fp32', device: 'wasm', wasmPaths: { mjs: '/no-such-dir/ort.mjs', wasm: '/no-such-dir/ort.wasm' } });
  expect(runtime).toMatchObject({ ok: false, name: 'ModelLoadError' });
  expect(runtime.ok === false && runtime.fields['file']).toMatch(/\/no-such-dir\/ort\.mjs$/);
  expect(runtime.ok === false && runtime.message).toMatch(/WebAssembly runtime did not load from \S*\/no-such-dir\/ort\.mjs[\s\S]*wasmPaths/);

  // A dtype whose file the local folder lacks, with the Hub off: the path looked at and the options to change.
  const dtype = await load({ target: 'tiny-target', dtype: 'q4' });
  expect(dtype).toMatchObject({ ok: false, name: 'ModelLoadError', fields: { file: 'onnx/model_q4.onnx' } });
  expect(dtype.ok === false && dtype.message).toContain('/models/tiny-target/onnx/model_q4.onnx');
  expect(dtype.ok === false && dtype.message).toMatch(/allowRemoteModels: true/);

  // A URL as the id: ids are names under localModelPath.
  const url = await load({ target: 'http://localhost:1/models/tiny-target', dtype: 'fp32' });
  expect(url).toMatchObject({ ok: false, name: 'ModelLoadError' });
  expect(url.ok === false && url.message).toMatch(/not paths or URLs[\s\S]*target: 'tiny-target'/);

  const { handle } = await createEngine(page, { target: 'tiny-target', draft: 'tiny-draft', dtype: 'fp32' });
  const ok = await page.evaluate((h) => window.harness.engine(h).generate({ prompt: 'The quick brown fox', maxNewTokens: 4 }), handle);
  expect(ok.tokenIds.length).toBe(4);
  await page.evaluate((h) => window.harness.disposeEngine(h), handle);
  expect(errors.filter((e) => !/status of 404|http 404: .*(no-such-dir|model_q4\.onnx)|Failed to fetch dynamically imported module|ERR_CONNECTION_REFUSED|localhost:1\//.test(e))).toEqual(
    [],
  );
});

test('models from a host of the app’s own: remoteHost and remotePathTemplate decide every URL', async ({ page }) => {
  const errors = await openHarness(page);
  const origin = new URL(page.url()).origin;
  const requests: string[] = [];
  page.context().on('request', (request) => requests.push(request.url()));
  // No local lookup at all: every file is "remote", from the host and layout given.
  const remote = { localModelPath: undefined, allowRemoteModels: true, remotePathTemplate: '{model}/', dtype: 'fp32' };

  const missing = await page.evaluate((o) => window.harness.capture(() => window.harness.createEngine(o as never)), {
    ...remote,
    target: 'tiny-target',
    remoteHost: `${origin}/no-such-cdn/`,
  });
  expect(missing).toMatchObject({ ok: false, name: 'ModelLoadError' });
  expect(missing.ok === false && missing.message).toContain(`does not exist on remoteHost "${origin}/no-such-cdn/"`);

  const { handle } = await createEngine(page, { ...remote, target: 'tiny-target', draft: 'tiny-draft', remoteHost: `${origin}/models/` });
  const result = await page.evaluate((h) => window.harness.engine(h).generate({ prompt: 'The quick brown fox', maxNewTokens: 4 }), handle);
  expect(result.tokenIds.length).toBe(4);
  await page.evaluate((h) => window.harness.disposeEngine(h), handle);
  expect(requests).toContain(`${origin}/models/tiny-target/onnx/model.onnx`);
  expect(requests).toContain(`${origin}/models/tiny-draft/onnx/model.onnx`);
  expect(requests.filter((url) => url.includes('huggingface.co'))).toEqual([]);
  expect(errors.filter((e) => !/status of 404|no-such-cdn/.test(e))).toEqual([]);
});
