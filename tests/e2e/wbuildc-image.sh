#!/usr/bin/env bash
# The wbuildc image (packaging/image/wbuildc.wbuild), end to end: packaged the way
# README.md says, built by `wbuildc build` on buildah, checked, and then used: an
# example is built INSIDE a container of it (rootless buildah, as its default user)
# and the image that comes out is run on the host.
#
#   tests/e2e/wbuildc-image.sh WBUILDC WORK_DIR [--docker unix:///path/docker.sock]
#
# Needs the suite's base image in buildah's storage (base-image.sh). Without
# --docker only the image itself is built and checked: running it needs a container
# runtime, and Docker's engine is the one tested (NOTES.md, "The wbuildc image").
# Prints `ok`/`FAIL`/`note` lines (run.sh counts them) and exits non-zero when a
# check failed.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
BIN=${1:?usage: wbuildc-image.sh WBUILDC WORK_DIR [--docker HOST]}
WORK=${2:?usage: wbuildc-image.sh WBUILDC WORK_DIR [--docker HOST]}
shift 2
DOCKER_HOST_ARG=""
while [ $# -gt 0 ]; do
  case "$1" in
    --docker) DOCKER_HOST_ARG=$2; shift 2 ;;
    *) echo "wbuildc-image.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}

FAILED=0 CTRS=() DCTRS=()
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
ok() { printf 'ok   %s\n' "$*"; }
bad() { FAILED=1; printf 'FAIL %s\n' "$*"; }
note() { printf 'note %s\n' "$*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
d() { "$WBUILD_E2E_DOCKER_CLIENT" -H "$DOCKER_HOST_ARG" "$@"; }
# A long command in the background, waited for: a TERM from run.sh then reaches
# the trap at once (bash defers traps until a foreground child ends).
waited() { "$@" & wait $!; }
cleanup() {
  local c
  set +e
  for c in "${DCTRS[@]}"; do d rm -f "$c" >/dev/null 2>&1; done
  for c in "${CTRS[@]}"; do buildah rm "$c" >/dev/null 2>&1; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

IMG=localhost/wbuild-e2e-wbuildc:production
mkdir -p "$WORK"

# 1. The packaging step of README.md: the tested release binary staged into a copy
# of the context (nothing is written into the repository), then wbuildc builds it.
CTX=$WORK/context
rm -rf "$CTX"
cp -r "$ROOT/packaging/image" "$CTX"
rm -rf "$CTX/dist"
install -D -m 0755 "$BIN" "$CTX/dist/wbuildc"
t=$(now)
if "$BIN" build "$CTX/wbuildc.wbuild" --variant production --network host --tag "$IMG" > "$WORK/build.log" 2>&1; then
  ok "wbuildc build packaging/image/wbuildc.wbuild --variant production on buildah ($(since "$t")s)"
else
  tail -25 "$WORK/build.log"
  bad "wbuildc build of the wbuildc image failed"
  exit 1
fi

user=$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$IMG")
check "image config User is $user, not root (base.somebody, 65533:65533)" test "$user" = 65533:65533
entry=$(buildah inspect --type image --format '{{range .OCIv1.Config.Entrypoint}}{{.}} {{end}}' "$IMG")
check "image entrypoint is wbuildc ($entry)" test "$entry" = "/usr/local/bin/wbuildc "
want=$("$BIN" --version)
ctr=$(buildah from --pull-never "$IMG"); CTRS+=("$ctr")
got=$(buildah run "$ctr" -- wbuildc --version 2>&1 || true)
check "buildah run: wbuildc --version inside is the tested binary's ($got)" test "$got" = "$want"
got=$(buildah run "$ctr" -- id -u 2>&1 || true)
check "buildah run: the default user's uid is 65533 ($got)" test "$got" = 65533
# setuid/setgid files: the base's own (Debian's su, passwd, ...) and none added
setid_files() { find "$1" -xdev -type f -perm /6000 2>/dev/null | sed "s|^$1||" | LC_ALL=C sort; }
bctr=$(buildah from --pull-never "$WBUILD_E2E_BASE_IMAGE"); CTRS+=("$bctr")
setid_files "$(buildah mount "$bctr")" > "$WORK/setid.base"
mnt=$(buildah mount "$ctr")
setid_files "$mnt" > "$WORK/setid.image"
added=$(comm -13 "$WORK/setid.base" "$WORK/setid.image" | tr '\n' ' ')
check "the image adds no setuid or setgid file to its base's $(wc -l < "$WORK/setid.base") (Debian's su, passwd, ...)${added:+: added $added}" test -z "$added"
buildah umount "$bctr" >/dev/null
caps=$(buildah run "$ctr" -- getcap /usr/bin/newuidmap /usr/bin/newgidmap 2>&1 | tr '\n' ' ' || true)
check "newuidmap/newgidmap hold only cap_setuid/cap_setgid ($caps)" \
  test "$caps" = "/usr/bin/newuidmap cap_setuid=ep /usr/bin/newgidmap cap_setgid=ep "
check "the image's user has 65536 subordinate uids and gids" \
  grep -qx 'somebody:100000:65536' "$mnt/etc/subuid" "$mnt/etc/subgid"
buildah umount "$ctr" >/dev/null
size=$(buildah images --format '{{.Size}}' "$IMG" | head -1)
note "wbuildc image size $size"

if [ -z "$DOCKER_HOST_ARG" ]; then
  note "no --docker: the build inside the image was not run"
  exit "$FAILED"
fi

# 2. Into Docker's engine, which runs it the way a CI runner's job container would.
t=$(now)
skopeo copy --quiet --dest-daemon-host "$DOCKER_HOST_ARG" "containers-storage:$IMG" "docker-daemon:$IMG"
ok "skopeo copy into Docker ($(since "$t")s)"
got=$(d run --rm "$IMG" --version 2>&1 || true)
check "docker run IMAGE --version (the entrypoint) prints '$want' ($got)" test "$got" = "$want"
got=$(d image inspect --format '{{.Config.User}}' "$IMG")
check "docker: image config User is 65533:65533 ($got)" test "$got" = 65533:65533
got=$(d run --rm --entrypoint id "$IMG" -u 2>&1 || true)
check "docker run: the default user's uid is 65533 ($got)" test "$got" = 65533

# 3. An example built inside: go-service (Debian's Go, no registry but Debian's).
# The base image comes in as an OCI layout, as it would from `wbuildc base build`;
# a CI runner whose registry is reachable lets buildah pull it instead. The storage
# is a directory of the host (a CI cache volume), so it can use overlay.
IN=$WORK/inside
rm -rf "$IN"
mkdir -p "$IN/store" "$IN/out"
cp -r "$ROOT/examples/go-service" "$IN/src"
chown 65533:65533 "$IN/store" "$IN/out"
t=$(now)
buildah push --quiet --disable-compression "$WBUILD_E2E_BASE_IMAGE" "oci:$IN/base:$WBUILD_E2E_BASE_IMAGE" >/dev/null
# What a CI runner must grant, and nothing more (NOTES.md): seccomp=unconfined so
# that rootless buildah may create its user namespace; Docker's default capabilities
# (CAP_SETUID/CAP_SETGID for the file capabilities of newuidmap/newgidmap).
RUN_ARGS=(--network host --security-opt seccomp=unconfined
          -e CONTAINERS_STORAGE_CONF=/etc/containers/storage-overlay.conf
          -e "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH"
          -v "$IN/store:/home/somebody/.local/share/containers")
name=wbuild-e2e-wbuildc-$$
DCTRS+=("$name-base" "$name")
if waited d run --rm --name "$name-base" "${RUN_ARGS[@]}" -v "$IN/base:/base:ro" --entrypoint /bin/sh "$IMG" -c \
     "id=\$(buildah pull --quiet oci:/base:$WBUILD_E2E_BASE_IMAGE) && buildah tag \"\$id\" $WBUILD_E2E_BASE_IMAGE" > "$IN/base.log" 2>&1; then
  ok "inside: buildah (rootless) loaded $WBUILD_E2E_BASE_IMAGE from an OCI layout ($(since "$t")s)"
else
  cat "$IN/base.log"; bad "inside: loading the base image failed"; exit 1
fi
t=$(now)
if waited d run --rm --name "$name" "${RUN_ARGS[@]}" -v "$IN/src:/src:ro" -v "$IN/out:/out" "$IMG" \
     build /src/service.wbuild --variant production --network host --pull never \
     --tag localhost/go-service:production --output oci:/out/go-service > "$IN/build.log" 2>&1; then
  secs=$(since "$t")
  ok "inside: docker run IMAGE build examples/go-service --variant production, as the default user ($secs s)"
  note "wbuildc image: inner go-service build ${secs}s"
else
  tail -30 "$IN/build.log"; bad "inside: the build of go-service failed"; exit 1
fi
check "inside: buildah ran every step (the log ends with the production stage's COMMIT)" \
  grep -q '^\[2/2\] COMMIT localhost/go-service:production' "$IN/build.log"
mapped=$(find "$IN/store" -uid +99999 -print -quit 2>/dev/null)
check "inside: the storage holds files owned by subordinate ids (rootless, multi-id mapping: ${mapped#"$IN/"})" test -n "$mapped"

# 4. What came out runs on the host.
got=$(skopeo inspect --config --raw "oci:$IN/out/go-service:production" 2>/dev/null | jq -r '.config.User' || true)
check "the exported image's config User is 65533:65533 ($got)" test "$got" = 65533:65533
port=$((20000 + RANDOM % 20000))
# Loaded under a name of its own: `buildah from oci:PATH` names the image after the
# path, which fails when mktemp put an upper-case letter in it.
skopeo copy --quiet "oci:$IN/out/go-service:production" containers-storage:localhost/wbuild-e2e-inside-go:production >/dev/null
ctr=$(buildah from --quiet --pull-never localhost/wbuild-e2e-inside-go:production); CTRS+=("$ctr")
buildah run --network host --env "PORT=$port" "$ctr" -- /srv/app/app > "$IN/run.log" 2>&1 &
pid=$!
body=""
for _ in $(seq 1 100); do body=$(curl -fsS --max-time 2 "http://127.0.0.1:$port/" 2>/dev/null) && break; sleep 0.2; done
check "the go-service built inside answers GET / on the host ('$body')" test "$body" = "hello from go-service"
kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
exit "$FAILED"
