// Named draft/target pairs for `--pair NAME`. `--target ID --draft ID` gives any other pair.

export type DtypeName = 'auto' | 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';

export interface ModelPair {
  name: string;
  target: string;
  draft: string;
  /** Weight format per backend: fp16 kernels need WebGPU, so WASM gets the plain 4-bit export. */
  dtype: { webgpu: DtypeName; wasm: DtypeName };
  /** `local`: served from this repo's `.fixtures/models` (no network); `hub`: downloaded from the Hugging Face Hub. */
  source: 'local' | 'hub';
  description: string;
}

export const pairs: Record<string, ModelPair> = {
  fixture: {
    name: 'fixture',
    target: 'tiny-target',
    draft: 'tiny-draft',
    dtype: { webgpu: 'fp32', wasm: 'fp32' },
    source: 'local',
    description: 'tiny table-driven Llama fixtures (npm run fixtures); for CI, the numbers mean nothing about real models',
  },
  'ctrl-80': {
    name: 'ctrl-80',
    target: 'ctrl-target',
    draft: 'ctrl-draft-80',
    dtype: { webgpu: 'fp32', wasm: 'fp32' },
    source: 'local',
    description: '12-layer fixture target with a draft that agrees ~80% of the time by construction',
  },
  'qwen2.5-0.5b-1.5b': {
    name: 'qwen2.5-0.5b-1.5b',
    target: 'onnx-community/Qwen2.5-1.5B-Instruct',
    draft: 'onnx-community/Qwen2.5-0.5B-Instruct',
    dtype: { webgpu: 'q4f16', wasm: 'q4' },
    source: 'hub',
    description: 'Qwen2.5 Instruct 1.5B target, 0.5B draft (~1.7 GB download with q4f16)',
  },
  'smollm2-360m-1.7b': {
    name: 'smollm2-360m-1.7b',
    target: 'HuggingFaceTB/SmolLM2-1.7B-Instruct',
    draft: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    dtype: { webgpu: 'q4f16', wasm: 'q4' },
    source: 'hub',
    description: 'SmolLM2 Instruct 1.7B target, 360M draft (~1.5 GB download with q4f16)',
  },
};

const localIds = new Set(Object.values(pairs).filter((p) => p.source === 'local').flatMap((p) => [p.target, p.draft]));

/** Resolves `--pair` or `--target/--draft` (with an optional `--dtype` for both backends) into a pair. */
export function resolvePair(options: { pair?: string; target?: string; draft?: string; dtype?: string }): ModelPair {
  if (options.pair !== undefined) {
    if (options.target !== undefined || options.draft !== undefined) throw new RangeError('give --pair NAME or --target ID --draft ID, not both');
    const pair = pairs[options.pair];
    if (!pair) throw new RangeError(`unknown --pair ${options.pair}; known pairs: ${Object.keys(pairs).join(', ')}`);
    return options.dtype ? { ...pair, dtype: { webgpu: asDtype(options.dtype), wasm: asDtype(options.dtype) } } : pair;
  }
  if (options.target === undefined || options.draft === undefined) {
    throw new RangeError(`give --pair NAME (${Object.keys(pairs).join(', ')}) or both --target ID and --draft ID`);
  }
  // Bare names (no `owner/`) are fixtures served from .fixtures/models; they are fp32 exports.
  const local = (localIds.has(options.target) || isLocalFixtureName(options.target)) && (localIds.has(options.draft) || isLocalFixtureName(options.draft));
  const dtype = options.dtype ? asDtype(options.dtype) : local ? 'fp32' : undefined;
  return {
    name: `${options.draft}→${options.target}`,
    target: options.target,
    draft: options.draft,
    dtype: dtype ? { webgpu: dtype, wasm: dtype } : { webgpu: 'q4f16', wasm: 'q4' },
    source: local ? 'local' : 'hub',
    description: 'custom pair',
  };
}

/** Hub ids have an owner (`owner/name`); bare names are looked up in the local fixtures folder. */
function isLocalFixtureName(id: string): boolean {
  return !id.includes('/');
}

const dtypes: ReadonlySet<string> = new Set(['auto', 'fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16']);
function asDtype(value: string): DtypeName {
  if (!dtypes.has(value)) throw new RangeError(`--dtype must be one of ${[...dtypes].join(', ')}, got ${value}`);
  return value as DtypeName;
}
