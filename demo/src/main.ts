import {
  createSpeculo,
  IncompatibleModelsError,
  type EngineInfo,
  type EngineOptions,
  type GenerationResult,
  type LoadProgress,
  type SpeculoEngine,
  type StreamOptions,
  type TokenEvent,
} from 'speculo';
import { gammaChart, type ChartRound } from './chart.js';
import { errorMessage, formatBytes, formatMs, formatPercent, formatRate, h } from './format.js';
import { examples, presets, type DrafterKind, type Dtype, type PairPreset } from './pairs.js';
import { TokenPieces } from './pieces.js';
import { cacheUsage, clearModelCache, storageEstimate } from './storage.js';
import { downloadJson, traceOf, type RunRecord } from './trace.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
// The site keeps models/ and ort/ beside demo/, in dev and in the static build alike.
const siteRoot = new URL('../', location.href);
const siteModelsPath = new URL('models/', siteRoot).pathname;
const wasmPaths = {
  mjs: new URL('ort/ort-wasm-simd-threaded.asyncify.mjs', siteRoot).href,
  wasm: new URL('ort/ort-wasm-simd-threaded.asyncify.wasm', siteRoot).href,
};

type Source = 'draft' | 'target';
/** One stream event as the page saw it; `tokens` is filled in per token once the tokenizer has split the text. */
interface Chunk {
  t: number;
  round: number;
  text: string;
  sources: Source[];
  tokens: { text: string; source: Source }[] | null;
}
/** Guardrail events as the library streams them (`{ type: 'guardrail', event }`); fields beyond these vary. */
interface GuardrailEventLike {
  type: string;
  round?: number;
  [key: string]: unknown;
}
/** Scheduler decisions (`result.decisions`), when the library reports them. */
interface DecisionLike {
  round?: number;
  gamma?: number;
  mode?: string;
  drafted?: number;
  accepted?: number;
}

interface Loaded {
  engine: SpeculoEngine;
  info: EngineInfo;
  pair: ResolvedPair;
}
interface ResolvedPair {
  target: string;
  draft: string | null;
  drafter: DrafterKind;
  dtype: Dtype;
  local: boolean;
  label: string;
}
interface PaneRun extends RunRecord {
  chunks: Chunk[];
}

const state: {
  loaded: Loaded | null;
  loading: boolean;
  running: AbortController | null;
  runs: { base: PaneRun | null; spec: PaneRun | null };
  replayTimers: number[];
  pieces: TokenPieces;
} = { loaded: null, loading: false, running: null, runs: { base: null, spec: null }, replayTimers: [], pieces: new TokenPieces() };

// ---------------------------------------------------------------- setup: pair and examples

function initControls(): void {
  const pairSelect = $<HTMLSelectElement>('pair');
  for (const p of presets) pairSelect.append(h('option', { value: p.id }, p.label));
  const requested = new URLSearchParams(location.search).get('pair');
  if (requested && presets.some((p) => p.id === requested)) pairSelect.value = requested;
  const onPair = () => {
    const preset = currentPreset();
    $('pair-note').textContent = preset.note;
    $('custom-fields').hidden = preset.id !== 'custom';
  };
  pairSelect.addEventListener('change', onPair);
  onPair();

  const exampleSelect = $<HTMLSelectElement>('example');
  exampleSelect.append(h('option', { value: '' }, 'Choose an example…'));
  for (const [category, list] of Object.entries(examples)) {
    const group = h('optgroup', { label: category });
    list.forEach((ex, i) => group.append(h('option', { value: `${category}:${i}` }, `${category}: ${ex.label}`)));
    exampleSelect.append(group);
  }
  exampleSelect.addEventListener('change', () => {
    const [category, index] = exampleSelect.value.split(':');
    const ex = category ? examples[category]?.[Number(index)] : undefined;
    if (ex) $<HTMLTextAreaElement>('prompt').value = ex.text;
  });
  $<HTMLTextAreaElement>('prompt').value = examples['Writing']![0]!.text;

  $('load-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void loadPair();
  });
  $('prompt-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void runBoth();
  });
  $('stop').addEventListener('click', () => state.running?.abort());
  $('replay').addEventListener('click', replay);
  $('trace-spec').addEventListener('click', () => downloadTrace('spec'));
  $('trace-base').addEventListener('click', () => downloadTrace('base'));
  $('storage-refresh').addEventListener('click', () => void refreshStorage());
  $('storage-clear').addEventListener('click', () => void clearStorage());
}

