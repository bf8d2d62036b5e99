/** What the host spent on forward passes so far: time awaiting ORT or the GPU, and logits read into JS memory. */
export interface PassTotals {
  /** Milliseconds the host awaited ORT (a session run) or the GPU (a read-back), summed. */
  awaitedMs: number;
  /**
   * Reads of logits data into JS memory. On WebGPU each is a GPU→CPU transfer and a sync; on WASM, ORT's copy of an
   * output out of the WebAssembly heap.
   */
  reads: number;
  /** Bytes those reads brought back. */
  bytesRead: number;
}

/**
 * Counts the host's waits and reads across every model of a generation (the target and a draft share one), so that
 * a round's own JavaScript work is its wall time minus what it awaited, measured in one place.
 */
export class PassMeter {
  private readonly totals: PassTotals = { awaitedMs: 0, reads: 0, bytesRead: 0 };

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Awaits `work`, counting the wait as time outside the host's own work. */
  async awaiting<T>(work: Promise<T>): Promise<T> {
    const start = this.now();
    try {
      return await work;
    } finally {
      this.totals.awaitedMs += this.now() - start;
    }
  }

  /** Counts one read of `bytes` into JS memory. */
  recordRead(bytes: number): void {
    this.totals.reads++;
    this.totals.bytesRead += bytes;
  }

  /** The totals so far, as a copy: subtract two snapshots to get what happened between them. */
  snapshot(): PassTotals {
    return { ...this.totals };
  }
}
