#!/usr/bin/env bash
# Runs a command with the integration services up and their coordinates in the environment.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
assignments=$(bash "$here/services.sh" start)
while IFS= read -r line; do export "${line?}"; done <<<"$assignments"
exec "$@"
