import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { comparisonColumns, renderComparisonMarkdown, renderComparisonSvg } from '../merge-report.js';
import { writeComparison } from '../report-cli.js';
import { renderRunMarkdown, spreadCell } from '../report-markdown.js';
import { escapeXml, niceAxis, renderSpeedupSvg } from '../report-svg.js';
import { runFileJsonSchema, validateRunFile } from '../run-schema.js';
import { fakeConfiguration, fakeRun } from './fake-run.js';

const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('run file schema', () => {
  it('accepts a run after JSON round trip, including empty summaries (NaN → null)', () => {
    const failed = fakeConfiguration('broken', ['x'], [], { error: 'no WebGPU adapter', adapter: null });
    const run = fakeRun([fakeConfiguration('a', ['x', 'y'], [1.2, 1.4, 0.9]), failed]);
    const parsed = validateRunFile(roundTrip(run));
    expect(parsed.configurations[1]!.overall.speedup.median).toBeNull();
  });
  it('names the path of what is wrong, and refuses other schema versions', () => {
    const run = roundTrip(fakeRun([fakeConfiguration('a', ['x'], [1.2])])) as { configurations: { prompts: { speedup: unknown }[] }[] };
    run.configurations[0]!.prompts[0]!.speedup = 'fast';
    expect(() => validateRunFile(run, 'x.json')).toThrow(/x\.json is not a valid speculo-bench-run v2 file:\n {2}configurations\.0\.prompts\.0\.speedup/);
    expect(() => validateRunFile({ ...fakeRun([]), schemaVersion: 3 }, 'y.json')).toThrow(/y\.json: schemaVersion 3 is not supported .*reads 1 and 2/);
    expect(() => validateRunFile({ hello: 1 })).toThrow(/not a valid/);
  });
  it('exports a JSON Schema', () => {
    expect(JSON.stringify(runFileJsonSchema())).toContain('speculo-bench-run');
  });
});

describe('Markdown report', () => {
  it('names the adapter, the environment, every category and the notes', () => {
    const run = fakeRun([fakeConfiguration('chromium-140/webgpu/swiftshader', ['writing', 'math'], [1.2, 1.4, 0.9])], {
      input: { ...fakeRun([]).input, promptsRun: 3, skippedLines: [{ line: 7, message: 'not valid JSON' }], truncatedPrompts: 1 },
    });
    const md = renderRunMarkdown(run, 'run.svg');
    expect(md).toContain('![speedup by category](run.svg)');
    expect(md).toContain('SwiftShader Device, vendor google, architecture swiftshader');
    expect(md).toMatch(/\| writing \| 2 \|/);
    expect(md).toMatch(/\| math \| 1 \|/);
    expect(md).toContain('line 7: not valid JSON');
    expect(md).toContain('cut from the left');
    expect(md).toContain('Test CPU');
    expect(md).toContain('pos 1');
  });
  it('reports a failed configuration instead of dropping it', () => {
    const md = renderRunMarkdown(fakeRun([fakeConfiguration('x/wasm/wasm', ['a'], [], { error: 'boom', adapter: null, backend: 'wasm' })]));
    expect(md).toContain('failed: boom');
    expect(md).toContain('x/wasm/wasm did not run: boom');
  });
  it('formats a spread as median [p25–p75]', () => {
    expect(spreadCell({ n: 3, median: 1.5, p25: 1.25, p75: 1.75, min: 1, max: 2 }, '×')).toBe('1.50× [1.25–1.75]');
    expect(spreadCell({ n: 1, median: 2, p25: 2, p75: 2, min: 2, max: 2 })).toBe('2.00');
    expect(spreadCell({ n: 0, median: null, p25: null, p75: null, min: null, max: null })).toBe('–');
  });
});

describe('SVG chart', () => {
  it('draws one bar per series and category, a 1× line, and a legend naming each series (escaped)', () => {
    const s = { n: 2, median: 1.5, p25: 1.2, p75: 1.8, min: 1, max: 2 };
    const svg = renderSpeedupSvg(
      ['a', 'b'],
      [
        { label: 'NVIDIA <RTX> & co', values: { a: s, b: s } },
        { label: 'SwiftShader', values: { a: s } },
      ],
      { title: 'T' },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect x=[^>]*fill="#(4e79a7|f28e2b)"><title>/g)).toHaveLength(3);
    expect(svg).toContain('NVIDIA &lt;RTX&gt; &amp; co');
    expect(svg).toContain('1× = no speedup');
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(escapeXml(`"'`)).toBe('&quot;&apos;');
  });
  it('picks an axis that covers the data', () => {
    expect(niceAxis(1.9)).toEqual({ top: 2, step: 0.5 });
    expect(niceAxis(3.3).top).toBeGreaterThanOrEqual(3.3);
    expect(niceAxis(0.2).top).toBeGreaterThanOrEqual(1.2);
  });
});

describe('bench:report merge', () => {
  const runA = fakeRun([
    fakeConfiguration('chromium-140/webgpu/system', ['writing', 'math'], [1.8, 2.2, 1.5], {
      label: 'Chromium 140 · webgpu · NVIDIA GeForce RTX 4090',
      adapter: { vendor: 'nvidia', architecture: 'ada', device: '', description: 'NVIDIA GeForce RTX 4090' },
    }),
  ]);
  const runB = fakeRun([
    fakeConfiguration('chromium-140/webgpu/swiftshader', ['writing', 'qa'], [0.6, 0.7]),
    fakeConfiguration('chromium-140/wasm/wasm', ['writing'], [1.1], { error: 'failed to load' }),
  ]);

  it('makes one column per configuration that ran, rows per category, and a chart with one series per GPU', () => {
    const columns = comparisonColumns([
      { file: 'a.json', run: runA },
      { file: 'b.json', run: runB },
    ]);
    expect(columns.map((c) => c.label)).toEqual(['Chromium 140 · webgpu · NVIDIA GeForce RTX 4090', 'Chromium 140 · webgpu · chromium-140/webgpu/swiftshader']);
    const md = renderComparisonMarkdown(columns);
    expect(md).toContain('| writing | 1.65× [1.57–1.73] (2) | 0.60× (1) |');
    expect(md).toMatch(/\| qa \| – \|/);
    expect(md).toContain('NVIDIA GeForce RTX 4090');
    const svg = renderComparisonSvg(columns);
    expect(svg).toContain('NVIDIA GeForce RTX 4090');
    expect(svg).toContain('>overall</text>');
  });

  it('tells apart identical labels from different machines', () => {
    const columns = comparisonColumns([
      { file: 'a.json', run: runB },
      { file: 'b.json', run: { ...runB, environment: { ...runB.environment, os: { ...runB.environment.os, platform: 'win32' } } } },
    ]);
    expect(new Set(columns.map((c) => c.label)).size).toBe(2);
  });

  it('reads, validates and writes files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify(runA));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(runB));
    const out = await writeComparison([join(dir, 'a.json'), join(dir, 'b.json')], dir);
    expect(out.columns).toBe(2);
    expect(readFileSync(out.markdown, 'utf8')).toContain('](comparison.svg)');
    expect(readFileSync(out.svg, 'utf8')).toContain('<svg');
    writeFileSync(join(dir, 'bad.json'), '{"schema": "speculo-bench-run", "schemaVersion": 1}');
    await expect(writeComparison([join(dir, 'bad.json')], dir)).rejects.toThrow(/bad\.json is not a valid/);
  });
});
