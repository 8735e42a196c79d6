#!/usr/bin/env bash
# Owners on copies and a user for one step (docs/language.md, `copy`, "Who steps
# run as"), built for real with buildah: files copied `with chown` (from the build
# context and from another variant) belong to that uid:gid; a `run ... with user`
# ran as that uid:gid, with a cache mount it can write, and the steps after it as
# root again; the image's config User is the variant's `user`; and the owner costs
# no layer: the same image made the old way (copy, then `chown -R` in a run step)
# has one layer more and stores the payload twice.
#
#   tests/e2e/ownership.sh WBUILDC WORK_DIR
#
# Needs the suite's base image (base-image.sh) in the storage of lib.sh. Prints one
# line per check and ends with `ownership: N passed, N failed`.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
WBUILDC=${1:?usage: ownership.sh WBUILDC WORK_DIR}
WORK=${2:?usage: ownership.sh WBUILDC WORK_DIR}
WBUILDC=$(cd "$(dirname "$WBUILDC")" && pwd)/$(basename "$WBUILDC")

sub_suite_checks ownership
CTRS=()
cleanup() {
  local c
  for c in "${CTRS[@]}"; do
    [ -n "$c" ] || continue
    buildah umount "$c" > /dev/null 2>&1 || true
    buildah rm "$c" > /dev/null 2>&1 || true
  done
}
trap cleanup EXIT

unset WBUILD_CONFIG
export SOURCE_DATE_EPOCH=1700000000
RUN_ID=$(date +%s)-$$
IMG=localhost/wbuild-e2e-owner
mkdir -p "$WORK/repo/src"
cd "$WORK/repo"
cat > service.wbuild <<'EOF'
# Built by tests/e2e/ownership.sh.
import "base"

image "wbuild-e2e-owner" {}

# `somebody` (65533) owns what the build writes; it runs the build step.
variant build extends base.build() {
  steps += {
    copy "src/" to "./src/" with chown = base.somebody
    run "id -u > src/built-by" with user = base.somebody
  }
  user = base.somebody
}

# `runuser` (900) runs the service; `somebody` owns its files.
variant production extends base.runtime(run_as = base.runuser) {
  steps += {
    copy "src/" to "./src/" with chown = base.somebody
    # relative: in the working directory the build stage ends in (/srv/app)
    copy from build "src/built-by" to "./built-by" with chown = base.somebody
    run "id -u > src/step-uid && id -g > src/step-gid && echo cached > /var/cache/wbuild-owner/probe && cat /var/cache/wbuild-owner/probe > src/cache-probe" with user = base.somebody, cache = "/var/cache/wbuild-owner"
    copy "plain.txt" to "./plain.txt"
    run "id -u > /srv/app/after-uid"
    # the engine extends the inherited value; nothing for a variable that is unset
    env PATH = "/opt/tool/bin" with inherited = "after"
    env TOOL_PATH = "/opt/tool/lib" with inherited = "before"
  }
  cmd = ["cat", "/srv/app/plain.txt"]
}

# The same files made the old way: copied as root, then `chown -R`.
variant chown_run extends base.runtime(run_as = base.runuser) {
  steps += {
    copy "src/" to "./src/"
    run "chown -R 65533:65533 /srv/app/src"
  }
  cmd = ["cat", "/srv/app/plain.txt"]
}
EOF
# 2 MiB that do not compress: a second copy of them shows in any size.
head -c 2097152 /dev/urandom > src/payload.bin
echo "plain $RUN_ID" > plain.txt
echo "a $RUN_ID" > src/a.txt

for v in production chown_run; do
  "$WBUILDC" build service.wbuild --variant "$v" --network host --tag "$IMG:$v" > "$WORK/build-$v.log" 2>&1 ||
    { tail -30 "$WORK/build-$v.log"; die "wbuildc build --variant $v failed"; }
done
"$WBUILDC" compile service.wbuild --variant production > "$WORK/production.Dockerfile"
check "the Dockerfile copies with --chown=65533:65533, from the context and from the build stage" \
  bash -c '[ "$(grep -c "^COPY .*--chown=65533:65533 " "$1")" = 3 ]' _ "$WORK/production.Dockerfile"
after_user() { sed -n '/ AS production$/,$p' "$1" | grep -A3 '^USER 65533:65533$' | sed 1d | cut -d' ' -f1 | tr '\n' ' '; }
got=$(after_user "$WORK/production.Dockerfile")
check "the Dockerfile switches to USER 65533:65533 for the step, keeps it for the COPY after it, and is back to USER 0:0 for the next RUN ($got)" \
  test "$got" = "RUN COPY USER "
check "... the USER after them is 0:0, and the step's cache mount is 65533's (uid=65533,gid=65533)" \
  bash -c 'grep -A3 "^USER 65533:65533$" "$1" | grep -qx "USER 0:0" && grep -q "^RUN --mount=type=cache,target=/var/cache/wbuild-owner,uid=65533,gid=65533 " "$1"' _ "$WORK/production.Dockerfile"

