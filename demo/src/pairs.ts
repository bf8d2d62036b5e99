/** The model pairs the demo offers. Fixture pairs are served by this site; the others come from the Hugging Face Hub. */
import type { DrafterKind, DtypeOption } from 'speculo';

export interface PairPreset {
  id: string;
  label: string;
  target: string;
  /** null: no draft model (prompt lookup drafts from the prompt itself). */
  draft: string | null;
  drafter: DrafterKind;
  dtype: DtypeOption;
  /** Served by this site (`models/`), so no network is needed. */
  local: boolean;
  /** What the visitor should know before loading, e.g. the download size. */
  note: string;
  /**
   * The pair's name in run files ("Benchmark this device"): the `npm run bench -- --pair` name where the harness has
   * the same pair, so `bench:report` puts both in one table; null where the view does not offer it (no draft model,
   * a refused pair, custom ids).
   */
  benchPair: string | null;
}

export const presets: PairPreset[] = [
  {
    id: 'trained',
    label: 'Offline: trained pair, 4-layer target + 2-layer distilled draft (q4, no network)',
    target: 'trained-target',
    draft: 'trained-draft',
    drafter: 'model',
    // q4 computes in fp32, so it runs on every WebGPU adapter (q4f16 needs shader-f16) and on WASM.
    dtype: 'q4',
    local: true,
    note: 'Two small models trained for this demo on Python’s source code and documentation (about 10 MB, served by this site). They write Python and prose about Python, not general chat; try the Code examples.',
    benchPair: 'trained',
  },
  {
    id: 'fixture',
    label: 'Offline fixture: tiny-target + tiny-draft (fp32, no network)',
    target: 'tiny-target',
    draft: 'tiny-draft',
    drafter: 'model',
    dtype: 'fp32',
    local: true,
    note: 'Two tiny random Llama-style models served by this site (a few MB). The text is gibberish; the timings and the token-identical output are real.',
    benchPair: 'fixture',
  },
  {
    id: 'fixture-ctrl',
    label: 'Offline fixture: ctrl-target (12 layers) + ctrl-draft-80 (fp32, no network)',
    target: 'ctrl-target',
    draft: 'ctrl-draft-80',
    drafter: 'model',
    dtype: 'fp32',
    local: true,
    note: 'A deeper fixture target whose draft agrees with it about 80 % of the time by construction. Slow on a software GPU (SwiftShader).',
    benchPair: 'ctrl-80',
  },
  {
    id: 'fixture-lookup',
    label: 'Offline fixture: tiny-target + prompt lookup (no draft model)',
    target: 'tiny-target',
    draft: null,
    drafter: 'prompt-lookup',
    dtype: 'fp32',
    local: true,
    note: 'Drafts by copying n-grams from the prompt: no second model to download. Pays off when the answer repeats the prompt (summaries, code edits).',
    benchPair: null,
  },
  {
    id: 'fixture-incompatible',
    label: 'Offline fixture: tiny-target + tiny-other-vocab (incompatible, refused)',
    target: 'tiny-target',
    draft: 'tiny-other-vocab',
    drafter: 'model',
    dtype: 'fp32',
    local: true,
    note: 'A draft with a different vocabulary: the engine refuses the pair from config and tokenizer files alone, before any weights download.',
    benchPair: null,
  },
  {
    id: 'qwen',
    label: 'Qwen2.5 0.5B → 1.5B Instruct (q4f16, about 1.7 GB)',
    target: 'onnx-community/Qwen2.5-1.5B-Instruct',
    draft: 'onnx-community/Qwen2.5-0.5B-Instruct',
    drafter: 'model',
    dtype: 'q4f16',
    local: false,
    note: 'Downloads from the Hugging Face Hub: target onnx/model_q4f16.onnx ≈ 1.22 GB, draft ≈ 483 MB, cached by the browser afterwards. Needs shader-f16 for q4f16 on WebGPU.',
    benchPair: 'qwen2.5-0.5b-1.5b',
  },
  {
    id: 'smol-135',
    label: 'SmolLM2 135M → 1.7B Instruct (q4f16, about 1.2 GB)',
    target: 'HuggingFaceTB/SmolLM2-1.7B-Instruct',
    draft: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    drafter: 'model',
    dtype: 'q4f16',
    local: false,
    note: 'Downloads from the Hugging Face Hub: target onnx/model_q4f16.onnx ≈ 1.1 GB, draft ≈ 0.1 GB.',
    benchPair: 'smollm2-135m-1.7b',
  },
  {
    id: 'smol-360',
    label: 'SmolLM2 360M → 1.7B Instruct (q4f16, about 1.4 GB)',
    target: 'HuggingFaceTB/SmolLM2-1.7B-Instruct',
    draft: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    drafter: 'model',
    dtype: 'q4f16',
    local: false,
    note: 'Downloads from the Hugging Face Hub: target ≈ 1.1 GB, draft ≈ 0.25 GB. Higher acceptance than 135M, at a higher draft cost.',
    benchPair: 'smollm2-360m-1.7b',
  },
  {
    id: 'qwen-lookup',
    label: 'Qwen2.5 1.5B Instruct + prompt lookup (q4f16, about 1.2 GB)',
    target: 'onnx-community/Qwen2.5-1.5B-Instruct',
    draft: null,
    drafter: 'prompt-lookup',
    dtype: 'q4f16',
    local: false,
    note: 'Only the target downloads; drafts are copied from the prompt.',
    benchPair: null,
  },
  {
    id: 'custom',
    label: 'Custom model ids…',
    target: '',
    draft: null,
    drafter: 'model',
    dtype: 'q4f16',
    local: false,
    note: 'Any decoder-only ONNX repository transformers.js can load (onnx/model_<dtype>.onnx). The draft must share the target’s tokenizer; an incompatible pair is refused before the weights download.',
    benchPair: null,
  },
];

