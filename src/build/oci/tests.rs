//! The layout writer on synthetic rootfs tarballs made here (every kind of entry,
//! shuffled, with varying mtimes, owner names and header formats), the readers on
//! our layouts and on hand-made foreign ones, and (ignored unless
//! `WBUILD_OCI_ROOTFS` names a tarball) a real mmdebstrap rootfs.

// The crate denies `unwrap` (lib.rs); clippy already allows it in `#[test]`
// functions, and these helpers and closures are test code too, where a panic at
// the failing line is the report.
#![allow(clippy::unwrap_used)]

use super::*;
use flate2::read::GzDecoder;
use std::collections::BTreeMap;
use std::io::Read;

const EPOCH: i64 = 1_700_000_000;
const CAP: &[u8] = &[
    1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

#[derive(Clone, Debug)]
enum K {
    Dir,
    File(Vec<u8>),
    Link(&'static str),
    Sym(String),
    Char(u32, u32),
    Block(u32, u32),
    Fifo,
}

#[derive(Clone, Debug)]
struct Spec {
    /// Without `./` and trailing `/`; each input spells it its own way.
    path: String,
    kind: K,
    mode: u32,
    uid: u64,
    gid: u64,
    cap: bool,
}

fn spec(path: &str, kind: K, mode: u32) -> Spec {
    Spec {
        path: path.to_string(),
        kind,
        mode,
        uid: 0,
        gid: 0,
        cap: false,
    }
}

fn file(path: &str, content: &str, mode: u32) -> Spec {
    spec(path, K::File(content.as_bytes().to_vec()), mode)
}

fn dir(path: &str) -> Spec {
    spec(path, K::Dir, 0o755)
}

const STATUS: &str = "\
Package: base-files
Status: install ok installed
Priority: required
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files
 This package contains the basic filesystem hierarchy
 of a Debian system.

Package: removed-pkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: apt
Status: install ok installed
Architecture: amd64
Version: 2.6.1
";

fn long_dir() -> String {
    format!("usr/share/doc/{}", "a".repeat(60))
}

fn long_file() -> String {
    format!("{}/{}", long_dir(), "b".repeat(60))
}

fn long_target() -> String {
    format!("../{}", "t".repeat(120))
}

/// A small root filesystem with one of everything the layer must handle.
fn rootfs() -> Vec<Spec> {
    vec![
        spec("", K::Dir, 0o755),
        dir("dev"),
        spec("dev/null", K::Char(1, 3), 0o666),
        Spec {
            gid: 6,
            ..spec("dev/sda", K::Block(8, 0), 0o660)
        },
        dir("etc"),
        file("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n", 0o644),
        file("etc/passwd-", "root:x:0:0:old\n", 0o600),
        file(
            "etc/machine-id",
            "0123456789abcdef0123456789abcdef\n",
            0o444,
        ),
        file("etc/hostname", "buildhost\n", 0o644),
        dir("etc/ssl"),
        file("etc/ssl/cert.pem", "CERT\n", 0o644),
        file("etc/ssl-x", "x\n", 0o644),
        Spec {
            uid: 1000,
            gid: 1000,
            ..spec("home", K::Dir, 0o755)
        },
        Spec {
            uid: 1000,
            gid: 1000,
            ..spec("home/user", K::Dir, 0o750)
        },
        Spec {
            uid: 1000,
            gid: 1000,
            ..file("home/user/notes", "secret plans\n", 0o640)
        },
        dir("run"),
        spec("run/lock", K::Dir, 0o1777),
        spec("run/initctl", K::Fifo, 0o600),
        spec("tmp", K::Dir, 0o1777),
        file("tmp/junk", "left over\n", 0o644),
        dir("usr"),
        dir("usr/bin"),
        file("usr/bin/passwd", "ELF passwd\n", 0o4755),
        file("usr/bin/chage", "ELF chage\n", 0o2755),
        file("usr/bin/perl", "ELF perl\n", 0o755),
        spec("usr/bin/aperl", K::Link("usr/bin/perl"), 0o755),
        spec("usr/bin/perl5.36", K::Link("usr/bin/perl"), 0o755),
        spec("usr/bin/awk", K::Sym("/etc/alternatives/awk".into()), 0o777),
        Spec {
            cap: true,
            ..file("usr/bin/ping", "ELF ping\n", 0o755)
        },
        dir("usr/share"),
        dir("usr/share/doc"),
        dir(&long_dir()),
        file(&long_file(), "long\n", 0o644),
        spec("usr/share/long-link", K::Sym(long_target()), 0o777),
        dir("var"),
        dir("var/lib"),
        dir("var/lib/dpkg"),
        file("var/lib/dpkg/status", STATUS, 0o644),
        file("var/lib/dpkg/status-old", "Package: old\n", 0o644),
        dir("var/log"),
        spec("var/mail", K::Dir, 0o2775),
        file("var/log/dpkg.log", "2024-01-01 12:00:00 startup\n", 0o644),
        Spec {
            gid: 43,
            ..file("var/log/wtmp", "", 0o664)
        },
    ]
}

/// How one input spells its tarball.
struct Style {
    gnu: bool,
    /// `./etc/` (mmdebstrap) or `etc`.
    dot_slash: bool,
    seed: u64,
    mtime: u64,
    owner: &'static str,
    /// An earlier, different entry for `etc/passwd` that the real one replaces.
    stale_duplicate: bool,
}

/// A deterministic shuffle (xorshift), then the hard links after everything
/// else, since a link must follow its target.
fn shuffled(specs: &[Spec], seed: u64) -> Vec<Spec> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut plain, links): (Vec<Spec>, Vec<Spec>) = specs
        .iter()
        .cloned()
        .partition(|s| !matches!(s.kind, K::Link(_)));
    for i in (1..plain.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        plain.swap(i, j);
    }
    plain.extend(links);
    plain
}

