import { afterEach, describe, expect, it, vi } from 'vitest';
import { suiteDrafts } from '../suite-registry.js';
import { defaultEngineSuite, pairRunSize, printEngineTable, type EngineSuiteRow } from '../suites/engine-suite.js';

describe('engine suite', () => {
  afterEach(() => vi.restoreAllMocks());

  it('times the ctrl drafts in fp32 and the large-vocabulary pair in its 4-bit files', () => {
    expect(defaultEngineSuite.pairs.map((p) => [p.name, p.target, p.draft, p.dtype.webgpu, p.dtype.wasm])).toEqual([
      ['ctrl-20', 'ctrl-target', 'ctrl-draft-20', 'fp32', 'fp32'],
      ['ctrl-50', 'ctrl-target', 'ctrl-draft-50', 'fp32', 'fp32'],
      ['ctrl-80', 'ctrl-target', 'ctrl-draft-80', 'fp32', 'fp32'],
      ['ctrl-95', 'ctrl-target', 'ctrl-draft-95', 'fp32', 'fp32'],
      ['large-vocab', 'large-vocab-target', 'large-vocab-draft', 'q4', 'q4f16'],
    ]);
    // --draft selects pairs by draft, so each pair needs a draft of its own.
    expect(new Set(defaultEngineSuite.drafts).size).toBe(defaultEngineSuite.pairs.length);
    expect(defaultEngineSuite.drafts).toEqual(defaultEngineSuite.pairs.map((p) => p.draft));
  });

  it('narrows to the pairs of the drafts --draft names', () => {
    expect(suiteDrafts('engine', defaultEngineSuite, 'large-vocab-draft,ctrl-draft-80')).toEqual(['ctrl-draft-80', 'large-vocab-draft']);
    expect(() => suiteDrafts('engine', defaultEngineSuite, 'gqa-draft')).toThrow(/no draft gqa-draft; its drafts: ctrl-draft-20, .*large-vocab-draft/);
  });

  it('shortens the large-vocabulary pair on SwiftShader only, never lengthening a small run', () => {
    const large = defaultEngineSuite.pairs.find((p) => p.name === 'large-vocab')!;
    const ctrl = defaultEngineSuite.pairs[0]!;
    const size = { maxNewTokens: 24, repeat: 2 };
    expect(pairRunSize(large, 'swiftshader', size)).toEqual({ maxNewTokens: 8, repeat: 1, shortened: expect.stringMatching(/SwiftShader/) });
    expect(pairRunSize(large, 'wasm', size)).toEqual({ ...size, shortened: null });
    expect(pairRunSize(large, 'system', size)).toEqual({ ...size, shortened: null });
    expect(pairRunSize(ctrl, 'swiftshader', size)).toEqual({ ...size, shortened: null });
    expect(pairRunSize(large, 'swiftshader', { maxNewTokens: 4, repeat: 1 })).toEqual({ maxNewTokens: 4, repeat: 1, shortened: null });
  });

  it('prints the pair, target and run size of each row and says which rows ran shorter', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const row = (pair: string, target: string, draft: string, shortened: string | null): EngineSuiteRow => ({
      profile: 'swiftshader',
      backend: 'webgpu',
      pair,
      target,
      draft,
      dtype: 'q4',
      maxNewTokens: shortened ? 8 : 24,
      repeat: shortened ? 1 : 2,
      shortened,
      transformersTokPerS: 10,
      targetOnlyTokPerS: 11,
      speculativeTokPerS: 20,
      speedupOverTransformers: 2,
      speedupOverTargetOnly: 20 / 11,
      acceptanceRate: 0.8,
      meanAcceptanceLength: 3,
      overheadShare: 0.1,
      outputsIdentical: true,
    });
    printEngineTable([row('ctrl-80', 'ctrl-target', 'ctrl-draft-80', null), row('large-vocab', 'large-vocab-target', 'large-vocab-draft', 'slow here')]);
    expect(lines[0]).toMatch(/^profile +backend +pair +target +draft +dtype +tokens×repeats +tfjs tok\/s/);
    expect(lines[2]).toMatch(/ctrl-80 +ctrl-target +ctrl-draft-80 +q4 +24×2 /);
    expect(lines[3]).toMatch(/large-vocab +large-vocab-target +large-vocab-draft +q4 +8×1\* /);
    expect(lines[4]).toBe("* shortened (swiftshader large-vocab): slow here; its speedups come from fewer tokens than the other rows'");
  });
});
