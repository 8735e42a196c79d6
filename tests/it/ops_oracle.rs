//! `ops::Workspace` and `ops::affected` against a brute-force oracle.
//!
//! An organisation-shaped workspace (`tests/support/org_workspace.rs`: base
//! definitions, a library module, images in four levels, services on top) is
//! generated with the model of what every variant was meant to depend on. The
//! graph must have exactly the model's nodes and edges; then, for several
//! hundred random changes of every kind, the oracle computes from the model
//! alone what is affected (everything whose dependencies, transitively, include
//! the change) and `affected` must say the same, in a valid build order.
//!
//! Plus the cases the generator never makes: an image cycle across two
//! manifests, a parent nothing produces, and a lock entry that moved.

#[path = "../support/org_workspace.rs"]
mod org_workspace;

use org_workspace::{Config, Generated, Model, Parent, Rng, Source, Target, CI, COMMON};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use wbuild::ops::lock::{self, Entry, Lock};
use wbuild::ops::{self, Change, NodeKind, Role, Workspace};
use wbuild::{Compiler, SourceFile};

/// A node as both sides name it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Base(String),
    External(String),
    Module(String),
    /// `FILE#variant`.
    Variant(String),
}

fn key(node: &NodeKind) -> Key {
    match node {
        NodeKind::Base { reference, .. } => Key::Base(reference.clone()),
        NodeKind::External { reference } => Key::External(reference.clone()),
        NodeKind::Module { file } => Key::Module(file.clone()),
        NodeKind::Variant { file, name, .. } => Key::Variant(format!("{file}#{name}")),
    }
}

fn variant_key(file: &str, name: &str) -> Key {
    Key::Variant(format!("{file}#{name}"))
}

struct Loaded {
    compiler: Compiler,
    files: Vec<SourceFile>,
    ws: Workspace,
}

fn load(files: &[(String, String)]) -> Loaded {
    let mut compiler = Compiler::new();
    let sources = compiler.add_files(files.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    compiler.evaluate_all(&sources);
    let ws = Workspace::build(compiler.db(), &sources, compiler.policy());
    Loaded {
        compiler,
        files: sources,
        ws,
    }
}

/// What the model says, as a graph of [`Key`]s.
struct Oracle<'a> {
    model: &'a Model,
    /// Reference → the base or (non-test) variant that produces it.
    producers: HashMap<String, Key>,
    /// Each variant's needs: its parent resolved, its stages, its file's modules.
    deps: BTreeMap<Key, BTreeSet<Key>>,
    users: HashMap<Key, Vec<Key>>,
}

