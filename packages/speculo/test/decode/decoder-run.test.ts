import { describe, expect, it } from 'vitest';
import type { GenerationResult, GuardrailConfig } from '../../src/types/index.js';
import type { Drafter } from '../../src/draft/drafter.js';
import { PromptLookupDrafter } from '../../src/draft/lookup/prompt-lookup-drafter.js';
import { GuardrailAbortError } from '../../src/errors.js';
import { parseGuardrailConfig } from '../../src/guard/guardrail-config.js';
import { GuardrailMonitor } from '../../src/guard/guardrail-monitor.js';
import { FallbackController } from '../../src/schedule/fallback.js';
import { createStaticPolicy } from '../../src/schedule/policies.js';
import { RoundController } from '../../src/schedule/speculation-controller.js';
import {
  defaultPrompt as prompt,
  drain,
  draftWrongWhere,
  eosAtOutput,
  eosTokenId,
  generate,
  greedyReference,
  letterText,
  scriptedDecoder,
  targetPredict,
  tokenEvents,
  type Pass,
  type Predict,
} from '../helpers/scripted-decoder.js';

/** A static γ, as `draftLength` asks for; with a guardrail config, monitored as the engine does. */
const staticGamma = (gamma: number, guardrails: GuardrailConfig | null = null) =>
  guardrails
    ? new RoundController(createStaticPolicy(gamma), new FallbackController({ acceptanceProbeInterval: guardrails.recovery.probeEveryRounds - 1 }), new GuardrailMonitor(guardrails))
    : new RoundController(createStaticPolicy(gamma));

const perfectDraft = targetPredict;
const uselessDraft = draftWrongWhere(() => true);
// Wrong at about one position in five, wherever the context lands it, so blocks break at varying offsets.
const divergingDraft = draftWrongWhere((context) => (context.at(-1)! * 7 + context.length) % 5 === 0);

const roundShapes = (result: GenerationResult) => result.rounds.map((r) => [r.drafted, r.accepted, r.committed]);
const outputOf = (result: Pick<GenerationResult, 'tokenIds' | 'text' | 'finishReason'>) => ({ tokenIds: result.tokenIds, text: result.text, finishReason: result.finishReason });

/** The passes of each verify round: the draft's, then the target's verify pass (index 0: the prefill). */
function passesByRound(passes: readonly Pass[]): { draft: Pass[]; verify: Pass }[] {
  const rounds: { draft: Pass[]; verify: Pass }[] = [];
  let draft: Pass[] = [];
  for (const pass of passes) {
    if (pass.model === 'draft') draft.push(pass);
    else {
      rounds.push({ draft, verify: pass });
      draft = [];
    }
  }
  return rounds;
}

