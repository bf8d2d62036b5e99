import type { DraftCostClass } from '../../types/index.js';
import type { DraftProposal, DraftRequest, Drafter } from '../drafter.js';
import { applyContinueAfter, lookupProposal } from './lookup-proposal.js';

/** When a lookup proposal is good enough to skip the model draft. */
export interface CompositeDrafterOptions {
  /** Least tokens a lookup must propose (capped at the round's γ, so a short γ can still be met). Default 3. */
  minLength?: number;
  /** Least mean confidence over its tokens. Default 0.5. */
  minConfidence?: number;
}

/**
 * Chains drafters the way llama.cpp chains its speculative types: each round the lookup drafters are asked first,
 * in the order given (they cost no forward pass), and the first proposal that is long and confident enough is
 * used; otherwise the model drafter drafts. Without a model drafter the longest non-empty lookup proposal is used.
 *
 * The model drafter stays consistent when skipped: it drafts from `committed`, feeding whatever its cache has not
 * seen, so rounds it sat out simply arrive as a longer feed next time. `begin`, `accept` and `dispose` go to every
 * child. Lookups are asked without `continueAfter`, which is applied to the chosen proposal only, so the
 * caller's callback sees exactly one proposal per round.
 */
export class CompositeDrafter implements Drafter {
  readonly kind = 'composite';
  readonly costClass: DraftCostClass;
  /** `kind` of the child whose proposal the latest round used, or null when nobody proposed. */
  lastSource: string | null = null;
  private readonly minLength: number;
  private readonly minConfidence: number;

  constructor(
    readonly model: Drafter | null,
    readonly lookups: readonly Drafter[],
    options: CompositeDrafterOptions = {},
  ) {
    this.minLength = options.minLength ?? 3;
    this.minConfidence = options.minConfidence ?? 0.5;
    this.costClass = model ? model.costClass : 'lookup';
    if (!Number.isInteger(this.minLength) || this.minLength < 1) {
      throw new RangeError(`minLength must be a positive integer, got ${this.minLength}`);
    }
    if (!(this.minConfidence >= 0 && this.minConfidence <= 1)) {
      throw new RangeError(`minConfidence must be in [0, 1], got ${this.minConfidence}`);
    }
  }

  async propose(request: DraftRequest): Promise<DraftProposal> {
    const lookupRequest: DraftRequest = { ...request, continueAfter: undefined };
    const requiredLength = Math.min(this.minLength, request.maxTokens);
    let longest: { proposal: DraftProposal; source: string } | null = null;
    for (const lookup of this.lookups) {
      const proposal = await lookup.propose(lookupRequest);
      const length = proposal.tokens.length;
      if (length > 0 && length >= requiredLength && meanOf(proposal.confidences) >= this.minConfidence) {
        return this.use(lookup.kind, applyContinueAfter(proposal, request.continueAfter));
      }
      if (length > (longest?.proposal.tokens.length ?? 0)) longest = { proposal, source: lookup.kind };
    }
    if (this.model) return this.use(this.model.kind, await this.model.propose(request));
    if (longest) return this.use(longest.source, applyContinueAfter(longest.proposal, request.continueAfter));
    this.lastSource = null;
    return lookupProposal([], [], undefined);
  }

  begin(promptIds: readonly number[]): void {
    this.model?.begin(promptIds);
    for (const lookup of this.lookups) lookup.begin(promptIds);
    this.lastSource = null;
  }

  accept(acceptedCount: number, committedTokens: readonly number[]): void {
    // Only the child whose proposal ran had anything accepted; the others only learn the committed text.
    for (const child of this.children()) child.accept(child.kind === this.lastSource ? acceptedCount : 0, committedTokens);
  }

  private children(): Drafter[] {
    return this.model ? [this.model, ...this.lookups] : [...this.lookups];
  }

  dispose(): void {
    for (const child of this.children()) child.dispose();
  }

  private use(source: string, proposal: DraftProposal): DraftProposal {
    this.lastSource = source;
    return proposal;
  }
}

function meanOf(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return values.length === 0 ? 0 : sum / values.length;
}
