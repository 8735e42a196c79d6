#!/usr/bin/env bash
# Step options that keep files out of the image (docs/language.md, "Excluding
# files" and "Mounts"), built for real with buildah:
#   - `copy ... with exclude` and `copy from ... with exclude`: the excluded files
#     are in no layer of the image (every layer tarball of an `oci:` export is
#     listed), the kept ones are there with the copy's owner;
#   - `run ... with mounts`: a bind mount of another variant's stage, of an image
#     and of the build context are readable during the step and absent from the
#     image, and the context mount hides what the ignore file hides from copies; a cache mount with an id is the same cache for another variant's step
#     that names the id at another target, and stays out of the image.
#
#   tests/e2e/steps.sh WBUILDC WORK_DIR
#
# With DOCKER_HOST set (run.sh does unless --no-docker), the same builds with
# Docker/BuildKit, whose layers (`docker save`) and files are checked too.
#
# Needs the suite's base image (base-image.sh) in the storage of lib.sh (and in
# that Docker engine). Prints one
# line per check and ends with `steps: N passed, N failed`.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
WBUILDC=${1:?usage: steps.sh WBUILDC WORK_DIR}
WORK=${2:?usage: steps.sh WBUILDC WORK_DIR}
WBUILDC=$(cd "$(dirname "$WBUILDC")" && pwd)/$(basename "$WBUILDC")

sub_suite_checks steps
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
IMG=localhost/wbuild-e2e-steps
rm -rf "$WORK/repo"
mkdir -p "$WORK/repo/app/tests/unit" "$WORK/repo/app/docs/img" "$WORK/repo/app/src" "$WORK/repo/native"
cd "$WORK/repo"
echo "readme $RUN_ID" > app/README.md
echo "notes $RUN_ID" > app/src/NOTES.md
echo "test $RUN_ID" > app/tests/unit/test_a.py
echo "png $RUN_ID" > app/docs/img/shot.png
echo "guide $RUN_ID" > app/docs/guide.txt
echo "main $RUN_ID" > app/src/main.py
# A file named like the directory pattern: `tests/` matches directories only.
echo "kept $RUN_ID" > app/src/tests
echo "context $RUN_ID" > native/in.txt
# Hidden from copies by the policy's ignore file: a context mount hides it too.
echo "SECRET=$RUN_ID" > native/.env
# The run id in the steps: each run writes the cache anew (no layer reuse).
cat > service.wbuild <<EOF
# Built by tests/e2e/steps.sh.
import "base"

image "wbuild-e2e-steps" {}

variant build extends base.build() {
  steps += {
    run "mkdir -p dist/maps && echo 'js $RUN_ID' > dist/app.js && echo map > dist/app.js.map && echo map > dist/maps/b.js.map"
  }
}

variant production extends base.runtime() {
  steps += {
    copy "app/" to "./" with exclude = ["*.md", "tests/", "docs/**/*.png"], chown = base.somebody
    copy from build "dist/" to "/srv/dist/" with exclude = "*.map"
    run "mkdir -p /srv/seen && cat /mnt/dist/app.js /mnt/ctx/in.txt > /srv/seen/read && ls /mnt/licenses/GPL-3 >> /srv/seen/read && ls -A /mnt/ctx > /srv/seen/context" with mounts = [
      bind(from = build, source = "dist", target = "/mnt/dist"),
      bind(from = "$WBUILD_E2E_BASE_IMAGE", source = "/usr/share/common-licenses", target = "/mnt/licenses"),
      bind(source = "native", target = "/mnt/ctx"),
    ]
    run "echo 'cached $RUN_ID' > /var/cache/wbuild-steps/token && id -u > /var/cache/wbuild-steps/writer" with user = base.somebody, mounts = cache(target = "/var/cache/wbuild-steps", id = "wbuild-e2e-steps", sharing = "locked")
  }
  cmd = ["/bin/true"]
}

