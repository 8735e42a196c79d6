#!/usr/bin/env bash
# The end-to-end suite: real image builds of every example with `wbuildc build` /
# `wbuildc test`, on buildah and on Docker's engine (BuildKit).
#
#   bash tests/e2e/run.sh [--no-docker] [--examples "python-web go-service ..."]
#                         [--init-examples "..."]
#
# Installs its Debian packages (install-deps.sh), builds wbuildc (release), makes and
# caches the base image (base-image.sh), starts a private dockerd (dockerd.sh) and
# stops it again, and works on copies of the examples in a temporary directory.
# Beside the examples it runs docs/operations.md (ops-walkthrough.sh), publishing
# against real registries (publish.sh, private.sh, plan-publish.sh), owners and
# step users (ownership.sh), the presets' knobs (presets.sh), owner and runner
# users and apt release/key/proxy (users.sh), Blubber configs imported with
# `wbuildc import-blubber` and built (blubber.sh), copy excludes and step mounts
# (steps.sh), two examples on Debian trixie (suites.sh) and the wbuildc image
# (wbuildc-image.sh);
# after them, the README's install and first steps as written (quickstart.sh).
# Prints one line per check and ends with the plain line `e2e: N passed, N failed`;
# exits non-zero when any check failed. Timings and sizes of the last run go to
# $WBUILD_E2E_STATE/last-run.tsv. Must run as root (see NOTES.md).
# --init-examples (default: the --examples): the examples whose manifest
# `wbuildc init` writes anew and buildah builds and runs (the "init" sections).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

ALL_EXAMPLES="python-web node-service php-app java-service go-service"
EXAMPLES=${WBUILD_E2E_EXAMPLES:-$ALL_EXAMPLES}
DOCKER_EXAMPLES=${WBUILD_E2E_DOCKER_EXAMPLES:-node-service go-service}
DO_DOCKER=1
INIT_EXAMPLES=${WBUILD_E2E_INIT_EXAMPLES:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --no-docker) DO_DOCKER=0; shift ;;
    --examples) EXAMPLES=$2; shift 2 ;;
    --init-examples) INIT_EXAMPLES=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/!p}' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
INIT_EXAMPLES=${INIT_EXAMPLES:-$EXAMPLES}

