import type { FallbackState, PlanMode } from '../types/round.js';
import { assertInteger } from '../util/checks.js';

/** What put speculation in fallback: the speed verdict, or the acceptance floor of a guardrail. */
export type FallbackCause = 'speed' | 'acceptance';

/** What the acceptance floor concluded about a round: a breach with action `fallback`, a recovery on probes, or nothing. */
export type AcceptanceSignal = 'fallback' | 'recovered' | null;

export interface FallbackOptions {
  /** Projected speedup under which a speculating round counts as losing. Default 1. */
  enterBelow?: number;
  /** Consecutive losing rounds before falling back. Default 6. */
  enterAfterRounds?: number;
  /** Projected speedup a probe must reach to resume speculation. Default 1.05. */
  exitAbove?: number;
  /** Target-only rounds before the first probe. Default 8. */
  initialProbeInterval?: number;
  /** Longest wait between probes. Default 256. */
  maxProbeInterval?: number;
  /** Speculative rounds per probe, so a probe gathers more than one round's evidence. Default 3. */
  probeRounds?: number;
  /**
   * Longest a probe goes on while undecided: projected at least `1 − undecidedMargin` but below `exitAbove`.
   * Default 16. A draft that is clearly losing is let go after `probeRounds`; one near break-even costs almost
   * nothing to keep probing, and only a longer probe lets the estimate forget the unlucky stretch that caused
   * the fallback (half the evidence is kept when a probe starts).
   */
  maxProbeRounds?: number;
  /** Width of the undecided band under break-even. Default 0.05. */
  undecidedMargin?: number;
  /**
   * Target-only rounds between probes during an acceptance fallback (a guardrail's `recovery.probeEveryRounds` − 1).
   * Default 7. Acceptance probes last one round each; the guardrail judges recovery over its window of them.
   */
  acceptanceProbeInterval?: number;
}

/**
 * The one mode state of speculation: speculating, in fallback (target-only decoding), or probing (trying
 * speculation again), with two triggers into fallback: the speed verdict (speculation is projected to lose) and the
 * acceptance floor of a guardrail (acceptance fell below the operator's floor).
 *
 * Speed: hysteresis keeps it from flapping on noisy estimates: it falls back only after `enterAfterRounds`
 * consecutive rounds projected below `enterBelow` (1: "never slower than the target alone" is the hard requirement,
 * so the band sits above 1 rather than around it), and resumes when a probe projects at least `exitAbove` (1.05).
 * Probes come every P target-only rounds; P doubles after each failed probe up to `maxProbeInterval`, and resets
 * after a successful one so that a draft that comes back into form is noticed quickly next time. A probe lasts
 * `probeRounds` when its verdict is clear; while it is undecided (between `1 − undecidedMargin` and `exitAbove`)
 * it goes on, up to `maxProbeRounds`, and then resumes if the projection is at least `enterBelow`. So a useless
 * draft costs about `probeRounds` rounds per P (about 1 % of rounds at the cap), while a draft near break-even,
 * which costs almost nothing to probe, gets a long enough trial for its estimate to forget the unlucky stretch
 * that caused the fallback. Without that, a draft gaining 6 % spent most of its rounds in fallback in simulation.
 *
 * Acceptance: the guardrail decides (see GuardrailMonitor); here a breach enters fallback at once, a probe round
 * comes every `acceptanceProbeInterval` + 1 rounds, and the guardrail's `recovered` resumes speculation.
 *
 * It is fed after every round: the speed verdict (the projected speed-up of the best speculative γ, or null for
 * schedules without one) and the acceptance signal.
 */
export class FallbackController {
  private readonly enterBelow: number;
  private readonly enterAfterRounds: number;
  private readonly exitAbove: number;
  private readonly initialProbeInterval: number;
  private readonly maxProbeInterval: number;
  private readonly probeRounds: number;
  private readonly maxProbeRounds: number;
  private readonly undecidedMargin: number;
  private probeRoundsDone = 0;
  private current: FallbackState = 'speculating';
  private losingRounds = 0;
  private roundsSinceProbe = 0;
  private interval: number;
  private readonly acceptanceProbeInterval: number;
  private currentCause: FallbackCause | null = null;

