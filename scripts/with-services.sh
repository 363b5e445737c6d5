#!/usr/bin/env bash
# Runs a command with the integration services up and their coordinates in the environment.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
assignments=$(bash "$here/services.sh" start)
while IFS= read -r line; do export "${line?}"; done <<<"$assignments"
# Trust the services' test CA (fakes that speak TLS to the test process), besides any CA file the
# caller trusts already (Node reads one file, at start-up).
ca="$STEPOPS_TEST_TLS_DIR/ca.pem"
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ "$NODE_EXTRA_CA_CERTS" != "$ca" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  bundle="$STEPOPS_TEST_TLS_DIR/with-callers-cas.pem"
  cat "$NODE_EXTRA_CA_CERTS" "$ca" >"$bundle.$$" && mv -f "$bundle.$$" "$bundle"
  ca=$bundle
fi
export NODE_EXTRA_CA_CERTS="$ca"
exec "$@"
