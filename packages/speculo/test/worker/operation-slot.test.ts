import { describe, expect, it } from 'vitest';
import { EngineBusyError, EngineDisposedError } from '../../src/errors.js';
import { OperationSlot, type Claim } from '../../src/worker/operation-slot.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (a macrotask comes after all queued microtasks). */
const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** How a promise ended, without an unhandled rejection while the test looks elsewhere. */
function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

const abortError = () => new DOMException('The generation was aborted.', 'AbortError');

/**
 * A body that logs its start and end, hands its claim out, and settles when the test says so: what the decoder
 * does between its passes, reduced to the part the slot sees.
 */
function controlledBody<T>(name: string, log: string[]) {
  const gate = deferred<T>();
  const started = deferred<Claim>();
  let calls = 0;
  const body = async (claim: Claim): Promise<T> => {
    calls++;
    log.push(`start ${name}`);
    started.resolve(claim);
    try {
      return await gate.promise;
    } finally {
      log.push(`end ${name}`);
    }
  };
  return { body, gate, started: started.promise, calls: () => calls };
}

function expectAbortError(error: unknown): void {
  expect(error).toBeInstanceOf(DOMException);
  expect((error as DOMException).name).toBe('AbortError');
}

/** Starts generation 1 with a controlled body, waits until it runs, then aborts it: the setup of the waiting tests. */
async function startThenAbortFirst(slot: OperationSlot, log: string[]) {
  const first = controlledBody<string>('1', log);
  const firstResult = outcome(slot.run('generate', 1, first.body));
  await first.started;
  slot.abort(1);
  return { first, firstResult };
}

