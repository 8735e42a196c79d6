//! Generates an organisation-shaped workspace of `.wbuild` files, with the model
//! of what every variant was generated to depend on: shared by the oracle test
//! of `wbuild::ops` (`tests/it/ops_oracle.rs`) and its benchmark
//! (`benches/ops.rs`).
//!
//! The workspace, deterministic from a seed:
//!
//! - `bases/*.wbuild`: the Debian base definitions (`debian:bookworm`,
//!   `debian:trixie`, `debian-python:bookworm`, ...);
//! - `lib/common.wbuild` (a preset over `base.runtime`) importing `lib/ci.wbuild`
//!   (a constant): the organisation's own module;
//! - `images/img-N/service.wbuild`: images in four levels, each variant of a
//!   level-k image starting from a base, a vendor image nothing produces, or an
//!   image of a lower level (by the reference that image's variant produces);
//! - `services/svc-N/service.wbuild`: services on top of any of those.
//!
//! Manifests use the stdlib presets (`python`, `node`, `go`, `java`, `php`,
//! `base`) or plain fields, copy context files (directories, file lists, `*`
//! patterns, the whole context), and have `build`, `test`, `lint`, `debug`
//! variants that `production` copies from or that start from other variants.
//! Every file checks without diagnostics under the default policy.
//!
//! The model is what the generator meant, not what the compiler computed: each
//! variant's parent (the reference and the node meant to produce it), the
//! stages of its file it needs, the modules whose text it reads and the context
//! sources it copies (relative to the manifest's directory).

#![allow(dead_code)]

use std::fmt::Write;

pub const REGISTRY: &str = "registry.example.org";

/// The stdlib modules, as the workspace graph names them (`std/NAME.wbuild`).
pub const STD_MODULES: &[&str] = &["base", "python", "node", "go", "java", "php"];

pub const COMMON: &str = "lib/common.wbuild";
pub const CI: &str = "lib/ci.wbuild";

/// How big a workspace to make.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub seed: u64,
    /// Image manifests, spread over four levels (40 %, 30 %, 20 %, 10 %).
    pub images: usize,
    /// Service manifests on top.
    pub services: usize,
}

impl Config {
    /// About 150 images and a few hundred services: what the oracle test uses.
    pub fn small(seed: u64) -> Config {
        Config {
            seed,
            images: 150,
            services: 300,
        }
    }

    /// `manifests` manifests in all (15 % images, the rest services), plus the
    /// base definitions and the two library modules.
    pub fn manifests(seed: u64, manifests: usize) -> Config {
        let images = (manifests * 15 / 100).max(8);
        Config {
            seed,
            images,
            services: manifests.saturating_sub(images),
        }
    }
}

/// splitmix64: small, fast, and good enough to pick shapes.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What a variant is for, by its name under the default policy
/// (`images.release_variants = ["production"]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Release,
    Test,
    Stage,
}

impl Role {
    pub fn of(variant: &str) -> Role {
        match variant {
            "production" => Role::Release,
            "test" => Role::Test,
            _ => Role::Stage,
        }
    }
}

/// The node a parent reference was meant to resolve to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// `model.bases[i]`.
    Base(usize),
    /// A variant of `model.manifests[manifest]`.
    Variant { manifest: usize, variant: String },
    /// Nothing in the workspace produces it.
    External,
}

/// What a variant's stage starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parent {
    Image {
        reference: String,
        target: Target,
    },
    /// `base = VARIANT`: a variant of the same file.
    Stage(String),
    Scratch,
}

/// A copy source, relative to the manifest's directory.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    File(String),
    /// A directory (`copy "src/" ...`), written with a trailing `/`.
    Dir(String),
    /// A pattern whose last segment is `*SUFFIX` (`*.conf`, `conf.d/*.ini`).
    Glob(String),
    /// `copy "." ...`: the whole context.
    All,
}

impl Source {
    /// The source as written in the manifest.
    pub fn text(&self) -> String {
        match self {
            Source::File(f) | Source::Glob(f) => f.clone(),
            Source::Dir(d) => format!("{d}/"),
            Source::All => ".".to_string(),
        }
    }