fn put(field: &mut [u8], bytes: &[u8]) {
    let n = bytes.len().min(field.len());
    field[..n].copy_from_slice(&bytes[..n]);
}

/// Writes the tarball by hand (names byte for byte; long ones in PAX records, as
/// mmdebstrap's GNU tar does), independently of the code under test.
fn make_tar(specs: &[Spec], style: &Style) -> Vec<u8> {
    let mut entries = shuffled(specs, style.seed);
    if style.stale_duplicate {
        entries.insert(0, file("etc/passwd", "stale:x:1:1::/:/bin/false\n", 0o600));
    }
    let spell = |path: &str, is_dir: bool| -> Vec<u8> {
        let mut name = if style.dot_slash {
            format!("./{path}")
        } else if path.is_empty() {
            ".".to_string()
        } else {
            path.to_string()
        };
        if is_dir && style.dot_slash && !path.is_empty() {
            name.push('/');
        }
        name.into_bytes()
    };
    let mut tar = tar::Builder::new(Vec::new());
    for (i, s) in entries.iter().enumerate() {
        let mut h = if style.gnu {
            tar::Header::new_gnu()
        } else {
            tar::Header::new_ustar()
        };
        h.set_mode(s.mode);
        h.set_uid(s.uid);
        h.set_gid(s.gid);
        h.set_mtime(style.mtime + i as u64 * 7919);
        h.set_username(style.owner).unwrap();
        h.set_groupname(style.owner).unwrap();
        let name = spell(&s.path, matches!(s.kind, K::Dir));
        let mut link: Vec<u8> = Vec::new();
        let mut data: Vec<u8> = Vec::new();
        let entry_type = match &s.kind {
            K::Dir => tar::EntryType::Directory,
            K::File(content) => {
                data = content.clone();
                tar::EntryType::Regular
            }
            K::Link(target) => {
                link = spell(target, false);
                tar::EntryType::Link
            }
            K::Sym(target) => {
                link = target.clone().into_bytes();
                tar::EntryType::Symlink
            }
            K::Char(major, minor) | K::Block(major, minor) => {
                h.set_device_major(*major).unwrap();
                h.set_device_minor(*minor).unwrap();
                if matches!(s.kind, K::Char(..)) {
                    tar::EntryType::Char
                } else {
                    tar::EntryType::Block
                }
            }
            K::Fifo => tar::EntryType::Fifo,
        };
        h.set_entry_type(entry_type);
        h.set_size(data.len() as u64);
        let mut pax: Vec<(&str, Vec<u8>)> = Vec::new();
        if name.len() > 100 {
            pax.push(("path", name.clone()));
        }
        if link.len() > 100 {
            pax.push(("linkpath", link.clone()));
        }
        if s.cap {
            pax.push(("SCHILY.xattr.security.capability", CAP.to_vec()));
            pax.push((
                "SCHILY.xattr.security.selinux",
                b"system_u:object_r:bin_t:s0".to_vec(),
            ));
            pax.push(("atime", format!("{}.5", style.mtime).into_bytes()));
        }
        if !pax.is_empty() {
            tar.append_pax_extensions(pax.iter().map(|(k, v)| (*k, v.as_slice())))
                .unwrap();
        }
        put(&mut h.as_old_mut().name, &name);
        put(&mut h.as_old_mut().linkname, &link);
        h.set_cksum();
        tar.append(&h, data.as_slice()).unwrap();
    }
    tar.into_inner().unwrap()
}

