import { afterEach, describe, expect, it } from 'vitest';
import { createSpeculo } from '../../src/client/speculo-engine.js';
import { EngineBusyError, EngineDisposedError, GuardrailConfigError, UnsupportedEnvironmentError } from '../../src/errors.js';
import { disposeScriptedEngines, scriptedEngine } from '../helpers/scripted-worker-engine.js';

afterEach(disposeScriptedEngines);

describe('createSpeculo outside a browser', () => {
  it('refuses a missing target with a RangeError that shows an example', async () => {
    await expect(createSpeculo({} as never)).rejects.toThrow(RangeError);
    await expect(createSpeculo({} as never)).rejects.toThrow(/target is required.*onnx-community/);
  });

  it('checks the guardrails on the calling thread, before any worker starts', async () => {
    await expect(createSpeculo({ target: 'x', guardrails: { version: '1', acceptanceFloor: { rate: 2 } } as never })).rejects.toBeInstanceOf(GuardrailConfigError);
  });

  it('says that it needs a module Web Worker when there is none, instead of a ReferenceError', async () => {
    expect(typeof (globalThis as { Worker?: unknown }).Worker).toBe('undefined');
    const error = await createSpeculo({ target: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedEnvironmentError);
    expect((error as Error).message).toMatch(/Web Worker.*worker option/);
  });

  it('refuses misspelt and uncloneable options before a worker starts', async () => {
    await expect(createSpeculo({ target: 'x', draf: 'y' } as never)).rejects.toThrow(/unknown option "draf" in createSpeculo options: did you mean "draft"\?/);
    await expect(createSpeculo({ target: 'x', scheduler: { calibrate: false }, guardrails: { fn: () => 1 } } as never)).rejects.toThrow(
      /createSpeculo options\.guardrails\.fn is a function/,
    );
  });
});

describe('SpeculoEngine lifecycle', () => {
  it('dispose rejects a running stream and a pending generate at once with EngineDisposedError', async () => {
    const { engine, worker } = await scriptedEngine();
    const iterator = engine.stream({ prompt: 'x', maxNewTokens: 10_000 });
    expect((await iterator.next()).value).toMatchObject({ type: 'token' });
    const pending = iterator.next().then(
      () => 'resolved',
      (e: unknown) => e,
    );
    const disposed = engine.dispose();
    expect(await pending).toBeInstanceOf(EngineDisposedError);
    await disposed;
    expect(worker.freed).toBe(true);
    expect(engine.dispose()).toBe(disposed);
    await expect(engine.generate({ prompt: 'x' })).rejects.toBeInstanceOf(EngineDisposedError);
    await expect(engine.recalibrate()).rejects.toBeInstanceOf(EngineDisposedError);
  });

  it('dispose rejects a running recalibration too', async () => {
    const { engine } = await scriptedEngine();
    const calibration = engine.recalibrate().catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await engine.dispose();
    expect(await calibration).toBeInstanceOf(EngineDisposedError);
  });

  it('rejects with the signal reason at once, whatever it is, and the next call runs', async () => {
    const { engine } = await scriptedEngine();
    for (const reason of [new Error('user left'), 'tab hidden', undefined]) {
      const controller = new AbortController();
      let first!: () => void;
      const firstToken = new Promise<void>((resolve) => (first = resolve));
      const call = engine.generate({ prompt: 'x', maxNewTokens: 10_000, signal: controller.signal, onToken: () => first() }).catch((e: unknown) => ({ rejected: e }));
      await firstToken;
      controller.abort(reason);
      const outcome = await call;
      expect(outcome).toEqual({ rejected: controller.signal.reason });
      if (reason === undefined) expect((outcome as { rejected: DOMException }).rejected.name).toBe('AbortError');
      else expect((outcome as { rejected: unknown }).rejected).toBe(reason);
      expect((await engine.generate({ prompt: 'x', maxNewTokens: 3 })).tokenIds).toEqual([1, 2, 3]);
    }
    const preAborted = AbortSignal.abort(new Error('already'));
    await expect(engine.generate({ prompt: 'x', signal: preAborted })).rejects.toBe(preAborted.reason);
  });

  it('runs the next call right after an abort or a break without awaiting the aborted one', async () => {
    const { engine } = await scriptedEngine();
    for (let cycle = 0; cycle < 20; cycle++) {
      const controller = new AbortController();
      const aborted = engine.generate({ prompt: 'x', maxNewTokens: 10_000, signal: controller.signal }).catch((e: unknown) => e);
      controller.abort();
      expect((await engine.generate({ prompt: 'x', maxNewTokens: 2 })).tokenIds).toEqual([1, 2]);
      expect(await aborted).toMatchObject({ name: 'AbortError' });

      for await (const event of engine.stream({ prompt: 'x', maxNewTokens: 10_000 })) if (event.type === 'token') break;
      expect((await engine.generate({ prompt: 'x', maxNewTokens: 2 })).tokenIds).toEqual([1, 2]);
    }
  });

  it('refuses overlapping calls that were not aborted, in both orders, with EngineBusyError', async () => {
    const { engine } = await scriptedEngine();
    const generation = engine.generate({ prompt: 'x', maxNewTokens: 20 });
    await expect(engine.recalibrate()).rejects.toBeInstanceOf(EngineBusyError);
    await expect(engine.generate({ prompt: 'x', maxNewTokens: 2 })).rejects.toThrow(/generation 1 is still running; await it or abort it first/);
    expect((await generation).tokenIds).toHaveLength(20);

    const calibration = engine.recalibrate();
    await expect(engine.generate({ prompt: 'x', maxNewTokens: 2 })).rejects.toThrow(/recalibrate\(\) is measuring the device; await it first/);
    await expect(calibration).resolves.toEqual({ id: 'profile' });
  });

  it('refuses misspelt per-call options with the closest valid name', async () => {
    const { engine } = await scriptedEngine();
    await expect(engine.generate({ prompt: 'x', maxNewToken: 5 } as never)).rejects.toThrow(/unknown option "maxNewToken" in generate\(\) options: did you mean "maxNewTokens"\?/);
    await expect(engine.generate({ prompt: 'x', onTokens: () => undefined } as never)).rejects.toThrow(/did you mean "onToken"\?/);
    const stream = engine.stream({ prompt: 'x', signl: null } as never);
    await expect(stream.next()).rejects.toThrow(/unknown option "signl" in stream\(\) options: did you mean "signal"\?/);
    await expect(engine.generate('hello' as never)).rejects.toThrow(/generate\(\) options must be an object/);
  });
});
