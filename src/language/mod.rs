//! The language's tables, below every phase: the fields a body can set
//! (`fields.rs`, declared once with `fields!`), the steps with their arguments
//! and options (`steps.rs`), the builtin constructors (`constructors.rs`),
//! the types (`ty.rs`) and the Debian suites with the runtime versions each
//! ships (`runtimes.rs`). Resolution, checking, merging, lowering, the sweep and
//! the generated docs read them; nothing else lists fields, steps or options.
//!
//! Invariant: tables only, no phase: this module imports nothing of the crate
//! but itself.

pub mod apt;
mod constructors;
mod fields;
pub mod runtimes;
mod steps;
mod ty;

pub use constructors::{ConstructorInfo, CONSTRUCTORS};
pub use fields::{BodyKind, Field, FieldInfo, Lowering, Merge, Place, FIELDS};
pub use steps::{step_options, Form, ParamInfo, StepInfo, TyFn, STEPS};
pub use ty::Ty;
