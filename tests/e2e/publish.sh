#!/usr/bin/env bash
# Publishing against a real registry (docs/publishing.md): a small image is built
# with buildah, published with `wbuildc publish` to the registry of registry.sh
# (TLS with a throwaway CA, basic auth), and read back with skopeo, in a temporary
# git repository with a release tag.
#
#   tests/e2e/publish.sh WBUILDC WORK_DIR
#
# Needs the suite's base image (base-image.sh) in the storage of lib.sh. Prints one
# line per check and ends with `publish: N passed, N failed`; exits 1 on a failure.
# Leaves the registry running (registry.sh stop ends it); its repository for this
# run is unique, so runs never see each other's tags.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
WBUILDC=${1:?usage: publish.sh WBUILDC WORK_DIR}
WORK=${2:?usage: publish.sh WBUILDC WORK_DIR}
WBUILDC=$(cd "$(dirname "$WBUILDC")" && pwd)/$(basename "$WBUILDC")

sub_suite_checks publish

"$HERE/registry.sh" start > /dev/null || die "registry.sh start failed"
eval "$("$HERE/registry.sh" env)"
REG=$WBUILD_E2E_REGISTRY
CERTS=$WBUILD_E2E_REGISTRY_CERT_DIR
GOOD_AUTH=$WBUILD_E2E_REGISTRY_AUTH_FILE
ok "registry answers at https://$REG with TLS and basic auth"

mkdir -p "$WORK/repo"
cd "$WORK/repo"
# One image name per run: tags of earlier runs in the same registry do not count.
NAME=wbuild-publish-$(date +%s)-$$
REPO=$REG/$NAME
cat > "$WORK/policy.toml" <<EOF
[images]
allowed_registries = ["$REG", "registry.example.org"]
release_variants = ["production"]

[publishing]
require_ci_env = ["WBUILD_E2E_CI"]
require_signature = true
EOF
# The organisation's signing key (GPG, no passphrase: a test key), the registries.d
# that says where signatures are written and read (a lookaside directory), and a
# consumer's policy.json that requires the signature for this repository.
export GNUPGHOME=$WORK/gnupg
mkdir -p "$GNUPGHOME" "$WORK/registries.d" "$WORK/signatures" && chmod 700 "$GNUPGHOME"
gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
  --quick-gen-key "wbuild e2e signing <ci@example.org>" ed25519 sign 1d 2> /dev/null
FPR=$(gpg --list-keys --with-colons 2> /dev/null | awk -F: '/^fpr/ { print $10; exit }')
gpg --export "$FPR" > "$WORK/signing.pub.gpg"
cat > "$WORK/registries.d/e2e.yaml" <<EOF
docker:
  $REG:
    lookaside: file://$WORK/signatures
    lookaside-staging: file://$WORK/signatures
EOF
cat > "$WORK/consumer-policy.json" <<EOF
{"default": [{"type": "insecureAcceptAnything"}],
 "transports": {"docker": {"$REPO": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "$WORK/signing.pub.gpg"}]}}}
EOF
SIGN=(--sign-by "$FPR" --registries-d "$WORK/registries.d")
# A consumer pulls under that policy (as podman/skopeo would), with signatures read
# from the lookaside directory; exit 0 only for an accepted signature.
pull_verified() {
  skopeo --policy "$WORK/consumer-policy.json" copy --quiet --remove-signatures --src-cert-dir "$CERTS" \
    --registries.d "$WORK/registries.d" "docker://$1" "oci:$WORK/pulled:x" 2> "$WORK/pull.err"
}
unset WBUILD_CONFIG WBUILD_E2E_CI
export SOURCE_DATE_EPOCH=1700000000 REGISTRY_AUTH_FILE=$GOOD_AUTH
digest() { skopeo inspect --raw --cert-dir "$CERTS" "docker://$1" | sha256sum | sed 's/^/sha256:/; s/ .*//'; }
# The base image, in the registry (as the organisation's would be), pinned by its
# digest: the build records it as org.opencontainers.image.base.{name,digest}.
BASE_REF=$REG/$NAME-base:bookworm
skopeo copy --quiet --dest-cert-dir "$CERTS" "containers-storage:$WBUILD_E2E_BASE_IMAGE" "docker://$BASE_REF" ||
  die "cannot push the base image to the registry"
