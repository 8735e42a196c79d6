//! Blubber's merge rules, applied the way Blubber applies them: every variant is
//! the top-level config, then its includes in dependency order, then its own
//! fields (`config.ExpandVariant`). The rules, field by field:
//!
//! - scalars (`base`, user names and ids, directories, versions, `node.env`)
//!   override only when non-empty and non-zero: a variant cannot reset `base` to
//!   scratch or a uid to 0 (both are merge traps, reported as `WB7007`);
//! - flags are three-state: a flag overrides only when it is written;
//! - `apt` packages (per target release), sources and proxies append;
//! - `copies` append, an entry equal to a later one removed (the later wins);
//! - `runs.environment` and `arguments` merge by key;
//! - requirement lists, mounts, caches, commands and `entrypoint` are replaced;
//! - `builders` merge language builders of the same kind, keep the others.
//!
//! The result is plain data the writer turns into wbuild, with the spans kept
//! where a diagnostic may need them.

use super::model::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{FileId, Span};

/// Blubber's defaults (`config.DefaultConfig`).
pub const DEFAULT_LIVES: (&str, u32, u32, &str) = ("somebody", 65533, 65533, "/srv/app");
pub const DEFAULT_RUNS: (&str, u32, u32) = ("runuser", 900, 900);
/// Where Blubber puts the libraries a variant's copies carry along.
pub const LOCAL_LIB: &str = "/opt/lib";

/// A user, merged.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

impl User {
    /// The home directory Blubber gives the user.
    pub fn home(&self) -> String {
        if self.name == "root" {
            "/root".into()
        } else {
            format!("/home/{}", self.name)
        }
    }
}

/// One variant with everything it inherits merged in.
#[derive(Clone, Debug, PartialEq)]
pub struct Expanded {
    pub name: String,
    /// `None`: scratch (no common instructions at all).
    pub base: Option<String>,
    pub arguments: Vec<(String, String)>,
    /// Target release (`default`: none) → packages, in the order first written.
    pub packages: Vec<(String, Vec<String>)>,
    pub sources: Vec<AptSource>,
    pub proxies: Vec<AptProxy>,
    pub builders: Vec<Builder>,
    pub node: Option<NodeBuilder>,
    pub php: Option<PhpBuilder>,
    pub python: Option<PythonBuilder>,
    pub builder: Option<Custom>,
    pub lives: User,
    pub lives_in: String,
    pub runs: User,
    pub runs_in: Option<String>,
    pub environment: Vec<(String, String)>,
    pub insecurely: bool,
    pub entrypoint: Option<Vec<String>>,
    pub copies: Vec<Artifact>,
}

/// Expands every variant; includes that name no variant or form a cycle are
/// diagnostics (and the variant is left out).
pub fn expand_all(
    config: &Config,
    file: FileId,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Expanded> {
    let mut out = Vec::new();
    for v in &config.variants {
        for inc in &v.includes {
            if !config.variants.iter().any(|w| w.name.value == inc.value) {
                diagnostics.push(
                    Diagnostic::new(
                        Code::BlubberUnknownVariant,
                        format!(
                            "variant `{}` includes `{}`, which is not a variant of this config",
                            v.name.value, inc.value
                        ),
                        file,
                        inc.span,
                        "no such variant",
                    )
                    .with_help_opt(crate::diagnostics::suggest::help(
                        &inc.value,
                        config.variants.iter().map(|w| w.name.value.as_str()),
                    )),
                );
            }
        }
    }
    if diagnostics
        .iter()
        .any(|d| d.code == Code::BlubberUnknownVariant)
    {
        return out;
    }
    for v in &config.variants {
        match include_order(config, v) {
            Ok(order) => out.push(expand(config, v, &order, file, diagnostics)),
            Err((cycle, closing)) => {
                // One diagnostic per cycle, at the include that closes it when
                // followed from the first variant of the file that is on it.
                if !diagnostics
                    .iter()
                    .any(|d| d.code == Code::BlubberIncludeCycle)
                {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::BlubberIncludeCycle,
                            format!(
                                "the includes of `{}` lead back to it: {}",
                                v.name.value,
                                cycle.join(" → ")
                            ),
                            file,
                            closing,
                            "closes the cycle",
                        )
                        .with_secondary(file, v.name.span, "the cycle starts here")
                        .with_help("remove one of the includes in the cycle"),
                    );
                }
            }
        }
    }
    out
}

