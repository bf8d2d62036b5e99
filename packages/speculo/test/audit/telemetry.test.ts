import { describe, expect, it } from 'vitest';
import type { GenerationResult } from '../../src/decode/types.js';
import { MetricsRecorder } from '../../src/metrics/metrics.js';
import { EngineTelemetry, telemetryPromptKey } from '../../src/trace/telemetry.js';

/** A result with the given rounds (drafted, accepted) and wall time, built through MetricsRecorder. */
function result(rounds: [number, number][], wallMs: number): GenerationResult {
  const metrics = new MetricsRecorder();
  metrics.start(0);
  metrics.recordPrefill(1);
  metrics.recordFirstToken(1);
  const records: GenerationResult['rounds'] = [];
  let tokens = 1;
  for (const [drafted, accepted] of rounds) {
    if (drafted > 0) metrics.recordDraft(0.5, drafted);
    metrics.recordRound({ drafted, accepted, committed: accepted + 1, verifyMs: 1 });
    records.push({ drafted, accepted, committed: accepted + 1, draftMs: drafted > 0 ? 0.5 : 0, verifyMs: 1, rollbackMs: 0 });
    tokens += accepted + 1;
  }
  const finished = metrics.finish(wallMs, tokens);
  return {
    text: '',
    tokenIds: Array.from({ length: tokens }, (_, i) => i),
    provenance: [],
    finishReason: 'max-tokens',
    metrics: finished,
    rounds: records,
    decisions: [],
    drafter: null,
    promptTokens: 3,
  };
}

const sampling = { temperature: 0, topK: 0, topP: 1, seed: 0, maxNewTokens: 32, stop: [] };

describe('EngineTelemetry', () => {
  it('reports each result and aggregates over the lifetime', () => {
    const telemetry = new EngineTelemetry();
    // 4 + 2 accepted of 8 drafted; 1 + 5 + 3 = 9 tokens in 3 target passes.
    const first = telemetry.record(
      result(
        [
          [4, 4],
          [4, 2],
        ],
        100,
      ),
      'a',
    );
    expect(first).toMatchObject({ acceptanceRate: 0.75, meanAcceptanceLength: 3, acceptanceByPosition: [1, 1, 0.5, 0.5], tokensPerSecond: 90, targetOnly: false, speedupVsTargetOnly: null });
    // 0 of 2 drafted; 1 + 1 = 2 tokens in 2 passes.
    telemetry.record(result([[2, 0]], 100), 'b');
    const lifetime = telemetry.snapshot();
    expect(lifetime).toMatchObject({ generations: 2, targetOnlyGenerations: 0, newTokens: 11, rounds: 3, draftedTokens: 10, acceptedTokens: 6, wallMs: 200 });
    expect(lifetime.acceptanceRate).toBeCloseTo(0.6);
    expect(lifetime.meanAcceptanceLength).toBeCloseTo(11 / 5);
    expect(lifetime.acceptanceByPosition).toEqual([2 / 3, 2 / 3, 0.5, 0.5]);
    expect(lifetime.tokensPerSecond).toBeCloseTo(55);
  });

  it('measures the speed-up against the last target-only run of the same prompt', async () => {
    const telemetry = new EngineTelemetry();
    const key = await telemetryPromptKey({ prompt: 'Hello', sampling });
    const otherKey = await telemetryPromptKey({ prompt: 'Hello', sampling: { ...sampling, seed: 1 } });
    expect(otherKey).not.toBe(key);

    const speculative = result(
      [
        [4, 4],
        [4, 4],
      ],
      100,
    ); // 11 tokens in 100 ms
    expect(telemetry.record(speculative, key).speedupVsTargetOnly).toBeNull();

    const baseline = telemetry.record(
      result(
        [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ],
        100,
      ),
      key,
    ); // 5 tokens in 100 ms
    expect(baseline).toMatchObject({ targetOnly: true, speedupVsTargetOnly: null });
    expect(telemetry.record(speculative, key).speedupVsTargetOnly).toBeCloseTo(11 / 5);
    expect(telemetry.speedupAgainstBaseline(speculative, otherKey)).toBeNull();

    // A newer baseline replaces the older one.
    telemetry.record(
      result(
        [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ],
        50,
      ),
      key,
    ); // 5 tokens in 50 ms
    expect(telemetry.speedupAgainstBaseline(speculative, key)).toBeCloseTo(11 / 10);
    expect(telemetry.snapshot().targetOnlyGenerations).toBe(2);
  });

  it('keys prompts independently of key order', async () => {
    const a = await telemetryPromptKey({ prompt: [{ role: 'user', content: 'Hi' }], sampling });
    const b = await telemetryPromptKey({ prompt: [{ content: 'Hi', role: 'user' }], sampling: { ...sampling } });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });
});
