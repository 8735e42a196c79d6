//! The integration suite: one binary (so it links once), one module per area.
//! Tests go through the public library API, or run the real `wbuildc` binary.

#[path = "../support/dfcheck.rs"]
mod dfcheck;
#[path = "../support/ide_fixture.rs"]
mod ide_fixture;
mod support;

mod blubber;
mod ci;
mod cli;
mod completions;
mod diagnostics;
mod escaping;
mod examples;
mod ide;
mod incremental;
mod init;
mod mistakes;
mod ops;
mod ops_oracle;
mod packaging;
mod publish;
mod queries;
mod recovery;
mod reports;
mod signed_base;
mod suites;
mod sweep;
mod tidy;
mod trust;
