import type { EngineInfo, GenerationResult, GuardrailEvent, SpeculoTrace, StreamOptions } from 'speculo';

/** What the demo knows about one run, for a trace when the library does not provide one. */
export interface RunRecord {
  speculative: boolean;
  options: StreamOptions;
  result: GenerationResult;
  /** ms since the run started at which each stream event arrived in the page. */
  eventTimes: number[];
  guardrailEvents: GuardrailEvent[];
}

/** A trace the demo assembles from the result when the call returned none (`result.trace` is optional). */
export interface DemoTrace {
  format: 'speculo-demo-trace';
  [key: string]: unknown;
}

/** The library's trace when the result carries one (`generate({ trace: true })`), else one built from the result. */
export function traceOf(run: RunRecord, info: EngineInfo): { trace: SpeculoTrace | DemoTrace; fromLibrary: boolean } {
  const r = run.result;
  if (r.trace && typeof r.trace === 'object') return { trace: r.trace, fromLibrary: true };
  return {
    fromLibrary: false,
    trace: {
      format: 'speculo-demo-trace',
      note: 'This Speculo build returned no audit trace (result.trace); the demo assembled this one from the result.',
      createdAt: new Date().toISOString(),
      userAgent: navigator.userAgent,
      models: { target: info.target, draft: info.draft },
      runtime: { backend: info.backend, adapter: info.adapter },
      request: run.options,
      promptTokens: r.promptTokens,
      rounds: r.rounds,
      decisions: r.decisions,
      events: run.guardrailEvents,
      pageEventTimesMs: run.eventTimes,
      output: { tokenIds: r.tokenIds, provenance: r.provenance, text: r.text, finishReason: r.finishReason },
      metrics: r.metrics,
    },
  };
}

export function downloadJson(filename: string, value: unknown): void {
  const blob = new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
