import type { GenerateOptions } from '../src/types/index.js';
import { describe, expect, it } from 'vitest';
import { generateOptionNames, normalizeGenerateOptions, samplingParamsOf } from '../src/api/validate-options.js';

const withPrompt = (extra: Record<string, unknown>): GenerateOptions => ({ prompt: 'Hi', ...extra }) as GenerateOptions;

describe('normalizeGenerateOptions', () => {
  it('fills in the defaults', () => {
    expect(normalizeGenerateOptions({ prompt: 'Hello' })).toEqual({
      prompt: 'Hello',
      messages: null,
      promptIds: null,
      maxNewTokens: 128,
      temperature: 0,
      topK: 0,
      topP: 1,
      seed: 0,
      stop: [],
      draftLength: null,
      policy: null,
      drafter: null,
      speculative: true,
      trace: null,
    });
  });

  it('validates policy, drafter and trace options by name', () => {
    expect(normalizeGenerateOptions({ prompt: 'x', policy: 'heuristic', drafter: 'prompt-lookup', trace: true })).toMatchObject({
      policy: 'heuristic',
      drafter: 'prompt-lookup',
      trace: { redactPrompt: false },
    });
    expect(() => normalizeGenerateOptions({ prompt: 'x', policy: 'fast' as never })).toThrow(/policy/);
    expect(() => normalizeGenerateOptions({ prompt: 'x', drafter: 'eagle' as never })).toThrow(/drafter/);
    expect(() => normalizeGenerateOptions({ prompt: 'x', trace: { redactPrompt: 'yes' } as never })).toThrow(/trace.redactPrompt/);
  });

  it('takes pre-tokenized promptIds and refuses bad ids or a second input', () => {
    expect(normalizeGenerateOptions({ promptIds: [1, 2, 3] }).promptIds).toEqual([1, 2, 3]);
    expect(() => normalizeGenerateOptions({ promptIds: [] })).toThrow(/promptIds/);
    expect(() => normalizeGenerateOptions({ promptIds: [1, -2] })).toThrow(/promptIds\[1\]/);
    expect(() => normalizeGenerateOptions({ promptIds: [1.5] })).toThrow(RangeError);
    expect(() => normalizeGenerateOptions({ promptIds: [1], prompt: 'x' })).toThrow(/only one of/);
  });

  it('keeps valid values and copies messages', () => {
    const messages: GenerateOptions['messages'] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ];
    const normalized = normalizeGenerateOptions({
      messages,
      maxNewTokens: 7,
      temperature: 0.7,
      topK: 40,
      topP: 0.95,
      seed: 2 ** 32 - 1,
      stop: ['\n'],
      draftLength: 64,
      speculative: false,
    });
    expect(normalized).toMatchObject({ prompt: null, maxNewTokens: 7, draftLength: 64, speculative: false });
    expect(normalized.messages).toEqual(messages);
    expect(normalized.messages).not.toBe(messages);
    expect(samplingParamsOf(normalized)).toEqual({ temperature: 0.7, topK: 40, topP: 0.95 });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['maxNewTokens', { maxNewTokens: 0 }, /maxNewTokens.*≥ 1.*got 0/],
    ['maxNewTokens', { maxNewTokens: -5 }, /maxNewTokens.*-5/],
    ['maxNewTokens', { maxNewTokens: 2.5 }, /maxNewTokens.*integer.*2\.5/],
    ['temperature', { temperature: -0.1 }, /temperature.*≥ 0.*-0\.1/],
    ['temperature', { temperature: Number.NaN }, /temperature.*NaN/],
    ['temperature', { temperature: Infinity }, /temperature.*Infinity/],
    ['topP', { topP: 0 }, /topP.*\(0, 1\].*got 0/],
    ['topP', { topP: 1.5 }, /topP.*1\.5/],
    ['topP', { topP: Number.NaN }, /topP.*NaN/],
    ['topK', { topK: -1 }, /topK.*≥ 0.*-1/],
    ['topK', { topK: 2.5 }, /topK.*integer.*2\.5/],
    ['draftLength', { draftLength: 0 }, /draftLength.*1\.\.64.*got 0/],
    ['draftLength', { draftLength: 1.5 }, /draftLength.*1\.5/],
    ['draftLength', { draftLength: 65 }, /draftLength.*65/],
    ['seed', { seed: -1 }, /seed.*0\.\.4294967295.*-1/],
    ['seed', { seed: 0.5 }, /seed.*0\.5/],
    ['seed', { seed: 2 ** 32 }, /seed.*4294967296/],
    ['seed', { seed: Infinity }, /seed.*Infinity/],
    ['stop', { stop: [''] }, /stop/],
  ])('rejects a bad %s (%o) with a RangeError naming it', (_, extra, message) => {
    expect(() => normalizeGenerateOptions(withPrompt(extra))).toThrow(RangeError);
    expect(() => normalizeGenerateOptions(withPrompt(extra))).toThrow(message);
  });

  it.each<[string, Record<string, unknown>]>([
    ['maxNewTokens', { maxNewTokens: '5' }],
    ['temperature', { temperature: '0.5' }],
    ['topK', { topK: null }],
    ['seed', { seed: 1n }],
    ['speculative', { speculative: 'yes' }],
    ['stop', { stop: 'END' }],
    ['stop', { stop: [1] }],
  ])('rejects a wrongly typed %s with a TypeError naming it', (name, extra) => {
    expect(() => normalizeGenerateOptions(withPrompt(extra))).toThrow(TypeError);
    expect(() => normalizeGenerateOptions(withPrompt(extra))).toThrow(new RegExp(name));
  });

  it.each<[string, unknown]>([
    ['no prompt and no messages', {}],
    ['an empty prompt', { prompt: '' }],
    ['a whitespace prompt', { prompt: ' \n\t' }],
    ['an empty messages array', { messages: [] }],
    ['both prompt and messages', { prompt: 'a', messages: [{ role: 'user', content: 'b' }] }],
    ['a message with a bad role', { messages: [{ role: 'robot', content: 'b' }] }],
  ])('rejects %s with a RangeError naming prompt or messages', (_, options) => {
    expect(() => normalizeGenerateOptions(options as GenerateOptions)).toThrow(RangeError);
    expect(() => normalizeGenerateOptions(options as GenerateOptions)).toThrow(/prompt|messages/);
  });

  it('rejects non-string prompts and message contents with a TypeError', () => {
    expect(() => normalizeGenerateOptions({ prompt: 42 } as unknown as GenerateOptions)).toThrow(/prompt/);
    expect(() => normalizeGenerateOptions({ messages: [{ role: 'user', content: 5 }] } as unknown as GenerateOptions)).toThrow(/messages\[0\]\.content/);
    expect(() => normalizeGenerateOptions({ messages: [null] } as unknown as GenerateOptions)).toThrow(TypeError);
    expect(() => normalizeGenerateOptions(null as unknown as GenerateOptions)).toThrow(TypeError);
  });

  it('names the offending message index and role', () => {
    const messages = [
      { role: 'user', content: 'a' },
      { role: 'tool', content: 'b' },
    ];
    expect(() => normalizeGenerateOptions({ messages } as unknown as GenerateOptions)).toThrow(/messages\[1\]\.role.*"tool"/);
  });
});

