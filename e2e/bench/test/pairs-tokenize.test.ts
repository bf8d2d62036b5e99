import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pairs, resolvePair } from '../pairs.js';
import { parsePromptsJsonl } from '../prompts-input.js';
import { runTargets } from '../run-prompts.js';
import { fixturesDir, loadTokenizer, preparePrompt } from '../tokenize.js';

describe('pairs', () => {
  it('resolves named pairs and custom ones', () => {
    expect(resolvePair({ pair: 'fixture' })).toMatchObject({ target: 'tiny-target', draft: 'tiny-draft', source: 'local' });
    expect(resolvePair({ pair: 'qwen2.5-0.5b-1.5b' }).dtype).toEqual({ webgpu: 'q4f16', wasm: 'q4' });
    expect(resolvePair({ target: 'org/Big', draft: 'org/Small' })).toMatchObject({ source: 'hub', dtype: { webgpu: 'q4f16', wasm: 'q4' } });
    expect(resolvePair({ target: 'ctrl-target', draft: 'ctrl-draft-50' })).toMatchObject({ source: 'local', dtype: { webgpu: 'fp32' } });
    expect(resolvePair({ pair: 'fixture', dtype: 'fp16' }).dtype.wasm).toBe('fp16');
  });
  it('refuses ambiguous or unknown choices', () => {
    expect(() => resolvePair({})).toThrow(/--pair NAME/);
    expect(() => resolvePair({ pair: 'nope' })).toThrow(/unknown --pair nope; known pairs: fixture/);
    expect(() => resolvePair({ pair: 'fixture', target: 'x' })).toThrow(/not both/);
    expect(() => resolvePair({ target: 'x' })).toThrow(/both --target/);
    expect(() => resolvePair({ pair: 'fixture', dtype: 'fp8' })).toThrow(/--dtype/);
    expect(Object.keys(pairs)).toEqual(['fixture', 'ctrl-80', 'qwen2.5-0.5b-1.5b', 'smollm2-360m-1.7b']);
  });
  it('expands browsers × backends × GPU profiles, WASM once per browser', () => {
    expect(runTargets(['/a', '/b'], ['webgpu', 'wasm'], ['swiftshader', 'system'])).toEqual([
      { browserPath: '/a', backend: 'webgpu', profile: 'swiftshader' },
      { browserPath: '/a', backend: 'webgpu', profile: 'system' },
      { browserPath: '/a', backend: 'wasm', profile: 'wasm' },
      { browserPath: '/b', backend: 'webgpu', profile: 'swiftshader' },
      { browserPath: '/b', backend: 'webgpu', profile: 'system' },
      { browserPath: '/b', backend: 'wasm', profile: 'wasm' },
    ]);
  });
});

describe.runIf(existsSync(join(fixturesDir, 'tiny-target', 'tokenizer.json')))('prompt tokenisation (fixture tokenizer)', () => {
  const [short, long, raw, chat] = parsePromptsJsonl(
    [
      JSON.stringify({ id: 's', turns: ['Tell me about the baker.'] }),
      JSON.stringify({ id: 'l', turns: ['word '.repeat(400) + 'THE END'] }),
      JSON.stringify({ id: 'r', prompt: 'abc '.repeat(300) }),
      JSON.stringify({ id: 'c', messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'old '.repeat(200) }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'new question' }] }),
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
