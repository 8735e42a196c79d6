#!/usr/bin/env bash
# Build the organisation's base image `registry.example.org/debian:SUITE` locally
# (no image registry is reachable) from its definition, stdlib/bases/debian-SUITE.wbuild
# (SUITE is $WBUILD_E2E_SUITE, default bookworm; the image is named after the
# definition's reference unless --name says otherwise, so suites never clobber each other),
# with `wbuildc base build` (mmdebstrap and wbuild's own OCI layout writer), and load
# it into buildah's storage (the e2e suite's own storage.conf, see lib.sh) and,
# optionally, into a Docker engine. Every example of the suite builds on it.
#
#   tests/e2e/base-image.sh [--docker unix:///path/docker.sock] [--force] [--name IMAGE]
#
# The layout is cached in ${WBUILD_E2E_CACHE:-/var/cache/wbuild-e2e}, keyed by the
# definition's sha256, SOURCE_DATE_EPOCH and the layout writer's sources (the same
# definition and package versions give the same digest, so the cache holds what a
# rebuild would make). Every step is idempotent: an image that already exists with the same digest is left alone.
# WBUILDC names the binary (default: target/release/wbuildc, built if missing).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
NAME=""
CACHE=$WBUILD_E2E_CACHE
SUITE=${WBUILD_E2E_SUITE:-bookworm}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
DOCKER_HOST_ARG=""
FORCE=0
DOCKER_BIN=$WBUILD_E2E_DOCKER_CLIENT
WBUILDC=${WBUILDC:-$ROOT/target/release/wbuildc}

while [ $# -gt 0 ]; do
  case "$1" in
    --docker) DOCKER_HOST_ARG=$2; shift 2 ;;
    --docker=*) DOCKER_HOST_ARG=${1#--docker=}; shift ;;
    --force) FORCE=1; shift ;;
    --name) NAME=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "base-image.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$DOCKER_HOST_ARG" in ""|unix://*|tcp://*) ;; *) DOCKER_HOST_ARG="unix://$DOCKER_HOST_ARG" ;; esac

log() { printf '[base-image] %s\n' "$*" >&2; }

DEFINITION=$ROOT/stdlib/bases/debian-$SUITE.wbuild
[ -s "$DEFINITION" ] || { echo "base-image.sh: no definition $DEFINITION" >&2; exit 1; }
REF=$(sed -n 's/^base "\([^"]*\)".*/\1/p' "$DEFINITION")
[ -n "$REF" ] || { echo "base-image.sh: $DEFINITION has no base item" >&2; exit 1; }
NAME=${NAME:-$REF}
if [ ! -x "$WBUILDC" ]; then
  (cd "$ROOT" && cargo build --release --locked --bin wbuildc) >&2
fi

