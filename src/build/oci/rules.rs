//! What the layer leaves out of the root filesystem, and why.
//!
//! A path is dropped when its content differs from one bootstrap to the next
//! (logs, caches keyed by inode numbers, random identities, keys) or belongs to
//! the machine that ran the bootstrap (its hostname, its DNS server). What
//! mmdebstrap 1.3 already removes by itself is listed too (`var/log/*.log` from
//! dpkg/apt/alternatives, apt's `*.bin` caches and lists, `aux-cache`,
//! `etc/machine-id`): another bootstrapper, or another mmdebstrap version, may
//! leave them. Verified on a bookworm `--variant=apt` tarball, mmdebstrap leaves:
//! `etc/hostname` (the host's name) and `etc/resolv.conf` (the host's resolver),
//! `etc/{passwd,group}-` backups, `var/cache/debconf/*-old`, `var/lib/dpkg/*-old`.
//!
//! Directories are kept (a package may own them and tools expect them); what is
//! below a dropped directory is dropped with it (layer.rs).

/// What a path is, as far as the rules care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    Dir,
    /// A regular file of this many bytes (also a hard link's group).
    File(u64),
    Symlink,
    /// A device node or FIFO.
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    Keep,
    Drop,
    /// Keep the entry, without its content.
    Empty,
}

/// The verdict for one normalised path (relative, no `./`, no trailing `/`).
pub(super) fn classify(path: &[u8], shape: Shape) -> Verdict {
    let file = matches!(shape, Shape::File(_));
    let (parent, name) = match path.iter().rposition(|&b| b == b'/') {
        Some(at) => (&path[..at], &path[at + 1..]),
        None => (&b""[..], path),
    };
    match path {
        // systemd's machine-id(5): an *empty* file says "no identity yet, make one
        // at first boot", which is what every container of the image should do;
        // a missing file breaks systemd in a read-only root. A filled one would
        // give every container the bootstrap's identity. A symlink (to
        // /run/machine-id, say) names no identity and stays.
        b"etc/machine-id" if file => return Verdict::Empty,
        // dbus's copy of the machine ID (same reasons); Debian's dbus makes it a
        // symlink to /etc/machine-id, which stays.
        b"var/lib/dbus/machine-id" if file => return Verdict::Drop,
        // ldconfig's cache of library inodes and mtimes: differs on every run.
        b"var/cache/ldconfig/aux-cache" => return Verdict::Drop,
        // The bootstrapping host's name and resolver, copied in so that the
        // chroot can resolve names. A runtime bind-mounts its own over both
        // (Docker, podman, buildah, Kubernetes), so the image's are never seen.
        b"etc/hostname" | b"etc/resolv.conf" if file => return Verdict::Drop,
        _ => {}
    }
    // Logs of the bootstrap itself (dpkg.log, alternatives.log, apt/history.log,
    // apt/term.log, apt/eipp.log.xz, bootstrap.log): timestamps of this run. Empty
    // files stay: `wtmp`, `btmp`, `lastlog`, `faillog` are made empty by packages'
    // maintainer scripts with the owners and modes login tools need, and say
    // nothing about the run.
    if under(path, b"var/log") && matches!(shape, Shape::File(size) if size > 0) {
        return Verdict::Drop;
    }
    // apt's binary caches (`pkgcache.bin`, `srcpkgcache.bin`: built from the lists,
    // with mtimes inside) and downloaded packages; `lock` and `partial/` stay, as in
    // Debian's images.
    if parent == b"var/cache/apt" && name.ends_with(b".bin") {
        return Verdict::Drop;
    }
    if parent == b"var/cache/apt/archives" && name.ends_with(b".deb") {
        return Verdict::Drop;
    }
    if under(path, b"var/cache/apt/archives/partial") {
        return Verdict::Drop;
    }
    // The package lists: the mirror's state on the day of the bootstrap (and
    // megabytes); `apt-get update` fetches them in any build that installs.
    if under(path, b"var/lib/apt/lists")
        && path != b"var/lib/apt/lists/lock"
        && path != b"var/lib/apt/lists/partial"
    {
        return Verdict::Drop;
    }
    // Backups that shadow's tools and dpkg/debconf write before changing a file
    // (`etc/passwd-`, `group-`, `shadow-`, `gshadow-`, `subuid-`, `subgid-`;
    // `var/lib/dpkg/status-old`, `diversions-old`; `var/cache/debconf/*.dat-old`):
    // an earlier state of the bootstrap, which nothing reads back.
    if file && parent == b"etc" && name.ends_with(b"-") {
        return Verdict::Drop;
    }
    if file
        && (parent == b"var/lib/dpkg" || parent == b"var/cache/debconf")
        && name.ends_with(b"-old")
    {
        return Verdict::Drop;
    }
    // SSH host keys: random, and secret. Every machine must make its own
    // (`ssh-keygen -A` or the package's postinst at first start).
    if parent == b"etc/ssh" && name.starts_with(b"ssh_host_") {
        return Verdict::Drop;
    }
    // Scratch space: whatever the bootstrap left there (directories included:
    // their names are often random). `tmp` and `var/tmp` themselves stay (1777).
    if under(path, b"tmp") || under(path, b"var/tmp") {
        return Verdict::Drop;
    }
    // Runtime state (pid files, sockets, `run/mount/utab`) of processes that ran
    // during the bootstrap; a container starts with its own. The directories
    // (`run/lock`) belong to packages and stay.
    if under(path, b"run") && shape != Shape::Dir {
        return Verdict::Drop;
    }
    Verdict::Keep
}

