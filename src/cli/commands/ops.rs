//! The operations commands: `graph`, `affected`, `plan`, `lock` and `which`.
//! Each reads the whole tree of `.wbuild` files under a directory into one
//! compiler (under that directory's configuration) and asks `ops` about it.

use crate::cli::args::{Format, GraphFormat, Selection, WorkspaceArgs};
use crate::cli::config::{Locator, Organisation, Session, Stdlib};
use crate::cli::fs::{self, Confinement};
use crate::cli::{exit, load_structure, print_stdout, report_usage, use_color, UsageError};
use crate::ops::lock::{self, Lock, LOCK_FILE};
use crate::ops::{self, Change, NodeKind, Role, Workspace};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The tree, loaded and analysed.
pub(crate) struct Loaded {
    pub session: Session,
    pub files: Vec<crate::SourceFile>,
    pub ws: Workspace,
    /// The directory read (as given).
    pub dir: PathBuf,
    /// The organisation's stdlib directory, when it has one.
    pub stdlib_dir: Option<PathBuf>,
    /// The workspace's `wbuild.lock` (the nearest at or above DIR) and its path.
    pub lock: Option<(PathBuf, Lock)>,
    /// Errors that make the graph incomplete (already rendered on stderr).
    pub failed: bool,
}

pub(crate) fn load_workspace(args: &WorkspaceArgs) -> Result<Loaded, UsageError> {
    let common = &args.common;
    let org = Organisation::load(common)?;
    let location = Locator::default().locate(common, Some(&args.dir.join("workspace.wbuild")))?;
    let mut session = Session::new(&org, &location, common.release)?;
    let color = use_color(common);
    if !session.problems.is_empty() {
        eprint!("{}", session.compiler.render(&session.problems, color));
        if session.failed() {
            return Err(UsageError("the configuration has errors".into()));
        }
    }
    let paths = crate::cli::walk::manifests_under(&args.dir)?;
    let pairs: Vec<(PathBuf, PathBuf)> = paths
        .iter()
        .map(|p| (p.clone(), location.root.clone()))
        .collect();
    let files = load_structure(&mut session, &pairs)?;
    let lock = session.lock.clone();
    session.compiler.evaluate_all(&files);
    let db = session.compiler.db();
    let ws = Workspace::build(db, &files, session.compiler.policy());
    // What makes the graph incomplete: syntax and resolution errors, and the
    // graph's own (cycles, two producers of one image).
    let mut errors: Vec<crate::Diagnostic> = Vec::new();
    for &f in &files {
        errors.extend(crate::db::parse(db, f).errors.iter().cloned());
        errors.extend(crate::variants::evaluate(db, f).diagnostics.iter().cloned());
    }
    errors.retain(crate::Diagnostic::is_error);
    errors.extend(ws.diagnostics.iter().cloned());
    if !errors.is_empty() {
        let shown: Vec<_> = errors.iter().take(50).cloned().collect();
        eprint!("{}", session.compiler.render(&shown, color));
        if errors.len() > shown.len() {
            eprintln!("… and {} more errors", errors.len() - shown.len());
        }
    }
    let stdlib_dir = match &org.stdlib {
        Stdlib::Directory { dir, .. } => std::fs::canonicalize(dir).ok(),
        Stdlib::Embedded => None,
    };
    Ok(Loaded {
        session,
        files,
        ws,
        dir: args.dir.clone(),
        stdlib_dir,
        lock,
        failed: !errors.is_empty(),
    })
}

impl Loaded {
    /// A changed path as the graph names files: as loaded (relative to the
    /// current directory), or `std/NAME.wbuild` for a module of the
    /// organisation's stdlib directory.
    fn change_path(&self, path: &str) -> String {
        let p = Path::new(path);
        if let (Some(dir), Ok(canonical)) = (&self.stdlib_dir, std::fs::canonicalize(p)) {
            if canonical.parent() == Some(dir.as_path()) {
                if let Some(name) = canonical.file_name() {
                    return format!("std/{}", name.to_string_lossy());
                }
            }
        }
        path.strip_prefix("./").unwrap_or(path).to_string()
    }

