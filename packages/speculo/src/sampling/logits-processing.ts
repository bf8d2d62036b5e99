import { InvalidLogitsError } from '../errors.js';
import { float16Table } from '../util/float16.js';
import type { Rng } from './prng.js';

/**
 * How a row of logits becomes the distribution a token is drawn from. Speculative sampling is only lossless if
 * the target's distribution and the draft's are both processed with these same parameters.
 */
export interface SamplingParams {
  /** Divides the logits; 0 means greedy (argmax), which makes the distribution one-hot. */
  temperature: number;
  /** Keep only the `topK` highest logits (ties with the k-th are kept too); 0 turns it off. */
  topK: number;
  /** Keep the smallest set of most probable tokens whose mass reaches `topP`, at least one; 1 turns it off. */
  topP: number;
}

/** Row `row` of a row-major [rows, vocabSize] logits buffer, as a view (no copy). */
export function logitsRow(logits: Float32Array, row: number, vocabSize: number): Float32Array {
  return logits.subarray(row * vocabSize, (row + 1) * vocabSize);
}

/** True when the parameters select argmax decoding. */
export function isGreedy(params: SamplingParams): boolean {
  return params.temperature === 0;
}

/**
 * Index of the largest value; ties go to the lowest index so greedy decoding is deterministic.
 * @throws {InvalidLogitsError} when the row holds a NaN or its maximum is +Infinity: no token can be chosen from
 * it (an fp16 overflow in the model, typically), and skipping the bad values would emit an arbitrary token.
 */
export function argmax(row: Float32Array): number {
  return checkedMaxIndex(row);
}

/**
 * The greedy pick of a row and its probability under softmax(row), for a draft model's confidence, in one pass over
 * the row: a running maximum (the first largest wins, NaN and a +Infinity maximum throw as in {@link argmax}) and
 * a running Σ exp(x − max), rescaled by an exact `Math.exp` on the rare new maximum. Each term comes from a fast
 * base-2 exponential (the power of two from a table, the fraction from a cubic exact at 0 and 1; relative error
 * about 1e-4), and terms more than 2^−cutoff below the maximum are skipped: fewer than n of them add under
 * n · 2^−cutoff = 2^−14 ≈ 6e-5 of a sum that is at least 1. Most of a real vocabulary lies that far down, so most
 * columns cost one comparison: about 0.45 ms at 151,936 columns in Node, against 2 ms for `Math.exp` over the
 * row. Only confidences use it: acceptance and sampling keep the exact softmax.
 */
export function argmaxWithConfidence(row: Float32Array): { token: number; confidence: number } {
  const cutoff = Math.min(maxExponent, Math.log2(row.length) + 14) * Math.LN2;
  let token = 0;
  let max = row[0];
  if (Number.isNaN(max)) throw new InvalidLogitsError({ value: 'NaN', column: 0 });
  let floor = max - cutoff;
  // The maximum's own term is exactly 1, which keeps the confidence in (0, 1] (and 1 for a row of −∞).
  let sum = 1;
  for (let i = 1; i < row.length; i++) {
    const x = row[i];
    if (!(x > floor)) {
      if (Number.isNaN(x)) throw new InvalidLogitsError({ value: 'NaN', column: i });
      continue;
    }
    if (x > max) {
      sum = sum * Math.exp(max - x) + 1;
      max = x;
      token = i;
      floor = max - cutoff;
      continue;
    }
    // 2^−t for t = (max − x) · log2(e) in [0, cutoff): 2^−(k+1) from the table, times 2^f with f = k + 1 − t in (0, 1].
    const t = (max - x) * Math.LOG2E;
    const k = t | 0;
    const f = k + 1 - t;
    sum += negativePowersOfTwo[k + 1] * (1 + f * (0.6954244 + f * (0.2263077 + f * 0.078268)));
  }
  if (max === Infinity) throw new InvalidLogitsError({ value: 'Infinity', column: token });
  return { token, confidence: 1 / sum };
}

/** The deepest term ever summed: 2^−126 relative to the maximum changes no float32 sum. */
const maxExponent = 126;
/** 2^−k for k = 0..127. */
const negativePowersOfTwo = Float64Array.from({ length: maxExponent + 2 }, (_, k) => 2 ** -k);

/**
 * The one full-row max scan that argmax and softmax share: index of the first largest value, and the NaN / +Infinity
 * check for free. `!(value <= best)` is `value > best` that is also true for NaN, so the scan costs no extra
 * comparison per column and the NaN test runs only on the rare new maximum.
 */
function checkedMaxIndex(values: Float32Array): number {
  let best = 0;
  let bestValue = values[0];
  if (Number.isNaN(bestValue)) throw new InvalidLogitsError({ value: 'NaN', column: 0 });
  for (let i = 1; i < values.length; i++) {
    const value = values[i];
    if (!(value <= bestValue)) {
      if (Number.isNaN(value)) throw new InvalidLogitsError({ value: 'NaN', column: i });
      best = i;
      bestValue = value;
    }
  }
  if (bestValue === Infinity) throw new InvalidLogitsError({ value: 'Infinity', column: best });
  return best;
}