PASS=0 FAIL=0 DONE=0
T0=$(date +%s.%N)
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
ok() { PASS=$((PASS + 1)); printf 'ok   %s\n' "$*"; }
bad() { FAIL=$((FAIL + 1)); printf 'FAIL %s\n' "$*"; }
note() { printf 'note %s\n' "$*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
section() { printf '\n== %s\n' "$*"; }
summary() { [ "$DONE" = 1 ] && return; DONE=1; printf '\ne2e: total %ss\n' "$(since "$T0")"; echo "e2e: $PASS passed, $FAIL failed"; }
die() { bad "fatal: $*"; summary; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"

declare -A BG_JOBS=()
WORK="" CTRS=() BG_PIDS=() DCTRS=() STARTED_DOCKERD=0 STARTED_REGISTRY=0
cleanup() {
  local rc=$? p c
  set +e
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  for c in "${CTRS[@]}"; do buildah umount "$c" >/dev/null 2>&1; buildah rm "$c" >/dev/null 2>&1; done
  for c in "${DCTRS[@]}"; do d rm -f "$c" >/dev/null 2>&1; done
  [ "$STARTED_DOCKERD" = 1 ] && "$HERE/dockerd.sh" stop >/dev/null 2>&1
  [ "$STARTED_REGISTRY" = 1 ] && "$HERE/registry.sh" stop >/dev/null 2>&1
  [ -n "$WORK" ] && rm -rf "$WORK"
  if [ "$DONE" = 0 ]; then
    [ "$rc" != 0 ] && bad "run.sh stopped early (exit status $rc)"
    summary
  fi
  [ "$FAIL" = 0 ] && [ "$rc" = 0 ] || exit 1
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The jobs that run beside the suite. Their exit status is written to a file rather
# than taken from `wait PID`: bash forgets a finished job's status when a later
# child gets its PID, and with pid_max at 32768 a 10-minute run of buildah forks
# wraps around (one CI run saw `wait` fail for a job that had passed).
#   bg_start NAME LOG COMMAND...   runs COMMAND in the background, output to LOG
#   bg_wait NAME                   waits for it to finish; returns its exit status
bg_start() {
  local name=$1 log=$2; shift 2
  rm -f "$WORK/$name.rc"
  ( rc=0; "$@" > "$log" 2>&1 || rc=$?; echo "$rc" > "$WORK/$name.rc.tmp"; mv "$WORK/$name.rc.tmp" "$WORK/$name.rc" ) &
  BG_PIDS+=("$!"); BG_JOBS[$name]=$!
}
bg_wait() {
  while [ ! -e "$WORK/$1.rc" ]; do sleep 1; done
  # finished: cleanup must not kill whatever gets its PID next
  local p keep=()
  for p in "${BG_PIDS[@]}"; do [ "$p" = "${BG_JOBS[$1]}" ] || keep+=("$p"); done
  BG_PIDS=("${keep[@]}")
  return "$(cat "$WORK/$1.rc")"
}

# ---------------------------------------------------------------- setup
section "setup"
t=$(now)
"$HERE/install-deps.sh" >/dev/null || die "install-deps.sh failed"
for tool in buildah skopeo mmdebstrap curl jq; do command -v "$tool" >/dev/null || die "$tool missing"; done
ok "Debian packages present ($(since "$t")s)"

t=$(now)
(cd "$ROOT" && cargo build --release --locked --bin wbuildc) > /tmp/wbuild-e2e-cargo.log 2>&1 ||
  { tail -20 /tmp/wbuild-e2e-cargo.log; die "cargo build --release failed"; }
WBUILDC=$ROOT/target/release/wbuildc
ok "cargo build --release --locked --bin wbuildc ($(since "$t")s)"

mkdir -p "$WBUILD_E2E_STATE/tmp"
WORK=$(mktemp -d "$WBUILD_E2E_STATE/tmp/run.XXXXXX")
RUN_ID=$(date +%s)-$$
RESULTS=$WORK/results.tsv
: > "$RESULTS"
record() { printf '%s\t%s\t%s\t%s\n' "$@" >> "$RESULTS"; }   # engine example what value

export SOURCE_DATE_EPOCH=1700000000
EPOCH_RFC3339=2023-11-14T22:13:20Z
export WBUILDC_DOCKER=$WBUILD_E2E_DOCKER_CLIENT

if [ "$DO_DOCKER" = 1 ]; then
  t=$(now)
  if ! "$HERE/dockerd.sh" status >/dev/null 2>&1; then
    "$HERE/dockerd.sh" start >/dev/null || die "dockerd.sh start failed"
    STARTED_DOCKERD=1
  fi
  DOCKER_HOST=$("$HERE/dockerd.sh" env | sed -n 's/^export DOCKER_HOST=//p')
  export DOCKER_HOST
  ok "dockerd answers at $DOCKER_HOST ($(since "$t")s)"
  t=$(now)
  "$HERE/base-image.sh" --docker "$DOCKER_HOST" > "$WORK/base.log" 2>&1 || { cat "$WORK/base.log"; die "base-image.sh failed"; }
else
  t=$(now)
  "$HERE/base-image.sh" > "$WORK/base.log" 2>&1 || { cat "$WORK/base.log"; die "base-image.sh failed"; }
fi
ok "base image $WBUILD_E2E_BASE_IMAGE ready ($(since "$t")s, storage $WBUILD_E2E_STORAGE_DRIVER)"
# wbuildc base build clears every setuid/setgid bit (src/build/oci/layer.rs): no
# image built on the base inherits su, passwd or mount setuid root.
BASE_CTR=$(buildah from --pull-never "$WBUILD_E2E_BASE_IMAGE"); CTRS+=("$BASE_CTR")
BASE_MNT=$(buildah mount "$BASE_CTR")
PRIVILEGED=$(find "$BASE_MNT" -xdev -type f -perm /6000 -printf '/%P ' 2>/dev/null)
check "the base image has no setuid or setgid file (found: ${PRIVILEGED:-none})" test -z "$PRIVILEGED"
check "control: it has the programs that would be (su, passwd)" test -x "$BASE_MNT/bin/su" -a -x "$BASE_MNT/usr/bin/passwd"
buildah umount "$BASE_CTR" >/dev/null; buildah rm "$BASE_CTR" >/dev/null; CTRS=("${CTRS[@]/$BASE_CTR}")

# docs/operations.md, run as written: base images built twice with mmdebstrap
# (same digest), locked, a package changed, the plan executed with buildah.
# Mostly network and dpkg time, so it runs beside the rest of the suite (with a
# buildah storage of its own) and is collected at the end.
OPS_T0=$(now)
bg_start ops "$WORK/ops.log" "$HERE/ops-walkthrough.sh" "$WBUILDC" "$WORK/ops"
# The wbuildc image (packaging/image/wbuildc.wbuild): built with wbuildc, then an
# example built inside a container of it with Docker. Mostly apt and buildah time,
# so it runs beside the rest too and is collected at the end.
IMAGE_T0=$(now)
IMAGE_ARGS=()
[ "$DO_DOCKER" = 1 ] && IMAGE_ARGS=(--docker "$DOCKER_HOST")
bg_start wbuildc-image "$WORK/wbuildc-image.log" "$HERE/wbuildc-image.sh" "$WBUILDC" "$WORK/wbuildc-image" "${IMAGE_ARGS[@]}"
# python-web and go-service on Debian trixie (its base image made like bookworm's,
# cached): also mostly network and dpkg time, also beside the rest, own storage.
SUITES_T0=$(now)
bg_start suites "$WORK/suites.log" "$HERE/suites.sh" "$WBUILDC" "$WORK/suites" trixie
d() { "$WBUILD_E2E_DOCKER_CLIENT" "$@"; }

# ---------------------------------------------------------------- helpers
# buildah: the STEP lines whose result came from the cache
buildah_cached() { awk '/^(\[[0-9]+\/[0-9]+\] )?STEP [0-9]+\/[0-9]+: /{step=$0; next} /^--> Using cache /{print step}' "$1"; }
# buildah: the STEP lines that ran
buildah_steps() { grep -E '^(\[[0-9]+/[0-9]+\] )?STEP [0-9]+/[0-9]+: ' "$1"; }
# BuildKit (--progress plain): the step lines marked CACHED
buildkit_cached() { awk '/^#[0-9]+ \[/{ line[$1]=$0 } /^#[0-9]+ CACHED$/{ print line[$1] }' "$1"; }
buildkit_steps() { grep -E '^#[0-9]+ \[' "$1" | sort -u; }
# descendants PID: every process below PID
descendants() {
  local p c
  for p in "$@"; do
    for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do echo "$c"; descendants "$c"; done
  done
}
not() { ! "$@"; }
# reran RE STEPS CACHED: the step matching RE ran in the build and was not a cache hit
reran() { grep -qE -- "$1" "$2" && ! grep -qE -- "$1" "$3"; }
# buildah: the RUN and COPY steps before the first step matching RE that did not come from the cache
# (the regular expression goes through the environment: awk -v would eat its backslashes)
buildah_ran_before() { # LOG RE
  RE=$2 awk '
    function flush() { if (step != "" && !cached && step ~ /: (RUN|COPY) /) print step }
    /^(\[[0-9]+\/[0-9]+\] )?STEP [0-9]+\/[0-9]+: / { flush(); if ($0 ~ ENVIRON["RE"]) { found = 1; exit } step = $0; cached = 0; next }
    /^--> Using cache / { cached = 1 }
    END { if (!found) { flush(); print "no step matches " ENVIRON["RE"] } }' "$1"
}
uid_of() { awk '/^Uid:/{print $2}' /proc/"$1"/status 2>/dev/null; }
# The service's own processes below a `buildah run` (not buildah's re-exec helpers)
service_uids() {
  local p
  for p in $(descendants "$1"); do
    case "$(cat /proc/"$p"/comm 2>/dev/null)" in memfd:buildah*|buildah*|"") continue ;; esac
    uid_of "$p"
  done | sort -u | tr '\n' ' '
}
# wbuildc build/test, output to a log, exit status kept; sets LAST_SECS
LAST_SECS=0
wb() { # LOG ARGS...
  local log=$1 t rc; shift
  t=$(now)
  set +e; "$WBUILDC" "$@" > "$log" 2>&1; rc=$?; set -e
  LAST_SECS=$(since "$t")
  return "$rc"
}
# The secret: random characters that occur nowhere else.
SECRET=$WORK/token
head -c 30 /dev/urandom | base64 | tr -d '/+=\n' > "$SECRET"
echo >> "$SECRET"
secret_in() { # FILE...: true when the secret's bytes occur in any file, raw or gunzipped
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    grep -a -q -F -f "$SECRET" "$f" && return 0
    if gzip -t "$f" 2>/dev/null; then gzip -dc "$f" | grep -a -q -F -f "$SECRET" && return 0; fi
  done
  return 1
}
text_in() { # TEXT FILE...: like secret_in, for a fixed string
  local s=$1 f; shift
  for f in "$@"; do
    [ -f "$f" ] || continue
    grep -a -q -F -e "$s" "$f" && return 0
    if gzip -t "$f" 2>/dev/null; then gzip -dc "$f" | grep -a -q -F -e "$s" && return 0; fi
  done
  return 1
}

# Per example: the file changed for the cache check, the dependency step that must
# come from the cache, the changed COPY, the deliberately failing test, and what the
# production image must not contain besides the common build tools.
example_conf() {
  CHANGE="" DEPS_RE="" COPY_RE="" FAIL_FILE="" FAIL_TEXT="" NOT_SHIPPED=()
  case "$1" in
    python-web)
      CHANGE=webapp/greeting.py DEPS_RE='pip install' COPY_RE='COPY \["?webapp/'
      FAIL_FILE=tests/test_fail.py
      FAIL_TEXT=$'def test_fail():\n    assert False, "deliberate failure"\n'
      NOT_SHIPPED=(srv/app/tests srv/app/pytest.ini srv/app/requirements-test.txt
                   opt/lib/venv/lib/python3.11/site-packages/pytest opt/lib/venv/lib/python3.11/site-packages/_pytest) ;;
    node-service)
      CHANGE=src/greeting.js DEPS_RE='npm ci' COPY_RE='COPY \["?src/'
      FAIL_FILE=test/fail.test.js
      FAIL_TEXT=$'const test = require("node:test");\nconst assert = require("node:assert/strict");\ntest("deliberate failure", () => { assert.equal(1, 2); });\n'
      NOT_SHIPPED=(srv/app/test srv/app/node_modules/supertest usr/share/nodejs/npm) ;;
    php-app)
      CHANGE=src/Greeting.php DEPS_RE='"composer", "install"' COPY_RE='COPY \["?src/'
      FAIL_FILE=tests/FailTest.php
      FAIL_TEXT=$'<?php\n\ndeclare(strict_types=1);\n\nnamespace App\\Tests;\n\nuse PHPUnit\\Framework\\TestCase;\n\nfinal class FailTest extends TestCase\n{\n    public function testDeliberateFailure(): void\n    {\n        self::assertSame(1, 2, \'deliberate failure\');\n    }\n}\n'
      NOT_SHIPPED=(srv/app/tests srv/app/phpunit.xml srv/app/vendor/phpunit usr/share/php/PHPUnit) ;;
    java-service)
      CHANGE=src/main/java/dev/wbuild/examples/javaservice/Greeting.java
      DEPS_RE='apt-get install -y --no-install-recommends maven' COPY_RE='COPY \["?src/main/'
      FAIL_FILE=src/test/java/dev/wbuild/examples/javaservice/FailTest.java
      FAIL_TEXT=$'package dev.wbuild.examples.javaservice;\n\nimport static org.junit.Assert.assertEquals;\n\nimport org.junit.Test;\n\npublic class FailTest {\n    @Test\n    public void deliberateFailure() {\n        assertEquals("deliberate failure", 1, 2);\n    }\n}\n'
      NOT_SHIPPED=(srv/app/src srv/app/pom.xml srv/app/target usr/share/java/junit4.jar) ;;
    go-service)
      CHANGE=internal/greeting/greeting.go DEPS_RE='"go", "mod", "download"' COPY_RE='COPY \["?internal/'
      FAIL_FILE=internal/greeting/fail_test.go
      FAIL_TEXT=$'package greeting\n\nimport "testing"\n\nfunc TestDeliberateFailure(t *testing.T) {\n\tt.Fatal("deliberate failure")\n}\n'
      NOT_SHIPPED=(srv/app/internal srv/app/cmd srv/app/go.mod bin/sh usr/bin) ;;
    *) return 1 ;;
  esac
}
# Build-only tools and caches that no production image may contain.
BUILD_ONLY=(usr/bin/gcc usr/bin/cc usr/bin/make usr/bin/pip usr/bin/pip3 usr/bin/go usr/lib/go usr/bin/mvn
            usr/share/maven usr/share/maven-repo usr/bin/javac usr/bin/composer usr/bin/npm usr/bin/phpunit
            root/.npm root/.cache/pip root/.cache/go-build root/.m2 root/.composer srv/app/.npm)
