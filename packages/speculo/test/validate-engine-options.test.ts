import { describe, expect, it } from 'vitest';
import { engineOptionNames, validateEngineOptions } from '../src/api/validate-engine-options.js';
import type { EngineOptions } from '../src/types/index.js';

describe('validateEngineOptions', () => {
  it('accepts a plain pair and the documented options', () => {
    expect(() =>
      validateEngineOptions({
        target: 'a',
        draft: 'b',
        device: 'auto',
        dtype: { target: 'q4f16', draft: 'q4' },
        drafter: 'composite',
        scheduler: { policy: 'static', draftLength: 6, earlyStop: { threshold: 0.4 } },
        ngramCacheBytes: 1 << 20,
      }),
    ).not.toThrow();
    expect(() => validateEngineOptions({ target: 'a', drafter: 'prompt-lookup' })).not.toThrow();
    expect(() => validateEngineOptions({ target: 'org/a', localModelPath: '/models/', allowRemoteModels: false })).not.toThrow();
    expect(() => validateEngineOptions({ target: 'org/a', remoteHost: 'https://cdn.example.com/models/', remotePathTemplate: '{model}/' })).not.toThrow();
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
    [
      { target: 'a', scheduler: { calibrate: 'sometimes' } },
      /scheduler\.calibrate must be 'background' \(the default: measure in idle moments\), 'eager' \(measure before the engine is ready\) or false, got "sometimes"/,
    ],
    [{ target: 'a', ngramCacheBytes: 10 }, /ngramCacheBytes/],
    [{ target: 'a', localModelPath: 'http://localhost:5173/models/' }, /localModelPath must be a path on this origin such as '\/models\/', not a URL .*set remoteHost/],
    [{ target: 'a', localModelPath: '' }, /localModelPath/],
    [{ target: 'a', allowRemoteModels: 'no' }, /allowRemoteModels must be true or false/],
    [{ target: 'a', remoteHost: '/models/' }, /remoteHost must be an absolute http\(s\) URL.*set localModelPath instead/],
    [{ target: 'a', remoteHost: 'ftp://cdn.example.com/' }, /remoteHost/],
    [{ target: 'a', remotePathTemplate: 'resolve/main/' }, /remotePathTemplate must contain \{model\}/],
  ])('refuses %j naming the option', (options, message) => {
    expect(() => validateEngineOptions(options as unknown as EngineOptions)).toThrow(message);
  });
});

describe('validateEngineOptions on unknown option names', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['draf', { target: 'a', draf: 'b' }, 'unknown option "draf" in createSpeculo options: did you mean "draft"?'],
    ['polcy', { target: 'a', scheduler: { polcy: 'static' } }, 'unknown option "polcy" in scheduler options: did you mean "policy"?'],
    ['targt', { target: 'a', dtype: { targt: 'q4' } }, 'unknown option "targt" in dtype: did you mean "target"?'],
    ['wsm', { target: 'a', wasmPaths: { mjs: 'a', wsm: 'b' } }, 'unknown option "wsm" in wasmPaths: did you mean "wasm"?'],
    ['threshhold', { target: 'a', scheduler: { earlyStop: { threshhold: 0.5 } } }, 'unknown option "threshhold" in scheduler.earlyStop: did you mean "threshold"?'],
    ['maxDraftLen', { target: 'a', scheduler: { maxDraftLen: 4 } }, 'unknown option "maxDraftLen" in scheduler options: did you mean "maxDraftLength"?'],
  ])('refuses %s with a RangeError naming it and the name it is close to', (_, options, message) => {
    expect(() => validateEngineOptions(options as unknown as EngineOptions)).toThrow(RangeError);
    expect(() => validateEngineOptions(options as unknown as EngineOptions)).toThrow(message);
  });

  it('lists the known names when an unknown one is close to none', () => {
    expect(() => validateEngineOptions({ target: 'a', banana: 1 } as unknown as EngineOptions)).toThrow(
      new RangeError(`unknown option "banana" in createSpeculo options: the known ones are ${engineOptionNames.join(', ')}`),
    );
    expect(() => validateEngineOptions({ target: 'a', dtype: { banana: 'q4' } } as unknown as EngineOptions)).toThrow('unknown option "banana" in dtype: the known ones are target, draft');
  });

  it('refuses a scheduler or wasmPaths that is not an object with a TypeError naming it', () => {
    expect(() => validateEngineOptions({ target: 'a', scheduler: 'static' } as unknown as EngineOptions)).toThrow(TypeError);
    expect(() => validateEngineOptions({ target: 'a', scheduler: null } as unknown as EngineOptions)).toThrow(/^scheduler must be an object/);
    expect(() => validateEngineOptions({ target: 'a', wasmPaths: '/ort/' } as unknown as EngineOptions)).toThrow(TypeError);
    expect(() => validateEngineOptions({ target: 'a', wasmPaths: null } as unknown as EngineOptions)).toThrow(/^wasmPaths must be \{ mjs, wasm \}/);
  });

  it('accepts every known name at once', () => {
    const options: EngineOptions = {
      target: 'org/target',
      draft: 'org/draft',
      device: 'wasm',
      dtype: { target: 'q4', draft: 'fp16' },
      onProgress: () => {},
      revision: 'main',
      localModelPath: '/models/',
      allowRemoteModels: false,
      remoteHost: 'https://cdn.example.com/models/',
      remotePathTemplate: '{model}/',
      wasmPaths: { mjs: '/ort.mjs', wasm: '/ort.wasm' },
      worker: {} as Worker,
      drafter: 'model',
      scheduler: { policy: 'adaptive', draftLength: 4, maxDraftLength: 8, earlyStop: 'off', calibrate: false },
      guardrails: { version: '1.0.0', acceptanceFloor: { rate: 0.3, windowRounds: 16, action: 'fallback' }, maxDraftLength: 8 },
      ngramCacheBytes: 1 << 22,
      logitsPath: 'host-full',
    };
    expect(Object.keys(options).sort()).toEqual([...engineOptionNames].sort());
    expect(() => validateEngineOptions(options)).not.toThrow();
    expect(() => validateEngineOptions({ target: 'a', scheduler: { earlyStop: 'cost-aware' } })).not.toThrow();
    expect(() => validateEngineOptions({ target: 'a', scheduler: { earlyStop: { threshold: 0 } } })).not.toThrow();
    expect(() => validateEngineOptions({ target: 'a', dtype: 'auto', scheduler: {} })).not.toThrow();
  });
});
