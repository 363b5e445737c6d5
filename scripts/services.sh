#!/usr/bin/env bash
# Starts the real services the integration and E2E tiers use, each only when it is not already
# up, and prints their coordinates as shell assignments (eval-able):
#   - dockerd on /var/run/docker.sock, with no bridge network and no iptables changes
#     (these machines have no bridge; builds and containers use host or none networking)
#   - an OCI registry (CNCF distribution) on 127.0.0.1:$STEPOPS_REGISTRY_PORT
#   - Azurite (Microsoft's Azure Storage emulator, blob service) on 127.0.0.1:$STEPOPS_AZURITE_PORT,
#     with one storage account whose key is generated here on first start
#   - a test certificate authority and a server certificate for 127.0.0.1 (made once, renewed
#     before it expires), for fakes that must speak TLS to clients in the test process itself;
#     with-services.sh makes the tests trust it (NODE_EXTRA_CA_CERTS)
#   - base images, built once and then cached in the engine:
#       stepops-test/python:3.11  Debian bookworm minbase + python3 (debootstrap, ~90 s once)
#       stepops-test/busybox:1    busybox-static (2 MB)
# Usage: scripts/services.sh [start|docker|stop]   (docker: only the engine)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
state="${STEPOPS_STATE_DIR:-$here/.cache/services}"
port="${STEPOPS_REGISTRY_PORT:-5555}"
# A second registry that demands Basic auth, for credential tests. Its account exists only here.
auth_port="${STEPOPS_AUTH_REGISTRY_PORT:-5556}"
AUTH_USER=stepops
AUTH_PASSWORD=stepops-test-only
azurite_port="${STEPOPS_AZURITE_PORT:-10000}"
AZURITE_ACCOUNT=stepopstest
mkdir -p "$state"
log() { echo "services: $*" >&2; }

docker_up() { timeout 5 docker info >/dev/null 2>&1; }

start_dockerd() {
  if docker_up; then log "docker engine already answering"; return; fi
  command -v dockerd >/dev/null || { log "dockerd missing: run scripts/setup-system.sh"; exit 1; }
  log "starting dockerd (log: $state/dockerd.log)"
  setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false >"$state/dockerd.log" 2>&1 </dev/null 9>&- &
  for _ in $(seq 1 60); do docker_up && return; sleep 0.5; done
  log "dockerd did not answer within 30 s; its log ends with:"; tail -20 "$state/dockerd.log" >&2; exit 1
}

# The registry's /v2/ answers 200 when open and 401 when it demands credentials.
registry_answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/v2/")" = "$2" ]; }

# run_registry NAME PORT EXPECTED_STATUS [AUTH_YAML]: one CNCF distribution instance on loopback.
run_registry() {
  local name=$1 listen=$2 expected=$3 auth=${4:-}
  if registry_answers "$listen" "$expected"; then log "$name already answering on 127.0.0.1:$listen"; return; fi
  command -v docker-registry >/dev/null || { log "docker-registry missing: run scripts/setup-system.sh"; exit 1; }
  mkdir -p "$state/$name-data"
  cat >"$state/$name.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $state/$name-data
  delete:
    enabled: true
$auth
http:
  addr: 127.0.0.1:$listen
YAML
  log "starting $name on 127.0.0.1:$listen (log: $state/$name.log)"
  setsid nohup docker-registry serve "$state/$name.yml" >"$state/$name.log" 2>&1 </dev/null 9>&- &
  for _ in $(seq 1 40); do registry_answers "$listen" "$expected" && return; sleep 0.25; done
  log "$name did not answer within 10 s"; tail -20 "$state/$name.log" >&2; exit 1
}

start_registry() { run_registry registry "$port" 200; }

