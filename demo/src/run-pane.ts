import type { GenerationResult, GuardrailEvent, StreamOptions } from 'speculo';
import { $ } from './dom.js';
import { formatMs, formatRate } from './format.js';
import { showGuardrail } from './guardrails.js';
import type { Chunk, Loaded, PaneRun } from './state.js';
import { appendChunk } from './token-marks.js';

/** Streams one run into its pane (target alone, or speculative with provenance marks), with live stats. */
export async function runPane(loaded: Loaded, options: StreamOptions, speculative: boolean, signal: AbortSignal): Promise<PaneRun> {
  const pane = $(speculative ? 'spec-text' : 'baseline-text');
  const stats = $(speculative ? 'spec-stats' : 'baseline-stats');
  pane.replaceChildren();
  pane.setAttribute('aria-busy', 'true');
  const chunks: Chunk[] = [];
  const eventTimes: number[] = [];
  const guardrailEvents: GuardrailEvent[] = [];
  const request: StreamOptions = { ...options, speculative, trace: true };
  let tokens = 0;
  const start = performance.now();
  const tick = () => {
    const elapsed = performance.now() - start;
    stats.textContent = `${tokens} tokens · ${formatMs(elapsed)} · ${formatRate(elapsed > 0 ? (tokens * 1000) / elapsed : 0)}`;
  };
  const timer = window.setInterval(tick, 100);
  let result: GenerationResult | null = null;
  try {
    for await (const ev of loaded.engine.stream({ ...request, signal })) {
      if (ev.type === 'token') {
        const t = performance.now() - start;
        const chunk: Chunk = { t, round: ev.round, text: ev.text, sources: ev.provenance, tokens: null };
        chunks.push(chunk);
        eventTimes.push(t);
        tokens += ev.tokenIds.length;
        appendChunk(pane, chunk, speculative);
        tick();
      } else if (ev.type === 'guardrail') {
        guardrailEvents.push(ev.event);
        if (speculative) showGuardrail(ev.event);
      } else if (ev.type === 'done') {
        result = ev.result;
      }
    }
  } finally {
    window.clearInterval(timer);
    pane.removeAttribute('aria-busy');
  }
  if (!result) throw new Error('the generation ended without a result');
  const tail = untilResult(chunks, result, performance.now() - start);
  if (tail) {
    chunks.push(tail);
    eventTimes.push(tail.t);
    appendChunk(pane, tail, speculative);
  }
  const m = result.metrics;
  stats.textContent =
    `${m.newTokens} tokens · ${formatMs(m.wallMs)} · ${formatRate(m.tokensPerSecond)}` + (m.timeToFirstTokenMs !== null ? ` · first token ${formatMs(m.timeToFirstTokenMs)}` : '');
  stats.dataset['tokensPerSecond'] = String(m.tokensPerSecond);
  return { speculative, options: request, result, eventTimes, guardrailEvents, chunks };
}

/**
 * Token events travel on their own message port, so the last ones can arrive after the result: a chunk with the
 * tokens the stream did not show, taken from the result itself, or null when it showed them all.
 */
function untilResult(chunks: Chunk[], result: GenerationResult, t: number): Chunk | null {
  const shown = chunks.reduce((n, c) => n + c.sources.length, 0);
  if (shown >= result.tokenIds.length) return null;
  const shownText = chunks.map((c) => c.text).join('');
  return {
    t,
    round: (chunks.at(-1)?.round ?? -1) + 1,
    text: result.text.startsWith(shownText) ? result.text.slice(shownText.length) : '',
    sources: result.provenance.slice(shown),
    tokens: null,
  };
}
