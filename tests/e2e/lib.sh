# Sourced by the e2e scripts: one place for the engines' settings.
#
# buildah 1.28 from Debian ignores the STORAGE_DRIVER environment variable
# (only --storage-driver or storage.conf count), and its default storage
# (/var/lib/containers/storage) is shared with anything else on the machine.
# So the e2e suite gets a storage.conf of its own and points buildah, skopeo
# (and podman, if present) at it through CONTAINERS_STORAGE_CONF.
#
#   WBUILD_E2E_STORAGE_DRIVER  overlay (default when the kernel has overlayfs; 7x faster
#                              here) or vfs (works anywhere, copies the rootfs per layer)
#   WBUILD_E2E_STATE           engine state, default /var/lib/wbuild-e2e
#   WBUILD_E2E_CACHE           rootfs tarball cache, default /var/cache/wbuild-e2e

WBUILD_E2E_STATE=${WBUILD_E2E_STATE:-/var/lib/wbuild-e2e}
WBUILD_E2E_CACHE=${WBUILD_E2E_CACHE:-/var/cache/wbuild-e2e}
if [ -z "${WBUILD_E2E_STORAGE_DRIVER:-}" ]; then
  if grep -qw overlay /proc/filesystems 2>/dev/null || modprobe -q overlay 2>/dev/null; then
    WBUILD_E2E_STORAGE_DRIVER=overlay
  else
    WBUILD_E2E_STORAGE_DRIVER=vfs
  fi
fi
WBUILD_E2E_BASE_IMAGE=${WBUILD_E2E_BASE_IMAGE:-registry.example.org/debian:bookworm}
WBUILD_E2E_DOCKER_CLIENT=${WBUILD_E2E_DOCKER_CLIENT:-/usr/bin/docker}
export WBUILD_E2E_STATE WBUILD_E2E_CACHE WBUILD_E2E_STORAGE_DRIVER WBUILD_E2E_BASE_IMAGE WBUILD_E2E_DOCKER_CLIENT

# The runroot (mount counts, locks) is the state's own: containers/storage keeps
# one runroot per graphroot, and runs with different WBUILD_E2E_STATE sharing one
# saw `buildah mount` return a merged directory with nothing mounted on it.
e2e_storage_conf() {
  local conf=$WBUILD_E2E_STATE/storage-$WBUILD_E2E_STORAGE_DRIVER.conf
  local runroot=/run/wbuild-e2e-containers-$WBUILD_E2E_STORAGE_DRIVER
  [ "$WBUILD_E2E_STATE" = /var/lib/wbuild-e2e ] ||
    runroot=/run/wbuild-e2e-containers-$(basename "$WBUILD_E2E_STATE")-$WBUILD_E2E_STORAGE_DRIVER
  mkdir -p "$WBUILD_E2E_STATE"
  if [ ! -s "$conf" ]; then
    cat > "$conf.tmp.$$" <<CONF
# written by tests/e2e/lib.sh
[storage]
driver = "$WBUILD_E2E_STORAGE_DRIVER"
graphroot = "$WBUILD_E2E_STATE/containers-$WBUILD_E2E_STORAGE_DRIVER"
runroot = "$runroot"
CONF
    mv "$conf.tmp.$$" "$conf"
  fi
  echo "$conf"
}

CONTAINERS_STORAGE_CONF=${CONTAINERS_STORAGE_CONF:-$(e2e_storage_conf)}
export CONTAINERS_STORAGE_CONF
# chroot isolation: no runc, no network namespace setup needed; buildah 1.28 honours this
# variable, but the scripts also pass --isolation chroot explicitly.
export BUILDAH_ISOLATION=chroot

# free_port: a loopback TCP port nothing listens on (for services the suite starts).
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return 0; }
  done
  echo "tests/e2e: no free port on 127.0.0.1" >&2
  return 1
}

# wait_http URL: prints the body once it answers; up to 60 s (a cold JVM on a loaded machine)
wait_http() {
  for _ in $(seq 1 300); do curl -fsS --max-time 2 "$1" 2>/dev/null && return 0; sleep 0.2; done
  return 1
}

# tamper_signature SIG PUBKEY WORK: flips one bit of the signature file SIG so that
# gpg, with only PUBKEY, refuses it. The signature is a compressed OpenPGP message
# and some bits change nothing gpg checks (6 of 404 positions in one measurement),
# so the bit is the first from the middle on whose flip `gpg --verify` fails.
# Returns 1 when the signature does not verify to begin with or no flip is refused.
tamper_signature() {
  local sig=$1 home=$3/gnupg-tamper size off pos
  rm -rf "$home" && mkdir -p "$home" && chmod 700 "$home"
  GNUPGHOME=$home gpg --batch --quiet --import "$2" 2> /dev/null || return 1
  cp "$sig" "$3/untampered.sig"
  GNUPGHOME=$home gpg --batch --quiet --verify "$3/untampered.sig" 2> /dev/null || return 1
  size=$(stat -c %s "$sig")
  for off in $(seq 0 $((size - 1))); do
    pos=$(( (size / 2 + off) % size ))
    python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[int(sys.argv[3])] ^= 1; open(sys.argv[2], "wb").write(b)' "$3/untampered.sig" "$sig" "$pos"
    GNUPGHOME=$home gpg --batch --quiet --verify "$sig" 2> /dev/null || return 0
  done
  return 1
}

# sub_suite_checks NAME: the check functions of a script run.sh runs as a
# sub-suite (its `ok ` and `FAIL ` lines are counted there): ok, bad, check
# DESCRIPTION COMMAND..., finish (prints `NAME: N passed, N failed`, fails when
# any failed) and die (a fatal check, then finish and exit 1).
sub_suite_checks() {
  SUB_SUITE=$1 PASS=0 FAIL=0
  ok() { PASS=$((PASS + 1)); printf 'ok   %s\n' "$*"; }
  bad() { FAIL=$((FAIL + 1)); printf 'FAIL %s\n' "$*"; }
  check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
  finish() { echo "$SUB_SUITE: $PASS passed, $FAIL failed"; [ "$FAIL" = 0 ]; }
  die() { bad "fatal: $*"; finish; exit 1; }
}

