//! Blubber config v4 as typed data, read from the positioned YAML tree: every
//! value keeps its span, every field of v4 is read (the table [`FIELDS`] is the
//! list; docs/migrating-from-blubber.md is checked against it), and anything
//! else is a diagnostic at the YAML line and column.
//!
//! Values are kept as Blubber reads them, before any merging: an absent field is
//! `None`, a flag is three-state (`None`, `Some(true)`, `Some(false)`), and
//! `base: null` is recorded as written (merging decides what it means).

use super::super::yaml::{Entry, Node, Value};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{FileId, Span};

/// Every field of Blubber config v4, by where it is written, with what it
/// becomes in wbuild. `Common` fields are allowed at the top level and in every
/// variant; `*` is any name.
pub const FIELDS: &[(&str, &str)] = &[
    ("version", "nothing: only `v4` is imported"),
    ("variants", "one `variant` per entry, in the same order"),
    ("variants.*.includes", "`extends` when the merge is a plain append; otherwise the included fields written out"),
    ("variants.*.copies", "`copy` / `copy from` steps, owned by the `lives` user"),
    ("base", "`base` (a variant with no base, or `null`, is `base = scratch`)"),
    ("arguments", "`arg NAME: string = \"DEFAULT\"` steps"),
    ("entrypoint", "`entrypoint`"),
    ("apt.packages", "`apt [...]` (a map of target releases: one `apt [...] with release = \"...\"` per release)"),
    ("apt.sources", "the `repository` (and `key`) of the `apt` steps"),
    ("apt.sources[].url", "the repository line's URI"),
    ("apt.sources[].distribution", "the repository line's suite"),
    ("apt.sources[].components", "the repository line's components"),
    ("apt.sources[].signed-by", "`with key = \"...\"`: the armoured key, checked by the policy"),
    ("apt.proxies", "`with proxy = \"...\"` on the `apt` steps (not left in the image)"),
    ("apt.proxies[].url", "the proxy's URL"),
    ("apt.proxies[].source", "the repository the proxy is for"),
    ("lives", "the owner: a `user(...)` constant, `copy ... with chown`, `run ... with user`"),
    ("lives.as", "the owner's name"),
    ("lives.uid", "the owner's uid"),
    ("lives.gid", "the owner's gid"),
    ("lives.in", "the application directory: the `workdir` step and field"),
    ("runs", "the user the image runs as"),
    ("runs.as", "the runner's name"),
    ("runs.uid", "the runner's uid"),
    ("runs.gid", "the runner's gid"),
    ("runs.in", "the `workdir` field"),
    ("runs.environment", "`env NAME = \"VALUE\"` steps"),
    ("runs.insecurely", "`user = ` the owner instead of the runner"),
    ("builder", "one builder: its requirements copied, its command run as the owner"),
    ("builders", "builders in order, each as `builder` or a language builder"),
    ("builders[].custom", "as `builder`"),
    ("builders[].node", "as `node`"),
    ("builders[].php", "as `php`"),
    ("builders[].python", "as `python`"),
    ("builder.command", "`run [...]` (a list) or `run \"...\"` (a string), as the owner"),
    ("builder.script", "`run [INTERPRETER, \"-c\", SCRIPT]` (the shebang's interpreter, `/bin/sh` without one), as the owner"),
    ("builder.requirements", "`copy` steps before the command"),
    ("builder.mounts", "`with mounts = [bind(...)]` on the command"),
    ("builder.caches", "`with mounts = [cache(...)]` on the command"),
    ("node", "npm steps as the owner"),
    ("node.requirements", "`copy` steps before `npm install`"),
    ("node.env", "`NODE_ENV`, and `--only=production` plus `npm dedupe` for production"),
    ("node.use-npm-ci", "`npm ci` instead of `npm install`"),
    ("node.allow-dedupe-failure", "`npm dedupe || echo ...`"),
    ("php", "composer steps as the owner"),
    ("php.requirements", "`copy` steps before `composer install`"),
    ("php.production", "`composer install --no-dev`"),
    ("python", "a virtualenv and pip (or poetry) steps as the owner"),
    ("python.version", "the Python binary the steps run"),
    ("python.requirements", "`copy` steps, then `pip install -r` each"),
    ("python.use-system-site-packages", "`--system-site-packages` on the virtualenv"),
    ("python.no-deps", "`pip install --no-deps`, then `pip check`"),
    ("python.venv", "the virtualenv's path (`/opt/lib/venv` by default)"),
    ("python.pip-version", "the pip installed into the virtualenv"),
    ("python.setuptools-version", "the setuptools installed into the virtualenv"),
    ("python.wheel-version", "the wheel installed into the virtualenv"),
    ("python.tox-version", "the tox installed into the virtualenv"),
    ("python.poetry", "poetry installed into the virtualenv, `poetry install --no-root`"),
    ("python.poetry.version", "the poetry version"),
    ("python.poetry.devel", "development dependencies too (without it: `--no-dev`)"),
    ("python.poetry.only", "`--only GROUPS`"),
    ("python.poetry.without", "`--without GROUPS`"),
    ("artifact.from", "`copy from VARIANT` (or `local`: `copy`)"),
    ("artifact.source", "the copy's source"),
    ("artifact.destination", "the copy's destination (the source's path by default)"),
    ("artifact.exclude", "`with exclude = [...]`"),
    ("mount.from", "`bind(from = VARIANT)`, `bind(image = \"...\")` or, for `local`, `bind()` of the build context"),
    ("mount.source", "`bind(source = ...)`"),
    ("mount.destination", "`bind(target = ...)` (the working directory by default)"),
    ("cache.destination", "`cache(target = ...)`"),
    ("cache.id", "`cache(id = ...)` (the destination by default)"),
    ("cache.access", "`cache(sharing = ...)`: shared, private or locked"),
];