    /// Whether the path `relative` (to the manifest's directory) is read by
    /// this source: the file, anything under the directory, a match of the
    /// pattern (or anything under a match).
    pub fn reads(&self, relative: &str) -> bool {
        match self {
            Source::File(f) => relative == f || relative.starts_with(&format!("{f}/")),
            Source::Dir(d) => relative.starts_with(&format!("{d}/")) || relative == d,
            Source::All => true,
            Source::Glob(g) => {
                let pattern: Vec<&str> = g.split('/').collect();
                let path: Vec<&str> = relative.split('/').collect();
                path.len() >= pattern.len()
                    && pattern
                        .iter()
                        .zip(&path)
                        .all(|(p, s)| match p.strip_prefix('*') {
                            Some(suffix) => s.ends_with(suffix),
                            None => p == s,
                        })
            }
        }
    }

    /// A few paths (relative to the manifest's directory) this source reads.
    pub fn samples(&self) -> Vec<String> {
        match self {
            Source::File(f) => vec![f.clone()],
            Source::Dir(d) => vec![format!("{d}/main.txt"), format!("{d}/sub/deep.txt")],
            Source::Glob(g) => {
                let (dir, last) = match g.rfind('/') {
                    Some(i) => (&g[..=i], &g[i + 1..]),
                    None => ("", g.as_str()),
                };
                let suffix = last.trim_start_matches('*');
                vec![format!("{dir}app{suffix}"), format!("{dir}extra{suffix}")]
            }
            Source::All => vec!["anything.txt".to_string()],
        }
    }
}

#[derive(Clone, Debug)]
pub struct VariantModel {
    pub name: String,
    pub role: Role,
    /// The reference the variant produces (`images.allowed_registries[0]`,
    /// the image's name, its version, `-variant` unless it is the release).
    pub produces: String,
    pub parent: Parent,
    /// The variants of its file it copies from (`copy from`).
    pub copies_from: Vec<String>,
    /// The modules whose text it reads (presets it extends, their modules and
    /// the modules whose constants those read), by path.
    pub modules: Vec<String>,
    /// What it copies from the build context (its own steps and those it
    /// inherits: `extends` merges steps, presets add theirs).
    pub context: Vec<Source>,
}

