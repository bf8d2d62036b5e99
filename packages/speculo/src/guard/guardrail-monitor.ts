import type { GuardrailAction, GuardrailConfig, GuardrailEvent } from '../types/guardrail.js';

/** One drafting round as the monitor needs it. Rounds that drafted nothing say nothing about the draft. */
export interface GuardrailObservation {
  /** The round number within its generation, for the events. */
  round: number;
  drafted: number;
  accepted: number;
  /** The scheduler's projected speed-up over target-only decoding for this round, or null when unknown. */
  projectedSpeedup: number | null;
}

/**
 * Which rounds the monitor is judging: `speculating` rounds against the floors (breaches), or `probe` rounds of an
 * acceptance fallback against the recovery rate.
 */
export type GuardrailPhase = 'speculating' | 'probe';

type BreachKind = 'acceptance' | 'speedup';

interface WindowEntry {
  drafted: number;
  accepted: number;
  projectedSpeedup: number | null;
}

/**
 * The acceptance-floor trigger: watches acceptance over a sliding window of drafting rounds and turns breaches into
 * events. It keeps no mode of its own: the speculation controller owns the one fallback state, tells the monitor
 * which phase a round belongs to, and acts on the `fallback`, `recovered` and `abort` events it returns. A monitor
 * lives as long as its controller, across generations, so that a draft that becomes useless during the engine's
 * lifetime is noticed even when each generation is short; call {@link resetWindow} when the window's history no
 * longer applies.
 *
 * Breaches are edge-triggered: a drift event fires when the window crosses below the floor, not on every round
 * it stays there, so a `warn` guardrail does not flood the stream.
 */
export class GuardrailMonitor {
  private window: WindowEntry[] = [];
  // Set by a `warn` breach until that measure recovers; keeps each warning edge-triggered.
  private warned: Record<BreachKind, boolean> = { acceptance: false, speedup: false };

  constructor(readonly config: GuardrailConfig) {}

  /** Accepted / drafted over the current window, or null before anything was drafted in it. */
  get windowRate(): number | null {
    const drafted = sum(this.window, (entry) => entry.drafted);
    return drafted > 0 ? sum(this.window, (entry) => entry.accepted) / drafted : null;
  }

  /** γ to use: the requested draft length capped by `maxDraftLength`. */
  clampDraftLength(requested: number): number {
    return Math.min(requested, this.config.maxDraftLength);
  }

  /** Rounds an acceptance fallback decodes with the target alone before each probe. */
  get roundsBetweenProbes(): number {
    return this.config.recovery.probeEveryRounds - 1;
  }

  /** Forgets the window (e.g. after the draft model changed); a pending warning stays. */
  resetWindow(): void {
    this.window = [];
  }

  /**
   * Feeds one round of `phase` and returns the events it triggers, in the order the decoder should emit them: a
   * `fallback` or `abort` event when a speculating window breaches a floor with that action, `recovered` when a
   * probe window is back above the recovery rate (or a `warn` breach has cleared).
   */
  observe(observation: GuardrailObservation, phase: GuardrailPhase): GuardrailEvent[] {
    if (observation.accepted < 0 || observation.accepted > observation.drafted) {
      throw new RangeError(`accepted (${observation.accepted}) must be in 0..drafted (${observation.drafted})`);
    }
    if (observation.drafted === 0) return [];
    this.window.push({ drafted: observation.drafted, accepted: observation.accepted, projectedSpeedup: observation.projectedSpeedup });
    const size = phase === 'probe' ? this.config.recovery.windowRounds : this.config.acceptanceFloor.windowRounds;
    if (this.window.length > size) this.window.splice(0, this.window.length - size);
    // A partial window is too noisy to act on: a single rejected round would read as 0 % acceptance.
    if (this.window.length < size) return [];
    return phase === 'probe' ? this.checkRecovery(observation.round) : this.checkBreaches(observation.round);
  }

  private checkRecovery(round: number): GuardrailEvent[] {
    const rate = this.windowRate ?? 0;
    if (rate < this.config.recovery.rate || this.speedupTooLow()) return [];
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
        this.warned = { acceptance: false, speedup: false };
        // Recovery is judged on probes only; the rounds that caused the breach must not count against it.
        this.window = [];
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
