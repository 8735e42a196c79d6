//! The layer: the rootfs tarball rewritten into one deterministic tar, gzipped.
//!
//! **Format: GNU tar** (`Header::new_gnu`, magic `ustar␠␠`), written header by
//! header here: names and link targets longer than 99 bytes go in GNU
//! `././@LongLink` entries (`L`, `K`), as GNU tar does; large uids and sizes use
//! GNU's base-256 fields. Go's `archive/tar` (containers/storage under buildah,
//! podman and skopeo; Docker; umoci) and GNU tar read it. The one PAX header ever
//! written carries `SCHILY.xattr.security.capability` (file capabilities, which
//! Debian packages set with `setcap` in their maintainer scripts, e.g. ping's
//! `cap_net_raw`); no atime, ctime, mtime, names or other xattrs (SELinux labels
//! from the build host, for one) are carried over.
//!
//! Each entry:
//! - path relative, without `./` (`bin`, `etc/passwd`, `etc/` for a directory,
//!   as in Docker's and Debian's official images); `.` components and repeated
//!   `/` are removed, `..` refused. The root directory itself has no entry: a
//!   runtime makes the root, and `./` would be the only name with a `.`;
//! - sorted by path component by component, in byte order, so a directory comes
//!   right before its contents (what `tar --sort=name` does);
//! - mtime = the epoch, every one (clamping would keep the packages' own mtimes
//!   and with them any difference between two bootstraps' unpacking times);
//! - numeric uid and gid as in the input, user and group names empty (the
//!   image's own /etc/passwd is what names them); mode as in the input except
//!   that no file is setuid or setgid: the bits are cleared and the files listed
//!   ([`Layer::unprivileged`]). Packages install `su`, `passwd`, `mount` and
//!   the like setuid root, and every image built on the base would carry them,
//!   which the policy's `setuid` rule exists to prevent; nothing an unprivileged
//!   service does in a container needs them. Directories keep setgid (group
//!   inheritance, no privilege) and sticky bits;
//! - symlinks with their targets byte for byte; device nodes and FIFOs with their
//!   numbers;
//! - hard links: the members of a group (same inode in the input) are written as
//!   one regular file at the member that sorts first and hard links to it from
//!   the others, since a link must come after its target and sorting may put the
//!   input's target after one of its links.
//!
//! Dropped paths (`rules.rs`) take what is below them with them. Refused: sparse
//! files (GNU or PAX sparse), whiteout names (`.wh.*`, which a layer would read
//! as deletions), a hard link to a path that is not earlier in the archive or is
//! a directory, an entry below a non-directory, unknown entry types.

use super::rules::{self, Shape, Verdict};
use super::{finish_file, hex, invalid_data};
use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use tar::{EntryType, Header};

/// zlib's default level (also what Docker and containers/image use): within a few
/// per cent of level 9's size at a fraction of its time.
const GZIP_LEVEL: u32 = 6;
/// The gzip header's OS byte: 255 "unknown", so that it does not depend on the
/// machine (Go's gzip writes the same).
const GZIP_OS: u8 = 255;
const CAPABILITY: &str = "SCHILY.xattr.security.capability";

/// What [`write`] made.
pub(super) struct Layer {
    /// `sha256:…` of the gzipped blob.
    pub digest: String,
    /// `sha256:…` of the tar.
    pub diff_id: String,
    /// The blob's size.
    pub size: u64,
    pub removed: Vec<String>,
    pub emptied: Vec<String>,
    /// Files whose setuid or setgid bit was cleared (see the module's documentation).
    pub unprivileged: Vec<String>,
}

/// The setuid and setgid bits.
const PRIVILEGE_BITS: u32 = 0o6000;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Symlink(Vec<u8>),
    /// A hard link to the item at this index (never itself a link).
    Link(usize),
    Char(u32, u32),
    Block(u32, u32),
    Fifo,
}

/// One input entry's header: all that is kept in memory.
struct Item {
    /// Normalised: relative, no `./`, no trailing `/`.
    path: Vec<u8>,
    kind: Kind,
    mode: u32,
    uid: u64,
    gid: u64,
    /// Content size and offset in the input (regular files).
    size: u64,
    offset: u64,
    capability: Option<Vec<u8>>,
    /// The input had the setuid or setgid bit on this non-directory (cleared in `mode`).
    privileged: bool,
}

