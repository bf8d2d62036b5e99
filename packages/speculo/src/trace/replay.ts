import type { ReplayOutput, ReplayReport, TokenSource } from '../types/index.js';

import { guardrailConfigHash } from '../guard/guardrail-config.js';
import { traceSchemaVersion, type SpeculoTrace, type TraceRound } from '../types/trace.js';

// Timings are sums of floating-point durations; re-adding them in another order may differ in the last bits.
const timeTolerance = 1e-6;

/**
 * Replays a trace round by round and checks that it accounts for its output: every committed token is an
 * accepted draft token or the target's pick, the rounds concatenate to the output (and to `actual`, when given),
 * provenance matches, and the metrics' counts and timings add up. It also checks the guardrail hash against the
 * embedded config. Async only because hashing uses Web Crypto.
 *
 * It checks internal consistency, not authenticity: someone who rewrites a trace consistently is not caught;
 * sign traces where that matters.
 */
export async function replayTrace(trace: SpeculoTrace, actual?: ReplayOutput): Promise<ReplayReport> {
  const problems: string[] = [];
  // Minor versions only add (1.1 added the probe mode): a 1.x reader reads every 1.x trace.
  if (typeof trace.schemaVersion !== 'string' || majorOf(trace.schemaVersion) !== majorOf(traceSchemaVersion)) {
    return { ok: false, problems: [`schemaVersion ${String(trace.schemaVersion)} is not ${majorOf(traceSchemaVersion)}.x`] };
  }
  const { committed, sources } = replayRounds(trace.rounds, problems);
  const { output } = trace;

  if (!sameArray(committed, output.tokenIds)) {
    problems.push(`output.tokenIds (${output.tokenIds.length} tokens) differ from the rounds' committed tokens (${committed.length}) ${firstDifference(committed, output.tokenIds)}`);
  }
  if (!sameArray(sources, output.provenance)) {
    problems.push(`output.provenance differs from what the rounds imply ${firstDifference(sources, output.provenance)}`);
  }
  if (actual && !sameArray(actual.tokenIds, output.tokenIds)) {
    problems.push(`the actual output differs from output.tokenIds ${firstDifference(actual.tokenIds, output.tokenIds)}`);
  }
  if (actual && !sameArray(actual.provenance, output.provenance)) {
    problems.push(`the actual provenance differs from output.provenance ${firstDifference(actual.provenance, output.provenance)}`);
  }
  checkFinish(trace, problems);
  checkMetrics(trace, problems);
  checkEvents(trace, problems);
  if (trace.guardrails) {
    const hash = await guardrailConfigHash(trace.guardrails.config);
    if (hash !== trace.guardrails.sha256) problems.push(`guardrails.sha256 does not match the embedded config (recomputed ${hash})`);
    if (trace.guardrails.version !== trace.guardrails.config.version) problems.push(`guardrails.version differs from guardrails.config.version`);
  }
  return { ok: problems.length === 0, problems };
}

/** Checks each round on its own and rebuilds the output and its provenance from them. */
function replayRounds(rounds: TraceRound[], problems: string[]): { committed: number[]; sources: TokenSource[] } {
  const committed: number[] = [];
  const sources: TokenSource[] = [];
  if (rounds.length === 0) problems.push('the trace has no rounds (not even the prefill)');
  rounds.forEach((round, index) => {
    const at = `round ${round.round}`;
    if (round.round !== index) problems.push(`${at}: expected round number ${index}`);
    if ((round.mode === 'prefill') !== (index === 0)) problems.push(`${at}: mode ${round.mode}, but only round 0 is the prefill`);
    const { tokens, confidences } = round.proposal;
    const drafting = round.mode === 'speculate' || round.mode === 'probe';
    if (!drafting && tokens.length > 0) problems.push(`${at}: a ${round.mode} round has a draft proposal`);
    if (confidences.length !== tokens.length) problems.push(`${at}: ${confidences.length} confidences for ${tokens.length} proposed tokens`);
    if (confidences.some((c) => !(c >= 0 && c <= 1))) problems.push(`${at}: a confidence lies outside [0, 1]`);
    if (!Number.isInteger(round.acceptedCount) || round.acceptedCount < 0 || round.acceptedCount > tokens.length) {
      problems.push(`${at}: acceptedCount ${round.acceptedCount} is not in 0..${tokens.length}`);
    }
    for (const [name, ms] of [
      ['draftMs', round.draftMs],
      ['verifyMs', round.verifyMs],
    ] as const) {
      if (!(Number.isFinite(ms) && ms >= 0)) problems.push(`${at}: ${name} ${ms} is not a non-negative duration`);
    }
    if (!drafting && round.draftMs > 0) problems.push(`${at}: draft time in a ${round.mode} round`);

    // The only tokens a round may commit: what the target accepted, then its own pick.
    const expected = [...tokens.slice(0, round.acceptedCount), round.targetToken];
    const isLast = index === rounds.length - 1;
    const prefix = round.committedTokens.length <= expected.length && round.committedTokens.every((token, i) => token === expected[i]);
    if (!prefix) {
      problems.push(`${at}: committed [${round.committedTokens.join(', ')}] is not the accepted draft tokens followed by the target token [${expected.join(', ')}]`);
    } else if (round.committedTokens.length < expected.length && !isLast) {
      problems.push(`${at}: committed ${round.committedTokens.length} of ${expected.length} tokens, but only the last round may be cut short`);
    }
    if (round.committedTokens.length === 0 && !isLast) problems.push(`${at}: committed nothing`);
    round.committedTokens.forEach((token, i) => {
      committed.push(token);
      sources.push(i < round.acceptedCount ? 'draft' : 'target');
    });
  });
  return { committed, sources };
}

