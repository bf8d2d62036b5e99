/**
 * Typed errors of the library. Every Speculo error carries a stable `code` so callers can branch on it without
 * parsing messages, and all of them survive the trip from the worker to the main thread via
 * {@link serializeError} / {@link deserializeError} (structured cloning keeps only `message` and a few built-in
 * error names, dropping subclasses and extra fields).
 */

/** Stable machine-readable codes of {@link SpeculoError} subclasses. */
export type SpeculoErrorCode =
  | 'speculo'
  | 'incompatible-models'
  | 'unsupported-model'
  | 'model-load'
  | 'webgpu-unavailable'
  | 'unsupported-environment'
  | 'engine-disposed'
  | 'engine-busy'
  | 'invalid-guardrail-config'
  | 'invalid-device-profile'
  | 'guardrail-abort'
  | 'invalid-logits';

/** Base class of every error the library throws on purpose. */
export class SpeculoError extends Error {
  override name = 'SpeculoError';
  readonly code: SpeculoErrorCode;

  constructor(message: string, options?: { code?: SpeculoErrorCode; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = options?.code ?? 'speculo';
  }
}

/** The draft and target models cannot be paired because they do not share a tokenizer. */
export class IncompatibleModelsError extends SpeculoError {
  override name = 'IncompatibleModelsError';
  /** One human-readable line per difference found, e.g. `vocab size 439 in the target vs 363 in the draft`. */
  readonly differences: string[];

  constructor(message: string, differences: string[], options?: { cause?: unknown }) {
    super(message, { ...options, code: 'incompatible-models' });
    this.differences = differences;
  }
}

/** The model's architecture cannot be used for speculative decoding (e.g. its state cannot be rolled back). */
export class UnsupportedModelError extends SpeculoError {
  override name = 'UnsupportedModelError';
  /** The refused architecture, e.g. `MambaForCausalLM` or the config's `model_type`. */
  readonly architecture: string;

  constructor(message: string, architecture: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: 'unsupported-model' });
    this.architecture = architecture;
  }
}

/** Downloading or initialising one of the models failed. */
export class ModelLoadError extends SpeculoError {
  override name = 'ModelLoadError';
  /** The model id or URL being loaded. */
  readonly model: string;
  /** The file that failed, when known (e.g. `onnx/model_q4f16.onnx`). */
  readonly file?: string;

  constructor(message: string, details: { model: string; file?: string; cause?: unknown }) {
    super(message, { code: 'model-load', cause: details.cause });
    this.model = details.model;
    if (details.file !== undefined) this.file = details.file;
  }
}

/** `navigator.gpu` is missing or no adapter could be obtained. */
export class WebGPUUnavailableError extends SpeculoError {
  override name = 'WebGPUUnavailableError';

  constructor(message = 'WebGPU is not available in this browser or on this device.', options?: { cause?: unknown }) {
    super(message, { ...options, code: 'webgpu-unavailable' });
  }
}

/**
 * The JavaScript environment lacks what the engine needs: `createSpeculo` runs the models in a module Web Worker,
 * which Node does not offer.
 */
export class UnsupportedEnvironmentError extends SpeculoError {
  override name = 'UnsupportedEnvironmentError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: 'unsupported-environment' });
  }
}

/** The engine was used after `dispose()`. */
export class EngineDisposedError extends SpeculoError {
  override name = 'EngineDisposedError';

  constructor(message = 'The engine has been disposed.', options?: { cause?: unknown }) {
    super(message, { ...options, code: 'engine-disposed' });
  }
}

/**
 * A generation or recalibration was started while another one was running on the same engine (and had not been
 * aborted: a call after an abort waits for the aborted one instead).
 */
export class EngineBusyError extends SpeculoError {
  override name = 'EngineBusyError';

  constructor(message = 'The engine is already generating; await or abort the running generation first.', options?: { cause?: unknown }) {
    super(message, { ...options, code: 'engine-busy' });
  }
}

/** One refused field of a guardrail configuration: its dotted path (`acceptanceFloor.rate`) and what is wrong. */
export interface GuardrailConfigIssue {
  path: string;
  message: string;
}

/** A guardrail configuration was refused; the message lists every bad field by path. */
export class GuardrailConfigError extends SpeculoError {
  override name = 'GuardrailConfigError';
  readonly issues: GuardrailConfigIssue[];

  constructor(issues: GuardrailConfigIssue[], options?: { cause?: unknown }) {
    const lines = issues.map((issue) => `${issue.path}: ${issue.message}`);
    super(`Invalid guardrail config: ${lines.join('; ')}`, { ...options, code: 'invalid-guardrail-config' });
    this.issues = issues;
  }
}