describe('SpeculativeDecoder.run: greedy speculation writes what the target alone writes', () => {
  const reference = greedyReference(prompt, 24);
  for (const gamma of [1, 3, 8]) {
    it(`a perfect draft, γ = ${gamma}: every draft accepted, ⌈23 / (γ + 1)⌉ rounds`, async () => {
      const { decoder, drafter } = scriptedDecoder({ draft: perfectDraft });
      const result = await generate(decoder, { drafter, controller: staticGamma(gamma), maxNewTokens: 24 });
      expect(outputOf(result)).toEqual(outputOf(await generate(decoder, { drafter: null, maxNewTokens: 24 })));
      expect(result).toMatchObject({ tokenIds: reference, finishReason: 'max-tokens', text: letterText(reference) });
      expect(result.rounds).toHaveLength(Math.ceil(23 / (gamma + 1)));
      expect(result.rounds.every((r) => r.accepted === r.drafted)).toBe(true);
      expect(result.metrics.acceptedTokens).toBe(23 - result.rounds.length);
    });

    it(`a draft that is always wrong, γ = ${gamma}: one target token a round`, async () => {
      const { decoder, drafter } = scriptedDecoder({ draft: uselessDraft });
      const result = await generate(decoder, { drafter, controller: staticGamma(gamma), maxNewTokens: 24 });
      expect(outputOf(result)).toEqual(outputOf(await generate(decoder, { drafter: null, maxNewTokens: 24 })));
      expect(result.tokenIds).toEqual(reference);
      // Round r follows r output tokens: it may draft up to 23 − r, leaving room for its own token.
      expect(roundShapes(result)).toEqual(Array.from({ length: 23 }, (_, i) => [Math.min(gamma, 22 - i), 0, 1]));
      expect(result.provenance).toEqual(Array(24).fill('target'));
    });

    it(`a draft that diverges at varying positions, γ = ${gamma}`, async () => {
      const { decoder, drafter } = scriptedDecoder({ draft: divergingDraft });
      const result = await generate(decoder, { drafter, controller: staticGamma(gamma), maxNewTokens: 24 });
      expect(outputOf(result)).toEqual(outputOf(await generate(decoder, { drafter: null, maxNewTokens: 24 })));
      expect(result.tokenIds).toEqual(reference);
      // Both accepted and rejected drafts, and (past γ = 1) rejections at more than one offset in a block.
      expect(result.metrics.acceptedTokens).toBeGreaterThan(0);
      expect(result.metrics.acceptedTokens).toBeLessThan(result.metrics.draftedTokens);
      const offsets = new Set(result.rounds.filter((r) => r.accepted < r.drafted).map((r) => r.accepted));
      expect(offsets.size > 1).toBe(gamma > 1);
    });

    it(`a prompt-lookup drafter, γ = ${gamma}`, async () => {
      // The prompt holds the target's own continuation of its last two tokens, so lookup copies it (accepted),
      // then runs past it into text the target does not write (rejected).
      const seed = [17, 29];
      const lookupPrompt = [...prompt.slice(0, 10), ...seed, ...greedyReference(seed, 12), ...seed];
      const { decoder, record } = scriptedDecoder();
      const drafter = record(new PromptLookupDrafter());
      const result = await generate(decoder, { drafter, controller: staticGamma(gamma), promptIds: lookupPrompt, maxNewTokens: 24 });
      expect(outputOf(result)).toEqual(outputOf(await generate(decoder, { drafter: null, promptIds: lookupPrompt, maxNewTokens: 24 })));
      expect(result.tokenIds).toEqual(greedyReference(lookupPrompt, 24));
      expect(result.drafter).toBe('prompt-lookup');
      expect(result.metrics.acceptedTokens).toBeGreaterThan(0);
      expect(result.metrics.acceptedTokens).toBeLessThan(result.metrics.draftedTokens);
    });
  }
});

describe('SpeculativeDecoder.run: EOS', () => {
  it('stops at an EOS in the middle of a block of accepted drafts, EOS emitted and nothing after it, as target-only does', async () => {
    // Both models write EOS as output token 4 and carry on after it: round 1 accepts all 8 drafts, EOS 4th.
    const target = eosAtOutput(4, prompt.length);
    const { decoder, drafter } = scriptedDecoder({ target, draft: target });
    const result = await generate(decoder, { drafter, controller: staticGamma(8) });
    const expected = [...greedyReference(prompt, 4), eosTokenId];
    expect(result).toMatchObject({ tokenIds: expected, finishReason: 'eos', text: letterText(expected.slice(0, 4)) });
    expect(result.provenance).toEqual(['target', 'draft', 'draft', 'draft', 'draft']);
    expect(roundShapes(result)).toEqual([[8, 8, 4]]);
    expect(outputOf(await generate(decoder, { drafter: null }))).toEqual(outputOf(result));
  });

  it('stops at EOS wherever it falls: the prefill token, a block’s first or last draft, the bonus token', async () => {
    for (const [index, source] of [
      [0, 'target'],
      [1, 'draft'],
      [8, 'draft'],
      [9, 'target'],
    ] as const) {
      const target = eosAtOutput(index, prompt.length);
      const { decoder, drafter } = scriptedDecoder({ target, draft: target });
      const result = await generate(decoder, { drafter, controller: staticGamma(8) });
      expect(result.tokenIds, `EOS at ${index}`).toEqual([...greedyReference(prompt, index), eosTokenId]);
      expect(result.finishReason).toBe('eos');
      expect(result.provenance.at(-1)).toBe(source);
      expect(outputOf(await generate(decoder, { drafter: null }))).toEqual(outputOf(result));
    }
  });
});

