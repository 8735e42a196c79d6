//! Runs an engine with its output streamed to the terminal as it comes, keeping
//! the last lines to find a failing step afterwards.

use super::{BuildError, Engine};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// How many trailing lines of output are kept for failure mapping.
const KEEP: usize = 400;

pub(super) struct Outcome {
    pub code: i32,
    pub lines: Vec<String>,
}

pub(super) fn run(mut command: Command, engine: Engine) -> Result<Outcome, BuildError> {
    let name = match engine {
        Engine::Buildah => "buildah",
        Engine::Docker => "docker",
    };
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| BuildError::Io(format!("cannot start {name}: {e} (is it installed?)")))?;
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut threads = Vec::new();
    let stdout = child
        .stdout
        .take()
        .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>);
    let stderr = child
        .stderr
        .take()
        .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>);
    for stream in [stdout, stderr] {
        let Some(stream) = stream else { continue };
        let lines = Arc::clone(&lines);
        threads.push(std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                // Progress goes to stderr: stdout stays free for machine output.
                let _ = writeln!(std::io::stderr(), "{line}");
                if let Ok(mut kept) = lines.lock() {
                    kept.push(line);
                    if kept.len() > KEEP * 2 {
                        let drop = kept.len() - KEEP;
                        kept.drain(..drop);
                    }
                }
            }
        }));
    }
    let status = child
        .wait()
        .map_err(|e| BuildError::Io(format!("{name} did not finish: {e}")))?;
    for t in threads {
        let _ = t.join();
    }
    let lines = lines.lock().map(|l| l.clone()).unwrap_or_default();
    Ok(Outcome {
        code: status.code().unwrap_or(128),
        lines,
    })
}
