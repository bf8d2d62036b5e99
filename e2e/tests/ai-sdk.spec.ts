import { expect, test } from '@playwright/test';
import { openHarness } from '../support/harness-page.js';

/** The Vercel AI SDK's generateText and streamText on the fixtures through speculo/ai-sdk: the engine's greedy text, streamed or not, and abortable. */
test("ai's generateText and streamText write the engine's greedy text through speculo/ai-sdk, with usage, abort and a next call", async ({ page }) => {
  test.setTimeout(300_000);
  const errors = await openHarness(page);
  const { handle } = await page.evaluate(() => window.harness.createEngine({ target: 'tiny-target', draft: 'tiny-draft', dtype: 'fp32', scheduler: { calibrate: false } }));
  const outcome = await page.evaluate(async (h) => {
    const engine = window.harness.engine(h);
    const { ai, speculo } = await window.harness.aiSdk();
    const messages = [{ role: 'user' as const, content: 'Tell me a story.' }];
    const reference = await engine.generate({ messages, maxNewTokens: 10, speculative: false });
    const model = speculo(engine);

    const generated = await ai.generateText({ model, messages, maxOutputTokens: 10 });

    const streamed = ai.streamText({ model, messages, maxOutputTokens: 10, providerOptions: { speculo: { draftLength: 4 } } });
    const deltas: string[] = [];
    for await (const delta of streamed.textStream) deltas.push(delta);

    const controller = new AbortController();
    const reason = new Error('user left');
    const aborting = ai.streamText({ model, messages, maxOutputTokens: 64, abortSignal: controller.signal });
    const parts: string[] = [];
    for await (const part of aborting.fullStream) {
      parts.push(part.type);
      if (part.type === 'text-delta') controller.abort(reason);
    }
    const abortedText = await window.harness.capture(() => Promise.resolve(aborting.text));
    const after = await ai.generateText({ model, messages, maxOutputTokens: 10 });
    const speculoMetadata = generated.providerMetadata?.['speculo'] as { provenance: string[]; metrics: { acceptanceRate: number } } | undefined;
    return {
      reference: { text: reference.text, tokens: reference.tokenIds.length, finishReason: reference.finishReason, promptTokens: reference.promptTokens },
      generated: {
        text: generated.text,
        finish: generated.finishReason,
        raw: generated.rawFinishReason,
        usage: { input: generated.usage.inputTokens, output: generated.usage.outputTokens },
        modelId: generated.response.modelId,
        provenance: speculoMetadata?.provenance.length,
        acceptance: speculoMetadata?.metrics.acceptanceRate,
      },
      deltas,
      streamedFinish: await streamed.finishReason,
      streamedUsage: (await streamed.usage).outputTokens,
      parts,
      abortedText,
      after: after.text,
    };
  }, handle);
  const { reference } = outcome;
  expect(reference.text.length).toBeGreaterThan(0);
  expect(outcome.generated.text).toBe(reference.text);
  expect(outcome.generated.finish).toBe(reference.finishReason === 'max-tokens' || reference.finishReason === 'context-length' ? 'length' : 'stop');
  expect(outcome.generated.raw).toBe(reference.finishReason);
  expect(outcome.generated.usage).toEqual({ input: reference.promptTokens, output: reference.tokens });
  expect(outcome.generated.modelId).toBe('tiny-target');
  expect(outcome.generated.provenance).toBe(reference.tokens);
  expect(outcome.generated.acceptance).toBeGreaterThan(0);
  expect(outcome.deltas.length).toBeGreaterThan(1);
  expect(outcome.deltas.join('')).toBe(reference.text);
  expect(outcome.streamedFinish).toBe(outcome.generated.finish);
  expect(outcome.streamedUsage).toBe(reference.tokens);
  expect(outcome.parts).toContain('text-delta');
  expect(outcome.parts.at(-1)).toBe('abort');
  expect(outcome.parts).not.toContain('finish');
  expect(outcome.abortedText).toMatchObject({ ok: false, name: 'Error', message: 'user left' });
  expect(outcome.after).toBe(reference.text);
  await page.evaluate((h) => window.harness.disposeEngine(h), handle);
  expect(errors).toEqual([]);
});