describe('SpeculativeDecoder.run: maxNewTokens', () => {
  it('drafts no more than the limit leaves, ending on exactly maxNewTokens', async () => {
    const { decoder, drafter, draftRequests } = scriptedDecoder({ draft: perfectDraft });
    const result = await generate(decoder, { drafter, controller: staticGamma(8), maxNewTokens: 12 });
    expect(result).toMatchObject({ tokenIds: greedyReference(prompt, 12), finishReason: 'max-tokens' });
    // 1 (prefill) + 9 + 2: the second round may draft only 1, its own token being the 12th.
    expect(roundShapes(result)).toEqual([
      [8, 8, 9],
      [1, 1, 2],
    ]);
    expect(draftRequests.map((r) => r.maxTokens)).toEqual([8, 1]);
  });

  it('never writes more than maxNewTokens, whatever the draft and γ', async () => {
    for (const draft of [perfectDraft, divergingDraft]) {
      for (const maxNewTokens of [1, 2, 9, 10, 11, 17]) {
        const { decoder, drafter, draftRequests } = scriptedDecoder({ draft });
        const result = await generate(decoder, { drafter, controller: staticGamma(8), maxNewTokens });
        expect(result, `maxNewTokens ${maxNewTokens}`).toMatchObject({ tokenIds: greedyReference(prompt, maxNewTokens), finishReason: 'max-tokens' });
        draftRequests.forEach((request) => expect(request.maxTokens).toBeLessThanOrEqual(maxNewTokens - (request.committed.length - prompt.length) - 1));
      }
    }
  });

  it('cuts a round at the limit even when the drafter proposes more than it was asked for', async () => {
    const { decoder, drafter } = scriptedDecoder({ draft: perfectDraft });
    const greedyDrafter: Drafter = { ...drafter!, propose: (request) => drafter!.propose({ ...request, maxTokens: 8 }) };
    const result = await generate(decoder, { drafter: greedyDrafter, controller: staticGamma(8), maxNewTokens: 5 });
    expect(result).toMatchObject({ tokenIds: greedyReference(prompt, 5), finishReason: 'max-tokens' });
    expect(roundShapes(result)).toEqual([[8, 8, 4]]);
  });
});

describe('SpeculativeDecoder.run: stop strings', () => {
  // Two characters a token (lower then upper case), so a stop string can start in the middle of a token.
  const pairText = (ids: number[]) => ids.map((id) => (id === eosTokenId ? '' : String.fromCharCode(97 + (id % 26), 65 + ((id * 7) % 26)))).join('');
  const output = greedyReference(prompt, 16);
  const fullText = pairText(output);

  /** A stop string made of `text` at `[from, to)`, which must be its first occurrence. */
  function stopAt(from: number, to: number): string {
    const stop = fullText.slice(from, to);
    expect(fullText.indexOf(stop)).toBe(from);
    return stop;
  }

  async function stoppedRun(stop: string) {
    // γ = 3 with a perfect draft: round 0 writes token 0, round 1 tokens 1-4, round 2 tokens 5-8.
    const { decoder, drafter } = scriptedDecoder({ draft: perfectDraft, decode: pairText });
    const drained = await drain(decoder, { drafter, controller: staticGamma(3), stop: [stop] });
    const targetOnly = await generate(decoder, { drafter: null, stop: [stop] });
    return { drained, result: drained.result!, targetOnly };
  }

  it('ends on a stop string spanning two rounds: its last token kept, the text cut before it, never shown in the stream', async () => {
    // The second character of token 4 (round 1) and token 5 (round 2).
    const { drained, result, targetOnly } = await stoppedRun(stopAt(9, 12));
    expect(result).toMatchObject({ tokenIds: output.slice(0, 6), text: fullText.slice(0, 9), finishReason: 'stop-string' });
    expect(outputOf(targetOnly)).toEqual(outputOf(result));
    const events = tokenEvents(drained.events);
    expect(events.map((e) => e.round)).toEqual([0, 1, 2]);
    expect(events.map((e) => e.text).join('')).toBe(fullText.slice(0, 9));
    expect(events.at(-1)).toMatchObject({ tokenIds: [output[5]], text: '', provenance: ['draft'] });
  });

  it('ends on a stop string spanning a token boundary inside a round, dropping the round’s later tokens', async () => {
    // The second character of token 2 and the first of token 3, both written in round 1.
    const { drained, result, targetOnly } = await stoppedRun(stopAt(5, 7));
    expect(result).toMatchObject({ tokenIds: output.slice(0, 4), text: fullText.slice(0, 5), finishReason: 'stop-string' });
    expect(outputOf(targetOnly)).toEqual(outputOf(result));
    expect(tokenEvents(drained.events).map((e) => [e.round, e.tokenIds.length])).toEqual([
      [0, 1],
      [1, 3],
    ]);
  });

  it('counts in rounds[].committed only the tokens a stop string left in the output', async () => {
    const { result } = await stoppedRun(stopAt(9, 12));
    expect(result.rounds.map((r) => r.committed)).toEqual([4, 1]);
    expect(result.metrics.meanAcceptanceLength).toBe(6 / 3);
  });
});

