//! Java with Maven: pom.xml's artifactId, version and finalName (for the jar's
//! name) and its dependencies (listed in a comment: offline Maven needs their
//! Debian packages, which only a person can choose).

use super::text::{self};
use super::{Refusal, Repo};

/// What the starter reads from pom.xml.
#[derive(Default, Debug, PartialEq, Eq)]
struct Pom {
    artifact_id: Option<String>,
    version: Option<String>,
    final_name: Option<String>,
    packaging: Option<String>,
    /// `group:artifact`, with ` (test)` etc. for a scope.
    dependencies: Vec<String>,
}

/// Reads the few elements it needs by their path from `<project>`; comments,
/// processing instructions and attributes are skipped. Not an XML parser: a
/// pom it cannot follow gives fewer facts, never an error.
fn read_pom(text: &str) -> Pom {
    let mut pom = Pom::default();
    let mut path: Vec<String> = Vec::new();
    let mut rest = text;
    let mut dependency: (String, String, String) = Default::default();
    while let Some(open) = rest.find('<') {
        let content = rest.get(..open).unwrap_or("").trim();
        rest = rest.get(open..).unwrap_or("");
        if !content.is_empty() {
            let at: Vec<&str> = path.iter().map(String::as_str).collect();
            let value = content.to_string();
            match at.as_slice() {
                ["project", "artifactId"] => pom.artifact_id = Some(value),
                ["project", "version"] => pom.version = Some(value),
                ["project", "packaging"] => pom.packaging = Some(value),
                ["project", "build", "finalName"] => pom.final_name = Some(value),
                ["project", "dependencies", "dependency", field] => match *field {
                    "groupId" => dependency.0 = value,
                    "artifactId" => dependency.1 = value,
                    "scope" => dependency.2 = value,
                    _ => {}
                },
                _ => {}
            }
        }
        let skip_to = |rest: &str, end: &str| rest.find(end).map(|i| i + end.len());
        let consumed = if rest.starts_with("<!--") {
            skip_to(rest, "-->")
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            skip_to(rest, ">")
        } else {
            let Some(end) = rest.find('>') else { break };
            let tag = rest.get(1..end).unwrap_or("");
            if let Some(name) = tag.strip_prefix('/') {
                if path.last().map(String::as_str) == Some(name.trim()) {
                    if path.len() == 3 && name.trim() == "dependency" {
                        let (group, artifact, scope) = std::mem::take(&mut dependency);
                        let scope = if scope.is_empty() || scope == "compile" {
                            String::new()
                        } else {
                            format!(" ({scope})")
                        };
                        pom.dependencies.push(format!("{group}:{artifact}{scope}"));
                    }
                    path.pop();
                }
            } else if !tag.ends_with('/') {
                let name = tag.split_whitespace().next().unwrap_or("");
                path.push(name.to_string());
            }
            Some(end + 1)
        };
        let Some(consumed) = consumed else { break };
        rest = rest.get(consumed..).unwrap_or("");
    }
    pom
}

/// `${project.artifactId}`-style references to what the pom itself says, resolved.
fn expand(text: &str, pom: &Pom) -> String {
    let artifact = pom.artifact_id.as_deref().unwrap_or("");
    let version = pom.version.as_deref().unwrap_or("");
    text.replace("${project.artifactId}", artifact)
        .replace("${artifactId}", artifact)
        .replace("${project.version}", version)
        .replace("${version}", version)
}

