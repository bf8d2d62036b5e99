import { describe, expect, it } from 'vitest';
import { fixForLoadFailure } from '../../src/models/load-failure-fix.js';

const sources = { localModelPath: '/models/', remoteHost: 'https://huggingface.co/', remotePathTemplate: '{model}/resolve/{revision}/' };

describe('fixForLoadFailure', () => {
  it('blames the runtime, not the model, when ORT cannot load its WebAssembly files, and names wasmPaths and the URL', () => {
    const message = 'no available backend found. ERR: [wasm] TypeError: Failed to fetch dynamically imported module: http://localhost:5199/nope/ort.mjs?import';
    const fix = fixForLoadFailure(message, 'tiny-target', sources);
    expect(fix?.runtimeFile).toBe('http://localhost:5199/nope/ort.mjs');
    expect(fix?.fix).toMatch(/did not load from http:\/\/localhost:5199\/nope\/ort\.mjs.*wasmPaths: \{ mjs, wasm \}/);
    expect(fixForLoadFailure('no available backend found. ERR: [webgpu] no adapter', 'x', sources)).toBeNull();
    expect(fixForLoadFailure('failed to load ort-wasm-simd-threaded.asyncify.wasm: 404', 'x', sources)?.fix).toContain('wasmPaths');
  });

  it('names the local path looked at and the options when remote models are off', () => {
    const message = '`local_files_only=true` or `env.allowRemoteModels=false` and file was not found locally at "/models/tiny-target/onnx/model_q4.onnx".';
    const fix = fixForLoadFailure(message, 'tiny-target', sources)?.fix;
    expect(fix).toContain('only at /models/tiny-target/onnx/model_q4.onnx under localModelPath "/models/"');
    expect(fix).toContain('allowRemoteModels: true');
    expect(fix).not.toContain('not paths or URLs');
    expect(fixForLoadFailure(message, '/srv/models/tiny-target', sources)?.fix).toContain(
      "not paths or URLs: serve the model's folder under localModelPath and pass its name, e.g. { localModelPath: '/models/', target: 'tiny-target' }",
    );
  });

  it('explains that ids are not paths when transformers.js refuses the id', () => {
    const message = 'Local file missing at "/models/./my-models/qwen/config.json" and download aborted due to invalid model ID "./my-models/qwen/".';
    expect(fixForLoadFailure(message, './my-models/qwen/', sources)?.fix).toMatch(/not paths or URLs.*target: 'qwen'/);
  });

  it('explains that a URL as the id is a remote fetch that allowRemoteModels: false forbids', () => {
    const message = '`env.allowRemoteModels=false`, but attempted to load a remote file from: http://localhost:1/models/tiny-target/config.json.';
    expect(fixForLoadFailure(message, 'http://localhost:1/models/tiny-target', sources)?.fix).toMatch(
      /^A URL as the id is fetched as a remote file, which allowRemoteModels: false forbids\. Model ids are .*target: 'tiny-target' \}\.$/,
    );
  });

  it('says a Hub file does not exist and how to serve the model yourself', () => {
    const message = 'Could not locate file: "https://huggingface.co/org/model/resolve/main/onnx/model_q4f16.onnx".';
    const fix = fixForLoadFailure(message, 'org/model', sources)?.fix;
    expect(fix).toMatch(/^https:\/\/huggingface\.co\/org\/model\/resolve\/main\/onnx\/model_q4f16\.onnx does not exist: check the id and the revision/);
    expect(fix).toContain('set localModelPath');
  });

  it('names remoteHost and remotePathTemplate when the missing file was looked for on a host of the app’s own', () => {
    const message = 'Could not locate file: "https://cdn.example.com/models/org/model/onnx/model_q4.onnx".';
    const fix = fixForLoadFailure(message, 'org/model', { ...sources, remoteHost: 'https://cdn.example.com/models/', remotePathTemplate: '{model}/' })?.fix;
    expect(fix).toMatch(/^https:\/\/cdn\.example\.com\/models\/org\/model\/onnx\/model_q4\.onnx does not exist on remoteHost "https:\/\/cdn\.example\.com\/models\/"/);
    expect(fix).toContain('"https://cdn.example.com/models/{model}/<file>"');
    expect(fix).toContain("remotePathTemplate matches its layout ('{model}/' for plain folders");
  });

  it('returns null for failures it cannot explain', () => {
    expect(fixForLoadFailure("Can't create a session. protobuf parsing failed", 'tiny-target', sources)).toBeNull();
    expect(fixForLoadFailure('out of memory', 'https://example.com/model', sources)).toBeNull();
  });
});
