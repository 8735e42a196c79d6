//! A file's items by name, its imports resolved to files, and the diagnostics of
//! both (duplicates, missing, refused and cyclic imports).

use super::cycles::import_cycle;
use super::{default_alias, import_key, is_file_import, refused_import};
use crate::db::{self, Db, SourceFile};
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::span::Span;
use crate::syntax::ast;
use indexmap::IndexMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedImport {
    pub alias: String,
    pub span: Span,
    /// `None` when the import is missing or would close a cycle (both reported).
    pub target: Option<SourceFile>,
}

/// A file's items by name, with the duplicate and import diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub imports: IndexMap<String, ResolvedImport>,
    /// Index into `ast.items` of each `let`, variant and preset.
    pub lets: IndexMap<String, usize>,
    pub variants: IndexMap<String, usize>,
    pub presets: IndexMap<String, usize>,
    pub image: Option<usize>,
    /// The `base "REF" { ... }` item, when the file defines a base image.
    pub base: Option<usize>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Scope {
    /// Every name a value position can refer to, for "did you mean".
    pub fn value_names(&self) -> impl Iterator<Item = &str> {
        self.lets
            .keys()
            .chain(self.variants.keys())
            .chain(self.imports.keys())
            .map(String::as_str)
    }
}

#[salsa::tracked(returns(ref))]
pub fn scope(db: &dyn Db, file: SourceFile) -> Scope {
    let id = file.id(db);
    let ast = &db::parse(db, file).ast;
    let mut scope = Scope {
        imports: IndexMap::new(),
        lets: IndexMap::new(),
        variants: IndexMap::new(),
        presets: IndexMap::new(),
        image: None,
        base: None,
        diagnostics: Vec::new(),
    };
    // One namespace for lets, variants, presets and import aliases.
    let mut seen: IndexMap<String, Span> = IndexMap::new();
    // Variant names folded to lower case → the name as defined. No two variants
    // differ only in case, so this finds a clash in O(1) (scanning every variant
    // per variant made a file with many variants quadratic).
    let mut folded_variants: std::collections::HashMap<String, String> =
        std::collections::HashMap::new();
    let mut define = |scope: &mut Scope, name: &ast::Ident| -> bool {
        if name.name.is_empty() {
            return false;
        }
        if let Some(first) = seen.get(&name.name) {
            scope.diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateDefinition,
                    format!("`{}` is defined twice", name.name),
                    id,
                    name.span,
                    "defined again here",
                )
                .with_secondary(id, *first, "first defined here")
                .with_help("rename one of them"),
            );
            return false;
        }
        seen.insert(name.name.clone(), name.span);
        true
    };
    for (index, item) in ast.items.iter().enumerate() {
        match item {
            ast::Item::Import(import) => {
                let Some(spec) = import.path.as_plain() else {
                    scope.diagnostics.push(
                        Diagnostic::new(
                            Code::BadInterpolation,
                            "an import path cannot use interpolation",
                            id,
                            import.path.span,
                            "not a plain string",
                        )
                        .with_note("imports are resolved before any constant is evaluated")
                        .with_help("write the module name or the relative path literally"),
                    );
                    continue;
                };
                let alias = import
                    .alias
                    .as_ref()
                    .map_or_else(|| default_alias(&spec), |a| a.name.clone());
                if alias.is_empty() {
                    // `import ""`, `import "/"`, `import "./.wbuild"`: no module has
                    // that name, and the empty alias used to drop the import silently.
                    scope.diagnostics.push(
                        Diagnostic::new(
                            Code::ImportNotFound,
                            format!("cannot find module `{spec}`"),
                            id,
                            import.path.span,
                            "names no module or file",
                        )
                        .with_help("import a stdlib module by name (`import \"base\"`) or a file by its relative path (`import \"./common.wbuild\"`)"),
                    );
                    continue;
                }
                let alias_ident = ast::Ident {
                    name: alias.clone(),
                    span: import.alias.as_ref().map_or(import.path.span, |a| a.span),
                };
                if !define(&mut scope, &alias_ident) {
                    continue;
                }
                let refused = |note: String| {
                    Diagnostic::new(
                        Code::ImportRefused,
                        format!("cannot import `{spec}`"),
                        id,
                        import.path.span,
                        "not read",
                    )
                    .with_note(note)
                    .with_help("import a stdlib module by name (`import \"base\"`) or a module of this repository by its relative path (`import \"./common.wbuild\"`)")
                };
                if let Some(why) = refused_import(file.path(db), &spec) {
                    scope.diagnostics.push(refused(why.to_string()));
                    continue;
                }
                let key = import_key(file.path(db), &spec);
                let target = db.workspace().files(db).get(&key).copied();
                let refusal = db.workspace().refused(db).get(&key);
                let target = match (target, refusal) {
                    (None, Some(reason)) => {
                        scope
                            .diagnostics
                            .push(refused(format!("the file was not read: {reason}")));
                        None
                    }
                    (None, None) => {
                        let d = Diagnostic::new(
                            Code::ImportNotFound,
                            format!("cannot find module `{spec}`"),
                            id,
                            import.path.span,
                            "not found",
                        );
                        let d = if is_file_import(&spec) {
                            d.with_help("file imports are relative to the importing file")
                        } else {
                            let std: Vec<&str> = db
                                .workspace()
                                .files(db)
                                .keys()
                                .filter_map(|k| k.strip_prefix("std:"))
                                .collect();
                            match suggest::did_you_mean(&spec, std.iter().copied()) {
                                Some(name) => d
                                    .with_help(format!("did you mean `{name}`?"))
                                    .with_replacement(
                                        format!("replace with `{name}`"),
                                        format!("\"{name}\""),
                                    ),
                                None => d.with_help(format!("the stdlib has: {}", std.join(", "))),
                            }
                        };
                        scope.diagnostics.push(d);
                        None
                    }
                    (Some(target), _) => match import_cycle(db, file, target) {
                        Some(cycle) => {
                            scope.diagnostics.push(
                                Diagnostic::new(
                                    Code::ImportCycle,
                                    "this import closes a cycle",
                                    id,
                                    import.path.span,
                                    "imported here",
                                )
                                .with_note(format!("cycle: {}", cycle.join(" → "))),
                            );
                            None
                        }
                        None => Some(target),
                    },
                };
                scope.imports.insert(
                    alias,
                    ResolvedImport {
                        alias: alias_ident.name,
                        span: import.span,
                        target,
                    },
                );
            }
            ast::Item::Let(l) => {
                if define(&mut scope, &l.name) {
                    scope.lets.insert(l.name.name.clone(), index);
                }
            }
            ast::Item::Variant(v) => {
                // Stage names are case-insensitive in Dockerfiles.
                let folded = v.name.name.to_ascii_lowercase();
                let clash = folded_variants
                    .get(&folded)
                    .filter(|k| **k != v.name.name)
                    .cloned();
                if let Some(other) = clash {
                    let first = ast
                        .items
                        .get(scope.variants[&other])
                        .map_or(v.span, |i| match i {
                            ast::Item::Variant(o) => o.name.span,
                            other => other.span(),
                        });
                    scope.diagnostics.push(
                        Diagnostic::new(
                            Code::DuplicateDefinition,
                            format!("`{}` and `{other}` differ only in case", v.name.name),
                            id,
                            v.name.span,
                            "defined again here",
                        )
                        .with_secondary(id, first, "first defined here")
                        .with_note(
                            "variants become Dockerfile stages, whose names are case-insensitive",
                        )
                        .with_help("rename one of them"),
                    );
                } else if define(&mut scope, &v.name) {
                    scope.variants.insert(v.name.name.clone(), index);
                    folded_variants.insert(folded, v.name.name.clone());
                }
            }
            ast::Item::Preset(p) => {
                if define(&mut scope, &p.name) {
                    scope.presets.insert(p.name.name.clone(), index);
                }
            }
            ast::Item::Image(image) => match scope.image {
                Some(first) => {
                    let first_span = ast.items.get(first).map_or(image.span, |i| i.span());
                    scope.diagnostics.push(
                        Diagnostic::new(
                            Code::DuplicateDefinition,
                            "a file declares one image",
                            id,
                            image.name.span,
                            "second image",
                        )
                        .with_secondary(id, first_span, "first image")
                        .with_help("put each image in its own file"),
                    );
                }
                None => scope.image = Some(index),
            },
            ast::Item::Base(base) => match scope.base {
                Some(first) => {
                    let first_span = ast.items.get(first).map_or(base.span, |i| i.span());
                    scope.diagnostics.push(
                        Diagnostic::new(
                            Code::DuplicateDefinition,
                            "a file defines one base image",
                            id,
                            base.name.span,
                            "second base image",
                        )
                        .with_secondary(id, first_span, "first base image")
                        .with_help("put each base image in its own file"),
                    );
                }
                None => scope.base = Some(index),
            },
            ast::Item::Error(_) => {}
        }
    }
    // A base image is built by `wbuildc base build`, not by an engine from
    // variants: a file that mixes the two would say two things about one image.
    if let Some(ast::Item::Base(base)) = scope.base.and_then(|i| ast.items.get(i)) {
        let base_name = base.name.span;
        let other = scope
            .image
            .or_else(|| scope.variants.values().next().copied())
            .and_then(|i| ast.items.get(i));
        if let Some(other) = other {
            let (what, at) = match other {
                ast::Item::Image(image) => ("an image", image.name.span),
                ast::Item::Variant(v) => ("a variant", v.name.span),
                _ => ("an item", other.span()),
            };
            scope.diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateDefinition,
                    format!("a file that defines a base image cannot also define {what}"),
                    id,
                    at,
                    "not in a base image's file",
                )
                .with_secondary(id, base_name, "the base image")
                .with_help("define the base image in a file of its own; manifests use it with `base = \"REF\"`"),
            );
        }
    }
    scope
}

/// One preset's tree, apart from the rest of its file: what an importer reads
/// when it instantiates the preset, so that editing another item of that file
/// (which re-parses it) does not re-run the importer's variant resolution.
#[salsa::tracked(returns(ref))]
pub fn preset_item(db: &dyn Db, file: SourceFile, name: String) -> Option<ast::Preset> {
    let item = *scope(db, file).presets.get(&name)?;
    match db::parse(db, file).ast.items.get(item) {
        Some(ast::Item::Preset(preset)) => Some(preset.clone()),
        _ => None,
    }
}
