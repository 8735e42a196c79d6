//! Above every phase: what the tools ask of a file — all its diagnostics, with
//! those of the files it imports, and the Dockerfile of one of its variants.
//!
//! Invariant: these queries combine the phases' results and report only what no
//! phase can (a variant asked for that does not exist, a file with no `image`);
//! they compute nothing a phase owns. The façade (`lib.rs`) calls them and
//! creates no diagnostics of its own.

mod anchor;
pub mod context;

pub use anchor::anchor;

use crate::db::{parse, Db, SourceFile};
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::span::Span;
use crate::{graph, ir, lower, policy, resolve, variants};

/// Every diagnostic of one file: syntax, names, types, variants, lowering, policy.
#[salsa::tracked(returns(ref))]
pub fn file_diagnostics(db: &dyn Db, file: SourceFile) -> Vec<Diagnostic> {
    let mut out = parse(db, file).errors.clone();
    if let Some(offset) = file.invalid_utf8(db) {
        let offset = offset as usize;
        let span = Span::new(offset, offset + '\u{FFFD}'.len_utf8());
        out.push(
            Diagnostic::new(
                Code::InvalidUtf8,
                "the file is not valid UTF-8",
                file.id(db),
                span,
                "invalid bytes here",
            )
            .with_help("re-save the file as UTF-8"),
        );
    }
    out.extend(resolve::scope(db, file).diagnostics.iter().cloned());
    out.extend(resolve::index(db, file).diagnostics.iter().cloned());
    out.extend(
        crate::check::eval::module_env(db, file)
            .diagnostics
            .iter()
            .cloned(),
    );
    out.extend(variants::evaluate(db, file).diagnostics.iter().cloned());
    out.extend(variants::duplicate_steps(db, file).iter().cloned());
    out.extend(
        graph::dependencies(db, file)
            .cycles
            .iter()
            .map(graph::Cycle::diagnostic),
    );
    out.extend(lower::lower_file(db, file).diagnostics.iter().cloned());
    out.extend(policy::check(db, file).diagnostics.iter().cloned());
    anchor(db, file, &mut out);
    crate::diagnostics::sort(&mut out);
    // A finding in a step that several variants share is one finding: the same
    // code, message and place once, for the first variant (sorting keeps them
    // adjacent).
    out.dedup_by(|later, first| {
        later.code == first.code && later.message == first.message && later.primary == first.primary
    });
    crate::diagnostics::limit(&mut out, file.id(db));
    out
}

/// The user files `file` imports, transitively (not the stdlib), in the order
/// they are found.
#[salsa::tracked(returns(ref))]
pub fn user_imports(db: &dyn Db, file: SourceFile) -> Vec<SourceFile> {
    import_closure(db, file, false)
}

/// The files `file` imports, directly or through the files it imports, each
/// once, in the order they are found; with `stdlib`, the stdlib modules too
/// (what the operations graph counts as a dependency).
pub fn import_closure(db: &dyn Db, file: SourceFile, stdlib: bool) -> Vec<SourceFile> {
    let mut order = Vec::new();
    let mut seen = std::collections::HashSet::from([file]);
    let mut todo = vec![file];
    while let Some(f) = todo.pop() {
        for import in resolve::scope(db, f).imports.values() {
            if let Some(target) = import.target {
                let wanted = stdlib || !resolve::is_stdlib_path(target.path(db));
                if wanted && seen.insert(target) {
                    order.push(target);
                    todo.push(target);
                }
            }
        }
    }
    order
}

/// The diagnostics of a file and of the user files it imports (theirs first),
/// each once.
#[salsa::tracked(returns(ref))]
pub fn diagnostics(db: &dyn Db, file: SourceFile) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen: std::collections::HashSet<&Diagnostic> = std::collections::HashSet::new();
    for &f in user_imports(db, file) {
        for d in file_diagnostics(db, f) {
            if seen.insert(d) {
                out.push(d.clone());
            }
        }
    }
    out.extend(broken_stdlib_imports(db, file));
    out.extend(file_diagnostics(db, file).iter().cloned());
    out
}

/// The stdlib modules `file` imports that have errors: one error at the import
/// line (the only line of the user's file involved), showing the module's first
/// error; the module's own list is its maintainers' (`wbuildc check` on it).
fn broken_stdlib_imports(db: &dyn Db, file: SourceFile) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for import in resolve::scope(db, file).imports.values() {
        let Some(target) = import.target else {
            continue;
        };
        if !resolve::is_stdlib_path(target.path(db)) {
            continue;
        }
        let errors: Vec<&Diagnostic> = file_diagnostics(db, target)
            .iter()
            .filter(|d| d.is_error())
            .collect();
        let Some(first) = errors.first() else {
            continue;
        };
        let count = match errors.len() {
            1 => "an error".to_string(),
            n => format!("{n} errors"),
        };
        out.push(
            Diagnostic::new(
                Code::BrokenModule,
                format!("the stdlib module `{}` has {count}", import.alias),
                file.id(db),
                import.span,
                "imported here",
            )
            .with_secondary(first.primary.file, first.primary.span, first.message.clone())
            .with_help("the stdlib is the organisation's: its maintainers fix it (nothing here needs to change)"),
        );
    }
    out
}

/// The Dockerfile of one variant, with every stage it needs. Errors anywhere in
/// the file (or the files it imports) fail it; warnings do not. `Err` holds every
/// diagnostic then.
#[salsa::tracked(returns(ref))]
pub fn compile(
    db: &dyn Db,
    file: SourceFile,
    variant: String,
) -> Result<ir::Dockerfile, Vec<Diagnostic>> {
    let mut found = diagnostics(db, file).clone();
    let scope = resolve::scope(db, file);
    if !scope.variants.contains_key(&variant) {
        let names: Vec<&str> = scope.variants.keys().map(String::as_str).collect();
        let help = suggest::help(&variant, names.iter().copied())
            .unwrap_or_else(|| format!("the variants are: {}", names.join(", ")));
        found.push(
            Diagnostic::new(
                Code::UnknownVariant,
                format!("there is no variant `{variant}`"),
                file.id(db),
                Span::default(),
                "in this file",
            )
            .with_help(help),
        );
        return Err(found);
    }
    if variants::evaluate(db, file).image.is_none() {
        let first_item = parse(db, file)
            .ast
            .items
            .first()
            .map(|i| i.span())
            .unwrap_or_default();
        found.push(
            Diagnostic::new(
                Code::MissingImage,
                "no image declared",
                file.id(db),
                first_item,
                "this file has no `image` block",
            )
            .with_help("add `image \"NAME\" { }` at the top of the file"),
        );
    }
    // In release mode the variant being built is released, whatever the policy's
    // `release_variants` lists: every stage it needs is pinned.
    let mut release = policy::unpinned_release_stages(db, file, &variant);
    anchor(db, file, &mut release);
    for d in release {
        if !found.contains(&d) {
            found.push(d);
        }
    }
    if found.iter().any(Diagnostic::is_error) {
        return Err(found);
    }
    lower::dockerfile(db, file, &variant).map_err(|mut problems| {
        problems.extend(found);
        problems
    })
}
