//! `wbuildc tags` and `wbuildc publish` (docs/publishing.md): the driver around
//! `publish/` (which decides) and `build/registry.rs` (which talks to the
//! registry through skopeo). Here: git, the environment, the clock, the order of
//! the pushes and the checks between them.
//!
//! The order of a publish: the policy's CI marker; release or snapshot from
//! git; the tags (the next number from the registry's tag list); the immutable
//! tag must not exist; push it; read its digest back (another push in between
//! is a failure, and nothing floats); then each floating tag is pointed at that
//! digest (`--preserve-digests`) and read back. The image's bill of materials is
//! read before the first push and pushed beside the image before any floating
//! tag moves (`provenance.rs`).

use crate::build::registry::{self, Access, CopyOptions, RegistryError};
use crate::cli::args::{Common, Format, PublishArgs, SigningArgs};
use crate::cli::{exit, prepare, print_stdout, report_usage, use_color, UsageError};
use crate::diagnostics::Diagnostic;
use crate::publish::{self, tags, GitState, Kind, PublishTags};
use serde_json::json;
use std::path::Path;
use std::process::Command;

/// Why a command stopped.
enum Stop {
    /// A usage, tool or registry problem (exit 2).
    Usage(UsageError),
    /// Publishing was refused: not a release, CI only, a tag exists (exit 1).
    Refused { message: String, help: String },
    /// The manifest has errors, already printed (exit 1).
    Diagnostics,
}

impl From<UsageError> for Stop {
    fn from(e: UsageError) -> Stop {
        Stop::Usage(e)
    }
}

fn refused(message: impl Into<String>, help: impl Into<String>) -> Stop {
    Stop::Refused {
        message: message.into(),
        help: help.into(),
    }
}

fn stop(format: Format, s: Stop) -> u8 {
    let (kind, message, help, code) = match s {
        Stop::Diagnostics if format == Format::Json => (
            "diagnostics",
            "the manifest has errors (printed on standard error)".to_string(),
            None,
            exit::INPUT_ERRORS,
        ),
        Stop::Diagnostics => return exit::INPUT_ERRORS,
        Stop::Usage(UsageError(m)) => ("usage", m, None, exit::USAGE),
        Stop::Refused { message, help } => ("refused", message, Some(help), exit::INPUT_ERRORS),
    };
    if format == Format::Json {
        let report = json!({
            "version": crate::cli::REPORT_VERSION,
            "errors": [{ "kind": kind, "message": message, "help": help }],
        });
        let _ = print_stdout(&format!("{report}\n"));
    }
    if kind == "diagnostics" {
        return code;
    }
    if code == exit::USAGE && help.is_none() {
        return report_usage(UsageError(message));
    }
    eprintln!("error: {}", crate::diagnostics::render::printable(&message));
    if let Some(help) = help {
        eprintln!("  help: {}", crate::diagnostics::render::printable(&help));
    }
    code
}

/// What a publish of one variant is: its kind, its tags and where they go.
struct Planned {
    kind: Kind,
    git_tag: Option<String>,
    variant: String,
    image_name: String,
    image_version: Option<String>,
    /// HEAD's commit, when in a repository with commits.
    head: Option<String>,
    tags: PublishTags,
    access: Access,
}

pub fn tags(common: &Common, path: &Path, args: &PublishArgs) -> u8 {
    let planned = match plan(common, path, args, None) {
        Ok(planned) => planned,
        Err(s) => return stop(args.format, s),
    };
    let text = match args.format {
        Format::Json => format!("{}\n", planned_json(&planned)),
        Format::Human => {
            let mut text = match (&planned.kind, &planned.git_tag) {
                (Kind::Release { version }, Some(tag)) => {
                    format!("release {version} (git tag {tag})\n")
                }
                _ => "snapshot\n".to_string(),
            };
            let refs = planned.tags.references();
            for (i, reference) in refs.iter().enumerate() {
                let what = if i == 0 { "immutable" } else { "floating " };
                text.push_str(&format!("{what} {reference}\n"));
            }
            text
        }
    };
    match print_stdout(&text) {
        Ok(()) => exit::SUCCESS,
        Err(e) => report_usage(e),
    }
}

pub fn publish(
    common: &Common,
    path: &Path,
    args: &PublishArgs,
    from: Option<&str>,
    signing: &SigningArgs,
) -> u8 {
    match run_publish(common, path, args, from, signing) {
        Ok(code) => code,
        Err(s) => stop(args.format, s),
    }
}