impl VariantModel {
    /// The variants of its file it needs built first: its `base` variant, then
    /// the ones it copies from.
    pub fn stages(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if let Parent::Stage(s) = &self.parent {
            out.push(s.clone());
        }
        for s in &self.copies_from {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
        out
    }
}

#[derive(Clone, Debug)]
pub struct ManifestModel {
    pub path: String,
    /// The manifest's directory (its build context).
    pub dir: String,
    pub image: String,
    pub version: String,
    /// 0–3 for images, 4 for services.
    pub level: u32,
    pub variants: Vec<VariantModel>,
}

impl ManifestModel {
    /// The modules the file's variants read, together: the graph's module
    /// dependencies are per file (`FileFacts::uses_files`), every variant of a
    /// file needs every module any of them reads.
    pub fn file_modules(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .variants
            .iter()
            .flat_map(|v| v.modules.iter().cloned())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    pub fn variant(&self, name: &str) -> Option<&VariantModel> {
        self.variants.iter().find(|v| v.name == name)
    }

    /// `dir/relative`.
    pub fn join(&self, relative: &str) -> String {
        format!("{}/{relative}", self.dir)
    }

    /// A file one of its variants copies (the manifest itself when none copies
    /// anything): a change that reaches what is built on this image.
    pub fn copied_sample(&self) -> String {
        self.variants
            .iter()
            .flat_map(|v| &v.context)
            .next()
            .map(|s| self.join(&s.samples()[0]))
            .unwrap_or_else(|| self.path.clone())
    }
}

#[derive(Clone, Debug)]
pub struct BaseModel {
    pub path: String,
    pub reference: String,
}

#[derive(Clone, Debug, Default)]
pub struct Model {
    pub bases: Vec<BaseModel>,
    /// The organisation's own modules (`lib/...`).
    pub modules: Vec<String>,
    pub manifests: Vec<ManifestModel>,
    /// References variants start from that nothing in the workspace produces.
    pub externals: Vec<String>,
}

pub struct Generated {
    /// `(path, text)` of every file: bases, modules, images, services.
    pub files: Vec<(String, String)>,
    pub model: Model,
}

/// The base definitions: path, reference, suite, packages.
const BASES: &[(&str, &str, &str, &[&str])] = &[
    (
        "bases/debian-bookworm.wbuild",
        "debian:bookworm",
        "bookworm",
        &["ca-certificates"],
    ),
    ("bases/debian-trixie.wbuild", "debian:trixie", "trixie", &[]),
    (
        "bases/debian-python-bookworm.wbuild",
        "debian-python:bookworm",
        "bookworm",
        &["ca-certificates", "python3", "python3-venv"],
    ),
    (
        "bases/debian-node-bookworm.wbuild",
        "debian-node:bookworm",
        "bookworm",
        &["ca-certificates", "nodejs"],
    ),
    (
        "bases/debian-build-bookworm.wbuild",
        "debian-build:bookworm",
        "bookworm",
        &["build-essential", "git"],
    ),
];

/// Images nothing in the workspace produces or defines.
const VENDOR: &[&str] = &[
    "vendor/postgres:16",
    "vendor/redis:7.2",
    "vendor/nginx:1.25",
    "debian:bullseye",
];

const PACKAGES: &[&str] = &[
    "curl",
    "ca-certificates",
    "tzdata",
    "libpq5",
    "libssl3",
    "jq",
    "less",
    "procps",
    "netbase",
    "unzip",
];
const FILES: &[&str] = &[
    "a.txt",
    "b.txt",
    "config.yaml",
    "VERSION",
    "settings.toml",
    "scripts/start.sh",
];
const DIRS: &[&str] = &["src", "app", "etc", "static", "templates", "deploy/config"];
const GLOBS: &[&str] = &["*.conf", "*.ini", "conf.d/*.conf"];

const COMMON_TEXT: &str = r#"# The organisation's service preset: the standard runtime, one port, the team.
import "base"
import "./ci.wbuild"

preset service(port: port = 8080, from_image: image = "registry.example.org/debian:bookworm") extends base.runtime(from_image = from_image) {
  expose = [port]
  labels = { "org.example.team": ci.team }
}
"#;

const CI_TEXT: &str =
    "# Constants shared by the organisation's modules.\nlet team = \"platform\"\n";

/// The manifests' shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// One `production` of plain fields (with `test` and `debug` on it).
    Single,
    /// `build` and `production` of plain fields, production copying from build.
    BuildProduction,
    Python,
    Node,
    Go,
    Java,
    Php,
    /// `base.build` / `base.runtime` with `from_image`.
    BasePresets,
    /// `lib/common.wbuild`'s `service`.
    Common,
}

const SHAPES: &[Shape] = &[
    Shape::Single,
    Shape::Single,
    Shape::BuildProduction,
    Shape::BuildProduction,
    Shape::Python,
    Shape::Node,
    Shape::Go,
    Shape::Java,
    Shape::Php,
    Shape::BasePresets,
    Shape::Common,
];

/// A reference another manifest may start from, with what produces it.
#[derive(Clone, Debug)]
struct Offer {
    reference: String,
    target: Target,
}

fn std_module(name: &str) -> String {
    format!("std/{name}.wbuild")
}

struct Gen {
    rng: Rng,
    model: Model,
    files: Vec<(String, String)>,
    /// What each level offers to the levels above it (index = level; the
    /// bases are level "-1", kept apart).
    offers: Vec<Vec<Offer>>,
    base_offers: Vec<Offer>,
}

pub fn generate(config: &Config) -> Generated {
    let mut g = Gen {
        rng: Rng::new(config.seed),
        model: Model::default(),
        files: Vec::new(),
        offers: vec![Vec::new(); 4],
        base_offers: Vec::new(),
    };
    for (i, (path, name, suite, packages)) in BASES.iter().enumerate() {
        let reference = format!("{REGISTRY}/{name}");
        let mut s = String::new();
        let _ = writeln!(s, "# The organisation's {name} base image.");
        let _ = writeln!(s, "base \"{reference}\" {{");
        let _ = writeln!(s, "  suite = \"{suite}\"");
        if !packages.is_empty() {
            let list: Vec<String> = packages.iter().map(|p| format!("\"{p}\"")).collect();
            let _ = writeln!(s, "  packages = [{}]", list.join(", "));
        }
        let _ = writeln!(s, "  environment = {{ \"LANG\": \"C.UTF-8\" }}");
        let _ = writeln!(s, "}}");
        g.files.push((path.to_string(), s));
        g.base_offers.push(Offer {
            reference: reference.clone(),
            target: Target::Base(i),
        });
        g.model.bases.push(BaseModel {
            path: path.to_string(),
            reference,
        });
    }
    g.files.push((COMMON.to_string(), COMMON_TEXT.to_string()));
    g.files.push((CI.to_string(), CI_TEXT.to_string()));
    g.model.modules = vec![COMMON.to_string(), CI.to_string()];

    // Images, level by level: 40 %, 30 %, 20 %, the rest.
    let per_level = [
        config.images * 4 / 10,
        config.images * 3 / 10,
        config.images * 2 / 10,
    ];
    let mut level_of = Vec::with_capacity(config.images);
    for i in 0..config.images {
        let mut level = 3;
        let mut start = 0;
        for (l, n) in per_level.iter().enumerate() {
            if i < start + n {
                level = l as u32;
                break;
            }
            start += n;
        }
        level_of.push(level);
    }
    for (i, &level) in level_of.iter().enumerate() {
        g.manifest(
            format!("images/img-{i}"),
            format!("img-{i}"),
            format!("{}.{}.0", 1 + level, i % 10),
            level,
        );
    }
    for i in 0..config.services {
        g.manifest(
            format!("services/svc-{i}"),
            format!("svc-{i}"),
            format!("2.{}.{}", i % 7, i % 3),
            4,
        );
    }
    g.model.externals.sort();
    g.model.externals.dedup();
    Generated {
        files: g.files,
        model: g.model,
    }
}

impl Gen {
    /// A parent for a variant of a level-`level` manifest: for images, a base,
    /// a vendor image or an image of a lower level (`primary`: of the level
    /// just below, so that the levels are real); for services, anything.
    fn parent(&mut self, level: u32, primary: bool) -> Offer {
        let roll = self.rng.below(100);
        let external = |rng: &mut Rng, model: &mut Model| {
            let reference = format!("{REGISTRY}/{}", rng.pick(VENDOR));
            model.externals.push(reference.clone());
            Offer {
                reference,
                target: Target::External,
            }
        };
        if level == 0 {
            return if roll < 85 {
                self.rng.pick(&self.base_offers).clone()
            } else {
                external(&mut self.rng, &mut self.model)
            };
        }
        if roll < 3 {
            return external(&mut self.rng, &mut self.model);
        }
        if roll < 6 {
            // An older version of an image: nothing produces it any more.
            let below = (level.min(4) - 1) as usize;
            let offer = self.rng.pick(&self.offers[below.min(3)]).clone();
            if let Target::Variant { manifest, .. } = offer.target {
                let m = &self.model.manifests[manifest];
                let reference = format!("{REGISTRY}/{}:0.9.0", m.image);
                self.model.externals.push(reference.clone());
                return Offer {
                    reference,
                    target: Target::External,
                };
            }
        }
        if roll < 12 {
            return self.rng.pick(&self.base_offers).clone();
        }
        let top = level.min(4) as usize; // levels 0..top are below
        let from = if primary || self.rng.chance(60) {
            top - 1
        } else {
            self.rng.below(top)
        };
        self.rng.pick(&self.offers[from.min(3)]).clone()
    }

