#!/usr/bin/env bash
# The language presets' knobs (docs/stdlib.md), built for real with buildah from
# tests/e2e/fixtures/presets/: python.app with no_deps (pip check fails the step
# when a requirement's dependency is not listed, passes when it is), the default
# pulling dependencies, an isolated virtualenv and pinned tools (pip among them)
# in it; python.poetry installing the main group only by default, every group
# with devel = true and the dev group alone with only = "dev", Poetry itself
# outside the application's virtualenv, an empty Poetry version failing the
# build; node.app with npm ci, dev = "omit" and dedupe (no devDependency in
# node_modules, the lockfile's nested duplicate gone), with the defaults (both
# there) and with npm install from package.json alone (the devDependency too);
# php.app's default production install (no require-dev) and flags = []
# (require-dev too), offline.
#
#   tests/e2e/presets.sh WBUILDC WORK_DIR
#
# Needs the suite's base image (base-image.sh) in the storage of lib.sh, and PyPI,
# npm and Debian. Prints one line per check and ends with `presets: N passed, N failed`.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
WBUILDC=${1:?usage: presets.sh WBUILDC WORK_DIR}
WORK=${2:?usage: presets.sh WBUILDC WORK_DIR}
WBUILDC=$(cd "$(dirname "$WBUILDC")" && pwd)/$(basename "$WBUILDC")

sub_suite_checks presets
# The images stay (like the examples'): their layers are the next run's cache,
# which saves the apt downloads (3.5 minutes cold, well under one warm).
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
mkdir -p "$WORK"
cp -a "$HERE/fixtures/presets/." "$WORK/"

# build DIR VARIANT: builds localhost/wbuild-e2e-presets-DIR:VARIANT, its log in
# WORK/DIR-VARIANT.log; returns the build's exit status.
build() {
  local img=localhost/wbuild-e2e-presets-$1:$2 rc=0
  "$WBUILDC" build "$WORK/$1/service.wbuild" --variant "$2" --network host --tag "$img" > "$WORK/$1-$2.log" 2>&1 || rc=$?
  return "$rc"
}
# built DIR VARIANT: build that must pass; a container of the image in $CTR,
# its root mounted at $MNT.
MNT="" CTR=""
built() {
  local rc=0 ctr
  MNT=""
  build "$1" "$2" || rc=$?
  if [ "$rc" != 0 ]; then
    tail -30 "$WORK/$1-$2.log"
    bad "$1: wbuildc build --variant $2 failed (exit $rc)"
    return 1
  fi
  ok "$1: wbuildc build --variant $2"
  ctr=$(buildah from --pull-never "localhost/wbuild-e2e-presets-$1:$2") || return 1
  CTRS+=("$ctr") CTR=$ctr
  MNT=$(buildah mount "$ctr")
}
SITE=opt/lib/venv/lib/python3.11/site-packages
# dist NAME: the versions of Python distribution NAME in the virtualenv of $MNT
dist() { find "$MNT/$SITE" -maxdepth 1 -iname "$1-*.dist-info" -printf '%f ' 2>/dev/null | sed 's/\.dist-info//g;s/ $//'; }
env_of() { buildah inspect --type image --format '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' "$1" | grep "^$2=" | cut -d= -f2-; }

# ---------------------------------------------------------------- python.app
rc=0
build python nodeps_missing || rc=$?
check "python: no_deps with a requirement's dependency not listed fails the build (exit $rc)" test "$rc" != 0
check "... at pip check, which names the missing dependency" \
  grep -qi 'sortedcollections 2.1.0 requires sortedcontainers, which is not installed' "$WORK/python-nodeps_missing.log"
if built python nodeps_complete; then
  check "python: no_deps with every dependency listed installs them (sortedcollections: $(dist sortedcollections), sortedcontainers: $(dist sortedcontainers))" \
    test "$(dist sortedcollections)" = sortedcollections-2.1.0 -a "$(dist sortedcontainers)" = sortedcontainers-2.4.0
  check "... in a virtualenv that sees Debian's packages (the default: include-system-site-packages = true)" \
    grep -qx 'include-system-site-packages = true' "$MNT/opt/lib/venv/pyvenv.cfg"
  check "... and has no pip of its own" test -z "$(find "$MNT/opt/lib/venv" -name 'pip*' -print -quit)"
