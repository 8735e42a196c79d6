#!/usr/bin/env bash
# Verifying base images before a build (docs/publishing.md, "Verifying base
# images"): small base images are pushed to the registry of registry.sh (TLS with a
# throwaway CA, basic auth), one signed with the organisation's throwaway GPG key,
# one unsigned, one whose signature is tampered with and one signed by another key;
# `wbuildc build` under `images.require_signed_base` builds on the first (by the
# verified digest) and refuses the others with WB6002, building nothing. skopeo,
# as a consumer would, agrees on each.
#
#   tests/e2e/signed-base.sh WBUILDC WORK_DIR
#
# Needs buildah, skopeo, gpg and what registry.sh needs; not the suite's base image
# (the bases here are made from scratch, one file each, so the script takes
# seconds). Prints one line per check and ends with `signed-base: N passed, N
# failed`; exits 1 on a failure. Leaves the registry running (registry.sh stop ends
# it); its repository for this run is unique.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
WBUILDC=${1:?usage: signed-base.sh WBUILDC WORK_DIR}
WORK=${2:?usage: signed-base.sh WBUILDC WORK_DIR}
WBUILDC=$(cd "$(dirname "$WBUILDC")" && pwd)/$(basename "$WBUILDC")

sub_suite_checks signed-base

"$HERE/registry.sh" start > /dev/null || die "registry.sh start failed"
eval "$("$HERE/registry.sh" env)"
REG=$WBUILD_E2E_REGISTRY
CERTS=$WBUILD_E2E_REGISTRY_CERT_DIR
export REGISTRY_AUTH_FILE=$WBUILD_E2E_REGISTRY_AUTH_FILE
RUN=$(date +%s)-$$
REPO=$REG/wbuild-signed-base-$RUN
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# The organisation's configuration directory: its policy, its public key and the
# registries.d that says where signatures are (a lookaside directory), named by
# `[trust]` in its wbuild.toml. The private keys stay in a GNUPGHOME of this run.
ORG=$WORK/org
export GNUPGHOME=$WORK/gnupg
mkdir -p "$GNUPGHOME" "$ORG/registries.d" "$WORK/signatures" "$WORK/repo" && chmod 700 "$GNUPGHOME"
newkey() {
  gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key "$1" ed25519 sign 1d 2> /dev/null
  gpg --list-keys --with-colons "$1" 2> /dev/null | awk -F: '/^fpr/ { print $10; exit }'
}
ORG_FPR=$(newkey "wbuild e2e organisation <ops@example.org>")
OTHER_FPR=$(newkey "someone else <other@example.org>")
SPARE_FPR=$(newkey "wbuild e2e organisation, second key <ops@example.org>")
[ -n "$ORG_FPR" ] && [ -n "$OTHER_FPR" ] && [ -n "$SPARE_FPR" ] || die "gpg made no keys"
gpg --export "$ORG_FPR" > "$ORG/org.pub.gpg"
# The organisation has two keys (e.g. during a rotation): a signature by either counts.
mkdir -p "$ORG/keys"
gpg --export "$SPARE_FPR" > "$ORG/keys/spare.pub.gpg"
cat > "$ORG/registries.d/e2e.yaml" <<EOF
docker:
  $REG:
    lookaside: file://$WORK/signatures
    lookaside-staging: file://$WORK/signatures
EOF
cat > "$ORG/wbuild.toml" <<EOF
[trust]
keys = ["keys/spare.pub.gpg", "org.pub.gpg"]
registries_d = "registries.d"
EOF
cat > "$ORG/policy.toml" <<EOF
[images]
allowed_registries = ["$REG", "registry.example.org"]
require_signed_base = true
EOF
# The same without the requirement, for the control.
mkdir -p "$WORK/org-open"
cp -r "$ORG/." "$WORK/org-open/"
printf '[images]\nallowed_registries = ["%s", "registry.example.org"]\n' "$REG" > "$WORK/org-open/policy.toml"