fn style_a() -> Style {
    Style {
        gnu: true,
        dot_slash: true,
        seed: 1,
        mtime: 1_600_000_000,
        owner: "root",
        stale_duplicate: false,
    }
}

fn style_b() -> Style {
    Style {
        gnu: false,
        dot_slash: false,
        seed: 2,
        mtime: 1_234_567,
        owner: "builder",
        stale_duplicate: true,
    }
}

fn image_config() -> ImageConfig {
    ImageConfig {
        env: vec![
            ("PATH".into(), "/usr/bin:/bin".into()),
            ("LANG".into(), "C.UTF-8".into()),
        ],
        cmd: Some(vec!["bash".into()]),
        user: None,
        workdir: Some("/".into()),
        labels: BTreeMap::from([
            ("org.example.b".into(), "2".into()),
            ("org.example.a".into(), "1".into()),
        ]),
    }
}

fn options(ref_name: &str) -> LayoutOptions {
    LayoutOptions {
        ref_name: ref_name.into(),
        source_date_epoch: EPOCH,
        architecture: "amd64".into(),
        annotations: BTreeMap::from([
            ("org.opencontainers.image.version".into(), "12".into()),
            (
                "org.opencontainers.image.base.name".into(),
                "debian:bookworm".into(),
            ),
        ]),
    }
}

struct Built {
    _temp: tempfile::TempDir,
    input: PathBuf,
    layout: PathBuf,
    written: Written,
}

fn build(specs: &[Spec], style: &Style) -> Built {
    let temp = tempfile::tempdir().unwrap();
    let input = temp.path().join("rootfs.tar");
    fs::write(&input, make_tar(specs, style)).unwrap();
    let layout = temp.path().join("layout");
    let written = write_layout(&input, &image_config(), &options("bookworm"), &layout).unwrap();
    Built {
        _temp: temp,
        input,
        layout,
        written,
    }
}

/// Every file below `dir`, relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(relative, fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn blob(layout: &Path, digest: &str) -> Vec<u8> {
    fs::read(blob_path(layout, digest).unwrap()).unwrap()
}

fn json(layout: &Path, digest: &str) -> serde_json::Value {
    serde_json::from_slice(&blob(layout, digest)).unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

#[test]
fn differently_ordered_and_dated_inputs_give_the_same_bytes() {
    let specs = rootfs();
    let a = build(&specs, &style_a());
    let b = build(&specs, &style_b());
    // The inputs really differ (order, mtimes, names, format, a duplicate)...
    assert_ne!(fs::read(&a.input).unwrap(), fs::read(&b.input).unwrap());
    // ...and the outputs do not, byte for byte, blob for blob.
    assert_eq!(a.written, b.written);
    let (tree_a, tree_b) = (tree(&a.layout), tree(&b.layout));
    assert_eq!(
        tree_a.keys().collect::<Vec<_>>(),
        tree_b.keys().collect::<Vec<_>>()
    );
    assert_eq!(tree_a, tree_b);
    // oci-layout, index.json and three blobs, nothing temporary left behind.
    assert_eq!(tree_a.len(), 5, "{:?}", tree_a.keys().collect::<Vec<_>>());
    // Another shuffle of the same style: still the same image.
    let c = build(
        &specs,
        &Style {
            seed: 99,
            ..style_a()
        },
    );
    assert_eq!(c.written.manifest_digest, a.written.manifest_digest);
}

/// What one entry of the written layer says.
#[derive(Debug)]
struct Out {
    path: String,
    kind: tar::EntryType,
    mode: u32,
    uid: u64,
    gid: u64,
    link: Option<String>,
    content: Vec<u8>,
    device: Option<(u32, u32)>,
    pax: Vec<(String, Vec<u8>)>,
}

fn layer_entries(layout: &Path, written: &Written) -> Vec<Out> {
    let compressed = blob(layout, &written.layer_digest);
    let mut tar_bytes = Vec::new();
    GzDecoder::new(compressed.as_slice())
        .read_to_end(&mut tar_bytes)
        .unwrap();
    assert_eq!(
        sha256(&tar_bytes),
        written.diff_id,
        "diff ID is the tar's digest"
    );
    let mut out = Vec::new();
    let mut archive = tar::Archive::new(tar_bytes.as_slice());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let pax = match entry.pax_extensions().unwrap() {
            Some(extensions) => extensions
                .map(|e| {
                    let e = e.unwrap();
                    (e.key().unwrap().to_string(), e.value_bytes().to_vec())
                })
                .collect(),
            None => Vec::new(),
        };
        let h = entry.header().clone();
        assert!(h.as_gnu().is_some(), "GNU format");
        assert_eq!(
            h.mtime().unwrap(),
            EPOCH as u64,
            "mtime of {:?}",
            entry.path()
        );
        assert_eq!(h.username_bytes(), Some(&b""[..]), "user name cleared");
        assert_eq!(h.groupname_bytes(), Some(&b""[..]), "group name cleared");
        let device = match h.entry_type() {
            tar::EntryType::Char | tar::EntryType::Block => Some((
                h.device_major().unwrap().unwrap(),
                h.device_minor().unwrap().unwrap(),
            )),
            _ => None,
        };
        let link = entry
            .link_name_bytes()
            .map(|l| String::from_utf8(l.into_owned()).unwrap());
        let path = String::from_utf8(entry.path_bytes().into_owned()).unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        out.push(Out {
            path,
            kind: h.entry_type(),
            mode: h.mode().unwrap(),
            uid: h.uid().unwrap(),
            gid: h.gid().unwrap(),
            link,
            content,
            device,
            pax,
        });
    }
    out
}

