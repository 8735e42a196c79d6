//! A real editor as the client: Debian's Neovim (0.7, headless) with
//! editors/neovim/lua/wbuild.lua opens a copy of examples/python-web, and a Lua
//! script asks what a user would — diagnostics after an edit, hover, definition,
//! rename — and writes what it got as JSON for this test to check.
//! Neovim is installed by scripts/setup-test-env.sh.

use serde_json::Value;
use std::process::Command;

mod common;

fn position(text: &str, needle: &str, plus: usize) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in the text"))
        + plus;
    let line = text[..at].matches('\n').count();
    (line, at - text[..at].rfind('\n').map_or(0, |i| i + 1))
}

#[test]
fn neovim_gets_diagnostics_hover_definition_and_rename() {
    let nvim = Command::new("nvim").arg("--version").output();
    assert!(
        nvim.is_ok_and(|o| o.status.success()),
        "nvim is not installed: run scripts/setup-test-env.sh"
    );
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = common::repo();
    let root = work.path().join("python-web");
    let manifest = common::copy_example("python-web", &root);
    let text = std::fs::read_to_string(&manifest).unwrap_or_default();
    let out = work.path().join("out.json");
    let (hover_line, hover_col) = position(&text, "python.app", 8);
    let (def_line, def_col) = position(&text, "python.runtime", 8);
    let (ren_line, ren_col) = position(&text, "variant build", 9);
    let (broken_line, _) = position(&text, "  cmd = [\"python\", \"-m\", \"pytest\"", 0);
    let script = format!(
        r#"
vim.opt.runtimepath:append({editors:?})
require("wbuild").setup({{ cmd = {{ {lsp:?} }} }})
vim.cmd("edit " .. {manifest:?})
local buf = vim.api.nvim_get_current_buf()
local out = {{ filetype = vim.bo[buf].filetype }}
out.attached = vim.wait(20000, function() return #vim.lsp.buf_get_clients(buf) > 0 end, 20)
local uri = vim.uri_from_bufnr(buf)
local function request(method, params)
  local results = vim.lsp.buf_request_sync(buf, method, params, 20000)
  for _, r in pairs(results or {{}}) do return r.result end
end
local function at(line, col) return {{ textDocument = {{ uri = uri }}, position = {{ line = line, character = col }} }} end
-- A hover first: it also waits until the server has read the document.
local hover = request("textDocument/hover", at({hover_line}, {hover_col}))
out.hover = hover and hover.contents and hover.contents.value or vim.NIL
vim.api.nvim_buf_set_lines(buf, {broken_line}, {broken_line}, false, {{ "  expsoe = [1]" }})
out.diagnosed = vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
out.diagnostics = {{}}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(out.diagnostics, {{ line = d.lnum, col = d.col, message = d.message }})
end
vim.api.nvim_buf_set_lines(buf, {broken_line}, {broken_line} + 1, false, {{}})
out.repaired = vim.wait(20000, function() return #vim.diagnostic.get(buf) == 0 end, 20)
local definition = request("textDocument/definition", at({def_line}, {def_col}))
out.definition = definition and (definition.uri or (definition[1] and definition[1].uri)) or vim.NIL
local params = at({ren_line}, {ren_col})
params.newName = "compile"
local rename = request("textDocument/rename", params)
local edits = 0
for _, list in pairs(rename and rename.changes or {{}}) do edits = edits + #list end
out.rename_edits = edits
vim.fn.writefile({{ vim.fn.json_encode(out) }}, {out:?})
vim.cmd("qa!")
"#,
        editors = repo.join("editors/neovim").display().to_string(),
        lsp = env!("CARGO_BIN_EXE_wbuild-lsp"),
        manifest = manifest.display().to_string(),
        out = out.display().to_string(),
    );
    let script_path = work.path().join("test.lua");
    std::fs::write(&script_path, script).unwrap_or_default();
    let run = Command::new("timeout")
        .arg("120")
        .arg("nvim")
        .args(["--headless", "-n", "-i", "NONE", "-u", "NONE", "-c"])
        .arg(format!("luafile {}", script_path.display()))
        .env("XDG_CACHE_HOME", work.path().join("cache"))
        .env("XDG_STATE_HOME", work.path().join("state"))
        .env("XDG_DATA_HOME", work.path().join("data"))
        .output()
        .unwrap_or_else(|e| panic!("run nvim: {e}"));
    let report = std::fs::read_to_string(&out).unwrap_or_else(|_| {
        panic!(
            "neovim wrote no report (exit {:?}):\n{}\n{}",
            run.status.code(),
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let report: Value = serde_json::from_str(&report).unwrap_or_else(|e| panic!("{e}: {report}"));
    assert_eq!(report["filetype"], "wbuild", "{report}");
    assert_eq!(report["attached"], true, "{report}");
    assert!(
        report["hover"]
            .as_str()
            .unwrap_or("")
            .contains("preset app("),
        "{report}"
    );
    assert_eq!(report["diagnosed"], true, "{report}");
    let diagnostics = report["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(diagnostics.len(), 1, "{report}");
    assert_eq!(diagnostics[0]["line"], broken_line as u64, "{report}");
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("unknown field `expsoe`"),
        "{report}"
    );
    assert_eq!(report["repaired"], true, "{report}");
    let definition = report["definition"].as_str().unwrap_or("");
    assert!(definition.ends_with("/python.wbuild"), "{report}");
    assert_eq!(report["rename_edits"], 3, "{report}");
}