impl<'a> Oracle<'a> {
    fn new(model: &'a Model) -> Oracle<'a> {
        let mut producers = HashMap::new();
        for b in &model.bases {
            producers.insert(b.reference.clone(), Key::Base(b.reference.clone()));
        }
        for m in &model.manifests {
            for v in &m.variants {
                if v.role != org_workspace::Role::Test {
                    let previous =
                        producers.insert(v.produces.clone(), variant_key(&m.path, &v.name));
                    assert!(previous.is_none(), "{} is produced twice", v.produces);
                }
            }
        }
        let mut oracle = Oracle {
            model,
            producers,
            deps: BTreeMap::new(),
            users: HashMap::new(),
        };
        for m in &model.manifests {
            let modules = m.file_modules();
            for v in &m.variants {
                let mut deps = BTreeSet::new();
                if let Parent::Image { reference, .. } = &v.parent {
                    deps.insert(oracle.resolve(reference));
                }
                for stage in v.stages() {
                    deps.insert(variant_key(&m.path, &stage));
                }
                deps.extend(modules.iter().map(|f| Key::Module(f.clone())));
                oracle.deps.insert(variant_key(&m.path, &v.name), deps);
            }
        }
        for (node, deps) in &oracle.deps {
            for d in deps {
                oracle
                    .users
                    .entry(d.clone())
                    .or_default()
                    .push(node.clone());
            }
        }
        oracle
    }

    fn resolve(&self, reference: &str) -> Key {
        self.producers
            .get(reference)
            .cloned()
            .unwrap_or_else(|| Key::External(reference.to_string()))
    }

    /// The nodes a change names directly.
    fn matched(&self, change: &Change) -> BTreeSet<Key> {
        let mut out = BTreeSet::new();
        match change {
            Change::Path(path) => {
                for b in &self.model.bases {
                    if b.path == *path {
                        out.insert(Key::Base(b.reference.clone()));
                    }
                }
                let module = Key::Module(path.clone());
                if self.users.contains_key(&module) {
                    out.insert(module);
                }
                for m in &self.model.manifests {
                    let relative = path
                        .strip_prefix(m.dir.as_str())
                        .and_then(|r| r.strip_prefix('/'));
                    for v in &m.variants {
                        let copied = relative
                            .is_some_and(|r| v.context.iter().any(|source| source.reads(r)));
                        if m.path == *path || copied {
                            out.insert(variant_key(&m.path, &v.name));
                        }
                    }
                }
            }
            Change::Image(reference) => {
                let bare = reference.split('@').next().unwrap_or(reference);
                for b in &self.model.bases {
                    if b.reference == bare {
                        out.insert(Key::Base(bare.to_string()));
                    }
                }
                let external = Key::External(bare.to_string());
                if self.users.contains_key(&external) {
                    out.insert(external);
                }
                for m in &self.model.manifests {
                    for v in &m.variants {
                        if v.produces == bare {
                            out.insert(variant_key(&m.path, &v.name));
                        }
                    }
                }
            }
        }
        out
    }

    /// What `changes` affect: the matched nodes and everything that needs one,
    /// transitively, and the changes that matched nothing. An image named by
    /// `Change::Image` was rebuilt already (that is the change): it is not
    /// affected itself unless a path change names it too or something it needs
    /// is affected.
    fn affected(&self, changes: &[Change]) -> (BTreeSet<Key>, BTreeSet<Key>, Vec<Change>) {
        let mut matched = BTreeSet::new();
        let mut by_path = BTreeSet::new();
        let mut by_image = BTreeSet::new();
        let mut unmatched = Vec::new();
        for change in changes {
            let m = self.matched(change);
            if m.is_empty() {
                unmatched.push(change.clone());
            }
            match change {
                Change::Path(_) => by_path.extend(m.iter().cloned()),
                Change::Image(_) => by_image.extend(m.iter().cloned()),
            }
            matched.extend(m);
        }
        let mut hit: BTreeSet<Key> = matched.clone();
        let mut todo: Vec<Key> = matched.iter().cloned().collect();
        while let Some(n) = todo.pop() {
            for u in self.users.get(&n).into_iter().flatten() {
                if hit.insert(u.clone()) {
                    todo.push(u.clone());
                }
            }
        }
        let rebuilt: BTreeSet<Key> = by_image
            .iter()
            .filter(|k| !by_path.contains(*k))
            .filter(|k| {
                self.deps
                    .get(*k)
                    .is_none_or(|deps| deps.iter().all(|d| !hit.contains(d)))
            })
            .cloned()
            .collect();
        hit.retain(|k| matches!(k, Key::Variant(_) | Key::Base(_)) && !rebuilt.contains(k));
        (hit, matched, unmatched)
    }

    /// Longest path to a leaf, as the graph's levels are defined.
    fn levels(&self) -> HashMap<Key, u32> {
        fn level(
            k: &Key,
            deps: &BTreeMap<Key, BTreeSet<Key>>,
            memo: &mut HashMap<Key, u32>,
        ) -> u32 {
            if let Some(&l) = memo.get(k) {
                return l;
            }
            let l = deps.get(k).map_or(0, |ds| {
                ds.iter()
                    .map(|d| level(d, deps, memo) + 1)
                    .max()
                    .unwrap_or(0)
            });
            memo.insert(k.clone(), l);
            l
        }
        let mut memo = HashMap::new();
        for k in self.deps.keys() {
            level(k, &self.deps, &mut memo);
        }
        memo
    }
}

/// `dir/relative` as the graph joins context paths (no `./`, no trailing `/`).
fn joined(dir: &str, source: &Source) -> String {
    match source {
        Source::All => dir.to_string(),
        other => format!("{dir}/{}", other.text().trim_end_matches('/')),
    }
}

fn generated() -> Generated {
    org_workspace::generate(&Config::small(14))
}

/// The generated workspace, the diagnostics of each of its files (rendered)
/// and its graph, built once: the tests only read them.
struct Shared {
    generated: Generated,
    diagnostics: Vec<(String, String)>,
    ws: Workspace,
}

fn shared() -> &'static Shared {
    static SHARED: std::sync::OnceLock<Shared> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let generated = generated();
        let Loaded {
            compiler,
            files,
            ws,
        } = load(&generated.files);
        let diagnostics = compiler
            .check_all(&files)
            .iter()
            .zip(&generated.files)
            .filter(|(d, _)| !d.is_empty())
            .map(|(d, (path, text))| {
                (
                    path.clone(),
                    format!("{text}\n{}", compiler.render(d, false)),
                )
            })
            .collect();
        Shared {
            generated,
            diagnostics,
            ws,
        }
    })
}

