import { commitRound } from '../commit/round-commit.js';
import type { DraftProposal, DraftRequest, Drafter } from '../draft/drafter.js';
import { createAbortError, GuardrailAbortError, locateInvalidLogits } from '../errors.js';
import { MetricsRecorder } from '../metrics/metrics.js';
import type { ForwardModel } from '../models/causal-lm-runner.js';
import type { PassMeter, PassTotals } from '../models/pass-meter.js';
import type { LogitsBlock } from '../sampling/logits-block.js';
import { isGreedy, sampleFrom, toProbabilities, type SamplingParams } from '../sampling/logits-processing.js';
import { createRng, type Rng } from '../sampling/prng.js';
import type { RoundController } from '../schedule/speculation-controller.js';
import type { GenerationResult, RoundDecision, RoundObserver, RoundPlan, RoundReport, StreamEvent, TokenSource } from '../types/index.js';
import { roundDecisionOf, roundRecordOf } from '../types/round.js';
import { verifySampling } from '../verify/rejection-sampler.js';
import { OutputAccumulator } from './output-accumulator.js';

/** Everything one generation needs, already validated and tokenized. */
export interface DecodeRequest {
  promptIds: number[];
  maxNewTokens: number;
  sampling: SamplingParams;
  seed: number;
  stop: string[];
  /** Who proposes tokens; null decodes with the target alone. */
  drafter: Drafter | null;
  /** Plans every round and learns from it; required with a drafter (see `SpeculationController.begin`). */
  controller?: RoundController;
  /** Receive every round's report, guardrail event and the end, in order (the trace, telemetry). */
  observers?: readonly RoundObserver[];
  signal?: { readonly aborted: boolean };
}

export interface DecoderParts {
  /** The target: passes over its own cache, and the cut the cache owns. */
  target: ForwardModel;
  eosTokenIds: ReadonlySet<number>;
  /** Longest sequence (prompt + output) the models accept. */
  maxSequenceLength: number;
  decode: (ids: number[]) => string;
  /**
   * The meter every model of the engine reports its waits and reads to: what a round awaited is not its own work
   * (see `RoundReport.host`).
   */
  meter: PassMeter;
  /** Lets the worker's message loop run (abort requests) between rounds. */
  yieldToEventLoop?: () => Promise<void>;
  now?: () => number;
}

const noProposal: DraftProposal = { tokens: [], probabilities: [], confidences: [], forwardPasses: 0, stoppedEarly: false };

/**
 * The speculative decoding loop: draft → verify → commit and roll back → stream. The controller decides each
 * round's γ; every round is described once, as a {@link RoundReport}, and handed to the metrics, the controller and
 * the caller's observers. Without a drafter it runs the same loop with γ = 0: target-only decoding.
 */
export class SpeculativeDecoder {
  private readonly now: () => number;

  constructor(private readonly parts: DecoderParts) {
    this.now = parts.now ?? (() => performance.now());
  }

