import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appTemplate, servedModels, type AppVersions } from './app-template.js';
import { installFromTarball, isNpmInstall, readmeBlock, shellCommands } from './readme-blocks.js';

/**
 * Builds the app a reader of the README gets: the library packed with `npm pack`, a scratch Vite + TypeScript app
 * outside the workspace, the README's install block run line by line in it (the tarball in place of `speculo`), the
 * README's self-hosting snippet as its `src/main.ts`, `tsc --noEmit`, `vite build`. Both Playwright projects run the
 * same build: the result (dist/ and report.json) is kept in a directory keyed by everything that goes into it, and a
 * lock makes a second worker wait for the first instead of building again.
 */

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Outside the workspace, so that no .npmrc or node_modules of the repository applies to the scratch app. */
const cacheRoot = join(tmpdir(), 'speculo-consumer-app');
/** A kept build older than this is rebuilt, so that the timings it reports are this run's. */
const freshForMs = 30 * 60_000;
/** Bump when what the build does changes in a way the key does not see. */
const recipeVersion = 1;

export interface StepTiming {
  step: string;
  command: string;
  ms: number;
}

export interface StubCheck {
  name: string;
  /** Where it is installed (node_modules/…). */
  location: string;
  /** A symbolic link to a local folder, as npm installs a `file:` override. */
  link: boolean;
  /** What the link points at, relative to the app. */
  realpath: string;
  /** name@version from its package.json. */
  manifest: string;
  bytes: number;
}

export interface ConsumerReport {
  key: string;
  builtAt: string;
  node: string;
  npm: string;
  versions: AppVersions;
  tarball: { file: string; bytes: number };
  installCommands: string[];
  /** `npm warn …` lines the README's install block printed. */
  installWarnings: string[];
  steps: StepTiming[];
  /** The README's install block, all its lines (ms). */
  installMs: number;
  tscMs: number;
  buildMs: number;
  nodeModules: { bytesBefore: number; bytesAfter: number; packagesBefore: number; packagesAfter: number };
  npmLsOnnxruntimeWeb: string;
  npmLsExitCode: number;
  /** Every installed onnxruntime-web, by location: one expected. */
  onnxruntimeWebCopies: { location: string; version: string }[];
  /** Every installed onnxruntime-common (where ORT's env lives): one expected. */
  onnxruntimeCommonCopies: { location: string; version: string }[];
  stubs: StubCheck[];
  /** Installed packages that only a real sharp would bring (its native builds). */
  sharpNativePackages: string[];
  dist: { bytes: number; files: string[] };
}

export interface ConsumerBuild {
  dir: string;
  distDir: string;
  report: ConsumerReport;
  /** True when this worker built it; false when it reused another worker's build. */
  builtHere: boolean;
}

/** A failed step: its name, command, exit status and output. */
export class StepError extends Error {
  override name = 'StepError';
}

/** process.env without what `npm test` leaks into children (npm_config_* from the repository's .npmrc, its .bin on PATH). */
function scratchEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false' };
  for (const name of Object.keys(env)) {
    if (/^npm_/i.test(name) && !/^npm_config_(cache|registry|update_notifier)$/i.test(name)) delete env[name];
  }
  delete env['INIT_CWD'];
  env['PATH'] = (env['PATH'] ?? '')
    .split(':')
    .filter((p) => !p.includes(`${sep}node_modules${sep}.bin`))
    .join(':');
  return env;
}

function tail(text: string, chars = 6000): string {
  return text.length <= chars ? text : `…${text.slice(-chars)}`;
}

interface RunResult {
  code: number;
  /** stdout and stderr as they came. */
  output: string;
  stdout: string;
  ms: number;
}

/** Runs a command, capturing stdout and stderr together; never rejects on a non-zero exit. */
function runCommand(file: string, args: string[], cwd: string, timeoutMs: number): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { cwd, env: scratchEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), output, stdout, ms: performance.now() - started });
    });
  });
}

/** Runs one named step; a non-zero exit throws a StepError with the step, the command and its output. */
async function step(steps: StepTiming[], name: string, display: string, file: string, args: string[], cwd: string, timeoutMs = 180_000): Promise<RunResult> {
  const result = await runCommand(file, args, cwd, timeoutMs);
  steps.push({ step: name, command: display, ms: Math.round(result.ms) });
  if (result.code !== 0) {
    const keep = cwd === repoRoot || process.env['SPECULO_KEEP_CONSUMER_APP'] ? '' : ' (removed; SPECULO_KEEP_CONSUMER_APP=1 keeps it)';
    throw new StepError(`consumer app: step "${name}" failed (exit ${result.code}) in ${cwd}${keep}\n$ ${display}\n${tail(result.output)}`);
  }
  return result;
}