fn run_publish(
    common: &Common,
    path: &Path,
    args: &PublishArgs,
    from: Option<&str>,
    signing: &SigningArgs,
) -> Result<u8, Stop> {
    let from = from.map(source_of).transpose()?;
    let sign_by = signing.sign_by.as_deref().map(key_of).transpose()?;
    let mut planned = plan(common, path, args, Some(sign_by.is_some()))?;
    planned.access.registries_d = signing.registries_d.clone();
    let source = from.unwrap_or_else(|| {
        format!(
            "containers-storage:localhost/{}:{}",
            planned.image_name, planned.variant
        )
    });
    let labels = registry::local_labels(&source).map_err(|e| {
        Stop::Usage(UsageError(format!(
            "cannot read the image to publish ({source}): {e}; build it first (`wbuildc build FILE --variant {}`) or name it with --from",
            planned.variant
        )))
    })?;
    let expected = publish::source::Expected {
        title: &planned.image_name,
        version: planned.image_version.as_deref(),
        variant: &planned.variant,
        revision: match planned.kind {
            Kind::Release { .. } => planned.head.as_deref(),
            Kind::Snapshot => None,
        },
    };
    if let Some((key, want, found)) = publish::source::mismatch(&labels, &expected) {
        return Err(refused(
            format!(
                "{source} is not this build: its label {key} is {}, not `{want}`",
                found.map_or("missing".to_string(), |f| format!("`{f}`"))
            ),
            "build the variant from this commit (`wbuildc build`) and publish that image; a release is built from the tagged commit of a clean tree",
        ));
    }
    let scratch = tempfile::Builder::new()
        .prefix("wbuildc-publish-")
        .tempdir()
        .map_err(|e| UsageError(format!("cannot create a scratch directory: {e}")))?;
    let contents = super::provenance::read(&source, scratch.path()).map_err(|e| {
        Stop::Usage(UsageError(format!(
            "cannot read the packages of the image to publish: {e}"
        )))
    })?;
    let access = &planned.access;
    let repository = &planned.tags.repository;
    let immutable = format!("{repository}:{}", planned.tags.immutable);
    // Checked just before the push: the tag list may be a moment old.
    if let Some(existing) = registry::digest_of(&immutable, access).map_err(registry_stop)? {
        return Err(refused(
            format!(
                "{immutable} already exists ({existing}): an immutable tag is never overwritten"
            ),
            "publish again (without --number) to take the next free number",
        ));
    }
    eprintln!("wbuildc: pushing {source} to {immutable}");
    let options = CopyOptions {
        preserve: false,
        sign_by,
    };
    let digest = registry::copy(&source, &immutable, access, scratch.path(), options)
        .map_err(registry_stop)?;
    let served = registry::digest_of(&immutable, access).map_err(registry_stop)?;
    if served.as_deref() != Some(digest.as_str()) {
        return Err(Stop::Usage(UsageError(format!(
            "{immutable} was pushed as {digest} but the registry now serves {}: another publish raced this one; the floating tags were not moved",
            served.as_deref().unwrap_or("nothing")
        ))));
    }
    let sbom = push_sbom(
        &contents,
        &planned,
        &labels,
        &digest,
        scratch.path(),
        sign_by,
    )?;
    let mut pushed = vec![json!({
        "reference": immutable,
        "tag": planned.tags.immutable,
        "immutable": true,
        "digest": digest,
        "previous": null,
    })];
    let by_digest = format!("docker://{repository}@{digest}");
    for tag in &planned.tags.floating {
        let reference = format!("{repository}:{tag}");
        let previous = registry::digest_of(&reference, access).map_err(registry_stop)?;
        let options = CopyOptions {
            preserve: true,
            sign_by,
        };
        let moved = registry::copy(&by_digest, &reference, access, scratch.path(), options)
            .map_err(registry_stop)?;
        let served = registry::digest_of(&reference, access).map_err(registry_stop)?;
        if moved != digest || served.as_deref() != Some(digest.as_str()) {
            return Err(Stop::Usage(UsageError(format!(
                "{reference} should name {digest} but the registry serves {}",
                served.as_deref().unwrap_or("nothing")
            ))));
        }
        pushed.push(json!({
            "reference": reference,
            "tag": tag,
            "immutable": false,
            "digest": digest,
            "previous": previous,
        }));
    }
    let text = match args.format {
        Format::Json => {
            let mut report = planned_json(&planned);
            report["source"] = json!(source);
            report["digest"] = json!(digest);
            report["signed_by"] = json!(sign_by);
            report["sbom"] = json!({
                "reference": sbom.reference,
                "digest": sbom.digest,
                "packages": sbom.packages,
            });
            report["pushed"] = json!(pushed);
            format!("{report}\n")
        }
        Format::Human => pushed
            .iter()
            .map(|p| {
                format!(
                    "{}@{}\n",
                    p["reference"].as_str().unwrap_or(""),
                    p["digest"].as_str().unwrap_or("")
                )
            })
            .chain([format!("{}@{}\n", sbom.reference, sbom.digest)])
            .collect(),
    };
    print_stdout(&text)?;
    Ok(exit::SUCCESS)
}

