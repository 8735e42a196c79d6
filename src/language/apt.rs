//! The texts of an `apt` step's `release`, `key` and `proxy` options: what each
//! must look like before any of it can reach the step's shell line.
//!
//! - A release is an APT suite or codename token (`bookworm-backports`).
//! - A key is an ASCII-armoured OpenPGP public key block (RFC 4880 §6.2): the
//!   armour lines, an optional CRC-24 checksum that must match, and a body whose
//!   first packet is a public key. Its armour headers (`Comment:`, `Version:`) are
//!   dropped: what is kept is the begin line, the base64 lines, the checksum and
//!   the end line, each of a character set no shell reads specially.
//! - A proxy is a plain `http://HOST[:PORT][/]` URL, without credentials.

/// The longest release token and proxy URL accepted.
const MAX_TOKEN: usize = 128;
/// The largest armoured key accepted (a Dockerfile line holds 65 000 bytes).
pub const MAX_KEY_BYTES: usize = 32 * 1024;

const BEGIN: &str = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
const END: &str = "-----END PGP PUBLIC KEY BLOCK-----";

/// Whether `release` is an APT suite or codename: `[A-Za-z0-9][A-Za-z0-9.+~_-]*`.
pub fn check_release(release: &str) -> Result<(), String> {
    let first_ok = release
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric());
    if !first_ok
        || release.len() > MAX_TOKEN
        || !release
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".+~_-".contains(&b))
    {
        return Err(format!(
            "`{release}` is not an APT suite name: a letter or digit, then letters, digits and `.+~_-` (at most {MAX_TOKEN})"
        ));
    }
    Ok(())
}

/// Whether `url` is an HTTP proxy URL APT can use: `http://HOST[:PORT][/]`, the
/// host `[A-Za-z0-9.-]` (or a bracketed IPv6 address), no user or password, no
/// path, query or fragment.
pub fn check_proxy(url: &str) -> Result<(), String> {
    let refuse = |why: &str| {
        Err(format!(
            "`{url}` is not an APT proxy URL ({why}); write http://HOST:PORT"
        ))
    };
    if url.len() > MAX_TOKEN {
        return refuse("too long");
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return refuse("it must start with http://");
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains('@') {
        return refuse("credentials do not belong in a manifest");
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let Some((addr, after)) = v6.split_once(']') else {
            return refuse("an unclosed `[`");
        };
        if addr.is_empty() || !addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return refuse("not an IPv6 address");
        }
        match after.strip_prefix(':') {
            Some(port) => (addr, Some(port)),
            None if after.is_empty() => (addr, None),
            None => return refuse("text after the address"),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let v6 = authority.starts_with('[');
    if host.is_empty()
        || (!v6
            && !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-".contains(&b)))
    {
        return refuse("a host of letters, digits, `.` and `-`");
    }
    if let Some(port) = port {
        if port.parse::<u16>().map_or(true, |p| p == 0) || !port.bytes().all(|b| b.is_ascii_digit())
        {
            return refuse("a port 1-65535");
        }
    }
    Ok(())
}

/// The scheme and host of the source a proxy is for (`proxy_for`):
/// `http://HOST` or `https://HOST`, an optional `/...` path ignored (APT's
/// per-host proxy setting names the host only).
pub fn proxy_source(url: &str) -> Result<(&str, &str), String> {
    let refuse = |why: &str| {
        Err(format!(
            "`{url}` is not a source for a proxy ({why}); write e.g. http://deb.debian.org"
        ))
    };
    if url.len() > MAX_TOKEN {
        return refuse("too long");
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return refuse("no scheme");
    };
    if scheme != "http" && scheme != "https" {
        return refuse("the scheme is http or https");
    }
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-".contains(&b))
    {
        return refuse("a host of letters, digits, `.` and `-`, without a port or credentials");
    }
    if !rest[host.len()..]
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._~-".contains(&b))
    {
        return refuse("a path of letters, digits and `/._~-`");
    }
    Ok((scheme, host))
}

/// A checked public key: its armour without headers, as lines.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ArmouredKey {
    lines: Vec<String>,
    text: String,
    fingerprints: Vec<String>,
}

impl ArmouredKey {
    /// The armour's lines: the begin line, an empty line, the base64 lines, the
    /// checksum line when there was one, the end line. Every line holds only
    /// `[A-Za-z0-9+/=]`, or is one of the two armour lines (`-`, capitals,
    /// spaces).
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The fingerprint of each primary key in the block, uppercase hex.
    pub fn fingerprints(&self) -> &[String] {
        &self.fingerprints
    }

    /// The armour as one text, lines ended by `\n`.
    pub fn text(&self) -> &str {
        &self.text
    }
}

fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

fn base64_value(b: u8) -> Option<u32> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decodes base64 text (padding only at its end).
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 || !text.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in body.bytes() {
        acc = (acc << 6) | base64_value(b)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// RFC 4880 §6.1's CRC-24.
fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0x00B7_04CE;
    for &byte in data {
        crc ^= u32::from(byte) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4CFB;
            }
        }
    }
    crc & 0x00FF_FFFF
}