/// The variants `v` includes, transitively, each after the ones it includes.
/// A cycle: the variants around it, and the include that closes it.
type Cycle = (Vec<String>, Span);

fn include_order<'c>(config: &'c Config, v: &'c Variant) -> Result<Vec<&'c Variant>, Cycle> {
    fn visit<'c>(
        config: &'c Config,
        v: &'c Variant,
        path: &mut Vec<String>,
        order: &mut Vec<&'c Variant>,
    ) -> Result<(), Cycle> {
        for inc in &v.includes {
            let Some(w) = config.variants.iter().find(|w| w.name.value == inc.value) else {
                continue;
            };
            if path.contains(&w.name.value) {
                let mut cycle = path.clone();
                cycle.push(w.name.value.clone());
                return Err((cycle, inc.span));
            }
            if order.iter().any(|o| o.name.value == w.name.value) {
                continue;
            }
            path.push(w.name.value.clone());
            visit(config, w, path, order)?;
            path.pop();
            order.push(w);
        }
        Ok(())
    }
    let mut order = Vec::new();
    let mut path = vec![v.name.value.clone()];
    visit(config, v, &mut path, &mut order)?;
    Ok(order)
}

struct Merging<'a> {
    file: FileId,
    diagnostics: &'a mut Vec<Diagnostic>,
    variant: String,
    /// Off for the top level, which is read over the defaults, not merged.
    traps: bool,
}

impl Merging<'_> {
    fn trap(&mut self, span: Span, message: String, label: &str, help: &str) {
        // One warning per place, however many variants merge it.
        if !self.traps
            || self
                .diagnostics
                .iter()
                .any(|d| d.code == Code::BlubberMergeTrap && d.primary.span == span)
        {
            return;
        }
        self.diagnostics.push(
            Diagnostic::new(
                Code::BlubberMergeTrap,
                message,
                self.file,
                span,
                label.to_string(),
            )
            .with_help(help.to_string())
            .for_variant(&self.variant),
        );
    }

    fn scalar(&mut self, into: &mut Option<String>, from: &Option<Spanned<String>>, what: &str) {
        if let Some(s) = from {
            if s.value.is_empty() {
                if into.as_ref().is_some_and(|v| !v.is_empty()) {
                    self.trap(
                        s.span,
                        format!("an empty `{what}` does not clear the inherited one"),
                        "ignored by Blubber",
                        "remove it, or write the value this variant needs",
                    );
                }
            } else {
                *into = Some(s.value.clone());
            }
        }
    }

    fn id(&mut self, into: &mut u32, from: &Option<Spanned<u32>>, what: &str) {
        if let Some(n) = from {
            if n.value == 0 {
                self.trap(
                    n.span,
                    format!("`{what}: 0` does not make the user root: Blubber ignores a zero id"),
                    "ignored by Blubber",
                    "remove it; the inherited id stays",
                );
            } else {
                *into = n.value;
            }
        }
    }
}

#[derive(Default)]
struct Acc {
    base: Option<String>,
    arguments: Vec<(String, String)>,
    packages: Vec<(String, Vec<String>)>,
    sources: Vec<AptSource>,
    proxies: Vec<AptProxy>,
    builders: Vec<Builder>,
    node: Option<NodeBuilder>,
    php: Option<PhpBuilder>,
    python: Option<PythonBuilder>,
    builder: Option<Custom>,
    lives_name: Option<String>,
    lives_uid: u32,
    lives_gid: u32,
    lives_in: Option<String>,
    runs_name: Option<String>,
    runs_uid: u32,
    runs_gid: u32,
    runs_in: Option<String>,
    environment: Vec<(String, String)>,
    insecurely: bool,
    entrypoint: Option<Vec<String>>,
    copies: Vec<Artifact>,
    /// Whether anything so far set a base.
    base_span: Option<Span>,
}

