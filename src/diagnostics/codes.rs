//! The registry of diagnostic codes: one line per code with its default severity,
//! a title, and the long explanation that `wbuildc explain CODE` prints and that
//! `docs/diagnostics.md` is generated from (a test fails when the doc is stale).
//!
//! Codes are stable: never renumber or reuse one. Ranges: WB0xxx syntax,
//! WB1xxx names and imports, WB2xxx types and values, WB3xxx variants and merging,
//! WB4xxx lowering and output, WB5xxx policy and configuration, WB6xxx what a
//! build finds when it runs (the engine, the registry), WB7xxx reading other
//! tools' configuration (`wbuildc import-blubber`).

use super::Severity;
use serde::{Serialize, Serializer};

macro_rules! codes {
    ($( $variant:ident = $code:literal, $severity:ident, $title:literal, $explanation:literal; )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// The code's name in the registry (`UnknownField`): what SARIF calls a
            /// rule's name.
            pub fn name(self) -> &'static str {
                match self { $( Code::$variant => stringify!($variant), )* }
            }

            pub fn title(self) -> &'static str {
                match self { $( Code::$variant => $title, )* }
            }

            pub fn explanation(self) -> &'static str {
                match self { $( Code::$variant => $explanation, )* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }
        }
    };
}

impl Code {
    /// Looks a code up by its text, case-insensitively (`wb2001` works).
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

codes! {
    Syntax = "WB0001", Error, "syntax error",
"The parser could not read this part of the file. The label says what it expected
there. Only the broken line (or item) is skipped: the rest of the file is still
checked, so fix the first syntax error and re-run to see whether the others were
consequences of it.";

    UnclosedBlock = "WB0002", Error, "unclosed block",
"A `{` that opens an image, variant, preset, map or step block has no matching `}`.
The block runs to the next item keyword at the start of a line, so everything in
between was skipped.

    variant build {
      cmd = [\"make\"]
    }          # <- this brace was missing";

    InvalidEscape = "WB0003", Error, "invalid escape sequence",
"Strings know these escapes: `\\\"` (quote), `\\\\` (backslash), `\\n` (newline),
`\\t` (tab), `\\r` (carriage return), `\\$` (a literal `$`, e.g. to write `\\${` without
starting an interpolation) and `\\u{1F600}` (any Unicode scalar value by its hex code).";

    IntOutOfRange = "WB0004", Error, "integer out of range",
"Integers are signed 64-bit. The literal does not fit; ports, uids and gids have
smaller ranges of their own that the type checker enforces.";

    TooComplex = "WB0005", Error, "input too large or too deeply nested",
"The compiler refuses input beyond fixed limits (nesting depth, file size, number of
items) so that a hostile or generated manifest cannot make it run out of stack or
memory. Real manifests stay far below the limits; split the file or flatten the
nesting.";

    InvalidUtf8 = "WB0006", Error, "invalid UTF-8",
"Manifests are UTF-8 text. The bytes at the label are not valid UTF-8; the compiler
read them as U+FFFD so that it could check the rest of the file, but it refuses to
compile a file whose text it had to change. Re-save the file as UTF-8.";

    UnknownName = "WB1001", Error, "unknown name",
"The name is not a constant (`let`), a preset parameter, a variant or an imported
module in scope. Names are looked up in this order: preset parameters, `let`
constants of the file, variants of the file, module aliases. Constants must be
defined before they are used, so evaluation never recurses.";

    DuplicateDefinition = "WB1002", Error, "duplicate definition",
"Two items of one file define the same name (two variants `build`, two `let port`,
a preset and a variant with one name, or two `image` blocks). Each name must be
defined once; the secondary label shows the first definition.";

    ImportNotFound = "WB1003", Error, "import not found",
"`import \"python\"` loads the stdlib module `python` (from the embedded stdlib or the
directory given with `--stdlib`); `import \"./common.wbuild\"` loads a file relative to
the importing file. Neither was found. `wbuildc check --stdlib DIR` lists what a
stdlib directory must contain.";

    UnknownMember = "WB1004", Error, "unknown module member",
