#!/usr/bin/env bash
# Blubber configs imported and built for real (docs/migrating-from-blubber.md):
# each config in tests/e2e/fixtures/blubber/NAME/blubber.yaml is converted with
# `wbuildc import-blubber`, checked with `wbuildc check` under an organisation
# policy this script writes ($WBUILD_CONFIG/policy.toml), built with buildah
# (`wbuildc build --variant V`), and the image is compared with what Blubber
# builds: config User, WorkingDir, Entrypoint and Env, the users and groups in
# /etc/passwd and /etc/group with their homes, the owners of the application
# directory and of the copied and built files, files that must not be there, and
# the builders' products used by the user the image runs as (a virtualenv, npm's
# node_modules without devDependencies in production).
#
#   tests/e2e/blubber.sh WBUILDC WORK_DIR
#
# What Blubber does is read from its source (the mirror of wikimedia/blubber:
# config/*.go, build/macros.go) and its acceptance tests (examples/*.feature);
# each check says where. Blubber writes `USER uid`; wbuild writes `USER uid:gid`
# with the gid the user was created with (docs/migrating-from-blubber.md, "What
# changes on purpose"), so both halves are compared with /etc/passwd.
#
# Needs the suite's base image (base-image.sh) in the storage of lib.sh, Debian's
# mirror, PyPI and npm. Prints one line per check and ends with
# `blubber: N passed, N failed`.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
WBUILDC=${1:?usage: blubber.sh WBUILDC WORK_DIR}
WORK=${2:?usage: blubber.sh WBUILDC WORK_DIR}
WBUILDC=$(cd "$(dirname "$WBUILDC")" && pwd)/$(basename "$WBUILDC")
FIXTURES=$HERE/fixtures/blubber

sub_suite_checks blubber
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

export SOURCE_DATE_EPOCH=1700000000
IMG=localhost/wbuild-e2e-blubber
mkdir -p "$WORK"

# The organisation's policy: the suite's registry and Debian's main archive only,
# no extra keyrings, no root at run time.
mkdir -p "$WORK/org"
cat > "$WORK/org/policy.toml" <<'EOF'
# Written by tests/e2e/blubber.sh.
[images]
allowed_registries = ["registry.example.org"]

[apt]
allowed_repositories = ["http://deb.debian.org/debian"]
allowed_components = ["main"]
allow_keyrings = false

[runtime]
allow_root = false
EOF
export WBUILD_CONFIG=$WORK/org

