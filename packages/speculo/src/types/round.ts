import type { GenerationEnd } from './generation.js';
import type { GuardrailEvent } from './guardrail.js';

/**
 * The round: the unit the decoder works in and everything else observes. Round 0 is the prefill (the target reads
 * the prompt and picks the first token); every later round drafts up to γ tokens, verifies them in one target pass
 * and commits the accepted ones plus the target's own token. The decoder describes each round once, as a
 * {@link RoundReport}, and hands it to its {@link RoundObserver}s (metrics, trace, telemetry, the speculation
 * controller); the public `result.rounds`, `result.decisions` and the trace's rounds are projections of it.
 */

/** Which model chose a committed token: an accepted draft proposal, or the target (correction, bonus, or plain decoding). */
export type TokenSource = 'draft' | 'target';

/**
 * Why generation ended: an EOS token, `maxNewTokens` reached, a stop string matched, or the models' context limit
 * (`max_position_embeddings`) reached.
 */
export type FinishReason = 'eos' | 'max-tokens' | 'stop-string' | 'context-length';

/** What a planned round does: draft and verify, target alone, or a trial round of speculation during fallback. */
export type PlanMode = 'speculate' | 'target-only' | 'probe';

/** How a round was decoded: the prefill, or a planned round's mode as it ran (a round that drafted nothing is target-only). */
export type RoundMode = 'prefill' | PlanMode;

/** Whether speculation is on, off (fallback), or being tried again (probing); one state for both triggers. */
export type FallbackState = 'speculating' | 'fallback' | 'probing';

/** Why drafting ended in a round. 'none': nothing was drafted, or the drafter ran out of proposals on its own. */
export type StopReason = 'gamma-reached' | 'low-confidence' | 'output-limit' | 'none';

/** What the speculation controller decided before a round. */
export interface RoundPlan {
  /** Tokens to draft at most; 0 with mode 'target-only'. The decoder may cap it further (output, context). */
  gamma: number;
  mode: PlanMode;
  /**
   * Adaptive only (null otherwise): the speed-up over target-only projected at planning time for the best
   * speculative γ. In target-only rounds it is the projection that kept speculation off.
   */
  projectedSpeedup: number | null;
  /** The state the round was planned in. */
  fallbackState: FallbackState;
}

/** Everything one round did, as the decoder measured it. */
export interface RoundReport {
  /** 0 for the prefill, then 1, 2, … as in the token stream's `round`. */
  round: number;
  mode: RoundMode;
  /** The controller's plan; null for the prefill and for target-only generations, which nothing schedules. */
  plan: RoundPlan | null;
  /** The output or context limit cut γ below the plan. */
  outputLimited: boolean;
  proposal: {
    tokens: readonly number[];
    /** The drafter's confidence in each proposed token. */
    confidences: readonly number[];
    /** Draft forward passes it took (0 for lookups). */
    forwardPasses: number;
    /** The in-round early stop ended the proposal before γ. */
    stoppedEarly: boolean;
  };
  /** How many leading proposal tokens the target accepted. */
  acceptedCount: number;
  /** The target's own pick: the correction after a rejection, the bonus after full acceptance, or the first token. */
  targetToken: number;
  /** Tokens appended to the output (the accepted proposal then `targetToken`), cut short by EOS, the limit or a stop string. */
  committedTokens: readonly number[];
  timings: {
    /** Time in the draft's forward passes (the lookup's work for lookups). */
    draftMs: number;
    /** Time of the target's forward pass (the prefill for round 0). */
    verifyMs: number;
    /** Cutting both caches back to what the round committed. */
    rollbackMs: number;
    /** Wall time of the whole round: passes, cut, and everything the engine does around them. */
    roundMs: number;
    /** Clock time at which the round's tokens were committed, on the decoder's clock. */
    committedAt: number;
  };
  /** The host's side of the round: its own JavaScript work, and the logits it read back from ORT or the GPU. */
  host: HostWork;
}

/** What the engine's JavaScript did in a round, beside the forward passes it awaited. */
export interface HostWork {
  /** Milliseconds of JavaScript work: the round's wall time less the time it awaited ORT or the GPU. */
  workMs: number;
  /** Logits reads into JS memory: GPU→CPU transfers (each a sync) on WebGPU, copies out of ORT's heap on WASM. */
  reads: number;
  /** Bytes those reads brought back. */
  bytesRead: number;
}

/** Receives every round of a generation, in order, as it completes; then the guardrail events and the end. */
export interface RoundObserver {
  observeRound(report: RoundReport): void;
  /** A guardrail event the round raised, right after the round. */
  observeGuardrail?(event: GuardrailEvent): void;
  /** The generation ended, normally or aborted; nothing follows. */
  observeEnd?(end: GenerationEnd): void;
}

/** One verify round in `result.rounds`: proposed, accepted, committed, and timings. */
export interface RoundRecord {
  drafted: number;
  accepted: number;
  /** Tokens the round added to the output. */
  committed: number;
  /** The drafter's proposal. */
  draftMs: number;
  /** The target's verify pass. */
  verifyMs: number;
  /** Cutting both caches back to what the round committed. */
  rollbackMs: number;
  /** The engine's own JavaScript work in the round, and the logits it read back. */
  host: HostWork;
}

/** One round's decision in `result.decisions`: the plan and how drafting went. */
export interface RoundDecision {
  /** Round number within the generation, as in the token stream. */
  round: number;
  /** γ the controller planned (before any cap by the decoder). */
  gamma: number;
  mode: PlanMode;
  stopReason: StopReason;
  drafted: number;
  accepted: number;
  projectedSpeedup: number | null;
  /** The state the round was planned in; always 'speculating' when no fallback applies. */
  fallbackState: FallbackState;
}

export function roundRecordOf(report: RoundReport): RoundRecord {
  const { draftMs, verifyMs, rollbackMs } = report.timings;
  return { drafted: report.proposal.tokens.length, accepted: report.acceptedCount, committed: report.committedTokens.length, draftMs, verifyMs, rollbackMs, host: { ...report.host } };
}

export function stopReasonOf(report: RoundReport): StopReason {
  if (report.proposal.stoppedEarly) return 'low-confidence';
  if (report.outputLimited) return 'output-limit';
  const gamma = report.plan?.gamma ?? 0;
  if (gamma > 0 && report.proposal.tokens.length >= gamma) return 'gamma-reached';
  return 'none';
}

/** The decision behind a planned round; null for the prefill and unplanned rounds. */
export function roundDecisionOf(report: RoundReport): RoundDecision | null {
  const { plan } = report;
  if (!plan) return null;
  return {
    round: report.round,
    gamma: plan.gamma,
    mode: plan.mode,
    stopReason: stopReasonOf(report),
    drafted: report.proposal.tokens.length,
    accepted: report.acceptedCount,
    projectedSpeedup: plan.projectedSpeedup,
    fallbackState: plan.fallbackState,
  };
}
