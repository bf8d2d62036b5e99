import { createReadStream, existsSync, statSync } from 'node:fs';
import { chmod, cp, mkdir } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connect, Plugin, PreviewServer, ViteDevServer } from 'vite';
import { defineConfig } from 'vite';
import { presets } from './demo/src/pairs.js';

const repoRoot = dirname(fileURLToPath(import.meta.url));
/** Where `npm run fixtures` writes the offline models. */
const fixturesDir = resolve(process.env.SPECULO_FIXTURES_DIR ?? join(repoRoot, '.fixtures', 'models'));
/** Fixtures the demo's offline presets load; the built site ships these alone. */
const demoFixtureNames = [...new Set(presets.filter((p) => p.local).flatMap((p) => [p.target, ...(p.draft ? [p.draft] : [])]))];
const ortDistDir = join(repoRoot, 'node_modules', 'onnxruntime-web', 'dist');
/** ORT's asyncify build is what transformers.js 4.3 loads; it must come from our own origin, never a CDN. */
const ortFiles = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

/**
 * The bundled prompt sample of the demo's "Benchmark this device" view: 240 Spec-Bench prompts (Apache-2.0, with its
 * NOTICE) kept beside the checkout, never in the repository. Served at `bench/` and copied into the built site when
 * present; the view knows at build time whether it is (`__SPECULO_BUNDLED_PROMPTS__`).
 */
const benchPromptsDir = join(resolve(process.env.SPECULO_SHARED_DIR ?? join(repoRoot, '..', 'shared')), 'benchmarks');
const benchPromptFiles = ['spec-bench-dev.jsonl', 'NOTICE'];
const bundledPrompts = benchPromptFiles.every((f) => existsSync(join(benchPromptsDir, f)));

const contentTypes: Record<string, string> = {
  '.jsonl': 'text/plain; charset=utf-8',
  '': 'text/plain; charset=utf-8',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.onnx_data': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
};

/** Serves a folder under a URL prefix, refusing paths that escape it. */
function serveFolder(prefix: string, folder: string, allow?: (file: string) => boolean): Connect.NextHandleFunction {
  return (req, res, next) => {
    const url = req.url ? decodeURIComponent(req.url.split('?')[0]!) : '';
    if (!url.startsWith(prefix)) return next();
    const relative = normalize(url.slice(prefix.length));
    const file = join(folder, relative);
    if (!file.startsWith(folder) || (allow && !allow(relative)) || !existsSync(file) || !statSync(file).isFile()) {
      res.statusCode = 404;
      res.end(`not found: ${url}`);
      return;
    }
    res.setHeader('Content-Type', contentTypes[extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(statSync(file).size));
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    createReadStream(file).pipe(res);
  };
}

/**
 * Makes the fixture models (`/models/`), ORT's wasm runtime (`/ort/`) and the bundled benchmark prompts (`/bench/`)
 * part of the site, in dev, preview and build alike, so nothing is fetched from a hub or CDN.
 */
function offlineAssets(): Plugin {
  let outDir = '';
  const install = (server: ViteDevServer | PreviewServer) => {
    server.middlewares.use(serveFolder('/models/', fixturesDir));
    server.middlewares.use(serveFolder('/ort/', ortDistDir, (f) => ortFiles.includes(f)));
    if (bundledPrompts) server.middlewares.use(serveFolder('/bench/', benchPromptsDir, (f) => benchPromptFiles.includes(f)));
  };
  return {
    name: 'speculo-offline-assets',
    configureServer: install,
    configurePreviewServer: install,
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      if (!outDir || !existsSync(outDir)) return;
      await mkdir(join(outDir, 'ort'), { recursive: true });
      for (const f of ortFiles) await cp(join(ortDistDir, f), join(outDir, 'ort', f));
      // Only the fixtures the demo offers: the export-family fixtures (160 MB with the 151,936-column pair) are for tests.
      for (const name of demoFixtureNames) {
        const folder = join(fixturesDir, name);
        if (existsSync(folder)) await cp(folder, join(outDir, 'models', name), { recursive: true });
      }
      if (bundledPrompts) {
        await mkdir(join(outDir, 'bench'), { recursive: true });
        for (const f of benchPromptFiles) {
          await cp(join(benchPromptsDir, f), join(outDir, 'bench', f));
          await chmod(join(outDir, 'bench', f), 0o644); // the shared copies are read-only; the site's need not be
        }
      }
    },
  };
}

/** Cross-origin isolation gives ORT's WASM backend SharedArrayBuffer, hence threads. */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: repoRoot,
  base: './',
  plugins: [offlineAssets()],
  define: { __SPECULO_BUNDLED_PROMPTS__: JSON.stringify(bundledPrompts) },
  server: {
    port: 5173,
    strictPort: false,
    headers: isolationHeaders,
    fs: { allow: [repoRoot] },
    // Test runs turn HMR off: an edit elsewhere in the repo must not reload a page mid-test.
    ...(process.env.SPECULO_NO_HMR ? { hmr: false, watch: null } : {}),
  },
  preview: { port: 4173, strictPort: false, headers: isolationHeaders },
  worker: { format: 'es' },
  optimizeDeps: {
    // The worker imports transformers.js, and the harness imports `ai` on demand; pre-bundling them once up front
    // avoids a reload mid-test.
    include: ['@huggingface/transformers', 'comlink', 'zod', 'ai'],
    exclude: ['speculo'],
  },
  build: {
    outDir: 'dist/site',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        demo: join(repoRoot, 'demo', 'index.html'),
        harness: join(repoRoot, 'e2e', 'harness', 'index.html'),
      },
    },
  },
});
