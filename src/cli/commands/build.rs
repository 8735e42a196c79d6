//! `wbuildc build` and `wbuildc test`: compile, then drive a real engine.

use crate::build::registry::Access;
use crate::build::signatures::{self, Trust, VerifyError};
use crate::build::{self, BuildError, BuildRequest, Engine, Output, PullPolicy};
use crate::check::types::{ImageRef, ValKind};
use crate::cli::args::{Common, EngineArgs, EngineChoice, PullChoice};
use crate::cli::config::Session;
use crate::cli::{exit, prepare, print_stdout, report_usage, use_color, UsageError};
use crate::db::SourceFile;
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Ty;
use crate::span::Origin;
use std::path::Path;

pub fn build(
    common: &Common,
    path: &Path,
    variant: &str,
    engine: &EngineArgs,
    output: Option<&str>,
) -> u8 {
    match run_build(common, path, variant, engine, output) {
        Ok(built) => {
            if built.code == exit::SUCCESS {
                let _ = print_stdout(&format!("{}\n", built.tag));
            }
            built.code
        }
        Err(e) => report_usage(e),
    }
}

pub fn test(common: &Common, path: &Path, variant: &str, engine: &EngineArgs) -> u8 {
    let built = match run_build(common, path, variant, engine, None) {
        Ok(built) => built,
        Err(e) => return report_usage(e),
    };
    if built.code != exit::SUCCESS {
        return built.code;
    }
    if built.command.is_empty() {
        eprintln!("error: variant `{variant}` has no `cmd` or `entrypoint` to run as the test");
        return exit::INPUT_ERRORS;
    }
    eprintln!(
        "wbuildc: running {} ({})",
        built.tag,
        built.command.join(" ")
    );
    match build::run_image(
        built.engine,
        &built.tag,
        &built.command,
        engine.network.as_deref(),
    ) {
        Ok(code) => {
            eprintln!("wbuildc: the test exited with status {code}");
            // The test's own exit status, as far as an exit code can carry it.
            u8::try_from(code).unwrap_or(1)
        }
        Err(e) => report_usage(UsageError(e.to_string())),
    }
}

struct Built {
    code: u8,
    tag: String,
    engine: Engine,
    /// Entrypoint followed by cmd: what running the image runs.
    command: Vec<String>,
}

/// A cache repository from the command line: `registry/repository` without tag or
/// digest, on a registry the policy approves (layers from anywhere else would
/// be base images the policy never saw).
fn cache_repository(
    given: Option<&str>,
    flag: &str,
    compiler: &crate::Compiler,
) -> Result<Option<String>, UsageError> {
    let Some(text) = given else {
        return Ok(None);
    };
    let reference = crate::check::types::ImageRef::parse(text)
        .map_err(|e| UsageError(format!("{flag} {text}: {e}")))?;
    if reference.tag.is_some() || reference.digest.is_some() {
        return Err(UsageError(format!(
            "{flag} {text}: name a repository (`{}/{}`), without tag or digest",
            reference.registry, reference.repository
        )));
    }
    let allowed = &compiler.policy().allowed_registries.value;
    if !allowed.contains(&reference.registry) {
        return Err(UsageError(format!(
            "{flag} {text}: `{}` is not an approved registry (images.allowed_registries: {})",
            reference.registry,
            allowed.join(", ")
        )));
    }
    Ok(Some(text.to_string()))
}

