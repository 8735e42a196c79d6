//! File-name patterns: the policy's `forbidden_files` (`*` wildcards only) and
//! the sources of `COPY`, which BuildKit and buildah match as Go `filepath.Match`
//! globs (`*`, `?`, `[...]`, `[^...]` and `\` escapes), one path component at a time.
//!
//! A copy source is refused when it names a forbidden file, however it is
//! spelt: `credentials.jso?`, `[.]env`, `\.env` and `*.pem` all do, so a literal
//! comparison is not enough. A source component names a forbidden file when a
//! product walk over both token lists reaches the end of both, with every literal
//! character of the forbidden pattern matched by a character of the source (a
//! letter, `?` or a class), never by the source's `*`: `*.py` could match
//! `.env.py`, but it does not name it. What a wildcard merely could reach
//! (`*`, `*.py`, `.e*`, a directory) is kept out by the generated ignore file,
//! which is made from the same patterns. The walk visits each pair of positions
//! once, so it is linear in the product of their lengths.

/// Whether a forbidden-file pattern (`*` matches any run of characters) matches
/// one file name. (The common case, so it allocates nothing: the classic
/// wildcard match that backtracks to the last `*` only.)
pub fn file_pattern_matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        match p.get(i) {
            Some(b'*') => {
                star = Some((i, j));
                i += 1;
            }
            Some(&c) if n.get(j) == Some(&c) => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some((si, sj)) => {
                    i = si + 1;
                    j = sj + 1;
                    star = Some((si, sj + 1));
                }
                None => return false,
            },
        }
    }
    p.get(i..)
        .is_some_and(|rest| rest.iter().all(|&b| b == b'*'))
}

/// Whether a path component uses glob syntax (else it names one file).
fn is_glob(component: &str) -> bool {
    component.contains(['*', '?', '[', '\\'])
}

/// The forbidden pattern that some file named by `source` (a COPY source, as
/// written) could match, if any.
pub fn forbidden_in_copy_source<'p>(source: &str, patterns: &'p [String]) -> Option<&'p str> {
    // Most sources are plain names: compare them with the patterns directly.
    if !components(source).any(is_glob) {
        return components(source).find_map(|component| {
            patterns
                .iter()
                .find(|p| {
                    // A pattern that starts with a literal byte names only
                    // components that start with it: most are ruled out here.
                    let first = p.as_bytes().first();
                    (matches!(first, None | Some(b'*')) || component.as_bytes().first() == first)
                        && file_pattern_matches(p.trim_end_matches('/'), component)
                })
                .map(String::as_str)
        });
    }
    let components: Vec<&str> = components(source).collect();
    let forbidden: Vec<(&'p str, Vec<Token>)> = patterns
        .iter()
        .map(|p| {
            let tokens = p
                .trim_end_matches('/')
                .chars()
                .map(|c| {
                    if c == '*' {
                        Token::Star
                    } else {
                        Token::One(Chars::Exactly(c))
                    }
                })
                .collect();
            (p.as_str(), tokens)
        })
        .collect();
    components.iter().find_map(|component| {
        let glob = parse_glob(component);
        forbidden
            .iter()
            .find(|(_, tokens)| overlap(&glob, tokens))
            .map(|(p, _)| *p)
    })
}

/// The components of a path as written, without empty and `.` components. A `/`
/// preceded by `\` is still a separator, as in Go's `filepath.Match`.
fn components(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty() && *c != ".")
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Chars {
    Exactly(char),
    Any,
    /// `[...]`: the ranges, and whether the class is negated (`[^...]`).
    Class(Vec<(char, char)>, bool),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// `*`: any run of characters (within one component).
    Star,
    /// One character from a set.
    One(Chars),
}

/// Parses one component of a Go glob. A malformed class (no closing `]`) is read
/// as literal characters, which can only make the overlap test see more names.
fn parse_glob(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '*' => {
                out.push(Token::Star);
                i += 1;
            }
            '?' => {
                out.push(Token::One(Chars::Any));
                i += 1;
            }
            '\\' => {
                match chars.get(i + 1) {
                    Some(&next) => out.push(Token::One(Chars::Exactly(next))),
                    None => out.push(Token::One(Chars::Exactly('\\'))),
                }
                i += 2;
            }
            '[' => match parse_class(&chars, i + 1) {
                Some((class, next)) => {
                    out.push(Token::One(class));
                    i = next;
                }
                None => {
                    out.push(Token::One(Chars::Exactly('[')));
                    i += 1;
                }
            },
            c => {
                out.push(Token::One(Chars::Exactly(c)));
                i += 1;
            }
        }
    }
    out
}

/// Parses a class body starting after `[`; returns it and the index after `]`.
fn parse_class(chars: &[char], start: usize) -> Option<(Chars, usize)> {
    let mut i = start;
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(i)?;
        if c == ']' && !first {
            return Some((Chars::Class(ranges, negated), i + 1));
        }
        first = false;
        let (lo, after) = class_char(chars, i)?;
        i = after;
        if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&c| c != ']') {
            let (hi, after) = class_char(chars, i + 1)?;
            ranges.push((lo, hi));
            i = after;
        } else {
            ranges.push((lo, lo));
        }
    }
}