start_auth_registry() {
  # htpasswd wants bcrypt entries; bcryptjs (a dev dependency) makes one without Apache's tools.
  if [ ! -s "$state/htpasswd" ]; then
    node -e "process.stdout.write('$AUTH_USER:' + require('bcryptjs').hashSync('$AUTH_PASSWORD', 10) + '\\n')" \
      >"$state/htpasswd" 2>/dev/null || { rm -f "$state/htpasswd"; log "cannot hash the test password: run npm ci first"; exit 1; }
  fi
  run_registry auth-registry "$auth_port" 401 "auth:
  htpasswd:
    realm: stepops-test
    path: $state/htpasswd"
}

# Any HTTP answer means the blob service is up (an unsigned request gets 403).
azurite_answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$azurite_port/$AZURITE_ACCOUNT?comp=list")" != 000 ]; }

# A signed request (list containers) with the key in $1 succeeds.
azurite_accepts_key() {
  azurite_answers || return 1
  (cd "$here" && STEPOPS_AZURITE_KEY=$(cat "$1") node -e "
    const { BlobServiceClient, StorageSharedKeyCredential } = require('@azure/storage-blob');
    const account = '$AZURITE_ACCOUNT';
    const service = new BlobServiceClient('http://127.0.0.1:$azurite_port/' + account,
      new StorageSharedKeyCredential(account, process.env.STEPOPS_AZURITE_KEY), { retryOptions: { maxTries: 1 } });
    service.listContainers().next().then(() => process.exit(0), () => process.exit(1));
  ") >/dev/null 2>&1
}

start_azurite() {
  local key_file="$state/azurite.key"
  # A running Azurite is kept only if it knows this folder's key (another checkout may have
  # started it with its own); otherwise it is restarted with ours.
  if [ -s "$key_file" ] && azurite_accepts_key "$key_file"; then
    log "azurite already answering on 127.0.0.1:$azurite_port"
    return
  fi
  pkill -f "azurite-blob.*--blobPort $azurite_port" || true
  for _ in $(seq 1 20); do azurite_answers || break; sleep 0.25; done
  [ -x "$here/node_modules/.bin/azurite-blob" ] || { log "azurite missing: run npm ci first"; exit 1; }
  # The account exists only in this emulator; its key is random, made once per state folder.
  [ -s "$key_file" ] || node -e "process.stdout.write(require('crypto').randomBytes(64).toString('base64'))" >"$key_file"
  log "starting azurite on 127.0.0.1:$azurite_port (log: $state/azurite.log)"
  AZURITE_ACCOUNTS="$AZURITE_ACCOUNT:$(cat "$key_file")" setsid nohup "$here/node_modules/.bin/azurite-blob" \
    --blobHost 127.0.0.1 --blobPort "$azurite_port" --inMemoryPersistence \
    --disableTelemetry --loose --skipApiVersionCheck >"$state/azurite.log" 2>&1 </dev/null 9>&- &
  for _ in $(seq 1 40); do azurite_answers && return; sleep 0.25; done
  log "azurite did not answer within 10 s"; tail -20 "$state/azurite.log" >&2; exit 1
}

debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '/^deb / && $3 ~ /^bookworm$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uri" ] || { log "cannot find the Debian mirror in /etc/apt"; exit 1; }
  echo "$uri"
}

# A CA and a 127.0.0.1 certificate it signed, in $state/test-tls: Node trusts extra CAs only from
# NODE_EXTRA_CA_CERTS at start-up, so a test process that talks TLS to an in-process fake (Azure's
# identity and management clients refuse plain HTTP) needs the CA to exist before it starts.
make_test_tls() {
  local dir="$state/test-tls"
  if [ -f "$dir/server.pem" ] && openssl x509 -checkend 604800 -noout -in "$dir/server.pem" >/dev/null 2>&1; then return; fi
  command -v openssl >/dev/null || { log "openssl missing: run scripts/setup-system.sh"; exit 1; }
  log "making the test certificate authority ($dir)"
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj '/CN=stepops services test CA' \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/server.ext"
  openssl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 365 \
    -extfile "$dir/server.ext" -out "$dir/server.pem" >/dev/null 2>&1
}

