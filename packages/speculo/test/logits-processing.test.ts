import { describe, expect, it } from 'vitest';
import { argmax, argmaxWithConfidence, sampleFrom, toProbabilities, type SamplingParams } from '../src/sampling/logits-processing.js';
import { createRng, type Rng } from '../src/sampling/prng.js';
import { InvalidLogitsError } from '../src/errors.js';

const plain: SamplingParams = { temperature: 1, topK: 0, topP: 1 };
const f32 = (values: number[]): Float32Array => Float32Array.from(values);

function softmax(values: number[]): number[] {
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function expectClose(actual: Float32Array, expected: number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => expect(actual[i]).toBeCloseTo(value, digits));
}

function sum(values: Float32Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** Reference nucleus by full sort (descending, lower id first on ties) over a normalised row. */
function referenceTopPSet(probs: number[], topP: number): Set<number> {
  const order = probs.map((_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
  const kept = new Set<number>();
  let massBefore = 0;
  for (const id of order) {
    if (kept.size > 0 && massBefore >= topP) break;
    if (probs[id] === 0) break;
    kept.add(id);
    massBefore += probs[id];
  }
  return kept;
}

function seededLogits(length: number, seed: number, scale = 3): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length }, () => (rng.next() - 0.5) * 2 * scale);
}

describe('argmax', () => {
  it('returns the largest index, ties to the lowest index', () => {
    expect(argmax(f32([0, 3, 1]))).toBe(1);
    expect(argmax(f32([5, 2, 5, 5]))).toBe(0);
    expect(argmax(f32([-Infinity, -2, -2]))).toBe(1);
  });

  it('refuses a row holding NaN anywhere, naming the column', () => {
    for (const [row, column] of [
      [[Number.NaN, 1, 2], 0],
      [[1, Number.NaN, 0], 1],
      [[1, 2, Number.NaN], 2],
      [[3, 2, Number.NaN, 1], 2],
    ] as [number[], number][]) {
      let caught: unknown;
      try {
        argmax(f32(row));
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidLogitsError);
      expect(caught).toMatchObject({ code: 'invalid-logits', value: 'NaN', column });
    }
  });

  it('refuses +Infinity, which is an overflow, but keeps -Infinity, which masks a token', () => {
    expect(() => argmax(f32([0, Infinity, 1]))).toThrow(InvalidLogitsError);
    expect(() => argmax(f32([Infinity]))).toThrow(/\+Infinity logits/);
    expect(argmax(f32([-Infinity, 0.5, -Infinity]))).toBe(1);
  });

  it('says what to do in its message', () => {
    expect(() => argmax(f32([Number.NaN]))).toThrow(/fp16 overflow.*'q4' or 'fp32'.*'wasm'/);
  });
});

describe('toProbabilities on invalid logits', () => {
  const nanRow = () => f32([0.5, 1, Number.NaN, 2, -1]);
  const infRow = () => f32([0.5, Infinity, 1, 2, -1]);

  it('refuses NaN and +Infinity at every setting, greedy, top-k and top-p included', () => {
    const settings: SamplingParams[] = [
      plain,
      { ...plain, temperature: 0 },
      { ...plain, temperature: 0.7 },
      { ...plain, topK: 2 },
      { ...plain, topP: 0.5 },
      { temperature: 1.3, topK: 3, topP: 0.9 },
    ];
    for (const params of settings) {
      expect(() => toProbabilities(nanRow(), params)).toThrow(InvalidLogitsError);
      expect(() => toProbabilities(infRow(), params)).toThrow(InvalidLogitsError);
    }
    expect(() => toProbabilities(nanRow(), plain)).toThrow(expect.objectContaining({ value: 'NaN', column: 2 }));
    expect(() => toProbabilities(infRow(), plain)).toThrow(expect.objectContaining({ value: 'Infinity', column: 1 }));
  });
});