describe('SpeculativeDecoder.run: the context limit', () => {
  it('ends with context-length on a full sequence, drafting and running no pass past the limit', async () => {
    const maxSequenceLength = prompt.length + 12;
    const { decoder, drafter, passes, draftRequests } = scriptedDecoder({ draft: perfectDraft, maxSequenceLength });
    const result = await generate(decoder, { drafter, controller: staticGamma(8), maxNewTokens: 100 });
    expect(result).toMatchObject({ tokenIds: greedyReference(prompt, 12), finishReason: 'context-length' });
    // Committed 41, then 50: the draft may propose only what leaves room for the round's own token.
    expect(draftRequests.map((r) => [r.committed.length, r.maxTokens])).toEqual([
      [41, 8],
      [50, 1],
    ]);
    const span = (model: Pass['model']) => passes.filter((p) => p.model === model).map((p) => [p.past, p.fed]);
    expect(span('target')).toEqual([
      [0, 40],
      [40, 9],
      [49, 2],
    ]);
    expect(span('draft')).toEqual([[0, 41], ...Array.from({ length: 7 }, (_, i) => [41 + i, 1]), [48, 2]]);
    expect(Math.max(...passes.map((p) => p.past + p.fed))).toBe(maxSequenceLength - 1);
    expect(outputOf(await generate(decoder, { drafter: null, maxNewTokens: 100 }))).toEqual(outputOf(result));
  });

  it('caps every draft request by the room left, with a draft that is always wrong', async () => {
    const maxSequenceLength = prompt.length + 7;
    const { decoder, drafter, passes, draftRequests } = scriptedDecoder({ draft: uselessDraft, maxSequenceLength });
    const result = await generate(decoder, { drafter, controller: staticGamma(8) });
    expect(result).toMatchObject({ tokenIds: greedyReference(prompt, 7), finishReason: 'context-length' });
    expect(draftRequests.map((r) => r.maxTokens)).toEqual([5, 4, 3, 2, 1]);
    expect(roundShapes(result).map(([drafted]) => drafted)).toEqual([5, 4, 3, 2, 1, 0]);
    expect(Math.max(...passes.map((p) => p.past + p.fed))).toBeLessThanOrEqual(maxSequenceLength - 1);
  });

  it('writes one token when the prompt leaves room for one, and refuses a prompt that fills the context', async () => {
    const { decoder, drafter, passes, draftRequests } = scriptedDecoder({ draft: perfectDraft, maxSequenceLength: prompt.length + 1 });
    const result = await generate(decoder, { drafter, controller: staticGamma(8) });
    expect(result).toMatchObject({ tokenIds: greedyReference(prompt, 1), finishReason: 'context-length', rounds: [] });
    expect(draftRequests).toEqual([]);
    const full = await drain(decoder, { drafter, controller: staticGamma(8), promptIds: [...prompt, 1] });
    expect(full.error).toBeInstanceOf(RangeError);
    expect((full.error as Error).message).toBe('the prompt has 41 tokens but the models accept at most 41');
    expect(passes.map((p) => [p.model, p.fed])).toEqual([['target', 40]]);
  });
});

