//! Proves the Dockerfile checkers in `support/dfcheck.rs` work and can fail.

#[path = "support/dfcheck.rs"]
mod dfcheck;

use dfcheck::{assert_clean, check, check_many};

const GOOD: &str = "\
FROM debian:bookworm-slim AS build
WORKDIR /src
COPY --chown=1000:1000 . .
RUN apt-get update \\
    && apt-get install -y --no-install-recommends ca-certificates \\
    && rm -rf /var/lib/apt/lists/*
USER 1000
CMD [\"/usr/bin/env\", \"bash\"]
";

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn known_good_dockerfile_is_clean() {
    let report = check(GOOD);
    assert_clean("good", GOOD, &report);
    let cmds: Vec<&str> = report.instructions.iter().map(|i| i.cmd.as_str()).collect();
    assert_eq!(
        cmds,
        ["FROM", "WORKDIR", "COPY", "RUN", "USER", "CMD"],
        "{report:#?}"
    );
    let run = &report.instructions[3];
    assert_eq!((run.start_line, run.end_line), (4, 6));
    let copy = &report.instructions[2];
    assert_eq!(copy.flags, strings(&["--chown=1000:1000"]));
    assert_eq!(copy.value, strings(&[".", "."]));
}

#[test]
fn bad_practice_is_reported() {
    let df = "FROM debian:latest\nRUN cd /tmp\n";
    let report = check(df);
    assert!(report.parse_error.is_none(), "{report:#?}");
    assert!(report.has("DL3007"), "{report:#?}");
    assert!(report.has("DL3003"), "{report:#?}");
    let r = std::panic::catch_unwind(|| assert_clean("bad", df, &report));
    let msg = *r
        .expect_err("assert_clean must panic")
        .downcast::<String>()
        .unwrap();
    assert!(
        msg.contains("DL3007") && msg.contains("   2 | RUN cd /tmp"),
        "{msg}"
    );
}

#[test]
fn policy_ignores_only_version_pinning() {
    let df = "FROM debian:bookworm\n\
              RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n    \
              && pip install requests && npm install -g left-pad \\\n    \
              && rm -rf /var/lib/apt/lists/*\n";
    let report = check(df);
    for code in ["DL3008", "DL3013", "DL3016"] {
        assert!(!report.has(code), "{code} should be ignored: {report:#?}");
    }
    // Inline pragmas are disabled: the compiler cannot silence hadolint.
    let df = "FROM debian:bookworm\n# hadolint ignore=DL3003\nRUN cd /tmp\n";
    assert!(check(df).has("DL3003"));
}

#[test]
fn syntax_errors_are_reported() {
    let broken = [
        "FROM debian:bookworm\nENV A\n",
        "FROM debian:bookworm\nRUN <<EOF\necho hi\n",
        "FROM debian:bookworm\nFROOM x\n",
        "",
    ];
    let reports = check_many(&strings(&broken));
    for (df, report) in broken.iter().zip(&reports) {
        assert!(report.parse_error.is_some(), "{df:?}: {report:#?}");
        let r = std::panic::catch_unwind(|| assert_clean("broken", df, report));
        assert!(r.is_err(), "assert_clean accepted {df:?}");
    }
    assert!(reports[0].parse_error.as_ref().unwrap().contains("ENV"));
    assert!(reports[2].parse_error.as_ref().unwrap().contains("FROOM"));
}

#[test]
fn values_are_raw_and_literal_is_unquoted() {
    let df = r#"FROM debian:bookworm
ENV A="x\"y" B=\$\$ C='s q' D=a\ b E="c:\\dir" F=$$ G=${HOME}
LABEL "org.k"="v w" x=a\\b
WORKDIR /a\$b
RUN ["echo", "a b", "c\"d"]
"#;
    let report = check(df);
    assert!(report.parse_error.is_none(), "{report:#?}");
    let env = &report.instructions[1];
    // The parser keeps quotes and escapes exactly as written.
    assert_eq!(
        env.value,
        strings(&[
            "A",
            r#""x\"y""#,
            "B",
            r"\$\$",
            "C",
            "'s q'",
            "D",
            r"a\ b",
            "E",
            r#""c:\\dir""#,
            "F",
            "$$",
            "G",
            "${HOME}"
        ])
    );
    // `$$` and `${HOME}` are variable references in BuildKit: no literal value.
    assert_eq!(env.literal, None);
    assert!(env.literal_error.as_deref().unwrap().contains("$$"));

    let df2 =
        "FROM debian:bookworm\nENV A=\"x\\\"y\" B=\\$\\$ C='s q' D=a\\ b E=\"c:\\\\dir\" H=x$\n";
    let env = &check(df2).instructions[1];
    assert_eq!(
        env.literal.as_deref().unwrap(),
        strings(&["A", "x\"y", "B", "$$", "C", "s q", "D", "a b", "E", r"c:\dir", "H", "x$"])
    );

    let label = &report.instructions[2];
    assert_eq!(
        label.value,
        strings(&[r#""org.k""#, r#""v w""#, "x", r"a\\b"])
    );
    assert_eq!(
        label.literal.as_deref().unwrap(),
        strings(&["org.k", "v w", "x", r"a\b"])
    );
    assert_eq!(report.instructions[3].literal, Some(strings(&["/a$b"])));
    let run = &report.instructions[4];
    assert!(run.json);
    assert_eq!(run.value, strings(&["echo", "a b", "c\"d"]));
    assert_eq!(run.literal.as_ref(), Some(&run.value));
}

#[test]
fn escape_directive_is_honoured() {
    let df = "# escape=`\nFROM debian:bookworm\nENV A=c:\\dir B=`$x\n";
    let report = check(df);
    assert_eq!(
        report.instructions[1].literal.as_deref().unwrap(),
        strings(&["A", r"c:\dir", "B", "$x"])
    );
}

#[test]
fn batch_of_many_keeps_order() {
    let dfs: Vec<String> = (0..50)
        .map(|i| {
            if i % 7 == 3 {
                format!("FROM debian:latest\nLABEL n={i}\n")
            } else {
                format!("FROM debian:bookworm\nLABEL n={i}\n")
            }
        })
        .collect();
    let reports = check_many(&dfs);
    for (i, r) in reports.iter().enumerate() {
        assert_eq!(r.instructions[1].value, strings(&["n", &i.to_string()]));
        assert_eq!(r.has("DL3007"), i % 7 == 3, "{i}: {r:#?}");
    }
}