# ---------------------------------------------------------------- helpers
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# import NAME: a copy of the fixture in WORK/NAME, imported to service.wbuild and
# checked under the organisation's policy; cds into it.
import() {
  local name=$1
  rm -rf "${WORK:?}/$name"
  cp -r "$FIXTURES/$name" "$WORK/$name"
  cd "$WORK/$name"
  check "$name: wbuildc import-blubber writes service.wbuild" \
    "$WBUILDC" import-blubber blubber.yaml -o service.wbuild --image "wbuild-e2e-blubber-$name"
  check "$name: wbuildc check passes under the organisation's policy" \
    bash -c '"$1" check service.wbuild > check.log 2>&1 || { cat check.log; exit 1; }' _ "$WBUILDC"
}
# build NAME VARIANT: wbuildc build with buildah, tagged $IMG-NAME:VARIANT
build() {
  local name=$1 v=$2 t rc=0
  t=$(now)
  "$WBUILDC" build service.wbuild --variant "$v" --network host --tag "$IMG-$name:$v" > "build-$v.log" 2>&1 || rc=$?
  if [ "$rc" = 0 ]; then
    ok "$name: wbuildc build --variant $v ($(since "$t")s)"
  else
    tail -40 "build-$v.log"
    bad "$name: wbuildc build --variant $v failed (exit $rc)"
  fi
  return "$rc"
}
# open IMAGE: a container of it, mounted: C and M
open() {
  C=$(buildah from --pull-never "$1") || die "buildah from $1 failed"
  CTRS+=("$C")
  M=$(buildah mount "$C") || die "buildah mount $C failed"
}
close() {
  buildah umount "$C" > /dev/null
  buildah rm "$C" > /dev/null
  CTRS=()
}
inspect() { buildah inspect --type image --format "$2" "$1"; }
user_of() { inspect "$1" '{{.OCIv1.Config.User}}'; }
workdir_of() { inspect "$1" '{{.OCIv1.Config.WorkingDir}}'; }
# (buildah 1.28's --format has no json function)
entrypoint_of() { buildah inspect --type image "$1" | jq -c .OCIv1.config.Entrypoint; }
# env_of IMAGE NAME: the variable's value, `<unset>` when the config has none
env_of() {
  inspect "$1" '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' |
    awk -v n="$2" 'index($0, n "=") == 1 { print substr($0, length(n) + 2); found = 1 } END { if (!found) print "<unset>" }'
}
# owner PATH: uid:gid of PATH in the mounted image, `missing` when absent
owner() { stat -c %u:%g "$M$1" 2> /dev/null || echo missing; }
# pw_entry NAME / gr_entry NAME: the entry's fields (passwd: uid:gid:home; group: gid)
pw_entry() { awk -F: -v n="$1" '$1 == n { print $3 ":" $4 ":" $6 }' "$M/etc/passwd"; }
gr_entry() { awk -F: -v n="$1" '$1 == n { print $3 }' "$M/etc/group"; }
# as_user CMD...: runs CMD in the container as the image's config user
as_user() { buildah run --isolation chroot "$C" -- "$@" 2> /dev/null; }

# users NAME KIND USER UID GID: the user Blubber creates (build/macros.go
# CreateUser: `groupadd -o -g GID -r NAME`, `useradd -l -o -m -d /home/NAME -r
# -g GID -u UID NAME`; homeDir is /home/NAME): its passwd and group entries, its
# home created (-m) and owned by it.
users() {
  local n=$1 kind=$2 u=$3 uid=$4 gid=$5 got
  got=$(pw_entry "$u")
  check "$n: /etc/passwd has the $kind user $u with uid $uid, gid $gid, home /home/$u (got ${got:-none})" \
    test "$got" = "$uid:$gid:/home/$u"
  got=$(gr_entry "$u")
  check "$n: /etc/group has the group $u with gid $gid (got ${got:-none})" test "$got" = "$gid"
  got=$(owner "/home/$u")
  check "$n: the home /home/$u exists and belongs to $uid:$gid (got $got)" test "$got" = "$uid:$gid"
}
# runs_as N IMAGE USER: config User is uid:gid of USER's passwd entry. Blubber
# writes `USER uid` (config/variant.go InstructionsForPhase, build.User{UID:
# uid}); wbuild adds the gid the user was created with.
runs_as() {
  local n=$1 img=$2 u=$3 want got
  want=$(pw_entry "$u" | cut -d: -f1,2)
  got=$(user_of "$img")
  check "$n: config User is $u's uid and the gid it was created with ($want; got $got)" \
    test -n "$want" -a "$got" = "$want"
}
expect() { # N DESCRIPTION WANT GOT
  check "$1: $2 is $3 (got $4)" test "$4" = "$3"
}

