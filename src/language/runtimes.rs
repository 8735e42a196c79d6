//! The Debian suites the organisation builds on and the runtime version each
//! ships: the facts behind the `suite` type, its members (`suite.python`) and
//! `runtime<"NAME">` (a version some suite ships). Built at compile time from
//! `stdlib/data/debian-runtimes.tsv` (`build.rs`), which records where the
//! facts were checked.

/// One row of the table: in `suite`, Debian's `package` gives `runtime` at
/// `version` (through `versioned_package`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    pub suite: &'static str,
    pub runtime: &'static str,
    pub version: &'static str,
    pub package: &'static str,
    pub versioned_package: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/debian_runtimes.rs"));

/// Every row, sorted by suite, then runtime.
pub fn rows() -> &'static [Row] {
    ROWS
}

/// The suites, in order (each once).
pub fn suites() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = ROWS.iter().map(|r| r.suite).collect();
    out.dedup();
    out
}

/// The runtimes, in order (each once).
pub fn runtimes() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = ROWS.iter().map(|r| r.runtime).collect();
    out.sort_unstable();
    out.dedup();
    out
}

pub fn is_suite(name: &str) -> bool {
    ROWS.iter().any(|r| r.suite == name)
}

pub fn is_runtime(name: &str) -> bool {
    ROWS.iter().any(|r| r.runtime == name)
}

/// The version of `runtime` that `suite` ships.
pub fn version(suite: &str, runtime: &str) -> Option<&'static str> {
    ROWS.iter()
        .find(|r| r.suite == suite && r.runtime == runtime)
        .map(|r| r.version)
}

/// `(suite, version)` for every suite that ships `runtime`, in suite order.
pub fn versions(runtime: &str) -> Vec<(&'static str, &'static str)> {
    ROWS.iter()
        .filter(|r| r.runtime == runtime)
        .map(|r| (r.suite, r.version))
        .collect()
}

/// "bookworm ships 3.11, trixie ships 3.13": what every suite ships of `runtime`.
pub fn describe(runtime: &str) -> String {
    let parts: Vec<String> = versions(runtime)
        .iter()
        .map(|(suite, version)| format!("{suite} ships {version}"))
        .collect();
    parts.join(", ")
}
