#!/usr/bin/env python3
"""Check Dockerfiles with BuildKit's own parser and with hadolint.

Usage:
    dfcheck.py [--config HADOLINT_YAML] FILE...       # Dockerfiles by path
    dfcheck.py [--config HADOLINT_YAML] --batch       # stdin: JSON array of texts
    dfcheck.py --batch --no-hadolint                  # parse only
    dfcheck.py --serve                                # parse only, one JSON text per
                                                      # line in, one report per line out

Prints one JSON document: a list with one report per Dockerfile, in order:

    {"parse_error": null | str,
     "instructions": [{"cmd", "sub_cmd", "json", "flags", "value", "original",
                       "start_line", "end_line", "heredocs",
                       "literal", "literal_error"}],
     "hadolint": [{"code", "level", "line", "message"}]}

"cmd", "sub_cmd", "json", "flags", "value", "original", "start_line",
"end_line" and "heredocs" are exactly what the `dockerfile` package (BuildKit's
parser) reports. That parser does NOT remove quotes or escapes and does NOT
expand variables: `ENV A="x\\"y"` gives value ["A", "\\"x\\\\\\"y\\""] (see
docs/dockerfile-facts.md). "literal" is what BuildKit's word processing makes of
each value (quotes and escapes removed), computed here and checked against a
real BuildKit build; it is null when the result would depend on variables
(an unescaped `$NAME`, `${...}` or `$$`), with the reason in "literal_error".

"parse_error" is the parser's error, or an instruction name BuildKit does not
know (the parser accepts `FROOM x`; BuildKit's build fails on it).

Hadolint runs with the repository's .hadolint.yaml, many files per call.
Requires the virtualenv made by scripts/setup-test-env.sh.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import dockerfile
except ImportError:  # pragma: no cover
    sys.exit("dfcheck.py: the `dockerfile` package is missing: run scripts/setup-test-env.sh")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Instructions whose arguments BuildKit runs through its shell-word processor
# (quote/escape removal and $VAR expansion). RUN/CMD/ENTRYPOINT/SHELL in shell
# form are passed to the shell untouched; ONBUILD is processed when triggered.
WORD_PROCESSED = {
    "ADD", "ARG", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL",
    "USER", "VOLUME", "WORKDIR",
}
EXEC_FORM = {"RUN", "CMD", "ENTRYPOINT", "SHELL", "HEALTHCHECK"}
SPECIAL_PARAMS = set("@*#?-$!0")
HADOLINT_CHUNK = 64


class WordError(Exception):
    pass


def process_word(word, escape):
    """BuildKit's processing of one word with an empty environment, except that
    any variable reference is an error instead of expanding.

    Unquoted: `<esc>c` -> c, a trailing lone <esc> is dropped.
    '...': everything literal.  "...": <esc> before `"`, `$` or <esc> escapes it,
    before anything else the <esc> stays. A `$` that does not start a
    reference (followed by nothing, a space, `/`, ...) is literal.
    """
    out = []
    i, n = 0, len(word)

    def dollar(i):
        # word[i] == "$"; return index after a literal "$" or raise
        nxt = word[i + 1] if i + 1 < n else ""
        if nxt == "{" or nxt == "_" or nxt.isalnum() or nxt in SPECIAL_PARAMS and nxt:
            raise WordError("unescaped variable reference %r" % word[i:i + 2])
        out.append("$")
        return i + 1

    while i < n:
        ch = word[i]
        if ch == "'":
            j = word.find("'", i + 1)
            if j < 0:
                raise WordError("unterminated single quote")
            out.append(word[i + 1:j])
            i = j + 1
        elif ch == '"':
            i += 1
            while True:
                if i >= n:
                    raise WordError("unterminated double quote")
                c = word[i]
                if c == '"':
                    i += 1
                    break
                if c == "$":
                    i = dollar(i)
                    continue
                if c == escape:
                    if i + 1 >= n:
                        i += 1
                        continue
                    if word[i + 1] in ('"', "$", escape):
                        out.append(word[i + 1])
                        i += 2
                        continue
                out.append(c)
                i += 1
        elif ch == "$":
            i = dollar(i)
        elif ch == escape:
            if i + 1 < n:
                out.append(word[i + 1])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def escape_token(text):
    """The escape character set by a leading `# escape=` parser directive."""
    for line in text.splitlines():
        m = re.match(r"^\s*#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$", line)
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("`", "\\"):
            return m.group(2)
    return "\\"


def literal_values(cmd, escape):
    if cmd.json and cmd.cmd in EXEC_FORM:
        return list(cmd.value), None
    if cmd.cmd not in WORD_PROCESSED:
        return None, None
    try:
        return [process_word(v, escape) for v in cmd.value], None
    except WordError as e:
        return None, str(e)


def parse(text):
    try:
        cmds = dockerfile.parse_string(text)
    except dockerfile.GoParseError as e:
        return str(e), []
    except dockerfile.GoIOError as e:  # pragma: no cover
        return "io error: %s" % e, []
    escape = escape_token(text)
    known = set(dockerfile.all_cmds())
    error = None
    instructions = []
    for c in cmds:
        if error is None and c.cmd.lower() not in known:
            error = "line %d: unknown instruction: %s" % (c.start_line, c.cmd)
        literal, literal_error = literal_values(c, escape)
        instructions.append({
            "cmd": c.cmd,
            "sub_cmd": c.sub_cmd,
            "json": c.json,
            "flags": list(c.flags),
            "value": list(c.value),
            "original": c.original,
            "start_line": c.start_line,
            "end_line": c.end_line,
            "heredocs": [
                {"name": h.name, "file_descriptor": h.file_descriptor, "content": h.content}
                for h in c.heredocs
            ],
            "literal": literal,
            "literal_error": literal_error,
        })
    return error, instructions


def hadolint_binary():
    here = os.path.join(os.path.dirname(sys.executable), "hadolint")
    if os.access(here, os.X_OK):
        return here
    found = shutil.which("hadolint")
    if not found:
        sys.exit("dfcheck.py: hadolint is missing: run scripts/setup-test-env.sh")
    return found


def run_hadolint(binary, config, paths):
    """One hadolint process for several files; returns {path: [findings]}."""
    proc = subprocess.run(
        [binary, "--config", config, "--no-color", "--no-fail", "-f", "json", *paths],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
    )
    try:
        results = json.loads(proc.stdout or b"[]")
    except ValueError:
        results = None
    if proc.returncode != 0 or not isinstance(results, list):
        sys.exit("dfcheck.py: hadolint failed (exit %d): %s%s" % (
            proc.returncode, proc.stderr.decode(errors="replace"), proc.stdout[:2000]))
    by_file = {p: [] for p in paths}
    for r in results:
        by_file.setdefault(r["file"], []).append({
            "code": r["code"], "level": r["level"], "line": r["line"], "message": r["message"],
        })
    return by_file


def hadolint_all(texts, config):
    binary = hadolint_binary()
    with tempfile.TemporaryDirectory(prefix="dfcheck-") as tmp:
        paths = []
        for i, text in enumerate(texts):
            path = os.path.join(tmp, "%06d.Dockerfile" % i)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            paths.append(path)
        chunks = [paths[i:i + HADOLINT_CHUNK] for i in range(0, len(paths), HADOLINT_CHUNK)]
        found = {}
        workers = max(1, min(len(chunks), os.cpu_count() or 1))
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            for part in pool.map(lambda c: run_hadolint(binary, config, c), chunks):
                found.update(part)
    return [found.get(p, []) for p in paths]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", action="store_true",
                    help="read a JSON array of Dockerfile texts from stdin")
    ap.add_argument("--config", default=os.path.join(REPO, ".hadolint.yaml"),
                    help="hadolint config (default: the repository's .hadolint.yaml)")
    ap.add_argument("--no-hadolint", action="store_true",
                    help="only parse (BuildKit's parser and word processing)")
    ap.add_argument("--serve", action="store_true",
                    help="parse Dockerfiles given as one JSON string per stdin line, "
                         "answering one JSON report per line (for the fuzz target)")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    if args.serve:
        for line in sys.stdin:
            error, instructions = parse(json.loads(line))
            report = {"parse_error": error, "instructions": instructions, "hadolint": []}
            sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        return
    if args.batch == bool(args.files):
        ap.error("give Dockerfile paths or --batch, not both or neither")
    if args.batch:
        texts = json.load(sys.stdin)
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            ap.error("--batch expects a JSON array of strings on stdin")
    else:
        texts = []
        for path in args.files:
            with open(path, encoding="utf-8") as f:
                texts.append(f.read())
    if not os.path.isfile(args.config):
        sys.exit("dfcheck.py: hadolint config %s not found" % args.config)

    if args.no_hadolint:
        findings = [[] for _ in texts]
    else:
        findings = hadolint_all(texts, args.config) if texts else []
    reports = []
    for text, hl in zip(texts, findings):
        error, instructions = parse(text)
        reports.append({"parse_error": error, "instructions": instructions, "hadolint": hl})
    json.dump(reports, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
