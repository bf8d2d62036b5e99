/**
 * Collects the buffer-to-buffer copies of one decoding round so that every cache cut (target and draft, all
 * layers, all heads) goes to the GPU in a single command encoder and a single queue submission.
 */
export class GpuCopyBatch {
  private encoder: GPUCommandEncoder | null = null;
  /** Buffers whose contents are still read by the pending copies; destroyed right after submission. */
  private readonly retired: Array<() => void> = [];

  constructor(readonly device: GPUDevice) {}

  /** Allocates a buffer that ORT can bind as a model input and that this batch can copy into. */
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
  }

  /** Runs `release` once the copies reading the old buffer have been submitted. */
  retireAfterSubmit(release: () => void): void {
    this.retired.push(release);
  }

  /**
   * Submits the copies. Releasing the old buffers after `submit` is safe: WebGPU keeps a destroyed buffer's
   * contents alive for work already submitted, and ORT's own buffer pool reuses returned buffers only in later
   * submissions on the same queue.
   */
  submit(): void {
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
    }
    for (const release of this.retired.splice(0)) release();
  }
}