#[test]
fn the_layer_is_sorted_dated_anonymous_and_keeps_what_matters() {
    let built = build(&rootfs(), &style_b());
    let written = &built.written;
    let entries = layer_entries(&built.layout, written);
    let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    let long_dir = format!("{}/", long_dir());
    let long_file = long_file();
    // Component order: `etc/ssl/cert.pem` before `etc/ssl-x` (plain byte order
    // would put `-` before `/`); the root has no entry; no `./` anywhere.
    let expected = [
        "dev/",
        "dev/null",
        "dev/sda",
        "etc/",
        "etc/machine-id",
        "etc/passwd",
        "etc/ssl/",
        "etc/ssl/cert.pem",
        "etc/ssl-x",
        "home/",
        "home/user/",
        "home/user/notes",
        "run/",
        "run/lock/",
        "tmp/",
        "usr/",
        "usr/bin/",
        "usr/bin/aperl",
        "usr/bin/awk",
        "usr/bin/chage",
        "usr/bin/passwd",
        "usr/bin/perl",
        "usr/bin/perl5.36",
        "usr/bin/ping",
        "usr/share/",
        "usr/share/doc/",
        long_dir.as_str(),
        long_file.as_str(),
        "usr/share/long-link",
        "var/",
        "var/lib/",
        "var/lib/dpkg/",
        "var/lib/dpkg/status",
        "var/log/",
        "var/log/wtmp",
        "var/mail/",
    ];
    assert_eq!(paths, expected);
    assert_eq!(
        written.removed,
        [
            "etc/hostname",
            "etc/passwd-",
            "run/initctl",
            "tmp/junk",
            "var/lib/dpkg/status-old",
            "var/log/dpkg.log",
        ]
    );
    assert_eq!(written.emptied, ["etc/machine-id"]);

    let get = |path: &str| entries.iter().find(|e| e.path == path).unwrap();
    use tar::EntryType as T;
    // The replaced duplicate lost; the real passwd is there.
    assert_eq!(
        get("etc/passwd").content,
        b"root:x:0:0:root:/root:/bin/bash\n"
    );
    assert_eq!(get("etc/passwd").mode, 0o644);
    let machine_id = get("etc/machine-id");
    assert_eq!(
        (machine_id.kind, machine_id.content.len(), machine_id.mode),
        (T::Regular, 0, 0o444)
    );
    let passwd = get("usr/bin/passwd");
    // Nothing setuid or setgid reaches an image; a setgid directory is no privilege.
    assert_eq!(
        (passwd.mode, passwd.uid, passwd.gid),
        (0o755, 0, 0),
        "setuid cleared"
    );
    assert_eq!(get("usr/bin/chage").mode, 0o755, "setgid cleared");
    assert_eq!(written.unprivileged, ["usr/bin/chage", "usr/bin/passwd"]);
    assert_eq!(get("var/mail/").mode, 0o2775, "a directory keeps setgid");
    let notes = get("home/user/notes");
    assert_eq!((notes.mode, notes.uid, notes.gid), (0o640, 1000, 1000));
    assert_eq!(get("home/user/").mode, 0o750);
    assert_eq!(
        (get("run/lock/").mode, get("tmp/").mode),
        (0o1777, 0o1777),
        "sticky kept"
    );
    assert_eq!(
        (get("dev/null").kind, get("dev/null").device),
        (T::Char, Some((1, 3)))
    );
    let sda = get("dev/sda");
    assert_eq!(
        (sda.kind, sda.device, sda.gid, sda.mode),
        (T::Block, Some((8, 0)), 6, 0o660)
    );
    assert_eq!(get("var/log/wtmp").gid, 43);
    // The hard-link group: the input's target (perl) sorts after one of its links
    // (aperl), so aperl carries the data and the others link to it.
    let aperl = get("usr/bin/aperl");
    assert_eq!(
        (aperl.kind, aperl.content.as_slice(), aperl.mode),
        (T::Regular, &b"ELF perl\n"[..], 0o755)
    );
    for link in ["usr/bin/perl", "usr/bin/perl5.36"] {
        let e = get(link);
        assert_eq!(
            (e.kind, e.link.as_deref(), e.content.len()),
            (T::Link, Some("usr/bin/aperl"), 0)
        );
    }
    assert_eq!(get("usr/bin/awk").kind, T::Symlink);
    assert_eq!(
        get("usr/bin/awk").link.as_deref(),
        Some("/etc/alternatives/awk")
    );
    assert_eq!(get("usr/share/long-link").link, Some(long_target()));
    assert_eq!(get(&long_file).content, b"long\n");
    // Only the file capability crosses over: no SELinux label, no atime.
    let capability = [("SCHILY.xattr.security.capability".to_string(), CAP.to_vec())];
    assert_eq!(get("usr/bin/ping").pax, capability);
    let with_pax: Vec<&str> = entries
        .iter()
        .filter(|e| !e.pax.is_empty())
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(with_pax, ["usr/bin/ping"]);

    // The blob: its digest and size, and a gzip header without time or name.
    let compressed = blob(&built.layout, &written.layer_digest);
    assert_eq!(sha256(&compressed), written.layer_digest);
    assert_eq!(compressed.len() as u64, written.layer_size);
    assert_eq!(compressed[..10], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
}

#[test]
fn the_json_is_what_the_image_spec_says_in_a_fixed_order() {
    let built = build(&rootfs(), &style_a());
    let (layout, w) = (&built.layout, &built.written);
    assert_eq!(
        fs::read(layout.join("oci-layout")).unwrap(),
        br#"{"imageLayoutVersion":"1.0.0"}"#
    );

    let config = String::from_utf8(blob(layout, &w.config_digest)).unwrap();
    let expected = format!(
        concat!(
            r#"{{"created":"2023-11-14T22:13:20Z","architecture":"amd64","os":"linux","#,
            r#""config":{{"Env":["PATH=/usr/bin:/bin","LANG=C.UTF-8"],"Cmd":["bash"],"WorkingDir":"/","#,
            r#""Labels":{{"org.example.a":"1","org.example.b":"2"}}}},"#,
            r#""rootfs":{{"type":"layers","diff_ids":["{}"]}},"#,
            r#""history":[{{"created":"2023-11-14T22:13:20Z","created_by":"wbuildc base build"}}]}}"#
        ),
        w.diff_id
    );
    assert_eq!(config, expected);

    let manifest = json(layout, &w.manifest_digest);
    let config_size = blob(layout, &w.config_digest).len();
    assert_eq!(
        manifest,
        serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": w.config_digest,
                "size": config_size,
            },
            "layers": [{
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": w.layer_digest,
                "size": w.layer_size,
            }],
            "annotations": {
                "org.opencontainers.image.base.name": "debian:bookworm",
                "org.opencontainers.image.version": "12",
            },
        })
    );
    assert_eq!(
        w.manifest_size as usize,
        blob(layout, &w.manifest_digest).len()
    );

    let index = String::from_utf8(fs::read(layout.join("index.json")).unwrap()).unwrap();
    let expected = format!(
        concat!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","#,
            r#""manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","#,
            r#""digest":"{}","size":{},"#,
            r#""annotations":{{"org.opencontainers.image.ref.name":"bookworm"}},"#,
            r#""platform":{{"architecture":"amd64","os":"linux"}}}}]}}"#
        ),
        w.manifest_digest, w.manifest_size
    );
    assert_eq!(index, expected);
}

