#!/usr/bin/env bash
# The owner and the runner of base.runtime, and an apt step with a target
# release, an inline armoured key and a proxy (docs/stdlib.md `base.runtime`,
# docs/language.md `apt`), built for real with buildah:
#
# - users: `owner = somebody`, `run_as = runuser`: both in /etc/passwd and
#   /etc/group with their ids, homes /home/NAME that they own and no login shell;
#   /srv/app belongs to the owner; a `run ... with user = owner` step wrote there;
#   the config User is the runner, who cannot write /srv/app; the default
#   (`run_as` = the owner, Blubber's `insecurely`) runs as 65533, who can.
# - apt: `tmux` from bookworm-backports (`release`), the source signed by Debian's
#   archive key given inline (`key`, exported with gpg --armor here), downloaded
#   through a local forwarding proxy (forward-proxy.py, `proxy`, for deb.debian.org
#   by `proxy_for`): the proxy saw the
#   backports index and the .deb, the installed version is the backports one, and
#   the image's /etc/apt is the base image's, byte for byte (no source, key or
#   proxy left). A wrong key makes the build fail (signed-by is what APT used).
#   With `apt.allowed_keys` naming the key by the fingerprint gpg prints, the step
#   passes the policy without `apt.allow_keyrings`; without it, WB5005 names it.
#
#   tests/e2e/users.sh WBUILDC WORK_DIR
#
# Needs the suite's base image (base-image.sh) in the storage of lib.sh and
# deb.debian.org over http. Prints one line per check and ends with
# `users: N passed, N failed`.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
WBUILDC=${1:?usage: users.sh WBUILDC WORK_DIR}
WORK=${2:?usage: users.sh WBUILDC WORK_DIR}
WBUILDC=$(cd "$(dirname "$WBUILDC")" && pwd)/$(basename "$WBUILDC")

sub_suite_checks users
CTRS=()
PROXY_PID=""
cleanup() {
  local c
  for c in "${CTRS[@]}"; do
    [ -n "$c" ] || continue
    buildah umount "$c" > /dev/null 2>&1 || true
    buildah rm "$c" > /dev/null 2>&1 || true
  done
  [ -z "$PROXY_PID" ] || kill "$PROXY_PID" 2> /dev/null || true
}
trap cleanup EXIT

unset WBUILD_CONFIG
export SOURCE_DATE_EPOCH=1700000000
IMG=localhost/wbuild-e2e-users
rm -rf "$WORK" && mkdir -p "$WORK/repo"
cd "$WORK/repo"

# Debian's archive key (the one that signs bookworm-backports), armoured.
mkdir -m 700 "$WORK/gnupg"
gpg --homedir "$WORK/gnupg" --batch --quiet --no-default-keyring \
  --keyring /usr/share/keyrings/debian-archive-bookworm-automatic.gpg --export --armor > "$WORK/debian.asc" ||
  die "gpg --export --armor of the Debian archive key failed"
key_list() { printf 'let %s = [\n' "$1"; sed 's/.*/  "&",/' "$2"; printf ']\n'; }

PORT=$(free_port)
: > "$WORK/proxy.log"
python3 "$HERE/forward-proxy.py" "$PORT" "$WORK/proxy.log" > "$WORK/proxy.err" 2>&1 &
PROXY_PID=$!
for _ in $(seq 1 50); do (exec 3<> "/dev/tcp/127.0.0.1/$PORT") 2> /dev/null && break; sleep 0.1; done
PROXY=http://127.0.0.1:$PORT
printf '[apt]\nallow_keyrings = true\nallowed_proxies = ["%s"]\n' "$PROXY" > "$WORK/policy.toml"

