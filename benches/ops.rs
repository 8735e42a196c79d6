//! Operations benchmarks (criterion): the workspace graph (`ops::Workspace::build`)
//! and `ops::affected` over an organisation-shaped tree of 10,000 generated
//! manifests (`tests/support/org_workspace.rs`: base definitions, images in four
//! levels, services on top). See BENCHMARKS.md, "Issue 14: graph and affected".
//!
//! - `graph_10000/build_and_affected_memoised`: the graph and one `affected`
//!   on a database that has answered them before (every file's facts memoised):
//!   what a long-running process pays to ask again.
//! - `graph_10000/build_and_affected_after_evaluate`: the graph and one
//!   `affected` on a fresh database where only `evaluate_all` ran (what
//!   `wbuildc graph` and `affected` do after loading): the files' facts, the
//!   variant graphs and the import closures are computed here.
//! - `graph_10000/whole`: `add_files` + `evaluate_all` + build + `affected`,
//!   the texts generated outside the measurement (the compiler is dropped
//!   outside it too).
//! - `affected_10000/*`: `affected` alone, for changes of each kind.

#[path = "../tests/support/org_workspace.rs"]
mod org_workspace;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;
use std::time::Duration;
use wbuild::ops::{self, Change, Workspace};
use wbuild::{Compiler, SourceFile};

const MANIFESTS: usize = 10_000;

fn generated() -> org_workspace::Generated {
    org_workspace::generate(&org_workspace::Config::manifests(14, MANIFESTS))
}

fn evaluated(files: Vec<(String, String)>) -> (Compiler, Vec<SourceFile>) {
    let mut compiler = Compiler::new();
    let sources = compiler.add_files(files);
    compiler.evaluate_all(&sources);
    (compiler, sources)
}

fn build(compiler: &Compiler, files: &[SourceFile]) -> Workspace {
    Workspace::build(compiler.db(), files, compiler.policy())
}

/// The change the graph benchmarks ask about: the base most images start
/// from, redefined (it affects most of the tree).
fn base_change(g: &org_workspace::Generated) -> Vec<Change> {
    vec![Change::Path(g.model.bases[0].path.clone())]
}

fn graph(c: &mut Criterion) {
    let g = generated();
    let change = base_change(&g);
    // The benchmark must measure real work: every file checks clean, the
    // graph has no diagnostics and the change reaches thousands of variants.
    {
        let (compiler, files) = evaluated(g.files.clone());
        for (d, (path, _)) in compiler.check_all(&files).iter().zip(&g.files) {
            assert!(d.is_empty(), "{path}: {}", compiler.render(d, false));
        }
        let ws = build(&compiler, &files);
        assert!(ws.diagnostics.is_empty());
        let affected = ops::affected(&ws, &change);
        eprintln!(
            "{} files, {} nodes, {} edges; {:?} affects {} nodes",
            files.len(),
            ws.nodes.len(),
            ws.deps.iter().map(Vec::len).sum::<usize>(),
            change,
            affected.order.len()
        );
        assert!(affected.order.len() > 1_000);
    }

    let mut group = c.benchmark_group(format!("graph_{MANIFESTS}"));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));

    {
        let (compiler, files) = evaluated(g.files.clone());
        build(&compiler, &files);
        group.bench_function("build_and_affected_memoised", |b| {
            b.iter(|| {
                let ws = build(&compiler, black_box(&files));
                let affected = ops::affected(&ws, &change);
                (ws, affected)
            })
        });
    }

    group.bench_function("build_and_affected_after_evaluate", |b| {
        b.iter_batched(
            || evaluated(g.files.clone()),
            |(compiler, files)| {
                let ws = build(&compiler, &files);
                let affected = ops::affected(&ws, &change);
                (compiler, ws, affected)
            },
            BatchSize::PerIteration,
        )
    });

    group.bench_function("whole", |b| {
        b.iter_batched(
            || g.files.clone(),
            |texts| {
                let (compiler, files) = evaluated(texts);
                let ws = build(&compiler, &files);
                let affected = ops::affected(&ws, &change);
                (compiler, ws, affected)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn affected(c: &mut Criterion) {
    let g = generated();
    let (compiler, files) = evaluated(g.files.clone());
    let ws = build(&compiler, &files);
    let m = &g.model.manifests[0];
    let context = m.copied_sample();
    let changes: [(&str, Vec<Change>); 4] = [
        ("base_definition", base_change(&g)),
        ("module", vec![Change::Path("std/python.wbuild".into())]),
        ("context_file", vec![Change::Path(context)]),
        (
            "image",
            vec![Change::Image(g.model.bases[0].reference.clone())],
        ),
    ];
    let mut group = c.benchmark_group(format!("affected_{MANIFESTS}"));
    for (name, change) in &changes {
        group.bench_function(*name, |b| b.iter(|| ops::affected(&ws, black_box(change))));
    }
    group.finish();
}

criterion_group!(benches, graph, affected);
criterion_main!(benches);
