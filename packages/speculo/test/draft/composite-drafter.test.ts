import { describe, expect, it } from 'vitest';
import type { DraftProposal, DraftRequest, Drafter } from '../../src/draft/drafter.js';
import type { DraftCostClass } from '../../src/types/index.js';
import { CompositeDrafter } from '../../src/draft/lookup/composite-drafter.js';
import { PromptLookupDrafter } from '../../src/draft/lookup/prompt-lookup-drafter.js';
import { draftRequest } from './lookup-test-support.js';

/** A drafter that proposes fixed tokens with fixed confidences and records what it was asked. */
class ScriptedDrafter implements Drafter {
  readonly costClass: DraftCostClass;
  proposals = 0;
  begins: number[][] = [];
  accepts: [number, number[]][] = [];
  disposed = false;
  askedWithCallback = false;

  constructor(
    readonly kind: string,
    private readonly tokens: number[],
    private readonly confidences: number[],
  ) {
    this.costClass = kind === 'model' ? 'forward-pass' : 'lookup';
  }

  begin(promptIds: readonly number[]): void {
    this.begins.push([...promptIds]);
  }

  async propose(request: DraftRequest): Promise<DraftProposal> {
    this.proposals++;
    this.askedWithCallback ||= request.continueAfter !== undefined;
    const length = Math.min(this.tokens.length, request.maxTokens);
    return {
      tokens: this.tokens.slice(0, length),
      probabilities: this.tokens.slice(0, length).map(() => null),
      confidences: this.confidences.slice(0, length),
      forwardPasses: this.kind === 'model' ? length : 0,
      stoppedEarly: false,
    };
  }

  accept(acceptedCount: number, committedTokens: readonly number[]): void {
    this.accepts.push([acceptedCount, [...committedTokens]]);
  }

  dispose(): void {
    this.disposed = true;
  }
}

const model = (): ScriptedDrafter => new ScriptedDrafter('model', [70, 71, 72, 73], [0.9, 0.8, 0.7, 0.6]);

