import { expect, test } from '@playwright/test';
import { openHarness } from '../support/harness-page.js';

/** OpenAI-style chat completions on the fixtures: the same text as generate(), streamed or not, and abortable. */
test('chat.completions.create answers as generate() does, streamed or not, with usage, abort and break', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = await openHarness(page);
  const { handle } = await page.evaluate(() => window.harness.createEngine({ target: 'tiny-target', draft: 'tiny-draft', dtype: 'fp32', scheduler: { calibrate: false } }));
  const outcome = await page.evaluate(async (h) => {
    const engine = window.harness.engine(h);
    const messages = [{ role: 'user' as const, content: 'Tell me a story.' }];
    const reference = await engine.generate({ messages, maxNewTokens: 10, speculative: false });

    const completion = await engine.chat.completions.create({ messages, max_tokens: 10, speculo: { draftLength: 4 } });

    const deltas: string[] = [];
    const finishes: (string | null)[] = [];
    let usage: unknown = null;
    for await (const chunk of await engine.chat.completions.create({ messages, max_tokens: 10, stream: true, stream_options: { include_usage: true } })) {
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        deltas.push(choice.delta.content ?? '');
        finishes.push(choice.finish_reason);
      }
    }

    const controller = new AbortController();
    const reason = new Error('user left');
    const aborted = await window.harness.capture(async () => {
      for await (const chunk of await engine.chat.completions.create({ messages, max_tokens: 64, stream: true }, { signal: controller.signal })) {
        if (chunk.choices[0]?.delta.content) controller.abort(reason);
      }
    });
    for await (const chunk of await engine.chat.completions.create({ messages, max_tokens: 64, stream: true })) if (chunk.choices[0]?.delta.content) break;
    const after = await engine.chat.completions.create({ messages, max_tokens: 10 });
    return {
      reference: { text: reference.text, tokens: reference.tokenIds.length, finishReason: reference.finishReason, promptTokens: reference.promptTokens },
      completion: {
        content: completion.choices[0]!.message.content,
        finish: completion.choices[0]!.finish_reason,
        usage: completion.usage,
        object: completion.object,
        model: completion.model,
        acceptance: completion.speculo.metrics.acceptanceRate,
      },
      streamed: deltas.join(''),
      finishes,
      usage,
      aborted,
      after: after.choices[0]!.message.content,
    };
  }, handle);
  const { reference } = outcome;
  expect(reference.text.length).toBeGreaterThan(0);
  expect(outcome.completion.content).toBe(reference.text);
  expect(outcome.completion.object).toBe('chat.completion');
  expect(outcome.completion.model).toBe('tiny-target');
  expect(outcome.completion.finish).toBe(reference.finishReason === 'max-tokens' || reference.finishReason === 'context-length' ? 'length' : 'stop');
  expect(outcome.completion.usage).toEqual({ prompt_tokens: reference.promptTokens, completion_tokens: reference.tokens, total_tokens: reference.promptTokens + reference.tokens });
  expect(outcome.completion.acceptance).toBeGreaterThan(0);
  expect(outcome.streamed).toBe(reference.text);
  expect(outcome.finishes.at(-1)).toBe(outcome.completion.finish);
  expect(outcome.finishes.slice(0, -1).every((f) => f === null)).toBe(true);
  expect(outcome.usage).toEqual(outcome.completion.usage);
  expect(outcome.aborted).toMatchObject({ ok: false, name: 'Error', message: 'user left' });
  expect(outcome.after).toBe(reference.text);
  await page.evaluate((h) => window.harness.disposeEngine(h), handle);
  expect(errors).toEqual([]);
});
