//! Command-line arguments (clap derive only; nothing below `cli` sees clap).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "wbuildc",
    version,
    about = "Compile typed .wbuild build manifests into standard Dockerfiles",
    after_help = "Documentation: `wbuildc docs` lists the topics (language, stdlib, policy, ...), \
                  `wbuildc docs TOPIC` prints one, `wbuildc explain CODE` explains a diagnostic."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// The organisation's stdlib: this directory's *.wbuild files instead of the embedded ones
    /// (default: `[stdlib] dir` in $WBUILD_CONFIG/wbuild.toml, if any).
    #[arg(long, value_name = "DIR", global = true)]
    pub stdlib: Option<PathBuf>,
    /// The repository root: policy discovery stops here and nothing outside it is read
    /// (default: the nearest directory with .git at or above the manifest, else its directory).
    #[arg(long, value_name = "DIR", global = true)]
    pub root: Option<PathBuf>,
    /// When to colour terminal output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// The organisation's policy file, over the embedded default (default:
    /// $WBUILD_CONFIG/policy.toml). The repository's wbuild-policy.toml files can only tighten it.
    #[arg(long, value_name = "PATH", global = true)]
    pub policy: Option<PathBuf>,
    /// Release build: stages of release variants must use images pinned by digest.
    #[arg(long, global = true)]
    pub release: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq, Default)]
pub enum Format {
    /// Rendered for people (codespan-reporting).
    #[default]
    Human,
    /// One JSON object (docs/schemas/report.schema.json): `version`,
    /// `diagnostics` (each with file, location, severity, code, message, labels,
    /// help, fix and the variant it is about), `exceptions` (the policy
    /// exceptions that applied), `configurations` (the effective policy and where
    /// each value came from) and, when the run stopped early, `errors`.
    Json,
}