"`module.name` refers to a preset or constant that the imported module does not
define. The help line lists a close match when there is one.";

    ImportCycle = "WB1005", Error, "import cycle",
"Files import each other in a circle. Imports must form a tree (a DAG), so that
every file can be checked on its own; move shared definitions into a third file.";

    NotAPreset = "WB1006", Error, "cannot extend this",
"`extends` takes variants of the same file and presets (local or from an imported
module). Constants, parameters and modules cannot be extended, and a variant cannot
be given arguments: only presets have parameters.";

    MissingImage = "WB1007", Error, "no image declared",
"Compiling needs an `image \"name\" { ... }` block: the image name becomes the OCI
title of every variant and its fields are the defaults every variant starts from.
Modules that only hold presets (like the stdlib) do not need one.";

    UnknownVariant = "WB1008", Error, "unknown variant",
"The variant named on the command line, in `copy from`, or as a variant-typed value
is not defined in the file. `wbuildc variants FILE` lists the variants.";

    ImportRefused = "WB1009", Error, "import refused",
"The repository being built is untrusted input, so an import may only name a `.wbuild`
module of the same repository, by a path relative to the importing file. wbuildc does
not read an absolute path (`/etc/passwd`), a path that leads outside the repository
root (`../../../etc/hostname`, or a symbolic link that does), anything inside `.git`,
a file named like a secret (the policy's `secrets.forbidden_files`), or anything that
is not a regular `.wbuild` file (a FIFO, a device, a link to `requirements.txt`). The
file is refused before it is opened, and its text is never shown. Stdlib modules are
imported by name: `import \"python\"`.";

    NotInContext = "WB1010", Error, "copy source not in the build context",
"A `copy` source (or an APT keyring) names a path that is not in the build context,
the manifest's directory (or `--context DIR` for `build`). The engine would fail at
that step; `check` finds it first and suggests the closest name in the same
directory. A directory source must be a directory (`tests/`). Paths are relative to
the context, not to the working directory in the image.";

    BrokenModule = "WB1011", Error, "the imported stdlib module has errors",
"A module of the stdlib that this file imports does not check clean: its own
diagnostics are shown with this one, which marks the import line in your file so
that CI annotations land where you can see them. The stdlib is the organisation's
(`--stdlib DIR`, or `[stdlib] dir` in its configuration); its maintainers fix it
with `wbuildc check DIR/MODULE.wbuild`. Nothing in your file needs to change.";

    UnknownField = "WB2001", Error, "unknown field",
"Images, variants and presets accept a fixed set of fields: {fields}; the image block
also takes {image_fields}. A `base \"REF\" { ... }` item takes {base_fields}. The help line suggests the closest field name, with the
fix that writes it. `wbuildc docs language` describes each field.";

    TypeMismatch = "WB2002", Error, "type mismatch",
"The value does not have the type the field, parameter or step expects. Types are
checked before anything is merged or lowered: a string where a list is expected is
an error, never silently wrapped.";

    InvalidImageRef = "WB2003", Error, "invalid image reference",
"Image references have the form `registry/repository[:tag][@sha256:<64 hex>]`, e.g.
`registry.example.org/debian:bookworm` or with a digest pinned. The registry part
is required (no implicit Docker Hub), repository path components are lowercase
`[a-z0-9._-]`, tags are `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`, and a digest is `sha256:`
followed by 64 lowercase hex digits. `scratch` names the empty image.";

    InvalidPort = "WB2004", Error, "invalid port",
"A port is an integer 1-65535, or a string `\"8080\"`, `\"8080/tcp\"` or `\"53/udp\"`.";

    AppendToScalar = "WB2005", Error, "`+=` on a field that is not a list, map or step block",
"`+=` appends to lists and step blocks and merges into maps. A scalar field (a
string, the user, the base image) can only be replaced with `=`.";

    BadArgument = "WB2006", Error, "bad preset argument",