fn run_build(
    common: &Common,
    path: &Path,
    variant: &str,
    args: &EngineArgs,
    output: Option<&str>,
) -> Result<Built, UsageError> {
    let engine = match args.engine {
        EngineChoice::Buildah => Engine::Buildah,
        EngineChoice::Docker => Engine::Docker,
    };
    let output = match output {
        Some(text) => Some(Output::parse(text).ok_or_else(|| {
            UsageError(format!(
                "--output must be oci:DIR or oci-archive:FILE, not `{text}`"
            ))
        })?),
        None => None,
    };
    let prepared = prepare(common, path)?;
    let (session, file) = (&prepared.session, prepared.file);
    let compiler = &session.compiler;
    let color = use_color(common);
    let failed = |code: u8, diagnostics: &[Diagnostic]| -> Result<Built, UsageError> {
        eprint!(
            "{}{}",
            compiler.render(diagnostics, color),
            crate::diagnostics::render::summary(diagnostics.iter().map(Diagnostic::tally))
        );
        Ok(Built {
            code,
            tag: String::new(),
            engine,
            command: Vec::new(),
        })
    };
    if session.failed() {
        return failed(exit::INPUT_ERRORS, &session.problems);
    }
    let ir = match compiler.compile_ir(file, variant) {
        Ok(ir) => ir,
        Err(diagnostics) => return failed(exit::INPUT_ERRORS, &diagnostics),
    };
    let mut warnings = session.problems.clone();
    warnings.extend(compiler.check(file));
    if !warnings.is_empty() {
        eprint!("{}", compiler.render(&warnings, color));
    }
    let build_args = check_build_args(&compiler.build_args(file, variant), &args.build_args)?;
    let image = compiler.image(file);
    let image_name = image
        .as_ref()
        .map_or("image", |i| i.name.as_str())
        .to_string();
    let tag = args
        .tag
        .clone()
        .unwrap_or_else(|| format!("localhost/{image_name}:{variant}"));
    let context = args
        .context
        .clone()
        .unwrap_or_else(|| crate::cli::default_context(path));
    // An absolute context path can never be read as an engine flag.
    let context = std::fs::canonicalize(&context).map_err(|e| {
        UsageError(format!(
            "cannot use the build context {}: {e}",
            context.display()
        ))
    })?;
    let escapes = crate::cli::context_problems(compiler, file, &context);
    if !escapes.is_empty() {
        return failed(exit::INPUT_ERRORS, &escapes);
    }
    let dockerignore = read_dockerignore(&context, &session.forbidden)?;
    // Last before the engine: every check that needs no registry has passed.
    let ir = if compiler.policy().require_signed_base.value {
        match verify_bases(session, file, ir, args.cert_dir.as_deref())? {
            Ok(ir) => ir,
            Err(diagnostics) => return failed(exit::INPUT_ERRORS, &diagnostics),
        }
    } else {
        ir
    };
    let timestamp = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) if !text.is_empty() => Some(text.trim().parse::<i64>().map_err(|_| {
            UsageError(format!(
                "SOURCE_DATE_EPOCH must be an integer, not `{text}`"
            ))
        })?),
        _ => None,
    };
    let mut annotations = build::annotations(
        &image_name,
        image.as_ref().and_then(|i| i.version.as_deref()),
        image.as_ref().and_then(|i| i.source.as_deref()),
        variant,
        &context,
        timestamp,
    );
    annotations.extend(build::base_annotations(&ir));
    let (dockerfile, map) = crate::emit::dockerfile::emit_with_map(&ir);
    let command = ir.stages.last().map(run_command).unwrap_or_default();
    let work_dir = tempfile::Builder::new()
        .prefix("wbuildc-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .map_err(|e| UsageError(format!("cannot create a scratch directory: {e}")))?;
    let request = BuildRequest {
        engine,
        dockerfile,
        map,
        context,
        tag: tag.clone(),
        output,
        build_args,
        secrets: args.secrets.clone(),
        network: args.network.clone(),
        platform: args
            .platform
            .as_deref()
            .map(build::platform::parse)
            .transpose()
            .map_err(UsageError)?,
        cache_from: cache_repository(args.cache_from.as_deref(), "--cache-from", compiler)?,
        cache_to: match (engine, cache_repository(args.cache_to.as_deref(), "--cache-to", compiler)?) {
            (Engine::Docker, Some(_)) => {
                return Err(UsageError(
                    "--cache-to needs --engine buildah: docker build (BuildKit without buildx) cannot export a cache".into(),
                ))
            }
            (_, to) => to,
        },
        cert_dir: match (engine, &args.cert_dir) {
            (Engine::Docker, Some(_)) => {
                return Err(UsageError(
                    "--cert-dir needs --engine buildah: a Docker engine reads the certificates in its own certs.d".into(),
                ))
            }
            (_, dir) => dir.clone(),
        },
        pull: match args.pull {
            PullChoice::Missing => PullPolicy::Missing,
            PullChoice::Always => PullPolicy::Always,
            PullChoice::Never => PullPolicy::Never,
        },
        timestamp,
        annotations,
        ignore: build::ignore_file(dockerignore.as_deref(), &session.forbidden),
        work_dir: work_dir.path().to_path_buf(),
    };
    let result = build::build(&request);
    drop(work_dir);
    match result {
        Ok(()) => Ok(Built {
            code: exit::SUCCESS,
            tag,
            engine,
            command,
        }),
        Err(BuildError::Io(message)) => Err(UsageError(message)),
        Err(BuildError::Failed { code, failed: at }) => {
            let diagnostic = match at.as_ref().and_then(|f| f.origin.map(|o| (f, o))) {
                Some((instruction, origin)) => Diagnostic::new(
                    Code::BuildStepFailed,
                    format!("the build failed at `{}`", first_line(&instruction.text)),
                    origin.file,
                    origin.span,
                    format!("this step failed (exit status {code})"),
                )
                .with_note(format!(
                    "Dockerfile line {}: {}",
                    instruction.line,
                    first_line(&instruction.text)
                ))
                .with_help("the engine's output above says why")
                .for_variant(&instruction.stage_name),
                None => Diagnostic::new(
                    Code::BuildStepFailed,
                    format!("the build failed (exit status {code})"),
                    file.id(compiler.db()),
                    crate::span::Span::default(),
                    "building this manifest",
                )
                .with_help("the engine's output above says why"),
            };
            let mut diagnostics = [diagnostic];
            compiler.anchor(file, &mut diagnostics);
            failed(exit::INPUT_ERRORS, &diagnostics)
        }
    }
}

