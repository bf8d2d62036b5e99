import type { GenerationMetrics, RoundReport } from '../types/index.js';

/**
 * Accumulates {@link GenerationMetrics} from a generation's round reports. Pure: the caller passes timestamps and durations
 * (e.g. from `performance.now()`), which keeps it testable and lets the worker time work on its own clock.
 */
export class MetricsRecorder {
  private startedAt: number | null = null;
  private firstTokenAt: number | null = null;
  private prefillPasses = 0;
  private rounds = 0;
  private drafted = 0;
  private accepted = 0;
  private committedInRounds = 0;
  private draftMs = 0;
  private verifyMs = 0;
  private draftForwardPasses = 0;
  private hostWorkMs = 0;
  private roundsHostWorkMs = 0;
  private roundsReads = 0;
  private roundsBytesRead = 0;
  private draftedAt: number[] = [];
  private acceptedAt: number[] = [];

  /** Marks the start of the generation. */
  start(now: number): void {
    this.startedAt = now;
  }

  /** Adds one round: the prefill (round 0, a target pass that commits the first token) or a verify round. */
  observeRound(report: RoundReport): void {
    const { timings, host } = report;
    this.hostWorkMs += host.workMs;
    if (report.mode === 'prefill') {
      this.prefillPasses++;
      this.verifyMs += timings.verifyMs;
      this.firstTokenAt ??= timings.committedAt;
      return;
    }
    const drafted = report.proposal.tokens.length;
    if (report.acceptedCount > drafted) throw new RangeError(`accepted (${report.acceptedCount}) cannot exceed drafted (${drafted})`);
    this.draftMs += timings.draftMs;
    this.draftForwardPasses += report.proposal.forwardPasses;
    this.rounds++;
    this.drafted += drafted;
    this.accepted += report.acceptedCount;
    this.committedInRounds += report.committedTokens.length;
    this.verifyMs += timings.verifyMs;
    this.roundsHostWorkMs += host.workMs;
    this.roundsReads += host.reads;
    this.roundsBytesRead += host.bytesRead;
    for (let i = 0; i < drafted; i++) {
      this.draftedAt[i] = (this.draftedAt[i] ?? 0) + 1;
      if (i < report.acceptedCount) this.acceptedAt[i] = (this.acceptedAt[i] ?? 0) + 1;
    }
  }

  /** Closes the generation and computes the metrics. */
  finish(now: number, newTokens: number): GenerationMetrics {
    if (this.startedAt === null) throw new Error('MetricsRecorder.finish called before start');
    const wallMs = now - this.startedAt;
    const targetForwardPasses = this.prefillPasses + this.rounds;
    // Each prefill pass commits the first token; rounds commit what they report.
    const committed = this.prefillPasses + this.committedInRounds;
    const perRound = (total: number) => (this.rounds > 0 ? total / this.rounds : 0);
    return {
      newTokens,
      wallMs,
      tokensPerSecond: wallMs > 0 ? (newTokens * 1000) / wallMs : 0,
      timeToFirstTokenMs: this.firstTokenAt === null ? null : this.firstTokenAt - this.startedAt,
      rounds: this.rounds,
      draftedTokens: this.drafted,
      acceptedTokens: this.accepted,
      acceptanceRate: this.drafted > 0 ? this.accepted / this.drafted : 0,
      meanAcceptanceLength: targetForwardPasses > 0 ? committed / targetForwardPasses : 0,
      acceptanceByPosition: this.draftedAt.map((count, i) => (this.acceptedAt[i] ?? 0) / count),
      draftMs: this.draftMs,
      verifyMs: this.verifyMs,
      otherMs: Math.max(0, wallMs - this.draftMs - this.verifyMs),
      targetForwardPasses,
      draftForwardPasses: this.draftForwardPasses,
      hostWorkMs: this.hostWorkMs,
      hostWorkMsPerRound: perRound(this.roundsHostWorkMs),
      readsPerRound: perRound(this.roundsReads),
      bytesReadPerRound: perRound(this.roundsBytesRead),
    };
  }
}
