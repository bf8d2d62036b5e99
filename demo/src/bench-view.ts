/**
 * "Benchmark this device": the form (pair, backend, prompt sample, run settings) and its controls. The run itself is
 * in bench-run.ts.
 */
import { downloadRunFile, runBenchmark, showBenchError, type BenchRequest } from './bench-run.js';
import { bundledNoticeUrl, bundledPromptsAvailable } from './bench-prompts.js';
import { $, h } from './dom.js';
import { presets, type PairPreset } from './pairs.js';
import type { DemoState } from './state.js';

/** The presets the view offers: those with a draft model and a harness pair name. */
export const benchPresets: PairPreset[] = presets.filter((p) => p.benchPair !== null && p.draft !== null);

/** Fills the view's choices and wires its buttons; `?bench=<preset id>` preselects a pair. */
export function initBenchView(state: DemoState): void {
  const pairSelect = $<HTMLSelectElement>('bench-pair');
  for (const p of benchPresets) pairSelect.append(h('option', { value: p.id }, p.label));
  const requested = new URLSearchParams(location.search).get('bench');
  if (requested && benchPresets.some((p) => p.id === requested)) pairSelect.value = requested;
  const onPair = () => ($('bench-pair-note').textContent = currentPreset().note);
  pairSelect.addEventListener('change', onPair);
  onPair();

  $<HTMLAnchorElement>('bench-notice').href = bundledNoticeUrl;
  if (!bundledPromptsAvailable) {
    $<HTMLInputElement>('bench-source-bundled').disabled = true;
    $<HTMLInputElement>('bench-source-file').checked = true;
    $('bench-bundled-missing').hidden = false;
  }
  const fileInput = $<HTMLInputElement>('bench-file');
  fileInput.addEventListener('change', () => {
    if (fileInput.files?.length) $<HTMLInputElement>('bench-source-file').checked = true;
  });
  // A file dropped anywhere on the view is the prompt file.
  const view = $('bench');
  view.addEventListener('dragover', (e) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    view.classList.add('dragging');
  });
  view.addEventListener('dragleave', (e) => {
    if (!view.contains(e.relatedTarget as Node | null)) view.classList.remove('dragging');
  });
  view.addEventListener('drop', (e) => {
    view.classList.remove('dragging');
    if (!e.dataTransfer?.files.length) return;
    e.preventDefault();
    fileInput.files = e.dataTransfer.files;
    fileInput.dispatchEvent(new Event('change'));
  });

  $('bench-form').addEventListener('submit', (e) => {
    e.preventDefault();
    let request: BenchRequest;
    try {
      request = readBenchRequest();
    } catch (error) {
      showBenchError((error as Error).message);
      return;
    }
    void runBenchmark(state, request);
  });
  $('bench-stop').addEventListener('click', () => {
    if (!state.benchmark) return;
    state.benchmark.abort();
    // A load cannot be interrupted: the run stops at its first generation.
    $('bench-status').textContent = 'Stopping…';
  });
  $('bench-download').addEventListener('click', downloadRunFile);
  void probeWebGpu();
}

function currentPreset(): PairPreset {
  return benchPresets.find((p) => p.id === $<HTMLSelectElement>('bench-pair').value) ?? benchPresets[0]!;
}

/** WebGPU is offered, and chosen, only when the page gets an adapter. */
async function probeWebGpu(): Promise<void> {
  let adapter: GPUAdapter | null;
  try {
    adapter = (await (navigator as Navigator & { gpu?: GPU }).gpu?.requestAdapter()) ?? null;
  } catch {
    adapter = null;
  }
  const select = $<HTMLSelectElement>('bench-backend');
  const webgpu = select.querySelector<HTMLOptionElement>('option[value="webgpu"]')!;
  webgpu.disabled = !adapter;
  if (!adapter) {
    webgpu.textContent = 'WebGPU (not available in this browser)';
    select.value = 'wasm';
  }
}

/** The form's choices; throws a RangeError naming the first invalid field, or a missing file. */
function readBenchRequest(): BenchRequest {
  const num = (id: string, optional = false): number | null => {
    const input = $<HTMLInputElement>(id);
    if (!input.checkValidity()) throw new RangeError(`${input.labels?.[0]?.textContent?.trim() ?? id}: ${input.validationMessage}`);
    return optional && input.value.trim() === '' ? null : Number(input.value);
  };
  const bundled = $<HTMLInputElement>('bench-source-bundled').checked;
  const file = $<HTMLInputElement>('bench-file').files?.[0];
  if (!bundled && !file) throw new RangeError('Choose a JSONL prompt file (or drop one on this card), or pick the bundled Spec-Bench subset.');
  return {
    preset: currentPreset(),
    backend: $<HTMLSelectElement>('bench-backend').value === 'webgpu' ? 'webgpu' : 'wasm',
    source: bundled ? { kind: 'bundled' } : { kind: 'file', file: file! },
    selection: { samplePerCategory: Number($<HTMLSelectElement>('bench-per-category').value), limit: num('bench-limit', true) },
    maxNewTokens: num('bench-new-tokens')!,
    repeat: num('bench-repeat')!,
    warmup: num('bench-warmup')!,
    maxPromptTokens: num('bench-prompt-tokens')!,
  };
}
