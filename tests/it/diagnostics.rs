//! One fixture per diagnostic (tests/fixtures/diagnostics): the snapshot shows the
//! source, the rendered diagnostics and, when the header names a variant, the
//! Dockerfile. The header's `expect:` line lists the codes that must appear
//! (exactly), so rewording a message changes only the snapshot.
//!
//! Fixture header: `# expect: WB2001 WB3003` (or `ok`), optional `# variant: NAME`,
//! `# release: true` (release mode), `# policy: PATH` (the organisation's policy
//! over the default), `# stdlib: NAME PATH` (that stdlib module replaced by the
//! file, as an organisation's `--stdlib` does), `# context: a.txt dir/ dir/b.txt` (the build context's
//! entries, probed as a driver probes the file system), `# repository-policy: PATH` (a repository's policy file, which
//! may only tighten), `# repository-config: PATH` (a repository's wbuild.toml). A
//! directory fixture holds several files; its root is `main.wbuild`.
//!
//! `tests/fixtures/policy/` runs under the default policy. `tests/fixtures/diagnostics/`
//! runs under `tests/fixtures/language-policy.toml`, which allows root, so that each
//! language fixture shows its own diagnostic and not the root-user rule as well.

use crate::dfcheck;
use crate::support::{apply_fix, codes, describe_fixes, header, load, wbuild_files};
use wbuild::Compiler;

/// The root file of every fixture (a single file, or `dir/main.wbuild`).
pub fn fixtures() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["tests/fixtures/diagnostics", "tests/fixtures/policy"] {
        out.extend(wbuild_files(dir).into_iter().filter(|f| {
            let rest = f.trim_start_matches(dir).trim_start_matches('/');
            !rest.contains('/') || rest.ends_with("/main.wbuild")
        }));
    }
    out
}

/// Applies the fixture's policy and release headers: `policy:` (the
/// organisation's layer), `repository-policy:` (a repository's
/// wbuild-policy.toml, which may only tighten), `repository-config:` (a
/// repository's wbuild.toml).
fn configure(compiler: &mut Compiler, path: &str, source: &str) -> Vec<wbuild::Diagnostic> {
    let policy = header(source, "policy").or_else(|| {
        path.starts_with("tests/fixtures/diagnostics/")
            .then(|| "tests/fixtures/language-policy.toml".to_string())
    });
    compiler.set_release(header(source, "release").as_deref() == Some("true"));
    let read = |p: &str| {
        std::fs::read_to_string(crate::support::repo().join(p))
            .unwrap_or_else(|e| panic!("{p}: {e}"))
    };
    let mut files = Vec::new();
    for (key, layer) in [
        ("policy", wbuild::config::Layer::Organisation),
        ("repository-policy", wbuild::config::Layer::Repository),
    ] {
        let path = if key == "policy" {
            policy.clone()
        } else {
            header(source, key)
        };
        if let Some(p) = path {
            files.push(wbuild::PolicyFile {
                layer,
                text: read(&p),
                path: p,
            });
        }
    }
    let mut problems = if files.is_empty() {
        Vec::new()
    } else {
        compiler.set_policy(&files)
    };
    if let Some(p) = header(source, "repository-config") {
        problems.extend(compiler.check_repository_config(&p, &read(&p)));
    }
    problems
}

/// The embedded stdlib, with the module the header `# stdlib: NAME PATH` names
/// replaced by that file (an organisation's stdlib, as `--stdlib` gives it).
fn stdlib_of(source: &str) -> Compiler {
    let mut compiler = Compiler::new();
    if let Some(spec) = header(source, "stdlib") {
        let (name, path) = spec
            .split_once(' ')
            .unwrap_or_else(|| panic!("stdlib: {spec}"));
        let text = std::fs::read_to_string(crate::support::repo().join(path.trim()))
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        compiler.add_stdlib_module(name, text);
    }
    compiler
}