BASE_DIGEST=$(digest "$BASE_REF")
cat > service.wbuild <<EOF
# Published by tests/e2e/publish.sh.
import "base"

image "$NAME" {
  version = "1.0.0"
}

variant production extends base.runtime(from_image = "$BASE_REF@$BASE_DIGEST") {
  steps += {
    copy "hello.txt" to "./hello.txt"
    copy "requirements.txt" to "./requirements.txt"
  }
  cmd = ["cat", "/srv/app/hello.txt"]
}
EOF
echo hello > hello.txt
printf 'Flask==3.0.0\nidna>=3\n' > requirements.txt   # a lock file the SBOM lists (pinned lines only)
git init -q . && git add -A && git -c user.name=ci -c user.email=ci@example.org commit -qm "publish test"
git tag v1.0.0

DAY=20231114
w() { "$WBUILDC" "$@" --policy "$WORK/policy.toml"; }
sk() { skopeo "$@"; }
export CERTS WORK; export -f digest pull_verified   # for the `bash -c` checks
# The image tags (each image's SBOM tag, sha256-HEX.sbom, aside: sbom_tags lists those).
tag_list() { skopeo list-tags --cert-dir "$CERTS" "docker://$REPO" | jq -r '.Tags[] | select(endswith(".sbom") | not)' | sort | tr '\n' ' '; }
sbom_tags() { skopeo list-tags --cert-dir "$CERTS" "docker://$REPO" | jq -r '.Tags[] | select(endswith(".sbom"))' | sort | tr '\n' ' '; }
build() { w build service.wbuild --variant production --network host --cert-dir "$CERTS" > "$WORK/build.log" 2>&1; }

build || { tail -20 "$WORK/build.log"; die "wbuildc build failed"; }
ok "built localhost/$NAME:production"

# Only CI publishes: the policy names the marker, and it is not set.
if w publish service.wbuild "${SIGN[@]}" --variant production --cert-dir "$CERTS" > "$WORK/out" 2> "$WORK/err"; then
  bad "publish without the CI marker succeeded"
else
  check "publish outside CI is refused (exit 1, names publishing.require_ci_env)" \
    grep -q "publishes only from CI, and WBUILD_E2E_CI is not set (publishing.require_ci_env" "$WORK/err"
fi
export WBUILD_E2E_CI=true

# No credentials: a clear error, nothing pushed.
echo '{}' > "$WORK/empty-auth.json"
REGISTRY_AUTH_FILE=$WORK/empty-auth.json w publish service.wbuild "${SIGN[@]}" --variant production --cert-dir "$CERTS" > "$WORK/out" 2> "$WORK/err" && rc=0 || rc=$?
check "publish without credentials exits 1" test "$rc" = 1
check "... saying the registry refused the credentials and where they come from" \
  bash -c 'grep -q "the registry refused the credentials" "$1" && grep -q "REGISTRY_AUTH_FILE=$2" "$1"' _ "$WORK/err" "$WORK/empty-auth.json"
# Without the test CA the host's trust store does not know the registry.
w publish service.wbuild "${SIGN[@]}" --variant production > "$WORK/out" 2> "$WORK/err" && rc=0 || rc=$?
check "publish without --cert-dir fails on TLS (the host does not trust the test CA)" \
  bash -c '[ "$1" = 2 ] && grep -q "certificate" "$2"' _ "$rc" "$WORK/err"

# tags: what a release from v1.0.0 gets.
w tags service.wbuild --variant production --cert-dir "$CERTS" > "$WORK/tags" 2> "$WORK/err" || { cat "$WORK/err"; die "wbuildc tags failed"; }
check "tags: a release of 1.0.0 (git tag v1.0.0), $REPO:1.0.0-$DAY-1 and floating 1.0.0" \
  diff -u <(printf 'release 1.0.0 (git tag v1.0.0)\nimmutable %s\nfloating  %s\n' "$REPO:1.0.0-$DAY-1" "$REPO:1.0.0") "$WORK/tags"