/// Rewrites `rootfs` into a layer blob in `blobs` (the `blobs/sha256` directory).
pub(super) fn write(rootfs: &Path, epoch: u64, blobs: &Path) -> io::Result<Layer> {
    let input = File::open(rootfs)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", rootfs.display())))?;
    let (items, live) = read_headers(&input)?;
    let privileged: Vec<usize> = live
        .iter()
        .copied()
        .filter(|&i| items[i].privileged)
        .collect();
    let plan = plan(&items, live)?;
    let removed: HashSet<usize> = plan.removed.iter().copied().collect();

    let temp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(blobs)?;
    let compressed = HashWriter::new(BufWriter::with_capacity(1 << 20, temp));
    let gzip = GzBuilder::new()
        .mtime(0)
        .operating_system(GZIP_OS)
        .write(compressed, Compression::new(GZIP_LEVEL));
    let mut tar = tar::Builder::new(HashWriter::new(gzip));
    write_entries(&mut tar, &input, &items, &plan, epoch)?;
    let (gzip, diff_id, _) = tar.into_inner()?.finish();
    let (buffered, digest, size) = gzip.finish()?.finish();
    let temp = buffered
        .into_inner()
        .map_err(io::IntoInnerError::into_error)?;
    finish_file(temp, &blobs.join(&digest))?;

    let lossy = |path: &[u8]| String::from_utf8_lossy(path).into_owned();
    Ok(Layer {
        digest: format!("sha256:{digest}"),
        diff_id: format!("sha256:{diff_id}"),
        size,
        removed: plan
            .removed
            .iter()
            .map(|&i| lossy(&items[i].path))
            .collect(),
        emptied: plan
            .emptied
            .iter()
            .map(|&i| lossy(&items[i].path))
            .collect(),
        unprivileged: privileged
            .into_iter()
            .filter(|i| !removed.contains(i))
            .map(|i| lossy(&items[i].path))
            .collect(),
    })
}

/// Pass one: every header, and for each path the index of its last entry (a
/// later entry for the same path replaces an earlier one, as when extracting).
fn read_headers(input: &File) -> io::Result<(Vec<Item>, Vec<usize>)> {
    let mut archive = tar::Archive::new(BufReader::with_capacity(1 << 16, input));
    let mut items: Vec<Item> = Vec::new();
    let mut latest: HashMap<Vec<u8>, usize> = HashMap::new();
    for entry in archive.entries_with_seek()? {
        let mut entry = entry?;
        let entry_type = entry.header().entry_type();
        if entry_type.is_pax_global_extensions() {
            continue;
        }
        let raw_path = entry.path_bytes().into_owned();
        let path = normalise(&raw_path)?;
        let shown = String::from_utf8_lossy(&raw_path).into_owned();
        let mut capability = None;
        if let Some(extensions) = entry.pax_extensions()? {
            for extension in extensions {
                let extension = extension?;
                if extension.key_bytes().starts_with(b"GNU.sparse.") {
                    return Err(unsupported(&shown, "is a sparse file"));
                }
                if extension.key_bytes() == CAPABILITY.as_bytes() {
                    capability = Some(extension.value_bytes().to_vec());
                }
            }
        }
        let header = entry.header();
        let kind = match entry_type {
            EntryType::Regular | EntryType::Continuous if raw_path.ends_with(b"/") => Kind::Dir,
            EntryType::Regular | EntryType::Continuous => Kind::File,
            EntryType::Directory => Kind::Dir,
            EntryType::Symlink => Kind::Symlink(
                entry
                    .link_name_bytes()
                    .ok_or_else(|| invalid_data(format!("{shown}: symlink without a target")))?
                    .into_owned(),
            ),
            EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .ok_or_else(|| invalid_data(format!("{shown}: hard link without a target")))?;
                let target = normalise(&target)?;
                let index = *latest.get(&target).ok_or_else(|| {
                    invalid_data(format!(
                        "{shown}: hard link to {}, which is not earlier in the archive",
                        String::from_utf8_lossy(&target)
                    ))
                })?;
                match items[index].kind {
                    Kind::Link(source) => Kind::Link(source),
                    Kind::Dir => return Err(unsupported(&shown, "is a hard link to a directory")),
                    _ => Kind::Link(index),
                }
            }
            EntryType::Char | EntryType::Block => {
                let number = |n: io::Result<Option<u32>>| {
                    n?.ok_or_else(|| invalid_data(format!("{shown}: device without numbers")))
                };
                let major = number(header.device_major())?;
                let minor = number(header.device_minor())?;
                if entry_type == EntryType::Char {
                    Kind::Char(major, minor)
                } else {
                    Kind::Block(major, minor)
                }
            }
            EntryType::Fifo => Kind::Fifo,
            EntryType::GNUSparse => return Err(unsupported(&shown, "is a sparse file")),
            other => {
                return Err(unsupported(
                    &shown,
                    &format!("has entry type {:?}", other.as_byte() as char),
                ))
            }
        };
        if path.is_empty() {
            continue; // the root directory (see the module's documentation)
        }
        let name = path.rsplit(|&b| b == b'/').next().unwrap_or(&path);
        if name.starts_with(b".wh.") {
            return Err(unsupported(
                &shown,
                "has a whiteout name (.wh.*), which a layer reads as a deletion",
            ));
        }
        let mode = header.mode()? & 0o7777;
        let privileged = kind != Kind::Dir && mode & PRIVILEGE_BITS != 0;
        let item = Item {
            mode: if privileged {
                mode & !PRIVILEGE_BITS
            } else {
                mode
            },
            privileged,
            uid: header.uid()?,
            gid: header.gid()?,
            size: if kind == Kind::File { entry.size() } else { 0 },
            offset: entry.raw_file_position(),
            capability,
            kind,
            path,
        };
        latest.insert(item.path.clone(), items.len());
        items.push(item);
    }
    let mut live: Vec<usize> = latest.into_values().collect();
    live.sort_by(|&a, &b| by_components(&items[a].path, &items[b].path));
    Ok((items, live))
}

