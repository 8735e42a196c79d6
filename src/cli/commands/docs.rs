//! `wbuildc docs [TOPIC]`: the user documentation, compiled into the binary.
//! A service developer has `wbuildc`, not this repository, so help lines and
//! explanations point at `wbuildc docs TOPIC` and never at a file path; every
//! such mention names a topic of [`TOPICS`] (a tidy test checks the sources).

use crate::cli::exit;

/// One page of the documentation.
pub struct Topic {
    pub name: &'static str,
    pub summary: &'static str,
    pub text: &'static str,
}

/// Every topic, in the order a new user reads them. Every file of `docs/` for
/// users is here (the tidy test checks that none is forgotten).
pub const TOPICS: &[Topic] = &[
    Topic {
        name: "language",
        summary: "the .wbuild language: image, variants, fields, steps, presets",
        text: include_str!("../../../docs/language.md"),
    },
    Topic {
        name: "stdlib",
        summary: "the standard library's presets (python, node, php, java, go) and constants",
        text: include_str!("../../../docs/stdlib.md"),
    },
    Topic {
        name: "policy",
        summary: "the organisation's rules, every policy key and its type, exceptions",
        text: include_str!("../../../docs/policy.md"),
    },
    Topic {
        name: "diagnostics",
        summary: "every diagnostic code with its explanation (as `wbuildc explain CODE`)",
        text: include_str!("../../../docs/diagnostics.md"),
    },
    Topic {
        name: "operations",
        summary: "base images, wbuild.lock, the workspace graph, affected and plan",
        text: include_str!("../../../docs/operations.md"),
    },
    Topic {
        name: "publishing",
        summary: "wbuildc publish and tags: the tag convention, releases, credentials, CI only",
        text: include_str!("../../../docs/publishing.md"),
    },
    Topic {
        name: "migrating-from-blubber",
        summary: "wbuildc import-blubber: every Blubber v4 field in wbuild, merge rules, policies",
        text: include_str!("../../../docs/migrating-from-blubber.md"),
    },
    Topic {
        name: "security",
        summary: "what wbuildc trusts, what it refuses, and why the repository is untrusted",
        text: include_str!("../../../docs/security.md"),
    },
];

/// The files of `docs/` that are for the people who work on wbuild, not topics.
pub const CONTRIBUTOR_DOCS: &[&str] = &["dockerfile-facts.md"];

pub fn run(topic: Option<&str>) -> u8 {
    let Some(name) = topic else {
        println!("Topics (`wbuildc docs TOPIC` prints one):\n");
        for t in TOPICS {
            println!("  {:<12} {}", t.name, t.summary);
        }
        println!("\n`wbuildc explain CODE` explains one diagnostic.");
        return exit::SUCCESS;
    };
    match TOPICS.iter().find(|t| t.name == name) {
        Some(t) => {
            print!("{}", t.text);
            exit::SUCCESS
        }
        None => {
            let names: Vec<&str> = TOPICS.iter().map(|t| t.name).collect();
            let hint = crate::diagnostics::suggest::help(name, names.iter().copied())
                .map(|h| format!("{h} "))
                .unwrap_or_default();
            eprintln!(
                "error: no documentation topic `{name}`; {hint}the topics are {}",
                names.join(", ")
            );
            exit::USAGE
        }
    }
}
