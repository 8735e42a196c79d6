//! The only strings the Dockerfile IR holds: one type per position an emitted
//! value can take, each constructible only through its checking function (the
//! fields are private to this module). The emitter therefore cannot write an
//! unchecked string, and a value that would change the Dockerfile's structure is
//! refused where it is lowered (WB2014), never altered.
//!
//! | type        | where it goes                                  | what it may hold |
//! |-------------|------------------------------------------------|------------------|
//! | [`Flag`]    | `--mount=…`, `--chmod=`, `--from=` values       | `[A-Za-z0-9._/+:@-]` only: BuildKit's flag parser splits on any byte it takes for a space (`\v`, 0x85 and 0xA0 inside UTF-8) |
//! | [`StageName`] | `FROM … AS name`, `--from=name`              | `[a-z][a-z0-9_.-]*` (BuildKit's rule) |
//! | [`VarName`] | `ENV`/`ARG` names                               | `[A-Za-z_][A-Za-z0-9_]*` |
//! | [`LabelKey`] | `LABEL` keys                                   | reverse-DNS `[A-Za-z0-9][A-Za-z0-9._/:-]*` |
//! | [`LineText`] | double-quoted words (`ENV`, `ARG`, `LABEL` values, `WORKDIR`) | no line break, NUL or other control character but tab |
//! | [`JsonText`] | JSON arrays (exec form, `COPY`, `VOLUME`)      | anything but NUL |
//! | [`ShellLine`] | shell-form `RUN`                              | one line the parser keeps verbatim (see [`ShellLine::new`]) |
//! | [`Comment`] | the header comment                              | anything; control characters shown as `?` |

use std::fmt;

/// Why a value cannot go where it was meant to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// What the value contains, e.g. "a line break (U+000A)".
    pub found: String,
    /// What the position accepts.
    pub accepts: &'static str,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "it contains {}; {}", self.found, self.accepts)
    }
}

fn describe(c: char) -> String {
    let name = match c {
        '\n' => "a line break",
        '\r' => "a carriage return",
        '\0' => "a NUL byte",
        '\t' => "a tab",
        '\u{b}' => "a vertical tab",
        '\u{c}' => "a form feed",
        '\u{1b}' => "an escape character",
        '\u{85}' => "a next-line character",
        '\u{a0}' => "a no-break space",
        '\u{2028}' => "a line separator",
        '\u{2029}' => "a paragraph separator",
        ' ' => "a space",
        c if c.is_control() => "a control character",
        c if !c.is_ascii() => "a non-ASCII character",
        _ => "the character",
    };
    format!("{name} ({})", codepoint(c))
}

fn codepoint(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("`{c}`")
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// The first character `ok` rejects, as a refusal.
fn check(text: &str, accepts: &'static str, ok: impl Fn(char) -> bool) -> Result<(), Refusal> {
    match text.chars().find(|&c| !ok(c)) {
        Some(c) => Err(Refusal {
            found: describe(c),
            accepts,
        }),
        None => Ok(()),
    }
}

fn nonempty(text: &str, accepts: &'static str) -> Result<(), Refusal> {
    if text.is_empty() {
        Err(Refusal {
            found: "nothing".into(),
            accepts,
        })
    } else {
        Ok(())
    }
}

macro_rules! value_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

value_type!(
    /// A flag value: `--mount=type=cache,target=VALUE`, `--chmod=VALUE`.
    Flag
);
value_type!(
    /// A stage name.
    StageName
);
value_type!(
    /// An `ENV` or `ARG` variable name.
    VarName
);
value_type!(
    /// A `LABEL` key.
    LabelKey
);
value_type!(
    /// A double-quoted word on one line.
    LineText
);
value_type!(
    /// One element of a JSON array.
    JsonText
);
value_type!(
    /// A shell-form script on one Dockerfile line.
    ShellLine
);
value_type!(
    /// The text of a comment line.
    Comment
);

impl Flag {
    pub const ACCEPTS: &'static str =
        "an instruction flag takes only ASCII letters, digits and `._/+:@-`";

    pub fn new(text: &str) -> Result<Flag, Refusal> {
        nonempty(text, Self::ACCEPTS)?;
        check(text, Self::ACCEPTS, |c| {
            c.is_ascii_alphanumeric() || "._/+:@-".contains(c)
        })?;
        Ok(Flag(text.to_string()))
    }
}

impl StageName {
    pub const ACCEPTS: &'static str =
        "a stage name starts with a lowercase letter, then lowercase letters, digits, `_`, `.` or `-`";

    pub fn new(text: &str) -> Result<StageName, Refusal> {
        nonempty(text, Self::ACCEPTS)?;
        if let Some(first) = text.chars().next().filter(|c| !c.is_ascii_lowercase()) {
            return Err(Refusal {
                found: format!("{} at the start", describe(first)),
                accepts: Self::ACCEPTS,
            });
        }
        check(text, Self::ACCEPTS, |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c)
        })?;
        Ok(StageName(text.to_string()))
    }
}

impl VarName {
    pub const ACCEPTS: &'static str = "a variable name is [A-Za-z_][A-Za-z0-9_]*";