    fn manifest(&mut self, dir: String, image: String, version: String, level: u32) {
        let shape = *self.rng.pick(SHAPES);
        let index = self.model.manifests.len();
        let mut m = ManifestModel {
            path: format!("{dir}/service.wbuild"),
            dir,
            image: image.clone(),
            version: version.clone(),
            level,
            variants: Vec::new(),
        };
        let mut s = String::with_capacity(1024);
        let _ = writeln!(s, "# Generated {image} (level {level}, {shape:?}).");
        match shape {
            Shape::Python => s.push_str("import \"python\"\n"),
            Shape::Node => s.push_str("import \"node\"\n"),
            Shape::Go => s.push_str("import \"go\"\n"),
            Shape::Java => s.push_str("import \"java\"\n"),
            Shape::Php => s.push_str("import \"php\"\n"),
            Shape::BasePresets => s.push_str("import \"base\"\n"),
            Shape::Common => s.push_str("import \"../../lib/common.wbuild\" as common\n"),
            Shape::Single | Shape::BuildProduction => {}
        }
        s.push('\n');
        let _ = writeln!(s, "image \"{image}\" {{");
        let _ = writeln!(s, "  version = \"{version}\"");
        let _ = writeln!(
            s,
            "  labels = {{ \"org.example.team\": \"team-{}\" }}",
            self.rng.below(20)
        );
        let _ = writeln!(s, "}}");
        match shape {
            Shape::Single => self.single(&mut s, &mut m),
            Shape::BuildProduction => self.build_production(&mut s, &mut m),
            Shape::BasePresets => self.base_presets(&mut s, &mut m),
            Shape::Common => self.common(&mut s, &mut m),
            _ => self.language(&mut s, &mut m, shape),
        }
        // Fill in what each variant produces; offer the non-test ones.
        for v in &mut m.variants {
            v.produces = if v.role == Role::Release {
                format!("{REGISTRY}/{}:{}", m.image, m.version)
            } else {
                format!("{REGISTRY}/{}:{}-{}", m.image, m.version, v.name)
            };
            if v.role != Role::Test && level < 4 {
                self.offers[level as usize].push(Offer {
                    reference: v.produces.clone(),
                    target: Target::Variant {
                        manifest: index,
                        variant: v.name.clone(),
                    },
                });
            }
        }
        self.files.push((m.path.clone(), s));
        self.model.manifests.push(m);
    }

