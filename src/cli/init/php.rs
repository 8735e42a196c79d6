//! PHP: composer install from composer.lock (refused without one, with what to
//! do), the application directories as sources, PHPUnit from Debian for the
//! tests, PHP's built-in server on `public/` in production.

use super::text::{self, source_copies, test_copies};
use super::{Refusal, Repo};

pub(super) fn manifest(image: &str, repo: &dyn Repo) -> Result<String, Refusal> {
    let composer: serde_json::Value = repo
        .read("composer.json")
        .and_then(|text| serde_json::from_str(&text).ok())
        .ok_or_else(|| Refusal("composer.json could not be read as JSON".into()))?;
    if !repo.has_file("composer.lock") {
        return Err(Refusal(
            "composer.json has no composer.lock beside it: the php presets install exactly what the lock file pins; run `composer update` to write it, commit it, and run wbuildc init again".into(),
        ));
    }
    let mut out = text::header(image, "a PHP service", "php");
    out.push_str("# The port the service listens on (EDIT).\nlet port = 8080\n\n");
    out.push_str(&text::image_block(image, composer["version"].as_str()));

    let sources = source_copies(repo, "", &|name| name.ends_with(".php"));
    let sources = if sources.is_empty() {
        "# EDIT: no sources were found at the top: copy them here.\n".to_string()
    } else {
        sources
    };
    let exception = text::debian_first_exception(repo, &["composer.json"], "composer", false);
    let body = if exception.is_empty() {
        "{}".to_string()
    } else {
        format!("{{\n{exception}}}")
    };
    out.push_str(&format!(
        "# composer.json and composer.lock, the dependencies (no require-dev), the\n\
         # sources, then the optimised autoloader.\n\
         # EDIT: the copies are the directories and scripts found at the top.\n\
         variant build extends php.app(source = {{\n{sources}}}) {body}\n\n"
    ));

    let config: Vec<String> = ["phpunit.xml", "phpunit.xml.dist"]
        .iter()
        .filter(|f| repo.has_file(f))
        .map(|f| f.to_string())
        .collect();
    let tests = test_copies(repo);
    let tests = if tests.is_empty() {
        "# EDIT: no tests/ directory was found: copy the tests here.\n".to_string()
    } else {
        tests
    };
    out.push_str(&format!(
        "# PHPUnit from Debian and the tests, then the autoloader again with the\n\
         # autoload-dev mappings; `wbuildc test` builds and runs them.\n\
         variant test extends build {{\n\
         steps += {{\n\
         apt [\"phpunit\"]\n\
         {}{tests}\
         run [\"composer\", \"dump-autoload\", \"--no-interaction\"]\n\
         }}\n\
         cmd = [\"phpunit\"]\n\
         }}\n\n",
        text::copy_files(&config, "")
    ));

    // PHP's built-in server: the document root is public/ when there is one, and
    // its index.php the router (every path reaches the front controller).
    let mut cmd = vec!["php", "-S", "0.0.0.0:${port}"];
    if repo.has_dir("public") {
        cmd.extend(["-t", "public"]);
        if repo.has_file("public/index.php") {
            cmd.push("public/index.php");
        }
    }
    let cmd: Vec<String> = cmd.iter().map(|w| text_word(w)).collect();
    out.push_str(&format!(
        "# What ships: php-cli and the application, as the unprivileged user.\n\
         variant production extends php.runtime(build = build) {{\n\
         expose = [port]\n\
         # EDIT: PHP's built-in server is for small services; behind a real web\n\
         # server, run php-fpm instead.\n\
         cmd = [{}]\n\
         }}\n",
        cmd.join(", ")
    ));
    Ok(out)
}

/// A word of the production command: quoted, except that `${port}` stays an
/// interpolation of the `port` constant.
fn text_word(word: &str) -> String {
    match word.split_once("${port}") {
        Some((before, after)) => {
            let before = text::string(before);
            let after = text::string(after);
            format!(
                "{}${{port}}{}",
                before.strip_suffix('"').unwrap_or(&before),
                after.strip_prefix('"').unwrap_or(&after)
            )
        }
        None => text::string(word),
    }
}
