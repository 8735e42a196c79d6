#!/usr/bin/env bash
# Private data kept private (docs/publishing.md, "Private data"), against real
# registries: the public one of registry.sh and a second instance for the private
# namespace, with credentials of its own. A variant marked `private = true` is
# built with buildah and published; it lands only in the private namespace,
# which is readable only with its credentials; every way of getting it into the
# public namespace is refused, by the compiler or by `wbuildc publish`.
#
#   tests/e2e/private.sh WBUILDC WORK_DIR
#
# Needs the suite's base image (base-image.sh) in the storage of lib.sh and the
# public registry (registry.sh start). Starts and stops the private instance.
# Prints one line per check and ends with `private: N passed, N failed`.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
WBUILDC=${1:?usage: private.sh WBUILDC WORK_DIR}
WORK=${2:?usage: private.sh WBUILDC WORK_DIR}
WBUILDC=$(cd "$(dirname "$WBUILDC")" && pwd)/$(basename "$WBUILDC")

sub_suite_checks private
private_registry() { WBUILD_E2E_REGISTRY_INSTANCE=private "$HERE/registry.sh" "$@"; }
trap 'private_registry stop > /dev/null 2>&1 || true' EXIT

"$HERE/registry.sh" start > /dev/null || die "registry.sh start failed"
eval "$("$HERE/registry.sh" env)"
PUB=$WBUILD_E2E_REGISTRY PUB_CERTS=$WBUILD_E2E_REGISTRY_CERT_DIR PUB_AUTH=$WBUILD_E2E_REGISTRY_AUTH_FILE
private_registry start > /dev/null || die "the private registry did not start"
eval "$(private_registry env)"
PRIV=$WBUILD_E2E_REGISTRY PRIV_CERTS=$WBUILD_E2E_REGISTRY_CERT_DIR PRIV_AUTH=$WBUILD_E2E_REGISTRY_AUTH_FILE
check "a second registry answers at https://$PRIV, with its own CA and password" \
  bash -c '[ "$1" != "$2" ] && ! cmp -s "$3/ca.crt" "$4/ca.crt"' _ "$PUB" "$PRIV" "$PUB_CERTS" "$PRIV_CERTS"

mkdir -p "$WORK/repo" "$WORK/certs"
# One certificate directory per host, as /etc/containers/certs.d is laid out.
cp -r "$PUB_CERTS" "$PRIV_CERTS" "$WORK/certs/"
CERTS=$WORK/certs/$PUB PCERTS=$WORK/certs/$PRIV
# CI holds both credentials; the auth file has one entry per host.
jq -s '{auths: (.[0].auths + .[1].auths)}' "$PUB_AUTH" "$PRIV_AUTH" > "$WORK/ci-auth.json"
export REGISTRY_AUTH_FILE=$WORK/ci-auth.json SOURCE_DATE_EPOCH=1700000000
unset WBUILD_CONFIG
NAME=wbuild-private-$(date +%s)-$$
NS=$PRIV/private
cat > "$WORK/policy.toml" <<EOF
[images]
allowed_registries = ["$PUB", "$PRIV", "registry.example.org"]
release_variants = ["production"]

[publishing]
private_repository = "$NS"
EOF
sed '/^private_repository/d' "$WORK/policy.toml" > "$WORK/no-namespace.toml"
cd "$WORK/repo"
cat > service.wbuild <<EOF
# Published by tests/e2e/private.sh.
import "base"

image "$NAME" {
  version = "1.0.0"
}

variant production extends base.runtime() {
  steps += {
    copy "hello.txt" to "./hello.txt"
  }
  cmd = ["cat", "/srv/app/hello.txt"]
}

# The same service with a security patch that is not public yet.
variant patched extends production {
  private = true
  steps += {
    copy "embargoed.patch" to "./embargoed.patch"
  }
}
EOF
# A public variant that would carry the patch out in three ways.
cat > leak.wbuild <<EOF
import "base"

image "$NAME-leak" {}

variant patched extends base.runtime() {
  private = true
  steps += {
    copy "embargoed.patch" to "./embargoed.patch"
  }
  cmd = ["cat", "/srv/app/embargoed.patch"]
}

variant on_it {
  base = patched
}

variant copies extends base.runtime() {
  steps += {
    copy from patched "/srv/app/embargoed.patch" to "./"
  }
  cmd = ["cat", "/srv/app/embargoed.patch"]
}

variant from_namespace {
  base = "$NS/$NAME:1.0.0-patched"
  cmd = ["cat", "/srv/app/embargoed.patch"]
}
EOF
echo hello > hello.txt
echo "CVE-embargoed fix" > embargoed.patch
git init -q . && git add -A && git -c user.name=ci -c user.email=ci@example.org commit -qm "private test"
git tag v1.0.0
w() { "$WBUILDC" "$@" --policy "$WORK/policy.toml"; }
digest() { skopeo inspect --raw "$@" | sha256sum | sed 's/^/sha256:/; s/ .*//'; }

# The compiler: a public variant never takes a private variant's layers or files,
# nor an image from the private namespace (WB5016, one per way).
w check leak.wbuild > "$WORK/leak.out" 2>&1 && rc=0 || rc=$?
check "check: a public variant on, copying from, or FROM private data is an error (exit 1, WB5016 three times)" \
  bash -c '[ "$1" = 1 ] && [ "$(grep -c "^error\[WB5016\]" "$2")" = 3 ]' _ "$rc" "$WORK/leak.out"

for v in production patched; do
  w build service.wbuild --variant "$v" --network host > "$WORK/build-$v.log" 2>&1 ||
    { tail -20 "$WORK/build-$v.log"; die "wbuildc build --variant $v failed"; }
