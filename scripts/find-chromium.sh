#!/usr/bin/env bash
# Prints the Chromium the browser tests drive: SPECULO_CHROMIUM or CHROMIUM_PATH if set, else an installed
# Chromium or Chrome; with none, installs Debian's chromium package (saying so on stderr).
set -euo pipefail
chromium="${SPECULO_CHROMIUM:-${CHROMIUM_PATH:-}}"
if [ -z "$chromium" ]; then
  for candidate in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
    if [ -x "$candidate" ]; then chromium="$candidate"; break; fi
  done
fi
if [ -z "$chromium" ]; then
  echo "setup: no Chromium found; installing Debian's chromium package (apt-get install -y chromium)" >&2
  sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >&2
  chromium=/usr/bin/chromium
fi
if [ ! -x "$chromium" ]; then
  echo "setup: $chromium is not an executable Chromium" >&2
  exit 1
fi
echo "setup: browser $chromium ($("$chromium" --version 2>/dev/null | head -1))" >&2
echo "$chromium"
