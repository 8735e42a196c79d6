//! The outline of a file: its image, variants, presets (with parameters) and
//! constants, in source order.

use crate::db::{Db, SourceFile};
use crate::span::Span;
use crate::syntax::ast;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Image,
    Variant,
    Preset,
    Parameter,
    Constant,
    Import,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The whole item.
    pub span: Span,
    /// Its name.
    pub selection: Span,
    /// What it extends or its type, for the outline's detail column.
    pub detail: Option<String>,
    pub children: Vec<Symbol>,
}

pub fn document_symbols(db: &dyn Db, file: SourceFile) -> Vec<Symbol> {
    let text = file.text(db);
    let written = |span: Span| text.get(span.range()).unwrap_or("").to_string();
    let parents = |parents: &[ast::Parent]| {
        (!parents.is_empty()).then(|| {
            let names: Vec<String> = parents.iter().map(|p| p.name.dotted()).collect();
            format!("extends {}", names.join(", "))
        })
    };
    let mut out = Vec::new();
    for item in &crate::db::parse(db, file).ast.items {
        let symbol = match item {
            ast::Item::Import(import) => Symbol {
                name: written(import.path.span),
                kind: SymbolKind::Import,
                span: import.span,
                selection: import.path.span,
                detail: import.alias.as_ref().map(|a| format!("as {}", a.name)),
                children: Vec::new(),
            },
            ast::Item::Let(l) => Symbol {
                name: l.name.name.clone(),
                kind: SymbolKind::Constant,
                span: l.span,
                selection: l.name.span,
                detail: l.ty.as_ref().map(|t| written(t.span)),
                children: Vec::new(),
            },
            ast::Item::Image(image) | ast::Item::Base(image) => Symbol {
                name: written(image.name.span),
                kind: SymbolKind::Image,
                span: image.span,
                selection: image.name.span,
                detail: None,
                children: Vec::new(),
            },
            ast::Item::Variant(v) => Symbol {
                name: v.name.name.clone(),
                kind: SymbolKind::Variant,
                span: v.span,
                selection: v.name.span,
                detail: parents(&v.parents),
                children: Vec::new(),
            },
            ast::Item::Preset(p) => Symbol {
                name: p.name.name.clone(),
                kind: SymbolKind::Preset,
                span: p.span,
                selection: p.name.span,
                detail: parents(&p.parents),
                children: p
                    .params
                    .iter()
                    .map(|param| Symbol {
                        name: param.name.name.clone(),
                        kind: SymbolKind::Parameter,
                        span: param.span,
                        selection: param.name.span,
                        detail: Some(written(param.ty.span)),
                        children: Vec::new(),
                    })
                    .collect(),
            },
            ast::Item::Error(_) => continue,
        };
        if !symbol.name.is_empty() {
            out.push(symbol);
        }
    }
    out
}

/// The regions an editor can fold: items, bodies, step blocks, lists and maps
/// that span more than one line.
pub fn folding_ranges(db: &dyn Db, file: SourceFile) -> Vec<Span> {
    let text = file.text(db);
    let multi_line = |span: Span| {
        text.get(span.range())
            .is_some_and(|t| t.trim_end().contains('\n'))
    };
    let mut out = Vec::new();
    fn expr(e: &ast::Expr, out: &mut Vec<Span>) {
        match &e.kind {
            ast::ExprKind::List(items) => {
                out.push(e.span);
                items.iter().for_each(|i| expr(i, out));
            }
            ast::ExprKind::Map(_) | ast::ExprKind::Steps(_) => out.push(e.span),
            ast::ExprKind::Call { args, .. } => {
                out.push(e.span);
                args.iter().for_each(|a| expr(&a.value, out));
            }
            _ => {}
        }
    }
    for item in &crate::db::parse(db, file).ast.items {
        out.push(item.span());
        let body = match item {
            ast::Item::Image(i) | ast::Item::Base(i) => &i.body,
            ast::Item::Variant(v) => &v.body,
            ast::Item::Preset(p) => &p.body,
            ast::Item::Let(l) => {
                expr(&l.value, &mut out);
                continue;
            }
            _ => continue,
        };
        for member in &body.members {
            if let ast::Member::Assign(a) = member {
                expr(&a.value, &mut out);
            }
        }
    }
    out.retain(|s| multi_line(*s));
    out.sort();
    out.dedup();
    out
}
