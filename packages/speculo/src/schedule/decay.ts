/**
 * The factor that exponential decay applies per step so that a weight halves every `halfLife` steps.
 * Shared so that every estimate in the schedule speaks of its memory in the same unit (a half-life).
 */
export function decayPerStep(halfLife: number): number {
  if (!(halfLife > 0) || !Number.isFinite(halfLife)) throw new RangeError(`a half-life must be a positive finite number, got ${halfLife}`);
  return Math.pow(2, -1 / halfLife);
}
