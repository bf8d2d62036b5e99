import { InvalidLogitsError } from '../../packages/speculo/src/errors.js';
import { LogitsRowStatsKernel, type LogitsElementType } from '../../packages/speculo/src/gpu/logits-row-stats.js';
import { createRng, type Rng } from '../../packages/speculo/src/sampling/prng.js';
import { rowStats, type RowStats } from '../../packages/speculo/src/sampling/row-stats.js';

/**
 * Checks of the WebGPU kernels against their CPU references, called by e2e/tests/logits-kernel.spec.ts. Everything
 * runs here on seeded data; the test gets plain JSON and asserts on it.
 */

// Counts mapAsync calls on every GPU buffer: a rowStats call must read back with exactly one.
let mapAsyncCalls = 0;
if (typeof GPUBuffer !== 'undefined') {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called as mapAsync.call(this, …) below
  const mapAsync = GPUBuffer.prototype.mapAsync;
  GPUBuffer.prototype.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
    mapAsyncCalls++;
    return mapAsync.apply(this, args);
  };
}

/** How a generated row looks. */
type RowKind = 'normal' | 'ties' | 'negative-infinities' | 'all-negative-infinity';

/** One block to reduce: `kinds` gives every row of the block, of which rows [firstRow, firstRow + rows) are reduced. */
interface BlockCase {
  name: string;
  vocabSize: number;
  kinds: RowKind[];
  firstRow: number;
  rows: number;
}

export interface RowCheck {
  row: number;
  kind: RowKind;
  token: number;
  referenceToken: number;
  max: number;
  referenceMax: number;
  sumExp: number;
  referenceSumExp: number;
  relativeError: number;
}

export interface CaseResult {
  name: string;
  elementType: LogitsElementType;
  vocabSize: number;
  firstRow: number;
  rows: number;
  mapAsyncCalls: number;
  ms: number;
  /** Rows whose token or max differ from the reference, or whose sumExp is off by 1e-4 or more. */
  mismatches: RowCheck[];
  worstRelativeError: number;
  /** The first two rows, for the record. */
  sample: RowCheck[];
}

export interface ErrorCheck {
  name: string;
  mapAsyncCalls: number;
  /** What the kernel rejected with. */
  error: { name: string; isInvalidLogitsError: boolean; value: string | null; column: number | null; row: number | null; message: string } | null;
  /** What the reference threw on the same bad row. */
  reference: { value: string; column: number | null } | null;
}

export interface KernelResults {
  adapter: string;
  cases: CaseResult[];
  errors: ErrorCheck[];
  concurrent: { mapAsyncCalls: number; matches: boolean };
  afterDispose: string;
}

