import type { InferenceSession } from 'onnxruntime-web/webgpu';
import { describe, expect, it } from 'vitest';
import { UnsupportedModelError } from '../../src/errors.js';
import { checkDecoderContract, findCacheSlots, type DecoderConfig } from '../../src/models/decoder-contract.js';

type Shape = (number | string)[];

/** Declared inputs and outputs of a one-layer decoder, as ORT reports them: no model behind it. */
function declared(options: { past?: Shape; logits?: Shape; logitsType?: string; extraInputs?: string[]; outputs?: string[] } = {}): InferenceSession {
  const past = options.past ?? ['batch_size', 2, 'past_sequence_length', 64];
  const inputs: InferenceSession.ValueMetadata[] = [
    { name: 'input_ids', isTensor: true, type: 'int64', shape: ['batch_size', 'sequence_length'] },
    { name: 'attention_mask', isTensor: true, type: 'int64', shape: ['batch_size', 'total_sequence_length'] },
    { name: 'past_key_values.0.key', isTensor: true, type: 'float16', shape: past },
    { name: 'past_key_values.0.value', isTensor: true, type: 'float16', shape: past },
    ...(options.extraInputs ?? []).map((name): InferenceSession.ValueMetadata => ({ name, isTensor: true, type: 'int64', shape: [] })),
  ];
  const outputs: InferenceSession.ValueMetadata[] = (options.outputs ?? ['logits', 'present.0.key', 'present.0.value']).map((name) =>
    name === 'logits'
      ? { name, isTensor: true, type: (options.logitsType ?? 'float32') as 'float32', shape: options.logits ?? ['batch_size', 'sequence_length', 151936] }
      : { name, isTensor: true, type: 'float16', shape: ['batch_size', 2, 'total_sequence_length', 64] },
  );
  return {
    inputNames: inputs.map((m) => m.name),
    outputNames: outputs.map((m) => m.name),
    inputMetadata: inputs,
    outputMetadata: outputs,
  } as unknown as InferenceSession;
}

const qwenLike: DecoderConfig = { model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'], vocab_size: 151936, hidden_size: 1536, num_attention_heads: 12, num_key_value_heads: 2 };

function refusal(run: () => unknown): UnsupportedModelError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UnsupportedModelError);
    return error as UnsupportedModelError;
  }
  throw new Error('expected an UnsupportedModelError');
}

describe('findCacheSlots', () => {
  it('reads numeric dims from the session before anything in config.json', () => {
    const slots = findCacheSlots(declared(), { ...qwenLike, num_key_value_heads: 7, head_dim: 3 });
    expect(slots).toEqual([
      { inputName: 'past_key_values.0.key', outputName: 'present.0.key', heads: 2, headDim: 64, dataType: 'float16' },
      { inputName: 'past_key_values.0.value', outputName: 'present.0.value', heads: 2, headDim: 64, dataType: 'float16' },
    ]);
  });

  it('reads a symbolic head dim (kv_cache_dim) and kv heads from num_key_value_heads and head_dim', () => {
    const session = declared({ past: ['batch_size', 'num_kv_heads', 'past_sequence_length', 'kv_cache_dim'] });
    const [slot] = findCacheSlots(session, { ...qwenLike, head_dim: 128 });
    expect(slot).toMatchObject({ heads: 2, headDim: 128 });
  });

  it('derives the head dim from hidden_size / num_attention_heads, and kv heads from num_attention_heads', () => {
    const session = declared({ past: ['batch_size', 'num_heads', 'past_sequence_length', 'kv_cache_dim'] });
    expect(findCacheSlots(session, qwenLike)[0]).toMatchObject({ heads: 2, headDim: 128 });
    expect(findCacheSlots(session, { hidden_size: 768, num_attention_heads: 12 })[0]).toMatchObject({ heads: 12, headDim: 64 });
  });

  it("falls back on transformers.js's normalized_config", () => {
    const session = declared({ past: ['batch_size', 'heads', 'past_sequence_length', 'kv_cache_dim'] });
    expect(findCacheSlots(session, { model_type: 'gpt2', normalized_config: { num_heads: 12, dim_kv: 64 } })[0]).toMatchObject({ heads: 12, headDim: 64 });
  });

  it('refuses by name, listing the config fields it looked for, when neither the session nor config.json says', () => {
    const session = declared({ past: ['batch_size', 'heads', 'past_sequence_length', 'kv_cache_dim'] });
    const error = refusal(() => findCacheSlots(session, { model_type: 'mystery', hidden_size: 100, num_attention_heads: 3 }, 'target model "org/mystery"'));
    expect(error.message).toContain('target model "org/mystery"');
    expect(error.message).toContain('"past_key_values.0.key"');
    expect(error.message).toContain('[batch_size, heads, past_sequence_length, kv_cache_dim]');
    // 100 / 3 is no head size, so the head dim is unknown as well as the kv heads being found from num_attention_heads.
    expect(error.message).toMatch(/head_dim.*hidden_size \/ num_attention_heads/);
    expect(error.architecture).toBe('mystery');
    const none = refusal(() => findCacheSlots(session, {}));
    expect(none.message).toMatch(/num_key_value_heads.*num_attention_heads/);
  });

  it('refuses a cache input without its present output', () => {
    const session = declared({ outputs: ['logits', 'present.0.key'] });
    expect(refusal(() => findCacheSlots(session, qwenLike)).message).toContain('"present.0.value"');
  });
});

