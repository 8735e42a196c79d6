//! Generates realistic `.wbuild` manifests for the benchmarks.
//!
//! Every manifest is a small service: one of the five language presets of the
//! stdlib (python, node, go, java, php), three to five variants (build, test,
//! lint, deps, production, debug), a few `let`s, labels, steps and `+=`
//! appends. The text depends only on the index, so runs are reproducible.

#![allow(dead_code)]

use std::fmt::Write;

/// The languages, in the order `manifest(i)` cycles through them.
pub const LANGS: &[&str] = &["python", "node", "go", "java", "php"];

/// The relative file name of manifest `i` inside a generated workspace.
pub fn file_name(i: usize) -> String {
    format!("svc-{:05}/service.wbuild", i)
}

/// The text of manifest `i`.
pub fn manifest(i: usize) -> String {
    manifest_with(i, 0)
}

/// The text of manifest `i` after `edit` edits: each edit changes the steps of
/// one variant (an extra `run` step), as a language server would see on typing.
pub fn manifest_with(i: usize, edit: usize) -> String {
    let lang = LANGS[i % LANGS.len()];
    // 3, 4 or 5 variants, independent of the language.
    let extra = (i / LANGS.len()) % 3;
    let team = i % 17;
    let port = 8000 + (i % 1000);
    let mut s = String::with_capacity(1024);
    let _ = writeln!(s, "# Generated service {i} ({lang}).");
    let _ = writeln!(s, "import \"{lang}\"");
    let _ = writeln!(s, "import \"base\"");
    s.push('\n');
    let _ = writeln!(s, "let team = \"team-{team}\"");
    let _ = writeln!(s, "let port: port = {port}");
    let _ = writeln!(s, "let data_dir: path = \"/var/lib/svc-{i}\"");
    s.push('\n');
    let _ = writeln!(s, "image \"svc-{i}\" {{");
    let _ = writeln!(s, "  version = \"1.{}.{}\"", i % 7, i % 13);
    let _ = writeln!(s, "  labels = {{");
    let _ = writeln!(s, "    \"org.example.team\": team,");
    let _ = writeln!(s, "    \"org.example.service\": \"svc-{i}\",");
    let _ = writeln!(s, "    \"org.example.tier\": \"tier-{}\",", i % 3);
    let _ = writeln!(s, "  }}");
    let _ = writeln!(s, "}}");
    s.push('\n');

    // The build variant, per language.
    let (build_parent, test_cmd, lint_cmd, prod_parent, prod_body) = match lang {
        "python" => (
            "python.app(requirements = [\"requirements.txt\"], packages = [\"python3-yaml\"])".to_string(),
            "python -m pytest -q",
            "python -m pyflakes app",
            "python.runtime(build = build, packages = [\"libpq5\"])".to_string(),
            format!("  cmd = [\"gunicorn\", \"--bind\", \"0.0.0.0:{port}\", \"app:app\"]\n"),
        ),
        "node" => (
            "node.app(packages = [\"ca-certificates\"])".to_string(),
            "npm test",
            "npm run lint",
            "node.runtime(build = build)".to_string(),
            "  cmd = [\"node\", \"src/server.js\"]\n".to_string(),
        ),
        "go" => (
            format!("go.build(source = {{ copy \"cmd/\" to \"cmd/\" copy \"internal/\" to \"internal/\" }}, package = \"./cmd/svc{i}\")"),
            "go test ./...",
            "go vet ./...",
            "go.runtime(build = build)".to_string(),
            String::new(),
        ),
        "java" => (
            format!("java.maven(source = {{ copy \"src/\" to \"src/\" }}, jar = \"target/svc-{i}.jar\", packages = [\"libcommons-lang3-java\"])"),
            "mvn --batch-mode --offline test",
            "mvn --batch-mode --offline verify",
            "java.runtime(build = build, packages = [\"libpostgresql-jdbc-java\"])".to_string(),
            String::new(),
        ),
        _ => (
            "php.app(source = { copy \"src/\" to \"src/\" copy \"public/\" to \"public/\" })".to_string(),
            "vendor/bin/phpunit",
            "php -l public/index.php",
            "php.runtime(build = build)".to_string(),
            format!("  cmd = [\"php\", \"-S\", \"0.0.0.0:{port}\", \"-t\", \"public\"]\n"),
        ),
    };

    let _ = writeln!(s, "# Builds the service.");
    let _ = writeln!(s, "variant build extends {build_parent} {{");
    let _ = writeln!(s, "  steps += {{");
    let _ = writeln!(s, "    env SERVICE_NAME = \"svc-{i}\"");
    let _ = writeln!(s, "    copy \"config/\" to \"config/\"");
    let _ = writeln!(s, "  }}");
    let _ = writeln!(s, "  labels += {{ \"org.example.stage\": \"build\" }}");
    let _ = writeln!(s, "}}");
    s.push('\n');

    let _ = writeln!(s, "variant test extends build {{");
    let _ = writeln!(s, "  steps += {{");
    let _ = writeln!(s, "    copy \"tests/\" to \"tests/\"");
    let _ = writeln!(s, "    run \"{test_cmd}\"");
    for e in 0..edit {
        let _ = writeln!(s, "    run \"echo edit {e}\"");
    }
    let _ = writeln!(s, "  }}");
    let _ = writeln!(s, "}}");
    s.push('\n');

    if extra >= 1 {
        let _ = writeln!(s, "variant lint extends build {{");
        let _ = writeln!(s, "  steps += {{");
        let _ = writeln!(s, "    run [\"/bin/sh\", \"-c\", \"{lint_cmd}\"]");
        let _ = writeln!(s, "  }}");
        let _ = writeln!(s, "}}");
        s.push('\n');
    }

    let _ = writeln!(s, "variant production extends {prod_parent} {{");
    s.push_str(&prod_body);
    let _ = writeln!(s, "  expose = [port]");
    let _ = writeln!(s, "  volumes = [data_dir]");
    let _ = writeln!(
        s,
        "  labels += {{ \"org.example.team\": team, \"org.example.port\": \"${{port}}\" }}"
    );
    let _ = writeln!(s, "}}");

    if extra >= 2 {
        s.push('\n');
        let _ = writeln!(s, "variant debug extends production {{");
        let _ = writeln!(s, "  labels += {{ \"org.example.debug\": \"true\" }}");
        let _ = writeln!(s, "  expose += [9229]");
        let _ = writeln!(s, "}}");
    }
    s
}