# ---------------------------------------------------------------- 1. basic
# Blubber's defaults (config/lives.go, config/runs.go, config/user.go: lives
# somebody 65533:65533 in /srv/app, runs runuser 900:900;
# examples/02-defining-the-environment.feature "Rely on the default values"),
# `copies: [local]` (the context to lives.in, owned by lives:
# examples/01-basic-usage.feature, config/variant.go build.ApplyUser), a custom
# builder run as lives in lives.in before the copies (config/builder.go; phases
# in build/phases.go), the entrypoint (config/variant.go build.EntryPoint).
section_basic() {
  local n=basic i=$IMG-basic:hello got
  import "$n"
  # Control: the policy is really applied: a base image from another registry is refused.
  sed 's|registry.example.org/debian:bookworm|docker.io/library/debian:bookworm|' service.wbuild > other-registry.wbuild
  check "$n: control: the same manifest on docker.io is refused by the organisation's policy (WB5001)" \
    bash -c '! "$1" check other-registry.wbuild > other.log 2>&1 && grep -q "WB5001" other.log' _ "$WBUILDC"
  build "$n" hello || return 0
  open "$i"
  users "$n" lives somebody 65533 65533
  users "$n" runs runuser 900 900
  runs_as "$n" "$i" runuser
  # lives.in, else runs.in: the working directory (config/lives.go PhasePrivilegeDropped)
  expect "$n" "WorkingDir" /srv/app "$(workdir_of "$i")"
  expect "$n" "Entrypoint" '["./hello.sh"]' "$(entrypoint_of "$i")"
  # HOME is the runs user's (config/variant.go InstructionsForPhase, build.Home)
  expect "$n" "HOME" /home/runuser "$(env_of "$i" HOME)"
  # lives.in and /opt/lib are created and chowned to lives (config/lives.go PhasePrivileged)
  expect "$n" "the owner of /srv/app" 65533:65533 "$(owner /srv/app)"
  expect "$n" "the owner of /opt/lib" 65533:65533 "$(owner /opt/lib)"
  for f in README.md hello.sh build.sh; do
    expect "$n" "the owner of the copied /srv/app/$f" 65533:65533 "$(owner "/srv/app/$f")"
  done
  check "$n: the copied hello.sh kept its mode 755" test "$(stat -c %a "$M/srv/app/hello.sh" 2> /dev/null)" = 755
  # the builder ran as lives (uid, gid, HOME of somebody) and its product is lives's
  expect "$n" "what the builder ran as (id -u, id -g, HOME)" "65533 65533 /home/somebody" \
    "$(tr '\n' ' ' < "$M/srv/app/built-by" 2> /dev/null | sed 's/ $//')"
  expect "$n" "the owner of the builder's product /srv/app/product.txt" 65533:65533 "$(owner /srv/app/product.txt)"
  got=$(as_user ./hello.sh || echo failed)
  expect "$n" "the entrypoint run as the image's user" "hello from 900:900 in /srv/app home /home/runuser" "$got"
  close
}

# ---------------------------------------------------------------- 2. users
# Custom lives (as/uid/gid/in) and runs (as/uid/gid/in/environment):
# examples/02-defining-the-environment.feature "Customize the application
# location and file owner", "Customize the runtime process owner", "Changing the
# default runtime directory", "Defining extra environment variables"; runs.in is
# the WorkingDir (config/runs.go PhasePostInstall); runs.insecurely runs as the
# lives user ("Disable the unprivileged runtime process owner", config/variant.go
# userForPhase), HOME its home; runs.environment merges by key (config/runs.go Merge).
section_users() {
  local n=users i got v
  import "$n"
  build "$n" production || return 0
  build "$n" test || return 0
  for v in production test; do
    i=$IMG-users:$v
    open "$i"
    users "$n/$v" lives appowner 1234 1235
    users "$n/$v" runs apprunner 4321 4320
    expect "$n/$v" "WorkingDir (runs.in)" /usr/local/app/run "$(workdir_of "$i")"
    expect "$n/$v" "Entrypoint" '["sh","/usr/local/app/whoami.sh"]' "$(entrypoint_of "$i")"
    expect "$n/$v" "GREETING (runs.environment)" hello "$(env_of "$i" GREETING)"
    expect "$n/$v" "the owner of lives.in /usr/local/app" 1234:1235 "$(owner /usr/local/app)"
    expect "$n/$v" "the owner of /opt/lib" 1234:1235 "$(owner /opt/lib)"
    expect "$n/$v" "the owner of the copied whoami.sh" 1234:1235 "$(owner /usr/local/app/whoami.sh)"
    check "$n/$v: Blubber's default users are not created (no somebody, no runuser)" \
      test -z "$(pw_entry somebody)$(pw_entry runuser)"
    expect "$n/$v" "what the builder ran as (id -u, id -g)" "1234 1235" \
      "$(tr '\n' ' ' < "$M/usr/local/app/run/built-by" 2> /dev/null | sed 's/ $//')"
    if [ "$v" = production ]; then
      runs_as "$n/$v" "$i" apprunner
      expect "$n/$v" "HOME (the runs user's)" /home/apprunner "$(env_of "$i" HOME)"
      expect "$n/$v" "APP_MODE" served "$(env_of "$i" APP_MODE)"
      got=$(as_user sh /usr/local/app/whoami.sh || echo failed)
      expect "$n/$v" "the entrypoint's id, directory, HOME and environment" "4321:4320 /usr/local/app/run /home/apprunner hello served" "$got"
    else
      runs_as "$n/$v" "$i" appowner
      expect "$n/$v" "HOME (runs.insecurely: the lives user's)" /home/appowner "$(env_of "$i" HOME)"
      expect "$n/$v" "APP_MODE (the variant's value over the top level's)" testing "$(env_of "$i" APP_MODE)"
      got=$(as_user sh /usr/local/app/whoami.sh || echo failed)
      expect "$n/$v" "the entrypoint's id, directory, HOME and environment" "1234:1235 /usr/local/app/run /home/appowner hello testing" "$got"
    fi
    close
  done
}