/// What goes into the layer, in order.
struct Plan {
    /// Indices into the items, sorted.
    kept: Vec<usize>,
    removed: Vec<usize>,
    emptied: Vec<usize>,
}

/// Applies the rules to the live entries (sorted), and checks that every kept
/// entry's parent, if the archive has one, is a directory.
fn plan(items: &[Item], live: Vec<usize>) -> io::Result<Plan> {
    let mut plan = Plan {
        kept: Vec::with_capacity(live.len()),
        removed: Vec::new(),
        emptied: Vec::new(),
    };
    let mut dropped: HashSet<&[u8]> = HashSet::new();
    let mut kinds: HashMap<&[u8], &Kind> = HashMap::new();
    for index in live {
        let item = &items[index];
        let parent = item
            .path
            .iter()
            .rposition(|&b| b == b'/')
            .map(|at| &item.path[..at]);
        // Sorted, so a parent's verdict is known before its children's.
        if parent.is_some_and(|p| dropped.contains(p)) {
            dropped.insert(&item.path);
            plan.removed.push(index);
            continue;
        }
        if let Some(parent_kind) = parent.and_then(|p| kinds.get(p)) {
            if **parent_kind != Kind::Dir {
                return Err(invalid_data(format!(
                    "{} is below a path that is not a directory",
                    String::from_utf8_lossy(&item.path)
                )));
            }
        }
        let source = match item.kind {
            Kind::Link(source) => &items[source],
            _ => item,
        };
        let shape = match source.kind {
            Kind::File => Shape::File(source.size),
            Kind::Dir => Shape::Dir,
            Kind::Symlink(_) => Shape::Symlink,
            _ => Shape::Other,
        };
        match rules::classify(&item.path, shape) {
            Verdict::Drop => {
                dropped.insert(&item.path);
                plan.removed.push(index);
                continue;
            }
            Verdict::Empty => plan.emptied.push(index),
            Verdict::Keep => {}
        }
        kinds.insert(&item.path, &item.kind);
        plan.kept.push(index);
    }
    Ok(plan)
}

/// Pass two: the kept entries in order, contents read from the input by offset.
fn write_entries<W: Write>(
    tar: &mut tar::Builder<W>,
    input: &File,
    items: &[Item],
    plan: &Plan,
    epoch: u64,
) -> io::Result<()> {
    // A hard-link group (keyed by its source item) is written at its first member.
    let mut leaders: HashMap<usize, &[u8]> = HashMap::new();
    let mut emptied = plan.emptied.iter().peekable();
    for &index in &plan.kept {
        let item = &items[index];
        if emptied.peek() == Some(&&index) {
            emptied.next();
            let header = header(EntryType::Regular, item, epoch, 0);
            append(tar, header, &item.path, false, None, &mut io::empty())?;
            continue;
        }
        let group = match item.kind {
            Kind::Link(source) => Some(source),
            Kind::File => Some(index),
            _ => None,
        };
        if let Some(source) = group {
            if let Some(leader) = leaders.get(&source) {
                let header = header(EntryType::Link, &items[source], epoch, 0);
                append(
                    tar,
                    header,
                    &item.path,
                    false,
                    Some(leader),
                    &mut io::empty(),
                )?;
                continue;
            }
            leaders.insert(source, &item.path);
            write_one(tar, input, &item.path, &items[source], epoch)?;
        } else {
            write_one(tar, input, &item.path, item, epoch)?;
        }
    }
    Ok(())
}

