//! Type checking: expressions are evaluated against the type their position
//! expects (fields, parameters, step arguments), giving checked [`types::Val`]s.
//!
//! Invariant: checking never stops at the first problem; every error becomes a
//! diagnostic and the offending value is dropped, so later fields are still checked.

pub mod budget;
pub mod eval;
pub mod exclude;
pub mod types;
