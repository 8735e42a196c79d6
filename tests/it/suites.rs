//! Every Debian suite of the runtime table has the organisation's base image:
//! `stdlib/bases/debian-SUITE.wbuild` checks clean, makes that suite, and its
//! reference is exactly what the stdlib's presets start from when given the suite,
//! for every language preset (so `wbuildc plan` links them and the e2e suite can
//! build them).

use crate::support::{load, repo};
use wbuild::language::runtimes;
use wbuild::Compiler;

/// One manifest per language module, every stage on `SUITE` at the version it ships.
fn manifests(suite: &str) -> Vec<(&'static str, String)> {
    let v = |r: &str| runtimes::version(suite, r).unwrap_or("missing");
    vec![
        ("python", format!("import \"python\"\nimage \"x\" {{}}\nvariant build extends python.app(suite = \"{suite}\", version = \"{}\") {{}}\nvariant production extends python.runtime(build = build, suite = \"{suite}\", version = \"{}\") {{\n  cmd = [\"python3\"]\n}}\n", v("python"), v("python"))),
        ("node", format!("import \"node\"\nimage \"x\" {{}}\nvariant build extends node.app(suite = \"{suite}\", version = \"{}\") {{}}\nvariant production extends node.runtime(build = build, suite = \"{suite}\", version = \"{}\") {{\n  cmd = [\"node\"]\n}}\n", v("node"), v("node"))),
        ("php", format!("import \"php\"\nimage \"x\" {{}}\nvariant build extends php.app(suite = \"{suite}\", version = \"{}\") {{}}\nvariant production extends php.runtime(build = build, suite = \"{suite}\", version = \"{}\") {{\n  cmd = [\"php\"]\n}}\n", v("php"), v("php"))),
        ("java", format!("import \"java\"\nimage \"x\" {{}}\nvariant build extends java.gradle(suite = \"{suite}\", version = \"{}\") {{}}\nvariant production extends java.runtime(build = build, suite = \"{suite}\", version = \"{}\") {{}}\n", v("java"), v("java"))),
        ("go", format!("import \"go\"\nimage \"x\" {{}}\nvariant production extends go.build(suite = \"{suite}\", version = \"{}\") {{\n  cmd = [\"/out/app\"]\n}}\n", v("go"))),
    ]
}

#[test]
fn every_suite_has_a_base_definition_the_presets_start_from() {
    let suites = runtimes::suites();
    assert!(
        suites.contains(&"bookworm") && suites.contains(&"trixie"),
        "{suites:?}"
    );
    for suite in suites {
        let path = format!("stdlib/bases/debian-{suite}.wbuild");
        let text = std::fs::read_to_string(repo().join(&path))
            .unwrap_or_else(|e| panic!("{path}: {e} (every suite of the runtime table needs one)"));
        let mut compiler = Compiler::new();
        let file = load(&mut compiler, &path);
        let diagnostics = compiler.check(file);
        assert!(
            diagnostics.is_empty(),
            "{path}:\n{}",
            compiler.render(&diagnostics, false)
        );
        let reference = format!("registry.example.org/debian:{suite}");
        assert!(
            text.contains(&format!("base \"{reference}\" {{")),
            "{path} does not define {reference}"
        );
        assert!(
            text.contains(&format!("suite = \"{suite}\"")),
            "{path} does not make {suite}"
        );
        for (module, source) in manifests(suite) {
            let mut compiler = Compiler::new();
            let name = format!("{module}-{suite}.wbuild");
            let file = compiler
                .load(&name, |p, _| {
                    if p == name {
                        Ok(source.as_bytes().to_vec())
                    } else {
                        Err(wbuild::ReadFailure::Missing)
                    }
                })
                .unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let dockerfile = compiler
                .compile(file, "production")
                .unwrap_or_else(|e| panic!("{name}:\n{source}\n{}", compiler.render(&e, false)));
            let froms: Vec<&str> = dockerfile
                .lines()
                .filter(|l| l.starts_with("FROM registry."))
                .collect();
            assert!(!froms.is_empty(), "{name}: no Debian stage\n{dockerfile}");
            for from in froms {
                assert!(
                    from.starts_with(&format!("FROM {reference} AS ")),
                    "{name}: `{from}` is not the {suite} base\n{dockerfile}"
                );
            }
        }
    }
}
