//! The evaluation budget: a bound on the values one file's evaluation builds.
//!
//! The language has no loops or recursion, but names can be reused: `let s1 =
//! s0 + s0` doubled 63 times is 1.3 KB of source and 2^63 bytes of value, and a
//! "diamond" of presets (`preset pN() extends pN-1(), pN-1()`) instantiates
//! 2^N presets. So every place that copies a value (a name looked up, a
//! variant's inherited fields, a preset instantiated) charges the copy's size
//! here, and a result larger than [`MAX_VALUE`] or a total beyond [`LIMIT`] stops
//! evaluation with one WB0005 diagnostic. Real manifests use a tiny fraction:
//! 100,000 small variants cost about 40 M units.
//!
//! Sizes are in units: one per byte of text, [`NODE`] per value (a value costs
//! about that many bytes of memory before its text), so the budget bounds
//! memory as well as time.

use super::types::{Command, Step, Val, ValKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Origin;
use std::cell::Cell;

/// What one value (a list element, a step, a map entry) costs besides its text.
pub const NODE: u64 = 64;
/// The largest single value.
pub const MAX_VALUE: u64 = 16 << 20;
/// All copies one evaluation may make.
pub const LIMIT: u64 = 128 << 20;
/// What instantiating a preset costs besides the fields it yields (bounds the
/// number of instantiations when arguments differ each time).
pub const INSTANTIATION: u64 = 4096;

/// Shared by everything one query evaluates (interior mutability: evaluation
/// environments are shared references).
#[derive(Debug, Default)]
pub struct Budget {
    used: Cell<u64>,
    reported: Cell<bool>,
    compared: Cell<u64>,
}

/// How many names "did you mean" searches compare in one evaluation: each
/// search compares the unknown name with every name in scope, so 10,000 unknown
/// names among 10,000 definitions would be 10^8 comparisons. Past this many,
/// unknown names are reported without a suggestion (the first ones have theirs).
pub const SUGGESTION_COMPARISONS: u64 = 250_000;

/// The budget ran out; the diagnostic is `Some` the first time only.
pub struct Exhausted(pub Option<Box<Diagnostic>>);

impl Budget {
    /// Charges `units` for work at `origin`.
    pub fn charge(&self, units: u64, origin: Origin) -> Result<(), Exhausted> {
        let used = self.used.get().saturating_add(units);
        self.used.set(used);
        if used <= LIMIT {
            return Ok(());
        }
        Err(self.exhausted(
            origin,
            format!(
                "evaluating this file would copy more than {} MiB of values",
                LIMIT >> 20
            ),
        ))
    }

    /// Refuses a value larger than [`MAX_VALUE`] (a concatenation or `+=`).
    pub fn check_size(&self, units: u64, origin: Origin) -> Result<(), Exhausted> {
        if units <= MAX_VALUE {
            return Ok(());
        }
        Err(self.exhausted(
            origin,
            format!("this value would be larger than {} MiB", MAX_VALUE >> 20),
        ))
    }

    fn exhausted(&self, origin: Origin, message: String) -> Exhausted {
        if self.reported.replace(true) {
            return Exhausted(None);
        }
        Exhausted(Some(Box::new(
            Diagnostic::new(Code::TooComplex, message, origin.file, origin.span, "while evaluating this")
                .with_note("values are built by reusing names (`let b = a + a`) or presets; the compiler bounds the copies so that a few lines cannot exhaust memory or time")
                .with_help("build the value once instead of doubling it, or move large data into a file that a step copies"),
        )))
    }

    pub fn used(&self) -> u64 {
        self.used.get()
    }

    /// Whether one more "did you mean" search among `candidates` names is
    /// allowed (see [`SUGGESTION_COMPARISONS`]).
    pub fn may_suggest(&self, candidates: usize) -> bool {
        let compared = self.compared.get().saturating_add(candidates as u64);
        self.compared.set(compared);
        compared <= SUGGESTION_COMPARISONS
    }
}

/// The size of a value in units.
pub fn size(value: &Val) -> u64 {
    NODE + kind_size(&value.kind)
}

fn text(s: &str) -> u64 {
    s.len() as u64
}

fn texts<'a>(items: impl IntoIterator<Item = &'a String>) -> u64 {
    items.into_iter().map(|s| NODE + text(s)).sum()
}

fn command_size(command: &Command) -> u64 {
    match command {
        Command::Shell(s) => text(s),
        Command::Exec(args) => texts(args),
    }
}

fn kind_size(kind: &ValKind) -> u64 {
    match kind {
        ValKind::Str(s) | ValKind::Path(s) | ValKind::Suite(s) => text(s),
        ValKind::Int(_)
        | ValKind::Bool(_)
        | ValKind::Scratch
        | ValKind::Port(_)
        | ValKind::Duration(_) => 0,
        ValKind::Image(r) => text(&r.to_string()),
        ValKind::User(u) => text(&u.name),
        ValKind::Variant(r) => text(&r.name),
        ValKind::Healthcheck(h) => command_size(&h.command),
        ValKind::Mount(m) => match &m.kind {
            crate::check::types::MountKind::Bind { source, target, .. } => texts([source, target]),
            crate::check::types::MountKind::Cache { target, id, .. } => {
                texts(std::iter::once(target).chain(id))
            }
        },
        ValKind::Command(c) => command_size(c),
        ValKind::List(items) => items.iter().map(size).sum(),
        ValKind::Map(map) => map.iter().map(|(k, v)| NODE + text(k) + size(v)).sum(),
        ValKind::Steps(steps) => steps.iter().map(step_size).sum(),
    }
}

fn step_size(step: &Step) -> u64 {
    NODE + step
        .kind
        .texts()
        .into_iter()
        .map(|t| NODE + text(t))
        .sum::<u64>()
}