describe('checkDecoderContract', () => {
  it('accepts a transformers.js-style export and reports its vocabulary width and logits precision', () => {
    const contract = checkDecoderContract(declared({ logitsType: 'float16' }), qwenLike, 'target model "a"');
    expect(contract).toMatchObject({ vocabSize: 151936, bytesPerLogit: 2, hasLogitsToKeep: false, hasPositionIds: false });
    expect(contract.cacheSlots).toHaveLength(2);
  });

  it('takes the vocabulary width from config.json when the logits declare it symbolically', () => {
    const contract = checkDecoderContract(declared({ logits: ['batch_size', 'sequence_length', 'vocab_size'] }), qwenLike, 'm');
    expect(contract.vocabSize).toBe(151936);
    expect(checkDecoderContract(declared({ logits: ['b', 's', 'v'] }), { ...qwenLike, vocab_size: undefined }, 'm').vocabSize).toBeNull();
  });

  it('refuses logits for the last position only, by name, saying why and what to use instead', () => {
    const error = refusal(() => checkDecoderContract(declared({ logits: ['batch_size', 1, 151936] }), qwenLike, 'target model "org/pruned"'));
    expect(error.message).toContain('target model "org/pruned"');
    expect(error.message).toContain('[batch_size, 1, 151936]');
    expect(error.message).toMatch(/logits at every fed position/);
    expect(error.message).toMatch(/Use an export whose logits are \[batch_size, sequence_length, vocab\]/);
    expect(error.architecture).toBe('Qwen2ForCausalLM');
  });

  it('accepts a last-position logits declaration when num_logits_to_keep lets the runner ask for every position', () => {
    const session = declared({ logits: ['batch_size', 1, 151936], extraInputs: ['num_logits_to_keep'] });
    expect(checkDecoderContract(session, qwenLike, 'm').hasLogitsToKeep).toBe(true);
  });

  it('refuses a fixed-size (windowed or static) KV cache by name', () => {
    const error = refusal(() => checkDecoderContract(declared({ past: ['batch_size', 2, 4096, 64] }), qwenLike, 'draft model "org/windowed"'));
    expect(error.message).toContain('draft model "org/windowed"');
    expect(error.message).toContain('a fixed-size KV cache of 4096 positions (windowed or static)');
    expect(error.message).toContain('[batch_size, 2, 4096, 64]');
    expect(error.message).toMatch(/cannot do\. Use an export whose cache grows/);
  });

  it('refuses an export without token-id input or logits output', () => {
    const noLogits = declared({ outputs: ['last_hidden_state', 'present.0.key', 'present.0.value'] });
    expect(refusal(() => checkDecoderContract(noLogits, qwenLike, 'm')).message).toMatch(/no "logits" output/);
    const embedsOnly = declared();
    (embedsOnly as unknown as { inputNames: string[] }).inputNames = ['inputs_embeds', 'attention_mask'];
    expect(refusal(() => checkDecoderContract(embedsOnly, qwenLike, 'm')).message).toMatch(/no "input_ids" input/);
    expect(refusal(() => checkDecoderContract(declared({ logitsType: 'bfloat16' }), qwenLike, 'm')).message).toMatch(/bfloat16/);
  });
});