    fn changes(&self, selection: &Selection) -> Result<Vec<Change>, UsageError> {
        let mut out: Vec<Change> = selection
            .changed
            .iter()
            .map(|p| Change::Path(self.change_path(p)))
            .chain(selection.image.iter().map(|r| Change::Image(r.clone())))
            .collect();
        if let [old, new] = selection.lock_diff.as_slice() {
            let read = |p: &PathBuf| -> Result<Lock, UsageError> {
                let bytes = fs::read(p, Confinement::Trusted, None).map_err(|e| {
                    UsageError(format!("cannot read {}: {}", p.display(), e.reason()))
                })?;
                Lock::parse(&String::from_utf8_lossy(&bytes))
                    .map_err(|e| UsageError(format!("{}: {e}", p.display())))
            };
            let (old, new) = (read(old)?, read(new)?);
            out.extend(
                lock::changed_references(&old, &new)
                    .into_iter()
                    .map(Change::Image),
            );
        }
        Ok(out)
    }

    /// What a selection affects (everything when it names nothing).
    fn select(&self, selection: &Selection) -> Result<(ops::Affected, bool), UsageError> {
        let everything = selection.changed.is_empty()
            && selection.image.is_empty()
            && selection.lock_diff.is_empty();
        if everything {
            let mut order: Vec<usize> = (0..self.ws.nodes.len())
                .filter(|&n| {
                    self.ws.levels[n].is_some()
                        && matches!(
                            self.ws.nodes[n],
                            NodeKind::Variant { .. } | NodeKind::Base { .. }
                        )
                })
                .collect();
            order.sort_by_key(|&n| (self.ws.levels[n], n));
            return Ok((
                ops::Affected {
                    order,
                    ..ops::Affected::default()
                },
                true,
            ));
        }
        Ok((ops::affected(&self.ws, &self.changes(selection)?), false))
    }
}

fn finish(loaded: &Loaded) -> u8 {
    if loaded.failed {
        exit::INPUT_ERRORS
    } else {
        exit::SUCCESS
    }
}

/// The exit code, leaving the workspace's database to the process's exit:
/// freeing ten thousand files' memos one by one costs more than the graph.
fn finish_and_exit(loaded: Loaded) -> u8 {
    let code = finish(&loaded);
    std::mem::forget(loaded);
    code
}

pub fn graph(args: &WorkspaceArgs, format: GraphFormat) -> u8 {
    let run = || -> Result<u8, UsageError> {
        let loaded = load_workspace(args)?;
        let text = match format {
            GraphFormat::Dot => ops::render::graph_dot(&loaded.ws),
            GraphFormat::Json => format!("{}\n", ops::render::graph_json(&loaded.ws)),
        };
        print_stdout(&text)?;
        Ok(finish_and_exit(loaded))
    };
    run().unwrap_or_else(report_usage)
}

