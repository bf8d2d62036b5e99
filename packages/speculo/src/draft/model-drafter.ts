import { InvalidLogitsError, locateInvalidLogits } from '../errors.js';
import type { GreedyPick, LogitsBlock } from '../sampling/logits-block.js';
import { argmaxWithConfidence, isGreedy, sampleFrom, toProbabilities } from '../sampling/logits-processing.js';
import type { ForwardModel } from '../models/causal-lm-runner.js';
import type { DraftProposal, DraftRequest, Drafter } from './drafter.js';

/**
 * Proposes tokens by running a small causal LM autoregressively over its own KV cache.
 * `propose` throws InvalidLogitsError (model `draft`, row = draft position) when a draft row holds NaN or +Infinity.
 */
export class ModelDrafter implements Drafter {
  readonly kind = 'model';
  readonly costClass = 'forward-pass';
  /** Length of the committed sequence, as `begin` and `accept` reported it. */
  private committedLength = 0;
  /**
   * The sampled proposal's distributions, one full-vocabulary row per draft position, reused from round to round:
   * a proposal's rows are read by its verification, which ends before the next proposal begins.
   */
  private readonly distributionRows: Float32Array[] = [];

  constructor(private readonly runner: ForwardModel) {}

  begin(promptIds: readonly number[]): void {
    this.runner.reset();
    this.committedLength = promptIds.length;
  }

  async propose(request: DraftRequest): Promise<DraftProposal> {
    const { committed, maxTokens, sampling, rng, targetVocabSize, continueAfter } = request;
    const tokens: number[] = [];
    const probabilities: (Float32Array | null)[] = [];
    const confidences: number[] = [];
    const greedy = isGreedy(sampling);
    // A greedy pick over a vocabulary the target shares needs no row's values (on the GPU path, a few bytes a step).
    const read = greedy && this.runner.vocabSize === targetVocabSize ? 'picks' : 'values';
    // On the GPU path the picks can stay there, each step feeding the next: one read for the whole proposal.
    const catchUp = committed.length - this.runner.length;
    if (read === 'picks' && this.runner.canDeferPicks && catchUp >= 1 && catchUp <= maxDeferredCatchUp) return this.proposeOnGpu(request);
    // The draft feeds whatever committed text it has not seen yet, then its own proposals one at a time.
    let feed = committed.slice(this.runner.length);
    let forwardPasses = 0;
    let stoppedEarly = false;
    while (tokens.length < maxTokens) {
      // The first step catches up on the prompt (the whole of it in the first round): prefill keeps ORT from
      // returning logits for every one of those positions. Later steps feed one token.
      const logits = feed.length > 1 ? await this.runner.prefill(feed, read) : await this.runner.forward(feed, true, read);
      forwardPasses++;
      const last = logits.rows - 1;
      let token: number;
      let confidence: number;
      try {
        if (greedy) {
          ({ token, confidence } = greedyPick(logits, last, targetVocabSize));
          probabilities.push(null);
        } else {
          const q = toProbabilities(alignVocabulary(logits.values(last), targetVocabSize), sampling, this.distributionRow(tokens.length, targetVocabSize));
          token = sampleFrom(q, rng);
          confidence = q[token]!;
          probabilities.push(q);
        }
      } catch (error) {
        throw locateInvalidLogits(error, { model: 'draft', row: tokens.length });
      }
      tokens.push(token);
      confidences.push(confidence);
      feed = [token];
      if (tokens.length < maxTokens && continueAfter && !continueAfter(tokens.length - 1, confidence)) {
        stoppedEarly = true;
        break;
      }
    }
    return { tokens, probabilities, confidences, forwardPasses, stoppedEarly };
  }

  /**
   * A greedy proposal whose picks stay on the GPU: γ steps, each fed the pick of the one before, then one read of
   * every token and confidence. The in-round early stop then applies to the confidences read: the proposal is cut
   * where it says stop, after the steps were taken (the scheduler's cost model sees their time).
   */
  private async proposeOnGpu(request: DraftRequest): Promise<DraftProposal> {
    const { committed, maxTokens, continueAfter } = request;
    const runner = this.runner as Required<Pick<ForwardModel, 'forwardDeferred' | 'readDeferredPicks'>> & ForwardModel;
    for (let step = 0; step < maxTokens; step++) await runner.forwardDeferred(step === 0 ? committed.slice(runner.length) : 'previous', maxTokens);
    const picks = await runner.readDeferredPicks();
    const tokens: number[] = [];
    const confidences: number[] = [];
    let stoppedEarly = false;
    for (const [step, pick] of picks.entries()) {
      if (pick instanceof InvalidLogitsError) throw locateInvalidLogits(pick, { model: 'draft', row: step });
      tokens.push(pick.token);
      confidences.push(pick.confidence);
      if (step < picks.length - 1 && continueAfter && !continueAfter(step, pick.confidence)) {
        stoppedEarly = true;
        break;
      }
    }
    return { tokens, probabilities: tokens.map(() => null), confidences, forwardPasses: maxTokens, stoppedEarly };
  }

  /**
   * Keeps the cache of the committed text and the accepted proposals; the rejected ones go. The round's own token
   * was never fed: the next proposal feeds it with whatever else the cache has not seen.
   */
  accept(acceptedCount: number, committedTokens: readonly number[]): void {
    const keep = Math.min(this.committedLength + acceptedCount, this.runner.length);
    if (keep < this.runner.length) this.runner.rollbackTo(keep);
    this.committedLength += committedTokens.length;
  }

  private distributionRow(position: number, width: number): Float32Array {
    let row = this.distributionRows[position];
    if (row?.length !== width) this.distributionRows[position] = row = new Float32Array(width);
    return row;
  }

  /** The runner belongs to whoever built it (the engine disposes its models); only the reused rows are let go. */
  dispose(): void {
    this.distributionRows.length = 0;
  }
}

/** The most committed tokens a draft may not have seen for its proposal to stay on the GPU (a prompt is prefilled instead). */
const maxDeferredCatchUp = 8;

/** The greedy pick of a row, among the target's columns when the draft's vocabulary is wider or narrower. */
function greedyPick(logits: LogitsBlock, row: number, targetVocabSize: number): GreedyPick {
  if (logits.vocabSize === targetVocabSize) return logits.argmaxWithConfidence(row);
  return argmaxWithConfidence(alignVocabulary(logits.values(row), targetVocabSize));
}

/**
 * Exports pad their vocabularies differently (e.g. 151936 vs 151665 rows); tokens past the tokenizer's range are
 * never produced by text, so the draft's row is cut or padded with -Infinity to the target's width.
 */
function alignVocabulary(row: Float32Array, width: number): Float32Array {
  if (row.length === width) return row;
  if (row.length > width) return row.subarray(0, width);
  const padded = new Float32Array(width).fill(-Infinity);
  padded.set(row);
  return padded;
}