fn merge_map(
    into: &mut Vec<(String, String)>,
    from: &Option<Vec<(Spanned<String>, Spanned<String>)>>,
) {
    for (k, v) in from.iter().flatten() {
        match into.iter_mut().find(|(n, _)| *n == k.value) {
            Some(slot) => slot.1 = v.value.clone(),
            None => into.push((k.value.clone(), v.value.clone())),
        }
    }
}

fn flag(into: &mut Option<Spanned<bool>>, from: &Option<Spanned<bool>>) {
    if from.is_some() {
        *into = from.clone();
    }
}

fn opt<T: Clone>(into: &mut Option<T>, from: &Option<T>) {
    if from.is_some() {
        *into = from.clone();
    }
}

fn text(into: &mut Option<Spanned<String>>, from: &Option<Spanned<String>>) {
    if let Some(s) = from {
        if !s.value.is_empty() {
            *into = Some(s.clone());
        }
    }
}

fn merge_node(into: &mut NodeBuilder, from: &NodeBuilder) {
    flag(&mut into.use_npm_ci, &from.use_npm_ci);
    flag(&mut into.allow_dedupe_failure, &from.allow_dedupe_failure);
    opt(&mut into.requirements, &from.requirements);
    text(&mut into.env, &from.env);
}

fn merge_php(into: &mut PhpBuilder, from: &PhpBuilder) {
    flag(&mut into.production, &from.production);
    opt(&mut into.requirements, &from.requirements);
}

fn merge_python(into: &mut PythonBuilder, from: &PythonBuilder) {
    flag(
        &mut into.use_system_site_packages,
        &from.use_system_site_packages,
    );
    flag(&mut into.no_deps, &from.no_deps);
    text(&mut into.poetry.version, &from.poetry.version);
    flag(&mut into.poetry.devel, &from.poetry.devel);
    text(&mut into.poetry.only, &from.poetry.only);
    text(&mut into.poetry.without, &from.poetry.without);
    text(&mut into.version, &from.version);
    opt(&mut into.requirements, &from.requirements);
    text(&mut into.pip_version, &from.pip_version);
    text(&mut into.setuptools_version, &from.setuptools_version);
    text(&mut into.tox_version, &from.tox_version);
    text(&mut into.wheel_version, &from.wheel_version);
    text(&mut into.venv, &from.venv);
}

fn merge_custom(into: &mut Custom, from: &Custom) {
    opt(&mut into.command, &from.command);
    text(&mut into.script, &from.script);
    opt(&mut into.requirements, &from.requirements);
    opt(&mut into.mounts, &from.mounts);
    opt(&mut into.caches, &from.caches);
}

/// `builders` merge: an inherited language builder merges into the new list's
/// builder of its kind (which keeps its place); the other inherited ones lead.
fn merge_builders(into: &mut Vec<Builder>, from: &[Builder]) {
    let mut trailing: Vec<Builder> = from.to_vec();
    let mut leading = Vec::new();
    for b in into.drain(..) {
        let same = trailing.iter_mut().find(|t| {
            std::mem::discriminant(*t) == std::mem::discriminant(&b)
                && !matches!(b, Builder::Custom(_))
        });
        match (b, same) {
            (Builder::Node(mut a), Some(Builder::Node(t))) => {
                merge_node(&mut a, t);
                *t = a;
            }
            (Builder::Php(mut a), Some(Builder::Php(t))) => {
                merge_php(&mut a, t);
                *t = a;
            }
            (Builder::Python(mut a), Some(Builder::Python(t))) => {
                merge_python(&mut a, t);
                *t = a;
            }
            (b, _) => leading.push(b),
        }
    }
    leading.append(&mut trailing);
    *into = leading;
}

