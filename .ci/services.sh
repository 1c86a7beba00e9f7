#!/usr/bin/env bash
# Installs and starts what the integration tests need on this machine kind (Debian, root, no Docker):
# the PostgreSQL client tools and server, redis-server, prometheus/promtool (not started), SoftHSM 2 and moto. Idempotent; touches nothing else.
set -euo pipefail

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v pg_dump >/dev/null 2>&1 || apt_install postgresql-client
command -v redis-server >/dev/null 2>&1 || apt_install redis-server
command -v promtool >/dev/null 2>&1 || apt_install --no-install-recommends prometheus   # serve: promtool and a real Prometheus (AlertingIT); not started here
command -v zstd >/dev/null 2>&1 || apt_install zstd   # ZstdCliInteropTest: the zst codec against the zstd tool
command -v softhsm2-util >/dev/null 2>&1 || apt_install softhsm2   # Pkcs11KeysIT, KeysPkcs11CliIT: a PKCS#11 HSM (tests init their own tokens)
# AwsKmsMotoIT: moto's KMS server (an emulator speaking KMS's JSON protocol; the test starts and stops it).
# Debian has no python3-moto package, so it comes from PyPI (pip, into the user's site-packages;
# the test also looks in ~/.local/bin).
if ! command -v moto_server >/dev/null 2>&1; then
  command -v pip3 >/dev/null 2>&1 || apt_install python3-pip
  pip3 install --quiet --user --break-system-packages 'moto[server]==5.2.1' >/dev/null
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 || echo "warning: PostgreSQL is not reachable on 127.0.0.1:5432; its tests will say how to provide one" >&2

# Azurite (Azure Storage emulator) for biowerk-dr-storage-azure's tests, which start and stop it themselves.
# Installed outside the work tree; the tests would install it too, but CI should not pay that inside a test.
AZURITE_VERSION=3.37.0
AZURITE_DIR="${HOME}/.cache/biowerk-dr/azurite-${AZURITE_VERSION}"
if [ ! -x "${AZURITE_DIR}/node_modules/.bin/azurite-blob" ]; then
  command -v npm >/dev/null 2>&1 || apt_install npm
  mkdir -p "${AZURITE_DIR}"
  npm install --no-audit --no-fund --prefix "${AZURITE_DIR}" "azurite@${AZURITE_VERSION}" >/dev/null
fi
