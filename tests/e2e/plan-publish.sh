#!/usr/bin/env bash
# Publishing a plan's targets (docs/publishing.md, "Publishing a plan"), against
# the registry of registry.sh: a workspace of two images, one built on the other,
# is planned (`wbuildc plan`), built by the reference executor
# (scripts/run-matrix.sh, buildah), and released with `wbuildc publish-plan` from
# a git tag; then read back with skopeo.
#
#   tests/e2e/plan-publish.sh WBUILDC WORK_DIR
#
# Needs the suite's base image (base-image.sh) in the storage of lib.sh. Prints
# one line per check and ends with `plan-publish: N passed, N failed`.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
WBUILDC=${1:?usage: plan-publish.sh WBUILDC WORK_DIR}
WORK=${2:?usage: plan-publish.sh WBUILDC WORK_DIR}
WBUILDC=$(cd "$(dirname "$WBUILDC")" && pwd)/$(basename "$WBUILDC")

sub_suite_checks plan-publish

"$HERE/registry.sh" start > /dev/null || die "registry.sh start failed"
eval "$("$HERE/registry.sh" env)"
REG=$WBUILD_E2E_REGISTRY CERTS=$WBUILD_E2E_REGISTRY_CERT_DIR
export REGISTRY_AUTH_FILE=$WBUILD_E2E_REGISTRY_AUTH_FILE
unset WBUILD_CONFIG SOURCE_DATE_EPOCH
# Names of their own per run: earlier runs' tags in the same registry do not count.
RUN=$(date +%s)-$$
TOOLS=wbuild-plan-tools-$RUN APP=wbuild-plan-app-$RUN
mkdir -p "$WORK/ws/images" "$WORK/ws/services/app"
cat > "$WORK/policy.toml" <<EOF
[images]
allowed_registries = ["$REG", "registry.example.org"]
release_variants = ["production"]
EOF
cd "$WORK/ws"
cat > images/tools.wbuild <<EOF
# An image other images build on.
import "base"

image "$TOOLS" {
  version = "1.0.0"
}

variant production extends base.runtime() {
  steps += {
    copy "tool.txt" to "/opt/tool.txt"
  }
  cmd = ["cat", "/opt/tool.txt"]
}
EOF
echo "tool 1" > images/tool.txt
cat > services/app/service.wbuild <<EOF
# A service built on the tools image of the same workspace.
image "$APP" {
  version = "1.0.0"
}

variant production {
  base = "$REG/$TOOLS:1.0.0"
  steps = {
    copy "app.txt" to "/srv/app/app.txt"
  }
  user = user("somebody", 65533)
  cmd = ["cat", "/srv/app/app.txt"]
}
EOF
echo "app 1" > services/app/app.txt
git init -q . && git add -A && git -c user.name=ci -c user.email=ci@example.org commit -qm "plan publish test"
git tag v1.0.0
w() { "$WBUILDC" "$@" --policy "$WORK/policy.toml"; }
digest() { skopeo inspect --raw --cert-dir "$CERTS" "docker://$1" | sha256sum | sed 's/^/sha256:/; s/ .*//'; }

# The plan goes beside the repository: a release is published from a clean tree.
w plan --out "$WORK/plan" --source-date-epoch 1700000000 > "$WORK/plan.log" 2>&1 || { cat "$WORK/plan.log"; die "wbuildc plan failed"; }
check "plan: the tools image first, the service on it next" \
  test "$(jq -r '[.levels[][] | .id] | join(" ")' "$WORK/plan/matrix.json")" = "images-tools-production services-app-service-production"
PATH=$(dirname "$WBUILDC"):$PATH bash "$ROOT/scripts/run-matrix.sh" "$WORK/plan" > "$WORK/matrix.log" 2>&1 ||
  { cat "$WORK/matrix.log"; tail -20 "$WORK"/plan/*.log; die "run-matrix.sh failed"; }
ok "run-matrix.sh built both images with buildah"
HEAD=$(git rev-parse HEAD)
label() { buildah inspect --type image --format "{{index .OCIv1.Config.Labels \"$2\"}}" "$1"; }
check "the farm's image carries the revision label wbuildc build would give it (HEAD)" \
  test "$(label "$REG/$APP:1.0.0" org.opencontainers.image.revision)" = "$HEAD"
check "... and the version of the wbuildc that planned it" \
  test "$(label "$REG/$APP:1.0.0" dev.wbuild.wbuildc.version)" = "$("$WBUILDC" --version | awk '{print $2}')"

w publish-plan "$WORK/plan" --cert-dir "$CERTS" --format json > "$WORK/published.json" 2> "$WORK/err" ||
  { cat "$WORK/err"; jq . "$WORK/published.json"; die "publish-plan failed"; }
check "publish-plan releases both, in the matrix's order" \
  test "$(jq -r '[.targets[] | .id + "=" + .status + ":" + .report.kind] | join(" ")' "$WORK/published.json")" = \
  "images-tools-production=published:release services-app-service-production=published:release"
schema_ok() { "${WBUILD_PYENV:-$ROOT/.venv}/bin/check-jsonschema" --schemafile "$ROOT/docs/schemas/publish.schema.json" "$1" > /dev/null; }
check "the report matches docs/schemas/publish.schema.json" schema_ok "$WORK/published.json"
for name in "$TOOLS" "$APP"; do
  want=$(jq -r --arg r "$REG/$name" '.targets[] | select(.report.repository == $r) | .report.digest' "$WORK/published.json")
  served() { [ -n "$2" ] && [ "$(digest "$1:1.0.0")" = "$2" ] && [ "$(digest "$1:1.0.0-20231114-1")" = "$2" ]; }
  check "skopeo reads $REG/$name:1.0.0 and :1.0.0-20231114-1 back with the reported digest" served "$REG/$name" "$want"
done

# Again with --number 1: the tools' immutable tag exists, so it fails, and the
# service built on it is skipped, never published on an unpublished parent.
w publish-plan "$WORK/plan" --cert-dir "$CERTS" --number 1 --format json > "$WORK/again.json" 2> "$WORK/err" && rc=0 || rc=$?
check "publish-plan --number 1 again: exit 1, tools failed (exists), the service skipped (needs it)" \
  bash -c '[ "$1" = 1 ] && [ "$(jq -r "[.targets[] | .status] | join(\" \")" "$2")" = "failed skipped" ] && jq -e ".targets[0].errors[0].message | test(\"already exists\")" "$2" > /dev/null && jq -e ".targets[1].reason | test(\"needs images-tools-production\")" "$2" > /dev/null' _ "$rc" "$WORK/again.json"
check "... and that report matches the schema too" schema_ok "$WORK/again.json"

buildah rmi "$REG/$APP:1.0.0" "$REG/$TOOLS:1.0.0" > /dev/null 2>&1 || true
finish
