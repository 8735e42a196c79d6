//! Command lines for each engine. The binaries can be overridden with
//! `WBUILDC_BUILDAH` and `WBUILDC_DOCKER` (e.g. to pick Debian's docker client when
//! another one comes first on PATH); `DOCKER_HOST` is honoured by docker itself.

use super::{BuildError, BuildRequest};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Daemonless; the default.
    Buildah,
    /// A Docker engine with BuildKit.
    Docker,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PullPolicy {
    /// Pull base images only when they are not present locally.
    #[default]
    Missing,
    Always,
    Never,
}

/// Where to export the built image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// An OCI image layout directory.
    OciDir(String),
    /// An OCI image layout in a tar archive.
    OciArchive(String),
}

impl Output {
    /// Parses `oci:DIR` or `oci-archive:FILE`.
    pub fn parse(text: &str) -> Option<Output> {
        if let Some(dir) = text.strip_prefix("oci:") {
            (!dir.is_empty()).then(|| Output::OciDir(dir.to_string()))
        } else if let Some(file) = text.strip_prefix("oci-archive:") {
            (!file.is_empty()).then(|| Output::OciArchive(file.to_string()))
        } else {
            None
        }
    }

    /// The reference inside the layout: the tag's last component.
    fn reference(&self, tag: &str) -> String {
        tag.rsplit(':')
            .next()
            .filter(|r| !r.contains('/'))
            .unwrap_or("latest")
            .to_string()
    }
}