#[test]
fn every_generated_file_checks_clean() {
    let shared = shared();
    assert!(shared.generated.files.len() > 450);
    if let Some((path, text)) = shared.diagnostics.first() {
        panic!(
            "{} generated files have diagnostics; the first, {path}:\n{text}",
            shared.diagnostics.len()
        );
    }
}

#[test]
fn the_graph_is_the_model() {
    let Shared {
        generated: g, ws, ..
    } = shared();
    let model = &g.model;
    // Deterministic from the seed.
    assert!(generated().files == g.files);
    assert!(
        ws.diagnostics.is_empty(),
        "graph diagnostics: {:#?}",
        ws.diagnostics
    );
    let oracle = Oracle::new(model);
    // The generator's intent is what its references resolve to.
    for m in &model.manifests {
        for v in &m.variants {
            if let Parent::Image { reference, target } = &v.parent {
                let meant = match target {
                    Target::Base(b) => Key::Base(model.bases[*b].reference.clone()),
                    Target::Variant { manifest, variant } => {
                        variant_key(&model.manifests[*manifest].path, variant)
                    }
                    Target::External => Key::External(reference.clone()),
                };
                assert_eq!(oracle.resolve(reference), meant, "{}#{}", m.path, v.name);
            }
        }
    }
    // The same nodes.
    let nodes: BTreeSet<Key> = ws.nodes.iter().map(key).collect();
    assert_eq!(nodes.len(), ws.nodes.len(), "a node is in the graph twice");
    let mut expected: BTreeSet<Key> = oracle.deps.keys().cloned().collect();
    expected.extend(oracle.deps.values().flatten().cloned());
    expected.extend(model.bases.iter().map(|b| Key::Base(b.reference.clone())));
    assert_eq!(nodes, expected);
    let externals: BTreeSet<Key> = model
        .externals
        .iter()
        .map(|r| Key::External(r.clone()))
        .collect();
    let found: BTreeSet<Key> = nodes
        .iter()
        .filter(|k| matches!(k, Key::External(_)))
        .cloned()
        .collect();
    assert_eq!(found, externals);
    assert!(externals.len() >= 3, "the generator makes external parents");
    // The same edges, roles, images, levels and context paths.
    let variants: HashMap<Key, (&org_workspace::ManifestModel, &org_workspace::VariantModel)> =
        model
            .manifests
            .iter()
            .flat_map(|m| {
                m.variants
                    .iter()
                    .map(move |v| (variant_key(&m.path, &v.name), (m, v)))
            })
            .collect();
    let levels = oracle.levels();
    let mut edges = 0;
    for (n, node) in ws.nodes.iter().enumerate() {
        let k = key(node);
        let level = ws.levels[n];
        assert_eq!(
            level,
            Some(levels.get(&k).copied().unwrap_or(0)),
            "level of {k:?}"
        );
        let deps: BTreeSet<Key> = ws.deps[n].iter().map(|&d| key(&ws.nodes[d])).collect();
        let NodeKind::Variant { role, image, .. } = node else {
            assert!(deps.is_empty(), "{k:?} needs {deps:?}");
            continue;
        };
        let (m, v) = variants[&k];
        let want_role = match v.role {
            org_workspace::Role::Release => Role::Release,
            org_workspace::Role::Test => Role::Test,
            org_workspace::Role::Stage => Role::Stage,
        };
        assert_eq!(*role, want_role, "{k:?}");
        assert_eq!(image.as_deref(), Some(v.produces.as_str()), "{k:?}");
        assert_eq!(deps, oracle.deps[&k], "the needs of {k:?}");
        edges += deps.len();
        let context: BTreeSet<String> = ws.context_paths[n].iter().cloned().collect();
        let want: BTreeSet<String> = v.context.iter().map(|s| joined(&m.dir, s)).collect();
        assert_eq!(context, want, "the context paths of {k:?}");
        // `users` is the reverse of `deps`.
        for &d in &ws.deps[n] {
            assert!(ws.users[d].contains(&n));
        }
    }
    let max_level = ws.levels.iter().flatten().max().copied().unwrap_or(0);
    assert!(
        max_level >= 5,
        "four image levels and services on top: {max_level}"
    );
    assert!(edges > 2 * variants.len(), "{edges} edges");
}

