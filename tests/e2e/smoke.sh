#!/usr/bin/env bash
# End-to-end smoke test of the image-building chain, on the hand-written sample in
# tests/e2e/fixtures/sample (what wbuildc will emit looks much like it).
#
#   tests/e2e/smoke.sh [--docker] [--docker-host unix:///path.sock] [--no-buildah] [--install]
#
#   --docker        also test Docker's engine with BuildKit; starts the private dockerd
#                   from dockerd.sh if it is not running (and stops it afterwards)
#   --docker-host   use this already running engine instead
#   --no-buildah    skip the buildah part
#   --install       run install-deps.sh first
#
# Checks, per engine: cold build; rebuild after changing only a COPY'd file reuses
# the earlier layers (buildah "--> Using cache", BuildKit "#N CACHED"); the image
# runs as uid 65533 and its CMD prints the new file; exit codes come through; an
# HTTP server inside answers curl from the host; the cache mount keeps its contents
# between builds; the build secret is in no layer (with a leaky build as control);
# a failing RUN reports the step and its exit code; OCI export + skopeo + umoci
# (buildah); docker save (docker).  Ends with "smoke: N passed, N failed" and exits
# non-zero when anything failed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

DO_BUILDAH=1 DO_DOCKER=0 DOCKER_HOST_ARG="" INSTALL=0
while [ $# -gt 0 ]; do
  case "$1" in
    --docker) DO_DOCKER=1; shift ;;
    --docker-host) DO_DOCKER=1; DOCKER_HOST_ARG=$2; shift 2 ;;
    --no-buildah) DO_BUILDAH=0; shift ;;
    --install) INSTALL=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "smoke.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

