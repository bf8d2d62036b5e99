import { z } from 'zod';
import { InvalidDeviceProfileError } from '../errors.js';
import { canonicalJson } from '../util/canonical-hash.js';
import type { DeviceProfile, DeviceProfileKey } from '../types/device-profile.js';
import { isotonicNonDecreasing } from './isotonic.js';

/** An imported profile that is not a valid {@link DeviceProfile}; `issues` holds one line per problem. */
export { InvalidDeviceProfileError } from '../errors.js';

const positiveMs = z.number().positive();

const deviceProfileSchema = z.object({
  version: z.literal(1),
  id: z.string().min(1),
  key: z.object({
    adapter: z.object({ vendor: z.string(), architecture: z.string(), device: z.string(), description: z.string() }).nullable(),
    backend: z.enum(['webgpu', 'wasm']),
    target: z.string().min(1),
    draft: z.string().min(1),
    dtype: z.string().min(1),
  }),
  createdAt: z.iso.datetime(),
  // A lookup drafter runs no model, so a free draft step is legitimate.
  draftStepMs: z.number().nonnegative(),
  targetVerifyMs: z.array(positiveMs).min(2),
  samples: z.int().positive(),
});

/**
 * Validates an imported profile (e.g. `JSON.parse` of an exported file) and returns it typed. Unknown fields are
 * dropped. Throws {@link InvalidDeviceProfileError} naming every bad field, including a cost curve that decreases
 * (a longer verify cannot be cheaper; {@link buildProfile} never writes one) and an `id` that does not match the
 * key (an edited key would otherwise be looked up under the old device's id).
 */
export function parseDeviceProfile(json: unknown): DeviceProfile {
  const parsed = deviceProfileSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidDeviceProfileError(parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`));
  }
  const profile: DeviceProfile = parsed.data;
  const issues: string[] = [];
  const curve = profile.targetVerifyMs;
  for (let k = 1; k < curve.length; k++) {
    if (curve[k] < curve[k - 1]) {
      issues.push(`targetVerifyMs[${k}]: ${curve[k]} ms is below targetVerifyMs[${k - 1}] (${curve[k - 1]} ms); the cost curve must be non-decreasing`);
    }
  }
  const expectedId = profileKeyId(profile.key);
  if (profile.id !== expectedId) issues.push(`id: "${profile.id}" does not match the key, whose id is "${expectedId}"`);
  if (issues.length > 0) throw new InvalidDeviceProfileError(issues);
  return profile;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)), '');
}

/**
 * A stable id for a profile key: 64-bit FNV-1a over the UTF-8 of the key's canonical JSON (object keys sorted),
 * as 16 hex digits. Canonical so that the same key built in a different field order finds the same profile;
 * 64 bits so that the few profiles one browser stores never collide in practice.
 */
export function profileKeyId(key: DeviceProfileKey): string {
  const bytes = new TextEncoder().encode(canonicalJson(key));
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * prime) & mask;
  return hash.toString(16).padStart(16, '0');
}

/** A leading sample this much slower than the steady state counts as warm-up. */
const warmUpFactor = 1.5;

/**
 * One latency from repeated timings: the lower quartile after dropping warm-up. The first runs of a shape pay for
 * shader compilation and buffer allocation, so leading samples more than 1.5× the steady state (the median of the
 * second half of the run, by when warm-up is over) are dropped. Of the rest the 25th percentile is kept: on a
 * shared machine noise only ever adds time (another process, GC, a throttled core), and it comes in bursts that
 * can cover half of a handful of samples, which a median would absorb and the low quartile does not. The level
 * this sets a little optimistic is corrected online from decoding's own timings; what must be right is the shape.
 */
export function summarizeSamples(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('summarizeSamples needs at least one sample');
  for (const [i, sample] of samples.entries()) {
    if (!Number.isFinite(sample) || sample < 0) throw new RangeError(`sample ${i} must be a finite, non-negative duration, got ${sample}`);
  }
  const steadyState = quantile(samples.slice(Math.floor(samples.length / 2)), 0.5);
  let firstSteady = 0;
  while (firstSteady < samples.length && samples[firstSteady] > warmUpFactor * steadyState) firstSteady++;
  return quantile(samples.slice(firstSteady), 0.25);
}

/** The q-quantile (0..1) of `values`, interpolated between the neighbouring order statistics. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/**
 * Builds a profile from raw timings: `draftStepSamples` are single draft steps, `verifySamples[k]` are target passes
 * scoring k + 1 tokens (k = 0..K, K ≥ 1). Each point is {@link summarizeSamples}'d and the curve is made
 * non-decreasing, since noise must not make a longer verify look cheaper. The fit is isotonic regression rather
 * than a running maximum: with a running maximum one noisy-high point lifts every longer length and biases the
 * schedule against long drafts for good, while pooling spreads the disagreement over the points that disagree.
 */
export function buildProfile(key: DeviceProfileKey, draftStepSamples: readonly number[], verifySamples: readonly (readonly number[])[], createdAt: Date = new Date()): DeviceProfile {
  if (verifySamples.length < 2) throw new RangeError(`verifySamples needs timings for at least 1 and 2 tokens, got ${verifySamples.length} lengths`);
  const draftStepMs = summarizeSamples(draftStepSamples);
  const targetVerifyMs = isotonicNonDecreasing(verifySamples.map((samples) => summarizeSamples(samples)));
  if (targetVerifyMs[0] <= 0) throw new RangeError('target verify latencies must be positive');
  return {
    version: 1,
    id: profileKeyId(key),
    key,
    createdAt: createdAt.toISOString(),
    draftStepMs,
    targetVerifyMs,
    samples: Math.min(draftStepSamples.length, ...verifySamples.map((samples) => samples.length)),
  };
}
