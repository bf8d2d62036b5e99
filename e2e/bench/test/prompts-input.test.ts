import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultPromptsFile } from '../defaults.js';
import { PromptInputError, parsePromptsJsonl, readPrompts, selectPrompts } from '../prompts-input.js';

const lines = (...rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');

describe('parsePromptsJsonl', () => {
  it('reads Spec-Bench records: first turn as a user message, later turns counted', () => {
    const { prompts, badLines } = parsePromptsJsonl(lines({ question_id: 81, category: 'writing', turns: ['Write a poem.', 'Now shorter.'] }));
    expect(badLines).toEqual([]);
    expect(prompts).toEqual([{ id: '81', category: 'writing', line: 1, format: 'spec-bench', messages: [{ role: 'user', content: 'Write a poem.' }], droppedTurns: 1 }]);
  });

  it('reads plain prompts and messages, with default id and category', () => {
    const {
      prompts,
      badLines,
      lines: n,
    } = parsePromptsJsonl(
      lines({ prompt: 'Once upon a time' }, '', '   ', {
        id: 'm1',
        category: 'chat',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
      }),
    );
    expect(badLines).toEqual([]);
    expect(n).toBe(2);
    expect(prompts[0]).toEqual({ id: 'line-1', category: 'uncategorized', line: 1, format: 'prompt', prompt: 'Once upon a time' });
    expect(prompts[1]).toMatchObject({ id: 'm1', category: 'chat', line: 4, format: 'messages' });
    expect(prompts[1]!.messages).toHaveLength(2);
  });

  it('reports every bad line with its number and reason', () => {
    const text = lines(
      { prompt: 'ok' },
      '{not json',
      '[1, 2]',
      { prompt: 3 },
      { prompt: '   ' },
      { prompt: 'a', messages: [{ role: 'user', content: 'b' }] },
      { category: 'x' },
      { turns: [] },
      { turns: ['fine', ''] },
      { messages: [{ role: 'robot', content: 'x' }] },
      { messages: [{ role: 'user' }] },
      { messages: [{ role: 'system', content: 'only system' }] },
      { prompt: 'x', category: 7 },
      { id: { a: 1 }, prompt: 'x' },
      { id: 'dup', prompt: 'first' },
      { id: 'dup', prompt: 'second' },
      { question_id: 1, turns: ['q'] },
      { question_id: 1, turns: ['again'] },
    );
    const { prompts, badLines } = parsePromptsJsonl(text);
    expect(prompts.map((p) => p.id)).toEqual(['line-1', 'dup', '1']);
    expect(badLines.map((b) => b.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18]);
    const reason = (line: number) => badLines.find((b) => b.line === line)!.message;
    expect(reason(2)).toMatch(/not valid JSON/);
    expect(reason(3)).toMatch(/expected a JSON object, got an array/);
    expect(reason(4)).toMatch(/"prompt" must be a string, got number 3/);
    expect(reason(5)).toMatch(/non-whitespace/);
    expect(reason(6)).toMatch(/only one of/);
    expect(reason(7)).toMatch(/expected "turns"/);
    expect(reason(8)).toMatch(/"turns" must be a non-empty array/);
    expect(reason(9)).toMatch(/turns\[1\]/);
    expect(reason(10)).toMatch(/messages\[0\]\.role/);
    expect(reason(11)).toMatch(/messages\[0\]\.content/);
    expect(reason(12)).toMatch(/at least one user message/);
    expect(reason(13)).toMatch(/"category" must be a non-empty string/);
    expect(reason(14)).toMatch(/"id" must be a string or a number/);
    expect(reason(16)).toMatch(/duplicate id "dup" \(first on line 15\)/);
    expect(reason(18)).toMatch(/duplicate id "1" \(first on line 17\)/);
  });

  it('handles CRLF line endings and a byte-order mark', () => {
    const { prompts, badLines } = parsePromptsJsonl('\uFEFF{"prompt":"a"}\r\n{"prompt":"b"}\r\n');
    expect(badLines).toEqual([]);
    expect(prompts.map((p) => p.prompt)).toEqual(['a', 'b']);
  });
});

describe('readPrompts', () => {
  const text = lines({ prompt: 'a' }, 'oops', { prompt: 'b' });
  it('fails the run on a bad line by default, naming each line', () => {
    expect(() => readPrompts(text, 'p.jsonl', 'fail')).toThrow(PromptInputError);
    expect(() => readPrompts(text, 'p.jsonl', 'fail')).toThrow(/p\.jsonl: 1 bad line[\s\S]*line 2: not valid JSON/);
  });
  it('skips bad lines when asked, and still reports them', () => {
    const parsed = readPrompts(text, 'p.jsonl', 'skip');
    expect(parsed.prompts).toHaveLength(2);
    expect(parsed.badLines).toEqual([{ line: 2, message: expect.stringMatching(/not valid JSON/) }]);
  });
  it('refuses a file with no usable prompt even when skipping', () => {
    expect(() => readPrompts('\n\n', 'empty.jsonl', 'skip')).toThrow(/no prompts/);
    expect(() => readPrompts('oops', 'bad.jsonl', 'skip')).toThrow(/line 1/);
  });
});

describe('selectPrompts', () => {
  const prompts = parsePromptsJsonl(lines(...['a', 'a', 'a', 'b', 'b', 'c'].map((category, i) => ({ id: `p${i}`, category, prompt: `text ${i}` })))).prompts;
  it('keeps file order with --limit alone', () => {
    expect(selectPrompts(prompts, { limit: 2 }).map((p) => p.id)).toEqual(['p0', 'p1']);
  });
  it('samples per category round-robin, so a limit spans categories', () => {
    expect(selectPrompts(prompts, { samplePerCategory: 2 }).map((p) => p.id)).toEqual(['p0', 'p3', 'p5', 'p1', 'p4']);
    expect(selectPrompts(prompts, { samplePerCategory: 1, limit: 2 }).map((p) => p.id)).toEqual(['p0', 'p3']);
  });
  it('filters categories', () => {
    expect(selectPrompts(prompts, { categories: ['b'] }).map((p) => p.id)).toEqual(['p3', 'p4']);
  });
});

describe('the repository prompt set', () => {
  // ../shared/benchmarks/spec-bench-dev.jsonl sits next to the checkout on this project's machines; elsewhere the
  // harness asks for --prompts, and there is nothing here to check.
  it('parses without a bad line: 240 prompts in 13 categories', () => {
    if (!existsSync(defaultPromptsFile)) return;
    const { prompts, badLines } = parsePromptsJsonl(readFileSync(defaultPromptsFile, 'utf8'));
    expect(badLines).toEqual([]);
    expect(prompts).toHaveLength(240);
    expect(new Set(prompts.map((p) => p.category)).size).toBe(13);
    expect(prompts.every((p) => p.format === 'spec-bench')).toBe(true);
  });
});