fn program(engine: Engine) -> String {
    let (var, default) = match engine {
        Engine::Buildah => ("WBUILDC_BUILDAH", "buildah"),
        Engine::Docker => ("WBUILDC_DOCKER", "docker"),
    };
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

pub(super) fn build_command(request: &BuildRequest, dockerfile: &Path, ignore: &Path) -> Command {
    let mut cmd = Command::new(program(request.engine));
    match request.engine {
        Engine::Buildah => {
            // `docker` format: buildah ignores SHELL (our pipefail shell) in OCI format.
            // `--output oci:` converts to an OCI manifest when exporting.
            cmd.arg("bud")
                .arg("--format")
                .arg("docker")
                .arg("--layers")
                .arg("--force-rm");
            cmd.arg("-f")
                .arg(dockerfile)
                .arg("--ignorefile")
                .arg(ignore);
            cmd.arg(match request.pull {
                PullPolicy::Missing => "--pull=false",
                PullPolicy::Always => "--pull=always",
                PullPolicy::Never => "--pull=never",
            });
            if let Some(t) = request.timestamp {
                cmd.arg("--timestamp").arg(t.to_string());
            }
            for (k, v) in &request.annotations {
                cmd.arg("--label").arg(format!("{k}={v}"));
                cmd.arg("--annotation").arg(format!("{k}={v}"));
            }
        }
        Engine::Docker => {
            cmd.env("DOCKER_BUILDKIT", "1");
            cmd.arg("build").arg("--progress").arg("plain");
            cmd.arg("-f").arg(dockerfile);
            if request.pull == PullPolicy::Always {
                cmd.arg("--pull");
            }
            if let Some(t) = request.timestamp {
                // BuildKit frontends that support it read SOURCE_DATE_EPOCH as a build arg.
                cmd.arg("--build-arg").arg(format!("SOURCE_DATE_EPOCH={t}"));
            }
            for (k, v) in &request.annotations {
                cmd.arg("--label").arg(format!("{k}={v}"));
            }
        }
    }
    cmd.arg("-t").arg(&request.tag);
    for (k, v) in &request.build_args {
        cmd.arg("--build-arg").arg(format!("{k}={v}"));
    }
    for s in &request.secrets {
        cmd.arg("--secret").arg(s);
    }
    if let Some(n) = &request.network {
        cmd.arg("--network").arg(n);
    }
    if let Some(p) = &request.platform {
        cmd.arg("--platform").arg(p);
    }
    if let Some(from) = &request.cache_from {
        cmd.arg("--cache-from").arg(from);
    }
    // Docker's `build` has no --cache-to (only buildx does): refused before this.
    if let (Engine::Buildah, Some(to)) = (request.engine, &request.cache_to) {
        cmd.arg("--cache-to").arg(to);
    }
    if let (Engine::Buildah, Some(dir)) = (request.engine, &request.cert_dir) {
        cmd.arg("--cert-dir").arg(dir);
    }
    // The context is a path from the command line, never an option, whatever its
    // name (a directory called `--network=host`).
    cmd.arg("--").arg(&request.context);
    cmd
}

fn run_quiet(mut cmd: Command, what: &str) -> Result<String, BuildError> {
    let out = cmd
        .output()
        .map_err(|e| BuildError::Io(format!("cannot run {what}: {e}")))?;
    if !out.status.success() {
        return Err(BuildError::Io(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Where an export is written before it replaces its target: a new private
/// directory beside the target (same file system, so the final rename is atomic).
pub(super) struct Staged {
    output: Output,
    target: PathBuf,
    dir: tempfile::TempDir,
}

/// Checks an export target before anything is built. An existing `oci:DIR` is
/// replaced only if it is an OCI layout (it has an `oci-layout` file) or an empty
/// directory: `oci:.` or `oci:$HOME` is refused, never deleted. An existing
/// `oci-archive:FILE` must be a regular file.
pub(super) fn stage_output(output: &Output) -> Result<Staged, BuildError> {
    let target = PathBuf::from(match output {
        Output::OciDir(dir) => dir,
        Output::OciArchive(file) => file,
    });
    let refuse = |why: &str| {
        Err(BuildError::Io(format!(
            "refusing to write the image to {}: {why}",
            target.display()
        )))
    };
    match std::fs::symlink_metadata(&target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return refuse(&e.to_string()),
        Ok(meta) => match output {
            Output::OciDir(_) => {
                if !meta.is_dir() {
                    return refuse("it exists and is not a directory");
                }
                let is_layout = target.join("oci-layout").is_file();
                let is_empty = std::fs::read_dir(&target)
                    .map(|mut entries| entries.next().is_none())
                    .unwrap_or(false);
                if !is_layout && !is_empty {
                    return refuse("it is a directory that is neither empty nor an OCI layout");
                }
            }
            Output::OciArchive(_) => {
                if !meta.is_file() {
                    return refuse("it exists and is not a regular file");
                }
            }
        },
    }
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| BuildError::Io(format!("cannot create {}: {e}", parent.display())))?;
    let dir = tempfile::Builder::new()
        .prefix(".wbuildc-export-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir_in(&parent)
        .map_err(|e| BuildError::Io(format!("cannot write beside {}: {e}", target.display())))?;
    Ok(Staged {
        output: output.clone(),
        target,
        dir,
    })
}

pub(super) fn export(request: &BuildRequest, staged: Staged) -> Result<(), BuildError> {
    let reference = staged.output.reference(&request.tag);
    // Export into an OCI layout directory first (the archive is made from it), so
    // the annotations can be written into the manifest on the way.
    let layout_dir = staged.dir.path().join("layout");
    let layout = format!("oci:{}:{reference}", layout_dir.display());
    match request.engine {
        Engine::Buildah => {
            let mut cmd = Command::new(program(Engine::Buildah));
            cmd.arg("push")
                .arg("--quiet")
                .arg("--")
                .arg(&request.tag)
                .arg(&layout);
            run_quiet(cmd, "buildah push")?;
        }
        Engine::Docker => {
            // Docker 20.10 cannot write OCI layouts: save, then convert with skopeo.
            let archive = staged.dir.path().join("image.tar");
            let mut save = Command::new(program(Engine::Docker));
            save.arg("save")
                .arg("-o")
                .arg(&archive)
                .arg("--")
                .arg(&request.tag);
            run_quiet(save, "docker save")?;
            let mut copy = Command::new("skopeo");
            copy.arg("copy")
                .arg(format!("docker-archive:{}", archive.display()))
                .arg(&layout);
            let result = run_quiet(copy, "skopeo copy");
            let _ = std::fs::remove_file(&archive);
            result?;
        }
    }
    super::layout::annotate(&layout_dir, &reference, &request.annotations)
        .map_err(BuildError::Io)?;
    let finished = match &staged.output {
        Output::OciDir(_) => layout_dir,
        Output::OciArchive(_) => {
            let file = staged.dir.path().join("image.oci.tar");
            let mut copy = Command::new("skopeo");
            copy.arg("copy")
                .arg(&layout)
                .arg(format!("oci-archive:{}:{reference}", file.display()));
            run_quiet(copy, "skopeo copy")?;
            file
        }
    };
    replace(&finished, &staged.target, staged.dir.path())
}

/// Moves a finished export over its target: the old target (a layout or archive
/// checked by [`stage_output`]) is moved aside first and deleted only after the
/// new one is in place.
fn replace(finished: &Path, target: &Path, scratch: &Path) -> Result<(), BuildError> {
    let io = |e: std::io::Error| BuildError::Io(format!("cannot write {}: {e}", target.display()));
    let old = scratch.join("previous");
    let had_old = std::fs::symlink_metadata(target).is_ok();
    if had_old {
        std::fs::rename(target, &old).map_err(io)?;
    }
    if let Err(e) = std::fs::rename(finished, target) {
        if had_old {
            let _ = std::fs::rename(&old, target);
        }
        return Err(io(e));
    }
    Ok(())
}

pub(super) fn run_image(
    engine: Engine,
    tag: &str,
    command: &[String],
    network: Option<&str>,
) -> Result<i32, BuildError> {
    let status = match engine {
        Engine::Buildah => {
            let mut from = Command::new(program(engine));
            from.args(["from", "--pull=false", "--", tag]);
            let container = run_quiet(from, "buildah from")?;
            let mut run = Command::new(program(engine));
            run.arg("run");
            if let Some(n) = network {
                run.arg("--network").arg(n);
            }
            run.arg(&container).arg("--").args(command);
            let status = run
                .status()
                .map_err(|e| BuildError::Io(format!("cannot run buildah run: {e}")));
            let mut rm = Command::new(program(engine));
            rm.args(["rm", &container]);
            let _ = run_quiet(rm, "buildah rm");
            status?
        }
        Engine::Docker => {
            let mut run = Command::new(program(engine));
            run.args(["run", "--rm"]);
            if let Some(n) = network {
                run.arg("--network").arg(n);
            }
            run.arg("--").arg(tag);
            run.status()
                .map_err(|e| BuildError::Io(format!("cannot run docker run: {e}")))?
        }
    };
    Ok(status.code().unwrap_or(128))
}
