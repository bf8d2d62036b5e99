import type { LanguageModelV4CallOptions, LanguageModelV4Prompt } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { engineCallOf } from '../../src/ai-sdk/call-options.js';
import { chatMessagesOfPrompt } from '../../src/ai-sdk/prompt.js';
import { createSpeculoProvider, speculo } from '../../src/ai-sdk/provider.js';
import { finishReasonOf, providerMetadataOf, usageOfResult } from '../../src/ai-sdk/result.js';
import { StreamPartMapper } from '../../src/ai-sdk/stream-parts.js';
import type { StreamingEngine } from '../../src/client/engine-stream.js';
import type { GenerationResult } from '../../src/types/index.js';

const user = (text: string) => ({ role: 'user' as const, content: [{ type: 'text' as const, text }] });
const call = (extra: Partial<LanguageModelV4CallOptions> = {}): LanguageModelV4CallOptions => ({ prompt: [user('Hi')], ...extra });
const result = (overrides: Partial<GenerationResult> = {}) =>
  ({
    text: 'ab',
    tokenIds: [5, 6, 2],
    provenance: ['target', 'draft', 'draft'],
    finishReason: 'eos',
    promptTokens: 7,
    metrics: { acceptanceRate: 1, acceptanceByPosition: [1] },
    ...overrides,
  }) as GenerationResult;

describe('chatMessagesOfPrompt', () => {
  it('keeps system, user and assistant turns, joining text parts as they are', () => {
    const prompt: LanguageModelV4Prompt = [
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hello, ' },
          { type: 'text', text: 'world' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'Hi!' }] },
      user('Again'),
    ];
    expect(chatMessagesOfPrompt(prompt)).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello, world' },
      { role: 'assistant', content: 'Hi!' },
      { role: 'user', content: 'Again' },
    ]);
  });

  it('refuses what is not text, naming the part and where it is', () => {
    const image: LanguageModelV4Prompt = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'file', mediaType: 'image/png', data: { type: 'data', data: new Uint8Array([1]) } },
        ],
      },
    ];
    expect(() => chatMessagesOfPrompt(image)).toThrow(/^a file part \(image\/png\) in the user message prompt\[0\] is not supported by the speculo provider/);
    const toolCall: LanguageModelV4Prompt = [user('Weather?'), { role: 'assistant', content: [{ type: 'tool-call', toolCallId: '1', toolName: 'weather', input: {} }] }];
    expect(() => chatMessagesOfPrompt(toolCall)).toThrow(/a tool-call part in the assistant message prompt\[1\]/);
    const toolResult: LanguageModelV4Prompt = [{ role: 'tool', content: [{ type: 'tool-result', toolCallId: '1', toolName: 'weather', output: { type: 'text', value: 'sun' } }] }];
    expect(() => chatMessagesOfPrompt(toolResult)).toThrow(/a tool message \(prompt\[0\]\)/);
    expect(() => chatMessagesOfPrompt([{ role: 'assistant', content: [{ type: 'reasoning', text: 'hmm' }] }])).toThrow(RangeError);
  });
});

