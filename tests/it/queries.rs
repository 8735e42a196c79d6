//! The core's queries as the language server and the operations graph read
//! them: for every example, its resolution index (each use site and what it
//! refers to) and its dependency graph, printed and snapshotted.

use crate::support::{load, wbuild_files};
use wbuild::resolve::{self, Definition};
use wbuild::span::LineIndex;
use wbuild::{graph, Compiler, SourceFile};

fn path(compiler: &Compiler, file: SourceFile) -> String {
    file.path(compiler.db()).clone()
}

/// `path:line:column` (one-based) of an origin.
fn at(compiler: &Compiler, origin: wbuild::span::Origin) -> String {
    let Some(file) = compiler.db().file_by_id(origin.file) else {
        return "?".into();
    };
    let index = LineIndex::new(file.text(compiler.db()));
    let position = index.line_col(origin.span.start);
    format!(
        "{}:{}:{}",
        path(compiler, file),
        position.line + 1,
        position.column + 1
    )
}

fn definition(compiler: &Compiler, definition: &Definition) -> String {
    let of = |file: &SourceFile| path(compiler, *file);
    match definition {
        Definition::Let { file, name } => format!("let {name} ({})", of(file)),
        Definition::Variant { file, name } => format!("variant {name} ({})", of(file)),
        Definition::Preset { file, name } => format!("preset {name} ({})", of(file)),
        Definition::Param { file, preset, name } => {
            format!("parameter {name} of preset {preset} ({})", of(file))
        }
        Definition::Module { alias, target } => format!(
            "module {alias} ({})",
            target.as_ref().map_or("not loaded".into(), of)
        ),
        Definition::Field(field) => format!("field {}", field.name()),
        Definition::StepOption { step, option } => format!("option {option} of {step}"),
        Definition::Constructor(name) => format!("constructor {name}"),
        Definition::Scratch => "scratch".into(),
    }
}

fn index_text(compiler: &Compiler, file: SourceFile) -> String {
    let db = compiler.db();
    let text = file.text(db);
    let lines = LineIndex::new(text);
    let mut out = String::new();
    for u in resolve::index(db, file).resolutions.uses() {
        let position = lines.line_col(u.span.start);
        let written = text.get(u.span.range()).unwrap_or("");
        let target = u
            .definition
            .as_ref()
            .map_or("NOTHING".into(), |d| definition(compiler, d));
        out.push_str(&format!(
            "{:>3}:{:<3} {:<14} {written:<24} → {target}\n",
            position.line + 1,
            position.column + 1,
            format!("{:?}", u.kind)
        ));
    }
    out
}

fn graph_text(compiler: &Compiler, file: SourceFile) -> String {
    let db = compiler.db();
    let graph = graph::dependencies(db, file);
    let mut out = String::new();
    for (name, node) in &graph.variants {
        out.push_str(&format!("variant {name}\n"));
        match &node.base {
            Some((graph::Base::Image(image), origin)) => out.push_str(&format!(
                "  base     image {image} ({})\n",
                at(compiler, *origin)
            )),
            Some((graph::Base::Scratch, origin)) => {
                out.push_str(&format!("  base     scratch ({})\n", at(compiler, *origin)))
            }
            Some((graph::Base::Variant(v), origin)) => out.push_str(&format!(
                "  base     variant {v} ({})\n",
                at(compiler, *origin)
            )),
            None => out.push_str("  base     none\n"),
        }
        for (v, origin) in &node.extends {
            out.push_str(&format!("  extends  {v} ({})\n", at(compiler, *origin)));
        }
        for used in &node.presets {
            let module = db
                .file_by_id(used.module)
                .map_or("?".into(), |f| path(compiler, f));
            out.push_str(&format!(
                "  preset   {}.{} (used at {})\n",
                module.trim_end_matches(".wbuild"),
                used.name,
                at(compiler, used.call_site)
            ));
        }
        for (v, origin) in &node.copies_from {
            out.push_str(&format!(
                "  copies   from {v} ({})\n",
                at(compiler, *origin)
            ));
        }
        let order = graph.stage_order(name).unwrap_or_default();
        out.push_str(&format!("  stages   {}\n", order.join(" → ")));
    }
    out
}

#[test]
fn every_example_has_its_resolution_index_and_dependency_graph() {
    for example in wbuild_files("examples") {
        let mut compiler = Compiler::new();
        let file = load(&mut compiler, &example);
        let index = index_text(&compiler, file);
        // Every name an example writes refers to something.
        assert!(!index.contains("NOTHING"), "{example}:\n{index}");
        let snapshot = format!(
            "--- RESOLUTION INDEX\n{index}\n--- DEPENDENCY GRAPH\n{}",
            graph_text(&compiler, file)
        );
        let name = example
            .trim_start_matches("examples/")
            .trim_end_matches("/service.wbuild")
            .replace('/', "__");
        insta::with_settings!({ snapshot_path => "snapshots/queries", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
}

#[test]
fn names_that_refer_to_nothing_are_in_the_index_too() {
    let mut compiler = Compiler::new();
    let file = compiler.add_file(
        "typos.wbuild",
        r#"import "python"
image "svc" {}
let port = 8080
variant production extends python.ap() {
  expose = [prot]
  cmd = ["/srv/${nme}"]
  steps += { run "make" with cahce = "/root/.cache" }
}
"#,
    );
    let index = index_text(&compiler, file);
    insta::assert_snapshot!(index);
}
