//! Every example compiles cleanly, every variant's Dockerfile is snapshotted,
//! read back by BuildKit's parser, linted by hadolint, and byte-identical when
//! compiled again.

use crate::dfcheck;
use crate::support::{load, wbuild_files};
use wbuild::Compiler;

#[test]
fn every_example_variant_compiles_to_a_clean_deterministic_dockerfile() {
    let examples = wbuild_files("examples");
    assert!(
        examples.len() >= 5,
        "expected at least five examples, found {examples:?}"
    );
    let mut compiled = Vec::new();
    for path in &examples {
        let mut compiler = Compiler::new();
        let file = load(&mut compiler, path);
        let diagnostics = compiler.check(file);
        assert!(
            diagnostics.is_empty(),
            "{path} has diagnostics:\n{}",
            compiler.render(&diagnostics, false)
        );
        let variants = compiler.variants(file);
        for required in ["build", "test", "production"] {
            assert!(
                variants.iter().any(|v| v == required),
                "{path} lacks a `{required}` variant"
            );
        }
        for variant in variants {
            let dockerfile = compiler
                .compile(file, &variant)
                .unwrap_or_else(|e| panic!("{path} {variant}:\n{}", compiler.render(&e, false)));
            // Determinism: a fresh compiler gives the same bytes.
            let mut again = Compiler::new();
            let file2 = load(&mut again, path);
            assert_eq!(
                again.compile(file2, &variant).ok().as_deref(),
                Some(dockerfile.as_str()),
                "{path} {variant} is not deterministic"
            );
            let name = format!(
                "{}__{variant}",
                path.trim_start_matches("examples/")
                    .trim_end_matches(".wbuild")
                    .replace('/', "__")
            );
            insta::with_settings!({ snapshot_path => "snapshots/examples", prepend_module_to_snapshot => false }, {
                insta::assert_snapshot!(name, dockerfile);
            });
            compiled.push((format!("{path} ({variant})"), dockerfile));
        }
    }
    let texts: Vec<String> = compiled.iter().map(|(_, d)| d.clone()).collect();
    for ((name, text), report) in compiled.iter().zip(dfcheck::check_many(&texts)) {
        dfcheck::assert_clean(name, text, &report);
    }
}

#[test]
fn production_variants_run_as_the_unprivileged_user_without_build_tools() {
    for path in wbuild_files("examples") {
        let mut compiler = Compiler::new();
        let file = load(&mut compiler, &path);
        let ir = compiler
            .compile_ir(file, "production")
            .unwrap_or_else(|e| panic!("{path}:\n{}", compiler.render(&e, false)));
        let last = ir
            .stages
            .last()
            .unwrap_or_else(|| panic!("{path}: no stages"));
        assert_eq!(last.name.as_str(), "production");
        let users: Vec<_> = last
            .instructions
            .iter()
            .filter_map(|l| match &l.instruction {
                wbuild::ir::Instruction::User { uid, gid } => Some((*uid, *gid)),
                _ => None,
            })
            .collect();
        assert_eq!(
            users.last(),
            Some(&(65533, 65533)),
            "{path}: production must end as uid/gid 65533"
        );
        // Build tools and package managers are never installed in the production stage.
        let text = wbuild::emit::dockerfile::emit(&wbuild::ir::Dockerfile {
            source: wbuild::ir::Comment::lossy(""),
            target: last.name.clone(),
            stages: vec![last.clone()],
        });
        for tool in [
            "golang-go",
            "default-jdk",
            "maven",
            "composer",
            " npm",
            "python3.11-venv",
            "gcc",
            "build-essential",
        ] {
            let installs = text
                .lines()
                .any(|l| l.starts_with("RUN") && l.contains("apt-get install") && l.contains(tool));
            assert!(
                !installs,
                "{path}: production installs build tool `{tool}`:\n{text}"
            );
        }
    }
}

#[test]
fn dependency_manifests_are_copied_and_installed_before_the_source() {
    // For each example's build variant: the first COPY of a dependency manifest and
    // the install that follows it come before the first COPY of source code.
    let manifests = [
        "requirements.txt",
        "package.json",
        "composer.json",
        "pom.xml",
        "go.mod",
    ];
    for path in wbuild_files("examples") {
        let mut compiler = Compiler::new();
        let file = load(&mut compiler, &path);
        let ir = compiler
            .compile_ir(file, "build")
            .unwrap_or_else(|e| panic!("{path}:\n{}", compiler.render(&e, false)));
        let stage = ir
            .stages
            .last()
            .unwrap_or_else(|| panic!("{path}: no stages"));
        let copies: Vec<(usize, &Vec<wbuild::ir::JsonText>)> = stage
            .instructions
            .iter()
            .enumerate()
            .filter_map(|(i, l)| match &l.instruction {
                wbuild::ir::Instruction::Copy {
                    from: None,
                    sources,
                    ..
                } => Some((i, sources)),
                _ => None,
            })
            .collect();
        let first_manifest = copies
            .iter()
            .find(|(_, s)| s.iter().any(|s| manifests.contains(&s.as_str())))
            .map(|(i, _)| *i);
        let first_source = copies
            .iter()
            .find(|(_, s)| {
                s.iter().all(|s| {
                    !manifests.contains(&s.as_str())
                        && !s.as_str().ends_with(".lock")
                        && !s.as_str().ends_with("-lock.json")
                })
            })
            .map(|(i, _)| *i);
        let (Some(m), Some(s)) = (first_manifest, first_source) else {
            panic!("{path}: cannot find manifest and source copies")
        };
        assert!(
            m < s,
            "{path}: dependency manifests must be copied before the source"
        );
        // Dependencies are installed before the source: by the package manager after
        // its manifest is copied, or (Maven offline) from Debian packages.
        let installs_before = stage.instructions[..s]
            .iter()
            .any(|l| matches!(l.instruction, wbuild::ir::Instruction::Run { .. }));
        assert!(
            installs_before,
            "{path}: dependencies must be installed before the source is copied"
        );
    }
}