# The policy requires signing: without a key nothing is pushed.
w publish service.wbuild --variant production --cert-dir "$CERTS" > "$WORK/out" 2> "$WORK/err" && rc=0 || rc=$?
check "publish without --sign-by is refused when the policy requires signatures (exit 1)" \
  bash -c '[ "$1" = 1 ] && grep -q "publishing.require_signature" "$2"' _ "$rc" "$WORK/err"

# The first release publish.
w publish service.wbuild "${SIGN[@]}" --variant production --cert-dir "$CERTS" --format json > "$WORK/first.json" 2> "$WORK/err" ||
  { cat "$WORK/err"; die "first publish failed"; }
D1=$(jq -r .digest "$WORK/first.json")
check "publish --format json records both references with the pushed digest" \
  test "$(jq -r '[.kind, (.pushed[] | .reference + "@" + .digest + " " + (.immutable|tostring))] | join(",")' "$WORK/first.json")" = \
  "release,$REPO:1.0.0-$DAY-1@$D1 true,$REPO:1.0.0@$D1 false"
SCHEMA_CHECK=${WBUILD_PYENV:-$ROOT/.venv}/bin/check-jsonschema
check "the report matches docs/schemas/publish.schema.json (check-jsonschema; scripts/setup-test-env.sh installs it)" \
  "$SCHEMA_CHECK" --schemafile "$ROOT/docs/schemas/publish.schema.json" "$WORK/first.json"
check "skopeo reads $REPO:1.0.0-$DAY-1 back with that digest" test "$(digest "$REPO:1.0.0-$DAY-1")" = "$D1"
check "the floating $REPO:1.0.0 has it too" test "$(digest "$REPO:1.0.0")" = "$D1"
# publish pushes an OCI manifest (which carries the annotations), so the config is the
# local Docker-format config converted: the same layers and run-time settings.
same_image() {
  # (an empty list and a missing one are the same to an engine: the conversion
  # writes `"Entrypoint": null` for buildah's `[]`)
  local want='{layers: .rootfs.diff_ids, config: (.config | {User, Entrypoint: (.Entrypoint // []), Cmd: (.Cmd // []), Env: (.Env // []), Labels: (.Labels // {}), WorkingDir, ExposedPorts: (.ExposedPorts // {})})}'
  skopeo inspect --config --raw --cert-dir "$CERTS" "docker://$1" | jq -S "$want" > "$WORK/config.pushed"
  skopeo inspect --config --raw "containers-storage:$2" | jq -S "$want" > "$WORK/config.local"
  diff -u "$WORK/config.local" "$WORK/config.pushed"
}
check "the registry's image is the local one (the same layers, user, entrypoint, cmd, env and labels)" \
  same_image "$REPO:1.0.0" "localhost/$NAME:production"
check "the image's version label is 1.0.0" \
  test "$(skopeo inspect --cert-dir "$CERTS" "docker://$REPO:1.0.0" | jq -r '.Labels["org.opencontainers.image.version"]')" = 1.0.0
check "the registry lists exactly the two tags" test "$(tag_list)" = "1.0.0 1.0.0-$DAY-1 "
check "the report says it was signed by the organisation's key" test "$(jq -r .signed_by "$WORK/first.json")" = "$FPR"
check "skopeo under a policy requiring the signature accepts $REPO:1.0.0-$DAY-1" pull_verified "$REPO:1.0.0-$DAY-1"
check "... and the floating $REPO:1.0.0 (signed for its own name)" pull_verified "$REPO:1.0.0"
# Provenance: the base image's annotations, and the SBOM beside the image.
inspected=$(skopeo inspect --cert-dir "$CERTS" "docker://$REPO:1.0.0")
# buildah builds in Docker's format (it ignores SHELL in OCI's), whose manifest has no
# annotations: the image's labels carry them, and publish pushes an OCI manifest that
# carries them as annotations as well.
PROVENANCE='[."org.opencontainers.image.base.name", ."org.opencontainers.image.base.digest", ."org.opencontainers.image.revision", ."org.opencontainers.image.created", ."org.opencontainers.image.version", ."dev.wbuild.variant"] | join(" ")'
WANTED="$BASE_REF $BASE_DIGEST $(git rev-parse HEAD) 2023-11-14T22:13:20Z 1.0.0 production"
check "the pushed image's labels name its base, the base's digest, revision, created, version and variant" \
  test "$(jq -r ".Labels | $PROVENANCE" <<< "$inspected")" = "$WANTED"
