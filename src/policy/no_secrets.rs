//! Rules `secret` and `secret-file`: no credentials in values that reach the image
//! or its history, and no secret files copied from the build context.

use super::credential::{credential, secret_name};
use super::shell;
use super::RuleContext;
use crate::check::types::{StepKind, Val, ValKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Field;
use crate::span::Origin;
use crate::variants::ResolvedVariant;

pub(super) fn thresholds(cx: &RuleContext<'_>) -> (usize, f64) {
    (
        cx.policy.secret_min_length.value as usize,
        cx.policy.secret_min_entropy_milli.value.as_f64(),
    )
}

pub(super) fn secret_diagnostic(what: &str, why: &str, origin: Origin) -> Diagnostic {
    Diagnostic::new(Code::SecretInValue, format!("{what} looks like a credential ({why})"), origin.file, origin.span, "would be readable in the image")
        .with_help("pass secrets at build time: run \"...\" with secret = \"ID\" (mounted at /run/secrets/ID for that step only)")
}

/// String constants of the file (and strings inside list/map constants).
pub(super) fn check_constants(cx: &RuleContext<'_>) -> Vec<Diagnostic> {
    let (min_length, min_entropy) = thresholds(cx);
    let mut out = Vec::new();
    for (name, value) in &crate::check::eval::module_env(cx.db, cx.file).lets {
        if is_public_key(value) {
            continue;
        }
        visit_strings(value, &mut |text, origin| {
            if let Some(why) = credential(text, min_length, min_entropy, true) {
                out.push(secret_diagnostic(
                    &format!("constant `{name}`"),
                    &why,
                    origin,
                ));
            }
        });
    }
    out
}

/// Whether a constant is an armoured PGP public key block (one string, or its
/// lines as a list, as `apt ... with key` takes it): its base64 lines are
/// high-entropy by nature and public by definition. A private key block is not
/// one (`language::apt::parse_public_key` refuses it), so it is still scanned.
fn is_public_key(value: &Val) -> bool {
    let text = match &value.kind {
        ValKind::Str(s) => s.clone(),
        ValKind::List(items) => {
            let mut lines = Vec::with_capacity(items.len());
            for item in items {
                match &item.kind {
                    ValKind::Str(s) => lines.push(s.as_str()),
                    _ => return false,
                }
            }
            lines.join("\n")
        }
        _ => return false,
    };
    crate::language::apt::parse_public_key(&text).is_ok()
}

/// Every string inside a value, with where it was written: text, paths, list
/// and map entries (keys too), commands, users, healthchecks. Exhaustive over
/// [`ValKind`], so a new kind of value is scanned or the compiler asks what to do
/// with it; the texts of steps are listed by `StepKind::texts`.
fn visit_strings(value: &Val, f: &mut dyn FnMut(&str, Origin)) {
    let origin = value.origin;
    match &value.kind {
        ValKind::Str(s) | ValKind::Path(s) => f(s, origin),
        ValKind::List(items) => items.iter().for_each(|v| visit_strings(v, f)),
        ValKind::Map(map) => {
            for (key, v) in map {
                f(key, v.origin);
                visit_strings(v, f);
            }
        }
        ValKind::Command(command) => f(&shell::script_text(command), origin),
        ValKind::Healthcheck(h) => f(&shell::script_text(&h.command), origin),
        ValKind::User(user) => f(&user.name, origin),
        ValKind::Mount(m) => match &m.kind {
            crate::check::types::MountKind::Bind { source, target, .. } => {
                f(source, origin);
                f(target, origin);
            }
            crate::check::types::MountKind::Cache { target, id, .. } => {
                f(target, origin);
                if let Some(id) = id {
                    f(id, origin);
                }
            }
        },
        // Steps are checked where a variant has them (`check`), with the rules for
        // scripts (no entropy test) and secret files.
        ValKind::Steps(_) => {}
        ValKind::Image(_)
        | ValKind::Scratch
        | ValKind::Int(_)
        | ValKind::Bool(_)
        | ValKind::Port(_)
        | ValKind::Duration(_)
        | ValKind::Variant(_)
        // A suite is one of the table's names, never free text.
        | ValKind::Suite(_) => {}
    }
}

/// `version` and `source` of the image: they become labels and annotations.
pub(super) fn check_image(cx: &RuleContext<'_>) -> Vec<Diagnostic> {
    let (min_length, min_entropy) = thresholds(cx);
    let Some(image) = &cx.evaluated.image else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (field, value, origin) in [
        ("version", &image.version, image.version_origin),
        ("source", &image.source, image.source_origin),
    ] {
        if let (Some(text), Some(origin)) = (value, origin) {
            if let Some(why) = credential(text, min_length, min_entropy, true) {
                out.push(secret_diagnostic(
                    &format!("the image's `{field}`"),
                    &why,
                    origin,
                ));
            }
        }
    }
    out
}

pub(super) fn check<'a>(cx: &RuleContext<'a>, variant: &'a ResolvedVariant) -> Vec<Diagnostic> {
    let (min_length, min_entropy) = thresholds(cx);
    let mut out = Vec::new();
    for (field, value) in &variant.fields {
        match field {
            // Reasons go to the audit, not into the image.
            Field::Allow => continue,
            Field::Steps => {}
            Field::Labels => {
                let ValKind::Map(labels) = &value.kind else {
                    continue;
                };
                for (key, value) in labels {
                    let text = super::value_text(&value.kind);
                    if let Some(why) = credential(&text, min_length, min_entropy, true)
                        .or_else(|| credential(key, min_length, min_entropy, true))
                    {
                        out.push(secret_diagnostic(
                            &format!("label `{key}`"),
                            &why,
                            value.origin,
                        ));
                    }
                }
            }
            _ => {
                // Commands, paths and file names hold checksums and encoded data;
                // only free-text values are tested for high entropy.
                let entropy = matches!(field, Field::Labels | Field::Version | Field::Source);
                visit_strings(value, &mut |text, origin| {
                    if let Some(why) = credential(text, min_length, min_entropy, entropy) {
                        out.push(secret_diagnostic(
                            &format!("`{}`", field.name()),
                            &why,
                            origin,
                        ));
                    }
                });
            }
        }
    }
    let Some(ValKind::Steps(steps)) = variant.fields.get(&Field::Steps).map(|v| &v.kind) else {
        return out;
    };
    for step in steps {
        let at = step.origin;
        match &step.kind {
            StepKind::Env { name, value, .. } => {
                if let Some(why) = credential(value, min_length, min_entropy, true) {
                    out.push(secret_diagnostic(
                        &format!("environment variable `{name}`"),
                        &why,
                        at,
                    ));
                } else if secret_name(name) && !value.is_empty() {
                    out.push(secret_diagnostic(
                        &format!("environment variable `{name}`"),
                        "its name says it is a secret",
                        at,
                    ));
                }
            }
            StepKind::Arg { name, default, .. } => {
                if let Some(why) = default
                    .as_deref()
                    .and_then(|d| credential(d, min_length, min_entropy, true))
                {
                    out.push(secret_diagnostic(
                        &format!("build argument `{name}`"),
                        &why,
                        at,
                    ));
                } else if secret_name(name) {
                    // Build-argument values are recorded in the image history.
                    out.push(
                        Diagnostic::new(Code::SecretInValue, format!("build argument `{name}` would carry a secret into the image history"), at.file, at.span, "declared here")
                            .with_help("declare it as a BuildKit secret instead: run \"...\" with secret = \"ID\""),
                    );
                }
            }
            StepKind::Run {
                command, secrets, ..
            } => {
                // A context bind mount shows the step what a copy would copy:
                // secret files go through `with secret`, not the context.
                for source in step.kind.context_sources() {
                    if let Some(pattern) =
                        super::forbidden_in_copy_source(source, &cx.policy.forbidden_files.value)
                    {
                        out.push(
                            Diagnostic::new(Code::SecretFileCopied, format!("`{source}` would mount secret files from the build context"), at.file, at.span, format!("matches `{pattern}`"))
                                .with_note(format!("forbidden files (policy: {})", cx.policy.forbidden_files.source))
                                .with_help("mount only what the step needs; secrets for the build go through `with secret = \"ID\"`"),
                        );
                    }
                }
                let text = shell::script_text(command);
                if let Some(why) = credential(&text, min_length, min_entropy, false) {
                    out.push(secret_diagnostic("this command", &why, at));
                }
                // Only a step that mounts a secret can write one.
                let persisted = if secrets.is_empty() {
                    None
                } else {
                    persisted_secret(cx.script(command), secrets)
                };
                if let Some((id, dest)) = persisted {
                    out.push(
                        Diagnostic::new(
                            Code::SecretPersisted,
                            format!("this step writes the build secret `{id}` into the image ({dest})"),
                            at.file,
                            at.span,
                            "the file stays in the layer",
                        )
                        .with_help("use the secret where it is mounted (/run/secrets/ID) and write nothing derived from it; if a tool needs it elsewhere, remove the copy in the same step"),
                    );
                }
            }
            StepKind::Copy { sources, .. } => {
                for source in sources {
                    if let Some(pattern) =
                        super::forbidden_in_copy_source(source, &cx.policy.forbidden_files.value)
                    {
                        out.push(
                            Diagnostic::new(Code::SecretFileCopied, format!("`{source}` would copy secrets into the image"), at.file, at.span, format!("matches `{pattern}`"))
                                .with_note(format!("forbidden files (policy: {})", cx.policy.forbidden_files.source))
                                .with_help("copy only what the image needs; secrets for the build go through `with secret = \"ID\"`"),
                        );
                    }
                }
                for text in step.kind.texts() {
                    if let Some(why) = credential(text, min_length, min_entropy, false) {
                        out.push(secret_diagnostic("this copy", &why, at));
                    }
                }
            }
            StepKind::Apt { .. } | StepKind::CopyFrom { .. } | StepKind::Workdir { .. } => {
                for text in step.kind.texts() {
                    if let Some(why) = credential(text, min_length, min_entropy, false) {
                        out.push(secret_diagnostic("this step", &why, at));
                    }
                }
            }
        }
    }
    out
}