pub fn affected(args: &WorkspaceArgs, selection: &Selection, format: Format) -> u8 {
    let run = || -> Result<u8, UsageError> {
        let loaded = load_workspace(args)?;
        let (affected, _) = loaded.select(selection)?;
        let ws = &loaded.ws;
        for change in &affected.unmatched {
            let (what, text) = match change {
                Change::Path(p) => ("path", p),
                Change::Image(r) => ("image", r),
            };
            eprintln!(
                "note: the {what} {text} is not used by anything in {}",
                loaded.dir.display()
            );
        }
        let label = |n: usize| ws.nodes[n].label();
        match format {
            Format::Human => {
                let mut text = String::new();
                for &n in &affected.order {
                    let line = match &ws.nodes[n] {
                        NodeKind::Variant { role, image, .. } => format!(
                            "{:<7} {}{}\n",
                            role.name(),
                            label(n),
                            image
                                .as_ref()
                                .map(|i| format!(" → {i}"))
                                .unwrap_or_default()
                        ),
                        NodeKind::Base { file, .. } => {
                            format!("{:<7} {} ({file})\n", "base", label(n))
                        }
                        _ => continue,
                    };
                    text.push_str(&format!("{} {line}", ws.levels[n].unwrap_or(0)));
                }
                let tests: Vec<String> = affected.variants(ws, Role::Test).map(label).collect();
                if !tests.is_empty() {
                    text.push_str(&format!("\ntests to run: {}\n", tests.join(" ")));
                }
                for &n in &affected.on_cycle {
                    text.push_str(&format!("on a cycle (not built): {}\n", label(n)));
                }
                print_stdout(&text)?;
            }
            Format::Json => {
                let nodes: Vec<_> = affected
                    .order
                    .iter()
                    .map(|&n| ops::render::node_json(ws, n))
                    .collect();
                let report = json!({
                    "version": 1,
                    "changed": affected.changed.iter().map(|&n| label(n)).collect::<Vec<_>>(),
                    "rebuild": nodes,
                    "tests": affected.variants(ws, Role::Test).map(label).collect::<Vec<_>>(),
                    "on_cycle": affected.on_cycle.iter().map(|&n| label(n)).collect::<Vec<_>>(),
                    "unmatched": affected.unmatched.iter().map(|c| match c {
                        Change::Path(p) => json!({"path": p}),
                        Change::Image(r) => json!({"image": r}),
                    }).collect::<Vec<_>>(),
                });
                print_stdout(&format!("{report}\n"))?;
            }
        }
        Ok(finish_and_exit(loaded))
    };
    run().unwrap_or_else(report_usage)
}

/// The labels `wbuildc build` gives an image beyond its Dockerfile's (source,
/// revision, created), so that an image the farm builds from the plan says what
/// a `wbuildc build` of it would: `publish` checks them, a release's revision
/// included.
fn plan_labels(
    compiler: &crate::Compiler,
    file: crate::SourceFile,
    variant: &str,
    context: &Path,
    epoch: i64,
) -> BTreeMap<String, String> {
    let image = compiler.image(file);
    crate::build::annotations(
        image.as_ref().map_or("image", |i| i.name.as_str()),
        image.as_ref().and_then(|i| i.version.as_deref()),
        image.as_ref().and_then(|i| i.source.as_deref()),
        variant,
        context,
        Some(epoch),
    )
    .into_iter()
    .collect()
}

