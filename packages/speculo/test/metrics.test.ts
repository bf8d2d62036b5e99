import { describe, expect, it } from 'vitest';
import { MetricsRecorder } from '../src/metrics/metrics.js';
import { roundReport } from './helpers/round-report.js';

const prefill = (verifyMs: number, committedAt: number) => roundReport({ round: 0, verifyMs, committedAt, committed: [1], host: { workMs: 4, reads: 1, bytesRead: 2048 } });

describe('MetricsRecorder', () => {
  it('computes the speculative metrics of a small run', () => {
    const recorder = new MetricsRecorder();
    recorder.start(1000);
    recorder.observeRound(prefill(50, 1060));
    // Round 1: γ = 4, 3 accepted, 4 committed (3 + correction).
    recorder.observeRound(roundReport({ proposal: 4, accepted: 3, draftMs: 20, verifyMs: 30, host: { workMs: 1, reads: 5, bytesRead: 100 } }));
    // Round 2: γ = 4, all accepted, 5 committed (4 + bonus).
    recorder.observeRound(roundReport({ round: 2, proposal: 4, accepted: 4, draftMs: 20, verifyMs: 30, host: { workMs: 2, reads: 5, bytesRead: 100 } }));
    // Round 3: γ = 2 near the limit, none accepted, 1 committed.
    recorder.observeRound(roundReport({ round: 3, proposal: 2, accepted: 0, draftMs: 10, verifyMs: 25, host: { workMs: 3, reads: 2, bytesRead: 40 } }));

    const metrics = recorder.finish(1200, 11);
    expect(metrics).toEqual({
      newTokens: 11,
      wallMs: 200,
      tokensPerSecond: 55,
      timeToFirstTokenMs: 60,
      rounds: 3,
      draftedTokens: 10,
      acceptedTokens: 7,
      acceptanceRate: 0.7,
      meanAcceptanceLength: 11 / 4,
      // Position 2 was drafted in rounds 1 and 2 and accepted in both; position 3 only in round 2.
      acceptanceByPosition: [2 / 3, 2 / 3, 1, 1 / 2],
      draftMs: 50,
      verifyMs: 135,
      otherMs: 15,
      targetForwardPasses: 4,
      draftForwardPasses: 10,
      // The prefill's host work counts in the total, not in the per-round means.
      hostWorkMs: 10,
      hostWorkMsPerRound: 2,
      readsPerRound: 4,
      bytesReadPerRound: 80,
    });
  });

  it('scores plain decoding at exactly one token per target pass', () => {
    const recorder = new MetricsRecorder();
    recorder.start(0);
    recorder.observeRound(prefill(10, 10));
    for (let i = 0; i < 5; i++) recorder.observeRound(roundReport({ round: i + 1, verifyMs: 10 }));
    const metrics = recorder.finish(60, 6);
    expect(metrics.meanAcceptanceLength).toBe(1);
    expect(metrics.acceptanceRate).toBe(0);
    expect(metrics.acceptanceByPosition).toEqual([]);
    expect(metrics.otherMs).toBe(0);
    expect(metrics.targetForwardPasses).toBe(6);
  });

  it('takes the first token time from the prefill and guards empty runs', () => {
    const recorder = new MetricsRecorder();
    recorder.start(5);
    recorder.observeRound(prefill(0, 7));
    recorder.observeRound(roundReport({ verifyMs: 0, committedAt: 9 }));
    expect(recorder.finish(5, 0)).toMatchObject({
      timeToFirstTokenMs: 2,
      tokensPerSecond: 0,
    });
    expect(() => new MetricsRecorder().finish(5, 0)).toThrow(/before start/);
  });

  it('reports null time to first token when nothing was emitted, and refuses accepted > drafted', () => {
    const recorder = new MetricsRecorder();
    recorder.start(0);
    expect(recorder.finish(10, 0).timeToFirstTokenMs).toBeNull();
    expect(() => recorder.observeRound(roundReport({ proposal: 1, accepted: 2 }))).toThrow(RangeError);
  });
});