present_of() { # ROOTFS PATH...: prints the paths that exist
  local r=$1 p; shift
  for p in "$@"; do [ -e "$r/$p" ] || [ -L "$r/$p" ] && echo "/$p"; done
  return 0
}

# Prepares a fresh copy of an example; echoes its directory.
copy_example() { # EXAMPLE ENGINE
  local dir=$WORK/$2/$1
  mkdir -p "$WORK/$2"
  rm -rf "$dir"
  cp -r "$ROOT/examples/$1" "$dir"
  echo "$dir"
}
# A one-line change to a source file that is unique to this run.
touch_source() { # FILE
  case "$1" in
    *.py) printf '\n# e2e change %s\n' "$RUN_ID" >> "$1" ;;
    *) printf '\n// e2e change %s\n' "$RUN_ID" >> "$1" ;;
  esac
}

# ---------------------------------------------------------------- buildah: examples
buildah_example() {
  local ex=$1 dir img t1 t2 cold=0 log ctr mnt port pid body argv_s uids missing
  example_conf "$ex" || { bad "$ex: unknown example"; return; }
  section "buildah: $ex"
  dir=$(copy_example "$ex" buildah)
  img=localhost/wbuild-e2e-$ex:production
  local B=(build "$dir/service.wbuild" --variant production --network host --tag "$img")
  local OCI=()
  [ "$ex" = go-service ] && OCI=(--output "oci:$WORK/oci-1")

  if wb "$WORK/$ex.b1.log" "${B[@]}" "${OCI[@]}"; then
    t1=$LAST_SECS; ok "$ex: wbuildc build --variant production (${t1}s)"
  else
    bad "$ex: wbuildc build --variant production failed"; tail -25 "$WORK/$ex.b1.log"; return
  fi
  buildah_cached "$WORK/$ex.b1.log" > "$WORK/$ex.b1.cached"
  grep -qF -- "$DEPS_RE" "$WORK/$ex.b1.cached" || cold=1
  record buildah "$ex" "first build (s)" "$t1"
  record buildah "$ex" "first build was cold" "$cold"

  touch_source "$dir/$CHANGE"
  [ "$ex" = go-service ] && OCI=(--output "oci:$WORK/oci-2")
  if wb "$WORK/$ex.b2.log" "${B[@]}" "${OCI[@]}"; then
    t2=$LAST_SECS; ok "$ex: rebuild after changing $CHANGE (${t2}s)"
  else
    bad "$ex: rebuild failed"; tail -25 "$WORK/$ex.b2.log"; return
  fi
  record buildah "$ex" "rebuild after one-file change (s)" "$t2"
  buildah_cached "$WORK/$ex.b2.log" > "$WORK/$ex.b2.cached"
  check "$ex: rebuild reused every 'apt-get install' layer (--> Using cache)" \
    test "$(buildah_steps "$WORK/$ex.b2.log" | grep -c 'apt-get install')" = "$(grep -c 'apt-get install' "$WORK/$ex.b2.cached")"
  check "$ex: rebuild reused the dependency step ($DEPS_RE)" grep -qF -- "$DEPS_RE" "$WORK/$ex.b2.cached"
  check "$ex: rebuild re-ran the changed COPY" reran "$COPY_RE" <(buildah_steps "$WORK/$ex.b2.log") "$WORK/$ex.b2.cached"
  # What the cache saved is a property of the steps, not of the clock: wall time on a shared
  # 2-core runner is noise (a 4.4 s rebuild of an 8.5 s cold build failed a "half" ratio), so the
  # times are recorded and the check is that nothing before the changed COPY ran again.
  check "$ex: rebuild ran nothing before the changed COPY (every earlier RUN/COPY from the cache)" \
    test -z "$(buildah_ran_before "$WORK/$ex.b2.log" "$COPY_RE")"
  note "$ex: first build ${t1}s ($([ "$cold" = 1 ] && echo cold || echo warm)), rebuild ${t2}s"

  # run it: the image's own ENTRYPOINT + CMD, PORT set, on the host network
  local user entry
  user=$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$img")
  check "$ex: image config User is 65533:65533 ($user)" test "$user" = 65533:65533
  mapfile -t argv < <(buildah inspect --type image --format '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}' "$img")
  port=$(free_port)
  # php's CMD names its port (0.0.0.0:8080); every other service reads PORT
  argv=("${argv[@]/0.0.0.0:8080/0.0.0.0:$port}")
  ctr=$(buildah from --pull-never "$img"); CTRS+=("$ctr")
  buildah run --network host --env "PORT=$port" "$ctr" -- "${argv[@]}" > "$WORK/$ex.run.log" 2>&1 &
  pid=$!; BG_PIDS+=("$pid")
  body=$(wait_http "http://127.0.0.1:$port/" || true)
  check "$ex: GET / answers 'hello from $ex' (${argv[*]})" test "$body" = "hello from $ex"
  body=$(wait_http "http://127.0.0.1:$port/healthz" || true)
  check "$ex: GET /healthz answers ok" test "$body" = ok
  uids=$(service_uids "$pid")
  check "$ex: the running service's processes have uid 65533 (${uids% })" test "${uids% }" = 65533
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  if [ "$ex" != go-service ]; then
    check "$ex: buildah run id -u prints 65533" test "$(buildah run "$ctr" -- id -u 2>/dev/null)" = 65533
  fi

  # what is not in it
  mnt=$(buildah mount "$ctr")
  missing=$(present_of "$mnt" "${BUILD_ONLY[@]}" | tr '\n' ' ')
  check "$ex: no build-only tools or caches (${#BUILD_ONLY[@]} paths: compilers, package managers, their caches)${missing:+: found $missing}" test -z "$missing"
  missing=$(present_of "$mnt" "${NOT_SHIPPED[@]}" | tr '\n' ' ')
  check "$ex: no tests, test dependencies or sources (${NOT_SHIPPED[*]})${missing:+: found $missing}" test -z "$missing"
  if [ "$ex" = python-web ]; then
    # The virtualenv production copies has no package manager of its own.
    venv_pip=$(find "$mnt/opt/lib/venv" \( -name 'pip' -o -name 'pip3*' -o -name 'pip-*.dist-info' \) -print -quit 2>/dev/null || true)
    check "python-web: the virtualenv carries no pip${venv_pip:+: found ${venv_pip#"$mnt"}}" test -z "$venv_pip"
  fi
  buildah umount "$ctr" >/dev/null
  buildah rm "$ctr" >/dev/null; CTRS=("${CTRS[@]/$ctr}")
  local size
  size=$(buildah images --format '{{.Size}}' "$img" | head -1)
  ok "$ex: image size $size"
  record buildah "$ex" "image size" "$size"

  if [ "$ex" = go-service ]; then oci_checks; fi

  # the test variant: passing, then deliberately failing
  if wb "$WORK/$ex.t1.log" test "$dir/service.wbuild" --variant test --network host --tag "localhost/wbuild-e2e-$ex:test"; then
    ok "$ex: wbuildc test passes, exit 0 (${LAST_SECS}s)"
  else
    bad "$ex: wbuildc test exited $? (expected 0)"; tail -25 "$WORK/$ex.t1.log"
  fi
  record buildah "$ex" "wbuildc test (s)" "$LAST_SECS"
  mkdir -p "$(dirname "$dir/$FAIL_FILE")"
  printf '%s' "$FAIL_TEXT" > "$dir/$FAIL_FILE"
  local rc=0
  wb "$WORK/$ex.t2.log" test "$dir/service.wbuild" --variant test --network host --tag "localhost/wbuild-e2e-$ex:test" || rc=$?
  if [ "$rc" != 0 ] && grep -q 'wbuildc: the test exited with status' "$WORK/$ex.t2.log"; then
    ok "$ex: wbuildc test with a deliberately failing test exits $rc (${LAST_SECS}s)"
  else
    bad "$ex: wbuildc test with a deliberately failing test exited $rc"; tail -25 "$WORK/$ex.t2.log"
  fi
}

