import { SpeculativeDecoder, type DecodeRequest } from '../../src/decode/speculative-decoder.js';
import type { GenerationResult, StreamEvent, TokenEvent } from '../../src/types/index.js';
import type { Drafter, DraftRequest } from '../../src/draft/drafter.js';
import { ModelDrafter } from '../../src/draft/model-drafter.js';
import { CausalLmRunner, type LogitsPath } from '../../src/models/causal-lm-runner.js';
import { PassMeter } from '../../src/models/pass-meter.js';
import type { SamplingParams } from '../../src/sampling/logits-processing.js';
import { fakeCausalLM, fakeDecoderSession, type FakeDecoder, type FakeDecoderSpec, type FakeRunRecord } from './fake-decoder-session.js';

/**
 * A {@link SpeculativeDecoder} over scripted fake models: the target and the draft are fake ORT sessions whose
 * next token is a function of the context they see through their KV cache (see fake-decoder-session.ts), so a
 * decoder that feeds or cuts a cache wrongly gets other tokens, as with a real model. Every forward pass of
 * both models lands in one timeline, and every draft request is recorded.
 */

export const vocabSize = 64;
export const eosTokenId = 63;
export const greedy: SamplingParams = { temperature: 0, topK: 0, topP: 1 };

export type Predict = (context: readonly number[]) => number;

/** The target's greedy next token: a function of the last two tokens, never EOS. */
export const targetPredict: Predict = (context) => ((context.at(-1) ?? 0) * 5 + (context.at(-2) ?? 0) + 3) % 60;

/** A draft that agrees with `predict` except where `wrongAt(context)`, where it proposes another token. */
export function draftWrongWhere(wrongAt: (context: readonly number[]) => boolean, predict: Predict = targetPredict): Predict {
  return (context) => (wrongAt(context) ? (predict(context) + 1) % 60 : predict(context));
}

/** `predict`, except that the token after `promptLength + index` tokens (output token `index`) is EOS. */
export function eosAtOutput(index: number, promptLength: number, predict: Predict = targetPredict): Predict {
  return (context) => (context.length === promptLength + index ? eosTokenId : predict(context));
}

/** One token a letter; EOS shows nothing, like a tokenizer skipping special tokens. */
export const letterText = (ids: number[]): string => ids.map((id) => (id === eosTokenId ? '' : String.fromCharCode(97 + (id % 26)))).join('');

export const defaultPrompt = Array.from({ length: 40 }, (_, i) => (i * 13 + 7) % 60);

/** One forward pass in the shared timeline. */
export interface Pass extends FakeRunRecord {
  model: 'target' | 'draft';
}

export interface ScriptedDecoderOptions {
  target?: Predict;
  /** The draft model's prediction; without it, `drafter` is null. */
  draft?: Predict;
  targetCorrupt?: FakeDecoderSpec['corrupt'];
  draftCorrupt?: FakeDecoderSpec['corrupt'];
  maxSequenceLength?: number;
  prefillLogitsBudgetBytes?: number;
  /** How the runners hand logits to the round; default 'host'. */
  logitsPath?: LogitsPath;
  /** The fakes' logits type; default float32. */
  logitsType?: FakeDecoderSpec['logitsType'];
  decode?: (ids: number[]) => string;
  /** Called with each pass once it has run, before the decoder sees its logits. */
  onPass?: (pass: Pass) => void;
  /** The decoder's between-rounds hook (the worker's event loop turn). */
  yieldToEventLoop?: () => Promise<void>;
}

export interface ScriptedDecoder {
  decoder: SpeculativeDecoder;
  /** A model drafter over the draft fake, recording its requests; null without `draft`. */
  drafter: Drafter | null;
  targetFake: FakeDecoder;
  draftFake: FakeDecoder | null;
  /** Every forward pass of both models, in order. */
  passes: Pass[];
  /** Every request any drafter wrapped by {@link ScriptedDecoder.record} received (the model drafter is). */
  draftRequests: DraftRequest[];
  /** Wraps another drafter so that its requests land in `draftRequests` too. */
  record(drafter: Drafter): Drafter;
}

