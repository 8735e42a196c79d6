//! The root filesystem of a base image, made by mmdebstrap (Debian's tool; no
//! container engine): Essential and apt (`--variant=apt`), the definition's
//! packages, its APT sources as mirror lines, and its users written straight
//! into `/etc/passwd`, `/etc/group`, `/etc/shadow` and `/etc/gshadow` (so that
//! no tool decides a field from the clock: the password-change day is the one
//! of `SOURCE_DATE_EPOCH`). mmdebstrap honours `SOURCE_DATE_EPOCH` itself.
//!
//! Every value reaching the command line was validated where it is written
//! (`variants/base.rs`): package names are Debian's, source lines are
//! `http(s)://URI SUITE COMPONENT...` of plain words, user names are POSIX and
//! ids are numbers, so nothing here can add an option or a shell word.

use crate::variants::BaseDecl;
use std::path::Path;
use std::process::Command;

/// The mmdebstrap command that writes `base`'s root filesystem to `out` (a tar).
pub fn mmdebstrap_command(base: &BaseDecl, out: &Path, source_date_epoch: i64) -> Command {
    let mut cmd = Command::new("mmdebstrap");
    cmd.env("SOURCE_DATE_EPOCH", source_date_epoch.to_string())
        .arg("--quiet")
        .arg("--variant=apt")
        .arg("--format=tar")
        .arg("--mode=root");
    if !base.packages.is_empty() {
        let names: Vec<&str> = base.packages.iter().map(|(p, _)| p.as_str()).collect();
        cmd.arg(format!("--include={}", names.join(",")));
    }
    for hook in user_hooks(base, source_date_epoch) {
        cmd.arg(format!("--customize-hook={hook}"));
    }
    let suite = base.suite.as_ref().map_or("", |(s, _)| s.as_str());
    cmd.arg(suite).arg(out);
    for (line, _) in &base.sources {
        cmd.arg(format!("deb {line}"));
    }
    cmd
}

/// Shell hooks (mmdebstrap runs them with the root directory as `$1`) that add
/// each user's group and account.
fn user_hooks(base: &BaseDecl, source_date_epoch: i64) -> Vec<String> {
    let day = source_date_epoch.div_euclid(86_400);
    base.users
        .iter()
        .map(|(u, _)| {
            let (name, uid, gid) = (&u.name, u.uid, u.gid);
            format!(
                "printf '%s\\n' '{name}:x:{gid}:' >> \"$1/etc/group\" && \
                 printf '%s\\n' '{name}:!::' >> \"$1/etc/gshadow\" && \
                 printf '%s\\n' '{name}:x:{uid}:{gid}::/nonexistent:/usr/sbin/nologin' >> \"$1/etc/passwd\" && \
                 printf '%s\\n' '{name}:!:{day}:0:99999:7:::' >> \"$1/etc/shadow\""
            )
        })
        .collect()
}
