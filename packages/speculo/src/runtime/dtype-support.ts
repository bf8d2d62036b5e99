import { UnsupportedModelError } from '../errors.js';
import type { Backend, DtypeOption, EngineInfo } from '../types/engine.js';

/** transformers.js dtypes whose files compute in half precision. */
const halfPrecisionDtypes: ReadonlySet<string> = new Set(['fp16', 'q4f16']);

/**
 * The dtype transformers.js will load for a model: the one asked for, else the one its config.json names
 * (`transformers.js_config.device_config[backend].dtype`, then `transformers.js_config.dtype`, either a string or a
 * record by file name whose `model` entry is the decoder). Null when neither says: transformers.js then picks a
 * full-precision or 8-bit default.
 */
export function dtypeToLoad(requested: DtypeOption | undefined, config: Record<string, unknown>, backend: Backend): string | null {
  if (requested && requested !== 'auto') return requested;
  const jsConfig = config['transformers.js_config'] as { dtype?: unknown; device_config?: Record<string, { dtype?: unknown }> } | undefined;
  const named = jsConfig?.device_config?.[backend]?.dtype ?? jsConfig?.dtype;
  if (typeof named === 'string') return named;
  if (named && typeof named === 'object') {
    const forDecoder = (named as Record<string, unknown>)['model'];
    return typeof forDecoder === 'string' ? forDecoder : null;
  }
  return null;
}

/**
 * Refuses, before any weights download, a half-precision file on a WebGPU adapter without `shader-f16`: ORT's
 * kernels for it cannot compile there, and the failure would otherwise surface at the first forward pass as
 * "Program Gather requires f16 but the device does not support it". Software adapters (SwiftShader) and some
 * older GPUs lack the feature.
 * @throws {UnsupportedModelError} naming the model, the dtype, the adapter and the dtypes or device that work.
 */
export function assertDtypeRunsOn(model: { role: 'target' | 'draft'; id: string; dtype: string | null; architecture: string }, backend: Backend, adapter: EngineInfo['adapter']): void {
  if (backend !== 'webgpu' || !adapter || adapter.shaderF16 || !model.dtype || !halfPrecisionDtypes.has(model.dtype)) return;
  const which = [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' ') || 'unnamed';
  const fallback = model.dtype === 'q4f16' ? 'q4' : 'fp32';
  throw new UnsupportedModelError(
    `the ${model.role} model "${model.id}" would load dtype "${model.dtype}", which computes in fp16, but this WebGPU adapter ` +
      `(${which}) has no 'shader-f16' feature, so ONNX Runtime cannot compile its kernels. Load a dtype that computes in ` +
      `fp32 ("${fallback}" or "fp32", e.g. dtype: { ${model.role}: '${fallback}' }), or use device: 'wasm'.`,
    model.architecture,
  );
}