"A preset was given an argument it does not declare, the same argument twice, or was
not given a parameter that has no default. The help line lists the parameters.";

    InvalidPath = "WB2007", Error, "invalid path",
"Destinations in the image (copy destinations, workdir, volumes) must be absolute
after joining with the working directory. Sources are relative to the build
context and may not be empty. A value of type `abspath` (the presets' application
directory `dir`, Go's `output` and `binary`) is a place in the image written from its
root (`/srv/app`): a relative one would be resolved against whatever the working
directory is by then (`WORKDIR /foo/bar/foo/bar`), and `useradd --home-dir` refuses it.";

    InvalidUser = "WB2008", Error, "invalid user",
"`user(name, uid, gid)` needs a POSIX user name (`[a-z_][a-z0-9_-]*`, at most 32
characters) and ids in 0..=2147483647.";

    InvalidEnumValue = "WB2009", Error, "value not allowed by the enum",
"A parameter declared as `\"a\" | \"b\"` accepts only those strings.";

    BadInterpolation = "WB2010", Error, "cannot interpolate this value",
"`${name}` inside a string accepts strings, paths, integers, booleans, ports and
image references, and the fields `.name`, `.uid`, `.gid` of a user. Lists, maps and
step blocks have no single text form; pass them to a field instead.";

    DuplicateKey = "WB2011", Error, "assigned twice",
"The same field is assigned twice in one block, or a map literal has the same key
twice. Combine the two: one `=` followed by `+=` is not allowed either, because
the order would be a hidden rule.";

    InvalidName = "WB2012", Error, "invalid name",
"Environment variables and build arguments are named `[A-Za-z_][A-Za-z0-9_]*`. Label keys are reverse-DNS names (letters, digits, `.`, `-`, `_`, `/`, `:`), never containing `=`, because BuildKit splits `key=value` at the first `=`; `dev.wbuild.private` is written from the `private` field only. Debian package names follow Debian policy: lowercase `[a-z0-9+.-]`, optionally `=version`. An `apt` step's `release` is an APT suite name (`[A-Za-z0-9][A-Za-z0-9.+~_-]*`), and with a `repository` it is that repository's suite. Secret ids are `[A-Za-z0-9_.-]+`.";

    InvalidDuration = "WB2013", Error, "invalid duration",
"Healthcheck intervals and timeouts are written like `\"30s\"`, `\"1m30s\"`, `\"500ms\"`
(units ms, s, m, h).";

    UnrepresentableValue = "WB2014", Error, "value cannot be represented",
"A Dockerfile cannot carry this value unchanged: NUL bytes are not allowed anywhere,
and newlines are only possible in values written in JSON form (run, cmd, entrypoint,
copy paths, healthcheck commands). Environment values, labels, build-argument
defaults, the working directory and the user cannot contain a newline. wbuild never
alters a value to make it fit.";

    Duplicate = "WB2016", Warning, "duplicate package, copy or variable",
"Something is said twice where once is enough: a package listed twice in one `apt`
step, a package installed again by a later `apt` step of the same variant (from the
same target release: `with release` installing it from another one is an upgrade), the same
`copy` written twice, or an `env` variable set twice with no step in between that
could read the first value (only `run` steps read variables while building, and the
image keeps the last value). The later one does nothing, or the first one does
nothing, so one of them is a leftover or a mistake. The fix removes the one that
has no effect where that is a single line or item of this file.";

    InvalidBaseImage = "WB2017", Error, "invalid base image definition",
"A `base \"REF\" { ... }` item defines a base image that `wbuildc base build` makes
with mmdebstrap: its reference is the name manifests use as their `base`
(`registry/repository:tag`, with a tag and without a digest: the digest is what the
build produces), `suite` names the Debian release (`bookworm`, `trixie`), and each of
`sources` is one APT line `URI SUITE COMPONENT...`. `wbuildc docs operations` walks through
defining, building and locking one.";

    RuntimeNotInSuite = "WB2018", Error, "the Debian suite does not ship this runtime version",
