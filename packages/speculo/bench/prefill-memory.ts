/**
 * Peak memory of the engine's prefill, before and after chunking: the old whole-prompt pass
 * (`CausalLmRunner.forward(tokens, true)`, for which ORT returns logits at every prompt position, 1.2 GB for 2,048
 * tokens at 151,936 columns) against `CausalLmRunner.prefill` (chunks whose logits stay within a budget).
 *
 *   node --import tsx packages/speculo/bench/prefill-memory.ts --model DIR [--file onnx/model_q4.onnx]
 *     [--prompt-tokens 2048] [--mode whole|chunked] [--budget-mib 32]
 *
 * DIR holds config.json and the ONNX file (`--file`, default onnx/model.onnx; external data files beside it,
 * `<file>_data…`, are mounted). The session runs on onnxruntime-web's wasm backend in Node with one thread and is
 * wrapped in the `LoadedCausalLM` shape the engine gives the runner. Peak RSS is a per-process figure, so run each
 * mode in its own process and compare them, e.g. on the fixture `.fixtures/models/ctrl-target` (its 439 columns
 * fit one chunk unless `--budget-mib` is small).
 *
 * Prints one JSON object: the model and mode, prompt tokens, wall ms of the prefill, RSS before it, the peak RSS
 * sampled every 20 ms from a worker thread (the main thread is blocked while wasm computes) and at the end, the
 * process's OS-reported peak RSS (which includes loading the model), and the logits bytes ORT was asked for:
 * per pass at most, in total, and the number of passes.
 *
 * The runner imports `Tensor` from 'onnxruntime-web/webgpu', which in Node loads the browser bundle next to the
 * Node one this script creates the session with; the session accepts those tensors, so the runner runs unchanged.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-web';
import { CausalLmRunner, type DecoderConfig, type LoadedCausalLM } from '../src/models/causal-lm-runner.js';

type Mode = 'whole' | 'chunked';

interface Options {
  modelDir: string;
  file: string;
  promptTokens: number;
  mode: Mode;
  budgetBytes: number;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      file: { type: 'string', default: 'onnx/model.onnx' },
      'prompt-tokens': { type: 'string', default: '2048' },
      mode: { type: 'string', default: 'chunked' },
      'budget-mib': { type: 'string', default: '32' },
    },
    strict: true,
  });
  if (!values.model) throw new Error('--model DIR is required (a folder with config.json and onnx/model.onnx)');
  const promptTokens = Number(values['prompt-tokens']);
  if (!Number.isInteger(promptTokens) || promptTokens < 1) throw new Error(`--prompt-tokens must be a positive integer, got ${values['prompt-tokens']}`);
  if (values.mode !== 'whole' && values.mode !== 'chunked') throw new Error(`--mode must be whole or chunked, got ${values.mode}`);
  const budgetMib = Number(values['budget-mib']);
  if (!(budgetMib > 0)) throw new Error(`--budget-mib must be positive, got ${values['budget-mib']}`);
  return { modelDir: resolve(values.model), file: values.file, promptTokens, mode: values.mode, budgetBytes: Math.round(budgetMib * 1024 * 1024) };
}

/** External data files of an ONNX file (`model.onnx_data`, `model.onnx_data_1`, …), as ORT web mounts them. */
function externalDataOf(modelPath: string): { path: string; data: string }[] {
  const folder = dirname(modelPath);
  const prefix = `${basename(modelPath)}_data`;
  return readdirSync(folder)
    .filter((name) => name.startsWith(prefix))
    .map((name) => ({ path: name, data: join(folder, name) }));
}

/**
 * Samples the process's RSS every 20 ms on a worker thread, which keeps sampling while the main thread is blocked
 * inside a wasm pass.
 */
