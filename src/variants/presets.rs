//! Presets: binding the arguments written at an `extends` entry (defaults see
//! the parameters declared before them), instantiating the preset once per
//! distinct argument list, and checking each preset where it is written.

use super::resolver::{Instance, Module, Resolved, Resolver};
use super::Fields;
use crate::check::budget;
use crate::check::eval::{self, Sink};
use crate::check::types::Val;
use crate::diagnostics::{Code, Diagnostic};
use crate::language::{runtimes, Ty};
use crate::span::{FileId, Origin, Span};
use crate::syntax::ast;
use indexmap::IndexMap;
use std::collections::HashMap;

impl<'db> Resolver<'db, '_> {
    /// Evaluates a preset with the arguments written at `parent` (in `caller`).
    pub(super) fn instantiate(
        &mut self,
        home: &Module<'db>,
        preset: &'db ast::Preset,
        caller: &Module<'db>,
        caller_params: Option<&IndexMap<String, Val>>,
        parent: &ast::Parent,
    ) -> Option<Resolved> {
        if !self.enter(home.id, &preset.name.name, parent.span) {
            return None;
        }
        let result = self.bind_and_apply(home, preset, caller, caller_params, parent);
        self.leave();
        result
    }

    /// Evaluates a preset on its own: parameters take their defaults, and those
    /// without one a neutral value of their type (an empty list, map or step
    /// block; a variant reference). Presets with other required parameters are
    /// checked only where they are used.
    pub(super) fn check_preset(&mut self, home: &Module<'db>, preset: &'db ast::Preset) {
        use crate::check::types::{ValKind, VariantRef};
        let mut sink = Sink::default();
        let mut bound: IndexMap<String, Val> = IndexMap::new();
        let mut declared: HashMap<&str, Span> = HashMap::new();
        for param in &preset.params {
            if let Some(&first) = declared.get(param.name.name.as_str()) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        format!("parameter `{}` is declared twice", param.name.name),
                        home.id,
                        param.name.span,
                        "declared again here",
                    )
                    .with_secondary(home.id, first, "first declared here")
                    .with_help("rename or remove one of them"),
                );
            }
            declared.entry(&param.name.name).or_insert(param.name.span);
        }
        for param in &preset.params {
            let Some(ty) = eval::resolve_type(home.id, &mut sink, &param.ty) else {
                return;
            };
            let origin = Origin {
                file: home.id,
                span: param.name.span,
            };
            let value = match &param.default {
                Some(default) => {
                    let env = self.env(home, Some(&bound));
                    eval::eval_as(&env, &mut sink, default, &ty)
                }
                None => match ty {
                    Ty::Variant => Some(ValKind::Variant(VariantRef {
                        file: home.id,
                        name: param.name.name.clone(),
                    })),
                    Ty::Steps => Some(ValKind::Steps(Vec::new())),
                    Ty::List(_) => Some(ValKind::List(Vec::new())),
                    Ty::Map(_) => Some(ValKind::Map(IndexMap::new())),
                    _ => {
                        // Errors in parameter types and defaults are still reported.
                        for d in sink.diagnostics {
                            self.report(d);
                        }
                        return;
                    }
                }
                .map(|kind| Val { kind, origin }),
            };
            match value {
                Some(v) => {
                    bound.insert(param.name.name.clone(), v);
                }
                None => {
                    for d in sink.diagnostics {
                        self.report(d);
                    }
                    return;
                }
            }
        }
        for d in sink.diagnostics {
            self.report(d);
        }
        let types: Vec<(&ast::Param, Ty)> = preset
            .params
            .iter()
            .filter_map(|p| Some((p, eval::resolve_type(home.id, &mut Sink::default(), &p.ty)?)))
            .collect();
        for d in runtime_versions(home.id, &types, &bound, &[], true) {
            self.report(d);
        }
        if self.enter(home.id, &preset.name.name, preset.name.span) {
            let _ = self.apply(
                home,
                Some(&bound),
                &preset.parents,
                &preset.body,
                Fields::default(),
            );
            self.leave();
        }
    }

    fn bind_and_apply(
        &mut self,
        home: &Module<'db>,
        preset: &'db ast::Preset,
        caller: &Module<'db>,
        caller_params: Option<&IndexMap<String, Val>>,
        parent: &ast::Parent,
    ) -> Option<Resolved> {
        // A preset of a file the parser could not read whole is not judged by
        // what was read of it (the file's syntax errors are reported, for a
        // stdlib module at the import): `None` leaves the variant incomplete.
        if home.id != caller.id && crate::resolve::summary(self.db, home.file).has_syntax_errors {
            return None;
        }
        let mut sink = Sink::default();
        let mut types = IndexMap::new();
        for param in &preset.params {
            if let Some(ty) = eval::resolve_type(home.id, &mut sink, &param.ty) {
                types.insert(param.name.name.clone(), (ty, param));
            }
        }
        let caller_env = self.env(caller, caller_params);
        let mut bound: IndexMap<String, Val> = IndexMap::new();
        // Arguments written, whether or not their value could be evaluated: one
        // whose value failed (already reported) is not also "missing".
        let mut given: Vec<&str> = Vec::new();
        let mut ok = true;
        for arg in parent.args.iter().flatten() {
            let Some((ty, _)) = types.get(&arg.name.name) else {
                let names: Vec<&str> = preset.params.iter().map(|p| p.name.name.as_str()).collect();
                sink.push(
                    Diagnostic::new(
                        Code::BadArgument,
                        format!(
                            "preset `{}` has no parameter `{}`",
                            preset.name.name, arg.name.name
                        ),
                        caller.id,
                        arg.name.span,
                        "unknown parameter",
                    )
                    .with_secondary(home.id, preset.name.span, "preset defined here")
                    .with_did_you_mean_or(
                        &arg.name.name,
                        names.iter().copied(),
                        || format!("`{}` takes: {}", preset.name.name, names.join(", ")),
                    ),
                );
                ok = false;
                continue;
            };
            if given.contains(&arg.name.name.as_str()) {
                sink.push(Diagnostic::new(
                    Code::BadArgument,
                    format!("`{}` is given twice", arg.name.name),
                    caller.id,
                    arg.span,
                    "again here",
                ));
                ok = false;
                continue;
            }
            given.push(&arg.name.name);
            match eval::eval_as(&caller_env, &mut sink, &arg.value, ty) {
                Some(v) => {
                    bound.insert(arg.name.name.clone(), v);
                }
                None => ok = false,
            }
        }
        for (name, (ty, param)) in &types {
            if given.contains(&name.as_str()) {
                continue;
            }
            match &param.default {
                Some(default) => {
                    // Defaults see the earlier parameters.
                    let value = {
                        // A default sees the parameters declared before it, never later ones.
                        let earlier: IndexMap<String, Val> = preset
                            .params
                            .iter()
                            .take_while(|p| p.name.name != *name)
                            .filter_map(|p| {
                                bound
                                    .get(&p.name.name)
                                    .map(|v| (p.name.name.clone(), v.clone()))
                            })
                            .collect();
                        let defaults_env = self.env(home, Some(&earlier));
                        eval::eval_as(&defaults_env, &mut sink, default, ty)
                    };
                    match value {
                        Some(v) => {
                            bound.insert(name.clone(), v);
                        }
                        None => ok = false,
                    }
                }
                None => {
                    sink.push(
                        Diagnostic::new(
                            Code::BadArgument,
                            format!("preset `{}` needs the argument `{name}`", preset.name.name),
                            caller.id,
                            parent.span,
                            format!("`{name}` is missing"),
                        )
                        .with_secondary(home.id, param.span, "parameter declared here")
                        .with_help(format!("pass it: {}({name} = ...)", parent.name.dotted())),
                    );
                    ok = false;
                }
            }
        }
        if ok {
            let declared: Vec<(&ast::Param, Ty)> = preset
                .params
                .iter()
                .filter_map(|p| Some((p, types.get(&p.name.name)?.0.clone())))
                .collect();
            // Arguments written as a plain string, which a fix may rewrite.
            let literals: Vec<&str> = parent
                .args
                .iter()
                .flatten()
                .filter(
                    |a| matches!(&a.value.kind, ast::ExprKind::Str(s) if s.as_plain().is_some()),
                )
                .map(|a| a.name.name.as_str())
                .collect();
            let problems = runtime_versions(home.id, &declared, &bound, &literals, false);
            ok = problems.is_empty();
            sink.diagnostics.extend(problems);
        }
        for d in sink.diagnostics {
            self.report(d);
        }
        if !ok || types.len() != preset.params.len() {
            return None;
        }
        // A preset yields the same fields for the same arguments: a "diamond" of
        // presets is instantiated once per distinct argument list, not 2^N times.
        let key = (home.id, preset.name.name.clone());
        let origin = Origin {
            file: caller.id,
            span: parent.span,
        };
        let known = self
            .instances
            .get(&key)
            .and_then(|list| list.iter().find(|instance| instance.arguments == bound))
            .map(|instance| instance.resolved.clone());
        if let Some(resolved) = known {
            // A failed instantiation is remembered too: it was reported once.
            let resolved = resolved?;
            return self
                .charge_units(resolved.size() + budget::INSTANTIATION, origin)
                .then_some(resolved);
        }
        if !self.charge(&Fields::default(), budget::INSTANTIATION, origin) {
            return None;
        }
        let resolved = self.apply(
            home,
            Some(&bound),
            &preset.parents,
            &preset.body,
            Fields::default(),
        );
        let resolved = self.within_depth(resolved, &preset.name, home.id);
        if let Some(resolved) = &resolved {
            if !self.charge_units(resolved.size(), origin) {
                return None;
            }
        }
        self.instances.entry(key).or_default().push(Instance {
            arguments: bound,
            resolved: resolved.clone(),
        });
        resolved
    }
}

