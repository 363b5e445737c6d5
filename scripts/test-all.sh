#!/usr/bin/env bash
# `npm test`: sets up a fresh machine (idempotently) and runs every tier:
#   static checks (lint, format, types) -> unit -> integration (real dockerd + registry)
#   -> end-to-end (real VS Code in code-server, driven in Chromium)
# Prints each tier's time and a closing "N passed, N failed" line over all tiers.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-output
log=test-output/test-all.log
: >"$log"
failed_steps=()
declare -A seconds

declare -A tier_failures
step() {
  local name=$1; shift
  local start=$SECONDS
  local from
  from=$(wc -l <"$log")
  echo "=== $name: $*"
  if "$@" 2>&1 | tee -a "$log"; then status=ok; else status=FAILED; failed_steps+=("$name"); fi
  # Failures the step's own test runner reported ("ℹ fail N" lines in its part of the log).
  tier_failures[$name]=$(tail -n +"$((from + 1))" "$log" | grep -E '^ℹ fail [0-9]+' | awk '{s += $3} END {print s + 0}')
  seconds[$name]=$((SECONDS - start))
  echo "=== $name: $status in ${seconds[$name]} s"
  [ "$status" = ok ]
}

step setup-system bash scripts/setup-system.sh || exit 1
step setup-node bash scripts/setup-node.sh || exit 1
step setup-code-server bash scripts/setup-code-server.sh || exit 1
step static npm run --silent lint
step typecheck npm run --silent typecheck
step unit npm run --silent test:unit
step integration npm run --silent test:integration
step e2e npm run --silent test:e2e

passed=$(grep -E '^ℹ pass [0-9]+' "$log" | awk '{s += $3} END {print s + 0}')
failed=$(grep -E '^ℹ fail [0-9]+' "$log" | awk '{s += $3} END {print s + 0}')
echo
echo "tier            seconds"
for name in setup-system setup-node setup-code-server static typecheck unit integration e2e; do
  printf '%-15s %7s\n' "$name" "${seconds[$name]:--}"
done
if [ ${#failed_steps[@]} -gt 0 ]; then
  echo "failed: ${failed_steps[*]}"
  # A step that failed without its runner reporting a failed test (lint, types, a tier whose
  # services or setup died before any test ran) counts as one failure: the summary never reads green.
  for name in "${failed_steps[@]}"; do
    [ "${tier_failures[$name]:-0}" -gt 0 ] || failed=$((failed + 1))
  done
fi
echo "$passed passed, $failed failed"
[ ${#failed_steps[@]} -eq 0 ]
