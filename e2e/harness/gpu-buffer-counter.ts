/// <reference lib="webworker" />
/**
 * Counts live GPU buffers in the worker it is imported into (before anything creates a device), and answers
 * queries on a BroadcastChannel so tests can check that generation and dispose leave no buffer behind.
 */
const live = new Set<GPUBuffer>();
let created = 0;
let destroyed = 0;
let mapAsyncCalls = 0;
let speculoMapAsyncCalls = 0;
let largestOtherMap = 0;

if (typeof GPUDevice !== 'undefined') {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called as createBuffer.call(this, …) below
  const createBuffer = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor) {
    const buffer = createBuffer.call(this, descriptor);
    live.add(buffer);
    created++;
    return buffer;
  };
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called as destroy.call(this) below
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function (this: GPUBuffer) {
    if (live.delete(this)) destroyed++;
    return destroy.call(this);
  };
  // Every GPU→CPU read (ORT's downloads and Speculo's own) maps a buffer: the count of syncs.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called as mapAsync.call(this, …) below
  const mapAsync = GPUBuffer.prototype.mapAsync;
  GPUBuffer.prototype.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
    mapAsyncCalls++;
    if (this.label.startsWith('speculo')) speculoMapAsyncCalls++;
    else largestOtherMap = Math.max(largestOtherMap, this.size);
    return mapAsync.apply(this, args);
  };
}

export interface GpuBufferCounts {
  live: number;
  created: number;
  destroyed: number;
  /** Live buffers that Speculo itself allocated, by label. */
  liveSpeculo: number;
  /** Of those, the ones a call leaves behind on purpose: the logits buffers the engine keeps between calls. */
  liveSpeculoLogits: number;
  /** GPUBuffer.mapAsync calls so far: GPU→CPU reads. */
  mapAsyncCalls: number;
  /** Of those, the ones on Speculo's own buffers (its logits reads); the rest are ORT's downloads. */
  speculoMapAsyncCalls: number;
  /** Bytes of the largest buffer anything else (ORT) mapped. */
  largestOtherMap: number;
}

const channel = new BroadcastChannel('speculo-gpu-buffer-counter');
channel.onmessage = (event: MessageEvent<{ query: number }>) => {
  const counts: GpuBufferCounts = {
    live: live.size,
    created,
    destroyed,
    liveSpeculo: [...live].filter((b) => b.label.startsWith('speculo')).length,
    liveSpeculoLogits: [...live].filter((b) => b.label.startsWith('speculo logits')).length,
    mapAsyncCalls,
    speculoMapAsyncCalls,
    largestOtherMap,
  };
  channel.postMessage({ reply: event.data.query, counts });
};