# The base images: from scratch, one file each (so each has its own digest).
push_base() { # TAG SIGN-BY...
  local tag=$1 ctr; shift
  echo "base $tag $RUN" > "$WORK/marker-$tag"
  ctr=$(buildah from scratch)
  buildah copy --quiet "$ctr" "$WORK/marker-$tag" /marker > /dev/null
  buildah commit --quiet --rm --timestamp 1700000000 "$ctr" "localhost/wbuild-signed-base-src:$tag" > /dev/null
  skopeo copy --quiet --dest-cert-dir "$CERTS" --registries.d "$ORG/registries.d" "$@" \
    "containers-storage:localhost/wbuild-signed-base-src:$tag" "docker://$REPO:$tag"
  buildah rmi "localhost/wbuild-signed-base-src:$tag" > /dev/null 2>&1 || true
}
digest() { skopeo inspect --raw --cert-dir "$CERTS" "docker://$1" | sha256sum | sed 's/^/sha256:/; s/ .*//'; }
push_base signed --sign-by "$ORG_FPR" || die "pushing the signed base failed"
push_base unsigned || die "pushing the unsigned base failed"
push_base tampered --sign-by "$ORG_FPR" || die "pushing the base to tamper with failed"
push_base other-key --sign-by "$OTHER_FPR" || die "pushing the base signed by another key failed"
push_base changed || die "pushing the changed base failed"
SIGNED=$(digest "$REPO:signed")
TAMPERED=$(digest "$REPO:tampered")
CHANGED=$(digest "$REPO:changed")
# Other content under a signed name: the signature of :signed, where the lookaside
# is read for :changed (a valid signature, of another manifest).
mkdir -p "$WORK/signatures/${REPO#*/}@sha256=${CHANGED#sha256:}"
cp "$WORK/signatures/${REPO#*/}@sha256=${SIGNED#sha256:}/signature-1" "$WORK/signatures/${REPO#*/}@sha256=${CHANGED#sha256:}/"
# One bit of the signature flipped, one gpg itself refuses (lib.sh). Where it lands
# decides gpg's answer (a bad signature mostly; unreadable data or another key id
# sometimes), so the check below takes any of the three.
sig=$(find "$WORK/signatures" -path "*${TAMPERED#sha256:}*" -name 'signature-1' | head -1)
[ -n "$sig" ] || die "no signature written for $REPO:tampered"
tamper_signature "$sig" "$ORG/org.pub.gpg" "$WORK" || die "no bit flip of the signature made gpg refuse it"
# The signed image in another repository, with the signature made for the first
# (a valid signature by the right key, for another name).
ELSEWHERE=$REPO-elsewhere
skopeo copy --quiet --preserve-digests --src-cert-dir "$CERTS" --dest-cert-dir "$CERTS" \
  "docker://$REPO@$SIGNED" "docker://$ELSEWHERE:signed" || die "copying the signed base failed"
cp -r "$WORK/signatures/${REPO#*/}@sha256=${SIGNED#sha256:}" "$WORK/signatures/${ELSEWHERE#*/}@sha256=${SIGNED#sha256:}"
ok "pushed $REPO:{signed,unsigned,tampered,other-key,changed} and $ELSEWHERE:signed"

# A consumer's view: skopeo under a policy requiring the organisation's signature.
cat > "$WORK/consumer-policy.json" <<EOF
{"default": [{"type": "reject"}],
 "transports": {"docker": {
   "$REPO": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "$ORG/org.pub.gpg"}],
   "$ELSEWHERE": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "$ORG/org.pub.gpg"}]}}}
EOF
consumer() {
  rm -rf "$WORK/pulled"
  skopeo --policy "$WORK/consumer-policy.json" copy --quiet --src-cert-dir "$CERTS" \
    --registries.d "$ORG/registries.d" "docker://$1" "dir:$WORK/pulled" 2> "$WORK/consumer.err"
}
export WORK CERTS ORG; export -f consumer
check "skopeo as a consumer accepts $REPO:signed" consumer "$REPO:signed"
for ref in "$REPO:unsigned" "$REPO:tampered" "$REPO:other-key" "$REPO:changed" "$ELSEWHERE:signed"; do
  check "skopeo as a consumer rejects $ref" \
    bash -c '! "$@" && grep -q "Source image rejected" "$WORK/consumer.err"' _ consumer "$ref"
done