/// Each `runtime<"R">` parameter against the `suite` parameter declared before
/// it: the version bound must be the one that suite ships (WB2018, at the
/// version's origin: the argument the user wrote, or the default). `literals`
/// are the parameters whose argument was written as a plain string, which the
/// fix rewrites. `declaration` also reports a `runtime<...>` parameter with no
/// suite to check it against (once, where the preset is checked on its own).
fn runtime_versions(
    home: FileId,
    params: &[(&ast::Param, Ty)],
    bound: &IndexMap<String, Val>,
    literals: &[&str],
    declaration: bool,
) -> Vec<Diagnostic> {
    use crate::check::types::ValKind;
    let mut out = Vec::new();
    let mut suite: Option<&str> = None;
    for (param, ty) in params {
        match ty {
            Ty::Suite => suite = Some(&param.name.name),
            Ty::Runtime(runtime) => {
                let Some(suite_param) = suite else {
                    if declaration {
                        out.push(
                            Diagnostic::new(
                                Code::RuntimeNotInSuite,
                                format!(
                                    "`{}` has no `suite` parameter to check the {runtime} version against",
                                    param.name.name
                                ),
                                home,
                                param.ty.span,
                                "checked against a `suite` parameter declared before it",
                            )
                            .with_help(format!(
                                "declare `suite: suite = \"{}\"` before `{}`",
                                runtimes::suites().first().copied().unwrap_or("bookworm"),
                                param.name.name
                            )),
                        );
                    }
                    continue;
                };
                let (Some(version), Some(chosen)) =
                    (bound.get(&param.name.name), bound.get(suite_param))
                else {
                    continue;
                };
                let (ValKind::Str(version_text), ValKind::Suite(suite_name)) =
                    (&version.kind, &chosen.kind)
                else {
                    continue;
                };
                let Some(shipped) = runtimes::version(suite_name, runtime) else {
                    continue;
                };
                if shipped == version_text {
                    continue;
                }
                let elsewhere: Vec<&str> = runtimes::versions(runtime)
                    .into_iter()
                    .filter(|(_, v)| v == version_text)
                    .map(|(s, _)| s)
                    .collect();
                let mut help = format!("write version = \"{shipped}\"");
                if let Some(other) = elsewhere.first() {
                    help.push_str(&format!(
                        ", or choose suite = \"{other}\", which ships {runtime} {version_text}"
                    ));
                }
                let mut d = Diagnostic::new(
                    Code::RuntimeNotInSuite,
                    format!("Debian {suite_name} ships {runtime} {shipped}, not {version_text}"),
                    version.origin.file,
                    version.origin.span,
                    format!("not in {suite_name}"),
                )
                .with_note(format!("{runtime}: {}", runtimes::describe(runtime)))
                .with_help(help);
                if chosen.origin.file == version.origin.file {
                    d = d.with_secondary(
                        chosen.origin.file,
                        chosen.origin.span,
                        format!("the suite is {suite_name}"),
                    );
                }
                if literals.contains(&param.name.name.as_str()) {
                    d = d.with_replacement(
                        format!("write {runtime} {shipped}, what {suite_name} ships"),
                        crate::syntax::string_literal(shipped),
                    );
                }
                out.push(d);
            }
            _ => {}
        }
    }
    out
}
