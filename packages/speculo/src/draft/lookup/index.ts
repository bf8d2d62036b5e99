export type { DrafterCost } from '../../types/index.js';
export { PromptLookupDrafter, type PromptLookupOptions, type PromptLookupMatch } from './prompt-lookup-drafter.js';
export { NgramCache, type NgramCacheOptions, type NgramPrediction } from './ngram-cache.js';
export { NgramCacheDrafter, type NgramCacheDrafterOptions } from './ngram-cache-drafter.js';
export { CompositeDrafter, type CompositeDrafterOptions } from './composite-drafter.js';
export { ngramCacheCost, promptLookupCost, sumDrafterCosts } from './drafter-cost.js';
