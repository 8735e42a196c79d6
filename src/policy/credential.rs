//! Whether a text looks like a credential, and whether a variable's name says it
//! holds one: the scans behind rule `secret` (see `no_secrets.rs`).
//!
//! Every string that reaches an image goes through [`credential`], so it reads
//! each byte once for all the patterns: a table gives each byte's classes (part
//! of a word, part of a name, the first byte of a token prefix, a byte that can
//! start a key block, a URL or an assignment), and only the few bytes that can
//! start a pattern are looked at further. When a text holds several findings,
//! the reason given is the one of the first kind in this order: a private key
//! block, a password in the first URL, the first `name=value` assignment of a
//! secret, the first token-like word.

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

/// Suffixes of a variable name that points at a secret instead of holding it
/// (`PASSWORD_FILE=/run/secrets/...`).
const POINTER_SUFFIXES: &[&str] = &["_FILE", "_PATH", "_DIR"];

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

const PRIVATE_KEY: &str = "PRIVATE KEY-----";
const JWT: &str = "eyJ";

/// A byte of a token-like word: ASCII letters and digits, `+/=_-.`.
const WORD: u8 = 1;
/// A byte of an assignment's name: ASCII letters and digits, `_-`.
const NAME: u8 = 2;
/// The first byte of a token prefix or of a JSON web token.
const PREFIX: u8 = 4;
/// `P`, `:`, `=`: may start a private key block, a URL or an assignment.
const MARK: u8 = 8;
/// The last letter of a [`SECRET_ASSIGNMENTS`] name, in either case.
const ASSIGNMENT_END: u8 = 16;
/// The first letter of a [`SECRET_NAMES`] name, in either case.
const SECRET_START: u8 = 32;

/// Each byte's classes. Every class holds ASCII bytes only, so a byte of a
/// multi-byte character is never part of a word or a name, as the characters
/// are not.
static CLASSES: [u8; 256] = classes();

const fn classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        if (b as u8).is_ascii_alphanumeric() {
            table[b] = WORD | NAME;
        }
        b += 1;
    }
    table[b'+' as usize] = WORD;
    table[b'/' as usize] = WORD;
    table[b'=' as usize] = WORD | MARK;
    table[b'.' as usize] = WORD;
    table[b'_' as usize] = WORD | NAME;
    table[b'-' as usize] = WORD | NAME;
    table[b':' as usize] = MARK;
    table[b'P' as usize] |= MARK;
    table[JWT.as_bytes()[0] as usize] |= PREFIX;
    let mut i = 0;
    while i < TOKEN_PREFIXES.len() {
        table[TOKEN_PREFIXES[i].0.as_bytes()[0] as usize] |= PREFIX;
        i += 1;
    }
    let mut i = 0;
    while i < SECRET_ASSIGNMENTS.len() {
        let name = SECRET_ASSIGNMENTS[i].as_bytes();
        let last = name[name.len() - 1];
        table[last.to_ascii_lowercase() as usize] |= ASSIGNMENT_END;
        table[last.to_ascii_uppercase() as usize] |= ASSIGNMENT_END;
        i += 1;
    }
    let mut i = 0;
    while i < SECRET_NAMES.len() {
        let first = SECRET_NAMES[i].as_bytes()[0];
        table[first.to_ascii_lowercase() as usize] |= SECRET_START;
        table[first.to_ascii_uppercase() as usize] |= SECRET_START;
        i += 1;
    }
    table
}

fn class(b: u8) -> u8 {
    CLASSES.get(usize::from(b)).copied().unwrap_or(0)
}

/// Why `text` looks like a credential, if it does. `entropy` also flags long
/// random-looking words (used for values, not for shell scripts, where checksums
/// and encoded data are common).
pub(crate) fn credential(
    text: &str,
    min_length: usize,
    min_entropy: f64,
    entropy: bool,
) -> Option<String> {
    let bytes = text.as_bytes();
    let mut marks = Marks::default();
    let mut token: Option<String> = None;
    let mut i = 0;
    while i < bytes.len() {
        // Separators up to the next word; `:` among them.
        while let Some(&b) = bytes.get(i) {
            let classes = class(b);
            if classes & WORD != 0 {
                break;
            }
            if classes & MARK != 0 && marks.read(text, i) {
                return Some("a private key block".into());
            }
            i += 1;
        }
        // A word; `=` and `P` among its bytes.
        let start = i;
        while let Some(&b) = bytes.get(i) {
            let classes = class(b);
            if classes & WORD == 0 {
                break;
            }
            if classes & MARK != 0 && marks.read(text, i) {
                return Some("a private key block".into());
            }
            i += 1;
        }
        let word = text.get(start..i).unwrap_or("");
        // Only a word with a token's first byte, or one long enough for the
        // entropy test, can be one; and only the first such word counts.
        let candidate = word
            .as_bytes()
            .first()
            .is_some_and(|&b| class(b) & PREFIX != 0 || (entropy && word.len() >= min_length));
        if candidate && token.is_none() && marks.undecided() {
            token = token_word(word, min_length, min_entropy, entropy);
        }
    }
    let Marks { url, assignment } = marks;
    if url == Some(true) {
        return Some("a URL with a password".into());
    }
    if let Some(name) = assignment {
        return Some(format!("a `{name}=` assignment"));
    }
    token
}

