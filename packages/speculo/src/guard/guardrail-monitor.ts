import type { GuardrailAction, GuardrailConfig } from './guardrail-config.js';

/** One verify round as the monitor needs it. Target-only rounds report `drafted: 0`. */
export interface RoundObservation {
  /** The round number within its generation (for the events; the monitor does not rely on it). */
  round: number;
  drafted: number;
  accepted: number;
  /** The scheduler's projected speed-up over target-only decoding for this round, or null when unknown. */
  projectedSpeedup: number | null;
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

/** Everything the monitor can report; the decoder forwards them on the engine and in the token stream. */
export type GuardrailEvent = AcceptanceDriftEvent | LowSpeedupEvent | FallbackEvent | RecoveredEvent | AbortEvent;

/** `normal` speculates; `fallback` decodes target-only except for the rounds {@link GuardrailMonitor.wantsProbe} asks for. */
export type GuardrailState = 'normal' | 'fallback';

type BreachKind = 'acceptance' | 'speedup';

interface WindowEntry {
  drafted: number;
  accepted: number;
  projectedSpeedup: number | null;
}

/**
 * Watches acceptance over a sliding window of drafting rounds and turns breaches into events and a state the
 * decoder obeys. One monitor lives as long as its engine, across generations, so that a draft that becomes
 * useless during the engine's lifetime (swapped, or facing a different kind of prompt) is noticed even when each
 * generation is short; call {@link resetWindow} when the window's history no longer applies.
 *
 * Breaches are edge-triggered: a drift event fires when the window crosses below the floor, not on every round
 * it stays there, so a `warn` guardrail does not flood the stream.
 */
export class GuardrailMonitor {
  private window: WindowEntry[] = [];
  private currentState: GuardrailState = 'normal';
  // Set by a `warn` breach until that measure recovers; keeps each warning edge-triggered.
  private warned: Record<BreachKind, boolean> = { acceptance: false, speedup: false };
  private roundsSinceProbe = 0;

  constructor(readonly config: GuardrailConfig) {}

  /** Whether the decoder should speculate (`normal`) or decode target-only (`fallback`). */
  get state(): GuardrailState {
    return this.currentState;
  }

  /** Accepted / drafted over the current window, or null before anything was drafted in it. */
  get windowRate(): number | null {
    const drafted = sum(this.window, (entry) => entry.drafted);
    return drafted > 0 ? sum(this.window, (entry) => entry.accepted) / drafted : null;
  }

  /** γ to use: the requested draft length capped by `maxDraftLength`. */
  clampDraftLength(requested: number): number {
    return Math.min(requested, this.config.maxDraftLength);
  }

  /**
   * In fallback, true once every `recovery.probeEveryRounds` rounds: the decoder then drafts this round anyway
   * and reports it, which is how the monitor learns that the draft has become good again. Counted in rounds
   * observed rather than round numbers, which restart with each generation.
   */
  wantsProbe(): boolean {
    return this.currentState === 'fallback' && this.roundsSinceProbe + 1 >= this.config.recovery.probeEveryRounds;
  }

  /** Forgets the window (e.g. after the draft model changed); the state and a pending warning stay as they are. */
  resetWindow(): void {
    this.window = [];
  }

  /**
   * Feeds one round (a normal round, a target-only round in fallback, or a probe) and returns the events it
   * triggers, in the order the decoder should emit them.
   */
  observe(observation: RoundObservation): GuardrailEvent[] {
    if (observation.accepted < 0 || observation.accepted > observation.drafted) {
      throw new RangeError(`accepted (${observation.accepted}) must be in 0..drafted (${observation.drafted})`);
    }
    // Rounds that drafted nothing say nothing about the draft.
    if (observation.drafted === 0) {
      if (this.currentState === 'fallback') this.roundsSinceProbe++;
      return [];
    }
    this.roundsSinceProbe = 0;
    this.window.push({ drafted: observation.drafted, accepted: observation.accepted, projectedSpeedup: observation.projectedSpeedup });
    const size = this.currentState === 'fallback' ? this.config.recovery.windowRounds : this.config.acceptanceFloor.windowRounds;
    if (this.window.length > size) this.window.splice(0, this.window.length - size);
    // A partial window is too noisy to act on: a single rejected round would read as 0 % acceptance.
    if (this.window.length < size) return [];
    return this.currentState === 'fallback' ? this.checkRecovery(observation.round) : this.checkBreaches(observation.round);
  }

