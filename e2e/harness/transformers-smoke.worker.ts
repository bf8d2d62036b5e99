/// <reference lib="webworker" />
// Proves the foundation: a fixture model loads in a module worker through transformers.js and generates.
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers';
import { expose } from 'comlink';
import { offlineSources } from './offline-env.js';

env.allowLocalModels = true;
env.allowRemoteModels = offlineSources.allowRemoteModels;
env.localModelPath = offlineSources.localModelPath;
(env.backends.onnx as { wasm: { wasmPaths: unknown } }).wasm.wasmPaths = { ...offlineSources.wasmPaths };

const api = {
  async tokenize(model: string, texts: string[]): Promise<number[][]> {
    const tokenizer = await AutoTokenizer.from_pretrained(model);
    return texts.map((t) => tokenizer.encode(t));
  },
  async greedy(model: string, device: 'webgpu' | 'wasm', prompt: string, maxNewTokens: number) {
    const tokenizer = await AutoTokenizer.from_pretrained(model);
    const lm = await AutoModelForCausalLM.from_pretrained(model, { device, dtype: 'fp32' });
    const inputs = tokenizer(prompt);
    const output = (await lm.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false })) as { tolist(): bigint[][] };
    const all = output.tolist()[0]!.map(Number);
    const promptIds = Array.from((inputs.input_ids as { data: BigInt64Array }).data, Number);
    await lm.dispose();
    return { promptIds, newIds: all.slice(promptIds.length) };
  },
};
export type TransformersSmoke = typeof api;
expose(api);
