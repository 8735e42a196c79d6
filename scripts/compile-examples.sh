#!/usr/bin/env bash
# The main job: build wbuildc (release) and compile every variant of every example
# into out/<example>/<variant>.Dockerfile. Fails on the first diagnostic error.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo build --release --locked --bin wbuildc
wbuildc=target/release/wbuildc

for manifest in examples/*/*.wbuild; do
    example=$(basename "$(dirname "$manifest")")
    mkdir -p "out/$example"
    "$wbuildc" check "$manifest"
    for variant in $("$wbuildc" variants "$manifest"); do
        "$wbuildc" compile "$manifest" --variant "$variant" -o "out/$example/$variant.Dockerfile"
        echo "out/$example/$variant.Dockerfile"
    done
done