oci_checks() {
  local ref=production labels raw c1 c2 m1 m2
  check "go-service: --output oci:DIR wrote an OCI layout" test -s "$WORK/oci-1/index.json"
  labels=$(skopeo inspect "oci:$WORK/oci-1:$ref" 2>&1 || true)
  check "go-service: skopeo inspect shows the org.opencontainers.image.* annotations as labels (title, version, created=$EPOCH_RFC3339)" \
    bash -c 'jq -e ".Labels[\"org.opencontainers.image.title\"] == \"go-service\" and .Labels[\"org.opencontainers.image.version\"] == \"1.0.0\" and .Labels[\"org.opencontainers.image.created\"] == \"'$EPOCH_RFC3339'\"" >/dev/null <<<"$1"' _ "$labels"
  raw=$(skopeo inspect --raw "oci:$WORK/oci-1:$ref" 2>/dev/null | jq -c '.annotations // {}' || true)
  # wbuildc writes the annotations into the exported manifest itself (buildah's Docker
  # format, which it needs for SHELL, has none); the revision comes from git.
  check "go-service: the OCI manifest carries the annotations (title, version, created, variant): $raw" \
    bash -c 'jq -e ".[\"org.opencontainers.image.title\"] == \"go-service\" and .[\"org.opencontainers.image.version\"] == \"1.0.0\" and .[\"org.opencontainers.image.created\"] == \"'$EPOCH_RFC3339'\" and .[\"dev.wbuild.variant\"] == \"production\"" >/dev/null <<<"$1"' _ "$raw"
  c1=$(skopeo inspect --config --raw "oci:$WORK/oci-1:$ref" | jq -r .created)
  c2=$(skopeo inspect --config --raw "oci:$WORK/oci-2:$ref" | jq -r .created)
  m1=$(skopeo inspect "oci:$WORK/oci-1:$ref" | jq -r .Digest)
  m2=$(skopeo inspect "oci:$WORK/oci-2:$ref" | jq -r .Digest)
  check "go-service: two builds (different sources, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH) have the same config created ($c1 = $c2)" \
    test "$c1" = "$c2" -a "$c1" = "$EPOCH_RFC3339"
  note "go-service: manifest digests ${m1:7:12} / ${m2:7:12} (a comment-only change gives the same Go binary, so equal digests mean a reproducible image)"
}