/** An imported device profile failed validation; `issues` lists each problem as `field: what is wrong`. */
export class InvalidDeviceProfileError extends SpeculoError {
  override name = 'InvalidDeviceProfileError';
  readonly issues: string[];

  constructor(issues: string[], options?: { cause?: unknown }) {
    super(`invalid device profile: ${issues.join('; ')}`, { ...options, code: 'invalid-device-profile' });
    this.issues = issues;
  }
}

/** A guardrail whose action is `abort` ended the generation. */
export class GuardrailAbortError extends SpeculoError {
  override name = 'GuardrailAbortError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: 'guardrail-abort' });
  }
}

/** Where and what {@link InvalidLogitsError} found; fields the finder could not know are null. */
export interface InvalidLogitsDetails {
  /** The first invalid value found in the row. */
  value: 'NaN' | 'Infinity';
  /** Its vocabulary column (token id). */
  column: number | null;
  /** Which model produced the row. */
  model: 'target' | 'draft' | null;
  /** The decoding round: 0 is the prefill, then one per verify pass. */
  round: number | null;
  /**
   * Which of the round's output positions the row predicts, from 0: for the target, the row of its verify pass
   * (row i scores draft token i; the last row gives the bonus token); for the draft, the draft position.
   */
  row: number | null;
}

/**
 * A model produced NaN or +Infinity logits. Generation stops here rather than emit tokens chosen from garbage
 * (comparisons with NaN are false, so an argmax would otherwise return an arbitrary token). The known cause is an
 * fp16 overflow: some fp16/q4f16 exports give NaN or infinite logits on WebGPU (onnxruntime issue 26732). The
 * engine stays usable; loading the model with another dtype or device is the fix.
 */
export class InvalidLogitsError extends SpeculoError {
  override name = 'InvalidLogitsError';
  readonly value: 'NaN' | 'Infinity';
  readonly column: number | null;
  readonly model: 'target' | 'draft' | null;
  readonly round: number | null;
  readonly row: number | null;

  constructor(details: Partial<InvalidLogitsDetails> & Pick<InvalidLogitsDetails, 'value'>, options?: { cause?: unknown }) {
    const full: InvalidLogitsDetails = { column: null, model: null, round: null, row: null, ...details };
    super(invalidLogitsMessage(full), { ...options, code: 'invalid-logits' });
    this.value = full.value;
    this.column = full.column;
    this.model = full.model;
    this.round = full.round;
    this.row = full.row;
  }

  /** The details as plain data. */
  details(): InvalidLogitsDetails {
    return { value: this.value, column: this.column, model: this.model, round: this.round, row: this.row };
  }

  /**
   * The same error with the location filled in where this one does not know it yet: the function that scans a
   * row sees only the row, its callers know the row index, the model and the round.
   */
  locate(where: Partial<Pick<InvalidLogitsDetails, 'model' | 'round' | 'row'>>): InvalidLogitsError {
    const located = new InvalidLogitsError({
      ...this.details(),
      model: this.model ?? where.model ?? null,
      round: this.round ?? where.round ?? null,
      row: this.row ?? where.row ?? null,
    });
    // Keep the frames of the scan that found the value: they say more than where the location was added.
    if (this.stack) located.stack = this.stack.replace(this.message, located.message);
    return located;
  }
}

/** Adds a location to an {@link InvalidLogitsError}; any other error passes through unchanged. */
export function locateInvalidLogits(error: unknown, where: Partial<Pick<InvalidLogitsDetails, 'model' | 'round' | 'row'>>): unknown {
  return error instanceof InvalidLogitsError ? error.locate(where) : error;
}

function invalidLogitsMessage(details: InvalidLogitsDetails): string {
  const who = details.model ? `the ${details.model} model` : 'the model';
  const what = details.value === 'NaN' ? 'NaN' : '+Infinity';
  const where = [
    details.round === null ? null : `round ${details.round}`,
    details.row === null ? null : `row ${details.row}`,
    details.column === null ? null : `token ${details.column}`,
  ].filter((part) => part !== null);
  return (
    `${who} produced ${what} logits${where.length > 0 ? ` (${where.join(', ')})` : ''}, so no token can be chosen. ` +
    'This is most likely an fp16 overflow on this backend (some fp16/q4f16 exports give NaN or infinite logits on ' +
    "WebGPU, onnxruntime issue 26732): load the model with dtype 'q4' or 'fp32', or with device 'wasm'."
  );
}

/**
 * The error an aborted generation rejects with: a `DOMException` named `AbortError`, the same thing `fetch`
 * rejects with, so `e.name === 'AbortError'` checks written for the platform work unchanged.
 */
