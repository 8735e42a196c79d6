#!/usr/bin/env python3
"""Generates tests/hostile/: broken and hostile .wbuild files, every one of which
must make `wbuildc check` exit with code 1 and an `error[WB....]` diagnostic, never
a panic, a hang or a crash (tests/hostile.rs runs them all).

Deterministic: a fixed seed, sources read in sorted order. Run from the repository
root (or anywhere): `python3 scripts/gen-hostile-corpus.py`. It deletes and rewrites
tests/hostile/*.wbuild.

Every file is built so that it is an error by construction, not by luck:
- truncations cut where a string or a bracket is open;
- mutations insert a character no rule accepts outside strings and comments, drop
  or duplicate a bracket (brackets outside strings must balance), drop an `=`
  (every `=` in the grammar is required), misspell an item keyword, or put bytes
  that are not UTF-8 into the file;
- line-ending variants (CRLF, lone CR, mixed) are applied to files that are
  already broken in one of the ways above;
- the rest are hand-written: unclosed strings and blocks, huge values, NUL bytes,
  deep nesting, long extends chains in both orders, 10,000 variants, duplicates.
"""

import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "hostile")
BASE = '"registry.example.org/debian:bookworm"'

rng = random.Random(0x0057_B01D)
files = {}


def emit(name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    assert name + ".wbuild" not in files, name
    files[name + ".wbuild"] = data


def sources():
    out = []
    for d in ["stdlib"]:
        for f in sorted(os.listdir(os.path.join(ROOT, d))):
            if f.endswith(".wbuild"):
                out.append((f"std-{f[:-7]}", os.path.join(ROOT, d, f)))
    for d in sorted(os.listdir(os.path.join(ROOT, "examples"))):
        p = os.path.join(ROOT, "examples", d, "service.wbuild")
        if os.path.exists(p):
            out.append((f"ex-{d}", p))
    return [(n, open(p, "rb").read().decode("utf-8")) for n, p in out]


def scan(text):
    """Per character: (depth, in_string, in_comment) *before* that character,
    mirroring src/syntax/limits.rs. Index len(text) is the state at the end."""
    states = []
    depth, in_string, in_comment = 0, False, False
    i = 0
    while i < len(text):
        c = text[i]
        states.append((depth, in_string, in_comment))
        if in_comment:
            if c == "\n":
                in_comment = False
        elif in_string:
            if c == "\\" and i + 1 < len(text):
                i += 1
                states.append((depth, True, False))
            elif c in '"\n':
                in_string = False
        else:
            if c == '"':
                in_string = True
            elif c == "#":
                in_comment = True
            elif c in "[{(":
                depth += 1
            elif c in "]})":
                depth -= 1
        i += 1
    states.append((depth, in_string, in_comment))
    return states


def code_positions(text, states):
    """Offsets outside strings and comments."""
    return [i for i in range(len(text)) if not states[i][1] and not states[i][2]]


def spread(items, n):
    """n items evenly spread over the list (deterministic), without repeats."""
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(k * step + step / 2)] for k in range(n)]


SRC = sources()

# ---- 1. truncations: cut where a string or a bracket is open -----------------
for name, text in SRC:
    states = scan(text)
    open_at = [i for i in range(1, len(text)) if (states[i][0] > 0 or states[i][1]) and not states[i][2]]
    for k, cut in enumerate(spread(open_at, 10)):
        emit(f"trunc-{name}-{k:02}-at{cut}", text[:cut])

# ---- 2. mutations ------------------------------------------------------------
BAD_CHARS = ["@", ";", "%", "!", "?", "~", "`", "'", "*", "&", "\\", "\x00", "\x01", "\x7f",
             "\u00a0", "\u200b", "\u2028", "\ufeff", "\u202e", "é", "$", "^"]