pub(super) fn manifest(image: &str, repo: &dyn Repo) -> Result<String, Refusal> {
    let pom = read_pom(&repo.read("pom.xml").unwrap_or_default());
    if pom.packaging.as_deref().is_some_and(|p| p != "jar") {
        return Err(Refusal(format!(
            "pom.xml packages a {}: the java presets build and run one jar (`<packaging>jar</packaging>`)",
            pom.packaging.as_deref().unwrap_or_default()
        )));
    }
    let mut out = text::header(image, "a Java service built with Maven", "java");
    let version = pom
        .version
        .as_deref()
        .filter(|v| !v.contains("${"))
        .map(str::to_string);
    out.push_str(&text::image_block(image, version.as_deref()));

    let jar_name = match (&pom.final_name, &pom.artifact_id) {
        (Some(name), _) => expand(name, &pom),
        (None, Some(artifact)) => {
            expand(&format!("{artifact}-{}", version.unwrap_or_default()), &pom)
                .trim_end_matches('-')
                .to_string()
        }
        (None, None) => "app".to_string(),
    };
    let jar_note = if jar_name.contains("${") || !text::plain_name(&jar_name) {
        "# EDIT: the jar's name could not be read from pom.xml: write what `mvn package` makes.\n"
    } else {
        ""
    };
    let jar = if jar_note.is_empty() {
        format!("target/{jar_name}.jar")
    } else {
        "target/app.jar".to_string()
    };
    let main_sources = if repo.has_dir("src/main") {
        "copy \"src/main/\" to \"src/main/\"\n"
    } else if repo.has_dir("src") {
        "copy \"src/\" to \"src/\"\n"
    } else {
        "# EDIT: no src/ directory was found: copy the sources here.\n"
    };
    let dependencies = if pom.dependencies.is_empty() {
        "# EDIT: pom.xml declares no dependencies; name the Debian packages of any you add.\n"
            .to_string()
    } else {
        let mut note = String::from(
            "# EDIT: Maven runs offline against Debian's repository, so every dependency\n\
             # is a Debian package named here (e.g. libcommons-lang3-java, junit4).\n\
             # pom.xml declares:\n",
        );
        for dependency in &pom.dependencies {
            note.push_str(&format!("#   {dependency}\n"));
        }
        note
    };
    out.push_str(&format!(
        "# The JDK and Maven from Debian, pom.xml first, then the sources, then the jar.\n\
         variant build extends java.maven(\n\
         source = {{\n{main_sources}}},\n\
         {jar_note}\
         jar = {},\n\
         goals = [\"-DskipTests\", \"package\"],\n\
         {dependencies}\
         packages = [],\n\
         ) {{}}\n\n",
        text::string(&jar)
    ));

    let tests = if repo.has_dir("src/test") {
        "copy \"src/test/\" to \"src/test/\"\n"
    } else {
        "# EDIT: no src/test/ directory was found: copy the tests here.\n"
    };
    out.push_str(&format!(
        "# The unit tests run when the test image runs (`wbuildc test`).\n\
         variant test extends build {{\n\
         steps += {{\n{tests}}}\n\
         cmd = java.mvn + [\"test\"]\n\
         }}\n\n"
    ));
    out.push_str(
        "# What ships: the headless JRE and the jar, as the unprivileged user.\n\
         variant production extends java.runtime(build = build) {\n\
         # EDIT: the port the service listens on.\n\
         expose = [8080]\n\
         }\n",
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{read_pom, Pom};

    #[test]
    fn the_pom_reader_takes_the_project_s_own_elements() {
        let pom = read_pom(
            "<?xml version=\"1.0\"?>\n<!-- <artifactId>no</artifactId> -->\n\
             <project xmlns=\"x\"><parent><artifactId>parent</artifactId></parent>\
             <artifactId>svc</artifactId><version>2.1</version><empty/>\
             <dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId>\
             <scope>test</scope></dependency><dependency><groupId>h</groupId>\
             <artifactId>b</artifactId></dependency></dependencies>\
             <build><finalName>${project.artifactId}-final</finalName></build></project>",
        );
        assert_eq!(
            pom,
            Pom {
                artifact_id: Some("svc".into()),
                version: Some("2.1".into()),
                final_name: Some("${project.artifactId}-final".into()),
                packaging: None,
                dependencies: vec!["g:a (test)".into(), "h:b".into()],
            }
        );
        assert_eq!(read_pom("<project><artifactId>"), Pom::default());
    }
}