/// `path` is strictly below the directory `dir`.
fn under(path: &[u8], dir: &[u8]) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path[dir.len()] == b'/'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_drops_what_it_says_and_keeps_its_neighbours() {
        let file = Shape::File(10);
        let cases: &[(&str, Shape, Verdict)] = &[
            ("etc/machine-id", file, Verdict::Empty),
            ("etc/machine-id", Shape::Symlink, Verdict::Keep),
            ("var/lib/dbus/machine-id", file, Verdict::Drop),
            ("var/lib/dbus/machine-id", Shape::Symlink, Verdict::Keep),
            ("var/cache/ldconfig/aux-cache", file, Verdict::Drop),
            ("var/cache/ldconfig", Shape::Dir, Verdict::Keep),
            ("etc/hostname", file, Verdict::Drop),
            ("etc/resolv.conf", file, Verdict::Drop),
            ("etc/resolv.conf", Shape::Symlink, Verdict::Keep),
            ("etc/hosts", file, Verdict::Keep),
            ("var/log/dpkg.log", file, Verdict::Drop),
            ("var/log/apt/term.log", file, Verdict::Drop),
            ("var/log/wtmp", Shape::File(0), Verdict::Keep),
            ("var/log/apt", Shape::Dir, Verdict::Keep),
            ("var/log", Shape::Dir, Verdict::Keep),
            ("var/logs/x", file, Verdict::Keep),
            ("var/cache/apt/pkgcache.bin", file, Verdict::Drop),
            ("var/cache/apt/archives/lock", Shape::File(0), Verdict::Keep),
            ("var/cache/apt/archives/partial", Shape::Dir, Verdict::Keep),
            ("var/cache/apt/archives/partial/x.deb", file, Verdict::Drop),
            (
                "var/cache/apt/archives/bash_5.2_amd64.deb",
                file,
                Verdict::Drop,
            ),
            (
                "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
                file,
                Verdict::Drop,
            ),
            ("var/lib/apt/lists/lock", Shape::File(0), Verdict::Keep),
            ("var/lib/apt/lists/partial", Shape::Dir, Verdict::Keep),
            ("var/lib/apt/lists/partial/x", file, Verdict::Drop),
            ("var/lib/apt/lists", Shape::Dir, Verdict::Keep),
            ("var/lib/apt/extended_states", file, Verdict::Keep),
            ("etc/passwd-", file, Verdict::Drop),
            ("etc/gshadow-", file, Verdict::Drop),
            ("etc/passwd", file, Verdict::Keep),
            ("etc/default/x-", file, Verdict::Keep),
            ("var/lib/dpkg/status-old", file, Verdict::Drop),
            ("var/lib/dpkg/status", file, Verdict::Keep),
            ("var/cache/debconf/templates.dat-old", file, Verdict::Drop),
            ("var/cache/debconf/templates.dat", file, Verdict::Keep),
            ("etc/ssh/ssh_host_ed25519_key", file, Verdict::Drop),
            ("etc/ssh/ssh_host_ed25519_key.pub", file, Verdict::Drop),
            ("etc/ssh/sshd_config", file, Verdict::Keep),
            ("tmp", Shape::Dir, Verdict::Keep),
            ("tmp/x", file, Verdict::Drop),
            ("tmp/tmp.1234", Shape::Dir, Verdict::Drop),
            ("var/tmp/x", file, Verdict::Drop),
            ("var/tmp", Shape::Dir, Verdict::Keep),
            ("run/lock", Shape::Dir, Verdict::Keep),
            ("run/mount/utab", file, Verdict::Drop),
            ("run/x.pid", file, Verdict::Drop),
            ("run/x.sock", Shape::Other, Verdict::Drop),
            ("runner/x", file, Verdict::Keep),
            ("usr/bin/passwd", file, Verdict::Keep),
        ];
        for &(path, shape, verdict) in cases {
            assert_eq!(
                classify(path.as_bytes(), shape),
                verdict,
                "{path} ({shape:?})"
            );
        }
    }
}
