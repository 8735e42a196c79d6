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
# Not needed: uidmap/slirp4netns/fuse-overlayfs (those are for rootless builds;
# as root, chroot isolation with --network host needs none of them; uidmap comes
# in anyway as a dependency), podman (buildah run does what the tests need).
set -euo pipefail

PKGS=(buildah docker.io mmdebstrap skopeo umoci curl ca-certificates)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all present (${PKGS[*]})"
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
