//! Writes a workspace of generated manifests for `scripts/bench-cli.sh`:
//!
//!     cargo run --release --example gen-manifests -- DIR N
//!
//! Manifest `i` goes to `DIR/svc-NNNNN/service.wbuild`; `DIR/typical.wbuild` is a
//! copy of manifest 0 (a python service with build, test and production). Each
//! manifest's directory also holds the build context its copies name (empty
//! files and directories), so that `check` finds every copy source.

#[path = "../common/gen.rs"]
mod gen;

use std::path::PathBuf;
use std::process::ExitCode;

/// What the generated manifests copy from their build context, whichever preset
/// they use: directories, and files (`package.json` must be JSON).
const CONTEXT_DIRS: &[&str] = &["config", "tests", "src", "public", "cmd", "internal"];
const CONTEXT_FILES: &[(&str, &str)] = &[
    ("requirements.txt", ""),
    ("pom.xml", ""),
    ("package.json", "{}\n"),
    ("package-lock.json", ""),
    ("go.mod", ""),
    ("composer.json", ""),
    ("composer.lock", ""),
];

fn write_context(dir: &std::path::Path) -> std::io::Result<()> {
    for name in CONTEXT_DIRS {
        std::fs::create_dir_all(dir.join(name))?;
    }
    for (name, text) in CONTEXT_FILES {
        std::fs::write(dir.join(name), text)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(n)) = (
        args.first(),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: gen-manifests DIR N");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    for i in 0..n {
        let path = dir.join(gen::file_name(i));
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, gen::manifest(i)))
            .and_then(|()| path.parent().map_or(Ok(()), write_context));
        if let Err(e) = written {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    if let Err(e) = std::fs::write(dir.join("typical.wbuild"), gen::manifest(0)) {
        eprintln!("cannot write typical.wbuild: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
