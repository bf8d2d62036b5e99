// Reading a prompt set: Spec-Bench JSONL (`{question_id, category, turns}`) or plain JSONL (`{id?, category?, prompt}`
// or `{id?, category?, messages}`). Pure: the caller reads the file and decides what a bad line does.

/** One turn of a chat, as the engine's `messages` option takes it. */
export interface BenchMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A prompt ready to benchmark: exactly one of `prompt` (raw text, no chat template) and `messages` is set. */
export interface BenchPrompt {
  id: string;
  category: string;
  /** 1-based line of the input file it came from. */
  line: number;
  /** Raw text continued as is (plain JSONL `prompt`). */
  prompt?: string;
  /** A conversation rendered with the target's chat template (Spec-Bench turns, plain JSONL `messages`). */
  messages?: BenchMessage[];
  format: 'spec-bench' | 'prompt' | 'messages';
  /** Spec-Bench questions with more than one turn: turns after the first are not run (they need the model's own answer). */
  droppedTurns?: number;
}

/** A line that could not be used, with its 1-based number and why. */
export interface BadLine {
  line: number;
  message: string;
}

export interface ParsedPrompts {
  prompts: BenchPrompt[];
  badLines: BadLine[];
  /** Non-blank lines read. */
  lines: number;
}

/** What to do with a bad line: leave it out (and report it) or fail the whole run. */
export type BadLinePolicy = 'skip' | 'fail';

export const defaultCategory = 'uncategorized';

const roles: ReadonlySet<string> = new Set(['system', 'user', 'assistant']);
const maxReportedLength = 60;

/** Thrown with `--bad-lines fail` when the input has bad lines; lists every one, not just the first. */
export class PromptInputError extends Error {
  constructor(
    readonly file: string,
    readonly badLines: BadLine[],
  ) {
    super(
      `${file}: ${badLines.length} bad line${badLines.length === 1 ? '' : 's'} (use --bad-lines skip to leave them out):\n` +
        badLines.map((b) => `  line ${b.line}: ${b.message}`).join('\n'),
    );
    this.name = 'PromptInputError';
  }
}

/**
 * Parses JSONL text. Blank lines are ignored; every other line must be one JSON object in one of the accepted
 * formats. Never throws on content: bad lines come back in `badLines` with their line number.
 */
export function parsePromptsJsonl(text: string): ParsedPrompts {
  const prompts: BenchPrompt[] = [];
  const badLines: BadLine[] = [];
  const seen = new Map<string, number>();
  let lines = 0;
  const rows = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  rows.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    lines++;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      badLines.push({ line, message: `not valid JSON (${(e as Error).message})` });
      return;
    }
    const result = parseRecord(value, line);
    if (typeof result === 'string') {
      badLines.push({ line, message: result });
      return;
    }
    const first = seen.get(result.id);
    if (first !== undefined) {
      badLines.push({ line, message: `duplicate id ${JSON.stringify(result.id)} (first on line ${first})` });
      return;
    }
    seen.set(result.id, line);
    prompts.push(result);
  });
  return { prompts, badLines, lines };
}

/** Parses with a policy: `fail` throws {@link PromptInputError} listing every bad line; `skip` keeps them in `badLines`. */
export function readPrompts(text: string, file: string, policy: BadLinePolicy): ParsedPrompts {
  const parsed = parsePromptsJsonl(text);
  if (policy === 'fail' && parsed.badLines.length > 0) throw new PromptInputError(file, parsed.badLines);
  if (parsed.prompts.length === 0) {
    throw new PromptInputError(file, parsed.badLines.length ? parsed.badLines : [{ line: 0, message: 'no prompts in the file' }]);
  }
  return parsed;
}