describe('toProbabilities', () => {
  it('is a numerically stable softmax at temperature 1', () => {
    expectClose(toProbabilities(f32([1000, 1001, 1002]), plain), softmax([0, 1, 2]));
  });

  it('divides logits by the temperature', () => {
    expectClose(toProbabilities(f32([1, 2, 3]), { ...plain, temperature: 2 }), softmax([0.5, 1, 1.5]));
    expectClose(toProbabilities(f32([1, 2, 3]), { ...plain, temperature: 0.25 }), softmax([4, 8, 12]));
  });

  it('is one-hot on the argmax at temperature 0', () => {
    expect(Array.from(toProbabilities(f32([1, 4, 4, 2]), { ...plain, temperature: 0 }))).toEqual([0, 1, 0, 0]);
  });

  it('top-k keeps the k highest logits and gives the rest exactly 0', () => {
    const probs = toProbabilities(f32([1, 3, 2, 0]), { ...plain, topK: 2 });
    expect(probs[0]).toBe(0);
    expect(probs[3]).toBe(0);
    expectClose(probs, [0, ...softmax([3, 2]), 0]);
  });

  it('top-k keeps every logit tied with the k-th, as HF TopKLogitsWarper does', () => {
    const probs = toProbabilities(f32([3, 2, 2, 1]), { ...plain, topK: 2 });
    expectClose(probs, [...softmax([3, 2, 2]), 0]);
  });

  it('top-k at or above the vocabulary size filters nothing', () => {
    expectClose(toProbabilities(f32([1, 2, 3]), { ...plain, topK: 3 }), softmax([1, 2, 3]));
    expectClose(toProbabilities(f32([1, 2, 3]), { ...plain, topK: 10 }), softmax([1, 2, 3]));
  });

  it('top-k selection agrees with a full sort on a large row', () => {
    const logits = seededLogits(5000, 1);
    const sorted = Array.from(logits).sort((a, b) => b - a);
    for (const k of [1, 2, 17, 1000, 4999]) {
      const probs = toProbabilities(logits, { ...plain, topK: k });
      const kept = Array.from(probs).filter((p) => p > 0).length;
      expect(kept).toBe(sorted.filter((v) => v >= sorted[k - 1]).length);
      expect(sum(probs)).toBeCloseTo(1, 5);
    }
  });

  it('top-p keeps the smallest most-probable set reaching the mass', () => {
    const logits = f32([Math.log(0.5), Math.log(0.3), Math.log(0.2)]);
    expectClose(toProbabilities(logits, { ...plain, topP: 0.6 }), [0.625, 0.375, 0]);
    expectClose(toProbabilities(logits, { ...plain, topP: 0.45 }), [1, 0, 0]);
    expectClose(toProbabilities(logits, { ...plain, topP: 0.85 }), [0.5, 0.3, 0.2]);
  });

  it('a tiny top-p keeps only the argmax', () => {
    expect(Array.from(toProbabilities(f32([0.1, 2, 1.9, -1]), { ...plain, topP: 1e-9 }))).toEqual([0, 1, 0, 0]);
  });

  it('top-p breaks ties by lower token id', () => {
    expect(Array.from(toProbabilities(f32([1, 1, 1, 1]), { ...plain, topP: 0.5 }))).toEqual([0.5, 0.5, 0, 0]);
    expect(Array.from(toProbabilities(f32([0, 1, 1, 1]), { ...plain, topP: 1e-6 }))).toEqual([0, 1, 0, 0]);
  });

  it('top-p over a long flat tail matches a full sort (candidate threshold must widen)', () => {
    const tail = 10_000;
    // One token at p = 0.5 and 10,000 sharing the other half: the first candidate cut holds only 0.5 of mass.
    const logits = new Float32Array(tail + 1).fill(10 - Math.log(tail));
    logits[tail] = 10;
    const probs = toProbabilities(logits, { ...plain, topP: 0.9 });
    const reference = referenceTopPSet(Array.from(toProbabilities(logits, plain)), 0.9);
    const kept = new Set(Array.from(probs.keys()).filter((i) => probs[i] > 0));
    expect(kept).toEqual(reference);
    expect(kept.size).toBeGreaterThan(7000);
    expect(sum(probs)).toBeCloseTo(1, 5);
  });

  it('top-p on a random large row matches a full sort', () => {
    const logits = seededLogits(30_000, 2, 6);
    for (const topP of [0.1, 0.5, 0.9, 0.99]) {
      const probs = toProbabilities(logits, { ...plain, topP });
      const reference = referenceTopPSet(Array.from(toProbabilities(logits, plain)), topP);
      expect(new Set(Array.from(probs.keys()).filter((i) => probs[i] > 0))).toEqual(reference);
    }
  });

  it('applies temperature, then top-k, then top-p', () => {
    // After T = 0.5 and top-k 3: softmax([6, 4, 2]) ≈ [0.867, 0.117, 0.016]; top-p 0.95 then keeps two.
    const probs = toProbabilities(f32([3, 2, 1, 0.5]), { temperature: 0.5, topK: 3, topP: 0.95 });
    const [a, b] = softmax([6, 4, 2]);
    expectClose(probs, [a / (a + b), b / (a + b), 0, 0]);
  });

  it('keeps masked (−Infinity) logits at exactly 0 and sums to 1', () => {
    const probs = toProbabilities(f32([-Infinity, 0.3, -Infinity, 2, 1]), { temperature: 0.7, topK: 0, topP: 0.99 });
    expect(probs[0]).toBe(0);
    expect(probs[2]).toBe(0);
    expect(sum(probs)).toBeCloseTo(1, 6);
  });

  it('sums to 1 on a large random row under every combination', () => {
    const logits = seededLogits(20_000, 3, 8);
    for (const params of [plain, { temperature: 0.6, topK: 50, topP: 0.9 }, { temperature: 1.3, topK: 0, topP: 0.7 }]) {
      expect(sum(toProbabilities(logits, params))).toBeCloseTo(1, 5);
    }
  });

  it('can work in place and into a reused buffer', () => {
    const logits = f32([1, 2, 3]);
    const expected = Array.from(toProbabilities(logits, plain));
    const out = new Float32Array(3);
    expect(toProbabilities(logits, plain, out)).toBe(out);
    expect(Array.from(out)).toEqual(expected);
    expect(toProbabilities(logits, plain, logits)).toBe(logits);
    expect(Array.from(logits)).toEqual(expected);
  });

  it('rejects invalid parameters and rows with no finite logit', () => {
    const logits = f32([1, 2]);
    expect(() => toProbabilities(logits, { ...plain, temperature: -1 })).toThrow(/temperature/);
    expect(() => toProbabilities(logits, { ...plain, topP: 0 })).toThrow(/topP/);
    expect(() => toProbabilities(logits, { ...plain, topK: 1.5 })).toThrow(/topK/);
    expect(() => toProbabilities(f32([-Infinity, -Infinity]), plain)).toThrow(RangeError);
  });
});

