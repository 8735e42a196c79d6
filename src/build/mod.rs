//! Real image builds: the compiled Dockerfile goes to a real engine (buildah or
//! Docker with BuildKit); wbuild never builds images itself.
//!
//! Invariant: this module (with `cli/`) is the only code that spawns processes.
//! The engine's progress streams to the terminal unchanged; when a step fails, the
//! failing instruction is found in the engine's output and reported at the
//! `.wbuild` line it came from.

mod annotations;
mod engine;
mod ignore;
mod layout;
pub mod oci;
pub mod packages;
pub mod platform;
pub mod registry;
pub mod rootfs;
pub mod signatures;
mod stream;

pub use annotations::{annotations, base_annotations, rfc3339};
pub use engine::{Engine, Output, PullPolicy};

use crate::emit::dockerfile::EmittedInstruction;
use std::path::{Path, PathBuf};

/// Everything one build needs.
#[derive(Clone, Debug)]
pub struct BuildRequest {
    pub engine: Engine,
    /// The Dockerfile text and, per instruction, where it came from.
    pub dockerfile: String,
    pub map: Vec<EmittedInstruction>,
    pub context: PathBuf,
    pub tag: String,
    pub output: Option<Output>,
    pub build_args: Vec<(String, String)>,
    /// `id=ID,src=PATH` as given on the command line.
    pub secrets: Vec<String>,
    pub network: Option<String>,
    /// `os/arch[/variant]` to build for, instead of the host's.
    pub platform: Option<String>,
    /// A registry repository whose layers the build may reuse (and, for
    /// `cache_to`, push its layers to).
    pub cache_from: Option<String>,
    pub cache_to: Option<String>,
    /// Registry CA certificates for buildah (`--cert-dir`).
    pub cert_dir: Option<PathBuf>,
    pub pull: PullPolicy,
    /// Seconds since the epoch for deterministic timestamps (SOURCE_DATE_EPOCH).
    pub timestamp: Option<i64>,
    /// Labels and manifest annotations added at build time (OCI annotations).
    pub annotations: Vec<(String, String)>,
    /// The ignore file for the context (see [`ignore_file`]).
    pub ignore: Vec<u8>,
    /// Where to write the Dockerfile and its ignore file: a private directory
    /// made for this build (never a predictable path).
    pub work_dir: PathBuf,
}

/// The ignore file of a build: the context's own `.dockerignore`, then every
/// file the policy forbids.
pub fn ignore_file(own: Option<&[u8]>, forbidden: &[String]) -> Vec<u8> {
    ignore::contents(own, forbidden)
}

/// Why a build did not produce an image.
#[derive(Debug)]
pub enum BuildError {
    /// The engine could not be started or an I/O step failed.
    Io(String),
    /// The engine ran and failed; `failed` is the instruction it reported, if found.
    Failed {
        code: i32,
        failed: Option<EmittedInstruction>,
    },
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Io(message) => f.write_str(message),
            BuildError::Failed { code, .. } => {
                write!(f, "the engine failed with exit status {code}")
            }
        }
    }
}

/// Builds the image: writes the Dockerfile and its ignore file, runs the engine,
/// then exports the image when an output is requested.
pub fn build(request: &BuildRequest) -> Result<(), BuildError> {
    // The output is checked before the engine runs, so a bad target costs no build.
    let staged = match &request.output {
        Some(output) => Some(engine::stage_output(output)?),
        None => None,
    };
    let dockerfile = request.work_dir.join("Dockerfile");
    std::fs::write(&dockerfile, &request.dockerfile)
        .map_err(|e| BuildError::Io(format!("cannot write {}: {e}", dockerfile.display())))?;
    // BuildKit reads `<Dockerfile>.dockerignore` next to the Dockerfile; buildah
    // takes it with --ignorefile. Either way the context's own files are untouched.
    let ignore = request.work_dir.join("Dockerfile.dockerignore");
    std::fs::write(&ignore, &request.ignore)
        .map_err(|e| BuildError::Io(format!("cannot write {}: {e}", ignore.display())))?;
    let command = engine::build_command(request, &dockerfile, &ignore);
    let outcome = stream::run(command, request.engine)?;
    if outcome.code != 0 {
        let failed = failing_instruction(request.engine, &outcome.lines, &request.map);
        return Err(BuildError::Failed {
            code: outcome.code,
            failed,
        });
    }
    if let Some(staged) = staged {
        engine::export(request, staged)?;
    }
    Ok(())
}

