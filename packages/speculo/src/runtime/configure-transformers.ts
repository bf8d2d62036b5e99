import { env } from '@huggingface/transformers';
import { env as ortEnv } from 'onnxruntime-web/webgpu';
import type { EngineOptions } from '../types/engine.js';
import { assertOneOnnxRuntime, type OnnxRuntimeEnvLike } from './one-onnx-runtime.js';

type ModelSourceOptions = Pick<EngineOptions, 'localModelPath' | 'allowRemoteModels' | 'remoteHost' | 'remotePathTemplate' | 'wasmPaths'>;

/**
 * Refuses a transformers.js that runs on another copy of onnxruntime-web than the one Speculo imports. With
 * `onlyOnWeb`, a transformers.js on another runtime altogether (its Node build, whose sessions attached models in
 * Node tests never use) passes: two copies of onnxruntime-web in one bundle is the case to catch there.
 */
export function assertTransformersSharesOnnxRuntime(options: { onlyOnWeb?: boolean } = {}): void {
  const transformersOnnx = env.backends.onnx as OnnxRuntimeEnvLike | undefined;
  if (options.onlyOnWeb && transformersOnnx?.versions?.web === undefined) return;
  assertOneOnnxRuntime(transformersOnnx, ortEnv);
}

/**
 * Applies the engine's model-source and runtime-file options to transformers.js's global `env`, after checking
 * that transformers.js and Speculo share one ONNX Runtime.
 */
export function configureTransformers(options: ModelSourceOptions): void {
  assertTransformersSharesOnnxRuntime();
  if (options.localModelPath !== undefined) {
    env.allowLocalModels = true;
    env.localModelPath = options.localModelPath;
  }
  if (options.allowRemoteModels !== undefined) env.allowRemoteModels = options.allowRemoteModels;
  if (options.remoteHost !== undefined) env.remoteHost = options.remoteHost;
  if (options.remotePathTemplate !== undefined) env.remotePathTemplate = options.remotePathTemplate;
  const onnx = env.backends.onnx as { wasm?: { wasmPaths?: unknown } };
  if (options.wasmPaths && onnx.wasm) onnx.wasm.wasmPaths = { ...options.wasmPaths };
}