done
ok "built localhost/$NAME:production and localhost/$NAME:patched"
check "the private image carries dev.wbuild.private=true, the public one no such label" \
  test "$(buildah inspect --type image --format '{{index .OCIv1.Config.Labels "dev.wbuild.private"}}' "localhost/$NAME:patched")/$(buildah inspect --type image --format '{{index .OCIv1.Config.Labels "dev.wbuild.private"}}' "localhost/$NAME:production")" = "true/"

w tags service.wbuild --variant patched --cert-dir "$PCERTS" > "$WORK/tags" 2> "$WORK/err" || { cat "$WORK/err"; die "wbuildc tags failed"; }
check "tags: the private variant's tags are below $NS only" \
  diff -u <(printf 'release 1.0.0 (git tag v1.0.0)\nprivate  (below %s, never under public tags)\nimmutable %s\nfloating  %s\n' "$NS" "$NS/$NAME:1.0.0-patched-20231114-1" "$NS/$NAME:1.0.0-patched") "$WORK/tags"

w publish service.wbuild --variant patched --cert-dir "$PCERTS" --format json > "$WORK/patched.json" 2> "$WORK/err" ||
  { cat "$WORK/err"; die "publishing the private variant failed"; }
D=$(jq -r .digest "$WORK/patched.json")
check "publish: the private variant is pushed below $NS only (report: private, every reference there)" \
  test "$(jq -r '[.private, .repository, (.pushed[] | .reference)] | map(tostring) | join(" ")' "$WORK/patched.json")" = \
  "true $NS/$NAME $NS/$NAME:1.0.0-patched-20231114-1 $NS/$NAME:1.0.0-patched"
schema_ok() { "${WBUILD_PYENV:-$ROOT/.venv}/bin/check-jsonschema" --schemafile "$ROOT/docs/schemas/publish.schema.json" "$1" > /dev/null; }
check "the report matches docs/schemas/publish.schema.json" schema_ok "$WORK/patched.json"
check "with the private namespace's credentials skopeo reads it back (same digest)" \
  test "$(digest --cert-dir "$PCERTS" "docker://$NS/$NAME:1.0.0-patched")" = "$D"
check "with the public registry's credentials only, the private image cannot be read" \
  bash -c '! REGISTRY_AUTH_FILE=$1 skopeo inspect --raw --cert-dir "$2" "docker://$3" > /dev/null 2> "$4" && grep -qi "unauthorized\|authentication required" "$4"' \
  _ "$PUB_AUTH" "$PCERTS" "$NS/$NAME:1.0.0-patched" "$WORK/err"
echo '{}' > "$WORK/no-auth.json"
check "... nor without credentials" \
  bash -c '! REGISTRY_AUTH_FILE=$1 skopeo inspect --raw --cert-dir "$2" "docker://$3" > /dev/null 2> "$4" && grep -qi "unauthorized\|authentication required" "$4"' \
  _ "$WORK/no-auth.json" "$PCERTS" "$NS/$NAME:1.0.0-patched" "$WORK/err"
# What the public registry says about a repository it does not have.
not_in_public() {
  ! skopeo list-tags --cert-dir "$CERTS" "docker://$PUB/$NAME" > /dev/null 2> "$WORK/list.err" &&
    grep -q "registry 404 (Not Found)" "$WORK/list.err"
}
check "the public registry has no repository of that name" not_in_public

# publish checks again, against the image itself: the private image under the
# public variant's name (its public tags) is refused, and nothing is pushed.
w publish service.wbuild --variant production --cert-dir "$CERTS" --from "containers-storage:localhost/$NAME:patched" > "$WORK/out" 2> "$WORK/err" && rc=0 || rc=$?
check "publishing the private image as the public variant is refused (exit 1, it holds private data)" \
  bash -c '[ "$1" = 1 ] && grep -q "holds private data (label dev.wbuild.private=true)" "$2"' _ "$rc" "$WORK/err"
check "... and pushed nothing to the public registry" not_in_public
# Without a private namespace in the policy, a private variant has nowhere to go.
"$WBUILDC" publish service.wbuild --variant patched --policy "$WORK/no-namespace.toml" --cert-dir "$CERTS" > "$WORK/out" 2> "$WORK/err" && rc=0 || rc=$?
check "with no publishing.private_repository a private variant is refused (exit 1), never sent to the public one" \
  bash -c '[ "$1" = 1 ] && grep -q "names no private" "$2"' _ "$rc" "$WORK/err"
# A repository cannot move the namespace (its policy file may only tighten).
printf '[publishing]\nprivate_repository = "%s/public"\n' "$PUB" > wbuild-policy.toml
w check service.wbuild > "$WORK/out" 2>&1 && rc=0 || rc=$?
check "a repository's wbuild-policy.toml moving the private namespace is refused (exit 1, WB5011)" \
  bash -c '[ "$1" = 1 ] && grep -q "WB5011.*publishing.private_repository" "$2"' _ "$rc" "$WORK/out"
rm wbuild-policy.toml

# The public variant publishes to the public registry as before.
w publish service.wbuild --variant production --cert-dir "$CERTS" --format json > "$WORK/production.json" 2> "$WORK/err" ||
  { cat "$WORK/err"; die "publishing the public variant failed"; }
check "the public variant is published to $PUB (private: false)" \
  test "$(jq -r '[.private, .repository] | map(tostring) | join(" ")' "$WORK/production.json")" = "false $PUB/$NAME"

buildah rmi "localhost/$NAME:production" "localhost/$NAME:patched" > /dev/null 2>&1 || true
finish
