/**
 * Types of the audit trace, version {@link traceSchemaVersion}. `schema/speculo-trace.schema.json` describes the
 * same document as a JSON Schema and must change with this file; a change that old readers cannot handle bumps
 * the major version.
 */
import type { Backend } from './engine.js';
import type { GenerationMetrics } from './generation.js';
import type { GuardrailConfig, GuardrailEvent } from './guardrail.js';
import type { ChatMessage } from './options.js';
import type { FinishReason, HostWork, RoundMode, TokenSource } from './round.js';

/** Version of the trace format this library writes. */
export const traceSchemaVersion = '1.2';

/** A model as loaded: where it came from and exactly which weights. */
export interface TraceModel {
  /** Hugging Face model id or local path. */
  id: string;
  /** Repository revision (branch, tag or commit). */
  revision: string;
  /** Weight format, e.g. `q4f16`. */
  dtype: string;
  /** Byte size of each loaded file, keyed by its path in the repository. */
  files: Record<string, number>;
}

/** The GPU adapter, as `EngineInfo.adapter` reports it. */
export interface TraceAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  shaderF16: boolean;
}

/**
 * The prompt, or only its hash when redaction is on. `sha256` is {@link promptSha256} of the prompt: the UTF-8
 * text, or the canonical JSON of the messages, so a redacted trace can still be matched against a known prompt.
 */
export type TracePrompt =
  | { redacted: false; kind: 'text'; text: string; sha256: string }
  | { redacted: false; kind: 'messages'; messages: ChatMessage[]; sha256: string }
  | { redacted: true; kind: 'text' | 'messages'; sha256: string };

/** Stop strings, or the SHA-256 of each when the prompt is redacted (they often quote it). */
export type TraceStop = { redacted: false; strings: string[] } | { redacted: true; sha256: string[] };

/** Everything that determines the output besides the models and the prompt. */
export interface TraceSampling {
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  maxNewTokens: number;
  stop: TraceStop;
  /** γ requested for the generation (before any guardrail cap); null when the scheduler chose it per round. */
  draftLength: number | null;
  /** false when the caller asked for target-only decoding. */
  speculative: boolean;
}

/** The guardrails in force: the operator's version, the content hash, and the config itself. */
export interface TraceGuardrails {
  version: string;
  /** `guardrailConfigHash(config)`. */
  sha256: string;
  config: GuardrailConfig;
}

/** What is known when the generation starts. */
export interface TraceHeader {
  format: 'speculo-trace';
  schemaVersion: typeof traceSchemaVersion;
  libraryVersion: string;
  /** ISO 8601 time at which the recorder was created. */
  createdAt: string;
  models: { target: TraceModel; draft: TraceModel | null };
  runtime: { backend: Backend; adapter: TraceAdapter | null };
  scheduler: { policy: string; profileId: string | null };
  guardrails: TraceGuardrails | null;
  prompt: TracePrompt;
  /** Length of the tokenised prompt. */
  promptTokens: number;
  sampling: TraceSampling;
}

/**
 * How a round was decoded. `prefill` is round 0, where the target reads the prompt and picks the first token;
 * `speculate` drafted and verified; `probe` drafted and verified as a trial during a fallback (since 1.1);
 * `target-only` decoded one token without drafting (speculation off, or a fallback).
 */
export type TraceRoundMode = RoundMode;

/** One target forward pass and what it committed. */
export interface TraceRound {
  /** 0 for the prefill, then 1, 2, … as in the token stream's `round`. */
  round: number;
  mode: TraceRoundMode;
  /** What the draft proposed; empty unless `mode` is `speculate` or `probe`. */
  proposal: { tokens: number[]; confidences: number[] };
  /** How many leading proposal tokens the target accepted. */
  acceptedCount: number;
  /** The target's own pick this round: the correction after a rejection, or the bonus after full acceptance. */
  targetToken: number;
  /**
   * Tokens appended to the output: the accepted proposal then `targetToken`, cut short only in the last round
   * (EOS, `maxNewTokens`, or a stop string).
   */
  committedTokens: number[];
  /** Time in draft forward passes this round. */
  draftMs: number;
  /** Time in the target's forward pass (the prefill for round 0). */
  verifyMs: number;
  /** The engine's own JavaScript work in the round and the logits it read back (format 1.2; absent in older traces). */
  host?: HostWork;
}

/** The output text, or only its hash when output redaction is on. */
export type TraceText = { redacted: false; text: string; sha256: string } | { redacted: true; sha256: string };

/** What the generation produced. */
export interface TraceOutput {
  tokenIds: number[];
  /** `provenance[i]`: `draft` if `tokenIds[i]` is an accepted draft token, `target` if the target chose it. */
  provenance: TokenSource[];
  text: TraceText;
  /**
   * Why generation ended; `aborted` when it was cut off between rounds by the caller's abort signal or a
   * guardrail with action `abort`, which the decoder's own {@link FinishReason} does not cover.
   */
  finishReason: TraceFinishReason;
}

/** {@link FinishReason} plus `aborted`. */
export type TraceFinishReason = FinishReason | 'aborted';

/** A complete audit trace of one generation. */
export interface SpeculoTrace extends TraceHeader {
  rounds: TraceRound[];
  /** Guardrail events in the order they were raised. */
  events: GuardrailEvent[];
  output: TraceOutput;
  metrics: GenerationMetrics;
}

/** What a trace sink receives, in order: the header, then rounds and events as they happen, then the end. */
export type TraceSinkRecord =
  | { type: 'header'; header: TraceHeader }
  | { type: 'round'; round: TraceRound }
  | { type: 'event'; event: GuardrailEvent }
  | { type: 'end'; output: TraceOutput; metrics: GenerationMetrics };

/**
 * Receives trace records as they happen (e.g. to append them to a log). Its exceptions are not caught: an audit
 * log with holes is worse than a failed generation.
 */
export type TraceSink = (record: TraceSinkRecord) => void;

/** The verdict of `replayTrace`: `ok` when `problems` is empty. */
export interface ReplayReport {
  ok: boolean;
  /** One line per inconsistency, naming the round or field. */
  problems: string[];
}

/** What the caller actually received, to check the trace against; optional. */
export interface ReplayOutput {
  tokenIds: readonly number[];
  provenance: readonly TokenSource[];
}
