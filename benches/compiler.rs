//! Compiler benchmarks (criterion): checking whole workspaces of generated
//! manifests, compiling one typical manifest, and the incremental re-check the
//! language server relies on. See BENCHMARKS.md for how to run them and results.

#[path = "common/gen.rs"]
mod gen;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use std::hint::black_box;
use std::time::Duration;
use wbuild::{Compiler, SourceFile};

/// A fresh compiler with the first `n` generated manifests added.
fn workspace(n: usize) -> (Compiler, Vec<SourceFile>) {
    let mut compiler = Compiler::new();
    let files = compiler.add_files((0..n).map(|i| (gen::file_name(i), gen::manifest(i))));
    (compiler, files)
}

/// The benchmarks must measure real work: every generated manifest checks clean.
fn assert_clean(compiler: &Compiler, files: &[SourceFile]) {
    for (i, diagnostics) in compiler.check_all(files).into_iter().enumerate() {
        assert!(
            diagnostics.is_empty(),
            "generated manifest {i} has diagnostics:\n{}\n{}",
            gen::manifest(i),
            compiler.render(&diagnostics, false)
        );
    }
}

fn check_workspace(c: &mut Criterion) {
    let (compiler, files) = workspace(10_000);
    assert_clean(&compiler, &files);
    drop(compiler);

    let mut group = c.benchmark_group("check_workspace");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for n in [1_000usize, 10_000] {
        let texts: Vec<(String, String)> = (0..n)
            .map(|i| (gen::file_name(i), gen::manifest(i)))
            .collect();
        // Adding the files and checking them, in a fresh compiler (the texts are
        // generated outside the measurement; dropping the compiler is excluded).
        group.bench_with_input(
            BenchmarkId::new("add_and_check_all", n),
            &texts,
            |b, texts| {
                b.iter_batched(
                    || texts.clone(),
                    |texts| {
                        let mut compiler = Compiler::new();
                        let files = compiler.add_files(texts);
                        let diagnostics = compiler.check_all(&files);
                        (compiler, diagnostics)
                    },
                    BatchSize::PerIteration,
                )
            },
        );
        // The same, one file after the other on one thread (`add_file` + `check`).
        group.bench_with_input(
            BenchmarkId::new("add_and_check_sequential", n),
            &texts,
            |b, texts| {
                b.iter_batched(
                    || texts.clone(),
                    |texts| {
                        let mut compiler = Compiler::new();
                        let files: Vec<SourceFile> = texts
                            .iter()
                            .map(|(path, text)| compiler.add_file(path, text))
                            .collect();
                        let diagnostics: Vec<_> =
                            files.iter().map(|&f| compiler.check(f)).collect();
                        (compiler, diagnostics)
                    },
                    BatchSize::PerIteration,
                )
            },
        );
    }
    group.finish();
}

fn compile_one(c: &mut Criterion) {
    let text = gen::manifest(0);
    {
        let mut compiler = Compiler::new();
        let file = compiler.add_file("service.wbuild", &text);
        assert!(compiler.check(file).is_empty());
        assert!(compiler.compile(file, "production").is_ok());
    }
    let mut group = c.benchmark_group("compile_one");
    // What `wbuildc compile` does in-process: a fresh compiler (stdlib included),
    // one file, the production variant rendered.
    group.bench_function("fresh_compiler_production", |b| {
        b.iter(|| {
            let mut compiler = Compiler::new();
            let file = compiler.add_file("service.wbuild", black_box(&text));
            compiler.compile(file, "production")
        })
    });
    group.finish();
}

fn incremental(c: &mut Criterion) {
    const N: usize = 2_000;
    let (mut compiler, files) = workspace(N);
    assert_clean(&compiler, &files);
    let edited = N / 2;
    let path = gen::file_name(edited);
    let mut group = c.benchmark_group("incremental");
    // One keystroke's worth: the file's text set again with one variant's steps
    // changed, then that file checked.
    let mut edit = 0usize;
    group.bench_function("edit_one_of_2000_then_check", |b| {
        b.iter(|| {
            edit = edit % 8 + 1;
            let file = compiler.add_file(&path, &gen::manifest_with(edited, edit));
            compiler.check(file)
        })
    });
    // After the edit, checking all files again (all but one reuse their memos).
    group.sample_size(20);
    group.bench_function("edit_one_of_2000_then_check_all", |b| {
        b.iter(|| {
            edit = edit % 8 + 1;
            compiler.add_file(&path, &gen::manifest_with(edited, edit));
            compiler.check_all(&files)
        })
    });
    group.finish();
}

criterion_group!(benches, compile_one, incremental, check_workspace);
criterion_main!(benches);
