//! `wbuild-lsp`: the language server, on stdio.

fn main() {
    std::process::exit(wbuild_lsp::run_stdio());
}