function currentPreset(): PairPreset {
  return presets.find((p) => p.id === $<HTMLSelectElement>('pair').value) ?? presets[0]!;
}

function resolvePair(): ResolvedPair {
  const preset = currentPreset();
  if (preset.id !== 'custom') return { ...preset };
  const target = $<HTMLInputElement>('custom-target').value.trim();
  const draft = $<HTMLInputElement>('custom-draft').value.trim() || null;
  if (!target) throw new RangeError('enter a target model id (for example onnx-community/Qwen2.5-1.5B-Instruct)');
  return {
    target,
    draft,
    drafter: draft ? 'model' : 'prompt-lookup',
    dtype: $<HTMLSelectElement>('custom-dtype').value as Dtype,
    local: false,
    label: draft ? `${draft} → ${target}` : `${target} + prompt lookup`,
  };
}

// ---------------------------------------------------------------- device

async function detectDevice(): Promise<void> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  let adapter: GPUAdapter | null;
  try {
    adapter = gpu ? await gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
  } catch {
    adapter = null;
  }
  if (!adapter) {
    showDevice('wasm', null);
    return;
  }
  showDevice('webgpu', {
    vendor: adapter.info?.vendor ?? '',
    architecture: adapter.info?.architecture ?? '',
    shaderF16: adapter.features.has('shader-f16'),
  });
}

function showDevice(backend: 'webgpu' | 'wasm', adapter: { vendor: string; architecture: string; shaderF16: boolean } | null, confirmed = false): void {
  $('dev-backend').textContent = backend === 'webgpu' ? `WebGPU${confirmed ? '' : ' (available)'}` : `WASM (CPU)${confirmed ? '' : ': no WebGPU adapter'}`;
  $('dev-vendor').textContent = adapter?.vendor || (adapter ? 'not reported' : '–');
  $('dev-arch').textContent = adapter?.architecture || (adapter ? 'not reported' : '–');
  $('dev-f16').textContent = adapter ? (adapter.shaderF16 ? 'yes' : 'no (q4f16/fp16 weights will not run on WebGPU)') : '–';
  const notice = $('dev-notice');
  notice.hidden = backend === 'webgpu';
  notice.textContent =
    'WebGPU is not available in this browser, so the models run on WASM (the CPU). Both runs are still compared ' +
    'fairly, but expect far lower speeds than on a GPU. Chrome or Edge on a machine with a GPU enables WebGPU.';
}

// ---------------------------------------------------------------- loading and downloads

const downloadRows = new Map<string, { row: HTMLTableRowElement; bar: HTMLProgressElement; bytes: HTMLTableCellElement; loaded: number; total: number }>();

function resetDownloads(): void {
  downloadRows.clear();
  $('downloads').querySelector('tbody')!.replaceChildren();
  $('downloads-total').textContent = '0 B';
}

