import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** This repository's own prompt set (240 Spec-Bench prompts), next to the checkout; read at run time, never copied in. */
export const defaultPromptsFile = resolve(repoRoot, '../shared/benchmarks/spec-bench-dev.jsonl');