function parseRecord(value: unknown, line: number): BenchPrompt | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `expected a JSON object, got ${describe(value)}`;
  }
  const record = value as Record<string, unknown>;
  const has = (k: string) => record[k] !== undefined;
  const inputs = ['turns', 'prompt', 'messages'].filter(has);
  if (inputs.length === 0) return 'expected "turns" (Spec-Bench), "prompt" or "messages"';
  if (inputs.length > 1) return `give only one of "turns", "prompt" and "messages", got ${inputs.map((k) => `"${k}"`).join(' and ')}`;

  const category = record['category'];
  if (category !== undefined && (typeof category !== 'string' || category.trim() === '')) {
    return `"category" must be a non-empty string, got ${describe(category)}`;
  }
  const idKey = has('question_id') ? 'question_id' : 'id';
  const rawId = record[idKey];
  if (rawId !== undefined && !((typeof rawId === 'string' && rawId.trim() !== '') || (typeof rawId === 'number' && Number.isFinite(rawId)))) {
    return `"${idKey}" must be a string or a number, got ${describe(rawId)}`;
  }
  const id = rawId === undefined ? `line-${line}` : String(rawId);
  const base = { id, category: category === undefined ? defaultCategory : (category as string).trim(), line };

  if (has('turns')) {
    const turns = record['turns'];
    if (!Array.isArray(turns) || turns.length === 0) return `"turns" must be a non-empty array of strings, got ${describe(turns)}`;
    const bad = turns.findIndex((t) => typeof t !== 'string' || t.trim() === '');
    if (bad >= 0) return `"turns[${bad}]" must be a non-empty string, got ${describe(turns[bad])}`;
    return {
      ...base,
      format: 'spec-bench',
      messages: [{ role: 'user', content: turns[0] as string }],
      ...(turns.length > 1 ? { droppedTurns: turns.length - 1 } : {}),
    };
  }
  if (has('prompt')) {
    const prompt = record['prompt'];
    if (typeof prompt !== 'string') return `"prompt" must be a string, got ${describe(prompt)}`;
    if (prompt.trim() === '') return '"prompt" must contain non-whitespace text';
    return { ...base, format: 'prompt', prompt };
  }
  const messages = record['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return `"messages" must be a non-empty array, got ${describe(messages)}`;
  const out: BenchMessage[] = [];
  for (const [i, m] of messages.entries()) {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return `"messages[${i}]" must be an object with role and content, got ${describe(m)}`;
    const { role, content } = m as Record<string, unknown>;
    if (typeof role !== 'string' || !roles.has(role)) return `"messages[${i}].role" must be "system", "user" or "assistant", got ${describe(role)}`;
    if (typeof content !== 'string') return `"messages[${i}].content" must be a string, got ${describe(content)}`;
    out.push({ role: role as BenchMessage['role'], content });
  }
  if (!out.some((m) => m.role === 'user' && m.content.trim() !== '')) return '"messages" needs at least one user message with text';
  return { ...base, format: 'messages', messages: out };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'string') {
    const s = JSON.stringify(value.length > maxReportedLength ? `${value.slice(0, maxReportedLength)}…` : value);
    return `the string ${s}`;
  }
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export interface SelectOptions {
  /** Keep at most K prompts of each category (the first K in file order). */
  samplePerCategory?: number;
  /** Keep at most N prompts in all. */
  limit?: number;
  /** Keep only these categories. */
  categories?: string[];
}

/**
 * Chooses the prompts to run. With `samplePerCategory` the result is ordered round-robin over categories (in order
 * of first appearance), so `limit` still spans several categories; without it, file order is kept.
 */
export function selectPrompts(prompts: BenchPrompt[], options: SelectOptions): BenchPrompt[] {
  let chosen = options.categories ? prompts.filter((p) => options.categories!.includes(p.category)) : [...prompts];
  if (options.samplePerCategory !== undefined) {
    const byCategory = new Map<string, BenchPrompt[]>();
    for (const p of chosen) {
      const list = byCategory.get(p.category) ?? [];
      if (list.length < options.samplePerCategory) list.push(p);
      byCategory.set(p.category, list);
    }
    const lists = [...byCategory.values()];
    chosen = [];
    for (let k = 0; k < options.samplePerCategory; k++) for (const list of lists) if (list[k]) chosen.push(list[k]!);
  }
  if (options.limit !== undefined) chosen = chosen.slice(0, options.limit);
  return chosen;
}
