//! Workspace fixtures (tests/fixtures/workspaces/NAME/): a tree of manifests,
//! base definitions and context files, with `changes.txt` listing the codes the
//! workspace graph must report (`# expect: WB3008` or `ok`) and one change per
//! line (`path P` or `image REF`). The snapshot shows the graph (each node with
//! its level and what it needs), the graph's diagnostics, and for each change
//! what it affects in build order, with the tests to run.
//!
//! Every file must check on its own; what is wrong here is only wrong across
//! files.

use crate::support::{header, repo};
use wbuild::ops::{self, Change, NodeKind, Role, Workspace};
use wbuild::Compiler;

fn files_under(dir: &std::path::Path, prefix: &str, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if entry.path().is_dir() {
            files_under(&entry.path(), &path, out);
        } else if name.ends_with(".wbuild") {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            out.push((path, text));
        }
    }
}

fn describe(ws: &Workspace, n: usize) -> String {
    let node = &ws.nodes[n];
    let level = ws.levels[n].map_or("-".to_string(), |l| l.to_string());
    let what = match node {
        NodeKind::Variant { role, image, .. } => format!(
            "{} {}{}",
            role.name(),
            node.label(),
            image
                .as_ref()
                .map(|i| format!(" → {i}"))
                .unwrap_or_default()
        ),
        other => format!("{} {}", other.kind_name(), other.label()),
    };
    format!("{level} {what}")
}

#[test]
fn every_workspace_fixture_has_its_graph_and_affected_sets() {
    let root = repo().join("tests/fixtures/workspaces");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 2, "workspace fixtures: {names:?}");
    for name in names {
        let dir = root.join(&name);
        let changes_text = std::fs::read_to_string(dir.join("changes.txt"))
            .unwrap_or_else(|e| panic!("{name}/changes.txt: {e}"));
        let mut texts = Vec::new();
        files_under(&dir, "", &mut texts);
        let mut compiler = Compiler::new();
        let files = compiler.add_files(texts);
        compiler.evaluate_all(&files);
        for &f in &files {
            let errors: Vec<_> = compiler
                .check(f)
                .into_iter()
                .filter(|d| d.is_error())
                .collect();
            assert!(
                errors.is_empty(),
                "{name}: a file does not check on its own:\n{}",
                compiler.render(&errors, false)
            );
        }
        let ws = Workspace::build(compiler.db(), &files, compiler.policy());
        let mut codes: Vec<String> = ws
            .diagnostics
            .iter()
            .map(|d| d.code.as_str().to_string())
            .collect();
        codes.sort();
        codes.dedup();
        let expected: Vec<String> = match header(&changes_text, "expect").as_deref() {
            Some("ok") | None => Vec::new(),
            Some(list) => list.split_whitespace().map(str::to_string).collect(),
        };
        assert_eq!(codes, expected, "{name}: the graph's diagnostics");

        let mut snapshot = String::from("--- GRAPH\n");
        for n in 0..ws.nodes.len() {
            snapshot.push_str(&describe(&ws, n));
            let needs: Vec<String> = ws.deps[n].iter().map(|&d| ws.nodes[d].label()).collect();
            if !needs.is_empty() {
                snapshot.push_str(&format!("\n    needs {}", needs.join(", ")));
            }
            snapshot.push('\n');
        }
        snapshot.push_str("\n--- DIAGNOSTICS\n");
        snapshot.push_str(&compiler.render(&ws.diagnostics, false));
        for line in changes_text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let change = match line.split_once(' ') {
                Some(("path", p)) => Change::Path(p.to_string()),
                Some(("image", r)) => Change::Image(r.to_string()),
                _ => panic!("{name}/changes.txt: `{line}` is neither `path P` nor `image REF`"),
            };
            let affected = ops::affected(&ws, std::slice::from_ref(&change));
            // Build order: nothing comes before what it needs.
            for (i, &n) in affected.order.iter().enumerate() {
                for &d in &ws.deps[n] {
                    if let Some(j) = affected.order.iter().position(|&x| x == d) {
                        assert!(
                            j < i,
                            "{name}: {line}: {} before what it needs",
                            ws.nodes[n].label()
                        );
                    }
                }
            }
            snapshot.push_str(&format!("\n--- AFFECTED BY {line}\n"));
            for &n in &affected.order {
                snapshot.push_str(&describe(&ws, n));
                snapshot.push('\n');
            }
            let tests: Vec<String> = affected
                .variants(&ws, Role::Test)
                .map(|n| ws.nodes[n].label())
                .collect();
            if !tests.is_empty() {
                snapshot.push_str(&format!("tests: {}\n", tests.join(" ")));
            }
            for &n in &affected.on_cycle {
                snapshot.push_str(&format!("on a cycle: {}\n", ws.nodes[n].label()));
            }
            if !affected.unmatched.is_empty() {
                snapshot.push_str("matches nothing\n");
            }
        }
        insta::with_settings!({ snapshot_path => "snapshots/workspaces", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name.clone(), snapshot);
        });
    }
}