  constructor(options: FallbackOptions = {}) {
    this.enterBelow = options.enterBelow ?? 1;
    this.enterAfterRounds = assertInteger('enterAfterRounds', options.enterAfterRounds ?? 6, 1);
    this.exitAbove = options.exitAbove ?? 1.05;
    this.initialProbeInterval = assertInteger('initialProbeInterval', options.initialProbeInterval ?? 8, 1);
    this.maxProbeInterval = assertInteger('maxProbeInterval', options.maxProbeInterval ?? 256, 1);
    this.probeRounds = assertInteger('probeRounds', options.probeRounds ?? 3, 1);
    this.maxProbeRounds = assertInteger('maxProbeRounds', options.maxProbeRounds ?? Math.max(16, this.probeRounds), 1);
    this.undecidedMargin = options.undecidedMargin ?? 0.05;
    if (this.maxProbeRounds < this.probeRounds) throw new RangeError('maxProbeRounds must be at least probeRounds');
    if (!(this.undecidedMargin >= 0 && this.undecidedMargin < 1)) throw new RangeError(`undecidedMargin must be in [0, 1), got ${this.undecidedMargin}`);
    if (!(this.exitAbove >= this.enterBelow)) throw new RangeError(`exitAbove (${this.exitAbove}) must be at least enterBelow (${this.enterBelow})`);
    if (this.maxProbeInterval < this.initialProbeInterval) throw new RangeError('maxProbeInterval must be at least initialProbeInterval');
    this.acceptanceProbeInterval = options.acceptanceProbeInterval ?? 7;
    assertInteger('acceptanceProbeInterval', this.acceptanceProbeInterval, 0);
    this.interval = this.initialProbeInterval;
  }

  /** What caused the current fallback or probe; null while speculating. */
  get cause(): FallbackCause | null {
    return this.currentCause;
  }

  get state(): FallbackState {
    return this.current;
  }

  /** Target-only rounds the controller waits, in fallback, before its next probe. */
  get probeInterval(): number {
    return this.interval;
  }

  /** The mode of the next round. */
  nextMode(): PlanMode {
    return this.current === 'speculating' ? 'speculate' : this.current === 'fallback' ? 'target-only' : 'probe';
  }

  /**
   * Advances after a round, given the projected speed-up of the best speculative γ (null: no speed verdict) and
   * what the acceptance floor concluded; returns the new state.
   */
  observe(projectedSpeedup: number | null, acceptance: AcceptanceSignal = null): FallbackState {
    if (acceptance === 'fallback') {
      this.enter('acceptance');
      return this.current;
    }
    switch (this.current) {
      case 'speculating':
        if (projectedSpeedup === null) break;
        this.losingRounds = projectedSpeedup < this.enterBelow ? this.losingRounds + 1 : 0;
        if (this.losingRounds >= this.enterAfterRounds) this.enter('speed');
        break;
      case 'fallback':
        this.roundsSinceProbe++;
        if (this.roundsSinceProbe >= this.waitBeforeProbe()) this.startProbe();
        break;
      case 'probing':
        if (this.currentCause === 'acceptance') this.judgeAcceptanceProbe(acceptance);
        else this.judgeSpeedProbe(projectedSpeedup ?? 0);
        break;
    }
    return this.current;
  }

  private enter(cause: FallbackCause): void {
    this.current = 'fallback';
    this.currentCause = cause;
    this.losingRounds = 0;
    this.roundsSinceProbe = 0;
    if (this.waitBeforeProbe() === 0) this.startProbe();
  }

  private waitBeforeProbe(): number {
    return this.currentCause === 'acceptance' ? this.acceptanceProbeInterval : this.interval;
  }

  private startProbe(): void {
    this.probeRoundsDone = 0;
    this.current = 'probing';
  }

  private resume(): void {
    this.current = 'speculating';
    this.currentCause = null;
  }

  private judgeAcceptanceProbe(acceptance: AcceptanceSignal): void {
    if (acceptance === 'recovered') this.resume();
    else this.enter('acceptance');
  }

  private judgeSpeedProbe(projectedSpeedup: number): void {
    this.probeRoundsDone++;
    if (this.probeRoundsDone < this.probeRounds) return;
    const undecided = projectedSpeedup < this.exitAbove && projectedSpeedup >= this.enterBelow - this.undecidedMargin;
    if (undecided && this.probeRoundsDone < this.maxProbeRounds) return;
    const resume = projectedSpeedup >= this.exitAbove || (undecided && projectedSpeedup >= this.enterBelow);
    if (resume) {
      this.interval = this.initialProbeInterval;
      this.resume();
    } else {
      this.interval = Math.min(this.maxProbeInterval, this.interval * 2);
      this.roundsSinceProbe = 0;
      this.current = 'fallback';
    }
  }
}