/// The OpenPGP packets of `data` as (tag, body), or `None` when it is not a
/// sequence of whole packets (RFC 4880 §4.2; partial and indeterminate lengths,
/// which no key packet uses, are refused).
fn packets(data: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(&header) = rest.first() {
        if header & 0x80 == 0 {
            return None;
        }
        let (tag, len, skip): (u8, usize, usize) = if header & 0x40 != 0 {
            let tag = header & 0x3f;
            match *rest.get(1)? {
                n @ 0..=191 => (tag, usize::from(n), 2),
                n @ 192..=223 => {
                    let second = usize::from(*rest.get(2)?);
                    (tag, ((usize::from(n) - 192) << 8) + second + 192, 3)
                }
                255 => {
                    let b = rest.get(2..6)?;
                    (
                        tag,
                        u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize,
                        6,
                    )
                }
                _ => return None,
            }
        } else {
            let tag = (header >> 2) & 0x0f;
            match header & 0x03 {
                0 => (tag, usize::from(*rest.get(1)?), 2),
                1 => {
                    let b = rest.get(1..3)?;
                    (tag, usize::from(u16::from_be_bytes([b[0], b[1]])), 3)
                }
                2 => {
                    let b = rest.get(1..5)?;
                    (
                        tag,
                        u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize,
                        5,
                    )
                }
                _ => return None,
            }
        };
        let body = rest.get(skip..skip.checked_add(len)?)?;
        out.push((tag, body));
        rest = &rest[skip + len..];
    }
    Some(out)
}

/// A primary key's fingerprint (RFC 4880 §12.2, RFC 9580 §5.5.4), uppercase
/// hex: SHA-1 for a version 4 key, SHA-256 for versions 5 and 6.
fn fingerprint(body: &[u8]) -> Option<String> {
    use sha1::Digest as _;
    let bytes: Vec<u8> = match body.first()? {
        4 => {
            let len = u16::try_from(body.len()).ok()?.to_be_bytes();
            let mut h = sha1::Sha1::new();
            h.update([0x99, len[0], len[1]]);
            h.update(body);
            h.finalize().to_vec()
        }
        v @ (5 | 6) => {
            let len = u32::try_from(body.len()).ok()?.to_be_bytes();
            let mut h = sha2::Sha256::new();
            h.update([if *v == 5 { 0x9a } else { 0x9b }]);
            h.update(len);
            h.update(body);
            h.finalize().to_vec()
        }
        _ => return None,
    };
    Some(bytes.iter().map(|b| format!("{b:02X}")).collect())
}

/// A fingerprint as the policy writes it, normalised: hex digits only,
/// uppercase (`6ED0 E7B8 2643 E131` and `6ed0e7b82643e131` are the same).
pub fn normalise_fingerprint(text: &str) -> Option<String> {
    let hex: String = text.chars().filter(|c| *c != ' ').collect();
    ((hex.len() == 40 || hex.len() == 64) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_uppercase())
}