# Another build, another target, the same cache id (and the same owner:
# BuildKit keeps the caches of different owners apart).
variant reader extends base.runtime() {
  steps += {
    run "mkdir -p /srv/seen && chown 65533:65533 /srv/seen"
    run "true $RUN_ID && cat /mnt/cache/token /mnt/cache/writer > /srv/seen/cache" with user = base.somebody, mounts = cache(target = "/mnt/cache", id = "wbuild-e2e-steps")
  }
  cmd = ["/bin/true"]
}
EOF
for v in production reader; do
  "$WBUILDC" build service.wbuild --variant "$v" --network host --tag "$IMG:$v" > "$WORK/build-$v.log" 2>&1 ||
    { tail -30 "$WORK/build-$v.log"; die "wbuildc build --variant $v failed"; }
done
# With Docker (run.sh exports DOCKER_HOST unless --no-docker): the same two
# builds with BuildKit, checked below like buildah's.
if [ -n "${DOCKER_HOST:-}" ]; then
  export WBUILDC_DOCKER=${WBUILDC_DOCKER:-$WBUILD_E2E_DOCKER_CLIENT}
  for v in production reader; do
    "$WBUILDC" build service.wbuild --variant "$v" --engine docker --network host --tag "$IMG:docker-$v" > "$WORK/docker-$v.log" 2>&1 ||
      { tail -30 "$WORK/docker-$v.log"; die "wbuildc build --engine docker --variant $v failed"; }
  done
fi

# Every file of every layer of the image, by path (the layer tarballs
# themselves, not a mounted view that whiteouts could hide things from): of an
# `oci:` export (buildah) or of `docker save`.
list_layers() {  # ENGINE LISTING
  local dir=$WORK/$1-image layer
  rm -rf "$dir"; mkdir -p "$dir"
  : > "$2"
  if [ "$1" = buildah ]; then
    buildah push --quiet "$IMG:production" "oci:$dir:production" > /dev/null || return 1
    local manifest; manifest=$(jq -r '.manifests[0].digest' "$dir/index.json" | cut -d: -f2)
    for layer in $(jq -r '.layers[].digest' "$dir/blobs/sha256/$manifest" | cut -d: -f2); do
      tar --numeric-owner -tvf "$dir/blobs/sha256/$layer" >> "$2" || return 1
    done
  else
    "$WBUILD_E2E_DOCKER_CLIENT" save "$IMG:docker-production" | tar -C "$dir" -xf - || return 1
    for layer in $(jq -r '.[0].Layers[]' "$dir/manifest.json"); do
      tar --numeric-owner -tvf "$dir/$layer" >> "$2" || return 1
    done
  fi
}
layer_checks() {  # ENGINE
  local listing=$WORK/$1-layers.txt f
  list_layers "$1" "$listing" || die "$1: cannot list the image's layers"
  check "$1: the layers hold files (the listing worked: srv/app/src/main.py is there)" \
    grep -qE " \.?/?srv/app/src/main\.py\$" "$listing"
  for f in srv/app/README.md srv/app/src/NOTES.md srv/app/tests srv/app/tests/unit/test_a.py srv/app/docs/img/shot.png \
    srv/dist/app.js.map srv/dist/maps/b.js.map; do
    check "$1: excluded $f is in no layer of the image" bash -c '! grep -qE " \.?/?$1/?$" "$2"' _ "$f" "$listing"
  done
  for f in mnt/dist/app.js mnt/ctx/in.txt mnt/licenses/GPL-3 var/cache/wbuild-steps/token; do
    check "$1: mounted $f is in no layer of the image" bash -c '! grep -qE " \.?/?$1/?$" "$2"' _ "$f" "$listing"
  done
  for f in srv/app/src/main.py srv/app/src/tests srv/app/docs/guide.txt; do
    check "$1: kept $f is in a layer, owned by 65533/65533" grep -qE " 65533/65533 .* \.?/?$f\$" "$listing"
  done
}
"$WBUILDC" compile service.wbuild --variant production > "$WORK/production.Dockerfile"
check "the Dockerfile has the two filter stages, and the variant copies only what they leave" \
  bash -c '[ "$(grep -c "^FROM .* AS production\.exclude\.[12]$" "$1")" = 2 ] && [ "$(grep -c "^COPY --from=production\.exclude\.[12] .*\"/wbuild-exclude/out/\"" "$1")" = 2 ]' _ "$WORK/production.Dockerfile"
