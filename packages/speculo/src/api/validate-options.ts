import type { SamplingParams } from '../sampling/logits-processing.js';
import { maxDraftLength } from '../types/options.js';
import { assertStopStrings } from '../stream/stop-strings.js';
import { assertKnownKeys, keysOf } from './option-names.js';

import { drafterKinds, schedulerPolicyNames, type ChatMessage, type DrafterKind, type GenerateOptions, type SchedulerPolicyName, type TraceOptions } from '../types/options.js';

/** {@link GenerateOptions} with defaults filled in; exactly one of `prompt`, `messages` and `promptIds` is non-null. */
export interface NormalizedGenerateOptions {
  prompt: string | null;
  messages: ChatMessage[] | null;
  promptIds: number[] | null;
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  stop: string[];
  /** null: the scheduler decides. */
  draftLength: number | null;
  policy: SchedulerPolicyName | null;
  drafter: DrafterKind | null;
  speculative: boolean;
  trace: TraceOptions | null;
}

/** The names {@link GenerateOptions} knows: any other key is refused as a likely typo. */
export const generateOptionNames = keysOf<GenerateOptions>()([
  'prompt',
  'messages',
  'promptIds',
  'maxNewTokens',
  'temperature',
  'topK',
  'topP',
  'seed',
  'stop',
  'draftLength',
  'policy',
  'drafter',
  'speculative',
  'trace',
]);

const traceOptionNames = keysOf<TraceOptions>()(['redactPrompt', 'redactOutput']);

/** Default values of the optional numeric and boolean options. */
export const generateDefaults = {
  maxNewTokens: 128,
  temperature: 0,
  topK: 0,
  topP: 1,
  seed: 0,
  speculative: true,
} as const;

const maxSeed = 2 ** 32 - 1;
const roles: ReadonlySet<string> = new Set(['system', 'user', 'assistant']);

/**
 * Checks every option and fills in defaults. Wrong types throw a TypeError and bad values a RangeError; each
 * message names the parameter, the value received and what is allowed, since these reach application users.
 */
export function normalizeGenerateOptions(options: GenerateOptions): NormalizedGenerateOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`generate options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  assertKnownKeys(options, generateOptionNames, 'generate options');
  const { prompt, messages, promptIds } = normalizeInput(options);
  const stop = options.stop ?? [];
  assertStopStrings(stop);
  return {
    prompt,
    messages,
    promptIds,
    maxNewTokens: integerOption('maxNewTokens', options.maxNewTokens, 1, Number.MAX_SAFE_INTEGER),
    temperature: temperatureOption(options.temperature),
    topK: integerOption('topK', options.topK, 0, Number.MAX_SAFE_INTEGER),
    topP: topPOption(options.topP),
    seed: integerOption('seed', options.seed, 0, maxSeed),
    stop: [...stop],
    draftLength: options.draftLength === undefined ? null : integerOption('draftLength', options.draftLength, 1, maxDraftLength),
    policy: enumOption('policy', options.policy, schedulerPolicyNames),
    drafter: enumOption('drafter', options.drafter, drafterKinds),
    speculative: booleanOption('speculative', options.speculative),
    trace: traceOption(options.trace),
  };
}

function enumOption<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new RangeError(`${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value as T;
}

function traceOption(value: unknown): TraceOptions | null {
  if (value === undefined || value === false) return null;
  if (value === true) return { redactPrompt: false };
  if (typeof value !== 'object' || value === null) throw new TypeError(`trace must be a boolean or { redactPrompt?, redactOutput? }, got ${typeName(value)}`);
  assertKnownKeys(value, traceOptionNames, 'trace options');
  const { redactPrompt, redactOutput } = value as TraceOptions;
  if (redactPrompt !== undefined && typeof redactPrompt !== 'boolean') throw new TypeError(`trace.redactPrompt must be a boolean, got ${typeName(redactPrompt)}`);
  if (redactOutput !== undefined && typeof redactOutput !== 'boolean') throw new TypeError(`trace.redactOutput must be a boolean, got ${typeName(redactOutput)}`);
  return { redactPrompt: redactPrompt ?? false, ...(redactOutput === undefined ? {} : { redactOutput }) };
}

