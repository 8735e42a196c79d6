//! Reading other tools' build configuration into wbuild: today Blubber config v4
//! (`wbuildc import-blubber`). Like the compiler core, this does no I/O: the
//! driver hands in the text and writes what comes back.
//!
//! Invariant: an import either yields a manifest that says what the old config
//! built (the same users, directories, packages, copies and their owners,
//! environment and entrypoint), or diagnostics pointing at the line and column
//! of the old config that cannot be converted — never a manifest that quietly
//! builds something else.

pub mod blubber;
pub mod yaml;
