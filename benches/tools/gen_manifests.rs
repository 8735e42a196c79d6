//! Writes a workspace of generated manifests for `scripts/bench-cli.sh`:
//!
//!     cargo run --release --example gen-manifests -- DIR N
//!
//! Manifest `i` goes to `DIR/svc-NNNNN/service.wbuild`; `DIR/typical.wbuild` is a
//! copy of manifest 0 (a python service with build, test and production).

#[path = "../common/gen.rs"]
mod gen;

use std::path::PathBuf;
use std::process::ExitCode;

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
            .and_then(|()| std::fs::write(&path, gen::manifest(i)));
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
