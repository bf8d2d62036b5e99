import type { ChatCompletionChunk } from '../../src/types/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { generateOptionsOfChatRequest } from '../../src/api/chat-completions.js';
import { disposeScriptedEngines, scriptedEngine } from '../helpers/scripted-worker-engine.js';

afterEach(disposeScriptedEngines);

const messages = [{ role: 'user' as const, content: 'Hi' }];

describe('generateOptionsOfChatRequest', () => {
  it("maps OpenAI's names onto generate options", () => {
    expect(generateOptionsOfChatRequest({ messages, max_tokens: 7, temperature: 0.5, top_p: 0.9, seed: 3, stop: 'END', model: 'anything', user: 'u', n: 1 })).toEqual({
      messages,
      maxNewTokens: 7,
      temperature: 0.5,
      topP: 0.9,
      seed: 3,
      stop: ['END'],
    });
    expect(generateOptionsOfChatRequest({ messages, max_completion_tokens: 9, stop: ['a', 'b'], temperature: null, speculo: { draftLength: 4, speculative: false } })).toEqual({
      messages,
      maxNewTokens: 9,
      stop: ['a', 'b'],
      draftLength: 4,
      speculative: false,
    });
  });

  it('refuses typos with the closest name and unsupported OpenAI parameters by name', () => {
    expect(() => generateOptionsOfChatRequest({ messages, max_token: 5 } as never)).toThrow(/unknown option "max_token" in chat.completions.create request: did you mean "max_tokens"\?/);
    expect(() => generateOptionsOfChatRequest({ messages, speculo: { draftLenght: 4 } } as never)).toThrow(/did you mean "draftLength"\?/);
    expect(() => generateOptionsOfChatRequest({ messages, tools: [] } as never)).toThrow(/^tools is not supported/);
    expect(() => generateOptionsOfChatRequest({ messages, n: 2 })).toThrow(/n must be 1 \(or absent\).*got 2/);
    expect(() => generateOptionsOfChatRequest({ messages, presence_penalty: 0.5 })).toThrow(/presence_penalty must be 0/);
    expect(() => generateOptionsOfChatRequest({ messages, logprobs: true })).toThrow(/logprobs must be false/);
    expect(() => generateOptionsOfChatRequest({ messages, max_tokens: 4, max_completion_tokens: 5 })).toThrow(/disagree/);
    expect(() => generateOptionsOfChatRequest(null as never)).toThrow(TypeError);
  });
});

describe('engine.chat.completions.create', () => {
  it('returns one chat.completion with usage and the extension field', async () => {
    const { engine, worker } = await scriptedEngine();
    const completion = await engine.chat.completions.create({ messages, max_tokens: 3, seed: 5 });
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'scripted',
      choices: [{ index: 0, message: { role: 'assistant', content: 't1t2t3' }, finish_reason: 'length', logprobs: null }],
      usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
      speculo: { finishReason: 'max-tokens', provenance: ['target', 'target', 'target'] },
    });
    expect(completion.id).toMatch(/^chatcmpl-[0-9a-f]{24}$/);
    expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(5);
    expect(worker.calls.at(-1)).toEqual({ messages, maxNewTokens: 3, seed: 5 });
  });

  it('streams a role chunk, one chunk per round, the finish chunk and the usage chunk', async () => {
    const { engine } = await scriptedEngine();
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of await engine.chat.completions.create({ messages, max_tokens: 3, stream: true, stream_options: { include_usage: true } })) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta ?? null)).toEqual([{ role: 'assistant', content: '' }, { content: 't1' }, { content: 't2' }, { content: 't3' }, {}, null]);
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual([null, null, null, null, 'length', null]);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'scripted')).toBe(true);
    expect(chunks[4]?.speculo?.finishReason).toBe('max-tokens');
    expect(chunks[5]).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } });
  });

  it('aborts with the signal reason, stops on break, and the next request runs', async () => {
    const { engine } = await scriptedEngine();
    const controller = new AbortController();
    const stream = await engine.chat.completions.create({ messages, max_tokens: 10_000, stream: true }, { signal: controller.signal });
    await stream.next();
    await stream.next();
    const reason = new Error('user left');
    controller.abort(reason);
    await expect(stream.next()).rejects.toBe(reason);

    for await (const chunk of await engine.chat.completions.create({ messages, max_tokens: 10_000, stream: true })) if (chunk.choices[0]?.delta.content) break;
    // Leaving right after the role chunk, before any round, must stop the generation too.
    const early = await engine.chat.completions.create({ messages, max_tokens: 10_000, stream: true });
    await early.next();
    await early.return?.();
    expect((await engine.chat.completions.create({ messages, max_tokens: 2 })).choices[0]?.message.content).toBe('t1t2');
  });

  it('rejects bad values at create(), not at the first chunk', async () => {
    const { engine } = await scriptedEngine();
    await expect(engine.chat.completions.create({ messages, stream: true, temperature: -1 })).rejects.toThrow(/temperature/);
    await expect(engine.chat.completions.create({ messages: [], stream: true })).rejects.toThrow(/messages/);
  });
});
