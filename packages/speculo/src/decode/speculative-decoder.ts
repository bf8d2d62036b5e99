import { commitRound } from '../commit/round-commit.js';
import { createAbortError, GuardrailAbortError, locateInvalidLogits } from '../errors.js';
import type { Drafter, DraftProposal, DraftRequest } from '../draft/drafter.js';
import { GpuCopyBatch } from '../kv/gpu-copy-batch.js';
import { MetricsRecorder } from '../metrics/metrics.js';
import { logitsRow, type CausalLmRunner, type ForwardLogits } from '../models/causal-lm-runner.js';
import { argmax, sampleFrom, toProbabilities, type SamplingParams } from '../sampling/logits-processing.js';
import { createRng, type Rng } from '../sampling/prng.js';
import { createStaticPolicy } from '../schedule/policies.js';
import { IncrementalDetokenizer } from '../stream/incremental-detokenizer.js';
import type { TraceRecorder } from '../trace/trace-recorder.js';
import { verifyGreedy } from '../verify/greedy-verifier.js';
import { verifySampling } from '../verify/rejection-sampler.js';
import { StopStringMatcher } from '../stream/stop-strings.js';
import { RoundPlanner } from './round-planner.js';
import type { FinishReason, GenerationResult, RoundRecord, StreamEvent, TokenSource } from './types.js';

/** Everything one generation needs, already validated and tokenized. */
export interface DecodeRequest {
  promptIds: number[];
  maxNewTokens: number;
  sampling: SamplingParams;
  seed: number;
  stop: string[];
  /** Decides γ each round; without one, a static γ of 4. */
  planner?: RoundPlanner;
  /** Who proposes tokens; null decodes with the target alone. */
  drafter: Drafter | null;
  /** Records the audit trace when present. */
  trace?: TraceRecorder;
  signal?: { readonly aborted: boolean };
}

export interface DecoderParts {
  target: CausalLmRunner;
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

/** Text and token bookkeeping of one generation: detokenising, stop strings, provenance. */
class OutputAccumulator {
  readonly tokenIds: number[] = [];
  readonly provenance: TokenSource[] = [];
  text = '';
  finishReason: FinishReason | null = null;
  private readonly detokenizer: IncrementalDetokenizer;
  private readonly stopMatcher: StopStringMatcher;

  constructor(
    decode: (ids: number[]) => string,
    stop: string[],
    private readonly eosTokenIds: ReadonlySet<number>,
  ) {
    this.detokenizer = new IncrementalDetokenizer(decode);
    this.stopMatcher = new StopStringMatcher(stop);
  }

  /** Appends a round's tokens; a stop string can end the output mid-round, so returns what was kept. */
  append(tokens: number[], sources: TokenSource[]): { tokenIds: number[]; provenance: TokenSource[]; text: string } {
    let delta = '';
    let kept = 0;
    for (const token of tokens) {
      kept++;
      const visible = this.eosTokenIds.has(token) ? '' : this.detokenizer.push(token);
      const { emit, stopped } = this.stopMatcher.push(visible);
      delta += emit;
      if (stopped) {
        this.finishReason = 'stop-string';
        break;
      }
    }
    const keptTokens = tokens.slice(0, kept);
    const keptSources = sources.slice(0, kept);
    this.tokenIds.push(...keptTokens);
    this.provenance.push(...keptSources);
    this.text += delta;
    return { tokenIds: keptTokens, provenance: keptSources, text: delta };
  }

  /**
   * Text held back for an unfinished character or a possible stop-string prefix belongs to the answer unless a
   * stop string ended it.
   */
  flush(): string {
    if (this.finishReason === 'stop-string') return '';
    const pending = this.stopMatcher.push(this.detokenizer.flush());
    if (pending.stopped) this.finishReason = 'stop-string';
    const rest = pending.stopped ? pending.emit : pending.emit + this.stopMatcher.flush();
    this.text += rest;
    return rest;
  }
}

const noProposal: DraftProposal = { tokens: [], probabilities: [], confidences: [], forwardPasses: 0, stoppedEarly: false };

/**
 * The speculative decoding loop: draft → verify → commit and roll back → stream, with the planner deciding γ
 * and the trace recording every round. Without a drafter it runs the same loop with γ = 0: target-only decoding.
 */
export class SpeculativeDecoder {
  private readonly now: () => number;

