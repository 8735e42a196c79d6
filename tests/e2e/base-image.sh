#!/usr/bin/env bash
# Build the organisation's base image `registry.example.org/debian:bookworm` locally
# (no image registry is reachable) and import it into buildah's storage (the
# e2e suite's own storage.conf, see lib.sh) and,
# optionally, into a Docker engine.
#
#   tests/e2e/base-image.sh [--docker unix:///path/docker.sock] [--force] [--name IMAGE]
#
# The rootfs tarball is made once with mmdebstrap (reproducible thanks to
# SOURCE_DATE_EPOCH) and cached in ${WBUILD_E2E_CACHE:-/var/cache/wbuild-e2e}.
# Every step is idempotent: an image that already exists with the same rootfs
# digest is left alone.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
NAME=$WBUILD_E2E_BASE_IMAGE
CACHE=$WBUILD_E2E_CACHE
SUITE=${WBUILD_E2E_SUITE:-bookworm}
MIRROR=${WBUILD_E2E_MIRROR:-}   # empty: mmdebstrap uses the host's apt sources
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
DOCKER_HOST_ARG=""
FORCE=0
DOCKER_BIN=$WBUILD_E2E_DOCKER_CLIENT

while [ $# -gt 0 ]; do
  case "$1" in
    --docker) DOCKER_HOST_ARG=$2; shift 2 ;;
    --docker=*) DOCKER_HOST_ARG=${1#--docker=}; shift ;;
    --force) FORCE=1; shift ;;
    --name) NAME=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "base-image.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$DOCKER_HOST_ARG" in ""|unix://*|tcp://*) ;; *) DOCKER_HOST_ARG="unix://$DOCKER_HOST_ARG" ;; esac

log() { printf '[base-image] %s\n' "$*" >&2; }

mkdir -p "$CACHE"
TARBALL="$CACHE/rootfs-$SUITE-$SOURCE_DATE_EPOCH.tar"

# 1. rootfs tarball (cached)
if [ "$FORCE" = 1 ] || [ ! -s "$TARBALL" ]; then
  command -v mmdebstrap >/dev/null || { echo "mmdebstrap missing: run tests/e2e/install-deps.sh" >&2; exit 1; }
  log "creating $TARBALL with mmdebstrap (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
  start=$(date +%s)
  tmp="$TARBALL.tmp.$$"
  trap 'rm -f "$tmp"' EXIT
  # --variant=apt: Essential + apt; ca-certificates so HTTPS (pip/npm) works inside builds.
  # The apt lists are dropped by mmdebstrap's default cleanup, like the official images.
  mmdebstrap --quiet --variant=apt --include=ca-certificates --format=tar \
    "$SUITE" "$tmp" ${MIRROR:+"$MIRROR"}
  mv "$tmp" "$TARBALL"
  trap - EXIT
  sha256sum "$TARBALL" | cut -d' ' -f1 > "$TARBALL.sha256"
  log "rootfs done in $(( $(date +%s) - start ))s: $(cat "$TARBALL.sha256")"
else
  log "using cached $TARBALL"
  [ -s "$TARBALL.sha256" ] || sha256sum "$TARBALL" | cut -d' ' -f1 > "$TARBALL.sha256"
fi

