#!/usr/bin/env bash
# Install (idempotently) the Debian packages the e2e image-build suite needs.
# Run as root on Debian bookworm.
#
# What is needed, and why (checked on a bookworm machine, kernel 6.x, as root):
#   buildah      builds (bud), runs (from + run --isolation chroot) and pushes images;
#                pulls in uidmap and golang-github-containers-common (config); with
#                chroot isolation it needs no OCI runtime (runc comes with docker.io).
#   docker.io    dockerd 20.10 + containerd + runc + the 20.10 client with BuildKit
#                built in (a newer client without buildx cannot use BuildKit).
#   mmdebstrap   makes the base rootfs tarball without any engine.
#   skopeo       inspects/copies images (oci:, oci-archive:, containers-storage:).
#   umoci        reads OCI layouts (stat, unpack).
#   curl         the smoke test talks HTTP to a server inside the image.
#   docker-registry  the CNCF distribution registry 2.8: publish.sh pushes to it (registry.sh
#                runs it on loopback with TLS and basic auth); apache2-utils gives
#                htpasswd (bcrypt), openssl makes the throwaway CA, gnupg the signing key
#                (skopeo signs and verifies with gpg).
# Not needed: uidmap/slirp4netns/fuse-overlayfs (those are for rootless builds;
# as root, chroot isolation with --network host needs none of them; uidmap comes
# in anyway as a dependency), podman (buildah run does what the tests need).
set -euo pipefail

PKGS=(buildah docker.io mmdebstrap skopeo umoci curl ca-certificates docker-registry apache2-utils openssl gnupg)

# docker-buildx is not packaged for bookworm; trixie's static binary runs here
# (it needs only libc6 >= 2.34). It reads the bake files `wbuildc plan` writes
# (`bake --print`). Fetched from Debian's archive, checked against its sha256,
# unpacked into the cache; never installed into the system.
BUILDX_DEB=pool/main/d/docker-buildx/docker-buildx_0.13.1+ds1-3_amd64.deb
BUILDX_SHA256=fcf8c48204d1603c8f209451d7827eb91bf30759578baf7704e9e1a87e5f1d7f
BUILDX_DIR=${WBUILD_E2E_CACHE:-/var/cache/wbuild-e2e}/buildx-0.13.1
fetch_buildx() {
  [ -x "$BUILDX_DIR/docker-buildx" ] && return 0
  [ "$(dpkg --print-architecture)" = amd64 ] || { echo "install-deps: no docker-buildx for this architecture"; return 0; }
  local tmp
  tmp=$(mktemp -d)
  curl -fsS --retry 3 -o "$tmp/buildx.deb" "http://deb.debian.org/debian/$BUILDX_DEB"
  echo "$BUILDX_SHA256  $tmp/buildx.deb" | sha256sum -c --quiet -
  dpkg-deb -x "$tmp/buildx.deb" "$tmp/x"
  mkdir -p "$BUILDX_DIR"
  mv "$tmp/x/usr/libexec/docker/cli-plugins/docker-buildx" "$BUILDX_DIR/"
  rm -rf "$tmp"
  echo "install-deps: docker-buildx unpacked into $BUILDX_DIR"
}

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all present (${PKGS[*]})"
  fetch_buildx || echo "install-deps: could not fetch docker-buildx (bake --print is skipped)"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Other sessions may run apt at the same time: wait for the lock instead of failing.
APT=(apt-get -o DPkg::Lock::Timeout=300 -q)
"${APT[@]}" update
"${APT[@]}" install -y --no-install-recommends "${missing[@]}"
# Debian's docker.io postinst may try to start the system dockerd; it is not used
# here (tests/e2e/dockerd.sh runs a private one), and without systemd it does not start.
fetch_buildx || echo "install-deps: could not fetch docker-buildx (bake --print is skipped)"