# ---------------------------------------------------------------- 3. python
# The python builder (config/python.go InstructionsForPhase): `python3 -m venv
# /opt/lib/venv` (DefaultPythonVenv; `--system-site-packages` with
# use-system-site-packages), VIRTUAL_ENV=/opt/lib/venv and PATH=/opt/lib/venv/bin:$PATH,
# pip, setuptools, wheel and tox upgraded in it (setupPipAndPoetry), then
# `pip install -r requirements.txt`, all as the lives user;
# examples/06-python-builder.feature runs the entrypoint (python3 hello.py).
section_python() {
  local n=python i got v base_path
  import "$n"
  build "$n" isolated || return 0
  build "$n" system || return 0
  base_path=$(env_of "$WBUILD_E2E_BASE_IMAGE" PATH)
  for v in isolated system; do
    i=$IMG-python:$v
    open "$i"
    users "$n/$v" lives somebody 65533 65533
    runs_as "$n/$v" "$i" runuser
    expect "$n/$v" "WorkingDir" /srv/app "$(workdir_of "$i")"
    expect "$n/$v" "Entrypoint" '["python3","hello.py"]' "$(entrypoint_of "$i")"
    expect "$n/$v" "VIRTUAL_ENV" /opt/lib/venv "$(env_of "$i" VIRTUAL_ENV)"
    expect "$n/$v" "PATH (the venv's bin, then the base image's PATH)" "/opt/lib/venv/bin:$base_path" "$(env_of "$i" PATH)"
    expect "$n/$v" "HOME" /home/runuser "$(env_of "$i" HOME)"
    # docs/migrating-from-blubber.md, "What changes on purpose": Blubber leaves
    # DEBIAN_FRONTEND=noninteractive in the image (config/apt.go); wbuild sets it for the apt step only
    expect "$n/$v" "DEBIAN_FRONTEND (wbuild: the apt step's only)" "<unset>" "$(env_of "$i" DEBIAN_FRONTEND)"
    expect "$n/$v" "the owner of the venv /opt/lib/venv" 65533:65533 "$(owner /opt/lib/venv)"
    expect "$n/$v" "the owner of the pinned iniconfig 2.0.0 installed by pip" 65533:65533 \
      "$(owner /opt/lib/venv/lib/python3.11/site-packages/iniconfig-2.0.0.dist-info)"
    check "$n/$v: tox was installed into the venv (setupPipAndPoetry)" test -x "$M/opt/lib/venv/bin/tox"
    got=$(as_user python3 -c 'import sys, iniconfig; print(sys.prefix, iniconfig.__file__.startswith("/opt/lib/venv/"))' || echo failed)
    expect "$n/$v" "python3 as the run user is the venv's and imports iniconfig from it" "/opt/lib/venv True" "$got"
    got=$(as_user python3 hello.py | cut -d' ' -f1,3,4 || echo failed)
    expect "$n/$v" "the entrypoint's output (iniconfig, uid, gid)" "iniconfig 900 900" "$got"
    # python3-six is installed by apt (in /usr/lib/python3/dist-packages): the venv sees it only with
    # use-system-site-packages
    got=$(as_user python3 -c 'import importlib.util as u; s = u.find_spec("six"); print(s.origin if s else "not importable")' || echo failed)
    if [ "$v" = isolated ]; then
      expect "$n/$v" "Debian's six from the venv (no system site packages)" "not importable" "$got"
      check "$n/$v: control: Debian's python3 itself imports six" \
        bash -c 'buildah run --isolation chroot "$1" -- /usr/bin/python3 -c "import six" 2> /dev/null' _ "$C"
    else
      expect "$n/$v" "Debian's six from the venv (use-system-site-packages)" /usr/lib/python3/dist-packages/six.py "$got"
    fi
    close
  done
}

