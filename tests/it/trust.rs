//! The repository that CI builds is untrusted input (docs/security.md). One test
//! per way a repository was found to break out: each fails on the code before
//! the trust issue and passes after it. They run the real `wbuildc` on scratch
//! repositories (a directory with `.git`), with the organisation's configuration
//! given the way CI gives it, and a stand-in engine where a build is needed (a
//! script that records what it was asked to do; real builds are in tests/e2e).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A scratch directory holding a repository (`repo/`, with `.git`) and, beside
/// it, the organisation's configuration (`org/`) and anything "outside".
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("wbuild-trust-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("repo/.git")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(dir.join("org")).unwrap_or_else(|e| panic!("{e}"));
        Scratch { dir }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.join(relative)
    }

    fn write(&self, relative: &str, text: &str) -> &Scratch {
        let path = self.path(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        self
    }

    fn link(&self, target: &str, relative: &str) -> &Scratch {
        let path = self.path(relative);
        let _ = std::fs::remove_file(&path);
        std::os::unix::fs::symlink(target, &path).unwrap_or_else(|e| panic!("{e}"));
        self
    }

    fn fifo(&self, relative: &str) -> &Scratch {
        let status = Command::new("mkfifo")
            .arg(self.path(relative))
            .status()
            .unwrap_or_else(|e| panic!("mkfifo: {e}"));
        assert!(status.success());
        self
    }

    /// Runs wbuildc in the scratch directory with the organisation's configuration
    /// directory `org/` and stdin a pipe that never ends (a read of stdin hangs).
    fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[])
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wbuildc"));
        command
            .args(args)
            .current_dir(&self.dir)
            .env("NO_COLOR", "1")
            .env("WBUILD_CONFIG", self.path("org"))
            .env("WBUILD_TRUST_MARKER", "environment-secret-7c1f")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("run wbuildc: {e}"));
        // Keep stdin open while waiting: a read of it would block forever.
        let _stdin = child.stdin.take();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            if child.try_wait().ok().flatten().is_some() {
                break;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("wbuildc {args:?} hung");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const MANIFEST: &str = "import \"base\"\nimage \"svc\" {}\nvariant production extends base.runtime() {\n  cmd = [\"/srv/app/svc\"]\n}\n";

fn all_output(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

// --- 1. policy a repository cannot loosen ------------------------------------------

#[test]
fn a_repository_policy_file_only_tightens_and_discovery_stops_at_the_root() {
    let s = Scratch::new("policy");
    // Above the repository (a world-writable /tmp above checkouts): never read.
    s.write(
        "wbuild-policy.toml",
        "[images]\nallowed_registries = [\"docker.io\"]\n[runtime]\nallow_root = true\n",
    );
    s.write("repo/svc/service.wbuild", "image \"svc\" {}\nvariant production {\n  base = \"docker.io/library/debian:bookworm\"\n  cmd = [\"x\"]\n}\n");
    let out = s.run(&["check", "repo/svc/service.wbuild"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error[WB5001]") && stderr.contains("error[WB5006]"),
        "{stderr}"
    );

    // Inside the repository, loosening keys are errors at their line, not applied.
    s.write(
        "repo/wbuild-policy.toml",
        "[images]\nallowed_registries = [\"registry.example.org\", \"docker.io\"]\n[runtime]\nallow_root = true\n",
    );
    let out = s.run(&["check", "--format", "json", "repo/svc/service.wbuild"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let loosened: Vec<(String, u64)> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "WB5011")
        .map(|d| {
            (
                d["primary"]["file"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                d["primary"]["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(loosened.len(), 2, "{report}");
    assert!(loosened
        .iter()
        .all(|(f, _)| f.ends_with("repo/wbuild-policy.toml")));
    assert_eq!(
        loosened.iter().map(|(_, l)| *l).collect::<Vec<_>>(),
        vec![2, 4]
    );

    // A tightening file is applied, and the audit shows every value with its origin.
    s.write(
        "repo/wbuild-policy.toml",
        "[images]\nrelease_variants = [\"production\", \"staging\"]\n",
    );
    s.write("repo/svc/service.wbuild", MANIFEST);
    let out = s.run(&["check", "--format", "json", "repo/svc/service.wbuild"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let keys = report["configurations"][0]["policy"]["keys"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(keys.len(), wbuild::config::KEYS.len(), "{report}");
    let release = keys
        .iter()
        .find(|k| k["key"] == "images.release_variants")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        release["value"],
        serde_json::json!(["production", "staging"])
    );
    assert_eq!(release["origin"]["layer"], "repository");
    assert_eq!(release["origin"]["line"], 2);
    assert!(keys
        .iter()
        .filter(|k| k["key"] != "images.release_variants")
        .all(|k| k["origin"]["layer"] == "default"));
}

#[test]
fn the_organisation_policy_is_trusted_and_can_be_final() {
    let s = Scratch::new("org-policy");
    s.write(
        "org/policy.toml",
        "[images]\nallowed_registries = [\"registry.example.org\", \"registry.partner.example\"]\n",
    );
    s.write("repo/service.wbuild", "image \"svc\" {}\nvariant production {\n  base = \"registry.partner.example/debian:bookworm\"\n  user = user(\"app\", 1000)\n  cmd = [\"x\"]\n}\n");
    let out = s.run(&["check", "repo/service.wbuild"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    let out = s.run(&["policy", "explain", "repo/service.wbuild"]);
    assert!(
        text(&out.stdout).contains("allowed_registries = [\"registry.example.org\", \"registry.partner.example\"]  # organisation: "),
        "{}",
        text(&out.stdout)
    );
    // The repository narrows the organisation's list: allowed.
    s.write(
        "repo/wbuild-policy.toml",
        "[images]\nallowed_registries = [\"registry.example.org\"]\n",
    );
    let out = s.run(&["check", "repo/service.wbuild"]);
    assert!(
        text(&out.stderr).contains("error[WB5001]"),
        "{}",
        all_output(&out)
    );
    // A final organisation policy is not changed at all (a warning says so).
    s.write("org/policy.toml", "final = true\n[images]\nallowed_registries = [\"registry.example.org\", \"registry.partner.example\"]\n");
    let out = s.run(&["check", "repo/service.wbuild"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning[WB5012]") && !stderr.contains("WB5001"),
        "{stderr}"
    );
    // --policy replaces the configuration directory's policy.
    s.write(
        "other.toml",
        "[images]\nallowed_registries = [\"registry.example.org\"]\n",
    );
    let out = s.run(&["check", "--policy", "other.toml", "repo/service.wbuild"]);
    assert!(
        text(&out.stderr).contains("error[WB5001]"),
        "{}",
        all_output(&out)
    );
}

#[test]
fn the_stdlib_is_chosen_by_the_organisation_never_by_the_repository() {
    let s = Scratch::new("stdlib");
    s.write("org/wbuild.toml", "[stdlib]\ndir = \"stdlib\"\n");
    s.write(
        "org/stdlib/base.wbuild",
        "preset runtime() {\n  base = \"registry.example.org/base:2026\"\n  user = user(\"svc\", 7000)\n}\n",
    );
    s.write("repo/services/svc/service.wbuild", MANIFEST);
    let out = s.run(&[
        "compile",
        "repo/services/svc/service.wbuild",
        "--variant",
        "production",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    let dockerfile = text(&out.stdout);
    assert!(
        dockerfile.contains("FROM registry.example.org/base:2026 AS production")
            && dockerfile.contains("USER 7000:7000"),
        "{dockerfile}"
    );

    // A repository's wbuild.toml that names a stdlib is an error at its line.
    s.write("repo/my-stdlib/base.wbuild", "preset runtime() {\n  base = \"registry.example.org/base:2026\"\n  user = user(\"root\", 0)\n}\n");
    s.write(
        "repo/wbuild.toml",
        "# mine\n[stdlib]\ndir = \"my-stdlib\"\n",
    );
    let out = s.run(&[
        "compile",
        "repo/services/svc/service.wbuild",
        "--variant",
        "production",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error[WB5013]") && stderr.contains("repo/wbuild.toml:2"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    // A broken organisation configuration is reported, not ignored.
    s.write("org/wbuild.toml", "[stdlib]\ndirectory = \"x\"\n");
    let out = s.run(&["check", "repo/services/svc/service.wbuild"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("wbuild.toml"),
        "{}",
        text(&out.stderr)
    );
}

// --- 2. reads stay inside the repository --------------------------------------------

#[test]
fn imports_never_read_or_echo_files_outside_the_repository() {
    let s = Scratch::new("imports");
    s.write("outside.wbuild", "host-secret-91ab\n");
    s.write(
        "repo/.git/config",
        "[http]\n\textraheader = AUTHORIZATION: basic git-token-55e2\n",
    );
    s.write("repo/notes.txt", "notes-text-3d4f\n");
    s.link("../outside.wbuild", "repo/linked-out.wbuild");
    s.link(".git/config", "repo/git.wbuild");
    s.link("notes.txt", "repo/notes.wbuild");
    s.link("/proc/self/environ", "repo/environ.wbuild");
    for (import, marker) in [
        ("/proc/self/environ", "environment-secret-7c1f"),
        ("../outside.wbuild", "host-secret-91ab"),
        (
            "../../../../../../../../proc/self/environ",
            "environment-secret-7c1f",
        ),
        ("./linked-out.wbuild", "host-secret-91ab"),
        ("./git.wbuild", "git-token-55e2"),
        ("./notes.wbuild", "notes-text-3d4f"),
        ("./environ.wbuild", "environment-secret-7c1f"),
    ] {
        s.write(
            "repo/service.wbuild",
            &format!("import \"{import}\" as other\nimage \"svc\" {{}}\n"),
        );
        let out = s.run(&["check", "repo/service.wbuild"]);
        let output = all_output(&out);
        assert_eq!(out.status.code(), Some(1), "{import}: {output}");
        assert!(output.contains("error[WB1009]"), "{import}: {output}");
        assert!(
            !output.contains(marker),
            "{import} echoed the file: {output}"
        );
        let out = s.run(&["check", "--format", "json", "repo/service.wbuild"]);
        assert!(!all_output(&out).contains(marker), "{import} (json)");
    }
}

#[test]
fn fifos_devices_and_links_to_stdin_never_hang_a_check() {
    let s = Scratch::new("fifo");
    s.fifo("repo/pipe.wbuild").fifo("repo/requirements.txt");
    s.link("/dev/stdin", "repo/stdin.wbuild");
    s.write(
        "repo/service.wbuild",
        "import \"python\"\nimport \"./pipe.wbuild\" as p\nimport \"./stdin.wbuild\" as q\nimage \"svc\" {}\nvariant build extends python.app(requirements = [\"requirements.txt\"]) {}\n",
    );
    let out = s.run(&["check", "repo/service.wbuild"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("error[WB1009]").count(), 2, "{stderr}");
    assert!(stderr.contains("FIFO"), "{stderr}");
    // The manifest itself: a FIFO is refused (exit 2), not read.
    let out = s.run(&["check", "repo/pipe.wbuild"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
}

#[test]
fn every_file_of_a_check_gets_its_own_repository_configuration() {
    let s = Scratch::new("groups");
    std::fs::create_dir_all(s.path("other/.git")).unwrap_or_default();
    // Repository `repo` forbids what repository `other` does not.
    s.write("repo/wbuild-policy.toml", "[secrets]\nforbidden_files = [\".env\", \".env.*\", \"*.pem\", \"*.key\", \"*.p12\", \"*.pfx\", \"id_rsa\", \"id_dsa\", \"id_ecdsa\", \"id_ed25519\", \".npmrc\", \".pypirc\", \".netrc\", \".git\", \".ssh\", \".aws\", \".docker\", \"credentials.json\", \"deploy.yaml\"]\n");
    let manifest = "import \"base\"\nimage \"svc\" {}\nvariant production extends base.runtime() {\n  steps += { copy \"deploy.yaml\" to \"./\" }\n  cmd = [\"x\"]\n}\n";
    s.write("repo/a.wbuild", manifest)
        .write("other/b.wbuild", manifest);
    for order in [
        ["repo/a.wbuild", "other/b.wbuild"],
        ["other/b.wbuild", "repo/a.wbuild"],
    ] {
        let out = s.run(&["check", "--format", "json", order[0], order[1]]);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let files: Vec<&str> = report["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["code"] == "WB5008")
            .filter_map(|d| d["primary"]["file"].as_str())
            .collect();
        assert_eq!(files, vec!["repo/a.wbuild"], "{order:?}: {report}");
        assert_eq!(report["configurations"].as_array().map(Vec::len), Some(2));
    }
}

// --- builds: scratch space, outputs, engine arguments ------------------------------

/// A stand-in engine: records its arguments and the mode of the directory that
/// holds the Dockerfile, copies the ignore file, and fails or succeeds on request.
fn fake_engine(s: &Scratch) -> PathBuf {
    let script = s.path("fake-engine.sh");
    s.write(
        "fake-engine.sh",
        r#"#!/bin/sh
log="$FAKE_ENGINE_LOG"
printf '%s\n' "$@" > "$log.args"
prev=""
for a in "$@"; do
  if [ "$prev" = "-f" ]; then stat -c '%a' "$(dirname "$a")" > "$log.mode"; dirname "$a" > "$log.dir"; fi
  if [ "$prev" = "--ignorefile" ]; then cp "$a" "$log.ignore"; fi
  prev="$a"
done
case "$1" in push) exit 1 ;; esac
exit "${FAKE_ENGINE_EXIT:-0}"
"#,
    );
    let _ = std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755));
    script
}

fn build(s: &Scratch, args: &[&str]) -> Output {
    let engine = fake_engine(s);
    std::fs::create_dir_all(s.path("tmp")).unwrap_or_default();
    let log = s.path("engine");
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    s.run_with(
        &all,
        &[
            ("WBUILDC_BUILDAH", engine.to_str().unwrap_or_default()),
            ("FAKE_ENGINE_LOG", log.to_str().unwrap_or_default()),
            ("TMPDIR", s.path("tmp").to_str().unwrap_or_default()),
        ],
    )
}

#[test]
fn builds_use_a_fresh_private_scratch_directory_and_never_follow_planted_links() {
    let s = Scratch::new("scratch");
    std::fs::create_dir_all(s.path("tmp")).unwrap_or_default();
    s.write("victim", "do not overwrite\n");
    // The old predictable name, planted for every pid the build might get.
    for pid in 0..64 {
        let _ = std::os::unix::fs::symlink(
            s.path("victim"),
            s.path(&format!("tmp/wbuildc-{pid}-localhost-svc-production")),
        );
    }
    s.write("repo/service.wbuild", MANIFEST);
    let out = build(&s, &["repo/service.wbuild", "--variant", "production"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    assert_eq!(
        std::fs::read_to_string(s.path("victim")).unwrap_or_default(),
        "do not overwrite\n"
    );
    assert_eq!(
        std::fs::read_to_string(s.path("engine.mode"))
            .unwrap_or_default()
            .trim(),
        "700"
    );
    let used = std::fs::read_to_string(s.path("engine.dir")).unwrap_or_default();
    assert!(
        !Path::new(used.trim()).exists(),
        "scratch directory left behind: {used}"
    );
}

#[test]
fn the_build_context_is_never_read_as_an_engine_option() {
    let s = Scratch::new("context");
    s.write("repo/--network=host/service.wbuild", MANIFEST);
    let out = build(
        &s,
        &[
            "repo/--network=host/service.wbuild",
            "--variant",
            "production",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    let args = std::fs::read_to_string(s.path("engine.args")).unwrap_or_default();
    let args: Vec<&str> = args.lines().collect();
    let context = args.last().copied().unwrap_or_default();
    assert!(
        context.starts_with('/') && context.ends_with("/--network=host"),
        "{args:?}"
    );
    assert_eq!(args.get(args.len() - 2), Some(&"--"), "{args:?}");
    assert!(!args.contains(&"--network=host"), "{args:?}");
}

#[test]
fn an_export_never_deletes_what_it_would_replace() {
    let s = Scratch::new("output");
    s.write("repo/service.wbuild", MANIFEST);
    // `oci:.` is the working directory, not an image layout: refused before building.
    s.write("keep.txt", "mine\n");
    let out = build(
        &s,
        &[
            "repo/service.wbuild",
            "--variant",
            "production",
            "--output",
            "oci:.",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("refusing to write the image"),
        "{}",
        text(&out.stderr)
    );
    assert!(s.path("keep.txt").exists() && s.path("repo/service.wbuild").exists());
    assert!(!s.path("engine.args").exists(), "the engine ran");
    // An existing layout is replaced only after a successful export: here the
    // export fails, and the old layout is intact.
    s.write("layout/oci-layout", "{\"imageLayoutVersion\": \"1.0.0\"}\n");
    s.write("layout/index.json", "{\"old\": true}\n");
    let out = build(
        &s,
        &[
            "repo/service.wbuild",
            "--variant",
            "production",
            "--output",
            "oci:layout",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert_eq!(
        std::fs::read_to_string(s.path("layout/index.json")).unwrap_or_default(),
        "{\"old\": true}\n"
    );
}

#[test]
fn the_ignore_file_comes_from_the_policy_and_keeps_the_repositorys_own_bytes() {
    let s = Scratch::new("ignore");
    s.write(
        "org/policy.toml",
        "[secrets]\nforbidden_files = [\".env\", \"credentials.json\", \"company-secret.yaml\"]\n",
    );
    s.write("repo/service.wbuild", MANIFEST);
    std::fs::write(
        s.path("repo/.dockerignore"),
        b"node_modules\n\xff\xfe-not-utf8\n!credentials.json\n",
    )
    .unwrap_or_default();
    let out = build(&s, &["repo/service.wbuild", "--variant", "production"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    let ignore = std::fs::read(s.path("engine.ignore")).unwrap_or_default();
    let shown = String::from_utf8_lossy(&ignore);
    assert!(ignore.windows(4).any(|w| w == b"\xff\xfe-n"), "{shown}");
    let own = shown.find("!credentials.json").unwrap_or(usize::MAX);
    for pattern in [
        "**/credentials.json",
        "**/company-secret.yaml",
        "**/.env",
        "**/.git",
    ] {
        let at = shown.rfind(pattern).unwrap_or(0);
        assert!(
            at > own,
            "{pattern} must come after the repository's lines:\n{shown}"
        );
    }
    // A .dockerignore that cannot be read safely stops the build: too large (not
    // cut short), or a FIFO (never read).
    std::fs::write(s.path("repo/.dockerignore"), "x\n".repeat(5 << 20)).unwrap_or_default();
    let out = build(&s, &["repo/service.wbuild", "--variant", "production"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains("larger than"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_file(s.path("repo/.dockerignore")).unwrap_or_default();
    s.fifo("repo/.dockerignore");
    let out = build(&s, &["repo/service.wbuild", "--variant", "production"]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(
        text(&out.stderr).contains(".dockerignore"),
        "{}",
        text(&out.stderr)
    );
}

// --- output that reaches a terminal or a log -----------------------------------------

#[test]
fn diagnostics_never_print_control_sequences_from_the_source() {
    let s = Scratch::new("escapes");
    s.write(
        "repo/service.wbuild",
        "image \"svc\" {}\nvariant production {\n  base = \"\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}x\"\n  cmd = [\"x\"]\n}\n",
    );
    let out = s.run(&["check", "repo/service.wbuild"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error[WB2003]"), "{stderr}");
    for c in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(!stderr.contains(c), "{c:?} printed: {stderr:?}");
    }
}

// --- values that reach the Dockerfile (library level) --------------------------------

fn compile(source: &str, variant: &str) -> Result<String, Vec<String>> {
    let mut compiler = wbuild::Compiler::new();
    let file = compiler.add_file("trust.wbuild", source);
    compiler.compile(file, variant).map_err(|diagnostics| {
        diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code.as_str(), d.message))
            .collect()
    })
}

fn variant_with(steps: &str, extra: &str) -> String {
    format!(
        "image \"svc\" {{\n{extra}\n}}\nvariant v {{\n  base = \"registry.example.org/debian:bookworm\"\n  user = user(\"app\", 1000)\n  steps = {{\n    {steps}\n  }}\n  cmd = [\"x\"]\n}}\n"
    )
}

#[test]
fn flag_values_are_ascii_and_never_altered() {
    // `à` is C3 A0: BuildKit's flag parser takes the A0 byte for a space, so the rest
    // of the mount would run as a shell-form RUN.
    let hostile = "/c\u{e0}cat</src/evil.list>/etc/apt/sources.list.d/e.list;#";
    for cache in [hostile, "/caché", "/a\u{b}b", "/a\u{85}b", "/a b"] {
        let source = variant_with(
            &format!(
                "run [\"true\"] with cache = {}",
                wbuild::fmt::string_literal(cache)
            ),
            "",
        );
        let errors = compile(&source, "v").err().unwrap_or_default();
        assert!(
            errors.iter().any(|e| e.starts_with("WB2014")),
            "{cache:?}: {errors:?}"
        );
    }
    assert!(compile(
        &variant_with("run [\"true\"] with cache = \"/root/.cache/pip\"", ""),
        "v"
    )
    .is_ok());
}

#[test]
fn every_image_value_is_validated_by_its_position() {
    // `version` is a label: a line break would start a new instruction.
    let errors = compile(
        &variant_with("", "  version = \"x\\nRUN touch /pwned\""),
        "v",
    )
    .err()
    .unwrap_or_default();
    assert!(errors.iter().any(|e| e.starts_with("WB2014")), "{errors:?}");
    // Credentials in `source` (labels, annotations) and in healthchecks are found.
    let errors = compile(
        &variant_with(
            "",
            "  source = \"https://deploy:hunter22@git.example.org/repo\"",
        ),
        "v",
    )
    .err()
    .unwrap_or_default();
    assert!(errors.iter().any(|e| e.starts_with("WB5007")), "{errors:?}");
    let source = "image \"svc\" {}\nvariant v {\n  base = \"registry.example.org/debian:bookworm\"\n  user = user(\"app\", 1000)\n  healthcheck = healthcheck(cmd = [\"curl\", \"https://admin:s3cr3tpass@localhost/\"])\n  cmd = [\"x\"]\n}\n";
    let errors = compile(source, "v").err().unwrap_or_default();
    assert!(errors.iter().any(|e| e.starts_with("WB5007")), "{errors:?}");
    // A line break between the words of an APT repository line never reaches RUN.
    let errors = compile(
        &variant_with(
            "apt [\"x\"] with repository = \"http://deb.debian.org/debian\\nbookworm main\"",
            "",
        ),
        "v",
    )
    .err()
    .unwrap_or_default();
    assert!(errors.iter().any(|e| e.starts_with("WB2012")), "{errors:?}");
    // A value a parser cannot read on one line is refused, not emitted.
    let long = "x".repeat(70 * 1024);
    let errors = compile(&variant_with(&format!("env BIG = \"{long}\""), ""), "v")
        .err()
        .unwrap_or_default();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("WB2014") && e.contains("65000")),
        "{errors:?}"
    );
    // Stage names follow BuildKit's rule.
    let source = "image \"svc\" {}\nvariant _build {\n  base = \"registry.example.org/debian:bookworm\"\n  user = user(\"app\", 1000)\n  cmd = [\"x\"]\n}\n";
    let errors = compile(source, "_build").err().unwrap_or_default();
    assert!(errors.iter().any(|e| e.starts_with("WB2014")), "{errors:?}");
}

#[test]
fn release_builds_pin_the_variant_being_built_whatever_the_policy_lists() {
    let source = "image \"svc\" {}\nvariant build {\n  base = \"registry.example.org/debian:bookworm\"\n  steps = { run \"make\" }\n  user = user(\"app\", 1000)\n}\nvariant prod {\n  base = \"registry.example.org/debian:bookworm\"\n  steps = { copy from build \"/out\" to \"/srv/\" }\n  user = user(\"app\", 1000)\n  cmd = [\"x\"]\n}\n";
    let mut compiler = wbuild::Compiler::new();
    let file = compiler.add_file("release.wbuild", source);
    assert!(compiler.compile(file, "prod").is_ok());
    compiler.set_release(true);
    let errors = compiler.compile(file, "prod").err().unwrap_or_default();
    let unpinned: Vec<&str> = errors
        .iter()
        .filter(|d| d.code.as_str() == "WB5002")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(unpinned.len(), 2, "both stages of prod: {unpinned:?}");
}

#[test]
fn an_exception_needs_a_reason_in_words() {
    for reason in ["\u{200b}", " \u{200b} ", "--", "ok\u{1b}[2J"] {
        let source = format!(
            "image \"svc\" {{}}\nvariant v {{\n  base = \"registry.example.org/debian:bookworm\"\n  cmd = [\"x\"]\n  allow = {{ \"root-user\": {} }}\n}}\n",
            wbuild::fmt::string_literal(reason)
        );
        let errors = compile(&source, "v").err().unwrap_or_default();
        assert!(
            errors.iter().any(|e| e.starts_with("WB5010"))
                && errors.iter().any(|e| e.starts_with("WB5006")),
            "{reason:?}: {errors:?}"
        );
    }
}

#[test]
fn copy_sources_are_globs_and_cannot_name_secret_files_by_wildcard() {
    for source in [
        "credentials.jso?",
        "[.]env",
        "config/\\.env",
        "keys/*.pem",
        ".env.[p]rod",
    ] {
        let manifest = variant_with(
            &format!("copy {} to \"./\"", wbuild::fmt::string_literal(source)),
            "",
        );
        let errors = compile(&manifest, "v").err().unwrap_or_default();
        assert!(
            errors.iter().any(|e| e.starts_with("WB5008")),
            "{source}: {errors:?}"
        );
    }
}
