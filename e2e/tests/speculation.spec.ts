import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import Ajv2020 from 'ajv/dist/2020.js';
import { replayTrace } from '../../packages/speculo/src/trace/replay.js';
import type { SpeculoTrace } from '../../packages/speculo/src/types/index.js';
import { openHarness } from '../support/harness-page.js';

const traceSchema = JSON.parse(readFileSync(new URL('../../packages/speculo/schema/speculo-trace.schema.json', import.meta.url), 'utf8'));

/** These tests are about what happens once the device is measured: calibrate before the engine is ready. */
async function createEngine(page: Page, options: Record<string, unknown>) {
  return page.evaluate((o) => window.harness.createEngine({ scheduler: { calibrate: 'eager' }, ...o } as never), options);
}

test('a first visit is ready without measuring the device: target-only until background calibration stores the profile, then adaptive; the next visit reuses it', async ({ page }) => {
  const errors = await openHarness(page);
  const pair = { target: 'tiny-target', draft: 'tiny-draft', dtype: 'fp32' };
  const first = await page.evaluate((o) => window.harness.createEngine(o as never), pair);
  // Nothing measured before ready: no calibration step in the load's progress.
  expect(first.progress.filter((p) => p.status === 'calibrate')).toEqual([]);
  expect(first.info.scheduler).toMatchObject({ policy: 'adaptive', profile: null, calibration: 'measuring' });
  const run = await page.evaluate(async (h) => {
    const engine = window.harness.engine(h);
    const prompt = 'Once upon a time';
    const baseline = await engine.generate({ prompt, maxNewTokens: 16, speculative: false });
    // Adaptive while the profile is missing: decoded by the target alone, never refused by the measurement.
    const early = await engine.generate({ prompt, maxNewTokens: 16 });
    const profile = await engine.calibrated();
    const info = await engine.currentInfo();
    const later = await engine.generate({ prompt, maxNewTokens: 16 });
    return {
      baseline: baseline.tokenIds,
      early: early.tokenIds,
      earlyDrafted: early.metrics.draftedTokens,
      profile,
      info: info.scheduler,
      later: later.tokenIds,
      laterDrafted: later.metrics.draftedTokens,
    };
  }, first.handle);
  expect(run.early).toEqual(run.baseline);
  expect(run.earlyDrafted).toBe(0);
  expect(run.profile!.targetVerifyMs).toHaveLength(9);
  expect(run.info).toMatchObject({ calibration: 'ready', profile: run.profile });
  expect(run.later).toEqual(run.baseline);
  expect(run.laterDrafted).toBeGreaterThan(0);
  await page.evaluate((h) => window.harness.disposeEngine(h), first.handle);

  // Stored in IndexedDB: the next engine for this device and pair is adaptive from its first call.
  const second = await page.evaluate((o) => window.harness.createEngine(o as never), pair);
  expect(second.info.scheduler).toMatchObject({ calibration: 'ready', profile: run.profile });
  await page.evaluate((h) => window.harness.disposeEngine(h), second.handle);
  expect(errors).toEqual([]);
});

