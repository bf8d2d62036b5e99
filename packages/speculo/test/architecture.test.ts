import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The floors of packages/speculo/src, read from its imports: data types at the bottom, the pure algorithm rooms in
 * the middle, and the engine, the API and the clients on top. A lower floor never imports a higher one, and no two
 * folders import each other through any path.
 */
const sourceRoot = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Folders that only the engine's outer layers may import. */
const upperFloors = new Set(['api', 'client', 'worker', 'ai-sdk', 'decode', 'index']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The top-level folder (or file stem) of a source path: `schedule`, `types`, `errors`, … */
function roomOf(path: string): string {
  const [first] = relative(sourceRoot, path).split(/[\\/]/);
  return first!.replace(/\.(ts|js)$/, '');
}

/** Every relative import in src, as room → rooms it imports (other than itself). */
function roomImports(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(sourceRoot)) {
    const from = roomOf(file);
    for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const to = roomOf(normalize(join(dirname(file), match[1]!)));
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

function reaches(graph: Map<string, Set<string>>, start: string, goal: string): boolean {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const room = stack.pop()!;
    if (room === goal) return true;
    if (seen.has(room)) continue;
    seen.add(room);
    stack.push(...(graph.get(room) ?? []));
  }
  return false;
}

describe('the layering of src', () => {
  const graph = roomImports();

  it('has no import cycle between folders', () => {
    const cycles = [...graph].flatMap(([from, targets]) => [...targets].filter((to) => reaches(graph, to, from)).map((to) => `${from} ↔ ${to}`));
    expect(cycles).toEqual([]);
  });

  it('keeps the public data types on the lowest floor: types/ imports nothing else, util/ only types/', () => {
    expect([...(graph.get('types') ?? [])]).toEqual([]);
    expect([...(graph.get('util') ?? [])].filter((room) => room !== 'types')).toEqual([]);
  });

  it('never imports the engine, the API or the clients from a lower floor', () => {
    const upward = [...graph].filter(([from]) => !upperFloors.has(from)).flatMap(([from, targets]) => [...targets].filter((to) => upperFloors.has(to)).map((to) => `${from} → ${to}`));
    expect(upward).toEqual([]);
  });

  it('lets the decoder hand rounds to observers instead of importing the trace, the guardrails or the worker', () => {
    const decode = [...(graph.get('decode') ?? [])];
    expect(decode.filter((room) => ['trace', 'guard', 'worker', 'client', 'api'].includes(room))).toEqual([]);
  });
});