/// A build secret a run step copies or writes to a file that stays in the layer
/// (best-effort, see `shell.rs`): `(secret id, destination)`.
fn persisted_secret(script: &shell::Script, secrets: &[String]) -> Option<(String, String)> {
    let commands = &script.commands;
    let mentions = |words: &[String], id: &str| {
        let path = format!("/run/secrets/{id}");
        words.iter().any(|w| w.contains(&path))
    };
    let removed_later = |index: usize, dest: &str| {
        commands.iter().skip(index + 1).any(|c| {
            matches!(c.program(), Some("rm" | "shred" | "unlink"))
                && c.args_from_program().iter().any(|a| a == dest)
        })
    };
    for id in secrets {
        for (index, command) in commands.iter().enumerate() {
            let args = command.args_from_program();
            let reads_secret = mentions(&command.words, id);
            // `cat /run/secrets/x | tee /y`: what follows a reading command in the
            // script may receive the secret through a pipe.
            let after_read = index > 0
                && commands
                    .get(index - 1)
                    .is_some_and(|c| mentions(&c.words, id));
            let mut dests: Vec<String> = Vec::new();
            if reads_secret {
                dests.extend(command.writes.iter().cloned());
                if matches!(
                    command.program(),
                    Some("cp" | "mv" | "install" | "ln" | "rsync" | "dd")
                ) {
                    dests.extend(
                        args.iter()
                            .skip(1)
                            .rfind(|a| !a.starts_with('-'))
                            .map(|a| a.strip_prefix("of=").unwrap_or(a).to_string()),
                    );
                }
            }
            if after_read && command.program() == Some("tee") {
                dests.extend(args.iter().skip(1).filter(|a| !a.starts_with('-')).cloned());
            }
            if let Some(dest) = dests.into_iter().find(|d| {
                !d.starts_with("/dev/")
                    && !d.starts_with("/proc/")
                    && !d.starts_with("/run/secrets/")
                    && !removed_later(index, d)
            }) {
                return Some((id.clone(), dest));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(text: &str) -> bool {
        credential(text, 32, 4.0, true).is_some()
    }

    #[test]
    fn finds_credentials() {
        assert!(flags("-----BEGIN OPENSSH PRIVATE KEY-----\nabc"));
        assert!(flags("https://deploy:hunter22@git.example.org/repo.git"));
        assert!(flags("DB_PASSWORD=correcthorse"));
        assert!(flags("token: abcdefgh"));
        assert!(flags("ghp_0123456789abcdefghijABCDEFGHIJ012345"));
        assert!(flags("AKIAIOSFODNN7EXAMPLE"));
        assert!(flags("Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u"));
    }

    #[test]
    fn secrets_written_to_files_in_the_layer_are_found() {
        let ids = vec!["tok".to_string()];
        for script in [
            "cat /run/secrets/tok > /srv-token",
            "cp /run/secrets/tok /root/.npmrc && npm ci",
            "cat /run/secrets/tok | tee /etc/token",
            "install -m 0600 /run/secrets/tok /home/app/.netrc",
        ] {
            assert!(
                persisted_secret(&shell::Script::read(script), &ids).is_some(),
                "{script}"
            );
        }
        for script in [
            "NPM_TOKEN=$(cat /run/secrets/tok) npm ci",
            "cp /run/secrets/tok /root/.npmrc && npm ci && rm -f /root/.npmrc",
            "pip install --index-url \"$(cat /run/secrets/tok)\" x > /dev/null",
            "cat /run/secrets/other > /x",
        ] {
            assert_eq!(
                persisted_secret(&shell::Script::read(script), &ids),
                None,
                "{script}"
            );
        }
    }

    #[test]
    fn leaves_ordinary_values_alone() {
        assert!(!flags(
            "/opt/lib/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        ));
        assert!(!flags("password=$DB_PASSWORD"));
        assert!(!flags("registry.example.org/debian:bookworm"));
        // A sha256 checksum is public data; hex cannot reach 4 bits per character in practice.
        assert!(!flags(
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        ));
        assert!(!flags("https://deb.debian.org/debian bookworm main"));
        assert!(!flags("org.opencontainers.image.description"));
    }
}