fn class_char(chars: &[char], i: usize) -> Option<(char, usize)> {
    match *chars.get(i)? {
        '\\' => Some((*chars.get(i + 1)?, i + 2)),
        c => Some((c, i + 1)),
    }
}

impl Chars {
    fn contains(&self, c: char) -> bool {
        match self {
            Chars::Exactly(x) => *x == c,
            Chars::Any => c != '/',
            Chars::Class(ranges, negated) => {
                ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
            }
        }
    }

    /// A few characters of the set, enough to witness any non-empty intersection
    /// with another set: the bounds of its ranges and their neighbours.
    fn witnesses(&self) -> Vec<char> {
        match self {
            Chars::Exactly(c) => vec![*c],
            Chars::Any => Vec::new(),
            Chars::Class(ranges, _) => ranges
                .iter()
                .flat_map(|&(lo, hi)| {
                    [lo, hi]
                        .into_iter()
                        .chain(char::from_u32(lo as u32 + 1))
                        .chain((lo as u32).checked_sub(1).and_then(char::from_u32))
                        .chain(char::from_u32(hi as u32 + 1))
                        .chain((hi as u32).checked_sub(1).and_then(char::from_u32))
                })
                .collect(),
        }
    }

    /// Whether some character is in both sets.
    fn meets(&self, other: &Chars) -> bool {
        let candidates = self
            .witnesses()
            .into_iter()
            .chain(other.witnesses())
            // Some character outside every listed range, for negated classes and `?`.
            .chain(['a', 'Z', '0', '.', '\u{10FFFF}']);
        let mut found = false;
        for c in candidates {
            if self.contains(c) && other.contains(c) {
                found = true;
                break;
            }
        }
        found
    }
}

/// Whether some string matches both token sequences, with a `*` of `a` standing
/// only for what a `*` of `b` stands for (see the module documentation).
fn overlap(a: &[Token], b: &[Token]) -> bool {
    let width = b.len() + 1;
    let mut seen = vec![false; (a.len() + 1) * width];
    let mut todo = vec![(0usize, 0usize)];
    while let Some((i, j)) = todo.pop() {
        let Some(slot) = seen.get_mut(i * width + j) else {
            continue;
        };
        if *slot {
            continue;
        }
        *slot = true;
        if i == a.len() && j == b.len() {
            return true;
        }
        let star_a = matches!(a.get(i), Some(Token::Star));
        let star_b = matches!(b.get(j), Some(Token::Star));
        // A `*` may match nothing.
        if star_a {
            todo.push((i + 1, j));
        }
        if star_b {
            todo.push((i, j + 1));
        }
        // Or both consume one common character.
        let set = |t: Option<&Token>| match t {
            Some(Token::Star) => Some(Chars::Any),
            Some(Token::One(chars)) => Some(chars.clone()),
            None => None,
        };
        if let (Some(x), Some(y)) = (set(a.get(i)), set(b.get(j))) {
            // `a`'s `*` never consumes one of `b`'s literal characters.
            if x.meets(&y) && (!star_a || star_b) {
                let next_i = if star_a { i } else { i + 1 };
                let next_j = if star_b { j } else { j + 1 };
                todo.push((next_i, next_j));
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden() -> Vec<String> {
        [
            ".env",
            ".env.*",
            "*.pem",
            "credentials.json",
            ".git",
            "id_rsa",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    #[test]
    fn copy_sources_that_could_name_a_secret_file_are_found() {
        let patterns = forbidden();
        for (source, pattern) in [
            ("config/.env", ".env"),
            (".env.production", ".env.*"),
            ("certs/server.pem", "*.pem"),
            (".git/", ".git"),
            ("credentials.jso?", "credentials.json"),
            ("[.]env", ".env"),
            ("\\.env", ".env"),
            ("conf/x.p[a-z]m", "*.pem"),
            ("[^a]env", ".env"),
            ("id_[r]sa", "id_rsa"),
            ("./x/./*.env", ".env"),
            ("keys/*.pem", "*.pem"),
        ] {
            assert_eq!(
                forbidden_in_copy_source(source, &patterns),
                Some(pattern),
                "{source}"
            );
        }
        for source in [
            "src/environment.py",
            "requirements.txt",
            "[a-z]env",
            "credentials.yaml",
            "*.py",
            "id_rsa.pub",
            "[^.]env",
            // Wildcards that could reach a secret file without naming one: like a
            // directory copy, the generated ignore file keeps those out.
            "*",
            "?*",
            "src/*.js",
            ".e*",
        ] {
            assert_eq!(
                forbidden_in_copy_source(source, &patterns),
                None,
                "{source}"
            );
        }
    }

    #[test]
    fn forbidden_patterns_match_file_names() {
        assert!(file_pattern_matches(".env.*", ".env.local"));
        assert!(file_pattern_matches("*.key", "server.key"));
        assert!(!file_pattern_matches("*.key", "server.keys"));
        assert!(file_pattern_matches(".npmrc", ".npmrc"));
    }
}
