/// <reference lib="webworker" />
// Proves the foundation: a fixture model loads in a module worker through transformers.js and generates.
import { AutoModelForCausalLM, AutoTokenizer, Tensor, env } from '@huggingface/transformers';
import { expose } from 'comlink';
import { CausalLmRunner, WorkerEngine } from 'speculo';
import { offlineSources } from './offline-env.js';

env.allowLocalModels = true;
env.allowRemoteModels = offlineSources.allowRemoteModels;
env.localModelPath = offlineSources.localModelPath;
(env.backends.onnx as { wasm: { wasmPaths: unknown } }).wasm.wasmPaths = { ...offlineSources.wasmPaths };

/** The fixtures' files: `model.onnx` (fp32), `model_q4.onnx`, `model_q4f16.onnx`. */
type Dtype = 'fp32' | 'q4' | 'q4f16';

const api = {
  /** Loads a pair with transformers.js in this worker and hands it to Speculo's WorkerEngine.attach. */
  async attachedGenerate(target: string, draft: string, device: 'webgpu' | 'wasm', prompt: string, maxNewTokens: number) {
    const load = async (id: string) => ({
      id,
      model: await AutoModelForCausalLM.from_pretrained(id, { device, dtype: 'fp32' }),
      tokenizer: await AutoTokenizer.from_pretrained(id),
    });
    const engine = new WorkerEngine();
    const info = await engine.attach(await load(target), await load(draft), device);
    const spec = await engine.generate(1, { prompt, maxNewTokens, draftLength: 4 });
    const plain = await engine.generate(2, { prompt, maxNewTokens, speculative: false });
    await engine.dispose();
    return { backend: info.backend, spec: spec.tokenIds, plain: plain.tokenIds, accepted: spec.metrics.acceptedTokens };
  },
  async tokenizeChat(model: string, userMessages: string[]): Promise<number[][]> {
    const tokenizer = await AutoTokenizer.from_pretrained(model);
    return userMessages.map((content) =>
      Array.from(
        tokenizer.apply_chat_template([{ role: 'user', content }], { add_generation_prompt: true, tokenize: true, return_tensor: false, return_dict: false }) as unknown as number[],
      ),
    );
  },
  async tokenize(model: string, texts: string[]): Promise<number[][]> {
    const tokenizer = await AutoTokenizer.from_pretrained(model);
    return texts.map((t) => tokenizer.encode(t));
  },
  /**
   * transformers.js's own greedy `generate()` on `prompts` and, on the same loaded model through Speculo's runner,
   * the verify pass against one-token steps: after `verifyPromptIds`, `chunk` in one pass and then token by token from
   * the same prefix (the largest logit difference, and whether every row's argmax agrees). One load for both, since
   * a fresh model on a software GPU spends most of its time compiling shaders.
   */
  async referenceChecks(model: string, device: 'webgpu' | 'wasm', dtype: Dtype, prompts: string[], maxNewTokens: number, verifyPromptIds: number[], chunk: number[]) {
    const tokenizer = await AutoTokenizer.from_pretrained(model);
    const lm = await AutoModelForCausalLM.from_pretrained(model, { device, dtype });
    const runner = new CausalLmRunner(lm as never);
    try {
      const generated: number[][] = [];
      for (const prompt of prompts) {
        const inputs = tokenizer(prompt);
        const output = (await lm.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false })) as { tolist(): bigint[][] };
        const promptLength = (inputs.input_ids as { dims: number[] }).dims[1]!;
        generated.push(output.tolist()[0]!.map(Number).slice(promptLength));
      }
      await runner.prefill(verifyPromptIds);
      const together = await runner.forward(chunk);
      runner.reset();
      await runner.prefill(verifyPromptIds);
      let maxAbsDiff = 0;
      let argmaxAgrees = true;
      for (let i = 0; i < chunk.length; i++) {
        const step = await runner.forward([chunk[i]!]);
        // A copy: fp16 rows are converted into one shared array, which the next row's values() reuses.
        const a = Float32Array.from(together.values(i));
        const b = step.values(0);
        let bestA = 0;
        let bestB = 0;
        for (let v = 0; v < a.length; v++) {
          maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[v]! - b[v]!));
          if (a[v]! > a[bestA]!) bestA = v;
          if (b[v]! > b[bestB]!) bestB = v;
        }
        if (bestA !== bestB) argmaxAgrees = false;
      }
      return { generated, verify: { maxAbsDiff, argmaxAgrees, rows: chunk.length, vocabSize: together.vocabSize } };
    } finally {
      runner.dispose();
      await lm.dispose();
    }
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
/**
 * Times transformers.js's own `generate()` with the target alone: the baseline Speculo must beat. The model is
 * loaded once per worker and warmed up before timing.
 */
const loaded = new Map<string, Promise<Awaited<ReturnType<typeof AutoModelForCausalLM.from_pretrained>>>>();
Object.assign(api, {
  async timeGenerate(model: string, device: 'webgpu' | 'wasm', promptIds: number[], maxNewTokens: number, dtype: Dtype = 'fp32') {
    // Keyed by dtype too: one export's q4 and q4f16 files are different models to time.
    const key = `${model}|${device}|${dtype}`;
    let lm = loaded.get(key);
    if (!lm) {
      lm = AutoModelForCausalLM.from_pretrained(model, { device, dtype });
      loaded.set(key, lm);
      const warm = await lm;
      await warm.generate({ input_ids: toTensor(promptIds), attention_mask: toMask(promptIds.length), max_new_tokens: 2, do_sample: false });
    }
    const m = await lm;
    const start = performance.now();
    const output = (await m.generate({ input_ids: toTensor(promptIds), attention_mask: toMask(promptIds.length), max_new_tokens: maxNewTokens, do_sample: false })) as {
      tolist(): bigint[][];
    };
    const ms = performance.now() - start;
    const newIds = output.tolist()[0]!.map(Number).slice(promptIds.length);
    return { ms, newIds };
  },
});

function toTensor(ids: number[]) {
  return new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
}
function toMask(n: number) {
  return new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
}

export type TransformersSmoke = typeof api & {
  timeGenerate(model: string, device: 'webgpu' | 'wasm', promptIds: number[], maxNewTokens: number, dtype?: Dtype): Promise<{ ms: number; newIds: number[] }>;
};
expose(api);