/// A random change of every kind, from the model alone.
fn random_change(rng: &mut Rng, model: &Model) -> Change {
    let m = rng.pick(&model.manifests);
    match rng.below(20) {
        0..=2 => Change::Path(m.path.clone()),
        3 => Change::Path(rng.pick(&model.bases).path.clone()),
        4 => {
            let modules: Vec<String> = org_workspace::STD_MODULES
                .iter()
                .map(|n| format!("std/{n}.wbuild"))
                .chain([COMMON.to_string(), CI.to_string()])
                .collect();
            Change::Path(rng.pick(&modules).clone())
        }
        5..=9 => {
            // A file under something a variant of the manifest copies.
            let sources: Vec<&Source> = m.variants.iter().flat_map(|v| &v.context).collect();
            if sources.is_empty() {
                return Change::Path(m.join("src/main.txt"));
            }
            let samples = rng.pick(&sources).samples();
            Change::Path(m.join(rng.pick(&samples).as_str()))
        }
        10 => {
            // Files next to the manifest that nothing copies (unless it copies
            // the whole context).
            let other = ["README.md", "docs/notes.md", "srcs/x.txt", "app.confx"];
            let file: &&str = rng.pick(&other);
            Change::Path(m.join(file))
        }
        11..=14 => {
            let v = rng.pick(&m.variants);
            if rng.chance(25) {
                Change::Image(format!("{}@sha256:{}", v.produces, "ab".repeat(32)))
            } else {
                Change::Image(v.produces.clone())
            }
        }
        15..=16 => Change::Image(rng.pick(&model.bases).reference.clone()),
        17..=18 => Change::Image(rng.pick(&model.externals).clone()),
        _ => {
            if rng.chance(50) {
                Change::Image(format!("{}/nothing:1.0.0", org_workspace::REGISTRY))
            } else {
                Change::Path("elsewhere/unrelated.txt".to_string())
            }
        }
    }
}

/// Every affected node comes after every affected node it needs (and each
/// comes once).
fn assert_build_order(ws: &Workspace, order: &[usize]) {
    let mut position = vec![usize::MAX; ws.nodes.len()];
    for (i, &n) in order.iter().enumerate() {
        assert_eq!(position[n], usize::MAX, "{:?} twice in order", ws.nodes[n]);
        position[n] = i;
    }
    for &n in order {
        for &d in &ws.deps[n] {
            if position[d] != usize::MAX {
                assert!(
                    position[d] < position[n],
                    "{} is ordered before {}, which it needs",
                    ws.nodes[n].label(),
                    ws.nodes[d].label()
                );
            }
        }
    }
}

fn compare(ws: &Workspace, oracle: &Oracle, changes: &[Change]) -> ops::Affected {
    let got = ops::affected(ws, changes);
    let (want, matched, unmatched) = oracle.affected(changes);
    let order: BTreeSet<Key> = got.order.iter().map(|&n| key(&ws.nodes[n])).collect();
    assert_eq!(
        order.len(),
        got.order.len(),
        "{changes:?}: duplicates in order"
    );
    if order != want {
        let extra: Vec<_> = order.difference(&want).collect();
        let missing: Vec<_> = want.difference(&order).collect();
        panic!("{changes:?}: affected has {extra:?} too many and misses {missing:?}");
    }
    let changed: BTreeSet<Key> = got.changed.iter().map(|&n| key(&ws.nodes[n])).collect();
    assert_eq!(changed, matched, "{changes:?}: the nodes changed directly");
    assert_eq!(got.unmatched, unmatched, "{changes:?}: unmatched");
    assert!(got.on_cycle.is_empty());
    assert_build_order(ws, &got.order);
    got
}

