// Builds the trained pair's corpus, tokenizer and token files (development time only; see tools/train/README.md).
//
//   node --import tsx tools/train/prepare.ts [--stdlib DIR] [--docs DIR] [--out DIR]
//
// Sources, in sorted path order so every machine builds the same bytes:
// - code: the Python standard library's own modules (PSF-2.0), tests and vendored packages left out;
// - prose: the Python documentation's reStructuredText sources (PSF-2.0), from Debian's python3.11-doc.
// A file is held out when the first byte of sha256(its relative path) is below HELD_OUT_BELOW.
// Writes the tokenizer's merges to packages/fixtures/trained/ (committed) and uint16 token files to `--out`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ReferenceEncoder, trainBpe, type BuiltTokenizer } from '../../packages/fixtures/src/tokenizer.js';
import { TRAINED_TOKENIZER, TRAINED_DIR } from '../../packages/fixtures/src/trained.js';
import { Rng } from '../../packages/fixtures/src/weights.js';

const HELD_OUT_BELOW = 8; // of 256: about 3 % of files
/** Share of training chunks written as a chat turn, so the models answer after the chat template. */
const CHAT_SHARE = 0.3;
/** The tokenizer learns its merges from this many characters of each source, spread over its files. */
const TOKENIZER_SAMPLE_CHARS = 3_000_000;

const SKIP_DIRS = new Set(['test', 'tests', 'idle_test', 'site-packages', 'dist-packages', '__pycache__', 'lib2to3', 'turtledemo', 'ensurepip', 'pydoc_data', 'encodings']);

interface SourceFile {
  kind: 'code' | 'prose';
  path: string;
  text: string;
  heldOut: boolean;
}

function listFiles(root: string, suffix: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(p);
      } else if (entry.name.endsWith(suffix) && statSync(p).size < 400_000) out.push(p);
    }
  };
  walk(root);
  return out;
}

function readSources(kind: SourceFile['kind'], root: string, suffix: string): SourceFile[] {
  if (!existsSync(root))
    throw new Error(
      `${root} does not exist: install ${kind === 'code' ? 'python3.11 (its standard library)' : 'python3.11-doc'} with apt-get, or pass --${kind === 'code' ? 'stdlib' : 'docs'} DIR`,
    );
  return listFiles(root, suffix).map((p) => {
    const rel = relative(root, p).split('\\').join('/');
    const text = readFileSync(p, 'utf8').replace(/\r\n/g, '\n').replace(/\t/g, '    ');
    const heldOut = createHash('sha256').update(`${kind}:${rel}`).digest()[0] < HELD_OUT_BELOW;
    return { kind, path: rel, text, heldOut };
  });
}

/** Splits a file into chunks of about `size` characters at line ends. */
function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    let end = Math.min(text.length, at + size);
    if (end < text.length) {
      const nl = text.lastIndexOf('\n', end);
      if (nl > at + size / 2) end = nl + 1;
    }
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

const CODE_ASKS = ['Continue this Python code.', 'Write the rest of this function.', 'Complete the following code:', 'What comes next in this module?'];
const PROSE_ASKS = ['Continue this passage from the Python documentation.', 'Keep writing this explanation.', 'Go on:', 'Finish this section of the docs.'];

/** A chat turn: the user gives the first part of a chunk, the assistant writes the rest. */
function chatTurn(kind: SourceFile['kind'], chunk: string, rng: Rng): string {
  const lines = chunk.split('\n');
  const cut = Math.max(1, Math.floor(lines.length * (0.3 + 0.3 * rng.next())));
  const asks = kind === 'code' ? CODE_ASKS : PROSE_ASKS;
  const ask = asks[rng.int(asks.length)];
  const given = lines.slice(0, cut).join('\n');
  const rest = lines.slice(cut).join('\n');
  return `<|im_start|>user\n${ask}\n\n${given}<|im_end|>\n<|im_start|>assistant\n${rest}<|im_end|>\n`;
}