describe('SpeculativeDecoder.run: abort', () => {
  /**
   * Aborts when `shouldAbort` says so, then checks what was streamed, that no pass ran after the abort was
   * noticed, and that the next run on the same decoder and drafter writes the target's output from empty caches.
   */
  async function abortCase(shouldAbort: (pass: Pass | 'yield') => boolean, streamedRounds: number[], passesAfterAbort: number) {
    const controller = new AbortController();
    let abortedAfter = -1;
    const abort = (at: Pass | 'yield') => {
      if (controller.signal.aborted || !shouldAbort(at)) return;
      controller.abort(new Error('stop'));
      abortedAfter = passes.length;
    };
    const { decoder, drafter, passes } = scriptedDecoder({ draft: divergingDraft, onPass: abort, yieldToEventLoop: async () => abort('yield') });
    const drained = await drain(decoder, { drafter, controller: staticGamma(3), signal: controller.signal });
    // A fresh AbortError, whatever reason the signal carries.
    expect(drained.result).toBeNull();
    expect(drained.error).toBeInstanceOf(DOMException);
    expect(drained.error).toMatchObject({ name: 'AbortError', message: 'The generation was aborted.' });
    const events = tokenEvents(drained.events);
    expect(events.map((e) => e.round)).toEqual(streamedRounds);
    const streamed = events.flatMap((e) => e.tokenIds);
    expect(streamed).toEqual(greedyReference(prompt, streamed.length));
    expect(passes.length - abortedAfter).toBe(passesAfterAbort);

    const before = passes.length;
    expect(await generate(decoder, { drafter, controller: staticGamma(3) })).toMatchObject({ tokenIds: greedyReference(prompt, 16), finishReason: 'max-tokens' });
    expect(passes[before]).toMatchObject({ model: 'target', past: 0, fed: prompt.length });
    expect(passes.find((p, i) => i > before && p.model === 'draft')).toMatchObject({ past: 0 });
  }

  it('between rounds: stops before drafting the next round', async () => {
    let turns = 0;
    // The third turn of the event loop comes after round 2.
    await abortCase((at) => at === 'yield' && ++turns === 3, [0, 1, 2], 0);
  });

  it('during a round’s verify pass: that round is still streamed, then the run stops', async () => {
    let targetPasses = 0;
    // Target passes: the prefill, round 1, round 2.
    await abortCase((at) => at !== 'yield' && at.model === 'target' && ++targetPasses === 3, [0, 1, 2], 0);
  });

  it('during drafting: the round is dropped before its verify pass', async () => {
    let draftPasses = 0;
    // Round 1 drafts 3 tokens in 3 passes (catch-up with the first, then one each); round 2's second pass.
    await abortCase((at) => at !== 'yield' && at.model === 'draft' && ++draftPasses === 5, [0, 1], 1);
  });
});

describe('SpeculativeDecoder.run: guardrails', () => {
  it('ends with GuardrailAbortError when acceptance falls below an abort floor, and decodes normally afterwards', async () => {
    const config = parseGuardrailConfig({ version: '1.0.0', acceptanceFloor: { rate: 0.5, windowRounds: 3, action: 'abort' }, maxDraftLength: 8 });
    const { decoder, drafter, passes } = scriptedDecoder({ draft: uselessDraft });
    const drained = await drain(decoder, { drafter, controller: staticGamma(4, config) });
    const reason = 'acceptance 0.0 % below floor 50.0 % over 3 rounds';
    expect(drained.error).toBeInstanceOf(GuardrailAbortError);
    expect(drained.error).toMatchObject({ code: 'guardrail-abort', message: `a guardrail stopped generation at round 3: ${reason}` });
    expect(drained.events.filter((e) => e.type === 'guardrail').map((e) => e.event)).toEqual([
      { type: 'acceptance-drift', round: 3, windowRate: 0, floor: 0.5, action: 'abort' },
      { type: 'abort', round: 3, reason },
    ]);
    expect(tokenEvents(drained.events).flatMap((e) => e.tokenIds)).toEqual(greedyReference(prompt, 4));
    // Nothing ran after round 3's verify pass.
    expect(passes.at(-1)).toMatchObject({ model: 'target', past: prompt.length + 2, fed: 5 });

    expect(outputOf(await generate(decoder, { drafter: null }))).toEqual({
      tokenIds: greedyReference(prompt, 16),
      text: letterText(greedyReference(prompt, 16)),
      finishReason: 'max-tokens',
    });
    expect((await generate(decoder, { drafter, controller: staticGamma(4) })).tokenIds).toEqual(greedyReference(prompt, 16));
  });
});

