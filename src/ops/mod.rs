//! Operations: the workspace of many manifests, base images and modules as one
//! graph, what a change affects, and the plans a build farm executes.
//!
//! - `facts.rs`: what one file contributes (a salsa query over the phases').
//! - `produced.rs`: the image a variant produces (the tag convention).
//! - `workspace.rs`: the graph, derived from the files, with build levels and
//!   cycles.
//! - `affected.rs`: what a change of a path or an image affects, in order.
//! - `render.rs`: the graph as JSON and DOT.
//! - `plan.rs`: a `docker buildx bake` file and a CI matrix with levels.
//! - `lock.rs`: `wbuild.lock`, the digests every external base reference is
//!   pinned to, and whether it is stale.
//!
//! Invariant: no I/O; the driver reads the tree, the layouts and the registry
//! and hands in what it found.

pub mod affected;
pub mod facts;
pub mod lock;
pub mod plan;
pub mod produced;
pub mod render;
pub mod workspace;

pub use affected::{affected, Affected, Change};
pub use produced::Role;
pub use workspace::{NodeKind, Workspace};