# 1b. Test-environment adaptation (WBUILD_E2E_HOST_CA=1, the default): this workplace
# intercepts TLS, so pip/npm inside builds only reach PyPI/npm when the image trusts
# the host's CA bundle. A derived tarball adds the host's bundle and its local CA
# certificates (so an update-ca-certificates inside a build keeps them), and the image
# gets PIP_CERT / NODE_EXTRA_CA_CERTS pointing at the bundle. Nothing in wbuild or the
# stdlib changes; on a machine without interception the extra files are harmless.
# See NOTES.md, "Host CA bundle".
ENV_EXTRA=()
if [ "${WBUILD_E2E_HOST_CA:-1}" = 1 ] && [ -s /etc/ssl/certs/ca-certificates.crt ]; then
  stage=$(mktemp -d)
  mkdir -p "$stage/etc/ssl/certs" "$stage/usr/local/share/ca-certificates"
  cp /etc/ssl/certs/ca-certificates.crt "$stage/etc/ssl/certs/"
  cp /usr/local/share/ca-certificates/*.crt "$stage/usr/local/share/ca-certificates/" 2>/dev/null || true
  ca_sum=$(cd "$stage" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
  DERIVED="$CACHE/rootfs-$SUITE-$SOURCE_DATE_EPOCH-hostca-$ca_sum.tar"
  if [ "$FORCE" = 1 ] || [ ! -s "$DERIVED.sha256" ]; then
    cp "$TARBALL" "$DERIVED.tmp.$$"
    # Replace, not shadow: docker import refuses a tar with duplicate paths.
    (cd "$stage" && find . -type f | LC_ALL=C sort) > "$stage.list"
    grep -Fx -f "$stage.list" <(tar -tf "$TARBALL") | tar --delete -f "$DERIVED.tmp.$$" -T - || true
    (cd "$stage" && find . -type f | LC_ALL=C sort) |
      tar -C "$stage" -rf "$DERIVED.tmp.$$" --owner=0 --group=0 --numeric-owner \
        --mtime="@$SOURCE_DATE_EPOCH" --mode=0644 -T -
    mv "$DERIVED.tmp.$$" "$DERIVED"
    sha256sum "$DERIVED" | cut -d' ' -f1 > "$DERIVED.sha256"
    log "host CA bundle added: $DERIVED"
  fi
  rm -rf "$stage" "$stage.list"
  TARBALL=$DERIVED
  ENV_EXTRA=(PIP_CERT=/etc/ssl/certs/ca-certificates.crt NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)
fi
DIGEST=$(cat "$TARBALL.sha256")
LABEL_KEY=org.wbuild.e2e.rootfs-sha256

# 2. buildah storage
command -v buildah >/dev/null || { echo "buildah missing: run tests/e2e/install-deps.sh" >&2; exit 1; }
have=$(buildah inspect --type image --format "{{index .ImageAnnotations \"$LABEL_KEY\"}}" "$NAME" 2>/dev/null || true)
if [ "$FORCE" = 0 ] && [ "$have" = "$DIGEST" ]; then
  log "buildah: $NAME already present (rootfs $DIGEST)"
else
  log "buildah: importing $NAME"
  ctr=$(buildah from --pull-never scratch)
  trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
  # `buildah add` unpacks a local tar archive into the container root.
  buildah add --quiet "$ctr" "$TARBALL" / >/dev/null
  buildah config \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 \
    "${ENV_EXTRA[@]/#/--env=}" \
    --cmd bash \
    --workingdir / \
    --os linux --arch amd64 \
    --created-by "wbuild e2e base-image.sh (mmdebstrap --variant=apt --include=ca-certificates $SUITE)" \
    --annotation "$LABEL_KEY=$DIGEST" \
    "$ctr"
  buildah commit --quiet --rm --timestamp "$SOURCE_DATE_EPOCH" "$ctr" "$NAME" >/dev/null
  trap - EXIT
  log "buildah: committed $NAME"
fi

# 3. Docker engine (optional)
if [ -n "$DOCKER_HOST_ARG" ]; then
  d() { "$DOCKER_BIN" -H "$DOCKER_HOST_ARG" "$@"; }
  have=$(d image inspect --format "{{index .Config.Labels \"$LABEL_KEY\"}}" "$NAME" 2>/dev/null || true)
  if [ "$FORCE" = 0 ] && [ "$have" = "$DIGEST" ]; then
    log "docker: $NAME already present (rootfs $DIGEST)"
  else
    log "docker: importing $NAME into $DOCKER_HOST_ARG"
    d import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      "${ENV_EXTRA[@]/#/--change=ENV }" \
      --change 'CMD ["bash"]' \
      --change 'WORKDIR /' \
      --change "LABEL $LABEL_KEY=$DIGEST" \
      --message "wbuild e2e base image ($SUITE)" \
      "$TARBALL" "$NAME" >/dev/null
    log "docker: imported $NAME"
  fi
fi
echo "$NAME"
