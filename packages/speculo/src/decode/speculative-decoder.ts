import { commitRound } from '../commit/round-commit.js';
import { createAbortError } from '../errors.js';
import type { Drafter } from '../draft/drafter.js';
import { GpuCopyBatch } from '../kv/gpu-copy-batch.js';
import { MetricsRecorder, type GenerationMetrics } from '../metrics/metrics.js';
import { logitsRow, type CausalLmRunner, type ForwardLogits } from '../models/causal-lm-runner.js';
import { argmax, sampleFrom, toProbabilities, type SamplingParams } from '../sampling/logits-processing.js';
import { createRng, type Rng } from '../sampling/prng.js';
import { IncrementalDetokenizer } from '../stream/incremental-detokenizer.js';
import { StopStringMatcher } from '../stream/stop-strings.js';
import { verifyGreedy } from '../verify/greedy-verifier.js';
import { verifySampling } from '../verify/rejection-sampler.js';
import type { FinishReason, GenerationResult, RoundRecord, StreamEvent, TokenSource } from './types.js';

/** Everything one generation needs, already validated and tokenized. */
export interface DecodeRequest {
  promptIds: number[];
  maxNewTokens: number;
  sampling: SamplingParams;
  seed: number;
  stop: string[];
  /** γ, the number of tokens drafted per round; 0 decodes with the target alone. */
  draftLength: number;
  speculative: boolean;
  signal?: { readonly aborted: boolean };
}

export interface DecoderParts {
  target: CausalLmRunner;
  drafter: Drafter | null;
  eosTokenIds: ReadonlySet<number>;
  /** Longest sequence (prompt + output) the models accept. */
  maxSequenceLength: number;
  decode: (ids: number[]) => string;
  /** Present on WebGPU: cache cuts are copied on this device. */
  gpuDevice: GPUDevice | null;
  /** Lets the worker's message loop run (abort requests) between rounds. */
  yieldToEventLoop?: () => Promise<void>;
  now?: () => number;
}

/**
 * The speculative decoding loop: draft → verify → commit and roll back → stream. With `speculative: false` or no
 * drafter it runs the same loop with γ = 0, which is plain target-only decoding.
 */
export class SpeculativeDecoder {
  private readonly now: () => number;

  constructor(private readonly parts: DecoderParts) {
    this.now = parts.now ?? (() => performance.now());
  }