pub fn plan(
    args: &WorkspaceArgs,
    selection: &Selection,
    out: &Path,
    source_date_epoch: Option<i64>,
) -> u8 {
    let run = || -> Result<u8, UsageError> {
        let mut loaded = load_workspace(args)?;
        if loaded.failed {
            return Err(UsageError("no plan: the workspace has errors".into()));
        }
        let epoch = source_date_epoch.or_else(env_epoch).unwrap_or(0);
        let (affected, _) = loaded.select(selection)?;
        let targets = ops::plan::targets(&loaded.ws, &affected.order);
        // A base the plan builds is not pinned to the digest the lock has for
        // it: what builds on it must build on the new one.
        let mut pins = loaded
            .lock
            .as_ref()
            .map(|(_, l)| l.pins())
            .unwrap_or_default();
        for t in &targets {
            if let NodeKind::Base { reference, .. } = &loaded.ws.nodes[t.node] {
                pins.remove(reference);
            }
        }
        loaded.session.compiler.set_pins(pins.clone());
        let ws = &loaded.ws;
        std::fs::create_dir_all(out)
            .map_err(|e| UsageError(format!("cannot create {}: {e}", out.display())))?;
        let compiler = &loaded.session.compiler;
        let by_path: BTreeMap<String, crate::SourceFile> = loaded
            .files
            .iter()
            .map(|f| (f.path(compiler.db()).clone(), *f))
            .collect();
        let out_abs =
            std::path::absolute(out).map_err(|e| UsageError(format!("{}: {e}", out.display())))?;
        // Every target's ignore file is the policy's forbidden files (the plan
        // sends no context-specific .dockerignore).
        let ignore = crate::build::ignore_file(None, &loaded.session.forbidden);
        let mut written: BTreeMap<usize, ops::plan::Written> = BTreeMap::new();
        let mut failed = Vec::new();
        for t in &targets {
            let NodeKind::Variant { file, name, .. } = &ws.nodes[t.node] else {
                continue;
            };
            let Some(&source) = by_path.get(file) else {
                continue;
            };
            let ir = match compiler.compile_ir(source, name) {
                Ok(ir) => ir,
                Err(diagnostics) => {
                    eprint!("{}", compiler.render(&diagnostics, use_color(&args.common)));
                    failed.push(t.id.clone());
                    continue;
                }
            };
            let dockerfile = crate::emit::dockerfile::emit(&ir);
            let name_on_disk = format!("{}.Dockerfile", t.id);
            let path = out.join(&name_on_disk);
            write(&path, dockerfile.as_bytes())?;
            write(&out.join(format!("{name_on_disk}.dockerignore")), &ignore)?;
            let context_dir = crate::cli::default_context(Path::new(file));
            let context_abs = std::path::absolute(&context_dir)
                .map_err(|e| UsageError(format!("{}: {e}", context_dir.display())))?;
            let from = ir
                .stages
                .iter()
                .filter_map(|s| match &s.from {
                    crate::ir::From::Image(r) => Some(r.without_digest().to_string()),
                    _ => None,
                })
                .collect();
            written.insert(
                t.node,
                ops::plan::Written {
                    context: context_dir.to_string_lossy().into_owned(),
                    dockerfile: relative(&context_abs, &out_abs.join(&name_on_disk)),
                    stage: ir
                        .stages
                        .last()
                        .map(|s| s.name.to_string())
                        .unwrap_or_default(),
                    from,
                    labels: plan_labels(compiler, source, name, &context_dir, epoch),
                },
            );
        }
        if !failed.is_empty() {
            return Err(UsageError(format!(
                "no plan: {} targets do not compile ({})",
                failed.len(),
                failed.join(", ")
            )));
        }
        let bake = ops::plan::bake(ws, &targets, &written, &pins, epoch);
        let matrix = ops::plan::matrix(ws, &targets, &written, epoch);
        write(&out.join("bake.json"), format!("{:#}\n", bake).as_bytes())?;
        write(
            &out.join("matrix.json"),
            format!("{:#}\n", matrix).as_bytes(),
        )?;
        eprintln!(
            "plan: {} targets in {} levels → {}",
            targets.len(),
            targets.iter().map(|t| t.level + 1).max().unwrap_or(0),
            out.display()
        );
        Ok(exit::SUCCESS)
    };
    run().unwrap_or_else(report_usage)
}

/// `to` relative to the directory `from` (both absolute), with `..` as needed.
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> =
        std::iter::repeat_n("..".to_string(), from.len() - common).collect();
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

pub(crate) fn env_epoch() -> Option<i64> {
    std::env::var("SOURCE_DATE_EPOCH").ok()?.trim().parse().ok()
}

pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), UsageError> {
    std::fs::write(path, bytes)
        .map_err(|e| UsageError(format!("cannot write {}: {e}", path.display())))
}

