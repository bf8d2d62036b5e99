import { describe, expect, it } from 'vitest';
import { InvalidLogitsError } from '../../src/errors.js';
import type { SamplingParams } from '../../src/sampling/logits-processing.js';
import { defaultDraftLength } from '../../src/types/options.js';
import { createStaticPolicy } from '../../src/schedule/policies.js';
import { RoundController } from '../../src/schedule/speculation-controller.js';
import { defaultPrompt as promptIds, draftWrongWhere, generate, greedy, greedyReference, scriptedDecoder } from '../helpers/scripted-decoder.js';

// Agrees with the target except every third position, so rounds see both acceptances and rejections.
const draftPredict = draftWrongWhere((context) => context.length % 3 === 0);
const sampled: SamplingParams = { temperature: 1, topK: 0, topP: 1 };

/** Corrupts rows from a chosen context length on, while `enabled`. */
class Poison {
  enabled = true;
  constructor(
    readonly fromLength: number,
    readonly value: number,
  ) {}
  readonly corrupt = (context: readonly number[], row: Float32Array) => {
    if (this.enabled && context.length >= this.fromLength) row[11] = this.value;
  };
}

function setup(options: { targetPoison?: Poison; draftPoison?: Poison; budget?: number } = {}) {
  const { decoder, drafter, targetFake, draftFake } = scriptedDecoder({
    draft: draftPredict,
    ...(options.targetPoison ? { targetCorrupt: options.targetPoison.corrupt } : {}),
    ...(options.draftPoison ? { draftCorrupt: options.draftPoison.corrupt } : {}),
    ...(options.budget ? { prefillLogitsBudgetBytes: options.budget } : {}),
  });
  return { decoder, drafter: drafter!, targetFake, draftFake: draftFake! };
}

async function failure(promise: Promise<unknown>): Promise<InvalidLogitsError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidLogitsError);
  return error as InvalidLogitsError;
}

/** The engine's default schedule: a static γ of 4. */
const controller = (): RoundController => new RoundController(createStaticPolicy(defaultDraftLength));

const targetGreedy = (count: number): number[] => greedyReference(promptIds, count);

describe('SpeculativeDecoder over fake sessions', () => {
  it('writes exactly the target’s greedy output, with and without a draft model', async () => {
    const { decoder, drafter } = setup();
    const speculative = await generate(decoder, { drafter, controller: controller() });
    expect(speculative.tokenIds).toEqual(targetGreedy(16));
    expect(speculative.provenance).toContain('draft');
    expect((await generate(decoder, { drafter: null })).tokenIds).toEqual(targetGreedy(16));
  });

  it('prefills target and draft in chunks, never asking for every prompt position’s logits at once', async () => {
    // 64 columns × 4 bytes: a 2 KiB budget is 8 tokens of logits per pass.
    const { decoder, drafter, targetFake, draftFake } = setup({ budget: 2048 });
    const result = await generate(decoder, { drafter, controller: controller() });
    expect(result.tokenIds).toEqual(targetGreedy(16));
    expect(targetFake.calls.slice(0, 5).map((c) => c.fed)).toEqual([8, 8, 8, 8, 8]);
    expect(Math.max(...targetFake.calls.map((c) => c.logitsBytes))).toBeLessThanOrEqual(2048);
    // The draft catches up on the prompt and the first token the same way.
    expect(draftFake.calls.slice(0, 6).map((c) => c.fed)).toEqual([8, 8, 8, 8, 8, 1]);
    expect(Math.max(...draftFake.calls.map((c) => c.logitsBytes))).toBeLessThanOrEqual(2048);
  });

  for (const [name, sampling] of [
    ['greedy', greedy],
    ['sampling', sampled],
  ] as const) {
    describe(`${name}: NaN or +Infinity logits end the generation with InvalidLogitsError`, () => {
      it('in the target’s prefill row', async () => {
        const { decoder, drafter } = setup({ targetPoison: new Poison(promptIds.length, Number.NaN) });
        const error = await failure(generate(decoder, { drafter, controller: controller(), sampling }));
        expect(error).toMatchObject({ code: 'invalid-logits', model: 'target', round: 0, row: 0, value: 'NaN', column: 11 });
        expect(error.message).toMatch(/^the target model produced NaN logits \(round 0, row 0, token 11\).*dtype 'q4' or 'fp32', or with device 'wasm'/);
      });

      it('in a target verify row, naming the round and row', async () => {
        // Target alone feeds one token a round: round r scores the context of promptLength + r tokens.
        const { decoder } = setup({ targetPoison: new Poison(promptIds.length + 4, Infinity) });
        const error = await failure(generate(decoder, { drafter: null, sampling }));
        expect(error).toMatchObject({ model: 'target', round: 4, row: 0, value: 'Infinity' });
        const speculative = setup({ targetPoison: new Poison(promptIds.length + 4, Number.NaN) });
        const fromVerify = await failure(generate(speculative.decoder, { drafter: speculative.drafter, controller: controller(), sampling }));
        expect(fromVerify.model).toBe('target');
        expect(fromVerify.round).toBeGreaterThan(0);
        expect(fromVerify.row).not.toBeNull();
      });

      it('in a draft row', async () => {
        const { decoder, drafter } = setup({ draftPoison: new Poison(promptIds.length + 2, Number.NaN) });
        const error = await failure(generate(decoder, { drafter, controller: controller(), sampling }));
        expect(error.model).toBe('draft');
        expect(error.round).toBeGreaterThan(0);
        expect(error.row).toBeGreaterThanOrEqual(0);
        expect(error.message).toMatch(/^the draft model produced NaN logits \(round \d+, row \d+, token 11\)/);
      });
    });
  }

  it('decodes normally in the next generation after invalid logits', async () => {
    const targetPoison = new Poison(promptIds.length + 3, Number.NaN);
    const draftPoison = new Poison(promptIds.length + 1, Number.NaN);
    const { decoder, drafter } = setup({ targetPoison, draftPoison });
    expect((await failure(generate(decoder, { drafter, controller: controller() }))).model).toBe('draft');
    draftPoison.enabled = false;
    expect((await failure(generate(decoder, { drafter, controller: controller() }))).model).toBe('target');
    targetPoison.enabled = false;
    expect((await generate(decoder, { drafter, controller: controller() })).tokenIds).toEqual(targetGreedy(16));
  });
});