describe('sampleFrom', () => {
  const fixed = (u: number): Rng => ({ next: () => u, nextUint32: () => Math.floor(u * 2 ** 32) });

  it('inverts the CDF', () => {
    const probs = f32([0.25, 0, 0.5, 0.25]);
    expect(sampleFrom(probs, fixed(0))).toBe(0);
    expect(sampleFrom(probs, fixed(0.24))).toBe(0);
    expect(sampleFrom(probs, fixed(0.25))).toBe(2);
    expect(sampleFrom(probs, fixed(0.8))).toBe(3);
  });

  it('never returns a zero-probability token, even at the edges of [0, 1)', () => {
    const probs = f32([0, 0.3, 0, 0.7, 0, 0]);
    expect(sampleFrom(probs, fixed(0))).toBe(1);
    expect(sampleFrom(probs, fixed(1 - 2 ** -32))).toBe(3);
    const rng = createRng(5);
    for (let i = 0; i < 10_000; i++) expect(probs[sampleFrom(probs, rng)]).toBeGreaterThan(0);
  });

  it('rejects a row with no mass', () => {
    expect(() => sampleFrom(f32([0, 0]), createRng(1))).toThrow(RangeError);
  });
});

describe('toProbabilities at tiny temperatures', () => {
  // 1e-45 is float32's smallest subnormal; 5e-324 is float64's, the one where 1 / T itself is Infinity.
  const tiny = [1e-38, 1e-45, 5e-324];
  const vocab = 151_936;

  /** Float64 softmax of (logits − max) / T over the float32 logits, the reference the float32 path must match. */
  function referenceSoftmax(logits: Float32Array, temperature: number): Float64Array {
    let max = -Infinity;
    for (const v of logits) if (v > max) max = v;
    const out = new Float64Array(logits.length);
    let total = 0;
    for (let i = 0; i < logits.length; i++) total += out[i] = Math.exp((logits[i] - max) / temperature);
    for (let i = 0; i < logits.length; i++) out[i] /= total;
    return out;
  }

  function expectFiniteAndNormalised(probs: Float32Array): void {
    expect(probs.every((p) => Number.isFinite(p) && p >= 0)).toBe(true);
    expect(sum(probs)).toBeCloseTo(1, 5);
  }

  function expectOneHot(probs: Float32Array, at: number): void {
    expect(probs[at]).toBe(1);
    let others = 0;
    for (let i = 0; i < probs.length; i++) if (i !== at && probs[i] !== 0) others++;
    expect(others).toBe(0);
  }

  /** A long random row with a single maximum, and its index. */
  function largeRow(seed: number): { logits: Float32Array; best: number } {
    const logits = seededLogits(vocab, seed, 8);
    const best = argmax(logits);
    expect(logits.filter((v) => v === logits[best]).length).toBe(1);
    return { logits, best };
  }

  it('the smallest float64 temperature is one whose inverse overflows', () => {
    expect(1 / 5e-324).toBe(Infinity);
    expect(5e-324 > 0).toBe(true);
  });

  it.each([...tiny, 1e-5])('is one-hot on the argmax of a short row at T = %s', (temperature) => {
    const probs = toProbabilities(f32([1, 3, 2, -Infinity]), { ...plain, temperature });
    expect(Array.from(probs)).toEqual([0, 1, 0, 0]);
  });

  it.each(tiny)('separates logits one float32 step apart at T = %s', (temperature) => {
    const near = Math.fround(-2.5 - 2 ** -22);
    expect(near).not.toBe(-2.5);
    expect(Array.from(toProbabilities(f32([-7, -2.5, near, -Infinity]), { ...plain, temperature }))).toEqual([0, 1, 0, 0]);
  });

  it.each(tiny)('is one-hot on the argmax of a %s-tempered row of 151,936 logits, with and without top-k / top-p', (temperature) => {
    const { logits, best } = largeRow(11);
    for (const params of [
      { temperature, topK: 0, topP: 1 },
      { temperature, topK: 40, topP: 1 },
      { temperature, topK: 0, topP: 0.9 },
      { temperature, topK: 50, topP: 0.95 },
      { temperature, topK: 1, topP: 1e-6 },
    ]) {
      const probs = toProbabilities(logits, params);
      expectFiniteAndNormalised(probs);
      expectOneHot(probs, best);
    }
  });

  it('splits the mass evenly between tied maxima, the limit of the softmax as T → 0', () => {
    for (const temperature of tiny) {
      expect(Array.from(toProbabilities(f32([3, 1, 3, -Infinity]), { ...plain, temperature }))).toEqual([0.5, 0, 0.5, 0]);
    }
  });

  it('at T = 1e-5 on a 151,936-long row is finite, sums to 1, peaks on the argmax and matches a float64 softmax', () => {
    const { logits, best } = largeRow(12);
    const probs = toProbabilities(logits, { ...plain, temperature: 1e-5 });
    expectFiniteAndNormalised(probs);
    expect(argmax(probs)).toBe(best);
    const reference = referenceSoftmax(logits, 1e-5);
    let worst = 0;
    for (let i = 0; i < vocab; i++) worst = Math.max(worst, Math.abs(probs[i] - reference[i]));
    expect(worst).toBeLessThan(1e-6);
    for (const params of [
      { temperature: 1e-5, topK: 10, topP: 1 },
      { temperature: 1e-5, topK: 0, topP: 0.5 },
    ]) {
      const filtered = toProbabilities(logits, params);
      expectFiniteAndNormalised(filtered);
      expect(argmax(filtered)).toBe(best);
    }
  });

  it('at a moderate T = 0.7 matches a float64 softmax of logits / T within 1e-6', () => {
    for (const logits of [f32([1, 3, 2, -Infinity]), f32([1000, 1001.5, 999, 1002]), largeRow(13).logits]) {
      const probs = toProbabilities(logits, { ...plain, temperature: 0.7 });
      const reference = referenceSoftmax(logits, 0.7);
      let worst = 0;
      for (let i = 0; i < logits.length; i++) worst = Math.max(worst, Math.abs(probs[i] - reference[i]));
      expect(worst).toBeLessThan(1e-6);
      expect(sum(probs)).toBeCloseTo(1, 5);
    }
  });

  it('still refuses a row whose every logit is −Infinity', () => {
    for (const temperature of [...tiny, 1e-5, 0.7, 1]) {
      for (const params of [
        { ...plain, temperature },
        { temperature, topK: 2, topP: 0.5 },
      ]) {
        const error = (() => {
          try {
            toProbabilities(f32([-Infinity, -Infinity, -Infinity]), params);
          } catch (e) {
            return e;
          }
          return null;
        })();
        expect(error).toBeInstanceOf(RangeError);
        expect((error as Error).message).toMatch(/finite maximum/);
      }
    }
  });

  it('still refuses NaN and +Infinity rows with InvalidLogitsError naming the column', () => {
    for (const temperature of [...tiny, 1e-5]) {
      for (const params of [
        { ...plain, temperature },
        { temperature, topK: 2, topP: 0.5 },
      ]) {
        expect(() => toProbabilities(f32([1, 3, Number.NaN, 2]), params)).toThrow(InvalidLogitsError);
        expect(() => toProbabilities(f32([1, 3, Number.NaN, 2]), params)).toThrow(expect.objectContaining({ value: 'NaN', column: 2 }));
        expect(() => toProbabilities(f32([Number.NaN, -Infinity]), params)).toThrow(expect.objectContaining({ value: 'NaN', column: 0 }));
        expect(() => toProbabilities(f32([1, Infinity, 2]), params)).toThrow(expect.objectContaining({ value: 'Infinity', column: 1 }));
      }
      const large = largeRow(14).logits;
      large[vocab - 1] = Number.NaN;
      expect(() => toProbabilities(large, { ...plain, temperature })).toThrow(expect.objectContaining({ value: 'NaN', column: vocab - 1 }));
    }
  });
});

