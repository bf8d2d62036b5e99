import type { Backend, EngineInfo } from 'speculo';
import { $ } from './dom.js';

/** The adapter facts the device panel shows: the engine's own report once loaded, the page's probe before. */
type AdapterFacts = Pick<NonNullable<EngineInfo['adapter']>, 'vendor' | 'architecture' | 'shaderF16'>;

/** Probes WebGPU before any model loads, so visitors see what to expect. */
export async function detectDevice(): Promise<void> {
  // @webgpu/types declares navigator.gpu as always present; browsers without WebGPU lack it.
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

/** `confirmed`: the engine reported this backend after loading, rather than the page guessing it. */
export function showDevice(backend: Backend, adapter: AdapterFacts | null, confirmed = false): void {
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