"A preset parameter of type `runtime<\"NAME\">` (the stdlib's `version` parameters)
is checked against the `suite` parameter declared before it: the version must be
the one that Debian suite ships, because the preset installs it from Debian.
{runtimes}. The fix writes the suite's version; to keep the version, choose the
suite that ships it (`suite = \"trixie\"`). A preset that declares a
`runtime<...>` parameter without a `suite` parameter before it is this error too.
stdlib/data/README.md says where the table's facts were checked.";

    LiteralDollarInEnv = "WB2019", Warning, "`$NAME` in an env value is literal text",
"wbuild writes a value into the image as it is written: `env PATH = \"/opt/bin:$PATH\"`
sets PATH to the text `/opt/bin:$PATH`, which no shell expands later, so every
command is looked up in a directory named `$PATH`. To extend the value the variable
has by then (from the base image or an earlier step), write only the new part and
say where the inherited value goes: `env PATH = \"/opt/bin\" with inherited =
\"after\"` (`/opt/bin:` then the inherited value; `\"before\"` puts it first).
Nothing is added, not even the `:`, when the variable is unset or empty. The fix
rewrites the `X:$NAME` and `$NAME:X` forms.";

    InvalidAptKey = "WB2020", Error, "not an armoured PGP public key",
"`apt [...] with repository = \"...\", key = ...` takes the repository's signing key
inline, as `gpg --export --armor KEYID` prints it: `-----BEGIN PGP PUBLIC KEY
BLOCK-----`, optional armour headers, an empty line, the base64 body, the optional
`=XXXX` checksum, `-----END PGP PUBLIC KEY BLOCK-----`. Give its lines as a list of
strings (or one string with `\\n`). The checksum must match the body, the body's
first packet must be a public key (a secret key is refused, whatever its armour
says), and there is one block. The headers are dropped; the rest is written into the
step's temporary APT configuration and names the repository's key (`signed-by`).";

    InvalidAptProxy = "WB2021", Error, "not an APT proxy URL",
