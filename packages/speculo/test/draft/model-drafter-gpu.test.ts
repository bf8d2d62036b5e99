import { describe, expect, it } from 'vitest';
import { ModelDrafter } from '../../src/draft/model-drafter.js';
import { InvalidLogitsError } from '../../src/errors.js';
import type { ForwardModel } from '../../src/models/causal-lm-runner.js';
import type { GreedyPick } from '../../src/sampling/logits-block.js';
import { createRng } from '../../src/sampling/prng.js';
import { hostBlock } from '../helpers/logits-block.js';

const vocabSize = 8;

/**
 * A model whose greedy picks can stay on the GPU: each deferred step records the pick `next(previous)`, and nothing
 * comes back until readDeferredPicks. It counts the reads, as the GPU path's single mapAsync per proposal.
 */
function deferringModel(next: (token: number) => GreedyPick | InvalidLogitsError) {
  const recorded: (GreedyPick | InvalidLogitsError)[] = [];
  const fed: (number[] | 'previous')[] = [];
  const model = {
    length: 0,
    vocabSize,
    canDeferPicks: true,
    reads: 0,
    forwardCalls: 0,
    async forward() {
      model.forwardCalls++;
      return hostBlock(new Float32Array(vocabSize), vocabSize);
    },
    async prefill() {
      model.forwardCalls++;
      return hostBlock(new Float32Array(vocabSize), vocabSize);
    },
    rollbackTo(length: number) {
      model.length = length;
    },
    reset() {
      model.length = 0;
    },
    async forwardDeferred(tokens: readonly number[] | 'previous') {
      fed.push(tokens === 'previous' ? 'previous' : [...tokens]);
      const previous = recorded.at(-1);
      const last = tokens === 'previous' ? (previous instanceof InvalidLogitsError || !previous ? -1 : previous.token) : tokens.at(-1)!;
      model.length += tokens === 'previous' ? 1 : tokens.length;
      recorded.push(next(last));
    },
    async readDeferredPicks() {
      model.reads++;
      return recorded.splice(0);
    },
  };
  return { model: model satisfies ForwardModel, fed };
}

const request = (committed: number[], maxTokens: number, continueAfter?: (position: number, confidence: number) => boolean) => ({
  committed,
  maxTokens,
  sampling: { temperature: 0, topK: 0, topP: 1 },
  rng: createRng(1),
  targetVocabSize: vocabSize,
  ...(continueAfter ? { continueAfter } : {}),
});

describe('ModelDrafter with picks that stay on the GPU', () => {
  it('feeds each step the pick before it and reads every token and confidence once per proposal', async () => {
    const { model, fed } = deferringModel((token) => ({ token: (token + 1) % vocabSize, confidence: 0.9 }));
    const drafter = new ModelDrafter(model);
    drafter.begin([1, 2]);
    model.length = 2;
    const proposal = await drafter.propose(request([1, 2, 3], 4));
    expect(proposal).toEqual({ tokens: [4, 5, 6, 7], probabilities: [null, null, null, null], confidences: [0.9, 0.9, 0.9, 0.9], forwardPasses: 4, stoppedEarly: false });
    expect(fed).toEqual([[3], 'previous', 'previous', 'previous']);
    expect(model.reads).toBe(1);
    expect(model.forwardCalls).toBe(0);
  });

  it('applies the in-round early stop to the confidences read, after the steps were taken', async () => {
    const confidences = [0.9, 0.2, 0.9, 0.9];
    let step = 0;
    const { model } = deferringModel((token) => ({ token: token + 1, confidence: confidences[step++]! }));
    const drafter = new ModelDrafter(model);
    drafter.begin([1]);
    model.length = 1;
    // The prefill's token, 2, committed and not yet seen by the draft.
    drafter.accept(0, [2]);
    const positions: number[] = [];
    const proposal = await drafter.propose(request([1, 2], 4, (position, confidence) => (positions.push(position), confidence > 0.5)));
    expect(proposal.tokens).toEqual([3, 4]);
    expect(proposal.stoppedEarly).toBe(true);
    expect(proposal.forwardPasses).toBe(4);
    expect(positions).toEqual([0, 1]);
    // The draft's cache holds all four steps; accept cuts it back to what the target took.
    drafter.accept(1, [3, 9]);
    expect(model.length).toBe(3);
  });

  it('names the draft position of a bad row, and not a row past where the early stop cut', async () => {
    let step = 0;
    const { model } = deferringModel((token) => (step++ === 2 ? new InvalidLogitsError({ value: 'NaN', column: 5 }) : { token: token + 1, confidence: step === 1 ? 0.1 : 0.9 }));
    const drafter = new ModelDrafter(model);
    drafter.begin([1]);
    model.length = 1;
    await expect(drafter.propose(request([1, 2], 4))).rejects.toMatchObject({ name: 'InvalidLogitsError', row: 2, model: 'draft', column: 5 });

    step = 0;
    drafter.begin([1]);
    model.length = 1;
    const cut = await drafter.propose(request([1, 2], 4, (_, confidence) => confidence > 0.5));
    expect(cut.tokens).toEqual([3]);
  });

  it('reads picks step by step when the draft has more to catch up on than a few tokens (the prompt)', async () => {
    const { model, fed } = deferringModel((token) => ({ token, confidence: 1 }));
    const drafter = new ModelDrafter(model);
    drafter.begin(Array.from({ length: 20 }, (_, i) => i));
    await drafter.propose(
      request(
        Array.from({ length: 20 }, (_, i) => i),
        2,
      ),
    );
    expect(fed).toEqual([]);
    expect(model.forwardCalls).toBe(2);
  });
});
