import { Tensor, type InferenceSession } from 'onnxruntime-web/webgpu';

/**
 * A fake ORT decoder session that behaves like a causal LM with a growing KV cache, with no ONNX model behind it.
 * Its cache tensors carry the token at each position (in element 0 of each position's first head), so every pass
 * knows the whole context: a runner that feeds the wrong cache, mask or positions, or cuts the cache wrongly, gets
 * different logits or an error, as it would from a real model.
 */
export interface FakeDecoderSpec {
  vocabSize: number;
  layers?: number;
  kvHeads?: number;
  headDim?: number;
  /** Declared shape of every past_key_values input; default [batch_size, kvHeads, past_sequence_length, headDim]. */
  pastShape?: (number | string)[];
  /** Declared shape of the logits output; default [batch_size, sequence_length, vocabSize]. */
  logitsShape?: (number | string)[];
  logitsType?: 'float32' | 'float16';
  cacheType?: 'float32' | 'float16';
  withLogitsToKeep?: boolean;
  /** The token the model predicts after `context` (everything up to and including the fed position). */
  predict: (context: readonly number[]) => number;
  /** Lets a test spoil a row (NaN, infinities) for a given context. */
  corrupt?: (context: readonly number[], row: Float32Array) => void;
  /** Positions the present.* outputs hold after a pass; default past + fed. A window returns fewer. */
  presentLength?: (past: number, fed: number) => number;
  /** Heads the present.* outputs come back with, when a test needs a layout that contradicts the declared one. */
  presentHeads?: number;
  /** Told of each pass once it has run, before the caller gets its outputs (e.g. to abort a generation mid-pass). */
  onRun?: (record: FakeRunRecord) => void;
}

/** One session.run call as the fake saw it. */
export interface FakeRunRecord {
  past: number;
  fed: number;
  logitsRows: number;
  /** Bytes of the logits tensor this pass returned. */
  logitsBytes: number;
  logitsToKeep: number | null;
  /** Logits tensors of earlier passes still not disposed when this pass began. */
  liveLogitsTensors: number;
  /** The tokens the pass saw: the `past` cached ones, then the `fed` ones. */
  context: number[];
}

export interface FakeDecoder {
  session: InferenceSession;
  calls: FakeRunRecord[];
  /** The logits rows a pass over `context` would produce at its last position (what a correct runner returns). */
  expectedRow(context: readonly number[]): Float32Array;
}

/** The logit of the predicted token; every other token gets 0. */
const predictedLogit = 6;

