import { deviceOptions, dtypeOptions, logitsPathOptions } from '../types/engine.js';
import { drafterKinds, schedulerPolicyNames } from '../types/options.js';
import { assertKnownKeys, keysOf } from './option-names.js';
import type { EngineOptions, SchedulerOptions } from '../types/engine.js';
import { maxDraftLength } from '../types/options.js';

/** The names {@link EngineOptions} knows: any other key is refused as a likely typo. */
export const engineOptionNames = keysOf<EngineOptions>()([
  'target',
  'draft',
  'device',
  'dtype',
  'onProgress',
  'revision',
  'localModelPath',
  'allowRemoteModels',
  'remoteHost',
  'remotePathTemplate',
  'wasmPaths',
  'worker',
  'drafter',
  'scheduler',
  'guardrails',
  'ngramCacheBytes',
  'logitsPath',
]);
const schedulerOptionNames = keysOf<SchedulerOptions>()(['policy', 'draftLength', 'maxDraftLength', 'earlyStop', 'calibrate']);
const dtypePairNames = keysOf<{ target?: unknown; draft?: unknown }>()(['target', 'draft']);
const wasmPathNames = keysOf<NonNullable<EngineOptions['wasmPaths']>>()(['mjs', 'wasm']);

/**
 * Checks the engine options that are not checked elsewhere (guardrails have their own schema), before anything
 * loads: a RangeError or TypeError naming the option, the value and what is allowed.
 */
export function validateEngineOptions(options: EngineOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('createSpeculo options must be an object');
  assertKnownKeys(options, engineOptionNames, 'createSpeculo options');
  if (options.target === undefined) {
    throw new RangeError("target is required: the Hub id of the model whose output you want, e.g. { target: 'onnx-community/Qwen2.5-1.5B-Instruct' }");
  }
  if (typeof options.target !== 'string' || options.target.trim() === '') {
    throw new TypeError(`target must be a model id (a non-empty string), got ${JSON.stringify(options.target)}`);
  }
  if (options.draft !== undefined && (typeof options.draft !== 'string' || options.draft.trim() === '')) {
    throw new TypeError(`draft must be a model id (a non-empty string), got ${JSON.stringify(options.draft)}`);
  }
  oneOf('device', options.device, deviceOptions);
  if (typeof options.dtype === 'object' && options.dtype !== null) {
    assertKnownKeys(options.dtype, dtypePairNames, 'dtype');
    oneOf('dtype.target', options.dtype.target, dtypeOptions);
    oneOf('dtype.draft', options.dtype.draft, dtypeOptions);
  } else {
    oneOf('dtype', options.dtype, dtypeOptions);
  }
  oneOf('drafter', options.drafter, drafterKinds);
  if (options.drafter === 'model' && !options.draft) throw new RangeError('drafter "model" needs a draft model: set draft, or choose prompt-lookup');
  validateModelSources(options);
  if (options.wasmPaths !== undefined) {
    if (typeof options.wasmPaths !== 'object' || options.wasmPaths === null) throw new TypeError(`wasmPaths must be { mjs, wasm } (two URLs), got ${JSON.stringify(options.wasmPaths)}`);
    assertKnownKeys(options.wasmPaths, wasmPathNames, 'wasmPaths');
  }
  if (options.scheduler !== undefined && (typeof options.scheduler !== 'object' || options.scheduler === null)) {
    throw new TypeError(`scheduler must be an object of scheduler options, got ${JSON.stringify(options.scheduler)}`);
  }
  const scheduler = options.scheduler ?? {};
  assertKnownKeys(scheduler, schedulerOptionNames, 'scheduler options');
  oneOf('scheduler.policy', scheduler.policy, schedulerPolicyNames);
  if (scheduler.calibrate !== undefined && ![true, false, 'background', 'eager'].includes(scheduler.calibrate)) {
    throw new RangeError(
      `scheduler.calibrate must be 'background' (the default: measure in idle moments), 'eager' (measure before the engine is ready) or false, got ${JSON.stringify(scheduler.calibrate)}`,
    );
  }
  integer('scheduler.draftLength', scheduler.draftLength, 1, maxDraftLength);
  integer('scheduler.maxDraftLength', scheduler.maxDraftLength, 1, maxDraftLength);
  if (scheduler.earlyStop !== undefined && scheduler.earlyStop !== 'cost-aware' && scheduler.earlyStop !== 'off') {
    if (typeof scheduler.earlyStop === 'object' && scheduler.earlyStop !== null) assertKnownKeys(scheduler.earlyStop, ['threshold'], 'scheduler.earlyStop');
    const threshold = (scheduler.earlyStop as { threshold?: unknown }).threshold;
    if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
      throw new RangeError(`scheduler.earlyStop must be 'cost-aware', 'off' or { threshold } with threshold in [0, 1], got ${JSON.stringify(scheduler.earlyStop)}`);
    }
  }
  integer('ngramCacheBytes', options.ngramCacheBytes, 4096, Number.MAX_SAFE_INTEGER);
  oneOf('logitsPath', options.logitsPath, logitsPathOptions);
}

/** Where models come from: the mistakes that otherwise surface as an unrelated tokenizer error after load starts. */
function validateModelSources(options: EngineOptions): void {
  if (options.localModelPath !== undefined) {
    if (typeof options.localModelPath !== 'string' || options.localModelPath.trim() === '') {
      throw new TypeError(`localModelPath must be a path on this origin such as '/models/', got ${JSON.stringify(options.localModelPath)}`);
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(options.localModelPath)) {
      throw new RangeError(
        `localModelPath must be a path on this origin such as '/models/', not a URL (got "${options.localModelPath}"): ` + 'for models on another host, set remoteHost to that URL instead',
      );
    }
  }
  if (options.allowRemoteModels !== undefined && typeof options.allowRemoteModels !== 'boolean') {
    throw new TypeError(`allowRemoteModels must be true or false, got ${JSON.stringify(options.allowRemoteModels)}`);
  }
  if (options.remoteHost !== undefined && !isHttpUrl(options.remoteHost)) {
    throw new RangeError(
      `remoteHost must be an absolute http(s) URL such as 'https://cdn.example.com/models/', got ${JSON.stringify(options.remoteHost)}; ` +
        'for models on this origin, set localModelPath instead',
    );
  }
  if (options.remotePathTemplate !== undefined && (typeof options.remotePathTemplate !== 'string' || !options.remotePathTemplate.includes('{model}'))) {
    throw new RangeError(
      `remotePathTemplate must contain {model} (and may contain {revision}), e.g. '{model}/' or '{model}/resolve/{revision}/', got ${JSON.stringify(options.remotePathTemplate)}`,
    );
  }
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function oneOf(name: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    throw new RangeError(`${name} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(value)}`);
  }
}

function integer(name: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max === Number.MAX_SAFE_INTEGER ? '∞' : max}, got ${JSON.stringify(value)}`);
  }
}