export function scriptedDecoder(options: ScriptedDecoderOptions = {}): ScriptedDecoder {
  const passes: Pass[] = [];
  const draftRequests: DraftRequest[] = [];
  const meter = new PassMeter();
  const runnerOptions = { meter, logitsPath: options.logitsPath ?? 'host', ...(options.prefillLogitsBudgetBytes ? { prefillLogitsBudgetBytes: options.prefillLogitsBudgetBytes } : {}) };
  const fake = (model: Pass['model'], predict: Predict, corrupt: FakeDecoderSpec['corrupt']) => {
    const made = fakeDecoderSession({
      vocabSize,
      predict,
      ...(options.logitsType ? { logitsType: options.logitsType } : {}),
      ...(corrupt ? { corrupt } : {}),
      onRun: (record) => {
        const pass = { model, ...record };
        passes.push(pass);
        options.onPass?.(pass);
      },
    });
    const runner = new CausalLmRunner(fakeCausalLM(made.session), { name: `${model} model "${model[0]}"`, ...runnerOptions });
    return { made, runner };
  };
  const target = fake('target', options.target ?? targetPredict, options.targetCorrupt);
  const draft = options.draft ? fake('draft', options.draft, options.draftCorrupt) : null;
  const record = (inner: Drafter): Drafter => ({
    kind: inner.kind,
    costClass: inner.costClass,
    begin: (promptIds) => inner.begin(promptIds),
    propose: (request) => {
      draftRequests.push({ ...request, committed: [...request.committed] });
      return inner.propose(request);
    },
    accept: (acceptedCount, committedTokens) => inner.accept(acceptedCount, committedTokens),
    dispose: () => inner.dispose(),
  });
  const decoder = new SpeculativeDecoder({
    target: target.runner,
    eosTokenIds: new Set([eosTokenId]),
    maxSequenceLength: options.maxSequenceLength ?? 4096,
    decode: options.decode ?? letterText,
    meter,
    ...(options.yieldToEventLoop ? { yieldToEventLoop: options.yieldToEventLoop } : {}),
  });
  return {
    decoder,
    drafter: draft ? record(new ModelDrafter(draft.runner)) : null,
    targetFake: target.made,
    draftFake: draft?.made ?? null,
    passes,
    draftRequests,
    record,
  };
}

export type ScriptedRequest = Partial<DecodeRequest> & Pick<DecodeRequest, 'drafter'>;

export interface Drained {
  events: StreamEvent[];
  result: GenerationResult | null;
  /** What the generator threw, or null. */
  error: unknown;
}

/** Runs a generation to its end, keeping the streamed events and the result or the error. */
export async function drain(decoder: SpeculativeDecoder, request: ScriptedRequest, onEvent?: (event: StreamEvent) => void): Promise<Drained> {
  const run = decoder.run({ promptIds: defaultPrompt, maxNewTokens: 16, sampling: greedy, seed: 7, stop: [], ...request });
  const events: StreamEvent[] = [];
  try {
    for (;;) {
      const step = await run.next();
      if (step.done) return { events, result: step.value, error: null };
      events.push(step.value);
      onEvent?.(step.value);
    }
  } catch (error) {
    return { events, result: null, error };
  }
}

/** Runs a generation that must succeed. */
export async function generate(decoder: SpeculativeDecoder, request: ScriptedRequest): Promise<GenerationResult> {
  const { result, error } = await drain(decoder, request);
  if (!result) throw error;
  return result;
}

export function tokenEvents(events: readonly StreamEvent[]): TokenEvent[] {
  return events.filter((event): event is TokenEvent => event.type === 'token');
}

/**
 * What greedy decoding with `predict` alone writes after `prompt`: at most `maxNewTokens` tokens, ending after
 * the first EOS (which is emitted).
 */
export function greedyReference(prompt: readonly number[], maxNewTokens: number, predict: Predict = targetPredict): number[] {
  const context = [...prompt];
  while (context.length - prompt.length < maxNewTokens) {
    const next = predict(context);
    context.push(next);
    if (next === eosTokenId) break;
  }
  return context.slice(prompt.length);
}