check "... and so do the annotations of its manifest (an OCI manifest), the floating tag's too" \
  bash -c '[ "$(skopeo inspect --raw --cert-dir "$1" "docker://$2" | jq -r ".annotations | $3")" = "$4" ] && [ "$(skopeo inspect --raw --cert-dir "$1" "docker://$5" | jq -r .mediaType)" = application/vnd.oci.image.manifest.v1+json ]' \
  _ "$CERTS" "$REPO:1.0.0" "$PROVENANCE" "$WANTED" "$REPO:1.0.0-$DAY-1"
SBOM_REF=$REPO:sha256-${D1#sha256:}.sbom
check "the report names the SBOM at $SBOM_REF with the digest the registry serves" \
  test "$(jq -r '.sbom.reference + "@" + .sbom.digest' "$WORK/first.json")" = "$SBOM_REF@$(digest "$SBOM_REF")"
rm -rf "$WORK/sbom"
skopeo copy --quiet --src-cert-dir "$CERTS" "docker://$SBOM_REF" "dir:$WORK/sbom" || bad "skopeo cannot fetch $SBOM_REF"
check "the SBOM is an artifact of one application/spdx+json layer" \
  test "$(jq -r '[.artifactType, (.layers | length), .layers[0].mediaType] | join(" ")' "$WORK/sbom/manifest.json")" = "application/spdx+json 1 application/spdx+json"
SBOM=$WORK/sbom.spdx.json
cp "$WORK/sbom/$(jq -r '.layers[0].digest | sub("^sha256:"; "")' "$WORK/sbom/manifest.json")" "$SBOM"
SPDX_CHECK=${WBUILD_PYENV:-$ROOT/.venv}/bin/pyspdxtools
check "the SBOM is valid SPDX (pyspdxtools; scripts/setup-test-env.sh installs it)" "$SPDX_CHECK" -i "$SBOM"
check "the document DESCRIBES the image, named $REPO@$D1" \
  test "$(jq -r '.relationships[] | select(.relationshipType == "DESCRIBES") | .spdxElementId + " " + .relatedSpdxElement' "$SBOM") $(jq -r '.packages[] | select(.SPDXID == "SPDXRef-image") | .name' "$SBOM")" = \
  "SPDXRef-DOCUMENT SPDXRef-image $REPO@$D1"
ctr=$(buildah from --pull-never "localhost/$NAME:production")
for pkg in base-files libc6; do
  version=$(buildah run "$ctr" -- dpkg-query -W -f '${Version}' "$pkg")
  arch=$(buildah run "$ctr" -- dpkg-query -W -f '${Architecture}' "$pkg")
  check "the SBOM lists $pkg $version ($arch) as dpkg in the image reports it, with its purl" \
    test "$(jq -r --arg p "$pkg" '.packages[] | select(.name == $p) | .versionInfo + " " + .externalRefs[0].referenceLocator' "$SBOM")" = \
    "$version pkg:deb/debian/$pkg@$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$version")?arch=$arch"
  # The package question for published images: wbuildc which reads the SBOM.
  check "wbuildc which --package $pkg --sbom answers $REPO@$D1 carries $pkg $version ($arch)" \
    test "$(w which --package "$pkg" --sbom "$SBOM" --format json | jq -r '.published[] | .image + " " + .version + " " + .architecture')" = "$REPO@$D1 $version $arch"
done
check "the SBOM lists as many Debian packages as dpkg reports installed" \
  test "$(jq '[.packages[] | select(.externalRefs[0].referenceLocator | startswith("pkg:deb/"))] | length' "$SBOM")" = \
  "$(buildah run "$ctr" -- dpkg-query -W -f '${db:Status-Status}\n' | grep -cx installed)"
buildah rm "$ctr" > /dev/null
check "the SBOM lists the image's /srv/app/requirements.txt pin (flask 3.0.0), and not the unpinned idna" \
  test "$(jq -r '[.packages[] | .externalRefs[0].referenceLocator | select(startswith("pkg:pypi/"))] | join(" ")' "$SBOM")" = "pkg:pypi/flask@3.0.0"