export function fakeDecoderSession(spec: FakeDecoderSpec): FakeDecoder {
  const layers = spec.layers ?? 2;
  const kvHeads = spec.kvHeads ?? 2;
  const headDim = spec.headDim ?? 4;
  const cacheType = spec.cacheType ?? 'float32';
  const logitsType = spec.logitsType ?? 'float32';
  const pastShape = spec.pastShape ?? ['batch_size', kvHeads, 'past_sequence_length', headDim];
  const logitsShape = spec.logitsShape ?? ['batch_size', 'sequence_length', spec.vocabSize];
  const cacheNames = Array.from({ length: layers }, (_, l) => [`${l}.key`, `${l}.value`]).flat();
  const inputNames = ['input_ids', 'attention_mask', 'position_ids', ...cacheNames.map((n) => `past_key_values.${n}`)];
  if (spec.withLogitsToKeep) inputNames.push('num_logits_to_keep');
  const outputNames = ['logits', ...cacheNames.map((n) => `present.${n}`)];
  const calls: FakeRunRecord[] = [];
  const liveLogits = new Set<Tensor>();

  const row = (context: readonly number[]): Float32Array => {
    const values = new Float32Array(spec.vocabSize);
    values[spec.predict(context)] = predictedLogit;
    spec.corrupt?.(context, values);
    return values;
  };

  const inputMetadata: InferenceSession.ValueMetadata[] = inputNames.map((name) => {
    if (name.startsWith('past_key_values.')) return { name, isTensor: true, type: cacheType, shape: pastShape };
    if (name === 'num_logits_to_keep') return { name, isTensor: true, type: 'int64', shape: [] };
    const shape = name === 'attention_mask' ? ['batch_size', 'total_sequence_length'] : ['batch_size', 'sequence_length'];
    return { name, isTensor: true, type: 'int64', shape };
  });
  const outputMetadata: InferenceSession.ValueMetadata[] = outputNames.map((name) =>
    name === 'logits'
      ? { name, isTensor: true, type: logitsType, shape: logitsShape }
      : { name, isTensor: true, type: cacheType, shape: ['batch_size', kvHeads, 'total_sequence_length', headDim] },
  );

  const run = async (feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> => {
    const ids = Array.from(feeds['input_ids']!.data as BigInt64Array, Number);
    const firstPast = feeds['past_key_values.0.key']!;
    const past = firstPast.dims[2]!;
    const history = readHistory(firstPast, headDim);
    for (const name of cacheNames) {
      const tensor = feeds[`past_key_values.${name}`];
      if (!tensor) throw new Error(`fake: missing cache feed ${name}`);
      if (tensor.dims[0] !== 1 || tensor.dims[2] !== past || tensor.dims[3] !== headDim) {
        throw new Error(`fake: cache feed ${name} has dims [${tensor.dims.join(', ')}]`);
      }
    }
    const mask = feeds['attention_mask']!;
    if (mask.dims[1] !== past + ids.length) throw new Error(`fake: attention_mask of ${mask.dims[1]} for ${past} + ${ids.length}`);
    const positions = Array.from(feeds['position_ids']!.data as BigInt64Array, Number);
    if (positions.some((p, i) => p !== past + i)) throw new Error(`fake: position_ids ${positions.join(',')} after ${past}`);
    const keepFeed = feeds['num_logits_to_keep'];
    const logitsToKeep = keepFeed ? Number((keepFeed.data as BigInt64Array)[0]) : null;

    const context = [...history, ...ids];
    const rows = logitsToKeep ? Math.min(logitsToKeep, ids.length) : ids.length;
    const logits = new Float32Array(rows * spec.vocabSize);
    for (let r = 0; r < rows; r++) {
      const position = past + ids.length - rows + r;
      logits.set(row(context.slice(0, position + 1)), r * spec.vocabSize);
    }
    const logitsTensor =
      logitsType === 'float16' ? new Tensor('float16', Uint16Array.from(logits, float32ToFloat16Bits), [1, rows, spec.vocabSize]) : new Tensor('float32', logits, [1, rows, spec.vocabSize]);
    const record: FakeRunRecord = {
      past,
      fed: ids.length,
      logitsRows: rows,
      logitsBytes: logits.length * (logitsType === 'float16' ? 2 : 4),
      logitsToKeep,
      liveLogitsTensors: liveLogits.size,
      context,
    };
    calls.push(record);
    spec.onRun?.(record);
    const originalDispose = logitsTensor.dispose.bind(logitsTensor);
    liveLogits.add(logitsTensor);
    logitsTensor.dispose = () => {
      liveLogits.delete(logitsTensor);
      originalDispose();
    };

    const presentLength = spec.presentLength?.(past, ids.length) ?? past + ids.length;
    const kept = context.slice(context.length - presentLength);
    const outputs: Record<string, Tensor> = { logits: logitsTensor };
    for (const name of cacheNames) outputs[`present.${name}`] = cacheTensor(kept, spec.presentHeads ?? kvHeads, headDim, cacheType);
    return outputs;
  };

  const session = { inputNames, outputNames, inputMetadata, outputMetadata, run } as unknown as InferenceSession;
  return {
    session,
    calls,
    expectedRow: row,
  };
}

/** Tokens stored in a cache tensor, position by position (element 0 of head 0). */
function readHistory(tensor: Tensor, headDim: number): number[] {
  const data = tensor.data as Float32Array | Uint16Array;
  return Array.from({ length: tensor.dims[2]! }, (_, p) => data[p * headDim]!);
}

function cacheTensor(tokens: readonly number[], heads: number, headDim: number, type: 'float32' | 'float16'): Tensor {
  const length = tokens.length;
  // fp16 caches carry the token ids as raw 16-bit patterns: the runner only ever slices them.
  const data = type === 'float16' ? new Uint16Array(heads * length * headDim) : new Float32Array(heads * length * headDim);
  for (let h = 0; h < heads; h++) for (let p = 0; p < length; p++) data[(h * length + p) * headDim] = tokens[p]!;
  return new Tensor(type, data, [1, heads, length, headDim]);
}

/** float32 → fp16 bits for the values these tests use: 0, small integers, ±Infinity and NaN. */
export function float32ToFloat16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude === Infinity || magnitude >= 65520) return sign | 0x7c00;
  if (magnitude === 0) return sign;
  const exponent = Math.floor(Math.log2(magnitude));
  if (exponent < -14) return sign | Math.round(magnitude / 2 ** -24);
  const fraction = Math.round((magnitude / 2 ** exponent - 1) * 1024);
  return sign | ((exponent + 15) << 10) | fraction;
}

/** A transformers.js-like model object around a fake session. */
export function fakeCausalLM(session: InferenceSession, config: Record<string, unknown> = {}) {
  return { sessions: { model: session }, config: { model_type: 'llama', architectures: ['LlamaForCausalLM'], ...config } };
}