describe('argmaxWithConfidence', () => {
  const exactConfidence = (row: Float32Array, token: number) => {
    let max = -Infinity;
    for (const x of row) max = Math.max(max, x);
    let sum = 0;
    for (const x of row) sum += Math.exp(x - max);
    return Math.exp(row[token] - max) / sum;
  };

  it('picks the argmax (first on ties) and its softmax probability within 2e-4 relative', () => {
    const rng = createRng(11);
    for (const [width, spread] of [
      [7, 1],
      [1000, 4],
      [151_936, 12],
      [5000, 200],
    ] as const) {
      const row = Float32Array.from({ length: width }, () => (rng.next() - 0.5) * spread);
      row[width >> 1] = row[width - 1] = spread; // a tie: the lower index wins
      const { token, confidence } = argmaxWithConfidence(row);
      expect(token).toBe(argmax(row));
      expect(token).toBe(width >> 1);
      expect(Math.abs(confidence / exactConfidence(row, token) - 1)).toBeLessThan(2e-4);
    }
  });

  it('skips −∞ columns, scores a lone finite column 1, and refuses NaN and +∞ as argmax does', () => {
    expect(argmaxWithConfidence(Float32Array.of(-Infinity, 3, -Infinity))).toEqual({ token: 1, confidence: 1 });
    expect(argmaxWithConfidence(Float32Array.of(-Infinity, -Infinity)).confidence).toBe(1);
    expect(argmaxWithConfidence(Float32Array.of(0, 0)).confidence).toBeCloseTo(0.5, 6);
    expect(argmaxWithConfidence(Float32Array.of(0, -1)).confidence).toBeCloseTo(1 / (1 + Math.exp(-1)), 4);
    expect(() => argmaxWithConfidence(Float32Array.of(1, NaN))).toThrow(InvalidLogitsError);
    expect(() => argmaxWithConfidence(Float32Array.of(1, Infinity))).toThrow(InvalidLogitsError);
  });
});