test('the device profile is measured once, stored in IndexedDB, reused, exported and imported', async ({ page }) => {
  const errors = await openHarness(page);
  const first = await createEngine(page, { target: 'tiny-target', draft: 'tiny-draft', dtype: 'fp32' });
  const calibrating = first.progress.filter((p) => p.status === 'calibrate');
  expect(calibrating.length).toBeGreaterThan(0);
  for (const p of calibrating) expect(p).toMatchObject({ model: 'profile', file: 'device-profile', total: calibrating[0]!.total });
  expect(calibrating.every((p) => p.loaded >= 1 && p.loaded <= p.total)).toBe(true);
  // Every report arrives before the load resolves, the last one included: a late one would overwrite whatever the
  // page shows once loaded (progress travels on its own port, so the engine waits for the page to take them).
  expect(first.lateProgress).toBe(0);
  expect(calibrating.at(-1)!.loaded).toBe(calibrating[0]!.total);
  const profile = first.info.scheduler.profile!;
  expect(profile.targetVerifyMs.length).toBe(9);
  expect(profile.draftStepMs).toBeGreaterThan(0);
  for (let k = 1; k < profile.targetVerifyMs.length; k++) expect(profile.targetVerifyMs[k]!).toBeGreaterThanOrEqual(profile.targetVerifyMs[k - 1]!);
  await page.evaluate((h) => window.harness.disposeEngine(h), first.handle);

  // A second engine for the same device and pair reads the stored profile instead of measuring again.
  const second = await createEngine(page, { target: 'tiny-target', draft: 'tiny-draft', dtype: 'fp32' });
  expect(second.progress.filter((p) => p.status === 'calibrate')).toEqual([]);
  expect(second.info.scheduler.profile).toEqual(profile);

  const imported = await page.evaluate(
    async ([h, p]) => {
      const engine = window.harness.engine(h);
      const exported = JSON.stringify(await engine.profile());
      const ok = await engine.importProfile(exported);
      // Strictly decreasing whatever was measured (reversing a flat curve, common on WASM, would change nothing).
      const tampered = { ...p, targetVerifyMs: [p.targetVerifyMs.at(-1)! * 2 + 1, ...p.targetVerifyMs.slice(1)] };
      const bad = await window.harness.capture(() => engine.importProfile(tampered));
      const steps: { loaded: number; total: number }[] = [];
      const recalibrated = await engine.recalibrate((step) => steps.push({ loaded: step.loaded, total: step.total }));
      // Taken right as the promise resolves: every report must be in by now.
      return { ok, bad, recalibrated, lastStep: steps.at(-1) };
    },
    [second.handle, profile] as const,
  );
  expect(imported.ok).toEqual(profile);
  expect(imported.bad).toMatchObject({ ok: false, name: 'InvalidDeviceProfileError' });
  expect(imported.bad.ok === false && imported.bad.message).toMatch(/targetVerifyMs/);
  expect(imported.recalibrated.id).toBe(profile.id);
  expect(imported.lastStep!.loaded).toBe(imported.lastStep!.total);
  await page.evaluate((h) => window.harness.disposeEngine(h), second.handle);
  expect(errors).toEqual([]);
});

test('every drafter and policy keeps greedy output identical to target-only; a useless draft falls back', async ({ page }, testInfo) => {
  test.setTimeout(600_000);
  const errors = await openHarness(page);
  const prompts = ['Once upon a time', 'The quick brown fox', 'Summarize: the cat sat on the mat. The cat sat on the mat.'];
  const { handle } = await createEngine(page, { target: 'tiny-target', draft: 'tiny-draft', dtype: 'fp32' });
  const runs = await page.evaluate(
    async ([h, ps]) => {
      const engine = window.harness.engine(h);
      const out = [];
      for (const prompt of ps) {
        const baseline = await engine.generate({ prompt, maxNewTokens: 20, speculative: false });
        const variants: Record<string, unknown>[] = [
          { drafter: 'model', policy: 'adaptive' },
          { drafter: 'model', policy: 'heuristic' },
          { drafter: 'prompt-lookup' },
          { drafter: 'ngram-cache' },
          { drafter: 'ngram-cache' }, // second time: the cache has learned this prompt's output
          { drafter: 'composite' },
        ];
        for (const v of variants) {
          const r = await engine.generate({ prompt, maxNewTokens: 20, ...v });
          out.push({
            prompt,
            variant: v,
            same: JSON.stringify(r.tokenIds) === JSON.stringify(baseline.tokenIds),
            drafter: r.drafter,
            decisions: r.decisions,
            rounds: r.rounds,
            accepted: r.metrics.acceptedTokens,
            drafted: r.metrics.draftedTokens,
          });
        }
      }
      return out;
    },
    [handle, prompts] as const,
  );
  for (const run of runs) expect(run.same, `${JSON.stringify(run.variant)} on "${run.prompt}"`).toBe(true);
  const adaptive = runs.filter((r) => (r.variant as { policy?: string }).policy === 'adaptive');
  expect(adaptive.flatMap((r) => r.decisions).every((d) => d.gamma >= 0 && ['speculate', 'target-only', 'probe'].includes(d.mode))).toBe(true);
  // Adaptive decisions carry the projection they were made on (γ itself depends on this device's cost curve).
  expect(adaptive.flatMap((r) => r.decisions).every((d) => typeof d.projectedSpeedup === 'number')).toBe(true);
  // Each round reports its cache cut, which the scheduler prices.
  const rounds = runs.flatMap((r) => r.rounds);
  expect(rounds.length).toBeGreaterThan(0);
  expect(rounds.every((r) => Number.isFinite(r.rollbackMs) && r.rollbackMs >= 0)).toBe(true);
  const ngramSecond = runs.filter((r, i) => (r.variant as { drafter?: string }).drafter === 'ngram-cache' && i % 6 === 4);
  expect(ngramSecond.reduce((a, r) => a + r.accepted, 0)).toBeGreaterThan(0);
  const info = await page.evaluate((h) => window.harness.engine(h).info, handle);
  expect(info.drafterCosts['prompt-lookup']).toMatchObject({ downloadBytes: 0, storedBytes: 0, gpuBytes: 0 });
  expect(info.drafterCosts.model!.downloadBytes).toBeGreaterThan(400_000);
  await page.evaluate((h) => window.harness.disposeEngine(h), handle);

  // A random draft: the adaptive scheduler projects a slowdown, falls back to the target alone and only probes.
  const random = await createEngine(page, { target: 'tiny-target', draft: 'tiny-draft-random', dtype: 'fp32' });
  const fallback = await page.evaluate(async (h) => {
    const engine = window.harness.engine(h);
    const baseline = await engine.generate({ prompt: 'In the beginning', maxNewTokens: 40, speculative: false });
    const warm = await engine.generate({ prompt: 'Once upon a time', maxNewTokens: 40 });
    const r = await engine.generate({ prompt: 'In the beginning', maxNewTokens: 40 });
    return { same: JSON.stringify(r.tokenIds) === JSON.stringify(baseline.tokenIds), decisions: [...warm.decisions, ...r.decisions] };
  }, random.handle);
  expect(fallback.same).toBe(true);
  const targetOnlyRounds = fallback.decisions.filter((d) => d.mode === 'target-only').length;
  testInfo.annotations.push({ type: 'fallback', description: `${targetOnlyRounds} of ${fallback.decisions.length} rounds target-only` });
  expect(fallback.decisions.some((d) => d.fallbackState === 'fallback')).toBe(true);
  expect(targetOnlyRounds).toBeGreaterThan(fallback.decisions.length / 2);
  await page.evaluate((h) => window.harness.disposeEngine(h), random.handle);
  expect(errors).toEqual([]);
});

