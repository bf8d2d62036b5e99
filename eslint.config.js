// ESLint flat config: typescript-eslint's type-checked recommended rules (one TypeScript program, the root
// tsconfig.json, through the project service) plus a few rules that catch real bugs. Formatting is Prettier's job
// (.prettierrc.json); eslint-config-prettier turns off the rules that would fight it.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['**/node_modules/', '**/dist/', '.fixtures/', 'test-results/', 'bench-results/', 'playwright-report/', '.gl/'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-self-compare': 'error',
      'no-template-curly-in-string': 'error',
      'no-unmodified-loop-condition': 'error',
      'no-unreachable-loop': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/require-array-sort-compare': ['error', { ignoreStringArrays: true }],
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Rethrowing a caught or stored `unknown` error as a rejection is fine.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `xs[i]!` is written on purpose (ready for noUncheckedIndexedAccess); removing ~200 of them is churn, not a fix.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // An `async` method with no `await` is how a Promise-returning interface turns a throw into a rejection.
      '@typescript-eslint/require-await': 'off',
      // Its hits are String() of config/JSON values of unknown shape, stringified on purpose for messages;
      // restrict-template-expressions still catches `${object}`.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    files: ['packages/*/test/**', 'e2e/bench/test/**', 'e2e/tests/**'],
    rules: {
      // Tests read JSON (typed any) and use expect.stringMatching & co. (typed any) all the time.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Tests pass methods around as values (expect(policy.continueAfter), take(rng.next, n)).
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Playwright requires an object pattern for the fixtures argument, even when no fixture is used: `async ({}, testInfo)`.
    files: ['e2e/tests/**'],
    rules: { 'no-empty-pattern': 'off' },
  },
  {
    // withLock's timeout is thrown from the EEXIST catch of its retry loop: that error says nothing as a cause.
    files: ['e2e/consumer/consumer-build.ts'],
    rules: { 'preserve-caught-error': 'off' },
  },
  {
    // Plain JavaScript (this file, scripts/*.mjs) is outside the TypeScript program: no type-aware rules there.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  prettier,
);