fn merge_common(acc: &mut Acc, c: &Common, m: &mut Merging<'_>, is_variant: bool) {
    if let Some(base) = &c.base {
        match &base.value {
            Some(b) if !b.is_empty() => {
                acc.base = Some(b.clone());
                acc.base_span = Some(base.span);
            }
            _ => {
                if is_variant && acc.base.is_some() {
                    m.trap(
                        base.span,
                        format!("`base: {}` does not make the variant scratch: the inherited base `{}` stays", if base.value.is_none() { "null" } else { "\"\"" }, acc.base.clone().unwrap_or_default()),
                        "ignored by Blubber",
                        "remove it (the converted variant keeps the inherited base, as Blubber builds it)",
                    );
                }
            }
        }
    }
    merge_map(&mut acc.arguments, &c.arguments);
    for (target, pkgs) in c.apt.packages.iter().flatten() {
        let list: Vec<String> = pkgs.iter().map(|p| p.value.clone()).collect();
        match acc.packages.iter_mut().find(|(t, _)| *t == target.value) {
            Some(slot) => slot.1.extend(list),
            None => acc.packages.push((target.value.clone(), list)),
        }
    }
    acc.sources.extend(c.apt.sources.iter().flatten().cloned());
    acc.proxies.extend(c.apt.proxies.iter().flatten().cloned());
    if let Some(b) = &c.builders {
        merge_builders(&mut acc.builders, b);
    }
    if let Some(n) = &c.node {
        let inherited = acc
            .node
            .as_ref()
            .and_then(|n| n.requirements.as_ref())
            .is_some_and(|r| !r.is_empty());
        if inherited && n.requirements.is_some() {
            requirements_trap(m, "node", n.span);
        }
        merge_node(acc.node.get_or_insert_with(NodeBuilder::default), n);
    }
    if let Some(p) = &c.php {
        let inherited = acc
            .php
            .as_ref()
            .and_then(|n| n.requirements.as_ref())
            .is_some_and(|r| !r.is_empty());
        if inherited && p.requirements.is_some() {
            requirements_trap(m, "php", p.span);
        }
        merge_php(acc.php.get_or_insert_with(PhpBuilder::default), p);
    }
    if let Some(p) = &c.python {
        let inherited = acc
            .python
            .as_ref()
            .and_then(|n| n.requirements.as_ref())
            .is_some_and(|r| !r.is_empty());
        if inherited && p.requirements.is_some() {
            requirements_trap(m, "python", p.span);
        }
        merge_python(acc.python.get_or_insert_with(PythonBuilder::default), p);
    }
    if let Some(b) = &c.builder {
        if acc
            .builder
            .as_ref()
            .is_some_and(|a| a.command.is_some() || a.script.is_some())
            && (b.command.is_some() || b.script.is_some())
        {
            m.trap(
                b.span,
                "this `builder` replaces the inherited builder's command: only one of them runs"
                    .into(),
                "replaces the inherited command",
                "use `builders: [...]` to run several commands in order",
            );
        }
        merge_custom(acc.builder.get_or_insert_with(Custom::default), b);
    }
    m.scalar(&mut acc.lives_name, &c.lives.user.name, "lives.as");
    m.id(&mut acc.lives_uid, &c.lives.user.uid, "lives.uid");
    m.id(&mut acc.lives_gid, &c.lives.user.gid, "lives.gid");
    m.scalar(&mut acc.lives_in, &c.lives.dir, "lives.in");
    m.scalar(&mut acc.runs_name, &c.runs.user.name, "runs.as");
    m.id(&mut acc.runs_uid, &c.runs.user.uid, "runs.uid");
    m.id(&mut acc.runs_gid, &c.runs.user.gid, "runs.gid");
    m.scalar(&mut acc.runs_in, &c.runs.dir, "runs.in");
    merge_map(&mut acc.environment, &c.runs.environment);
    if let Some(f) = &c.runs.insecurely {
        acc.insecurely = f.value;
    }
    if let Some(e) = &c.entrypoint {
        acc.entrypoint = Some(e.value.clone());
    }
}

