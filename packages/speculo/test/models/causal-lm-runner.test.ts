import { describe, expect, it } from 'vitest';
import { UnsupportedModelError } from '../../src/errors.js';
import { CausalLmRunner, prefillChunkTokens } from '../../src/models/causal-lm-runner.js';
import { blockValues } from '../helpers/logits-block.js';
import { fakeCausalLM, fakeDecoderSession, float32ToFloat16Bits, type FakeDecoderSpec } from '../helpers/fake-decoder-session.js';

/** A deterministic "language model": the next token depends on the last two tokens of the context. */
const predict = (context: readonly number[]): number => ((context.at(-1) ?? 0) * 7 + (context.at(-2) ?? 0) * 3 + 1) % 509;
const prompt = Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 509);

function runnerOver(spec: Partial<FakeDecoderSpec>, options: ConstructorParameters<typeof CausalLmRunner>[1] = {}, config: Record<string, unknown> = {}) {
  const fake = fakeDecoderSession({ vocabSize: 512, predict, ...spec });
  return { fake, runner: new CausalLmRunner(fakeCausalLM(fake.session, config), options) };
}

describe('CausalLmRunner.prefill', () => {
  it('feeds a long prompt in chunks whose logits stay within the budget and returns the last row', async () => {
    // 512 columns × 4 bytes = 2 KiB a row: a 64 KiB budget allows 32 tokens a pass.
    const budget = 64 * 1024;
    const { fake, runner } = runnerOver({}, { prefillLogitsBudgetBytes: budget });
    const logits = await runner.prefill(prompt);

    expect(fake.calls.map((c) => c.fed)).toEqual([...Array(9).fill(32), 12]);
    // Each chunk went onto the cache of the ones before (the fake checks mask, positions and cache dims too).
    expect(fake.calls.map((c) => c.past)).toEqual(Array.from({ length: 10 }, (_, i) => i * 32));
    expect(Math.max(...fake.calls.map((c) => c.logitsBytes))).toBeLessThanOrEqual(budget);
    // Every chunk's logits tensor was released before the next pass began.
    expect(fake.calls.every((c) => c.liveLogitsTensors === 0)).toBe(true);
    expect(runner.length).toBe(prompt.length);
    expect(logits.rows).toBe(1);
    expect(logits.vocabSize).toBe(512);
    expect(Array.from(logits.values(0))).toEqual(Array.from(fake.expectedRow(prompt)));
  });

  it('returns the same row as one whole-prompt pass, and decoding continues from the same cache', async () => {
    const chunked = runnerOver({}, { prefillLogitsBudgetBytes: 10_000 }).runner;
    const whole = runnerOver({}).runner;
    const a = await chunked.prefill(prompt);
    const b = await whole.forward(prompt, true);
    expect(blockValues(a)).toEqual(blockValues(b));
    const next = [predict(prompt), 5, 9];
    const afterChunked = await chunked.forward(next);
    const afterWhole = await whole.forward(next);
    expect(blockValues(afterChunked)).toEqual(blockValues(afterWhole));
  });

  it('uses one pass asking for the last row only when the export has num_logits_to_keep', async () => {
    const { fake, runner } = runnerOver({ withLogitsToKeep: true }, { prefillLogitsBudgetBytes: 4096 });
    const logits = await runner.prefill(prompt);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]).toMatchObject({ fed: prompt.length, logitsToKeep: 1, logitsRows: 1 });
    expect(blockValues(logits)).toEqual(Array.from(fake.expectedRow(prompt)));
    // Verification still gets every row.
    await runner.forward([1, 2, 3]);
    expect(fake.calls[1]).toMatchObject({ logitsToKeep: 0, logitsRows: 3 });
  });

  it('uses one pass when the prompt fits one chunk, and the default budget is 32 MiB', async () => {
    const { fake, runner } = runnerOver({});
    await runner.prefill(prompt);
    expect(fake.calls.map((c) => c.fed)).toEqual([prompt.length]);
    expect(prefillChunkTokens(151_936, 4, 32 * 1024 * 1024)).toBe(55);
    expect(prefillChunkTokens(262_144, 2, 32 * 1024 * 1024)).toBe(64);
    expect(prefillChunkTokens(262_144, 4, 1000)).toBe(1);
  });

  it('sizes chunks for fp16 logits by their 2 bytes, and learns the width from a first token when nothing declares it', async () => {
    const half = runnerOver({ logitsType: 'float16' }, { prefillLogitsBudgetBytes: 64 * 1024 });
    await half.runner.prefill(prompt);
    expect(half.fake.calls.map((c) => c.fed)).toEqual([64, 64, 64, 64, 44]);

    const undeclared = runnerOver({ logitsShape: ['batch_size', 'sequence_length', 'vocab_size'] }, { prefillLogitsBudgetBytes: 64 * 1024 });
    expect(undeclared.runner.vocabSize).toBeNull();
    const logits = await undeclared.runner.prefill(prompt);
    expect(undeclared.fake.calls.map((c) => c.fed)).toEqual([1, ...Array(9).fill(32), 11]);
    expect(blockValues(logits)).toEqual(Array.from(undeclared.fake.expectedRow(prompt)));
    expect(undeclared.runner.vocabSize).toBe(512);
  });

  it('takes the width from config.json when the logits output does not declare it', async () => {
    const { fake, runner } = runnerOver({ logitsShape: ['batch_size', 'sequence_length', 'vocab_size'] }, { prefillLogitsBudgetBytes: 64 * 1024 }, { vocab_size: 512 });
    await runner.prefill(prompt);
    expect(fake.calls[0]!.fed).toBe(32);
  });
});