check "the SBOM is signed too (skopeo's policy accepts $SBOM_REF)" pull_verified "$SBOM_REF"

# The same image pushed under another tag without signing (what a person with
# credentials could do) is rejected: no signature names that reference.
skopeo copy --quiet --src-cert-dir "$CERTS" --dest-cert-dir "$CERTS" "docker://$REPO@$D1" "docker://$REPO:retagged"
check "a re-tagged, unsigned copy is rejected by skopeo's policy" \
  bash -c '! pull_verified "$1" && grep -q "Source image rejected" "$2"' _ "$REPO:retagged" "$WORK/pull.err"

# A rebuild of the release (a new base, here a new timestamp): the next number, and
# the floating tag moves; the first immutable tag keeps its image.
SOURCE_DATE_EPOCH=1700000100 build || { tail -20 "$WORK/build.log"; die "rebuild failed"; }
SOURCE_DATE_EPOCH=1700000100 w publish service.wbuild "${SIGN[@]}" --variant production --cert-dir "$CERTS" --format json > "$WORK/second.json" 2> "$WORK/err" ||
  { cat "$WORK/err"; die "second publish failed"; }
D2=$(jq -r .digest "$WORK/second.json")
check "a second publish takes $REPO:1.0.0-$DAY-2 (a new image: $D2)" \
  bash -c '[ "$1" != "$2" ] && [ "$(jq -r ".pushed[0].tag" "$3")" = "1.0.0-$4-2" ]' _ "$D1" "$D2" "$WORK/second.json" "$DAY"
check "the floating 1.0.0 moved to it (the report names the previous digest)" \
  bash -c '[ "$1" = "$2" ] && [ "$(jq -r ".pushed[1].previous" "$3")" = "$4" ]' _ "$(digest "$REPO:1.0.0")" "$D2" "$WORK/second.json" "$D1"
check "1.0.0-$DAY-1 still names the first image" test "$(digest "$REPO:1.0.0-$DAY-1")" = "$D1"

# An immutable tag that exists is never overwritten.
w publish service.wbuild "${SIGN[@]}" --variant production --cert-dir "$CERTS" --number 1 > "$WORK/out" 2> "$WORK/err" && rc=0 || rc=$?
check "publish --number 1 again is refused (exit 1: already exists, never overwritten)" \
  bash -c '[ "$1" = 1 ] && grep -q "1.0.0-$3-1 already exists.*never overwritten" "$2"' _ "$rc" "$WORK/err" "$DAY"
check "... and moved nothing" bash -c '[ "$(digest "$1:1.0.0-$3-1")" = "$2" ] && [ "$(digest "$1:1.0.0")" = "$4" ]' _ "$REPO" "$D1" "$DAY" "$D2"
# A changed tree is not a release; --snapshot publishes it under VERSION-snapshot.
echo changed > hello.txt
w publish service.wbuild "${SIGN[@]}" --variant production --cert-dir "$CERTS" > "$WORK/out" 2> "$WORK/err" && rc=0 || rc=$?
check "publish from a dirty tree is refused (exit 1, names hello.txt)" \
  bash -c '[ "$1" = 1 ] && grep -q "not a release: the work tree has changes that are not committed (hello.txt)" "$2"' _ "$rc" "$WORK/err"
w publish service.wbuild "${SIGN[@]}" --variant production --cert-dir "$CERTS" --snapshot > "$WORK/out" 2> "$WORK/err" || { cat "$WORK/err"; die "snapshot publish failed"; }
check "publish --snapshot pushes 1.0.0-snapshot-$DAY-1, 1.0.0-snapshot and the image's SBOM" \
  bash -c 'd=$(head -1 "$1" | cut -d@ -f2); [ "$(cut -d@ -f1 "$1" | tr "\n" " ")" = "$2:1.0.0-snapshot-$3-1 $2:1.0.0-snapshot $2:${d/:/-}.sbom " ]' _ "$WORK/out" "$REPO" "$DAY"
cp "$WORK/out" "$WORK/out.snapshot"
"$SCHEMA_CHECK" --schemafile "$ROOT/docs/schemas/publish.schema.json" "$WORK/second.json" > /dev/null ||
  bad "the second report does not match docs/schemas/publish.schema.json"