pub fn lock(args: &WorkspaceArgs, update: bool, check: bool, layouts: &[String]) -> u8 {
    let run = || -> Result<u8, UsageError> {
        let loaded = load_workspace(args)?;
        if loaded.failed {
            return Err(UsageError("no lock: the workspace has errors".into()));
        }
        let db = loaded.session.compiler.db();
        let texts: BTreeMap<String, String> = loaded
            .files
            .iter()
            .map(|f| (f.path(db).clone(), f.text(db).clone()))
            .collect();
        let wanted = lock::wanted(&loaded.ws, |file| {
            texts.get(file).map(|t| lock::text_checksum(t))
        });
        let path = match &loaded.lock {
            Some((path, _)) => path.clone(),
            None => loaded.dir.join(LOCK_FILE),
        };
        let current = loaded.lock.as_ref().map(|(_, l)| l);
        if check {
            let problems = match current {
                None => vec![format!(
                    "{} does not exist: run `wbuildc lock`",
                    path.display()
                )],
                Some(lock) => lock::stale(lock, &wanted),
            };
            for p in &problems {
                eprintln!("error: {}: {p}", path.display());
            }
            return Ok(if problems.is_empty() {
                exit::SUCCESS
            } else {
                exit::INPUT_ERRORS
            });
        }
        let local = read_layouts(layouts)?;
        let mut images = BTreeMap::new();
        for (reference, definition) in &wanted {
            let kept = current
                .and_then(|l| l.images.get(reference))
                .filter(|e| !update && e.definition == *definition);
            let entry = match kept {
                Some(e) => e.clone(),
                None => {
                    let mut e = resolve(reference, &local)?;
                    e.definition = definition.clone();
                    e
                }
            };
            images.insert(reference.clone(), entry);
        }
        let new = Lock {
            inputs: lock::inputs_checksum(&wanted),
            images,
        };
        let old_text = current.map(Lock::to_toml);
        let text = new.to_toml();
        if old_text.as_deref() != Some(text.as_str()) {
            write(&path, text.as_bytes())?;
            let moved = current
                .map(|old| lock::changed_references(old, &new))
                .unwrap_or_else(|| new.images.keys().cloned().collect());
            for r in &moved {
                eprintln!(
                    "locked {r} → {}",
                    new.images.get(r).map_or("(removed)", |e| e.digest.as_str())
                );
            }
        }
        eprintln!("{}: {} references", path.display(), new.images.len());
        Ok(exit::SUCCESS)
    };
    run().unwrap_or_else(report_usage)
}

/// Every reference found in the given local OCI layouts (the reference `base
/// build` records in each index entry), with the layout it is in.
fn read_layouts(
    layouts: &[String],
) -> Result<BTreeMap<String, (String, crate::build::oci::LayoutEntry)>, UsageError> {
    let mut out = BTreeMap::new();
    for layout in layouts {
        let dir = layout
            .strip_prefix("oci:")
            .ok_or_else(|| UsageError(format!("--layout {layout}: expected oci:DIR")))?;
        let entries = crate::build::oci::read_index(Path::new(dir))
            .map_err(|e| UsageError(format!("cannot read the OCI layout {dir}: {e}")))?;
        for entry in entries {
            if let Some(reference) = &entry.ref_name {
                out.insert(reference.clone(), (layout.clone(), entry));
            }
        }
    }
    Ok(out)
}

/// A reference's digest: from a local layout, else from its registry (skopeo).
fn resolve(
    reference: &str,
    local: &BTreeMap<String, (String, crate::build::oci::LayoutEntry)>,
) -> Result<lock::Entry, UsageError> {
    if let Some((layout, entry)) = local.get(reference) {
        let mut platforms = BTreeMap::new();
        if let Some((os, arch)) = &entry.platform {
            platforms.insert(format!("{os}/{arch}"), entry.digest.clone());
        }
        return Ok(lock::Entry {
            digest: entry.digest.clone(),
            platforms,
            source: layout.clone(),
            definition: None,
        });
    }
    let resolved = crate::build::registry::inspect(reference)
        .map_err(|e| UsageError(format!("cannot lock {reference}: {e} (build it to an OCI layout and pass --layout oci:DIR, or make the registry reachable)")))?;
    Ok(lock::Entry {
        digest: resolved.digest,
        platforms: resolved.platforms,
        source: format!("docker://{reference}"),
        definition: None,
    })
}