/// How `check` and `compile` report diagnostics.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq, Default)]
pub enum DiagnosticsFormat {
    /// Rendered for people (codespan-reporting), on standard error.
    #[default]
    Human,
    /// One JSON object (docs/schemas/report.schema.json): `version`,
    /// `diagnostics` (each with file, location, severity, code, message, labels,
    /// help, fix and the variant it is about), `exceptions` (the policy
    /// exceptions that applied), `configurations` (the effective policy and where
    /// each value came from) and, when the run stopped early, `errors`.
    Json,
    /// A SARIF 2.1.0 log (GitHub code scanning, Jenkins Warnings NG, SARIF viewers):
    /// one run, a rule per diagnostic code, paths relative to the repository root
    /// (%SRCROOT%), columns in UTF-16 code units, fixes as replacements.
    Sarif,
    /// GitHub Actions workflow commands, one `::error`/`::warning` line per
    /// diagnostic (and a `::notice` per policy exception), which the runner turns
    /// into annotations on the pull request.
    Github,
    /// GitLab's Code Quality report (for `artifacts:reports:codequality`): a JSON
    /// array, an issue per diagnostic with its code, message, path relative to the
    /// repository root, lines, severity and a fingerprint.
    Gitlab,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check manifests and print their diagnostics.
    Check {
        /// The .wbuild files to check; a directory means every .wbuild file under it
        /// (honouring .gitignore); `-` reads one manifest from standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The path standard input's text is checked as (`check -`): its policy,
        /// repository, imports and build context are found from there, and
        /// diagnostics name it (default: `<stdin>` in the current directory).
        #[arg(long, value_name = "PATH")]
        stdin_filename: Option<PathBuf>,
        /// How to report: `human` on standard error, the others on standard output
        /// (ci/README.md shows each CI's use).
        #[arg(long, value_enum, default_value_t)]
        format: DiagnosticsFormat,
        /// Fail (exit 1) on warnings too, not only on errors.
        #[arg(long)]
        deny_warnings: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Compile one variant into a Dockerfile (with every stage it needs).
    Compile {
        /// The .wbuild file.
        file: PathBuf,
        /// The variant to compile.
        #[arg(long, short)]
        variant: String,
        /// Write the Dockerfile here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// How to report: `human` on standard error, the others on standard output,
        /// or on standard error when the Dockerfile goes to standard output.
        #[arg(long, value_enum, default_value_t)]
        format: DiagnosticsFormat,
        /// Do not write: exit 1 (with a diff) if the file named by --output is not
        /// what the manifest compiles to (a committed Dockerfile gone stale).
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        common: Common,
    },
    /// List the variants of a manifest, one per line.
    Variants {
        file: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Format manifests canonically (in place), keeping comments.
    Fmt {
        /// The .wbuild files; a directory means every .wbuild file under it
        /// (honouring .gitignore); `-` formats standard input to standard output.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The path standard input's text is shown as in messages (`fmt -`).
        #[arg(long, value_name = "PATH")]
        stdin_filename: Option<PathBuf>,
        /// Do not write: print what would change as a unified diff, exit 1 if a file
        /// is not formatted.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Compile a variant and build it into an image with a real engine.
    Build {
        /// The .wbuild file.
        file: PathBuf,
        /// The variant to build.
        #[arg(long, short)]
        variant: String,
        #[command(flatten)]
        engine: EngineArgs,
        /// Also write the image as `oci:DIR` (an OCI layout) or `oci-archive:FILE`.
        #[arg(long, value_name = "oci:DIR|oci-archive:FILE")]
        output: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Build the test variant and run it; the exit code is the test's.
    Test {
        /// The .wbuild file.
        file: PathBuf,
        /// The variant that runs the tests.
        #[arg(long, short, default_value = "test")]
        variant: String,
        #[command(flatten)]
        engine: EngineArgs,
        #[command(flatten)]
        common: Common,
    },
    /// Show the policy in force.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Print the long explanation of a diagnostic code (e.g. WB2001); without a code, list them all.
    Explain { code: Option<String> },
    /// Print the documentation of a topic (language, stdlib, policy, ...); without one, list them.
    Docs { topic: Option<String> },
    /// Base images: build one from its `base "REF" { ... }` definition.
    Base {
        #[command(subcommand)]
        command: BaseCommand,
    },
    /// Print the workspace graph: base images → modules → variants → the images they produce.
    Graph {
        #[command(flatten)]
        workspace: WorkspaceArgs,
        /// `dot` (Graphviz) or `json`.
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// List, in build order, every image and variant a change affects, and the tests to run.
    Affected {
        #[command(flatten)]
        workspace: WorkspaceArgs,
        #[command(flatten)]
        selection: Selection,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Write a `docker buildx bake` file, a CI matrix and the Dockerfiles for what to (re)build.
    Plan {
        #[command(flatten)]
        workspace: WorkspaceArgs,
        #[command(flatten)]
        selection: Selection,
        /// The directory to write bake.json, matrix.json and the Dockerfiles into.
        #[arg(long, value_name = "DIR", default_value = ".wbuild-plan")]
        out: PathBuf,
        /// The timestamp every image is built with (default: $SOURCE_DATE_EPOCH, else 0).
        #[arg(long, value_name = "SECONDS")]
        source_date_epoch: Option<i64>,
    },
    /// Pin every external base reference the workspace uses in wbuild.lock.
    Lock {
        #[command(flatten)]
        workspace: WorkspaceArgs,
        /// Re-resolve every reference (the scheduled job), not only the missing ones.
        #[arg(long)]
        update: bool,
        /// Do not write: exit 1 when wbuild.lock is missing or stale.
        #[arg(long, conflicts_with = "update")]
        check: bool,
        /// A local OCI layout to resolve references from (`oci:DIR`, repeatable);
        /// references found in none are resolved in their registry with skopeo.
        #[arg(long = "layout", value_name = "oci:DIR")]
        layouts: Vec<String>,
    },
    /// Print the tags a publish of a variant would get (docs: `wbuildc docs publishing`).
    Tags {
        /// The .wbuild file.
        file: PathBuf,
        #[command(flatten)]
        publish: PublishArgs,
        #[command(flatten)]
        common: Common,
    },
    /// Push a built image to the organisation's registry with its immutable and floating tags.
    Publish {
        /// The .wbuild file.
        file: PathBuf,
        #[command(flatten)]
        publish: PublishArgs,
        /// The image to push (default: containers-storage:localhost/IMAGE:VARIANT, what
        /// `wbuildc build` tagged): oci:DIR[:REF], oci-archive:FILE or containers-storage:IMAGE.
        #[arg(long, value_name = "IMAGE")]
        from: Option<String>,
        #[command(flatten)]
        signing: SigningArgs,
        #[command(flatten)]
        common: Common,
    },
    /// Publish the images a plan's matrix built (`wbuildc plan`, then scripts/run-matrix.sh),
    /// level by level, each as `publish FILE --variant V --from containers-storage:IMAGE`.
    #[command(name = "publish-plan")]
    PublishPlan {
        /// The plan's directory (`wbuildc plan --out DIR`), holding matrix.json. Its
        /// files are relative to the directory the plan was written from: run there.
        plan: PathBuf,
        #[command(flatten)]
        publish: PlanPublishArgs,
        #[command(flatten)]
        signing: SigningArgs,
        #[command(flatten)]
        common: Common,
    },
    /// Which base images, and through the graph which images, carry a Debian package.
    Which {
        #[command(flatten)]
        workspace: WorkspaceArgs,
        /// The Debian package name.
        #[arg(long)]
        package: String,
        /// A local OCI layout whose package list (written by `base build`) to read (repeatable).
        #[arg(long = "layout", value_name = "oci:DIR")]
        layouts: Vec<String>,
        /// The SPDX SBOM of a published image, as `wbuildc publish` pushed it beside the
        /// image (REPOSITORY:sha256-HEX.sbom, fetched with skopeo) (repeatable).
        #[arg(long = "sbom", value_name = "FILE")]
        sboms: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Convert a Blubber config (version v4, `.pipeline/blubber.yaml`) into a
    /// .wbuild manifest, and a Blubber policy file into a wbuild-policy.toml
    /// (`wbuildc docs migrating-from-blubber`).
    ImportBlubber {
        /// The Blubber config.
        #[arg(required_unless_present = "policy")]
        path: Option<PathBuf>,
        /// Write the manifest here (default: standard output); never over an
        /// existing file without --force.
        #[arg(short, long, value_name = "OUT.wbuild")]
        output: Option<PathBuf>,
        /// The manifest's image name (default: the name of the directory the config
        /// is in, or of the repository when it is in .pipeline/).
        #[arg(long, value_name = "NAME")]
        image: Option<String>,
        /// A Blubber policy file (`enforcements: [{path, rule}]`) to convert.
        #[arg(long, value_name = "POLICY.yaml")]
        policy: Option<PathBuf>,
        /// Write the converted policy here (default: standard output).
        #[arg(long, value_name = "FILE", requires = "policy")]
        policy_output: Option<PathBuf>,
        /// Overwrite existing output files.
        #[arg(long)]
        force: bool,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Write a starter service.wbuild for a repository: its language detected from
    /// requirements.txt/pyproject.toml, package.json, composer.json, pom.xml or go.mod.
    // Listed first in --help: where a new user starts.
    #[command(display_order = 0)]
    Init {
        /// The service's repository.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The language, when DIR has the files of several (its files must be there).
        #[arg(long, value_enum)]
        language: Option<InitLanguage>,
        /// Overwrite an existing service.wbuild.
        #[arg(long, conflicts_with = "stdout")]
        force: bool,
        /// Print the manifest instead of writing DIR/service.wbuild.
        #[arg(long)]
        stdout: bool,
        /// The repository root: nothing outside it is read (default: the nearest
        /// directory with .git at or above DIR, else DIR).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
    /// Print a shell completion script for wbuildc (e.g. `wbuildc completions bash > /etc/bash_completion.d/wbuildc`).
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Write the manual pages: wbuildc.1 and one per subcommand (wbuildc-check.1, ...).
    Man {
        /// The directory to write the pages into (default: print wbuildc.1 on standard output).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// What `tags` and `publish` share. Credentials are never an argument: skopeo
/// reads the containers auth file ($REGISTRY_AUTH_FILE, ...).
#[derive(Args, Debug, Clone)]
pub struct PublishArgs {
    /// The variant to publish.
    #[arg(long, short)]
    pub variant: String,
    /// A snapshot (tagged VERSION-snapshot), not a release: allowed from any commit and a
    /// changed tree. Without it, HEAD must carry the release tag vX.Y.Z on a clean tree.
    #[arg(long)]
    pub snapshot: bool,
    /// The build number N of the immutable tag T-YYYYMMDD-N (default: the next one
    /// not in the registry's tag list).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub number: Option<u32>,
    /// Trust the registry's certificate authority in this directory (`ca.crt`), as
    /// skopeo's --cert-dir (default: /etc/containers/certs.d/HOST).
    #[arg(long, value_name = "DIR")]
    pub cert_dir: Option<PathBuf>,
    /// `json`: the kind, the tags and (publish) every reference pushed with its digest.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// What `publish-plan` applies to every target (see [`PublishArgs`]).
#[derive(Args, Debug, Clone)]
pub struct PlanPublishArgs {
    /// Publish every target as a snapshot (tagged VERSION-snapshot), not a release.
    #[arg(long)]
    pub snapshot: bool,
    /// The build number N of every immutable tag (default: the next free one of each).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub number: Option<u32>,
    /// Trust the registry's certificate authority in this directory (`ca.crt`).
    #[arg(long, value_name = "DIR")]
    pub cert_dir: Option<PathBuf>,
    /// `json`: one entry per target (published with its report, skipped with the
    /// reason, or failed with its errors).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// How `publish` signs (containers' simple signing with GPG, through skopeo).
#[derive(Args, Debug, Clone, Default)]
pub struct SigningArgs {
    /// Sign every tag pushed with this GPG key (its fingerprint, from $GNUPGHOME's
    /// keyring); required when the policy sets publishing.require_signature.
    #[arg(long, value_name = "FINGERPRINT")]
    pub sign_by: Option<String>,
    /// skopeo's registries.d: where signatures are written (`lookaside-staging`)
    /// (default: /etc/containers/registries.d).
    #[arg(long = "registries-d", value_name = "DIR")]
    pub registries_d: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum BaseCommand {
    /// Make the root filesystem with mmdebstrap and write a reproducible OCI image layout.
    Build {
        /// The .wbuild file with the `base` item.
        file: PathBuf,
        /// Where to write the image: `oci:DIR`.
        #[arg(long, value_name = "oci:DIR")]
        output: String,
        /// The timestamp of every file and of the image (default: $SOURCE_DATE_EPOCH, else 0).
        #[arg(long, value_name = "SECONDS")]
        source_date_epoch: Option<i64>,
        #[command(flatten)]
        common: Common,
    },
}

/// The tree of manifests an operations command reads.
#[derive(Args, Debug, Clone)]
pub struct WorkspaceArgs {
    /// The directory to read every .wbuild file under (honouring .gitignore).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub common: Common,
}

/// What changed, for `affected` and `plan` (none: everything).
#[derive(Args, Debug, Clone, Default)]
pub struct Selection {
    /// Changed files: manifests, base definitions, modules, or files a variant copies
    /// (several after one flag, e.g. `--changed $(git diff --name-only)`; give DIR first).
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub changed: Vec<String>,
    /// A changed image: a base rebuilt, or any image reference.
    #[arg(long, value_name = "REF")]
    pub image: Vec<String>,
    /// Two versions of wbuild.lock: every reference whose digest moved.
    #[arg(long, value_names = ["OLD", "NEW"], num_args = 2)]
    pub lock_diff: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Print the effective policy and where each value came from.
    Explain {
        /// Discover policy files from this manifest's directory (default: the current directory).
        file: Option<PathBuf>,
        /// `json`: the repository root, the stdlib and every policy value with its origin.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args, Debug, Clone)]
pub struct EngineArgs {
    /// The image builder: buildah (daemonless) or docker (BuildKit; honours DOCKER_HOST).
    #[arg(long, value_enum, default_value_t = EngineChoice::Buildah)]
    pub engine: EngineChoice,
    /// The image name to tag (default: localhost/IMAGE:VARIANT).
    #[arg(long)]
    pub tag: Option<String>,
    /// The build context (default: the manifest's directory).
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,
    /// A build argument declared with an `arg` step, checked against its type.
    #[arg(long = "build-arg", value_name = "NAME=VALUE")]
    pub build_args: Vec<String>,
    /// A build-time secret for `run ... with secret = "ID"` steps.
    #[arg(long = "secret", value_name = "id=ID,src=PATH")]
    pub secrets: Vec<String>,
    /// The network for RUN steps (e.g. `host`).
    #[arg(long)]
    pub network: Option<String>,
    /// Build for this platform instead of the host's (`linux/arm64`, `linux/arm/v7`);
    /// RUN steps of another architecture need the host's binfmt emulation.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Reuse the layers cached in this repository of an approved registry
    /// (`registry.example.org/cache/svc`, no tag).
    #[arg(long, value_name = "REPOSITORY")]
    pub cache_from: Option<String>,
    /// Push the build's layers to this repository of an approved registry, for
    /// the next build's --cache-from (buildah only: docker build has no cache export).
    #[arg(long, value_name = "REPOSITORY")]
    pub cache_to: Option<String>,
    /// A directory of registry CA certificates (`HOST:PORT/ca.crt`) for pulls and
    /// the cache repository, as buildah's --cert-dir (buildah only: Docker's engine
    /// reads its own certs.d). Credentials come from the containers auth file
    /// (`REGISTRY_AUTH_FILE`), never from a flag.
    #[arg(long, value_name = "DIR")]
    pub cert_dir: Option<PathBuf>,
    /// When to pull base images.
    #[arg(long, value_enum, default_value_t = PullChoice::Missing)]
    pub pull: PullChoice,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum EngineChoice {
    Buildah,
    Docker,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum PullChoice {
    Missing,
    Always,
    Never,
}

/// The languages `wbuildc init` writes a manifest for (one stdlib module each).
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq, PartialOrd, Ord)]
pub enum InitLanguage {
    Python,
    Node,
    Php,
    Java,
    Go,
}

/// The shells `wbuildc completions` writes a script for.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}