  constructor(private readonly parts: DecoderParts) {
    this.now = parts.now ?? (() => performance.now());
  }

  async *run(request: DecodeRequest): AsyncGenerator<StreamEvent, GenerationResult> {
    const { target, eosTokenIds, maxSequenceLength } = this.parts;
    const { drafter, trace } = request;
    // Target-only decoding has nothing to schedule or guard: its rounds would only blur the scheduler's estimates.
    const planner = drafter ? (request.planner ?? new RoundPlanner(createStaticPolicy(4), null)) : null;
    const rng = createRng(request.seed);
    const metrics = new MetricsRecorder();
    const output = new OutputAccumulator(this.parts.decode, request.stop, eosTokenIds);
    const committed = [...request.promptIds];
    const rounds: RoundRecord[] = [];

    target.reset();
    drafter?.reset();
    if (committed.length >= maxSequenceLength) {
      throw new RangeError(`the prompt has ${committed.length} tokens but the models accept at most ${maxSequenceLength}`);
    }
    metrics.start(this.now());

    try {
      // Prefill: the target reads the whole prompt and picks the first token.
      this.throwIfAborted(request);
      const prefillStart = this.now();
      // Chunked so that ORT never materialises logits for every prompt position (see CausalLmRunner.prefill).
      const prefill = await target.prefill(committed);
      const prefillMs = this.now() - prefillStart;
      metrics.recordPrefill(prefillMs);
      const first = this.pickOrLocate(logitsRow(prefill, prefill.rows - 1), request.sampling, rng, { model: 'target', round: 0, row: 0 });
      const firstCommit = commitRound({ accepted: [], nextToken: first, eosTokenIds, remaining: request.maxNewTokens });
      committed.push(...firstCommit.tokens);
      metrics.recordFirstToken(this.now());
      const firstKept = output.append(firstCommit.tokens, ['target']);
      trace?.recordRound({
        round: 0,
        mode: 'prefill',
        proposal: { tokens: [], confidences: [] },
        acceptedCount: 0,
        targetToken: first,
        committedTokens: firstKept.tokenIds,
        draftMs: 0,
        verifyMs: prefillMs,
      });
      yield { type: 'token', ...firstKept, round: 0 };
      output.finishReason ??= firstCommit.stop;

      for (let round = 1; output.finishReason === null; round++) {
        const remaining = request.maxNewTokens - output.tokenIds.length;
        if (committed.length >= maxSequenceLength) {
          output.finishReason = 'context-length';
          break;
        }
        const roundStart = this.now();
        await this.parts.yieldToEventLoop?.();
        this.throwIfAborted(request);

        // Draft no further than the output limit and the context allow: the round's own token is always added.
        const limit = drafter ? Math.max(0, Math.min(remaining - 1, maxSequenceLength - committed.length - 1)) : 0;
        const plan = planner?.plan(limit) ?? { gamma: 0, mode: 'target-only' as const, outputLimited: false, continueAfter: undefined };
        const draftStart = this.now();
        const proposal =
          plan.gamma > 0 && drafter
            ? await this.propose(drafter, { committed, maxTokens: plan.gamma, sampling: request.sampling, rng, targetVocabSize: prefill.vocabSize, continueAfter: plan.continueAfter }, round)
            : noProposal;
        const draftMs = proposal === noProposal ? 0 : this.now() - draftStart;
        if (proposal !== noProposal) metrics.recordDraft(draftMs, proposal.forwardPasses);
        this.throwIfAborted(request);

        const drafted = proposal.tokens;
        const verifyStart = this.now();
        const verifyLogits = await target.forward([committed[committed.length - 1]!, ...drafted]);
        // Only the forward pass counts as verify time; the acceptance test is the engine's own overhead.
        const verifyMs = this.now() - verifyStart;
        const outcome = this.verify(drafted, proposal.probabilities, verifyLogits, request.sampling, rng, round);

        const accepted = drafted.slice(0, outcome.acceptedCount);
        const roundCommit = commitRound({ accepted, nextToken: outcome.nextToken, eosTokenIds, remaining });
        const rollbackStart = this.now();
        this.rollback(committed.length, outcome.acceptedCount, drafter);
        const rollbackMs = this.now() - rollbackStart;
        committed.push(...roundCommit.tokens);

        const sources = roundCommit.tokens.map((_, i): TokenSource => (i < roundCommit.acceptedDraftUsed ? 'draft' : 'target'));
        // A stop string can end the output inside the round: only what it left counts as committed.
        const kept = output.append(roundCommit.tokens, sources);
        metrics.recordRound({ drafted: drafted.length, accepted: outcome.acceptedCount, committed: kept.tokenIds.length, verifyMs });
        rounds.push({ drafted: drafted.length, accepted: outcome.acceptedCount, committed: kept.tokenIds.length, draftMs, verifyMs, rollbackMs });
        trace?.recordRound({
          round,
          mode: drafted.length > 0 ? 'speculate' : 'target-only',
          proposal: { tokens: drafted, confidences: proposal.confidences },
          acceptedCount: outcome.acceptedCount,
          targetToken: outcome.nextToken,
          committedTokens: kept.tokenIds,
          draftMs,
          verifyMs,
        });
        if (kept.tokenIds.length > 0 || kept.text) yield { type: 'token', ...kept, round };
        output.finishReason ??= roundCommit.stop;

        const events =
          planner?.observe({
            round,
            drafted: drafted.length,
            accepted: outcome.acceptedCount,
            draftMs,
            verifyMs,
            stoppedEarly: proposal.stoppedEarly,
            confidences: proposal.confidences,
            outputLimited: plan.outputLimited,
            rollbackMs,
            roundMs: this.now() - roundStart,
          }) ?? [];
        for (const event of events) {
          trace?.recordEvent(event);
          yield { type: 'guardrail', event };
          if (event.type === 'abort') throw new GuardrailAbortError(`a guardrail stopped generation at round ${round}: ${event.reason}`);
        }
      }

      const rest = output.flush();
      if (rest) yield { type: 'token', tokenIds: [], provenance: [], text: rest, round: rounds.length };
    } catch (error) {
      if (trace) await trace.finish(this.finishRecord(output, 'aborted', metrics)).catch(() => undefined);
      throw error;
    }
    const finishReason = output.finishReason ?? 'max-tokens';
    const finalMetrics = metrics.finish(this.now(), output.tokenIds.length);
    const result: GenerationResult = {
      text: output.text,
      tokenIds: output.tokenIds,
      provenance: output.provenance,
      finishReason,
      metrics: finalMetrics,
      rounds,
      decisions: planner?.decisions() ?? [],
      promptTokens: request.promptIds.length,
      drafter: drafter?.kind ?? null,
    };
    if (trace) result.trace = await trace.finish({ outputTokenIds: result.tokenIds, provenance: result.provenance, text: result.text, finishReason, metrics: finalMetrics });
    return result;
  }