function checkFinish(trace: SpeculoTrace, problems: string[]): void {
  const last = trace.rounds[trace.rounds.length - 1];
  if (!last) return;
  const full = last.acceptedCount + 1;
  const reason = trace.output.finishReason;
  if (last.committedTokens.length < full && (reason === 'context-length' || reason === 'aborted')) {
    problems.push(`round ${last.round}: cut short, but the finish reason is ${reason}, which ends between rounds`);
  }
  if (trace.output.tokenIds.length > trace.sampling.maxNewTokens) {
    problems.push(`output has ${trace.output.tokenIds.length} tokens, more than maxNewTokens ${trace.sampling.maxNewTokens}`);
  }
}

function checkMetrics(trace: SpeculoTrace, problems: string[]): void {
  const { metrics, rounds, output } = trace;
  const verifyRounds = rounds.filter((round) => round.mode !== 'prefill');
  const drafted = sum(verifyRounds.map((round) => round.proposal.tokens.length));
  const accepted = sum(verifyRounds.map((round) => round.acceptedCount));
  const expectCount = (name: string, reported: number, replayed: number) => {
    if (reported !== replayed) problems.push(`metrics.${name} is ${reported} but the rounds add up to ${replayed}`);
  };
  expectCount('newTokens', metrics.newTokens, output.tokenIds.length);
  expectCount('rounds', metrics.rounds, verifyRounds.length);
  expectCount('targetForwardPasses', metrics.targetForwardPasses, rounds.length);
  expectCount('draftedTokens', metrics.draftedTokens, drafted);
  expectCount('acceptedTokens', metrics.acceptedTokens, accepted);
  const rate = drafted > 0 ? accepted / drafted : 0;
  if (!near(metrics.acceptanceRate, rate)) problems.push(`metrics.acceptanceRate is ${metrics.acceptanceRate} but the rounds give ${rate}`);
  const byPosition = acceptanceByPosition(verifyRounds);
  if (byPosition.length !== metrics.acceptanceByPosition.length || byPosition.some((value, i) => !near(value, metrics.acceptanceByPosition[i]))) {
    problems.push(`metrics.acceptanceByPosition [${metrics.acceptanceByPosition.join(', ')}] differs from the rounds' [${byPosition.join(', ')}]`);
  }

  const draftMs = sum(rounds.map((round) => round.draftMs));
  const verifyMs = sum(rounds.map((round) => round.verifyMs));
  if (!near(metrics.draftMs, draftMs)) problems.push(`metrics.draftMs is ${metrics.draftMs} but the rounds add up to ${draftMs}`);
  if (!near(metrics.verifyMs, verifyMs)) problems.push(`metrics.verifyMs is ${metrics.verifyMs} but the rounds add up to ${verifyMs}`);
  if (!(metrics.wallMs >= 0)) problems.push(`metrics.wallMs ${metrics.wallMs} is negative`);
  if (draftMs + verifyMs > metrics.wallMs + timeTolerance) {
    problems.push(`draft + verify time (${draftMs + verifyMs} ms) exceeds the wall time (${metrics.wallMs} ms)`);
  }
  // Host work is recorded from format 1.2 on.
  const hosts = rounds.map((round) => round.host);
  if (hosts.every((host) => host !== undefined) && metrics.hostWorkMs !== undefined) {
    const hostWorkMs = sum(hosts.map((host) => host.workMs));
    if (!near(metrics.hostWorkMs, hostWorkMs)) problems.push(`metrics.hostWorkMs is ${metrics.hostWorkMs} but the rounds add up to ${hostWorkMs}`);
    if (hosts.some((host) => !(host.workMs >= 0 && Number.isInteger(host.reads) && host.reads >= 0 && host.bytesRead >= 0))) {
      problems.push('a round reports negative host work, reads or bytes');
    }
  }
  const tokensPerSecond = metrics.wallMs > 0 ? (metrics.newTokens * 1000) / metrics.wallMs : 0;
  if (!near(metrics.tokensPerSecond, tokensPerSecond)) problems.push(`metrics.tokensPerSecond is ${metrics.tokensPerSecond}, expected ${tokensPerSecond}`);
}

function checkEvents(trace: SpeculoTrace, problems: string[]): void {
  const lastRound = trace.rounds.length - 1;
  trace.events.forEach((event, i) => {
    if (!(Number.isInteger(event.round) && event.round >= 0 && event.round <= lastRound)) {
      problems.push(`events[${i}] (${event.type}) names round ${event.round}, outside 0..${lastRound}`);
    }
  });
  const aborted = trace.events.findIndex((event) => event.type === 'abort');
  if (aborted >= 0 && aborted !== trace.events.length - 1) problems.push(`events continue after the abort at events[${aborted}]`);
}

function acceptanceByPosition(rounds: TraceRound[]): number[] {
  const drafted: number[] = [];
  const accepted: number[] = [];
  for (const round of rounds) {
    for (let i = 0; i < round.proposal.tokens.length; i++) {
      drafted[i] = (drafted[i] ?? 0) + 1;
      accepted[i] = (accepted[i] ?? 0) + (i < round.acceptedCount ? 1 : 0);
    }
  }
  return drafted.map((count, i) => accepted[i] / count);
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= timeTolerance * Math.max(1, Math.abs(a), Math.abs(b));
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function sameArray<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function firstDifference<T>(a: readonly T[], b: readonly T[]): string {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return `(first at index ${i}: ${String(a[i])} vs ${String(b[i])})`;
  }
  return '';
}

function majorOf(version: string): string {
  return version.split('.')[0]!;
}
