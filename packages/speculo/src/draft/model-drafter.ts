import { argmax, sampleFrom, toProbabilities, type SamplingParams } from '../sampling/logits-processing.js';
import type { Rng } from '../sampling/prng.js';
import type { GpuCopyBatch } from '../kv/gpu-copy-batch.js';
import { logitsRow, type CausalLmRunner } from '../models/causal-lm-runner.js';
import type { DraftProposal, Drafter } from './drafter.js';

/** Proposes tokens by running a small causal LM autoregressively over its own KV cache. */
export class ModelDrafter implements Drafter {
  readonly kind = 'model';

  constructor(private readonly runner: CausalLmRunner) {}

  async propose(committed: readonly number[], maxTokens: number, sampling: SamplingParams, rng: Rng, targetVocabSize: number): Promise<DraftProposal> {
    const tokens: number[] = [];
    const probabilities: (Float32Array | null)[] = [];
    const greedy = sampling.temperature === 0;
    // The draft feeds whatever committed text it has not seen yet, then its own proposals one at a time.
    let feed = committed.slice(this.runner.length);
    let forwardPasses = 0;
    while (tokens.length < maxTokens) {
      const logits = await this.runner.forward(feed, true);
      forwardPasses++;
      const row = alignVocabulary(logitsRow(logits, logits.rows - 1), targetVocabSize);
      let token: number;
      if (greedy) {
        token = argmax(row);
        probabilities.push(null);
      } else {
        const q = toProbabilities(row, sampling);
        token = sampleFrom(q, rng);
        probabilities.push(q);
      }
      tokens.push(token);
      feed = [token];
    }
    return { tokens, probabilities, forwardPasses };
  }

  rollback(validLength: number, batch: GpuCopyBatch | null): void {
    this.runner.truncate(Math.min(validLength, this.runner.length), batch);
  }

  reset(): void {
    this.runner.reset();
  }

  dispose(): void {
    this.runner.dispose();
  }
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
