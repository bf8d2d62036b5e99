import { describe, expect, it } from 'vitest';
import { assertCloneable, assertKnownKeys, closestName } from '../src/api/option-names.js';
import { generateOptionNames } from '../src/api/validate-options.js';
import { engineOptionNames } from '../src/api/validate-engine-options.js';

/** The error `fn` throws, so that its class and message can both be checked. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('closestName', () => {
  it.each<[string, string]>([
    ['maxNewToken', 'maxNewTokens'],
    ['temprature', 'temperature'],
    ['temperatrue', 'temperature'],
    ['TopK', 'topK'],
    ['TOPP', 'topP'],
    ['polcy', 'policy'],
    ['draftlength', 'draftLength'],
    ['speculatve', 'speculative'],
    ['promt', 'prompt'],
  ])('suggests a generate option for the typo %s', (typo, expected) => {
    expect(closestName(typo, generateOptionNames)).toBe(expected);
  });

  it('suggests engine options for engine typos', () => {
    expect(closestName('draf', engineOptionNames)).toBe('draft');
    expect(closestName('targt', engineOptionNames)).toBe('target');
    expect(closestName('ngramCacheByte', engineOptionNames)).toBe('ngramCacheBytes');
    expect(closestName('wsm', ['mjs', 'wasm'])).toBe('wasm');
  });

  it('prefers the nearest name, and an exact match ignoring case over a one-letter change', () => {
    expect(closestName('topk', ['topP', 'topK'])).toBe('topK');
    expect(closestName('topq', ['topP', 'topK'])).toBe('topP');
    expect(closestName('abcd', ['abxy', 'abcx'])).toBe('abcx');
  });

  it('counts a swap of neighbours as one edit', () => {
    // Short names allow only 2 edits: two swaps count 2 here, where plain edit distance would count 4.
    expect(closestName('ab', ['ba'])).toBe('ba');
    expect(closestName('abdc', ['abcd'])).toBe('abcd');
    expect(closestName('bacd', ['abdc'])).toBe('abdc');
  });

  it('returns null for a name far from every known one', () => {
    expect(closestName('banana', generateOptionNames)).toBeNull();
    expect(closestName('banana', engineOptionNames)).toBeNull();
    expect(closestName('xyz', ['abc'])).toBeNull();
    expect(closestName('anything', [])).toBeNull();
  });

  it('allows at least 2 edits, and a third of the longer name beyond that', () => {
    expect(closestName('ab', ['xy'])).toBe('xy');
    expect(closestName('abc', ['xyz'])).toBeNull();
    // 12 letters: 4 edits allowed, 5 are not.
    expect(closestName('abcdefghWXYZ', ['abcdefghijkl'])).toBe('abcdefghijkl');
    expect(closestName('abcdefgVWXYZ', ['abcdefghijkl'])).toBeNull();
  });
});

describe('assertKnownKeys', () => {
  const known = ['prompt', 'maxNewTokens', 'temperature'];

  it('passes on known keys and on an empty object', () => {
    expect(() => assertKnownKeys({ prompt: 'x', maxNewTokens: 3, temperature: 0 }, known, 'generate options')).not.toThrow();
    expect(() => assertKnownKeys({}, known, 'generate options')).not.toThrow();
  });

  it('throws a RangeError naming the unknown key, where it is and the closest name', () => {
    const error = thrown(() => assertKnownKeys({ prompt: 'x', maxNewToken: 5 }, known, 'generate options'));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe('unknown option "maxNewToken" in generate options: did you mean "maxNewTokens"?');
  });

  it('lists every known name when none is close', () => {
    const error = thrown(() => assertKnownKeys({ banana: 1 }, known, 'generate options'));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe('unknown option "banana" in generate options: the known ones are prompt, maxNewTokens, temperature');
  });

  it('counts a key whose value is undefined as given', () => {
    expect(() => assertKnownKeys({ temprature: undefined }, known, 'x')).toThrow(/unknown option "temprature" in x: did you mean "temperature"\?/);
  });

  it('is case-sensitive about what is known, though it suggests across case', () => {
    expect(() => assertKnownKeys({ Prompt: 'x' }, known, 'generate options')).toThrow(/unknown option "Prompt".*did you mean "prompt"\?/);
  });

  it('reports the first unknown key in key order', () => {
    expect(() => assertKnownKeys({ prompt: 'x', temprature: 1, banana: 2 }, known, 'o')).toThrow(/"temprature"/);
  });
});

describe('assertCloneable', () => {
  it('passes plain data, typed arrays, dates, buffers and nested arrays', () => {
    expect(() =>
      assertCloneable(
        {
          prompt: 'x',
          n: 3,
          flag: true,
          none: null,
          missing: undefined,
          big: 1n,
          nested: [[1, [2, [3]]], { deep: [{ deeper: 'y' }] }],
          ids: new Int32Array([1, 2]),
          floats: new Float32Array(3),
          buffer: new ArrayBuffer(8),
          when: new Date(0),
        },
        'options',
      ),
    ).not.toThrow();
    expect(() => assertCloneable('text', 'options')).not.toThrow();
    expect(() => assertCloneable(undefined, 'options')).not.toThrow();
  });

  it('looks inside maps and sets, which structured cloning walks too', () => {
    expect(() => assertCloneable({ m: new Map([['k', () => 1]]) }, 'o')).toThrow(/^o\.m\.get\("k"\) is a function/);
    expect(() => assertCloneable({ s: new Set([1, Symbol('x')]) }, 'o')).toThrow(/^o\.s item is a symbol/);
    expect(() => assertCloneable({ m: new Map([['k', [1, 2]]]), s: new Set(['a']) }, 'o')).not.toThrow();
  });

  it('names the path of a function inside arrays and objects', () => {
    const error = thrown(() => assertCloneable({ prompt: 'x', messages: [{ role: 'user', content: 'hi', meta: () => 1 }] }, 'options'));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^options\.messages\[0\]\.meta is a function, which cannot be sent to the engine's worker/);
    expect(() => assertCloneable({ a: [1, [2, () => 3]] }, 'o')).toThrow(/^o\.a\[1\]\[1\] is a function/);
    expect(() => assertCloneable({ onProgress: () => {} }, 'createSpeculo options')).toThrow(/^createSpeculo options\.onProgress is a function/);
  });

  it('names the path of a symbol', () => {
    const error = thrown(() => assertCloneable({ stop: ['a', Symbol('b')] }, 'options'));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^options\.stop\[1\] is a symbol/);
  });

  it('refuses a top-level function or symbol under the given path', () => {
    expect(() => assertCloneable(() => 1, 'options')).toThrow(
      new TypeError("options is a function, which cannot be sent to the engine's worker: pass plain data (strings, numbers, booleans, arrays, objects)"),
    );
    expect(() => assertCloneable(Symbol('s'), 'options')).toThrow(/^options is a symbol/);
  });

  it('does not loop forever on cycles, and still finds a function next to one', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    cyclic.list = [cyclic, { back: cyclic }];
    expect(() => assertCloneable(cyclic, 'options')).not.toThrow();

    const withFunction: Record<string, unknown> = {};
    withFunction.self = withFunction;
    withFunction.f = () => 1;
    expect(() => assertCloneable(withFunction, 'options')).toThrow(/^options\.f is a function/);

    const array: unknown[] = [];
    array.push(array, () => 1);
    expect(() => assertCloneable(array, 'options')).toThrow(/^options\[1\] is a function/);
  });
});
