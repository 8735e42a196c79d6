//! Go: go.mod's module path and requirements (none: the module proxy is off),
//! go.sum when there is one, the main package (`cmd/NAME`, else the top), a
//! static binary on an empty runtime image.

use super::text::{self, source_copies};
use super::{Refusal, Repo};

/// What the starter reads from go.mod.
#[derive(Default, Debug, PartialEq, Eq)]
struct GoMod {
    module: Option<String>,
    requires: usize,
}

fn read_go_mod(text: &str) -> GoMod {
    let mut out = GoMod::default();
    let mut in_require = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if in_require {
            if line == ")" {
                in_require = false;
            } else if !line.is_empty() {
                out.requires += 1;
            }
        } else if let Some(path) = line.strip_prefix("module ") {
            out.module = Some(path.trim().trim_matches('"').to_string());
        } else if line == "require (" || line == "require(" {
            in_require = true;
        } else if line.starts_with("require ") {
            out.requires += 1;
        }
    }
    out
}

/// Whether a directory holds Go files of package main.
fn is_main_package(repo: &dyn Repo, dir: &str) -> bool {
    repo.list(dir)
        .iter()
        .filter(|e| !e.is_dir && e.name.ends_with(".go") && !e.name.ends_with("_test.go"))
        .filter_map(|e| {
            let path = if dir.is_empty() {
                e.name.clone()
            } else {
                format!("{dir}/{}", e.name)
            };
            repo.read(&path)
        })
        .any(|code| code.lines().any(|l| l.trim() == "package main"))
}

pub(super) fn manifest(image: &str, repo: &dyn Repo) -> Result<String, Refusal> {
    let go_mod = read_go_mod(&repo.read("go.mod").unwrap_or_default());
    let mut out = text::header(image, "a Go service", "go");
    out.push_str(&text::image_block(image, None));

    let commands: Vec<String> = repo
        .list("cmd")
        .into_iter()
        .filter(|e| e.is_dir && text::plain_name(&e.name))
        .filter(|e| is_main_package(repo, &format!("cmd/{}", e.name)))
        .map(|e| e.name)
        .collect();
    let (package, binary, package_note) = match commands.as_slice() {
        [] if is_main_package(repo, "") => (".".to_string(), image.to_string(), String::new()),
        [] => (
            "./...".to_string(),
            image.to_string(),
            "# EDIT: no main package was found (cmd/NAME/ or the top): name the one to build.\n"
                .to_string(),
        ),
        [one] => (format!("./cmd/{one}"), one.clone(), String::new()),
        [first, others @ ..] => (
            format!("./cmd/{first}"),
            first.clone(),
            format!(
                "# EDIT: cmd/ has other commands too ({}): a build variant each if they ship.\n",
                others.join(", ")
            ),
        ),
    };
    let output = format!("/out/{binary}");
    let manifests: Vec<&str> = ["go.mod", "go.sum"]
        .into_iter()
        .filter(|f| repo.has_file(f))
        .collect();
    let sources = source_copies(repo, "", &|name| name.ends_with(".go") || name == "go.work");
    let module = go_mod
        .module
        .as_deref()
        .map(|m| format!(" ({m})"))
        .unwrap_or_default();
    let proxy = if go_mod.requires == 0 {
        "# go.mod requires no modules, so nothing is downloaded: the module proxy is\n\
         # off (EDIT: remove this line when you add a dependency).\n\
         proxy = \"off\",\n"
    } else {
        ""
    };
    let manifests_arg = if manifests == ["go.mod"] {
        String::new()
    } else {
        format!("manifests = {},\n", text::list(&manifests))
    };
    out.push_str(&text::comment(&format!(
        "Debian's Go toolchain: the modules the module{module} requires downloaded first, \
         then the sources, then a static binary."
    )));
    out.push_str(&format!(
        "# EDIT: the copies are the directories and files found at the top.\n\
         variant build extends go.build(\n\
         source = {{\n{sources}}},\n\
         {package_note}\
         package = {},\n\
         output = {},\n\
         {manifests_arg}\
         {proxy}\
         ) {{}}\n\n",
        text::string(&package),
        text::string(&output),
    ));
    out.push_str(
        "# The tests run when the test image runs (`wbuildc test`).\n\
         variant test extends build {\n\
         cmd = [\"go\", \"test\", \"./...\"]\n\
         }\n\n",
    );
    out.push_str(&format!(
        "# What ships: the binary and CA certificates on an empty image, as the\n\
         # unprivileged user.\n\
         variant production extends go.runtime(build = build, binary = {}) {{\n\
         # EDIT: the port the service listens on.\n\
         expose = [8080]\n\
         }}\n",
        text::string(&output)
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{read_go_mod, GoMod};

    #[test]
    fn go_mod_gives_the_module_and_how_many_it_requires() {
        assert_eq!(
            read_go_mod("module example.com/a // the module\n\ngo 1.19\n"),
            GoMod {
                module: Some("example.com/a".into()),
                requires: 0
            }
        );
        assert_eq!(
            read_go_mod(
                "module \"x\"\nrequire golang.org/x/text v0.3.0\nrequire (\n  a v1\n\n  b v2 // indirect\n)\n"
            ),
            GoMod {
                module: Some("x".into()),
                requires: 3
            }
        );
    }
}
