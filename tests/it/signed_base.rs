//! `images.require_signed_base` (docs/publishing.md, "Verifying base images"):
//! the configuration side, with the real `wbuildc` on a scratch repository, the
//! organisation's configuration directory beside it, and stand-ins for the engine
//! and for skopeo (scripts first on PATH that record what they were asked). The
//! real verification, with skopeo, GPG and a registry, is tests/e2e/signed-base.sh.

use crate::support::wbuildc_command;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Output;

/// A repository (`repo/`, with `.git`) whose `production` starts from the stdlib's
/// base (through `base.runtime()`) and whose `direct` names its base itself (and
/// mounts it for its `apt` step).
const MANIFEST: &str = r#"import "base"
image "svc" {}
variant production extends base.runtime() {
  cmd = ["/srv/app/svc"]
}
variant direct {
  base = "registry.example.org/tools:1.0"
  steps = {
    apt ["curl"]
  }
  user = base.somebody
  cmd = ["/srv/app/svc"]
}
variant child {
  base = direct
  cmd = ["/srv/app/other"]
}
"#;

const TRUST: &str = "[trust]\nkeys = [\"keys/org.pub.gpg\"]\nregistries_d = \"registries.d\"\n";
const REQUIRED: &str = "[images]\nrequire_signed_base = true\n";

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    /// The repository, the organisation's directory `org/` (its policy and, when
    /// `trust`, its `[trust]` with a key file and a registries.d), and `bin/` with
    /// the stand-ins.
    fn new(org_policy: &str, trust: bool) -> Scratch {
        let s = Scratch {
            dir: tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
        };
        s.write("repo/.git/HEAD", "");
        s.write("repo/service.wbuild", MANIFEST);
        s.write("org/policy.toml", org_policy);
        if trust {
            s.write("org/wbuild.toml", TRUST);
            s.write("org/keys/org.pub.gpg", "stand-in public key\n");
            std::fs::create_dir_all(s.path("org/registries.d")).unwrap_or_else(|e| panic!("{e}"));
        }
        // skopeo: `inspect --raw` serves a fixed manifest (its sha256 is the
        // digest), `copy` keeps the policy it was given and rejects the image
        // when FAKE_SKOPEO_REJECT is set, as skopeo's policy does.
        s.script(
            "bin/skopeo",
            r#"#!/bin/sh
printf '%s\n' "$*" >> "$LOG/skopeo.calls"
case "$*" in
  *"inspect --raw"*) printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}' ; exit 0 ;;
esac
prev=""
for a in "$@"; do
  if [ "$prev" = "--policy" ]; then cp "$a" "$LOG/policy.json"; fi
  prev="$a"
done
if [ -n "$FAKE_SKOPEO_REJECT" ]; then
  echo 'time="2026-12-02T12:00:00Z" level=fatal msg="Source image rejected: A signature was required, but no signature exists"' >&2
  exit 1
fi
exit 0
"#,
        );
        // The engine: keeps the Dockerfile it was given.
        s.script(
            "bin/engine",
            r#"#!/bin/sh
prev=""
for a in "$@"; do
  if [ "$prev" = "-f" ]; then cp "$a" "$LOG/Dockerfile"; fi
  prev="$a"
done
exit 0
"#,
        );
        s
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    fn script(&self, relative: &str, text: &str) {
        self.write(relative, text);
        let _ =
            std::fs::set_permissions(self.path(relative), std::fs::Permissions::from_mode(0o755));
    }

    fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative)).unwrap_or_default()
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = wbuildc_command(&self.path("repo"), args);
        command
            .env("WBUILD_CONFIG", self.path("org"))
            .env("PATH", path)
            .env("LOG", self.dir.path())
            .env("WBUILDC_BUILDAH", self.path("bin/engine"))
            .env_remove("FAKE_SKOPEO_REJECT");
        for (k, v) in env {
            command.env(k, v);
        }
        command
            .output()
            .unwrap_or_else(|e| panic!("run wbuildc: {e}"))
    }

    fn build(&self, variant: &str, env: &[(&str, &str)]) -> Output {
        self.run(&["build", "service.wbuild", "--variant", variant], env)
    }
}

