/** Whether the schedule is speculating, decoding with the target alone, or trying speculation again. */
export type FallbackState = 'speculating' | 'fallback' | 'probing';

/** What the next round does: draft and verify, target alone, or a trial round of speculation during fallback. */
export type RoundMode = 'speculate' | 'target-only' | 'probe';

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
}

/**
 * Switches to target-only decoding when speculation stops paying, and tries it again now and then.
 *
 * Hysteresis keeps it from flapping on noisy estimates: it falls back only after `enterAfterRounds` consecutive
 * rounds projected below `enterBelow` (1: "never slower than the target alone" is the hard requirement, so the
 * band sits above 1 rather than around it), and resumes when a probe projects at least `exitAbove` (1.05).
 * Probes come every P target-only rounds; P doubles after each failed probe up to `maxProbeInterval`, and resets
 * after a successful one so that a draft that comes back into form is noticed quickly next time. A probe lasts
 * `probeRounds` when its verdict is clear; while it is undecided (between `1 − undecidedMargin` and `exitAbove`)
 * it goes on, up to `maxProbeRounds`, and then resumes if the projection is at least `enterBelow`. So a useless
 * draft costs about `probeRounds` rounds per P (about 1 % of rounds at the cap), while a draft near break-even,
 * which costs almost nothing to probe, gets a long enough trial for its estimate to forget the unlucky stretch
 * that caused the fallback. Without that, a draft gaining 6 % spent most of its rounds in fallback in simulation.
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
  private readonly maxProbeRounds: number;
  private readonly undecidedMargin: number;
  private probeRoundsDone = 0;
  private current: FallbackState = 'speculating';
  private losingRounds = 0;
  private roundsSinceProbe = 0;
  private interval: number;

  constructor(options: FallbackOptions = {}) {
    this.enterBelow = options.enterBelow ?? 1;
    this.enterAfterRounds = positiveInteger('enterAfterRounds', options.enterAfterRounds ?? 6);
    this.exitAbove = options.exitAbove ?? 1.05;
    this.initialProbeInterval = positiveInteger('initialProbeInterval', options.initialProbeInterval ?? 8);
    this.maxProbeInterval = positiveInteger('maxProbeInterval', options.maxProbeInterval ?? 256);
    this.probeRounds = positiveInteger('probeRounds', options.probeRounds ?? 3);
    this.maxProbeRounds = positiveInteger('maxProbeRounds', options.maxProbeRounds ?? Math.max(16, this.probeRounds));
    this.undecidedMargin = options.undecidedMargin ?? 0.05;
    if (this.maxProbeRounds < this.probeRounds) throw new RangeError('maxProbeRounds must be at least probeRounds');
    if (!(this.undecidedMargin >= 0 && this.undecidedMargin < 1)) throw new RangeError(`undecidedMargin must be in [0, 1), got ${this.undecidedMargin}`);
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
          this.probeRoundsDone = 0;
          this.current = 'probing';
        }
        break;
      case 'probing': {
        this.probeRoundsDone++;
        if (this.probeRoundsDone < this.probeRounds) break;
        const undecided = projectedSpeedup < this.exitAbove && projectedSpeedup >= this.enterBelow - this.undecidedMargin;
        if (undecided && this.probeRoundsDone < this.maxProbeRounds) break;
        const resume = projectedSpeedup >= this.exitAbove || (undecided && projectedSpeedup >= this.enterBelow);
        if (resume) {
          this.interval = this.initialProbeInterval;
          this.current = 'speculating';
        } else {
          this.interval = Math.min(this.maxProbeInterval, this.interval * 2);
          this.roundsSinceProbe = 0;
          this.current = 'fallback';
        }
        break;
      }
    }
    return this.current;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