#[test]
fn installed_packages_are_the_installed_ones_sorted() {
    let built = build(&rootfs(), &style_a());
    let packages = installed_packages(&built.input).unwrap();
    let package = |name: &str, version: &str| Package {
        name: name.into(),
        version: version.into(),
        architecture: "amd64".into(),
    };
    assert_eq!(
        packages,
        [
            package("apt", "2.6.1"),
            package("base-files", "12.4+deb12u5")
        ]
    );

    let temp = tempfile::tempdir().unwrap();
    let empty = temp.path().join("empty.tar");
    fs::write(&empty, make_tar(&[dir("etc")], &style_a())).unwrap();
    assert_eq!(
        installed_packages(&empty).unwrap_err().kind(),
        io::ErrorKind::NotFound
    );
}

#[test]
fn multi_arch_packages_sort_by_architecture_and_held_ones_count() {
    let status = "Package: libc6\nStatus: install ok installed\nArchitecture: i386\nVersion: 2.36\n\n\
                  Package: libc6\nStatus: hold ok installed\nArchitecture: amd64\nVersion: 2.36\n\n\
                  Package: half\nStatus: install reinstreq half-installed\nArchitecture: amd64\nVersion: 1\n";
    let packages = dpkg::installed(status).unwrap();
    let arches: Vec<&str> = packages.iter().map(|p| p.architecture.as_str()).collect();
    assert_eq!(arches, ["amd64", "i386"]);
    assert!(packages.iter().all(|p| p.name == "libc6"));
}