function bash(steps: StepTiming[], name: string, command: string, cwd: string, timeoutMs?: number): Promise<RunResult> {
  return step(steps, name, command, 'bash', ['-e', '-o', 'pipefail', '-c', command], cwd, timeoutMs);
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

function hashTree(hash: ReturnType<typeof createHash>, dir: string, base = dir): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) hashTree(hash, path, base);
    else {
      hash.update(relative(base, path));
      hash.update(readFileSync(path));
    }
  }
}

function treeBytes(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, f) => sum + treeBytes(join(path, f)), 0);
}

function treeFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? treeFiles(join(dir, entry.name), base) : [relative(base, join(dir, entry.name))]));
}

function monorepoVersion(pkg: string): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An exclusive lock (a directory holding the owner's pid); a lock whose owner died is taken over. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 6 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
      } catch {
        // Being written, or the owner died between mkdir and write: judge by age below.
      }
      const age = (() => {
        try {
          return Date.now() - statSync(lockDir).mtimeMs;
        } catch {
          return 0;
        }
      })();
      if ((Number.isFinite(owner) && owner > 0 && !processAlive(owner)) || (!Number.isFinite(owner) && age > 60_000)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`consumer app: ${lockDir} is still held by pid ${owner} after 6 minutes`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Rebuilds the library when its dist/ is missing or older than its sources (what `npm test`'s setup does anyway). */
async function ensureLibraryBuilt(steps: StepTiming[]): Promise<void> {
  const lib = join(repoRoot, 'packages', 'speculo');
  const entry = join(lib, 'dist', 'index.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(lib, 'src'))) return;
  await step(steps, 'build the library (dist/ missing or older than src/)', 'npm run build -w speculo', 'npm', ['run', 'build', '-w', 'speculo'], repoRoot);
}

/** Removes what a run that stopped half-way left (builds of other keys, work and pack folders) after an hour. */
function pruneOldBuilds(keep: string): void {
  if (!existsSync(cacheRoot)) return;
  for (const entry of readdirSync(cacheRoot)) {
    if (entry === keep || entry === `${keep}.lock`) continue;
    const path = join(cacheRoot, entry);
    try {
      if (Date.now() - statSync(path).mtimeMs > 60 * 60_000) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another run removed it first.
    }
  }
}

interface LockEntry {
  version?: string;
  resolved?: string;
  link?: boolean;
}

/** npm's hidden lockfile (node_modules/.package-lock.json): every installed package by location. */
function installedPackages(appDir: string): Record<string, LockEntry> {
  return (JSON.parse(readFileSync(join(appDir, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
}

/** Locations of every installed copy of `name`, nested ones included. */
function copiesOf(packages: Record<string, LockEntry>, name: string): string[] {
  return Object.keys(packages).filter((location) => location === `node_modules/${name}` || location.endsWith(`/node_modules/${name}`));
}

/** Disk use of node_modules (du) and the packages in it (from npm's hidden lockfile; links to local folders not counted). */
async function nodeModulesSize(steps: StepTiming[], appDir: string, label: string): Promise<{ bytes: number; packages: number }> {
  const du = await step(steps, `du node_modules (${label})`, 'du -sk node_modules', 'du', ['-sk', 'node_modules'], appDir, 60_000);
  return {
    bytes: Number(du.stdout.trim().split(/\s+/)[0]) * 1024,
    packages: Object.entries(installedPackages(appDir)).filter(([k, e]) => k.startsWith('node_modules/') && !e.link && existsSync(join(appDir, k))).length,
  };
}

/** Builds the app in a scratch directory and moves its dist/ into `outDir`. */
async function buildApp(outDir: string, key: string, tarball: string, installBlock: string, mainTs: string, versions: AppVersions): Promise<ConsumerReport> {
  const steps: StepTiming[] = [];
  const appDir = mkdtempSync(join(cacheRoot, 'work-'));
  try {
    if (realpathSync(appDir).startsWith(`${realpathSync(repoRoot)}${sep}`)) throw new Error(`consumer app: ${appDir} is inside the repository`);
    for (let dir = dirname(appDir); ; dir = dirname(dir)) {
      if (existsSync(join(dir, '.npmrc'))) throw new Error(`consumer app: ${join(dir, '.npmrc')} would apply to the scratch app; the recipe must work without one`);
      if (dirname(dir) === dir) break;
    }
    for (const [file, text] of Object.entries(appTemplate(versions))) writeFileSync(join(appDir, file), text);

    const [version] = await Promise.all([
      runCommand('npm', ['--version'], appDir, 60_000),
      bash(steps, "install the app's own dev dependencies (vite, typescript)", 'npm install --prefer-offline --no-audit --no-fund', appDir),
    ]);
    const npmVersion = version.stdout.trim();
    const before = await nodeModulesSize(steps, appDir, 'before the README install block');

    // The README's install block, line by line, as written; only `speculo` in `npm install speculo` becomes the tarball.
    const commands = shellCommands(installBlock);
    const installsSpeculo = (command: string): boolean => isNpmInstall(command) && /(?<=\s)speculo(@\S+)?(?=\s|$)/.test(command);
    if (commands.filter(installsSpeculo).length !== 1) throw new Error(`README install block should have one \`npm install speculo\`:\n${installBlock}`);
    const installCommands: string[] = [];
    const installWarnings: string[] = [];
    let installMs = 0;
    for (const [i, original] of commands.entries()) {
      const command = installsSpeculo(original) ? installFromTarball(original, tarball) : original;
      installCommands.push(command);
      const result = await bash(steps, `README install block, command ${i + 1} of ${commands.length}: ${original}`, command, appDir);
      installMs += result.ms;
      installWarnings.push(...result.output.split('\n').filter((line) => /^npm warn/i.test(line)));
    }
    const [after, ls] = await Promise.all([nodeModulesSize(steps, appDir, 'after the README install block'), runCommand('npm', ['ls', 'onnxruntime-web'], appDir, 60_000)]);
    const packages = installedPackages(appDir);
    const copies = (name: string): { location: string; version: string }[] => copiesOf(packages, name).map((location) => ({ location, version: packages[location]?.version ?? '?' }));
    const stubs: StubCheck[] = [];
    for (const name of ['onnxruntime-node', 'sharp']) {
      for (const location of copiesOf(packages, name)) {
        const path = join(appDir, location);
        const realpath = existsSync(path) ? realpathSync(path) : path;
        let manifest = '?';
        try {
          const pkg = JSON.parse(readFileSync(join(realpath, 'package.json'), 'utf8')) as { name?: string; version?: string };
          manifest = `${pkg.name}@${pkg.version}`;
        } catch {
          // No package.json: reported as '?'.
        }
        stubs.push({
          name,
          location,
          link: lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ?? false,
          realpath: relative(realpathSync(appDir), realpath),
          manifest,
          bytes: existsSync(realpath) ? treeBytes(realpath) : 0,
        });
      }
    }
    const imgDir = join(appDir, 'node_modules', '@img');
    const sharpNativePackages = existsSync(imgDir) ? readdirSync(imgDir).map((p) => `@img/${p}`) : [];

    // The models the snippet loads, served from public/ under their Hub ids.
    for (const [id, fixture] of Object.entries(servedModels)) {
      const from = join(repoRoot, '.fixtures', 'models', fixture);
      if (!existsSync(join(from, 'onnx', 'model_q4.onnx'))) throw new Error(`consumer app: fixture ${from} is missing: run npm run fixtures`);
      cpSync(from, join(appDir, 'public', 'models', id), { recursive: true });
    }
    mkdirSync(join(appDir, 'src'), { recursive: true });
    writeFileSync(join(appDir, 'src', 'main.ts'), mainTs);

    const tsc = await step(steps, "tsc --noEmit on the README's src/main.ts", 'npx --no tsc --noEmit', 'npx', ['--no', 'tsc', '--noEmit'], appDir);
    const build = await step(steps, 'vite build', 'npx --no vite build', 'npx', ['--no', 'vite', 'build'], appDir);

    const distDir = join(appDir, 'dist');
    const files = treeFiles(distDir).sort();
    renameSync(distDir, join(outDir, 'dist'));
    const report: ConsumerReport = {
      key,
      builtAt: new Date().toISOString(),
      node: process.version,
      npm: npmVersion,
      versions,
      tarball: { file: tarball.split(sep).pop() ?? tarball, bytes: statSync(tarball).size },
      installCommands,
      installWarnings,
      steps,
      installMs: Math.round(installMs),
      tscMs: Math.round(tsc.ms),
      buildMs: Math.round(build.ms),
      nodeModules: { bytesBefore: before.bytes, bytesAfter: after.bytes, packagesBefore: before.packages, packagesAfter: after.packages },
      npmLsOnnxruntimeWeb: ls.output.trim(),
      npmLsExitCode: ls.code,
      onnxruntimeWebCopies: copies('onnxruntime-web'),
      onnxruntimeCommonCopies: copies('onnxruntime-common'),
      stubs,
      sharpNativePackages,
      dist: { bytes: treeBytes(join(outDir, 'dist')), files },
    };
    return report;
  } finally {
    if (process.env['SPECULO_KEEP_CONSUMER_APP']) console.log(`consumer app kept at ${appDir}`);
    else rmSync(appDir, { recursive: true, force: true });
  }
}

/**
 * The consumer app's build for this library, README and fixtures: built here, or reused when another worker (the
 * other Playwright project) already built the same thing in the last half hour.
 */
export async function ensureConsumerBuild(): Promise<ConsumerBuild> {
  const setupSteps: StepTiming[] = [];
  await ensureLibraryBuilt(setupSteps);
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const installBlock = readmeBlock(readme, 'install', 'sh');
  const mainTs = readmeBlock(readme, 'self-hosting', 'ts');
  const versions: AppVersions = { vite: monorepoVersion('vite'), typescript: monorepoVersion('typescript') };

  mkdirSync(cacheRoot, { recursive: true });
  const packDir = mkdtempSync(join(cacheRoot, 'pack-'));
  try {
    const pack = await step(
      setupSteps,
      'npm pack -w speculo',
      `npm pack -w speculo --pack-destination ${packDir} --json`,
      'npm',
      ['pack', '-w', 'speculo', '--pack-destination', packDir, '--json'],
      repoRoot,
    );
    const packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('\n[') + 1)) as { filename: string }[];
    const tarball = join(packDir, packed[0]?.filename ?? '');
    if (!packed[0] || !existsSync(tarball)) throw new StepError(`consumer app: npm pack wrote no tarball in ${packDir}\n${tail(pack.output)}`);

    const hash = createHash('sha256');
    hash.update(JSON.stringify({ recipeVersion, versions, installBlock, mainTs, template: appTemplate(versions), servedModels, node: process.version }));
    hash.update(readFileSync(tarball));
    for (const fixture of Object.values(servedModels)) hashTree(hash, join(repoRoot, '.fixtures', 'models', fixture));
    const key = hash.digest('hex').slice(0, 16);

    pruneOldBuilds(key);
    const dir = join(cacheRoot, key);
    const reportPath = join(dir, 'report.json');
    return await withLock(join(cacheRoot, `${key}.lock`), async () => {
      if (existsSync(reportPath) && Date.now() - statSync(reportPath).mtimeMs < freshForMs) {
        return { dir, distDir: join(dir, 'dist'), report: JSON.parse(readFileSync(reportPath, 'utf8')) as ConsumerReport, builtHere: false };
      }
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      try {
        const report = await buildApp(dir, key, tarball, installBlock, mainTs, versions);
        report.steps.unshift(...setupSteps);
        writeFileSync(`${reportPath}.tmp`, JSON.stringify(report, null, 2));
        renameSync(`${reportPath}.tmp`, reportPath); // last: a report means a complete build
        return { dir, distDir: join(dir, 'dist'), report, builtHere: true };
      } catch (error) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    });
  } finally {
    rmSync(packDir, { recursive: true, force: true });
    removeIfEmpty(cacheRoot);
  }
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  } catch {
    // Gone already.
  }
}

/**
 * Records that `project` is done with the build and removes it once every project in `allProjects` is: a run of
 * both projects leaves nothing behind; a run of one leaves the build for the other (or for pruning an hour later).
 * Call it only when no retry of the project is still to come.
 */
export function releaseConsumerBuild(build: ConsumerBuild, project: string, allProjects: string[]): void {
  const usedPath = join(build.dir, 'used-by.json');
  let used: string[] = [];
  try {
    used = JSON.parse(readFileSync(usedPath, 'utf8')) as string[];
  } catch {
    // First project to finish.
  }
  used = [...new Set([...used, project])];
  if (allProjects.every((p) => used.includes(p))) {
    rmSync(build.dir, { recursive: true, force: true });
    removeIfEmpty(cacheRoot);
  } else if (existsSync(build.dir)) writeFileSync(usedPath, JSON.stringify(used));
}