function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** Fills one row: random normal logits × 3, with the features its kind asks for. */
function fillRow(row: Float32Array, kind: RowKind, rng: Rng): void {
  const n = row.length;
  if (kind === 'all-negative-infinity') {
    row.fill(-Infinity);
    return;
  }
  for (let i = 0; i < n; i++) row[i] = 3 * normal(rng);
  if (kind === 'ties') {
    // The same maximum in several lanes and, for 1000 and 1256, twice in one lane: the lowest column must win.
    for (const column of [n - 1, 1256, 1000, 777 % n, Math.floor(n / 2)]) row[column % n] = 25;
  } else if (kind === 'negative-infinities') {
    row[0] = -Infinity;
    for (let i = 0; i < n / 20; i++) row[rng.nextUint32() % n] = -Infinity;
  }
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** float32 → IEEE half bits, rounded to nearest even (overflow → ±∞). */
function toHalfBits(value: number): number {
  scratch[0] = value;
  const x = scratchBits[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let fraction = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (fraction === 0 ? 0 : 0x200);
  const e = exponent - 112;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    fraction |= 0x800000;
    const shift = 14 - e;
    let half = fraction >>> shift;
    const rest = fraction & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (fraction >>> 13);
  const rest = fraction & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/** IEEE half bits → the number they hold. */
function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** The block as fp16 bits, and the float32 values those bits hold (what the reference must see). */
function toHalf(values: Float32Array): { bits: Uint16Array; rounded: Float32Array } {
  const bits = new Uint16Array(values.length);
  const rounded = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    bits[i] = toHalfBits(values[i]);
    rounded[i] = fromHalfBits(bits[i]);
  }
  return { bits, rounded };
}

/** A STORAGE buffer holding `data`, padded to 16 bytes as ORT pads its buffers. */
function upload(device: GPUDevice, data: Float32Array | Uint16Array): GPUBuffer {
  const buffer = device.createBuffer({ label: 'test logits', size: Math.ceil(data.byteLength / 16) * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const padded = new Uint8Array(buffer.size);
  padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  device.queue.writeBuffer(buffer, 0, padded);
  return buffer;
}

function block(spec: BlockCase, rng: Rng): Float32Array {
  const values = new Float32Array(spec.kinds.length * spec.vocabSize);
  spec.kinds.forEach((kind, r) => fillRow(values.subarray(r * spec.vocabSize, (r + 1) * spec.vocabSize), kind, rng));
  return values;
}

function compare(spec: BlockCase, values: Float32Array, stats: RowStats[]): RowCheck[] {
  return stats.map((gpu, i) => {
    const row = spec.firstRow + i;
    const reference = rowStats(values.subarray(row * spec.vocabSize, (row + 1) * spec.vocabSize));
    return {
      row,
      kind: spec.kinds[row],
      token: gpu.token,
      referenceToken: reference.token,
      max: gpu.max,
      referenceMax: reference.max,
      sumExp: gpu.sumExp,
      referenceSumExp: reference.sumExp,
      relativeError: Math.abs(gpu.sumExp - reference.sumExp) / reference.sumExp,
    };
  });
}

async function runCase(device: GPUDevice, kernel: LogitsRowStatsKernel, spec: BlockCase, elementType: LogitsElementType, values: Float32Array): Promise<CaseResult> {
  const half = elementType === 'float16' ? toHalf(values) : null;
  const buffer = upload(device, half ? half.bits : values);
  try {
    const calls = mapAsyncCalls;
    const start = performance.now();
    const stats = await kernel.rowStats(buffer, elementType, spec.firstRow, spec.rows, spec.vocabSize);
    const ms = performance.now() - start;
    const checks = compare(spec, half ? half.rounded : values, stats);
    return {
      name: spec.name,
      elementType,
      vocabSize: spec.vocabSize,
      firstRow: spec.firstRow,
      rows: stats.length,
      mapAsyncCalls: mapAsyncCalls - calls,
      ms: Math.round(ms),
      mismatches: checks.filter((c) => c.token !== c.referenceToken || !Object.is(c.max, c.referenceMax) || !(c.relativeError < 1e-4)),
      worstRelativeError: Math.max(...checks.map((c) => c.relativeError)),
      sample: checks.slice(0, 2),
    };
  } finally {
    buffer.destroy();
  }
}

/** A block whose row `badRow` (absolute) holds bad values at `columns`; the kernel must reject. */
async function runErrorCase(
  device: GPUDevice,
  kernel: LogitsRowStatsKernel,
  name: string,
  elementType: LogitsElementType,
  spec: BlockCase,
  bad: { row: number; columns: number[]; value: number }[],
  rng: Rng,
): Promise<ErrorCheck> {
  const values = block(spec, rng);
  for (const { row, columns, value } of bad) for (const column of columns) values[row * spec.vocabSize + column] = value;
  const half = elementType === 'float16' ? toHalf(values) : null;
  const seen = half ? half.rounded : values;
  const firstBad = bad[0];
  let reference: ErrorCheck['reference'] = null;
  try {
    rowStats(seen.subarray(firstBad.row * spec.vocabSize, (firstBad.row + 1) * spec.vocabSize));
  } catch (error) {
    if (error instanceof InvalidLogitsError) reference = { value: error.value, column: error.column };
  }
  const buffer = upload(device, half ? half.bits : values);
  const calls = mapAsyncCalls;
  let error: ErrorCheck['error'] = null;
  try {
    await kernel.rowStats(buffer, elementType, spec.firstRow, spec.rows, spec.vocabSize);
  } catch (caught) {
    const e = caught as Error;
    const logits = caught instanceof InvalidLogitsError ? caught : null;
    error = { name: e.name, isInvalidLogitsError: logits !== null, value: logits?.value ?? null, column: logits?.column ?? null, row: logits?.row ?? null, message: e.message };
  } finally {
    buffer.destroy();
  }
  return { name: `${name} (${elementType})`, mapAsyncCalls: mapAsyncCalls - calls, error, reference };
}

async function run(): Promise<KernelResults> {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  const device = await adapter.requestDevice();
  const kernel = new LogitsRowStatsKernel(device);
  const rng = createRng(7);

  const mixed: RowKind[] = ['normal', 'ties', 'negative-infinities', 'all-negative-infinity'];
  const specs: BlockCase[] = [
    { name: 'odd vocabulary 151,937', vocabSize: 151_937, kinds: ['normal', 'normal', 'ties', 'negative-infinities', 'all-negative-infinity', 'normal'], firstRow: 1, rows: 5 },
    { name: 'vocabulary 262,144', vocabSize: 262_144, kinds: ['normal', 'normal', 'negative-infinities'], firstRow: 1, rows: 2 },
    { name: 'vocabulary 439, 65 rows', vocabSize: 439, kinds: Array.from({ length: 71 }, (_, r) => mixed[r % 4]), firstRow: 5, rows: 65 },
  ];
  const cases: CaseResult[] = [];
  for (const spec of specs) {
    const values = block(spec, rng);
    for (const elementType of ['float32', 'float16'] as const) cases.push(await runCase(device, kernel, spec, elementType, values));
  }

  const small: BlockCase = { name: '', vocabSize: 439, kinds: ['normal', 'normal', 'normal', 'normal', 'normal', 'normal'], firstRow: 1, rows: 4 };
  const errors: ErrorCheck[] = [];
  for (const elementType of ['float32', 'float16'] as const) {
    // The first bad row of the call is row 1 (block row 2): a NaN at 300 and 100 there, a +Infinity in a later row.
    errors.push(
      await runErrorCase(
        device,
        kernel,
        'NaN',
        elementType,
        small,
        [
          { row: 2, columns: [300, 100], value: NaN },
          { row: 3, columns: [5], value: Infinity },
        ],
        rng,
      ),
    );
    errors.push(await runErrorCase(device, kernel, '+Infinity max', elementType, small, [{ row: 1, columns: [400, 50], value: Infinity }], rng));
  }
  // fp16 overflow: a float32 value above 65,504 becomes +Infinity in fp16, as in ORT issue 26732.
  errors.push(await runErrorCase(device, kernel, 'fp16 overflow', 'float16', small, [{ row: 4, columns: [438], value: 70_000 }], rng));

  // Two calls at once share the staging buffer: they must queue, and each read back once.
  const spec: BlockCase = { name: 'concurrent', vocabSize: 1_001, kinds: ['normal', 'ties', 'normal'], firstRow: 0, rows: 3 };
  const first = block(spec, rng);
  const second = block(spec, rng);
  const [a, b] = [upload(device, first), upload(device, second)];
  const calls = mapAsyncCalls;
  const [statsA, statsB] = await Promise.all([kernel.rowStats(a, 'float32', 0, 3, spec.vocabSize), kernel.rowStats(b, 'float32', 0, 3, spec.vocabSize)]);
  const concurrentCalls = mapAsyncCalls - calls;
  const matches = [...compare(spec, first, statsA), ...compare(spec, second, statsB)].every((c) => c.token === c.referenceToken && c.max === c.referenceMax && c.relativeError < 1e-4);

  kernel.dispose();
  let afterDispose = 'resolved';
  try {
    await kernel.rowStats(a, 'float32', 0, 1, spec.vocabSize);
  } catch (error) {
    afterDispose = (error as Error).message;
  }
  a.destroy();
  b.destroy();
  device.destroy();
  return { adapter: `${adapter.info.vendor} ${adapter.info.architecture}`, cases, errors, concurrent: { mapAsyncCalls: concurrentCalls, matches }, afterDispose };
}

const kernels = { run };

declare global {
  interface Window {
    kernels: typeof kernels;
  }
}
window.kernels = kernels;
document.getElementById('status')!.textContent = 'ready';