# ---------------------------------------------------------------- buildah: wbuildc init
# The example without its manifest, `wbuildc init` writes one, which must check
# cleanly, build its production variant and serve like the example. java-service
# gets the one edit its manifest asks for (the Debian packages of pom.xml's
# dependencies: offline Maven has nothing else to build with).
init_example() {
  local ex=$1 dir manifest img ctr pid port body argv
  section "buildah: wbuildc init, $ex"
  dir=$WORK/init/$ex
  mkdir -p "$WORK/init"
  rm -rf "$dir"
  cp -r "$ROOT/examples/$ex" "$dir"
  manifest=$dir/service.wbuild
  rm "$manifest"
  if wb "$WORK/init-$ex.init.log" init "$dir"; then
    ok "$ex: wbuildc init wrote $(grep -c '' "$manifest") lines ($(sed -n 's/.*(\([a-z]*\)).*/\1/p' "$WORK/init-$ex.init.log"))"
  else
    bad "$ex: wbuildc init failed"; cat "$WORK/init-$ex.init.log"; return
  fi
  if [ "$ex" = java-service ]; then
    sed -i 's/^  packages = \[\],$/  packages = ["libmaven-dependency-plugin-java", "libcommons-lang3-java", "junit4"],/' "$manifest"
    check "$ex: the packages edit the manifest asks for applied" grep -q 'libcommons-lang3-java' "$manifest"
  fi
  check "$ex: wbuildc check --deny-warnings: no diagnostics" wb "$WORK/init-$ex.check.log" check --deny-warnings "$manifest"
  img=localhost/wbuild-e2e-init-$ex:production
  if wb "$WORK/init-$ex.build.log" build "$manifest" --variant production --network host --tag "$img"; then
    ok "$ex: wbuildc build --variant production of the generated manifest (${LAST_SECS}s)"
  else
    bad "$ex: wbuildc build of the generated manifest failed"; tail -25 "$WORK/init-$ex.build.log"; return
  fi
  record init "$ex" "build (s)" "$LAST_SECS"
  check "$ex: image config User is 65533:65533" \
    test "$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$img")" = 65533:65533
  mapfile -t argv < <(buildah inspect --type image --format '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}' "$img")
  port=$(free_port)
  argv=("${argv[@]/0.0.0.0:8080/0.0.0.0:$port}")
  ctr=$(buildah from --pull-never "$img"); CTRS+=("$ctr")
  buildah run --network host --env "PORT=$port" "$ctr" -- "${argv[@]}" > "$WORK/init-$ex.run.log" 2>&1 &
  pid=$!; BG_PIDS+=("$pid")
  body=$(wait_http "http://127.0.0.1:$port/healthz" || true)
  check "$ex: the generated image serves: GET /healthz answers ok (${argv[*]})" test "$body" = ok
  [ "$body" = ok ] || tail -10 "$WORK/init-$ex.run.log"
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  buildah rm "$ctr" >/dev/null; CTRS=("${CTRS[@]/$ctr}")
}

# ---------------------------------------------------------------- docker: examples
docker_example() {
  local ex=$1 dir img t1 t2 cold=0 name port pid body user uids
  example_conf "$ex" || { bad "$ex: unknown example"; return; }
  section "docker: $ex"
  dir=$(copy_example "$ex" docker)
  img=localhost/wbuild-e2e-$ex:production
  local B=(build "$dir/service.wbuild" --variant production --engine docker --network host --tag "$img")
  if wb "$WORK/$ex.d1.log" "${B[@]}"; then
    t1=$LAST_SECS; ok "$ex: wbuildc build --engine docker (${t1}s)"
  else
    bad "$ex: wbuildc build --engine docker failed"; tail -25 "$WORK/$ex.d1.log"; return
  fi
  buildkit_cached "$WORK/$ex.d1.log" > "$WORK/$ex.d1.cached"
  grep -qF -- "$DEPS_RE" "$WORK/$ex.d1.cached" || cold=1
  record docker "$ex" "first build (s)" "$t1"
  record docker "$ex" "first build was cold" "$cold"
  check "$ex: the Dockerfile has a BuildKit cache mount" \
    bash -c "'$WBUILDC' compile '$dir/service.wbuild' --variant production | grep -q -- '--mount=type=cache'"

  touch_source "$dir/$CHANGE"
  if wb "$WORK/$ex.d2.log" "${B[@]}"; then
    t2=$LAST_SECS; ok "$ex: docker rebuild after changing $CHANGE (${t2}s)"
  else
    bad "$ex: docker rebuild failed"; tail -25 "$WORK/$ex.d2.log"; return
  fi
  record docker "$ex" "rebuild after one-file change (s)" "$t2"
  buildkit_cached "$WORK/$ex.d2.log" > "$WORK/$ex.d2.cached"
  check "$ex: rebuild reused the apt-get layers (#N CACHED)" grep -q 'apt-get install' "$WORK/$ex.d2.cached"
  check "$ex: rebuild reused the dependency step ($DEPS_RE)" grep -qF -- "$DEPS_RE" "$WORK/$ex.d2.cached"
  check "$ex: rebuild re-ran the changed COPY" reran "$COPY_RE" <(buildkit_steps "$WORK/$ex.d2.log") "$WORK/$ex.d2.cached"
  # times are recorded, not compared (see the buildah case); the cache checks above are the claim
  note "$ex: first docker build ${t1}s ($([ "$cold" = 1 ] && echo cold || echo warm)), rebuild ${t2}s"

  user=$(d image inspect --format '{{.Config.User}}' "$img")
  check "$ex: image config User is 65533:65533 ($user)" test "$user" = 65533:65533
  port=$(free_port)
  name=wbuild-e2e-$ex-$$
  DCTRS+=("$name")
  d run -d --name "$name" --network host -e "PORT=$port" "$img" >/dev/null
  body=$(wait_http "http://127.0.0.1:$port/" || true)
  check "$ex: docker run: GET / answers 'hello from $ex'" test "$body" = "hello from $ex"
  body=$(wait_http "http://127.0.0.1:$port/healthz" || true)
  check "$ex: docker run: GET /healthz answers ok" test "$body" = ok
  pid=$(d inspect --format '{{.State.Pid}}' "$name")
  uids=$( { uid_of "$pid"; for p in $(descendants "$pid"); do uid_of "$p"; done; } | sort -u | tr '\n' ' ')
  check "$ex: docker run: the service's processes have uid 65533 (${uids% })" test "${uids% }" = 65533
  d rm -f "$name" >/dev/null
  local size
  size=$(d image inspect --format '{{.Size}}' "$img" | awk '{ printf "%.1f MB", $1 / 1e6 }')
  ok "$ex: docker image size $size"
  record docker "$ex" "image size" "$size"

  # every layer: no build-only tools, no cache-mount contents
  mkdir -p "$WORK/save-$ex"
  d save "$img" -o "$WORK/save-$ex.tar"
  tar -C "$WORK/save-$ex" -xf "$WORK/save-$ex.tar"
  local found
  found=$(find "$WORK/save-$ex" -name layer.tar -exec tar -tf {} \; |
          grep -E '^(root/\.npm|root/\.cache/go-build|usr/bin/(go|npm|gcc|pip3?))(/|$)' | head -3 | tr '\n' ' ' || true)
  check "$ex: no layer holds build tools or cache-mount contents (/root/.npm, /root/.cache/go-build, go, npm)${found:+: $found}" test -z "$found"
  rm -rf "$WORK/save-$ex" "$WORK/save-$ex.tar"

  if wb "$WORK/$ex.dt1.log" test "$dir/service.wbuild" --variant test --engine docker --network host --tag "localhost/wbuild-e2e-$ex:test"; then
    ok "$ex: wbuildc test --engine docker passes, exit 0 (${LAST_SECS}s)"
  else
    bad "$ex: wbuildc test --engine docker exited non-zero"; tail -25 "$WORK/$ex.dt1.log"
  fi
  mkdir -p "$(dirname "$dir/$FAIL_FILE")"
  printf '%s' "$FAIL_TEXT" > "$dir/$FAIL_FILE"
  local rc=0
  wb "$WORK/$ex.dt2.log" test "$dir/service.wbuild" --variant test --engine docker --network host --tag "localhost/wbuild-e2e-$ex:test" || rc=$?
  if [ "$rc" != 0 ] && grep -q 'wbuildc: the test exited with status' "$WORK/$ex.dt2.log"; then
    ok "$ex: wbuildc test --engine docker with a failing test exits $rc"
  else
    bad "$ex: wbuildc test --engine docker with a failing test exited $rc"; tail -25 "$WORK/$ex.dt2.log"
  fi
}