/// Checks that `text` is one ASCII-armoured OpenPGP public key block and returns
/// it without its armour headers; the error says what is wrong with it.
pub fn parse_public_key(text: &str) -> Result<ArmouredKey, String> {
    if text.len() > MAX_KEY_BYTES {
        return Err(format!(
            "the key is {} bytes, more than the {MAX_KEY_BYTES} an apt step carries",
            text.len()
        ));
    }
    let mut lines = text
        .split('\n')
        .map(|l| l.trim_end_matches(['\r', ' ', '\t']))
        .skip_while(|l| l.is_empty());
    match lines.next() {
        Some(BEGIN) => {}
        Some(l) if l.starts_with("-----BEGIN PGP PRIVATE KEY BLOCK") => {
            return Err("this is a PRIVATE key: never put one in a manifest; APT needs the public key (gpg --export --armor KEYID)".into())
        }
        Some(l) if l.starts_with("-----BEGIN PGP") => {
            return Err(format!(
                "the armour begins with `{l}`, not `{BEGIN}`"
            ))
        }
        _ => return Err(format!("the text does not start with `{BEGIN}`")),
    }
    // Armour headers (`Comment: ...`), then the empty line before the body.
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        if !line.contains(": ") {
            return Err(format!(
                "`{}` is neither an armour header (`Name: value`) nor the empty line before the key's base64 body",
                short(line)
            ));
        }
    }
    let mut out = vec![BEGIN.to_string(), String::new()];
    let mut body = String::new();
    let mut checksum: Option<String> = None;
    let mut ended = false;
    for line in lines.by_ref() {
        if line == END {
            ended = true;
            break;
        }
        if checksum.is_some() {
            return Err(format!("`{}` after the checksum line", short(line)));
        }
        if let Some(sum) = line.strip_prefix('=') {
            if sum.len() != 4 || !sum.bytes().all(is_base64) {
                return Err(format!(
                    "`{}` is not a checksum line (`=` and four base64 characters)",
                    short(line)
                ));
            }
            checksum = Some(line.to_string());
            continue;
        }
        if line.is_empty() || line.len() > 76 || !line.bytes().all(|b| is_base64(b) || b == b'=') {
            return Err(format!(
                "`{}` is not a line of the key's base64 body",
                short(line)
            ));
        }
        body.push_str(line);
        out.push(line.to_string());
    }
    if !ended {
        return Err(format!("the text does not end with `{END}`"));
    }
    if let Some(extra) = lines.find(|l| !l.is_empty()) {
        return Err(format!(
            "`{}` after the end of the key block: give one key block",
            short(extra)
        ));
    }
    let data = decode_base64(&body).ok_or("the key's body is not valid base64")?;
    if let Some(sum) = &checksum {
        let expected = decode_base64(&sum[1..]).unwrap_or_default();
        let crc = crc24(&data);
        if expected != [(crc >> 16) as u8, (crc >> 8) as u8, crc as u8] {
            return Err(
                "the armour's checksum does not match its body: the key was altered or truncated"
                    .into(),
            );
        }
        out.push(sum.clone());
    }
    let packets = packets(&data).ok_or("the block's body is not a sequence of OpenPGP packets")?;
    if packets.iter().any(|(tag, _)| *tag == 5 || *tag == 7) {
        return Err("the block holds a secret key: APT needs the public key only".into());
    }
    match packets.first() {
        Some((6, _)) => {}
        Some((tag, _)) => {
            return Err(format!(
                "the block's first packet has tag {tag}, not a public key (6)"
            ))
        }
        None => return Err("the block's body is empty".into()),
    }
    let mut fingerprints = Vec::new();
    for (_, body) in packets.iter().filter(|(tag, _)| *tag == 6) {
        match fingerprint(body) {
            Some(f) => fingerprints.push(f),
            None => {
                return Err(format!(
                    "a version {} public key, which APT cannot read",
                    body.first().copied().unwrap_or(0)
                ))
            }
        }
    }
    out.push(END.to_string());
    let mut text = String::new();
    for line in &out {
        text.push_str(line);
        text.push('\n');
    }
    Ok(ArmouredKey {
        lines: out,
        text,
        fingerprints,
    })
}

