import { expect, test, type Page } from '@playwright/test';
import { chiSquareSurvival } from '../../packages/speculo/test/helpers/chi-square.js';
import { openHarness, projectDevice } from '../support/harness-page.js';

/**
 * The export families web developers load from the Hub, as the fixture generator writes them (see
 * packages/fixtures/src/catalog.ts FAMILIES), decoded by the whole engine in the browser. A device with
 * shader-f16 (and WASM) loads the q4f16 files the Hub's web exports ship; SwiftShader's WebGPU has no
 * shader-f16, so there the same graphs run from their q4 files (4-bit weights, fp32 activations).
 */
interface Family {
  title: string;
  target: string;
  draft: string;
  /** transformers.js cannot generate with it (its first, empty cache takes the declared dims, here a named head dim): skip that baseline. */
  transformersCannotRun?: boolean;
  /** Only a q4f16 file exists. */
  fp16Only?: boolean;
  /**
   * Not on SwiftShader: there one pass of this 2-layer model over 151,936 logits columns takes about 5.5 s (transformers.js
   * alone is as slow), so the test would take most of an hour; WASM and real GPUs run it.
   */
  large?: boolean;
  /** Prompts of its own (default: the shared English prompts below). */
  prompts?: string[];
  /** How many of its prompts run on WebGPU (default all). */
  webgpuPrompts?: number;
  /** Lowest acceptance at γ = 1 the test accepts (default 0.6: the built drafts agree on 80 % of rows by construction). */
  minAcceptanceAtGamma1?: number;
}

const families: Family[] = [
  { title: 'builder GroupQueryAttention (SmolLM2, Llama-3.2)', target: 'gqa-target', draft: 'gqa-draft' },
  { title: 'builder GroupQueryAttention with q/k norm (Qwen3)', target: 'gqa-qk-norm-target', draft: 'gqa-draft' },
  { title: 'builder GroupQueryAttention with sliding layers (Gemma-3)', target: 'gqa-sliding-target', draft: 'gqa-draft' },
  { title: 'builder GroupQueryAttention with a symbolic head dim', target: 'gqa-symbolic-head-dim-target', draft: 'gqa-draft', transformersCannotRun: true },
  { title: 'builder GroupQueryAttention with fp16 logits', target: 'gqa-fp16-logits-target', draft: 'gqa-draft', fp16Only: true },
  { title: 'optimum q4f16, fp32 I/O and cache (Qwen2.5)', target: 'optimum-target', draft: 'optimum-draft' },
  { title: 'MultiHeadAttention with a 4-D mask (Phi-3.5 web)', target: 'mha-target', draft: 'mha-draft' },
  { title: 'Qwen2.5-sized vocabulary (151,936 logits)', target: 'large-vocab-target', draft: 'large-vocab-draft', large: true },
  {
    title: 'trained pair (builder GroupQueryAttention, real text)',
    target: 'trained-target',
    draft: 'trained-draft',
    // What it was trained on: Python and its documentation.
    prompts: [
      'def add(a, b):\n    return a + b\n\ndef sub(a, b):',
      'import os\n\ndef list_files(path):\n    """Return the names of the files in *path*."""\n',
      'class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):',
      'The :mod:`json` module can encode and decode',
      'for i in range(10):\n    if i % 2 == 0:',
      'Return a new list containing',
    ],
    // A distilled draft, not a table: measured acceptance at γ = 1 is reported in the annotation.
    minAcceptanceAtGamma1: 0.4,
    // Its 4 layers take about 0.6 s a token on SwiftShader: half the prompts there.
    webgpuPrompts: 3,
  },
];

// Longer than the sliding layers' 8-token window, so the window is exercised from the prompt on.
const prompts = [
  'The quick brown fox jumps over the lazy dog',
  'Once upon a time, in a small town by the sea',
  'In the beginning there was only the garden',
  'Speculative decoding is a way to make models faster',
  'A short note about the weather this morning:',
  'def add(a, b):\n    return a + b\n\ndef sub(a, b):',
  'Translate to French: good morning, my friend',
  'Summarize: the cat sat on the mat all day long.',
  'Question: what is two plus two? Answer with a word:',
  'The baker opened the door, and the smell of bread',
];
const maxNewTokens = 10;
const gammas = [1, 4, 8];

/** The dtype this browser can run: q4f16 needs shader-f16 on WebGPU. */
async function dtypeFor(page: Page, device: 'webgpu' | 'wasm'): Promise<'q4' | 'q4f16'> {
  if (device === 'wasm') return 'q4f16';
  const f16 = await page.evaluate(async () => (await navigator.gpu?.requestAdapter())?.features.has('shader-f16') ?? false);
  return f16 ? 'q4f16' : 'q4';
}

