//! Rule `setuid`: no setuid or setgid files and no sudo rules in an image, so
//! that the unprivileged user cannot become root.
//!
//! Enforced: `chmod` modes on copies (the compiler writes them), copies into
//! `/etc/sudoers` and `/etc/sudoers.d`. Best-effort (run steps are read, see
//! `shell.rs`): `chmod`/`install` with a setuid or setgid mode, `setcap`,
//! sudoers edits, and installing `sudo` or `doas`.

use super::shell;
use super::RuleContext;
use crate::check::types::{StepKind, ValKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Field;
use crate::variants::ResolvedVariant;

/// Paths that grant root to other users.
const SUDOERS: &[&str] = &["/etc/sudoers", "/etc/sudoers.d", "/etc/doas.conf"];

/// Debian packages that install a setuid-root program to run commands as root.
const ROOT_TOOLS: &[&str] = &["sudo", "sudo-ldap", "doas", "opendoas"];

fn under(path: &str, dirs: &[&'static str]) -> Option<&'static str> {
    dirs.iter().copied().find(|d| {
        path == *d
            || path
                .strip_prefix(d)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Whether an octal mode sets the setuid or setgid bit (`4755`, `2755`, `6755`).
pub(super) fn octal_sets_id(mode: &str) -> bool {
    mode.len() == 4
        && mode.bytes().all(|b| (b'0'..=b'7').contains(&b))
        && mode.bytes().next().is_some_and(|b| (b - b'0') & 0b110 != 0)
}

/// Whether a `chmod` mode argument sets setuid or setgid: octal, or symbolic
/// (`u+s`, `+s`, `g=rxs`, `a+rs`).
fn mode_sets_id(mode: &str) -> bool {
    if mode.bytes().all(|b| b.is_ascii_digit()) {
        return mode.len() >= 4 && mode.get(mode.len() - 4..).is_some_and(octal_sets_id);
    }
    mode.split(',').any(|clause| {
        let ops = clause.trim_start_matches(|c| "ugoa".contains(c));
        (ops.starts_with('+') || ops.starts_with('=')) && ops.contains('s')
    })
}

pub(super) fn check<'a>(cx: &RuleContext<'a>, variant: &'a ResolvedVariant) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let help = "programs run as the image's unprivileged user; if a setuid program is really needed, say why: allow += { \"setuid\": \"reason\" }";
    for copy in cx.lowered.copies.get(&variant.name).into_iter().flatten() {
        if let Some(mode) = copy.mode.as_deref().filter(|m| octal_sets_id(m)) {
            // `with chown` does not make it harmless: the file then lets any
            // user act as its owner (the application's user, say) instead.
            let setuid = mode.bytes().next().is_some_and(|b| (b - b'0') & 0b100 != 0);
            let owner = copy.owner.unwrap_or(crate::ir::Owner { uid: 0, gid: 0 });
            let label = match (setuid, owner) {
                (true, o) if o.uid == 0 => {
                    "a root-owned setuid file lets any user act as root".to_string()
                }
                (true, o) => format!(
                    "a setuid file owned by uid {} lets any user act as that user",
                    o.uid
                ),
                (false, o) if o.gid == 0 => {
                    "a setgid file of group root lets any user act with root's group".to_string()
                }
                (false, o) => format!(
                    "a setgid file of gid {} lets any user act with that group",
                    o.gid
                ),
            };
            out.push(
                Diagnostic::new(
                    Code::Setuid,
                    format!("mode {mode} sets the setuid or setgid bit"),
                    copy.origin.file,
                    copy.origin.span,
                    label,
                )
                .with_help(help),
            );
        }
        let dest = super::path::resolved(&copy.dest);
        if let Some(path) = under(&dest, SUDOERS) {
            out.push(
                Diagnostic::new(
                    Code::Setuid,
                    format!("this copy writes {path}, which grants root to other users"),
                    copy.origin.file,
                    copy.origin.span,
                    format!("copies to {dest}"),
                )
                .with_help(help),
            );
        }
    }
    let Some(ValKind::Steps(steps)) = variant.fields.get(&Field::Steps).map(|v| &v.kind) else {
        return out;
    };
    for step in steps {
        let at = step.origin;
        let why = match &step.kind {
            StepKind::Apt { packages, .. } => packages
                .iter()
                .map(|p| p.split('=').next().unwrap_or(p))
                .find(|p| ROOT_TOOLS.contains(p))
                .map(|p| {
                    format!("installs `{p}`, a setuid-root program that runs commands as root")
                }),
            StepKind::Run { command, .. } => cx.findings(command).grants_root.clone(),
            _ => None,
        };
        if let Some(why) = why {
            out.push(
                Diagnostic::new(
                    Code::Setuid,
                    format!("this step {why}"),
                    at.file,
                    at.span,
                    "here",
                )
                .with_help(help),
            );
        }
    }
    out
}

/// How a script lets a user become root, if it does. (Read once per distinct
/// script, see `script_findings.rs`.)
pub(super) fn run_grants_root(script: &shell::Script) -> Option<String> {
    for command in &script.commands {
        let args = command.args_from_program();
        match command.program() {
            Some("chmod") => {
                // The mode is the first argument after the options (`-R`).
                if let Some(mode) = args.iter().skip(1).find(|a| !a.starts_with('-')) {
                    if mode_sets_id(mode) {
                        return Some(format!("sets the setuid or setgid bit (`chmod {mode}`)"));
                    }
                }
            }
            Some("install") => {
                let mode = args.iter().enumerate().find_map(|(i, a)| {
                    a.strip_prefix("--mode=")
                        .map(str::to_string)
                        .or_else(|| (a == "-m").then(|| args.get(i + 1).cloned()).flatten())
                });
                if let Some(mode) = mode.filter(|m| mode_sets_id(m)) {
                    return Some(format!(
                        "installs a setuid or setgid file (`install -m {mode}`)"
                    ));
                }
            }
            Some("setcap") => return Some("gives a file capabilities (`setcap`)".into()),
            Some("visudo") => return Some("edits the sudo rules (`visudo`)".into()),
            _ => {}
        }
        if command.words.iter().any(|w| w.contains("NOPASSWD")) {
            return Some("writes a sudo rule (`NOPASSWD`)".into());
        }
    }
    script.paths.iter().find_map(|(path, _)| {
        under(path, SUDOERS).map(|p| format!("changes {p}, which grants root to other users"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setuid_modes_and_sudo_rules_are_found() {
        for mode in ["4755", "2755", "6755", "7777", "04755"] {
            assert!(mode_sets_id(mode), "{mode}");
        }
        for mode in ["0755", "1777", "755", "u+x", "g-s"] {
            assert!(!mode_sets_id(mode), "{mode}");
        }
        for script in [
            "chmod u+s /usr/local/bin/tool",
            "chmod 4755 /x",
            "/bin/chmod +s /x",
            "chmod g=rxs /x",
            "install -m 4755 tool /usr/local/bin/",
            "setcap cap_setuid+ep /x",
            "echo 'app ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers",
            "echo x > /etc/sudoers.d/app",
            "cd /etc && echo x > sudoers.d/app",
        ] {
            assert!(
                run_grants_root(&shell::Script::read(script)).is_some(),
                "{script}"
            );
        }
        for script in [
            "chmod 0755 /x",
            "chmod -R u+rwX /srv",
            "install -m 0755 a b",
        ] {
            assert_eq!(
                run_grants_root(&shell::Script::read(script)),
                None,
                "{script}"
            );
        }
    }
}
