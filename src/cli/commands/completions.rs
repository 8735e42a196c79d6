//! `wbuildc completions SHELL` and `wbuildc man`: generated from the clap
//! definitions in `cli/args.rs`, the one description of the command line, so a
//! new flag appears in `--help`, the completions and the manual at once.

use crate::cli::args::{Cli, CompletionShell};
use crate::cli::{exit, print_stdout, report_usage, UsageError};
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::Path;

/// The name the scripts complete and the pages are titled with.
const BIN: &str = "wbuildc";

pub fn completions(shell: CompletionShell) -> u8 {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Elvish => Shell::Elvish,
        CompletionShell::Powershell => Shell::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut script);
    match print_stdout(&String::from_utf8_lossy(&script)) {
        Ok(()) => exit::SUCCESS,
        Err(e) => report_usage(e),
    }
}

/// Without `out`: the top page on standard output. With it: every page, the top
/// one and one per subcommand at every depth (`wbuildc-policy-explain.1`).
pub fn man(out: Option<&Path>) -> u8 {
    match write_pages(out) {
        Ok(()) => exit::SUCCESS,
        Err(e) => report_usage(e),
    }
}

fn write_pages(out: Option<&Path>) -> Result<(), UsageError> {
    let command = Cli::command().name(BIN);
    let Some(dir) = out else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut page)
            .map_err(|e| UsageError(format!("cannot render the manual page: {e}")))?;
        return print_stdout(&String::from_utf8_lossy(&page));
    };
    let shown = dir.display();
    std::fs::create_dir_all(dir).map_err(|e| UsageError(format!("cannot create {shown}: {e}")))?;
    clap_mangen::generate_to(command, dir)
        .map_err(|e| UsageError(format!("cannot write the manual pages into {shown}: {e}")))
}
