import { $ } from './dom.js';
import { formatMs } from './format.js';
import type { DemoState, PaneRun } from './state.js';
import { appendChunk } from './token-marks.js';
import { downloadJson, traceOf } from './trace.js';

export function stopReplay(state: DemoState): void {
  for (const t of state.replayTimers) window.clearTimeout(t);
  state.replayTimers = [];
  $('replay').textContent = 'Replay both at measured speed';
}

/** Plays both panes back at the times their events arrived, so the speed difference shows; a second press stops it. */
export function toggleReplay(state: DemoState): void {
  const { base, spec } = state.runs;
  if (!base || !spec) return;
  if (state.replayTimers.length > 0) {
    stopReplay(state);
    return;
  }
  $('replay').textContent = 'Stop replay';
  const panes: [PaneRun, string, boolean][] = [
    [base, 'baseline-text', false],
    [spec, 'spec-text', true],
  ];
  let last = 0;
  for (const [run, id, mark] of panes) {
    const pane = $(id);
    pane.replaceChildren();
    for (const chunk of run.chunks) {
      last = Math.max(last, chunk.t);
      state.replayTimers.push(window.setTimeout(() => appendChunk(pane, chunk, mark), chunk.t));
    }
  }
  state.replayTimers.push(window.setTimeout(() => stopReplay(state), last + 50));
  $('run-status').textContent = `Replaying: the target alone took ${formatMs(base.result.metrics.wallMs)}, speculation ${formatMs(spec.result.metrics.wallMs)}.`;
}

export function downloadTrace(state: DemoState, which: 'base' | 'spec'): void {
  const run = state.runs[which];
  if (!run || !state.loaded) return;
  const { trace } = traceOf(run, state.loaded.info);
  downloadJson(`speculo-trace-${which === 'spec' ? 'speculative' : 'target-only'}.json`, trace);
}
