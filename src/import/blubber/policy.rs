//! A Blubber policy file (`enforcements: [{path, rule}]`, rules in the
//! validator's tag syntax) converted into wbuild policy keys. Only what has a
//! key of the same meaning is converted; every other enforcement is `WB7008` at
//! its YAML line, since dropping one silently would loosen the policy.
//!
//! Converted:
//! - `base` (top level or `variants.NAME.base`) with `oneof=IMAGE...`, `eq=IMAGE`
//!   or `startswith=PREFIX` → `images.allowed_registries`: the registries of the
//!   images (wbuild approves registries, not single images; the output says so);
//! - `lives.uid`, `runs.uid` (or a variant's) with `ne=0`, `gt=0` or `min=1` →
//!   `runtime.allow_root = false`;
//! - `apt.sources` with `isdefault`, `len=0` or `max=0` →
//!   `apt.allowed_repositories = []` and `apt.allow_keyrings = false`.

use super::super::yaml::{self, Value};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{FileId, Span};
use std::fmt::Write as _;

pub struct Converted {
    pub toml: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
}

const CONVERTED: &str = "converted: `base` with oneof=/eq=/startswith= (to images.allowed_registries), `lives.uid`/`runs.uid` with ne=0/gt=0/min=1 (to runtime.allow_root = false), `apt.sources` with isdefault/len=0/max=0 (to no extra APT repositories)";

/// The path's field once a `variants.NAME.` prefix is taken off.
fn field(path: &str) -> &str {
    match path.strip_prefix("variants.") {
        Some(rest) => rest.split_once('.').map_or(rest, |(_, f)| f),
        None => path,
    }
}

fn registry(image: &str) -> Option<String> {
    let (first, _) = image.split_once('/')?;
    (first.contains('.') || first.contains(':') || first == "localhost").then(|| first.to_string())
}

