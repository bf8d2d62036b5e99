import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { libraryVersion } from '../src/version.js';

describe('libraryVersion', () => {
  it('is the version in package.json, so traces name the release that wrote them', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(libraryVersion).toBe(pkg.version);
  });
});
