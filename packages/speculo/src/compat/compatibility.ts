import { IncompatibleModelsError, UnsupportedModelError } from '../errors.js';

/** Plain facts the worker reads from a loaded model and its tokenizer, enough to decide whether it can be used. */
export interface ModelDescription {
  /** Model id or URL, used in messages. */
  id: string;
  /** `model_type` of config.json, e.g. `llama`, `qwen2`. */
  modelType: string;
  /** `architectures` of config.json, e.g. `['LlamaForCausalLM']`. */
  architectures: string[];
  isEncoderDecoder: boolean;
  /** Tokenizer vocabulary size, added tokens included. */
  vocabSize: number;
  /** `vocab_size` of config.json (the logits width), which may be padded beyond the tokenizer's size. */
  configVocabSize?: number;
  /** Ids of special tokens by role (bos, eos, pad, unk); null when the tokenizer has none. */
  specialTokens: Record<string, number | null>;
  /** Every id that ends generation (generation_config's eos_token_id may list several). */
  eosTokenIds: number[];
  /** Token strings at the ids {@link vocabSampleIds} lists, in that order; undefined where the id has no token. */
  vocabSample: (string | undefined)[];
}

/** Size of the contiguous head of the vocabulary that is sampled: special and byte tokens live there. */
const vocabSampleHead = 512;
/** Stride after the head; a prime so the sample does not line up with any power-of-two block structure. */
const vocabSampleStride = 97;

/**
 * The token ids whose strings go into {@link ModelDescription.vocabSample}: every id below 512, every 97th id
 * after that, and the last id, where tokenizers append their added tokens.
 */
export function vocabSampleIds(vocabSize: number): number[] {
  const ids: number[] = [];
  for (let id = 0; id < vocabSize; id += id < vocabSampleHead ? 1 : vocabSampleStride) ids.push(id);
  if (vocabSize > 0 && ids[ids.length - 1] !== vocabSize - 1) ids.push(vocabSize - 1);
  return ids;
}

/**
 * Model types whose generation state cannot be cut back to a prefix. Speculative decoding feeds γ draft tokens
 * to the target and must then forget the rejected ones; with a KV cache that is a slice along the sequence axis,
 * but a recurrent or state-space layer folds every token into a fixed-size state that has no per-position
 * entries to drop. Undoing it would need a snapshot before each round or re-running from the last accepted
 * token, neither of which this engine does. Pure recurrent/SSM: mamba, mamba2, rwkv*, xlstm; hybrids with
 * SSM, linear-attention or conv-state layers between attention layers: jamba, zamba*, falcon_h1, lfm2*,
 * granitemoehybrid, nemotron_h, qwen3_next and qwen3_5* (gated DeltaNet), olmo_hybrid, recurrent_gemma.
 */
export const nonRollbackModelTypes: ReadonlySet<string> = new Set([
  'mamba',
  'mamba2',
  'rwkv',
  'rwkv5',
  'rwkv6',
  'jamba',
  'falcon_h1',
  'lfm2',
  'lfm2_moe',
  'lfm2_vl',
  'granitemoehybrid',
  'nemotron_h',
  'qwen3_next',
  'qwen3_5',
  'qwen3_5_moe',
  'olmo_hybrid',
  'zamba',
  'zamba2',
  'recurrent_gemma',
  'xlstm',
]);

// Backstop for configs whose model_type is new or renamed but whose class name gives the family away.
const nonRollbackArchitecturePattern = /mamba|rwkv|xlstm|recurrentgemma|zamba|jamba/i;

/**
 * Refuses models this engine cannot run speculatively: encoder-decoders (the engine drives decoder-only causal
 * LMs) and models whose state cannot be rolled back (see {@link nonRollbackModelTypes}).
 * @throws {UnsupportedModelError} naming the architecture and why.
 */