  async *run(request: DecodeRequest): AsyncGenerator<StreamEvent, GenerationResult> {
    const { target, eosTokenIds, maxSequenceLength } = this.parts;
    const drafter = request.speculative && request.draftLength > 0 ? this.parts.drafter : null;
    const rng = createRng(request.seed);
    const metrics = new MetricsRecorder();
    const detokenizer = new IncrementalDetokenizer(this.parts.decode);
    const stopMatcher = new StopStringMatcher(request.stop);
    const committed = [...request.promptIds];
    const generated: number[] = [];
    const provenance: TokenSource[] = [];
    const rounds: RoundRecord[] = [];
    let text = '';
    // Held in an object: the emit closure sets it, and TypeScript does not track closure writes to a `let`.
    const state: { finishReason: FinishReason | null } = { finishReason: null };

    target.reset();
    drafter?.reset();
    if (committed.length >= maxSequenceLength) {
      throw new RangeError(`the prompt has ${committed.length} tokens but the models accept at most ${maxSequenceLength}`);
    }

    const emit = (tokens: number[], sources: TokenSource[], round: number): StreamEvent | null => {
      let delta = '';
      let kept = 0;
      for (const token of tokens) {
        kept++;
        const visible = eosTokenIds.has(token) ? '' : detokenizer.push(token);
        const { emit: shown, stopped } = stopMatcher.push(visible);
        delta += shown;
        if (stopped) {
          state.finishReason = 'stop-string';
          break;
        }
      }
      const keptTokens = tokens.slice(0, kept);
      generated.push(...keptTokens);
      provenance.push(...sources.slice(0, kept));
      text += delta;
      return keptTokens.length > 0 || delta ? { type: 'token', tokenIds: keptTokens, text: delta, provenance: sources.slice(0, kept), round } : null;
    };

    const start = this.now();
    metrics.start(start);

    // Prefill: the target reads the whole prompt and picks the first token.
    this.throwIfAborted(request);
    const prefillStart = this.now();
    const prefill = await target.forward(committed, true);
    metrics.recordPrefill(this.now() - prefillStart);
    const first = this.pick(logitsRow(prefill, prefill.rows - 1), request.sampling, rng);
    const firstCommit = commitRound({ accepted: [], nextToken: first, eosTokenIds, remaining: request.maxNewTokens });
    committed.push(...firstCommit.tokens);
    metrics.recordFirstToken(this.now());
    const firstEvent = emit(firstCommit.tokens, firstCommit.tokens.map(() => 'target'), 0);
    if (firstEvent) yield firstEvent;
    state.finishReason ??= firstCommit.stop;

    for (let round = 1; state.finishReason === null; round++) {
      const remaining = request.maxNewTokens - generated.length;
      if (committed.length >= maxSequenceLength) {
        state.finishReason = 'context-length';
        break;
      }
      await this.parts.yieldToEventLoop?.();
      this.throwIfAborted(request);

      // Draft no further than the output limit and the context allow: the round's own token is always added.
      const gamma = drafter ? Math.max(0, Math.min(request.draftLength, remaining - 1, maxSequenceLength - committed.length - 1)) : 0;
      const draftStart = this.now();
      const proposal = gamma > 0 && drafter
        ? await drafter.propose({ committed, maxTokens: gamma, sampling: request.sampling, rng, targetVocabSize: prefill.vocabSize })
        : null;
      const drafted = proposal?.tokens ?? [];
      if (proposal) metrics.recordDraft(this.now() - draftStart, proposal.forwardPasses);
      this.throwIfAborted(request);

      const verifyStart = this.now();
      const lastCommitted = committed[committed.length - 1]!;
      const verifyLogits = await target.forward([lastCommitted, ...drafted]);
      // Only the forward pass counts as verify time; the acceptance test is the engine's own overhead.
      const verifyMs = this.now() - verifyStart;
      const outcome = this.verify(drafted, proposal?.probabilities ?? [], verifyLogits, request.sampling, rng);

      const accepted = drafted.slice(0, outcome.acceptedCount);
      const roundCommit = commitRound({ accepted, nextToken: outcome.nextToken, eosTokenIds, remaining });
      this.rollback(committed.length, outcome.acceptedCount, drafter);
      committed.push(...roundCommit.tokens);

      metrics.recordRound({ drafted: drafted.length, accepted: outcome.acceptedCount, committed: roundCommit.tokens.length, verifyMs });
      rounds.push({ drafted: drafted.length, accepted: outcome.acceptedCount, committed: roundCommit.tokens.length });
      const sources = roundCommit.tokens.map((_, i): TokenSource => (i < roundCommit.acceptedDraftUsed ? 'draft' : 'target'));
      const event = emit(roundCommit.tokens, sources, round);
      if (event) yield event;
      state.finishReason ??= roundCommit.stop;
    }

    // Text held back for an unfinished character or a possible stop-string prefix belongs to the answer unless a
    // stop string ended it.
    if (state.finishReason !== 'stop-string') {
      const pending = stopMatcher.push(detokenizer.flush());
      const finalText = pending.stopped ? pending.emit : pending.emit + stopMatcher.flush();
      if (pending.stopped) state.finishReason = 'stop-string';
      if (finalText) {
        text += finalText;
        yield { type: 'token', tokenIds: [], text: finalText, provenance: [], round: rounds.length };
      }
    }
    const finalMetrics: GenerationMetrics = metrics.finish(this.now(), generated.length);
    return { text, tokenIds: generated, provenance, finishReason: state.finishReason ?? 'max-tokens', metrics: finalMetrics, rounds, promptTokens: request.promptIds.length };
  }

  /** Cuts both caches back to what this round committed, in one GPU submission. */
  private rollback(committedBefore: number, acceptedCount: number, drafter: Drafter | null): void {
    const batch = this.parts.gpuDevice ? new GpuCopyBatch(this.parts.gpuDevice) : null;
    // The target now holds everything committed before plus the accepted draft tokens; the round's own token is
    // fed at the start of the next round.
    this.parts.target.truncate(committedBefore + acceptedCount, batch);
    drafter?.rollback(committedBefore + acceptedCount, batch);
    batch?.submit();
  }

  private verify(drafted: number[], probabilities: (Float32Array | null)[], logits: ForwardLogits, sampling: SamplingParams, rng: Rng) {
    if (sampling.temperature === 0) return verifyGreedy(drafted, logits.data, logits.vocabSize);
    return verifySampling(drafted, probabilities, logits.data, logits.vocabSize, sampling, rng);
  }

  private pick(row: Float32Array, sampling: SamplingParams, rng: Rng): number {
    return sampling.temperature === 0 ? argmax(row) : sampleFrom(toProbabilities(row, sampling), rng);
  }

  private throwIfAborted(request: DecodeRequest): void {
    if (request.signal?.aborted) throw createAbortError();
  }
}