function onProgress(p: LoadProgress): void {
  // Calibration is measured in steps, not bytes: it gets a status line, not a download row.
  if (p.status === 'calibrate') {
    $('load-status').textContent = `Measuring this device for the scheduler (first visit with this pair): step ${p.loaded} of ${p.total}`;
    return;
  }
  const key = `${p.model}:${p.name}/${p.file}`;
  let entry = downloadRows.get(key);
  if (!entry) {
    const bar = h('progress', { max: '1', value: '0', 'aria-label': `${p.model} ${p.file}` });
    const bytes = h('td', { class: 'num' });
    const row = h('tr', {}, h('th', { scope: 'row' }, h('span', { class: `role ${p.model}` }, p.model), ' ', h('span', { class: 'file' }, p.file), bar), bytes);
    row.title = `${p.name}/${p.file}`;
    $('downloads').querySelector('tbody')!.append(row);
    entry = { row, bar, bytes, loaded: 0, total: 0 };
    downloadRows.set(key, entry);
  }
  entry.total = Math.max(entry.total, p.total);
  entry.loaded = p.status === 'done' ? Math.max(entry.total, p.loaded) : p.loaded;
  if (p.status === 'done' && entry.total === 0) entry.total = entry.loaded;
  entry.bar.max = Math.max(1, entry.total);
  entry.bar.value = p.status === 'done' ? entry.bar.max : Math.min(entry.loaded, entry.bar.max);
  entry.bytes.textContent = entry.total ? `${formatBytes(entry.loaded)} / ${formatBytes(entry.total)}` : formatBytes(entry.loaded);
  let loaded = 0;
  let total = 0;
  for (const e of downloadRows.values()) {
    loaded += e.loaded;
    total += e.total;
  }
  $('downloads-total').textContent = `${formatBytes(loaded)} / ${formatBytes(total)}`;
  $('load-status').textContent = `Loading ${p.model} model: ${p.file} (${formatBytes(p.loaded)}${p.total ? ` of ${formatBytes(p.total)}` : ''})`;
}

async function loadPair(): Promise<void> {
  if (state.loading || state.running) return;
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
  resetDownloads();
  $('model-info').hidden = true;
  $('loaded-none').hidden = false;
  $('load-status').textContent = `Checking ${pair.label}: config and tokenizer first…`;
  const options: EngineOptions & { drafter?: DrafterKind } = {
    target: pair.target,
    ...(pair.draft ? { draft: pair.draft } : {}),
    // Feature-detected by the library: builds without lookup drafters ignore it.
    ...(pair.drafter !== 'model' ? { drafter: pair.drafter } : {}),
    device: 'auto',
    dtype: pair.dtype,
    wasmPaths,
    ...(pair.local ? { localModelPath: siteModelsPath, allowRemoteModels: false } : { allowRemoteModels: true }),
    onProgress,
  };
  try {
    const engine = await createSpeculo(options);
    const info = engine.info;
    state.loaded = { engine, info, pair };
    showDevice(info.backend, info.adapter, true);
    showModelInfo(info, pair);
    showDrafters(info);
    $('load-status').textContent = `Loaded ${pair.label} on ${info.backend === 'webgpu' ? 'WebGPU' : 'WASM'}.`;
    $('run-status').textContent = 'Ready: press “Run both”.';
    $<HTMLButtonElement>('run').disabled = false;
    void state.pieces.load(pair.target, pair.local ? siteModelsPath : null, !pair.local);
  } catch (e) {
    const refused = e instanceof IncompatibleModelsError || (e instanceof Error && e.name === 'IncompatibleModelsError');
    let fetched = 0;
    for (const d of downloadRows.values()) fetched += d.loaded;
    error.textContent = refused
      ? `Refused: this draft cannot serve this target. ${errorMessage(e)} Only config and tokenizer files were fetched (${formatBytes(fetched)}); no weights were downloaded.`
      : `Could not load the models: ${errorMessage(e)}`;
    error.hidden = false;
    $('load-status').textContent = refused ? 'Pair refused.' : 'Loading failed.';
    $('run-status').textContent = 'Load a model pair first.';
  } finally {
    state.loading = false;
    $<HTMLButtonElement>('load').disabled = false;
    void refreshStorage();
  }
}

function showModelInfo(info: EngineInfo, pair: ResolvedPair): void {
  const dl = $('model-info');
  dl.replaceChildren();
  const add = (k: string, v: string) => dl.append(h('dt', {}, k), h('dd', {}, v));
  add('Target', `${info.target.id} (${info.target.modelType}, ${info.target.dtype}, ${formatBytes(info.target.bytes)})`);
  if (info.draft) add('Draft', `${info.draft.id} (${info.draft.modelType}, ${info.draft.dtype}, ${formatBytes(info.draft.bytes)})`);
  else add('Draft', pair.drafter === 'model' ? 'none' : `${pair.drafter} (no draft model)`);
  const costs = (info as { drafterCosts?: Record<string, CostLike> }).drafterCosts;
  if (costs && typeof costs === 'object') {
    for (const [drafter, cost] of Object.entries(costs)) add(`Cost: ${drafter}`, describeCost(cost));
  }
  add('Vocabulary', `${info.target.vocabSize} tokens`);
  add('Max sequence', `${info.maxSequenceLength} tokens`);
  dl.hidden = false;
  $('loaded-none').hidden = true;
}

