import type { RoundPlan, RoundReport } from '../../src/types/index.js';

/** What a test states about a round; everything else gets a plain default. */
export interface RoundFacts {
  host?: RoundReport['host'];
  round?: number;
  mode?: RoundReport['mode'];
  plan?: RoundPlan | null;
  outputLimited?: boolean;
  /** Proposed tokens, or how many (ids 1, 2, … then). */
  proposal?: readonly number[] | number;
  confidences?: readonly number[];
  forwardPasses?: number;
  stoppedEarly?: boolean;
  accepted?: number;
  targetToken?: number;
  /** Default: the accepted proposal then the target token. */
  committed?: readonly number[];
  draftMs?: number;
  verifyMs?: number;
  rollbackMs?: number;
  roundMs?: number;
  committedAt?: number;
}

/** A {@link RoundReport} built from the facts a test cares about. */
export function roundReport(facts: RoundFacts = {}): RoundReport {
  const tokens = typeof facts.proposal === 'number' ? Array.from({ length: facts.proposal }, (_, i) => i + 1) : [...(facts.proposal ?? [])];
  const accepted = facts.accepted ?? 0;
  const targetToken = facts.targetToken ?? 0;
  const draftMs = facts.draftMs ?? 0;
  const verifyMs = facts.verifyMs ?? 0;
  const rollbackMs = facts.rollbackMs ?? 0;
  const round = facts.round ?? 1;
  return {
    round,
    mode: facts.mode ?? (round === 0 ? 'prefill' : tokens.length > 0 ? 'speculate' : 'target-only'),
    plan: facts.plan ?? null,
    outputLimited: facts.outputLimited ?? false,
    proposal: { tokens, confidences: [...(facts.confidences ?? tokens.map(() => 0.5))], forwardPasses: facts.forwardPasses ?? tokens.length, stoppedEarly: facts.stoppedEarly ?? false },
    acceptedCount: accepted,
    targetToken,
    committedTokens: [...(facts.committed ?? [...tokens.slice(0, accepted), targetToken])],
    timings: { draftMs, verifyMs, rollbackMs, roundMs: facts.roundMs ?? draftMs + verifyMs + rollbackMs, committedAt: facts.committedAt ?? 0 },
    host: facts.host ?? { workMs: 0, reads: 1, bytesRead: 0 },
  };
}
