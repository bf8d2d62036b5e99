/** Whether the schedule is speculating, decoding with the target alone, or trying speculation again. */
export type FallbackState = 'speculating' | 'fallback' | 'probing';

/** What the next round does: draft and verify, target alone, or a trial round of speculation during fallback. */
export type RoundMode = 'speculate' | 'target-only' | 'probe';

export interface FallbackOptions {
  /** Projected speedup under which a speculating round counts as losing. Default 1. */
  enterBelow?: number;
  /** Consecutive losing rounds before falling back. Default 3. */
  enterAfterRounds?: number;
  /** Projected speedup a probe must reach to resume speculation. Default 1.05. */
  exitAbove?: number;
  /** Target-only rounds before the first probe. Default 8. */
  initialProbeInterval?: number;
  /** Longest wait between probes. Default 256. */
  maxProbeInterval?: number;
  /** Speculative rounds per probe, so a probe gathers more than one round's evidence. Default 3. */
  probeRounds?: number;
}

/**
 * Switches to target-only decoding when speculation stops paying, and tries it again now and then.
 *
 * Hysteresis keeps it from flapping on noisy estimates: it falls back only after `enterAfterRounds` consecutive
 * rounds projected below `enterBelow` (1: "never slower than the target alone" is the hard requirement, so the
 * band sits above 1 rather than around it), and resumes only when a probe projects at least `exitAbove` (1.05).
 * Probes come every P target-only rounds; P doubles after each failed probe up to `maxProbeInterval`, so a draft
 * that is useless for this text costs at most `probeRounds` rounds per P (about 1 % of rounds at the cap), and
 * resets after a successful one so that a draft that comes back into form is noticed quickly next time.
 *
 * The controller is fed the projected speedup of the best speculative γ after every round; in fallback it only
 * counts rounds.
 */
export class FallbackController {
  private readonly enterBelow: number;
  private readonly enterAfterRounds: number;
  private readonly exitAbove: number;
  private readonly initialProbeInterval: number;
  private readonly maxProbeInterval: number;
  private readonly probeRounds: number;
  private current: FallbackState = 'speculating';
  private losingRounds = 0;
  private roundsSinceProbe = 0;
  private probeRoundsLeft = 0;
  private interval: number;

  constructor(options: FallbackOptions = {}) {
    this.enterBelow = options.enterBelow ?? 1;
    this.enterAfterRounds = positiveInteger('enterAfterRounds', options.enterAfterRounds ?? 3);
    this.exitAbove = options.exitAbove ?? 1.05;
    this.initialProbeInterval = positiveInteger('initialProbeInterval', options.initialProbeInterval ?? 8);
    this.maxProbeInterval = positiveInteger('maxProbeInterval', options.maxProbeInterval ?? 256);
    this.probeRounds = positiveInteger('probeRounds', options.probeRounds ?? 3);
    if (!(this.exitAbove >= this.enterBelow)) throw new RangeError(`exitAbove (${this.exitAbove}) must be at least enterBelow (${this.enterBelow})`);
    if (this.maxProbeInterval < this.initialProbeInterval) throw new RangeError('maxProbeInterval must be at least initialProbeInterval');
    this.interval = this.initialProbeInterval;
  }

  get state(): FallbackState {
    return this.current;
  }

  /** Target-only rounds the controller waits, in fallback, before its next probe. */
  get probeInterval(): number {
    return this.interval;
  }

  /** The mode of the next round. */
  nextMode(): RoundMode {
    return this.current === 'speculating' ? 'speculate' : this.current === 'fallback' ? 'target-only' : 'probe';
  }

  /** Advances after a round, given the projected speedup of the best speculative γ; returns the new state. */
  observe(projectedSpeedup: number): FallbackState {
    switch (this.current) {
      case 'speculating':
        this.losingRounds = projectedSpeedup < this.enterBelow ? this.losingRounds + 1 : 0;
        if (this.losingRounds >= this.enterAfterRounds) {
          this.losingRounds = 0;
          this.roundsSinceProbe = 0;
          this.current = 'fallback';
        }
        break;
      case 'fallback':
        this.roundsSinceProbe++;
        if (this.roundsSinceProbe >= this.interval) {
          this.probeRoundsLeft = this.probeRounds;
          this.current = 'probing';
        }
        break;
      case 'probing':
        this.probeRoundsLeft--;
        if (this.probeRoundsLeft > 0) break;
        if (projectedSpeedup >= this.exitAbove) {
          this.interval = this.initialProbeInterval;
          this.current = 'speculating';
        } else {
          this.interval = Math.min(this.maxProbeInterval, this.interval * 2);
          this.roundsSinceProbe = 0;
          this.current = 'fallback';
        }
        break;
    }
    return this.current;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
