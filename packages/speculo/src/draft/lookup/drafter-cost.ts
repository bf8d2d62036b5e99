import type { NgramCacheDrafter } from './ngram-cache-drafter.js';
import type { PromptLookupDrafter } from './prompt-lookup-drafter.js';

import type { DrafterCost } from '../../types/engine.js';

/** Prompt lookup downloads and stores nothing and runs on the CPU; its cost is its position index. */
export function promptLookupCost(drafter: PromptLookupDrafter): DrafterCost {
  return { downloadBytes: 0, storedBytes: 0, gpuBytes: 0, cacheBytes: drafter.cacheBytes() };
}

/** The n-gram cache drafter lives in CPU memory only (not persisted); its cost is the cache, capped by its budget. */
export function ngramCacheCost(drafter: NgramCacheDrafter): DrafterCost {
  return { downloadBytes: 0, storedBytes: 0, gpuBytes: 0, cacheBytes: drafter.cacheBytes() };
}

/** Field-by-field sum, for a composite drafter's children. */
export function sumDrafterCosts(costs: readonly DrafterCost[]): DrafterCost {
  const total: DrafterCost = { downloadBytes: 0, storedBytes: 0, gpuBytes: 0, cacheBytes: 0 };
  for (const cost of costs) {
    total.downloadBytes += cost.downloadBytes;
    total.storedBytes += cost.storedBytes;
    total.gpuBytes += cost.gpuBytes;
    total.cacheBytes += cost.cacheBytes;
  }
  return total;
}