#[test]
fn read_index_reads_our_layout() {
    let built = build(&rootfs(), &style_a());
    assert_eq!(
        read_index(&built.layout).unwrap(),
        [LayoutEntry {
            ref_name: Some("bookworm".into()),
            digest: built.written.manifest_digest.clone(),
            media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            platform: Some(("linux".into(), "amd64".into())),
        }]
    );
}

/// A layout as skopeo writes one: no platform in the index entry.
fn foreign_layout(dir: &Path, index_entries: impl Fn(&str, usize) -> serde_json::Value) -> String {
    let blobs = dir.join("blobs/sha256");
    fs::create_dir_all(&blobs).unwrap();
    fs::write(
        dir.join("oci-layout"),
        br#"{"imageLayoutVersion": "1.0.0"}"#,
    )
    .unwrap();
    let config =
        br#"{"architecture":"arm64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let config_digest = write_blob(&blobs, config).unwrap();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": [],
    }))
    .unwrap();
    let manifest_digest = write_blob(&blobs, &manifest).unwrap();
    let index = serde_json::json!({"schemaVersion": 2, "manifests": index_entries(&manifest_digest, manifest.len())});
    fs::write(
        dir.join("index.json"),
        serde_json::to_vec_pretty(&index).unwrap(),
    )
    .unwrap();
    manifest_digest
}

