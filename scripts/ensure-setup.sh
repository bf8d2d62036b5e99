#!/usr/bin/env bash
# Shared setup for `npm test`, `npm run demo` and `npm run bench`: dependencies, the fixture models and the
# library build. Safe to run again; each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/@huggingface/transformers ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
echo "setup: generating fixture models (skipped when up to date)"
npm run --silent fixtures
echo "setup: building the library"
npm run --silent build
