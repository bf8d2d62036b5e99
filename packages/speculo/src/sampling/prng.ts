/** A seeded source of uniform random numbers. */
export interface Rng {
  /** Uniform in [0, 1), with 32 bits of resolution. */
  next(): number;
  /** Uniform unsigned 32-bit integer. */
  nextUint32(): number;
}

const twoToThe32 = 4294967296;

/**
 * xoshiro128** (Blackman & Vigna, https://prng.di.unimi.it/) seeded through splitmix32.
 *
 * Why this generator: it works on 32-bit words only, so `Math.imul` and `>>>` reproduce the reference C
 * bit for bit in every JS engine (PCG32 needs 64-bit multiplies, i.e. BigInt or a slow emulation); it passes
 * BigCrush, has a 2^128 − 1 period and is a few lines long. `Math.random` cannot be seeded, and a seed must
 * reproduce a sampled generation exactly.
 *
 * The seed is expanded with splitmix32 (golden-ratio increment + MurmurHash3's fmix32 finaliser), as the
 * xoshiro authors recommend, so nearby seeds give unrelated streams and the state is never all zero.
 */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed >= twoToThe32) {
    throw new RangeError(`seed must be an integer in 0..${twoToThe32 - 1}, got ${seed}`);
  }
  let splitmixState = seed >>> 0;
  const splitmix32 = (): number => {
    splitmixState = (splitmixState + 0x9e3779b9) >>> 0;
    let z = splitmixState;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  return createRngFromState(splitmix32(), splitmix32(), splitmix32(), splitmix32());
}

/**
 * xoshiro128** from an explicit 128-bit state (not all zero). Exposed so the implementation can be checked
 * against the reference C's published outputs; use {@link createRng} otherwise.
 */
export function createRngFromState(s0: number, s1: number, s2: number, s3: number): Rng {
  if ((s0 | s1 | s2 | s3) === 0) throw new RangeError('xoshiro128** state must not be all zero');
  const state = new Uint32Array([s0, s1, s2, s3]);
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(state[1], 5), 7), 9) >>> 0;
    const t = state[1] << 9;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 11);
    return result;
  };
  return { nextUint32, next: () => nextUint32() / twoToThe32 };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