#[test]
fn read_index_reads_foreign_layouts_and_refuses_hostile_digests() {
    let temp = tempfile::tempdir().unwrap();
    let digest = foreign_layout(temp.path(), |digest, size| {
        serde_json::json!([
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": size,
             "annotations": {"org.opencontainers.image.ref.name": "foreign"}},
            {"mediaType": "application/vnd.oci.image.index.v1+json",
             "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000", "size": 1},
            {"mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
             "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111", "size": 1},
        ])
    });
    assert_eq!(
        read_index(temp.path()).unwrap(),
        [
            LayoutEntry {
                ref_name: Some("foreign".into()),
                digest,
                media_type: "application/vnd.oci.image.manifest.v1+json".into(),
                platform: Some(("linux".into(), "arm64".into())),
            },
            LayoutEntry {
                ref_name: None,
                digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000"
                    .into(),
                media_type: "application/vnd.oci.image.index.v1+json".into(),
                platform: None,
            },
            LayoutEntry {
                ref_name: None,
                digest: "sha256:1111111111111111111111111111111111111111111111111111111111111111"
                    .into(),
                media_type: "application/vnd.docker.distribution.manifest.list.v2+json".into(),
                platform: None,
            },
        ]
    );

    for bad in [
        "sha256:../../../../etc/passwd",
        "sha256:ABCDEF",
        "md5:0123",
        "nonsense",
    ] {
        let temp = tempfile::tempdir().unwrap();
        foreign_layout(
            temp.path(),
            |_, size| serde_json::json!([{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": bad, "size": size}]),
        );
        let error = read_index(temp.path()).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{bad}: {error}");
    }

    // A blob whose content does not match its name.
    let temp = tempfile::tempdir().unwrap();
    let digest = foreign_layout(
        temp.path(),
        |digest, size| serde_json::json!([{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": size}]),
    );
    fs::write(blob_path(temp.path(), &digest).unwrap(), b"{}").unwrap();
    let error = read_index(temp.path()).unwrap_err();
    assert!(
        error.to_string().contains("does not match its digest"),
        "{error}"
    );
}

#[test]
fn writing_into_an_existing_layout_keeps_other_refs_and_replaces_its_own() {
    let temp = tempfile::tempdir().unwrap();
    let input = temp.path().join("rootfs.tar");
    fs::write(&input, make_tar(&rootfs(), &style_a())).unwrap();
    let layout = temp.path().join("layout");
    let first = write_layout(&input, &image_config(), &options("bookworm"), &layout).unwrap();
    let mut other_config = image_config();
    other_config.user = Some("nobody".into());
    let second = write_layout(&input, &other_config, &options("trixie"), &layout).unwrap();
    assert_ne!(first.manifest_digest, second.manifest_digest);
    assert_eq!(
        first.layer_digest, second.layer_digest,
        "one layer blob for both"
    );
    let names = |entries: Vec<LayoutEntry>| -> Vec<(Option<String>, String)> {
        entries
            .into_iter()
            .map(|e| (e.ref_name, e.digest))
            .collect()
    };
    let both = vec![
        (Some("bookworm".to_string()), first.manifest_digest.clone()),
        (Some("trixie".to_string()), second.manifest_digest.clone()),
    ];
    assert_eq!(names(read_index(&layout).unwrap()), both);
    let index_before = fs::read(layout.join("index.json")).unwrap();
    let tree_before = tree(&layout);

    // The same image again: nothing changes, nothing temporary is left.
    let again = write_layout(&input, &image_config(), &options("bookworm"), &layout).unwrap();
    assert_eq!(again, first);
    assert_eq!(fs::read(layout.join("index.json")).unwrap(), index_before);
    assert_eq!(tree(&layout), tree_before);
    assert!(tree(&layout).keys().all(|k| !k.contains(".tmp-")));

    // An index that is not JSON is someone's broken layout: left as it is.
    fs::write(layout.join("index.json"), b"{not json").unwrap();
    let error = write_layout(&input, &image_config(), &options("bookworm"), &layout).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    assert_eq!(fs::read(layout.join("index.json")).unwrap(), b"{not json");
}

#[test]
fn a_hard_link_whose_target_is_dropped_becomes_the_file() {
    let specs = [
        spec("tmp", K::Dir, 0o1777),
        file("tmp/orig", "data\n", 0o600),
        dir("usr"),
        spec("usr/copy", K::Link("tmp/orig"), 0o600),
    ];
    let temp = tempfile::tempdir().unwrap();
    let input = temp.path().join("rootfs.tar");
    fs::write(&input, make_tar_in_order(&specs, &style_a())).unwrap();
    let layout = temp.path().join("layout");
    let written = write_layout(&input, &ImageConfig::default(), &options("x"), &layout).unwrap();
    assert_eq!(written.removed, ["tmp/orig"]);
    let entries = layer_entries(&layout, &written);
    let copy = entries.iter().find(|e| e.path == "usr/copy").unwrap();
    assert_eq!(
        (copy.kind, copy.content.as_slice(), copy.mode),
        (tar::EntryType::Regular, &b"data\n"[..], 0o600)
    );
}

#[test]
fn unsupported_inputs_are_refused() {
    let cases: Vec<(Vec<Spec>, &str)> = vec![
        (vec![file("etc/../../x", "x", 0o644)], "`..`"),
        (
            vec![dir("etc"), file("etc/.wh.passwd", "", 0o644)],
            "whiteout",
        ),
        (
            vec![file("a", "x", 0o644), file("a/b", "y", 0o644)],
            "not a directory",
        ),
        (vec![spec("a", K::Link("missing"), 0o644)], "not earlier"),
    ];
    for (specs, message) in cases {
        let temp = tempfile::tempdir().unwrap();
        let input = temp.path().join("rootfs.tar");
        fs::write(&input, make_tar_in_order(&specs, &style_b())).unwrap();
        let error = write_layout(
            &input,
            &ImageConfig::default(),
            &options("x"),
            &temp.path().join("l"),
        )
        .unwrap_err();
        assert_eq!(
            error.kind(),
            io::ErrorKind::InvalidData,
            "{message}: {error}"
        );
        assert!(error.to_string().contains(message), "{message}: {error}");
        assert!(!temp.path().join("l/index.json").exists());
    }

    let temp = tempfile::tempdir().unwrap();
    let input = temp.path().join("rootfs.tar");
    fs::write(&input, make_tar(&rootfs(), &style_a())).unwrap();
    let mut bad = options("bookworm");
    for name in ["", "a..b", "-a", "a b", "a/"] {
        bad.ref_name = name.into();
        let error = write_layout(&input, &ImageConfig::default(), &bad, temp.path()).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{name:?}");
    }
    for name in [
        "bookworm",
        "v1.2.3",
        "a--b",
        "debian/bookworm:12",
        "x_y+z@1",
    ] {
        assert!(valid_ref_name(name), "{name}");
    }
    let mut bad_env = ImageConfig::default();
    bad_env.env.push(("A=B".into(), "c".into()));
    assert!(write_layout(&input, &bad_env, &options("x"), temp.path()).is_err());
    let mut negative = options("x");
    negative.source_date_epoch = -1;
    assert!(write_layout(&input, &ImageConfig::default(), &negative, temp.path()).is_err());
}

/// A plain tarball in the given order (a hard link must follow its target), for
/// the cases [`make_tar`]'s shuffle would spoil.
fn make_tar_in_order(specs: &[Spec], style: &Style) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for s in specs {
        let mut h = tar::Header::new_gnu();
        h.set_mode(s.mode);
        h.set_uid(s.uid);
        h.set_gid(s.gid);
        h.set_mtime(style.mtime);
        let (entry_type, data, link): (_, &[u8], &[u8]) = match &s.kind {
            K::Dir => (tar::EntryType::Directory, b"", b""),
            K::File(content) => (tar::EntryType::Regular, content.as_slice(), b""),
            K::Link(target) => (tar::EntryType::Link, b"", target.as_bytes()),
            _ => unreachable!(),
        };
        h.set_entry_type(entry_type);
        h.set_size(data.len() as u64);
        put(&mut h.as_old_mut().name, s.path.as_bytes());
        put(&mut h.as_old_mut().linkname, link);
        h.set_cksum();
        tar.append(&h, data).unwrap();
    }
    tar.into_inner().unwrap()
}

/// The real thing: `WBUILD_OCI_ROOTFS=/path/rootfs.tar cargo test --lib
/// build::oci::tests::real_rootfs -- --ignored --nocapture`. Writes the layout
/// twice (into `$WBUILD_OCI_OUT/a` and `/b` if set, so that skopeo, umoci and
/// buildah can look at them; else temporary directories) and compares them.
#[test]
#[ignore = "needs WBUILD_OCI_ROOTFS, a real rootfs tarball (mmdebstrap --format=tar)"]
fn real_rootfs() {
    let Some(rootfs) = std::env::var_os("WBUILD_OCI_ROOTFS") else {
        eprintln!("WBUILD_OCI_ROOTFS is not set: nothing to do");
        return;
    };
    let rootfs = PathBuf::from(rootfs);
    let temp = tempfile::tempdir().unwrap();
    let out =
        std::env::var_os("WBUILD_OCI_OUT").map_or_else(|| temp.path().to_path_buf(), PathBuf::from);
    let config = ImageConfig {
        env: vec![
            (
                "PATH".into(),
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
            ),
            ("LANG".into(), "C.UTF-8".into()),
        ],
        cmd: Some(vec!["bash".into()]),
        workdir: Some("/".into()),
        ..ImageConfig::default()
    };
    let opts = LayoutOptions {
        ref_name: "bookworm".into(),
        source_date_epoch: EPOCH,
        architecture: "amd64".into(),
        annotations: BTreeMap::from([(
            "org.opencontainers.image.base.name".into(),
            "debian:bookworm".into(),
        )]),
    };
    let mut runs = Vec::new();
    for name in ["a", "b"] {
        let dir = out.join(name);
        let start = std::time::Instant::now();
        let written = write_layout(&rootfs, &config, &opts, &dir).unwrap();
        eprintln!("layout {}: {:.2?}", dir.display(), start.elapsed());
        runs.push((dir, written));
    }
    let (a, b) = (&runs[0], &runs[1]);
    eprintln!("{:#?}", a.1);
    assert_eq!(a.1, b.1);
    assert_eq!(tree(&a.0), tree(&b.0));
    let start = std::time::Instant::now();
    let packages = installed_packages(&rootfs).unwrap();
    eprintln!(
        "{} installed packages ({:.2?})",
        packages.len(),
        start.elapsed()
    );
    assert!(packages.iter().any(|p| p.name == "apt"));
    assert!(packages.iter().any(|p| p.name == "ca-certificates"));
    let entries = read_index(&a.0).unwrap();
    eprintln!("{entries:?}");
    assert_eq!(entries[0].digest, a.1.manifest_digest);
}
