// Evaluates the trained pair as it ships (the generated q4f16 ONNX files on onnxruntime-web's WASM backend in Node):
// the draft's greedy agreement with the target on held-out code and prose, and greedy samples for the model card.
//
//   npm run fixtures -- --only trained-target,trained-draft --no-measure
//   node --import tsx tools/train/evaluate.ts [--data .train] [--models .fixtures/models]
//
// Writes packages/fixtures/trained/evaluation.json and prints the samples as Markdown.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tokenizerFor } from '../../packages/fixtures/src/generate.js';
import { greedyAgreement } from '../../packages/fixtures/src/measure.js';
import { FixtureSession } from '../../packages/fixtures/src/ort-runner.js';
import { ReferenceEncoder } from '../../packages/fixtures/src/tokenizer.js';
import { TRAINED_DIR } from '../../packages/fixtures/src/trained.js';

const PROMPTS_PER_SPLIT = 24;
const PROMPT_TOKENS = 96;
const NEW_TOKENS = 48;

/** The model card's samples: raw continuations and chat turns in the form the pair was trained on. */
const SAMPLE_PROMPTS: { chat: boolean; text: string }[] = [
  { chat: false, text: 'def read_config(path):\n    """Read the configuration file at *path*."""\n' },
  { chat: false, text: 'import os\nimport sys\n\n\ndef main(argv):\n' },
  { chat: false, text: 'class Timer:\n    def __init__(self, interval, callback):\n' },
  { chat: false, text: '    for name, value in sorted(items.items()):\n' },
  { chat: false, text: 'The :mod:`logging` module' },
  { chat: false, text: 'This function returns' },
  { chat: true, text: 'Continue this Python code.\n\ndef parse_args(argv=None):\n    parser = argparse.ArgumentParser()\n' },
  { chat: true, text: 'Write the rest of this function.\n\ndef is_palindrome(s):\n    """Return True if *s* reads the same both ways."""\n' },
  { chat: true, text: 'Continue this passage from the Python documentation.\n\nA list is a mutable sequence' },
  { chat: true, text: 'Keep writing this explanation.\n\nExceptions are raised when' },
];

function heldOutPrompts(file: string): number[][] {
  const bytes = readFileSync(file);
  const ids = Array.from(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2));
  const step = Math.floor((ids.length - PROMPT_TOKENS) / PROMPTS_PER_SPLIT);
  return Array.from({ length: PROMPTS_PER_SPLIT }, (_, i) => ids.slice(i * step, i * step + PROMPT_TOKENS));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string', default: '.train' }, models: { type: 'string', default: '.fixtures/models' } } });
  const tok = tokenizerFor('trained');
  const enc = new ReferenceEncoder(tok);
  const stops = [tok.specialIds.endoftext, tok.specialIds.imEnd];
  const target = await FixtureSession.load(join(resolve(values.models), 'trained-target'));
  const draft = await FixtureSession.load(join(resolve(values.models), 'trained-draft'));
  const agreement: Record<string, { acceptance: number; steps: number; prompts: number }> = {};
  for (const split of ['code', 'prose'] as const) {
    const runs = [];
    for (const prompt of heldOutPrompts(join(values.data, `heldout-${split}.bin`))) {
      runs.push({ prompt, generated: await target.greedy(prompt, NEW_TOKENS, stops) });
    }
    const { matches, steps } = await greedyAgreement(draft, runs);
    agreement[split] = { acceptance: Number((matches / steps).toFixed(4)), steps, prompts: runs.length };
  }
  const samples = [];
  for (const p of SAMPLE_PROMPTS) {
    const ids = p.chat ? enc.chat([{ role: 'user', content: p.text }]) : enc.encode(p.text);
    samples.push({ ...p, continuation: enc.decode(await target.greedy(ids, 64, stops)) });
  }
  await target.release();
  await draft.release();
  const report = {
    what: `Greedy agreement of trained-draft with trained-target (model_q4f16.onnx, onnxruntime-web WASM): ${PROMPTS_PER_SPLIT} held-out prompts of ${PROMPT_TOKENS} tokens per split, ${NEW_TOKENS} target tokens each; the share of the target's tokens the draft also picks given the same prefix.`,
    agreement,
    samples,
  };
  writeFileSync(join(TRAINED_DIR, 'evaluation.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(JSON.stringify(agreement, null, 2));
  for (const s of samples) console.log(`\n**${s.chat ? 'chat' : 'raw'}:** \`${JSON.stringify(s.text)}\`\n\n\`\`\`\n${s.text}${s.continuation}\n\`\`\``);
}

await main();