#[test]
fn affected_is_the_oracle() {
    let Shared {
        generated: g, ws, ..
    } = shared();
    let oracle = Oracle::new(&g.model);
    let mut rng = Rng::new(0x0b5e_55ed);
    let (mut compared, mut nonempty, mut unmatched) = (0, 0, 0);
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for round in 0..500 {
        // Mostly one change; every seventh round, several at once.
        let count = if round % 7 == 6 { 2 + rng.below(3) } else { 1 };
        let changes: Vec<Change> = (0..count)
            .map(|_| random_change(&mut rng, &g.model))
            .collect();
        for c in &changes {
            *kinds
                .entry(match c {
                    Change::Path(_) => "path",
                    Change::Image(_) => "image",
                })
                .or_default() += 1;
        }
        let got = compare(ws, &oracle, &changes);
        compared += 1;
        nonempty += usize::from(!got.order.is_empty());
        unmatched += got.unmatched.len();
    }
    // The changes must have exercised something.
    assert!(nonempty > compared / 2, "{nonempty} of {compared}");
    assert!(unmatched > 10, "{unmatched} unmatched changes");
    // Everything at once: each base definition changed.
    let all: Vec<Change> = g
        .model
        .bases
        .iter()
        .map(|b| Change::Path(b.path.clone()))
        .collect();
    compare(ws, &oracle, &all);
    eprintln!("ops oracle: {compared} change sets compared ({kinds:?}, {nonempty} affecting something, {unmatched} unmatched)");
}

/// A manifest of one production variant on `base`.
fn on(image: &str, base: &str) -> String {
    format!(
        "image \"{image}\" {{\n  version = \"1.0.0\"\n}}\n\nvariant production {{\n  base = \"{base}\"\n  steps = {{ apt [\"curl\"] }}\n  user = user(\"app\", 10001)\n  cmd = [\"/usr/bin/{image}\"]\n}}\n"
    )
}

#[test]
fn an_image_cycle_across_two_manifests_is_reported_and_never_ordered() {
    let files = vec![
        (
            "a/service.wbuild".to_string(),
            on("a", "registry.example.org/b:1.0.0"),
        ),
        (
            "b/service.wbuild".to_string(),
            on("b", "registry.example.org/a:1.0.0"),
        ),
        (
            "c/service.wbuild".to_string(),
            on("c", "registry.example.org/debian:bookworm"),
        ),
    ];
    let Loaded { ws, .. } = load(&files);
    let cycles: Vec<_> = ws
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "WB3008")
        .collect();
    assert_eq!(cycles.len(), 1, "{:#?}", ws.diagnostics);
    let text = format!("{} {}", cycles[0].message, cycles[0].notes.join(" "));
    for label in ["a/service.wbuild#production", "b/service.wbuild#production"] {
        assert!(text.contains(label), "{text}");
    }
    let node = |label: &str| ws.find(|n| n.label() == label)[0];
    let (a, b, c) = (
        node("a/service.wbuild#production"),
        node("b/service.wbuild#production"),
        node("c/service.wbuild#production"),
    );
    assert_eq!((ws.levels[a], ws.levels[b]), (None, None));
    assert_eq!(ws.levels[c], Some(1));
    let got = ops::affected(
        &ws,
        &[
            Change::Path("a/service.wbuild".into()),
            Change::Path("c/service.wbuild".into()),
        ],
    );
    assert_eq!(got.order, vec![c]);
    assert_eq!(got.on_cycle, vec![a, b]);
}

#[test]
fn a_parent_nothing_produces_is_external_and_its_change_reaches_its_users() {
    let vendor = "registry.example.org/vendor/postgres:16";
    let files = vec![
        ("db/service.wbuild".to_string(), on("db", vendor)),
        (
            "app/service.wbuild".to_string(),
            on("app", "registry.example.org/db:1.0.0"),
        ),
        (
            "other/service.wbuild".to_string(),
            on("other", "registry.example.org/debian:bookworm"),
        ),
    ];
    let Loaded { ws, .. } = load(&files);
    assert!(ws.diagnostics.is_empty(), "{:#?}", ws.diagnostics);
    let external =
        ws.find(|n| matches!(n, NodeKind::External { reference } if reference == vendor));
    assert_eq!(external.len(), 1);
    let users: Vec<String> = ws.users[external[0]]
        .iter()
        .map(|&u| ws.nodes[u].label())
        .collect();
    assert_eq!(users, ["db/service.wbuild#production"]);
    let got = ops::affected(
        &ws,
        &[Change::Image(format!("{vendor}@sha256:{}", "0".repeat(64)))],
    );
    let order: Vec<String> = got.order.iter().map(|&n| ws.nodes[n].label()).collect();
    assert_eq!(
        order,
        [
            "db/service.wbuild#production",
            "app/service.wbuild#production"
        ]
    );
    assert_eq!(got.changed, external);
}

