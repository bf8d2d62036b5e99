#!/usr/bin/env bash
# Shared setup for `npm test`, `npm run demo` and `npm run bench`: dependencies, a Chromium, the fixture models
# and the library build. Safe to run again; each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/@huggingface/transformers ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

if [ "${SPECULO_NEEDS_BROWSER:-1}" = 1 ]; then
  chromium="${SPECULO_CHROMIUM:-${CHROMIUM_PATH:-}}"
  if [ -z "$chromium" ]; then
    for candidate in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
      if [ -x "$candidate" ]; then chromium="$candidate"; break; fi
    done
  fi
  if [ -z "$chromium" ]; then
    echo "setup: no Chromium found; installing Debian's chromium package (apt-get install -y chromium)"
    sudo_cmd=""
    if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
    chromium=/usr/bin/chromium
  fi
  echo "setup: browser $chromium ($("$chromium" --version 2>/dev/null | head -1))"
  export SPECULO_CHROMIUM="$chromium"
fi

echo "setup: generating fixture models (skipped when up to date)"
npm run --silent fixtures
echo "setup: building the library"
npm run --silent build
