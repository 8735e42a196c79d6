//! Rules `apt-source` and `apt-keyring`: APT only from the repositories and
//! components the policy allows, keyrings only when allowed, and no changes to
//! APT's sources behind the compiler's back in run steps.

use super::RuleContext;
use crate::check::schema::Field;
use crate::check::types::{Command, StepKind, ValKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::variants::ResolvedVariant;

/// What in a run step means it edits APT's sources or trust.
const APT_TAMPERING: &[&str] = &[
    "/etc/apt/sources.list",
    "/etc/apt/trusted.gpg",
    "/etc/apt/keyrings",
    "/usr/share/keyrings",
    "apt-key",
    "add-apt-repository",
    "signed-by=",
];

pub(super) fn check(cx: &RuleContext<'_>, variant: &ResolvedVariant) -> Vec<Diagnostic> {
    let Some(ValKind::Steps(steps)) = variant.fields.get(&Field::Steps).map(|v| &v.kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for step in steps {
        let at = step.origin;
        match &step.kind {
            StepKind::Apt {
                repository: Some(repo),
                keyring,
                ..
            } => {
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
                        Diagnostic::new(Code::AptSourceNotAllowed, format!("APT repository `{uri}` is not allowed"), at.file, at.span, "repository added here")
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
                            Diagnostic::new(Code::AptSourceNotAllowed, format!("APT component `{component}` is not allowed"), at.file, at.span, "component used here")
                                .with_note(format!(
                                    "allowed components: {} (policy: {})",
                                    cx.policy.allowed_components.value.join(", "),
                                    cx.policy.allowed_components.source
                                ))
                                .with_help("Debian's `main` has only free software the organisation can redistribute"),
                        );
                    }
                }
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
            }
            StepKind::Run { command, .. } => {
                let text = match command {
                    Command::Shell(s) => s.clone(),
                    Command::Exec(args) => args.join(" "),
                };
                if let Some(what) = APT_TAMPERING.iter().find(|t| text.contains(*t)) {
                    out.push(
                        Diagnostic::new(
                            Code::AptKeyringNotAllowed,
                            format!("this step changes APT's sources or keys (`{what}`)"),
                            at.file,
                            at.span,
                            "APT configured in a run step",
                        )
                        .with_help("declare the repository on the step that needs it: apt [\"pkg\"] with repository = \"URI SUITE COMPONENT\""),
                    );
                }
            }
            _ => {}
        }
    }
    out
}