fn requirements_trap(m: &mut Merging<'_>, what: &str, span: Span) {
    m.trap(
        span,
        format!("`{what}.requirements` replaces the inherited list: the inherited requirements are not copied"),
        "replaces, does not append",
        "list every requirement this variant needs here",
    );
}

fn merge_copies(into: &mut Vec<Artifact>, from: &[Artifact]) {
    into.retain(|a| !from.iter().any(|b| b.same(a)));
    into.extend(from.iter().cloned());
}

fn expand(
    config: &Config,
    v: &Variant,
    includes: &[&Variant],
    file: FileId,
    diagnostics: &mut Vec<Diagnostic>,
) -> Expanded {
    let mut m = Merging {
        file,
        diagnostics,
        variant: v.name.value.clone(),
        traps: false,
    };
    let mut acc = Acc {
        lives_name: Some(DEFAULT_LIVES.0.into()),
        lives_uid: DEFAULT_LIVES.1,
        lives_gid: DEFAULT_LIVES.2,
        lives_in: Some(DEFAULT_LIVES.3.into()),
        runs_name: Some(DEFAULT_RUNS.0.into()),
        runs_uid: DEFAULT_RUNS.1,
        runs_gid: DEFAULT_RUNS.2,
        ..Acc::default()
    };
    // The top level is read over Blubber's defaults (a JSON decode, not a
    // merge): there, a zero id or an empty name is taken as written.
    let top = &config.common;
    let take = |into: &mut Option<String>, from: &Option<Spanned<String>>| {
        if let Some(s) = from {
            *into = Some(s.value.clone());
        }
    };
    take(&mut acc.lives_name, &top.lives.user.name);
    take(&mut acc.lives_in, &top.lives.dir);
    take(&mut acc.runs_name, &top.runs.user.name);
    take(&mut acc.runs_in, &top.runs.dir);
    for (into, from) in [
        (&mut acc.lives_uid, &top.lives.user.uid),
        (&mut acc.lives_gid, &top.lives.user.gid),
        (&mut acc.runs_uid, &top.runs.user.uid),
        (&mut acc.runs_gid, &top.runs.user.gid),
    ] {
        if let Some(n) = from {
            *into = n.value;
        }
    }
    merge_common(&mut acc, top, &mut m, false);
    m.traps = true;
    for inc in includes {
        merge_copies(&mut acc.copies, inc.copies.as_deref().unwrap_or(&[]));
        merge_common(&mut acc, &inc.common, &mut m, true);
    }
    if let Some(own) = &v.copies {
        for a in own {
            if acc.copies.iter().any(|b| b.same(a)) {
                m.trap(
                    a.span,
                    "this copy is also inherited: Blubber copies it once, here (the later place)"
                        .into(),
                    "moved here from the inherited copies",
                    "remove it from one of the variants",
                );
            }
        }
        merge_copies(&mut acc.copies, own);
    }
    merge_common(&mut acc, &v.common, &mut m, true);
    Expanded {
        name: v.name.value.clone(),
        base: acc.base,
        arguments: acc.arguments,
        packages: acc.packages,
        sources: acc.sources,
        proxies: acc.proxies,
        builders: acc.builders,
        node: acc.node,
        php: acc.php,
        python: acc.python,
        builder: acc.builder,
        lives: User {
            name: acc.lives_name.unwrap_or_else(|| DEFAULT_LIVES.0.into()),
            uid: acc.lives_uid,
            gid: acc.lives_gid,
        },
        lives_in: acc.lives_in.unwrap_or_else(|| DEFAULT_LIVES.3.into()),
        runs: User {
            name: acc.runs_name.unwrap_or_else(|| DEFAULT_RUNS.0.into()),
            uid: acc.runs_uid,
            gid: acc.runs_gid,
        },
        runs_in: acc.runs_in,
        environment: acc.environment,
        insecurely: acc.insecurely,
        entrypoint: acc.entrypoint,
        copies: acc.copies,
    }
}
