/**
 * Canonical JSON and SHA-256 helpers shared by guardrail hashing, prompt redaction and telemetry keys. Hashes
 * identify configurations and prompts across runs and machines, so they must not depend on key order.
 */

/**
 * JSON with object keys sorted at every depth and no whitespace. Two values that differ only in key order give
 * the same string; `undefined` object members are dropped as `JSON.stringify` drops them.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) sorted[key] = sortKeys(member);
  }
  return sorted;
}

/** Lower-case hex SHA-256 of the UTF-8 bytes of `text`, via Web Crypto (present in browsers, workers and Node 20). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