fn digest(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::from("sha256:");
    for _ in 0..4 {
        out.push_str(&format!("{:016x}", rng.next_u64()));
    }
    out
}

#[test]
fn a_lock_entry_that_moved_affects_exactly_its_dependents() {
    let Shared {
        generated: g, ws, ..
    } = shared();
    let oracle = Oracle::new(&g.model);
    let texts: HashMap<&str, &str> = g
        .files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    // What the lock covers: every base defined here and every external parent.
    let wanted = lock::wanted(ws, |file| texts.get(file).map(|t| lock::text_checksum(t)));
    let expected: BTreeSet<String> = g
        .model
        .bases
        .iter()
        .map(|b| b.reference.clone())
        .chain(g.model.externals.iter().cloned())
        .collect();
    assert_eq!(wanted.keys().cloned().collect::<BTreeSet<_>>(), expected);
    let old = Lock {
        inputs: lock::inputs_checksum(&wanted),
        images: wanted
            .iter()
            .enumerate()
            .map(|(i, (reference, definition))| {
                (
                    reference.clone(),
                    Entry {
                        digest: digest(i as u64),
                        platforms: BTreeMap::from([(
                            "linux/amd64".to_string(),
                            digest(1000 + i as u64),
                        )]),
                        source: format!("docker://{reference}"),
                        definition: definition.clone(),
                    },
                )
            })
            .collect(),
    };
    assert_eq!(Lock::parse(&old.to_toml()).as_ref(), Ok(&old));
    assert!(lock::stale(&old, &wanted).is_empty());
    // One base rebuilt and one external moved: the lock's diff is their
    // references, and what they affect is what needs them.
    let mut new = old.clone();
    let moved = [
        g.model.bases[2].reference.clone(),
        g.model.externals[0].clone(),
    ];
    for (i, reference) in moved.iter().enumerate() {
        new.images.get_mut(reference).unwrap().digest = digest(500 + i as u64);
    }
    let changed = lock::changed_references(&old, &new);
    let mut want = moved.to_vec();
    want.sort();
    assert_eq!(changed, want);
    let changes: Vec<Change> = changed.into_iter().map(Change::Image).collect();
    let got = compare(ws, &oracle, &changes);
    // Exactly the dependents: the oracle's, and not everything.
    let variants = got
        .order
        .iter()
        .filter(|&&n| matches!(ws.nodes[n], NodeKind::Variant { .. }))
        .count();
    assert!(variants > 0 && variants < oracle.deps.len(), "{variants}");
    // Each entry on its own.
    for reference in &moved {
        compare(ws, &oracle, &[Change::Image(reference.clone())]);
    }
}

/// A variant that reads a stdlib module's constants without extending one of
/// its presets (`user = base.somebody`, or `go.runtime`, whose body reads
/// `base.somebody` and `base.app_dir`) changes when that module changes: every
/// file a manifest imports, stdlib modules included and transitively, is a
/// dependency of its variants (per file, so `a#build` is rebuilt too).
#[test]
fn a_module_read_for_its_constants_is_a_dependency() {
    let files = vec![
        (
            "a/service.wbuild".to_string(),
            "import \"go\"\n\nimage \"a\" {\n  version = \"1.0.0\"\n}\n\nvariant build {\n  base = \"registry.example.org/debian:bookworm\"\n  steps = { run [\"make\"] }\n  allow = { \"root-user\": \"build stage\" }\n}\n\nvariant production extends go.runtime(build = build) {}\n".to_string(),
        ),
        (
            "b/service.wbuild".to_string(),
            "import \"base\"\n\nimage \"b\" {\n  version = \"1.0.0\"\n}\n\nvariant production {\n  base = \"registry.example.org/debian:bookworm\"\n  steps = { apt [\"curl\"] }\n  user = base.somebody\n  cmd = [\"/srv/app/b\"]\n}\n".to_string(),
        ),
    ];
    let Loaded { ws, .. } = load(&files);
    let got = ops::affected(&ws, &[Change::Path("std/base.wbuild".into())]);
    let order: Vec<String> = got.order.iter().map(|&n| ws.nodes[n].label()).collect();
    assert_eq!(
        order,
        [
            "a/service.wbuild#build",
            "b/service.wbuild#production",
            "a/service.wbuild#production"
        ]
    );
}

