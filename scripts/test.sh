#!/usr/bin/env bash
# `npm test`: sets up (dependencies, Chromium, fixtures, build), then runs the lint (ESLint and Prettier's check), the
# Node tests and the browser tests (Playwright, projects webgpu = SwiftShader WebGPU and wasm = no adapter) and prints
# one summary line. Every step runs even when an earlier one fails; any failure fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-setup.sh || exit 1
SPECULO_CHROMIUM="$(bash scripts/find-chromium.sh)" || exit 1
export SPECULO_CHROMIUM
mkdir -p test-results

echo "== Lint (ESLint: npm run lint; Prettier: npm run format:check)"
lint_status=0
npx eslint . || lint_status=1
npx prettier --check . || lint_status=1

echo "== Node tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/node-results.json "$@"
node_status=$?

echo "== Browser tests (Playwright, Chromium: $SPECULO_CHROMIUM)"
npx playwright test -c e2e/playwright.config.ts
browser_status=$?

if [ $lint_status -ne 0 ]; then echo "lint: failed (see == Lint above; npm run format fixes the formatting)"; fi
node scripts/summarize-tests.mjs test-results/node-results.json test-results/browser-results.json
if [ $lint_status -ne 0 ] || [ $node_status -ne 0 ] || [ $browser_status -ne 0 ]; then exit 1; fi
