//! A rough reading of shell scripts for the best-effort rules (APT tampering,
//! setuid, secrets written to disk, package managers). It splits a script into
//! simple commands and words the way a reader would, without expansions; a
//! script that hides what it does (`eval`, `$'\x2f'`, a downloaded script) is not
//! understood, which docs/security.md says.

use crate::check::types::Command;
use std::borrow::Cow;

/// One simple command: its words (quotes removed) and its output redirections.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct SimpleCommand {
    pub words: Vec<String>,
    /// Targets of `>`, `>>`, `>|`, `&>` (with the redirection's file descriptor
    /// ignored).
    pub writes: Vec<String>,
}

impl SimpleCommand {
    /// The program, without its directory (`/usr/bin/chmod` → `chmod`), after
    /// `sudo`, `env`, `command`, `exec` and `VAR=value` prefixes.
    pub fn program(&self) -> Option<&str> {
        self.args_from_program().first().map(|w| program_name(w))
    }

    /// The words from the program on.
    pub fn args_from_program(&self) -> &[String] {
        let mut i = 0;
        while let Some(word) = self.words.get(i) {
            let name = program_name(word);
            let assignment = word.contains('=')
                && word.split('=').next().is_some_and(|n| {
                    !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                });
            if assignment || matches!(name, "sudo" | "env" | "command" | "exec" | "nohup" | "time")
            {
                i += 1;
            } else {
                break;
            }
        }
        self.words.get(i..).unwrap_or(&[])
    }
}

fn program_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// The text of a command: a shell script, or the words of an exec form (read as
/// one command, or as a script when it runs `sh -c SCRIPT`). Borrowed unless
/// the words of an exec form are joined: every string of every variant is
/// scanned, most commands are scripts.
pub(crate) fn script_text(command: &Command) -> Cow<'_, str> {
    match command {
        Command::Shell(s) => Cow::Borrowed(s),
        Command::Exec(args) => {
            let shell = args.first().map(|a| program_name(a));
            match (shell, args.get(1).map(String::as_str), args.last()) {
                (Some("sh" | "bash" | "dash" | "ash"), Some(_), Some(script))
                    if args
                        .iter()
                        .any(|a| a == "-c" || (a.starts_with('-') && a.ends_with('c'))) =>
                {
                    Cow::Borrowed(script)
                }
                _ => Cow::Owned(args.join(" ")),
            }
        }
    }
}

/// Splits a script into simple commands.
pub(crate) fn commands(script: &str) -> Vec<SimpleCommand> {
    let mut out = Vec::new();
    let mut current = SimpleCommand::default();
    let mut word = String::new();
    let mut in_word = false;
    let mut pending_redirect = false;
    let chars: Vec<char> = script.chars().collect();
    let mut i = 0;
    let finish_word = |current: &mut SimpleCommand,
                       word: &mut String,
                       in_word: &mut bool,
                       redirect: &mut bool| {
        if *in_word {
            if *redirect {
                current.writes.push(std::mem::take(word));
                *redirect = false;
            } else {
                current.words.push(std::mem::take(word));
            }
            *in_word = false;
        }
    };
    while let Some(&c) = chars.get(i) {
        match c {
            '\'' => {
                in_word = true;
                i += 1;
                while let Some(&q) = chars.get(i) {
                    i += 1;
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
                continue;
            }
            '"' => {
                in_word = true;
                i += 1;
                while let Some(&q) = chars.get(i) {
                    i += 1;
                    match q {
                        '"' => break,
                        '\\' => {
                            if let Some(&next) = chars.get(i) {
                                word.push(next);
                                i += 1;
                            }
                        }
                        q => word.push(q),
                    }
                }
                continue;
            }
            '\\' => {
                if let Some(&next) = chars.get(i + 1) {
                    if next != '\n' {
                        word.push(next);
                        in_word = true;
                    }
                }
                i += 2;
                continue;
            }
            '>' => {
                finish_word(&mut current, &mut word, &mut in_word, &mut pending_redirect);
                // `2>`: the descriptor was read as a word; drop it.
                if current
                    .words
                    .last()
                    .is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()))
                    && chars
                        .get(i.wrapping_sub(1))
                        .is_some_and(|p| p.is_ascii_digit())
                {
                    current.words.pop();
                }
                while matches!(chars.get(i + 1), Some('>' | '|')) {
                    i += 1;
                }
                if chars.get(i + 1) == Some(&'&') {
                    // `>&2`: a descriptor, not a file.
                    i += 2;
                    while chars
                        .get(i)
                        .is_some_and(|c| c.is_ascii_digit() || *c == '-')
                    {
                        i += 1;
                    }
                    continue;
                }
                pending_redirect = true;
            }
            '&' if chars.get(i + 1) == Some(&'>') => {
                finish_word(&mut current, &mut word, &mut in_word, &mut pending_redirect);
                i += 1;
                while matches!(chars.get(i + 1), Some('>')) {
                    i += 1;
                }
                pending_redirect = true;
            }
            ';' | '&' | '|' | '\n' | '(' | ')' | '`' => {
                finish_word(&mut current, &mut word, &mut in_word, &mut pending_redirect);
                pending_redirect = false;
                if !current.words.is_empty() || !current.writes.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            '<' => {
                finish_word(&mut current, &mut word, &mut in_word, &mut pending_redirect);
            }
            c if c.is_whitespace() => {
                finish_word(&mut current, &mut word, &mut in_word, &mut pending_redirect);
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
        i += 1;
    }
    finish_word(&mut current, &mut word, &mut in_word, &mut pending_redirect);
    if !current.words.is_empty() || !current.writes.is_empty() {
        out.push(current);
    }
    out
}

/// A path as a reader would compare it: `//` collapsed, `.` and `..` resolved
/// against `cwd` (the directory the last `cd` went to, if known).
pub(crate) fn normalise(path: &str, cwd: Option<&str>) -> String {
    match (path.starts_with('/'), cwd) {
        (false, Some(dir)) => crate::lower::resolve_dots(&format!("{dir}/{path}")),
        _ => super::path::resolved(path).into_owned(),
    }
}

/// A script read once for every rule that looks into it: its simple commands and
/// its path-like words (see [`paths`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Script {
    pub commands: Vec<SimpleCommand>,
    /// Path-like words, normalised, and whether each is written to.
    pub paths: Vec<(String, bool)>,
}

impl Script {
    pub fn read(text: &str) -> Script {
        let commands = commands(text);
        let paths = paths(&commands);
        Script { commands, paths }
    }
}

/// A script's text, interned so that a script is read once per database: the
/// stdlib presets' run steps recur in every manifest that uses them (see
/// `script_findings.rs`).
#[salsa::interned(debug)]
pub(crate) struct ScriptText<'db> {
    #[returns(ref)]
    pub text: String,
}

