// Named draft/target pairs for `--pair NAME`. `--target ID --draft ID` gives any other pair.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from './tokenize.js';

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

/**
 * The fixtures written in the Hub's q4f16 export contracts ship `model_q4f16.onnx` (fp16 compute: WebGPU needs the
 * adapter's 'shader-f16', which SwiftShader lacks; WASM runs it) and `model_q4.onnx` (4-bit weights, fp32 compute,
 * runs everywhere). WebGPU gets q4 so the default SwiftShader profile can run them; on a real GPU with shader-f16,
 * `--dtype q4f16` measures the file web apps load.
 */
const q4f16Export: ModelPair['dtype'] = { webgpu: 'q4', wasm: 'q4f16' };
const onRealGpu = 'on a real GPU with shader-f16, --dtype q4f16 measures the file web apps load';

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
  gqa: {
    name: 'gqa',
    target: 'gqa-target',
    draft: 'gqa-draft',
    dtype: q4f16Export,
    source: 'local',
    description: `2-layer fixtures in the onnxruntime-genai builder contract (GroupQueryAttention + RotaryEmbedding, MatMulNBits, fp16 cache) of the SmolLM2 and Llama-3.2 web exports; ${onRealGpu}`,
  },
  'gqa-qk-norm': {
    name: 'gqa-qk-norm',
    target: 'gqa-qk-norm-target',
    draft: 'gqa-draft',
    dtype: q4f16Export,
    source: 'local',
    description: `builder-contract target with Qwen3's q/k norm before the rotary embedding (as Qwen3-0.6B-ONNX), drafted by gqa-draft; ${onRealGpu}`,
  },
  'gqa-sliding': {
    name: 'gqa-sliding',
    target: 'gqa-sliding-target',
    draft: 'gqa-draft',
    dtype: q4f16Export,
    source: 'local',
    description: `builder-contract target with Gemma-3's sliding-window layers (local_window_size, as gemma-3-1b-it-ONNX), drafted by gqa-draft; ${onRealGpu}`,
  },
  optimum: {
    name: 'optimum',
    target: 'optimum-target',
    draft: 'optimum-draft',
    dtype: q4f16Export,
    source: 'local',
    description: `fixtures in the onnx-community Qwen2.5 q4f16 contract (transformers.js convert.py + quantize.py: plain attention ops, fp32 I/O and cache, fp16 and 4-bit inside); ${onRealGpu}`,
  },
  mha: {
    name: 'mha',
    target: 'mha-target',
    draft: 'mha-draft',
    dtype: q4f16Export,
    source: 'local',
    description: `fixtures in the Phi-3.5-mini-instruct-onnx-web contract (MultiHeadAttention with an in-graph 4-D causal mask, fp16 cache); ${onRealGpu}`,
  },
  'large-vocab': {
    name: 'large-vocab',
    target: 'large-vocab-target',
    draft: 'large-vocab-draft',
    dtype: q4f16Export,
    source: 'local',
    description: `2-layer fixtures with Qwen2.5's vocabulary size (151,665 tokens, 151,936 logits columns) in the onnx-community Qwen2.5 q4f16 contract: the host-side cost of a real vocabulary; slow on SwiftShader; ${onRealGpu}`,
  },
  trained: {
    name: 'trained',
    target: 'trained-target',
    draft: 'trained-draft',
    dtype: q4f16Export,
    source: 'local',
    description: `the trained pair (tools/train): a 4-layer target and a 2-layer draft distilled from it, trained on Python's source and documentation; writes real text offline; builder contract (GroupQueryAttention, fp16 cache, 4-bit); ${onRealGpu}`,
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

const localIds = new Set(
  Object.values(pairs)
    .filter((p) => p.source === 'local')
    .flatMap((p) => [p.target, p.draft]),
);

/**
 * Resolves `--pair` or `--target/--draft` (with an optional `--dtype` for both backends) into a pair. A local pair's
 * weight files are checked in `fixturesRoot` here, before a browser starts, so a dtype the fixture was not exported
 * in fails with the files it does have instead of a load error inside the page.
 */
export function resolvePair(options: { pair?: string; target?: string; draft?: string; dtype?: string }, fixturesRoot: string = fixturesDir): ModelPair {
  const pair = resolveUnchecked(options, fixturesRoot);
  if (pair.source === 'local') {
    for (const model of [pair.target, pair.draft]) {
      for (const dtype of new Set([pair.dtype.webgpu, pair.dtype.wasm])) checkWeightFile(fixturesRoot, model, dtype);
    }
  }
  return pair;
}

function resolveUnchecked(options: { pair?: string; target?: string; draft?: string; dtype?: string }, fixturesRoot: string): ModelPair {
  if (options.pair !== undefined) {
    if (options.target !== undefined || options.draft !== undefined) throw new RangeError('give --pair NAME or --target ID --draft ID, not both');
    const pair = pairs[options.pair];
    if (!pair) throw new RangeError(`unknown --pair ${options.pair}; known pairs: ${Object.keys(pairs).join(', ')}`);
    return options.dtype ? { ...pair, dtype: { webgpu: asDtype(options.dtype), wasm: asDtype(options.dtype) } } : pair;
  }
  if (options.target === undefined || options.draft === undefined) {
    throw new RangeError(`give --pair NAME (${Object.keys(pairs).join(', ')}) or both --target ID and --draft ID`);
  }
  // Bare names (no `owner/`) are fixtures served from .fixtures/models.
  const local = (localIds.has(options.target) || isLocalFixtureName(options.target)) && (localIds.has(options.draft) || isLocalFixtureName(options.draft));
  const forced = options.dtype ? asDtype(options.dtype) : undefined;
  return {
    name: `${options.draft}→${options.target}`,
    target: options.target,
    draft: options.draft,
    dtype: forced ? { webgpu: forced, wasm: forced } : local ? localDefaultDtype(fixturesRoot, options.target, options.draft) : { webgpu: 'q4f16', wasm: 'q4' },
    source: local ? 'local' : 'hub',
    description: 'custom pair',
  };
}

/**
 * A bare-name pair's dtype when `--dtype` is not given: the one its fixtures declare as transformers.js's default
 * (config.json `transformers.js_config.dtype`; the first fixtures say fp32). A q4f16 export runs as q4 on WebGPU,
 * as the named pairs do, when both models ship the q4 file.
 */
function localDefaultDtype(root: string, target: string, draft: string): ModelPair['dtype'] {
  const t = declaredDtype(root, target);
  const d = declaredDtype(root, draft);
  if (t !== d) {
    throw new RangeError(`${target} declares dtype ${t} and ${draft} declares ${d} (config.json transformers.js_config.dtype): pass --dtype D with a weight file both have`);
  }
  if (t === 'q4f16' && [target, draft].every((m) => hasWeightFile(root, m, 'q4'))) return q4f16Export;
  return { webgpu: t, wasm: t };
}

function declaredDtype(root: string, model: string): DtypeName {
  const file = join(root, model, 'config.json');
  if (!existsSync(file)) throw new RangeError(`no fixture ${model}: ${file} is missing (run npm run fixtures, or give a Hub id as owner/name)`);
  const config = JSON.parse(readFileSync(file, 'utf8')) as { 'transformers.js_config'?: { dtype?: unknown } };
  const dtype = config['transformers.js_config']?.dtype;
  // Absent, transformers.js loads model.onnx (the first fixtures' export). A per-device map would need a dtype per
  // backend and model, which a pair does not carry: ask for one instead of guessing.
  if (dtype === undefined) return 'fp32';
  if (typeof dtype !== 'string') throw new RangeError(`${file}: transformers.js_config.dtype is not one name: pass --dtype D`);
  if (!dtypes.has(dtype)) throw new RangeError(`${file}: transformers.js_config.dtype ${dtype} is not one of ${[...dtypes].join(', ')}`);
  return dtype as DtypeName;
}

/** The file transformers.js loads for a dtype (its DEFAULT_DTYPE_SUFFIX_MAPPING); null for 'auto', which it resolves itself. */
function weightFileOf(dtype: DtypeName): string | null {
  const suffix: Record<DtypeName, string | null> = { auto: null, fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4', bnb4: '_bnb4', q4f16: '_q4f16' };
  const s = suffix[dtype];
  return s === null ? null : `onnx/model${s}.onnx`;
}

function hasWeightFile(root: string, model: string, dtype: DtypeName): boolean {
  const file = weightFileOf(dtype);
  return file === null || existsSync(join(root, model, file));
}

function checkWeightFile(root: string, model: string, dtype: DtypeName): void {
  const dir = join(root, model);
  if (!existsSync(dir)) throw new RangeError(`no fixture ${model} in ${root} (run npm run fixtures, or give a Hub id as owner/name)`);
  if (hasWeightFile(root, model, dtype)) return;
  const file = weightFileOf(dtype)!;
  const onnxDir = join(dir, 'onnx');
  const present = existsSync(onnxDir)
    ? readdirSync(onnxDir)
        .filter((f) => /^model(_\w+)?\.onnx$/.test(f))
        .sort()
    : [];
  const offered = present.map((f) => dtypeOfFile(f)).filter((d): d is DtypeName => d !== null);
  throw new RangeError(
    `${model} has no ${file} for dtype ${dtype} (it ships ${present.length ? present.join(', ') : 'no ONNX files'})` + (offered.length ? `: pass --dtype ${offered.join(' or ')}` : ''),
  );
}

function dtypeOfFile(file: string): DtypeName | null {
  return ([...dtypes] as DtypeName[]).find((d) => weightFileOf(d) === `onnx/${file}`) ?? null;
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