check "... and leaves the release's floating tag alone" test "$(digest "$REPO:1.0.0")" = "$D2"

# A commit without a tag, and a tag that disagrees with the manifest.
git -c user.name=ci -c user.email=ci@example.org commit -qam "change"
w publish service.wbuild "${SIGN[@]}" --variant production --cert-dir "$CERTS" > "$WORK/out" 2> "$WORK/err" && rc=0 || rc=$?
check "publish from an untagged commit is refused (exit 1)" \
  bash -c '[ "$1" = 1 ] && grep -q "HEAD has no release tag" "$2"' _ "$rc" "$WORK/err"
# The local image was built from the previous commit: not the release's build.
git tag -f v1.0.0 > /dev/null
w publish service.wbuild "${SIGN[@]}" --variant production --cert-dir "$CERTS" > "$WORK/out" 2> "$WORK/err" && rc=0 || rc=$?
check "a release whose local image was built from another commit is refused (exit 1, its revision label)" \
  bash -c '[ "$1" = 1 ] && grep -q "is not this build: its label org.opencontainers.image.revision is" "$2"' _ "$rc" "$WORK/err"
git tag -d v1.0.0 > /dev/null
git tag v1.0.1
w publish service.wbuild "${SIGN[@]}" --variant production --cert-dir "$CERTS" > "$WORK/out" 2> "$WORK/err" && rc=0 || rc=$?
check "a release tag v1.0.1 on a manifest of 1.0.0 is refused (exit 1)" \
  bash -c '[ "$1" = 1 ] && grep -q "release tag .v1.0.1. says version 1.0.1 but the manifest" "$2"' _ "$rc" "$WORK/err"

# An OCI layout as the source (--from).
buildah push --quiet "localhost/$NAME:production" "oci:$WORK/layout:production" > /dev/null
w publish service.wbuild "${SIGN[@]}" --variant production --cert-dir "$CERTS" --snapshot --from "oci:$WORK/layout:production" --format json > "$WORK/oci.json" 2> "$WORK/err" ||
  { cat "$WORK/err"; die "publish --from oci: failed"; }
check "publish --from oci:DIR takes the next snapshot number and reads back its digest" \
  bash -c '[ "$(jq -r ".pushed[0].tag" "$1")" = "1.0.0-snapshot-$2-2" ] && [ "$(digest "$3:1.0.0-snapshot")" = "$(jq -r .digest "$1")" ]' _ "$WORK/oci.json" "$DAY" "$REPO"
w publish service.wbuild "${SIGN[@]}" --variant production --cert-dir "$CERTS" --snapshot --from "oci:$WORK/no-such-layout" > "$WORK/out" 2> "$WORK/err" && rc=0 || rc=$?
check "publish --from a layout that does not exist: exit 2, cannot read the image, nothing pushed" \
  bash -c '[ "$1" = 2 ] && grep -q "cannot read the image to publish (oci:" "$2"' _ "$rc" "$WORK/err"
check "every tag is in the registry's list, none named latest" \
  test "$(tag_list)" = "1.0.0 1.0.0-$DAY-1 1.0.0-$DAY-2 1.0.0-snapshot 1.0.0-snapshot-$DAY-1 1.0.0-snapshot-$DAY-2 retagged "
check "every image published has its SBOM tag, and nothing else has one" \
  test "$(sbom_tags)" = "$(for d in "$D1" "$D2" "$(cut -d@ -f2 "$WORK/out.snapshot" | head -1)" "$(jq -r .digest "$WORK/oci.json")"; do echo "${d/:/-}.sbom"; done | sort -u | tr '\n' ' ')"

# A tampered signature (one bit flipped, one gpg refuses: lib.sh) is rejected.
sig=$(find "$WORK/signatures" -path "*${D1#sha256:}*" -name 'signature-1' | head -1)
tamper_signature "$sig" "$WORK/signing.pub.gpg" "$WORK" || bad "no bit flip of the signature made gpg refuse it"
check "a tampered signature is rejected by skopeo's policy" \
  bash -c '! pull_verified "$1" && grep -q "Source image rejected" "$2"' _ "$REPO:1.0.0-$DAY-1" "$WORK/pull.err"

buildah rmi "localhost/$NAME:production" > /dev/null 2>&1 || true
finish
