import { guardrailConfigHash } from '../guard/guardrail-config.js';
import type { Backend, ChatMessage, GenerationEnd, GuardrailConfig, GuardrailEvent, RoundObserver, RoundReport } from '../types/index.js';
import { canonicalJson, sha256Hex } from '../util/canonical-hash.js';
import {
  traceSchemaVersion,
  type SpeculoTrace,
  type TraceAdapter,
  type TraceHeader,
  type TraceModel,
  type TraceOutput,
  type TracePrompt,
  type TraceRound,
  type TraceSink,
  type TraceStop,
} from '../types/trace.js';

/** What a generation's trace starts from: the engine, the request and the redaction choices. */
export interface TraceRecorderOptions {
  libraryVersion: string;
  models: { target: TraceModel; draft: TraceModel | null };
  runtime: { backend: Backend; adapter: TraceAdapter | null };
  scheduler: { policy: string; profileId: string | null };
  /** The validated guardrails in force, or null when none are configured. */
  guardrails: GuardrailConfig | null;
  /** A raw text prompt, or chat messages. */
  prompt: string | ChatMessage[];
  promptTokens: number;
  sampling: {
    temperature: number;
    topK: number;
    topP: number;
    seed: number;
    maxNewTokens: number;
    stop: string[];
    draftLength: number | null;
    speculative: boolean;
  };
  /** Store only the prompt's hash; stop strings are hashed too, since they often quote the prompt. */
  redactPrompt: boolean;
  /**
   * Store only the output text's hash. Defaults to `redactPrompt`, because answers routinely quote their prompt
   * and a redacted trace must not leak it that way; set false explicitly to keep the text. Token ids are always
   * kept: replay needs them, and reading them back takes the tokenizer.
   */
  redactOutput?: boolean;
  /** Called with each record as it happens. */
  sink?: TraceSink;
  /** When the generation started; defaults to now. */
  createdAt?: Date;
}

/**
 * SHA-256 of a prompt as traces record it: of the UTF-8 text, or of the canonical JSON (sorted keys) of the
 * messages. Lets an operator check whether a redacted trace came from a given prompt.
 */
export async function promptSha256(prompt: string | ChatMessage[]): Promise<string> {
  return sha256Hex(typeof prompt === 'string' ? prompt : canonicalJson(prompt));
}

/**
 * Builds the audit trace of one generation as it runs. Create it with {@link TraceRecorder.create} before the
 * prefill and hand it to the decoder as a round observer: it records every round (round 0 being the prefill),
 * every guardrail event and the end; then {@link finish} returns the trace. Redaction happens at creation, so the
 * prompt never reaches the sink either.
 */
export class TraceRecorder implements RoundObserver {
  private readonly rounds: TraceRound[] = [];
  private readonly events: GuardrailEvent[] = [];
  private end: GenerationEnd | null = null;
  private finished = false;

  private constructor(
    private readonly header: TraceHeader,
    private readonly redactOutput: boolean,
    private readonly sink: TraceSink | undefined,
  ) {}

  /** Hashes what needs hashing, builds the header and hands it to the sink. */
  static async create(options: TraceRecorderOptions): Promise<TraceRecorder> {
    const header: TraceHeader = {
      format: 'speculo-trace',
      schemaVersion: traceSchemaVersion,
      libraryVersion: options.libraryVersion,
      createdAt: (options.createdAt ?? new Date()).toISOString(),
      models: { target: copyModel(options.models.target), draft: options.models.draft ? copyModel(options.models.draft) : null },
      runtime: { backend: options.runtime.backend, adapter: options.runtime.adapter ? { ...options.runtime.adapter } : null },
      scheduler: { ...options.scheduler },
      guardrails: options.guardrails ? { version: options.guardrails.version, sha256: await guardrailConfigHash(options.guardrails), config: structuredClone(options.guardrails) } : null,
      prompt: await tracePrompt(options.prompt, options.redactPrompt),
      promptTokens: options.promptTokens,
      sampling: {
        temperature: options.sampling.temperature,
        topK: options.sampling.topK,
        topP: options.sampling.topP,
        seed: options.sampling.seed,
        maxNewTokens: options.sampling.maxNewTokens,
        stop: await traceStop(options.sampling.stop, options.redactPrompt),
        draftLength: options.sampling.draftLength,
        speculative: options.sampling.speculative,
      },
    };
    const recorder = new TraceRecorder(header, options.redactOutput ?? options.redactPrompt, options.sink);
    recorder.sink?.({ type: 'header', header: structuredClone(header) });
    return recorder;
  }

  /** Records one target forward pass; the arrays are copied, so the caller may reuse them. */
  observeRound(report: RoundReport): void {
    this.assertOpen();
    const round: TraceRound = {
      round: report.round,
      mode: report.mode,
      proposal: { tokens: [...report.proposal.tokens], confidences: [...report.proposal.confidences] },
      acceptedCount: report.acceptedCount,
      targetToken: report.targetToken,
      committedTokens: [...report.committedTokens],
      draftMs: report.timings.draftMs,
      verifyMs: report.timings.verifyMs,
      host: { ...report.host },
    };
    this.rounds.push(round);
    this.sink?.({ type: 'round', round: structuredClone(round) });
  }

  /** Records a guardrail event where it happened among the rounds. */
  observeGuardrail(event: GuardrailEvent): void {
    this.assertOpen();
    const copy = { ...event };
    this.events.push(copy);
    this.sink?.({ type: 'event', event: { ...copy } });
  }

  /** Remembers how the generation ended, for {@link finish}. */
  observeEnd(end: GenerationEnd): void {
    this.assertOpen();
    this.end = end;
  }

  /** Closes the trace after the generation's end was observed; the recorder accepts nothing afterwards. */
  async finish(): Promise<SpeculoTrace> {
    this.assertOpen();
    const end = this.end;
    if (!end) throw new Error('TraceRecorder.finish: the generation has not ended');
    this.finished = true;
    const textSha256 = await sha256Hex(end.text);
    const output: TraceOutput = {
      tokenIds: [...end.tokenIds],
      provenance: [...end.provenance],
      text: this.redactOutput ? { redacted: true, sha256: textSha256 } : { redacted: false, text: end.text, sha256: textSha256 },
      finishReason: end.finishReason,
    };
    const metrics = structuredClone(end.metrics);
    this.sink?.({ type: 'end', output: structuredClone(output), metrics: structuredClone(metrics) });
    return { ...structuredClone(this.header), rounds: this.rounds, events: this.events, output, metrics };
  }

  private assertOpen(): void {
    if (this.finished) throw new Error('TraceRecorder: the trace is already finished');
  }
}

function copyModel(model: TraceModel): TraceModel {
  return { id: model.id, revision: model.revision, dtype: model.dtype, files: { ...model.files } };
}

async function tracePrompt(prompt: string | ChatMessage[], redact: boolean): Promise<TracePrompt> {
  const sha256 = await promptSha256(prompt);
  const kind = typeof prompt === 'string' ? 'text' : 'messages';
  if (redact) return { redacted: true, kind, sha256 };
  return typeof prompt === 'string'
    ? { redacted: false, kind: 'text', text: prompt, sha256 }
    : { redacted: false, kind: 'messages', messages: prompt.map((message) => ({ ...message })), sha256 };
}

async function traceStop(stop: string[], redact: boolean): Promise<TraceStop> {
  if (!redact) return { redacted: false, strings: [...stop] };
  return { redacted: true, sha256: await Promise.all(stop.map(sha256Hex)) };
}
