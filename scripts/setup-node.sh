#!/usr/bin/env bash
# Installs the project's npm dependencies exactly as locked. Idempotent: skips `npm ci` when
# node_modules was installed from the current package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.stepops-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "npm dependencies already installed"
  exit 0
fi
npm ci --no-audit --no-fund
echo "$want" >"$stamp"
