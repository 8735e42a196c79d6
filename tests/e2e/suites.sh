#!/usr/bin/env bash
# Examples on another Debian suite than bookworm: the organisation's base image for
# that suite made like bookworm's (base-image.sh with WBUILD_E2E_SUITE, mmdebstrap,
# layout cached), then python-web and go-service with their one `let suite = ...`
# switched, built with buildah and run: each must answer HTTP, start from the suite's
# base image and carry the suite's runtime (stdlib/data/debian-runtimes.tsv).
#
#   tests/e2e/suites.sh WBUILDC WORK_DIR [SUITE]      (SUITE: default trixie)
#
# run.sh starts it beside the rest of the suite (mostly network and dpkg time) and
# collects it at the end. buildah uses a storage of its own (like
# ops-walkthrough.sh), so nothing here touches the suite's bookworm images.
# Prints `ok ...` / `FAIL ...` lines and ends with `suites: N passed, N failed`;
# exits 1 when a check failed.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
BIN=${1:?usage: suites.sh WBUILDC WORK_DIR [SUITE]}
WORK=${2:?usage: suites.sh WBUILDC WORK_DIR [SUITE]}
SUITE=${3:-trixie}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

SUITES_STATE=${WBUILD_E2E_SUITES_STATE:-${WBUILD_E2E_STATE}-suites}
mkdir -p "$SUITES_STATE" "$WORK"
CONTAINERS_STORAGE_CONF=$SUITES_STATE/storage-$WBUILD_E2E_STORAGE_DRIVER.conf
cat > "$CONTAINERS_STORAGE_CONF" <<CONF
# written by tests/e2e/suites.sh
[storage]
driver = "$WBUILD_E2E_STORAGE_DRIVER"
graphroot = "$SUITES_STATE/containers-$WBUILD_E2E_STORAGE_DRIVER"
runroot = "/run/wbuild-e2e-suites-containers-$(basename "$SUITES_STATE")-$WBUILD_E2E_STORAGE_DRIVER"
CONF
export CONTAINERS_STORAGE_CONF
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}

PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); printf 'ok   %s\n' "$*"; }
bad() { FAIL=$((FAIL + 1)); printf 'FAIL %s\n' "$*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
CTRS=() PIDS=()
cleanup() {
  local p c
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  for c in "${CTRS[@]}"; do buildah umount "$c" >/dev/null 2>&1; buildah rm "$c" >/dev/null 2>&1; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What the suite ships, from the table the compiler embeds (one owner of the facts).
shipped() { awk -F'\t' -v s="$SUITE" -v r="$1" '$1 == s && $2 == r { print $3 }' "$ROOT/stdlib/data/debian-runtimes.tsv"; }
PYTHON=$(shipped python) GO=$(shipped go)
[ -n "$PYTHON" ] && [ -n "$GO" ] || { bad "$SUITE: no python/go rows in stdlib/data/debian-runtimes.tsv"; exit 1; }
REF=registry.example.org/debian:$SUITE


t=$(date +%s)
if WBUILD_E2E_SUITE=$SUITE WBUILDC=$BIN "$HERE/base-image.sh" > "$WORK/base.log" 2>&1; then
  ok "base image $(tail -1 "$WORK/base.log") from stdlib/bases/debian-$SUITE.wbuild ($(( $(date +%s) - t ))s)"
else
  tail -30 "$WORK/base.log"; bad "base-image.sh failed for $SUITE"; exit 1
fi

suite_example() { # EXAMPLE
  local ex=$1 dir img ctr pid port body mnt
  dir=$WORK/$ex
  rm -rf "$dir"
  cp -r "$ROOT/examples/$ex" "$dir"
  # The example sets its suite once; switching that one line moves every stage.
  sed -i "s/^let suite = \"bookworm\"\$/let suite = \"$SUITE\"/" "$dir/service.wbuild"
  check "$ex: the copy sets let suite = \"$SUITE\"" grep -qx "let suite = \"$SUITE\"" "$dir/service.wbuild"
  "$BIN" compile "$dir/service.wbuild" --variant production > "$WORK/$ex.Dockerfile"
  check "$ex: every Debian stage starts FROM $REF" \
    bash -c '! grep "^FROM registry" "$1" | grep -vqx "FROM $2 AS [a-z_]*" && grep -q "^FROM $2 " "$1"' _ "$WORK/$ex.Dockerfile" "$REF"
  img=localhost/wbuild-e2e-$SUITE-$ex:production
  t=$(date +%s)
  if "$BIN" build "$dir/service.wbuild" --variant production --network host --tag "$img" > "$WORK/$ex.build.log" 2>&1; then
    ok "$ex: wbuildc build --variant production on $SUITE ($(( $(date +%s) - t ))s)"
  else
    tail -25 "$WORK/$ex.build.log"; bad "$ex: wbuildc build on $SUITE failed"; return
  fi
  mapfile -t argv < <(buildah inspect --type image --format '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}' "$img")
  port=$(free_port)
  ctr=$(buildah from --pull-never "$img"); CTRS+=("$ctr")
  buildah run --network host --env "PORT=$port" "$ctr" -- "${argv[@]}" > "$WORK/$ex.run.log" 2>&1 &
  pid=$!; PIDS+=("$pid")
  body=$(wait_http "http://127.0.0.1:$port/" || true)
  check "$ex: GET / answers 'hello from $ex' on $SUITE" test "$body" = "hello from $ex"
  body=$(wait_http "http://127.0.0.1:$port/healthz" || true)
  check "$ex: GET /healthz answers ok" test "$body" = ok
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  case "$ex" in
    python-web)
      local version
      version=$(buildah run "$ctr" -- python3 --version 2>&1 || true)
      check "$ex: python3 --version in the image is $SUITE's Python $PYTHON ($version)" \
        bash -c '[[ "$1" == "Python $2."* ]]' _ "$version" "$PYTHON"
      local debian
      debian=$(buildah run "$ctr" -- cat /etc/os-release 2>/dev/null | sed -n 's/^VERSION_CODENAME=//p')
      check "$ex: the image's /etc/os-release says $SUITE ($debian)" test "$debian" = "$SUITE"
      ;;
    go-service)
      # scratch: no shell to ask; the Go runtime writes its version into every binary.
      local built
      mnt=$(buildah mount "$ctr")
      built=$(grep -a -o -m1 -E 'go1\.[0-9]+(\.[0-9]+)?' "$mnt/srv/app/app" | head -1 || true)
      buildah umount "$ctr" >/dev/null
      check "$ex: the binary was built by $SUITE's Go $GO ($built)" \
        bash -c '[[ "$1" == "go$2" || "$1" == "go$2."* ]]' _ "$built" "$GO"
      ;;
  esac
  buildah rm "$ctr" >/dev/null; CTRS=("${CTRS[@]/$ctr}")
}

for ex in ${WBUILD_E2E_SUITE_EXAMPLES:-python-web go-service}; do suite_example "$ex"; done
echo "suites: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
