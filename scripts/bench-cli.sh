#!/usr/bin/env bash
# Whole-process timings of the release `wbuildc` with hyperfine:
#   1. `wbuildc compile` of one typical manifest (production variant), target < 5 ms;
#   2. `wbuildc check` over 10,000 generated manifests, target < 1 s.
# Usage: scripts/bench-cli.sh [N]   (N generated manifests, default 10000)
# Installs hyperfine with apt-get when it is missing. Results: BENCHMARKS.md.
set -euo pipefail

cd "$(dirname "$0")/.."
N="${1:-10000}"

if ! command -v hyperfine >/dev/null 2>&1; then
    apt-get install -y hyperfine >/dev/null
fi

cargo build --release --quiet --bin wbuildc --example gen-manifests
WBUILDC="$PWD/target/release/wbuildc"
GEN="$PWD/target/release/examples/gen-manifests"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$GEN" "$WORK" "$N"
# Every generated manifest must check clean, or the timing measures the wrong thing.
(cd "$WORK" && "$WBUILDC" check --color never svc-*/service.wbuild)

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src grammar stdlib || echo ' (with uncommitted changes)')"

hyperfine --shell=none --warmup 20 --min-runs 200 \
    --export-markdown "$WORK/compile.md" \
    "$WBUILDC compile examples/python-web/service.wbuild --variant production" \
    "$WBUILDC compile $WORK/typical.wbuild --variant production"

# `check` over N files, as a CI job would pass them. The list is too long for one
# hyperfine argument, so the shell expands the glob (hyperfine subtracts the
# shell's start-up; the glob itself costs a few milliseconds and is included).
(cd "$WORK" && hyperfine --warmup 2 --runs 10 \
    --export-markdown "$WORK/check.md" \
    --command-name "wbuildc check ($N files)" \
    "$WBUILDC check --color never svc-*/service.wbuild")

cat "$WORK/compile.md" "$WORK/check.md" | sed "s|$WORK/||g; s|$PWD/||g"
