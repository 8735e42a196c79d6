//! `wbuildc`: the command-line driver. Everything happens in `wbuild::cli::run`.

// mimalloc: checking a large workspace allocates millions of small, short-lived
// values (syntax trees, checked values); glibc's allocator spent a fifth of the
// run in malloc/free and page faults there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    wbuild::cli::run(std::env::args_os())
}
