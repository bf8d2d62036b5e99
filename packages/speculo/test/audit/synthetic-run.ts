import type { ChatMessage, GenerationResult, GuardrailConfig, GuardrailEvent, SpeculoTrace, TokenSource, TraceFinishReason, TraceRound, TraceSinkRecord } from '../../src/types/index.js';
import { MetricsRecorder } from '../../src/metrics/metrics.js';
import { roundRecordOf } from '../../src/types/round.js';
import { roundReport } from '../helpers/round-report.js';
import { TraceRecorder, type TraceRecorderOptions } from '../../src/trace/trace-recorder.js';

/** One hand-written round of a synthetic generation; `committed` defaults to accepted proposal + target token. */
export interface ScriptedRound {
  mode: TraceRound['mode'];
  proposal?: number[];
  accepted?: number;
  target: number;
  committed?: number[];
  draftMs?: number;
  verifyMs: number;
  events?: GuardrailEvent[];
}

export interface SyntheticRun {
  trace: SpeculoTrace;
  result: GenerationResult;
  sinkRecords: TraceSinkRecord[];
}

/** The rounds of a plausible speculative generation ending on EOS (token 2) in the middle of an accepted proposal. */
export const defaultScript: ScriptedRound[] = [
  { mode: 'prefill', target: 10, verifyMs: 5 },
  { mode: 'speculate', proposal: [11, 12, 13, 14], accepted: 2, target: 20, draftMs: 4, verifyMs: 6 },
  { mode: 'speculate', proposal: [21, 22, 23, 24], accepted: 4, target: 25, draftMs: 4, verifyMs: 6 },
  { mode: 'target-only', target: 30, verifyMs: 3 },
  { mode: 'speculate', proposal: [31, 2, 33], accepted: 3, target: 34, committed: [31, 2], draftMs: 3, verifyMs: 5 },
];

export interface SyntheticOptions {
  script?: ScriptedRound[];
  prompt?: string | ChatMessage[];
  stop?: string[];
  text?: string;
  redactPrompt?: boolean;
  redactOutput?: boolean;
  guardrails?: GuardrailConfig | null;
  finishReason?: TraceFinishReason;
  /** Time outside forward passes, added to the wall time. */
  otherMs?: number;
}

/**
 * Drives a TraceRecorder and a MetricsRecorder through a scripted generation the way the decoder does, so the
 * trace and the metrics are consistent by construction and tests can tamper with one part at a time.
 */
export async function syntheticRun(options: SyntheticOptions = {}): Promise<SyntheticRun> {
  const script = options.script ?? defaultScript;
  const sinkRecords: TraceSinkRecord[] = [];
  const recorderOptions: TraceRecorderOptions = {
    libraryVersion: '0.1.0',
    models: {
      target: { id: 'onnx-community/Qwen2.5-0.5B-Instruct', revision: 'main', dtype: 'q4f16', files: { 'onnx/model_q4f16.onnx': 483_000_000, 'tokenizer.json': 7_000_000 } },
      draft: { id: 'onnx-community/Qwen2.5-0.5B-Instruct-draft', revision: 'abc123', dtype: 'q4', files: { 'onnx/model_q4.onnx': 90_000_000 } },
    },
    runtime: { backend: 'webgpu', adapter: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'H200', shaderF16: true } },
    scheduler: { policy: 'fixed', profileId: null },
    guardrails: options.guardrails ?? null,
    prompt: options.prompt ?? 'Continue the list: one, two, three',
    promptTokens: 9,
    sampling: { temperature: 0.7, topK: 40, topP: 0.95, seed: 1234, maxNewTokens: 64, stop: options.stop ?? [], draftLength: 4, speculative: true },
    redactPrompt: options.redactPrompt ?? false,
    sink: (record) => sinkRecords.push(record),
    createdAt: new Date('2025-01-02T03:04:05.000Z'),
  };
  if (options.redactOutput !== undefined) recorderOptions.redactOutput = options.redactOutput;
  const recorder = await TraceRecorder.create(recorderOptions);

  const metrics = new MetricsRecorder();
  let clock = 0;
  metrics.start(clock);
  const tokenIds: number[] = [];
  const provenance: TokenSource[] = [];
  const rounds: GenerationResult['rounds'] = [];
  for (const [index, step] of script.entries()) {
    const proposal = step.proposal ?? [];
    const accepted = step.accepted ?? 0;
    const committed = step.committed ?? [...proposal.slice(0, accepted), step.target];
    const draftMs = step.draftMs ?? 0;
    clock += draftMs + step.verifyMs;
    const report = roundReport({
      round: index,
      mode: step.mode,
      proposal,
      confidences: proposal.map((_, i) => 0.9 - 0.1 * i),
      accepted,
      targetToken: step.target,
      committed,
      draftMs,
      verifyMs: step.verifyMs,
      committedAt: clock,
    });
    metrics.observeRound(report);
    recorder.observeRound(report);
    if (step.mode !== 'prefill') rounds.push(roundRecordOf(report));
    for (const event of step.events ?? []) recorder.observeGuardrail(event);
    tokenIds.push(...committed);
    provenance.push(...committed.map((_, i): TokenSource => (i < accepted ? 'draft' : 'target')));
  }
  const finalMetrics = metrics.finish(clock + (options.otherMs ?? 7), tokenIds.length);
  const text = options.text ?? ' four, five, six';
  const finishReason = options.finishReason ?? 'eos';
  recorder.observeEnd({ tokenIds, provenance, text, finishReason, metrics: finalMetrics });
  const trace = await recorder.finish();
  const result: GenerationResult = {
    text,
    tokenIds,
    provenance,
    finishReason: finishReason === 'aborted' ? 'max-tokens' : finishReason,
    metrics: finalMetrics,
    rounds,
    decisions: [],
    drafter: 'model',
    promptTokens: 9,
  };
  return { trace, result, sinkRecords };
}