/// What the bytes that can start a pattern (`P`, `:`, `=`) found so far.
#[derive(Default)]
struct Marks {
    /// Whether the first `://` carries a password (only the first URL is read).
    url: Option<bool>,
    /// The first secret assignment.
    assignment: Option<&'static str>,
}

impl Marks {
    /// Reads the mark at `i`; true for a private key block, which outranks
    /// everything (the rest of the text need not be read).
    fn read(&mut self, text: &str, i: usize) -> bool {
        let rest = text.get(i..).unwrap_or("");
        if rest.starts_with('P') {
            return rest.starts_with(PRIVATE_KEY);
        }
        if self.url.is_none() && rest.starts_with("://") {
            self.url = Some(url_has_password(rest));
        }
        // Once a finding is certain, only a key block can outrank it.
        if self.assignment.is_none() && self.url != Some(true) {
            self.assignment = secret_assignment(text, i);
        }
        false
    }

    /// Whether a token-like word could still be the reason given.
    fn undecided(&self) -> bool {
        self.assignment.is_none() && self.url != Some(true)
    }
}

/// Whether the URL whose `://` starts `rest` names a user with a password.
fn url_has_password(rest: &str) -> bool {
    let after = rest.get(3..).unwrap_or("");
    let authority = after.split(['/', ' ', '"', '\'']).next().unwrap_or("");
    authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':') && !userinfo.ends_with(':'))
}

/// The secret name assigned by the separator (`=` or `:`) at `sep`, when the
/// value is a literal: the word before the separator (spaces allowed between)
/// ends with one of [`SECRET_ASSIGNMENTS`], alone or after `_` or `-`.
fn secret_assignment(text: &str, sep: usize) -> Option<&'static str> {
    let before = text.get(..sep).unwrap_or("").trim_end();
    let name_len = before
        .bytes()
        .rev()
        .take_while(|&b| class(b) & NAME != 0)
        .count();
    let word_start = before.len() - name_len;
    // A name right after a multi-byte character is not read as one (the
    // character is a separator, but the word was taken from inside it).
    if before
        .as_bytes()
        .get(word_start.wrapping_sub(1))
        .is_some_and(|b| !b.is_ascii())
    {
        return None;
    }
    let word = before.get(word_start..).unwrap_or("").as_bytes();
    // Most words are ruled out by their last letter.
    if word.last().is_none_or(|&b| class(b) & ASSIGNMENT_END == 0) {
        return None;
    }
    let name = SECRET_ASSIGNMENTS.iter().copied().find(|name| {
        word.len()
            .checked_sub(name.len())
            .and_then(|cut| word.split_at_checked(cut))
            .is_some_and(|(head, tail)| {
                tail.eq_ignore_ascii_case(name.as_bytes())
                    && head.last().is_none_or(|b| matches!(b, b'_' | b'-'))
            })
    })?;
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
    (first.len() >= 4 && !first.starts_with('$') && !first.starts_with('<')).then_some(name)
}

/// Why one token-like word (ASCII letters, digits and `+/=_-.`) looks like a
/// credential: a known token format, a JSON web token, or (with `entropy`) a
/// long random-looking word.
fn token_word(word: &str, min_length: usize, min_entropy: f64, entropy: bool) -> Option<String> {
    let first = *word.as_bytes().first()?;
    if class(first) & PREFIX != 0 {
        if let Some((_, _, what)) = TOKEN_PREFIXES
            .iter()
            .find(|(prefix, min, _)| word.starts_with(prefix) && word.len() >= *min)
        {
            return Some((*what).into());
        }
        if word.starts_with(JWT)
            && word.len() > 40
            && word.bytes().filter(|&b| b == b'.').count() == 2
        {
            return Some("a JSON web token".into());
        }
    }
    if entropy
        && word.len() >= min_length
        && word.bytes().any(|b| b.is_ascii_digit())
        && word.bytes().any(|b| b.is_ascii_alphabetic())
        && shannon(word) >= min_entropy
    {
        return Some(format!("a {}-character high-entropy string", word.len()));
    }
    None
}