ctr=$(buildah from --pull-never "$IMG:production") || die "buildah from $IMG:production failed"
CTRS+=("$ctr")
mnt=$(buildah mount "$ctr") || die "buildah mount failed"
owner() { stat -c %u:%g "$mnt$1" 2>/dev/null || echo missing; }
for f in /srv/app/src/a.txt /srv/app/src/payload.bin /srv/app/src /srv/app/built-by; do
  got=$(owner "$f")
  check "$f belongs to 65533:65533 (copy ... with chown; got $got)" test "$got" = 65533:65533
done
got=$(owner /srv/app/plain.txt)
check "/srv/app/plain.txt, copied without chown while the user was 65533, belongs to root (got $got)" test "$got" = 0:0
got="$(cat "$mnt/srv/app/src/step-uid" 2>/dev/null):$(cat "$mnt/srv/app/src/step-gid" 2>/dev/null)"
check "the run ... with user step ran as 65533:65533 (id -u, id -g: $got)" test "$got" = 65533:65533
got=$(owner /srv/app/src/step-uid)
check "... and what it wrote belongs to 65533:65533 (got $got)" test "$got" = 65533:65533
check "... and it could write its cache mount (uid=, gid= on the mount)" \
  test "$(cat "$mnt/srv/app/src/cache-probe" 2>/dev/null)" = cached
check "... and the cache stayed out of the image" test ! -e "$mnt/var/cache/wbuild-owner/probe"
got=$(cat "$mnt/srv/app/after-uid" 2>/dev/null || echo missing)
check "the run step after it ran as root again (id -u: $got)" test "$got" = 0
got=$(cat "$mnt/srv/app/built-by" 2>/dev/null || echo missing)
check "the build stage's run ... with user step ran as 65533 too (its id -u, copied from it by a relative source: $got)" test "$got" = 65533
env_of() { buildah inspect --type image --format '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' "$1" | grep "^$2=" | cut -d= -f2-; }
base_path=$(env_of "$WBUILD_E2E_BASE_IMAGE" PATH)
check "env PATH with inherited = \"after\" is /opt/tool/bin: then the base image's PATH ($(env_of "$IMG:production" PATH))" \
  test "$(env_of "$IMG:production" PATH)" = "/opt/tool/bin:$base_path" -a -n "$base_path"
check "env TOOL_PATH with inherited = \"before\", unset before, is /opt/tool/lib without a ':' ($(env_of "$IMG:production" TOOL_PATH))" \
  test "$(env_of "$IMG:production" TOOL_PATH)" = /opt/tool/lib
user=$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$IMG:production")
check "the image's config User is the variant's user, runuser 900:900 (got $user)" test "$user" = 900:900
check "buildah run id -u prints 900" test "$(buildah run "$ctr" -- id -u 2>/dev/null)" = 900

# No second copy of the files: the old way has one layer more, holding the payload again.
layers() { buildah inspect --type image --format '{{len .OCIv1.RootFS.DiffIDs}}' "$1"; }
# The bytes of an image's layers above the base's (by position: the base's own
# layers may be listed compressed in one manifest and not in another).
bytes_over() { buildah inspect --type image --format '{{.Manifest}}' "$1" | jq --argjson n "$2" '[.layers[$n:][].size] | add'; }
base_layers=$(layers "$WBUILD_E2E_BASE_IMAGE")
own_layers=$(layers "$IMG:production") run_layers=$(layers "$IMG:chown_run")
steps=$(grep -cE '^(RUN|COPY) ' <(sed -n '/ AS production$/,$p' "$WORK/production.Dockerfile"))
check "the production image has one layer per RUN/COPY of its stage over the base ($own_layers = $base_layers + $steps)" \
  test "$own_layers" = $((base_layers + steps))
# The chown_run variant: runtime's RUN, copy, chown run: 3 layers over the base.
check "copy then chown -R costs a layer of its own ($run_layers = $base_layers + 3)" test "$run_layers" = $((base_layers + 3))
own_extra=$(bytes_over "$IMG:production" "$base_layers") run_extra=$(bytes_over "$IMG:chown_run" "$base_layers")
ok "layers over the base: with chown $own_extra bytes, copy + chown -R $run_extra bytes"
check "with chown, the 2 MiB payload is stored once ($own_extra < 2 MiB + 512 KiB of headers and small files)" \
  test "$own_extra" -lt $((2097152 + 524288))
check "copy + chown -R stores the 2 MiB payload twice ($run_extra >= 2 x 2 MiB)" test "$run_extra" -ge $((2 * 2097152))
buildah umount "$ctr" > /dev/null
buildah rm "$ctr" > /dev/null; CTRS=()
buildah rmi "$IMG:production" "$IMG:chown_run" > /dev/null 2>&1 || true
finish