/// One entry at `path` with the metadata and content of `source`.
fn write_one<W: Write>(
    tar: &mut tar::Builder<W>,
    input: &File,
    path: &[u8],
    source: &Item,
    epoch: u64,
) -> io::Result<()> {
    if let Some(capability) = &source.capability {
        tar.append_pax_extensions([(CAPABILITY, capability.as_slice())])?;
    }
    match &source.kind {
        Kind::File => {
            let header = header(EntryType::Regular, source, epoch, source.size);
            let mut data = Slice {
                file: input,
                offset: source.offset,
                left: source.size,
            };
            append(tar, header, path, false, None, &mut data)
        }
        Kind::Dir => append(
            tar,
            header(EntryType::Directory, source, epoch, 0),
            path,
            true,
            None,
            &mut io::empty(),
        ),
        Kind::Symlink(target) => {
            let header = header(EntryType::Symlink, source, epoch, 0);
            append(tar, header, path, false, Some(target), &mut io::empty())
        }
        Kind::Char(major, minor) | Kind::Block(major, minor) => {
            let entry_type = if matches!(source.kind, Kind::Char(..)) {
                EntryType::Char
            } else {
                EntryType::Block
            };
            let mut header = header(entry_type, source, epoch, 0);
            header.set_device_major(*major)?;
            header.set_device_minor(*minor)?;
            append(tar, header, path, false, None, &mut io::empty())
        }
        Kind::Fifo => append(
            tar,
            header(EntryType::Fifo, source, epoch, 0),
            path,
            false,
            None,
            &mut io::empty(),
        ),
        Kind::Link(_) => unreachable!("a link's source is never a link"),
    }
}

/// A GNU header with everything but the names: names empty, mtime the epoch.
fn header(entry_type: EntryType, item: &Item, epoch: u64, size: u64) -> Header {
    let mut header = Header::new_gnu();
    header.set_entry_type(entry_type);
    header.set_mode(item.mode);
    header.set_uid(item.uid);
    header.set_gid(item.gid);
    header.set_mtime(epoch);
    header.set_size(size);
    header
}

/// Appends one entry, its name (and link target) in the header or, from 100
/// bytes on, in GNU long-name entries before it (GNU tar's rule).
fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    mut header: Header,
    path: &[u8],
    directory: bool,
    link: Option<&[u8]>,
    data: &mut dyn Read,
) -> io::Result<()> {
    let mut name = path.to_vec();
    if directory {
        name.push(b'/');
    }
    let field = &mut header.as_old_mut().name;
    field[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
    if name.len() >= 100 {
        long_name(tar, b'L', &name)?;
    }
    if let Some(link) = link {
        let field = &mut header.as_old_mut().linkname;
        field[..link.len().min(100)].copy_from_slice(&link[..link.len().min(100)]);
        if link.len() >= 100 {
            long_name(tar, b'K', link)?;
        }
    }
    header.set_cksum();
    tar.append(&header, data)
}

/// A GNU `././@LongLink` pseudo-entry, NUL-terminated, with GNU tar's (and the
/// tar crate's) fixed fields: mode 0644, owner 0, mtime 0 (it is not a file).
fn long_name<W: Write>(tar: &mut tar::Builder<W>, entry_type: u8, name: &[u8]) -> io::Result<()> {
    let mut header = Header::new_gnu();
    header.as_old_mut().name[..13].copy_from_slice(b"././@LongLink");
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_size(name.len() as u64 + 1);
    header.set_entry_type(EntryType::new(entry_type));
    header.set_cksum();
    tar.append(&header, name.chain(&[0u8][..]))
}

/// Component by component, in byte order: a directory right before its contents.
fn by_components(a: &[u8], b: &[u8]) -> Ordering {
    a.split(|&c| c == b'/').cmp(b.split(|&c| c == b'/'))
}

/// Relative, without `.` components, empty components or a trailing `/`; `..`
/// refused. An absolute path loses its leading `/` (as GNU tar does).
pub(super) fn normalise(raw: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    for component in raw.split(|&b| b == b'/') {
        match component {
            b"" | b"." => {}
            b".." => {
                return Err(unsupported(
                    &String::from_utf8_lossy(raw),
                    "has a `..` component",
                ));
            }
            _ => {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(component);
            }
        }
    }
    Ok(out)
}

fn unsupported(path: &str, what: &str) -> io::Error {
    invalid_data(format!("{path} {what}: not supported in a rootfs tarball"))
}

/// A file's content in the input: exactly `left` bytes from `offset`, or an error
/// if the input ends first (a truncated tarball must not make a short entry).
struct Slice<'a> {
    file: &'a File,
    offset: u64,
    left: u64,
}

impl Read for Slice<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let got = self.file.read_at(&mut buf[..want], self.offset)?;
        if got == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the rootfs tarball ends inside a file",
            ));
        }
        self.offset += got as u64;
        self.left -= got as u64;
        Ok(got)
    }
}

/// Hashes (sha256) and counts what goes through it.
struct HashWriter<W> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> HashWriter<W> {
    fn new(inner: W) -> Self {
        HashWriter {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// The writer, the hex digest and the byte count.
    fn finish(self) -> (W, String, u64) {
        (self.inner, hex(&self.hasher.finalize()), self.count)
    }
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