debootstrap_image() {
  local tag=$1 include=$2
  docker image inspect "$tag" >/dev/null 2>&1 && return
  local rootfs="$state/rootfs-${tag//[^a-z0-9]/-}"
  log "building $tag with debootstrap (about 90 s, once)"
  rm -rf "$rootfs"
  debootstrap --variant=minbase --include="$include" bookworm "$rootfs" "$(debian_mirror)" >"$state/debootstrap.log" 2>&1 \
    || { log "debootstrap failed; see $state/debootstrap.log"; tail -20 "$state/debootstrap.log" >&2; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  ln -sf python3 "$rootfs/usr/bin/python"
  tar -C "$rootfs" -c . | docker import -c 'CMD ["python3"]' -c 'ENV LANG=C.UTF-8' - "$tag" >/dev/null
  rm -rf "$rootfs"
}

build_base_images() {
  if ! docker image inspect stepops-test/busybox:1 >/dev/null 2>&1; then
    log "building stepops-test/busybox:1"
    local bb="$state/busybox-rootfs"
    rm -rf "$bb" && mkdir -p "$bb/bin" "$bb/tmp"
    cp /bin/busybox "$bb/bin/busybox"
    for applet in $("$bb/bin/busybox" --list); do [ "$applet" = busybox ] || ln -sf busybox "$bb/bin/$applet"; done
    tar -C "$bb" -c . | docker import -c 'CMD ["/bin/sh"]' - stepops-test/busybox:1 >/dev/null
    rm -rf "$bb"
  fi
  debootstrap_image stepops-test/python:3.11 python3
  # With pip, for the requirements path (installs from a local wheel folder, no index).
  debootstrap_image stepops-test/python-pip:3.11 python3,python3-pip
}

stop_all() {
  pkill -f "docker-registry serve $state/registry.yml" || true
  pkill -f "docker-registry serve $state/auth-registry.yml" || true
  pkill -f "azurite-blob.*--blobPort $azurite_port" || true
  log "registries and azurite stopped (dockerd is left running: other work may use it)"
}

case "${1:-start}" in
  start)
    # One start at a time: two callers (a test tier and a benchmark, say) building the same base
    # image's rootfs at once would delete each other's files. The second waits, then finds it built.
    # The services started below close the lock's descriptor (9>&-), or they would hold it forever.
    exec 9>"$state/start.lock"
    flock 9
    start_dockerd
    start_registry
    start_auth_registry
    start_azurite
    make_test_tls
    build_base_images
    echo "STEPOPS_REGISTRY=127.0.0.1:$port"
    echo "STEPOPS_REGISTRY_DATA=$state/registry-data"
    echo "STEPOPS_AUTH_REGISTRY=127.0.0.1:$auth_port"
    echo "STEPOPS_AUTH_REGISTRY_USER=$AUTH_USER"
    echo "STEPOPS_AUTH_REGISTRY_PASSWORD=$AUTH_PASSWORD"
    echo "STEPOPS_PYTHON_IMAGE=stepops-test/python:3.11"
    echo "STEPOPS_PYTHON_PIP_IMAGE=stepops-test/python-pip:3.11"
    echo "STEPOPS_BUSYBOX_IMAGE=stepops-test/busybox:1"
    echo "STEPOPS_AZURITE_ACCOUNT=$AZURITE_ACCOUNT"
    echo "STEPOPS_AZURITE_KEY=$(cat "$state/azurite.key")"
    echo "STEPOPS_AZURITE_BLOB_ENDPOINT=http://127.0.0.1:$azurite_port/$AZURITE_ACCOUNT"
    echo "STEPOPS_TEST_TLS_DIR=$state/test-tls"
    ;;
  docker) start_dockerd ;;
  stop) stop_all ;;
  *) echo "usage: $0 [start|docker|stop]" >&2; exit 2 ;;
esac
