import { describe, expect, it } from 'vitest';
import type { GenerationResult, RoundRecord } from '../../../packages/speculo/src/types/index.js';
import { analyticSpeedup } from '../../../packages/speculo/src/schedule/gamma-optimizer.js';
import { measuredCostModel, profileShapeError } from '../suites/scheduler-suite.js';

/** A device whose passes run 1.25× slower than its profile says, with engine work the profile cannot see. */
const profile = { draftStepMs: 0.5, targetVerifyMs: [4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8] };
const slower = 1.25;
const engineMsPerRound = 1.5;
const rollbackMs = 0.6;

/** A decode phase whose time is exactly its rounds' passes plus the engine's work and cache cuts. */
function run(rounds: Pick<RoundRecord, 'drafted' | 'accepted'>[]): GenerationResult {
  const records: RoundRecord[] = rounds.map((r) => ({
    ...r,
    committed: r.accepted + 1,
    host: { workMs: 0, reads: 1, bytesRead: 0 },
    // A proposal costs a fixed 0.5 ms besides its steps, which the profile's bare steps do not show.
    draftMs: r.drafted > 0 ? 0.5 + r.drafted * profile.draftStepMs * slower : 0,
    verifyMs: profile.targetVerifyMs[r.drafted]! * slower,
    rollbackMs: r.drafted > 0 ? rollbackMs : 0,
  }));
  const decodeMs = records.reduce((a, r) => a + r.draftMs + r.verifyMs + r.rollbackMs + engineMsPerRound, 0);
  const tokens = records.reduce((a, r) => a + r.committed, 0);
  return { rounds: records, tokenIds: Array(tokens + 1).fill(1), metrics: { wallMs: 10 + decodeMs, timeToFirstTokenMs: 10 } } as unknown as GenerationResult;
}

describe('measuredCostModel', () => {
  it('predicts the decode-phase speedup of a run whose time its model fully explains', () => {
    const targetOnly = [run(Array.from({ length: 40 }, () => ({ drafted: 0, accepted: 0 })))];
    // γ = 3 with acceptance 0.5 at every position: accepted counts 0,1,2,3 in the geometric proportions 8:4:2:2.
    const pattern = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3];
    const static3 = [run(pattern.map((accepted) => ({ drafted: 3, accepted })))];
    const static1 = [run(pattern.map((accepted) => ({ drafted: 1, accepted: Math.min(accepted, 1) })))];
    const cost = measuredCostModel(profile, targetOnly, [...static1, ...static3]);
    expect(cost.draftMs(1)).toBeCloseTo(0.5 + profile.draftStepMs * slower, 9);
    expect(cost.draftMs(3)).toBeCloseTo(0.5 + 3 * profile.draftStepMs * slower, 9);
    expect(cost.roundOverheadMs(0)).toBeCloseTo(engineMsPerRound, 9);
    expect(cost.roundOverheadMs(3)).toBeCloseTo(engineMsPerRound + rollbackMs, 9);

    const rate = (runs: GenerationResult[]) => {
      const tokens = runs.reduce((a, r) => a + r.rounds.reduce((b, x) => b + x.committed, 0), 0);
      const ms = runs.reduce((a, r) => a + r.metrics.wallMs - (r.metrics.timeToFirstTokenMs ?? 0), 0);
      return tokens / ms;
    };
    const measured = rate(static3) / rate(targetOnly);
    const cumulative = [0.5, 0.25, 0.125];
    expect(analyticSpeedup(cumulative, cost, 3)).toBeCloseTo(measured, 2);
  });

  it("uses the verify times decoding measured, and reports how far the profile's shape is from them", () => {
    const targetOnly = [run(Array.from({ length: 10 }, () => ({ drafted: 0, accepted: 0 })))];
    const static3 = [run(Array.from({ length: 10 }, () => ({ drafted: 3, accepted: 1 })))];
    const cost = measuredCostModel(profile, targetOnly, static3);
    expect(cost.verifyMs(4)).toBeCloseTo(profile.targetVerifyMs[3]! * slower, 9);
    // The same shape at another level is no error; a profile taken on a busy machine is.
    expect(profileShapeError({ ...profile, targetVerifyMs: profile.targetVerifyMs.map((ms) => 2 * ms) }, [...targetOnly, ...static3])).toBeCloseTo(0, 9);
    const busy = { draftStepMs: 1, targetVerifyMs: [10.2, 11.01, 12.48, 14.03, 14.03, 14.03, 14.03, 14.03, 21.27] };
    expect(profileShapeError(busy, [...targetOnly, ...static3])).toBeGreaterThan(0.1);
  });
});
