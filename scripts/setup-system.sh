#!/usr/bin/env bash
# Installs the Debian packages stepops' tests and tools need. Idempotent: installs only what is
# missing, and runs `apt-get update` only then.
#   docker.io        real Docker engine (dockerd) for builds, pushes and local step runs
#   docker-registry  real OCI registry (CNCF distribution) on loopback
#   debootstrap      builds the local Python base image (no public registry is reachable)
#   busybox-static   a 2 MB base image for fast container tests
#   chromium         the browser that drives code-server in the E2E tier
#   libkrb5-dev      code-server compiles kerberos at install time
#   python3          the step runtime's own tests and the wheel fixtures
#   make, g++        native modules compiled at install time (code-server's kerberos)
#   openssl          throwaway TLS certificates for the fakes of TLS-only cloud services (Entra ID)
#   python3-botocore AWS's official API models, which the strict AWS fakes validate requests against
set -euo pipefail
packages=(curl docker.io docker-registry debootstrap busybox-static chromium libkrb5-dev ca-certificates openssl python3 python3-botocore make g++)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages already installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${missing[*]}; run this script as root (or install them with sudo apt-get install)" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
