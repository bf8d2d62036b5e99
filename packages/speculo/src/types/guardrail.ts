/** The guardrails' public shapes: the operator's configuration as validated, and the events a breach raises. */

/** What the engine does when a guardrail is breached. */
export type GuardrailAction = 'warn' | 'fallback' | 'abort';

/** A validated guardrail configuration with defaults filled in; what the monitor and the trace use. */
export interface GuardrailConfig {
  version: string;
  acceptanceFloor: { rate: number; windowRounds: number; action: GuardrailAction };
  minProjectedSpeedup?: { value: number; action: GuardrailAction };
  maxDraftLength: number;
  recovery: { rate: number; windowRounds: number; probeEveryRounds: number };
}

/**
 * A guardrail configuration as operators write it: {@link GuardrailConfig} with `recovery` and its fields optional
 * (defaults derive from `acceptanceFloor`). `parseGuardrailConfig` validates it.
 */
export interface GuardrailConfigInput {
  /** Operator-chosen version of this config, semver-like (`1.0.0`). */
  version: string;
  /** Breached when the acceptance rate over the last `windowRounds` drafting rounds falls below `rate`. */
  acceptanceFloor: { rate: number; windowRounds: number; action: GuardrailAction };
  /** Breached when the scheduler's projected speed-up, averaged over the window, falls below `value`. */
  minProjectedSpeedup?: { value: number; action: GuardrailAction };
  /** Upper bound on γ whatever a generation asks for. */
  maxDraftLength: number;
  /** When fallback ends: acceptance over `windowRounds` probe rounds, one probe every `probeEveryRounds`. */
  recovery?: { rate?: number; windowRounds?: number; probeEveryRounds?: number };
}

/** The window's acceptance rate fell below the floor (or its projected speed-up below the minimum). */
export interface AcceptanceDriftEvent {
  type: 'acceptance-drift';
  round: number;
  /** Accepted / drafted over the window. */
  windowRate: number;
  /** The configured floor it fell below. */
  floor: number;
  action: GuardrailAction;
}

/** The window's mean projected speed-up fell below `minProjectedSpeedup`. */
export interface LowSpeedupEvent {
  type: 'low-speedup';
  round: number;
  windowSpeedup: number;
  minimum: number;
  action: GuardrailAction;
}

/** The engine stops drafting and decodes with the target alone (plus sparse probe rounds). */
export interface FallbackEvent {
  type: 'fallback';
  round: number;
  reason: string;
}

/** Acceptance is back above the recovery rate: speculation resumes, or a `warn` breach has cleared. */
export interface RecoveredEvent {
  type: 'recovered';
  round: number;
  windowRate: number;
}

/** A breach whose action is `abort`: the decoder must end the generation with an error. */
export interface AbortEvent {
  type: 'abort';
  round: number;
  reason: string;
}

/** Everything the guardrails can report; the decoder forwards them on the engine and in the token stream. */
export type GuardrailEvent = AcceptanceDriftEvent | LowSpeedupEvent | FallbackEvent | RecoveredEvent | AbortEvent;
