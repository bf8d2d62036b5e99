/**
 * Returns `value` when it is an integer ≥ `min`; otherwise throws a RangeError that names the option and what it
 * must be. The one check behind the scheduler's, the fallback's and the drafters' integer options.
 */
export function assertInteger(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(min === 1 ? `${name} must be a positive integer, got ${value}` : `${name} must be an integer ≥ ${min}, got ${value}`);
  }
  return value;
}