# 1. the OCI layout (cached)
mkdir -p "$CACHE"
def_sum=$(sha256sum "$DEFINITION" | cut -c1-16)
# The layout is what the definition, the epoch and the code that writes it make:
# a change to the writer (build/oci, build/rootfs.rs) must not reuse an old layout.
writer_sum=$(cat "$ROOT"/src/build/oci/*.rs "$ROOT"/src/build/rootfs.rs | sha256sum | cut -c1-8)
LAYOUT=$CACHE/layout-$SUITE-$SOURCE_DATE_EPOCH-$def_sum-$writer_sum
if [ "$FORCE" = 1 ] || [ ! -s "$LAYOUT/index.json" ] || [ ! -s "$LAYOUT.digest" ]; then
  command -v mmdebstrap >/dev/null || { echo "mmdebstrap missing: run tests/e2e/install-deps.sh" >&2; exit 1; }
  log "building $REF from $DEFINITION (wbuildc base build, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
  start=$(date +%s)
  rm -rf "$LAYOUT.tmp"
  "$WBUILDC" base build "$DEFINITION" --output "oci:$LAYOUT.tmp" > "$LAYOUT.tmp.digest"
  rm -rf "$LAYOUT"
  mv "$LAYOUT.tmp" "$LAYOUT"
  mv "$LAYOUT.tmp.digest" "$LAYOUT.digest"
  log "layout done in $(( $(date +%s) - start ))s: $(cat "$LAYOUT.digest")"
else
  log "using cached $LAYOUT ($(cat "$LAYOUT.digest"))"
fi
LAYOUT_DIGEST=$(cat "$LAYOUT.digest")

# 1b. Test-environment adaptation (WBUILD_E2E_HOST_CA=1, the default): this workplace
# intercepts TLS, so pip/npm inside builds only reach PyPI/npm when the image trusts
# the host's CA bundle. A layer on top of the base adds the host's bundle and its local
# CA certificates (so an update-ca-certificates inside a build keeps them), and the
# image gets PIP_CERT / NODE_EXTRA_CA_CERTS / REQUESTS_CA_BUNDLE pointing at the bundle. Nothing in wbuild,
# the stdlib or the base definition changes; on a machine without interception the
# extra files are harmless. See NOTES.md, "Host CA bundle".
STAGE=""
ENV_EXTRA=()
ca_sum=none
if [ "${WBUILD_E2E_HOST_CA:-1}" = 1 ] && [ -s /etc/ssl/certs/ca-certificates.crt ]; then
  STAGE=$(mktemp -d)
  trap 'rm -rf "$STAGE"' EXIT
  mkdir -p "$STAGE/etc/ssl/certs" "$STAGE/usr/local/share/ca-certificates"
  cp /etc/ssl/certs/ca-certificates.crt "$STAGE/etc/ssl/certs/"
  cp /usr/local/share/ca-certificates/*.crt "$STAGE/usr/local/share/ca-certificates/" 2>/dev/null || true
  ca_sum=$(cd "$STAGE" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
  # REQUESTS_CA_BUNDLE: Poetry (python.poetry) downloads through requests, which
  # reads it and not PIP_CERT.
  ENV_EXTRA=(PIP_CERT=/etc/ssl/certs/ca-certificates.crt NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt)
fi
# The environment is part of what the adaptation makes: an image loaded with
# other variables is loaded again.
env_sum=$(printf '%s\n' "${ENV_EXTRA[@]}" | sha256sum | cut -c1-8)
DIGEST="$LAYOUT_DIGEST+ca-$ca_sum+env-$env_sum"
LABEL_KEY=org.wbuild.e2e.base-digest

# 2. buildah storage
command -v buildah >/dev/null || { echo "buildah missing: run tests/e2e/install-deps.sh" >&2; exit 1; }
have=$(buildah inspect --type image --format "{{index .ImageAnnotations \"$LABEL_KEY\"}}" "$NAME" 2>/dev/null || true)
if [ "$FORCE" = 0 ] && [ "$have" = "$DIGEST" ]; then
  log "buildah: $NAME already present ($DIGEST)"
else
  log "buildah: loading $NAME from oci:$LAYOUT"
  ctr=$(buildah from --quiet "oci:$LAYOUT:$REF")
  if [ -n "$STAGE" ]; then
    buildah copy --quiet "$ctr" "$STAGE/" / >/dev/null
    buildah config "${ENV_EXTRA[@]/#/--env=}" "$ctr"
  fi
  buildah config --annotation "$LABEL_KEY=$DIGEST" "$ctr"
  buildah commit --quiet --rm --timestamp "$SOURCE_DATE_EPOCH" "$ctr" "$NAME" >/dev/null
  log "buildah: committed $NAME"
fi

# 3. Docker engine (optional): the layout through skopeo, the adaptation with a build.
if [ -n "$DOCKER_HOST_ARG" ]; then
  d() { "$DOCKER_BIN" -H "$DOCKER_HOST_ARG" "$@"; }
  have=$(d image inspect --format "{{index .Config.Labels \"$LABEL_KEY\"}}" "$NAME" 2>/dev/null || true)
  if [ "$FORCE" = 0 ] && [ "$have" = "$DIGEST" ]; then
    log "docker: $NAME already present ($DIGEST)"
  else
    log "docker: loading $NAME into $DOCKER_HOST_ARG"
    plain=localhost/wbuild-e2e-base:$SUITE
    skopeo copy --quiet --dest-daemon-host "$DOCKER_HOST_ARG" "oci:$LAYOUT:$REF" "docker-daemon:$plain"
    ctx=$(mktemp -d)
    [ -n "$STAGE" ] && cp -a "$STAGE/." "$ctx/"
    printf '%s\n' Dockerfile.e2e-base .dockerignore > "$ctx/.dockerignore"
    {
      echo "FROM $plain"
      [ -n "$STAGE" ] && echo "COPY . /"
      for e in "${ENV_EXTRA[@]}"; do echo "ENV $e"; done
      echo "LABEL $LABEL_KEY=$DIGEST"
    } > "$ctx/Dockerfile.e2e-base"
    d build --quiet -f "$ctx/Dockerfile.e2e-base" -t "$NAME" "$ctx" >/dev/null
    rm -rf "$ctx"
    log "docker: built $NAME"
  fi
fi
echo "$NAME"
