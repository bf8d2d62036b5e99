import type { LoadProgress } from '../types/engine.js';

/**
 * A call's progress reports, all delivered before the call answers.
 *
 * Through comlink, `onProgress` is a proxy whose calls travel on a port of their own, while the call's answer
 * travels on the worker's; two ports keep no order between them. Without waiting, the last reports of a load could
 * reach the page after the load had resolved and overwrite what the page showed for it. That happened in CI: the
 * demo still read "Measuring this device… step 118 of 118" two minutes after loading, about one run in three.
 * Each proxied call returns a promise that settles once the page has run the callback; {@link delivered} waits for
 * them all. A plain function (an app calling the engine in its own worker) returns nothing and needs no wait.
 */
export class ProgressRelay {
  private readonly pending: Promise<unknown>[] = [];

  /**
   * @param maxWaitMs How long {@link delivered} waits at most: a page that stopped answering (closed, or its
   *   port collected) must not hold the load's answer forever.
   */
  constructor(
    private readonly onProgress?: (progress: LoadProgress) => unknown,
    private readonly maxWaitMs = 5000,
  ) {}

  /** Reports one step; a callback that throws or rejects is the page's business, not the load's. */
  readonly report = (progress: LoadProgress): void => {
    if (!this.onProgress) return;
    try {
      this.pending.push(Promise.resolve(this.onProgress(progress)).catch(() => undefined));
    } catch {
      // A synchronous throw from the page's own callback must not fail the load either.
    }
  };

  /** Resolves once every report so far has been handled by the receiver, or after `maxWaitMs`. */
  async delivered(): Promise<void> {
    const all = Promise.all(this.pending.splice(0));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.maxWaitMs)));
    await Promise.race([all, timeout]);
    clearTimeout(timer);
  }
}