async function createEngine(page: Page, options: Record<string, unknown>, instrumented: boolean) {
  return page.evaluate(([o, i]) => window.harness.createEngine({ scheduler: { calibrate: false }, ...o } as never, i), [options, instrumented] as const);
}

for (const family of families) {
  const refusedWithoutF16 = family.fp16Only ? ' (refused by name on WebGPU without shader-f16)' : '';
  test(`${family.title}: speculative output equals target-only, verify equals steps, target-only equals transformers.js, no GPU buffer left${refusedWithoutF16}`, async ({
    page,
  }, testInfo) => {
    test.setTimeout(900_000);
    const device = projectDevice(testInfo);
    const errors = await openHarness(page);
    const dtype = await dtypeFor(page, device);
    if (family.fp16Only && dtype === 'q4') {
      // The only file computes in fp16: a device without shader-f16 is refused before any weights download.
      const refused = await page.evaluate(
        ([t, d]) => window.harness.capture(() => window.harness.createEngine({ target: t, draft: d, dtype: 'q4f16', scheduler: { calibrate: false } } as never)),
        [family.target, family.draft] as const,
      );
      expect(refused).toMatchObject({ ok: false, name: 'UnsupportedModelError' });
      expect(refused.ok === false && refused.message).toMatch(/shader-f16.*"q4"|shader-f16[\s\S]*wasm/);
      testInfo.annotations.push({ type: 'refused', description: refused.ok === false ? refused.message : '' });
      expect(errors).toEqual([]);
      return;
    }
    if (family.large && device === 'webgpu') {
      const adapter = await page.evaluate(() => window.harness.webgpuAdapter());
      test.skip(adapter?.architecture === 'swiftshader', 'SwiftShader needs about 5.5 s per pass at 151,936 logits columns; the wasm project runs this pair');
    }
    const { handle, info } = await createEngine(page, { target: family.target, draft: family.draft, device: 'auto', dtype }, device === 'webgpu');
    expect(info.backend).toBe(device);
    expect(info.target.dtype).toBe(dtype);

    const familyPrompts = (family.prompts ?? prompts).slice(0, device === 'webgpu' ? family.webgpuPrompts : undefined);
    const runs = await page.evaluate(
      async ([h, ps, n, gs]) => {
        const engine = window.harness.engine(h);
        const out = [];
        for (const prompt of ps) {
          const baseline = await engine.generate({ prompt, maxNewTokens: n, speculative: false });
          const speculative = [];
          for (const draftLength of gs) {
            const r = await engine.generate({ prompt, maxNewTokens: n, draftLength });
            speculative.push({
              draftLength,
              tokenIds: r.tokenIds,
              accepted: r.metrics.acceptedTokens,
              drafted: r.metrics.draftedTokens,
              ms: r.metrics.wallMs - (r.metrics.timeToFirstTokenMs ?? 0),
            });
          }
          out.push({ prompt, baseline: baseline.tokenIds, baselineMs: baseline.metrics.wallMs - (baseline.metrics.timeToFirstTokenMs ?? 0), speculative });
        }
        return out;
      },
      [handle, familyPrompts, maxNewTokens, gammas] as const,
    );
    const accepted: Record<number, number> = {};
    const drafted: Record<number, number> = {};
    let specMs = 0;
    let baseMs = 0;
    for (const run of runs) {
      expect(run.baseline.length).toBeGreaterThan(0);
      for (const s of run.speculative) {
        expect(s.tokenIds, `γ=${s.draftLength} "${run.prompt}"`).toEqual(run.baseline);
        accepted[s.draftLength] = (accepted[s.draftLength] ?? 0) + s.accepted;
        drafted[s.draftLength] = (drafted[s.draftLength] ?? 0) + s.drafted;
        if (s.draftLength === 4) {
          specMs += s.ms;
          baseMs += run.baselineMs;
        }
      }
    }
    for (const g of gammas) expect(drafted[g], `tokens drafted at γ=${g}`).toBeGreaterThan(0);
    const acceptance = Object.fromEntries(gammas.map((g) => [g, Number((accepted[g]! / drafted[g]!).toFixed(3))]));
    // Drafts agree with their target on 80% of the table's rows by construction: at γ = 1 that is the acceptance.
    expect(acceptance[1]).toBeGreaterThan(family.minAcceptanceAtGamma1 ?? 0.6);

    if (device === 'webgpu') {
      await page.evaluate((h) => window.harness.disposeEngine(h), handle);
      const counts = await page.evaluate(() => window.harness.gpuBufferCounts());
      expect(counts.liveSpeculo).toBe(0);
      expect(counts.live).toBe(0);
    } else {
      await page.evaluate((h) => window.harness.disposeEngine(h), handle);
    }

    // On one transformers.js load: its own generate() on two prompts (Speculo's target-only must equal it), and the
    // verify pass (γ + 1 = 9 tokens in one pass) against the same tokens one at a time, through Speculo's runner.
    // Any 9 tokens do for the logits comparison (an output can end at EOS sooner): another prompt's first 9.
    const [promptIds, other] = await page.evaluate(([m, ps]) => window.harness.tokenize(m, ps), [family.target, [familyPrompts[0]!, familyPrompts[1]!]] as [string, string[]]);
    const continuation = other!.slice(0, 9);
    const referencePrompts = family.transformersCannotRun ? [] : familyPrompts.slice(0, 2);
    const reference = await page.evaluate(([m, d, t, ps, n, p, c]) => window.harness.referenceChecks(m, d, t, ps, n, p, c), [
      family.target,
      device,
      dtype,
      referencePrompts,
      maxNewTokens,
      promptIds!,
      continuation,
    ] as const);
    reference.generated.forEach((ids, i) => expect(ids, `transformers.js generate() on "${familyPrompts[i]}"`).toEqual(runs[i]!.baseline));
    const transformersChecked = reference.generated.length;
    const verify = reference.verify;
    expect(verify.rows).toBe(9);
    expect(verify.argmaxAgrees).toBe(true);
    // Same kernels on the CPU: equal up to fp32 summation order; WebGPU's largest difference is reported.
    if (device === 'wasm') expect(verify.maxAbsDiff).toBeLessThan(1e-4);
    else expect(verify.maxAbsDiff).toBeLessThan(0.05);
    const summary = {
      family: family.title,
      device,
      dtype,
      prompts: runs.length,
      maxNewTokens,
      gammas,
      targetOnlyMsPerToken: Number((runs.reduce((a, r) => a + r.baselineMs, 0) / runs.reduce((a, r) => a + Math.max(1, r.baseline.length - 1), 0)).toFixed(1)),
      acceptanceByGamma: acceptance,
      decodeSpeedupAtGamma4: Number((baseMs / specMs).toFixed(2)),
      verifyMaxAbsDiff: verify.maxAbsDiff,
      transformersChecked,
    };
    testInfo.annotations.push({ type: 'family', description: JSON.stringify(summary) });
    console.log('family', JSON.stringify(summary));
    expect(errors).toEqual([]);
  });
}