"`apt [...] with proxy = \"http://HOST:PORT\"` names the HTTP proxy APT uses for that
one step: `http://`, a host name or address (`[::1]` for IPv6), an optional port
1-65535 and nothing else: no user or password (a credential does not belong in a
manifest, nor in the image's history), no path. The proxy goes into the step's
temporary APT configuration and is not left in the image. `proxy_for`, the source the
proxy is restricted to, is `http://HOST` or `https://HOST` (a path after the host is
allowed and ignored; no port, no credentials).";

    InvalidExcludePattern = "WB2022", Error, "invalid exclude pattern",
"A pattern of `copy ... with exclude = [...]` names files below the copied tree, so
that they reach no layer of the image. It is a relative path: `*` matches any
characters but `/`, `?` one character but `/`, a `**` segment any number of
segments; a pattern of one segment matches at any depth (`*.md`, `tests/`), one of
several from the root of the copied tree (`assets/**/*.png`); a trailing `/` matches
only directories. An empty pattern, an absolute one, a `.` or `..` segment, an empty
segment (`a//b`), `**` inside a segment (`a**`), `[`, `]`, `\\` and a leading `!`
are refused: each would mean something else to another tool, or nothing.";

    InvalidMount = "WB2023", Error, "invalid mount",
"A mount of `run ... with mounts = [...]` is `bind(...)`, which shows files read-only
at `target` for this one step, or `cache(...)`, a directory kept between builds. A
bind mount reads from the build context (no `from`), from another variant's stage
(`from = VARIANT`) or from an image (`from = \"REF\"`, under the same policy as a
`base`); `scratch` has nothing to read. A cache's `id` names it for every step that
uses it and matches `[A-Za-z0-9_.-]+`. Two mounts of one step (its `with cache`
paths included) cannot share a target. A context source is a relative path inside the
build context (`WB2007` otherwise, as for copy sources). The files a mount shows are in
no layer of the image, and the cache's contents neither.";

    UnknownOption = "WB2015", Error, "unknown step option",
"The `with ...` options a step accepts: {step_options}. Others are rejected; the help
line suggests the closest option, with the fix that writes it.";

    ExtendsCycle = "WB3001", Error, "extends cycle",
"Variants or presets extend each other in a circle; the message names the cycle.
`extends` must form a tree so that merging has a defined order.";

    MissingBase = "WB3002", Error, "variant has no base image",
"After merging its parents and the image defaults, the variant has no `base`. Set
`base = \"registry/repo:tag\"`, `base = scratch`, `base = other_variant`, or extend a
preset that sets one.";

    ParentConflict = "WB3003", Warning, "parents disagree",
"Two parents in one `extends` list set a field to different values. The later
parent wins (parents apply left to right), which is easy to miss: settle it by
assigning the field in the variant itself with `=`.";

    StageCycle = "WB3004", Error, "stage dependency cycle",
"Variants use each other as `base` or through `copy from` in a circle, so there is
no order in which to build the stages.";

    ExtendsTooDeep = "WB3005", Error, "extends chain too deep",
"The chain of `extends` is longer than 64 levels. Chains that long are generated
rather than written; flatten them.";

    NoSteps = "WB3006", Warning, "variant does nothing",
"The variant has neither steps nor runtime settings of its own beyond its base. It
compiles to a bare `FROM`, which is usually a mistake.";

    DiscardsInherited = "WB3007", Warning, "`=` discards inherited entries",
"`field = value` replaces what the parents (or the image block) set. For a list, a
map or a step block that is usually a mistake: `steps = { ... }` in a variant that
extends `python.app` throws away the steps that install Python, the virtualenv and
the requirements, and the image builds without them. Write `steps += { ... }` to add
to the inherited entries (the fix does this). To replace them deliberately, say so:
`override steps = { ... }`, which replaces without this warning.";

    ImageCycle = "WB3008", Error, "images built on each other in a cycle",
"Across the workspace, a manifest's variant starts from the image another manifest
produces (or a base item defines), and following those links comes back to where
it started, or two files produce the same image reference. There is no order in
which to build them. `wbuildc graph` shows the links; the message names the cycle
(or both producers).";

    CmdNotExecForm = "WB4001", Warning, "shell-form command",
"`cmd` and `entrypoint` are always emitted in exec (JSON) form. A single string was
given, so it is run as `/bin/sh -c STRING`, which makes the shell PID 1 and swallows
signals. Prefer a list of arguments.";

    InvalidPolicy = "WB5000", Error, "invalid policy file",
"A policy file (`wbuild-policy.toml`, or the file given with `--policy`) is not valid
TOML, sets a key the policy does not have, or gives a value of the wrong type.
`wbuildc docs policy` lists every key. `wbuildc policy explain` shows the effective policy.";

    RegistryNotAllowed = "WB5001", Error, "base image from a registry the policy does not allow",
"Base images may only come from the registries in the policy's
`images.allowed_registries` (by default the organisation's own registry), so that
every image is built on something the organisation vetted. Use the approved base
(`import \"base\"`, `base.debian`), or add the registry to the policy. Policy rule:
`registry`.";

    UnpinnedImage = "WB5002", Error, "release image not pinned by digest",
"Variants listed in the policy's `images.release_variants` are released. For a
release build (`--release`) every stage they need must start from an image pinned by
digest (`registry/repo:tag@sha256:...`), so that the same manifest always builds on
the same bytes. Day-to-day checks and test builds (without `--release`) may use tags. Policy rule: `unpinned-image`.";

    MutableImageTag = "WB5003", Error, "`latest` or untagged base image",
"An image reference without a tag, or with the tag `latest`, names whatever was pushed
last: builds stop being reproducible and reviewable. Name a version tag, and pin the
digest for releases. Policy rule: `image-tag`.";

    AptSourceNotAllowed = "WB5004", Error, "APT repository the policy does not allow",
"`apt [...] with repository = \"URI SUITE COMPONENT...\"` may only name repositories and
components listed in the policy (`apt.allowed_repositories`, `apt.allowed_components`).
Debian's own archive is the default; everything else needs the organisation's
agreement, written into the policy. Policy rule: `apt-source`.";

    AptKeyringNotAllowed = "WB5005", Error, "APT keyring or sources changed",
"Adding an APT keyring (`with keyring = ...`) is only allowed when the policy sets
`apt.allow_keyrings = true`; an inline key (`with key = ...`) also when every primary
key in it has its fingerprint in `apt.allowed_keys` (the note names them). Run
steps may not change APT's sources or keys at all (`/etc/apt/sources.list*`,
`apt-key`, `add-apt-repository`, keyring directories): a repository is declared on
the `apt` step, where the policy can check it. Policy rule: `apt-keyring`.";

    RootUser = "WB5006", Error, "runs as root",
"Processes run as an unprivileged user. This variant ends with no `user` (so the base
image's root) or with a user whose uid is 0, whatever its name. Set `user =
base.somebody` (uid 65533) or extend a runtime preset; if the variant really must run
as root, say why where everybody can see it: `allow += { \"root-user\": \"reason\" }`.
Policy rule: `root-user`.";

    SecretInValue = "WB5007", Error, "value looks like a credential",
"Images are public by default: environment values, build-argument defaults, labels,
constants and commands end up in the image or its history for anyone to read. The
value matches a credential pattern (a private key block, a known token format, a
`password=`-style assignment, credentials in a URL, or a long high-entropy string), or
a variable named like a secret (PASSWORD, TOKEN, SECRET, API_KEY, ...) is given a value.
Pass build-time secrets as BuildKit secrets instead: `run \"...\" with secret = \"id\"`
mounts `/run/secrets/id` for that one step, and nothing reaches a layer. Policy rule:
`secret`.";

    SecretFileCopied = "WB5008", Error, "copies a file that holds secrets",
"The copy source names a file that typically holds private data (`.env`, keys and
certificates, `.npmrc`, `.pypirc`, `.netrc`, `.git`, `.ssh`, cloud credentials). The
list is the policy's `secrets.forbidden_files`. Copy only what the image needs. Policy
rule: `secret-file`.";

    DebianFirst = "WB5009", Warning, "library available as a Debian package",
"The organisation prefers Debian packages to language package managers: Debian's
packages get security updates from one place and are already trusted. pip, npm or
composer installs a library that Debian bookworm ships; the help names the package.
Install it with the preset's `packages` (or an `apt` step) and drop it from the
requirements, or record why the registry version is needed:
`allow += { \"debian-first\": \"reason\" }`. Policy rule: `debian-first`.";

    BadException = "WB5010", Error, "invalid policy exception",
"`allow = { \"RULE\": \"reason\" }` names policy rules that do not apply to this variant,
with the reason. The rule must be one of: registry, unpinned-image, image-tag,
apt-source, apt-keyring, root-user, secret, secret-file, debian-first; and the reason
may not be empty.";

    PolicyLoosened = "WB5011", Error, "a repository policy file loosens the policy",
"The repository being built is untrusted input: its `wbuild-policy.toml` files may
make the organisation's policy stricter, never looser. Each key has one direction:
allow-lists (`allowed_registries`, `allowed_repositories`, `allowed_components`) may
only lose entries, `forbidden_files` and `release_variants` may only gain entries,
permissions (`allow_root`, `allow_keyrings`) may only become `false`, requirements
(`debian_first.enabled`) only `true`, and thresholds (`min_length`, `min_entropy`)
may only be lowered. The loosening value is not applied. Ask for the change in the
organisation's policy (given by CI with `--policy` or `$WBUILD_CONFIG/policy.toml`),
or write a visible, audited exception on the variant: `allow = { \"RULE\": \"reason\" }`.";

    PolicyIgnored = "WB5012", Warning, "repository policy file not applied",
"The organisation's policy says `final = true`: no repository may change it, not even
to tighten it, so this `wbuild-policy.toml` is not applied. Remove it, or ask for its
rules to be added to the organisation's policy.";

    UntrustedConfig = "WB5013", Error, "configuration a repository cannot set",
"The repository being built is untrusted input. Its `wbuild.toml` may not choose the
stdlib (the organisation's presets are what its policy builds on) or the keys base
images are verified with (`[trust]`: a key the repository named could sign any
image), and a
configuration or policy file of the repository that wbuildc refused to read (a
symbolic link out of the repository or into `.git`, a FIFO, a file that is not UTF-8)
is an error rather than silently skipped. The organisation's configuration comes from
CI: `--policy PATH`, `--stdlib DIR`, or `$WBUILD_CONFIG` (default `/etc/wbuild`) with
`policy.toml` and `wbuild.toml` (`[stdlib] dir = \"...\"`, `[trust]`). See `wbuildc docs security`.";

    Setuid = "WB5014", Error, "setuid file or sudo rule",
"Processes run as an unprivileged user, and nothing in the image may let that user
become root: no file with the setuid or setgid bit (`with chmod = \"4755\"`, `chmod
u+s`, `install -m 4755`), no file capabilities (`setcap`), no sudo rules (copies into
`/etc/sudoers` or `/etc/sudoers.d`, `NOPASSWD` lines, `visudo`) and no `sudo` or `doas`
package. Modes and copy destinations are checked exactly; run steps are read on a
best-effort basis (a script can hide what it does). If a setuid program is really
needed, say why where everybody can see it: `allow += { \"setuid\": \"reason\" }`.
Policy rule: `setuid`.";

    SecretPersisted = "WB5015", Error, "build secret written into the image",
"A build secret (`run \"...\" with secret = \"ID\"`) is mounted at `/run/secrets/ID`
for that one step and never reaches a layer, unless the step copies it: `cat
/run/secrets/ID > FILE`, `cp /run/secrets/ID FILE`, `| tee FILE`. The file then stays
in the image for anyone to read. Use the secret where it is mounted (most tools take
a path or read it into a variable), or remove the copy in the same step. Run steps
are read on a best-effort basis. Policy rule: `secret`.";

    PrivateDataInPublic = "WB5016", Error, "public variant uses a private image",
"A variant marked `private = true` carries private data (unreleased security patches,
licensed files): its image is published only below the policy's
`publishing.private_repository`, never under public tags. A public variant may not
carry that data out: it may not be built on a private variant (`base = NAME`), copy
from one (`copy from NAME`), or start from an image in the private namespace. Mark the
variant `private = true` too (it is then published in the private namespace), or build
it from public parts only. There is no exception for this rule: an image is public by
default, and whatever it holds is readable by everyone.";

    AptProxyNotAllowed = "WB5017", Error, "APT proxy the policy does not allow",
"A proxy sees every package an `apt` step downloads and decides what it receives (APT
still checks the signatures): `apt [...] with proxy = \"URL\"` may only name a proxy
listed in the policy's `apt.allowed_proxies` (empty by default: no proxies). Ask for
the organisation's package cache to be listed there. Policy rule: `apt-proxy`.";

    BuildStepFailed = "WB6001", Error, "build step failed",