describe('normalizeGenerateOptions on unknown option names', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['maxNewToken', { prompt: 'x', maxNewToken: 5 }, 'unknown option "maxNewToken" in generate options: did you mean "maxNewTokens"?'],
    ['temprature', { prompt: 'x', temprature: 5 }, 'unknown option "temprature" in generate options: did you mean "temperature"?'],
    ['TopK', { prompt: 'x', TopK: 5 }, 'unknown option "TopK" in generate options: did you mean "topK"?'],
    ['polcy', { prompt: 'x', polcy: 'static' }, 'unknown option "polcy" in generate options: did you mean "policy"?'],
    ['redactPromt', { prompt: 'x', trace: { redactPromt: true } }, 'unknown option "redactPromt" in trace options: did you mean "redactPrompt"?'],
    ['redactOutpt', { prompt: 'x', trace: { redactPrompt: true, redactOutpt: true } }, 'unknown option "redactOutpt" in trace options: did you mean "redactOutput"?'],
  ])('refuses %s with a RangeError naming it and the name it is close to', (_, options, message) => {
    expect(() => normalizeGenerateOptions(options as GenerateOptions)).toThrow(RangeError);
    expect(() => normalizeGenerateOptions(options as GenerateOptions)).toThrow(message);
  });

  it('lists the known names when an unknown one is close to none', () => {
    expect(() => normalizeGenerateOptions({ prompt: 'x', banana: 1 } as GenerateOptions)).toThrow(
      new RangeError(`unknown option "banana" in generate options: the known ones are ${generateOptionNames.join(', ')}`),
    );
    expect(() => normalizeGenerateOptions({ prompt: 'x', trace: { banana: true } } as GenerateOptions)).toThrow(
      'unknown option "banana" in trace options: the known ones are redactPrompt, redactOutput',
    );
  });

  it('refuses the unknown name before checking the input, so a typo is reported even without a prompt', () => {
    expect(() => normalizeGenerateOptions({ promt: 'x' } as GenerateOptions)).toThrow(/unknown option "promt".*did you mean "prompt"\?/);
  });

  // One valid value per known name: a name added to the list without a sample here fails the first test.
  const samples: Record<string, GenerateOptions> = {
    prompt: { prompt: 'x' },
    messages: { messages: [{ role: 'user', content: 'x' }] },
    promptIds: { promptIds: [1, 2] },
    maxNewTokens: { prompt: 'x', maxNewTokens: 5 },
    temperature: { prompt: 'x', temperature: 0.5 },
    topK: { prompt: 'x', topK: 3 },
    topP: { prompt: 'x', topP: 0.9 },
    seed: { prompt: 'x', seed: 7 },
    stop: { prompt: 'x', stop: ['END'] },
    draftLength: { prompt: 'x', draftLength: 4 },
    policy: { prompt: 'x', policy: 'static' },
    drafter: { prompt: 'x', drafter: 'ngram-cache' },
    speculative: { prompt: 'x', speculative: false },
    trace: { prompt: 'x', trace: { redactPrompt: true, redactOutput: false } },
  };

  it('has a sample for exactly the known names', () => {
    expect(Object.keys(samples).sort()).toEqual([...generateOptionNames].sort());
    expect(generateOptionNames).toHaveLength(14);
  });

  it.each(Object.entries(samples))('accepts the known name %s and keeps its value', (name, options) => {
    const normalized = normalizeGenerateOptions(options) as unknown as Record<string, unknown>;
    expect(normalized[name]).toEqual((options as Record<string, unknown>)[name]);
  });

  it('accepts every known name at once (with promptIds as the input)', () => {
    const all = Object.assign({}, ...Object.values(samples)) as Record<string, unknown>;
    delete all.prompt;
    delete all.messages;
    expect(Object.keys(all)).toHaveLength(12);
    expect(normalizeGenerateOptions(all as GenerateOptions)).toMatchObject({
      promptIds: [1, 2],
      maxNewTokens: 5,
      drafter: 'ngram-cache',
      trace: { redactPrompt: true, redactOutput: false },
    });
  });
});
