import { execFile } from 'node:child_process';
import { join } from 'node:path';

const repoRoot = join(import.meta.dirname, '..', '..');

/** Runs a bench CLI (cli.ts or report-cli.ts) as a child process, as `npm run bench` would. */
export function runBenchCli(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join('e2e', 'bench', script), ...args],
      { cwd: repoRoot, maxBuffer: 32 * 1024 * 1024, env: { ...process.env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}