layer_checks buildah
if [ -n "${DOCKER_HOST:-}" ]; then
  layer_checks docker
  in_image() { "$WBUILD_E2E_DOCKER_CLIENT" run --rm --network none --entrypoint cat "$IMG:docker-$1" "$2" 2>/dev/null; }
  expected=$(printf 'js %s\ncontext %s\n/mnt/licenses/GPL-3' "$RUN_ID" "$RUN_ID")
  check "docker: the step read the build stage, the build context and the image through its bind mounts" \
    test "$(in_image production /srv/seen/read)" = "$expected"
  check "docker: the context mount showed in.txt and not the .env the ignore file hides ($(in_image production /srv/seen/context | tr '\n' ' '))" \
    test "$(in_image production /srv/seen/context)" = in.txt
  got=$(in_image reader /srv/seen/cache | tr '\n' ' ')
  check "docker: another build's step with the same cache id and owner (at another target) read what the first wrote ($got)" \
    test "$got" = "cached $RUN_ID 65533 "
  "$WBUILD_E2E_DOCKER_CLIENT" rmi "$IMG:docker-production" "$IMG:docker-reader" > /dev/null 2>&1 || true
fi

ctr=$(buildah from --pull-never "$IMG:production") || die "buildah from $IMG:production failed"
CTRS+=("$ctr")
mnt=$(buildah mount "$ctr") || die "buildah mount failed"
owner() { stat -c %u:%g "$mnt$1" 2>/dev/null || echo missing; }
for f in /srv/app/src/main.py /srv/app/src/tests /srv/app/docs/guide.txt /srv/app/docs/img; do
  got=$(owner "$f")
  check "kept $f is in the image, owned by 65533:65533 (copy ... with exclude, chown; got $got)" test "$got" = 65533:65533
done
check "the file named like the directory pattern tests/ is kept ($(cat "$mnt/srv/app/src/tests" 2>/dev/null))" \
  test "$(cat "$mnt/srv/app/src/tests" 2>/dev/null)" = "kept $RUN_ID"
got=$(owner /srv/dist/app.js)
check "copy from build ... with exclude kept dist/app.js, owned by root as copy from's are (got $got)" test "$got" = 0:0
check "... with its content from the build stage" test "$(cat "$mnt/srv/dist/app.js" 2>/dev/null)" = "js $RUN_ID"
check "the excluded files are not in the image's file system either" \
  bash -c 'for f in srv/app/README.md srv/app/tests srv/app/docs/img/shot.png srv/dist/app.js.map srv/dist/maps/b.js.map; do [ ! -e "$1/$f" ] || exit 1; done' _ "$mnt"
expected=$(printf 'js %s\ncontext %s\n/mnt/licenses/GPL-3' "$RUN_ID" "$RUN_ID")
check "the step read the build stage, the build context and the image through its bind mounts" \
  test "$(cat "$mnt/srv/seen/read" 2>/dev/null)" = "$expected"
check "the context mount showed in.txt and not the .env the ignore file hides ($(tr '\n' ' ' < "$mnt/srv/seen/context" 2>/dev/null))" \
  test "$(cat "$mnt/srv/seen/context" 2>/dev/null)" = in.txt
check "the bind-mounted files are not in the image" \
  bash -c '[ ! -e "$1/mnt/dist/app.js" ] && [ ! -e "$1/mnt/ctx/in.txt" ] && [ ! -e "$1/mnt/licenses/GPL-3" ]' _ "$mnt"
check "the cache mount's files are not in the image" test ! -e "$mnt/var/cache/wbuild-steps/token"
buildah umount "$ctr" > /dev/null

ctr=$(buildah from --pull-never "$IMG:reader") || die "buildah from $IMG:reader failed"
CTRS+=("$ctr")
mnt=$(buildah mount "$ctr") || die "buildah mount failed"
got=$(tr '\n' ' ' < "$mnt/srv/seen/cache" 2>/dev/null || echo missing)
check "another build's step with the same cache id and owner (at another target) read what the first wrote, as 65533 ($got)" \
  test "$got" = "cached $RUN_ID 65533 "
buildah umount "$ctr" > /dev/null
cleanup; CTRS=()
buildah rmi "$IMG:production" "$IMG:reader" > /dev/null 2>&1 || true
finish