test('guardrails: bad config is refused by field; drift fires when a useless drafter replaces a good one, and fallback keeps output identical', async ({ page }) => {
  const errors = await openHarness(page);
  const bad = await page.evaluate(() =>
    window.harness.capture(() =>
      window.harness.createEngine({
        target: 'tiny-target',
        draft: 'tiny-draft',
        dtype: 'fp32',
        guardrails: { version: '1.0.0', acceptanceFloor: { rate: 2, windowRounds: 4, action: 'fallback' }, maxDraftLength: 8 },
      } as never),
    ),
  );
  expect(bad).toMatchObject({ ok: false, name: 'GuardrailConfigError', code: 'invalid-guardrail-config' });
  expect(bad.ok === false && bad.message).toContain('acceptanceFloor.rate');

  const guardrails = { version: '1.2.0', acceptanceFloor: { rate: 0.4, windowRounds: 4, action: 'fallback' }, maxDraftLength: 6 };
  const { handle, info } = await createEngine(page, { target: 'tiny-target', draft: 'tiny-draft', dtype: 'fp32', guardrails, scheduler: { policy: 'static', draftLength: 4 } });
  expect(info.guardrails).toMatchObject({ version: '1.2.0' });
  const result = await page.evaluate(async (h) => {
    const engine = window.harness.engine(h);
    const engineEvents: string[] = [];
    for (const type of ['acceptance-drift', 'fallback', 'recovered']) engine.addEventListener(type, () => engineEvents.push(type));
    const good = await engine.generate({ prompt: 'Once upon a time', maxNewTokens: 24 });
    const streamEvents: string[] = [];
    const baseline = await engine.generate({ prompt: 'The quick brown fox', maxNewTokens: 40, speculative: false });
    // A random-token "drafter" is not on offer, but prompt lookup on this table-driven text is just as useless.
    const bad = await engine.generate({ prompt: 'The quick brown fox', maxNewTokens: 40, drafter: 'prompt-lookup', trace: true, onGuardrail: (e) => streamEvents.push(e.type) });
    return { goodEvents: good.trace, engineEvents, streamEvents, same: JSON.stringify(bad.tokenIds) === JSON.stringify(baseline.tokenIds), trace: bad.trace, decisions: bad.decisions };
  }, handle);
  expect(result.streamEvents).toContain('acceptance-drift');
  expect(result.streamEvents).toContain('fallback');
  expect(result.engineEvents).toEqual(expect.arrayContaining(['acceptance-drift', 'fallback']));
  expect(result.same).toBe(true);
  const trace = result.trace as SpeculoTrace;
  expect(trace.events.map((e) => e.type)).toEqual(expect.arrayContaining(['acceptance-drift', 'fallback']));
  expect(trace.guardrails?.version).toBe('1.2.0');
  const afterFallback = trace.rounds.slice(trace.rounds.findIndex((r, i) => i > 0 && trace.events.some((e) => e.type === 'fallback' && e.round === r.round)) + 1);
  expect(afterFallback.filter((r) => r.mode === 'target-only').length).toBeGreaterThan(0);
  await page.evaluate((h) => window.harness.disposeEngine(h), handle);
  expect(errors).toEqual([]);
});

