import { describe, expect, it } from 'vitest';
import { UnsupportedModelError } from '../../src/errors.js';
import { assertDtypeRunsOn, dtypeToLoad } from '../../src/runtime/dtype-support.js';

const noF16 = { vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader', shaderF16: false };
const withF16 = { ...noF16, architecture: 'ampere', description: 'NVIDIA', shaderF16: true };

describe('dtypeToLoad', () => {
  it('takes the requested dtype, else the config per device, else the config default, else null', () => {
    const config = { 'transformers.js_config': { dtype: 'q4f16', device_config: { wasm: { dtype: 'q8' } } } };
    expect(dtypeToLoad('q4', config, 'webgpu')).toBe('q4');
    expect(dtypeToLoad('auto', config, 'webgpu')).toBe('q4f16');
    expect(dtypeToLoad(undefined, config, 'wasm')).toBe('q8');
    expect(dtypeToLoad('auto', { 'transformers.js_config': { dtype: { model: 'fp16', embed_tokens: 'q8' } } }, 'webgpu')).toBe('fp16');
    expect(dtypeToLoad('auto', {}, 'webgpu')).toBeNull();
  });
});

describe('assertDtypeRunsOn', () => {
  const model = (dtype: string | null) => ({ role: 'target' as const, id: 'onnx-community/Qwen2.5-1.5B-Instruct', dtype, architecture: 'Qwen2ForCausalLM' });

  it('refuses fp16 files on a WebGPU adapter without shader-f16, naming the dtype to load instead', () => {
    expect(() => assertDtypeRunsOn(model('q4f16'), 'webgpu', noF16)).toThrow(UnsupportedModelError);
    expect(() => assertDtypeRunsOn(model('q4f16'), 'webgpu', noF16)).toThrow(/"q4f16".*shader-f16.*"q4".*device: 'wasm'/s);
    expect(() => assertDtypeRunsOn(model('fp16'), 'webgpu', noF16)).toThrow(/"fp32"/);
  });

  it('lets through fp32-compute dtypes, adapters with shader-f16, and WASM', () => {
    for (const dtype of ['q4', 'fp32', 'q8', null]) expect(() => assertDtypeRunsOn(model(dtype), 'webgpu', noF16)).not.toThrow();
    expect(() => assertDtypeRunsOn(model('q4f16'), 'webgpu', withF16)).not.toThrow();
    expect(() => assertDtypeRunsOn(model('q4f16'), 'wasm', null)).not.toThrow();
  });
});
