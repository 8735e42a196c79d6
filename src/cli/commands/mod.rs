//! One module per subcommand.

pub mod base;
pub mod build;
pub mod check;
pub mod compile;
pub mod completions;
pub mod docs;
pub mod explain;
pub mod fmt;
pub mod import;
pub mod init;
pub mod ops;
pub mod policy;
pub mod provenance;
pub mod publish;
pub mod variants;
