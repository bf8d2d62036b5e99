import { describe, expect, it } from 'vitest';
import { parseGuardrailConfig } from '../../src/guard/guardrail-config.js';
import { replayTrace } from '../../src/trace/replay.js';
import type { SpeculoTrace } from '../../src/types/index.js';
import { syntheticRun } from './synthetic-run.js';

const guardrails = parseGuardrailConfig({
  version: '1.0.0',
  acceptanceFloor: { rate: 0.3, windowRounds: 8, action: 'warn' },
  maxDraftLength: 4,
});

async function consistentTrace(): Promise<SpeculoTrace> {
  return (await syntheticRun({ guardrails })).trace;
}

/** Replays a copy of the trace after `tamper` and returns the problems found. */
async function problemsAfter(tamper: (trace: SpeculoTrace) => void): Promise<string[]> {
  const copy = structuredClone(await consistentTrace());
  tamper(copy);
  const report = await replayTrace(copy);
  expect(report.ok).toBe(false);
  return report.problems;
}

describe('replayTrace', () => {
  it('accepts a consistent trace, and the output it describes', async () => {
    const { trace, result } = await syntheticRun({ guardrails });
    expect(await replayTrace(trace)).toEqual({ ok: true, problems: [] });
    expect(await replayTrace(trace, result)).toEqual({ ok: true, problems: [] });
  });

  it('accepts a final round cut by a stop string and a JSON round trip', async () => {
    const { trace } = await syntheticRun({
      finishReason: 'stop-string',
      script: [
        { mode: 'prefill', target: 5, verifyMs: 1 },
        { mode: 'speculate', proposal: [6, 7, 8], accepted: 3, target: 9, committed: [6], draftMs: 1, verifyMs: 1 },
      ],
    });
    expect((await replayTrace(JSON.parse(JSON.stringify(trace)))).problems).toEqual([]);
  });

  it('rejects an output token that neither model chose', async () => {
    const problems = await problemsAfter((trace) => {
      trace.output.tokenIds[3] = 999;
    });
    expect(problems.join('\n')).toMatch(/output\.tokenIds .* differ .*index 3/);
  });

  it('rejects a committed token that is not the accepted draft or the target pick, even if the output agrees', async () => {
    const problems = await problemsAfter((trace) => {
      trace.rounds[1].committedTokens[2] = 999;
      trace.output.tokenIds[3] = 999;
    });
    expect(problems).toEqual([expect.stringMatching(/^round 1: committed \[11, 12, 999\] is not the accepted draft tokens followed by the target token \[11, 12, 20\]/)]);
  });

  it('rejects provenance that credits the wrong model', async () => {
    const problems = await problemsAfter((trace) => {
      // Token 3 is round 1's correction by the target.
      trace.output.provenance[3] = 'draft';
    });
    expect(problems).toEqual([expect.stringMatching(/^output\.provenance differs .*index 3: target vs draft/)]);
  });

  it('rejects counts that do not add up', async () => {
    expect(await problemsAfter((trace) => void (trace.metrics.draftedTokens += 1))).toEqual([expect.stringMatching(/^metrics\.draftedTokens is 12 but the rounds add up to 11/)]);
    expect((await problemsAfter((trace) => void (trace.metrics.newTokens -= 1))).join('\n')).toContain('metrics.newTokens');
    expect((await problemsAfter((trace) => void (trace.rounds[2].acceptedCount = 5))).join('\n')).toContain('acceptedCount 5 is not in 0..4');
    expect((await problemsAfter((trace) => void trace.rounds.splice(3, 1))).join('\n')).toContain('metrics.rounds');
  });

  it('rejects a round cut short before the end, and a proposal in a target-only round', async () => {
    const cut = await problemsAfter((trace) => {
      trace.rounds[2].committedTokens.pop();
      trace.output.tokenIds.splice(8, 1);
      trace.output.provenance.splice(8, 1);
      trace.metrics.newTokens -= 1;
      trace.metrics.tokensPerSecond = (trace.metrics.newTokens * 1000) / trace.metrics.wallMs;
    });
    expect(cut).toEqual([expect.stringContaining('round 2: committed 4 of 5 tokens, but only the last round may be cut short')]);
    const drafted = await problemsAfter((trace) => {
      trace.rounds[3].proposal = { tokens: [30], confidences: [0.5] };
    });
    expect(drafted.join('\n')).toContain('round 3: a target-only round has a draft proposal');
  });

  it('rejects timings that do not add up', async () => {
    const wall = await problemsAfter((trace) => {
      trace.rounds[1].verifyMs += 100;
      trace.metrics.verifyMs += 100;
    });
    expect(wall.join('\n')).toMatch(/exceeds the wall time/);
    const sum = await problemsAfter((trace) => void (trace.metrics.draftMs += 1));
    expect(sum).toEqual([expect.stringMatching(/^metrics\.draftMs is 12 but the rounds add up to 11/)]);
  });

  it('rejects a guardrail hash that does not match the embedded config', async () => {
    const problems = await problemsAfter((trace) => {
      trace.guardrails!.config.acceptanceFloor.rate = 0.1;
    });
    expect(problems).toEqual([expect.stringContaining('guardrails.sha256 does not match the embedded config')]);
  });

  it('rejects an output that differs from the one the trace describes', async () => {
    const { trace, result } = await syntheticRun();
    const report = await replayTrace(trace, { tokenIds: [...result.tokenIds.slice(0, -1), 3], provenance: result.provenance });
    expect(report.problems).toEqual([expect.stringContaining('the actual output differs')]);
  });

  it('refuses an unknown schema version', async () => {
    const problems = await problemsAfter((trace) => {
      (trace as { schemaVersion: string }).schemaVersion = '9.0';
    });
    expect(problems).toEqual(['schemaVersion 9.0 is not 1.x']);
  });

  it('reads a 1.0 trace: minor versions only add', async () => {
    const older = structuredClone(await consistentTrace());
    (older as { schemaVersion: string }).schemaVersion = '1.0';
    expect(await replayTrace(older)).toEqual({ ok: true, problems: [] });
  });
});