// ---- the commands, on a copy of the `org` workspace -------------------------

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// A copy of the `org` workspace (a repository of its own, no lock).
fn org_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    copy_tree(&repo().join("tests/fixtures/workspaces/org"), dir.path());
    // A repository: its root is where the lock is found from every manifest.
    std::fs::create_dir(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn wbuildc_in(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = crate::support::wbuildc_at(dir, args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_file(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// check-jsonschema from the test virtualenv (scripts/setup-test-env.sh).
pub fn assert_valid(schema: &str, document: &std::path::Path) {
    let venv = std::env::var_os("WBUILD_PYENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv"));
    let out = std::process::Command::new(venv.join("bin/check-jsonschema"))
        .arg("--schemafile")
        .arg(repo().join(schema))
        .arg(document)
        .output()
        .unwrap_or_else(|e| panic!("check-jsonschema (run scripts/setup-test-env.sh): {e}"));
    assert!(
        out.status.success(),
        "{} does not match {schema}:\n{}{}",
        document.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn plan_writes_a_bake_file_and_a_matrix_whose_targets_exist_in_build_order() {
    let ws = org_copy();
    let (code, _, stderr) = wbuildc_in(
        ws.path(),
        &["plan", "--out", "plan", "--source-date-epoch", "1700000000"],
    );
    assert_eq!(code, 0, "{stderr}");
    let plan = ws.path().join("plan");
    assert_valid("tests/schemas/bake.schema.json", &plan.join("bake.json"));
    assert_valid("docs/schemas/matrix.schema.json", &plan.join("matrix.json"));
    let bake = json_file(&plan.join("bake.json"));
    let matrix = json_file(&plan.join("matrix.json"));
    let targets = bake["target"].as_object().cloned().unwrap_or_default();
    // Every target's context and Dockerfile exist; in-workspace parents are
    // `target:` contexts naming another target.
    for (id, t) in &targets {
        let context = ws.path().join(t["context"].as_str().unwrap_or(""));
        assert!(context.is_dir(), "{id}: context {}", context.display());
        let dockerfile = context.join(t["dockerfile"].as_str().unwrap_or(""));
        let text = std::fs::read_to_string(&dockerfile)
            .unwrap_or_else(|e| panic!("{id}: {}: {e}", dockerfile.display()));
        let stage = t["target"].as_str().unwrap_or("");
        assert!(
            text.contains(&format!(" AS {stage}\n")),
            "{id}: no stage {stage}"
        );
        for (from, ctx) in t["contexts"].as_object().into_iter().flatten() {
            let parent = ctx.as_str().and_then(|c| c.strip_prefix("target:"));
            assert!(
                parent.is_some_and(|p| targets.contains_key(p)),
                "{id}: context {from} = {ctx}"
            );
        }
    }
    // The matrix: every job needs only jobs of lower levels; its jobs are the
    // workspace's targets: the base, every image and test, not the stage `build`
    // (built inside web's Dockerfile).
    let mut seen: Vec<(String, u64)> = Vec::new();
    for (level, jobs) in matrix["levels"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        for job in jobs.as_array().into_iter().flatten() {
            for need in job["needs"].as_array().into_iter().flatten() {
                let found = seen
                    .iter()
                    .find(|(id, _)| Some(id.as_str()) == need.as_str());
                assert!(
                    found.is_some_and(|(_, l)| (*l as usize) < level),
                    "{job}: needs {need}"
                );
            }
            seen.push((job["id"].as_str().unwrap_or("").to_string(), level as u64));
        }
    }
    // Each variant job carries the labels `wbuildc build` adds beyond the
    // Dockerfile's, the same in bake, so a farm's image says what a build of it
    // would (publish checks them).
    let jobs = matrix["levels"].as_array().into_iter().flatten();
    for job in jobs.flat_map(|level| level.as_array().into_iter().flatten()) {
        if job["kind"] != "variant" {
            continue;
        }
        let labels = &job["labels"];
        assert_eq!(
            labels["org.opencontainers.image.created"], "2023-11-14T22:13:20Z",
            "{job}"
        );
        assert_eq!(labels["dev.wbuild.variant"], job["variant"], "{job}");
        assert_eq!(
            labels["dev.wbuild.wbuildc.version"],
            env!("CARGO_PKG_VERSION"),
            "{job}"
        );
        let id = job["id"].as_str().unwrap_or("");
        assert_eq!(
            &targets[id]["labels"], labels,
            "{id}: bake and matrix differ"
        );
    }
    let ids: Vec<&str> = seen.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "base-bases-debian-bookworm",
            // Its parent is external (no job), so it is at the first level.
            "services-legacy-service-production",
            "images-python-base-service-production",
            "services-api-service-production",
            "services-web-service-test",
            "services-web-service-production",
        ]
    );
    // The same selection as `affected`.
    let (code, _, stderr) = wbuildc_in(
        ws.path(),
        &[
            "plan",
            "--out",
            "web",
            "--changed",
            "services/web/app/main.py",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let web = json_file(&ws.path().join("web/matrix.json"));
    let ids: Vec<&str> = web["levels"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|l| l.as_array().into_iter().flatten())
        .filter_map(|j| j["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "services-web-service-test",
            "services-web-service-production"
        ]
    );
}

/// A local OCI layout holding `reference` with the given digest (what `base
/// build` writes; only the index is read for locking).
fn fake_layout(dir: &std::path::Path, reference: &str, digest_char: char) -> String {
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let digest = format!("sha256:{}", digest_char.to_string().repeat(64));
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": digest,
            "size": 500,
            "annotations": { "org.opencontainers.image.ref.name": reference },
            "platform": { "architecture": "amd64", "os": "linux" },
        }],
    });
    std::fs::write(dir.join("index.json"), index.to_string()).unwrap_or_else(|e| panic!("{e}"));
    digest
}

#[test]
fn the_lock_pins_release_builds_goes_stale_with_its_inputs_and_its_diff_is_the_rebuild_list() {
    let ws = org_copy();
    let dir = ws.path();
    let bookworm = "registry.example.org/debian:bookworm";
    let buster = "registry.example.org/debian:buster";
    let first = fake_layout(&dir.join("layouts/bookworm"), bookworm, 'a');
    fake_layout(&dir.join("layouts/buster"), buster, 'b');
    let layouts = [
        "--layout",
        "oci:layouts/bookworm",
        "--layout",
        "oci:layouts/buster",
    ];

    let (code, _, stderr) = wbuildc_in(dir, &["lock", "--check"]);
    assert_eq!(code, 1, "no lock yet: {stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    let (code, _, stderr) = wbuildc_in(dir, &[&["lock"][..], &layouts].concat());
    assert_eq!(code, 0, "{stderr}");
    let lock = std::fs::read_to_string(dir.join("wbuild.lock")).unwrap_or_default();
    assert!(
        lock.contains(&format!("reference = \"{bookworm}\"\ndigest = \"{first}\"")),
        "{lock}"
    );
    assert!(lock.contains(buster), "{lock}");
    let (code, _, stderr) = wbuildc_in(dir, &["lock", "--check"]);
    assert_eq!(code, 0, "{stderr}");

    // Release builds compile to FROM REF@DIGEST from the lock, and pass the
    // pinning rule without a digest in the manifest.
    let (code, stdout, stderr) = wbuildc_in(
        dir,
        &[
            "compile",
            "images/python-base/service.wbuild",
            "--variant",
            "production",
            "--release",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&format!("FROM {bookworm}@{first} AS production")),
        "{stdout}"
    );
    // The plan's Dockerfiles too, except where the plan rebuilds the base.
    let (code, stdout, stderr) = wbuildc_in(
        dir,
        &[
            "plan",
            "--out",
            "p",
            "--changed",
            "images/python-base/service.wbuild",
        ],
    );
    assert_eq!(code, 0, "{stderr}{stdout}");
    let dockerfile =
        std::fs::read_to_string(dir.join("p/images-python-base-service-production.Dockerfile"))
            .unwrap_or_default();
    assert!(
        dockerfile.contains(&format!("FROM {bookworm}@{first} AS production")),
        "{dockerfile}"
    );
    let (code, stdout, stderr) = wbuildc_in(
        dir,
        &[
            "plan",
            "--out",
            "q",
            "--changed",
            "bases/debian-bookworm.wbuild",
        ],
    );
    assert_eq!(code, 0, "{stderr}{stdout}");
    let dockerfile =
        std::fs::read_to_string(dir.join("q/images-python-base-service-production.Dockerfile"))
            .unwrap_or_default();
    assert!(
        dockerfile.contains(&format!("FROM {bookworm} AS production")),
        "{dockerfile}"
    );

    // A changed definition makes the lock stale until it is relocked.
    let base = dir.join("bases/debian-bookworm.wbuild");
    let text = std::fs::read_to_string(&base).unwrap_or_default();
    std::fs::write(
        &base,
        text.replace("[\"ca-certificates\"]", "[\"ca-certificates\", \"curl\"]"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = wbuildc_in(dir, &["lock", "--check"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("definition of `registry.example.org/debian:bookworm` changed"),
        "{stderr}"
    );

    // The rebuilt base has a new digest: `lock --update` moves its entry, and
    // the diff of the two locks is what to rebuild.
    std::fs::copy(dir.join("wbuild.lock"), dir.join("old.lock")).unwrap_or_else(|e| panic!("{e}"));
    let second = fake_layout(&dir.join("layouts/bookworm"), bookworm, 'c');
    let (code, _, stderr) = wbuildc_in(dir, &[&["lock", "--update"][..], &layouts].concat());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("locked {bookworm} → {second}")),
        "{stderr}"
    );
    let (code, stdout, stderr) = wbuildc_in(
        dir,
        &[
            "affected",
            "--lock-diff",
            "old.lock",
            "wbuild.lock",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let rebuild: Vec<&str> = report["rebuild"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert_eq!(
        rebuild,
        [
            "images/python-base/service.wbuild#production",
            "services/api/service.wbuild#production",
            "services/web/service.wbuild#build",
            "services/web/service.wbuild#test",
            "services/web/service.wbuild#production",
        ],
        "buster's entry did not move, so legacy is not rebuilt"
    );
    assert_eq!(
        report["tests"],
        serde_json::json!(["services/web/service.wbuild#test"])
    );
}

/// scripts/run-matrix.sh, the reference executor of a plan's matrix, with
/// stand-ins for the engines: a job whose parent failed is skipped, never built
/// on a stale parent, and the rest still runs.
#[test]
fn the_matrix_executor_skips_the_children_of_a_failed_job() {
    let ws = org_copy();
    let dir = ws.path();
    let (code, _, stderr) = wbuildc_in(dir, &["plan", "--out", "plan"]);
    assert_eq!(code, 0, "{stderr}");
    let bin = dir.join("stub-bin");
    std::fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("{e}"));
    // buildah: building python-base fails; everything else succeeds.
    let buildah = "#!/bin/sh\ncase \"$*\" in\n  *'-t registry.example.org/python-base:3.11'*) echo 'STEP 2/3: RUN apt-get install python3: exit 100' >&2; exit 1 ;;\n  pull*) echo sha256:0000 ;;\n  inspect*) echo '{\"OCIv1\":{\"config\":{\"Cmd\":[\"true\"]}}}' ;;\n  from*) echo ctr ;;\nesac\nexit 0\n";
    let wbuildc = "#!/bin/sh\nexit 0\n";
    for (name, text) in [("buildah", buildah), ("wbuildc", wbuildc)] {
        let path = bin.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("bash")
        .arg(repo().join("scripts/run-matrix.sh"))
        .arg("plan")
        .current_dir(dir)
        .env("PATH", path)
        .output()
        .unwrap_or_else(|e| panic!("bash: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout
        .lines()
        .map(|l| l.split(" (").next().unwrap_or(l))
        .collect();
    assert_eq!(
        lines,
        [
            "ok   base-bases-debian-bookworm",
            "ok   services-legacy-service-production",
            "FAIL images-python-base-service-production",
            "ok   services-api-service-production",
            "skip services-web-service-test",
            "skip services-web-service-production",
        ],
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "skip services-web-service-test (needs images-python-base-service-production)"
        ),
        "{stdout}"
    );
}
