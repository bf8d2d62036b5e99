import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const srcDir = join(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
}

describe('the AI SDK provider costs nothing to apps that do not import it', () => {
  it('imports only types from the AI SDK, and only under src/ai-sdk, which the main entry does not import', () => {
    const found: string[] = [];
    for (const file of sourceFiles(srcDir)) {
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/^(import|export)\b[^;]*?from '((?:@ai-sdk\/[^']+)|ai)';/gms)) {
        const where = relative(srcDir, file);
        found.push(where);
        expect(match[0], where).toMatch(/^(import|export) type /);
        expect(where.startsWith('ai-sdk/'), where).toBe(true);
      }
    }
    expect(found.length).toBeGreaterThan(0);
    expect(readFileSync(join(srcDir, 'index.ts'), 'utf8')).not.toMatch(/ai-sdk/);
  });
});