interface CostLike {
  downloadBytes?: number;
  storedBytes?: number;
  gpuBytes?: number;
  cacheBytes?: number;
}

/** `download 475 kB · stored 475 kB · GPU 719 kB · CPU cache 0 B` */
function describeCost(cost: CostLike): string {
  const parts: string[] = [];
  if (typeof cost.downloadBytes === 'number') parts.push(`download ${formatBytes(cost.downloadBytes)}`);
  if (typeof cost.storedBytes === 'number') parts.push(`stored ${formatBytes(cost.storedBytes)}`);
  if (typeof cost.gpuBytes === 'number') parts.push(`GPU ${formatBytes(cost.gpuBytes)}`);
  if (typeof cost.cacheBytes === 'number') parts.push(`CPU index ${formatBytes(cost.cacheBytes)}`);
  return parts.join(' · ');
}

function drafterCostOf(info: EngineInfo, drafter: string | null | undefined): CostLike | null {
  const costs = (info as { drafterCosts?: Record<string, CostLike> }).drafterCosts;
  return drafter && costs && typeof costs === 'object' ? (costs[drafter] ?? null) : null;
}

/** Offers the engine's drafters (when the library reports them) for the next run. */
function showDrafters(info: EngineInfo): void {
  const select = $<HTMLSelectElement>('drafter');
  const extra = info as { drafters?: string[]; defaultDrafter?: string | null };
  select.replaceChildren();
  const drafters = Array.isArray(extra.drafters) ? extra.drafters : [];
  if (drafters.length === 0) {
    select.append(h('option', { value: '' }, info.draft ? 'draft model' : 'none'));
    select.disabled = true;
    return;
  }
  for (const d of drafters) select.append(h('option', { value: d }, d === 'model' ? 'model (the draft model)' : d));
  if (extra.defaultDrafter) select.value = extra.defaultDrafter;
  select.disabled = false;
}

// ---------------------------------------------------------------- storage

async function refreshStorage(): Promise<void> {
  const body = $('storage').querySelector('tbody')!;
  try {
    const usage = await cacheUsage(siteModelsPath);
    body.replaceChildren();
    if (!usage.available) body.append(h('tr', {}, h('td', { colspan: '2' }, 'Cache Storage is not available in this browser context.')));
    else if (usage.byModel.size === 0) body.append(h('tr', {}, h('td', { colspan: '2' }, 'Nothing cached yet.')));
    for (const [model, { bytes, files }] of [...usage.byModel].sort((a, b) => b[1].bytes - a[1].bytes)) {
      body.append(h('tr', {}, h('th', { scope: 'row' }, model, h('span', { class: 'hint' }, ` (${files} file${files === 1 ? '' : 's'})`)), h('td', { class: 'num' }, formatBytes(bytes))));
    }
    if (usage.byModel.size > 0) body.append(h('tr', { class: 'total' }, h('th', { scope: 'row' }, 'All cached files'), h('td', { class: 'num' }, formatBytes(usage.totalBytes))));
    const loaded = state.loaded;
    if (loaded) {
      const localNote = loaded.pair.local ? ' Served by this site: the browser caches these files like downloads, at no network cost.' : '';
      $('storage-draft-cost').textContent = loaded.info.draft
        ? `The draft costs ${formatBytes(loaded.info.draft.bytes)} on top of the target’s ${formatBytes(loaded.info.target.bytes)} (${formatPercent(loaded.info.draft.bytes / Math.max(1, loaded.info.target.bytes))} extra).${localNote}`
        : `No draft model: speculation costs no extra download.${localNote}`;
    }
  } catch (e) {
    body.replaceChildren(h('tr', {}, h('td', { colspan: '2' }, `Could not read the cache: ${errorMessage(e)}`)));
  }
  const estimate = await storageEstimate().catch(() => null);
  $('storage-estimate').textContent = estimate
    ? `This site uses ${formatBytes(estimate.usage)} of ${formatBytes(estimate.quota)} the browser allows (navigator.storage.estimate()).`
    : 'navigator.storage.estimate() is not available here.';
}

