#!/usr/bin/env bash
# The VS Code extension in CI: installs its npm packages from the lockfile, tests
# the TextMate grammar (assertions in test/, then every example and stdlib
# module), and packages the extension with @vscode/vsce.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
npm ci --no-audit --no-fund --loglevel=error
npm test
npx vsce package --out "${TMPDIR:-/tmp}/wbuild-$$.vsix"
rm -f "${TMPDIR:-/tmp}/wbuild-$$.vsix"
