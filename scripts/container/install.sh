#!/usr/bin/env bash
# Installs what `npm run test:container` runs containers with, when missing (Debian's
# packages, as root): podman (a Docker-compatible CLI, no daemon), runc (the runtime that
# works on this kernel; see containers.conf), debootstrap (for the base image) and
# podman-compose (reads docker-compose.farm.yml), with the CNI plugins that podman's networks
# need (podman-compose makes a project network even when the service runs on the host's).
set -euo pipefail
need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v podman-compose >/dev/null 2>&1 || need+=(podman-compose)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing: ${need[*]} (install them with apt-get as root)" >&2
    exit 1
  fi
  echo "installing: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
