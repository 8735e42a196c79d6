//! wbuild-lsp: the language server for `.wbuild` manifests, over the compiler's
//! salsa database. `server.rs` holds the documents and the main loop,
//! `convert.rs` turns byte offsets into the protocol's UTF-16 positions (the only
//! place that does), `stdlib_docs.rs` serves the stdlib as read-only documents.
//! The answers themselves come from `wbuild::ide`, which knows nothing of the
//! protocol; this crate is the only one that does.

mod convert;
mod server;
mod stdlib_docs;

pub use server::{capabilities, run, Server, DOCKERFILE_COMMAND, SHOW_DOCKERFILE};

/// Serves on stdin/stdout until the client shuts the server down; the exit code.
pub fn run_stdio() -> i32 {
    let (connection, threads) = lsp_server::Connection::stdio();
    let result = run(connection);
    // The connection is dropped by `run`, so the writer thread can finish.
    let joined = threads.join();
    match (result, joined) {
        (Ok(()), Ok(())) => 0,
        (Err(why), _) => {
            eprintln!("wbuild-lsp: {why}");
            1
        }
        (_, Err(why)) => {
            eprintln!("wbuild-lsp: {why}");
            1
        }
    }
}
