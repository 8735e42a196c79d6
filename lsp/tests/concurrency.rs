//! Requests are answered on a worker from a snapshot while edits go on: a burst
//! of hovers interleaved with edits gets one answer per request, each a result
//! or ContentModified (an edit cancelled it), never an internal error, and the
//! server answers the request after the last edit from the last text.

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::json;

mod common;

#[test]
fn a_burst_of_requests_and_edits_is_answered_without_stale_or_lost_answers() {
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::env::set_var("XDG_CACHE_HOME", work.path().join("cache"));
    let root = work.path().join("repo");
    let manifest = common::copy_example("python-web", &root);
    let text = std::fs::read_to_string(&manifest).unwrap_or_default();
    let uri = format!("file://{}", manifest.display());
    let (server, client) = Connection::memory();
    let thread = std::thread::spawn(move || wbuild_lsp::run(server));
    let send = |m: Message| client.sender.send(m).unwrap_or_else(|e| panic!("{e}"));
    send(Message::Request(Request::new(
        RequestId::from(0),
        "initialize".into(),
        json!({"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {}}),
    )));
    send(Message::Notification(Notification::new(
        "initialized".into(),
        json!({}),
    )));
    send(Message::Notification(Notification::new(
        "textDocument/didOpen".into(),
        json!({"textDocument": {"uri": uri, "languageId": "wbuild", "version": 1, "text": text}}),
    )));
    let at = text.find("python.app").unwrap_or(0) + 8;
    let line = text[..at].matches('\n').count();
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    let hover = |id: i32| {
        Message::Request(Request::new(
            RequestId::from(id),
            "textDocument/hover".into(),
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": column}}),
        ))
    };
    const BURST: i32 = 200;
    for i in 1..=BURST {
        send(hover(i));
        // An edit far from the hovered name: a comment at the end, growing.
        let edited = format!("{text}{}", "#\n".repeat(i as usize));
        send(Message::Notification(Notification::new(
            "textDocument/didChange".into(),
            json!({"textDocument": {"uri": uri, "version": i + 1}, "contentChanges": [{"text": edited}]}),
        )));
    }
    send(hover(BURST + 1));
    let (mut answered, mut cancelled) = (0, 0);
    let mut last = None;
    while last.is_none() {
        let message = client
            .receiver
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("no answer: {e}"));
        let Message::Response(response) = message else {
            continue;
        };
        let id = response.id.to_string();
        match &response.response_result {
            Ok(_) => answered += 1,
            Err(e) if e.code == lsp_server::ErrorCode::ContentModified as i32 => cancelled += 1,
            Err(e) => panic!("request {id}: {e:?}"),
        }
        if id == (BURST + 1).to_string() {
            last = Some(response);
        }
    }
    // initialize's answer, then one per hover.
    assert_eq!(
        answered + cancelled,
        BURST + 2,
        "answered {answered}, cancelled {cancelled}"
    );
    let last = last
        .and_then(|r| r.response_result.ok())
        .unwrap_or_default();
    assert!(
        last["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("preset app("),
        "{last}"
    );
    send(Message::Request(Request::new(
        RequestId::from(9999),
        "shutdown".into(),
        json!(null),
    )));
    send(Message::Notification(Notification::new(
        "exit".into(),
        json!(null),
    )));
    drop(client);
    let result = thread
        .join()
        .unwrap_or_else(|_| panic!("the server thread panicked"));
    assert_eq!(result, Ok(()));
}