describe('OperationSlot', () => {
  it('runs a body with a fresh claim and returns what it returns', async () => {
    const slot = new OperationSlot();
    const seen: Claim[] = [];
    const result = await slot.run('generate', 7, async (claim) => {
      seen.push({ ...claim });
      return 'done';
    });
    expect(result).toBe('done');
    expect(seen).toEqual([{ kind: 'generate', requestId: 7, aborted: false, abortedBy: null }]);
  });

  it.each<[string, [kind: 'generate' | 'calibrate', id: number | null], [kind: 'generate' | 'calibrate', id: number | null], string]>([
    ['generation then generation', ['generate', 1], ['generate', 2], 'generation 2 cannot start while generation 1 is still running; await it or abort it first'],
    ['generation then recalibrate', ['generate', 1], ['calibrate', null], 'recalibrate() cannot start while generation 1 is still running; await it or abort it first'],
    ['recalibrate then generation', ['calibrate', null], ['generate', 1], 'generation 1 cannot start while recalibrate() is measuring the device; await it first'],
    ['recalibrate then recalibrate', ['calibrate', null], ['calibrate', null], 'recalibrate() cannot start while recalibrate() is measuring the device; await it first'],
  ])('refuses a second call while one runs (%s) with EngineBusyError naming both', async (_, first, second, message) => {
    const slot = new OperationSlot();
    const log: string[] = [];
    const running = controlledBody<string>('first', log);
    const firstResult = outcome(slot.run(first[0], first[1], running.body));
    await running.started;

    const refused = controlledBody<string>('second', log);
    const { error } = await outcome(slot.run(second[0], second[1], refused.body));
    expect(error).toBeInstanceOf(EngineBusyError);
    expect(error).toMatchObject({ name: 'EngineBusyError', code: 'engine-busy', message });
    expect(refused.calls()).toBe(0);

    // The refusal did not disturb the running call, and the slot is free once it ends.
    running.gate.resolve('first done');
    expect(await firstResult).toEqual({ value: 'first done' });
    expect(await slot.run(second[0], second[1], async () => 'then it runs')).toBe('then it runs');
    expect(log).toEqual(['start first', 'end first']);
  });

  it('marks the running claim aborted, which the body reads as its signal', async () => {
    const slot = new OperationSlot();
    const log: string[] = [];
    const running = controlledBody<string>('1', log);
    const result = outcome(slot.run('generate', 1, running.body));
    const claim = await running.started;
    expect(claim).toMatchObject({ kind: 'generate', requestId: 1, aborted: false, abortedBy: null });

    slot.abort(2);
    expect(claim.aborted).toBe(false);
    slot.abort(1);
    expect(claim).toMatchObject({ aborted: true, abortedBy: 'caller' });

    running.gate.reject(abortError());
    expectAbortError((await result).error);
  });

  it('after abort of the running call, runs a new call only once the first body has settled', async () => {
    const slot = new OperationSlot();
    const log: string[] = [];
    const { first, firstResult } = await startThenAbortFirst(slot, log);

    const second = controlledBody<string>('2', log);
    const secondResult = outcome(slot.run('generate', 2, second.body));
    await flush();
    await flush();
    expect(second.calls()).toBe(0);
    expect(log).toEqual(['start 1']);

    log.push('first settles');
    first.gate.reject(abortError());
    expectAbortError((await firstResult).error);
    const claim = await second.started;
    expect(claim).toMatchObject({ kind: 'generate', requestId: 2, aborted: false });
    expect(log).toEqual(['start 1', 'first settles', 'end 1', 'start 2']);

    second.gate.resolve('2 done');
    expect(await secondResult).toEqual({ value: '2 done' });
  });

  it('lets a recalibrate() wait for an aborted generation too', async () => {
    const slot = new OperationSlot();
    const log: string[] = [];
    const generation = controlledBody<string>('gen', log);
    const generationResult = outcome(slot.run('generate', 1, generation.body));
    await generation.started;
    slot.abort(1);
    const calibration = controlledBody<string>('cal', log);
    const calibrationResult = outcome(slot.run('calibrate', null, calibration.body));
    await flush();
    expect(calibration.calls()).toBe(0);
    generation.gate.resolve('finished anyway');
    // An aborted body that still finishes returns its result.
    expect(await generationResult).toEqual({ value: 'finished anyway' });
    await calibration.started;
    calibration.gate.resolve('profile');
    expect(await calibrationResult).toEqual({ value: 'profile' });
    expect(log).toEqual(['start gen', 'end gen', 'start cal', 'end cal']);
  });

  it('keeps a non-abort error a body throws after being aborted', async () => {
    const slot = new OperationSlot();
    const body = controlledBody<string>('1', []);
    const result = outcome(slot.run('generate', 1, body.body));
    await body.started;
    slot.abort(1);
    const failure = new Error('the model failed mid-pass');
    body.gate.reject(failure);
    expect((await result).error).toBe(failure);
    expect(await slot.run('generate', 2, async () => 'free again')).toBe('free again');
  });

  it('turns an AbortError the body throws after the caller aborted into an AbortError', async () => {
    const slot = new OperationSlot();
    const body = controlledBody<string>('1', []);
    const result = outcome(slot.run('generate', 1, body.body));
    await body.started;
    slot.abort(1);
    body.gate.reject(abortError());
    const { error } = await result;
    expectAbortError(error);
    expect(error).not.toBeInstanceOf(EngineDisposedError);
  });

  it('rejects an aborted waiting call with AbortError without running its body, and lets the call after it run', async () => {
    const slot = new OperationSlot();
    const log: string[] = [];
    const { first, firstResult } = await startThenAbortFirst(slot, log);

    const second = controlledBody<string>('2', log);
    const secondResult = outcome(slot.run('generate', 2, second.body));
    await flush();
    slot.abort(2);
    const third = controlledBody<string>('3', log);
    const thirdResult = outcome(slot.run('generate', 3, third.body));
    await flush();
    expect(log).toEqual(['start 1']);

    first.gate.reject(abortError());
    expectAbortError((await firstResult).error);
    expectAbortError((await secondResult).error);
    expect(second.calls()).toBe(0);

    await third.started;
    third.gate.resolve('3 done');
    expect(await thirdResult).toEqual({ value: '3 done' });
    expect(log).toEqual(['start 1', 'end 1', 'start 3', 'end 3']);
  });

  it('never runs two bodies at once when two calls wait for the same aborted one', async () => {
    const slot = new OperationSlot();
    let active = 0;
    let most = 0;
    const log: string[] = [];
    const body = (name: string) => async (): Promise<string> => {
      active++;
      most = Math.max(most, active);
      log.push(`start ${name}`);
      await flush();
      log.push(`end ${name}`);
      active--;
      return name;
    };
    const { first, firstResult } = await startThenAbortFirst(slot, log);
    const second = outcome(slot.run('generate', 2, body('2')));
    const third = outcome(slot.run('generate', 3, body('3')));
    await flush();
    first.gate.resolve('1');
    await Promise.all([firstResult, second, third]);
    expect(most).toBe(1);
    // Whichever got the slot ran; the other either waited for it or was refused as busy.
    const outcomes = [await second, await third];
    for (const { error } of outcomes) if (error !== undefined) expect(error).toBeInstanceOf(EngineBusyError);
    expect(outcomes.filter((o) => o.error === undefined).length).toBeGreaterThanOrEqual(1);
  });

  it('never runs two bodies at once when two calls arrive in the same tick', async () => {
    const slot = new OperationSlot();
    let active = 0;
    let most = 0;
    const body = async (): Promise<void> => {
      active++;
      most = Math.max(most, active);
      await flush();
      active--;
    };
    const results = await Promise.all([outcome(slot.run('generate', 1, body)), outcome(slot.run('generate', 2, body))]);
    expect(most).toBe(1);
    expect(results[1].error).toBeInstanceOf(EngineBusyError);
  });

  it('abortAllAndWait marks the running claim, resolves only after its body settles, and turns its rejection into EngineDisposedError', async () => {
    const slot = new OperationSlot();
    const log: string[] = [];
    const running = controlledBody<string>('gen', log);
    const result = outcome(slot.run('generate', 1, running.body));
    const claim = await running.started;

    let disposed = false;
    const waiting = slot.abortAllAndWait().then(() => {
      disposed = true;
      log.push('disposed');
    });
    expect(claim).toMatchObject({ aborted: true, abortedBy: 'dispose' });
    await flush();
    await flush();
    expect(disposed).toBe(false);

    running.gate.reject(abortError());
    await waiting;
    expect(log).toEqual(['start gen', 'end gen', 'disposed']);
    const { error } = await result;
    expect(error).toBeInstanceOf(EngineDisposedError);
    expect(error).toMatchObject({ code: 'engine-disposed', message: 'the engine was disposed while this call ran or waited' });
  });

  it('abortAllAndWait also turns a non-abort failure of the running body into EngineDisposedError', async () => {
    const slot = new OperationSlot();
    const running = controlledBody<string>('cal', []);
    const result = outcome(slot.run('calibrate', null, running.body));
    const claim = await running.started;
    const waiting = slot.abortAllAndWait();
    expect(claim).toMatchObject({ aborted: true, abortedBy: 'dispose' });
    running.gate.reject(new Error('pass interrupted'));
    await waiting;
    expect((await result).error).toBeInstanceOf(EngineDisposedError);
  });

  it('abortAllAndWait rejects a waiting call with EngineDisposedError without running it', async () => {
    const slot = new OperationSlot();
    const log: string[] = [];
    const { first, firstResult } = await startThenAbortFirst(slot, log);
    const second = controlledBody<string>('2', log);
    const secondResult = outcome(slot.run('generate', 2, second.body));
    const third = controlledBody<string>('cal', log);
    const thirdResult = outcome(slot.run('calibrate', null, third.body));
    await flush();

    const waiting = slot.abortAllAndWait();
    first.gate.reject(abortError());
    await waiting;
    // The first was aborted by its caller before the dispose: that abort stands.
    expectAbortError((await firstResult).error);
    expect((await secondResult).error).toBeInstanceOf(EngineDisposedError);
    expect((await thirdResult).error).toBeInstanceOf(EngineDisposedError);
    expect(second.calls()).toBe(0);
    expect(third.calls()).toBe(0);
    expect(log).toEqual(['start 1', 'end 1']);
  });

  it('abortAllAndWait resolves at once when nothing runs', async () => {
    const slot = new OperationSlot();
    await expect(slot.abortAllAndWait()).resolves.toBeUndefined();
  });

  it('is free again after a body rejects or throws synchronously', async () => {
    const slot = new OperationSlot();
    const failure = new Error('tokenizer failed');
    await expect(slot.run('generate', 1, () => Promise.reject(failure))).rejects.toBe(failure);
    const thrownSync = new TypeError('bad state');
    await expect(
      slot.run('calibrate', null, () => {
        throw thrownSync;
      }),
    ).rejects.toBe(thrownSync);
    expect(await slot.run('generate', 2, async () => 42)).toBe(42);
  });

  it('ignores an abort for an id that already ended, so a later call with a fresh claim runs unaborted', async () => {
    const slot = new OperationSlot();
    await slot.run('generate', 1, async () => undefined);
    slot.abort(1);
    const claims: Claim[] = [];
    await slot.run('generate', 1, async (claim) => {
      claims.push({ ...claim });
    });
    expect(claims).toEqual([{ kind: 'generate', requestId: 1, aborted: false, abortedBy: null }]);
  });
});

