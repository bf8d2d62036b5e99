import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pairs, resolvePair } from '../pairs.js';
import { parsePromptsJsonl } from '../prompts-input.js';
import { runTargets } from '../run-prompts.js';
import { preparePrompt } from '../prepare-prompt.js';
import { fixturesDir, loadTokenizer } from '../tokenize.js';

/**
 * A fixtures folder with only what resolvePair reads (config.json and the ONNX file names), so these tests do not
 * need `npm run fixtures`.
 */
function fakeFixtures(models: Record<string, { dtype?: unknown; files: string[] }>): string {
  const root = mkdtempSync(join(tmpdir(), 'speculo-pairs-'));
  for (const [name, { dtype, files }] of Object.entries(models)) {
    mkdirSync(join(root, name, 'onnx'), { recursive: true });
    writeFileSync(join(root, name, 'config.json'), JSON.stringify(dtype !== undefined ? { model_type: 'llama', 'transformers.js_config': { dtype } } : { model_type: 'llama' }));
    for (const f of files) writeFileSync(join(root, name, 'onnx', f), '');
  }
  return root;
}

const fp32 = { dtype: 'fp32', files: ['model.onnx'] };
const q4f16 = { dtype: 'q4f16', files: ['model_q4.onnx', 'model_q4f16.onnx'] };
const root = fakeFixtures({
  'tiny-target': fp32,
  'tiny-draft': fp32,
  'ctrl-target': fp32,
  'ctrl-draft-50': fp32,
  'gqa-target': q4f16,
  'gqa-draft': q4f16,
  'gqa-qk-norm-target': q4f16,
  'large-vocab-target': q4f16,
  'large-vocab-draft': q4f16,
  'fp16-only-target': { dtype: 'q4f16', files: ['model_q4f16.onnx'] },
  'undeclared-target': { files: ['model.onnx'] },
  'per-device-target': { dtype: { webgpu: 'q4f16', wasm: 'q4' }, files: ['model_q4.onnx', 'model_q4f16.onnx'] },
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('pairs', () => {
  it('resolves named pairs and custom ones', () => {
    expect(resolvePair({ pair: 'fixture' }, root)).toMatchObject({ target: 'tiny-target', draft: 'tiny-draft', source: 'local' });
    expect(resolvePair({ pair: 'qwen2.5-0.5b-1.5b' }, root).dtype).toEqual({ webgpu: 'q4f16', wasm: 'q4' });
    expect(resolvePair({ target: 'org/Big', draft: 'org/Small' }, root)).toMatchObject({ source: 'hub', dtype: { webgpu: 'q4f16', wasm: 'q4' } });
    expect(resolvePair({ target: 'ctrl-target', draft: 'ctrl-draft-50' }, root)).toMatchObject({ source: 'local', dtype: { webgpu: 'fp32', wasm: 'fp32' } });
    expect(resolvePair({ pair: 'gqa', dtype: 'q4f16' }, root).dtype).toEqual({ webgpu: 'q4f16', wasm: 'q4f16' });
  });
  it('runs the export-contract pairs as q4 on WebGPU (SwiftShader has no shader-f16) and q4f16 on WASM', () => {
    for (const name of ['gqa', 'gqa-qk-norm', 'gqa-sliding', 'optimum', 'mha', 'large-vocab']) {
      expect(pairs[name]).toMatchObject({ name, source: 'local', dtype: { webgpu: 'q4', wasm: 'q4f16' } });
      expect(pairs[name]!.description).toMatch(/--dtype q4f16/);
    }
    expect(resolvePair({ pair: 'large-vocab' }, root)).toMatchObject({ target: 'large-vocab-target', draft: 'large-vocab-draft' });
    expect(resolvePair({ pair: 'gqa-qk-norm' }, root)).toMatchObject({ target: 'gqa-qk-norm-target', draft: 'gqa-draft' });
  });
  it("defaults a bare-name pair's dtype to the one its config.json declares", () => {
    // The same files as the named pair, so the same per-backend choice.
    expect(resolvePair({ target: 'gqa-target', draft: 'gqa-draft' }, root).dtype).toEqual({ webgpu: 'q4', wasm: 'q4f16' });
    // No q4 file to fall back on: q4f16 everywhere (the engine names the fix on an adapter without shader-f16).
    expect(resolvePair({ target: 'fp16-only-target', draft: 'fp16-only-target' }, root).dtype).toEqual({ webgpu: 'q4f16', wasm: 'q4f16' });
    // Without transformers.js_config.dtype, transformers.js loads model.onnx.
    expect(resolvePair({ target: 'undeclared-target', draft: 'tiny-draft' }, root).dtype).toEqual({ webgpu: 'fp32', wasm: 'fp32' });
  });
  it('fails a local pair whose weight file is missing before anything loads, naming the files there are', () => {
    expect(() => resolvePair({ target: 'gqa-target', draft: 'gqa-draft', dtype: 'fp32' }, root)).toThrow(
      'gqa-target has no onnx/model.onnx for dtype fp32 (it ships model_q4.onnx, model_q4f16.onnx): pass --dtype q4 or q4f16',
    );
    expect(() => resolvePair({ pair: 'fixture', dtype: 'fp16' }, root)).toThrow(/tiny-target has no onnx\/model_fp16\.onnx for dtype fp16 .*--dtype fp32/);
    expect(() => resolvePair({ target: 'fp16-only-target', draft: 'gqa-draft', dtype: 'q4' }, root)).toThrow(/fp16-only-target has no onnx\/model_q4\.onnx.*--dtype q4f16$/);
    expect(() => resolvePair({ target: 'ctrl-target', draft: 'gqa-draft' }, root)).toThrow(/ctrl-target declares dtype fp32 and gqa-draft declares q4f16 .*--dtype/);
    expect(() => resolvePair({ target: 'missing-target', draft: 'gqa-draft' }, root)).toThrow(/no fixture missing-target: .*npm run fixtures/);
    expect(() => resolvePair({ pair: 'mha' }, root)).toThrow(/no fixture mha-target in .*npm run fixtures/);
    expect(() => resolvePair({ target: 'per-device-target', draft: 'per-device-target' }, root)).toThrow(/transformers\.js_config\.dtype is not one name: pass --dtype D/);
    expect(resolvePair({ target: 'per-device-target', draft: 'per-device-target', dtype: 'q4' }, root).dtype).toEqual({ webgpu: 'q4', wasm: 'q4' });
    // Hub pairs are not checked here: their files are on the Hub.
    expect(resolvePair({ target: 'org/Big', draft: 'org/Small', dtype: 'fp16' }, root).dtype.webgpu).toBe('fp16');
  });
  it('refuses ambiguous or unknown choices', () => {
    expect(() => resolvePair({}, root)).toThrow(/--pair NAME/);
    expect(() => resolvePair({ pair: 'nope' }, root)).toThrow(/unknown --pair nope; known pairs: fixture/);
    expect(() => resolvePair({ pair: 'fixture', target: 'x' }, root)).toThrow(/not both/);
    expect(() => resolvePair({ target: 'x' }, root)).toThrow(/both --target/);
    expect(() => resolvePair({ pair: 'fixture', dtype: 'fp8' }, root)).toThrow(/--dtype/);
    expect(Object.keys(pairs)).toEqual(['fixture', 'ctrl-80', 'gqa', 'gqa-qk-norm', 'gqa-sliding', 'optimum', 'mha', 'large-vocab', 'trained', 'qwen2.5-0.5b-1.5b', 'smollm2-360m-1.7b']);
  });
  it('expands browsers × backends × GPU profiles, WASM once per browser, then each remote browser once per backend', () => {
    const launch = { headless: true, profileDir: '/p' };
    const local = (executablePath: string, backend: 'webgpu' | 'wasm', profile: 'swiftshader' | 'system' | 'wasm') => ({
      source: { kind: 'launch', executablePath, profile, ...launch },
      backend,
      profile,
    });
    const remote = { kind: 'connect' as const, endpoint: 'ws://grid:3000/' };
    expect(runTargets(['/a', '/b'], ['webgpu', 'wasm'], ['swiftshader', 'system'], launch, [remote])).toEqual([
      local('/a', 'webgpu', 'swiftshader'),
      local('/a', 'webgpu', 'system'),
      local('/a', 'wasm', 'wasm'),
      local('/b', 'webgpu', 'swiftshader'),
      local('/b', 'webgpu', 'system'),
      local('/b', 'wasm', 'wasm'),
      { source: remote, backend: 'webgpu', profile: 'remote' },
      { source: remote, backend: 'wasm', profile: 'remote' },
    ]);
    expect(runTargets([], ['wasm'], ['swiftshader'], launch, [])).toEqual([]);
  });
});

describe.runIf(existsSync(join(fixturesDir, 'tiny-target', 'tokenizer.json')))('prompt tokenisation (fixture tokenizer)', () => {
  const [short, long, raw, chat] = parsePromptsJsonl(
    [
      JSON.stringify({ id: 's', turns: ['Tell me about the baker.'] }),
      JSON.stringify({ id: 'l', turns: ['word '.repeat(400) + 'THE END'] }),
      JSON.stringify({ id: 'r', prompt: 'abc '.repeat(300) }),
      JSON.stringify({
        id: 'c',
        messages: [
          { role: 'system', content: 'sys' },
          { role: 'user', content: 'old '.repeat(200) },
          { role: 'assistant', content: 'ok' },
          { role: 'user', content: 'new question' },
        ],
      }),
    ].join('\n'),
  ).prompts as [never, never, never, never];

  it('leaves short prompts alone and caps long ones, keeping the chat template and the end of the text', async () => {
    const tokenizer = await loadTokenizer(resolvePair({ pair: 'fixture' }));
    const s = preparePrompt(tokenizer, short, 64);
    expect(s.truncatedFrom).toBeNull();
    const full = preparePrompt(tokenizer, long, 10_000);
    const cut = preparePrompt(tokenizer, long, 64);
    expect(cut.truncatedFrom).toBe(full.ids.length);
    expect(cut.ids.length).toBeLessThanOrEqual(64);
    expect(cut.ids.slice(-12)).toEqual(full.ids.slice(-12)); // "THE END" and the generation prompt survive
    expect(cut.ids[0]).toBe(full.ids[0]); // the template's opening survives too
    const r = preparePrompt(tokenizer, raw, 50);
    expect(r.ids.length).toBe(50);
    const c = preparePrompt(tokenizer, chat, 40);
    expect(c.ids.length).toBeLessThanOrEqual(40);
    expect(c.truncatedFrom).toBeGreaterThan(40);
  });
});
