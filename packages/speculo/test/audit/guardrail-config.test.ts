import { describe, expect, it } from 'vitest';
import { SpeculoError } from '../../src/errors.js';
import { defaultGuardrailConfig, GuardrailConfigError, guardrailConfigHash, parseGuardrailConfig } from '../../src/guard/guardrail-config.js';

const valid = {
  version: '2.1.0',
  acceptanceFloor: { rate: 0.4, windowRounds: 8, action: 'fallback' },
  minProjectedSpeedup: { value: 1.1, action: 'warn' },
  maxDraftLength: 8,
};

function refusal(input: unknown): GuardrailConfigError {
  try {
    parseGuardrailConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(GuardrailConfigError);
    return error as GuardrailConfigError;
  }
  throw new Error('the config was accepted');
}

function withField(path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(valid) as Record<string, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  if (value === undefined) delete target[path[path.length - 1]];
  else target[path[path.length - 1]] = value;
  return copy;
}

describe('parseGuardrailConfig', () => {
  it('accepts a valid config and fills recovery defaults from the floor', () => {
    const config = parseGuardrailConfig(valid);
    expect(config.acceptanceFloor).toEqual({ rate: 0.4, windowRounds: 8, action: 'fallback' });
    expect(config.minProjectedSpeedup).toEqual({ value: 1.1, action: 'warn' });
    expect(config.recovery.rate).toBeCloseTo(0.5);
    expect(config.recovery.windowRounds).toBeGreaterThanOrEqual(1);
    expect(config.recovery.probeEveryRounds).toBeGreaterThanOrEqual(1);
  });

  it('keeps explicit recovery settings', () => {
    const config = parseGuardrailConfig({ ...valid, recovery: { rate: 0.9, windowRounds: 3, probeEveryRounds: 5 } });
    expect(config.recovery).toEqual({ rate: 0.9, windowRounds: 3, probeEveryRounds: 5 });
  });

  it.each([
    [['acceptanceFloor', 'rate'], 1.5, 'acceptanceFloor.rate: must be ≤ 1'],
    [['acceptanceFloor', 'rate'], -0.1, 'acceptanceFloor.rate: must be ≥ 0'],
    [['acceptanceFloor', 'rate'], '0.5', 'acceptanceFloor.rate: must be a number in [0, 1]'],
    [['acceptanceFloor', 'windowRounds'], 0, 'acceptanceFloor.windowRounds: must be ≥ 1'],
    [['acceptanceFloor', 'windowRounds'], 2.5, 'acceptanceFloor.windowRounds: must be an integer'],
    [['acceptanceFloor', 'action'], 'ignore', "acceptanceFloor.action: must be one of 'warn', 'fallback', 'abort'"],
    [['minProjectedSpeedup', 'value'], 0, 'minProjectedSpeedup.value: must be > 0'],
    [['minProjectedSpeedup', 'action'], 'panic', "minProjectedSpeedup.action: must be one of 'warn', 'fallback', 'abort'"],
    [['maxDraftLength'], 65, 'maxDraftLength: must be ≤ 64'],
    [['maxDraftLength'], undefined, 'maxDraftLength: is required'],
    [['version'], 'v1', 'version: must look like 1.2.3 (semver)'],
    [['version'], undefined, 'version: is required'],
  ])('refuses %j = %j with a message naming the field', (path, value, expected) => {
    const error = refusal(withField(path, value));
    expect(error.message).toContain(expected);
    expect(error.issues.map((issue) => issue.path)).toEqual([path.join('.')]);
  });

  it('names every bad field at once, unknown keys included', () => {
    const error = refusal({
      version: '1.0.0',
      acceptanceFlor: { rate: 0.2, windowRounds: 4, action: 'warn' },
      acceptanceFloor: { rate: 2, windowRounds: 4, action: 'warn', extra: true },
      maxDraftLength: 0,
    });
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(['acceptanceFloor.extra', 'acceptanceFloor.rate', 'acceptanceFlor', 'maxDraftLength'].sort());
    expect(error.message).toContain('acceptanceFlor: is not a known field');
  });

  it('refuses a recovery rate below the floor, which would flap', () => {
    const error = refusal({ ...valid, recovery: { rate: 0.3 } });
    expect(error.message).toContain('recovery.rate: must be ≥ acceptanceFloor.rate (0.4)');
  });

  it('refuses a non-object', () => {
    expect(refusal(null).message).toContain('(root): must be an object');
    expect(refusal('fallback').issues).toHaveLength(1);
  });

  it('is a SpeculoError with a stable code', () => {
    const error = refusal({});
    expect(error).toBeInstanceOf(SpeculoError);
    expect(error.code).toBe('invalid-guardrail-config');
    expect(error.name).toBe('GuardrailConfigError');
  });

  it('ships a valid default', () => {
    expect(parseGuardrailConfig(defaultGuardrailConfig)).toEqual(defaultGuardrailConfig);
  });
});

describe('guardrailConfigHash', () => {
  it('is a hex SHA-256 that does not depend on key order', async () => {
    const a = parseGuardrailConfig(valid);
    const b = parseGuardrailConfig({
      maxDraftLength: 8,
      minProjectedSpeedup: { action: 'warn', value: 1.1 },
      acceptanceFloor: { action: 'fallback', windowRounds: 8, rate: 0.4 },
      version: '2.1.0',
    });
    const hash = await guardrailConfigHash(a);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await guardrailConfigHash(b)).toBe(hash);
  });

  it('treats spelled-out defaults like omitted ones, and changes with any setting', async () => {
    const implicit = parseGuardrailConfig(valid);
    const explicit = parseGuardrailConfig({ ...valid, recovery: implicit.recovery });
    expect(await guardrailConfigHash(explicit)).toBe(await guardrailConfigHash(implicit));
    const changed = parseGuardrailConfig({ ...valid, acceptanceFloor: { ...valid.acceptanceFloor, rate: 0.41 } });
    expect(await guardrailConfigHash(changed)).not.toBe(await guardrailConfigHash(implicit));
  });
});
