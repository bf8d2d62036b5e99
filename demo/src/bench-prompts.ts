/**
 * The prompts of a "Benchmark this device" run: the bundled Spec-Bench subset or a JSONL file the visitor drops, read
 * and sampled with the harness's own parser, so a prompt file means the same here as with `npm run bench --prompts`.
 */
import { parsePromptsJsonl, selectPrompts, type BenchPrompt, type ParsedPrompts } from '../../e2e/bench/prompts-input.js';
import { siteRoot } from './site.js';

/** Set by vite.config.ts: whether the site serves the bundled subset (it lives beside the checkout, not in it). */
declare const __SPECULO_BUNDLED_PROMPTS__: boolean | undefined;

export const bundledPromptsAvailable = typeof __SPECULO_BUNDLED_PROMPTS__ !== 'undefined' && __SPECULO_BUNDLED_PROMPTS__;
export const bundledPromptsName = 'spec-bench-dev.jsonl';
export const bundledPromptsUrl = new URL(`bench/${bundledPromptsName}`, siteRoot).href;
export const bundledNoticeUrl = new URL('bench/NOTICE', siteRoot).href;

/** Where the prompts come from: the bundled file, or the visitor's. */
export type PromptSource = { kind: 'bundled' } | { kind: 'file'; file: File };

export interface Selection {
  samplePerCategory: number | null;
  limit: number | null;
}

/** The prompts chosen for a run, with what the run file records about the input. */
export interface ChosenPrompts {
  /** The name the run file records: the bundled file's, marked as such, or the dropped file's. */
  file: string;
  parsed: ParsedPrompts;
  selected: BenchPrompt[];
}

/** Reads, parses and samples the prompts; bad lines are left out (and recorded), a file with no usable line throws. */
export async function choosePrompts(source: PromptSource, selection: Selection): Promise<ChosenPrompts> {
  const { text, file } = source.kind === 'file' ? { text: await source.file.text(), file: source.file.name } : { text: await fetchBundled(), file: `${bundledPromptsName} (bundled)` };
  const parsed = parsePromptsJsonl(text);
  if (parsed.prompts.length === 0) {
    const first = parsed.badLines[0];
    throw new RangeError(
      `${file} has no usable prompt${first ? ` (line ${first.line}: ${first.message})` : ' (it is empty)'}. ` +
        'Fix: give a JSONL file with one JSON object a line, in Spec-Bench’s form {"question_id", "category", "turns": [...]} or as {"id", "category", "prompt"} or {"id", "category", "messages"}.',
    );
  }
  const selected = selectPrompts(parsed.prompts, { samplePerCategory: selection.samplePerCategory ?? undefined, limit: selection.limit ?? undefined });
  if (selected.length === 0) throw new RangeError(`no prompt left after the sampling choices (the file has ${parsed.prompts.length}): raise the limit.`);
  return { file, parsed, selected };
}

async function fetchBundled(): Promise<string> {
  const response = await fetch(bundledPromptsUrl);
  if (!response.ok) throw new Error(`the bundled prompts did not load (HTTP ${response.status} for ${bundledPromptsUrl}). Fix: choose a JSONL file of your own.`);
  return response.text();
}