# ---------------------------------------------------------------- fixtures
FIX=$WORK/fixture
cp -r "$HERE/fixtures/wbuild" "$FIX"
FIXTURE=$FIX/service.wbuild
BROKEN_LINE=$(grep -n 'exit 3' "$FIXTURE" | cut -d: -f1)
TWIN_LINE=$(grep -n 'test -f /tmp/twin-marker' "$FIXTURE" | tail -1 | cut -d: -f1)

failure_report() { # ENGINE
  local rc=0
  section "$1: a failing step is reported at its .wbuild line"
  wb "$WORK/broken-$1.log" build "$FIXTURE" --variant broken --engine "$1" --network host --tag "localhost/wbuild-e2e-broken:$1" || rc=$?
  check "$1: wbuildc build of a failing step exits 1 (got $rc)" test "$rc" = 1
  check "$1: it reports error[WB6001]" grep -q '^error\[WB6001\]' "$WORK/broken-$1.log"
  check "$1: ... pointing at service.wbuild:$BROKEN_LINE" grep -qE "┌─ .*service\.wbuild:$BROKEN_LINE:" "$WORK/broken-$1.log"
  rc=0
  wb "$WORK/twins-$1.log" build "$FIXTURE" --variant secondtwin --engine "$1" --network host --tag "localhost/wbuild-e2e-twins:$1" || rc=$?
  check "$1: the same step failing in the second of two stages exits 1 (got $rc)" test "$rc" = 1
  check "$1: ... and is reported in that stage, at service.wbuild:$TWIN_LINE" grep -qE "┌─ .*service\.wbuild:$TWIN_LINE:" "$WORK/twins-$1.log"
}

secret_check() { # ENGINE
  local e=$1 files=() out
  section "$e: build secret"
  if wb "$WORK/secret-$e.log" build "$FIXTURE" --variant secret --engine "$e" --network host \
       --secret "id=token,src=$SECRET" --build-arg "RUN_ID=$RUN_ID" --tag "localhost/wbuild-e2e-secret:$e"; then
    ok "$e: build with --secret id=token (${LAST_SECS}s)"
  else
    bad "$e: build with --secret failed"; tail -20 "$WORK/secret-$e.log"; return
  fi
  mkdir -p "$WORK/secret-$e"
  if [ "$e" = docker ]; then
    out=$(d run --rm "localhost/wbuild-e2e-secret:$e")
    d save "localhost/wbuild-e2e-secret:$e" -o "$WORK/secret-$e.tar"
    tar -C "$WORK/secret-$e" -xf "$WORK/secret-$e.tar"
  else
    local c; c=$(buildah from --pull-never "localhost/wbuild-e2e-secret:$e"); CTRS+=("$c")
    out=$(buildah run "$c" -- cat /srv/app/secret-status)
    buildah rm "$c" >/dev/null; CTRS=("${CTRS[@]/$c}")
    buildah push --quiet "localhost/wbuild-e2e-secret:$e" "oci:$WORK/secret-$e/oci:x" >/dev/null 2>&1
  fi
  check "$e: the step read the secret during this run ('$out')" test "$out" = "secret-was-readable run $RUN_ID"
  mapfile -t files < <(find "$WORK/secret-$e" -type f)
  local layers
  layers=$(find "$WORK/secret-$e" \( -name layer.tar -o -path '*/blobs/*' \) -type f | wc -l)
  check "$e: control: the scan sees this run's marker in the layers" text_in "run $RUN_ID" "${files[@]}"
  check "$e: the secret's bytes are in none of the ${#files[@]} files ($layers layer tarballs/blobs, configs, manifests)" \
    not secret_in "${files[@]}"
  rm -rf "$WORK/secret-$e" "$WORK/secret-$e.tar"
}

ignore_check() { # ENGINE
  local e=$1 files=() marker=IGNORED-$RUN_ID
  section "$e: generated ignore file"
  mkdir -p "$FIX/.git" "$FIX/.ssh" "$FIX/sub"
  echo "API_TOKEN=$marker-env" > "$FIX/.env"
  echo "$marker-envlocal" > "$FIX/.env.local"
  echo "$marker-git" > "$FIX/.git/config"
  echo "$marker-ssh" > "$FIX/.ssh/id_ed25519"
  echo "$marker-pem" > "$FIX/sub/server.key"
  echo "$marker-credentials" > "$FIX/sub/credentials.json"
  echo "$marker-org" > "$FIX/company-secret.yaml"
  # The repository's own .dockerignore tries to re-include what the policy forbids.
  printf '!credentials.json\n!**/credentials.json\n!company-secret.yaml\n' > "$FIX/.dockerignore"
  echo "visible-$RUN_ID" > "$FIX/visible.txt"
  # The organisation's policy adds a file of its own to the forbidden ones.
  sed -n '/^forbidden_files/,/^]/p' "$ROOT/stdlib/policy.toml" | sed 's/^]/  "company-secret.yaml",\n]/' > "$WORK/forbidden.toml"
  printf '[secrets]\n' | cat - "$WORK/forbidden.toml" > "$WORK/org-policy.toml"
  if wb "$WORK/context-$e.log" build "$FIXTURE" --variant context --engine "$e" --network host --policy "$WORK/org-policy.toml" --tag "localhost/wbuild-e2e-context:$e"; then
    ok "$e: build of a variant that copies the whole directory (${LAST_SECS}s)"
  else
    bad "$e: build of the context variant failed"; tail -20 "$WORK/context-$e.log"; return
  fi
  mkdir -p "$WORK/context-$e"
  if [ "$e" = docker ]; then
    d save "localhost/wbuild-e2e-context:$e" -o "$WORK/context-$e.tar"
    tar -C "$WORK/context-$e" -xf "$WORK/context-$e.tar"
  else
    buildah push --quiet "localhost/wbuild-e2e-context:$e" "oci:$WORK/context-$e/oci:x" >/dev/null 2>&1
  fi
  mapfile -t files < <(find "$WORK/context-$e" -type f)
  check "$e: control: visible.txt is in the image" text_in "visible-$RUN_ID" "${files[@]}"
  check "$e: .env, .env.local, .git, .ssh keys, *.key, credentials.json and the organisation's company-secret.yaml are not, whatever .dockerignore says (marker absent from every layer)" \
    not text_in "$marker" "${files[@]}"
  rm -rf "$WORK/context-$e" "$WORK/context-$e.tar" "$FIX/.dockerignore"
}

