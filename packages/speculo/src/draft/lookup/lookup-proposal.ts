import { assertInteger } from '../../util/checks.js';
import type { DraftProposal, DraftRequest } from '../drafter.js';

/**
 * Packs a lookup drafter's tokens into a DraftProposal: deterministic (null distributions, which the rejection
 * sampler treats as one-hot, so sampling stays lossless) and free of forward passes.
 */
export function lookupProposal(tokens: number[], confidences: number[], continueAfter: DraftRequest['continueAfter']): DraftProposal {
  const proposal = { tokens, probabilities: tokens.map(() => null), confidences, forwardPasses: 0, stoppedEarly: false };
  return applyContinueAfter(proposal, continueAfter);
}

/**
 * Applies `continueAfter` to a proposal found all at once, with the contract a model draft honours while drafting:
 * it is asked after every token except the last one proposed, in order, and a false answer cuts the proposal there.
 */
export function applyContinueAfter(proposal: DraftProposal, continueAfter: DraftRequest['continueAfter']): DraftProposal {
  if (!continueAfter) return proposal;
  for (let i = 0; i < proposal.tokens.length - 1; i++) {
    if (!continueAfter(i, proposal.confidences[i])) {
      return {
        tokens: proposal.tokens.slice(0, i + 1),
        probabilities: proposal.probabilities.slice(0, i + 1),
        confidences: proposal.confidences.slice(0, i + 1),
        forwardPasses: proposal.forwardPasses,
        stoppedEarly: true,
      };
    }
  }
  return proposal;
}

/** Validates an optional positive-integer option, for the lookup drafters' constructors. */
export function positiveIntegerOption(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  return resolved === Infinity ? resolved : assertInteger(name, resolved, 1);
}
