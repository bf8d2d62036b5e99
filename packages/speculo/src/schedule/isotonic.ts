/**
 * Weighted least-squares fit that never decreases, by pool-adjacent-violators: walking left to right, whenever a
 * value falls below the block before it the two blocks are merged into their weighted mean. Used wherever noise
 * must not contradict a known ordering (a longer verify is not cheaper; a more confident draft is not accepted
 * less often).
 */
export function isotonicNonDecreasing(values: readonly number[], weights?: readonly number[]): number[] {
  if (weights && weights.length !== values.length) throw new RangeError('isotonicNonDecreasing needs one weight per value');
  const blocks: { mean: number; weight: number; count: number }[] = [];
  for (const [i, value] of values.entries()) {
    const weight = weights ? weights[i] : 1;
    if (!(weight > 0)) throw new RangeError(`weights must be positive, got ${weight} at ${i}`);
    blocks.push({ mean: value, weight, count: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2].mean > blocks[blocks.length - 1].mean) {
      const last = blocks.pop()!;
      const previous = blocks[blocks.length - 1];
      previous.mean = (previous.mean * previous.weight + last.mean * last.weight) / (previous.weight + last.weight);
      previous.weight += last.weight;
      previous.count += last.count;
    }
  }
  return blocks.flatMap((block) => Array<number>(block.count).fill(block.mean));
}