PASS=0 FAIL=0
T0=$(date +%s.%N)
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
ok() { PASS=$((PASS + 1)); printf 'ok   %s\n' "$*"; }
bad() { FAIL=$((FAIL + 1)); printf 'FAIL %s\n' "$*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
die() { echo "smoke: fatal: $*" >&2; echo "smoke: $PASS passed, $((FAIL + 1)) failed"; exit 1; }
section() { printf '\n== %s\n' "$*"; }

[ "$(id -u)" = 0 ] || die "must run as root"
[ "$INSTALL" = 1 ] && { "$HERE/install-deps.sh" || die "install-deps.sh failed"; }
for t in buildah skopeo umoci mmdebstrap curl; do
  command -v "$t" >/dev/null || die "$t missing: run tests/e2e/install-deps.sh"
done

mkdir -p "$WBUILD_E2E_STATE/tmp"
WORK=$(mktemp -d "$WBUILD_E2E_STATE/tmp/smoke.XXXXXX")
BG_PIDS=()
STARTED_DOCKERD=0
cleanup() {
  local p
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "${CTR:-}" ] && buildah rm "$CTR" >/dev/null 2>&1
  [ -n "${D_HTTP:-}" ] && d rm -f "$D_HTTP" >/dev/null 2>&1
  [ "$STARTED_DOCKERD" = 1 ] && "$HERE/dockerd.sh" stop >/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# The build context: a copy of the fixture, with a fresh version file per run.
CTX=$WORK/ctx
cp -r "$HERE/fixtures/sample" "$CTX"
RUN_ID=$(date +%s)-$$
echo "v1-$RUN_ID" > "$CTX/app/version.txt"
# The build secret: a single line of random characters that occurs nowhere else.
SECRET=$WORK/token
head -c 30 /dev/urandom | base64 | tr -d '/+=\n' > "$SECRET"
echo >> "$SECRET"
IMG=localhost/wbuild-e2e-smoke:latest
EPOCH=1700000000
EPOCH_RFC3339=2023-11-14T22:13:20Z

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
  echo 18080
}
wait_http() { # URL -> prints body
  for _ in $(seq 1 100); do curl -fsS --max-time 2 "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
# secret_in FILE...: true when the secret's bytes occur in any file, raw or gunzipped
secret_in() {
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    grep -a -q -F -f "$SECRET" "$f" && return 0
    if gzip -t "$f" 2>/dev/null; then gzip -dc "$f" | grep -a -q -F -f "$SECRET" && return 0; fi
  done
  return 1
}
no_secret_in() { ! secret_in "$@"; }
# buildah: the STEP lines whose result came from the cache
buildah_cached_steps() { awk '/^(\[[0-9]+\/[0-9]+\] )?STEP [0-9]+\/[0-9]+: /{step=$0; next} /^--> Using cache /{print step}' "$1"; }
# BuildKit (--progress plain): the step lines marked CACHED
buildkit_cached_steps() { awk '/^#[0-9]+ \[/{ line[$1]=$0 } /^#[0-9]+ CACHED$/{ print line[$1] }' "$1"; }

# ---------------------------------------------------------------- base image
section "base image"
t=$(now)
if [ "$DO_DOCKER" = 1 ]; then
  if [ -z "$DOCKER_HOST_ARG" ]; then
    if ! "$HERE/dockerd.sh" status >/dev/null 2>&1; then
      "$HERE/dockerd.sh" start >/dev/null || die "dockerd.sh start failed"
      STARTED_DOCKERD=1
    fi
    DOCKER_HOST_ARG=$("$HERE/dockerd.sh" env | sed -n 's/^export DOCKER_HOST=//p')
  fi
  d() { "$WBUILD_E2E_DOCKER_CLIENT" -H "$DOCKER_HOST_ARG" "$@"; }
  "$HERE/base-image.sh" --docker "$DOCKER_HOST_ARG" >/dev/null || die "base-image.sh failed"
else
  "$HERE/base-image.sh" >/dev/null || die "base-image.sh failed"
fi
ok "base image $WBUILD_E2E_BASE_IMAGE ready ($(since "$t")s, storage $WBUILD_E2E_STORAGE_DRIVER)"

# ---------------------------------------------------------------- buildah
if [ "$DO_BUILDAH" = 1 ]; then
  section "buildah $(buildah --version | awk '{print $3}')"
  # --force-rm: with --layers, a failed build otherwise leaves its working container
  # (and its overlay mount) behind.
  BUD=(buildah bud --pull-never --layers --force-rm --isolation chroot --network host
       --secret "id=token,src=$SECRET" --timestamp "$EPOCH")

  t=$(now)
  if "${BUD[@]}" --build-arg CACHE_BUST="a$RUN_ID" -t "$IMG" "$CTX" > "$WORK/bud1.log" 2>&1; then
    ok "buildah bud, first build ($(since "$t")s)"
  else
    bad "buildah bud, first build"; tail -20 "$WORK/bud1.log"
  fi

  echo "v2-$RUN_ID" > "$CTX/app/version.txt"
  t=$(now)
  if "${BUD[@]}" --build-arg CACHE_BUST="a$RUN_ID" -t "$IMG" "$CTX" > "$WORK/bud2.log" 2>&1; then
    ok "buildah bud, rebuild after changing app/version.txt ($(since "$t")s)"
  else
    bad "buildah bud, rebuild"; tail -20 "$WORK/bud2.log"
  fi
  buildah_cached_steps "$WORK/bud2.log" > "$WORK/bud2.cached"
  check "rebuild reused the apt-get layer (--> Using cache)" grep -q 'RUN apt-get update' "$WORK/bud2.cached"
  check "rebuild reused the secret-mount layer" grep -q 'mount=type=secret' "$WORK/bud2.cached"
  check "rebuild re-ran the changed COPY" bash -c "! grep -q 'COPY app/' '$WORK/bud2.cached'"

  CTR=$(buildah from --pull-never "$IMG") || die "buildah from $IMG failed"
  check "buildah run: id -u prints 65533" test "$(buildah run "$CTR" -- id -u)" = 65533
  mapfile -t CMD < <(buildah inspect --type image --format '{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}' "$IMG")
  out=$(buildah run "$CTR" -- "${CMD[@]}")
  check "buildah run of the image's CMD (${CMD[*]}) prints uid and new version" \
    test "$out" = "$(printf 'uid=65533 gid=65533\nversion=v2-%s' "$RUN_ID")"
  buildah run "$CTR" -- sh -c 'exit 7' >/dev/null 2>&1; rc=$?
  check "buildah run passes the exit code through (7, got $rc)" test "$rc" = 7
  PORT=$(free_port)
  buildah run --network host "$CTR" -- python3 /app/main.py --serve "$PORT" > "$WORK/http.log" 2>&1 &
  HTTP_PID=$!; BG_PIDS+=("$HTTP_PID")
  body=$(wait_http "http://127.0.0.1:$PORT/")
  check "HTTP server inside (buildah run --network host) answers curl: '$body'" test "$body" = "hello from uid 65533"
  kill "$HTTP_PID" 2>/dev/null; wait "$HTTP_PID" 2>/dev/null
  buildah rm "$CTR" >/dev/null; CTR=""

  # cache mount: a build that re-runs the cache step sees the previous build's file
  seen() { local c n; c=$(buildah from --pull-never "$IMG") && n=$(buildah run "$c" -- cat /cache-builds-seen); buildah rm "$c" >/dev/null; echo "$n"; }
  n1=$(seen)
  "${BUD[@]}" --build-arg CACHE_BUST="b$RUN_ID" -t "$IMG" "$CTX" > "$WORK/bud3.log" 2>&1
  n2=$(seen)
  check "cache mount kept its contents between builds ($n1 -> $n2)" test "$n2" = "$((n1 + 1))"

  # OCI export
  t=$(now)
  buildah push --quiet "$IMG" "oci:$WORK/oci:smoke" >/dev/null 2>"$WORK/push.err"
  check "buildah push oci:DIR ($(since "$t")s)" test -s "$WORK/oci/index.json"
  buildah push --quiet "$IMG" "oci-archive:$WORK/smoke.oci.tar:smoke" >/dev/null 2>>"$WORK/push.err"
  check "buildah push oci-archive:FILE" test -s "$WORK/smoke.oci.tar"
  buildah push --quiet "$IMG" "oci:$WORK/oci2:smoke" >/dev/null 2>>"$WORK/push.err"
  check "two pushes give the same manifest digest" \
    test "$(grep -o 'sha256:[0-9a-f]*' "$WORK/oci/index.json")" = "$(grep -o 'sha256:[0-9a-f]*' "$WORK/oci2/index.json")"
  title=$(skopeo inspect --format '{{index .Labels "org.opencontainers.image.title"}}' "oci:$WORK/oci:smoke")
  check "skopeo inspect oci:DIR shows the LABEL ($title)" test "$title" = wbuild-e2e-sample
  check "skopeo inspect oci-archive:FILE works" skopeo inspect "oci-archive:$WORK/smoke.oci.tar:smoke" >/dev/null
  cfg=$(skopeo inspect --config --raw "oci:$WORK/oci:smoke")
  check "config created is --timestamp $EPOCH ($EPOCH_RFC3339)" grep -q "\"created\":\"$EPOCH_RFC3339\"" <<<"$cfg"
  check "config User is 65533:65533" grep -q '"User":"65533:65533"' <<<"$cfg"
  check "umoci stat reads the layout" umoci stat --image "$WORK/oci:smoke" >/dev/null
  umoci unpack --image "$WORK/oci:smoke" "$WORK/bundle" >/dev/null 2>&1
  check "umoci unpack: /app/main.py present" test -f "$WORK/bundle/rootfs/app/main.py"
  check "umoci unpack: secret step ran (/secret-status)" grep -q secret-was-readable "$WORK/bundle/rootfs/secret-status"
  check "umoci unpack: cache mount contents not in the image" test ! -e "$WORK/bundle/rootfs/root/.cache/builds"
  mapfile -t blobs < <(find "$WORK/oci/blobs" -type f)
  check "secret's bytes in none of the ${#blobs[@]} OCI blobs (layers, config, manifest)" no_secret_in "${blobs[@]}"
  rm -rf "$WORK/bundle" "$WORK/oci2"

  # negative control: a build that leaks the secret must be caught by the same scan
  # (--no-cache: the secret's content is not part of the cache key)
  buildah bud --pull-never --no-cache --isolation chroot --secret "id=token,src=$SECRET" --timestamp "$EPOCH" \
    -t localhost/wbuild-e2e-leaky:latest "$HERE/fixtures/leaky" > "$WORK/leaky.log" 2>&1
  buildah push --quiet localhost/wbuild-e2e-leaky:latest "oci:$WORK/leaky:x" >/dev/null 2>&1
  mapfile -t blobs < <(find "$WORK/leaky/blobs" -type f)
  check "control: the scan finds the secret in a deliberately leaky image" secret_in "${blobs[@]}"
  rm -rf "$WORK/leaky"

  # failure report
  t=$(now)
  before=$(buildah containers -a -q | wc -l)
  buildah bud --pull-never --layers --force-rm --isolation chroot --network host -t localhost/wbuild-e2e-failing \
    "$HERE/fixtures/failing" > "$WORK/fail.out" 2> "$WORK/fail.err"; rc=$?
  check "failing RUN: --force-rm left no working container behind" test "$(buildah containers -a -q | wc -l)" = "$before"
  check "failing RUN: buildah bud exits with the RUN's code (3, got $rc)" test "$rc" = 3
  check "failing RUN: last STEP line on stdout is 'STEP 3/4: RUN echo about to fail && exit 3'" \
    test "$(grep -E '^(\[[0-9]+/[0-9]+\] )?STEP ' "$WORK/fail.out" | tail -1)" = 'STEP 3/4: RUN echo about to fail && exit 3'
  check "failing RUN: stderr names the step" \
    grep -qxF 'Error: building at STEP "RUN echo about to fail && exit 3": exit status 3' "$WORK/fail.err"
fi

# ---------------------------------------------------------------- docker
if [ "$DO_DOCKER" = 1 ]; then
  section "docker $(d version --format '{{.Server.Version}}') at $DOCKER_HOST_ARG"
  export DOCKER_BUILDKIT=1
  DB=(build --progress plain --network host --secret "id=token,src=$SECRET")
  echo "v1-$RUN_ID" > "$CTX/app/version.txt"

  t=$(now)
  if d "${DB[@]}" --build-arg CACHE_BUST="a$RUN_ID" -t "$IMG" "$CTX" > "$WORK/dk1.log" 2>&1; then
    ok "docker build (BuildKit), first build ($(since "$t")s)"
  else
    bad "docker build, first build"; tail -20 "$WORK/dk1.log"
  fi
  echo "v2-$RUN_ID" > "$CTX/app/version.txt"
  t=$(now)
  if d "${DB[@]}" --build-arg CACHE_BUST="a$RUN_ID" -t "$IMG" "$CTX" > "$WORK/dk2.log" 2>&1; then
    ok "docker build, rebuild after changing app/version.txt ($(since "$t")s)"
  else
    bad "docker build, rebuild"; tail -20 "$WORK/dk2.log"
  fi
  buildkit_cached_steps "$WORK/dk2.log" > "$WORK/dk2.cached"
  check "rebuild reused the apt-get layer (#N CACHED)" grep -q 'RUN apt-get update' "$WORK/dk2.cached"
  check "rebuild reused the secret-mount layer" grep -q 'mount=type=secret' "$WORK/dk2.cached"
  check "rebuild re-ran the changed COPY" bash -c "! grep -q 'COPY app/' '$WORK/dk2.cached'"

  check "docker run: id -u prints 65533" test "$(d run --rm "$IMG" id -u)" = 65533
  out=$(d run --rm "$IMG")
  check "docker run of the image's CMD prints uid and new version" \
    test "$out" = "$(printf 'uid=65533 gid=65533\nversion=v2-%s' "$RUN_ID")"
  d run --rm "$IMG" sh -c 'exit 7' >/dev/null 2>&1; rc=$?
  check "docker run passes the exit code through (7, got $rc)" test "$rc" = 7
  PORT=$(free_port)
  D_HTTP=wbuild-e2e-smoke-http-$$
  d run -d --name "$D_HTTP" --network host "$IMG" python3 /app/main.py --serve "$PORT" >/dev/null
  body=$(wait_http "http://127.0.0.1:$PORT/")
  check "HTTP server inside (docker run --network host) answers curl: '$body'" test "$body" = "hello from uid 65533"
  d rm -f "$D_HTTP" >/dev/null; D_HTTP=""

  n1=$(d run --rm "$IMG" cat /cache-builds-seen)
  d "${DB[@]}" --build-arg CACHE_BUST="b$RUN_ID" -t "$IMG" "$CTX" > "$WORK/dk3.log" 2>&1
  n2=$(d run --rm "$IMG" cat /cache-builds-seen)
  check "cache mount kept its contents between builds ($n1 -> $n2)" test "$n2" = "$((n1 + 1))"

  t=$(now)
  d save "$IMG" -o "$WORK/save.tar"
  mkdir -p "$WORK/save" && tar -C "$WORK/save" -xf "$WORK/save.tar"
  mapfile -t layers < <(find "$WORK/save" -name layer.tar)
  check "docker save: ${#layers[@]} layer tarballs ($(since "$t")s)" test "${#layers[@]}" -ge 5
  mapfile -t files < <(find "$WORK/save" -type f)
  check "secret's bytes in none of the ${#files[@]} files of docker save" no_secret_in "${files[@]}"
  check "skopeo reads docker save output (docker-archive:)" skopeo inspect "docker-archive:$WORK/save.tar" >/dev/null
  rm -rf "$WORK/save" "$WORK/save.tar"

  # (--network host is required: with --bridge=none a RUN step fails with
  # "network bridge not found")
  # (--no-cache: the secret's content is not part of the cache key, so a cached
  # layer would hold an earlier run's secret)
  d build -q --no-cache --network host --secret "id=token,src=$SECRET" -t wbuild-e2e-leaky:latest "$HERE/fixtures/leaky" > "$WORK/dk-leaky.log" 2>&1
  d save wbuild-e2e-leaky:latest -o "$WORK/leaky.tar"
  mkdir -p "$WORK/leaky" && tar -C "$WORK/leaky" -xf "$WORK/leaky.tar"
  mapfile -t files < <(find "$WORK/leaky" -type f)
  check "control: the scan finds the secret in a deliberately leaky image" secret_in "${files[@]}"
  rm -rf "$WORK/leaky" "$WORK/leaky.tar"

  d build --progress plain --network host -t wbuild-e2e-failing "$HERE/fixtures/failing" > "$WORK/dkfail.out" 2> "$WORK/dkfail.err"; rc=$?
  check "failing RUN: docker build exits 1 (got $rc)" test "$rc" = 1
  check "failing RUN: stderr has '#N ERROR: executor failed running [/bin/sh -c echo about to fail && exit 3]: exit code: 3'" \
    grep -qE '^#[0-9]+ ERROR: executor failed running \[/bin/sh -c echo about to fail && exit 3\]: exit code: 3$' "$WORK/dkfail.err"
  check "failing RUN: stderr names the step ' > [3/4] RUN echo about to fail && exit 3:'" \
    grep -qxF ' > [3/4] RUN echo about to fail && exit 3:' "$WORK/dkfail.err"
fi

printf '\nsmoke: total %ss\n' "$(since "$T0")"
echo "smoke: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
