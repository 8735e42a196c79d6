//! Rules `secret` and `secret-file`: no credentials in values that reach the image
//! or its history, and no secret files copied from the build context.

use super::RuleContext;
use crate::check::schema::Field;
use crate::check::types::{Command, Origin, StepKind, Val, ValKind};
use crate::diagnostics::{Code, Diagnostic};
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
        f64::from(cx.policy.secret_min_entropy_milli.value) / 1000.0,
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

fn visit_strings(value: &Val, f: &mut dyn FnMut(&str, Origin)) {
    match &value.kind {
        ValKind::Str(s) | ValKind::Path(s) => f(s, value.origin),
        ValKind::List(items) => items.iter().for_each(|v| visit_strings(v, f)),
        ValKind::Map(map) => map.values().for_each(|v| visit_strings(v, f)),
        _ => {}
    }
}

pub(super) fn check(cx: &RuleContext<'_>, variant: &ResolvedVariant) -> Vec<Diagnostic> {
    let (min_length, min_entropy) = thresholds(cx);
    let mut out = Vec::new();
    if let Some(Val {
        kind: ValKind::Map(labels),
        ..
    }) = variant.fields.get(&Field::Labels)
    {
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
    for field in [Field::Cmd, Field::Entrypoint] {
        if let Some(Val {
            kind: ValKind::Command(command),
            origin,
        }) = variant.fields.get(&field)
        {
            let text = match command {
                Command::Shell(s) => s.clone(),
                Command::Exec(args) => args.join(" "),
            };
            if let Some(why) = credential(&text, min_length, min_entropy, false) {
                out.push(secret_diagnostic(
                    &format!("`{}`", field.name()),
                    &why,
                    *origin,
                ));
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
            StepKind::Run { command, .. } => {
                let text = match command {
                    Command::Shell(s) => s.clone(),
                    Command::Exec(args) => args.join(" "),
                };
                if let Some(why) = credential(&text, min_length, min_entropy, false) {
                    out.push(secret_diagnostic("this command", &why, at));
                }
            }
            StepKind::Copy { sources, .. } => {
                for source in sources {
                    if let Some(pattern) = forbidden(source, &cx.policy.forbidden_files.value) {
                        out.push(
                            Diagnostic::new(Code::SecretFileCopied, format!("`{source}` would copy secrets into the image"), at.file, at.span, format!("matches `{pattern}`"))
                                .with_note(format!("forbidden files (policy: {})", cx.policy.forbidden_files.source))
                                .with_help("copy only what the image needs; secrets for the build go through `with secret = \"ID\"`"),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The forbidden pattern a path matches (on any of its components).
fn forbidden<'p>(path: &str, patterns: &'p [String]) -> Option<&'p str> {
    path.split('/')
        .filter(|c| !c.is_empty())
        .find_map(|component| {
            patterns
                .iter()
                .find(|p| glob(p.trim_end_matches('/'), component))
                .map(String::as_str)
        })
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else {
                return false;
            };
            if tail.is_empty() {
                return true;
            }
            (0..=rest.len())
                .filter(|i| rest.is_char_boundary(*i))
                .any(|i| glob(tail, rest.get(i..).unwrap_or("")))
        }
    }
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

    #[test]
    fn globs_match_path_components() {
        let patterns: Vec<String> = [".env", ".env.*", "*.pem", ".git"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(forbidden("config/.env", &patterns), Some(".env"));
        assert_eq!(forbidden(".env.production", &patterns), Some(".env.*"));
        assert_eq!(forbidden("certs/server.pem", &patterns), Some("*.pem"));
        assert_eq!(forbidden(".git/", &patterns), Some(".git"));
        assert_eq!(forbidden("src/environment.py", &patterns), None);
    }
}