  private finishRecord(output: OutputAccumulator, finishReason: 'aborted', metrics: MetricsRecorder) {
    return { outputTokenIds: output.tokenIds, provenance: output.provenance, text: output.text, finishReason, metrics: metrics.finish(this.now(), output.tokenIds.length) };
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

  /** @throws {InvalidLogitsError} naming the draft and the round when a draft row holds NaN or +Infinity. */
  private async propose(drafter: Drafter, request: DraftRequest, round: number): Promise<DraftProposal> {
    try {
      return await drafter.propose(request);
    } catch (error) {
      throw locateInvalidLogits(error, { model: 'draft', round });
    }
  }

  /** @throws {InvalidLogitsError} naming the target, the round and the row when a row holds NaN or +Infinity. */
  private verify(drafted: number[], probabilities: (Float32Array | null)[], logits: ForwardLogits, sampling: SamplingParams, rng: Rng, round: number) {
    try {
      if (sampling.temperature === 0) return verifyGreedy(drafted, logits.data, logits.vocabSize);
      return verifySampling(drafted, probabilities, logits.data, logits.vocabSize, sampling, rng);
    } catch (error) {
      throw locateInvalidLogits(error, { model: 'target', round });
    }
  }

  /** Picks a token from one row; an InvalidLogitsError learns where the row came from. */
  private pickOrLocate(row: Float32Array, sampling: SamplingParams, rng: Rng, where: { model: 'target'; round: number; row: number }): number {
    try {
      return sampling.temperature === 0 ? argmax(row) : sampleFrom(toProbabilities(row, sampling), rng);
    } catch (error) {
      throw locateInvalidLogits(error, where);
    }
  }

  private throwIfAborted(request: DecodeRequest): void {
    if (request.signal?.aborted) throw createAbortError();
  }
}