/// Runs the built image's command; returns its exit status.
pub fn run_image(
    engine: Engine,
    tag: &str,
    command: &[String],
    network: Option<&str>,
) -> Result<i32, BuildError> {
    engine::run_image(engine, tag, command, network)
}

/// Finds the instruction a failed build reports, from the engine's output.
pub fn failing_instruction(
    engine: Engine,
    lines: &[String],
    map: &[EmittedInstruction],
) -> Option<EmittedInstruction> {
    match engine {
        Engine::Buildah => {
            // `Error: building at STEP "RUN ...": exit status 3` quotes the instruction;
            // `[2/3] STEP 4/5: RUN ...` gives stage and step.
            let quoted = lines.iter().rev().find_map(|l| {
                let rest = l.split_once("building at STEP \"")?.1;
                Some(
                    rest.rsplit_once("\":")
                        .map_or(rest, |(text, _)| text)
                        .to_string(),
                )
            });
            let step = lines.iter().rev().find_map(|l| parse_buildah_step(l));
            let by_step = step
                .and_then(|(stage, step)| map.iter().find(|m| m.stage == stage && m.step == step));
            by_step
                .cloned()
                .or_else(|| quoted.and_then(|q| find_by_text(map, &q, None)))
        }
        Engine::Docker => {
            // ` > [build 3/4] RUN ...:` names the stage (left out when the
            // Dockerfile has one stage) and the step among the ones BuildKit runs
            // (FROM, RUN, COPY, WORKDIR), and quotes the instruction.
            lines.iter().rev().find_map(|l| {
                let rest = l.trim_start().strip_prefix("> [")?;
                let (head, text) = rest.split_once("] ")?;
                let (stage_name, counts) = head.rsplit_once(' ').unwrap_or(("", head));
                let stage = (!stage_name.is_empty()).then_some(stage_name);
                let vertex: Option<usize> = counts.split('/').next().and_then(|n| n.parse().ok());
                let text = text.strip_suffix(':').unwrap_or(text);
                let single_stage = map.iter().all(|m| m.stage == 0);
                let by_step =
                    vertex
                        .filter(|_| stage.is_some() || single_stage)
                        .and_then(|vertex| {
                            map.iter().find(|m| {
                                m.vertex == Some(vertex)
                                    && m.origin.is_some()
                                    && stage.is_none_or(|name| m.stage_name == name)
                            })
                        });
                by_step.cloned().or_else(|| find_by_text(map, text, stage))
            })
        }
    }
}

fn parse_buildah_step(line: &str) -> Option<(usize, usize)> {
    let (stage, rest) = match line.strip_prefix('[') {
        Some(rest) => {
            let (counts, rest) = rest.split_once("] ")?;
            let stage: usize = counts.split('/').next()?.parse().ok()?;
            (stage.checked_sub(1)?, rest)
        }
        None => (0, line),
    };
    let rest = rest.strip_prefix("STEP ")?;
    let step: usize = rest.split('/').next()?.parse().ok()?;
    Some((stage, step))
}

