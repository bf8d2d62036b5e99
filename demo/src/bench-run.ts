/**
 * One "Benchmark this device" run: read and sample the prompts, tokenize them with the target's tokenizer, then let
 * the harness's own measurement loop (`e2e/bench/runner.ts`, which `npm run bench` drives in its harness page) load
 * the pair and run every prompt target-only and speculative, alternately; show the per-category table and offer the
 * run file.
 */
import { createSpeculo, type LoadProgress } from 'speculo';
import { measureConfiguration, pageFacts, type MeasureSettings, type RunnerEvent } from '../../e2e/bench/runner.js';
import type { RunFile } from '../../e2e/bench/run-schema.js';
import { choosePrompts, type PromptSource, type Selection } from './bench-prompts.js';
import { demoRunFile, runFileName, type BenchBackend } from './bench-run-file.js';
import { clearBenchTable, describeIdentical, showBenchTable } from './bench-table.js';
import { $ } from './dom.js';
import { errorMessage, formatBytes, formatRate } from './format.js';
import { engineOptions, unloadPair } from './load-panel.js';
import type { PairPreset } from './pairs.js';
import { TokenPieces } from './pieces.js';
import { siteModelsPath } from './site.js';
import type { DemoState } from './state.js';
import { refreshStorage } from './storage-panel.js';
import { downloadJson } from './trace.js';

/** What the visitor chose in the form. */
export interface BenchRequest {
  preset: PairPreset;
  backend: BenchBackend;
  source: PromptSource;
  selection: Selection;
  maxNewTokens: number;
  repeat: number;
  warmup: number;
  maxPromptTokens: number;
}

/** The last finished run, for the download button. */
let lastRun: { file: RunFile; name: string } | null = null;

/** Which step failed decides the fix the error names. */
type Stage = 'prompts' | 'tokenizer' | 'device' | 'load' | 'measure' | 'file';

export async function runBenchmark(state: DemoState, request: BenchRequest): Promise<void> {
  if (state.benchmark) return;
  if (state.loading || state.running) {
    showBenchError('The comparison above is loading or running: wait for it to finish (or stop it), then run the benchmark.');
    return;
  }
  const { preset, backend } = request;
  const controller = new AbortController();
  state.benchmark = controller;
  lastRun = null;
  setRunning(state, true);
  clearBenchTable();
  $('bench-error').hidden = true;
  $('bench-results').hidden = true;
  $('bench-rate').textContent = '';
  const startedAt = Date.now();
  let stage: Stage = 'prompts';
  try {
    status('Reading the prompts…');
    const prompts = await choosePrompts(request.source, request.selection);
    // One pair in memory at a time: a second one could exhaust a GPU's memory and would skew the timings.
    await unloadPair(state, 'Unloaded to free memory for “Benchmark this device”.');
    stage = 'tokenizer';
    status(`Tokenizing ${prompts.selected.length} prompts with ${preset.target}’s tokenizer…`);
    const tokenizer = new TokenPieces();
    const prepared = await tokenizer
      .load(preset.target, preset.local ? siteModelsPath : null, !preset.local)
      .then(() => tokenizer.prepare(prompts.selected, request.maxPromptTokens))
      .finally(() => tokenizer.dispose());
    controller.signal.throwIfAborted();

    stage = 'device';
    const facts = await pageFacts();
    if (backend === 'webgpu' && !facts.secureContext)
      throw new Error('this page is not a secure context, so the browser gives it no WebGPU. Fix: open the demo over https (or from localhost), or choose WASM.');
    if (backend === 'webgpu' && !facts.adapter)
      throw new Error('this browser gives the page no WebGPU adapter. Fix: choose WASM, or use a browser with WebGPU on (Chrome or Edge on a machine with a GPU).');

    stage = 'load';
    const settings: MeasureSettings = {
      maxNewTokens: request.maxNewTokens,
      repeat: request.repeat,
      warmup: request.warmup,
      seed: 0,
      temperature: 0,
      draftLength: null,
      policy: null,
      // 'model' is the engine's default with a draft model, as in `npm run bench` without --drafter.
      drafter: preset.drafter === 'model' ? null : preset.drafter,
    };
    const progress = new LoadBar();
    status(`Loading ${preset.label} on ${backend === 'webgpu' ? 'WebGPU' : 'WASM'}…`);
    const measured = await measureConfiguration(
      // Measured before the timed runs, as `npm run bench` does: they compare steady states.
      (onProgress) => createSpeculo({ ...engineOptions({ ...preset }, onProgress, backend), scheduler: { calibrate: 'eager' } }),
      [preset.target, ...(preset.draft ? [preset.draft] : [])],
      prepared,
      settings,
      (event) => {
        if (event.kind !== 'load') stage = 'measure';
        onEvent(event, progress, request.repeat);
      },
      controller.signal,
    );

    stage = 'file';
    const file = demoRunFile({ startedAt, facts, preset, backend, settings, maxPromptTokens: request.maxPromptTokens, prompts, selection: request.selection, prepared, measured });
    lastRun = { file, name: runFileName(startedAt) };
    const config = file.configurations[0]!;
    showBenchTable(config.categories, config.overall);
    $('bench-identical').textContent = describeIdentical(config.prompts);
    $('bench-results').hidden = false;
    status(`Done: ${config.prompts.length} prompts × ${settings.repeat} repeat(s) on ${config.label}, in ${((Date.now() - startedAt) / 1000).toFixed(0)} s.`);
  } catch (e) {
    const aborted = controller.signal.aborted || (e instanceof DOMException && e.name === 'AbortError');
    if (aborted) status('Stopped: nothing was recorded.');
    else {
      status('The benchmark did not finish.');
      showBenchError(explain(e, stage, request));
    }
  } finally {
    state.benchmark = null;
    setRunning(state, false);
    void refreshStorage(state);
  }
}