/// The context check with the fixture's listing for a file system: what a driver
/// finds for each copied path (a file, a directory, or missing with the entries of
/// its directory).
pub fn in_context(
    compiler: &Compiler,
    file: wbuild::SourceFile,
    listing: &str,
) -> Vec<wbuild::Diagnostic> {
    use wbuild::analysis::context::Probe;
    let entries: Vec<&str> = listing.split_whitespace().collect();
    let probes: Vec<_> = compiler
        .copied_paths(file)
        .into_iter()
        .map(|copied| {
            let path = copied.path.trim_end_matches('/');
            let probe = if entries.contains(&path) {
                Probe::File
            } else if entries.iter().any(|e| e.starts_with(&format!("{path}/"))) {
                Probe::Directory
            } else {
                let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
                let nearby = entries
                    .iter()
                    .filter(|e| {
                        let e = e.trim_end_matches('/');
                        e.rsplit_once('/').map_or("", |(d, _)| d) == dir
                    })
                    .map(|e| e.to_string())
                    .collect();
                Probe::Missing { nearby }
            };
            (copied, probe)
        })
        .collect();
    compiler.missing_in_context(file, &probes)
}

/// Every fix is applied on its own and the fixture checked again: the diagnostic
/// it fixes must be gone (one fewer with its code and message), and no new error
/// may appear.
fn fixes_that_do_not_fix(path: &str, source: &str, fixed: &[wbuild::Diagnostic]) -> Vec<String> {
    let check = |text: &str| {
        let mut compiler = stdlib_of(source);
        let file = compiler
            .load(path, |p, _| {
                if p == path {
                    Ok(text.as_bytes().to_vec())
                } else {
                    std::fs::read(crate::support::repo().join(p))
                        .map_err(|_| wbuild::ReadFailure::Missing)
                }
            })
            .unwrap_or_else(|e| panic!("cannot read {path}: {e:?}"));
        let mut all = configure(&mut compiler, path, source);
        all.extend(compiler.check(file));
        if let Some(listing) = header(source, "context") {
            all.extend(in_context(&compiler, file, &listing));
        }
        all
    };
    let before = check(source);
    let same = |list: &[wbuild::Diagnostic], d: &wbuild::Diagnostic| {
        list.iter()
            .filter(|e| e.code == d.code && e.message == d.message)
            .count()
    };
    let errors = |list: &[wbuild::Diagnostic]| list.iter().filter(|d| d.is_error()).count();
    let mut bad = Vec::new();
    for d in fixed {
        let Some(fix) = &d.fix else { continue };
        let text = apply_fix(source, fix);
        let after = check(&text);
        if same(&after, d) >= same(&before, d) || errors(&after) > errors(&before) {
            bad.push(format!(
                "{path}: the fix `{}` of `{}` does not fix it:\n{text}",
                fix.title, d.message
            ));
        }
    }
    bad
}

