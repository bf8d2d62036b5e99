/**
 * The scratch app the consumer test starts from: an existing Vite + TypeScript app as Vite's `vanilla-ts` template
 * writes it (strict, bundler resolution, `vite/client` types), before the README's steps add Speculo to it.
 */

export interface AppVersions {
  vite: string;
  typescript: string;
}

/** Files of the app before the README's install block runs; `src/main.ts` comes from the README. */
export function appTemplate(versions: AppVersions): Record<string, string> {
  const packageJson = {
    name: 'speculo-consumer-app',
    private: true,
    version: '0.0.0',
    type: 'module',
    scripts: { dev: 'vite', build: 'tsc && vite build', preview: 'vite preview' },
    devDependencies: { typescript: versions.typescript, vite: versions.vite },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2023',
      useDefineForClassFields: true,
      module: 'ESNext',
      lib: ['ES2023', 'DOM', 'DOM.Iterable'],
      types: ['vite/client'],
      skipLibCheck: true,

      moduleResolution: 'bundler',
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
      moduleDetection: 'force',
      noEmit: true,

      strict: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      erasableSyntaxOnly: true,
      noFallthroughCasesInSwitch: true,
      noUncheckedSideEffectImports: true,
    },
    include: ['src'],
  };
  const indexHtml = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <link rel="icon" href="data:," />
    <title>Speculo consumer app</title>
  </head>
  <body>
    <pre id="output"></pre>
    <script type="module" src="/src/main.ts"></script>
  </body>
</html>
`;
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    'index.html': indexHtml,
    '.gitignore': 'node_modules\ndist\n',
  };
}

/** Fixture models served under the ids the README's snippet loads (2-layer GQA pair in the Hub's export contract). */
export const servedModels: Record<string, string> = {
  'onnx-community/Qwen2.5-1.5B-Instruct': 'gqa-target',
  'onnx-community/Qwen2.5-0.5B-Instruct': 'gqa-draft',
};