    pub fn new(text: &str) -> Result<VarName, Refusal> {
        nonempty(text, Self::ACCEPTS)?;
        if text.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(Refusal {
                found: "a digit at the start".into(),
                accepts: Self::ACCEPTS,
            });
        }
        check(text, Self::ACCEPTS, |c| {
            c.is_ascii_alphanumeric() || c == '_'
        })?;
        Ok(VarName(text.to_string()))
    }
}

impl LabelKey {
    pub const ACCEPTS: &'static str = "label keys are reverse-DNS names: letters, digits, `.`, `-`, `_`, `/` and `:`, starting with a letter or digit";

    pub fn new(text: &str) -> Result<LabelKey, Refusal> {
        nonempty(text, Self::ACCEPTS)?;
        if !text.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(Refusal {
                found: "a first character that is not a letter or digit".into(),
                accepts: Self::ACCEPTS,
            });
        }
        check(text, Self::ACCEPTS, |c| {
            c.is_ascii_alphanumeric() || "._-/:".contains(c)
        })?;
        Ok(LabelKey(text.to_string()))
    }
}

/// Control characters other than tab: line breaks of every kind (a Dockerfile
/// line ends at `\n`; `\r`, U+0085, U+2028 and U+2029 end lines for other
/// readers of the file), NUL, escape sequences.
fn is_line_char(c: char) -> bool {
    c == '\t' || !(c.is_control() || c == '\u{2028}' || c == '\u{2029}')
}

impl LineText {
    pub const ACCEPTS: &'static str =
        "a value on one Dockerfile line cannot hold line breaks or control characters other than tab";

    pub fn new(text: &str) -> Result<LineText, Refusal> {
        check(text, Self::ACCEPTS, is_line_char)?;
        Ok(LineText(text.to_string()))
    }
}

impl JsonText {
    pub const ACCEPTS: &'static str = "no Dockerfile position can hold a NUL byte";

    pub fn new(text: &str) -> Result<JsonText, Refusal> {
        check(text, Self::ACCEPTS, |c| c != '\0')?;
        Ok(JsonText(text.to_string()))
    }
}

impl ShellLine {
    pub const ACCEPTS: &'static str =
        "a shell-form command is one line that the Dockerfile parser keeps as written";

    /// A script the Dockerfile parser passes to the shell exactly as written: one
    /// line of characters [`LineText`] accepts, without surrounding whitespace, a
    /// trailing `\` (continuation), a leading `[` (JSON form), `#` (comment) or
    /// `--` (a flag), and without `<<` (a heredoc). Anything else is run through
    /// the exec form instead, which carries every string but NUL.
    pub fn new(text: &str) -> Result<ShellLine, Refusal> {
        nonempty(text, Self::ACCEPTS)?;
        check(text, Self::ACCEPTS, is_line_char)?;
        let refuse = |found: &str| {
            Err(Refusal {
                found: found.into(),
                accepts: Self::ACCEPTS,
            })
        };
        if text.trim() != text {
            return refuse("whitespace at the start or end");
        }
        if text.ends_with('\\') {
            return refuse("a trailing `\\`");
        }
        if text.starts_with('[') || text.starts_with('#') || text.starts_with("--") {
            return refuse("a start the parser reads as JSON, a comment or a flag");
        }
        if text.contains("<<") {
            return refuse("`<<`, which starts a heredoc");
        }
        Ok(ShellLine(text.to_string()))
    }
}

impl Comment {
    /// Any text, with control characters shown as `?` (a comment is not data).
    pub fn lossy(text: &str) -> Comment {
        Comment(
            text.chars()
                .map(|c| if is_line_char(c) && c != '\t' { c } else { '?' })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_refuses_what_its_position_cannot_carry() {
        for bad in [
            "/c\u{e0}cat",
            "/a b",
            "/a,b",
            "/a=b",
            "/a\u{b}b",
            "",
            "/a\"b",
            "/a$b",
        ] {
            assert!(Flag::new(bad).is_err(), "{bad:?}");
        }
        assert!(Flag::new("/root/.cache/pip").is_ok());
        assert!(StageName::new("_build").is_err());
        assert!(StageName::new("build2").is_ok());
        assert!(VarName::new("1A").is_err());
        for bad in [
            "a\nb",
            "a\rb",
            "a\u{85}b",
            "a\u{2028}b",
            "a\u{1b}[31m",
            "a\0",
        ] {
            assert!(LineText::new(bad).is_err(), "{bad:?}");
        }
        assert!(LineText::new("é\t$x \"y\"").is_ok());
        assert!(JsonText::new("a\nb").is_ok() && JsonText::new("a\0").is_err());
        for bad in [
            "echo \\",
            " echo",
            "[\"x\"]",
            "--x",
            "cat <<EOF",
            "a\u{b}b",
            "a\u{85}b",
        ] {
            assert!(ShellLine::new(bad).is_err(), "{bad:?}");
        }
        assert!(ShellLine::new("apt-get update && echo ok").is_ok());
        assert_eq!(Comment::lossy("a\nb\u{1b}").as_str(), "a?b?");
        let why = Flag::new("/c\u{e0}")
            .err()
            .map(|r| r.to_string())
            .unwrap_or_default();
        assert!(why.contains("U+00E0"), "{why}");
    }
}