export function assertSupportedArchitecture(model: ModelDescription): void {
  const architecture = model.architectures[0] ?? model.modelType;
  const what = `model "${model.id}" (model type "${model.modelType}", architecture ${architecture})`;
  if (model.isEncoderDecoder) {
    throw new UnsupportedModelError(`${what} is an encoder-decoder; speculative decoding here needs a decoder-only causal language model`, architecture);
  }
  const modelType = model.modelType.toLowerCase();
  if (nonRollbackModelTypes.has(modelType) || model.architectures.some((a) => nonRollbackArchitecturePattern.test(a))) {
    throw new UnsupportedModelError(
      `${what} keeps recurrent or state-space state that cannot be rolled back after rejected draft tokens; ` + 'speculative decoding needs a model whose cache is attention key/value only',
      architecture,
    );
  }
}

/** How many differing vocabulary entries to spell out; the rest are counted. */
const maxListedTokenDifferences = 3;

/**
 * Checks that the draft can propose tokens the target understands: they must share the tokenizer, since tokens
 * pass between them as ids. In the spirit of llama.cpp's `common_speculative_are_compatible` (vocab type,
 * vocab size, special tokens, token text spot check), with two deliberate differences: vocab sizes must match
 * exactly (llama.cpp tolerates up to 128, but then the target can emit ids the draft cannot embed), and
 * `configVocabSize` may differ, because logits rows are often padded past the tokenizer (Qwen2.5 0.5B vs 7B).
 * @throws {IncompatibleModelsError} listing every difference found.
 */
export function assertCompatiblePair(target: ModelDescription, draft: ModelDescription): void {
  const differences = [...vocabSizeDifferences(target, draft), ...specialTokenDifferences(target, draft), ...eosDifferences(target, draft), ...vocabEntryDifferences(target, draft)];
  if (differences.length > 0) {
    throw new IncompatibleModelsError(`draft "${draft.id}" and target "${target.id}" do not share a vocabulary: ${differences.join('; ')}`, differences);
  }
}

function vocabSizeDifferences(target: ModelDescription, draft: ModelDescription): string[] {
  if (target.vocabSize === draft.vocabSize) return [];
  return [`vocab size ${target.vocabSize} in the target vs ${draft.vocabSize} in the draft`];
}

function specialTokenDifferences(target: ModelDescription, draft: ModelDescription): string[] {
  const roles = [...new Set([...Object.keys(target.specialTokens), ...Object.keys(draft.specialTokens)])].sort();
  const differences: string[] = [];
  for (const role of roles) {
    const inTarget = target.specialTokens[role] ?? null;
    const inDraft = draft.specialTokens[role] ?? null;
    if (inTarget !== inDraft) {
      differences.push(`${role} token id ${inTarget ?? 'none'} in the target vs ${inDraft ?? 'none'} in the draft`);
    }
  }
  return differences;
}

function eosDifferences(target: ModelDescription, draft: ModelDescription): string[] {
  const targetSet = [...new Set(target.eosTokenIds)].sort((a, b) => a - b);
  const draftSet = [...new Set(draft.eosTokenIds)].sort((a, b) => a - b);
  if (targetSet.length === draftSet.length && targetSet.every((id, i) => id === draftSet[i])) return [];
  return [`eos token ids [${targetSet.join(', ')}] in the target vs [${draftSet.join(', ')}] in the draft`];
}

// Compared by id rather than by sample position: with different vocab sizes the last sampled id differs.
function vocabEntryDifferences(target: ModelDescription, draft: ModelDescription): string[] {
  const draftById = new Map<number, string | undefined>();
  vocabSampleIds(draft.vocabSize)
    .slice(0, draft.vocabSample.length)
    .forEach((id, i) => draftById.set(id, draft.vocabSample[i]));
  const listed: string[] = [];
  let compared = 0;
  let differing = 0;
  vocabSampleIds(target.vocabSize)
    .slice(0, target.vocabSample.length)
    .forEach((id, i) => {
      if (!draftById.has(id)) return;
      compared++;
      const inTarget = target.vocabSample[i];
      const inDraft = draftById.get(id);
      if (inTarget === inDraft) return;
      differing++;
      if (listed.length < maxListedTokenDifferences) {
        listed.push(`token ${id} is ${quote(inTarget)} in the target but ${quote(inDraft)} in the draft`);
      }
    });
  if (differing > listed.length) {
    listed.push(`${differing - listed.length} more of ${compared} sampled tokens differ`);
  }
  return listed;
}

function quote(token: string | undefined): string {
  return token === undefined ? 'missing' : JSON.stringify(token);
}