async function clearStorage(): Promise<void> {
  const ok = await clearModelCache().catch(() => false);
  $('storage-status').textContent = ok ? 'Cached models cleared. Loaded models stay in memory until you load another pair.' : 'There was nothing to clear.';
  await refreshStorage();
}

// ---------------------------------------------------------------- running

interface RunOptions {
  base: StreamOptions;
  label: string;
}

function readRunOptions(): RunOptions {
  const prompt = $<HTMLTextAreaElement>('prompt').value;
  if (!prompt.trim()) throw new RangeError('enter a prompt');
  const num = (id: string) => {
    const input = $<HTMLInputElement>(id);
    if (!input.checkValidity()) throw new RangeError(`${input.labels?.[0]?.textContent ?? id}: ${input.validationMessage}`);
    return Number(input.value);
  };
  const chat = $<HTMLInputElement>('chat').checked;
  const base: StreamOptions = {
    ...(chat ? { messages: [{ role: 'user' as const, content: prompt }] } : { prompt }),
    maxNewTokens: num('max-tokens'),
    temperature: num('temperature'),
    seed: num('seed'),
    draftLength: num('gamma'),
  };
  const drafter = $<HTMLSelectElement>('drafter');
  if (!drafter.disabled && drafter.value) (base as StreamOptions & { drafter?: DrafterKind }).drafter = drafter.value as DrafterKind;
  return { base, label: prompt.slice(0, 40) };
}

function setRunning(on: boolean): void {
  $<HTMLButtonElement>('run').disabled = on || !state.loaded;
  $<HTMLButtonElement>('stop').disabled = !on;
  $<HTMLButtonElement>('load').disabled = on;
  $<HTMLButtonElement>('replay').disabled = on || !(state.runs.base && state.runs.spec);
  $<HTMLButtonElement>('trace-spec').disabled = on || !state.runs.spec;
  $<HTMLButtonElement>('trace-base').disabled = on || !state.runs.base;
}

async function runBoth(): Promise<void> {
  const loaded = state.loaded;
  if (!loaded || state.running) return;
  let options: RunOptions;
  try {
    options = readRunOptions();
  } catch (e) {
    $('run-status').textContent = errorMessage(e);
    return;
  }
  stopReplay();
  const controller = new AbortController();
  state.running = controller;
  state.runs = { base: null, spec: null };
  clearResults();
  setRunning(true);
  // On a phone the results sit below the prompt: bring them into view (without moving keyboard focus).
  const results = $('results-heading');
  if (results.getBoundingClientRect().top > window.innerHeight) results.scrollIntoView({ block: 'start' });
  try {
    if ($<HTMLInputElement>('warmup').checked) {
      $('run-status').textContent = 'Warming up (shaders compile on the first passes; not timed)…';
      for (const speculative of [false, true]) {
        await loaded.engine.generate({ ...options.base, maxNewTokens: Math.min(4, options.base.maxNewTokens ?? 4), speculative, signal: controller.signal });
      }
    }
    $('run-status').textContent = 'Running the target alone…';
    state.runs.base = await runPane(loaded, options, false, controller.signal);
    $('run-status').textContent = 'Running speculative decoding…';
    state.runs.spec = await runPane(loaded, options, true, controller.signal);
    await refinePieces(state.runs.spec, 'spec-text');
    showSummary(loaded, state.runs.base, state.runs.spec);
    $('run-status').textContent = 'Done. Replay both to see the difference at the measured speeds.';
  } catch (e) {
    const aborted = e instanceof DOMException && e.name === 'AbortError';
    $('run-status').textContent = aborted ? 'Stopped.' : `Run failed: ${errorMessage(e)}`;
  } finally {
    state.running = null;
    setRunning(false);
  }
}