/// A value and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// `lives` and `runs`' user part.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserConfig {
    pub name: Option<Spanned<String>>,
    pub uid: Option<Spanned<u32>>,
    pub gid: Option<Spanned<u32>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lives {
    pub user: UserConfig,
    pub dir: Option<Spanned<String>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Runs {
    pub user: UserConfig,
    pub dir: Option<Spanned<String>>,
    pub environment: Option<Vec<(Spanned<String>, Spanned<String>)>>,
    pub insecurely: Option<Spanned<bool>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AptSource {
    pub url: Spanned<String>,
    pub distribution: Option<Spanned<String>>,
    pub components: Vec<Spanned<String>>,
    pub signed_by: Option<Spanned<String>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AptProxy {
    pub url: Spanned<String>,
    pub source: Option<Spanned<String>>,
}

/// The packages of one target release (`default` for the list form).
pub type TargetPackages = (Spanned<String>, Vec<Spanned<String>>);

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Apt {
    /// Target release → packages; the list form is the release `default`.
    pub packages: Option<Vec<TargetPackages>>,
    pub sources: Option<Vec<AptSource>>,
    pub proxies: Option<Vec<AptProxy>>,
}

/// One entry of `copies` or `requirements`.
#[derive(Clone, Debug, PartialEq)]
pub struct Artifact {
    /// A variant name or `local`; empty in a requirement's shorthand (`local`).
    pub from: Spanned<String>,
    pub source: Option<Spanned<String>>,
    pub destination: Option<Spanned<String>>,
    pub exclude: Vec<Spanned<String>>,
    pub span: Span,
}

impl Artifact {
    /// Blubber's equality for copies' de-duplication (everything but positions).
    pub fn same(&self, other: &Artifact) -> bool {
        let text =
            |s: &Option<Spanned<String>>| s.as_ref().map(|s| s.value.clone()).unwrap_or_default();
        self.from.value == other.from.value
            && text(&self.source) == text(&other.source)
            && text(&self.destination) == text(&other.destination)
            && self.exclude.len() == other.exclude.len()
            && self
                .exclude
                .iter()
                .zip(&other.exclude)
                .all(|(a, b)| a.value == b.value)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mount {
    pub from: Spanned<String>,
    pub source: Option<Spanned<String>>,
    pub destination: Option<Spanned<String>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cache {
    pub destination: Spanned<String>,
    pub id: Option<Spanned<String>>,
    pub access: Option<Spanned<String>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// `command: "make build"`: one shell line.
    Shell(Spanned<String>),
    /// `command: [make, build]`: Blubber joins it into one shell line, quoting the
    /// arguments.
    List(Vec<Spanned<String>>),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Custom {
    pub command: Option<Command>,
    pub script: Option<Spanned<String>>,
    pub requirements: Option<Vec<Artifact>>,
    pub mounts: Option<Vec<Mount>>,
    pub caches: Option<Vec<Cache>>,
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeBuilder {
    pub requirements: Option<Vec<Artifact>>,
    pub env: Option<Spanned<String>>,
    pub use_npm_ci: Option<Spanned<bool>>,
    pub allow_dedupe_failure: Option<Spanned<bool>>,
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PhpBuilder {
    pub requirements: Option<Vec<Artifact>>,
    pub production: Option<Spanned<bool>>,
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Poetry {
    pub version: Option<Spanned<String>>,
    pub devel: Option<Spanned<bool>>,
    pub only: Option<Spanned<String>>,
    pub without: Option<Spanned<String>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PythonBuilder {
    pub version: Option<Spanned<String>>,
    pub requirements: Option<Vec<Artifact>>,
    pub use_system_site_packages: Option<Spanned<bool>>,
    pub no_deps: Option<Spanned<bool>>,
    pub venv: Option<Spanned<String>>,
    pub pip_version: Option<Spanned<String>>,
    pub setuptools_version: Option<Spanned<String>>,
    pub wheel_version: Option<Spanned<String>>,
    pub tox_version: Option<Spanned<String>>,
    pub poetry: Poetry,
    pub span: Span,
}

/// One entry of `builders`.
#[derive(Clone, Debug, PartialEq)]
pub enum Builder {
    Custom(Custom),
    Node(NodeBuilder),
    Php(PhpBuilder),
    /// Boxed: by far the largest of the four.
    Python(Box<PythonBuilder>),
}

/// The fields that may be written at the top level and in every variant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Common {
    /// `Some(None)`: `base: null` as written.
    pub base: Option<Spanned<Option<String>>>,
    pub arguments: Option<Vec<(Spanned<String>, Spanned<String>)>>,
    pub apt: Apt,
    pub builders: Option<Vec<Builder>>,
    pub node: Option<NodeBuilder>,
    pub php: Option<PhpBuilder>,
    pub python: Option<PythonBuilder>,
    pub builder: Option<Custom>,
    pub lives: Lives,
    pub runs: Runs,
    pub entrypoint: Option<Spanned<Vec<String>>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub name: Spanned<String>,
    pub includes: Vec<Spanned<String>>,
    pub copies: Option<Vec<Artifact>>,
    pub common: Common,
    /// The whole entry, key to last value.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub common: Common,
    pub variants: Vec<Variant>,
}

/// Reads a config, collecting every problem (it reads on past a bad field, so
/// one run lists them all); `None` when the version is not v4.
pub fn read(root: &Node, file: FileId, diagnostics: &mut Vec<Diagnostic>) -> Option<Config> {
    let mut r = Reader { file, diagnostics };
    let Some(entries) = root.entries() else {
        r.invalid(
            root.span,
            "a Blubber config is a mapping (`version: v4`, `variants: ...`)",
        );
        return None;
    };
    match entries.iter().find(|e| e.key == "version") {
        None => {
            r.diagnostics.push(
                Diagnostic::new(
                    Code::BlubberVersion,
                    "the config has no `version`",
                    file,
                    Span::new(0, 0),
                    "`version: v4` expected",
                )
                .with_help("add `version: v4` at the top (only v4 configs are imported)"),
            );
            return None;
        }
        Some(e) => {
            let version = e.value.text().unwrap_or("");
            if version != "v4" {
                r.diagnostics.push(
                    Diagnostic::new(
                        Code::BlubberVersion,
                        format!("Blubber config version `{version}` is not supported"),
                        file,
                        e.value.span,
                        "only `v4` is imported",
                    )
                    .with_help(
                        "upgrade the config to v4 with Blubber's documentation, then import it",
                    ),
                );
                return None;
            }
        }
    }
    let common = r.common(entries, &["version", "variants"]);
    let mut variants = Vec::new();
    if let Some(e) = entries.iter().find(|e| e.key == "variants") {
        match &e.value.value {
            Value::Map(list) => {
                for v in list {
                    if let Some(variant) = r.variant(v) {
                        variants.push(variant);
                    }
                }
            }
            Value::Null => {}
            _ => r.invalid(
                e.value.span,
                "`variants` is a mapping of variant names to variants",
            ),
        }
    }
    Some(Config { common, variants })
}

struct Reader<'a> {
    file: FileId,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Reader<'_> {
    fn invalid(&mut self, span: Span, label: &str) {
        self.diagnostics.push(Diagnostic::new(
            Code::BlubberInvalidValue,
            format!("invalid value: {label}"),
            self.file,
            span,
            label.to_string(),
        ));
    }

    /// Reports the keys of `entries` that are not in `known`.
    fn unknown(&mut self, entries: &[Entry], known: &[&str], place: &str) {
        for e in entries {
            if known.contains(&e.key.as_str()) {
                continue;
            }
            let help = crate::diagnostics::suggest::help(&e.key, known.iter().copied());
            let d = Diagnostic::new(
                Code::BlubberUnknownField,
                format!("`{}` is not a field of {place}", e.key),
                self.file,
                e.key_span,
                "unknown field",
            )
            .with_note(format!("{place} has: {}", known.join(", ")))
            .with_help_opt(help);
            self.diagnostics.push(d);
        }
    }

    fn mapping<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        match &node.value {
            Value::Map(entries) => Some(entries),
            Value::Null => Some(&[]),
            _ => {
                self.invalid(node.span, &format!("{what} is a mapping"));
                None
            }
        }
    }

    fn sequence<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            Value::Null => None,
            _ => {
                self.invalid(node.span, &format!("{what} is a list"));
                None
            }
        }
    }

    /// A list whose entries are a string (the shorthand) or a mapping of the
    /// fields `known` (read by `long`): `copies`, `requirements`, `mounts`,
    /// `caches`.
    fn shorthand_list<T>(
        &mut self,
        node: &Node,
        what: &str,
        entry: &str,
        known: &[&str],
        short: impl Fn(Spanned<String>) -> T,
        mut long: impl FnMut(&mut Self, &[Entry], Span) -> Option<T>,
    ) -> Option<Vec<T>> {
        let items = self.sequence(node, what)?;
        let mut out = Vec::new();
        for item in items {
            match &item.value {
                Value::Scalar { text, .. } => out.push(short(Spanned {
                    value: text.clone(),
                    span: item.span,
                })),
                _ => {
                    let Some(fields) = self.mapping(item, entry) else {
                        continue;
                    };
                    self.unknown(fields, known, entry);
                    out.extend(long(self, fields, item.span));
                }
            }
        }
        Some(out)
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match &node.value {
            Value::Scalar {
                text,
                quoted: false,
            } if typed_scalar(text) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::BlubberInvalidValue,
                        format!("invalid value: {what} is a string, and YAML reads `{text}` as a number or a boolean"),
                        self.file,
                        node.span,
                        "not a string",
                    )
                    .with_help(format!("quote it: \"{text}\"")),
                );
                None
            }
            Value::Scalar { text, .. } => Some(Spanned {
                value: text.clone(),
                span: node.span,
            }),
            Value::Null => None,
            _ => {
                self.invalid(node.span, &format!("{what} is a string"));
                None
            }
        }
    }

    fn strings(&mut self, node: &Node, what: &str) -> Option<Vec<Spanned<String>>> {
        match &node.value {
            Value::Seq(items) => Some(items.iter().filter_map(|i| self.string(i, what)).collect()),
            Value::Null => None,
            _ => {
                self.invalid(node.span, &format!("{what} is a list of strings"));
                None
            }
        }
    }

    fn flag(&mut self, node: &Node, what: &str) -> Option<Spanned<bool>> {
        match node.text() {
            Some("true") => Some(Spanned {
                value: true,
                span: node.span,
            }),
            Some("false") => Some(Spanned {
                value: false,
                span: node.span,
            }),
            _ if node.value == Value::Null => None,
            _ => {
                self.invalid(node.span, &format!("{what} is `true` or `false`"));
                None
            }
        }
    }

    fn id(&mut self, node: &Node, what: &str) -> Option<Spanned<u32>> {
        let quoted = matches!(node.value, Value::Scalar { quoted: true, .. });
        match node.text().map(str::parse::<u32>) {
            Some(Ok(n)) if !quoted => Some(Spanned {
                value: n,
                span: node.span,
            }),
            _ if node.value == Value::Null => None,
            _ => {
                self.invalid(
                    node.span,
                    &format!("{what} is a number from 0 to 4294967295"),
                );
                None
            }
        }
    }

    fn abspath(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        let s = self.string(node, what)?;
        if !s.value.starts_with('/') {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::BlubberInvalidValue,
                    format!("{what} must be an absolute path"),
                    self.file,
                    s.span,
                    "a relative path",
                )
                .with_help(format!("write `/{}`", s.value.trim_start_matches("./"))),
            );
            return None;
        }
        Some(s)
    }

    fn url(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        let s = self.string(node, what)?;
        let rest = s
            .value
            .strip_prefix("http://")
            .or_else(|| s.value.strip_prefix("https://"));
        if rest.is_none_or(|r| r.is_empty() || r.contains(char::is_whitespace)) {
            self.invalid(s.span, &format!("{what} is an http:// or https:// URL"));
            return None;
        }
        Some(s)
    }

    /// `runs.environment` and `arguments`: names a shell can name, string values.
    fn env_map(
        &mut self,
        node: &Node,
        what: &str,
    ) -> Option<Vec<(Spanned<String>, Spanned<String>)>> {
        let entries = self.mapping(node, what)?;
        let mut out = Vec::new();
        for e in entries {
            let name_ok = e
                .key
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && e.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !name_ok {
                self.invalid(
                    e.key_span,
                    &format!(
                        "a name in {what} is letters, digits and `_`, not starting with a digit"
                    ),
                );
                continue;
            }
            let value = match &e.value.value {
                Value::Scalar {
                    text,
                    quoted: false,
                } if typed_scalar(text) => {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::BlubberInvalidValue,
                            format!("invalid value: a value in {what} is a string, and YAML reads `{text}` as a number or a boolean"),
                            self.file,
                            e.value.span,
                            "not a string",
                        )
                        .with_help(format!("quote it: \"{text}\"")),
                    );
                    continue;
                }
                Value::Scalar { text, .. } => text.clone(),
                Value::Null => String::new(),
                _ => {
                    self.invalid(e.value.span, &format!("a value in {what} is a string"));
                    continue;
                }
            };
            out.push((
                Spanned {
                    value: e.key.clone(),
                    span: e.key_span,
                },
                Spanned {
                    value,
                    span: e.value.span,
                },
            ));
        }
        Some(out)
    }

    fn user(&mut self, entries: &[Entry], what: &str) -> UserConfig {
        let mut user = UserConfig::default();
        for e in entries {
            match e.key.as_str() {
                "as" => {
                    user.name = self.string(&e.value, &format!("`{what}.as`"));
                    if let Some(n) = &user.name {
                        if n.value == "root" {
                            let span = n.span;
                            self.diagnostics.push(
                                Diagnostic::new(Code::BlubberInvalidValue, format!("invalid value: `{what}.as` may not be root"), self.file, span, "root")
                                    .with_help("Blubber wants a named unprivileged user here (it refuses root too)"),
                            );
                            user.name = None;
                            continue;
                        }
                        let ok = n
                            .value
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                            && n.value.chars().all(|c| {
                                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'
                            })
                            && n.value.len() <= 32;
                        if !ok {
                            let span = n.span;
                            self.invalid(span, &format!("`{what}.as` is a user name: lower-case letters, digits, `_` and `-`, at most 32"));
                            user.name = None;
                        }
                    }
                }
                "uid" => user.uid = self.id(&e.value, &format!("`{what}.uid`")),
                "gid" => user.gid = self.id(&e.value, &format!("`{what}.gid`")),
                _ => {}
            }
        }
        user
    }

    fn common(&mut self, entries: &[Entry], extra: &[&str]) -> Common {
        let mut known = vec![
            "base",
            "arguments",
            "apt",
            "builders",
            "node",
            "php",
            "python",
            "builder",
            "lives",
            "runs",
            "entrypoint",
        ];
        known.extend_from_slice(extra);
        let place = if extra.contains(&"version") {
            "the top level of a Blubber config"
        } else {
            "a Blubber variant"
        };
        self.unknown(entries, &known, place);
        let mut c = Common::default();
        for e in entries {
            match e.key.as_str() {
                "base" => {
                    c.base = match &e.value.value {
                        Value::Null => Some(Spanned {
                            value: None,
                            span: e.value.span,
                        }),
                        _ => self.string(&e.value, "`base`").map(|s| Spanned {
                            value: Some(s.value),
                            span: s.span,
                        }),
                    }
                }
                "arguments" => c.arguments = self.env_map(&e.value, "`arguments`"),
                "apt" => c.apt = self.apt(&e.value),
                "builders" => c.builders = self.builders(&e.value),
                "node" => c.node = self.node(&e.value),
                "php" => c.php = self.php(&e.value),
                "python" => c.python = self.python(&e.value),
                "builder" => c.builder = self.custom(&e.value, "`builder`"),
                "lives" => {
                    if let Some(entries) = self.mapping(&e.value, "`lives`") {
                        self.unknown(entries, &["as", "uid", "gid", "in"], "`lives`");
                        c.lives.user = self.user(entries, "lives");
                        if let Some(d) = entries.iter().find(|e| e.key == "in") {
                            c.lives.dir = self.abspath(&d.value, "`lives.in`");
                        }
                    }
                }
                "runs" => {
                    if let Some(entries) = self.mapping(&e.value, "`runs`") {
                        self.unknown(
                            entries,
                            &["as", "uid", "gid", "in", "environment", "insecurely"],
                            "`runs`",
                        );
                        c.runs.user = self.user(entries, "runs");
                        for r in entries {
                            match r.key.as_str() {
                                "in" => c.runs.dir = self.abspath(&r.value, "`runs.in`"),
                                "environment" => {
                                    c.runs.environment =
                                        self.env_map(&r.value, "`runs.environment`")
                                }
                                "insecurely" => {
                                    c.runs.insecurely = self.flag(&r.value, "`runs.insecurely`")
                                }
                                _ => {}
                            }
                        }
                    }
                }
                "entrypoint" => {
                    if let Some(list) = self.strings(&e.value, "`entrypoint`") {
                        c.entrypoint = Some(Spanned {
                            value: list.into_iter().map(|s| s.value).collect(),
                            span: e.value.span,
                        });
                    }
                }
                _ => {}
            }
        }
        c
    }

    fn apt(&mut self, node: &Node) -> Apt {
        let mut apt = Apt::default();
        let Some(entries) = self.mapping(node, "`apt`") else {
            return apt;
        };
        self.unknown(entries, &["packages", "sources", "proxies"], "`apt`");
        for e in entries {
            match e.key.as_str() {
                "packages" => {
                    apt.packages = match &e.value.value {
                        Value::Seq(_) => self.strings(&e.value, "`apt.packages`").map(|list| {
                            vec![(
                                Spanned {
                                    value: "default".to_string(),
                                    span: e.key_span,
                                },
                                list,
                            )]
                        }),
                        Value::Map(targets) => Some(
                            targets
                                .iter()
                                .filter_map(|t| {
                                    let list =
                                        self.strings(&t.value, "the packages of a target release")?;
                                    Some((
                                        Spanned {
                                            value: t.key.clone(),
                                            span: t.key_span,
                                        },
                                        list,
                                    ))
                                })
                                .collect(),
                        ),
                        Value::Null => None,
                        _ => {
                            self.invalid(e.value.span, "`apt.packages` is a list of packages, or a mapping of target releases to lists");
                            None
                        }
                    };
                    for (_, list) in apt.packages.iter().flatten() {
                        for p in list {
                            let ok = p.value.len() >= 2
                                && p.value
                                    .chars()
                                    .next()
                                    .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                                && p.value.chars().all(|c| {
                                    c.is_ascii_lowercase()
                                        || c.is_ascii_digit()
                                        || "+-.:=~".contains(c)
                                });
                            if !ok {
                                let span = p.span;
                                self.invalid(span, "a Debian package name (optionally `=VERSION`)");
                            }
                        }
                    }
                }
                "sources" => {
                    let Some(items) = self.sequence(&e.value, "`apt.sources`") else {
                        continue;
                    };
                    let mut sources = Vec::new();
                    for item in items {
                        let Some(fields) = self.mapping(item, "an APT source") else {
                            continue;
                        };
                        self.unknown(
                            fields,
                            &["url", "distribution", "components", "signed-by"],
                            "an APT source",
                        );
                        let mut url = None;
                        let mut source = AptSource {
                            url: Spanned {
                                value: String::new(),
                                span: item.span,
                            },
                            distribution: None,
                            components: Vec::new(),
                            signed_by: None,
                            span: item.span,
                        };
                        for f in fields {
                            match f.key.as_str() {
                                "url" => url = self.url(&f.value, "an APT source's `url`"),
                                "distribution" => {
                                    source.distribution = self.string(&f.value, "`distribution`")
                                }
                                "components" => {
                                    source.components =
                                        self.strings(&f.value, "`components`").unwrap_or_default()
                                }
                                "signed-by" => {
                                    source.signed_by = self.string(&f.value, "`signed-by`")
                                }
                                _ => {}
                            }
                        }
                        match url {
                            Some(u) => {
                                source.url = u;
                                sources.push(source);
                            }
                            None if !fields.iter().any(|f| f.key == "url") => {
                                self.invalid(item.span, "an APT source needs a `url`");
                            }
                            None => {}
                        }
                    }
                    apt.sources = Some(sources);
                }
                "proxies" => {
                    let Some(items) = self.sequence(&e.value, "`apt.proxies`") else {
                        continue;
                    };
                    let mut proxies = Vec::new();
                    for item in items {
                        match &item.value {
                            Value::Scalar { .. } => {
                                if let Some(url) = self.url(item, "a proxy") {
                                    proxies.push(AptProxy { url, source: None });
                                }
                            }
                            _ => {
                                let Some(fields) = self.mapping(item, "a proxy") else {
                                    continue;
                                };
                                self.unknown(fields, &["url", "source"], "a proxy");
                                let url = fields
                                    .iter()
                                    .find(|f| f.key == "url")
                                    .and_then(|f| self.url(&f.value, "a proxy's `url`"));
                                let source = fields
                                    .iter()
                                    .find(|f| f.key == "source")
                                    .and_then(|f| self.url(&f.value, "a proxy's `source`"));
                                match url {
                                    Some(url) => proxies.push(AptProxy { url, source }),
                                    None if !fields.iter().any(|f| f.key == "url") => {
                                        self.invalid(item.span, "a proxy needs a `url`")
                                    }
                                    None => {}
                                }
                            }
                        }
                    }
                    apt.proxies = Some(proxies);
                }
                _ => {}
            }
        }
        apt
    }

    /// `copies` and `requirements` entries: a string (a variant name or `local`
    /// for copies; a path in the build context for requirements) or a mapping.
    fn artifacts(
        &mut self,
        node: &Node,
        what: &str,
        shorthand_is_path: bool,
    ) -> Option<Vec<Artifact>> {
        let entry = format!("an entry of {what}");
        let short = |s: Spanned<String>| {
            let span = s.span;
            let (from, source) = if shorthand_is_path {
                (
                    Spanned {
                        value: "local".into(),
                        span,
                    },
                    Some(s),
                )
            } else {
                (s, None)
            };
            Artifact {
                from,
                source,
                destination: None,
                exclude: Vec::new(),
                span,
            }
        };
        let long = |r: &mut Self, fields: &[Entry], span: Span| {
            let get = |k: &str| fields.iter().find(|f| f.key == k);
            let from = match get("from") {
                Some(f) if f.value.value == Value::Null => {
                    r.invalid(
                        f.value.span,
                        &format!(
                            "`from` of an entry of {what} is a variant name or `local`, not null"
                        ),
                    );
                    return None;
                }
                Some(f) => r.string(&f.value, "`from`"),
                None => None,
            };
            let Some(from) = from else {
                r.invalid(
                    span,
                    &format!("an entry of {what} needs `from` (a variant name, or `local`)"),
                );
                return None;
            };
            let source = get("source").and_then(|f| r.string(&f.value, "`source`"));
            let destination = get("destination").and_then(|f| r.string(&f.value, "`destination`"));
            if destination.is_some() && source.is_none() {
                r.invalid(span, "`destination` needs a `source`");
                return None;
            }
            if let Some(s) = source.as_ref().filter(|_| from.value == "local") {
                if s.value.starts_with('/') || s.value.split('/').any(|c| c == "..") {
                    r.invalid(
                        s.span,
                        "a `local` source is a relative path inside the build context",
                    );
                    return None;
                }
            }
            let exclude = get("exclude")
                .and_then(|f| r.strings(&f.value, "`exclude`"))
                .unwrap_or_default();
            Some(Artifact {
                from,
                source,
                destination,
                exclude,
                span,
            })
        };
        self.shorthand_list(
            node,
            what,
            &entry,
            &["from", "source", "destination", "exclude"],
            short,
            long,
        )
    }

    fn builders(&mut self, node: &Node) -> Option<Vec<Builder>> {
        let items = self.sequence(node, "`builders`")?;
        let mut out = Vec::new();
        for item in items {
            let Some(fields) = self.mapping(item, "a builder") else {
                continue;
            };
            if fields.len() != 1 {
                self.invalid(
                    item.span,
                    "each builder is one of `custom:`, `node:`, `php:` or `python:`",
                );
                continue;
            }
            let f = &fields[0];
            let b = match f.key.as_str() {
                "custom" => self
                    .custom(&f.value, "a custom builder")
                    .map(Builder::Custom),
                "node" => self.node(&f.value).map(Builder::Node),
                "php" => self.php(&f.value).map(Builder::Php),
                "python" => self.python(&f.value).map(|p| Builder::Python(Box::new(p))),
                _ => {
                    self.unknown(fields, &["custom", "node", "php", "python"], "a builder");
                    None
                }
            };
            out.extend(b);
        }
        let mut seen: Vec<&str> = Vec::new();
        for (b, item) in out.iter().zip(items) {
            let kind = match b {
                Builder::Custom(_) => continue,
                Builder::Node(_) => "node",
                Builder::Php(_) => "php",
                Builder::Python(_) => "python",
            };
            if seen.contains(&kind) {
                self.invalid(
                    item.span,
                    &format!("`{kind}` appears twice in `builders` (each language builder once)"),
                );
            }
            seen.push(kind);
        }
        Some(out)
    }

    fn custom(&mut self, node: &Node, what: &str) -> Option<Custom> {
        let fields = self.mapping(node, what)?;
        self.unknown(
            fields,
            &["command", "script", "requirements", "mounts", "caches"],
            what,
        );
        let mut c = Custom {
            span: node.span,
            ..Custom::default()
        };
        for f in fields {
            match f.key.as_str() {
                "command" => {
                    c.command = match &f.value.value {
                        Value::Seq(_) => self.strings(&f.value, "`command`").map(Command::List),
                        _ => self.string(&f.value, "`command`").map(Command::Shell),
                    }
                }
                "script" => c.script = self.string(&f.value, "`script`"),
                "requirements" => c.requirements = self.artifacts(&f.value, "`requirements`", true),
                "mounts" => c.mounts = self.mounts(&f.value),
                "caches" => c.caches = self.caches(&f.value),
                _ => {}
            }
        }
        if c.command.is_some() && c.script.is_some() {
            self.invalid(
                node.span,
                &format!("{what} has `command` or `script`, not both"),
            );
        }
        Some(c)
    }

    fn mounts(&mut self, node: &Node) -> Option<Vec<Mount>> {
        let short = |from| Mount {
            from,
            source: None,
            destination: None,
        };
        let long = |r: &mut Self, fields: &[Entry], span: Span| {
            let get = |k: &str| fields.iter().find(|f| f.key == k);
            let Some(from) = get("from").and_then(|f| r.string(&f.value, "`from`")) else {
                r.invalid(
                    span,
                    "a mount needs `from` (a variant, an image, or `local`)",
                );
                return None;
            };
            let source = get("source").and_then(|f| r.string(&f.value, "`source`"));
            let destination = get("destination").and_then(|f| r.string(&f.value, "`destination`"));
            Some(Mount {
                from,
                source,
                destination,
            })
        };
        self.shorthand_list(
            node,
            "`mounts`",
            "a mount",
            &["from", "source", "destination"],
            short,
            long,
        )
    }

    fn caches(&mut self, node: &Node) -> Option<Vec<Cache>> {
        let short = |destination| Cache {
            destination,
            id: None,
            access: None,
        };
        let long = |r: &mut Self, fields: &[Entry], span: Span| {
            let get = |k: &str| fields.iter().find(|f| f.key == k);
            let Some(destination) =
                get("destination").and_then(|f| r.string(&f.value, "`destination`"))
            else {
                r.invalid(span, "a cache needs a `destination`");
                return None;
            };
            let id = get("id").and_then(|f| r.string(&f.value, "`id`"));
            let access = get("access").and_then(|f| r.string(&f.value, "`access`"));
            if let Some(a) = access
                .as_ref()
                .filter(|a| !["shared", "private", "locked"].contains(&a.value.as_str()))
            {
                r.invalid(a.span, "`access` is `shared`, `private` or `locked`");
                return None;
            }
            Some(Cache {
                destination,
                id,
                access,
            })
        };
        self.shorthand_list(
            node,
            "`caches`",
            "a cache",
            &["destination", "id", "access"],
            short,
            long,
        )
    }

    fn node(&mut self, node: &Node) -> Option<NodeBuilder> {
        let fields = self.mapping(node, "`node`")?;
        self.unknown(
            fields,
            &["requirements", "env", "use-npm-ci", "allow-dedupe-failure"],
            "`node`",
        );
        let mut n = NodeBuilder {
            span: node.span,
            ..NodeBuilder::default()
        };
        for f in fields {
            match f.key.as_str() {
                "requirements" => n.requirements = self.artifacts(&f.value, "`requirements`", true),
                "env" => {
                    n.env = self.string(&f.value, "`node.env`");
                    if let Some(e) = &n.env {
                        if !e
                            .value
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                        {
                            let span = e.span;
                            self.invalid(
                                span,
                                "`node.env` is a word (`production`, `development`, ...)",
                            );
                            n.env = None;
                        }
                    }
                }
                "use-npm-ci" => n.use_npm_ci = self.flag(&f.value, "`use-npm-ci`"),
                "allow-dedupe-failure" => {
                    n.allow_dedupe_failure = self.flag(&f.value, "`allow-dedupe-failure`")
                }
                _ => {}
            }
        }
        Some(n)
    }

    fn php(&mut self, node: &Node) -> Option<PhpBuilder> {
        let fields = self.mapping(node, "`php`")?;
        self.unknown(fields, &["requirements", "production"], "`php`");
        let mut p = PhpBuilder {
            span: node.span,
            ..PhpBuilder::default()
        };
        for f in fields {
            match f.key.as_str() {
                "requirements" => p.requirements = self.artifacts(&f.value, "`requirements`", true),
                "production" => p.production = self.flag(&f.value, "`php.production`"),
                _ => {}
            }
        }
        Some(p)
    }

    fn python(&mut self, node: &Node) -> Option<PythonBuilder> {
        let fields = self.mapping(node, "`python`")?;
        self.unknown(
            fields,
            &[
                "version",
                "requirements",
                "use-system-site-packages",
                "no-deps",
                "venv",
                "pip-version",
                "setuptools-version",
                "wheel-version",
                "tox-version",
                "poetry",
            ],
            "`python`",
        );
        let mut p = PythonBuilder {
            span: node.span,
            ..PythonBuilder::default()
        };
        for f in fields {
            let key = f.key.as_str();
            match key {
                "version" => p.version = self.string(&f.value, "`python.version`"),
                "requirements" => p.requirements = self.artifacts(&f.value, "`requirements`", true),
                "use-system-site-packages" => {
                    p.use_system_site_packages = self.flag(&f.value, "`use-system-site-packages`")
                }
                "no-deps" => p.no_deps = self.flag(&f.value, "`no-deps`"),
                "venv" => p.venv = self.abspath(&f.value, "`python.venv`"),
                "pip-version" | "setuptools-version" | "wheel-version" | "tox-version" => {
                    let v = self.version_spec(&f.value, key);
                    match key {
                        "pip-version" => p.pip_version = v,
                        "setuptools-version" => p.setuptools_version = v,
                        "wheel-version" => p.wheel_version = v,
                        _ => p.tox_version = v,
                    }
                }
                "poetry" => {
                    let Some(pf) = self.mapping(&f.value, "`python.poetry`") else {
                        continue;
                    };
                    self.unknown(
                        pf,
                        &["version", "devel", "only", "without"],
                        "`python.poetry`",
                    );
                    for g in pf {
                        match g.key.as_str() {
                            "version" => {
                                p.poetry.version = self.version_spec(&g.value, "poetry.version");
                                if let Some(v) = p
                                    .poetry
                                    .version
                                    .as_ref()
                                    .filter(|v| !v.value.starts_with(['=', '<', '>', '!', '~']))
                                {
                                    let (span, text) = (v.span, v.value.clone());
                                    self.diagnostics.push(
                                        Diagnostic::new(Code::BlubberInvalidValue, "invalid value: `poetry.version` is a version specifier with an operator", self.file, span, "no operator")
                                            .with_help(format!("write `=={text}` (Blubber refuses a bare version here, unlike `pip-version`)")),
                                    );
                                    p.poetry.version = None;
                                }
                            }
                            "devel" => p.poetry.devel = self.flag(&g.value, "`poetry.devel`"),
                            "only" => p.poetry.only = self.groups(&g.value, "`poetry.only`"),
                            "without" => {
                                p.poetry.without = self.groups(&g.value, "`poetry.without`")
                            }
                            _ => {}
                        }
                    }
                    if p.poetry.devel.is_some()
                        && (p.poetry.only.is_some() || p.poetry.without.is_some())
                    {
                        self.invalid(f.value.span, "`poetry.devel` is for poetry 1.x; `only` and `without` for 2.x: not both");
                    }
                }
                _ => {}
            }
        }
        Some(p)
    }

    /// A pip version or specifier (`1.2.3`, `>=1.2,<2`): no spaces or quotes, so
    /// that it stays one word of the command.
    fn version_spec(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        let s = self.string(node, &format!("`{what}`"))?;
        let ok = !s.value.is_empty()
            && s.value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "=<>!~.,*+-_".contains(c));
        if !ok {
            self.invalid(
                s.span,
                &format!("`{what}` is a version (`1.2.3`) or a version specifier (`>=1.2,<2`)"),
            );
            return None;
        }
        Some(s)
    }

    /// Poetry's dependency groups: `main` or `main,docs`.
    fn groups(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        let s = self.string(node, what)?;
        let ok = s.value.split(',').all(|g| {
            !g.is_empty()
                && g.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
        if !ok {
            self.invalid(
                s.span,
                &format!("{what} is group names separated by commas (`main,docs`)"),
            );
            return None;
        }
        Some(s)
    }

    fn variant(&mut self, e: &Entry) -> Option<Variant> {
        // Blubber's variant names: a letter, then letters, digits, `-` and `.`,
        // ending with a letter or digit; three characters at least.
        let chars: Vec<char> = e.key.chars().collect();
        let name_ok = chars.len() >= 3
            && chars[0].is_ascii_alphabetic()
            && chars
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
            && chars.last().is_some_and(|c| c.is_ascii_alphanumeric());
        if !name_ok {
            self.invalid(e.key_span, "a variant name starts with a letter, has letters, digits, `-` and `.`, ends with a letter or digit, and is three characters at least");
            return None;
        }
        let entries = self.mapping(&e.value, &format!("variant `{}`", e.key))?;
        let common = self.common(entries, &["includes", "copies"]);
        let mut includes = Vec::new();
        let mut copies = None;
        for f in entries {
            match f.key.as_str() {
                "includes" => includes = self.strings(&f.value, "`includes`").unwrap_or_default(),
                "copies" => copies = self.artifacts(&f.value, "`copies`", false),
                _ => {}
            }
        }
        Some(Variant {
            name: Spanned {
                value: e.key.clone(),
                span: e.key_span,
            },
            includes,
            copies,
            common,
            span: e.key_span.cover(e.value.span),
        })
    }
}

/// Whether YAML (1.1, as Blubber's reader) types a plain scalar as a number or
/// a boolean rather than a string.
fn typed_scalar(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if ["true", "false", "yes", "no", "on", "off", "y", "n"].contains(&lower.as_str()) {
        return true;
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty()
        && digits
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '_' || c == 'e' || c == 'E')
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit())
}
