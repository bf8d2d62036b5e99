import type { DeviceProfileKey } from '../../src/types/index.js';
import { describe, expect, it } from 'vitest';
import { SpeculoError } from '../../src/errors.js';
import { buildProfile, InvalidDeviceProfileError, parseDeviceProfile, profileKeyId, summarizeSamples } from '../../src/schedule/device-profile.js';
import { isotonicNonDecreasing } from '../../src/schedule/isotonic.js';

const key: DeviceProfileKey = {
  adapter: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'H200' },
  backend: 'webgpu',
  target: 'org/target-1b',
  draft: 'org/draft-100m',
  dtype: 'q4f16',
};

function validProfileJson(): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(
      buildProfile(
        key,
        [2, 2, 2],
        [
          [10, 10],
          [11, 11],
          [12, 12],
        ],
        new Date('2026-01-02T03:04:05Z'),
      ),
    ),
  );
}

function issuesOf(json: unknown): string[] {
  try {
    parseDeviceProfile(json);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDeviceProfileError);
    expect(error).toBeInstanceOf(SpeculoError);
    return (error as InvalidDeviceProfileError).issues;
  }
  throw new Error('expected the profile to be rejected');
}

describe('profileKeyId', () => {
  it('is a 16-digit hex hash that ignores field order', () => {
    const reordered: DeviceProfileKey = {
      dtype: key.dtype,
      draft: key.draft,
      target: key.target,
      backend: key.backend,
      adapter: { description: 'H200', device: '', architecture: 'hopper', vendor: 'nvidia' },
    };
    expect(profileKeyId(key)).toMatch(/^[0-9a-f]{16}$/);
    expect(profileKeyId(reordered)).toBe(profileKeyId(key));
  });

  it('changes with any part of the key', () => {
    const ids = new Set([
      profileKeyId(key),
      profileKeyId({ ...key, dtype: 'fp16' }),
      profileKeyId({ ...key, adapter: null }),
      profileKeyId({ ...key, backend: 'wasm' }),
      profileKeyId({ ...key, adapter: { ...key.adapter!, description: 'H100' } }),
    ]);
    expect(ids.size).toBe(5);
  });
});

describe('summarizeSamples', () => {
  it('drops slow warm-up runs at the start, then takes the lower quartile', () => {
    expect(summarizeSamples([50, 40, 10, 11, 9, 10, 12])).toBe(10);
  });

  it('keeps slow runs in the middle out of the result through the lower quartile, not by dropping them', () => {
    expect(summarizeSamples([10, 10, 90, 10, 11])).toBe(10);
    // A burst over half the samples still leaves the quiet ones in charge.
    expect(summarizeSamples([10, 30, 31, 11, 29, 10])).toBeCloseTo(10.25, 9);
    expect(summarizeSamples([10, 12])).toBe(10.5);
  });

  it('rejects empty and invalid samples', () => {
    expect(() => summarizeSamples([])).toThrow(RangeError);
    expect(() => summarizeSamples([1, -1])).toThrow(/sample 1/);
    expect(() => summarizeSamples([Number.NaN])).toThrow(RangeError);
  });
});

describe('isotonicNonDecreasing', () => {
  it('pools violators instead of letting one high point lift the rest', () => {
    expect(isotonicNonDecreasing([10, 20, 10, 10, 10])).toEqual([10, 12.5, 12.5, 12.5, 12.5]);
    expect(isotonicNonDecreasing([1, 2, 3])).toEqual([1, 2, 3]);
  });

  it('weights the pooled mean', () => {
    expect(isotonicNonDecreasing([4, 1], [3, 1])).toEqual([3.25, 3.25]);
  });
});

describe('buildProfile', () => {
  it('makes the cost curve non-decreasing and records how it was measured', () => {
    const profile = buildProfile(
      key,
      [3, 2, 2, 2],
      [
        [10, 10, 10],
        [13, 12, 12],
        [11, 11, 11],
        [14, 14, 14],
      ],
      new Date('2026-01-02T03:04:05Z'),
    );
    expect(profile.targetVerifyMs).toEqual([10, 11.5, 11.5, 14]);
    expect(profile.draftStepMs).toBe(2);
    expect(profile.id).toBe(profileKeyId(key));
    expect(profile.samples).toBe(3);
    expect(profile.createdAt).toBe('2026-01-02T03:04:05.000Z');
  });

  it('needs at least two verify lengths', () => {
    expect(() => buildProfile(key, [1], [[10]])).toThrow(/at least 1 and 2 tokens/);
  });
});

describe('parseDeviceProfile', () => {
  it('accepts its own export', () => {
    const json = validProfileJson();
    expect(parseDeviceProfile(json)).toEqual(json);
  });

  it('names each bad field', () => {
    const negative = validProfileJson();
    (negative.targetVerifyMs as number[])[1] = -3;
    expect(issuesOf(negative).join('\n')).toMatch(/^targetVerifyMs\[1\]: /m);

    const noBackend = validProfileJson();
    delete (noBackend.key as Record<string, unknown>).backend;
    expect(issuesOf(noBackend).join('\n')).toMatch(/^key\.backend: /m);

    const future = { ...validProfileJson(), version: 2 };
    expect(issuesOf(future).join('\n')).toMatch(/^version: /m);

    const badDate = { ...validProfileJson(), createdAt: 'yesterday' };
    expect(issuesOf(badDate).join('\n')).toMatch(/^createdAt: /m);

    const fractionalSamples = { ...validProfileJson(), samples: 1.5 };
    expect(issuesOf(fractionalSamples).join('\n')).toMatch(/^samples: /m);

    expect(issuesOf('{"version":1}')).toEqual(['(root): Invalid input: expected object, received string']);
  });

  it('reports every problem at once', () => {
    const json = { ...validProfileJson(), draftStepMs: 'fast', targetVerifyMs: [10] };
    const issues = issuesOf(json);
    expect(issues.some((issue) => issue.startsWith('draftStepMs: '))).toBe(true);
    expect(issues.some((issue) => issue.startsWith('targetVerifyMs: '))).toBe(true);
  });

  it('rejects a decreasing cost curve', () => {
    const json = { ...validProfileJson(), targetVerifyMs: [10, 12, 11] };
    expect(issuesOf(json)).toEqual([expect.stringMatching(/^targetVerifyMs\[2\]: 11 ms is below targetVerifyMs\[1\]/)]);
  });

  it('rejects an id that does not belong to the key', () => {
    const json = validProfileJson();
    (json.key as Record<string, unknown>).dtype = 'fp32';
    expect(issuesOf(json)).toEqual([expect.stringMatching(/^id: /)]);
  });
});
