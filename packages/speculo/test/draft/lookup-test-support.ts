import type { DraftProposal, DraftRequest, Drafter } from '../../src/draft/drafter.js';
import { createRng, type Rng } from '../../src/sampling/prng.js';

/** A greedy draft request over `committed`. */
export function draftRequest(committed: readonly number[], maxTokens: number, continueAfter?: DraftRequest['continueAfter']): DraftRequest {
  return {
    committed,
    maxTokens,
    sampling: { temperature: 0, topK: 0, topP: 1 },
    rng: createRng(7),
    targetVocabSize: 50_000,
    continueAfter,
  };
}

/** Begins a new sequence of `committed` tokens, then asks for a greedy proposal after it. */
export function proposeAfter(drafter: Drafter, committed: readonly number[], maxTokens: number, continueAfter?: DraftRequest['continueAfter']): Promise<DraftProposal> {
  drafter.begin(committed);
  return drafter.propose(draftRequest(committed, maxTokens, continueAfter));
}

/** `length` tokens drawn uniformly from [0, vocabulary). */
export function randomTokens(rng: Rng, length: number, vocabulary: number): number[] {
  return Array.from({ length }, () => rng.nextUint32() % vocabulary);
}

export interface SpeculationStats {
  rounds: number;
  proposed: number;
  accepted: number;
  /** accepted / proposed (0 when nothing was proposed). */
  acceptance: number;
  /** Committed tokens per target pass: accepted + 1 per round. */
  tokensPerRound: number;
}

/**
 * Runs the decoder's loop against a deterministic greedy target whose output is `output`: the drafter begins with
 * the prompt and learns the prefill's first token, then each round proposes γ tokens, the target accepts the prefix
 * that agrees with its own continuation and adds one token, and the drafter is told what was accepted and
 * committed — the same calls, in the same order, as the real decoder. The prefill counts as a round (a target pass).
 */
export async function simulateGreedyTarget(drafter: Drafter, prompt: readonly number[], output: readonly number[], gamma: number): Promise<SpeculationStats> {
  drafter.begin(prompt);
  const committed = [...prompt, output[0]];
  drafter.accept(0, [output[0]]);
  let produced = 1;
  let rounds = 1;
  let proposed = 0;
  let accepted = 0;
  while (produced < output.length) {
    const maxTokens = Math.min(gamma, output.length - produced - 1);
    const draft = maxTokens > 0 ? (await drafter.propose(draftRequest(committed, maxTokens))).tokens : [];
    let agreeing = 0;
    while (agreeing < draft.length && draft[agreeing] === output[produced + agreeing]) agreeing++;
    const roundTokens = output.slice(produced, produced + agreeing + 1);
    drafter.accept(agreeing, roundTokens);
    committed.push(...roundTokens);
    produced += agreeing + 1;
    rounds++;
    proposed += draft.length;
    accepted += agreeing;
  }
  return { rounds, proposed, accepted, acceptance: proposed === 0 ? 0 : accepted / proposed, tokensPerRound: output.length / rounds };
}