describe('engineCallOf', () => {
  it("maps the AI SDK's settings onto generate options, leaving temperature to the engine's greedy default", () => {
    expect(engineCallOf(call({ maxOutputTokens: 7, temperature: 0.5, topP: 0.9, topK: 40, seed: 3, stopSequences: ['END'], headers: { 'user-agent': 'ai/7' } }))).toEqual({
      options: { messages: [{ role: 'user', content: 'Hi' }], maxNewTokens: 7, temperature: 0.5, topP: 0.9, topK: 40, seed: 3, stop: ['END'] },
      warnings: [],
    });
    const { options } = engineCallOf(call({ stopSequences: [] }));
    expect(options).toEqual({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(options).not.toHaveProperty('temperature');
  });

  it("takes Speculo's own options from providerOptions.speculo over the model's, and ignores other providers'", () => {
    const providerOptions = { speculo: { draftLength: 4, speculative: true }, openai: { store: true } };
    expect(engineCallOf(call({ providerOptions }), { drafter: 'prompt-lookup', draftLength: 2 }).options).toEqual({
      messages: [{ role: 'user', content: 'Hi' }],
      drafter: 'prompt-lookup',
      draftLength: 4,
      speculative: true,
    });
    expect(() => engineCallOf(call({ providerOptions: { speculo: { draftLenght: 4 } } }))).toThrow(/unknown option "draftLenght" in providerOptions.speculo: did you mean "draftLength"\?/);
    expect(() => engineCallOf(call({ providerOptions: { speculo: { topK: 4 } } }))).toThrow(/unknown option "topK"/);
  });

  it('warns about settings it does without and refuses what cannot work, by name', () => {
    expect(engineCallOf(call({ frequencyPenalty: 0.5, presencePenalty: 0, reasoning: 'high' })).warnings).toEqual([
      { type: 'unsupported', feature: 'frequencyPenalty', details: expect.stringMatching(/^ignored \(0.5\)/) },
      { type: 'unsupported', feature: 'reasoning', details: expect.stringMatching(/^ignored \('high'\)/) },
    ]);
    expect(engineCallOf(call({ reasoning: 'provider-default', responseFormat: { type: 'text' } })).warnings).toEqual([]);
    const tools = [{ type: 'function' as const, name: 'weather', inputSchema: { type: 'object' as const } }];
    expect(() => engineCallOf(call({ tools, toolChoice: { type: 'auto' } }))).toThrow(/^tools \(weather\) are not supported by the speculo provider/);
    expect(engineCallOf(call({ tools, toolChoice: { type: 'none' } })).options).toEqual({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(() => engineCallOf(call({ responseFormat: { type: 'json' } }))).toThrow(/^responseFormat 'json' is not supported/);
  });

  it('refuses bad values as generate does, when the call starts', () => {
    expect(() => engineCallOf(call({ temperature: -1 }))).toThrow(/temperature/);
    expect(() => engineCallOf(call({ topP: 2 }))).toThrow(/topP/);
    expect(() => engineCallOf(call({ prompt: [] }))).toThrow(/messages/);
  });
});

describe('results', () => {
  it("maps finish reasons to the AI SDK's, with Speculo's as raw", () => {
    expect(finishReasonOf('eos')).toEqual({ unified: 'stop', raw: 'eos' });
    expect(finishReasonOf('stop-string')).toEqual({ unified: 'stop', raw: 'stop-string' });
    expect(finishReasonOf('max-tokens')).toEqual({ unified: 'length', raw: 'max-tokens' });
    expect(finishReasonOf('context-length')).toEqual({ unified: 'length', raw: 'context-length' });
  });

  it('counts prompt and generated tokens and carries metrics and provenance as providerMetadata.speculo', () => {
    expect(usageOfResult(result())).toEqual({
      inputTokens: { total: 7, noCache: 7, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 3, text: 3, reasoning: undefined },
    });
    expect(providerMetadataOf(result())).toEqual({
      speculo: { metrics: { acceptanceRate: 1, acceptanceByPosition: [1] }, finishReason: 'eos', provenance: ['target', 'draft', 'draft'] },
    });
  });

  it('streams one text block: start, a delta per round with its provenance, end, then finish', () => {
    const mapper = new StreamPartMapper('t');
    expect(mapper.partsOf({ type: 'guardrail', event: { type: 'fallback' } as never })).toEqual([]);
    expect(mapper.partsOf({ type: 'token', tokenIds: [2], text: '', provenance: ['target'], round: 0 })).toEqual([]);
    expect(mapper.partsOf({ type: 'token', tokenIds: [5], text: 'a', provenance: ['target'], round: 0 })).toEqual([
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'a', providerMetadata: { speculo: { round: 0, provenance: ['target'] } } },
    ]);
    expect(mapper.partsOf({ type: 'token', tokenIds: [6, 2], text: 'b', provenance: ['draft', 'draft'], round: 1 })).toEqual([
      { type: 'text-delta', id: 't', delta: 'b', providerMetadata: { speculo: { round: 1, provenance: ['draft', 'draft'] } } },
    ]);
    expect(mapper.partsOf({ type: 'done', result: result() })).toEqual([
      { type: 'text-end', id: 't' },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'eos' }, usage: usageOfResult(result()), providerMetadata: providerMetadataOf(result()) },
    ]);
    expect(new StreamPartMapper().partsOf({ type: 'done', result: result({ text: '' }) }).map((p) => p.type)).toEqual(['finish']);
  });
});

describe('createSpeculoProvider', () => {
  const engine = {
    info: { target: { id: 'org/target' } },
    stream: () => {
      throw new Error('not called');
    },
  } as unknown as StreamingEngine;

  it("gives the engine's language model, under its target's id", () => {
    const model = speculo(engine, { draftLength: 3 });
    expect(model).toMatchObject({ specificationVersion: 'v4', provider: 'speculo', modelId: 'org/target', supportedUrls: {} });
    const provider = createSpeculoProvider(engine);
    expect(provider.specificationVersion).toBe('v4');
    expect(provider.languageModel('org/target').modelId).toBe('org/target');
    expect(() => provider.languageModel('org/other')).toThrow(/serves the engine's target "org\/target", not "org\/other"/);
    expect(() => provider.embeddingModel('e')).toThrow(/no embedding model/);
    expect(() => provider({ draftLenght: 3 } as never)).toThrow(/did you mean "draftLength"\?/);
  });
});
