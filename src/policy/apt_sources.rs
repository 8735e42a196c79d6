//! Rules `apt-source` and `apt-keyring`: APT only from the repositories and
//! components the policy allows, keyrings only when allowed, and no APT
//! configuration, sources or keys changed behind the compiler's back.
//!
//! What is enforced: `apt` steps read only the base image's APT configuration
//! plus the repository they declare (see `lower/steps.rs`), so sources added on
//! the side are never used by them. On top of that, copies into APT's
//! directories are refused (their destinations resolved against the working
//! directory), and run steps are read for APT changes, for package downloads
//! that bypass the `apt` step and for package files installed with dpkg. The
//! reading of run steps is best-effort: a script can hide what it does.

use super::shell;
use super::RuleContext;
use crate::check::types::{StepKind, ValKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Field;
use crate::variants::ResolvedVariant;

/// Directories whose contents decide what APT installs and trusts.
pub(super) const APT_PATHS: &[&str] = &["/etc/apt", "/usr/share/keyrings"];

/// Words in a run step that mean it changes APT's sources or trust.
const APT_TOOLS: &[&str] = &["apt-key", "add-apt-repository", "apt-add-repository"];

/// Whether `path` (absolute, `..` resolved) is one of [`APT_PATHS`] or inside one.
fn is_apt_path(path: &str) -> Option<&'static str> {
    APT_PATHS.iter().copied().find(|p| {
        path == *p
            || path
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

pub(super) fn check<'a>(cx: &RuleContext<'a>, variant: &'a ResolvedVariant) -> Vec<Diagnostic> {
    let Some(ValKind::Steps(steps)) = variant.fields.get(&Field::Steps).map(|v| &v.kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for step in steps {
        let at = step.origin;
        match &step.kind {
            StepKind::Apt {
                repository,
                keyring,
                key,
                proxy,
                ..
            } => {
                if let Some(proxy) = proxy {
                    out.extend(proxy_findings(cx, proxy, at));
                }
                let Some(repo) = repository else {
                    continue;
                };
                out.extend(repository_findings(cx, repo, at));
                if keyring.is_some() && !cx.policy.allow_keyrings.value {
                    out.push(
                        Diagnostic::new(
                            Code::AptKeyringNotAllowed,
                            "adding an APT keyring is not allowed",
                            at.file,
                            at.span,
                            "keyring added here",
                        )
                        .with_note(format!(
                            "apt.allow_keyrings = false (policy: {})",
                            cx.policy.allow_keyrings.source
                        )),
                    );
                }
                if let Some(key) = key {
                    out.extend(key_finding(cx, key, at));
                }
            }
            StepKind::Run { command, .. } => {
                if let Some(what) = &cx.findings(command).apt {
                    out.push(
                        Diagnostic::new(
                            Code::AptKeyringNotAllowed,
                            format!("this step {what}"),
                            at.file,
                            at.span,
                            "APT used or configured in a run step",
                        )
                        .with_help("install Debian packages with an `apt` step, which reads only the organisation's APT sources; a repository goes on the step that needs it: apt [\"pkg\"] with repository = \"URI SUITE COMPONENT\""),
                    );
                }
            }
            _ => {}
        }
    }
    for copy in cx.lowered.copies.get(&variant.name).into_iter().flatten() {
        let dest = super::path::resolved(&copy.dest);
        if let Some(dir) = is_apt_path(&dest) {
            out.push(
                Diagnostic::new(
                    Code::AptKeyringNotAllowed,
                    format!("this copy writes into {dir}, where APT's sources, keys and configuration are"),
                    copy.origin.file,
                    copy.origin.span,
                    format!("copies to {dest}"),
                )
                .with_help("declare a repository on the `apt` step that needs it: apt [\"pkg\"] with repository = \"URI SUITE COMPONENT\" (and keyring = \"...\" where the policy allows keyrings)"),
            );
        }
    }
    out
}

/// What a run step does to APT, if anything: names a file in APT's directories,
/// runs a tool that adds repositories or keys, downloads packages with apt itself,
/// or installs a package file with dpkg. (Read once per distinct script, see
/// `script_findings.rs`.)
pub(super) fn run_changes_apt(script: &shell::Script) -> Option<String> {
    for command in &script.commands {
        let args = command.args_from_program();
        let Some(program) = command.program() else {
            continue;
        };
        if APT_TOOLS.contains(&program) {
            return Some(format!(
                "runs `{program}`, which changes APT's sources or keys"
            ));
        }
        let sub = args
            .iter()
            .skip(1)
            .find(|a| !a.starts_with('-'))
            .map(String::as_str);
        match (program, sub) {
            ("apt-get" | "apt" | "aptitude", Some(verb))
                if matches!(
                    verb,
                    "install"
                        | "update"
                        | "upgrade"
                        | "dist-upgrade"
                        | "full-upgrade"
                        | "build-dep"
                        | "source"
                        | "download"
                        | "reinstall"
                ) =>
            {
                return Some(format!(
                    "runs `{program} {verb}` itself, with whatever APT configuration the image has"
                ));
            }
            ("dpkg", _)
                if args
                    .iter()
                    .any(|a| a == "-i" || a == "--install" || a == "--unpack") =>
            {
                return Some(
                    "installs a package file with dpkg, not from an allowed repository".into(),
                );
            }
            _ => {}
        }
        if args
            .iter()
            .any(|a| a.contains("signed-by=") || a.contains("Dir::Etc"))
        {
            return Some("changes where APT reads its sources or keys".into());
        }
    }
    script
        .paths
        .iter()
        .find_map(|(path, _)| {
            is_apt_path(path)
                .map(|dir| format!("changes APT's sources or keys (`{path}` is in {dir})"))
        })
        .or_else(|| {
            // A bare file name read from APT's directory after `cd`, or typed
            // without it. Each word's last component is taken once; the first
            // name of the list that some word has is the one reported.
            let mut found: Option<usize> = None;
            for word in script
                .commands
                .iter()
                .flat_map(|c| c.words.iter().chain(&c.writes))
            {
                let last = word.trim_end_matches('/').rsplit('/').next().unwrap_or("");
                if let Some(i) = APT_FILE_NAMES.iter().position(|name| *name == last) {
                    found = Some(found.map_or(i, |f| f.min(i)));
                }
            }
            found
                .and_then(|i| APT_FILE_NAMES.get(i))
                .map(|name| format!("changes APT's sources or keys (`{name}`)"))
        })
}

/// Names of APT's source lists, keyrings and configuration directories.
const APT_FILE_NAMES: &[&str] = &[
    "sources.list",
    "sources.list.d",
    "trusted.gpg",
    "trusted.gpg.d",
    "apt.conf.d",
    "preferences.d",
];

/// The policy's finding for an `apt` step's inline key: allowed with
/// `apt.allow_keyrings`, or when every primary key in it is one of
/// `apt.allowed_keys`.
fn key_finding(
    cx: &RuleContext<'_>,
    key: &crate::language::apt::ArmouredKey,
    at: crate::span::Origin,
) -> Option<Diagnostic> {
    if cx.policy.allow_keyrings.value {
        return None;
    }
    let allowed: Vec<String> = cx
        .policy
        .allowed_keys
        .value
        .iter()
        .filter_map(|f| crate::language::apt::normalise_fingerprint(f))
        .collect();
    let unlisted: Vec<&str> = key
        .fingerprints()
        .iter()
        .filter(|f| !allowed.contains(f))
        .map(String::as_str)
        .collect();
    if unlisted.is_empty() {
        return None;
    }
    let listed = if allowed.is_empty() {
        "none".to_string()
    } else {
        allowed.join(", ")
    };
    Some(
        Diagnostic::new(
            Code::AptKeyringNotAllowed,
            "adding this APT signing key (`key`) is not allowed",
            at.file,
            at.span,
            "key added here",
        )
        .with_note(format!(
            "apt.allow_keyrings = false (policy: {}), and apt.allowed_keys does not list {} (allowed keys: {listed}; policy: {})",
            cx.policy.allow_keyrings.source,
            unlisted.join(", "),
            cx.policy.allowed_keys.source,
        ))
        .with_help("ask for the key's fingerprint to be added to the organisation's apt.allowed_keys"),
    )
}

/// The policy's finding for an `apt` step's proxy: it must be one the policy
/// lists (compared without a trailing `/`).
fn proxy_findings(
    cx: &RuleContext<'_>,
    proxy: &str,
    at: crate::span::Origin,
) -> Option<Diagnostic> {
    let allowed = &cx.policy.allowed_proxies;
    if allowed
        .value
        .iter()
        .any(|a| a.trim_end_matches('/') == proxy.trim_end_matches('/'))
    {
        return None;
    }
    let listed = if allowed.value.is_empty() {
        "none".to_string()
    } else {
        allowed.value.join(", ")
    };
    Some(
        Diagnostic::new(
            Code::AptProxyNotAllowed,
            format!("APT proxy `{proxy}` is not allowed"),
            at.file,
            at.span,
            "proxy used here",
        )
        .with_note(format!(
            "allowed proxies: {listed} (policy: {})",
            allowed.source
        ))
        .with_help("use the organisation's package cache, or ask for the proxy to be added to apt.allowed_proxies"),
    )
}

/// The policy's findings for one APT line `URI SUITE COMPONENT...` (an `apt`
/// step's repository or a base image's source): the URI and every component
/// must be allowed.
pub(super) fn repository_findings(
    cx: &RuleContext<'_>,
    repo: &str,
    at: crate::span::Origin,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let words: Vec<&str> = repo.split_whitespace().collect();
    let uri = words.first().copied().unwrap_or("");
    let uri_ok = cx
        .policy
        .allowed_repositories
        .value
        .iter()
        .any(|a| a.trim_end_matches('/') == uri.trim_end_matches('/'));
    if !uri_ok {
        out.push(
            Diagnostic::new(
                Code::AptSourceNotAllowed,
                format!("APT repository `{uri}` is not allowed"),
                at.file,
                at.span,
                "repository added here",
            )
            .with_note(format!(
                "allowed repositories: {} (policy: {})",
                cx.policy.allowed_repositories.value.join(", "),
                cx.policy.allowed_repositories.source
            ))
            .with_help("use Debian's archive, or ask for the repository to be added to the policy"),
        );
    }
    for component in words.iter().skip(2) {
        if !cx
            .policy
            .allowed_components
            .value
            .iter()
            .any(|c| c == component)
        {
            out.push(
                Diagnostic::new(
                    Code::AptSourceNotAllowed,
                    format!("APT component `{component}` is not allowed"),
                    at.file,
                    at.span,
                    "component used here",
                )
                .with_note(format!(
                    "allowed components: {} (policy: {})",
                    cx.policy.allowed_components.value.join(", "),
                    cx.policy.allowed_components.source
                ))
                .with_help(
                    "Debian's `main` has only free software the organisation can redistribute",
                ),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{run_changes_apt, shell};

    #[test]
    fn run_steps_that_change_apt_are_found_however_they_are_spelt() {
        for script in [
            "echo 'deb http://evil/ x main' > /etc/apt//sources.list.d/e.list",
            "cd /etc/apt && echo x > sources.list.d/x.list",
            "cp key.gpg /etc/apt/./trusted.gpg.d/",
            "cp key.gpg /usr/share/../share/keyrings/k.gpg",
            "curl -fsSL https://x/key | apt-key add -",
            "apt-get update && apt-get install -y curl",
            "sudo apt install ./tool.deb",
            "dpkg -i /tmp/tool.deb",
            "echo 'Acquire::http::Proxy \"http://p\";' > /etc/apt/apt.conf.d/01proxy",
            "mv x sources.list",
        ] {
            assert!(
                run_changes_apt(&shell::Script::read(script)).is_some(),
                "{script}"
            );
        }
        for script in [
            "pip install -r requirements.txt",
            "rm -rf /var/cache/apt/archives/*.deb",
            "apt-get clean",
            "echo apt is great",
        ] {
            assert_eq!(
                run_changes_apt(&shell::Script::read(script)),
                None,
                "{script}"
            );
        }
    }
}
