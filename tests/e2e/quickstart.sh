#!/usr/bin/env bash
# The README's first steps, as a new user takes them: `cargo install --locked` from
# the checkout (the README's Install block, into a prefix of its own), then the
# block marked `quickstart` in README.md run line by line, as written, in a copy of
# an example service whose manifest was removed.
#
#   tests/e2e/quickstart.sh WORKDIR [EXAMPLE]
#
# Prints one `ok`/`FAIL` line per step (run.sh counts them); exits 1 if one failed.
# The install reuses target/ (CARGO_TARGET_DIR), so after run.sh's release build it
# only links; buildah's storage is the caller's (lib.sh).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${1:?usage: quickstart.sh WORKDIR [EXAMPLE]}
EXAMPLE=${2:-python-web}
FAILED=0
ok() { printf 'ok   %s\n' "$*"; }
bad() { printf 'FAIL %s\n' "$*"; FAILED=1; }

# The install commands of the README's "Install" section: each `cargo install`
# line, with a prefix of our own added.
mapfile -t INSTALL < <(sed -n '/^## Install$/,/^## /p' "$ROOT/README.md" | grep -E '^cargo install --locked --path \. ')
[ "${#INSTALL[@]}" = 1 ] || { bad "README's Install section has one \`cargo install --locked --path .\` line (found ${#INSTALL[@]})"; exit 1; }
PREFIX=$WORK/prefix
line=${INSTALL[0]%%#*}; line=${line%"${line##*[![:space:]]}"}
if (cd "$ROOT" && CARGO_TARGET_DIR=$ROOT/target eval "$line --root \"$PREFIX\"") > "$WORK/install.log" 2>&1; then
  ok "README install: ${line% } --root PREFIX"
else
  tail -20 "$WORK/install.log"; bad "README install: $line"; exit 1
fi

# The quickstart block: the fenced sh block right after the marker.
mapfile -t STEPS < <(awk '/<!-- quickstart:/{on=1; next} on && /^```sh/{inblock=1; next} inblock && /^```/{exit} inblock{print}' "$ROOT/README.md")
[ "${#STEPS[@]}" -ge 3 ] || { bad "README has a quickstart block (found ${#STEPS[@]} lines)"; exit 1; }
SERVICE=$WORK/service
rm -rf "$SERVICE"; cp -r "$ROOT/examples/$EXAMPLE" "$SERVICE"; rm -f "$SERVICE"/*.wbuild
git -C "$SERVICE" init -q
n=0
for step in "${STEPS[@]}"; do
  n=$((n + 1))
  command=${step%%#*}; command=${command%"${command##*[![:space:]]}"}
  [ -n "$command" ] || continue
  if (cd "$SERVICE" && PATH=$PREFIX/bin:$PATH eval "$command") > "$WORK/step-$n.log" 2>&1; then
    ok "README quickstart in $EXAMPLE without its manifest: $command"
  else
    tail -20 "$WORK/step-$n.log"; bad "README quickstart: $command"; break
  fi
done
exit "$FAILED"