{
  cat <<'EOF'
# Built by tests/e2e/users.sh.
import "base"

image "wbuild-e2e-users" {}

EOF
  key_list debian_key "$WORK/debian.asc"
  key_list wrong_key "$ROOT/tests/fixtures/data/test-key.asc"
  cat <<EOF

# somebody (65533) owns /srv/app; runuser (900) runs the container.
variant production extends base.runtime(owner = base.somebody, run_as = base.runuser) {
  steps += {
    apt ["tmux"] with repository = "http://deb.debian.org/debian bookworm-backports main", release = "bookworm-backports", key = debian_key, proxy = "$PROXY", proxy_for = "http://deb.debian.org"
    copy "data.txt" to "./data.txt" with chown = base.somebody
    run "id -un > /srv/app/written-by" with user = base.somebody
  }
  cmd = ["cat", "/srv/app/data.txt"]
}

# The default: the owner runs it (Blubber's insecurely).
variant insecure extends base.runtime() {
  cmd = ["cat", "/srv/app/data.txt"]
}

# Signed by another key: APT must refuse the source.
variant wrongkey extends base.runtime() {
  steps += {
    apt ["tmux"] with repository = "http://deb.debian.org/debian bookworm-backports main", release = "bookworm-backports", key = wrong_key
  }
  cmd = ["true"]
}
EOF
} > service.wbuild
echo "data" > data.txt

build() {
  "$WBUILDC" build service.wbuild --policy "$WORK/policy.toml" --variant "$1" --network host --tag "$IMG:$1" > "$WORK/build-$1.log" 2>&1
}
for v in production insecure; do
  build "$v" || { tail -30 "$WORK/build-$v.log"; die "wbuildc build --variant $v failed"; }
done
"$WBUILDC" compile service.wbuild --policy "$WORK/policy.toml" --variant production > "$WORK/production.Dockerfile"
apt_line=$(grep '^RUN --mount=type=bind.* apt-get install' "$WORK/production.Dockerfile")
check "the apt step installs -t bookworm-backports, names its key with signed-by and sets the proxy for deb.debian.org in its APT_CONFIG" \
  bash -c 'grep -q -- "--no-install-recommends -t bookworm-backports tmux" <<< "$1" && grep -q "signed-by=" <<< "$1" && grep -qF "Acquire::http::Proxy::deb.debian.org \"$2\";" <<< "$1"' _ "$apt_line" "$PROXY"

check "the proxy served the bookworm-backports index" grep -q '/dists/bookworm-backports/InRelease$' "$WORK/proxy.log"
check "the proxy served tmux's backports package" grep -qE '/pool/main/t/tmux/tmux_[^/]*bpo12[^/]*\.deb$' "$WORK/proxy.log"

ctr=$(buildah from --pull-never "$IMG:production") || die "buildah from $IMG:production failed"
CTRS+=("$ctr")
mnt=$(buildah mount "$ctr") || die "buildah mount failed"
base_ctr=$(buildah from --pull-never "$WBUILD_E2E_BASE_IMAGE") || die "buildah from the base image failed"
CTRS+=("$base_ctr")
base_mnt=$(buildah mount "$base_ctr") || die "buildah mount of the base image failed"

version=$(awk '/^Package: tmux$/ {p = 1} p && /^Version:/ {print $2; exit}' "$mnt/var/lib/dpkg/status")
check "tmux is installed from bookworm-backports (release; version $version)" bash -c '[[ $1 == *bpo12* ]]' _ "$version"
check "the image's /etc/apt is the base image's: no source, key or proxy of the step left" \
  diff -r --no-dereference "$base_mnt/etc/apt" "$mnt/etc/apt"
check "... nor anywhere under /etc, /tmp or /usr/share/keyrings" \
  bash -c '! grep -rqsF "$2" "$1/etc" "$1/tmp" && ! ls "$1/usr/share/keyrings" | grep -q "^wbuild-" && [ -z "$(ls -A "$1/tmp")" ]' _ "$mnt" "127.0.0.1:$PORT"

passwd_of() { grep "^$2:" "$1/etc/passwd" || echo missing; }
group_of() { grep "^$2:" "$1/etc/group" || echo missing; }
owner() { stat -c %u:%g "$mnt$1" 2> /dev/null || echo missing; }
got=$(passwd_of "$mnt" somebody)
check "/etc/passwd: the owner somebody, 65533:65533, home /home/somebody, no login ($got)" \
  test "$got" = "somebody:x:65533:65533::/home/somebody:/usr/sbin/nologin"