/// Every path-like word of a script, normalised against the directory of the
/// last `cd` before it (so `cd /etc/apt && echo x > sources.list.d/y` is seen as
/// writing `/etc/apt/sources.list.d/y`).
fn paths(commands: &[SimpleCommand]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut cwd: Option<String> = None;
    for command in commands {
        if command.program() == Some("cd") {
            if let Some(dir) = command.args_from_program().get(1) {
                cwd = Some(normalise(dir, cwd.as_deref()));
            }
            continue;
        }
        for word in command.args_from_program() {
            // Options may carry a path after `=`: `--output=/etc/apt/x`.
            let value = word.rsplit_once('=').map_or(word.as_str(), |(_, v)| v);
            let looks_like_path = (value.contains('/') || value.contains('.'))
                && !value.contains(char::is_whitespace)
                && !value.contains("://");
            if looks_like_path {
                out.push((normalise(value, cwd.as_deref()), false));
            }
        }
        for target in &command.writes {
            out.push((normalise(target, cwd.as_deref()), true));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_split_into_commands_words_and_writes() {
        let cmds = commands("cd /etc/apt && echo 'deb x' > sources.list.d/x.list; FOO=1 sudo /bin/chmod u+s /x 2>/dev/null | tee -a y");
        assert_eq!(cmds.len(), 4, "{cmds:#?}");
        assert_eq!(cmds[1].writes, vec!["sources.list.d/x.list".to_string()]);
        assert_eq!(cmds[2].program(), Some("chmod"));
        assert_eq!(cmds[2].writes, vec!["/dev/null".to_string()]);
        assert_eq!(cmds[3].program(), Some("tee"));
        let found = Script::read(
            "cd /etc/apt && echo 'deb x' > sources.list.d/x.list && cp k /etc/apt//trusted.gpg.d/",
        )
        .paths;
        assert!(
            found.contains(&("/etc/apt/sources.list.d/x.list".into(), true)),
            "{found:?}"
        );
        assert!(
            found.contains(&("/etc/apt/trusted.gpg.d".into(), false)),
            "{found:?}"
        );
    }

    #[test]
    fn exec_forms_that_run_a_shell_are_read_as_scripts() {
        let exec = Command::Exec(vec!["/bin/sh".into(), "-c".into(), "chmod u+s /x".into()]);
        assert_eq!(script_text(&exec), "chmod u+s /x");
        let plain = Command::Exec(vec!["chmod".into(), "4755".into(), "/x".into()]);
        assert_eq!(script_text(&plain), "chmod 4755 /x");
    }
}