/**
 * {@link argmax} of a row of raw half-precision bit patterns (as ORT hands fp16 logits to JS), without converting
 * the row: each pattern is looked up in {@link float16Table} as it is compared, so ties, −0 and NaN
 * behave exactly as in the float32 scan. It repeats that scan's loop rather than sharing it: one loop over two
 * array types would make V8's hottest loop here polymorphic.
 * @throws {InvalidLogitsError} as {@link argmax}.
 */
export function argmaxOfHalf(half: Uint16Array): number {
  const table = float16Table();
  let best = 0;
  let bestValue = table[half[0]];
  if (Number.isNaN(bestValue)) throw new InvalidLogitsError({ value: 'NaN', column: 0 });
  for (let i = 1; i < half.length; i++) {
    const value = table[half[i]];
    if (!(value <= bestValue)) {
      if (Number.isNaN(value)) throw new InvalidLogitsError({ value: 'NaN', column: i });
      best = i;
      bestValue = value;
    }
  }
  if (bestValue === Infinity) throw new InvalidLogitsError({ value: 'Infinity', column: best });
  return best;
}

// Scratch space reused across calls: a vocabulary can be 150k+ entries and this runs γ+1 times per round.
let scratchValues = new Float32Array(0);
let scratchIndices = new Uint32Array(0);

function valuesScratch(length: number): Float32Array {
  if (scratchValues.length < length) scratchValues = new Float32Array(length);
  return scratchValues;
}

function indicesScratch(length: number): Uint32Array {
  if (scratchIndices.length < length) scratchIndices = new Uint32Array(length);
  return scratchIndices;
}

/**
 * Turns one row of logits into probabilities: temperature, then top-k, then top-p, then a softmax normalised
 * over the survivors; filtered tokens get exactly 0.
 *
 * Semantics follow Hugging Face transformers' `TemperatureLogitsWarper`, `TopKLogitsWarper` (keep every logit
 * ≥ the k-th largest, so ties at the boundary survive) and `TopPLogitsWarper` (drop a token when the mass of the
 * tokens strictly more probable than it already reaches `topP`; keep at least one), applied in that order as in
 * `_get_logits_processor`. transformers.js 4.3.2 declares the same warpers but only applies temperature (top-k
 * happens inside its `MultinomialSampler`, top-p is missing there), so Python is the reference here. Where equal
 * probabilities straddle the top-p boundary, the lower token id counts as more probable, which makes the cut
 * deterministic (torch's unstable sort is not).
 *
 * Temperature 0 yields the one-hot distribution on {@link argmax}, the limit of the temperature → 0 softmax.
 * `out` may be `logits` itself (in place); otherwise a new array is returned.
 */
export function toProbabilities(logits: Float32Array, params: SamplingParams, out: Float32Array = new Float32Array(logits.length)): Float32Array {
  const n = logits.length;
  if (out.length !== n) throw new RangeError(`out has length ${out.length}, expected ${n}`);
  if (n === 0) throw new RangeError('cannot turn an empty row of logits into probabilities');
  assertSamplingParams(params);

  if (isGreedy(params)) {
    const best = argmax(logits);
    out.fill(0);
    out[best] = 1;
    return out;
  }

  // The maximum is subtracted before scaling so that no temperature, however small, overflows: the largest logit
  // becomes exactly 0 and the others −∞ at worst, which is the temperature → 0 limit (the argmax wins). This is the
  // row's one max scan, and it doubles as the NaN / +Infinity check: what follows cannot create a NaN, and top-k
  // keeps the maximum, so the softmax below needs no scan of its own. Division rather than multiplying by 1 / T:
  // below ~1e-308, 1 / T is itself infinite and 0 · ∞ would be NaN.
  const max = logits[checkedMaxIndex(logits)];
  if (max === -Infinity) throw new RangeError('logits must contain a finite maximum, got -Infinity');
  const temperature = params.temperature;
  for (let i = 0; i < n; i++) out[i] = (logits[i] - max) / temperature;

  if (params.topK > 0 && params.topK < n) {
    const threshold = kthLargest(out, params.topK);
    for (let i = 0; i < n; i++) if (out[i] < threshold) out[i] = -Infinity;
  }

  softmaxOfShifted(out);

  if (params.topP < 1) applyTopP(out, params.topP);
  return out;
}

// Cheap guard: a negative temperature or topP of 0 would silently produce a wrong distribution, not an error.
function assertSamplingParams({ temperature, topK, topP }: SamplingParams): void {
  if (!(temperature >= 0) || temperature === Infinity) {
    throw new RangeError(`temperature must be a finite number ≥ 0, got ${temperature}`);
  }
  if (!Number.isInteger(topK) || topK < 0) throw new RangeError(`topK must be an integer ≥ 0, got ${topK}`);
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`topP must be in (0, 1], got ${topP}`);
}

