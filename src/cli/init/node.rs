//! Node.js: package.json's version, `test` and `start` scripts and `main`;
//! `npm ci` from package-lock.json (the preset installs exactly what the lock
//! pins, so a repository without one is refused with what to do).

use super::text::{self, source_copies, test_copies};
use super::{Refusal, Repo};

/// The words of a script that is one plain command (`node src/server.js`), to
/// run without a shell; `None` when it needs one (`&&`, `$VAR`, quotes, ...).
fn plain_command(script: &str) -> Option<Vec<&str>> {
    let words: Vec<&str> = script.split_whitespace().collect();
    let plain = !words.is_empty()
        && words.iter().all(|w| {
            w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._/:=@,+-".contains(&b))
        });
    plain.then_some(words)
}

pub(super) fn manifest(image: &str, repo: &dyn Repo) -> Result<String, Refusal> {
    let package: serde_json::Value = repo
        .read("package.json")
        .and_then(|text| serde_json::from_str(&text).ok())
        .ok_or_else(|| Refusal("package.json could not be read as JSON".into()))?;
    if !repo.has_file("package-lock.json") {
        return Err(Refusal(
            "package.json has no package-lock.json beside it: the node presets install exactly what the lock file pins (`npm ci`); run `npm install` to write it, commit it, and run wbuildc init again".into(),
        ));
    }
    let script = |name: &str| package["scripts"][name].as_str();
    let mut out = text::header(image, "a Node.js service", "node");
    out.push_str(&text::image_block(image, package["version"].as_str()));

    let is_source = |name: &str| {
        [".js", ".mjs", ".cjs"].iter().any(|x| name.ends_with(x))
            && !name.contains(".config.")
            && !name.contains(".test.")
    };
    let sources = source_copies(repo, "", &is_source);
    let sources = if sources.is_empty() {
        "# EDIT: no sources were found at the top: copy them here.\n".to_string()
    } else {
        sources
    };
    let exception = text::debian_first_exception(repo, &["package.json"], "npm", false);
    let exception_again = text::debian_first_exception(repo, &["package.json"], "npm", true);
    out.push_str(&format!(
        "# Every dependency (devDependencies too) with `npm ci`, then the sources:\n\
         # for the tests.\n\
         # EDIT: the copies are the directories and scripts found at the top; add what\n\
         # else the service reads.\n\
         variant build extends node.app() {{\n\
         {exception}\
         steps += {{\n{sources}}}\n\
         }}\n\n"
    ));

    let tests = test_copies(repo);
    let (test_cmd, test_note) = match script("test") {
        Some(_) => (text::list(&["npm", "test"]), ""),
        None => (
            text::list(&["node", "--test"]),
            "# EDIT: package.json has no `test` script: this runs node's own test runner.\n",
        ),
    };
    out.push_str(&format!(
        "# The tests on top of the build; `wbuildc test` builds and runs them.\n\
         variant test extends build {{\n\
         {test_note}\
         steps += {{\n{}}}\n\
         cmd = {test_cmd}\n\
         }}\n\n",
        if tests.is_empty() {
            "# EDIT: no test/ directory was found: copy the tests here.\n".to_string()
        } else {
            tests
        }
    ));

    out.push_str(&format!(
        "# Production dependencies only, and the sources: what production copies.\n\
         variant deps extends node.app(dev = \"omit\") {{\n\
         {exception_again}\
         steps += {{\n{sources}}}\n\
         }}\n\n"
    ));

    let start = script("start").and_then(plain_command);
    let main = package["main"].as_str().unwrap_or("index.js");
    let cmd = match &start {
        Some(words) => text::list(words),
        None => text::list(&["node", main]),
    };
    let note = match (script("start"), &start) {
        (Some(_), Some(_)) => "# The command is package.json's `start` script.\n",
        (Some(_), None) => {
            "# EDIT: package.json's `start` script needs a shell; this runs `main` instead.\n"
        }
        (None, _) => "# EDIT: package.json has no `start` script; this runs `main`.\n",
    };
    out.push_str(&format!(
        "# What ships: nodejs, the production dependencies and the sources, as the\n\
         # unprivileged user.\n\
         variant production extends node.runtime(build = deps) {{\n\
         # EDIT: the port the service listens on.\n\
         expose = [8080]\n\
         {note}\
         cmd = {cmd}\n\
         }}\n"
    ));
    Ok(out)
}
