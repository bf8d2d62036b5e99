import { describe, expect, it } from 'vitest';
import {
  createAbortError,
  deserializeError,
  EngineBusyError,
  EngineDisposedError,
  IncompatibleModelsError,
  InvalidLogitsError,
  locateInvalidLogits,
  ModelLoadError,
  serializeError,
  SpeculoError,
  UnsupportedModelError,
  WebGPUUnavailableError,
  UnsupportedEnvironmentError,
} from '../src/errors.js';

/** Serialises, passes through structuredClone as postMessage would, and rebuilds. */
const roundTrip = (error: unknown): Error => deserializeError(structuredClone(serializeError(error)));

describe('typed errors', () => {
  it('carry stable codes and names and are SpeculoErrors', () => {
    const cases: [SpeculoError, string, string][] = [
      [new IncompatibleModelsError('m', ['a']), 'incompatible-models', 'IncompatibleModelsError'],
      [new UnsupportedModelError('m', 'MambaForCausalLM'), 'unsupported-model', 'UnsupportedModelError'],
      [new ModelLoadError('m', { model: 'org/model' }), 'model-load', 'ModelLoadError'],
      [new WebGPUUnavailableError(), 'webgpu-unavailable', 'WebGPUUnavailableError'],
      [new UnsupportedEnvironmentError('no Worker'), 'unsupported-environment', 'UnsupportedEnvironmentError'],
      [new EngineDisposedError(), 'engine-disposed', 'EngineDisposedError'],
      [new EngineBusyError(), 'engine-busy', 'EngineBusyError'],
      [new InvalidLogitsError({ value: 'NaN' }), 'invalid-logits', 'InvalidLogitsError'],
    ];
    for (const [error, code, name] of cases) {
      expect(error).toBeInstanceOf(SpeculoError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
      expect(error.message.length).toBeGreaterThan(0);
    }
  });

  it('createAbortError makes a DOMException named AbortError', () => {
    const error = createAbortError();
    expect(error).toBeInstanceOf(DOMException);
    expect(error.name).toBe('AbortError');
    expect(createAbortError('user cancelled').message).toBe('user cancelled');
    expect(createAbortError(new Error('timeout')).message).toBe('timeout');
    expect(createAbortError(error)).toBe(error);
  });
});

describe('serializeError / deserializeError', () => {
  it('round-trip IncompatibleModelsError with its differences', () => {
    const restored = roundTrip(new IncompatibleModelsError('no shared vocab', ['vocab size 1 vs 2', 'bos 1 vs 2']));
    expect(restored).toBeInstanceOf(IncompatibleModelsError);
    expect(restored).toMatchObject({
      name: 'IncompatibleModelsError',
      code: 'incompatible-models',
      message: 'no shared vocab',
      differences: ['vocab size 1 vs 2', 'bos 1 vs 2'],
    });
  });

  it('round-trip UnsupportedModelError with its architecture', () => {
    const restored = roundTrip(new UnsupportedModelError('no mamba', 'MambaForCausalLM'));
    expect(restored).toBeInstanceOf(UnsupportedModelError);
    expect(restored).toMatchObject({ code: 'unsupported-model', architecture: 'MambaForCausalLM' });
  });

  it('round-trip ModelLoadError with model, file and cause', () => {
    const cause = new TypeError('fetch failed');
    const restored = roundTrip(new ModelLoadError('could not load', { model: 'org/m', file: 'onnx/model.onnx', cause })) as ModelLoadError;
    expect(restored).toBeInstanceOf(ModelLoadError);
    expect(restored).toMatchObject({ code: 'model-load', model: 'org/m', file: 'onnx/model.onnx' });
    expect(restored.cause).toBeInstanceOf(TypeError);
    expect((restored.cause as Error).message).toBe('fetch failed');
  });

  it('round-trip InvalidLogitsError with where it happened', () => {
    const original = new InvalidLogitsError({ value: 'Infinity', column: 17, model: 'draft', round: 3, row: 2 });
    const restored = roundTrip(original);
    expect(restored).toBeInstanceOf(InvalidLogitsError);
    expect(restored).toMatchObject({ code: 'invalid-logits', value: 'Infinity', column: 17, model: 'draft', round: 3, row: 2, message: original.message });
  });

  it('InvalidLogitsError learns its location from its callers without losing what it knew', () => {
    const found = new InvalidLogitsError({ value: 'NaN', column: 5 });
    const located = locateInvalidLogits(locateInvalidLogits(found, { row: 1 }), { model: 'target', round: 4, row: 9 }) as InvalidLogitsError;
    expect(located).toMatchObject({ value: 'NaN', column: 5, model: 'target', round: 4, row: 1 });
    expect(located.message).toMatch(/^the target model produced NaN logits \(round 4, row 1, token 5\)/);
    const other = new RangeError('x');
    expect(locateInvalidLogits(other, { model: 'target' })).toBe(other);
  });

  it('round-trip the remaining Speculo errors by code', () => {
    expect(roundTrip(new WebGPUUnavailableError('no adapter'))).toBeInstanceOf(WebGPUUnavailableError);
    expect(roundTrip(new UnsupportedEnvironmentError('no Worker'))).toBeInstanceOf(UnsupportedEnvironmentError);
    expect(roundTrip(new EngineDisposedError())).toBeInstanceOf(EngineDisposedError);
    expect(roundTrip(new EngineBusyError())).toBeInstanceOf(EngineBusyError);
    expect(roundTrip(new SpeculoError('generic'))).toMatchObject({ name: 'SpeculoError', code: 'speculo' });
  });

  it('round-trip RangeError and TypeError as themselves', () => {
    const range = roundTrip(new RangeError('topP must be in (0, 1], got 2'));
    expect(range).toBeInstanceOf(RangeError);
    expect(range.message).toBe('topP must be in (0, 1], got 2');
    expect(roundTrip(new TypeError('bad'))).toBeInstanceOf(TypeError);
  });

  it('round-trip AbortError as a DOMException named AbortError', () => {
    const restored = roundTrip(createAbortError('stopped by user'));
    expect(restored).toBeInstanceOf(DOMException);
    expect(restored.name).toBe('AbortError');
    expect(restored.message).toBe('stopped by user');
  });

  it('keeps the name of unknown error classes and the worker stack', () => {
    class OrtError extends Error {
      override name = 'OrtError';
    }
    const original = new OrtError('session failed');
    const restored = roundTrip(original);
    expect(restored.name).toBe('OrtError');
    expect(restored.message).toBe('session failed');
    expect(restored.stack).toBe(original.stack);
  });

  it('serialises thrown non-errors', () => {
    expect(serializeError('plain string')).toEqual({ name: 'Error', message: 'plain string' });
    expect(roundTrip(42).message).toBe('42');
  });
});