pub fn which(
    args: &WorkspaceArgs,
    package: &str,
    layouts: &[String],
    sboms: &[std::path::PathBuf],
    format: Format,
) -> u8 {
    let run = || -> Result<u8, UsageError> {
        let loaded = load_workspace(args)?;
        let ws = &loaded.ws;
        // Published images: the SBOM `publish` pushed beside each.
        let mut published = Vec::new();
        for file in sboms {
            let text = crate::cli::config::trusted_text(file, "the --sbom file")?;
            let doc: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| UsageError(format!("--sbom {}: not JSON: {e}", file.display())))?;
            let (image, debs) = crate::publish::sbom::debian_packages(&doc).ok_or_else(|| {
                UsageError(format!(
                    "--sbom {}: not an SBOM `wbuildc publish` wrote (no image package)",
                    file.display()
                ))
            })?;
            for p in debs.iter().filter(|p| p.name == package) {
                published.push(json!({
                    "image": image,
                    "package": package,
                    "version": p.version,
                    "architecture": p.architecture,
                }));
            }
        }
        // The package lists recorded beside each layout's images.
        let mut carriers: Vec<(String, String, String)> = Vec::new(); // (reference, version, arch)
        for layout in layouts {
            let dir = layout
                .strip_prefix("oci:")
                .ok_or_else(|| UsageError(format!("--layout {layout}: expected oci:DIR")))?;
            for (reference, (_, packages)) in crate::build::packages::read_all(Path::new(dir))
                .map_err(|e| UsageError(format!("cannot read the package lists of {dir}: {e}")))?
            {
                for p in packages.iter().filter(|p| p.name == package) {
                    carriers.push((reference.clone(), p.version.clone(), p.architecture.clone()));
                }
            }
        }
        // Through the graph: every variant built on a carrier.
        let mut rows = Vec::new();
        for (reference, version, arch) in &carriers {
            let affected = ops::affected(ws, &[Change::Image(reference.clone())]);
            let images: Vec<_> = affected
                .order
                .iter()
                .filter(|&&n| matches!(ws.nodes[n], NodeKind::Variant { .. }))
                .map(|&n| ops::render::node_json(ws, n))
                .collect();
            rows.push(json!({
                "base": reference,
                "package": package,
                "version": version,
                "architecture": arch,
                "images": images,
            }));
        }
        match format {
            Format::Json => print_stdout(&format!(
                "{}\n",
                json!({ "version": 1, "carriers": rows, "published": published })
            ))?,
            Format::Human => {
                let mut text = String::new();
                if rows.is_empty() && !layouts.is_empty() {
                    text.push_str(&format!(
                        "no base image in the given layouts carries {package}\n"
                    ));
                }
                if published.is_empty() && !sboms.is_empty() {
                    text.push_str(&format!(
                        "no published image of the given SBOMs carries {package}\n"
                    ));
                }
                for row in &published {
                    text.push_str(&format!(
                        "{} carries {package} {} ({}) (published; its SBOM)\n",
                        row["image"].as_str().unwrap_or(""),
                        row["version"].as_str().unwrap_or(""),
                        row["architecture"].as_str().unwrap_or("")
                    ));
                }
                for row in &rows {
                    text.push_str(&format!(
                        "{} carries {package} {} ({})\n",
                        row["base"].as_str().unwrap_or(""),
                        row["version"].as_str().unwrap_or(""),
                        row["architecture"].as_str().unwrap_or("")
                    ));
                    for image in row["images"].as_array().into_iter().flatten() {
                        text.push_str(&format!(
                            "  {} {}{}\n",
                            image["role"].as_str().unwrap_or(""),
                            image["id"].as_str().unwrap_or(""),
                            image["image"]
                                .as_str()
                                .map(|i| format!(" → {i}"))
                                .unwrap_or_default()
                        ));
                    }
                }
                print_stdout(&text)?;
            }
        }
        Ok(finish(&loaded))
    };
    run().unwrap_or_else(report_usage)
}