  async *run(request: DecodeRequest): AsyncGenerator<StreamEvent, GenerationResult> {
    const { target, eosTokenIds, maxSequenceLength } = this.parts;
    const { drafter } = request;
    const controller = drafter ? request.controller : null;
    if (drafter && !controller) throw new TypeError('a drafter needs a round controller to plan its rounds (SpeculationController.begin)');
    const observers = request.observers ?? [];
    const rng = createRng(request.seed);
    const metrics = new MetricsRecorder();
    const output = new OutputAccumulator(this.parts.decode, request.stop, eosTokenIds);
    const committed = [...request.promptIds];
    const reports: RoundReport[] = [];
    const report = (round: RoundReport) => {
      reports.push(round);
      metrics.observeRound(round);
      for (const observer of observers) observer.observeRound(round);
    };

    target.reset();
    drafter?.begin(request.promptIds);
    if (committed.length >= maxSequenceLength) {
      throw new RangeError(`the prompt has ${committed.length} tokens but the models accept at most ${maxSequenceLength}`);
    }
    metrics.start(this.now());

    try {
      // Prefill: the target reads the whole prompt and picks the first token.
      this.throwIfAborted(request);
      const prefillStart = this.now();
      const prefillTotals = this.parts.meter.snapshot();
      // Chunked so that ORT never materialises logits for every prompt position (see CausalLmRunner.prefill).
      // Greedy rounds need only each row's pick; sampling needs the rows' values.
      const read = isGreedy(request.sampling) ? 'picks' : 'values';
      const prefill = await target.prefill(committed, read);
      const prefillMs = this.now() - prefillStart;
      const first = this.pickOrLocate(prefill, prefill.rows - 1, request.sampling, rng, { model: 'target', round: 0, row: 0 });
      const firstCommit = commitRound({ accepted: [], nextToken: first, eosTokenIds, remaining: request.maxNewTokens });
      committed.push(...firstCommit.tokens);
      drafter?.accept(0, firstCommit.tokens);
      const firstKept = output.append(firstCommit.tokens, ['target']);
      report({
        round: 0,
        mode: 'prefill',
        plan: null,
        outputLimited: false,
        proposal: noProposal,
        acceptedCount: 0,
        targetToken: first,
        committedTokens: firstKept.tokenIds,
        timings: { draftMs: 0, verifyMs: prefillMs, rollbackMs: 0, roundMs: this.now() - prefillStart, committedAt: this.now() },
        host: this.hostSide(prefillStart, prefillTotals),
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
        // The yield lets the worker take messages: not the round's work, so host work is counted from here.
        const workStart = this.now();
        const roundTotals = this.parts.meter.snapshot();
        this.throwIfAborted(request);

        // Draft no further than the output limit and the context allow: the round's own token is always added.
        const limit = Math.max(0, Math.min(remaining - 1, maxSequenceLength - committed.length - 1));
        const plan: RoundPlan | null = controller?.plan() ?? null;
        const gamma = Math.min(plan?.gamma ?? 0, limit);
        const draftStart = this.now();
        const proposal =
          gamma > 0 && drafter
            ? await this.propose(
                drafter,
                { committed, maxTokens: gamma, sampling: request.sampling, rng, targetVocabSize: prefill.vocabSize, continueAfter: controller?.continueAfter },
                round,
              )
            : noProposal;
        const draftMs = proposal === noProposal ? 0 : this.now() - draftStart;
        this.throwIfAborted(request);

        const drafted = proposal.tokens;
        const verifyStart = this.now();
        const verifyLogits = await target.forward([committed[committed.length - 1]!, ...drafted], false, read);
        // Only the forward pass counts as verify time; the acceptance test is the engine's own overhead.
        const verifyMs = this.now() - verifyStart;
        const outcome = this.verify(drafted, proposal.probabilities, verifyLogits, request.sampling, rng, round);

        const roundCommit = commitRound({ accepted: drafted.slice(0, outcome.acceptedCount), nextToken: outcome.nextToken, eosTokenIds, remaining });
        const rollbackStart = this.now();
        // The target keeps everything committed before plus the accepted draft tokens; the round's own token is fed
        // at the start of the next round. The drafter cuts its own state.
        target.rollbackTo(committed.length + outcome.acceptedCount);
        drafter?.accept(outcome.acceptedCount, roundCommit.tokens);
        const rollbackMs = this.now() - rollbackStart;
        committed.push(...roundCommit.tokens);

        const sources = roundCommit.tokens.map((_, i): TokenSource => (i < roundCommit.acceptedDraftUsed ? 'draft' : 'target'));
        // A stop string can end the output inside the round: only what it left counts as committed.
        const kept = output.append(roundCommit.tokens, sources);
        const roundReport: RoundReport = {
          round,
          mode: drafted.length === 0 ? 'target-only' : plan?.mode === 'probe' ? 'probe' : 'speculate',
          plan,
          outputLimited: plan !== null && gamma < plan.gamma,
          proposal,
          acceptedCount: outcome.acceptedCount,
          targetToken: outcome.nextToken,
          committedTokens: kept.tokenIds,
          timings: { draftMs, verifyMs, rollbackMs, roundMs: this.now() - roundStart, committedAt: this.now() },
          host: this.hostSide(workStart, roundTotals),
        };
        report(roundReport);
        if (kept.tokenIds.length > 0 || kept.text) yield { type: 'token', ...kept, round };
        output.finishReason ??= roundCommit.stop;

        for (const event of controller?.observeRound(roundReport) ?? []) {
          for (const observer of observers) observer.observeGuardrail?.(event);
          yield { type: 'guardrail', event };
          if (event.type === 'abort') throw new GuardrailAbortError(`a guardrail stopped generation at round ${round}: ${event.reason}`);
        }
      }

      const rest = output.flush();
      if (rest) yield { type: 'token', tokenIds: [], provenance: [], text: rest, round: reports.length - 1 };
    } catch (error) {
      const end = {
        tokenIds: output.tokenIds,
        provenance: output.provenance,
        text: output.text,
        finishReason: 'aborted' as const,
        metrics: metrics.finish(this.now(), output.tokenIds.length),
      };
      for (const observer of observers) observer.observeEnd?.(end);
      throw error;
    }
    const finishReason = output.finishReason ?? 'max-tokens';
    const finalMetrics = metrics.finish(this.now(), output.tokenIds.length);
    for (const observer of observers) observer.observeEnd?.({ tokenIds: output.tokenIds, provenance: output.provenance, text: output.text, finishReason, metrics: finalMetrics });
    return {
      text: output.text,
      tokenIds: output.tokenIds,
      provenance: output.provenance,
      finishReason,
      metrics: finalMetrics,
      rounds: reports.slice(1).map(roundRecordOf),
      decisions: reports.map(roundDecisionOf).filter((decision): decision is RoundDecision => decision !== null),
      promptTokens: request.promptIds.length,
      drafter: drafter?.kind ?? null,
    };
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
  private verify(drafted: number[], probabilities: (Float32Array | null)[], logits: LogitsBlock, sampling: SamplingParams, rng: Rng, round: number) {
    try {
      // The rejection sampler's temperature-0 case is greedy verification.
      return verifySampling(drafted, probabilities, logits, sampling, rng);
    } catch (error) {
      throw locateInvalidLogits(error, { model: 'target', round });
    }
  }

  /** Picks a token from one row; an InvalidLogitsError learns where the row came from. */
  private pickOrLocate(logits: LogitsBlock, row: number, sampling: SamplingParams, rng: Rng, where: { model: 'target'; round: number; row: number }): number {
    try {
      return isGreedy(sampling) ? logits.argmax(row) : sampleFrom(toProbabilities(logits.values(row), sampling), rng);
    } catch (error) {
      throw locateInvalidLogits(error, where);
    }
  }

  /** The round's own JavaScript work since `start` (its wall time less what it awaited) and what it read back. */
  private hostSide(start: number, before: PassTotals): RoundReport['host'] {
    const after = this.parts.meter.snapshot();
    return {
      workMs: Math.max(0, this.now() - start - (after.awaitedMs - before.awaitedMs)),
      reads: after.reads - before.reads,
      bytesRead: after.bytesRead - before.bytesRead,
    };
  }

  private throwIfAborted(request: DecodeRequest): void {
    if (request.signal?.aborted) throw createAbortError();
  }
}