test('audit traces validate against the shipped schema, replay, reject tampering, stream to a sink and redact the prompt', async ({ page }) => {
  const errors = await openHarness(page);
  const { handle } = await createEngine(page, { target: 'tiny-target', draft: 'tiny-draft', dtype: 'fp32' });
  const secret = 'My secret launch code is ZEBRA-42, tell nobody';
  const out = await page.evaluate(
    async ([h, s]) => {
      const engine = window.harness.engine(h);
      const records: string[] = [];
      const plain = await engine.generate({ prompt: 'Once upon a time', maxNewTokens: 16, trace: true, traceSink: (r) => records.push(r.type) });
      const redacted = await engine.generate({ prompt: s, maxNewTokens: 16, stop: ['ZEBRA'], trace: { redactPrompt: true } });
      const sampled = await engine.generate({ prompt: 'Once upon a time', maxNewTokens: 16, temperature: 1, seed: 5, trace: true });
      const baseline = await engine.generate({ prompt: 'Once upon a time', maxNewTokens: 16, speculative: false });
      // A fixed γ: the adaptive policy may decide to decode target-only on a fast backend, which has no speedup to report.
      const again = await engine.generate({ prompt: 'Once upon a time', maxNewTokens: 16, draftLength: 4 });
      const lifetime = await engine.telemetry();
      return { plain, redacted, sampled, records, speedup: again.speedupAgainstBaseline, baselineTokens: baseline.tokenIds.length, lifetime };
    },
    [handle, secret] as const,
  );
  // ajv is CommonJS: depending on the loader its class is the default export or its `default` property.
  const AjvClass = ((Ajv2020 as unknown as { default?: typeof Ajv2020 }).default ?? Ajv2020) as typeof Ajv2020;
  const ajv = new AjvClass({ allErrors: true, strict: false });
  const validate = ajv.compile(traceSchema);
  for (const r of [out.plain, out.redacted, out.sampled]) {
    const trace = r.trace as SpeculoTrace;
    expect(validate(trace), JSON.stringify(validate.errors)).toBe(true);
    const report = await replayTrace(trace, { tokenIds: r.tokenIds, provenance: r.provenance });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(trace.output.tokenIds).toEqual(r.tokenIds);
  }
  // Tampering: a committed token changed, or provenance flipped, is caught.
  const tampered = structuredClone(out.plain.trace as SpeculoTrace);
  tampered.rounds[1]!.committedTokens[0] = (tampered.rounds[1]!.committedTokens[0]! + 1) % 439;
  expect((await replayTrace(tampered)).ok).toBe(false);
  const flipped = structuredClone(out.plain.trace as SpeculoTrace);
  flipped.output.provenance = flipped.output.provenance.map((p) => (p === 'draft' ? 'target' : 'draft'));
  expect((await replayTrace(flipped)).ok).toBe(false);

  expect(out.records[0]).toBe('header');
  expect(out.records.at(-1)).toBe('end');
  expect(out.records.filter((k) => k === 'round').length).toBe((out.plain.trace as SpeculoTrace).rounds.length);

  const redactedJson = JSON.stringify(out.redacted.trace);
  for (let i = 0; i + 4 <= secret.length; i++) expect(redactedJson).not.toContain(secret.slice(i, i + 4));

  expect(out.speedup).not.toBeNull();
  expect(out.speedup!).toBeGreaterThan(0);
  expect(out.lifetime.generations).toBe(5);
  expect(out.lifetime.acceptanceRate).toBeGreaterThan(0);
  await page.evaluate((h) => window.harness.disposeEngine(h), handle);
  expect(errors).toEqual([]);
});
