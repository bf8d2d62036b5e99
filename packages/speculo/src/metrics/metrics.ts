/** Measurements of one generation, reported with its result. */
export interface GenerationMetrics {
  /** Tokens emitted (EOS included). */
  newTokens: number;
  /** From `start` to `finish`. */
  wallMs: number;
  /** newTokens / wall time, prefill included; 0 when no time passed. */
  tokensPerSecond: number;
  /** From `start` to the first emitted token (prefill + tokenisation); null if none was emitted. */
  timeToFirstTokenMs: number | null;
  /** Verify rounds after the prefill (a non-speculative decode step counts as a round with 0 drafted). */
  rounds: number;
  /** Draft tokens proposed over all rounds. */
  draftedTokens: number;
  /** Draft tokens the target accepted. */
  acceptedTokens: number;
  /** acceptedTokens / draftedTokens; 0 when nothing was drafted. */
  acceptanceRate: number;
  /**
   * Tokens committed per target forward pass, counting the prefill as a pass that commits the first token.
   * Chosen so plain decoding scores exactly 1 and the value reads directly as the ideal speed-up over it
   * before draft cost. vLLM's `1 + accepted / drafts` counts verify steps only; the two converge on long
   * generations, and differ by at most the one prefill pass on short ones.
   */
  meanAcceptanceLength: number;
  /** For draft position i (0-based), how often a token proposed there was accepted. */
  acceptanceByPosition: number[];
  /** Time in draft forward passes. */
  draftMs: number;
  /** Time in target forward passes; the prefill counts here, it is a target forward pass. */
  verifyMs: number;
  /** wallMs − draftMs − verifyMs (tokenising, sampling, KV bookkeeping, messaging), clamped at 0. */
  otherMs: number;
  /** Prefill plus one per round. */
  targetForwardPasses: number;
  draftForwardPasses: number;
}

/** One verify round as the engine saw it. */
export interface RoundRecord {
  /** Draft tokens proposed this round (γ, or fewer near the token limit). */
  drafted: number;
  /** How many of them the target accepted. */
  accepted: number;
  /** Tokens actually emitted this round after EOS and limits. */
  committed: number;
  verifyMs: number;
}

/**
 * Accumulates {@link GenerationMetrics} during a generation. Pure: the caller passes timestamps and durations
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
  private draftedAt: number[] = [];
  private acceptedAt: number[] = [];

  /** Marks the start of the generation. */
  start(now: number): void {
    this.startedAt = now;
  }

  /** The prompt's forward pass through the target, which also yields the first token. */
  recordPrefill(ms: number): void {
    this.prefillPasses++;
    this.verifyMs += ms;
  }

  /** Time spent drafting a round and the draft forward passes it took (γ, or γ + 1 with a catch-up token). */
  recordDraft(ms: number, forwardPasses: number): void {
    this.draftMs += ms;
    this.draftForwardPasses += forwardPasses;
  }

  /** One target verify pass and its outcome. */
  recordRound(round: RoundRecord): void {
    if (round.accepted > round.drafted) {
      throw new RangeError(`accepted (${round.accepted}) cannot exceed drafted (${round.drafted})`);
    }
    this.rounds++;
    this.drafted += round.drafted;
    this.accepted += round.accepted;
    this.committedInRounds += round.committed;
    this.verifyMs += round.verifyMs;
    for (let i = 0; i < round.drafted; i++) {
      this.draftedAt[i] = (this.draftedAt[i] ?? 0) + 1;
      if (i < round.accepted) this.acceptedAt[i] = (this.acceptedAt[i] ?? 0) + 1;
    }
  }

  /** Time of the first emitted token; later calls are ignored. */
  recordFirstToken(now: number): void {
    if (this.firstTokenAt === null) this.firstTokenAt = now;
  }

  /** Closes the generation and computes the metrics. */
  finish(now: number, newTokens: number): GenerationMetrics {
    if (this.startedAt === null) throw new Error('MetricsRecorder.finish called before start');
    const wallMs = now - this.startedAt;
    const targetForwardPasses = this.prefillPasses + this.rounds;
    // Each prefill pass commits the first token; rounds commit what they report.
    const committed = this.prefillPasses + this.committedInRounds;
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
    };
  }
}