    /// 1–3 distinct copy sources.
    fn sources(&mut self, count: usize) -> Vec<Source> {
        let mut out: Vec<Source> = Vec::new();
        for _ in 0..count {
            let source = match self.rng.below(10) {
                0..=3 => Source::Dir(self.rng.pick(DIRS).to_string()),
                4..=6 => Source::File(self.rng.pick(FILES).to_string()),
                _ => Source::Glob(self.rng.pick(GLOBS).to_string()),
            };
            if !out.contains(&source) {
                out.push(source);
            }
        }
        out
    }

    /// Copy steps for `sources` (files together in one list), into the image's
    /// directory.
    fn copy_steps(&self, sources: &[Source], image: &str) -> String {
        let mut s = String::new();
        let files: Vec<String> = sources
            .iter()
            .filter(|x| matches!(x, Source::File(_)))
            .map(|x| format!("\"{}\"", x.text()))
            .collect();
        if !files.is_empty() {
            let _ = writeln!(s, "    copy [{}] to \"/srv/{image}/\"", files.join(", "));
        }
        for source in sources {
            match source {
                Source::File(_) => {}
                Source::Dir(d) => {
                    let _ = writeln!(s, "    copy \"{d}/\" to \"/srv/{image}/{d}/\"");
                }
                Source::Glob(g) => {
                    let _ = writeln!(s, "    copy \"{g}\" to \"/etc/{image}/\"");
                }
                Source::All => {
                    let _ = writeln!(s, "    copy \".\" to \"/srv/{image}/\"");
                }
            }
        }
        s
    }

    fn apt(&mut self) -> String {
        let a = *self.rng.pick(PACKAGES);
        let b = *self.rng.pick(PACKAGES);
        if a == b {
            format!("    apt [\"{a}\"]\n")
        } else {
            format!("    apt [\"{a}\", \"{b}\"]\n")
        }
    }

    fn image_parent(offer: Offer) -> Parent {
        Parent::Image {
            reference: offer.reference,
            target: offer.target,
        }
    }

    fn variant(
        name: &str,
        parent: Parent,
        copies_from: &[&str],
        modules: &[String],
        context: Vec<Source>,
    ) -> VariantModel {
        VariantModel {
            name: name.to_string(),
            role: Role::of(name),
            produces: String::new(),
            parent,
            copies_from: copies_from.iter().map(|s| s.to_string()).collect(),
            modules: modules.to_vec(),
            context,
        }
    }

    /// `production` of plain fields; sometimes `test extends production` and
    /// `debug` starting from it.
    fn single(&mut self, s: &mut String, m: &mut ManifestModel) {
        let image = m.image.clone();
        let parent = self.parent(m.level, true);
        let count = 1 + self.rng.below(3);
        let mut sources = self.sources(count);
        if m.level == 4 && self.rng.chance(8) {
            sources = vec![Source::All];
        }
        let _ = writeln!(s, "\nvariant production {{");
        let _ = writeln!(s, "  base = \"{}\"", parent.reference);
        let _ = writeln!(s, "  steps = {{");
        s.push_str(&self.apt());
        s.push_str(&self.copy_steps(&sources, &image));
        let _ = writeln!(s, "  }}");
        let _ = writeln!(s, "  user = user(\"app\", 10001)");
        let _ = writeln!(s, "  cmd = [\"/srv/{image}/run\"]");
        let _ = writeln!(s, "}}");
        m.variants.push(Self::variant(
            "production",
            Self::image_parent(parent.clone()),
            &[],
            &[],
            sources.clone(),
        ));
        if self.rng.chance(40) {
            let _ = writeln!(s, "\nvariant test extends production {{");
            let _ = writeln!(s, "  cmd = [\"/srv/{image}/run\", \"--self-test\"]");
            let _ = writeln!(s, "}}");
            m.variants.push(Self::variant(
                "test",
                Self::image_parent(parent),
                &[],
                &[],
                sources,
            ));
        }
        if self.rng.chance(25) {
            let _ = writeln!(s, "\nvariant debug {{");
            let _ = writeln!(s, "  base = production");
            let _ = writeln!(s, "  steps = {{ apt [\"strace\", \"gdb\"] }}");
            let _ = writeln!(
                s,
                "  allow = {{ \"root-user\": \"debugging images attach to processes as root; never deployed\" }}"
            );
            let _ = writeln!(s, "  cmd = [\"bash\"]");
            let _ = writeln!(s, "}}");
            m.variants.push(Self::variant(
                "debug",
                Parent::Stage("production".into()),
                &[],
                &[],
                Vec::new(),
            ));
        }
    }