/** Offers the last run's file (validated when it was made). */
export function downloadRunFile(): void {
  if (lastRun) downloadJson(lastRun.name, lastRun.file);
}

/** Shows an error (an alert for screen readers) with what to do about it. */
export function showBenchError(message: string): void {
  const error = $('bench-error');
  error.textContent = message;
  error.hidden = false;
}

function explain(e: unknown, stage: Stage, request: BenchRequest): string {
  const message = errorMessage(e);
  const local = request.preset.local;
  switch (stage) {
    case 'prompts':
    case 'device':
      return `Cannot run: ${message}`;
    case 'tokenizer':
      return `Could not tokenize the prompts: ${message}. Fix: ${local ? 'reload the page' : 'check the connection to huggingface.co, or choose an offline pair'}.`;
    case 'load':
      return (
        `Could not load the models: ${message}. Fix: ` +
        (local ? 'reload the page' : 'check the connection to huggingface.co (Hub pairs download 1–2 GB the first time), or choose an offline pair') +
        (request.backend === 'webgpu' ? '; if this GPU lacks a feature the weights need (q4f16 needs shader-f16), choose WASM.' : '.')
      );
    case 'measure':
      return `The benchmark failed while generating: ${message}. Fix: try fewer new tokens or a smaller pair; if the GPU was lost, reload the page.`;
    case 'file':
      return `The run file did not validate: ${message}. This is a bug in the demo: please report it.`;
  }
}

function status(text: string): void {
  $('bench-status').textContent = text;
}

function setRunning(state: DemoState, on: boolean): void {
  $<HTMLButtonElement>('bench-run').disabled = on;
  $<HTMLButtonElement>('bench-stop').disabled = !on;
  $<HTMLButtonElement>('bench-download').disabled = on || !lastRun;
  // The comparison above would load a second pair in the middle of the measurements.
  $<HTMLButtonElement>('load').disabled = on || state.loading;
  $('bench-progress').hidden = false;
}

/** The progress bar during the load: bytes of every model file so far, over their total. */
class LoadBar {
  private readonly files = new Map<string, { loaded: number; total: number }>();

  report(p: LoadProgress): void {
    const bar = $<HTMLProgressElement>('bench-progress');
    if (p.status === 'calibrate') {
      status(`Measuring this device for the scheduler (first run with this pair): step ${p.loaded} of ${p.total}`);
      bar.max = Math.max(1, p.total);
      bar.value = p.loaded;
      return;
    }
    const key = `${p.name}/${p.file}`;
    const total = Math.max(this.files.get(key)?.total ?? 0, p.total);
    this.files.set(key, { total, loaded: p.status === 'done' ? Math.max(total, p.loaded) : p.loaded });
    let loaded = 0;
    let all = 0;
    for (const f of this.files.values()) {
      loaded += f.loaded;
      all += Math.max(f.total, f.loaded);
    }
    bar.max = Math.max(1, all);
    bar.value = loaded;
    status(`Loading the ${p.model} model: ${p.file} (${formatBytes(p.loaded)}${p.total ? ` of ${formatBytes(p.total)}` : ''})`);
  }
}

function onEvent(event: RunnerEvent, load: LoadBar, repeats: number): void {
  const bar = $<HTMLProgressElement>('bench-progress');
  switch (event.kind) {
    case 'load':
      load.report(event.progress);
      break;
    case 'warmup':
      status(`Warming up, ${event.index + 1} of ${event.total} (not timed: shaders compile on the first passes)…`);
      bar.removeAttribute('value'); // indeterminate
      break;
    case 'prompt-start':
      status(`Prompt ${event.done + 1} of ${event.total}: ${event.promptId} (${event.category})${repeats > 1 ? `, repeat ${event.repeat + 1} of ${repeats}` : ''}…`);
      bar.max = event.total;
      bar.value = event.done;
      break;
    case 'prompt-done':
      bar.max = event.total;
      bar.value = event.done;
      $('bench-rate').textContent =
        `Last prompt (${event.promptId}): ${formatRate(event.targetOnlyTokensPerSecond)} target only, ${formatRate(event.speculativeTokensPerSecond)} speculative.`;
      break;
  }
}