apt_side_check() { # ENGINE
  local e=$1 rc=0
  section "$e: APT sources planted on the side are not used"
  wb "$WORK/aptside-$e.log" test "$FIXTURE" --variant aptside --engine "$e" --network host --tag "localhost/wbuild-e2e-aptside:$e" || rc=$?
  check "$e: the apt step installed jq although a malformed sources file was planted in /etc/apt/sources.list.d (exit $rc)" test "$rc" = 0
  check "$e: control: the planted file is in the image and jq runs" grep -q '^jq-' "$WORK/aptside-$e.log"
  [ "$rc" = 0 ] || tail -20 "$WORK/aptside-$e.log"
}

platform_check() { # ENGINE
  local e=$1 arch
  section "$e: --platform"
  # The native platform, named: the engine must take the flag and record it. (A
  # foreign one needs a base image for it and binfmt emulation, which this
  # machine has neither of.)
  if wb "$WORK/platform-$e.log" build "$FIXTURE" --variant secret --engine "$e" --network host \
       --secret "id=token,src=$SECRET" --build-arg "RUN_ID=$RUN_ID" \
       --platform linux/amd64 --tag "localhost/wbuild-e2e-platform:$e"; then
    if [ "$e" = docker ]; then
      arch=$(d image inspect --format '{{.Os}}/{{.Architecture}}' "localhost/wbuild-e2e-platform:$e")
    else
      arch=$(buildah inspect --type image --format '{{.OCIv1.OS}}/{{.OCIv1.Architecture}}' "localhost/wbuild-e2e-platform:$e")
    fi
    check "$e: wbuildc build --platform linux/amd64 gives a linux/amd64 image (got $arch)" test "$arch" = linux/amd64
  else
    bad "$e: build with --platform linux/amd64 failed"; tail -20 "$WORK/platform-$e.log"
  fi
}

# ---------------------------------------------------------------- run
for ex in $EXAMPLES; do buildah_example "$ex"; done
for ex in $INIT_EXAMPLES; do init_example "$ex"; done
section "README: install and the first steps, as written (tests/e2e/quickstart.sh)"
mkdir -p "$WORK/quickstart"
while IFS= read -r line; do
  case "$line" in
    "ok   "*) ok "${line#ok   }" ;;
    "FAIL "*) bad "${line#FAIL }" ;;
    *) printf '     %s\n' "$line" ;;
  esac
done < <(bash "$HERE/quickstart.sh" "$WORK/quickstart" 2>&1)
failure_report buildah
secret_check buildah
ignore_check buildah
apt_side_check buildah
platform_check buildah
if [ "$DO_DOCKER" = 1 ]; then
  for ex in $DOCKER_EXAMPLES; do docker_example "$ex"; done
  failure_report docker
  secret_check docker
  ignore_check docker
  apt_side_check docker
  platform_check docker
fi

section "the wbuildc image (packaging/image/wbuildc.wbuild)"
image_rc=0
bg_wait wbuildc-image || image_rc=$?
while read -r status line; do
  case "$status" in ok) ok "$line" ;; FAIL) bad "$line" ;; note) note "$line" ;; esac
done < <(grep -E '^(ok|FAIL|note) ' "$WORK/wbuildc-image.log")
if [ "$image_rc" != 0 ]; then
  grep -vE '^(ok|FAIL|note) ' "$WORK/wbuildc-image.log" | tail -30
  bad "tests/e2e/wbuildc-image.sh exited $image_rc"
fi
record image wbuildc-image seconds "$(since "$IMAGE_T0")"
# docs/publishing.md against a real registry (registry.sh: TLS, basic auth).
section "publishing (tests/e2e/publish.sh)"
t=$(now)
"$HERE/registry.sh" status >/dev/null 2>&1 || STARTED_REGISTRY=1
# sub_suite NAME: runs tests/e2e/NAME.sh WBUILDC WORK/NAME, its checks counted
# as this suite's (prefixed `NAME:`), its log shown when it fails.
sub_suite() {
  local name=$1 rc=0 line log=$WORK/$1.log
  "$HERE/$name.sh" "$WBUILDC" "$WORK/$name" > "$log" 2>&1 || rc=$?
  while IFS= read -r line; do
    case "$line" in
      "ok   "*) ok "$name: ${line#ok   }" ;;
      "FAIL "*) bad "$name: ${line#FAIL }" ;;
    esac
  done < "$log"
  if [ "$rc" != 0 ]; then
    grep -vE '^(ok|FAIL) ' "$log" | tail -40
    grep -q '^FAIL ' "$log" || bad "$name.sh exited $rc (log above)"
  fi
}
sub_suite publish
record buildah publish seconds "$(since "$t")"

# docs/publishing.md, "Private data": a second registry for the private namespace.
section "private data (tests/e2e/private.sh)"
t=$(now)
sub_suite private
record buildah private seconds "$(since "$t")"

# docs/language.md, `copy` and "Who steps run as": owners on copies, a user for one step.
section "owners on copies and run ... with user (tests/e2e/ownership.sh)"
t=$(now)
sub_suite ownership
record buildah ownership seconds "$(since "$t")"

# docs/stdlib.md: the language presets' knobs (no_deps, Poetry, npm ci/install,
# dedupe, composer's production install), built from tests/e2e/fixtures/presets.
section "the language presets' knobs (tests/e2e/presets.sh)"
t=$(now)
sub_suite presets
record buildah presets seconds "$(since "$t")"

# docs/stdlib.md base.runtime (an owner and a runner) and docs/language.md `apt`
# (a target release, an inline armoured key, a proxy that is not left behind).
section "the owner and the runner, apt release, key and proxy (tests/e2e/users.sh)"
t=$(now)
sub_suite users
record buildah users seconds "$(since "$t")"

# docs/migrating-from-blubber.md: Blubber configs imported, built, compared with Blubber.
section "Blubber configs imported and built (tests/e2e/blubber.sh)"
t=$(now)
sub_suite blubber
record buildah blubber seconds "$(since "$t")"

