import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parseGuardrailConfig } from '../../src/guard/guardrail-config.js';
import type { SpeculoTrace, TraceSinkRecord } from '../../src/types/index.js';
import { syntheticRun } from './synthetic-run.js';

const schema = JSON.parse(readFileSync(new URL('../../schema/speculo-trace.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
// Strict mode refuses unknown keywords and ambiguous constructs, which catches typos in the schema itself.
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

function expectValid(trace: unknown): void {
  const ok = validate(trace);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

const guardrails = parseGuardrailConfig({
  version: '1.2.0',
  acceptanceFloor: { rate: 0.3, windowRounds: 8, action: 'fallback' },
  minProjectedSpeedup: { value: 1.05, action: 'warn' },
  maxDraftLength: 8,
});

describe('trace JSON Schema', () => {
  it('accepts a trace with prompt, guardrails and events', async () => {
    const { trace } = await syntheticRun({
      guardrails,
      script: [
        { mode: 'prefill', target: 10, verifyMs: 5 },
        {
          mode: 'speculate',
          proposal: [11, 12],
          accepted: 0,
          target: 13,
          draftMs: 2,
          verifyMs: 4,
          events: [
            { type: 'acceptance-drift', round: 1, windowRate: 0.1, floor: 0.3, action: 'fallback' },
            { type: 'fallback', round: 1, reason: 'acceptance 10.0 % below floor 30.0 % over 8 rounds' },
          ],
        },
        { mode: 'target-only', target: 2, verifyMs: 3, events: [{ type: 'recovered', round: 2, windowRate: 0.8 }] },
      ],
    });
    expectValid(JSON.parse(JSON.stringify(trace)));
  });

  it('accepts redacted prompts, chat prompts, no draft and no adapter', async () => {
    const { trace: redacted } = await syntheticRun({ redactPrompt: true, stop: ['\n\n'] });
    expectValid(JSON.parse(JSON.stringify(redacted)));
    const { trace: chat } = await syntheticRun({ prompt: [{ role: 'user', content: 'Hi' }], finishReason: 'aborted' });
    const bare: SpeculoTrace = { ...chat, models: { ...chat.models, draft: null }, runtime: { backend: 'wasm', adapter: null } };
    expectValid(JSON.parse(JSON.stringify(bare)));
  });

  it('rejects traces that break the format', async () => {
    const { trace } = await syntheticRun();
    const cases: [string, (t: Record<string, any>) => void][] = [
      ['missing field', (t) => delete t.metrics],
      ['unknown field', (t) => (t.extra = 1)],
      ['bad mode', (t) => (t.rounds[1].mode = 'draft')],
      ['bad provenance', (t) => (t.output.provenance[0] = 'user')],
      ['negative timing', (t) => (t.rounds[1].verifyMs = -1)],
      ['prompt text in a redacted prompt', (t) => (t.prompt = { ...t.prompt, redacted: true })],
      ['wrong version', (t) => (t.schemaVersion = '2.0')],
      ['malformed hash', (t) => (t.output.text.sha256 = 'abc')],
    ];
    for (const [name, tamper] of cases) {
      const copy = JSON.parse(JSON.stringify(trace)) as Record<string, any>;
      tamper(copy);
      expect(validate(copy), name).toBe(false);
    }
  });

  it('documents every property it declares', () => {
    const undocumented: string[] = [];
    const visit = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${path}[${i}]`));
      if (node === null || typeof node !== 'object') return;
      const properties = (node as { properties?: Record<string, Record<string, unknown>> }).properties;
      for (const [name, property] of Object.entries(properties ?? {})) {
        if (typeof property.description !== 'string' && typeof property.$ref !== 'string') undocumented.push(`${path}.${name}`);
      }
      for (const [key, value] of Object.entries(node)) visit(value, `${path}/${key}`);
    };
    visit(schema, '#');
    expect(undocumented).toEqual([]);
  });

  it('streams records to the sink that rebuild the trace', async () => {
    const { trace, sinkRecords } = await syntheticRun({
      script: [
        { mode: 'prefill', target: 10, verifyMs: 5 },
        { mode: 'speculate', proposal: [11], accepted: 1, target: 2, draftMs: 1, verifyMs: 2, events: [{ type: 'recovered', round: 1, windowRate: 1 }] },
      ],
    });
    expect(sinkRecords.map((record) => record.type)).toEqual(['header', 'round', 'round', 'event', 'end']);
    const rebuilt = rebuild(sinkRecords);
    expect(rebuilt).toEqual(JSON.parse(JSON.stringify(trace)));
    expectValid(rebuilt);
  });
});

function rebuild(records: TraceSinkRecord[]): SpeculoTrace {
  let trace: Partial<SpeculoTrace> = { rounds: [], events: [] };
  for (const record of records) {
    if (record.type === 'header') trace = { ...record.header, ...trace };
    if (record.type === 'round') trace.rounds!.push(record.round);
    if (record.type === 'event') trace.events!.push(record.event);
    if (record.type === 'end') Object.assign(trace, { output: record.output, metrics: record.metrics });
  }
  return JSON.parse(JSON.stringify(trace)) as SpeculoTrace;
}