for name, text in SRC:
    states = scan(text)
    code = code_positions(text, states)
    # a. a character no rule accepts, outside strings and comments
    for k in range(4):
        at = rng.choice(code)
        ch = rng.choice(BAD_CHARS)
        emit(f"mut-{name}-char{k}-at{at}", text[:at] + ch + text[at:])
    # b. drop a bracket; c. duplicate a bracket
    closers = [i for i in code if text[i] in "]})"]
    openers = [i for i in code if text[i] in "[{("]
    for k, at in enumerate(spread(closers, 3)):
        emit(f"mut-{name}-dropclose{k}-at{at}", text[:at] + text[at + 1:])
    for k, at in enumerate(spread(openers, 2)):
        emit(f"mut-{name}-dupopen{k}-at{at}", text[:at] + text[at] + text[at:])
    # d. drop an `=` (every one in the grammar is required)
    equals = [i for i in code if text[i] == "="]
    for k, at in enumerate(spread(equals, 2)):
        emit(f"mut-{name}-dropeq{k}-at{at}", text[:at] + text[at + 1:])
    # e. misspell an item keyword at the start of a line
    for kw, typo in [("variant", "varient"), ("import", "improt"), ("let", "lett"), ("preset", "prest"), ("image", "imgae")]:
        at = text.find("\n" + kw + " ")
        if at >= 0:
            emit(f"mut-{name}-typo-{kw}", text[:at + 1] + typo + text[at + 1 + len(kw):])
            break
    # f. bytes that are not UTF-8, anywhere (also inside strings and comments)
    raw = text.encode("utf-8")
    for k, bad in enumerate([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf0\x9f\x98"]):
        at = rng.randrange(len(raw) + 1)
        emit(f"mut-{name}-utf8-{k}-at{at}", raw[:at] + bad + raw[at:])

# ---- 3. line endings on broken files ------------------------------------------
for name, text in SRC:
    states = scan(text)
    open_at = [i for i in range(1, len(text)) if states[i][0] > 0 and not states[i][1] and not states[i][2]]
    cut = text[: spread(open_at, 3)[1]]
    emit(f"crlf-trunc-{name}", cut.replace("\n", "\r\n"))
    code = code_positions(text, states)
    at = rng.choice(code)
    emit(f"crlf-char-{name}", (text[:at] + "@" + text[at:]).replace("\n", "\r\n"))
    # Lone CR: `#` comments run to "\n", so drop comment lines first or the whole
    # file would become one comment.
    no_comments = "\n".join(l for l in cut.split("\n") if not l.lstrip().startswith("#"))
    emit(f"cr-trunc-{name}", no_comments.replace("\n", "\r"))
    mixed = "".join(l + rng.choice(["\n", "\r\n", "\r"]) for l in no_comments.split("\n"))
    emit(f"mixed-eol-trunc-{name}", mixed)
    emit(f"crlf-utf8-{name}", text.replace("\n", "\r\n").encode("utf-8") + b"\r\n\xfe\r\n")

# ---- 4. hand-written: unclosed things -----------------------------------------
HEAD = f'image "svc" {{}}\nvariant v {{\n  base = {BASE}\n'
unclosed = {
    "unclosed-string-eof": 'image "svc',
    "unclosed-string-line": 'image "svc {}\nvariant v {\n  base = "x\n}\n',
    "unclosed-string-escape-eof": 'image "svc\\',
    "unclosed-string-in-list": HEAD + '  cmd = ["a", "b]\n}\n',
    "unclosed-interpolation": HEAD + '  cmd = ["${a"]\n}\n',
    "unclosed-interpolation-nested": HEAD + '  cmd = ["${${${a}}}"]\n}\n',
    "unclosed-unicode-escape": HEAD + '  cmd = ["\\u{41"]\n}\n',
    "unicode-escape-too-long": HEAD + '  cmd = ["\\u{1234567}"]\n}\n',
    "unicode-escape-surrogate": HEAD + '  cmd = ["\\u{d800}"]\n}\n',
    "unicode-escape-too-big": HEAD + '  cmd = ["\\u{110000}"]\n}\n',
    "unclosed-image-body": 'image "svc" {\n',
    "unclosed-variant-body": 'image "svc" {}\nvariant v {\n  base = ' + BASE + "\n",
    "unclosed-variant-then-variant": 'image "svc" {}\nvariant v {\nvariant w {}\n',
    "unclosed-steps": HEAD + "  steps = {\n    run \"x\"\n",
    "unclosed-list": HEAD + '  cmd = ["a",\n',
    "unclosed-map": 'image "svc" {\n  labels = { "a": "b",\n}\n',
    "unclosed-call": HEAD + '  user = user("u", 1, 1\n}\n',
    "unclosed-params": 'preset p(a: string = "x"\n{}\n',
    "unclosed-extends-args": 'import "base"\nimage "svc" {}\nvariant v extends base.runtime(dir = "/x" {\n}\n',
    "unclosed-generic": 'let a: list<string = ["x"]\n',
    "only-open-brace": "{",
    "only-close-brace": "}",
    "only-quote": '"',
    "only-backslash": "\\",
    "only-keyword-variant": "variant",
    "only-keyword-image": "image",
    "only-keyword-import": "import",
    "only-keyword-let": "let",
    "only-keyword-preset": "preset",
    "keyword-soup": "import let image variant preset extends true false as",
    "extends-nothing": 'image "svc" {}\nvariant v extends {}\n',
    "extends-trailing-comma": 'image "svc" {}\nvariant w {}\nvariant v extends w, {}\n',
    "closers-only": ")]}" * 100,
    "bom-at-start": "\ufeff" + HEAD + '  cmd = ["x"]\n}\n',
    "bom-in-middle": HEAD + "\ufeff" + '  cmd = ["x"]\n}\n',
    "nbsp-indent": HEAD + '\u00a0\u00a0cmd = ["x"]\n}\n',
    "fullwidth-braces": 'image "svc" \uff5b\uff5d\n',
    "smart-quotes": "image \u201csvc\u201d {}\n",
    "rtl-override-ident": 'image "svc" {}\nvariant v\u202eabc {}\n',
    "int-overflow": HEAD + "  expose = [99999999999999999999999999999999999999]\n}\n",
    "int-negative-port": HEAD + "  expose = [-1]\n}\n",
    "int-i64-min": HEAD + "  expose = [-9223372036854775808]\n}\n",
    "assign-twice-op": HEAD + '  cmd == ["x"]\n}\n',
    "plus-eq-eq": HEAD + '  steps +== { run "x" }\n}\n',
    "dangling-plus": HEAD + '  cmd = ["x"] +\n}\n',
    "empty-interpolation": HEAD + '  cmd = ["${}"]\n}\n',
    "interpolation-of-keyword": HEAD + '  cmd = ["${variant}"]\n}\n',
    "interpolation-undefined": HEAD + '  cmd = ["${nope.nope.nope}"]\n}\n',
    "copy-without-to": HEAD + '  steps = {\n    copy "a" "b"\n  }\n}\n',
    "copy-from-nowhere": HEAD + '  steps = {\n    copy from nowhere "a" to "b"\n  }\n}\n',
    "with-unknown-option": HEAD + '  steps = {\n    run "x" with nope = "y"\n  }\n}\n',
    # apt's release, proxy and inline key: shell, APT configuration and armour
    # injections, each refused where it is written.
    "apt-release-injection": HEAD + '  cmd = ["x"]\n  user = user("app", 1000)\n  steps = {\n    apt "curl" with release = "bookworm\' && touch /pwned && echo \'"\n  }\n}\n',
    "apt-release-option": HEAD + '  cmd = ["x"]\n  user = user("app", 1000)\n  steps = {\n    apt "curl" with release = "-oAPT::Get::AllowUnauthenticated=1"\n  }\n}\n',
    "apt-proxy-injection": HEAD + '  cmd = ["x"]\n  user = user("app", 1000)\n  steps = {\n    apt "curl" with proxy = "http://p:1\\";\\nAcquire::AllowInsecureRepositories \\"1"\n  }\n}\n',
    "apt-proxy-for-injection": HEAD + '  cmd = ["x"]\n  user = user("app", 1000)\n  steps = {\n    apt "curl" with proxy = "http://p:1", proxy_for = "http://deb.debian.org \\"http://evil\\";"\n  }\n}\n',
    "apt-proxy-printf": HEAD + '  cmd = ["x"]\n  user = user("app", 1000)\n  steps = {\n    apt "curl" with proxy = "http://p%s%n:1"\n  }\n}\n',
    "apt-key-injection": HEAD + '  cmd = ["x"]\n  user = user("app", 1000)\n  steps = {\n    apt "curl" with repository = "http://deb.debian.org/debian bookworm main", key = ["-----BEGIN PGP PUBLIC KEY BLOCK-----", "", "mDMEaxAo\' > /etc/passwd; echo \'", "-----END PGP PUBLIC KEY BLOCK-----"]\n  }\n}\n',
    "apt-key-two-blocks": HEAD + '  cmd = ["x"]\n  user = user("app", 1000)\n  steps = {\n    apt "curl" with repository = "http://deb.debian.org/debian bookworm main", key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\\n\\nmDME\\n-----END PGP PUBLIC KEY BLOCK-----\\nRUN touch /pwned\\n"\n  }\n}\n',
    "step-outside-steps": HEAD + '  run "x"\n}\n',
    "field-outside-body": 'image "svc" {}\ncmd = ["x"]\n',
    "import-empty": 'import ""\nimage "svc" {}\n',
    "import-absolute-dir": 'import "/"\nimage "svc" {}\n',
    "import-dotdot": 'import "../../../../../../../../nonexistent.wbuild"\nimage "svc" {}\n',
    "import-interpolated": 'let a = "base"\nimport "${a}"\nimage "svc" {}\n',
    "import-self": 'import "./import-self.wbuild"\nimage "svc" {}\n',
    "image-empty-name": 'image "" {}\n',
    "image-uppercase": 'image "SVC" {}\n',
}
for n, t in unclosed.items():
    emit(n, t)

# ---- 5. NUL bytes --------------------------------------------------------------
nul = {
    "nul-at-start": "\x00" + HEAD + '  cmd = ["x"]\n}\n',
    "nul-at-end": HEAD + '  cmd = ["x"]\n}\n\x00',
    "nul-in-ident": 'image "svc" {}\nvariant v\x00w {\n  base = ' + BASE + '\n  cmd = ["x"]\n}\n',
    "nul-in-keyword": 'ima\x00ge "svc" {}\n',
    "nul-between-tokens": HEAD + '  cmd =\x00["x"]\n}\n',
    "nul-in-env": HEAD + '  cmd = ["x"]\n  steps = {\n    env A = "a\x00b"\n  }\n}\n',
    "nul-in-run": HEAD + '  cmd = ["x"]\n  steps = {\n    run "echo \x00"\n  }\n}\n',
    "nul-in-cmd": HEAD + '  cmd = ["x\x00y"]\n}\n',
    "nul-in-label": 'image "svc" {\n  labels = { "k": "v\x00" }\n}\nvariant v {\n  base = ' + BASE + '\n  cmd = ["x"]\n}\n',
    "nul-in-label-key": 'image "svc" {\n  labels = { "k\x00": "v" }\n}\nvariant v {\n  base = ' + BASE + '\n  cmd = ["x"]\n}\n',
    "nul-in-base": 'image "svc" {}\nvariant v {\n  base = "registry.example.org/debian\x00:bookworm"\n  cmd = ["x"]\n}\n',
    "nul-in-image-name": 'image "s\x00vc" {}\n',
    "nul-escape-in-workdir": HEAD + '  cmd = ["x"]\n  workdir = "/a\\u{0}"\n}\n',
    "nul-many": "\x00" * 4096,
}
for n, t in nul.items():
    emit(n, t)

# ---- 6. invalid UTF-8 ------------------------------------------------------------
valid = (HEAD + '  cmd = ["x"]\n}\n').encode()
utf8 = {
    "utf8-lone-ff": b"\xff",
    "utf8-lone-continuation": b"\x80" + valid,
    "utf8-overlong-slash": valid.replace(b'"x"', b'"\xc0\xaf"'),
    "utf8-overlong-nul": valid.replace(b'"x"', b'"\xc0\x80"'),
    "utf8-surrogate": valid.replace(b'"x"', b'"\xed\xa0\x80"'),
    "utf8-truncated-4byte-at-end": valid + b"\xf0\x9f\x98",
    "utf8-in-comment": b"# \xff\xfe comment\n" + valid,
    "utf8-in-ident": valid.replace(b"variant v", b"variant v\xff"),
    "utf8-in-image-name": valid.replace(b'"svc"', b'"s\xfevc"'),
    "utf8-latin1-file": "# caf\u00e9 r\u00e9sum\u00e9\n".encode("latin-1") + valid,
    "utf16le-bom": "\ufeff".encode("utf-16-le") + valid.decode().encode("utf-16-le"),
    "utf16be": valid.decode().encode("utf-16-be"),
    "utf8-above-max": valid.replace(b'"x"', b'"\xf4\x90\x80\x80"'),
    "utf8-every-high-byte": bytes(range(0x80, 0x100)),
    "binary-garbage": bytes(random.Random(7).randrange(256) for _ in range(4096)),
}
for n, t in utf8.items():
    emit(n, t)

# ---- 7. huge values (a few deliberately large files) ------------------------------
MB = 1024 * 1024
emit("huge-unclosed-string-1mb", 'image "' + "a" * MB)
emit("huge-string-wrong-type-1mb", HEAD + '  expose = ["' + "9" * MB + '"]\n}\n')
emit("huge-ident-256k", 'image "svc" {}\nvariant ' + "v" * (256 * 1024) + " {\n  nope = 1\n}\n")
emit("huge-comment-then-error", "#" + "c" * (64 * 1024) + "\n@\n")
emit("huge-int-literal", HEAD + "  expose = [" + "9" * 65536 + "]\n}\n")
emit("huge-list-wrong-last", HEAD + "  expose = [" + "80, " * 20000 + '"x"]\n}\n')
emit("huge-concat-wrong-last", "let s: string = " + " + ".join(['"a"'] * 20000) + " + 1\n")
emit("huge-labels-duplicate-key", 'image "svc" {\n  labels = {\n' + "".join(f'    "k{i}": "v",\n' for i in range(5000)) + '    "k0": "again",\n  }\n}\n')
emit("huge-steps-one-bad", HEAD + '  cmd = ["x"]\n  steps = {\n' + '    run "true"\n' * 10000 + "    run 1\n  }\n}\n")
emit("huge-interpolations-undefined", HEAD + '  cmd = ["' + "${nope}" * 1000 + '"]\n}\n')
emit("huge-escapes-bad", HEAD + '  cmd = ["' + "\\q" * 1000 + '"]\n}\n')
emit("huge-line-of-bogus", "@" * (128 * 1024))
emit("huge-many-bogus-lines", "@\n" * 20000)
emit("huge-whitespace-then-error", " " * (64 * 1024) + "@")
emit("huge-let-chain-type-error", 'let a0 = "x"\n' + "".join(f"let a{i} = a{i - 1}\n" for i in range(1, 5000)) + "let z: int = a4999\n")
emit("huge-let-use-before-definition-chain", "".join(f"let a{i} = a{i + 1}\n" for i in range(5000)) + 'let a5000 = "x"\n')

# ---- 8. deep nesting ----------------------------------------------------------------
def nest(o, c, n, inner):
    return o * n + inner + c * n


emit("nest-129-lists", "let a = " + nest("[", "]", 129, '"x"') + "\n")
emit("nest-128-lists-type-error", "let a: string = " + nest("[", "]", 127, '"x"') + "\n")
emit("nest-128-calls-type-error", HEAD + "  user = " + nest("user(", ")", 127, '"x"') + "\n}\n")
emit("nest-128-blocks-type-error", HEAD + "  cmd = " + nest("{", "}", 127, "") + "\n}\n")
emit("nest-10000-lists", "let a = " + nest("[", "]", 10000, "1") + "\n")
emit("nest-10000-lists-unclosed", "let a = " + "[" * 10000)
emit("nest-10000-blocks", HEAD + "  steps = " + nest("{", "}", 10000, "") + "\n}\n")
emit("nest-10000-parens", "let a = " + nest("(", ")", 10000, "1") + "\n")
emit("nest-10000-calls", "let a = " + nest("user(", ")", 10000, "1") + "\n")
emit("nest-10000-mixed", "let a = " + "".join(rng.choice("[{(") for _ in range(10000)))
emit("nest-10000-items-open", "variant v {\n" * 10000)
emit("nest-10000-closers-first", "]" * 10000 + "[" * 10000)
emit("nest-1000-in-extends-args", 'import "base"\nimage "svc" {}\nvariant v extends base.runtime(dir = ' + nest("[", "]", 1000, '"x"') + ") {}\n")
emit("nest-brackets-in-strings-then-error", 'let a = "' + "[" * 10000 + '"\n@\n')
emit("nest-brackets-in-comment-then-error", "# " + "[" * 10000 + "\n@\n")
emit("nest-escaped-quotes-then-open", 'let a = "' + '\\"' * 5000 + '"\n' + "[" * 200)

# ---- 9. extends chains --------------------------------------------------------------
def chain(n, reverse, cycle=False):
    lines = ['image "svc" {}\n']
    root = f'variant v0 {{\n  base = {BASE}\n  cmd = ["x"]\n}}\n' if not cycle else f"variant v0 extends v{n - 1} {{}}\n"
    body = [f"variant v{i} extends v{i - 1} {{}}\n" for i in range(1, n)]
    items = [root] + body
    if reverse:
        items.reverse()
    return "".join(lines + items)


emit("extends-chain-65-forward", chain(66, False))
emit("extends-chain-65-reverse", chain(66, True))
emit("extends-chain-10000-forward", chain(10000, False))
emit("extends-chain-10000-reverse", chain(10000, True))
emit("extends-cycle-2", chain(2, False, cycle=True))
emit("extends-cycle-1000", chain(1000, False, cycle=True))
emit("extends-cycle-1000-reverse", chain(1000, True, cycle=True))
emit("extends-self", 'image "svc" {}\nvariant v extends v {}\n')
emit("extends-self-many-parents", 'image "svc" {}\nvariant v extends ' + ", ".join(["v"] * 1000) + " {}\n")
emit("extends-unknown-1000-parents", 'image "svc" {}\nvariant v extends ' + ", ".join(f"p{i}" for i in range(1000)) + " {}\n")
emit("extends-preset-chain-10000", 'image "svc" {}\npreset p0() {\n  base = ' + BASE + "\n}\n" + "".join(f"preset p{i}() extends p{i - 1}() {{}}\n" for i in range(1, 10000)) + "variant v extends p9999() {}\n")
emit("extends-preset-cycle", 'image "svc" {}\npreset a() extends b() {}\npreset b() extends a() {}\nvariant v extends a() {}\n')
emit("extends-diamond-10000", 'image "svc" {}\nvariant v0 {\n  base = ' + BASE + '\n  cmd = ["x"]\n}\n' + "".join(f"variant v{i} extends v0 {{}}\n" for i in range(1, 2000)) + "variant all extends " + ", ".join(f"v{i}" for i in range(1, 2000)) + " {}\nvariant all2 extends all, all {}\n")
emit("copy-from-cycle", 'image "svc" {}\nvariant a {\n  base = ' + BASE + '\n  steps = {\n    copy from b "/x" to "/x"\n  }\n}\nvariant b {\n  base = ' + BASE + '\n  steps = {\n    copy from a "/x" to "/x"\n  }\n}\n')
emit("base-variant-cycle", 'image "svc" {}\nvariant a {\n  base = b\n  cmd = ["x"]\n}\nvariant b {\n  base = a\n  cmd = ["x"]\n}\n')

# ---- 10. many variants ----------------------------------------------------------------
emit("variants-10000-duplicate-last", 'image "svc" {}\n' + "".join(f"variant v{i} {{}}\n" for i in range(10000)) + "variant v0 {}\n")
emit("variants-3000-unknown-field", 'image "svc" {}\n' + "".join(f"variant v{i} {{ colour = 1 }}\n" for i in range(3000)))
emit("variants-4000-case-clash", 'image "svc" {}\n' + "".join(f"variant v{i} {{}}\nvariant V{i} {{}}\n" for i in range(2000)))

# ---- 11. duplicated everything ------------------------------------------------------------
dups = {
    "dup-image": 'image "svc" {}\nimage "svc" {}\n',
    "dup-image-1000": 'image "svc" {}\n' * 1000,
    "dup-variant": HEAD + '  cmd = ["x"]\n}\n' + 'variant v {\n  cmd = ["y"]\n}\n',
    "dup-let": 'let a = "x"\nlet a = "y"\nimage "svc" {}\n',
    "dup-let-1000": 'let a = "x"\n' * 1000,
    "dup-preset": 'preset p() {}\npreset p() {}\nimage "svc" {}\n',
    "dup-import": 'import "base"\nimport "base"\nimage "svc" {}\n',
    "dup-import-alias": 'import "base"\nimport "python" as base\nimage "svc" {}\n',
    "dup-name-across-kinds": 'let v = "x"\npreset v() {}\nimage "svc" {}\nvariant v {}\n',
    "dup-field": HEAD + '  cmd = ["x"]\n  cmd = ["y"]\n}\n',
    "dup-field-base": HEAD + "  base = " + BASE + '\n  cmd = ["x"]\n}\n',
    "dup-image-field": 'image "svc" {\n  version = "1"\n  version = "2"\n}\n',
    "dup-map-key": 'image "svc" {\n  labels = { "a": "1", "a": "2" }\n}\n',
    "dup-param": 'preset p(a: string, a: string) {}\nimage "svc" {}\n',
    "dup-named-arg": 'import "base"\nimage "svc" {}\nvariant v extends base.runtime(dir = "/a", dir = "/b") {\n  cmd = ["x"]\n}\n',
    "dup-call-arg": HEAD + '  user = user(name = "a", name = "b", uid = 1, gid = 1)\n}\n',
    "dup-with-option": HEAD + '  cmd = ["x"]\n  steps = {\n    run "x" with cache = "/a", cache = "/a"\n  }\n}\n',
    "dup-everything": ('import "base"\nlet a = "x"\npreset p() {}\nimage "svc" {}\nvariant v {}\n') * 50,
    "dup-parent": 'image "svc" {}\nvariant w {\n  base = ' + BASE + '\n  cmd = ["x"]\n}\nvariant v extends w, w {}\n',
}
for n, t in dups.items():
    emit(n, t)

# ---- 12. inputs the fuzzer found (fuzz/regressions/) -----------------------------------
REG = os.path.join(ROOT, "fuzz", "regressions")
for f in sorted(os.listdir(REG)) if os.path.isdir(REG) else []:
    emit("fuzz-" + f, open(os.path.join(REG, f), "rb").read())


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".wbuild"):
            os.remove(os.path.join(OUT, f))
    total = 0
    for name, data in sorted(files.items()):
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(data)
        total += len(data)
    print(f"{len(files)} files, {total / 1024 / 1024:.2f} MiB in {os.path.relpath(OUT, ROOT)}", file=sys.stderr)


main()