# ---------------------------------------------------------------- 4. node
# The node builder (config/node.go InstructionsForPhase): the requirements
# copied, `npm install` as lives in lives.in (production: `npm install
# --only=production`, then `npm dedupe`), NODE_ENV set to node.env in the image
# afterwards (PhasePostInstall; to "" when only requirements are given);
# examples/07-node-builder.feature runs the entrypoint. runs.environment is set
# before the builders (config/runs.go PhasePrivilegeDropped), so npm sees a
# NODE_ENV given there while it installs.
#
# What Blubber's commands give on Debian's npm 9: `npm install --only=production`
# leaves devDependencies out, but the `npm dedupe` after it (NODE_ENV not yet
# set, so npm omits nothing) installs them again. The comment on config/node.go
# InstructionsForPhase promises production packages only; its commands, run as
# written, do not keep that promise on npm >= 7, in Blubber's images as in the
# imported ones.
# The variant `production-env` (a Blubber name with `-`: `production_env` in
# wbuild) sets NODE_ENV in runs.environment, where npm reads it, and has no
# devDependency.
section_node() {
  local n=node i got v
  import "$n"
  for v in build production production_env; do build "$n" "$v" || return 0; done
  for v in build production production_env; do
    i=$IMG-node:$v
    open "$i"
    users "$n/$v" runs runuser 900 900
    runs_as "$n/$v" "$i" runuser
    expect "$n/$v" "WorkingDir" /srv/app "$(workdir_of "$i")"
    expect "$n/$v" "Entrypoint" '["node","hello.js"]' "$(entrypoint_of "$i")"
    expect "$n/$v" "HOME" /home/runuser "$(env_of "$i" HOME)"
    expect "$n/$v" "the owner of node_modules" 65533:65533 "$(owner /srv/app/node_modules)"
    expect "$n/$v" "the owner of the dependency is-number" 65533:65533 "$(owner /srv/app/node_modules/is-number/package.json)"
    got=$(as_user node -p 'require("is-number/package.json").version' || echo failed)
    expect "$n/$v" "the version of is-number the run user loads" 7.0.0 "$got"
    case "$v" in
      build)
        expect "$n/$v" "NODE_ENV (node.env unset: empty)" "" "$(env_of "$i" NODE_ENV)"
        expect "$n/$v" "the owner of the devDependency ms" 65533:65533 "$(owner /srv/app/node_modules/ms/package.json)"
        got=$(as_user node hello.js || echo failed)
        expect "$n/$v" "the entrypoint's output" "is-number true NODE_ENV= uid=900" "$got"
        ;;
      production)
        expect "$n/$v" "NODE_ENV" production "$(env_of "$i" NODE_ENV)"
        check "$n/$v: the devDependency ms is installed again by Blubber's npm dedupe (npm 9; see above)" \
          test -e "$M/srv/app/node_modules/ms/package.json"
        got=$(as_user node hello.js || echo failed)
        expect "$n/$v" "the entrypoint's output" "is-number true NODE_ENV=production uid=900" "$got"
        ;;
      production_env)
        expect "$n/$v" "NODE_ENV" production "$(env_of "$i" NODE_ENV)"
        check "$n/$v: the devDependency ms is not installed (NODE_ENV=production while npm installs)" \
          test ! -e "$M/srv/app/node_modules/ms"
        check "$n/$v: the production dependency is (control)" test -e "$M/srv/app/node_modules/is-number/package.json"
        ;;
    esac
    close
  done
}

