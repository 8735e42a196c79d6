//! Python: the requirement files at the top (runtime ones into the build's
//! virtualenv, test and dev ones in the test variant), the packages and
//! modules as sources, pytest or unittest, gunicorn when the service has a WSGI
//! module and depends on it.

use super::text::{self, copy_files, source_copies, test_copies};
use super::{Refusal, Repo};

/// Test and development requirement files, by name.
fn for_tests(name: &str) -> bool {
    name.contains("test") || name.contains("dev")
}

fn requirement_files(repo: &dyn Repo) -> Vec<String> {
    repo.list("")
        .into_iter()
        .filter(|e| {
            !e.is_dir
                && e.name.starts_with("requirements")
                && e.name.ends_with(".txt")
                && text::plain_name(&e.name)
        })
        .map(|e| e.name)
        .collect()
}

/// Files at the top that configure the tests rather than the service.
const TEST_CONFIG: &[&str] = &["conftest.py", "pytest.ini", "setup.cfg", "tox.ini"];

/// Whether a requirement file names `library` (PEP 503 normalised: case and `-_.`).
fn requires(repo: &dyn Repo, files: &[String], library: &str) -> bool {
    let normal = |name: &str| name.to_ascii_lowercase().replace(['_', '.'], "-");
    files.iter().filter_map(|f| repo.read(f)).any(|text| {
        text.lines().any(|line| {
            let name: String = line
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            normal(&name) == library
        })
    })
}

pub(super) fn manifest(image: &str, repo: &dyn Repo) -> Result<String, Refusal> {
    let all = requirement_files(repo);
    let (tests, runtime): (Vec<String>, Vec<String>) =
        all.iter().cloned().partition(|f| for_tests(f));
    let pyproject: Option<toml::Table> = repo
        .read("pyproject.toml")
        .and_then(|text| text.parse().ok());
    let project = pyproject.as_ref().and_then(|p| p.get("project"));
    let mut out = text::header(image, "a Python service", "python");
    let version = project
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str());
    out.push_str(&text::image_block(image, version));

    // The build: dependencies first, then the sources.
    let is_source =
        |name: &str| name.ends_with(".py") && !TEST_CONFIG.contains(&name) && name != "setup.py";
    let sources = source_copies(repo, "", &is_source);
    let exception_files: Vec<&str> = runtime.iter().chain(&tests).map(String::as_str).collect();
    let exception = text::debian_first_exception(repo, &exception_files, "pip", false);
    if runtime.is_empty() && repo.has_file("pyproject.toml") {
        // No requirement file: the project installs itself from pyproject.toml,
        // after its sources (pip builds it).
        out.push_str(
            "# The project and its dependencies from pyproject.toml into the virtualenv\n\
             # (pip builds it, so the sources come first).\n\
             # EDIT: a pinned requirements.txt makes the dependency layer cache well:\n\
             # python.app(requirements = [\"requirements.txt\"]) installs it before the sources.\n\
             variant build extends python.app(requirements = []) {\n",
        );
        out.push_str(&exception);
        out.push_str("steps += {\ncopy \"pyproject.toml\" to \"./\"\n");
        out.push_str(&sources);
        out.push_str("run [\"pip\", \"install\", \"--no-cache-dir\", \".\"]\n}\n}\n\n");
    } else {
        out.push_str(&format!(
            "# The requirements into the virtualenv first, then the application.\n\
             # EDIT: the copies are the packages and modules found at the top; add what\n\
             # else the service reads at run time.\n\
             variant build extends python.app(requirements = {}) {{\n",
            text::list(&runtime)
        ));
        out.push_str(&exception);
        if sources.is_empty() {
            out.push_str("# EDIT: no Python sources were found at the top: copy them here.\n");
        }
        out.push_str(&format!("steps += {{\n{sources}}}\n}}\n\n"));
    }

    // The tests: their requirements, configuration and directories on top.
    let pytest = requires(repo, &all, "pytest")
        || repo.has_file("pytest.ini")
        || repo.has_file("conftest.py");
    let mut steps = String::new();
    for file in &tests {
        steps.push_str(&copy_files(std::slice::from_ref(file), ""));
        steps.push_str(&format!(
            "run [\"pip\", \"install\", \"--no-cache-dir\", \"--requirement\", {}]\n",
            text::string(file)
        ));
    }
    let config: Vec<String> = TEST_CONFIG
        .iter()
        .filter(|f| repo.has_file(f))
        .map(|f| f.to_string())
        .collect();
    steps.push_str(&copy_files(&config, ""));
    let test_dirs = test_copies(repo);
    if test_dirs.is_empty() {
        steps.push_str("# EDIT: no tests/ directory was found: copy the tests here.\n");
    }
    steps.push_str(&test_dirs);
    let cmd = if pytest {
        "[\"python\", \"-m\", \"pytest\", \"-q\"]"
    } else {
        "[\"python\", \"-m\", \"unittest\", \"discover\", \"-v\"]"
    };
    out.push_str(&format!(
        "# The tests on top of the build; `wbuildc test` builds and runs them.\n\
         variant test extends build {{\n\
         steps += {{\n{steps}}}\n\
         cmd = {cmd}\n\
         }}\n\n"
    ));

    // Production: the virtualenv and the application.
    let gunicorn = requires(repo, &runtime, "gunicorn") && repo.has_file("wsgi.py");
    // A console script pyproject.toml declares is on the virtualenv's PATH.
    let script = project
        .and_then(|p| p.get("scripts"))
        .and_then(|s| s.as_table())
        .and_then(|s| s.keys().find(|k| text::plain_name(k)));
    let packages = repo
        .list("")
        .into_iter()
        .chain(repo.list("src").into_iter().map(|e| super::Entry {
            name: format!("src/{}", e.name),
            ..e
        }));
    let main_package = packages
        .filter(|e| e.is_dir && repo.has_file(&format!("{}/__main__.py", e.name)))
        .map(|e| e.name.trim_start_matches("src/").to_string())
        .next();
    let cmd = if let Some(script) = script {
        text::list(&[script])
    } else if gunicorn {
        let mut cmd = vec!["gunicorn"];
        if repo.has_file("gunicorn.conf.py") {
            cmd.extend(["--config", "gunicorn.conf.py"]);
        }
        cmd.push("wsgi:app");
        text::list(&cmd)
    } else if let Some(main) = ["main.py", "app.py", "server.py", "wsgi.py"]
        .iter()
        .find(|f| repo.has_file(f))
    {
        text::list(&["python", main])
    } else if let Some(package) = main_package {
        text::list(&["python", "-m", package.as_str()])
    } else {
        text::list(&["python", "main.py"])
    };
    out.push_str(&format!(
        "# What ships: Python, the virtualenv and the application, as the unprivileged user.\n\
         variant production extends python.runtime(build = build) {{\n\
         # EDIT: the port the service listens on and the command that starts it.\n\
         expose = [8080]\n\
         cmd = {cmd}\n\
         }}\n"
    ));
    Ok(out)
}
