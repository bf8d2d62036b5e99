import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { InvalidLogitsError, UnsupportedModelError } from '../../src/errors.js';
import { WorkerEngine, type AttachedModel } from '../../src/worker/worker-engine.js';
import { fakeDecoderSession, type FakeDecoderSpec } from '../helpers/fake-decoder-session.js';

const vocabSize = 64;
const predict = (context: readonly number[]): number => ((context.at(-1) ?? 0) * 5 + (context.at(-2) ?? 0) + 3) % 60;
const promptIds = Array.from({ length: 24 }, (_, i) => (i * 13 + 7) % 60);

/** A transformers.js model and tokenizer as the engine reads them, over a fake decoder session. */
function attached(id: string, spec: Partial<FakeDecoderSpec> = {}): AttachedModel & { disposed: () => boolean } {
  const { session } = fakeDecoderSession({ vocabSize, predict, ...spec });
  let disposed = false;
  const model = {
    sessions: { model: session },
    config: { model_type: 'llama', architectures: ['LlamaForCausalLM'], vocab_size: vocabSize, eos_token_id: 63 },
    generation_config: null,
    dispose: async () => {
      disposed = true;
    },
  };
  const vocab = new Map(Array.from({ length: vocabSize }, (_, i) => [`t${i}`, i] as const));
  const tokenizer = { get_vocab: () => vocab, decode: (ids: number[]) => ids.map((i) => `t${i} `).join('') };
  return { id, model: model as unknown as PreTrainedModel, tokenizer: tokenizer as unknown as PreTrainedTokenizer, disposed: () => disposed };
}

const noCalibration = { scheduler: { calibrate: false } };

describe('WorkerEngine with exports speculation cannot drive', () => {
  it('refuses a last-position-only LM head while attaching, naming the target', async () => {
    const engine = new WorkerEngine();
    const attempt = engine.attach(attached('org/pruned', { logitsShape: ['batch_size', 1, vocabSize] }), attached('org/draft'), 'wasm', noCalibration);
    await expect(attempt).rejects.toThrow(UnsupportedModelError);
    await expect(attempt).rejects.toThrow(/target model "org\/pruned" returns logits for the last position only: output "logits" is declared \[batch_size, 1, 64\]/);
  });

  it('refuses a windowed draft cache while attaching, naming the draft', async () => {
    const engine = new WorkerEngine();
    const attempt = engine.attach(attached('org/target'), attached('org/windowed', { pastShape: ['batch_size', 2, 512, 4] }), 'wasm', noCalibration);
    await expect(attempt).rejects.toThrow(/draft model "org\/windowed" has a fixed-size KV cache of 512 positions \(windowed or static\)/);
    // A refused attach leaves the engine unloaded: the app can attach other models.
    await expect(engine.attach(attached('org/target'), attached('org/draft'), 'wasm', noCalibration)).resolves.toMatchObject({ backend: 'wasm' });
    await engine.dispose();
  });
});

describe('WorkerEngine after invalid logits', () => {
  it('rejects the generation with InvalidLogitsError and keeps working', async () => {
    let poisoned = true;
    const corrupt = (context: readonly number[], row: Float32Array) => {
      if (poisoned && context.length >= promptIds.length + 3) row[5] = Number.NaN;
    };
    const engine = new WorkerEngine();
    await engine.attach(attached('org/target', { corrupt }), attached('org/draft'), 'wasm', noCalibration);
    const failed = await engine.generate(1, { promptIds, maxNewTokens: 12 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(InvalidLogitsError);
    expect(failed).toMatchObject({ model: 'target', value: 'NaN' });

    poisoned = false;
    const result = await engine.generate(2, { promptIds, maxNewTokens: 12 });
    const context = [...promptIds];
    for (let i = 0; i < 12; i++) context.push(predict(context));
    expect(result.tokenIds).toEqual(context.slice(promptIds.length));
    await engine.dispose();
  });
});
