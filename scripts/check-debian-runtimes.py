#!/usr/bin/env python3
"""Check stdlib/data/debian-runtimes.tsv against Debian's own Packages indices.

Each row says: in SUITE, Debian's package PACKAGE (what the stdlib presets
install, e.g. golang-go) gives RUNTIME at VERSION, through VERSIONED_PACKAGE
(e.g. golang-1.19-go). For every row this script checks, in the suite's
`main/binary-amd64/Packages` index:

* PACKAGE exists, and when VERSIONED_PACKAGE differs, PACKAGE depends on it;
* VERSIONED_PACKAGE exists and its upstream version (epoch and Debian
  revision removed) is VERSION or starts with VERSION followed by `.`;
* no other row claims the same (suite, runtime): one version per suite, the
  one the presets install.

Usage (Python 3 standard library only; reads http://deb.debian.org unless
given local copies):

    python3 scripts/check-debian-runtimes.py
    python3 scripts/check-debian-runtimes.py --packages bookworm=/tmp/bookworm-Packages --packages trixie=...

Exits 0 when every row holds, 1 (naming each failing row) otherwise.
"""

import argparse
import lzma
import re
import sys
import urllib.request

TABLE = "stdlib/data/debian-runtimes.tsv"
MIRROR = "http://deb.debian.org/debian"


def read_table(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 5:
                sys.exit(f"{path}:{number}: expected 5 tab-separated columns")
            rows.append((number, *cols))
    return rows


def packages_index(suite, local):
    if suite in local:
        with open(local[suite], "rb") as f:
            data = f.read()
    else:
        url = f"{MIRROR}/dists/{suite}/main/binary-amd64/Packages.xz"
        with urllib.request.urlopen(url, timeout=120) as response:
            data = lzma.decompress(response.read())
    index = {}
    for stanza in data.decode("utf-8", "replace").split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            if line[:1] in (" ", "\t") or ":" not in line:
                continue
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        if "Package" in fields:
            index[fields["Package"]] = fields
    return index


def upstream(version):
    version = version.split(":", 1)[-1]
    return version.rsplit("-", 1)[0] if "-" in version else version


def depends_on(fields, name):
    names = re.findall(r"(?:^|[,|])\s*([a-z0-9][a-z0-9+.-]+)", fields.get("Depends", ""))
    return name in names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default=TABLE)
    parser.add_argument("--packages", action="append", default=[], metavar="SUITE=FILE")
    args = parser.parse_args()
    local = dict(p.split("=", 1) for p in args.packages)
    rows = read_table(args.table)
    indices = {}
    problems = []
    seen = {}
    for number, suite, runtime, version, package, versioned in rows:
        where = f"{args.table}:{number} ({suite} {runtime} {version})"
        if (suite, runtime) in seen:
            problems.append(f"{where}: {suite} {runtime} is also on line {seen[suite, runtime]}")
        seen[suite, runtime] = number
        if suite not in indices:
            indices[suite] = packages_index(suite, local)
        index = indices[suite]
        meta = index.get(package)
        if meta is None:
            problems.append(f"{where}: {suite} has no package {package}")
            continue
        if versioned != package and not depends_on(meta, versioned):
            problems.append(f"{where}: {package} does not depend on {versioned}")
        carrier = index.get(versioned)
        if carrier is None:
            problems.append(f"{where}: {suite} has no package {versioned}")
            continue
        got = upstream(carrier.get("Version", ""))
        if got != version and not got.startswith(version + "."):
            problems.append(f"{where}: {versioned} is {got}, not {version}")
        else:
            print(f"ok {suite} {runtime} {version}: {package} -> {versioned} {carrier.get('Version')}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