describe('SpeculativeDecoder.run: rollback', () => {
  /**
   * After a round the target holds everything committed but the round's own last token, which it is fed at the
   * start of the next round; the draft holds the same, except after a fully accepted round, where its own last
   * proposal was never fed to it. Both caches hold exactly the committed tokens: no rejected draft survives.
   */
  for (const [name, draft] of [
    ['a diverging draft', divergingDraft],
    ['a perfect draft', perfectDraft],
  ] as [string, Predict][]) {
    for (const gamma of [3, 8]) {
      it(`${name}, γ = ${gamma}: each round starts from caches of committed − 1 positions (− 2 for the draft after a full acceptance)`, async () => {
        const { decoder, drafter, passes } = scriptedDecoder({ draft });
        const drained = await drain(decoder, { drafter, controller: staticGamma(gamma), maxNewTokens: 40 });
        const result = drained.result!;
        const sequence = [...prompt, ...result.tokenIds];
        const rounds = passesByRound(passes);
        expect(rounds).toHaveLength(result.rounds.length + 1);
        if (draft === divergingDraft) expect(new Set(result.rounds.map((r) => r.accepted === r.drafted))).toEqual(new Set([true, false]));
        let committed = prompt.length + 1;
        for (const [i, round] of result.rounds.entries()) {
          const { verify, draft: draftPasses } = rounds[i + 1]!;
          expect(verify, `round ${i + 1}`).toMatchObject({ past: committed - 1, fed: 1 + round.drafted });
          expect(verify.context.slice(0, committed)).toEqual(sequence.slice(0, committed));
          const previous = result.rounds[i - 1];
          const draftPast = i === 0 ? 0 : previous!.accepted === previous!.drafted ? committed - 2 : committed - 1;
          // A last round left with no room to draft (the output limit) runs no draft pass.
          expect(draftPasses.length).toBe(round.drafted);
          if (round.drafted > 0) {
            expect(draftPasses[0], `round ${i + 1}`).toMatchObject({ past: draftPast, fed: committed - draftPast });
            expect(draftPasses[0]!.context).toEqual(sequence.slice(0, committed));
          }
          committed += round.committed;
        }
        expect(committed).toBe(sequence.length);
      });
    }
  }
});

describe('SpeculativeDecoder.run: every logits path and element type writes the same tokens', () => {
  const paths = ['host', 'host-full'] as const;
  const types = ['float32', 'float16'] as const;
  const sampled = { temperature: 0.8, topK: 0, topP: 0.9 };
  for (const sampling of [undefined, sampled]) {
    it(`${sampling ? 'sampling at temperature 0.8, top-p 0.9, one seed' : 'greedy'}: host and host-full, fp32 and fp16 logits`, async () => {
      const outputs: ReturnType<typeof outputOf>[] = [];
      for (const logitsPath of paths) {
        for (const logitsType of types) {
          const { decoder, drafter } = scriptedDecoder({ draft: divergingDraft, logitsPath, logitsType });
          const result = await generate(decoder, { drafter, controller: staticGamma(3), maxNewTokens: 24, ...(sampling ? { sampling } : {}) });
          outputs.push(outputOf(result));
        }
      }
      expect(outputs.slice(1)).toEqual(Array(outputs.length - 1).fill(outputs[0]));
      if (!sampling) expect(outputs[0]!.tokenIds).toEqual(greedyReference(prompt, 24));
    });
  }

  it('reports each round’s host work and its logits reads: one per forward pass, every verify row read', async () => {
    const { decoder, drafter } = scriptedDecoder({ draft: divergingDraft, logitsType: 'float16' });
    const result = await generate(decoder, { drafter, controller: staticGamma(3), maxNewTokens: 24 });
    const verifyRowBytes = (r: GenerationResult['rounds'][number]) => (r.drafted + 1) * 64 * 2;
    for (const round of result.rounds) {
      expect(round.host.reads).toBeGreaterThanOrEqual(round.drafted > 0 ? 2 : 1);
      expect(round.host.bytesRead).toBeGreaterThanOrEqual(verifyRowBytes(round));
      expect(round.host.workMs).toBeGreaterThanOrEqual(0);
    }
    const rounds = result.rounds.length;
    expect(result.metrics.readsPerRound).toBeCloseTo((result.metrics.draftForwardPasses + rounds) / rounds, 9);
    expect(result.metrics.hostWorkMs).toBeGreaterThan(0);
  });
});