function startRssSampler(): { stop: () => Promise<number> } {
  const source = `
    const { parentPort } = require('node:worker_threads');
    let peak = process.memoryUsage.rss();
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 20);
    parentPort.on('message', () => { clearInterval(timer); parentPort.postMessage(Math.max(peak, process.memoryUsage.rss())); });
  `;
  const worker = new Worker(source, { eval: true });
  return {
    stop: () =>
      new Promise<number>((resolvePeak, reject) => {
        worker.once('message', (peak: number) => {
          void worker.terminate();
          resolvePeak(peak);
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}

/** Wraps the session so that every pass's logits size is recorded: what ORT was actually asked to materialise. */
function recordLogits(session: ort.InferenceSession): { session: ort.InferenceSession; passes: number[] } {
  const passes: number[] = [];
  const run = session.run.bind(session) as (feeds: ort.InferenceSession.FeedsType) => Promise<ort.InferenceSession.ReturnType>;
  const recording = Object.create(session) as ort.InferenceSession;
  Object.defineProperty(recording, 'run', {
    value: async (feeds: ort.InferenceSession.FeedsType) => {
      const outputs = await run(feeds);
      const logits = outputs['logits'];
      if (logits) passes.push(logits.size * (logits.type === 'float16' ? 2 : 4));
      return outputs;
    },
  });
  return { session: recording, passes };
}

async function main(): Promise<void> {
  const options = readOptions();
  const modelPath = join(options.modelDir, options.file);
  const configPath = join(options.modelDir, 'config.json');
  if (!existsSync(modelPath)) throw new Error(`no ONNX file at ${modelPath}`);
  if (!existsSync(configPath)) throw new Error(`no config.json in ${options.modelDir}`);
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as DecoderConfig;
  const maxPositions = config.max_position_embeddings ?? Number.MAX_SAFE_INTEGER;
  if (options.promptTokens > maxPositions) throw new Error(`--prompt-tokens ${options.promptTokens} exceeds the model's max_position_embeddings ${maxPositions}`);
  const vocabLimit = config.vocab_size ?? 2;

  ort.env.wasm.numThreads = 1;
  const externalData = externalDataOf(modelPath);
  const created = await ort.InferenceSession.create(modelPath, { executionProviders: ['wasm'], ...(externalData.length > 0 ? { externalData } : {}) });
  const { session, passes } = recordLogits(created);
  const model: LoadedCausalLM = { sessions: { model: session }, config };
  const runner = new CausalLmRunner(model, { name: `model "${options.modelDir}"`, prefillLogitsBudgetBytes: options.budgetBytes });
  // Spread over the vocabulary, avoiding id 0; what the tokens mean does not matter for memory.
  const tokens = Array.from({ length: options.promptTokens }, (_, i) => 1 + ((i * 7919) % Math.max(1, vocabLimit - 1)));

  global.gc?.();
  const rssBeforeBytes = process.memoryUsage.rss();
  const sampler = startRssSampler();
  const start = performance.now();
  const logits = options.mode === 'whole' ? await runner.forward(tokens, true) : await runner.prefill(tokens);
  const wallMs = performance.now() - start;
  const peakRssSampledBytes = await sampler.stop();

  console.log(
    JSON.stringify(
      {
        model: options.modelDir,
        file: options.file,
        mode: options.mode,
        promptTokens: options.promptTokens,
        vocabSize: logits.vocabSize,
        budgetBytes: options.mode === 'chunked' ? options.budgetBytes : null,
        wallMs: Math.round(wallMs),
        rssBeforeBytes,
        peakRssSampledBytes,
        peakRssDeltaBytes: peakRssSampledBytes - rssBeforeBytes,
        // ru_maxrss is in KiB on Linux; it covers the whole process, model loading included.
        processMaxRssBytes: process.resourceUsage().maxRSS * 1024,
        logitsBytesMaxPerPass: Math.max(...passes),
        logitsBytesTotal: passes.reduce((a, b) => a + b, 0),
        passes: passes.length,
        cachedPositions: runner.length,
      },
      null,
      2,
    ),
  );
  runner.dispose();
  await created.release();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