function clearResults(): void {
  for (const id of ['baseline-text', 'spec-text', 'summary-facts', 'chart']) $(id).replaceChildren();
  for (const id of ['baseline-stats', 'spec-stats']) $(id).textContent = '–';
  $('speedup').textContent = '–';
  $('speedup').className = 'speedup';
  $('speedup-caption').textContent = 'running…';
  for (const id of ['costs', 'lib-notes', 'trace-note']) $(id).textContent = '';
  $('guardrails').replaceChildren(h('li', { class: 'note' }, 'none yet'));
}

async function runPane(loaded: Loaded, options: RunOptions, speculative: boolean, signal: AbortSignal): Promise<PaneRun> {
  const pane = $(speculative ? 'spec-text' : 'baseline-text');
  const stats = $(speculative ? 'spec-stats' : 'baseline-stats');
  pane.replaceChildren();
  pane.setAttribute('aria-busy', 'true');
  const chunks: Chunk[] = [];
  const eventTimes: number[] = [];
  const guardrailEvents: GuardrailEventLike[] = [];
  const request = { ...options.base, speculative, trace: true } as StreamOptions;
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
      const type = (ev as { type: string }).type;
      if (type === 'token') {
        const tok = ev as TokenEvent;
        const t = performance.now() - start;
        const chunk: Chunk = { t, round: tok.round, text: tok.text, sources: tok.provenance, tokens: null };
        chunks.push(chunk);
        eventTimes.push(t);
        tokens += tok.tokenIds.length;
        appendChunk(pane, chunk, speculative);
        tick();
      } else if (type === 'guardrail') {
        const event = (ev as { event?: GuardrailEventLike }).event ?? (ev as unknown as GuardrailEventLike);
        guardrailEvents.push(event);
        if (speculative) showGuardrail(event);
      } else if (type === 'done') {
        result = (ev as { result: GenerationResult }).result;
      }
    }
  } finally {
    window.clearInterval(timer);
    pane.removeAttribute('aria-busy');
  }
  if (!result) throw new Error('the generation ended without a result');
  // Token events travel on their own message port, so the last ones can arrive after the result: take any
  // tokens the stream did not show from the result itself.
  const shown = chunks.reduce((n, c) => n + c.sources.length, 0);
  if (shown < result.tokenIds.length) {
    const shownText = chunks.map((c) => c.text).join('');
    const chunk: Chunk = {
      t: performance.now() - start,
      round: (chunks.at(-1)?.round ?? -1) + 1,
      text: result.text.startsWith(shownText) ? result.text.slice(shownText.length) : '',
      sources: result.provenance.slice(shown),
      tokens: null,
    };
    chunks.push(chunk);
    eventTimes.push(chunk.t);
    appendChunk(pane, chunk, speculative);
  }
  const m = result.metrics;
  stats.textContent =
    `${m.newTokens} tokens · ${formatMs(m.wallMs)} · ${formatRate(m.tokensPerSecond)}` + (m.timeToFirstTokenMs !== null ? ` · first token ${formatMs(m.timeToFirstTokenMs)}` : '');
  stats.dataset['tokensPerSecond'] = String(m.tokensPerSecond);
  return { speculative, options: request as Record<string, unknown>, result, eventTimes, guardrailEvents, chunks };
}

/** Appends one stream event; with `mark`, each token (or, before the tokenizer has split it, the round) shows its source. */
function appendChunk(pane: HTMLElement, chunk: Chunk, mark: boolean): void {
  if (!mark) {
    pane.append(chunk.text);
    return;
  }
  if (chunk.tokens) {
    for (const token of chunk.tokens) {
      if (!token.text) continue;
      pane.append(h('span', { class: `tok ${token.source}`, title: token.source === 'draft' ? 'accepted draft token' : 'target token', 'data-source': token.source }, token.text));
    }
    return;
  }
  if (!chunk.text) return;
  const drafted = chunk.sources.filter((s) => s === 'draft').length;
  const target = chunk.sources.length - drafted;
  const source: Source = drafted > 0 ? 'draft' : 'target';
  pane.append(
    h(
      'span',
      {
        class: `tok ${source} round`,
        'data-source': source,
        title: `round ${chunk.round}: ${drafted} accepted draft token${drafted === 1 ? '' : 's'} + ${target} target token${target === 1 ? '' : 's'}`,
      },
      chunk.text,
    ),
  );
}

