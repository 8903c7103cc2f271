#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright; install it when we can.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  exit 0
fi
echo "Browser tests need Debian's 'chromium' package: run 'sudo apt-get install chromium' and retry"; exit 1
