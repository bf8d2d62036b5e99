import type { DrafterKind, DtypeOption, EngineInfo, SpeculoEngine, TokenSource } from 'speculo';
import { TokenPieces } from './pieces.js';
import type { RunRecord } from './trace.js';

/** The pair to load, from a preset or the custom fields. */
export interface ResolvedPair {
  target: string;
  draft: string | null;
  drafter: DrafterKind;
  dtype: DtypeOption;
  /** Served by this site (`models/`). */
  local: boolean;
  label: string;
}

export interface Loaded {
  engine: SpeculoEngine;
  info: EngineInfo;
  pair: ResolvedPair;
}

/** One stream event as the page saw it; `tokens` is filled in per token once the tokenizer has split the text. */
export interface Chunk {
  /** ms since the run started. */
  t: number;
  round: number;
  text: string;
  sources: TokenSource[];
  tokens: { text: string; source: TokenSource }[] | null;
}

/** A finished run of one pane, with what replay needs to play it back. */
export interface PaneRun extends RunRecord {
  chunks: Chunk[];
}

/** Everything the panels share; main.ts creates one and hands it to each. */
export interface DemoState {
  loaded: Loaded | null;
  loading: boolean;
  /** Aborts the run in progress; null when none runs. */
  running: AbortController | null;
  /** Aborts the "Benchmark this device" run in progress; null when none runs. */
  benchmark: AbortController | null;
  runs: { base: PaneRun | null; spec: PaneRun | null };
  replayTimers: number[];
  /** The target's tokenizer, in a worker, for per-token provenance marks. */
  pieces: TokenPieces;
}

export function createDemoState(): DemoState {
  return { loaded: null, loading: false, running: null, benchmark: null, runs: { base: null, spec: null }, replayTimers: [], pieces: new TokenPieces() };
}