# docs/language.md, "Excluding files" and "Mounts": files kept out of every layer.
section "copy ... with exclude and run ... with mounts (tests/e2e/steps.sh)"
t=$(now)
sub_suite steps
record buildah steps seconds "$(since "$t")"

# docs/publishing.md, "Publishing a plan": plan, run-matrix.sh, publish-plan.
section "publishing a plan (tests/e2e/plan-publish.sh)"
t=$(now)
sub_suite plan-publish
record buildah plan-publish seconds "$(since "$t")"

# docs/publishing.md "Verifying base images": builds under images.require_signed_base
# on a signed, an unsigned, a tampered and a wrongly signed base in the same registry.
section "signed base images (tests/e2e/signed-base.sh)"
t=$(now)
sub_suite signed-base
record buildah signed-base seconds "$(since "$t")"

# --cache-to / --cache-from through the same registry: the layers a first build
# pushes are what a build in an empty cache reuses instead of running the steps.
section "buildah: --cache-to and --cache-from through the registry"
if eval "$("$HERE/registry.sh" env 2>/dev/null)" && [ -n "${WBUILD_E2E_REGISTRY:-}" ]; then
  CX=$WORK/cachex; mkdir -p "$CX"
  printf 'import "base"\n\nimage "cachex" {}\n\nvariant production extends base.runtime() {\n  steps += {\n    run "echo cached-%s > /srv/marker"\n    copy "data.txt" to "./"\n  }\n  cmd = ["cat", "/srv/marker"]\n}\n' "$RUN_ID" > "$CX/service.wbuild"
  echo "data $RUN_ID" > "$CX/data.txt"
  printf '[images]\nallowed_registries = ["registry.example.org", "%s"]\n' "$WBUILD_E2E_REGISTRY" > "$WORK/cache-policy.toml"
  CACHE_REPO=$WBUILD_E2E_REGISTRY/cache/cachex-$RUN_ID
  CACHE_ARGS=(--policy "$WORK/cache-policy.toml" --cert-dir "$WBUILD_E2E_REGISTRY_CERT_DIR")
  export REGISTRY_AUTH_FILE=$WBUILD_E2E_REGISTRY_AUTH_FILE
  if wb "$WORK/cache-to.log" build "$CX/service.wbuild" --variant production "${CACHE_ARGS[@]}" \
       --cache-to "$CACHE_REPO" --tag localhost/wbuild-e2e-cachex:1; then
    pushed=$(grep -c '^--> Pushing cache ' "$WORK/cache-to.log")
    check "--cache-to pushed the layer of every step ($pushed)" test "$pushed" -ge 3
    buildah rmi localhost/wbuild-e2e-cachex:1 >/dev/null 2>&1; buildah rmi --prune >/dev/null 2>&1
    if wb "$WORK/cache-from.log" build "$CX/service.wbuild" --variant production "${CACHE_ARGS[@]}" \
         --cache-from "$CACHE_REPO" --tag localhost/wbuild-e2e-cachex:2; then
      pulled=$(grep -c '^--> Cache pulled from remote ' "$WORK/cache-from.log")
      # Steps other builds share may still be cached locally; this run's own step
      # (its marker is new) can only come from the registry.
      check "--cache-from with an empty local cache pulled layers from the registry ($pulled)" test "$pulled" -ge 1
      check "... and this run's own step was not run again but taken from the cache" \
        grep -q "cached-$RUN_ID" <(buildah_cached "$WORK/cache-from.log")
    else
      bad "build with --cache-from failed"; tail -20 "$WORK/cache-from.log"
    fi
  else
    bad "build with --cache-to failed"; tail -20 "$WORK/cache-to.log"
  fi
  unset REGISTRY_AUTH_FILE
else
  bad "the registry of registry.sh is not running for the cache checks"
fi

section "operations (docs/operations.md)"
if bg_wait ops; then
  ok "docs/operations.md ran: $(tail -1 "$WORK/ops.log") ($(since "$OPS_T0")s)"
  grep -E '^reproducible: ' "$WORK/ops.log" | sed 's/^/note /'
  grep -E '^(ok|FAIL|skip) +[a-z]' "$WORK/ops.log" | sed 's/^/note matrix: /'
  record ops walkthrough seconds "$(since "$OPS_T0")"
  buildx=$WBUILD_E2E_CACHE/buildx-0.13.1/docker-buildx
  if [ -x "$buildx" ]; then
    # The plan's bake file, read by buildx itself (Debian trixie's 0.13.1).
    check "buildx bake --print reads the plan's bake file with every target" bash -c '
      cd "$1" && "$2" bake --print -f plan/bake.json 2>/dev/null > plan/bake.printed.json &&
        python3 -c "import json,sys; a=json.load(open(\"plan/bake.json\")); b=json.load(open(\"plan/bake.printed.json\")); sys.exit(sorted(a[\"target\"]) != sorted(b[\"target\"]) or any(a[\"target\"][t][\"dockerfile\"] != b[\"target\"][t][\"dockerfile\"] for t in a[\"target\"]))"' _ "$WORK/ops/ws" "$buildx"
  else
    note "docker-buildx not available: bake --print not run"
  fi
  if [ "$DO_DOCKER" = 1 ]; then
    # The layout `wbuildc base build` wrote loads into Docker unchanged too.
    layout="$WORK/ops/ws/layouts/debian"
    ops_ref=registry.example.org/debian:bookworm
    check "docker: the base image's OCI layout loads with skopeo and runs" bash -c '
      skopeo copy --quiet --dest-daemon-host "$1" "oci:$2:$3" docker-daemon:localhost/wbuild-e2e-ops-debian:bookworm &&
        "$4" run --rm localhost/wbuild-e2e-ops-debian:bookworm cat /etc/debian_version | grep -q "^12\." &&
        "$4" rmi localhost/wbuild-e2e-ops-debian:bookworm > /dev/null' _ "$DOCKER_HOST" "$layout" "$ops_ref" "$WBUILD_E2E_DOCKER_CLIENT"
  fi
else
  tail -60 "$WORK/ops.log"
  bad "docs/operations.md: a step failed (log above)"
fi

section "examples on trixie (tests/e2e/suites.sh)"
suites_rc=0
bg_wait suites || suites_rc=$?
suites_failed=0
while IFS= read -r line; do
  case "$line" in
    "ok   "*) ok "trixie: ${line#ok   }" ;;
    "FAIL "*) bad "trixie: ${line#FAIL }"; suites_failed=1 ;;
  esac
done < "$WORK/suites.log"
record trixie examples seconds "$(since "$SUITES_T0")"
if [ "$suites_rc" != 0 ]; then
  tail -40 "$WORK/suites.log"
  [ "$suites_failed" = 1 ] || bad "trixie: suites.sh exited $suites_rc (log above)"
fi

section "results"
column -t -s $'\t' "$RESULTS" || cat "$RESULTS"
cp "$RESULTS" "$WBUILD_E2E_STATE/last-run.tsv"
summary