function encodeAll(enc: ReferenceEncoder, texts: string[], endOfText: number): Uint16Array {
  const ids: number[] = [];
  for (const t of texts) {
    for (const id of enc.encode(t)) ids.push(id);
    ids.push(endOfText);
  }
  return Uint16Array.from(ids);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      stdlib: { type: 'string', default: '/usr/lib/python3.11' },
      docs: { type: 'string', default: '/usr/share/doc/python3.11/html/_sources' },
      out: { type: 'string', default: '.train' },
    },
  });
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const files = [...readSources('code', values.stdlib, '.py'), ...readSources('prose', values.docs, '.rst.txt')];

  // The tokenizer sees an even spread of both sources, held-out files excluded.
  const sample: string[] = [];
  for (const kind of ['code', 'prose'] as const) {
    const pool = files.filter((f) => f.kind === kind && !f.heldOut);
    const total = pool.reduce((n, f) => n + f.text.length, 0);
    const keep = Math.min(1, TOKENIZER_SAMPLE_CHARS / total);
    for (const f of pool) sample.push(f.text.slice(0, Math.ceil(f.text.length * keep)));
  }
  const t0 = performance.now();
  const tok: BuiltTokenizer = trainBpe(TRAINED_TOKENIZER, sample.join('\n'));
  console.log(`tokenizer: ${tok.merges.length} merges, ${tok.vocabSize} tokens in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  mkdirSync(TRAINED_DIR, { recursive: true });
  writeFileSync(join(TRAINED_DIR, 'merges.json'), JSON.stringify({ name: TRAINED_TOKENIZER.name, merges: tok.merges.map(([a, b]) => `${a} ${b}`) }, null, 0) + '\n');

  const enc = new ReferenceEncoder(tok);
  const rng = new Rng('trained-corpus');
  const train: string[] = [];
  const heldOut: Record<SourceFile['kind'], string[]> = { code: [], prose: [] };
  let chatTurns = 0;
  for (const f of files) {
    if (f.heldOut) {
      heldOut[f.kind].push(f.text);
      continue;
    }
    for (const c of chunks(f.text, 2000)) {
      if (rng.next() < CHAT_SHARE) {
        train.push(chatTurn(f.kind, c, rng));
        chatTurns++;
      } else train.push(c);
    }
  }
  const { endoftext } = tok.specialIds;
  const t1 = performance.now();
  const trainIds = encodeAll(enc, train, endoftext);
  const codeIds = encodeAll(enc, heldOut.code, endoftext);
  const proseIds = encodeAll(enc, heldOut.prose, endoftext);
  console.log(`encoded in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  writeFileSync(join(out, 'train.bin'), trainIds);
  writeFileSync(join(out, 'heldout-code.bin'), codeIds);
  writeFileSync(join(out, 'heldout-prose.bin'), proseIds);
  const card = {
    vocabSize: tok.vocabSize,
    specialIds: tok.specialIds,
    sources: (['code', 'prose'] as const).map((kind) => {
      const of = files.filter((f) => f.kind === kind);
      const held = of.filter((f) => f.heldOut);
      return {
        kind,
        root: kind === 'code' ? values.stdlib : values.docs,
        files: of.length,
        characters: of.reduce((n, f) => n + f.text.length, 0),
        heldOutFiles: held.map((f) => f.path),
        heldOutCharacters: held.reduce((n, f) => n + f.text.length, 0),
      };
    }),
    chatTurns,
    tokens: { train: trainIds.length, heldOutCode: codeIds.length, heldOutProse: proseIds.length },
  };
  writeFileSync(join(out, 'corpus.json'), JSON.stringify(card, null, 2) + '\n');
  console.log(JSON.stringify({ ...card, sources: card.sources.map((s) => ({ ...s, heldOutFiles: s.heldOutFiles.length })) }, null, 2));
}

main();