describe('CausalLmRunner at load', () => {
  it('refuses a last-position-only LM head by the name it was given', () => {
    expect(() => runnerOver({ logitsShape: ['batch_size', 1, 512] }, { name: 'target model "org/pruned"' })).toThrow(/target model "org\/pruned" returns logits for the last position only/);
  });

  it('refuses a fixed-size cache', () => {
    expect(() => runnerOver({ pastShape: ['batch_size', 2, 256, 4] }, { name: 'draft model "d"' })).toThrow(UnsupportedModelError);
  });

  it('reads a symbolic head layout from config.json', async () => {
    const { runner } = runnerOver({ pastShape: ['batch_size', 'num_kv_heads', 'past_sequence_length', 'kv_cache_dim'] }, {}, { num_key_value_heads: 2, head_dim: 4 });
    expect(runner.cache.slots[0]).toMatchObject({ heads: 2, headDim: 4 });
    await runner.forward([1, 2]);
    expect(runner.length).toBe(2);
  });
});

describe('CausalLmRunner at run time', () => {
  it('refuses a cache that does not grow by the fed tokens (a window) instead of corrupting rollback', async () => {
    const { runner } = runnerOver({ presentLength: (past, fed) => Math.min(past + fed, 8) }, { name: 'target model "org/windowed"' });
    await runner.forward([1, 2, 3, 4, 5]);
    const failure = runner.forward([6, 7, 8, 9]);
    await expect(failure).rejects.toThrow(UnsupportedModelError);
    await expect(failure).rejects.toThrow(/target model "org\/windowed" returned "present.0.key" with 8 positions after 4 tokens were fed on a cache of 5, instead of 9/);
    // Nothing was adopted: the cache still holds the 5 positions it had.
    expect(runner.length).toBe(5);
  });

  it('refuses present outputs whose head layout contradicts the one read from config.json', async () => {
    const { runner } = runnerOver(
      { pastShape: ['batch_size', 'kv', 'past_sequence_length', 'kv_cache_dim'], presentHeads: 4 },
      { name: 'draft model "d"' },
      { num_key_value_heads: 2, head_dim: 4 },
    );
    await expect(runner.forward([1])).rejects.toThrow(/2 key\/value heads of 4; check num_key_value_heads and head_dim/);
  });

  it('converts fp16 logits exactly, infinities included', async () => {
    const { runner } = runnerOver({
      logitsType: 'float16',
      corrupt: (context, row) => {
        if (context.length === 2) row[3] = -Infinity;
      },
    });
    const logits = await runner.forward([1, 2]);
    expect(logits.rows).toBe(2);
    expect(logits.values(0)[predict([1])]).toBe(6);
    expect(logits.values(1)[3]).toBe(-Infinity);
    expect(float32ToFloat16Bits(6)).toBe(0x4600);
  });
});
