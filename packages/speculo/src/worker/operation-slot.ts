import { createAbortError, EngineBusyError, EngineDisposedError } from '../errors.js';

/**
 * The engine's calls that use the models' caches and so must not overlap. `background` is the engine's own idle-time
 * work (background calibration): it starts only when the slot is free and gives way to any call that arrives.
 */
export type OperationKind = 'generate' | 'calibrate' | 'background';

/**
 * One call's hold on the engine, from its arrival to its end, whether it runs or waits. The decoder and the
 * calibration read `aborted` between passes, so it doubles as their abort signal.
 */
export interface Claim {
  readonly kind: OperationKind;
  /** The page's id of a generation; null for calls the page cannot abort (recalibration). */
  readonly requestId: number | null;
  aborted: boolean;
  /** Why it was aborted: `dispose` turns the abort into an {@link EngineDisposedError}; `preempt`: a call arrived. */
  abortedBy: 'caller' | 'dispose' | 'preempt' | null;
}

interface Running {
  claim: Claim;
  done: Promise<void>;
}

/**
 * The rule of one call at a time, in one place. A call that arrives while another runs is refused with
 * {@link EngineBusyError}, unless the running call was aborted: a caller who aborted has nothing left to await, so
 * the new call waits for the aborted one to unwind (at most one round) and then runs. `dispose` aborts everything
 * and waits for the running call to unwind before the models are freed under it.
 */
export class OperationSlot {
  private running: Running | null = null;
  private readonly claims = new Set<Claim>();

  /**
   * Runs `body` holding the slot. The claim is registered before the first await, so an abort sent right after
   * the call (messages reach the worker in order) always finds it, whether the call runs or still waits.
   * @throws {EngineBusyError} when a call that was not aborted holds the slot.
   * @throws the abort error when this call is aborted before it starts.
   */
  async run<T>(kind: OperationKind, requestId: number | null, body: (claim: Claim) => Promise<T>): Promise<T> {
    const claim: Claim = { kind, requestId, aborted: false, abortedBy: null };
    this.claims.add(claim);
    try {
      const release = await this.acquire(claim);
      try {
        return await body(claim);
      } catch (error) {
        throw claim.aborted ? abortErrorOf(claim, error) : error;
      } finally {
        this.running = null;
        release();
      }
    } finally {
      this.claims.delete(claim);
    }
  }

  /**
   * Runs the engine's own idle-time work if the slot is free now, else does nothing and returns `undefined`. Any call
   * that arrives meanwhile aborts it (`abortedBy: 'preempt'`) and waits for it to unwind, so `body` must check
   * `claim.aborted` between passes and stop with the abort error.
   */
  async runWhenIdle<T>(body: (claim: Claim) => Promise<T>): Promise<T | undefined> {
    if (this.running) return undefined;
    return this.run('background', null, body);
  }

  /** True while no call runs. */
  get idle(): boolean {
    return this.running === null;
  }

  /**
   * Takes the slot and returns its release. The slot is marked taken in the same step that finds it free: with an
   * await in between, two calls waiting on one aborted call would both find it free and run at once.
   */
  private async acquire(claim: Claim): Promise<() => void> {
    for (;;) {
      if (claim.aborted) throw abortErrorOf(claim, null);
      const running = this.running;
      if (!running) {
        let release!: () => void;
        this.running = { claim, done: new Promise<void>((resolve) => (release = resolve)) };
        return release;
      }
      if (running.claim.kind === 'background' && !running.claim.aborted) {
        running.claim.aborted = true;
        running.claim.abortedBy = 'preempt';
      }
      if (!running.claim.aborted) throw new EngineBusyError(`${describeNew(claim)} cannot start while ${describeRunning(running.claim)}; ${adviceFor(running.claim)}`);
      await running.done;
    }
  }

  /** Marks generation `requestId` aborted, running or waiting; an id that already ended is ignored. */
  abort(requestId: number): void {
    for (const claim of this.claims) {
      if (claim.requestId === requestId && !claim.aborted) {
        claim.aborted = true;
        claim.abortedBy = 'caller';
      }
    }
  }

  /** Aborts every call, running or waiting, and resolves once the running one has unwound. */
  async abortAllAndWait(): Promise<void> {
    for (const claim of this.claims) {
      if (claim.aborted) continue;
      claim.aborted = true;
      claim.abortedBy = 'dispose';
    }
    while (this.running) await this.running.done;
  }
}

function abortErrorOf(claim: Claim, error: unknown): unknown {
  if (claim.abortedBy === 'dispose') return new EngineDisposedError('the engine was disposed while this call ran or waited');
  // A failure that is not the abort itself (the model failed mid-pass) is the more useful report.
  if (error !== null && !(error instanceof DOMException && error.name === 'AbortError')) return error;
  return createAbortError();
}

function describeNew(claim: Claim): string {
  return claim.kind === 'generate' ? `generation ${claim.requestId}` : claim.kind === 'calibrate' ? 'recalibrate()' : 'background calibration';
}

function describeRunning(claim: Claim): string {
  return claim.kind === 'generate' ? `generation ${claim.requestId} is still running` : 'recalibrate() is measuring the device';
}

function adviceFor(claim: Claim): string {
  return claim.kind === 'generate' ? 'await it or abort it first' : 'await it first';
}