  private checkRecovery(round: number): GuardrailEvent[] {
    const rate = this.windowRate ?? 0;
    if (rate < this.config.recovery.rate || this.speedupTooLow()) return [];
    this.currentState = 'normal';
    this.window = [];
    return [{ type: 'recovered', round, windowRate: rate }];
  }

  private checkBreaches(round: number): GuardrailEvent[] {
    const rate = this.windowRate ?? 0;
    const { acceptanceFloor, minProjectedSpeedup, recovery } = this.config;
    const events: GuardrailEvent[] = [];
    if (rate < acceptanceFloor.rate) {
      const drift: GuardrailEvent = { type: 'acceptance-drift', round, windowRate: rate, floor: acceptanceFloor.rate, action: acceptanceFloor.action };
      const reason = `acceptance ${formatRate(rate)} below floor ${formatRate(acceptanceFloor.rate)} over ${acceptanceFloor.windowRounds} rounds`;
      events.push(...this.act('acceptance', acceptanceFloor.action, round, drift, reason));
    } else if (this.warned.acceptance && rate >= recovery.rate) {
      this.warned.acceptance = false;
      events.push({ type: 'recovered', round, windowRate: rate });
    }
    // A breach above may have switched to fallback or aborted; the speed-up check would then be moot.
    if (events.some((event) => event.type === 'fallback' || event.type === 'abort')) return events;
    const speedup = this.windowSpeedup();
    if (minProjectedSpeedup && speedup !== null) {
      if (speedup < minProjectedSpeedup.value) {
        const low: GuardrailEvent = { type: 'low-speedup', round, windowSpeedup: speedup, minimum: minProjectedSpeedup.value, action: minProjectedSpeedup.action };
        const reason = `projected speed-up ${speedup.toFixed(2)}× below ${minProjectedSpeedup.value}× over ${acceptanceFloor.windowRounds} rounds`;
        events.push(...this.act('speedup', minProjectedSpeedup.action, round, low, reason));
      } else if (this.warned.speedup) {
        this.warned.speedup = false;
        events.push({ type: 'recovered', round, windowRate: rate });
      }
    }
    return events;
  }

  private act(kind: BreachKind, action: GuardrailAction, round: number, breach: GuardrailEvent, reason: string): GuardrailEvent[] {
    switch (action) {
      case 'warn':
        if (this.warned[kind]) return [];
        this.warned[kind] = true;
        return [breach];
      case 'fallback':
        this.currentState = 'fallback';
        this.warned = { acceptance: false, speedup: false };
        // Recovery is judged on probes only; the rounds that caused the breach must not count against it.
        this.window = [];
        this.roundsSinceProbe = 0;
        return [breach, { type: 'fallback', round, reason }];
      case 'abort':
        // A fresh window for the next generation: it is judged on its own rounds, not on the aborted one's.
        this.window = [];
        return [breach, { type: 'abort', round, reason }];
    }
  }

  private speedupTooLow(): boolean {
    const minimum = this.config.minProjectedSpeedup;
    const speedup = this.windowSpeedup();
    return minimum !== undefined && speedup !== null && speedup < minimum.value;
  }

  private windowSpeedup(): number | null {
    const known = this.window.filter((entry) => entry.projectedSpeedup !== null);
    return known.length > 0 ? sum(known, (entry) => entry.projectedSpeedup ?? 0) / known.length : null;
  }
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += value(item);
  return total;
}

function formatRate(rate: number): string {
  return `${(rate * 100).toFixed(1)} %`;
}