"The image builder (buildah or Docker/BuildKit) ran the Dockerfile and one of its
steps failed. The label points at the `.wbuild` line the failing instruction came
from; the engine's own output above it says why (a missing file in the build context,
a command that exited non-zero, a package that does not exist, ...).";

    UnsignedBaseImage = "WB6002", Error, "base image not signed by the organisation",
"The policy requires signed base images (`images.require_signed_base`): before the
engine runs, `wbuildc build` resolves the digest of every registry image the variant
builds on and has skopeo verify it under a `signedBy` policy with the organisation's
GPG public keys, reading the signatures where the organisation's registries.d says
(`[trust]` in `$WBUILD_CONFIG/wbuild.toml`). This image was refused: it has no
signature, its signature is not valid (tampered), it is signed by a key the
organisation does not trust, or the signature names another repository. Nothing was
built. Build on an image the organisation published and signed (`wbuildc publish
--sign-by`), or ask ops to sign this one; a signature cannot be skipped by the
repository, only by the organisation's policy.";
    BlubberYaml = "WB7001", Error, "not a YAML document wbuildc can read",
"`wbuildc import-blubber` reads the Blubber config as YAML first; this text is not
YAML, or uses what a Blubber config never needs: more than one document (`---`),
tags (`!tag`), a key that is not a plain string, a key written twice in one mapping,
or more than 100,000 values once aliases are expanded. The label points at the line
and column where reading stopped. Blubber's own YAML reader stops at the same
places, without saying where.";

    BlubberVersion = "WB7002", Error, "unsupported Blubber config version",
