#!/usr/bin/env bash
# `npm test`: sets up (dependencies, Chromium, fixtures, build), then runs the Node tests and the browser tests
# (Playwright, projects webgpu = SwiftShader WebGPU and wasm = no adapter) and prints one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-setup.sh || exit 1
SPECULO_CHROMIUM="$(bash scripts/find-chromium.sh)" || exit 1
export SPECULO_CHROMIUM
mkdir -p test-results

echo "== Node tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/node-results.json "$@"
node_status=$?

echo "== Browser tests (Playwright, Chromium: $SPECULO_CHROMIUM)"
npx playwright test -c e2e/playwright.config.ts
browser_status=$?

node scripts/summarize-tests.mjs test-results/node-results.json test-results/browser-results.json
if [ $node_status -ne 0 ] || [ $browser_status -ne 0 ]; then exit 1; fi
