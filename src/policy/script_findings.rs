//! Run steps' scripts, read once per database for each distinct script, with
//! what the best-effort rules find in each. The same scripts come back again
//! and again: a variant carries the steps of the one it extends, and the stdlib
//! presets' run steps are in every manifest that uses them.

use super::debian_first::Ecosystem;
use super::shell::{script_text, Script, ScriptText};
use crate::check::types::Command;
use rustc_hash::FxHashMap;
use std::cell::RefCell;

/// Everything the rules `apt-keyring`, `setuid` and `debian-first` read from a
/// script alone (what depends on the step too, such as the secrets a step
/// mounts, is read from the [`Script`] by the rule).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ScriptFindings {
    /// What the script does to APT, if anything (see `apt_sources.rs`).
    pub apt: Option<String>,
    /// How the script lets a user become root, if it does (see `setuid.rs`).
    pub grants_root: Option<String>,
    /// The libraries it installs with pip, npm or composer, in order.
    pub installs: Vec<(Ecosystem, String)>,
    /// The names of the files pip is told to read requirements from, in order,
    /// each once.
    pub requirement_files: Vec<String>,
}

/// A script as the rules read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ScriptReading {
    pub script: Script,
    pub findings: ScriptFindings,
}

#[salsa::tracked(returns(ref))]
pub(crate) fn read_script<'db>(db: &'db dyn crate::db::Db, text: ScriptText<'db>) -> ScriptReading {
    let text = text.text(db);
    let script = Script::read(text);
    let findings = ScriptFindings {
        apt: super::apt_sources::run_changes_apt(&script),
        grants_root: super::setuid::run_grants_root(&script),
        installs: super::debian_first::installed_by_command(&script),
        requirement_files: super::debian_first::requirement_files_of(text, &script),
    };
    ScriptReading { script, findings }
}

/// The readings of one file's commands. Several rules read every run step of
/// each variant, so each command is turned into its text and interned once for
/// all of them. A command is known by its address: the commands read are
/// borrowed from the file's evaluated variants for as long as this map lives,
/// so no other command can take an address while it is here. (Addresses are
/// not the file's to choose, so a fast hasher is safe here, as it would not be
/// with the commands' texts as keys.)
pub(crate) struct Scripts<'a> {
    db: &'a dyn crate::db::Db,
    read: RefCell<FxHashMap<*const Command, &'a ScriptReading>>,
}

impl<'a> Scripts<'a> {
    pub fn new(db: &'a dyn crate::db::Db) -> Self {
        Scripts {
            db,
            read: RefCell::default(),
        }
    }

    pub fn reading(&self, command: &'a Command) -> &'a ScriptReading {
        let key: *const Command = command;
        if let Some(found) = self.read.borrow().get(&key) {
            return found;
        }
        let reading = read_script(self.db, ScriptText::new(self.db, &*script_text(command)));
        self.read.borrow_mut().insert(key, reading);
        reading
    }
}
