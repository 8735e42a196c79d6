//! `wbuildc completions` and `wbuildc man`, checked with the real tools: bash
//! parses the script and its completion function completes subcommands and
//! values; groff and man render every page without a warning, and every
//! subcommand `--help` lists has its page. (bash, groff and man-db:
//! scripts/setup-test-env.sh.)

use crate::support::{repo, wbuildc_at};
use std::process::{Command, Output};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn wbuildc(args: &[&str]) -> Output {
    wbuildc_at(&repo(), args)
}

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env("LC_ALL", "C.UTF-8")
        .env("MANWIDTH", "80")
        .output()
        .unwrap_or_else(|e| panic!("run {program} (scripts/setup-test-env.sh installs it): {e}"))
}

#[test]
fn the_bash_script_is_valid_bash_and_completes_subcommands_and_values() {
    let out = wbuildc(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let script = dir.path().join("wbuildc.bash");
    std::fs::write(&script, &out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let script = script.to_str().unwrap_or_default();
    let syntax = run("bash", &["-n", script]);
    assert_eq!(syntax.status.code(), Some(0), "{}", text(&syntax.stderr));

    // What bash's programmable completion does on <TAB>: COMP_WORDS and
    // COMP_CWORD set, the function called with the command, the word and the
    // previous word; the candidates are in COMPREPLY.
    let complete = |words: &[&str]| -> Vec<String> {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let cword = words.len() - 1;
        let current = words.last().copied().unwrap_or("");
        let previous = words.get(cword.saturating_sub(1)).copied().unwrap_or("");
        let program = format!(
            "source '{script}' && COMP_WORDS=({}) && COMP_CWORD={cword} && \
             COMP_LINE='{}' && COMP_POINT=${{#COMP_LINE}} && \
             _wbuildc wbuildc '{current}' '{previous}' && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            quoted.join(" "),
            words.join(" "),
        );
        let out = run("bash", &["-c", &program]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{words:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout).lines().map(str::to_string).collect()
    };
    assert_eq!(complete(&["wbuildc", "in"]), ["init"]);
    let all = complete(&["wbuildc", ""]);
    for sub in ["check", "compile", "fmt", "init", "completions", "man"] {
        assert!(all.iter().any(|c| c == sub), "{sub}: {all:?}");
    }
    assert_eq!(
        complete(&["wbuildc", "init", "--language", ""]),
        ["python", "node", "php", "java", "go"]
    );
    assert_eq!(
        complete(&["wbuildc", "completions", "z"]),
        ["zsh"],
        "the shells themselves"
    );
}

#[test]
fn every_shell_gets_a_script_for_wbuildc() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = wbuildc(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(
            script.contains("wbuildc") && script.contains("init") && script.contains("language"),
            "{shell}: {} bytes without wbuildc, init or --language",
            script.len()
        );
    }
    let out = wbuildc(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

/// The subcommands `wbuildc [SUB...] --help` lists (clap's `Commands:`
/// section), with their parents: `["check"]`, `["policy", "explain"]`, ...
fn subcommands(parent: &[&str]) -> Vec<Vec<String>> {
    let mut args: Vec<&str> = parent.to_vec();
    args.push("--help");
    let help = text(&wbuildc(&args).stdout);
    let mut out = Vec::new();
    for line in help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
    {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        if name == "help" {
            continue;
        }
        let mut path: Vec<String> = parent.iter().map(|s| s.to_string()).collect();
        path.push(name.to_string());
        let refs: Vec<&str> = path.iter().map(String::as_str).collect();
        let nested = subcommands(&refs);
        out.push(path);
        out.extend(nested);
    }
    out
}

#[test]
fn every_subcommand_has_a_man_page_that_renders_without_warnings() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let pages = dir.path().join("man1");
    let out = wbuildc(&["man", "--out", pages.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let mut expected = vec!["wbuildc.1".to_string()];
    for path in subcommands(&[]) {
        expected.push(format!("wbuildc-{}.1", path.join("-")));
    }
    expected.sort();
    assert!(expected.len() > 15, "{expected:?}");
    let mut written: Vec<String> = std::fs::read_dir(&pages)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, expected, "one page per subcommand");

    for page in &written {
        let file = pages.join(page);
        let file = file.to_str().unwrap_or_default();
        // -k: the pages are UTF-8 (preconv); -ww: every warning.
        let groff = run("groff", &["-k", "-man", "-Tutf8", "-ww", "-z", file]);
        assert!(
            groff.status.success() && groff.stderr.is_empty(),
            "{page}: {}",
            text(&groff.stderr)
        );
        let man = run("man", &["--warnings", "-l", file]);
        assert!(
            man.status.success() && man.stderr.is_empty(),
            "{page}: {}",
            text(&man.stderr)
        );
        let shown = text(&man.stdout);
        let title = page.trim_end_matches(".1");
        assert!(
            shown.contains("NAME") && shown.contains("SYNOPSIS") && shown.contains(title),
            "{page}:\n{shown}"
        );
    }

    // Without --out: the top page on standard output.
    let out = wbuildc(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let top = text(&out.stdout);
    assert!(
        top.starts_with(".ie") || top.contains(".TH wbuildc 1"),
        "{top}"
    );
    assert!(
        top.contains("wbuildc\\-init(1)"),
        "the top page names the subcommands' pages:\n{top}"
    );
}