/// The bill of materials of the image pushed as `digest`, beside it; its time
/// is the image's `created` label (what `wbuildc build` stamps from
/// SOURCE_DATE_EPOCH), else the build's time.
fn push_sbom(
    contents: &super::provenance::Contents,
    planned: &Planned,
    labels: &std::collections::BTreeMap<String, String>,
    digest: &str,
    scratch: &Path,
    sign_by: Option<&str>,
) -> Result<super::provenance::Pushed, Stop> {
    let created = match labels.get("org.opencontainers.image.created") {
        Some(c) if publish::sbom::is_spdx_time(c) => c.clone(),
        _ => crate::build::rfc3339(build_seconds()?),
    };
    let image = publish::sbom::Image {
        repository: &planned.tags.repository,
        digest,
        version: planned.image_version.as_deref(),
        created: &created,
    };
    super::provenance::push(contents, &image, &planned.access, scratch, sign_by)
        .map_err(registry_stop)
}

/// `--sign-by`: a GPG fingerprint (or long key id), never anything gpg could
/// read as an option or a user-id pattern.
fn key_of(text: &str) -> Result<&str, Stop> {
    let hex = text.bytes().all(|b| b.is_ascii_hexdigit());
    if hex && (16..=40).contains(&text.len()) {
        Ok(text)
    } else {
        Err(Stop::Usage(UsageError(format!(
            "--sign-by must be a GPG key fingerprint (16 to 40 hex digits), not `{text}`"
        ))))
    }
}

/// `--from`: a local image, never another registry (what is published is what
/// this build made).
fn source_of(text: &str) -> Result<String, Stop> {
    let ok = ["oci:", "oci-archive:", "containers-storage:"]
        .iter()
        .any(|p| text.strip_prefix(p).is_some_and(|rest| !rest.is_empty()));
    if ok {
        Ok(text.to_string())
    } else {
        Err(Stop::Usage(UsageError(format!(
            "--from must be oci:DIR[:REF], oci-archive:FILE or containers-storage:IMAGE, not `{text}`"
        ))))
    }
}

fn registry_stop(e: RegistryError) -> Stop {
    match e {
        RegistryError::Unauthorized(m) => refused(
            format!("the registry refused the credentials: {m}"),
            format!(
                "credentials come from the containers auth file ({}), never from the manifest or the command line: log in with `skopeo login HOST`, or in CI write the auth file from the CI's secret store",
                auth_file_locations()
            ),
        ),
        RegistryError::Failed(m) => Stop::Usage(UsageError(m)),
    }
}

/// Where skopeo looks for credentials, in its order, for the help line.
fn auth_file_locations() -> String {
    match std::env::var("REGISTRY_AUTH_FILE") {
        Ok(file) if !file.is_empty() => format!("REGISTRY_AUTH_FILE={file}"),
        _ => "$REGISTRY_AUTH_FILE, else ${XDG_RUNTIME_DIR}/containers/auth.json, else ~/.docker/config.json".into(),
    }
}

fn planned_json(planned: &Planned) -> serde_json::Value {
    let refs = planned.tags.references();
    let tags: Vec<serde_json::Value> = std::iter::once(&planned.tags.immutable)
        .chain(&planned.tags.floating)
        .zip(&refs)
        .enumerate()
        .map(|(i, (tag, reference))| json!({ "tag": tag, "reference": reference, "immutable": i == 0 }))
        .collect();
    let version = match &planned.kind {
        Kind::Release { version } => Some(version.clone()),
        Kind::Snapshot => None,
    };
    json!({
        "version": crate::cli::REPORT_VERSION,
        "kind": planned.kind.name(),
        "release": version,
        "git_tag": planned.git_tag,
        "variant": planned.variant,
        "repository": planned.tags.repository,
        "tags": tags,
    })
}