/** The sampling parameters of normalised options, as the verifier and samplers take them. */
export function samplingParamsOf(options: NormalizedGenerateOptions): SamplingParams {
  return { temperature: options.temperature, topK: options.topK, topP: options.topP };
}

function normalizeInput(options: GenerateOptions): Pick<NormalizedGenerateOptions, 'prompt' | 'messages' | 'promptIds'> {
  const { prompt, messages, promptIds } = options;
  const given = [prompt, messages, promptIds].filter((x) => x !== undefined).length;
  if (given > 1) {
    throw new RangeError('give only one of prompt, messages and promptIds');
  }
  if (promptIds !== undefined) {
    if (!Array.isArray(promptIds) || promptIds.length === 0) {
      throw new RangeError(`promptIds must be a non-empty array of token ids, got ${typeName(promptIds)}`);
    }
    const bad = promptIds.findIndex((id) => !Number.isInteger(id) || id < 0);
    if (bad >= 0) throw new RangeError(`promptIds[${bad}] must be a non-negative integer token id, got ${String(promptIds[bad])}`);
    return { prompt: null, messages: null, promptIds: [...promptIds] };
  }
  if (prompt === undefined && messages === undefined) {
    throw new RangeError('a prompt (string) or messages (non-empty array) is required');
  }
  if (prompt !== undefined) {
    if (typeof prompt !== 'string') throw new TypeError(`prompt must be a string, got ${typeName(prompt)}`);
    if (prompt.trim().length === 0) {
      throw new RangeError(`prompt must contain non-whitespace text, got ${JSON.stringify(prompt)}`);
    }
    return { prompt, messages: null, promptIds: null };
  }
  if (!Array.isArray(messages)) throw new TypeError(`messages must be an array, got ${typeName(messages)}`);
  if (messages.length === 0) throw new RangeError('messages must contain at least one message, got []');
  const copied = messages.map((message: unknown, i): ChatMessage => {
    if (typeof message !== 'object' || message === null) {
      throw new TypeError(`messages[${i}] must be an object with role and content, got ${typeName(message)}`);
    }
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || !roles.has(role)) {
      throw new RangeError(`messages[${i}].role must be one of "system", "user", "assistant", got ${JSON.stringify(role) ?? 'undefined'}`);
    }
    if (typeof content !== 'string') {
      throw new TypeError(`messages[${i}].content must be a string, got ${typeName(content)}`);
    }
    return { role: role as ChatMessage['role'], content };
  });
  return { prompt: null, messages: copied, promptIds: null };
}

function integerOption(name: string, value: unknown, min: number, max: number): number {
  if (value === undefined) return (generateDefaults as Record<string, number | boolean>)[name] as number;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeName(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in ${min}..${max}`;
    throw new RangeError(`${name} must be ${range}, got ${value}`);
  }
  return value;
}

function temperatureOption(value: unknown): number {
  if (value === undefined) return generateDefaults.temperature;
  if (typeof value !== 'number') throw new TypeError(`temperature must be a number, got ${typeName(value)}`);
  if (!(value >= 0) || value === Infinity) {
    throw new RangeError(`temperature must be a finite number ≥ 0 (0 = greedy), got ${value}`);
  }
  return value;
}

function topPOption(value: unknown): number {
  if (value === undefined) return generateDefaults.topP;
  if (typeof value !== 'number') throw new TypeError(`topP must be a number, got ${typeName(value)}`);
  if (!(value > 0 && value <= 1)) throw new RangeError(`topP must be in (0, 1] (1 = off), got ${value}`);
  return value;
}

function booleanOption(name: 'speculative', value: unknown): boolean {
  if (value === undefined) return generateDefaults[name];
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${typeName(value)}`);
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'number' ? String(value) : typeof value;
}
