//! `wbuildc init` on copies of the examples without their manifest: what it
//! writes checks cleanly (no diagnostic at all, `--deny-warnings`), is
//! formatted, and every variant compiles to a Dockerfile BuildKit's parser and
//! hadolint accept; plus detection, overwriting and `--language`.

use crate::dfcheck;
use crate::support::{repo, wbuildc_at};
use std::path::Path;
use std::process::Output;

const EXAMPLES: &[(&str, &str)] = &[
    ("python-web", "python"),
    ("node-service", "node"),
    ("php-app", "php"),
    ("java-service", "java"),
    ("go-service", "go"),
];

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn wbuildc(args: &[&str]) -> Output {
    wbuildc_at(&repo(), args)
}

fn copy_tree(from: &Path, to: &Path) {
    let mut todo = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((from, to)) = todo.pop() {
        std::fs::create_dir_all(&to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
        for entry in std::fs::read_dir(&from).into_iter().flatten().flatten() {
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                todo.push((entry.path(), target));
            } else {
                std::fs::copy(entry.path(), &target)
                    .unwrap_or_else(|e| panic!("{}: {e}", target.display()));
            }
        }
    }
}

/// A copy of the example (under a directory named as the example, so the image
/// name is the example's) without its service.wbuild.
fn example_without_manifest(example: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let copy = dir.path().join(example);
    copy_tree(&repo().join("examples").join(example), &copy);
    std::fs::remove_file(copy.join("service.wbuild")).unwrap_or_else(|e| panic!("{e}"));
    (dir, copy)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap_or_else(|| panic!("{p:?}"))
}

#[test]
fn init_writes_a_clean_formatted_manifest_for_every_example() {
    let mut compiled = Vec::new();
    for (example, language) in EXAMPLES {
        let (_tmp, dir) = example_without_manifest(example);
        let out = wbuildc(&["init", path(&dir)]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{example}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(&format!("({language})")),
            "{example}: {}",
            text(&out.stderr)
        );
        let manifest = dir.join("service.wbuild");
        let written = std::fs::read_to_string(&manifest).unwrap_or_else(|e| panic!("{e}"));
        insta::with_settings!({ snapshot_path => "snapshots/init", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(*example, written);
        });

        // No diagnostic at all: not an error, not a warning.
        let check = wbuildc(&["check", "--deny-warnings", path(&manifest)]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{example}: {}",
            text(&check.stderr)
        );
        assert_eq!(text(&check.stderr), "", "{example}: diagnostics");
        let fmt = wbuildc(&["fmt", "--check", path(&manifest)]);
        assert_eq!(
            fmt.status.code(),
            Some(0),
            "{example} is not formatted: {}",
            text(&fmt.stdout)
        );

        let variants = wbuildc(&["variants", path(&manifest)]);
        let variants = text(&variants.stdout);
        for required in ["build", "test", "production"] {
            assert!(
                variants.lines().any(|v| v == required),
                "{example} lacks `{required}`: {variants}"
            );
        }
        for variant in variants.lines() {
            let out = wbuildc(&["compile", path(&manifest), "--variant", variant]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{example} {variant}: {}",
                text(&out.stderr)
            );
            compiled.push((format!("{example} ({variant})"), text(&out.stdout)));
        }
    }
    let texts: Vec<String> = compiled.iter().map(|(_, d)| d.clone()).collect();
    for ((name, dockerfile), report) in compiled.iter().zip(dfcheck::check_many(&texts)) {
        dfcheck::assert_clean(name, dockerfile, &report);
    }
}

