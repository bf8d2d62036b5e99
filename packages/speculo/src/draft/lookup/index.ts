export { PromptLookupDrafter, type PromptLookupOptions, type PromptLookupMatch } from './prompt-lookup-drafter.js';
export { NgramCache, type NgramCacheOptions, type NgramPrediction } from './ngram-cache.js';
export { NgramCacheDrafter, type NgramCacheDrafterOptions } from './ngram-cache-drafter.js';
export { CompositeDrafter, type CompositeDrafterOptions } from './composite-drafter.js';
export { ngramCacheCost, promptLookupCost, sumDrafterCosts, type DrafterCost } from './drafter-cost.js';