/** Softmax, in place, of a row already shifted so that its maximum is exactly 0 (no overflow, no max scan). */
function softmaxOfShifted(values: Float32Array): void {
  // Sum in float64: 150k float32 additions would otherwise lose several digits.
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const e = Math.exp(values[i]);
    values[i] = e;
    sum += e;
  }
  const inverseSum = 1 / sum;
  for (let i = 0; i < values.length; i++) values[i] *= inverseSum;
}

/** The k-th largest value (1-based) by quickselect on a scratch copy, O(n) on average. */
function kthLargest(values: Float32Array, k: number): number {
  const n = values.length;
  const work = valuesScratch(n);
  work.set(values);
  // Select the element that would sit at index k-1 in descending order.
  const target = k - 1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = medianOfThree(work[lo], work[(lo + hi) >>> 1], work[hi]);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (work[i] > pivot) i++;
      while (work[j] < pivot) j--;
      if (i <= j) {
        const tmp = work[i];
        work[i] = work[j];
        work[j] = tmp;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return work[target];
  }
  return work[target];
}

function medianOfThree(a: number, b: number, c: number): number {
  if (a < b) return b < c ? b : a < c ? c : a;
  return a < c ? a : b < c ? c : b;
}

/**
 * Nucleus filtering on normalised probabilities, then renormalisation, without sorting the vocabulary. Probabilities
 * are bucketed by their float32 exponent and top six mantissa bits (an order-preserving key for positive floats):
 * walking the buckets from the top finds the one where the descending mass reaches `topP`; every bucket above it is
 * kept whole, every one below is cut, and only the crossing bucket is sorted. A flat distribution, where the nucleus
 * is most of a 151,936-token vocabulary, costs a few passes instead of a sort of 100k candidates (60 ms).
 */
function applyTopP(probs: Float32Array, topP: number): void {
  const n = probs.length;
  const bits = new Uint32Array(probs.buffer, probs.byteOffset, n);
  bucketMass.fill(0);
  for (let i = 0; i < n; i++) {
    const p = probs[i];
    if (p > 0) bucketMass[bits[i] >>> bucketShift] += p;
  }
  // The crossing bucket: the mass of the buckets above it stays below topP, and with it reaches topP (or it is the last).
  let crossing = bucketCount - 1;
  let massAbove = 0;
  for (; crossing > 0; crossing--) {
    if (bucketMass[crossing] === 0) continue;
    if (massAbove + bucketMass[crossing] >= topP) break;
    massAbove += bucketMass[crossing];
  }

  const candidates = indicesScratch(n);
  let count = 0;
  for (let i = 0; i < n; i++) if (probs[i] > 0 && bits[i] >>> bucketShift === crossing) candidates[count++] = i;
  const sorted = candidates.subarray(0, count);
  // Descending probability, lower id first on ties: the deterministic order the doc comment of toProbabilities promises.
  sorted.sort((a, b) => probs[b] - probs[a] || a - b);
  let massBefore = massAbove;
  let kept = 0;
  // massBefore starts below topP, so the first token of the nucleus is always kept.
  while (kept < count && massBefore < topP) {
    massBefore += probs[sorted[kept]];
    kept++;
  }
  const keptValues = valuesScratch(kept);
  for (let r = 0; r < kept; r++) keptValues[r] = probs[sorted[r]];
  const inverseMass = 1 / massBefore;
  for (let i = 0; i < n; i++) {
    const p = probs[i];
    probs[i] = p > 0 && bits[i] >>> bucketShift > crossing ? p * inverseMass : 0;
  }
  for (let r = 0; r < kept; r++) probs[sorted[r]] = keptValues[r] * inverseMass;
}

/** Buckets of top-p: the float32 bits of a probability shifted right by this keep its exponent and 6 mantissa bits. */
const bucketShift = 17;
const bucketCount = 1 << (32 - bucketShift - 1);
const bucketMass = new Float64Array(bucketCount);

/**
 * Draws a token by inverse CDF. The row need not sum to exactly 1 (float32 rounding); the draw is scaled by the
 * actual total. A token with probability 0 is never returned.
 */
export function sampleFrom(probs: Float32Array, rng: Rng): number {
  let total = 0;
  for (let i = 0; i < probs.length; i++) total += probs[i];
  if (!(total > 0)) throw new RangeError('cannot sample from a distribution with no mass');
  const u = rng.next() * total;
  let cumulative = 0;
  let lastPositive = -1;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (p <= 0) continue;
    cumulative += p;
    lastPositive = i;
    if (cumulative > u) return i;
  }
  // Rounding can leave u a hair above the final cumulative sum.
  return lastPositive;
}
