import { describe, expect, it } from 'vitest';
import { assertCompatiblePair, assertSupportedArchitecture, nonRollbackModelTypes, vocabSampleIds, type ModelDescription } from '../src/compat/compatibility.js';
import { IncompatibleModelsError, UnsupportedModelError } from '../src/errors.js';

function vocabulary(size: number, rename: Record<number, string> = {}): string[] {
  return Array.from({ length: size }, (_, id) => rename[id] ?? `tok${id}`);
}

function describeModel(id: string, overrides: Partial<ModelDescription> = {}, vocab = vocabulary(1000)): ModelDescription {
  return {
    id,
    modelType: 'llama',
    architectures: ['LlamaForCausalLM'],
    isEncoderDecoder: false,
    vocabSize: vocab.length,
    configVocabSize: vocab.length,
    specialTokens: { bos: 1, eos: 2, pad: null, unk: 0 },
    eosTokenIds: [2],
    vocabSample: vocabSampleIds(vocab.length).map((tokenId) => vocab[tokenId]),
    ...overrides,
  };
}

function incompatibility(target: ModelDescription, draft: ModelDescription): IncompatibleModelsError {
  try {
    assertCompatiblePair(target, draft);
  } catch (error) {
    expect(error).toBeInstanceOf(IncompatibleModelsError);
    return error as IncompatibleModelsError;
  }
  throw new Error('expected the pair to be refused');
}

describe('vocabSampleIds', () => {
  it('takes every id below 512, every 97th after, and the last id', () => {
    const ids = vocabSampleIds(1000);
    expect(ids.slice(0, 512)).toEqual(Array.from({ length: 512 }, (_, i) => i));
    expect(ids.slice(512)).toEqual([512, 609, 706, 803, 900, 997, 999]);
    expect(vocabSampleIds(100)).toHaveLength(100);
    expect(vocabSampleIds(0)).toEqual([]);
  });
});

describe('assertCompatiblePair', () => {
  it('accepts identical tokenizers, even with padded config vocab sizes', () => {
    expect(() => assertCompatiblePair(describeModel('target', { configVocabSize: 1024 }), describeModel('draft'))).not.toThrow();
  });

  it('names the vocab size and the differing tokens with their ids', () => {
    const target = describeModel('y', {}, vocabulary(439, { 300: 'th' }));
    const draft = describeModel('x', {}, vocabulary(363, { 300: 'in' }));
    const error = incompatibility(target, draft);
    expect(error.code).toBe('incompatible-models');
    expect(error.message).toMatch(/^draft "x" and target "y" do not share a vocabulary: /);
    expect(error.message).toContain('vocab size 439 in the target vs 363 in the draft');
    expect(error.message).toContain('token 300 is "th" in the target but "in" in the draft');
    // Different sizes put the last sampled id in different places; only shared ids are compared.
    expect(error.differences).toHaveLength(2);
  });

  it('lists every differing special token and the eos set', () => {
    const target = describeModel('t', { specialTokens: { bos: 1, eos: 2, pad: null }, eosTokenIds: [2, 7] });
    const draft = describeModel('d', { specialTokens: { bos: 5, eos: 2, pad: 0 }, eosTokenIds: [2] });
    const error = incompatibility(target, draft);
    expect(error.differences).toEqual([
      'bos token id 1 in the target vs 5 in the draft',
      'pad token id none in the target vs 0 in the draft',
      'eos token ids [2, 7] in the target vs [2] in the draft',
    ]);
  });

  it('spells out the first three differing tokens and counts the rest', () => {
    const renamed = { 3: 'a', 10: 'b', 20: 'c', 30: 'd', 609: 'e' };
    const error = incompatibility(describeModel('t'), describeModel('d', {}, vocabulary(1000, renamed)));
    expect(error.differences).toEqual([
      'token 3 is "tok3" in the target but "a" in the draft',
      'token 10 is "tok10" in the target but "b" in the draft',
      'token 20 is "tok20" in the target but "c" in the draft',
      '2 more of 519 sampled tokens differ',
    ]);
  });

  it('reports missing token strings readably', () => {
    const draft = describeModel('d');
    draft.vocabSample = [...draft.vocabSample];
    draft.vocabSample[4] = undefined;
    expect(incompatibility(describeModel('t'), draft).message).toContain('token 4 is "tok4" in the target but missing');
  });
});

describe('assertSupportedArchitecture', () => {
  it('accepts a decoder-only transformer', () => {
    expect(() => assertSupportedArchitecture(describeModel('llama'))).not.toThrow();
  });

  it('refuses encoder-decoders, naming the architecture', () => {
    const t5 = describeModel('t5-small', {
      modelType: 't5',
      architectures: ['T5ForConditionalGeneration'],
      isEncoderDecoder: true,
    });
    expect(() => assertSupportedArchitecture(t5)).toThrow(UnsupportedModelError);
    expect(() => assertSupportedArchitecture(t5)).toThrow(/T5ForConditionalGeneration.*encoder-decoder/);
  });

  it.each([
    ['mamba', 'MambaForCausalLM'],
    ['lfm2', 'Lfm2ForCausalLM'],
    ['qwen3_next', 'Qwen3NextForCausalLM'],
    ['rwkv6', 'Rwkv6ForCausalLM'],
  ])('refuses %s, whose state cannot be rolled back', (modelType, architecture) => {
    const model = describeModel('m', { modelType, architectures: [architecture] });
    try {
      assertSupportedArchitecture(model);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedModelError);
      expect((error as UnsupportedModelError).architecture).toBe(architecture);
      expect((error as Error).message).toContain(`model type "${modelType}"`);
      expect((error as Error).message).toMatch(/rolled back/);
    }
  });

  it('refuses every listed model type and recognises recurrent class names with an unknown type', () => {
    for (const modelType of nonRollbackModelTypes) {
      expect(() => assertSupportedArchitecture(describeModel('m', { modelType, architectures: [] }))).toThrow(new RegExp(modelType));
    }
    const renamed = describeModel('m', { modelType: 'mamba3', architectures: ['Mamba3ForCausalLM'] });
    expect(() => assertSupportedArchitecture(renamed)).toThrow(UnsupportedModelError);
  });
});