pub fn convert(text: &str, file: FileId, source_name: &str) -> Converted {
    let mut diagnostics = Vec::new();
    let doc = match yaml::parse(text) {
        Ok(d) => d,
        Err(e) => {
            diagnostics.push(Diagnostic::new(
                Code::BlubberYaml,
                format!("the policy is not valid YAML: {}", e.message),
                file,
                e.span,
                e.message,
            ));
            return Converted {
                toml: None,
                diagnostics,
            };
        }
    };
    let Some(entries) = doc.root.entries() else {
        diagnostics.push(Diagnostic::new(
            Code::BlubberInvalidValue,
            "a Blubber policy is a mapping with `enforcements`",
            file,
            doc.root.span,
            "not a mapping",
        ));
        return Converted {
            toml: None,
            diagnostics,
        };
    };
    for e in entries.iter().filter(|e| e.key != "enforcements") {
        diagnostics.push(
            Diagnostic::new(
                Code::BlubberUnknownField,
                format!("`{}` is not a field of a Blubber policy", e.key),
                file,
                e.key_span,
                "unknown field",
            )
            .with_note("a Blubber policy has: enforcements"),
        );
    }
    let mut registries: Vec<String> = Vec::new();
    let mut images: Vec<String> = Vec::new();
    let mut no_root = false;
    let mut no_sources = false;
    let items: &[yaml::Node] = match entries
        .iter()
        .find(|e| e.key == "enforcements")
        .map(|e| &e.value.value)
    {
        Some(Value::Seq(items)) => items,
        Some(Value::Null) | None => &[],
        Some(_) => {
            let span = entries
                .iter()
                .find(|e| e.key == "enforcements")
                .map_or(Span::at(0), |e| e.value.span);
            diagnostics.push(Diagnostic::new(
                Code::BlubberInvalidValue,
                "invalid value: `enforcements` is a list of {path, rule}",
                file,
                span,
                "not a list",
            ));
            &[]
        }
    };
    for item in items {
        let Some(fields) = item.entries() else {
            diagnostics.push(Diagnostic::new(
                Code::BlubberInvalidValue,
                "invalid value: an enforcement is a mapping {path, rule}",
                file,
                item.span,
                "not a mapping",
            ));
            continue;
        };
        for f in fields.iter().filter(|f| f.key != "path" && f.key != "rule") {
            diagnostics.push(
                Diagnostic::new(
                    Code::BlubberUnknownField,
                    format!("`{}` is not a field of an enforcement", f.key),
                    file,
                    f.key_span,
                    "unknown field",
                )
                .with_note("an enforcement has: path, rule"),
            );
        }
        let get = |k: &str| {
            fields
                .iter()
                .find(|f| f.key == k)
                .and_then(|f| f.value.text().map(|t| (t.to_string(), f.value.span)))
        };
        let (Some((path, path_span)), Some((rule, rule_span))) = (get("path"), get("rule")) else {
            diagnostics.push(Diagnostic::new(
                Code::BlubberInvalidValue,
                "invalid value: an enforcement needs a `path` and a `rule`",
                file,
                item.span,
                "incomplete",
            ));
            continue;
        };
        let (tag, param) = rule
            .split_once('=')
            .map_or((rule.as_str(), ""), |(t, p)| (t, p));
        let mut unconverted = || {
            diagnostics.push(
                Diagnostic::new(
                    Code::BlubberPolicyRule,
                    format!("no wbuild policy key means `{path}: {rule}`"),
                    file,
                    rule_span,
                    "not converted",
                )
                .with_secondary(file, path_span, "for this path")
                .with_help(CONVERTED),
            );
        };
        match (field(&path), tag) {
            ("base", "oneof") | ("base", "eq") | ("base", "startswith") => {
                let listed: Vec<&str> = if tag == "oneof" {
                    param.split_whitespace().collect()
                } else {
                    vec![param]
                };
                let mut ok = !listed.is_empty();
                for image in &listed {
                    match registry(image) {
                        Some(r) => {
                            if !registries.contains(&r) {
                                registries.push(r);
                            }
                            images.push(image.to_string());
                        }
                        None => ok = false,
                    }
                }
                if !ok {
                    diagnostics.push(
                        Diagnostic::new(Code::BlubberPolicyRule, format!("`{rule}` names an image without a registry host"), file, rule_span, "no registry to approve")
                            .with_help("wbuild approves base images by registry (`images.allowed_registries`): name images with their registry host"),
                    );
                }
            }
            ("lives.uid" | "runs.uid", "ne" | "gt" | "min")
                if matches!((tag, param), ("ne", "0") | ("gt", "0") | ("min", "1")) =>
            {
                no_root = true
            }
            ("apt.sources", "isdefault") | ("apt.sources", "len" | "max")
                if tag == "isdefault" || param == "0" =>
            {
                no_sources = true
            }
            _ => unconverted(),
        }
    }
    if diagnostics
        .iter()
        .any(|d| d.severity == crate::Severity::Error)
    {
        return Converted {
            toml: None,
            diagnostics,
        };
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Converted from {source_name} by `wbuildc import-blubber --policy`."
    );
    let _ = writeln!(
        out,
        "# The organisation's policy: put it where the organisation's configuration lives"
    );
    let _ = writeln!(out, "# ($WBUILD_CONFIG/policy.toml, or `--policy FILE`); a repository's policy file can\n# only tighten it.");
    if !registries.is_empty() {
        let _ = writeln!(out, "\n[images]");
        let _ = writeln!(
            out,
            "# Blubber allowed these base images: {}",
            images.join(", ")
        );
        let _ = writeln!(out, "# wbuild approves whole registries.");
        let quoted: Vec<String> = registries.iter().map(|r| format!("{r:?}")).collect();
        let _ = writeln!(out, "allowed_registries = [{}]", quoted.join(", "));
    }
    if no_sources {
        let _ = writeln!(out, "\n[apt]\n# Blubber allowed no extra APT sources.\nallowed_repositories = []\nallow_keyrings = false");
    }
    if no_root {
        let _ = writeln!(
            out,
            "\n[runtime]\n# Blubber required a non-zero uid.\nallow_root = false"
        );
    }
    Converted {
        toml: Some(out),
        diagnostics,
    }
}