/** Example prompts by category. */
export const examples: Record<string, { label: string; text: string }[]> = {
  Writing: [
    { label: 'Product update email', text: 'Write a short, friendly email telling customers that our app now works offline. Keep it under 120 words.' },
    { label: 'Haiku', text: 'Write three haiku about autumn rain in a city.' },
  ],
  QA: [
    { label: 'Why is the sky blue?', text: 'Why is the sky blue? Answer in two or three sentences.' },
    { label: 'Capital cities', text: 'What is the capital of Australia, and why is it not Sydney?' },
  ],
  Summarization: [
    {
      label: 'Summarize a paragraph',
      text: 'Summarize in one sentence: Speculative decoding speeds up text generation by letting a small draft model propose several tokens, which a large target model then verifies in a single forward pass. Every proposed token that the target agrees with is kept for free, so when the draft guesses well, the target runs far fewer passes. The output is exactly what the target would have produced alone.',
    },
  ],
  Code: [
    {
      label: 'Continue Python (offline pair)',
      text: 'Continue this Python code.\n\nclass LineCounter:\n    """Count the lines of a text file."""\n\n    def __init__(self, path):\n        self.path = path\n        self.count = 0\n\n    def read(self):',
    },
    {
      label: 'Python docs (offline pair)',
      text: 'Continue this passage from the Python documentation.\n\nThe :mod:`shutil` module offers a number of high-level operations on files and collections of files.',
    },
    { label: 'Python function', text: 'Write a Python function is_palindrome(s) that ignores case and punctuation, with two doctests.' },
    { label: 'Refactor JavaScript', text: 'Rewrite this with async/await:\n\nfunction load(url) {\n  return fetch(url).then((r) => r.json()).then((data) => data.items);\n}' },
  ],
  Math: [
    { label: 'Word problem', text: 'A train leaves at 9:40 and arrives at 13:05. How long is the journey? Show your steps.' },
    { label: 'Sum of odds', text: 'What is the sum of the first 20 odd numbers? Explain briefly.' },
  ],
};