# ---------------------------------------------------------------- 5. copies
# Copies between variants (config/artifacts.go Expand: `copies: [build]` is
# build's lives.in to the copier's lives.in and /opt/lib to /opt/lib; the object
# form copies source to destination; all owned by lives, config/variant.go
# build.ApplyUser; examples/05-copying-from-other-variants.feature,
# examples/04-builders.feature "Defining inline builder scripts"), with
# `includes: [settings]` for the environment and entrypoint (config/variant.go
# Merge; examples/01-basic-usage.feature "Variants can include one another").
section_copies() {
  local n=copies i=$IMG-copies:production got
  import "$n"
  build "$n" production || return 0
  open "$i"
  users "$n" lives somebody 65533 65533
  users "$n" runs runuser 900 900
  runs_as "$n" "$i" runuser
  expect "$n" "WorkingDir" /srv/app "$(workdir_of "$i")"
  expect "$n" "Entrypoint (from the included settings)" '["sh","/srv/app/bin/run.sh"]' "$(entrypoint_of "$i")"
  expect "$n" "SERVICE (runs.environment of the included settings)" copies-e2e "$(env_of "$i" SERVICE)"
  for f in /srv/app/out/artifact.txt /srv/app/bin/run.sh /srv/app/src/make.sh /opt/lib/lib.txt \
    /usr/local/share/artifact.txt /srv/app/extra/extra.txt; do
    expect "$n" "the owner of the copied $f" 65533:65533 "$(owner "$f")"
  done
  expect "$n" "the artifact (built by lives in the build variant)" "artifact built by 65533" \
    "$(cat "$M/usr/local/share/artifact.txt" 2> /dev/null || echo missing)"
  check "$n: what the build variant wrote outside lives.in and /opt/lib is not copied (/tmp/build-only.txt)" \
    test ! -e "$M/tmp/build-only.txt"
  check "$n: control: it is in the build variant's image" \
    bash -c '"$1" build service.wbuild --variant build --network host --tag "$2" > build-build.log 2>&1 &&
      c=$(buildah from --pull-never "$2") && buildah run --isolation chroot "$c" -- test -e /tmp/build-only.txt; rc=$?; buildah rm "$c" > /dev/null; exit $rc' \
    _ "$WBUILDC" "$IMG-copies:build"
  check "$n: of the build context only extra.txt is copied (no /srv/app/blubber.yaml)" \
    test ! -e "$M/srv/app/blubber.yaml"
  got=$(as_user sh /srv/app/bin/run.sh || echo failed)
  expect "$n" "the entrypoint's output" "copies-e2e artifact built by 65533" "$got"
  close
}

# WBUILD_E2E_BLUBBER: the configs to run (default: all)
for name in ${WBUILD_E2E_BLUBBER:-basic users python node copies}; do "section_$name"; done
buildah rmi "$IMG-basic:hello" "$IMG-users:production" "$IMG-users:test" "$IMG-python:isolated" "$IMG-python:system" \
  "$IMG-node:build" "$IMG-node:production" "$IMG-node:production_env" "$IMG-copies:production" "$IMG-copies:build" > /dev/null 2>&1 || true
finish
