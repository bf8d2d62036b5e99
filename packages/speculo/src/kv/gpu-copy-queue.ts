import { env as ortEnv } from 'onnxruntime-web/webgpu';

/**
 * Collects the buffer-to-buffer copies of cache cuts so that every cut of a round (target and draft, all layers,
 * all heads) goes to the GPU in one command encoder and one queue submission. The caches that share a queue enqueue
 * their copies synchronously, one after another; the queue submits them in a microtask, so callers never submit
 * and the cuts of one synchronous step share a submission. {@link submit} forces it before anything reads a cache.
 */
export class GpuCopyQueue {
  private encoder: GPUCommandEncoder | null = null;
  /** Buffers whose contents are still read by the pending copies; destroyed right after submission. */
  private readonly retired: Array<() => void> = [];
  private submitScheduled = false;

  constructor(readonly device: GPUDevice) {}

  /** A queue on the device ORT's WebGPU backend runs on, which is where the caches live. */
  static async forOnnxRuntime(): Promise<GpuCopyQueue> {
    return new GpuCopyQueue((await ortEnv.webgpu.device) as GPUDevice);
  }

  /** Allocates a buffer that ORT can bind as a model input and that this queue can copy into. */
  createBuffer(size: number, label: string): GPUBuffer {
    // WebGPU copies move multiples of 4 bytes; fp16 caches with an odd element count round up.
    const alignedSize = Math.max(4, Math.ceil(size / 4) * 4);
    return this.device.createBuffer({
      label,
      size: alignedSize,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  copy(source: GPUBuffer, sourceOffset: number, destination: GPUBuffer, destinationOffset: number, size: number): void {
    if (size === 0) return;
    this.encoder ??= this.device.createCommandEncoder({ label: 'speculo kv rollback' });
    this.encoder.copyBufferToBuffer(source, sourceOffset, destination, destinationOffset, size);
    this.scheduleSubmit();
  }

  /** Runs `release` once the copies reading the old buffer have been submitted. */
  retireAfterSubmit(release: () => void): void {
    this.retired.push(release);
    this.scheduleSubmit();
  }

  /**
   * Submits the pending copies, if any. Releasing the old buffers after `submit` is safe: WebGPU keeps a destroyed
   * buffer's contents alive for work already submitted, and ORT's own buffer pool reuses returned buffers only in
   * later submissions on the same queue.
   */
  submit(): void {
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
    }
    for (const release of this.retired.splice(0)) release();
  }

  private scheduleSubmit(): void {
    if (this.submitScheduled) return;
    this.submitScheduled = true;
    queueMicrotask(() => {
      this.submitScheduled = false;
      this.submit();
    });
  }
}
