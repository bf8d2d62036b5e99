import { generateText, jsonSchema, Output, streamText, tool, type TextStreamPart, type ToolSet } from 'ai';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { speculo } from '../../src/ai-sdk/provider.js';
import { disposeScriptedEngines, scriptedEngine } from '../helpers/scripted-worker-engine.js';

/** `ai`'s own generateText and streamText against the page-side engine and a scripted worker (one token `t<n>` per round). */
beforeAll(() => {
  (globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
});
afterEach(disposeScriptedEngines);

describe('speculo/ai-sdk through ai', () => {
  it('generateText returns the text, finish reason, usage, warnings and providerMetadata.speculo', async () => {
    const { engine, worker } = await scriptedEngine();
    const result = await generateText({ model: speculo(engine), system: 'Be brief.', prompt: 'Hi', maxOutputTokens: 3, seed: 5, frequencyPenalty: 0.5 });
    expect(result.text).toBe('t1t2t3');
    expect(result.finishReason).toBe('length');
    expect(result.rawFinishReason).toBe('max-tokens');
    expect(result.usage).toMatchObject({ inputTokens: 3, outputTokens: 3, totalTokens: 6 });
    expect(result.providerMetadata?.['speculo']).toMatchObject({ finishReason: 'max-tokens', provenance: ['target', 'target', 'target'] });
    expect(result.warnings).toEqual([expect.objectContaining({ type: 'unsupported', feature: 'frequencyPenalty' })]);
    expect(result.response.modelId).toBe('scripted');
    // No temperature given: the engine's default, greedy.
    expect(worker.calls.at(-1)).toEqual({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      maxNewTokens: 3,
      seed: 5,
    });
  });

  it('streamText streams one delta per round that concatenate to the text, then finishes', async () => {
    const { engine, worker } = await scriptedEngine();
    const result = streamText({
      model: speculo(engine, { draftLength: 2 }),
      messages: [{ role: 'user', content: 'Hi' }],
      maxOutputTokens: 3,
      temperature: 0.7,
      topK: 5,
      providerOptions: { speculo: { speculative: false } },
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas).toEqual(['t1', 't2', 't3']);
    expect(await result.text).toBe('t1t2t3');
    expect(await result.finishReason).toBe('length');
    expect((await result.usage).outputTokens).toBe(3);
    expect((await result.providerMetadata)?.['speculo']).toMatchObject({ finishReason: 'max-tokens' });
    expect(worker.calls.at(-1)).toEqual({ messages: [{ role: 'user', content: 'Hi' }], maxNewTokens: 3, temperature: 0.7, topK: 5, draftLength: 2, speculative: false });
  });

  it("an abort ends streamText's stream with an abort part, rejects its text with the reason, and the next call runs", async () => {
    const { engine } = await scriptedEngine();
    const controller = new AbortController();
    const reason = new Error('user left');
    let aborted = 0;
    const result = streamText({ model: speculo(engine), prompt: 'Hi', maxOutputTokens: 10_000, abortSignal: controller.signal, onAbort: () => void aborted++ });
    const parts: TextStreamPart<ToolSet>['type'][] = [];
    for await (const part of result.fullStream) {
      parts.push(part.type);
      if (parts.filter((p) => p === 'text-delta').length === 2) controller.abort(reason);
    }
    expect(parts.filter((p) => p === 'text-delta')).toHaveLength(2);
    expect(parts.at(-1)).toBe('abort');
    expect(parts).not.toContain('finish');
    expect(aborted).toBe(1);
    await expect(result.text).rejects.toBe(reason);
    expect((await generateText({ model: speculo(engine), prompt: 'Hi', maxOutputTokens: 2 })).text).toBe('t1t2');
  });

  it("an abort rejects generateText with the signal's reason, and the next call runs", async () => {
    const { engine } = await scriptedEngine();
    const controller = new AbortController();
    const pending = generateText({ model: speculo(engine), prompt: 'Hi', maxOutputTokens: 10_000, abortSignal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(generateText({ model: speculo(engine), prompt: 'Hi', maxOutputTokens: 10_000, abortSignal: AbortSignal.abort('gone') })).rejects.toBe('gone');
    expect((await generateText({ model: speculo(engine), prompt: 'Hi', maxOutputTokens: 2 })).text).toBe('t1t2');
  });

  it('after leaving the textStream loop early, aborting stops the generation and the next call runs', async () => {
    const { engine } = await scriptedEngine();
    const controller = new AbortController();
    const result = streamText({ model: speculo(engine), prompt: 'Hi', maxOutputTokens: 10_000, abortSignal: controller.signal });
    // streamText keeps its own branch of the model's stream, so leaving the loop alone does not cancel it: abort.
    for await (const delta of result.textStream) if (delta) break;
    controller.abort();
    expect((await generateText({ model: speculo(engine), prompt: 'Hi', maxOutputTokens: 2 })).text).toBe('t1t2');
  });

  it("cancelling the model's stream (as streamText does when it stops reading) stops the generation", async () => {
    const { engine } = await scriptedEngine();
    const model = speculo(engine);
    const { stream } = await model.doStream({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], maxOutputTokens: 10_000 });
    const reader = stream.getReader();
    const types: string[] = [];
    while (!types.includes('text-delta')) types.push((await reader.read()).value!.type);
    expect(types).toEqual(['stream-start', 'response-metadata', 'text-start', 'text-delta']);
    await reader.cancel();
    expect((await generateText({ model, prompt: 'Hi', maxOutputTokens: 2 })).text).toBe('t1t2');
  });

  it("with includeRawChunks, the engine's events come as raw parts before their own", async () => {
    const { engine } = await scriptedEngine();
    const { stream } = await speculo(engine).doStream({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], maxOutputTokens: 2, includeRawChunks: true });
    const parts: string[] = [];
    const reader = stream.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      const part = next.value;
      parts.push(part.type === 'raw' ? `raw:${(part.rawValue as { type: string }).type}` : part.type);
    }
    expect(parts).toEqual(['stream-start', 'response-metadata', 'raw:token', 'text-start', 'text-delta', 'raw:token', 'text-delta', 'raw:done', 'text-end', 'finish']);
  });

  it('refuses tools, JSON output and images by name before the engine runs', async () => {
    const { engine, worker } = await scriptedEngine();
    const model = speculo(engine);
    const weather = tool({ description: 'Weather', inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } } }) });
    await expect(generateText({ model, prompt: 'Weather in Paris?', tools: { weather } })).rejects.toThrow(/tools \(weather\) are not supported/);
    await expect(generateText({ model, prompt: 'JSON please', output: Output.json() })).rejects.toThrow(/responseFormat 'json' is not supported/);
    const image = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await expect(
      generateText({
        model,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is it?' },
              { type: 'image', image, mediaType: 'image/png' },
            ],
          },
        ],
      }),
    ).rejects.toThrow(/file part \(image\/png\)/);
    const errors: unknown[] = [];
    const streamed = streamText({ model, prompt: 'Hi', tools: { weather }, onError: ({ error }) => void errors.push(error) });
    await expect(streamed.text).rejects.toThrow();
    expect(errors).toEqual([expect.objectContaining({ name: 'RangeError', message: expect.stringMatching(/^tools \(weather\) are not supported/) })]);
    await expect(generateText({ model, prompt: 'Hi', temperature: -1 })).rejects.toThrow(/temperature/);
    expect(worker.calls).toEqual([]);
  });
});