got=$(passwd_of "$mnt" runuser)
check "/etc/passwd: the runner runuser, 900:900, home /home/runuser, no login ($got)" \
  test "$got" = "runuser:x:900:900::/home/runuser:/usr/sbin/nologin"
got="$(group_of "$mnt" somebody) $(group_of "$mnt" runuser)"
check "/etc/group: somebody 65533 and runuser 900 ($got)" test "$got" = "somebody:x:65533: runuser:x:900:"
got="$(owner /home/somebody) $(owner /home/runuser)"
check "each home directory belongs to its user ($got)" test "$got" = "65533:65533 900:900"
got=$(owner /srv/app)
check "/srv/app belongs to the owner (got $got)" test "$got" = 65533:65533
got="$(cat "$mnt/srv/app/written-by" 2> /dev/null || echo missing) $(owner /srv/app/written-by)"
check "the step run as the owner wrote into /srv/app as somebody ($got)" test "$got" = "somebody 65533:65533"
user=$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$IMG:production")
check "the image's config User is the runner, 900:900 (got $user)" test "$user" = 900:900
check "buildah run: the runner (id -u 900) cannot write /srv/app" \
  bash -c '[ "$(buildah run "$1" -- id -u 2> /dev/null)" = 900 ] && ! buildah run "$1" -- touch /srv/app/probe 2> /dev/null' _ "$ctr"

ictr=$(buildah from --pull-never "$IMG:insecure") || die "buildah from $IMG:insecure failed"
CTRS+=("$ictr")
imnt=$(buildah mount "$ictr") || die "buildah mount failed"
user=$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$IMG:insecure")
check "the default runtime runs as the owner, 65533:65533 (got $user)" test "$user" = 65533:65533
got="$(grep -c '^somebody:' "$imnt/etc/passwd") $(passwd_of "$imnt" runuser)"
check "... created once, and no runner beside it ($got)" test "$got" = "1 missing"
check "... who can write /srv/app" buildah run "$ictr" -- touch /srv/app/probe

# apt.allowed_keys: the fingerprint wbuildc computes is the one gpg prints.
fpr_of() { gpg --homedir "$WORK/gnupg" --batch --with-colons --show-keys "$1" 2> /dev/null | awk -F: '$1 == "fpr" {print $10; exit}'; }
fpr=$(fpr_of "$WORK/debian.asc") wrong_fpr=$(fpr_of "$ROOT/tests/fixtures/data/test-key.asc")
printf '[apt]\nallow_keyrings = false\nallowed_keys = ["%s", "%s"]\nallowed_proxies = ["%s"]\n' "$fpr" "$wrong_fpr" "$PROXY" > "$WORK/pinned.toml"
printf '[apt]\nallow_keyrings = false\nallowed_proxies = ["%s"]\n' "$PROXY" > "$WORK/no-keys.toml"
check "apt.allowed_keys with gpg's fingerprints of the two keys (the Debian key's $fpr) allows their steps without allow_keyrings" \
  "$WBUILDC" check service.wbuild --policy "$WORK/pinned.toml"
"$WBUILDC" check service.wbuild --policy "$WORK/no-keys.toml" > "$WORK/no-keys.out" 2>&1 && rc=0 || rc=$?
check "... and without it the step is WB5005, whose note names that fingerprint (exit $rc)" \
  bash -c '[ "$1" = 1 ] && grep -q "error\[WB5005\]" "$2" && grep -q "does not list $3" "$2"' _ "$rc" "$WORK/no-keys.out" "$fpr"

if build wrongkey; then
  bad "a source signed with another key than the step's was used"
else
  check "a source signed with another key than the step's is refused by APT (NO_PUBKEY)" \
    grep -q 'NO_PUBKEY\|is not signed' "$WORK/build-wrongkey.log"
fi

for c in "${CTRS[@]}"; do buildah umount "$c" > /dev/null 2>&1 || true; buildah rm "$c" > /dev/null 2>&1 || true; done
CTRS=()
buildah rmi "$IMG:production" "$IMG:insecure" > /dev/null 2>&1 || true
finish
