import { describe, expect, it } from 'vitest';
import { validateEngineOptions } from '../src/api/validate-engine-options.js';
import type { EngineOptions } from '../src/api/types.js';

describe('validateEngineOptions', () => {
  it('accepts a plain pair and the documented options', () => {
    expect(() =>
      validateEngineOptions({ target: 'a', draft: 'b', device: 'auto', dtype: { target: 'q4f16', draft: 'q4' }, drafter: 'composite', scheduler: { policy: 'static', draftLength: 6, earlyStop: { threshold: 0.4 } }, ngramCacheBytes: 1 << 20 }),
    ).not.toThrow();
    expect(() => validateEngineOptions({ target: 'a', drafter: 'prompt-lookup' })).not.toThrow();
  });

  it.each([
    [{ target: '' }, /target/],
    [{ target: 'a', draft: 3 }, /draft/],
    [{ target: 'a', device: 'gpu' }, /device/],
    [{ target: 'a', dtype: 'int4' }, /dtype/],
    [{ target: 'a', dtype: { draft: 'fp64' } }, /dtype.draft/],
    [{ target: 'a', drafter: 'eagle' }, /drafter/],
    [{ target: 'a', drafter: 'model' }, /needs a draft model/],
    [{ target: 'a', scheduler: { policy: 'fastest' } }, /scheduler.policy/],
    [{ target: 'a', scheduler: { draftLength: 0 } }, /scheduler.draftLength/],
    [{ target: 'a', scheduler: { maxDraftLength: 65 } }, /scheduler.maxDraftLength/],
    [{ target: 'a', scheduler: { earlyStop: { threshold: 2 } } }, /scheduler.earlyStop/],
    [{ target: 'a', ngramCacheBytes: 10 }, /ngramCacheBytes/],
  ])('refuses %j naming the option', (options, message) => {
    expect(() => validateEngineOptions(options as unknown as EngineOptions)).toThrow(message);
  });
});