"Only Blubber config `version: v4` is imported. Older versions (v1 to v3) had other
fields and rules (copies of the build context were implied, for one), so converting
them field by field would silently change what is built. Upgrade the config to v4
with Blubber's own documentation first, or write the `.wbuild` by hand.";

    BlubberUnknownField = "WB7003", Error, "unknown Blubber field",
"The key is not a field of Blubber config v4 at this place (Blubber refuses unknown
fields too). The help line names the closest field when there is one; `wbuildc docs
migrating-from-blubber` lists every v4 field and what it becomes in wbuild.";

    BlubberInvalidValue = "WB7004", Error, "invalid Blubber value",
"The field's value has the wrong kind (a string where Blubber wants a list, a uid
that is not a number) or a value Blubber itself rejects (an unknown cache `access`,
a relative `lives.in`, a URL that is not http or https, an environment variable
name with characters a shell cannot name). The label says what the field takes.";

    BlubberUnknownVariant = "WB7005", Error, "a Blubber variant that does not exist",
"An `includes`, `copies`, `requirements` or `mounts` entry names a variant that the
config does not define (for `copies` and `requirements`, `local` means the build
context; for `mounts`, a name that is no variant is taken as an image only when it
looks like one: it has a registry host or a tag).";

    BlubberIncludeCycle = "WB7006", Error, "Blubber includes form a cycle",