/** Splits the speculative text per token with the target's tokenizer so each token carries its own mark. */
async function refinePieces(run: PaneRun, paneId: string): Promise<void> {
  const { result } = run;
  const pane = $(paneId);
  const pieces = await state.pieces.pieces(result.tokenIds).catch(() => null);
  // Without the tokenizer (or when the pieces do not add up to the text), the marks stay per round.
  if (!pieces || pieces.join('') !== result.text) {
    pane.dataset['marks'] = pieces ? 'per-round (token pieces did not match the text)' : `per-round (tokenizer unavailable: ${state.pieces.lastError ?? 'unknown'})`;
    return;
  }
  let i = 0;
  for (const chunk of run.chunks) {
    const n = chunk.sources.length;
    chunk.tokens = chunk.sources.map((source, k) => ({ source, text: pieces[i + k] ?? '' }));
    i += n;
  }
  if (i !== result.tokenIds.length) {
    for (const chunk of run.chunks) chunk.tokens = null;
    return;
  }
  pane.replaceChildren();
  for (const chunk of run.chunks) appendChunk(pane, chunk, true);
  pane.dataset['marks'] = 'per-token';
}

function showGuardrail(event: GuardrailEventLike): void {
  const list = $('guardrails');
  if (list.querySelector('.note')) list.replaceChildren();
  const { type, round, ...rest } = event;
  const details = Object.entries(rest)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(2)) : String(v)}`)
    .join(', ');
  list.append(h('li', { class: `guard ${type}` }, h('strong', {}, type), ` at round ${round ?? '?'}${details ? `: ${details}` : ''}`));
}

function showSummary(loaded: Loaded, base: PaneRun, spec: PaneRun): void {
  const b = base.result.metrics;
  const s = spec.result.metrics;
  const speedup = b.tokensPerSecond > 0 ? s.tokensPerSecond / b.tokensPerSecond : NaN;
  const identical = base.result.text === spec.result.text && base.result.tokenIds.join(',') === spec.result.tokenIds.join(',');
  const greedy = (base.options['temperature'] ?? 0) === 0;
  const speedupEl = $('speedup');
  speedupEl.textContent = Number.isFinite(speedup) ? `${speedup.toFixed(2)}×` : '–';
  const verdict = speedup >= 1.1 ? 'faster' : speedup <= 0.9 ? 'slower' : 'same';
  speedupEl.className = `speedup ${verdict}`;
  speedupEl.dataset['speedup'] = String(speedup);
  $('speedup-caption').textContent =
    verdict === 'faster'
      ? 'faster with speculation on this device'
      : verdict === 'slower'
        ? 'slower with speculation on this device: drafting costs more than it saves here'
        : 'about the same speed on this device (differences under 10 % are within run-to-run noise)';

  const facts = $('summary-facts');
  facts.replaceChildren();
  const add = (k: string, v: string, id?: string) => facts.append(h('dt', {}, k), h('dd', id ? { id } : {}, v));
  add('Target only', `${formatRate(b.tokensPerSecond)} (${b.newTokens} tokens in ${formatMs(b.wallMs)})`);
  add('Speculative', `${formatRate(s.tokensPerSecond)} (${s.newTokens} tokens in ${formatMs(s.wallMs)})`);
  add('Same text', identical ? 'yes, token for token' : greedy ? 'NO: the outputs differ (this would be a bug under greedy decoding)' : 'no (sampling: expected to differ)', 'identical');
  add('Acceptance rate', `${formatPercent(s.acceptanceRate)} (${s.acceptedTokens} of ${s.draftedTokens} drafted tokens)`);
  add('Mean acceptance length', `${s.meanAcceptanceLength.toFixed(2)} tokens per target pass`);
  add('Target passes', `${s.targetForwardPasses} instead of ${b.targetForwardPasses}`);
  facts.dataset['identical'] = String(identical);

  const draftShare = s.wallMs > 0 ? s.draftMs / s.wallMs : 0;
  const draftBytes = loaded.info.draft?.bytes ?? 0;
  const drafter = (spec.result as { drafter?: string | null }).drafter;
  const cost = drafterCostOf(loaded.info, drafter);
  $('costs').textContent =
    `Cost: ${formatPercent(draftShare)} of the speculative run went to drafting (${formatMs(s.draftMs)}, ${s.draftForwardPasses} draft passes); ` +
    (cost
      ? `the ${drafter} drafter costs ${describeCost(cost)}.`
      : loaded.info.draft && drafter !== 'prompt-lookup' && drafter !== 'ngram-cache'
        ? `the draft model adds ${formatBytes(draftBytes)} to download, cache and GPU memory.`
        : 'no draft model to download or hold in memory.');

  const notes: string[] = [];
  if (drafter === undefined && !loaded.info.draft && loaded.pair.drafter !== 'model') {
    notes.push('This Speculo build does not support lookup drafters yet: the “speculative” run decoded with the target alone.');
  } else if (drafter) notes.push(`Drafter: ${drafter}.`);
  const baselineSpeedup = (spec.result as { speedupAgainstBaseline?: number | null }).speedupAgainstBaseline;
  if (typeof baselineSpeedup === 'number') notes.push(`The engine’s own speed-up estimate: ${baselineSpeedup.toFixed(2)}×.`);
  notes.push('Speed-up = speculative tok/s ÷ target-only tok/s, each over its whole run including the prompt pass.');
  $('lib-notes').textContent = notes.join(' ');

  $('chart').replaceChildren(gammaChart(chartRounds(spec.result)));
  if (spec.guardrailEvents.length === 0) $('guardrails').replaceChildren(h('li', {}, 'No guardrail events: speculation ran normally throughout.'));

  const libTrace = (spec.result as { trace?: unknown }).trace !== undefined;
  $('trace-note').textContent = libTrace
    ? 'Traces are the library’s audit traces (format speculo-trace).'
    : 'This Speculo build returns no audit trace: the download is assembled by the demo from the result (tokens, provenance, rounds, metrics).';
}

function chartRounds(result: GenerationResult): ChartRound[] {
  const decisions = (result as { decisions?: DecisionLike[] }).decisions;
  const rounds = result.rounds;
  let position = result.tokenIds.length > 0 ? 1 : 0; // the prefill commits the first token
  const out: ChartRound[] = [];
  rounds.forEach((r, i) => {
    position += r.committed;
    const d = Array.isArray(decisions) ? decisions[i] : undefined;
    out.push({
      round: d?.round ?? i + 1,
      gamma: d?.drafted ?? d?.gamma ?? r.drafted,
      accepted: d?.accepted ?? r.accepted,
      position,
      ...(d?.mode ? { mode: d.mode } : {}),
    });
  });
  return out;
}

// ---------------------------------------------------------------- replay and traces

function stopReplay(): void {
  for (const t of state.replayTimers) window.clearTimeout(t);
  state.replayTimers = [];
  $('replay').textContent = 'Replay both at measured speed';
}

function replay(): void {
  const { base, spec } = state.runs;
  if (!base || !spec) return;
  if (state.replayTimers.length > 0) {
    stopReplay();
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
  state.replayTimers.push(window.setTimeout(stopReplay, last + 50));
  $('run-status').textContent = `Replaying: the target alone took ${formatMs(base.result.metrics.wallMs)}, speculation ${formatMs(spec.result.metrics.wallMs)}.`;
}

function downloadTrace(which: 'base' | 'spec'): void {
  const run = state.runs[which];
  if (!run || !state.loaded) return;
  const { trace } = traceOf(run, state.loaded.info);
  downloadJson(`speculo-trace-${which === 'spec' ? 'speculative' : 'target-only'}.json`, trace);
}

// ---------------------------------------------------------------- start

initControls();
void detectDevice();
void refreshStorage();
