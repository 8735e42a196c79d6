#!/usr/bin/env bash
# Runs docs/operations.md: every ```sh block, in order, in an empty directory,
# with wbuildc on PATH and WBUILD_SRC set to this checkout, under
# `set -euo pipefail`; buildah uses a storage of its own (see below).
#
#   tests/e2e/ops-walkthrough.sh WBUILDC_BINARY WORK_DIR
#
# The guide is the test: a step that stops working fails here.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
# A buildah storage of its own: the guide tags `registry.example.org/debian:bookworm`
# with the image it builds, which must not replace the suite's base image (and it
# may run while the rest of the suite builds).
OPS_STATE=${WBUILD_E2E_OPS_STATE:-${WBUILD_E2E_STATE}-ops}
mkdir -p "$OPS_STATE"
CONTAINERS_STORAGE_CONF=$OPS_STATE/storage-$WBUILD_E2E_STORAGE_DRIVER.conf
cat > "$CONTAINERS_STORAGE_CONF" <<CONF
# written by tests/e2e/ops-walkthrough.sh
[storage]
driver = "$WBUILD_E2E_STORAGE_DRIVER"
graphroot = "$OPS_STATE/containers-$WBUILD_E2E_STORAGE_DRIVER"
runroot = "/run/wbuild-e2e-ops-containers-$WBUILD_E2E_STORAGE_DRIVER"
CONF
export CONTAINERS_STORAGE_CONF
BIN=${1:?usage: ops-walkthrough.sh WBUILDC WORK_DIR}
WORK=${2:?usage: ops-walkthrough.sh WBUILDC WORK_DIR}
mkdir -p "$WORK/bin" "$WORK/ws"
ln -sf "$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")" "$WORK/bin/wbuildc"
script=$WORK/walkthrough.sh
{
  echo 'set -euo pipefail'
  echo 'set -x'
  awk '/^```sh$/ { on = 1; print "# --- block " ++n; next } /^```/ { on = 0 } on { print }' "$ROOT/docs/operations.md"
} > "$script"
blocks=$(grep -c '^# --- block' "$script")
[ "$blocks" -ge 8 ] || { echo "docs/operations.md has only $blocks sh blocks" >&2; exit 1; }
cd "$WORK/ws"
git init -q .
PATH="$WORK/bin:$PATH" WBUILD_SRC="$ROOT" bash "$script"
echo "ops-walkthrough: $blocks blocks ran"
