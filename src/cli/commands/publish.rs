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
use crate::cli::args::{Common, Format, PlanPublishArgs, PublishArgs, SigningArgs};
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

/// A stop as the report's error kind, message, help and the exit status.
fn stop_fields(s: Stop) -> (&'static str, String, Option<String>, u8) {
    match s {
        Stop::Diagnostics => (
            "diagnostics",
            "the manifest has errors (printed on standard error)".to_string(),
            None,
            exit::INPUT_ERRORS,
        ),
        Stop::Usage(UsageError(m)) => ("usage", m, None, exit::USAGE),
        Stop::Refused { message, help } => ("refused", message, Some(help), exit::INPUT_ERRORS),
    }
}

fn stop(format: Format, s: Stop) -> u8 {
    if matches!(s, Stop::Diagnostics) && format != Format::Json {
        return exit::INPUT_ERRORS;
    }
    let (kind, message, help, code) = stop_fields(s);
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
    /// Marked `private = true`: published only below `private_repository`.
    private: bool,
    /// The policy's `publishing.private_repository` (empty: none).
    private_repository: String,
    tags: PublishTags,
    access: Access,
}

pub fn tags(common: &Common, path: &Path, args: &PublishArgs) -> u8 {
    let planned = match plan(common, path, args, None, None) {
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
            if planned.private {
                text.push_str(&format!(
                    "private  (below {}, never under public tags)\n",
                    planned.private_repository
                ));
            }
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
    let report = push(common, path, args, from, signing, None)?;
    let text = match args.format {
        Format::Json => format!("{report}\n"),
        Format::Human => pushed_lines(&report),
    };
    print_stdout(&text)?;
    Ok(exit::SUCCESS)
}

/// One `REFERENCE@DIGEST` line per reference a publish pushed, the SBOM last.
fn pushed_lines(report: &serde_json::Value) -> String {
    let line = |p: &serde_json::Value| {
        format!(
            "{}@{}\n",
            p["reference"].as_str().unwrap_or(""),
            p["digest"].as_str().unwrap_or("")
        )
    };
    report["pushed"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(Some(&report["sbom"]).filter(|s| s.is_object()))
        .map(line)
        .collect()
}

/// Publishes one variant: checks, pushes, reads back; the report of it.
fn push(
    common: &Common,
    path: &Path,
    args: &PublishArgs,
    from: Option<&str>,
    signing: &SigningArgs,
    // The build's time when the caller knows it (a plan's), else the environment's.
    built_at: Option<i64>,
) -> Result<serde_json::Value, Stop> {
    let from = from.map(source_of).transpose()?;
    let sign_by = signing.sign_by.as_deref().map(key_of).transpose()?;
    let mut planned = plan(common, path, args, Some(sign_by.is_some()), built_at)?;
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
    // First: an image that holds private data is refused as such, whatever
    // else its labels say.
    check_privacy(&planned, &source, &labels)?;
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
    // What is pushed is that copy, its manifest annotated with the provenance
    // labels `wbuildc build` wrote (the engines' images carry them as labels only).
    let layout = super::provenance::layout_of(scratch.path());
    let provenance: Vec<(String, String)> = labels
        .iter()
        .filter(|(k, _)| k.starts_with("org.opencontainers.image.") || k.starts_with("dev.wbuild."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    crate::build::oci::annotate_manifest(&layout, &provenance).map_err(|e| {
        Stop::Usage(UsageError(format!(
            "cannot annotate the image to publish: {e}"
        )))
    })?;
    let pushed_from = format!("oci:{}", layout.display());
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
    let digest = registry::copy(&pushed_from, &immutable, access, scratch.path(), options)
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
    Ok(report)
}

/// One job of a plan's matrix (docs/schemas/matrix.schema.json), as far as
/// publishing reads it.
#[derive(serde::Deserialize)]
struct Job {
    id: String,
    kind: String,
    #[serde(default)]
    needs: Vec<String>,
    file: Option<String>,
    variant: Option<String>,
    role: Option<String>,
    image: Option<String>,
}

#[derive(serde::Deserialize)]
struct Matrix {
    source_date_epoch: i64,
    levels: Vec<Vec<Job>>,
}

/// `wbuildc publish-plan PLAN_DIR`: publishes the images a plan's matrix built
/// (scripts/run-matrix.sh tags each with its job's `image`), level by level,
/// each exactly as `publish FILE --variant V --from containers-storage:IMAGE`.
/// Test jobs are published only when private; base jobs are not published here;
/// a job whose parent failed to publish is skipped, never published on an
/// unpublished parent.
pub fn publish_plan(
    common: &Common,
    plan_dir: &Path,
    args: &PlanPublishArgs,
    signing: &SigningArgs,
) -> u8 {
    let matrix = match read_matrix(plan_dir) {
        Ok(m) => m,
        Err(e) => return stop(args.format, Stop::Usage(e)),
    };
    let mut failed: Vec<String> = Vec::new();
    let mut results = Vec::new();
    let mut human = String::new();
    let mut code = exit::SUCCESS;
    for job in matrix.levels.iter().flatten() {
        let (status, detail) = publish_job(
            common,
            job,
            args,
            signing,
            &failed,
            matrix.source_date_epoch,
        );
        match &status {
            JobStatus::Published(report) => {
                human.push_str(&format!("published {}\n", job.id));
                for line in pushed_lines(report).lines() {
                    human.push_str(&format!("  {line}\n"));
                }
            }
            JobStatus::Skipped(reason) => {
                human.push_str(&format!("skipped   {} ({reason})\n", job.id))
            }
            JobStatus::Failed {
                code: c, message, ..
            } => {
                human.push_str(&format!("FAILED    {}: {message}\n", job.id));
                failed.push(job.id.clone());
                code = code.max(*c);
            }
        }
        results.push(json!({
            "id": job.id,
            "file": job.file,
            "variant": job.variant,
            "status": status.name(),
            "report": detail.0,
            "reason": detail.1,
            "errors": detail.2,
        }));
    }
    let text = match args.format {
        Format::Json => format!(
            "{}\n",
            json!({ "version": crate::cli::REPORT_VERSION, "targets": results })
        ),
        Format::Human => human,
    };
    match print_stdout(&text) {
        Ok(()) => code,
        Err(e) => report_usage(e),
    }
}

enum JobStatus {
    Published(serde_json::Value),
    Skipped(String),
    Failed { code: u8, message: String },
}

impl JobStatus {
    fn name(&self) -> &'static str {
        match self {
            JobStatus::Published(_) => "published",
            JobStatus::Skipped(_) => "skipped",
            JobStatus::Failed { .. } => "failed",
        }
    }
}

type JobDetail = (serde_json::Value, serde_json::Value, serde_json::Value);

fn publish_job(
    common: &Common,
    job: &Job,
    args: &PlanPublishArgs,
    signing: &SigningArgs,
    failed: &[String],
    // The plan's SOURCE_DATE_EPOCH: the images' `created`, so the tags' date.
    epoch: i64,
) -> (JobStatus, JobDetail) {
    let skipped = |reason: String| {
        let detail = (json!(null), json!(reason), json!(null));
        (JobStatus::Skipped(reason), detail)
    };
    if job.kind == "base" {
        return skipped(
            "a base image: its layout is what the lock pins, not published by publish-plan".into(),
        );
    }
    if let Some(parent) = job.needs.iter().find(|n| failed.contains(n)) {
        return skipped(format!("needs {parent}, which was not published"));
    }
    let (Some(file), Some(variant), Some(image)) = (&job.file, &job.variant, &job.image) else {
        return skipped("no image reference (the policy names no registry for it)".into());
    };
    let path = Path::new(file);
    if job.role.as_deref() == Some("test") {
        match prepare(common, path) {
            Ok(prepared) if prepared.session.compiler.is_private(prepared.file, variant) => {}
            Ok(_) => return skipped("a test variant: built and run by CI, never published".into()),
            Err(e) => return failed_job(Stop::Usage(e)),
        }
    }
    let one = PublishArgs {
        variant: variant.clone(),
        snapshot: args.snapshot,
        number: args.number,
        cert_dir: args.cert_dir.clone(),
        format: Format::Json,
    };
    let from = format!("containers-storage:{image}");
    match push(common, path, &one, Some(&from), signing, Some(epoch)) {
        Ok(report) => (
            JobStatus::Published(report.clone()),
            (report, json!(null), json!(null)),
        ),
        Err(s) => failed_job(s),
    }
}

fn failed_job(s: Stop) -> (JobStatus, JobDetail) {
    let (kind, message, help, code) = stop_fields(s);
    let error = json!({ "kind": kind, "message": message, "help": help });
    (
        JobStatus::Failed { code, message },
        (json!(null), json!(null), json!([error])),
    )
}

fn read_matrix(plan_dir: &Path) -> Result<Matrix, UsageError> {
    let path = plan_dir.join("matrix.json");
    let text = crate::cli::config::trusted_text(&path, "the plan's matrix").map_err(|e| {
        UsageError(format!(
            "{}; write the plan with `wbuildc plan --out {}`",
            e.0,
            plan_dir.display()
        ))
    })?;
    let not_a_matrix = |e: serde_json::Error| {
        UsageError(format!(
            "{} is not a matrix `wbuildc plan` wrote (docs/schemas/matrix.schema.json): {e}",
            path.display()
        ))
    };
    // The version first: a later version's shape is not this one's.
    let value: serde_json::Value = serde_json::from_str(&text).map_err(not_a_matrix)?;
    if value["version"] != 1 {
        return Err(UsageError(format!(
            "{} is matrix version {}; this wbuildc reads version 1",
            path.display(),
            value["version"]
        )));
    }
    serde_json::from_value(value).map_err(not_a_matrix)
}

/// Private data stays private, checked against the destination and the image
/// itself, whatever the tags say: a private variant goes only below the private
/// namespace; a public variant never goes there, and never with an image that
/// says it is private (`--from` an image a private variant built).
fn check_privacy(
    planned: &Planned,
    source: &str,
    labels: &std::collections::BTreeMap<String, String>,
) -> Result<(), Stop> {
    let repository = &planned.tags.repository;
    let below = crate::policy::in_namespace(&planned.private_repository, repository);
    let variant = &planned.variant;
    if planned.private && !below {
        return Err(refused(
            format!("`{variant}` is private and {repository} is not in the private namespace"),
            "private images are published only below publishing.private_repository",
        ));
    }
    if !planned.private && below {
        return Err(refused(
            format!(
                "`{variant}` is public and {repository} is in the private namespace ({})",
                planned.private_repository
            ),
            "mark the variant `private = true` if its image holds private data",
        ));
    }
    let labelled = publish::source::labelled_private(labels);
    if labelled && !planned.private {
        return Err(refused(
            format!(
                "{source} holds private data (label {}=true) and `{variant}` is public: a private image is never published under public tags",
                crate::lower::PRIVATE_LABEL
            ),
            "publish the private variant that built it (it goes to the private namespace), or build the public variant and publish that",
        ));
    }
    if planned.private && !labelled {
        return Err(refused(
            format!(
                "{source} is not this build: `{variant}` is private, and the image has no label {}=true",
                crate::lower::PRIVATE_LABEL
            ),
            format!("build the variant again (`wbuildc build FILE --variant {variant}`) and publish that image"),
        ));
    }
    Ok(())
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
        "private": planned.private,
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
    built_at: Option<i64>,
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
    let private = compiler.is_private(file, &args.variant);
    let subject = tags::Subject {
        policy,
        image_name: &image.name,
        manifest_version: image.version.as_deref(),
        variant: &args.variant,
        release_variants_in_file: releases,
        private,
    };
    let access = Access {
        cert_dir: args.cert_dir.clone(),
        registries_d: None,
    };
    let (repository, floating) = tags::floating(&subject, &kind)
        .map_err(|e| refused(e.to_string(), "see `wbuildc docs publishing`"))?;
    let date = tags::build_date(built_at.map_or_else(build_seconds, Ok)?);
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
        private,
        private_repository: policy.private_repository.value.clone(),
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
