import type { GenerationMetrics, ResultTelemetry, RoundReport } from '../../src/types/index.js';
import { describe, expect, it } from 'vitest';
import { roundReport } from '../helpers/round-report.js';
import { MetricsRecorder } from '../../src/metrics/metrics.js';
import { EngineTelemetry, telemetryPromptKey } from '../../src/trace/telemetry.js';

/** A finished generation with the given rounds (drafted, accepted) and wall time: its reports and its metrics. */
interface Generation {
  reports: RoundReport[];
  metrics: GenerationMetrics;
}

function generation(rounds: [number, number][], wallMs: number): Generation {
  const metrics = new MetricsRecorder();
  metrics.start(0);
  const reports = [roundReport({ round: 0, verifyMs: 1, committedAt: 1, committed: [0] })];
  let tokens = 1;
  for (const [index, [drafted, accepted]] of rounds.entries()) {
    reports.push(roundReport({ round: index + 1, proposal: drafted, accepted, draftMs: drafted > 0 ? 0.5 : 0, verifyMs: 1 }));
    tokens += accepted + 1;
  }
  for (const report of reports) metrics.observeRound(report);
  return { reports, metrics: metrics.finish(wallMs, tokens) };
}

/** Feeds a generation's rounds to the telemetry and records it, as the engine does. */
function record(telemetry: EngineTelemetry, run: Generation, key: string): ResultTelemetry {
  for (const report of run.reports) telemetry.observeRound(report);
  return telemetry.record(run.metrics, key);
}

const sampling = { temperature: 0, topK: 0, topP: 1, seed: 0, maxNewTokens: 32, stop: [] };

describe('EngineTelemetry', () => {
  it('reports each result and aggregates over the lifetime', () => {
    const telemetry = new EngineTelemetry();
    // 4 + 2 accepted of 8 drafted; 1 + 5 + 3 = 9 tokens in 3 target passes.
    const first = record(
      telemetry,
      generation(
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
    record(telemetry, generation([[2, 0]], 100), 'b');
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

    const speculative = generation(
      [
        [4, 4],
        [4, 4],
      ],
      100,
    ); // 11 tokens in 100 ms
    expect(record(telemetry, speculative, key).speedupVsTargetOnly).toBeNull();

    const baseline = record(
      telemetry,
      generation(
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
    expect(record(telemetry, speculative, key).speedupVsTargetOnly).toBeCloseTo(11 / 5);
    expect(telemetry.speedupAgainstBaseline(speculative.metrics, otherKey)).toBeNull();

    // A newer baseline replaces the older one.
    record(
      telemetry,
      generation(
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
    expect(telemetry.speedupAgainstBaseline(speculative.metrics, key)).toBeCloseTo(11 / 10);
    expect(telemetry.snapshot().targetOnlyGenerations).toBe(2);
  });

  it('drops the rounds of an aborted generation', () => {
    const telemetry = new EngineTelemetry();
    const aborted = generation([[4, 4]], 50);
    for (const report of aborted.reports) telemetry.observeRound(report);
    telemetry.observeEnd({ tokenIds: [], provenance: [], text: '', finishReason: 'aborted', metrics: aborted.metrics });
    record(telemetry, generation([[2, 1]], 50), 'a');
    expect(telemetry.snapshot()).toMatchObject({ generations: 1, rounds: 1, draftedTokens: 2, acceptedTokens: 1 });
  });

  it('keys prompts independently of key order', async () => {
    const a = await telemetryPromptKey({ prompt: [{ role: 'user', content: 'Hi' }], sampling });
    const b = await telemetryPromptKey({ prompt: [{ content: 'Hi', role: 'user' }], sampling: { ...sampling } });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });
});
