import { describe, expect, it } from 'vitest';
import { weightsCulpritOf } from '../../src/models/load-model.js';

const seenWithModel = ['config.json', 'generation_config.json', 'onnx/model.onnx'];

describe('weightsCulpritOf', () => {
  it('blames the ONNX file, not generation_config.json still in flight, when session creation fails', () => {
    expect(weightsCulpritOf(new Error('protobuf parsing failed'), new Set(['generation_config.json']), seenWithModel)).toBe('onnx/model.onnx');
    expect(weightsCulpritOf('protobuf parsing failed', new Set(['generation_config.json']), seenWithModel)).toBe('onnx/model.onnx');
  });

  it('takes the file the error names first', () => {
    const unfinished = new Set(['generation_config.json', 'onnx/model.onnx']);
    expect(weightsCulpritOf(new Error('failed to read onnx/model_q4.onnx_data: unexpected end'), unfinished, seenWithModel)).toBe('onnx/model_q4.onnx_data');
    expect(weightsCulpritOf(new Error('Unexpected token < in generation_config.json'), new Set(), seenWithModel)).toBe('generation_config.json');
    expect(weightsCulpritOf('could not parse tokenizer.json', unfinished, seenWithModel)).toBe('tokenizer.json');
  });

  it('prefers an ONNX file still downloading over one that finished, even one read later', () => {
    const seen = ['config.json', 'onnx/model.onnx_data', 'generation_config.json', 'onnx/model.onnx'];
    expect(weightsCulpritOf(new Error('out of memory'), new Set(['onnx/model.onnx_data', 'generation_config.json']), seen)).toBe('onnx/model.onnx_data');
  });

  it('among finished ONNX files takes the one read last', () => {
    const seen = ['config.json', 'onnx/model.onnx', 'onnx/model.onnx_data', 'generation_config.json'];
    expect(weightsCulpritOf(new Error('session failed'), new Set(), seen)).toBe('onnx/model.onnx_data');
  });

  it('among unfinished ONNX files takes the one that started last', () => {
    const seen = ['onnx/model.onnx', 'onnx/model.onnx_data'];
    expect(weightsCulpritOf(new Error('network error'), new Set(['onnx/model.onnx', 'onnx/model.onnx_data']), seen)).toBe('onnx/model.onnx_data');
  });

  it('falls back to a file still in flight when no ONNX file was seen, and to nothing without one', () => {
    const seen = ['config.json', 'generation_config.json'];
    expect(weightsCulpritOf(new Error('network error'), new Set(['generation_config.json']), seen)).toBe('generation_config.json');
    expect(weightsCulpritOf(new Error('network error'), new Set(['config.json', 'generation_config.json']), seen)).toBe('generation_config.json');
    expect(weightsCulpritOf(new Error('network error'), new Set(), seen)).toBeUndefined();
    expect(weightsCulpritOf(null, new Set(), [])).toBeUndefined();
  });

  it('does not count files that merely mention onnx as model files', () => {
    const seen = ['onnx/config.json', 'onnx.txt'];
    expect(weightsCulpritOf(new Error('failed'), new Set(['tokenizer_config.json']), seen)).toBe('tokenizer_config.json');
  });

  it('reduces a URL or local path in the error to the path inside the repository', () => {
    const url = new Error('Could not locate file: "https://huggingface.co/org/repo/resolve/main/onnx/model_q4f16.onnx".');
    expect(weightsCulpritOf(url, new Set(), [])).toBe('onnx/model_q4f16.onnx');
    expect(weightsCulpritOf(new Error('Local file missing at /models/tiny/generation_config.json'), new Set(), [])).toBe('generation_config.json');
  });
});