fn find_by_text(
    map: &[EmittedInstruction],
    text: &str,
    stage_name: Option<&str>,
) -> Option<EmittedInstruction> {
    // Engines join continuation lines and may shorten long ones: compare the
    // instruction's first line, whitespace-normalised, as a prefix.
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let wanted = norm(text);
    map.iter()
        .filter(|m| m.origin.is_some())
        .filter(|m| stage_name.is_none_or(|name| m.stage_name == name))
        .find(|m| {
            let first = norm(m.text.lines().next().unwrap_or(""));
            let first = first.trim_end_matches(" \\").to_string();
            !wanted.is_empty() && (first.starts_with(&wanted) || wanted.starts_with(&first))
        })
        .cloned()
}

/// Whether `dir` is inside a git checkout (for the revision annotation).
pub fn is_git_checkout(dir: &Path) -> bool {
    dir.ancestors().any(|d| d.join(".git").exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> Vec<EmittedInstruction> {
        let origin = |n: u32| {
            Some(crate::span::Origin {
                file: crate::span::FileId(0),
                span: crate::span::Span::at(n as usize),
            })
        };
        let at = |stage: usize, name: &str, step: usize, line: usize, text: &str, o| {
            EmittedInstruction {
                stage,
                stage_name: name.into(),
                step,
                vertex: Some(step),
                line,
                text: text.into(),
                origin: o,
            }
        };
        vec![
            at(0, "build", 1, 3, "FROM r.io/a:1 AS build", None),
            at(0, "build", 2, 4, "RUN make", origin(1)),
            at(
                0,
                "build",
                3,
                5,
                "RUN echo about to fail && exit 3",
                origin(2),
            ),
            at(1, "production", 1, 7, "FROM r.io/a:1 AS production", None),
            at(
                1,
                "production",
                2,
                8,
                "RUN echo about to fail && exit 3",
                origin(3),
            ),
        ]
    }

    #[test]
    fn finds_the_failing_step_in_buildah_output() {
        let lines: Vec<String> = [
            "[2/2] STEP 2/2: RUN echo about to fail && exit 3",
            "Error: building at STEP \"RUN echo about to fail && exit 3\": exit status 3",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            failing_instruction(Engine::Buildah, &lines, &map()).map(|m| m.line),
            Some(8)
        );
    }

    #[test]
    fn finds_the_failing_step_in_buildkit_output() {
        let lines: Vec<String> = [
            "#6 ERROR: executor failed running [/bin/sh -c make]: exit code: 2",
            " > [build 2/2] RUN make:",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            failing_instruction(Engine::Docker, &lines, &map()).map(|m| m.line),
            Some(4)
        );
    }

    #[test]
    fn an_identical_step_of_another_stage_is_not_mistaken_for_the_failing_one() {
        // Both stages have the same RUN; BuildKit names the stage and the step.
        let lines: Vec<String> = [" > [production 2/2] RUN echo about to fail && exit 3:"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let found = failing_instruction(Engine::Docker, &lines, &map());
        assert_eq!(
            found.map(|m| (m.stage_name, m.line)),
            Some(("production".into(), 8))
        );
        let lines = vec![" > [build 3/3] RUN echo about to fail && exit 3:".to_string()];
        let found = failing_instruction(Engine::Docker, &lines, &map());
        assert_eq!(found.map(|m| m.line), Some(5));
    }

    #[test]
    fn a_single_stage_build_is_reported_without_a_stage_name() {
        // BuildKit leaves the name out, and counts only FROM, RUN, COPY and WORKDIR.
        let mut map: Vec<EmittedInstruction> = map().into_iter().filter(|m| m.stage == 0).collect();
        for m in &mut map {
            m.vertex = Some(m.step);
        }
        map.insert(
            1,
            EmittedInstruction {
                stage: 0,
                stage_name: "build".into(),
                step: 2,
                vertex: None,
                line: 4,
                text: "SHELL [\"/bin/bash\", \"-c\"]".into(),
                origin: map.get(1).and_then(|m| m.origin),
            },
        );
        let lines = vec![" > [3/3] RUN echo about to fail && exit 3:".to_string()];
        let found = failing_instruction(Engine::Docker, &lines, &map);
        assert_eq!(found.map(|m| m.line), Some(5));
    }
}
