//! `wbuildc`: the command-line driver. Everything happens in `wbuild::cli::run`.

fn main() -> std::process::ExitCode {
    wbuild::cli::run(std::env::args_os())
}