test('refused shapes: last-position logits and a fixed-size cache are refused at load, by name', async ({ page }, testInfo) => {
  const device = projectDevice(testInfo);
  const errors = await openHarness(page);
  const dtype = await dtypeFor(page, device);
  const outcomes = await page.evaluate(async (t) => {
    const load = (target: string) => window.harness.capture(() => window.harness.createEngine({ target, dtype: t, scheduler: { calibrate: false } } as never));
    return { lastOnly: await load('last-logits-model'), fixedWindow: await load('fixed-window-cache-model') };
  }, dtype);
  expect(outcomes.lastOnly).toMatchObject({ ok: false, name: 'UnsupportedModelError', code: 'unsupported-model' });
  expect(outcomes.lastOnly.ok === false && outcomes.lastOnly.message).toMatch(/last-logits-model[\s\S]*last position/);
  expect(outcomes.fixedWindow).toMatchObject({ ok: false, name: 'UnsupportedModelError', code: 'unsupported-model' });
  expect(outcomes.fixedWindow.ok === false && outcomes.fixedWindow.message).toMatch(/fixed-window-cache-model[\s\S]*16 positions/);
  testInfo.annotations.push({ type: 'messages', description: JSON.stringify(outcomes) });
  expect(errors).toEqual([]);
});

test('NaN logits stop generation with InvalidLogitsError, never garbage tokens, and the engine stays usable', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const device = projectDevice(testInfo);
  const errors = await openHarness(page);
  const dtype = await dtypeFor(page, device);
  const { handle } = await createEngine(page, { target: 'nan-logits-target', draft: 'gqa-draft', device: 'auto', dtype }, false);
  const result = await page.evaluate(async (h) => {
    const engine = window.harness.engine(h);
    const prompt = 'The quick brown fox jumps over the lazy dog';
    // The fixture's logits turn NaN from position 40: the prompt is about 12 tokens, so decoding meets them.
    const greedy = await window.harness.capture(() => engine.generate({ prompt, maxNewTokens: 40, draftLength: 4 }));
    const sampled = await window.harness.capture(() => engine.generate({ prompt, maxNewTokens: 40, draftLength: 4, temperature: 1, seed: 1 }));
    const targetOnly = await window.harness.capture(() => engine.generate({ prompt, maxNewTokens: 40, speculative: false }));
    const after = await engine.generate({ prompt, maxNewTokens: 8, draftLength: 4 });
    return { greedy, sampled, targetOnly, after: after.tokenIds.length };
  }, handle);
  for (const outcome of [result.greedy, result.sampled, result.targetOnly]) {
    expect(outcome).toMatchObject({ ok: false, name: 'InvalidLogitsError', code: 'invalid-logits' });
    expect(outcome.ok === false && outcome.message).toMatch(/NaN/);
  }
  expect(result.after).toBe(8);
  await page.evaluate((h) => window.harness.disposeEngine(h), handle);
  expect(errors).toEqual([]);
});