fn shannon(word: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in word.bytes() {
        if let Some(count) = counts.get_mut(usize::from(b)) {
            *count += 1;
        }
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

/// Whether a variable's name says it holds a secret (compared without regard to
/// ASCII case), and does not only point at one.
pub(crate) fn secret_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let ends_with = |suffix: &str| {
        bytes
            .len()
            .checked_sub(suffix.len())
            .and_then(|cut| bytes.get(cut..))
            .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix.as_bytes()))
    };
    if POINTER_SUFFIXES.iter().any(|s| ends_with(s)) {
        return false;
    }
    (0..bytes.len()).any(|i| {
        let rest = bytes.get(i..).unwrap_or(&[]);
        // Most positions are ruled out by their letter.
        rest.first().is_some_and(|&b| class(b) & SECRET_START != 0)
            && SECRET_NAMES.iter().any(|s| {
                rest.get(..s.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(s.as_bytes()))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The scans as they were written first, one search per pattern: the
    /// one-pass scans must give the same answer for every text.
    mod reference {
        use super::super::{SECRET_ASSIGNMENTS, SECRET_NAMES, TOKEN_PREFIXES};

        pub fn credential(
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
                    .split(|c: char| {
                        c.is_whitespace() || c == '"' || c == '\'' || c == '&' || c == ';'
                    })
                    .next()
                    .unwrap_or("");
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
                    && super::super::shannon(word) >= min_entropy
                    && word.chars().any(|c| c.is_ascii_digit())
                    && word.chars().any(|c| c.is_ascii_alphabetic())
                {
                    return Some(format!("a {}-character high-entropy string", word.len()));
                }
            }
            None
        }

        pub fn secret_name(name: &str) -> bool {
            let upper = name.to_ascii_uppercase();
            let pointer = ["_FILE", "_PATH", "_DIR"]
                .iter()
                .any(|s| upper.ends_with(s));
            !pointer && SECRET_NAMES.iter().any(|s| upper.contains(s))
        }
    }

    /// Pieces that make texts near every pattern and every edge of one: the
    /// patterns themselves and their parts, separators, quotes, variables,
    /// spaces (ASCII and not), multi-byte characters, random-looking runs.
    fn piece() -> impl Strategy<Value = String> {
        let fixed = prop::sample::select(vec![
            "PRIVATE KEY-----",
            "PRIVATE KEY",
            "-----BEGIN ",
            "://",
            ":/",
            "@",
            ":",
            "=",
            ": ",
            " = ",
            "password",
            "PassWord",
            "db_password",
            "x-token",
            "client_secret",
            "apikey",
            "API_KEY",
            "access_key",
            "private_key",
            "pwd",
            "secret",
            "SECRET",
            "TOKEN",
            "_FILE",
            "_path",
            "_DIR",
            "CREDENTIAL",
            "AKIA",
            "ASIA",
            "ghp_",
            "github_pat_",
            "glpat-",
            "xoxb-",
            "AIza",
            "npm_",
            "pypi-AgE",
            "sk_live_",
            "rk_live_",
            "SG.",
            "eyJ",
            ".",
            "..",
            "$",
            "$DB",
            "<",
            "\"",
            "'",
            "&",
            ";",
            " ",
            "\t",
            "\n",
            "\u{b}",
            "\u{3000}",
            "\u{a0}",
            "\u{85}",
            "é",
            "日本",
            "🚀",
            "/",
            "+",
            "_",
            "-",
            "https://",
            "user:",
            "u:p@h",
            "0123456789",
            "abcdefghijklmnopqrstuvwxyzABCDEF",
            "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5",
        ])
        .prop_map(str::to_string);
        prop_oneof![
            4 => fixed,
            1 => "[a-zA-Z0-9+/=_.-]{1,48}",
            1 => any::<char>().prop_map(|c| c.to_string()),
        ]
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(piece(), 0..12).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

        #[test]
        fn the_one_pass_scan_finds_what_each_search_found(
            text in text(),
            min_length in prop::sample::select(vec![0usize, 8, 20, 32]),
            min_entropy in prop::sample::select(vec![0.0f64, 3.0, 4.0]),
            entropy in any::<bool>(),
        ) {
            prop_assert_eq!(
                credential(&text, min_length, min_entropy, entropy),
                reference::credential(&text, min_length, min_entropy, entropy)
            );
        }

        #[test]
        fn secret_names_are_found_as_before(name in text()) {
            prop_assert_eq!(secret_name(&name), reference::secret_name(&name));
        }
    }

    #[test]
    fn edges_of_the_patterns() {
        let cases = [
            "x-----BEGIN RSA PRIVATE KEY-----",
            "a=1 https://u:p@h/x -----BEGIN PRIVATE KEY-----",
            "https://example.org/ then https://u:p@h/",
            "git clone https://u:@host/x",
            "password=\"hunter22\" ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "épassword=hunter22",
            "é password=hunter22",
            "password\u{3000}=hunter22",
            "password = $X; token: abcdefgh",
            "pwd:abc",
            "mytoken=abcdefgh",
            "my_token=abcdefgh",
            "AKIAIOSFODNN7EXAMPL",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc",
            "",
            ":",
            "=",
        ];
        for text in cases {
            for entropy in [true, false] {
                assert_eq!(
                    credential(text, 32, 4.0, entropy),
                    reference::credential(text, 32, 4.0, entropy),
                    "{text:?}"
                );
            }
        }
        for name in [
            "DB_PASSWORD",
            "db_password_file",
            "GITHUB_TOKEN",
            "PATH",
            "TOKENS_DIR",
            "x",
        ] {
            assert_eq!(secret_name(name), reference::secret_name(name), "{name}");
        }
    }
}