/// With `images.require_signed_base`: every registry image the Dockerfile uses
/// (each stage's `FROM`, and the images its steps mount) is verified against the
/// organisation's keys (`build/signatures.rs`), and the Dockerfile is rewritten
/// to use the digest that was verified. `Ok(Err(_))`: images were refused (a
/// WB6002 at each one's `base`), and nothing may be built. Without trust
/// material, or when an image cannot be checked at all, a usage error.
fn verify_bases(
    session: &Session,
    file: SourceFile,
    mut ir: crate::ir::Dockerfile,
    cert_dir: Option<&Path>,
) -> Result<Result<crate::ir::Dockerfile, Vec<Diagnostic>>, UsageError> {
    let compiler = &session.compiler;
    let required = &compiler.policy().require_signed_base;
    let Some(trust) = &session.trust else {
        return Err(UsageError(format!(
            "the policy requires signed base images (images.require_signed_base, {}), and the organisation's configuration names no keys to verify them with: add `[trust]` with `keys = [\"org.pub.gpg\"]` and `registries_d = \"registries.d\"` to wbuild.toml in $WBUILD_CONFIG (default /etc/wbuild); see `wbuildc docs publishing`",
            required.source
        )));
    };
    trust.check()?;
    let keys = trust
        .keys
        .iter()
        .map(|k| {
            std::fs::canonicalize(k)
                .map_err(|e| UsageError(format!("cannot use the key {}: {e}", k.display())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let material = Trust {
        keys: &keys,
        registries_d: &trust.registries_d,
    };
    let access = Access {
        cert_dir: cert_dir.map(Path::to_path_buf),
        registries_d: None,
    };
    let scratch = tempfile::Builder::new()
        .prefix("wbuildc-verify-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .map_err(|e| UsageError(format!("cannot create a scratch directory: {e}")))?;
    // Each image once: as written → what was verified (None: refused).
    let mut seen: Vec<(ImageRef, Option<ImageRef>)> = Vec::new();
    let mut refused = Vec::new();
    // `variant`: whose stage it is (the diagnostic is anchored from there to the
    // user's file); `origin`: what names the image.
    let mut check = |written: &ImageRef,
                     variant: Option<&str>,
                     origin: Origin|
     -> Result<Option<ImageRef>, UsageError> {
        let known = seen.iter().find(|(w, _)| {
            w == written || (written.digest.is_none() && w.without_digest() == *written)
        });
        if let Some((_, verified)) = known {
            return Ok(verified.clone());
        }
        eprintln!("wbuildc: verifying the signature of {written}");
        let outcome = signatures::verify(written, material, &access, scratch.path(), seen.len());
        let verified = match outcome {
            Ok(digest) => {
                let verified = ImageRef {
                    digest: Some(digest),
                    ..written.clone()
                };
                eprintln!(
                    "wbuildc: {written} is signed by the organisation: building on {verified}"
                );
                Some(verified)
            }
            Err(VerifyError::Rejected { digest, reason }) => {
                let mut d = Diagnostic::new(
                    Code::UnsignedBaseImage,
                    format!("`{written}` is not signed by the organisation"),
                    origin.file,
                    origin.span,
                    "this base image was refused: nothing was built",
                )
                .with_note(format!("skopeo: {reason}"))
                .with_note(format!(
                    "checked {}/{}@{digest} against the keys of `[trust]` in {}",
                    written.registry,
                    written.repository,
                    trust.origin.display()
                ))
                .with_note(format!(
                    "required by images.require_signed_base ({})",
                    required.source
                ))
                .with_help("build on an image the organisation publishes signed (`wbuildc publish --sign-by`), or have this one signed with the organisation's key");
                if let Some(variant) = variant {
                    d = d.for_variant(variant);
                }
                refused.push(d);
                None
            }
            Err(VerifyError::Failed(message)) => return Err(UsageError(message)),
        };
        seen.push((written.clone(), verified.clone()));
        Ok(verified)
    };
    let root = Origin {
        file: file.id(compiler.db()),
        span: crate::span::Span::default(),
    };
    for stage in &mut ir.stages {
        let at = compiler.stage_base(file, stage.name.as_str());
        let variant = at.as_ref().map(|(v, _)| v.as_str());
        if let crate::ir::From::Image(written) = &stage.from {
            let origin = at.as_ref().map_or(root, |(_, o)| *o);
            if let Some(verified) = check(written, variant, origin)? {
                stage.from = crate::ir::From::Image(verified);
            }
        }
        for located in &mut stage.instructions {
            if let crate::ir::Instruction::Run { mounts, .. } = &mut located.instruction {
                for mount in mounts {
                    if let crate::ir::Mount::Bind {
                        from: crate::ir::BindFrom::Image(from),
                        ..
                    } = mount
                    {
                        if let Some(verified) = check(from, variant, located.origin)? {
                            *from = verified;
                        }
                    }
                }
            }
        }
    }
    if refused.is_empty() {
        Ok(Ok(ir))
    } else {
        compiler.anchor(file, &mut refused);
        Ok(Err(refused))
    }
}

/// The context's own `.dockerignore`, read like every file of the repository
/// (bounded, a regular file inside the context) and kept byte for byte: one that is
/// not UTF-8 is still the repository's exclusions.
fn read_dockerignore(context: &Path, forbidden: &[String]) -> Result<Option<Vec<u8>>, UsageError> {
    use crate::cli::fs::{self, Confinement, ReadError, Repository};
    let path = context.join(".dockerignore");
    let repository = Repository {
        root: context.to_path_buf(),
        forbidden: forbidden.to_vec(),
    };
    match fs::read(&path, Confinement::Repository(&repository), None) {
        Ok(bytes) if bytes.len() > crate::syntax::MAX_FILE_BYTES => Err(UsageError(format!(
            "{} is larger than {} MiB",
            path.display(),
            crate::syntax::MAX_FILE_BYTES / (1024 * 1024)
        ))),
        Ok(bytes) => Ok(Some(bytes)),
        Err(ReadError::NotFound) => Ok(None),
        Err(e) => Err(UsageError(format!(
            "refused to read {}: {} (the build would lose its exclusions)",
            path.display(),
            e.reason()
        ))),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim_end_matches(" \\")
}

/// What running the image runs: ENTRYPOINT then CMD of its last stage.
fn run_command(stage: &crate::ir::Stage) -> Vec<String> {
    let mut entrypoint: &[crate::ir::JsonText] = &[];
    let mut cmd: &[crate::ir::JsonText] = &[];
    for located in &stage.instructions {
        match &located.instruction {
            crate::ir::Instruction::Entrypoint(args) => entrypoint = args,
            crate::ir::Instruction::Cmd(args) => cmd = args,
            _ => {}
        }
    }
    entrypoint
        .iter()
        .chain(cmd)
        .map(|a| a.as_str().to_string())
        .collect()
}

/// Checks `--build-arg NAME=VALUE` against the `arg` steps: the name must be
/// declared and the value must have its type.
fn check_build_args(
    declared: &[(String, Ty)],
    given: &[String],
) -> Result<Vec<(String, String)>, UsageError> {
    let mut out = Vec::new();
    for arg in given {
        let (name, value) = arg
            .split_once('=')
            .ok_or_else(|| UsageError(format!("--build-arg must be NAME=VALUE, not `{arg}`")))?;
        let Some((_, ty)) = declared.iter().find(|(n, _)| n == name) else {
            let names: Vec<&str> = declared.iter().map(|(n, _)| n.as_str()).collect();
            return Err(UsageError(format!(
                "the variant declares no build argument `{name}` (declared: {})",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            )));
        };
        let literal = crate::check::types::Val {
            kind: match ty {
                Ty::Int => value.parse::<i64>().map(ValKind::Int).map_err(|_| {
                    UsageError(format!("build argument `{name}` is an int, not `{value}`"))
                })?,
                Ty::Bool => match value {
                    "true" => ValKind::Bool(true),
                    "false" => ValKind::Bool(false),
                    _ => {
                        return Err(UsageError(format!(
                            "build argument `{name}` is a bool (true or false), not `{value}`"
                        )))
                    }
                },
                _ => ValKind::Str(value.to_string()),
            },
            origin: crate::span::Origin {
                file: crate::span::FileId(0),
                span: crate::span::Span::default(),
            },
        };
        if crate::check::eval::coerce(literal, ty).is_err() {
            return Err(UsageError(format!(
                "build argument `{name}` must be {ty}, not `{value}`"
            )));
        }
        out.push((name.to_string(), value.to_string()));
    }
    Ok(out)
}