describe('OperationSlot idle-time work', () => {
  it('runs only when the slot is free, and gives way to a call within its current pass', async () => {
    const slot = new OperationSlot();
    const log: string[] = [];
    const generation = controlledBody<string>('generation 1', log);
    const running = outcome(slot.run('generate', 1, generation.body));
    await generation.started;
    // Busy: the idle-time work does not start (and does not wait).
    await expect(slot.runWhenIdle(async () => 'measured')).resolves.toBeUndefined();
    generation.gate.resolve('done');
    expect((await running).value).toBe('done');
    expect(slot.idle).toBe(true);

    const background = controlledBody<string>('background', log);
    const measuring = outcome(slot.runWhenIdle(background.body));
    const claim = await background.started;
    expect(claim.kind).toBe('background');
    // A call arrives: it is not refused; it marks the work preempted and waits for it to unwind.
    const second = controlledBody<string>('generation 2', log);
    const next = outcome(slot.run('generate', 2, second.body));
    await flush();
    expect(claim).toMatchObject({ aborted: true, abortedBy: 'preempt' });
    expect(second.calls()).toBe(0);
    background.gate.reject(abortError());
    expectAbortError((await measuring).error);
    await second.started;
    second.gate.resolve('second');
    expect((await next).value).toBe('second');
    expect(log).toEqual(['start generation 1', 'end generation 1', 'start background', 'end background', 'start generation 2', 'end generation 2']);
  });
});