    /// `build` and `production` of plain fields; `test` on the build stage.
    fn build_production(&mut self, s: &mut String, m: &mut ManifestModel) {
        let image = m.image.clone();
        let build_parent = if self.rng.chance(50) {
            self.base_offers[4].clone() // debian-build:bookworm
        } else {
            self.parent(m.level, false)
        };
        let count = 1 + self.rng.below(2);
        let build_sources = self.sources(count);
        let _ = writeln!(s, "\nvariant build {{");
        let _ = writeln!(s, "  base = \"{}\"", build_parent.reference);
        let _ = writeln!(s, "  steps = {{");
        let _ = writeln!(s, "    workdir \"/src\"");
        s.push_str(&self.copy_steps(&build_sources, &image));
        let _ = writeln!(s, "    run [\"make\", \"all\"]");
        let _ = writeln!(s, "  }}");
        let _ = writeln!(
            s,
            "  allow = {{ \"root-user\": \"the build stage runs the toolchain as root; never deployed\" }}"
        );
        let _ = writeln!(s, "}}");
        m.variants.push(Self::variant(
            "build",
            Self::image_parent(build_parent),
            &[],
            &[],
            build_sources,
        ));
        let scratch = self.rng.chance(20);
        let parent = if scratch {
            Parent::Scratch
        } else {
            Self::image_parent(self.parent(m.level, true))
        };
        let mut sources = Vec::new();
        let _ = writeln!(s, "\nvariant production {{");
        match &parent {
            Parent::Image { reference, .. } => {
                let _ = writeln!(s, "  base = \"{reference}\"");
            }
            _ => {
                let _ = writeln!(s, "  base = scratch");
            }
        }
        let _ = writeln!(s, "  steps = {{");
        let _ = writeln!(
            s,
            "    copy from build \"/src/out/{image}\" to \"/usr/local/bin/{image}\""
        );
        if !scratch && self.rng.chance(50) {
            sources = self.sources(1);
            s.push_str(&self.copy_steps(&sources, &image));
        }
        let _ = writeln!(s, "  }}");
        let _ = writeln!(s, "  user = user(\"app\", 10001)");
        let _ = writeln!(s, "  entrypoint = [\"/usr/local/bin/{image}\"]");
        let _ = writeln!(s, "}}");
        m.variants.push(Self::variant(
            "production",
            parent,
            &["build"],
            &[],
            sources,
        ));
        if self.rng.chance(60) {
            let _ = writeln!(s, "\nvariant test {{");
            let _ = writeln!(s, "  base = build");
            let _ = writeln!(s, "  cmd = [\"make\", \"test\"]");
            let _ = writeln!(
                s,
                "  allow = {{ \"root-user\": \"tests run in the build stage as root\" }}"
            );
            let _ = writeln!(s, "}}");
            m.variants.push(Self::variant(
                "test",
                Parent::Stage("build".into()),
                &[],
                &[],
                Vec::new(),
            ));
        }
    }

    /// `base.build(from_image = ...)` and `base.runtime(from_image = ...)`.
    fn base_presets(&mut self, s: &mut String, m: &mut ManifestModel) {
        let image = m.image.clone();
        let modules = [std_module("base")];
        let build_parent = self.parent(m.level, false);
        let build_sources = vec![Source::Dir("src".into())];
        let _ = writeln!(
            s,
            "\nvariant build extends base.build(from_image = \"{}\") {{",
            build_parent.reference
        );
        let _ = writeln!(s, "  steps += {{");
        s.push_str(&self.copy_steps(&build_sources, &image));
        let _ = writeln!(s, "    run [\"make\"]");
        let _ = writeln!(s, "  }}");
        let _ = writeln!(s, "}}");
        m.variants.push(Self::variant(
            "build",
            Self::image_parent(build_parent),
            &[],
            &modules,
            build_sources,
        ));
        let parent = self.parent(m.level, true);
        let sources = self.sources(1);
        let _ = writeln!(
            s,
            "\nvariant production extends base.runtime(from_image = \"{}\") {{",
            parent.reference
        );
        let _ = writeln!(s, "  steps += {{");
        let _ = writeln!(s, "    copy from build \"/srv/app/out\" to \"bin/{image}\"");
        s.push_str(&self.copy_steps(&sources, &image));
        let _ = writeln!(s, "  }}");
        let _ = writeln!(s, "  cmd = [\"/srv/app/bin/{image}\"]");
        let _ = writeln!(s, "}}");
        m.variants.push(Self::variant(
            "production",
            Self::image_parent(parent),
            &["build"],
            &modules,
            sources,
        ));
    }

