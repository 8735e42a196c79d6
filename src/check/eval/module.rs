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
    pub diagnostics: Vec<Diagnostic>,
}

#[salsa::tracked(returns(ref))]
pub fn module_env(db: &dyn Db, file: SourceFile) -> ModuleEnv {
    let scope = resolve::scope(db, file);
    let ast = &db::parse(db, file).ast;
    let mut sink = Sink::default();
    let mut lets = IndexMap::new();
    let budget = Budget::default();
    for &index in scope.lets.values() {
        let Some(ast::Item::Let(l)) = ast.items.get(index) else {
            continue;
        };
        let value = {
            let env = Env {
                db,
                file,
                uses: &resolve::index(db, file).resolutions,
                lets: &lets,
                params: None,
                budget: &budget,
            };
            match &l.ty {
                Some(ty) => resolve_type(file.id(db), &mut sink, ty)
                    .and_then(|ty| eval_as(&env, &mut sink, &l.value, &ty)),
                None => eval(&env, &mut sink, &l.value, None),
            }
        };
        // A constant that failed is reported where it is defined; a use of it is
        // then silently missing.
        if let Some(v) = value {
            lets.insert(l.name.name.clone(), v);
        }
    }
    ModuleEnv {
        lets,
        diagnostics: sink.diagnostics,
    }
}
