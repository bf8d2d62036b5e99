// Which WebGPU adapters are GPUs. Pure.

/**
 * What an adapter may say about itself. The run file keeps the four strings; the optional fields are what newer
 * browsers add to `GPUAdapterInfo` (`isFallbackAdapter`) or native WebGPU reports (`adapterType: 'cpu'`), read when a
 * producer records them.
 */
export interface AdapterLike {
  vendor?: string | null;
  architecture?: string | null;
  device?: string | null;
  description?: string | null;
  type?: string | null;
  adapterType?: string | null;
  isFallbackAdapter?: boolean | null;
}

/** Names of CPU rasterisers that stand in for a GPU: SwiftShader, Mesa's llvmpipe / lavapipe, Windows' WARP. */
const softwareAdapterPattern = /swiftshader|llvmpipe|lavapipe|microsoft basic render driver|\bwarp\b/i;

/**
 * True when a WebGPU adapter is a CPU emulation of a GPU (SwiftShader, llvmpipe, lavapipe, WARP / Microsoft Basic
 * Render Driver, a fallback or `cpu`-type adapter): its numbers measure that emulation, not a GPU. WASM runs on the
 * CPU by design and has no adapter, so it is never "software adapter" (the report shows it as WASM (CPU) instead).
 */
export function isSoftwareAdapter(adapter: AdapterLike | null | undefined, backend: string): boolean {
  if (backend === 'wasm' || !adapter) return false;
  if (adapter.isFallbackAdapter === true) return true;
  const type = adapter.type ?? adapter.adapterType;
  if (typeof type === 'string' && /^cpu$/i.test(type.trim())) return true;
  const vendor = (adapter.vendor ?? '').toLowerCase();
  const architecture = (adapter.architecture ?? '').toLowerCase();
  if (vendor === 'google' && architecture === 'swiftshader') return true;
  return softwareAdapterPattern.test([adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(Boolean).join(' '));
}
