import { createSpeculo, IncompatibleModelsError, type DeviceOption, type EngineInfo, type EngineOptions, type LoadProgress } from 'speculo';
import { showDevice } from './device.js';
import { $, h } from './dom.js';
import { DownloadsTable } from './downloads.js';
import { describeCost, showDrafters } from './drafters.js';
import { errorMessage, formatBytes } from './format.js';
import { resolvePair } from './pair-picker.js';
import { siteModelsPath, wasmPaths } from './site.js';
import type { DemoState, ResolvedPair } from './state.js';
import { refreshStorage } from './storage-panel.js';

/** Loads the chosen pair in place of the current one, reporting downloads, and readies the run. */
export async function loadPair(state: DemoState): Promise<void> {
  if (state.loading || state.running || state.benchmark) return;
  const error = $('load-error');
  error.hidden = true;
  let pair: ResolvedPair;
  try {
    pair = resolvePair();
  } catch (e) {
    error.textContent = errorMessage(e);
    error.hidden = false;
    return;
  }
  state.loading = true;
  $<HTMLButtonElement>('load').disabled = true;
  $<HTMLButtonElement>('run').disabled = true;
  $('run-status').textContent = 'Loading models…';
  const previous = state.loaded;
  state.loaded = null;
  state.pieces.dispose();
  if (previous) await previous.engine.dispose().catch(() => undefined);
  const downloads = new DownloadsTable();
  $('model-info').hidden = true;
  $('loaded-none').hidden = false;
  $('load-status').textContent = `Checking ${pair.label}: config and tokenizer first…`;
  try {
    const engine = await createSpeculo(engineOptions(pair, (p) => onProgress(downloads, p)));
    const info = engine.info;
    state.loaded = { engine, info, pair };
    showDevice(info.backend, info.adapter, true);
    showModelInfo(info, pair);
    showDrafters(info);
    const loadedText = `Loaded ${pair.label} on ${info.backend === 'webgpu' ? 'WebGPU' : 'WASM'}.`;
    $('load-status').textContent = loadedText;
    if (info.scheduler.calibration === 'measuring') {
      // First visit with this pair: the engine measures the device in its idle moments rather than before it is ready.
      $('load-status').textContent = `${loadedText} Measuring this device for the scheduler in the background (first visit with this pair).`;
      void engine.calibrated().then(
        (profile) => {
          if (state.loaded?.engine === engine) $('load-status').textContent = profile ? `${loadedText} Device measured: the scheduler now picks γ for it.` : loadedText;
        },
        () => undefined,
      );
    }
    $('run-status').textContent = 'Ready: press “Run both”.';
    $<HTMLButtonElement>('run').disabled = false;
    void state.pieces.load(pair.target, pair.local ? siteModelsPath : null, !pair.local);
  } catch (e) {
    // The name check also catches the error when it crossed from the engine's worker as a plain Error.
    const refused = e instanceof IncompatibleModelsError || (e instanceof Error && e.name === 'IncompatibleModelsError');
    error.textContent = refused
      ? `Refused: this draft cannot serve this target. ${errorMessage(e)} Only config and tokenizer files were fetched (${formatBytes(downloads.fetchedBytes())}); no weights were downloaded.`
      : `Could not load the models: ${errorMessage(e)}`;
    error.hidden = false;
    $('load-status').textContent = refused ? 'Pair refused.' : 'Loading failed.';
    $('run-status').textContent = 'Load a model pair first.';
  } finally {
    state.loading = false;
    $<HTMLButtonElement>('load').disabled = false;
    void refreshStorage(state);
  }
}

/** Releases the loaded pair (GPU memory, worker), e.g. before the benchmark view loads one of its own. */
export async function unloadPair(state: DemoState, reason: string): Promise<void> {
  const loaded = state.loaded;
  if (!loaded) return;
  state.loaded = null;
  state.pieces.dispose();
  // Traces name the loaded models: without them there is nothing to download.
  for (const id of ['run', 'trace-spec', 'trace-base']) $<HTMLButtonElement>(id).disabled = true;
  $('model-info').hidden = true;
  $('loaded-none').hidden = false;
  $('load-status').textContent = reason;
  $('run-status').textContent = 'Load a model pair first.';
  await loaded.engine.dispose().catch(() => undefined);
}

/** The createSpeculo options for a pair: fixtures from this site with no network, Hub pairs from the Hub. */
export function engineOptions(pair: ResolvedPair, onProgress: (p: LoadProgress) => void, device: DeviceOption = 'auto'): EngineOptions {
  return {
    target: pair.target,
    ...(pair.draft ? { draft: pair.draft } : {}),
    // 'model' is left to the engine: it is its default whenever there is a draft.
    ...(pair.drafter !== 'model' ? { drafter: pair.drafter } : {}),
    device,
    dtype: pair.dtype,
    wasmPaths,
    ...(pair.local ? { localModelPath: siteModelsPath, allowRemoteModels: false } : { allowRemoteModels: true }),
    onProgress,
  };
}

function onProgress(downloads: DownloadsTable, p: LoadProgress): void {
  // Calibration is measured in steps, not bytes: it gets a status line, not a download row.
  if (p.status === 'calibrate') {
    $('load-status').textContent = `Measuring this device for the scheduler (first visit with this pair): step ${p.loaded} of ${p.total}`;
    return;
  }
  downloads.report(p);
  $('load-status').textContent = `Loading ${p.model} model: ${p.file} (${formatBytes(p.loaded)}${p.total ? ` of ${formatBytes(p.total)}` : ''})`;
}

function showModelInfo(info: EngineInfo, pair: ResolvedPair): void {
  const dl = $('model-info');
  dl.replaceChildren();
  const add = (k: string, v: string) => dl.append(h('dt', {}, k), h('dd', {}, v));
  add('Target', `${info.target.id} (${info.target.modelType}, ${info.target.dtype}, ${formatBytes(info.target.bytes)})`);
  if (info.draft) add('Draft', `${info.draft.id} (${info.draft.modelType}, ${info.draft.dtype}, ${formatBytes(info.draft.bytes)})`);
  else add('Draft', pair.drafter === 'model' ? 'none' : `${pair.drafter} (no draft model)`);
  for (const [drafter, cost] of Object.entries(info.drafterCosts)) if (cost) add(`Cost: ${drafter}`, describeCost(cost));
  add('Vocabulary', `${info.target.vocabSize} tokens`);
  add('Max sequence', `${info.maxSequenceLength} tokens`);
  dl.hidden = false;
  $('loaded-none').hidden = true;
}
