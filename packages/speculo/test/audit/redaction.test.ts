import { describe, expect, it } from 'vitest';
import { promptSha256 } from '../../src/trace/trace-recorder.js';
import type { TraceSinkRecord } from '../../src/types/index.js';
import { syntheticRun } from './synthetic-run.js';

// Words unlikely to occur in field names, model ids or hex hashes, so any hit is a leak.
const prompt = 'Quixotic zebras juggle vermilion kumquats';
const stop = ['zebras juggle'];
// The answer quotes the prompt, as answers do.
const echoingAnswer = ' Indeed, quixotic zebras juggle vermilion kumquats daily.';

/** Every substring of `text` of `length` characters that occurs in `haystack`. */
function leakedSubstrings(text: string, haystack: string, length = 4): string[] {
  const leaks = new Set<string>();
  for (let i = 0; i + length <= text.length; i++) {
    const piece = text.slice(i, i + length);
    if (haystack.includes(piece)) leaks.add(piece);
  }
  return [...leaks];
}

function serialized(trace: unknown, records: TraceSinkRecord[]): string {
  return JSON.stringify(trace) + JSON.stringify(records);
}

describe('prompt redaction', () => {
  it('keeps every 4-character piece of the prompt out of the trace and the sink', async () => {
    const { trace, sinkRecords } = await syntheticRun({ prompt, stop, text: echoingAnswer, redactPrompt: true });
    const json = serialized(trace, sinkRecords);
    expect(leakedSubstrings(prompt, json)).toEqual([]);
    expect(leakedSubstrings(prompt.toLowerCase(), json.toLowerCase())).toEqual([]);
    expect(trace.prompt).toEqual({ redacted: true, kind: 'text', sha256: await promptSha256(prompt) });
    expect(trace.sampling.stop).toMatchObject({ redacted: true });
    expect(trace.output.text).toMatchObject({ redacted: true });
  });

  it('does the same for chat messages', async () => {
    const messages = [
      { role: 'system' as const, content: 'Obey the kumquat protocol' },
      { role: 'user' as const, content: prompt },
    ];
    const { trace, sinkRecords } = await syntheticRun({ prompt: messages, text: echoingAnswer, redactPrompt: true });
    const json = serialized(trace, sinkRecords);
    for (const message of messages) expect(leakedSubstrings(message.content, json)).toEqual([]);
    expect(trace.prompt).toEqual({ redacted: true, kind: 'messages', sha256: await promptSha256(messages) });
  });

  it('keeps the prompt, stop strings and answer in clear without redaction', async () => {
    // The leak check must be able to fail: the same run without redaction is full of the prompt.
    const { trace, sinkRecords } = await syntheticRun({ prompt, stop, text: echoingAnswer });
    expect(leakedSubstrings(prompt, serialized(trace, sinkRecords)).length).toBeGreaterThan(10);
    expect(trace.prompt).toMatchObject({ redacted: false, kind: 'text', text: prompt });
    expect(trace.sampling.stop).toEqual({ redacted: false, strings: stop });
    expect(trace.output.text).toMatchObject({ redacted: false, text: echoingAnswer });
  });

  it('keeps the answer when the operator opts out of output redaction', async () => {
    const { trace } = await syntheticRun({ prompt, text: ' Fine.', redactPrompt: true, redactOutput: false });
    expect(trace.output.text).toMatchObject({ redacted: false, text: ' Fine.' });
    expect(trace.prompt.redacted).toBe(true);
  });
});
