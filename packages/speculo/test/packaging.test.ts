import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const packageDir = join(import.meta.dirname, '..');
const repoRoot = join(packageDir, '..', '..');

describe('the published package', () => {
  it('ships the README and the licence, and leaves no copies behind in the source tree', () => {
    const output = execFileSync('npm', ['pack', '--dry-run', '--json', '-w', 'speculo'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const [report] = JSON.parse(output) as { files: { path: string }[] }[];
    const files = report!.files.map((f) => f.path);
    expect(files).toContain('README.md');
    expect(files).toContain('LICENSE');
    expect(files).toContain('package.json');
    expect(files.some((f) => f.startsWith('src/'))).toBe(true);
    expect(existsSync(join(packageDir, 'README.md'))).toBe(false);
    expect(existsSync(join(packageDir, 'LICENSE'))).toBe(false);
  }, 60_000);

  it('resolves for every tool: types first and a default condition on each entry point, ESM only', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { type: string; license: string; exports: Record<string, unknown> };
    expect(manifest.type).toBe('module');
    expect(manifest.license).toBe('Apache-2.0');
    for (const entry of ['.', './worker', './ai-sdk']) {
      const conditions = manifest.exports[entry] as Record<string, string>;
      expect(Object.keys(conditions)[0], entry).toBe('types');
      expect(conditions['default'], entry).toBe(conditions['import']);
      expect(conditions).not.toHaveProperty('require');
    }
    expect(readFileSync(join(repoRoot, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
  });

  it('takes transformers.js and its ONNX Runtime as peers, so an app that has them shares one copy', () => {
    type Manifest = { dependencies?: Record<string, string>; peerDependencies?: Record<string, string>; version: string };
    const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Manifest;
    const manifest = read(join(packageDir, 'package.json'));
    const transformers = read(join(repoRoot, 'node_modules', '@huggingface', 'transformers', 'package.json'));
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('@huggingface/transformers');
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('onnxruntime-web');
    // The peer onnxruntime-web must be the very build transformers.js pins, or npm installs a second copy.
    expect(manifest.peerDependencies?.['onnxruntime-web']).toBe(transformers.dependencies?.['onnxruntime-web']);
    const [major, minor] = transformers.version.split('.');
    expect(manifest.peerDependencies?.['@huggingface/transformers']).toMatch(new RegExp(`^~${major}\\.${minor}\\.`));
  });
});