describe('CompositeDrafter', () => {
  it('takes a long, confident lookup proposal and leaves the model drafter idle', async () => {
    const modelDrafter = model();
    const lookup = new ScriptedDrafter('prompt-lookup', [1, 2, 3, 4], [0.8, 0.7, 0.6, 0.5]);
    const composite = new CompositeDrafter(modelDrafter, [lookup], { minLength: 3, minConfidence: 0.6 });
    const proposal = await composite.propose(draftRequest([9, 9], 4));
    expect(proposal.tokens).toEqual([1, 2, 3, 4]);
    expect(proposal.forwardPasses).toBe(0);
    expect(composite.lastSource).toBe('prompt-lookup');
    expect(modelDrafter.proposals).toBe(0);
  });

  it('falls back to the model drafter when the lookup proposal is short or unsure', async () => {
    const modelDrafter = model();
    const short = new ScriptedDrafter('prompt-lookup', [1, 2], [1, 1]);
    const unsure = new ScriptedDrafter('ngram-cache', [1, 2, 3, 4], [0.5, 0.4, 0.3, 0.2]);
    const composite = new CompositeDrafter(modelDrafter, [short, unsure], { minLength: 3, minConfidence: 0.6 });
    const proposal = await composite.propose(draftRequest([9, 9], 4));
    expect(proposal.tokens).toEqual([70, 71, 72, 73]);
    expect(composite.lastSource).toBe('model');
    expect([short.proposals, unsure.proposals, modelDrafter.proposals]).toEqual([1, 1, 1]);
  });

  it('asks lookups in order and uses the first that qualifies', async () => {
    const first = new ScriptedDrafter('prompt-lookup', [1, 2, 3], [0.9, 0.9, 0.9]);
    const second = new ScriptedDrafter('ngram-cache', [5, 6, 7, 8], [1, 1, 1, 1]);
    const composite = new CompositeDrafter(model(), [first, second]);
    expect((await composite.propose(draftRequest([0], 4))).tokens).toEqual([1, 2, 3]);
    expect(second.proposals).toBe(0);
  });

  it('lowers the length requirement to a shorter γ', async () => {
    const lookup = new ScriptedDrafter('prompt-lookup', [1, 2, 3, 4], [0.9, 0.9, 0.9, 0.9]);
    const composite = new CompositeDrafter(model(), [lookup], { minLength: 3 });
    expect((await composite.propose(draftRequest([0], 2))).tokens).toEqual([1, 2]);
    expect(composite.lastSource).toBe('prompt-lookup');
  });

  it('uses the longest lookup proposal when there is no model drafter, and nothing when all are empty', async () => {
    const composite = new CompositeDrafter(null, [new ScriptedDrafter('prompt-lookup', [1], [0.1]), new ScriptedDrafter('ngram-cache', [5, 6], [0.1, 0.1])]);
    expect((await composite.propose(draftRequest([0], 4))).tokens).toEqual([5, 6]);
    expect(composite.lastSource).toBe('ngram-cache');
    const empty = new CompositeDrafter(null, [new ScriptedDrafter('prompt-lookup', [], [])]);
    expect((await empty.propose(draftRequest([0], 4))).tokens).toEqual([]);
    expect(empty.lastSource).toBeNull();
  });

  it('applies continueAfter once, to the proposal it returns', async () => {
    const lookup = new ScriptedDrafter('prompt-lookup', [1, 2, 3, 4], [0.9, 0.9, 0.9, 0.9]);
    const asked: number[] = [];
    const proposal = await new CompositeDrafter(model(), [lookup]).propose(draftRequest([0], 4, (position) => (asked.push(position), position < 1)));
    expect(proposal).toMatchObject({ tokens: [1, 2], probabilities: [null, null], confidences: [0.9, 0.9], stoppedEarly: true });
    expect(asked).toEqual([0, 1]);
    expect(lookup.askedWithCallback).toBe(false);
  });

  it('passes begin, accept and dispose to every child, the accepted count only to the one that proposed', async () => {
    const modelDrafter = model();
    const lookups = [new ScriptedDrafter('prompt-lookup', [], []), new ScriptedDrafter('ngram-cache', [1, 2, 3], [0.9, 0.9, 0.9])];
    const composite = new CompositeDrafter(modelDrafter, lookups);
    expect(composite.costClass).toBe('forward-pass');
    composite.begin([9, 9]);
    composite.accept(0, [4]);
    await composite.propose(draftRequest([9, 9, 4], 3));
    expect(composite.lastSource).toBe('ngram-cache');
    composite.accept(2, [1, 2, 7]);
    composite.dispose();
    for (const child of [modelDrafter, ...lookups]) {
      expect(child.begins).toEqual([[9, 9]]);
      expect(child.accepts).toEqual([
        [0, [4]],
        [child.kind === 'ngram-cache' ? 2 : 0, [1, 2, 7]],
      ]);
      expect(child.disposed).toBe(true);
    }
    // A new sequence forgets which child proposed last.
    composite.begin([5]);
    expect(composite.lastSource).toBeNull();
  });

  it('is a lookup by cost without a model drafter', () => {
    expect(new CompositeDrafter(null, [new PromptLookupDrafter()]).costClass).toBe('lookup');
  });

  it('switches between a real prompt lookup and the model as the text allows', async () => {
    const modelDrafter = model();
    const composite = new CompositeDrafter(modelDrafter, [new PromptLookupDrafter()], { minLength: 3, minConfidence: 0.5 });
    const passage = [11, 12, 13, 14, 15, 16, 17, 18];
    composite.begin([...passage, 30, 31, 32]);
    // Nothing repeats yet: the model drafts; its proposal is rejected and the target writes 11.
    await composite.propose(draftRequest([...passage, 30, 31, 32], 4));
    expect(composite.lastSource).toBe('model');
    composite.accept(0, [11]);
    // The output has come back to the passage: the lookup copies it.
    const proposal = await composite.propose(draftRequest([...passage, 30, 31, 32, 11], 4));
    expect(composite.lastSource).toBe('prompt-lookup');
    expect(proposal.tokens).toEqual([12, 13, 14, 15]);
    composite.accept(4, [12, 13, 14, 15, 16]);
    expect((await composite.propose(draftRequest([...passage, 30, 31, 32, 11, 12, 13, 14, 15, 16], 4))).tokens).toEqual([17, 18, 30, 31]);
    expect(composite.lastSource).toBe('prompt-lookup');
    expect(modelDrafter.accepts).toEqual([
      [0, [11]],
      [0, [12, 13, 14, 15, 16]],
    ]);
  });

  it('rejects invalid thresholds', () => {
    expect(() => new CompositeDrafter(null, [], { minLength: 0 })).toThrow(RangeError);
    expect(() => new CompositeDrafter(null, [], { minConfidence: 2 })).toThrow(RangeError);
  });
});