const samplingChecks = [
  {
    title: 'a q4f16 export (optimum pair)',
    target: 'optimum-target',
    draft: 'optimum-draft',
    prompt: 'Once upon a time, in a small town by the sea',
    samples: { wasm: 400, webgpu: 400 },
    // Hundreds of generations: WASM runs them in seconds, SwiftShader's WebGPU would need most of an hour.
    needsF16OnWebgpu: true,
  },
  {
    title: 'the trained pair',
    target: 'trained-target',
    draft: 'trained-draft',
    prompt: 'def read_lines(path):\n    with open(path) as f:',
    // Fewer on WebGPU (q4 there, fp32 compute): on SwiftShader a generation of this 4-layer target takes 2–3 s, so
    // there the check is coarse (it catches a gross bias, not a small one); WASM draws 400.
    samples: { wasm: 400, webgpu: 40 },
    needsF16OnWebgpu: false,
  },
];

for (const check of samplingChecks) {
  test(`sampling on ${check.title} keeps the target distribution (two-sample χ², positions 1 and 2)`, async ({ page }, testInfo) => {
    test.setTimeout(600_000);
    const device = projectDevice(testInfo);
    const errors = await openHarness(page);
    const dtype = await dtypeFor(page, device);
    test.skip(check.needsF16OnWebgpu && device === 'webgpu' && dtype === 'q4', 'q4f16 needs shader-f16, which SwiftShader lacks; the WASM project runs this check');
    const { handle } = await createEngine(page, { target: check.target, draft: check.draft, device: 'auto', dtype }, false);
    const samples = check.samples[device];
    const drawn = await page.evaluate(
      async ([h, n, prompt]) => {
        const engine = window.harness.engine(h);
        const options = { prompt, maxNewTokens: 3, temperature: 2, topK: 5 };
        const spec: number[][] = [];
        const plain: number[][] = [];
        for (let seed = 0; seed < n; seed++) {
          spec.push((await engine.generate({ ...options, seed, draftLength: 4 })).tokenIds);
          plain.push((await engine.generate({ ...options, seed: 100_000 + seed, speculative: false })).tokenIds);
        }
        return { spec, plain };
      },
      [handle, samples, check.prompt] as const,
    );
    await page.evaluate((h) => window.harness.disposeEngine(h), handle);
    const pValues: number[] = [];
    for (const position of [1, 2]) {
      const p = homogeneityPValue(
        drawn.spec.map((ids) => ids[position] ?? -1),
        drawn.plain.map((ids) => ids[position] ?? -1),
      );
      pValues.push(p);
      expect(p, `position ${position}`).toBeGreaterThan(0.001);
    }
    testInfo.annotations.push({ type: 'chi-square', description: JSON.stringify({ target: check.target, dtype, samples, pValues }) });
    expect(errors).toEqual([]);
  });
}

/** Two-sample χ² homogeneity test over the categories both samples show, rare ones (expected < 5) pooled. */
function homogeneityPValue(a: number[], b: number[]): number {
  const categories = [...new Set([...a, ...b])];
  const count = (xs: number[], c: number) => xs.filter((x) => x === c).length;
  const table = categories.map((c) => [count(a, c), count(b, c)] as [number, number]);
  const total = a.length + b.length;
  const pooled: [number, number] = [0, 0];
  const kept: [number, number][] = [];
  for (const row of table) {
    const rowTotal = row[0] + row[1];
    if ((rowTotal * Math.min(a.length, b.length)) / total < 5) {
      pooled[0] += row[0];
      pooled[1] += row[1];
    } else kept.push(row);
  }
  if (pooled[0] + pooled[1] > 0) kept.push(pooled);
  if (kept.length < 2) return 1;
  let statistic = 0;
  for (const row of kept) {
    const rowTotal = row[0] + row[1];
    for (const [j, n] of [a.length, b.length].entries()) {
      const expected = (rowTotal * n) / total;
      statistic += (row[j]! - expected) ** 2 / expected;
    }
  }
  return chiSquareSurvival(statistic, kept.length - 1);
}