#[test]
fn every_fixture_matches_its_expectation_and_snapshot() {
    let mut dockerfiles = Vec::new();
    let mut failures = Vec::new();
    let mut bad_fixes = Vec::new();
    for path in fixtures() {
        let source = String::from_utf8_lossy(
            &std::fs::read(crate::support::repo().join(&path)).unwrap_or_default(),
        )
        .into_owned();
        let mut compiler = stdlib_of(&source);
        let file = load(&mut compiler, &path);
        let policy_problems = configure(&mut compiler, &path, &source);
        let diagnostics = if policy_problems.iter().any(wbuild::Diagnostic::is_error) {
            policy_problems
        } else {
            let mut all = policy_problems;
            all.extend(compiler.check(file));
            if let Some(listing) = header(&source, "context") {
                all.extend(in_context(&compiler, file, &listing));
            }
            all
        };
        let mut snapshot = format!(
            "--- SOURCE {path}\n{source}\n--- DIAGNOSTICS\n{}",
            compiler.render(&diagnostics, false)
        );
        let own: Vec<wbuild::Diagnostic> = diagnostics
            .iter()
            .filter(|d| {
                d.fix
                    .as_ref()
                    .is_some_and(|f| f.edits.iter().all(|e| e.file == file.id(compiler.db())))
            })
            .cloned()
            .collect();
        if !own.is_empty() {
            snapshot.push_str(&format!("--- FIXES\n{}", describe_fixes(&source, &own)));
        }
        bad_fixes.extend(fixes_that_do_not_fix(&path, &source, &own));
        let mut found = codes(&diagnostics);
        if let Some(variant) = header(&source, "variant") {
            match compiler.compile(file, &variant) {
                Ok(dockerfile) => {
                    snapshot.push_str(&format!("--- DOCKERFILE (variant {variant})\n{dockerfile}"));
                    dockerfiles.push((path.clone(), dockerfile));
                }
                Err(errors) => {
                    // Only what compiling adds beyond `check` is shown again.
                    let extra: Vec<_> = errors
                        .into_iter()
                        .filter(|e| !diagnostics.contains(e))
                        .collect();
                    found.extend(codes(&extra));
                    found.sort();
                    found.dedup();
                    snapshot.push_str(&format!(
                        "--- COMPILE FAILED (variant {variant})\n{}",
                        compiler.render(&extra, false)
                    ));
                }
            }
        }
        let expected: Vec<String> = match header(&source, "expect").as_deref() {
            Some("ok") | None => Vec::new(),
            Some(list) => {
                let mut v: Vec<String> = list.split_whitespace().map(str::to_string).collect();
                v.sort();
                v
            }
        };
        if found != expected {
            failures.push(format!(
                "{path}: expected {expected:?}, found {found:?}\n{}",
                compiler.render(&diagnostics, false)
            ));
        }
        let name = path
            .trim_start_matches("tests/fixtures/")
            .trim_start_matches("diagnostics/")
            .trim_end_matches(".wbuild")
            .replace('/', "__");
        insta::with_settings!({ snapshot_path => "snapshots/diagnostics", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
    assert!(
        failures.is_empty(),
        "fixture expectations not met:\n{}",
        failures.join("\n")
    );
    assert!(bad_fixes.is_empty(), "{}", bad_fixes.join("\n\n"));

    // Every Dockerfile a fixture compiles to is read by BuildKit's parser and linted.
    let texts: Vec<String> = dockerfiles.iter().map(|(_, d)| d.clone()).collect();
    for ((path, text), report) in dockerfiles.iter().zip(dfcheck::check_many(&texts)) {
        dfcheck::assert_clean(path, text, &report);
    }
}

#[test]
fn one_broken_line_gives_one_error_and_the_rest_is_still_checked() {
    let mut compiler = Compiler::new();
    let file = compiler.add_file(
        "recover.wbuild",
        "image \"x\" {}\nvariant a {\n  base = \"registry.example.org/debian:bookworm\"\n  user = user(\"app\", 1000)\n  cmd = = [\"x\"]\n  entrypiont = [\"y\"]\n}\n",
    );
    let diagnostics = compiler.check(file);
    assert_eq!(
        codes(&diagnostics),
        vec!["WB0001", "WB2001"],
        "{}",
        compiler.render(&diagnostics, false)
    );
    assert_eq!(
        diagnostics
            .iter()
            .filter(|d| d.code.as_str() == "WB0001")
            .count(),
        1
    );
}

/// `extends module.preset` without arguments may leave out the parentheses
/// (docs/language.md, "Presets"): both spellings give the same Dockerfile.
#[test]
fn a_preset_without_arguments_needs_no_parentheses() {
    let source = |parent: &str| {
        format!(
            "import \"base\"\nimage \"svc\" {{}}\nvariant production extends {parent} {{\n  cmd = [\"true\"]\n}}\n"
        )
    };
    let compile = |text: String| {
        let mut compiler = Compiler::new();
        let file = compiler.add_file("svc.wbuild", &text);
        let diagnostics = compiler.check(file);
        assert!(
            diagnostics.is_empty(),
            "{}",
            compiler.render(&diagnostics, false)
        );
        compiler
            .compile(file, "production")
            .unwrap_or_else(|d| panic!("{}", compiler.render(&d, false)))
    };
    assert_eq!(
        compile(source("base.runtime")),
        compile(source("base.runtime()"))
    );
}