fn plan(
    common: &Common,
    path: &Path,
    args: &PublishArgs,
    // For publish: whether a signing key was given.
    publishing: Option<bool>,
) -> Result<Planned, Stop> {
    let prepared = prepare(common, path)?;
    let (session, file) = (&prepared.session, prepared.file);
    let compiler = &session.compiler;
    let policy = compiler.policy();
    let color = use_color(common);
    let print = |diagnostics: &[Diagnostic]| {
        eprint!(
            "{}{}",
            compiler.render(diagnostics, color),
            crate::diagnostics::render::summary(diagnostics.iter().map(Diagnostic::tally))
        );
    };
    if session.failed() {
        print(&session.problems);
        return Err(Stop::Diagnostics);
    }
    if let Err(diagnostics) = compiler.compile_ir(file, &args.variant) {
        print(&diagnostics);
        return Err(Stop::Diagnostics);
    }
    if let Some(signed) = publishing {
        if policy.require_signature.value && !signed {
            return Err(refused(
                format!(
                    "the policy requires every published image to be signed (publishing.require_signature, {}), and no key was given",
                    policy.require_signature.source
                ),
                "pass --sign-by FINGERPRINT with the organisation's signing key (in $GNUPGHOME's keyring)",
            ));
        }
        let missing = publish::missing_ci_env(&policy.require_ci_env.value, |name| {
            std::env::var(name).ok()
        });
        if !missing.is_empty() {
            return Err(refused(
                format!(
                    "the policy publishes only from CI, and {} is not set (publishing.require_ci_env, {})",
                    missing.join(", "),
                    policy.require_ci_env.source
                ),
                "images are published by CI, never uploaded by people: push a tag or a commit and let CI publish it",
            ));
        }
    }
    let Some(image) = compiler.image(file) else {
        return Err(refused(
            format!(
                "{} has no `image` block: the image has no name to publish",
                path.display()
            ),
            "add `image \"NAME\" { version = \"X.Y.Z\" }`",
        ));
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let git = git_state(dir)?;
    let kind =
        publish::release::decide(&git, image.version.as_deref(), args.snapshot).map_err(|r| {
            let (message, help) = r.message();
            refused(message, help)
        })?;
    let git_tag = match &kind {
        Kind::Release { .. } => git.release_tags().first().map(|(t, _)| t.to_string()),
        Kind::Snapshot => None,
    };
    let releases = compiler
        .variants(file)
        .iter()
        .filter(|v| policy.release_variants.value.contains(v))
        .count();
    let subject = tags::Subject {
        policy,
        image_name: &image.name,
        manifest_version: image.version.as_deref(),
        variant: &args.variant,
        release_variants_in_file: releases,
    };
    let access = Access {
        cert_dir: args.cert_dir.clone(),
        registries_d: None,
    };
    let (repository, floating) = tags::floating(&subject, &kind)
        .map_err(|e| refused(e.to_string(), "see `wbuildc docs publishing`"))?;
    let date = tags::build_date(build_seconds()?);
    let number = match args.number {
        Some(n) => n,
        None => {
            let listed = registry::list_tags(&repository, &access).map_err(registry_stop)?;
            tags::next_number(
                listed.iter().map(String::as_str),
                &tags::immutable_prefix(&floating, &date),
            )
        }
    };
    let tags = tags::publish_tags(&subject, &kind, &date, number)
        .map_err(|e| refused(e.to_string(), "see `wbuildc docs publishing`"))?;
    Ok(Planned {
        kind,
        git_tag,
        variant: args.variant.clone(),
        image_name: image.name.clone(),
        image_version: image.version.clone(),
        head: git.head.clone(),
        tags,
        access,
    })
}

/// The build's time: `SOURCE_DATE_EPOCH` (what `wbuildc build` stamps the image
/// with), else now.
fn build_seconds() -> Result<i64, UsageError> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) if !text.is_empty() => text.trim().parse::<i64>().map_err(|_| {
            UsageError(format!(
                "SOURCE_DATE_EPOCH must be an integer, not `{text}`"
            ))
        }),
        _ => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)),
    }
}

/// What git says about the manifest's work tree: inside one, the tags on HEAD,
/// what is not committed. Outside a work tree (or without git) it is no
/// repository, which only a snapshot may publish from.
fn git_state(dir: &Path) -> Result<GitState, UsageError> {
    let git = |args: &[&str]| -> Result<Option<String>, UsageError> {
        let output = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .map_err(|e| UsageError(format!("cannot run git: {e}")))?;
        Ok(output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned()))
    };
    let inside = git(&["rev-parse", "--is-inside-work-tree"])?.is_some_and(|o| o.trim() == "true");
    if !inside {
        return Ok(GitState::default());
    }
    // A repository without commits has no HEAD to tag: no tags.
    let head = git(&["rev-parse", "--verify", "-q", "HEAD"])?.map(|h| h.trim().to_string());
    let head_tags = git(&["tag", "--points-at", "HEAD"])?.unwrap_or_default();
    let status = git(&["status", "--porcelain", "--untracked-files=all"])?
        .ok_or_else(|| UsageError(format!("git status failed in {}", dir.display())))?;
    Ok(GitState {
        repository: true,
        head,
        head_tags: head_tags
            .lines()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        changed: publish::release::parse_porcelain(&status),
    })
}