# The manifest: `app` starts from the registry image, `child` from `app` (a stage,
# not verified again).
manifest() { # BASE-REFERENCE
  cat > "$WORK/repo/service.wbuild" <<EOF
# Built by tests/e2e/signed-base.sh.
image "signed-base-check" {}

variant app {
  base = "$1"
  steps = {
    copy "hello.txt" to "/srv/hello.txt"
  }
  user = user("app", 1000, 1000)
  cmd = ["/marker"]
}

variant child {
  base = app
  steps = {
    copy "hello.txt" to "/srv/again.txt"
  }
}
EOF
}
echo hello > "$WORK/repo/hello.txt"
mkdir -p "$WORK/repo/.git"
TAG=localhost/wbuild-signed-base-out:$RUN
build() { # ORG-DIR LOG
  buildah rmi "$TAG" > /dev/null 2>&1 || true
  (cd "$WORK/repo" && WBUILD_CONFIG=$1 "$WBUILDC" build service.wbuild --variant child \
    --cert-dir "$CERTS" --tag "$TAG" > "$2" 2>&1)
}
built() { buildah inspect --type image "$TAG" > /dev/null 2>&1; }
export -f built; export TAG

manifest "$REPO:signed"
if build "$ORG" "$WORK/signed.log"; then
  ok "wbuildc build on the signed base, with images.require_signed_base"
  check "... verified it and built on the digest that was verified ($SIGNED)" \
    grep -qF "is signed by the organisation: building on $REPO:signed@$SIGNED" "$WORK/signed.log"
  check "... the engine's FROM is that digest" \
    grep -qE "STEP 1/[0-9]+: FROM $REPO:signed@$SIGNED" "$WORK/signed.log"
  check "... the stage built on the variant was not verified again (one verification)" \
    test "$(grep -c 'verifying the signature of' "$WORK/signed.log")" = 1
  check "... and the image has the base's file" \
    bash -c 'c=$(buildah from "$TAG") && m=$(buildah mount "$c") && grep -q "base signed" "$m/marker"; r=$?; buildah rm "$c" > /dev/null; exit $r'
else
  bad "wbuildc build on the signed base failed"; tail -20 "$WORK/signed.log"
fi
manifest "$REPO@$SIGNED"
if build "$ORG" "$WORK/pinned.log"; then
  check "a reference pinned by digest is verified as pinned and built on" \
    grep -qF "building on $REPO@$SIGNED" "$WORK/pinned.log"
else
  bad "wbuildc build on the signed base pinned by digest failed"; tail -20 "$WORK/pinned.log"
fi

while IFS='|' read -r what ref reason; do
  manifest "$ref"
  build "$ORG" "$WORK/$what.log" && rc=0 || rc=$?
  check "wbuildc build on the $what base is refused: exit 1, WB6002 at the base line" \
    bash -c '[ "$1" = 1 ] && grep -qF "error[WB6002]: \`$2\` is not signed by the organisation" "$3" &&
      grep -qF "service.wbuild:5:10" "$3"' _ "$rc" "$ref" "$WORK/$what.log"
  check "... saying why (skopeo: $reason)" grep -qE "skopeo: ($reason)" "$WORK/$what.log"
  check "... and built nothing (no engine step, no image)" \
    bash -c '! grep -q "STEP " "$1" && ! built' _ "$WORK/$what.log"
done <<EOF
unsigned|$REPO:unsigned|A signature was required, but no signature exists
tampered|$REPO:tampered|the signature is bad|the signature cannot be read|the signature was made with key
other-key|$REPO:other-key|the signature was made with key $OTHER_FPR, which is not one of the organisation's keys
changed|$REPO:changed|the signature was made for another image \($SIGNED\): the image was changed after signing
other-repository|$ELSEWHERE:signed|the signature was made for $REPO:signed, another repository
EOF

# Without the requirement nothing is verified (and the unsigned base builds);
# a repository's policy file may add the requirement.
manifest "$REPO:unsigned"
if build "$WORK/org-open" "$WORK/open.log"; then
  check "without images.require_signed_base the unsigned base builds, unverified" \
    bash -c '! grep -q "verifying the signature" "$1" && built' _ "$WORK/open.log"
else
  bad "wbuildc build without the requirement failed"; tail -20 "$WORK/open.log"
fi
printf '[images]\nrequire_signed_base = true\n' > "$WORK/repo/wbuild-policy.toml"
build "$WORK/org-open" "$WORK/repo-policy.log" && rc=0 || rc=$?
check "a repository's wbuild-policy.toml can require it: the unsigned base is refused (exit 1, WB6002)" \
  bash -c '[ "$1" = 1 ] && grep -q "WB6002" "$2" && ! built' _ "$rc" "$WORK/repo-policy.log"
rm -f "$WORK/repo/wbuild-policy.toml"

buildah rmi "$TAG" > /dev/null 2>&1 || true
finish
