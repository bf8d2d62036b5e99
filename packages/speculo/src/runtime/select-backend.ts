import { WebGPUUnavailableError } from '../errors.js';
import type { Backend, DeviceOption, EngineInfo } from '../types/engine.js';

export interface BackendChoice {
  backend: Backend;
  adapter: EngineInfo['adapter'];
}

/** Resolves `device` to a backend: `auto` prefers WebGPU when an adapter exists; `webgpu` without one is an error. */
export async function selectBackend(device: DeviceOption): Promise<BackendChoice> {
  if (device === 'wasm') return { backend: 'wasm', adapter: null };
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  let adapter: GPUAdapter | null = null;
  let reason = 'navigator.gpu is missing (the browser has no WebGPU, or the page is not a secure context)';
  if (gpu) {
    try {
      adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) reason = 'navigator.gpu.requestAdapter() returned no adapter';
    } catch (e) {
      reason = `navigator.gpu.requestAdapter() failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  if (!adapter) {
    if (device === 'webgpu') throw new WebGPUUnavailableError(`device "webgpu" was requested but ${reason}`);
    return { backend: 'wasm', adapter: null };
  }
  const info = adapter.info;
  return {
    backend: 'webgpu',
    adapter: {
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      device: info?.device ?? '',
      description: info?.description ?? '',
      shaderF16: adapter.features.has('shader-f16'),
    },
  };
}
