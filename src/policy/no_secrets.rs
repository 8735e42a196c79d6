//! Rules `secret` and `secret-file`: no credentials in values that reach the image
//! or its history, and no secret files copied from the build context.

use super::shell;
use super::RuleContext;
use crate::check::types::{StepKind, Val, ValKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Field;
use crate::span::Origin;
use crate::variants::ResolvedVariant;

/// Variable names that announce a secret.
const SECRET_NAMES: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
];

/// `name=value` / `name: value` assignments whose value is a credential.
const SECRET_ASSIGNMENTS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "access_key",
    "private_key",
    "client_secret",
];

/// Prefixes of well-known token formats, with the minimum length of the token.
const TOKEN_PREFIXES: &[(&str, usize, &str)] = &[
    ("AKIA", 20, "an AWS access key id"),
    ("ASIA", 20, "an AWS temporary access key id"),
    ("ghp_", 40, "a GitHub token"),
    ("gho_", 40, "a GitHub OAuth token"),
    ("ghs_", 40, "a GitHub app token"),
    ("ghu_", 40, "a GitHub user token"),
    ("github_pat_", 40, "a GitHub fine-grained token"),
    ("glpat-", 26, "a GitLab token"),
    ("xoxb-", 20, "a Slack token"),
    ("xoxp-", 20, "a Slack token"),
    ("AIza", 39, "a Google API key"),
    ("npm_", 40, "an npm token"),
    ("pypi-AgE", 60, "a PyPI token"),
    ("sk_live_", 24, "a Stripe secret key"),
    ("rk_live_", 24, "a Stripe key"),
    ("SG.", 60, "a SendGrid key"),
];

/// Why `text` looks like a credential, if it does. `entropy` also flags long
/// random-looking words (used for values, not for shell scripts, where checksums
/// and encoded data are common).
pub(crate) fn credential(
    text: &str,
    min_length: usize,
    min_entropy: f64,
    entropy: bool,
) -> Option<String> {
    if text.contains("PRIVATE KEY-----") {
        return Some("a private key block".into());
    }
    if let Some(i) = text.find("://") {
        let rest = text.get(i + 3..).unwrap_or("");
        let authority = rest.split(['/', ' ', '"', '\'']).next().unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if userinfo.contains(':') && !userinfo.ends_with(':') {
                return Some("a URL with a password".into());
            }
        }
    }
    // `name=value` / `name: value`: one pass over the separators, looking at the
    // word before each (so the cost stays linear in the text).
    for (sep, _) in text.match_indices(['=', ':']) {
        let before = text.get(..sep).unwrap_or("").trim_end();
        let word_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map_or(0, |i| i + 1);
        let word = before.get(word_start..).unwrap_or("").to_ascii_lowercase();
        let Some(name) = SECRET_ASSIGNMENTS.iter().find(|n| {
            word.strip_suffix(*n)
                .is_some_and(|head| head.is_empty() || head.ends_with(['_', '-']))
        }) else {
            continue;
        };
        let value = text
            .get(sep + 1..)
            .unwrap_or("")
            .trim_start()
            .trim_start_matches(['"', '\'']);
        let first = value
            .split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '&' || c == ';')
            .next()
            .unwrap_or("");
        // `password=$PASSWORD` reads a variable at run time: not a literal secret.
        if first.len() >= 4 && !first.starts_with('$') && !first.starts_with('<') {
            return Some(format!("a `{name}=` assignment"));
        }
    }
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=_-.".contains(c))) {
        for (prefix, min, what) in TOKEN_PREFIXES {
            if word.starts_with(prefix) && word.len() >= *min {
                return Some((*what).into());
            }
        }
        if word.starts_with("eyJ") && word.matches('.').count() == 2 && word.len() > 40 {
            return Some("a JSON web token".into());
        }
        if entropy
            && word.len() >= min_length
            && shannon(word) >= min_entropy
            && word.chars().any(|c| c.is_ascii_digit())
            && word.chars().any(|c| c.is_ascii_alphabetic())
        {
            return Some(format!("a {}-character high-entropy string", word.len()));
        }
    }
    None
}

fn shannon(word: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in word.bytes() {
        counts[b as usize] += 1;
    }
    let n = word.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

fn thresholds(cx: &RuleContext<'_>) -> (usize, f64) {
    (
        cx.policy.secret_min_length.value as usize,
        cx.policy.secret_min_entropy_milli.value.as_f64(),
    )
}

fn secret_diagnostic(what: &str, why: &str, origin: Origin) -> Diagnostic {
    Diagnostic::new(Code::SecretInValue, format!("{what} looks like a credential ({why})"), origin.file, origin.span, "would be readable in the image")
        .with_help("pass secrets at build time: run \"...\" with secret = \"ID\" (mounted at /run/secrets/ID for that step only)")
}

fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    // `PASSWORD_FILE=/run/secrets/...` points at a secret; it is not one.
    let pointer = ["_FILE", "_PATH", "_DIR"]
        .iter()
        .any(|s| upper.ends_with(s));
    !pointer && SECRET_NAMES.iter().any(|s| upper.contains(s))
}

/// String constants of the file (and strings inside list/map constants).
pub(super) fn check_constants(cx: &RuleContext<'_>) -> Vec<Diagnostic> {
    let (min_length, min_entropy) = thresholds(cx);
    let mut out = Vec::new();
    for (name, value) in &crate::check::eval::module_env(cx.db, cx.file).lets {
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
        // Steps are checked where a variant has them (`check`), with the rules for
        // scripts (no entropy test) and secret files.
        ValKind::Steps(_) => {}
        ValKind::Image(_)
        | ValKind::Scratch
        | ValKind::Int(_)
        | ValKind::Bool(_)
        | ValKind::Port(_)
        | ValKind::Duration(_)
        | ValKind::Variant(_) => {}
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

pub(super) fn check(cx: &RuleContext<'_>, variant: &ResolvedVariant) -> Vec<Diagnostic> {
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
                    let text = value.kind.to_text().unwrap_or_default();
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
            StepKind::Env { name, value } => {
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
                let text = shell::script_text(command);
                if let Some(why) = credential(&text, min_length, min_entropy, false) {
                    out.push(secret_diagnostic("this command", &why, at));
                }
                if let Some((id, dest)) = persisted_secret(cx.script(command), secrets) {
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
