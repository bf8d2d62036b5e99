import { env } from '@huggingface/transformers';
import type { EngineOptions } from '../api/types.js';

/** Applies the engine's model-source and runtime-file options to transformers.js's global `env`. */
export function configureTransformers(options: Pick<EngineOptions, 'localModelPath' | 'allowRemoteModels' | 'wasmPaths'>): void {
  if (options.localModelPath !== undefined) {
    env.allowLocalModels = true;
    env.localModelPath = options.localModelPath;
  }
  if (options.allowRemoteModels !== undefined) env.allowRemoteModels = options.allowRemoteModels;
  const onnx = env.backends.onnx as { wasm?: { wasmPaths?: unknown } };
  if (options.wasmPaths && onnx.wasm) onnx.wasm.wasmPaths = { ...options.wasmPaths };
}
