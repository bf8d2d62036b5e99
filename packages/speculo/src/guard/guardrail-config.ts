import { z } from 'zod';
import { maxDraftLength as draftLengthLimit } from '../types/options.js';
import { GuardrailConfigError, type GuardrailConfigIssue } from '../errors.js';
import { canonicalJson, sha256Hex } from '../util/canonical-hash.js';

import type { GuardrailConfig, GuardrailConfigInput } from '../types/guardrail.js';

const actionSchema = z.enum(['warn', 'fallback', 'abort'], {
  error: "must be one of 'warn', 'fallback', 'abort'",
});

const rateSchema = z.number({ error: 'must be a number in [0, 1]' }).min(0, 'must be ≥ 0').max(1, 'must be ≤ 1');

const windowSchema = z.number({ error: 'must be an integer ≥ 1' }).int('must be an integer').min(1, 'must be ≥ 1').max(100_000, 'must be ≤ 100000');

// Semantic-versioning shape (1.2.3, 1.2.3-rc.1): operators bump it when they change a deployed config, and the
// trace records it next to the content hash so a reader sees both the intent and the exact content.
const versionPattern = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;

/**
 * Zod schema of a guardrail configuration as operators write it. Unknown keys are refused so that a misspelt
 * field (`acceptanceFlor`) is an error rather than a silently ignored guardrail. Parsing fills `recovery` with
 * defaults derived from `acceptanceFloor`.
 */
export const guardrailConfigSchema = z
  .strictObject({
    /** Operator-chosen version of this config, semver-like (`1.0.0`). */
    version: z.string({ error: 'must be a string' }).regex(versionPattern, 'must look like 1.2.3 (semver)'),
    /** Breached when the acceptance rate over the last `windowRounds` drafting rounds falls below `rate`. */
    acceptanceFloor: z.strictObject({ rate: rateSchema, windowRounds: windowSchema, action: actionSchema }),
    /** Breached when the scheduler's projected speed-up, averaged over the window, falls below `value`. */
    minProjectedSpeedup: z
      .strictObject({
        value: z.number({ error: 'must be a number > 0' }).gt(0, 'must be > 0'),
        action: actionSchema,
      })
      .optional(),
    /** Upper bound on γ whatever a generation asks for. */
    maxDraftLength: z
      .number({ error: `must be an integer in 1..${draftLengthLimit}` })
      .int('must be an integer')
      .min(1, 'must be ≥ 1')
      .max(draftLengthLimit, `must be ≤ ${draftLengthLimit}`),
    /** When fallback ends: acceptance over `windowRounds` probe rounds, one probe every `probeEveryRounds`. */
    recovery: z
      .strictObject({
        rate: rateSchema.optional(),
        windowRounds: windowSchema.optional(),
        probeEveryRounds: windowSchema.optional(),
      })
      .optional(),
  })
  .superRefine((config, context) => {
    // A recovery bar below the floor would leave fallback on a window that would immediately trip it again.
    const recoveryRate = config.recovery?.rate;
    if (recoveryRate !== undefined && recoveryRate < config.acceptanceFloor.rate) {
      context.addIssue({
        code: 'custom',
        path: ['recovery', 'rate'],
        message: `must be ≥ acceptanceFloor.rate (${config.acceptanceFloor.rate})`,
      });
    }
  })
  .transform((config): GuardrailConfig => {
    const floor = config.acceptanceFloor;
    const resolved: GuardrailConfig = {
      version: config.version,
      acceptanceFloor: { ...floor },
      maxDraftLength: config.maxDraftLength,
      recovery: {
        // Some hysteresis by default, so that a draft hovering at the floor does not flap in and out of fallback.
        rate: config.recovery?.rate ?? Math.min(1, floor.rate + 0.1),
        windowRounds: config.recovery?.windowRounds ?? defaultRecoveryWindow,
        probeEveryRounds: config.recovery?.probeEveryRounds ?? defaultProbeEvery,
      },
    };
    if (config.minProjectedSpeedup) resolved.minProjectedSpeedup = { ...config.minProjectedSpeedup };
    return resolved;
  });

// Probes are sparse (one in `probeEvery` rounds), so the recovery window is short to leave fallback within a
// few dozen rounds once the draft is good again.
const defaultRecoveryWindow = 4;
const defaultProbeEvery = 8;

// The hand-written input type must stay the schema's: each must accept what the other describes.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const inputMatchesSchema: Same<z.input<typeof guardrailConfigSchema>, GuardrailConfigInput> = true;
void inputMatchesSchema;

export { GuardrailConfigError, type GuardrailConfigIssue } from '../errors.js';

/**
 * Validates a guardrail configuration (e.g. parsed from a deployment's JSON) and fills in defaults.
 * @throws {GuardrailConfigError} naming each invalid field, e.g. `acceptanceFloor.rate: must be ≤ 1`.
 */
export function parseGuardrailConfig(input: unknown): GuardrailConfig {
  const parsed = guardrailConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new GuardrailConfigError(parsed.error.issues.flatMap((issue) => toIssues(issue, input)));
}

function toIssues(issue: z.core.$ZodIssue, input: unknown): GuardrailConfigIssue[] {
  const base = issue.path.map(String);
  // Zod reports unknown keys once on the parent object; naming each key is what tells the operator the typo.
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...base, key].join('.'), message: 'is not a known field' }));
  }
  if (base.length === 0) return [{ path: '(root)', message: 'must be an object' }];
  // A missing field and a wrongly typed one are both `invalid_type` to zod; operators fix them differently.
  const missing = issue.code === 'invalid_type' && valueAt(input, base) === undefined;
  return [{ path: base.join('.'), message: missing ? 'is required' : issue.message }];
}

function valueAt(root: unknown, path: string[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * SHA-256 (hex) of the config's canonical JSON (keys sorted, defaults filled in), so the same settings hash the
 * same however they were written. Traces carry it to tie a generation to the exact guardrails in force.
 */
export async function guardrailConfigHash(config: GuardrailConfig): Promise<string> {
  return sha256Hex(canonicalJson(config));
}

/**
 * Guardrails an engine uses unless configured: fall back to target-only decoding when fewer than 30 % of drafted
 * tokens are accepted over 16 rounds, which is about where a draft costing a tenth of the target stops paying
 * for itself at γ = 4. γ is not capped beyond the library's own limit.
 */
export const defaultGuardrailConfig: GuardrailConfig = parseGuardrailConfig({
  version: '1.0.0',
  acceptanceFloor: { rate: 0.3, windowRounds: 16, action: 'fallback' },
  maxDraftLength: draftLengthLimit,
});