fn all(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_repository_may_require_signed_bases_but_never_drop_the_requirement() {
    let s = Scratch::new("", true);
    s.write("repo/wbuild-policy.toml", REQUIRED);
    let out = s.run(&["policy", "explain", "service.wbuild"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let explained = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        explained.contains("require_signed_base = true  # repository: "),
        "{explained}"
    );

    let s = Scratch::new(REQUIRED, true);
    s.write(
        "repo/wbuild-policy.toml",
        "[images]\nrequire_signed_base = false\n",
    );
    let out = s.run(&["check", "service.wbuild"], &[]);
    let text = all(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "error[WB5011]: a repository's policy cannot loosen `images.require_signed_base`"
        ),
        "{text}"
    );
    // Not applied: the build still verifies.
    let out = s.build("direct", &[("FAKE_SKOPEO_REJECT", "1")]);
    assert_eq!(out.status.code(), Some(1), "{}", all(&out));
}

#[test]
fn a_repository_cannot_name_the_keys_base_images_are_verified_with() {
    let s = Scratch::new(REQUIRED, true);
    s.write(
        "repo/wbuild.toml",
        "[trust]\nkeys = [\"mine.gpg\"]\nregistries_d = \"registries.d\"\n",
    );
    s.write("repo/mine.gpg", "the repository's own key\n");
    let out = s.build("direct", &[]);
    let text = all(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error[WB5013]: a repository cannot choose whose signatures are trusted"),
        "{text}"
    );
    assert!(text.contains("$WBUILD_CONFIG/wbuild.toml"), "{text}");
    // Refused before anything ran.
    assert_eq!(s.read("skopeo.calls"), "");
    assert_eq!(s.read("Dockerfile"), "");
}

#[test]
fn without_trust_material_a_required_verification_is_an_error_and_nothing_runs() {
    let s = Scratch::new(REQUIRED, false);
    let out = s.build("direct", &[]);
    let text = all(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(
            "the policy requires signed base images (images.require_signed_base, organisation: "
        ) && text.contains("names no keys to verify them with: add `[trust]`"),
        "{text}"
    );
    assert_eq!(s.read("skopeo.calls"), "");
    assert_eq!(s.read("Dockerfile"), "");

    // A key file that is not there.
    let s = Scratch::new(REQUIRED, true);
    let _ = std::fs::remove_file(s.path("org/keys/org.pub.gpg"));
    let out = s.build("direct", &[]);
    let text = all(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("cannot read the public key"), "{text}");
    assert!(text.contains("org/keys/org.pub.gpg"), "{text}");
    assert_eq!(s.read("Dockerfile"), "");

    // An unknown key in `[trust]` is the organisation's typo, not ignored.
    let s = Scratch::new(REQUIRED, true);
    s.write(
        "org/wbuild.toml",
        "[trust]\nkey = [\"keys/org.pub.gpg\"]\nregistries_d = \"registries.d\"\n",
    );
    let out = s.build("direct", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    assert!(all(&out).contains("unknown field `key`"), "{}", all(&out));
}

#[test]
fn without_the_requirement_nothing_is_verified() {
    let s = Scratch::new("", true);
    let out = s.build("child", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    assert_eq!(s.read("skopeo.calls"), "");
    assert!(
        s.read("Dockerfile")
            .contains("FROM registry.example.org/tools:1.0 AS direct"),
        "{}",
        s.read("Dockerfile")
    );
}

/// The digest the stand-in serves: sha256 of its manifest.
fn served_digest() -> String {
    use sha2::Digest;
    let manifest =
        r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#;
    format!("sha256:{:x}", sha2::Sha256::digest(manifest.as_bytes()))
}

#[test]
fn a_verified_base_is_built_on_by_the_digest_that_was_verified() {
    let s = Scratch::new(REQUIRED, true);
    let out = s.build("child", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let digest = served_digest();
    let calls = s.read("skopeo.calls");
    let lines: Vec<&str> = calls.lines().collect();
    // One image (the stage built on `direct` is not verified), resolved once,
    // then copied by that digest under the generated policy.
    assert_eq!(lines.len(), 2, "{calls}");
    assert!(
        lines[0].contains("inspect --raw")
            && lines[0].ends_with("docker://registry.example.org/tools:1.0"),
        "{calls}"
    );
    assert!(
        lines[1].starts_with("--policy ")
            && lines[1].contains(" copy ")
            && lines[1].contains(&format!(
                "--registries.d {}",
                s.path("org/registries.d").display()
            ))
            && lines[1].contains(&format!(
                "-- docker://registry.example.org/tools@{digest} dir:"
            )),
        "{calls}"
    );
    let policy: serde_json::Value =
        serde_json::from_str(&s.read("policy.json")).unwrap_or_default();
    let key = std::fs::canonicalize(s.path("org/keys/org.pub.gpg")).unwrap_or_default();
    assert_eq!(policy["default"][0]["type"], "reject", "{policy}");
    let requirement = &policy["transports"]["docker"][""][0];
    assert_eq!(requirement["type"], "signedBy", "{policy}");
    assert_eq!(
        requirement["keyPaths"],
        serde_json::json!([key.to_string_lossy()]),
        "{policy}"
    );
    let dockerfile = s.read("Dockerfile");
    assert!(
        dockerfile.contains(&format!(
            "FROM registry.example.org/tools:1.0@{digest} AS direct"
        )),
        "{dockerfile}"
    );
    assert!(dockerfile.contains("FROM direct AS child"), "{dockerfile}");
    // The `apt` step's mount of the base is the verified image too.
    assert!(
        dockerfile.contains(&format!(
            "--mount=type=bind,from=registry.example.org/tools:1.0@{digest},"
        )),
        "{dockerfile}"
    );
    assert!(
        !dockerfile.contains("from=registry.example.org/tools:1.0,"),
        "{dockerfile}"
    );
}

#[test]
fn a_refused_base_is_wb6002_at_the_users_line_and_nothing_is_built() {
    let s = Scratch::new(REQUIRED, true);
    let out = s.build("child", &[("FAKE_SKOPEO_REJECT", "1")]);
    let text = all(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "error[WB6002]: `registry.example.org/tools:1.0` is not signed by the organisation"
        ),
        "{text}"
    );
    assert!(text.contains("service.wbuild:7:10"), "{text}");
    // Refused once, though the `apt` step mounts it too.
    assert_eq!(text.matches("error[WB6002]").count(), 1, "{text}");
    assert!(
        text.contains("= skopeo: A signature was required, but no signature exists"),
        "{text}"
    );
    assert!(
        text.contains("help: build on an image the organisation publishes signed"),
        "{text}"
    );
    assert_eq!(s.read("Dockerfile"), "");
    let rendered = |text: &str| -> String {
        let start = text.find("error[WB6002]").unwrap_or(0);
        let block = &text[start..];
        let end = block.find("\n\n").unwrap_or(block.len());
        block[..end].replace(&*s.dir.path().to_string_lossy(), "[TMP]")
    };
    let mut shown = rendered(&text);

    // The stdlib's base, through a preset: at the user's `extends` line.
    let out = s.build("production", &[("FAKE_SKOPEO_REJECT", "1")]);
    let text = all(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error[WB6002]: in variant `production`: `registry.example.org/debian:bookworm` is not signed by the organisation"),
        "{text}"
    );
    assert!(text.contains("service.wbuild:3:28"), "{text}");
    assert!(
        text.contains("`production` gets this from `base.runtime`"),
        "{text}"
    );
    assert_eq!(s.read("Dockerfile"), "");
    shown.push_str("\n\n");
    shown.push_str(&rendered(&text));
    insta::assert_snapshot!("wb6002_rendered", shown);
}
