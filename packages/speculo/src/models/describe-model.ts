import { vocabSampleIds, type ModelDescription } from '../compat/compatibility.js';
import type { ModelHeader } from './load-model.js';

/** Reads what the compatibility check compares from a model's config and tokenizer. */
export function describeModel(header: ModelHeader, generationEos: number[]): ModelDescription {
  const { config, tokenizer } = header;
  const vocab = tokenizer.get_vocab() as Map<string, number> | Record<string, number>;
  const entries: Iterable<[string, number]> = vocab instanceof Map ? vocab.entries() : Object.entries(vocab);
  const byId: string[] = [];
  for (const [token, id] of entries) byId[id] = token;
  const t = tokenizer as unknown as Record<string, number | null | undefined>;
  const special = (name: string): number | null => (typeof t[name] === 'number' ? (t[name] as number) : null);
  return {
    id: header.id,
    modelType: String(config['model_type'] ?? 'unknown'),
    architectures: Array.isArray(config['architectures']) ? (config['architectures'] as string[]) : [],
    isEncoderDecoder: Boolean(config['is_encoder_decoder']),
    vocabSize: byId.length,
    configVocabSize: typeof config['vocab_size'] === 'number' ? (config['vocab_size'] as number) : undefined,
    specialTokens: {
      bos: special('bos_token_id'),
      eos: special('eos_token_id'),
      pad: special('pad_token_id'),
      unk: special('unk_token_id'),
    },
    eosTokenIds: generationEos,
    vocabSample: vocabSampleIds(byId.length).map((id) => byId[id]),
  };
}

/** EOS ids from generation_config.json (falling back to config.json), as a list. */
export function eosTokenIdsOf(generationConfig: Record<string, unknown> | null | undefined, config: Record<string, unknown>): number[] {
  const raw = generationConfig?.['eos_token_id'] ?? config['eos_token_id'];
  const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  return list.filter((x): x is number => typeof x === 'number');
}
