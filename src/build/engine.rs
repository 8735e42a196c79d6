//! Command lines for each engine. The binaries can be overridden with
//! `WBUILDC_BUILDAH` and `WBUILDC_DOCKER` (e.g. to pick Debian's docker client when
//! another one comes first on PATH); `DOCKER_HOST` is honoured by docker itself.

use super::{BuildError, BuildRequest};
use std::path::Path;
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
    cmd.arg(&request.context);
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

pub(super) fn export(request: &BuildRequest, output: &Output) -> Result<(), BuildError> {
    let reference = output.reference(&request.tag);
    // Export into an OCI layout directory first (the archive is made from it), so
    // the annotations can be written into the manifest on the way.
    let dir = match output {
        Output::OciDir(dir) => std::path::PathBuf::from(dir),
        Output::OciArchive(_) => request.work_dir.join("oci-layout"),
    };
    // A fresh layout: an old index.json would keep references to old images.
    let _ = std::fs::remove_dir_all(&dir);
    let layout = format!("oci:{}:{reference}", dir.display());
    match request.engine {
        Engine::Buildah => {
            let mut cmd = Command::new(program(Engine::Buildah));
            cmd.arg("push")
                .arg("--quiet")
                .arg(&request.tag)
                .arg(&layout);
            run_quiet(cmd, "buildah push")?;
        }
        Engine::Docker => {
            // Docker 20.10 cannot write OCI layouts: save, then convert with skopeo.
            let archive = request.work_dir.join("image.tar");
            let mut save = Command::new(program(Engine::Docker));
            save.arg("save").arg("-o").arg(&archive).arg(&request.tag);
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
    super::layout::annotate(&dir, &reference, &request.annotations).map_err(BuildError::Io)?;
    if let Output::OciArchive(file) = output {
        let mut copy = Command::new("skopeo");
        copy.arg("copy")
            .arg(&layout)
            .arg(format!("oci-archive:{file}:{reference}"));
        run_quiet(copy, "skopeo copy")?;
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
            from.args(["from", "--pull=false", tag]);
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
            run.arg(tag);
            run.status()
                .map_err(|e| BuildError::Io(format!("cannot run docker run: {e}")))?
        }
    };
    Ok(status.code().unwrap_or(128))
}