/// The start of a line, for a message.
fn short(line: &str) -> String {
    let mut s: String = line.chars().take(40).collect();
    if s.len() < line.len() {
        s.push('…');
    }
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test that fails says so
mod tests {
    use super::*;

    /// An ed25519 public key (a throwaway, made for this test with gpg).
    pub(crate) const KEY: &str = include_str!("../../tests/fixtures/data/test-key.asc");

    #[test]
    fn a_public_key_block_is_read_without_its_headers() {
        let key = parse_public_key(KEY).unwrap();
        assert_eq!(key.lines()[0], BEGIN);
        assert_eq!(key.lines()[1], "");
        assert_eq!(key.lines().last().unwrap(), END);
        assert!(!key.text().contains("Comment"));
        for line in &key.lines()[2..key.lines().len() - 1] {
            assert!(line.bytes().all(|b| is_base64(b) || b == b'='), "{line}");
        }
        // gpg --with-colons --show-keys says: fpr:::::::::EDBB6719D57B2129DDCA0078E3EA563973C9FEC5:
        assert_eq!(
            key.fingerprints(),
            ["EDBB6719D57B2129DDCA0078E3EA563973C9FEC5"]
        );
        // Read again, the kept form is the same key.
        assert_eq!(parse_public_key(key.text()).unwrap(), key);
    }

    #[test]
    fn altered_truncated_and_other_blocks_are_refused() {
        let body_line = KEY
            .lines()
            .find(|l| l.len() > 60 && !l.contains(':'))
            .unwrap();
        let mut flipped: Vec<u8> = body_line.bytes().collect();
        flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
        let altered = KEY.replace(body_line, std::str::from_utf8(&flipped).unwrap());
        assert!(parse_public_key(&altered).unwrap_err().contains("checksum"));
        let truncated: String = KEY.lines().take(5).collect::<Vec<_>>().join("\n");
        assert!(parse_public_key(&truncated).is_err());
        let private = KEY.replace("PUBLIC KEY", "PRIVATE KEY");
        assert!(parse_public_key(&private).unwrap_err().contains("PRIVATE"));
        assert!(parse_public_key("mQINBF...").is_err());
        let injected = KEY.replace(body_line, "'; rm -rf / #");
        assert!(parse_public_key(&injected).is_err());
        let twice = format!("{KEY}{KEY}");
        assert!(parse_public_key(&twice)
            .unwrap_err()
            .contains("one key block"));
    }

    #[test]
    fn proxy_sources() {
        assert_eq!(
            proxy_source("http://deb.debian.org/debian"),
            Ok(("http", "deb.debian.org"))
        );
        assert_eq!(
            proxy_source("https://apt.vendor.example"),
            Ok(("https", "apt.vendor.example"))
        );
        for bad in [
            "deb.debian.org",
            "ftp://x",
            "http://u@x",
            "http://x:80",
            "http://x/\"a",
            "http://",
        ] {
            assert!(proxy_source(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn releases_and_proxies() {
        for ok in [
            "bookworm-backports",
            "stable",
            "trixie",
            "bookworm-security",
        ] {
            assert_eq!(check_release(ok), Ok(()));
        }
        for bad in ["", "-t", "a b", "x;y", "bookworm/updates", "$(id)"] {
            assert!(check_release(bad).is_err(), "{bad}");
        }
        for ok in [
            "http://proxy:3128",
            "http://10.0.0.1:3142/",
            "http://[::1]:8080",
            "http://apt-cache.example.org",
        ] {
            assert_eq!(check_proxy(ok), Ok(()), "{ok}");
        }
        for bad in [
            "https://proxy:3128",
            "http://user:pw@proxy:3128",
            "http://proxy:3128/path",
            "http://proxy:0",
            "http://proxy:99999",
            "http://",
            "http://pro\"xy",
            "http://proxy%20:1",
            "ftp://proxy",
        ] {
            assert!(check_proxy(bad).is_err(), "{bad}");
        }
    }
}
