import type { StreamOptions } from 'speculo';
import { $ } from './dom.js';
import { errorMessage } from './format.js';
import { resetGuardrails } from './guardrails.js';
import { readRunOptions } from './prompt-form.js';
import { stopReplay } from './replay.js';
import { runPane } from './run-pane.js';
import type { DemoState } from './state.js';
import { showSummary } from './summary.js';
import { refinePieces } from './token-marks.js';

/** Runs the target alone, then speculatively, on the same options (after an untimed warm-up), and sums up. */
export async function runBoth(state: DemoState): Promise<void> {
  const loaded = state.loaded;
  if (!loaded || state.running) return;
  let options: StreamOptions;
  try {
    options = readRunOptions();
  } catch (e) {
    $('run-status').textContent = errorMessage(e);
    return;
  }
  stopReplay(state);
  const controller = new AbortController();
  state.running = controller;
  state.runs = { base: null, spec: null };
  clearResults();
  setRunning(state, true);
  // On a phone the results sit below the prompt: bring them into view (without moving keyboard focus).
  const results = $('results-heading');
  if (results.getBoundingClientRect().top > window.innerHeight) results.scrollIntoView({ block: 'start' });
  try {
    // Both runs use the form's fixed γ, so a first visit's background measurement (for adaptive calls) need not
    // finish first: it gives way to each call within one forward pass.
    if ($<HTMLInputElement>('warmup').checked) {
      $('run-status').textContent = 'Warming up (shaders compile on the first passes; not timed)…';
      for (const speculative of [false, true]) {
        await loaded.engine.generate({ ...options, maxNewTokens: Math.min(4, options.maxNewTokens ?? 4), speculative, signal: controller.signal });
      }
    }
    $('run-status').textContent = 'Running the target alone…';
    state.runs.base = await runPane(loaded, options, false, controller.signal);
    $('run-status').textContent = 'Running speculative decoding…';
    state.runs.spec = await runPane(loaded, options, true, controller.signal);
    await refinePieces(state.pieces, state.runs.spec, 'spec-text');
    showSummary(loaded, state.runs.base, state.runs.spec);
    $('run-status').textContent = 'Done. Replay both to see the difference at the measured speeds.';
  } catch (e) {
    const aborted = e instanceof DOMException && e.name === 'AbortError';
    $('run-status').textContent = aborted ? 'Stopped.' : `Run failed: ${errorMessage(e)}`;
  } finally {
    state.running = null;
    setRunning(state, false);
  }
}

function setRunning(state: DemoState, on: boolean): void {
  $<HTMLButtonElement>('run').disabled = on || !state.loaded;
  $<HTMLButtonElement>('stop').disabled = !on;
  $<HTMLButtonElement>('load').disabled = on;
  $<HTMLButtonElement>('replay').disabled = on || !(state.runs.base && state.runs.spec);
  $<HTMLButtonElement>('trace-spec').disabled = on || !state.runs.spec;
  $<HTMLButtonElement>('trace-base').disabled = on || !state.runs.base;
}

function clearResults(): void {
  for (const id of ['baseline-text', 'spec-text', 'summary-facts', 'chart']) $(id).replaceChildren();
  for (const id of ['baseline-stats', 'spec-stats']) $(id).textContent = '–';
  $('speedup').textContent = '–';
  $('speedup').className = 'speedup';
  $('speedup-caption').textContent = 'running…';
  for (const id of ['costs', 'lib-notes', 'trace-note']) $(id).textContent = '';
  resetGuardrails();
}