fi
if built python isolated; then
  check "python: without no_deps pip installs the dependency missing.txt does not list ($(dist sortedcontainers))" \
    test "$(dist sortedcontainers)" = sortedcontainers-2.4.0
  check "python: system_site_packages = false makes an isolated virtualenv (include-system-site-packages = false)" \
    grep -qx 'include-system-site-packages = false' "$MNT/opt/lib/venv/pyvenv.cfg"
  check "python: tools = [\"pip==24.0\", \"wheel==0.43.0\"] installs them into the virtualenv ($(dist pip), $(dist wheel))" \
    test "$(dist pip)" = pip-24.0 -a "$(dist wheel)" = wheel-0.43.0
  got=$(buildah run "$CTR" -- pip --version 2>&1 | cut -d' ' -f1-4)
  check "... and that pip is the one the stage's later steps run (pip --version: $got)" \
    test "$got" = "pip 24.0 from /opt/lib/venv/lib/python3.11/site-packages/pip"
fi

# ---------------------------------------------------------------- python.poetry
if built poetry main; then
  check "poetry: the default installs the main group (sortedcontainers: $(dist sortedcontainers))" test "$(dist sortedcontainers)" = sortedcontainers-2.4.0
  check "... and not the dev group (iniconfig: $(dist iniconfig))" test -z "$(dist iniconfig)"
  check "poetry: Poetry 2.1.3 is in its own virtualenv, not in the application's ($(find "$MNT/opt/lib/poetry" -maxdepth 5 -name 'poetry-*.dist-info' -printf '%f'))" \
    bash -c 'test -d "$1/opt/lib/poetry/lib/python3.11/site-packages/poetry-2.1.3.dist-info" && test -z "$(find "$1/opt/lib/venv" -iname "poetry*" -print -quit)"' _ "$MNT"
fi
rc=0
build poetry empty || rc=$?
check "poetry: an empty poetry_version fails the build (exit $rc)" test "$rc" != 0
check "... saying so, before any Poetry is installed" \
  bash -c 'grep -q "python.poetry: poetry_version is empty" "$1" && ! grep -q "Successfully installed.*poetry-" "$1"' _ "$WORK/poetry-empty.log"
if built poetry devel; then
  check "poetry: devel = true installs the dev group too (sortedcontainers: $(dist sortedcontainers), iniconfig: $(dist iniconfig))" \
    test "$(dist sortedcontainers)" = sortedcontainers-2.4.0 -a "$(dist iniconfig)" = iniconfig-2.0.0
fi
if built poetry only_dev; then
  check "poetry: only = \"dev\" installs that group alone (iniconfig: $(dist iniconfig), sortedcontainers: $(dist sortedcontainers))" \
    test "$(dist iniconfig)" = iniconfig-2.0.0 -a -z "$(dist sortedcontainers)"
fi

# ---------------------------------------------------------------- node.app
NM=srv/app/node_modules
if built node production_deps; then
  check "node: npm ci with dev = \"omit\" installs the dependencies (debug, ms)" test -f "$MNT/$NM/ms/package.json" -a -f "$MNT/$NM/debug/package.json"
  check "... and not the devDependency (is-number)" test ! -e "$MNT/$NM/is-number"
  check "... and dedupe = true removed the second ms the lockfile nests under debug" test ! -e "$MNT/$NM/debug/node_modules/ms"
  got=$(env_of localhost/wbuild-e2e-presets-node:production_deps NODE_ENV)
  check "node: node_env = \"production\" is the stage's NODE_ENV ($got)" test "$got" = production
fi
if built node ci_deps; then
  check "node: the defaults (npm ci, dev = \"include\") install the devDependency (is-number)" test -f "$MNT/$NM/is-number/package.json"
  check "... and, without dedupe, the lockfile's tree as it is (debug's own ms)" test -f "$MNT/$NM/debug/node_modules/ms/package.json"
  got=$(env_of localhost/wbuild-e2e-presets-node:ci_deps NODE_ENV)
  check "node: NODE_ENV defaults to development in build stages ($got)" test "$got" = development
fi
if built node all_deps; then
  check "node: install = \"install\" from package.json alone installs the devDependency too (is-number, ms)" \
    test -f "$MNT/$NM/is-number/package.json" -a -f "$MNT/$NM/ms/package.json"
  check "... and writes the lockfile npm ci would have needed" test -s "$MNT/srv/app/package-lock.json"
fi

# ---------------------------------------------------------------- php.app
installed() { jq -r '(.packages // .)[].name' "$MNT/srv/app/vendor/composer/installed.json" 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'; }
if built php production_deps; then
  got=$(installed)
  check "php: the default flags install require and not require-dev (installed: $got)" test "$got" = wbuild-e2e/runtime-lib
  check "... and write the optimised autoloader" test -s "$MNT/srv/app/vendor/composer/autoload_classmap.php"
fi
if built php dev_deps; then
  got=$(installed)
  check "php: flags = [] installs require-dev too (installed: $got)" test "$got" = "wbuild-e2e/dev-tool wbuild-e2e/runtime-lib"
fi
finish