    /// `lib/common.wbuild`'s `service`, from an image or the default base.
    fn common(&mut self, s: &mut String, m: &mut ManifestModel) {
        let image = m.image.clone();
        let modules = [COMMON.to_string(), CI.to_string(), std_module("base")];
        let (parent, argument) = if self.rng.chance(80) {
            let p = self.parent(m.level, true);
            let argument = format!(", from_image = \"{}\"", p.reference);
            (p, argument)
        } else {
            (self.base_offers[0].clone(), String::new())
        };
        let port = 8000 + self.rng.below(1000);
        let count = 1 + self.rng.below(2);
        let sources = self.sources(count);
        let _ = writeln!(
            s,
            "\nvariant production extends common.service(port = {port}{argument}) {{"
        );
        let _ = writeln!(s, "  steps += {{");
        s.push_str(&self.copy_steps(&sources, &image));
        let _ = writeln!(s, "  }}");
        let _ = writeln!(s, "  cmd = [\"/srv/{image}/run\"]");
        let _ = writeln!(s, "}}");
        m.variants.push(Self::variant(
            "production",
            Self::image_parent(parent),
            &[],
            &modules,
            sources,
        ));
    }

    /// A language preset's build (or deps) stage and runtime, a `test` that
    /// extends the build, sometimes a `lint` of plain fields (which reads no
    /// module itself).
    fn language(&mut self, s: &mut String, m: &mut ManifestModel, shape: Shape) {
        let image = m.image.clone();
        let (module, build_name) = match shape {
            Shape::Python => ("python", "build"),
            Shape::Node => ("node", "deps"),
            Shape::Go => ("go", "build"),
            Shape::Java => ("java", "build"),
            Shape::Php => ("php", "build"),
            _ => unreachable!("not a language shape"),
        };
        let modules = [std_module(module), std_module("base")];
        let debian = self.base_offers[0].clone();
        // The build stage: the preset's base (debian:bookworm) unless overridden.
        let build_parent = if self.rng.chance(60) {
            Some(self.parent(m.level, true))
        } else {
            None
        };
        let (call, preset_sources, own): (String, Vec<Source>, Vec<Source>) = match shape {
            Shape::Python => (
                "python.app(requirements = [\"requirements.txt\"], packages = [\"python3-yaml\"])"
                    .into(),
                vec![Source::File("requirements.txt".into())],
                vec![Source::Dir("app".into())],
            ),
            Shape::Node => (
                "node.app(dev = \"omit\")".into(),
                vec![
                    Source::File("package.json".into()),
                    Source::File("package-lock.json".into()),
                ],
                vec![Source::Dir("src".into())],
            ),
            Shape::Go => (
                format!(
                    "go.build(source = {{ copy \"cmd/\" to \"cmd/\" copy \"internal/\" to \"internal/\" }}, package = \"./cmd/{image}\", output = \"/out/{image}\")"
                ),
                vec![
                    Source::File("go.mod".into()),
                    Source::Dir("cmd".into()),
                    Source::Dir("internal".into()),
                ],
                Vec::new(),
            ),
            Shape::Java => (
                format!(
                    "java.maven(source = {{ copy \"src/\" to \"src/\" }}, jar = \"target/{image}.jar\")"
                ),
                vec![Source::File("pom.xml".into()), Source::Dir("src".into())],
                Vec::new(),
            ),
            _ => (
                "php.app(source = { copy \"src/\" to \"src/\" copy \"public/\" to \"public/\" })"
                    .into(),
                vec![
                    Source::File("composer.json".into()),
                    Source::File("composer.lock".into()),
                    Source::Dir("src".into()),
                    Source::Dir("public".into()),
                ],
                Vec::new(),
            ),
        };
        let _ = writeln!(s, "\nvariant {build_name} extends {call} {{");
        if let Some(p) = &build_parent {
            let _ = writeln!(s, "  base = \"{}\"", p.reference);
        }
        if !own.is_empty() {
            let _ = writeln!(s, "  steps += {{");
            s.push_str(&self.copy_steps(&own, &image));
            let _ = writeln!(s, "  }}");
        }
        let _ = writeln!(s, "}}");
        let build_context: Vec<Source> = preset_sources.iter().chain(&own).cloned().collect();
        let build_parent = build_parent.unwrap_or_else(|| debian.clone());
        m.variants.push(Self::variant(
            build_name,
            Self::image_parent(build_parent.clone()),
            &[],
            &modules,
            build_context.clone(),
        ));
        if self.rng.chance(70) {
            let (cmd, extra) = match shape {
                Shape::Python => ("[\"python3\", \"-m\", \"pytest\", \"-q\"]", "tests"),
                Shape::Node => ("[\"npm\", \"test\"]", "test"),
                Shape::Go => ("[\"go\", \"test\", \"./...\"]", "testdata"),
                Shape::Java => ("[\"mvn\", \"--batch-mode\", \"--offline\", \"test\"]", "it"),
                _ => ("[\"vendor/bin/phpunit\"]", "tests"),
            };
            let _ = writeln!(s, "\nvariant test extends {build_name} {{");
            let _ = writeln!(s, "  steps += {{");
            let _ = writeln!(s, "    copy \"{extra}/\" to \"{extra}/\"");
            let _ = writeln!(s, "  }}");
            let _ = writeln!(s, "  cmd = {cmd}");
            let _ = writeln!(s, "}}");
            let mut context = build_context.clone();
            context.push(Source::Dir(extra.into()));
            m.variants.push(Self::variant(
                "test",
                Self::image_parent(build_parent.clone()),
                &[],
                &modules,
                context,
            ));
        }
        // The runtime: go's starts from scratch; the others from the preset's
        // debian:bookworm unless overridden.
        let runtime_parent = match shape {
            Shape::Go => Parent::Scratch,
            _ if self.rng.chance(50) => Self::image_parent(self.parent(m.level, true)),
            _ => Self::image_parent(debian),
        };
        let call = match shape {
            Shape::Go => format!("go.runtime(build = build, binary = \"/out/{image}\")"),
            _ => format!("{module}.runtime(build = {build_name})"),
        };
        let _ = writeln!(s, "\nvariant production extends {call} {{");
        if let Parent::Image { reference, target } = &runtime_parent {
            if *target != Target::Base(0) {
                let _ = writeln!(s, "  base = \"{reference}\"");
            }
        }
        match shape {
            Shape::Python => {
                let _ = writeln!(s, "  cmd = [\"gunicorn\", \"app:app\"]");
            }
            Shape::Node => {
                let _ = writeln!(s, "  cmd = [\"node\", \"src/server.js\"]");
            }
            Shape::Php => {
                let _ = writeln!(s, "  cmd = [\"php\", \"public/index.php\"]");
            }
            _ => {}
        }
        let _ = writeln!(s, "  expose = [{}]", 8000 + self.rng.below(1000));
        let _ = writeln!(s, "}}");
        m.variants.push(Self::variant(
            "production",
            runtime_parent,
            &[build_name],
            &modules,
            Vec::new(),
        ));
        if shape != Shape::Go && self.rng.chance(35) {
            // A lint stage of plain fields: it reads no module itself.
            let parent = self.parent(m.level, false);
            let sources = self.sources(1);
            let _ = writeln!(s, "\nvariant lint {{");
            let _ = writeln!(s, "  base = \"{}\"", parent.reference);
            let _ = writeln!(s, "  steps = {{");
            s.push_str(&self.copy_steps(&sources, &image));
            let _ = writeln!(s, "    run [\"true\"]");
            let _ = writeln!(s, "  }}");
            let _ = writeln!(
                s,
                "  allow = {{ \"root-user\": \"linters run as root in CI; never deployed\" }}"
            );
            let _ = writeln!(s, "}}");
            m.variants.push(Self::variant(
                "lint",
                Self::image_parent(parent),
                &[],
                &[],
                sources,
            ));
        }
    }
}

/// The build context files the manifests copy (empty files), for a tree
/// written to disk: every source's sample paths, relative to the root.
pub fn context_files(model: &Model) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in &model.manifests {
        for v in &m.variants {
            for source in &v.context {
                if *source == Source::All {
                    continue;
                }
                for sample in source.samples() {
                    out.push(m.join(&sample));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