"The variants' `includes` lead back to where they started, so there is no order in
which Blubber could merge them (it refuses such configs as well). Remove one of the
includes in the cycle.";

    BlubberMergeTrap = "WB7007", Warning, "a Blubber merge rule that does not do what it says",
"Blubber merges a variant over the top-level config and its includes with rules
that silently ignore some values: an empty or null `base` does not make a variant
scratch when something else set one, a uid or gid of 0 does not switch to root, an
empty string does not clear a scalar, and `entrypoint` and requirement lists
replace rather than append. The import keeps Blubber's result (the same image) and
writes it out explicitly; the warning says where the config says something else,
so that the intent can be fixed in the new `.wbuild`.";

    BlubberPolicyRule = "WB7008", Error, "a Blubber policy rule with no wbuild equivalent",
"`wbuildc import-blubber --policy` converts the enforcements of a Blubber policy
file into the organisation's `wbuild-policy.toml`. This enforcement's path and rule
have no wbuild policy key that means the same; it is not converted (a rule dropped
silently would loosen the policy). The help line says which paths and rules are
converted; see `wbuildc docs migrating-from-blubber`.";

    BlubberNotCarried = "WB7009", Warning, "a Blubber setting wbuild does not carry over",
"The config says something that changes how Blubber builds but not what the image
holds, and that wbuild has no way to say: more than one APT proxy. wbuild's `apt`
step takes one HTTP proxy (for all of its sources, or for one with `proxy_for`); the
import keeps the config's first proxy and reports the others here. Check that the build machines can reach the sources through
it (the proxy is never left in the image).";
}
