import type { DrafterCost, DrafterKind } from '../types/index.js';
import type { Drafter } from '../draft/drafter.js';
import { CompositeDrafter } from '../draft/lookup/composite-drafter.js';
import { ngramCacheCost, promptLookupCost, sumDrafterCosts } from '../draft/lookup/drafter-cost.js';
import { NgramCache } from '../draft/lookup/ngram-cache.js';
import { NgramCacheDrafter } from '../draft/lookup/ngram-cache-drafter.js';
import { PromptLookupDrafter } from '../draft/lookup/prompt-lookup-drafter.js';
import { ModelDrafter } from '../draft/model-drafter.js';
import type { ForwardModel } from '../models/causal-lm-runner.js';

/** What the draft model costs, measured from its files and cache layout. */
export interface ModelDraftFootprint {
  /** Bytes of the draft's files as loaded. */
  fileBytes: number;
  /** Bytes of the ONNX weights, which live in GPU memory on WebGPU. */
  weightBytes: number;
  /** KV-cache bytes per token of context. */
  kvBytesPerToken: number;
  /** Context the KV-cache estimate assumes. */
  contextTokens: number;
}

/**
 * Every drafter an engine offers, built once and kept for the engine's lifetime: the n-gram cache learns across
 * requests, the others are reset per generation by the decoder.
 */
export class DrafterSet {
  private readonly drafters = new Map<DrafterKind, Drafter>();
  private readonly promptLookup = new PromptLookupDrafter({ maxNgram: 3, minNgram: 1 });
  private readonly ngram: NgramCacheDrafter;

  constructor(
    draftRunner: ForwardModel | null,
    ngramCacheBytes: number,
    private readonly modelFootprint: ModelDraftFootprint | null,
  ) {
    this.ngram = new NgramCacheDrafter(new NgramCache({ maxBytes: ngramCacheBytes }));
    const model = draftRunner ? new ModelDrafter(draftRunner) : null;
    if (model) this.drafters.set('model', model);
    this.drafters.set('prompt-lookup', this.promptLookup);
    this.drafters.set('ngram-cache', this.ngram);
    this.drafters.set('composite', new CompositeDrafter(model, [this.promptLookup, this.ngram]));
  }

  kinds(): DrafterKind[] {
    return [...this.drafters.keys()];
  }

  get(kind: DrafterKind): Drafter {
    const drafter = this.drafters.get(kind);
    if (!drafter) throw new RangeError(`drafter "${kind}" needs a draft model; this engine has none (available: ${this.kinds().join(', ')})`);
    return drafter;
  }

  /**
   * Lets the cross-request n-gram statistics learn a generation that another drafter (or the target alone) wrote;
   * one drafted by the n-gram cache, alone or in the composite, was learned round by round already.
   */
  learnFrom(drafter: Drafter | null, promptIds: readonly number[], outputIds: readonly number[]): void {
    if (drafter === this.ngram || drafter === this.drafters.get('composite')) return;
    this.ngram.begin(promptIds);
    this.ngram.accept(0, outputIds);
  }

  costs(): Partial<Record<DrafterKind, DrafterCost>> {
    const lookup = promptLookupCost(this.promptLookup);
    const ngram = ngramCacheCost(this.ngram);
    const footprint = this.modelFootprint;
    const model: DrafterCost | null = footprint
      ? {
          downloadBytes: footprint.fileBytes,
          // transformers.js keeps downloaded files in the browser's Cache Storage.
          storedBytes: footprint.fileBytes,
          gpuBytes: footprint.weightBytes + footprint.kvBytesPerToken * footprint.contextTokens,
          cacheBytes: 0,
        }
      : null;
    const costs: Partial<Record<DrafterKind, DrafterCost>> = { 'prompt-lookup': lookup, 'ngram-cache': ngram };
    if (model) costs.model = model;
    costs.composite = sumDrafterCosts(model ? [model, lookup, ngram] : [lookup, ngram]);
    return costs;
  }

  dispose(): void {
    for (const drafter of new Set(this.drafters.values())) drafter.dispose();
  }
}
