import { UnsupportedEnvironmentError } from '../errors.js';

/** The part of an ONNX Runtime `env` that tells one loaded copy of onnxruntime-web from another. */
export interface OnnxRuntimeEnvLike {
  wasm?: object;
  versions?: { web?: string; common?: string };
}

/**
 * Refuses to run with two copies of onnxruntime-web: transformers.js creating the sessions with one, and Speculo
 * building tensors and reading the WebGPU device with the other. Each copy has its own `env` (so its own WebGPU
 * device), and tensors of one are not tensors to the other, so nothing would work, and not in an obvious way.
 *
 * transformers.js exposes its copy's `env` as a shallow copy in `env.backends.onnx`, so the nested `wasm` object is
 * the identity to compare.
 */
export function assertOneOnnxRuntime(transformersOnnx: OnnxRuntimeEnvLike | undefined, speculoOrt: OnnxRuntimeEnvLike): void {
  if (transformersOnnx?.wasm !== undefined && transformersOnnx.wasm === speculoOrt.wasm) return;
  const theirs = transformersOnnx?.versions?.web ?? 'an unknown version (not onnxruntime-web?)';
  const ours = speculoOrt.versions?.web ?? 'an unknown version';
  throw new UnsupportedEnvironmentError(
    `Two copies of ONNX Runtime are loaded: transformers.js uses onnxruntime-web ${theirs} and Speculo uses ` +
      `onnxruntime-web ${ours}, from different folders. Sessions made by one cannot take the other's tensors or ` +
      'WebGPU device. Install one copy: `npm ls onnxruntime-web` shows where each comes from; use the ' +
      '@huggingface/transformers release Speculo names as its peer dependency (its onnxruntime-web is the one ' +
      'Speculo imports) and run `npm dedupe`; with a bundler alias, point onnxruntime-web at one folder.',
  );
}