/// What init reads from the repository shows in what it writes.
#[test]
fn init_reads_the_repository() {
    let manifest = |example: &str| {
        let (_tmp, dir) = example_without_manifest(example);
        let out = wbuildc(&["init", "--stdout", path(&dir)]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(
            !dir.join("service.wbuild").exists(),
            "--stdout writes nothing"
        );
        text(&out.stdout)
    };
    let node = manifest("node-service");
    for expected in [
        "version = \"1.0.0\"",                 // package.json's version
        "cmd = [\"node\", \"src/server.js\"]", // its start script
        "cmd = [\"npm\", \"test\"]",           // its test script
        "variant deps extends node.app(dev = \"omit\")",
        "\"debian-first\"", // express is Debian's node-express
    ] {
        assert!(node.contains(expected), "{expected}:\n{node}");
    }
    let go = manifest("go-service");
    for expected in [
        "package = \"./cmd/server\"",
        "output = \"/out/server\"",
        "proxy = \"off\"", // go.mod requires nothing
        "(example.com/wbuild/go-service)",
    ] {
        assert!(go.contains(expected), "{expected}:\n{go}");
    }
    let java = manifest("java-service");
    for expected in [
        "jar = \"target/java-service.jar\"", // <finalName>
        "org.apache.commons:commons-lang3",
        "junit:junit (test)",
    ] {
        assert!(java.contains(expected), "{expected}:\n{java}");
    }
    let python = manifest("python-web");
    for expected in [
        "python.app(requirements = [\"requirements.txt\"])",
        "\"--requirement\", \"requirements-test.txt\"",
        "cmd = [\"gunicorn\", \"--config\", \"gunicorn.conf.py\", \"wsgi:app\"]",
        "python3-flask",
    ] {
        assert!(python.contains(expected), "{expected}:\n{python}");
    }
}

fn scratch(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (name, content) in files {
        let file = dir.path().join(name);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).unwrap_or_default();
        }
        std::fs::write(file, content).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

const GO_MOD: (&str, &str) = ("go.mod", "module example.com/x\n\ngo 1.19\n");
const MAIN_GO: (&str, &str) = ("main.go", "package main\n\nfunc main() {}\n");

#[test]
fn several_languages_or_none_are_usage_errors_until_language_chooses() {
    let both = scratch(&[
        ("package.json", "{}"),
        ("package-lock.json", "{}"),
        GO_MOD,
        MAIN_GO,
    ]);
    let dir = path(both.path());
    let out = wbuildc(&["init", dir]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("node (package.json), go (go.mod)")
            && stderr.contains("--language node|go"),
        "{stderr}"
    );
    assert!(!both.path().join("service.wbuild").exists());

    let out = wbuildc(&["init", "--language", "go", dir]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(both.path().join("service.wbuild")).unwrap_or_default();
    assert!(
        written.contains("import \"go\"") && written.contains("package = \".\""),
        "{written}"
    );
    let check = wbuildc(&["check", "--deny-warnings", &format!("{dir}/service.wbuild")]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));

    let empty = scratch(&[("README.md", "hello\n")]);
    let out = wbuildc(&["init", path(empty.path())]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    for marker in [
        "requirements.txt",
        "pyproject.toml",
        "package.json",
        "composer.json",
        "pom.xml",
        "go.mod",
    ] {
        assert!(stderr.contains(marker), "{marker}: {stderr}");
    }

    // A language whose files are not there is refused, not guessed.
    let out = wbuildc(&["init", "--language", "java", path(empty.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no pom.xml"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unknown_language_is_a_usage_error_listing_the_known_ones() {
    let dir = scratch(&[GO_MOD]);
    let out = wbuildc(&["init", "--language", "rust", path(dir.path())]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("'rust'") && stderr.contains("python, node, php, java, go"),
        "{stderr}"
    );
}

#[test]
fn init_refuses_to_overwrite_unless_forced() {
    let dir = scratch(&[GO_MOD, MAIN_GO]);
    let manifest = dir.path().join("service.wbuild");
    std::fs::write(&manifest, "# mine\n").unwrap_or_default();
    let out = wbuildc(&["init", path(dir.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&manifest).unwrap_or_default(),
        "# mine\n"
    );

    let out = wbuildc(&["init", "--force", path(dir.path())]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&manifest).unwrap_or_default();
    assert!(
        written.contains("variant production extends go.runtime("),
        "{written}"
    );

    // A link in its place is never followed, forced or not.
    let elsewhere = scratch(&[("target.wbuild", "# elsewhere\n")]);
    std::fs::remove_file(&manifest).unwrap_or_default();
    std::os::unix::fs::symlink(elsewhere.path().join("target.wbuild"), &manifest)
        .unwrap_or_else(|e| panic!("{e}"));
    for args in [vec!["init"], vec!["init", "--force"]] {
        let mut args = args;
        args.push(path(dir.path()));
        let out = wbuildc(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    assert_eq!(
        std::fs::read_to_string(elsewhere.path().join("target.wbuild")).unwrap_or_default(),
        "# elsewhere\n"
    );
}

#[test]
fn lock_files_are_required_where_the_presets_install_from_them() {
    let node = scratch(&[("package.json", "{\"name\": \"x\"}")]);
    let out = wbuildc(&["init", path(node.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("npm install"),
        "{}",
        text(&out.stderr)
    );
    let php = scratch(&[("composer.json", "{}")]);
    let out = wbuildc(&["init", path(php.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("composer.lock"),
        "{}",
        text(&out.stderr)
    );
}

/// pyproject.toml without requirement files: pip installs the project after its
/// sources, and its console script is the command.
#[test]
fn a_pyproject_only_service_installs_itself() {
    let dir = scratch(&[
        (
            "pyproject.toml",
            "[project]\nname = \"svc\"\nversion = \"2.0.0\"\n\n[project.scripts]\nsvc = \"svc:main\"\n",
        ),
        ("src/svc/__init__.py", ""),
        ("tests/test_svc.py", ""),
    ]);
    let out = wbuildc(&["init", path(dir.path())]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let manifest = dir.path().join("service.wbuild");
    let written = std::fs::read_to_string(&manifest).unwrap_or_default();
    for expected in [
        "version = \"2.0.0\"",
        "copy \"src/\" to \"src/\"",
        "run [\"pip\", \"install\", \"--no-cache-dir\", \".\"]",
        "cmd = [\"svc\"]",
        "cmd = [\"python\", \"-m\", \"unittest\", \"discover\", \"-v\"]",
    ] {
        assert!(written.contains(expected), "{expected}:\n{written}");
    }
    let check = wbuildc(&["check", "--deny-warnings", path(&manifest)]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
}

/// Go with requirements and go.sum, and two commands; Maven without finalName.
#[test]
fn go_modules_and_maven_coordinates_are_read() {
    let go = scratch(&[
        (
            "go.mod",
            "module example.com/svc\n\ngo 1.19\n\nrequire (\n\tgolang.org/x/text v0.14.0\n)\n",
        ),
        ("go.sum", "golang.org/x/text v0.14.0 h1:x\n"),
        ("cmd/api/main.go", "package main\n\nfunc main() {}\n"),
        ("cmd/worker/main.go", "package main\n\nfunc main() {}\n"),
        ("cmd/shared/util.go", "package shared\n"),
        ("pkg/x/x.go", "package x\n"),
    ]);
    let out = wbuildc(&["init", "--stdout", path(go.path())]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = text(&out.stdout);
    for expected in [
        "package = \"./cmd/api\"",
        "output = \"/out/api\"",
        "manifests = [\"go.mod\", \"go.sum\"]",
        "(worker)",
        "copy \"pkg/\" to \"pkg/\"",
    ] {
        assert!(written.contains(expected), "{expected}:\n{written}");
    }
    assert!(
        !written.contains("proxy"),
        "go.mod requires modules:\n{written}"
    );

    let java = scratch(&[
        (
            "pom.xml",
            "<project><modelVersion>4.0.0</modelVersion><groupId>g</groupId>\
             <artifactId>billing</artifactId><version>3.1.0</version></project>",
        ),
        ("src/main/java/Main.java", "class Main {}\n"),
    ]);
    let out = wbuildc(&["init", path(java.path())]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let manifest = java.path().join("service.wbuild");
    let written = std::fs::read_to_string(&manifest).unwrap_or_default();
    for expected in [
        "version = \"3.1.0\"",
        "jar = \"target/billing-3.1.0.jar\"",
        "pom.xml declares no dependencies",
        "no src/test/ directory was found",
    ] {
        assert!(written.contains(expected), "{expected}:\n{written}");
    }
    let check = wbuildc(&["check", "--deny-warnings", path(&manifest)]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
}