export function createAbortError(reason?: unknown): DOMException {
  if (reason instanceof DOMException && reason.name === 'AbortError') return reason;
  const message = typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : 'The generation was aborted.';
  return new DOMException(message, 'AbortError');
}

/** Plain-data form of an error that structured cloning carries intact. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  differences?: string[];
  architecture?: string;
  model?: string;
  file?: string;
  /** GuardrailConfigError / InvalidDeviceProfileError issues. */
  issues?: unknown[];
  /** InvalidLogitsError's details. */
  logits?: InvalidLogitsDetails;
  cause?: SerializedError;
}

// Causes can form chains (or, in principle, cycles); a few levels is all a reader needs.
const maxCauseDepth = 4;

/** Turns anything thrown into {@link SerializedError}, keeping the fields {@link deserializeError} restores. */
export function serializeError(error: unknown): SerializedError {
  return serializeWithCauses(error, 0);
}

function serializeWithCauses(error: unknown, depth: number): SerializedError {
  if (!(error instanceof Error) && !(error instanceof DOMException)) {
    return { name: 'Error', message: typeof error === 'string' ? error : String(error) };
  }
  const serialized: SerializedError = { name: error.name, message: error.message };
  if (typeof error.stack === 'string') serialized.stack = error.stack;
  if (error instanceof SpeculoError) serialized.code = error.code;
  if (error instanceof IncompatibleModelsError) serialized.differences = [...error.differences];
  if (error instanceof UnsupportedModelError) serialized.architecture = error.architecture;
  if (error instanceof ModelLoadError) {
    serialized.model = error.model;
    if (error.file !== undefined) serialized.file = error.file;
  }
  if (error instanceof GuardrailConfigError || error instanceof InvalidDeviceProfileError) serialized.issues = structuredClone(error.issues);
  if (error instanceof InvalidLogitsError) serialized.logits = error.details();
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined && depth < maxCauseDepth) serialized.cause = serializeWithCauses(cause, depth + 1);
  return serialized;
}

/** Rebuilds the error class {@link serializeError} saw: Speculo errors by `code`, built-ins by `name`. */
export function deserializeError(serialized: SerializedError): Error {
  if (serialized.name === 'AbortError') {
    // DOMException is not an Error subclass in every engine, but callers only need `name`/`message`.
    return createAbortError(serialized.message) as unknown as Error;
  }
  const cause = serialized.cause === undefined ? undefined : deserializeError(serialized.cause);
  const options = { cause };
  let error: Error;
  switch (serialized.code) {
    case 'incompatible-models':
      error = new IncompatibleModelsError(serialized.message, serialized.differences ?? [], options);
      break;
    case 'unsupported-model':
      error = new UnsupportedModelError(serialized.message, serialized.architecture ?? 'unknown', options);
      break;
    case 'model-load':
      error = new ModelLoadError(serialized.message, {
        model: serialized.model ?? 'unknown',
        ...(serialized.file === undefined ? {} : { file: serialized.file }),
        cause,
      });
      break;
    case 'webgpu-unavailable':
      error = new WebGPUUnavailableError(serialized.message, options);
      break;
    case 'unsupported-environment':
      error = new UnsupportedEnvironmentError(serialized.message, options);
      break;
    case 'engine-disposed':
      error = new EngineDisposedError(serialized.message, options);
      break;
    case 'engine-busy':
      error = new EngineBusyError(serialized.message, options);
      break;
    case 'invalid-guardrail-config':
      error = new GuardrailConfigError((serialized.issues ?? []) as GuardrailConfigIssue[], options);
      error.message = serialized.message;
      break;
    case 'invalid-device-profile':
      error = new InvalidDeviceProfileError((serialized.issues ?? []) as string[], options);
      error.message = serialized.message;
      break;
    case 'guardrail-abort':
      error = new GuardrailAbortError(serialized.message, options);
      break;
    case 'invalid-logits':
      error = new InvalidLogitsError(serialized.logits ?? { value: 'NaN' }, options);
      error.message = serialized.message;
      break;
    case 'speculo':
      error = new SpeculoError(serialized.message, options);
      break;
    default:
      error = deserializeBuiltIn(serialized, cause);
  }
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  return error;
}

const builtInErrors: Record<string, ErrorConstructor> = {
  RangeError,
  TypeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

function deserializeBuiltIn(serialized: SerializedError, cause: Error | undefined): Error {
  const Constructor = builtInErrors[serialized.name] ?? Error;
  const error = new Constructor(serialized.message, cause === undefined ? undefined : { cause });
  // Keeps names of unknown error classes (e.g. a library's `OrtError`) readable on the main thread.
  if (error.name !== serialized.name) error.name = serialized.name;
  return error;
}