/// Writes the benchmark's tree (10,000 manifests by default, with their build
/// contexts) for whole-process timings of `wbuildc graph` and `affected`
/// (BENCHMARKS.md, "Issue 14"):
///
///     WBUILD_ORG_TREE=/tmp/org WBUILD_ORG_MANIFESTS=10000 \
///       cargo test --test it ops_oracle::write_org_tree -- --ignored --nocapture
#[test]
#[ignore = "writes a tree for the whole-process benchmark"]
fn write_org_tree() {
    let dir = std::path::PathBuf::from(
        std::env::var("WBUILD_ORG_TREE").unwrap_or_else(|_| "/tmp/wbuild-org".into()),
    );
    let n = std::env::var("WBUILD_ORG_MANIFESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let g = org_workspace::generate(&Config::manifests(14, n));
    let _ = std::fs::remove_dir_all(&dir);
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    // The root of one repository (the library module is imported from
    // `../../lib`, which `check` confines to the repository).
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    for (path, text) in &g.files {
        write(path, text);
    }
    for path in org_workspace::context_files(&g.model) {
        write(&path, "");
    }
    // A change that reaches a good part of the tree: a context file of the
    // first level-0 image most others build on.
    let m = &g.model.manifests[0];
    let sample = m.copied_sample();
    eprintln!(
        "wrote {} files ({} manifests) to {}; a changed path: {sample}",
        g.files.len(),
        g.model.manifests.len(),
        dir.display()
    );
}

/// An image a step mounts (`bind(from = "REF")`) is needed like a base: built
/// first when the workspace produces it, an external node (which the lock
/// pins) otherwise, and a change to it reaches the variant.
#[test]
fn an_image_a_step_mounts_is_a_dependency_like_a_base() {
    let tools = "registry.example.org/vendor/tools:2";
    let mounting = "image \"app\" {\n  version = \"1.0.0\"\n}\n\nvariant production {\n  base = \"registry.example.org/debian:bookworm\"\n  steps = {\n    run \"ls /mnt/a /mnt/t\" with mounts = [\n      bind(from = \"registry.example.org/assets:1.0.0\", source = \"/srv\", target = \"/mnt/a\"),\n      bind(from = \"registry.example.org/vendor/tools:2\", source = \"/bin\", target = \"/mnt/t\"),\n    ]\n  }\n  user = user(\"app\", 10001)\n  cmd = [\"/usr/bin/app\"]\n}\n";
    let files = vec![
        (
            "assets/service.wbuild".to_string(),
            on("assets", "registry.example.org/debian:bookworm"),
        ),
        ("app/service.wbuild".to_string(), mounting.to_string()),
    ];
    let Loaded { ws, .. } = load(&files);
    assert!(ws.diagnostics.is_empty(), "{:#?}", ws.diagnostics);
    let node = |label: &str| ws.find(|n| n.label() == label)[0];
    let (assets, app) = (
        node("assets/service.wbuild#production"),
        node("app/service.wbuild#production"),
    );
    assert!(ws.deps[app].contains(&assets), "{:?}", ws.deps[app]);
    assert!(ws.levels[app] > ws.levels[assets]);
    let external = ws.find(|n| matches!(n, NodeKind::External { reference } if reference == tools));
    assert_eq!(external.len(), 1);
    assert!(ws.deps[app].contains(&external[0]));
    let wanted = lock::wanted(&ws, |_| None);
    assert!(wanted.contains_key(tools), "{wanted:?}");
    let got = ops::affected(
        &ws,
        &[Change::Image(format!("{tools}@sha256:{}", "0".repeat(64)))],
    );
    let order: Vec<String> = got.order.iter().map(|&n| ws.nodes[n].label()).collect();
    assert_eq!(order, ["app/service.wbuild#production"]);
}
