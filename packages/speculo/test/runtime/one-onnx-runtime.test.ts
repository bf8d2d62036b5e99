import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { env as ortEnv } from 'onnxruntime-web/webgpu';
import { describe, expect, it } from 'vitest';
import { UnsupportedEnvironmentError } from '../../src/errors.js';
import { assertOneOnnxRuntime } from '../../src/runtime/one-onnx-runtime.js';

const require = createRequire(import.meta.url);

/** A second, independent instance of the onnxruntime-web module, as a bundle with two copies would hold. */
async function secondOnnxRuntimeCopy(): Promise<typeof import('onnxruntime-web/webgpu')> {
  const url = `${pathToFileURL(require.resolve('onnxruntime-web/webgpu')).href}?second-copy`;
  return (await import(/* @vite-ignore */ url)) as typeof import('onnxruntime-web/webgpu');
}

describe('one ONNX Runtime for transformers.js and Speculo', () => {
  it('accepts transformers.js sharing Speculo’s copy (its env.backends.onnx is a shallow copy of ORT’s env)', () => {
    expect(() => assertOneOnnxRuntime({ ...ortEnv, setLogLevel: () => {} } as never, ortEnv)).not.toThrow();
  });

  it('refuses two loaded copies, naming both versions and the fix', async () => {
    const second = await secondOnnxRuntimeCopy();
    expect(second.env).not.toBe(ortEnv);
    expect(second.env.wasm).not.toBe(ortEnv.wasm);
    const refusal = (() => {
      try {
        assertOneOnnxRuntime({ ...second.env }, ortEnv);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(refusal).toBeInstanceOf(UnsupportedEnvironmentError);
    const message = (refusal as Error).message;
    expect(message).toContain(`onnxruntime-web ${ortEnv.versions.web}`);
    expect(message).toMatch(/Two copies of ONNX Runtime/);
    expect(message).toMatch(/npm ls onnxruntime-web/);
    expect((refusal as UnsupportedEnvironmentError).code).toBe('unsupported-environment');
  });

  it('refuses a transformers.js whose backend is not onnxruntime-web at all (its Node build)', () => {
    expect(() => assertOneOnnxRuntime(undefined, ortEnv)).toThrow(/unknown version/);
    expect(() => assertOneOnnxRuntime({ versions: { common: '1.30.0' } }, ortEnv)).toThrow(UnsupportedEnvironmentError);
  });
});
