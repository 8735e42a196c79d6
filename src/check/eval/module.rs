//! The file's constants as a query: evaluated in order, each sees only the
//! ones above it.

use super::{eval, eval_as, resolve_type, Env, Sink};
use crate::check::budget::Budget;
use crate::check::types::Val;
use crate::db::{self, Db, SourceFile};
use crate::diagnostics::Diagnostic;
use crate::resolve;
use crate::syntax::ast;
use indexmap::IndexMap;

/// A file's constants, evaluated in order; each sees only the ones above it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ModuleEnv {
    pub lets: IndexMap<String, Val>,
    /// Constants whose value could not be evaluated (already reported): a use of
    /// one is not reported again.
    pub failed: std::collections::BTreeSet<String>,
    pub diagnostics: Vec<Diagnostic>,
}

#[salsa::tracked(returns(ref))]
pub fn module_env(db: &dyn Db, file: SourceFile) -> ModuleEnv {
    let scope = resolve::scope(db, file);
    let ast = &db::parse(db, file).ast;
    let mut sink = Sink::default();
    let mut lets = IndexMap::new();
    let mut failed = std::collections::BTreeSet::new();
    let budget = Budget::default();
    for &index in scope.lets.values() {
        let Some(ast::Item::Let(l)) = ast.items.get(index) else {
            continue;
        };
        let value = {
            let env = Env {
                db,
                file,
                scope,
                lets: &lets,
                failed: &failed,
                params: None,
                budget: &budget,
            };
            match &l.ty {
                Some(ty) => resolve_type(file.id(db), &mut sink, ty)
                    .and_then(|ty| eval_as(&env, &mut sink, &l.value, &ty)),
                None => eval(&env, &mut sink, &l.value, None),
            }
        };
        match value {
            Some(v) => {
                lets.insert(l.name.name.clone(), v);
            }
            None => {
                failed.insert(l.name.name.clone());
            }
        }
    }
    let mut diagnostics = scope.diagnostics.clone();
    diagnostics.extend(sink.diagnostics);
    ModuleEnv {
        lets,
        failed,
        diagnostics,
    }
}
