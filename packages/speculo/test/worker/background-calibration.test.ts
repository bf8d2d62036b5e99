import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { WorkerEngine, type AttachedModel } from '../../src/worker/worker-engine.js';
import { fakeDecoderSession } from '../helpers/fake-decoder-session.js';

const vocabSize = 64;
const predict = (context: readonly number[]): number => ((context.at(-1) ?? 0) * 5 + (context.at(-2) ?? 0) + 3) % 60;
const promptIds = Array.from({ length: 24 }, (_, i) => (i * 13 + 7) % 60);

function attached(id: string): AttachedModel {
  const { session } = fakeDecoderSession({ vocabSize, predict });
  const model = {
    sessions: { model: session },
    config: { model_type: 'llama', architectures: ['LlamaForCausalLM'], vocab_size: vocabSize, eos_token_id: 63 },
    generation_config: null,
    dispose: async () => undefined,
  };
  const vocab = new Map(Array.from({ length: vocabSize }, (_, i) => [`t${i}`, i] as const));
  const tokenizer = { get_vocab: () => vocab, decode: (ids: number[]) => ids.map((i) => `t${i} `).join('') };
  return { id, model: model as unknown as PreTrainedModel, tokenizer: tokenizer as unknown as PreTrainedTokenizer };
}

const expected = (() => {
  const context = [...promptIds];
  for (let i = 0; i < 16; i++) context.push(predict(context));
  return context.slice(promptIds.length);
})();

describe('background calibration (the default)', () => {
  it('is ready at once: adaptive calls decode target-only while it measures, then speculate with the stored profile', { timeout: 30_000 }, async () => {
    const engine = new WorkerEngine();
    const info = await engine.attach(attached('org/target'), attached('org/draft'), 'wasm');
    expect(info.scheduler).toMatchObject({ policy: 'adaptive', profile: null, calibration: 'measuring' });

    // Calls made while it measures are never refused: each preempts the measurement within one pass.
    const early = [];
    for (let i = 0; i < 3; i++) early.push(await engine.generate(i + 1, { promptIds, maxNewTokens: 16 }));
    for (const result of early) {
      expect(result.tokenIds).toEqual(expected);
      expect(result.metrics.draftedTokens).toBe(0);
    }
    // A call that asks for a fixed γ is not held back.
    const fixed = await engine.generate(10, { promptIds, maxNewTokens: 16, draftLength: 3 });
    expect(fixed.metrics.draftedTokens).toBeGreaterThan(0);
    expect(engine.info().scheduler.calibration).toBe('measuring');

    const profile = await engine.calibrated();
    expect(profile).not.toBeNull();
    expect(profile!.targetVerifyMs).toHaveLength(9);
    expect(engine.info().scheduler).toMatchObject({ calibration: 'ready', profile });
    expect(engine.profile()).toEqual(profile);
    await expect(engine.calibrated()).resolves.toEqual(profile);

    const adaptive = await engine.generate(20, { promptIds, maxNewTokens: 16 });
    expect(adaptive.tokenIds).toEqual(expected);
    expect(adaptive.metrics.draftedTokens).toBeGreaterThan(0);
    await engine.dispose();
  });

  it('eager calibration measures before the engine is ready; off never measures', { timeout: 30_000 }, async () => {
    const eager = new WorkerEngine();
    const info = await eager.attach(attached('org/target'), attached('org/draft'), 'wasm', { scheduler: { calibrate: 'eager' } });
    expect(info.scheduler.calibration).toBe('ready');
    expect(info.scheduler.profile).not.toBeNull();
    await eager.dispose();

    const off = new WorkerEngine();
    const offInfo = await off.attach(attached('org/target'), attached('org/draft'), 'wasm', { scheduler: { calibrate: false } });
    expect(offInfo.scheduler).toMatchObject({ calibration: 'off', profile: null });
    await expect(off.calibrated()).resolves.toBeNull();
    // Without a profile or a measurement under way, adaptive falls back to the static draft length.
    expect((await off.generate(1, { promptIds, maxNewTokens: 8 })).metrics.draftedTokens).toBeGreaterThan(0);
    await off.dispose();
  });

  it('dispose during the measurement settles calibrated() with null and frees the engine', { timeout: 30_000 }, async () => {
    const engine = new WorkerEngine();
    await engine.attach(attached('org/target'), attached('org/draft'), 'wasm');
    const waiting = engine.calibrated();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await engine.dispose();
    await expect(waiting).resolves.toBeNull();
  });
});
