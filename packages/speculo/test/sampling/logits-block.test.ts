import { describe, expect, it } from 'vitest';
import { InvalidLogitsError } from '../../src/errors.js';
import { FullyConvertedLogits, HostLogits } from '../../src/sampling/logits-block.js';
import { argmax, argmaxWithConfidence } from '../../src/sampling/logits-processing.js';
import { float16ToFloat32 } from '../../src/util/float16.js';
import { float32ToFloat16Bits } from '../helpers/fake-decoder-session.js';

const toHalf = (values: number[]) => Uint16Array.from(values, float32ToFloat16Bits);

describe('HostLogits', () => {
  it('picks the same token from fp16 bits as from their float32 values: ties to the lowest id, −0 equal to +0, −∞ kept', () => {
    const rows = [
      [1, 3, 3, -2],
      [-0, 0, -1, -Infinity],
      [-Infinity, -Infinity, -Infinity, -Infinity],
      [-5, -65504, -4.5, -4.5],
      [65504, 2, 65504, 1],
    ];
    const half = toHalf(rows.flat());
    const block = new HostLogits(half, rows.length, 4);
    const converted = float16ToFloat32(half);
    rows.forEach((_, row) => {
      const values = converted.subarray(row * 4, row * 4 + 4);
      expect(block.argmax(row)).toBe(argmax(values));
      expect(block.argmaxWithConfidence(row)).toEqual(argmaxWithConfidence(values));
      expect(Array.from(block.values(row))).toEqual(Array.from(values));
    });
    expect(block.argmax(0)).toBe(1);
    expect(block.argmax(1)).toBe(0);
  });

  it('throws InvalidLogitsError with the column on an fp16 NaN or +Infinity maximum, as the float32 scan does', () => {
    const half = toHalf([1, NaN, 2, 0, 1, Infinity]);
    const block = new HostLogits(half, 2, 3);
    expect(() => block.argmax(0)).toThrow(InvalidLogitsError);
    expect(() => block.argmax(0)).toThrow(/NaN logits \(token 1\b/);
    expect(() => block.argmax(1)).toThrow(/Infinity/);
  });

  it('reads float32 rows in place and refuses a row outside the block or data of the wrong size', () => {
    const data = Float32Array.from([0, 1, 2, 5, 4, 3]);
    const block = new HostLogits(data, 2, 3);
    expect(block.values(1).buffer).toBe(data.buffer);
    expect([block.argmax(0), block.argmax(1)]).toEqual([2, 0]);
    expect(() => block.argmax(2)).toThrow(/row 2 is outside the block's 2 rows/);
    expect(() => new HostLogits(data, 3, 3)).toThrow(/6 values, expected 3 rows × 3/);
  });

  it('keeps the earlier full-conversion path exact: the same picks, and a confidence from the exact softmax', () => {
    const values = [0.5, 2, -1, 2, 1.25];
    const full = new FullyConvertedLogits(toHalf(values), 1, 5);
    const lazy = new HostLogits(toHalf(values), 1, 5);
    expect(full.argmax(0)).toBe(lazy.argmax(0));
    const exact = 1 / values.reduce((sum, v) => sum + Math.exp(v - 2), 0);
    expect(full.argmaxWithConfidence(0)).toEqual({ token: 1, confidence: expect.closeTo(exact, 12) as number });
    expect(lazy.argmaxWithConfidence(0).confidence).toBeCloseTo(exact, 3);
  });
});
