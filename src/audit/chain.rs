//! The hash chain and the keyed checkpoints.
//!
//! Every line is `{"seq":N,"prev":"<hex>","ts":"...","kind":"...",...}`: `prev` is the SHA-256
//! of the previous line's exact bytes (without its newline), so a verifier hashes what is
//! on disk and never re-serialises. The first line of a slot's chain has `prev` all zeros.
//!
//! Checkpoints are HMAC-SHA256 tags over (epoch, seq, prev) with a key that evolves once per
//! checkpoint: `K_0 = HMAC(seed, "r3270-audit slot N")`, `K_{e+1} = SHA-256(K_e)`, the old
//! key overwritten. The epoch is inside the tagged message and the verifier checks it
//! against the epoch it expects, so a key stolen later (a later epoch's) cannot forge an
//! earlier checkpoint (journald's sealing missed this: CVE-2023-31439).

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// `prev` of the first line of a chain.
pub const GENESIS: Hash = [0; 32];

/// The hash of one line's bytes (without the newline).
pub fn line_hash(line: &[u8]) -> Hash {
    Sha256::digest(line).into()
}

/// Lower-case hex of a hash.
pub fn hex(h: &Hash) -> String {
    hex::encode(h)
}

/// A hash from 64 hex digits.
pub fn parse_hex(s: &str) -> Option<Hash> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// The checkpoint key of one epoch. Evolving it overwrites the old key in place.
pub struct EpochKey {
    epoch: u64,
    key: [u8; 32],
}

impl std::fmt::Debug for EpochKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EpochKey")
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; the error branch cannot happen.
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| {
        <Hmac<Sha256> as KeyInit>::new(&hmac::digest::Key::<Hmac<Sha256>>::default())
    })
}

impl EpochKey {
    /// The key of epoch 0 for one writer slot.
    pub fn first(seed: &[u8], slot: u32) -> Self {
        let mut m = mac(seed);
        m.update(format!("r3270-audit slot {slot}").as_bytes());
        EpochKey {
            epoch: 0,
            key: m.finalize().into_bytes().into(),
        }
    }

    /// The key of `epoch` for one slot (derived forward from epoch 0).
    pub fn at(seed: &[u8], slot: u32, epoch: u64) -> Self {
        let mut k = Self::first(seed, slot);
        while k.epoch < epoch {
            k.evolve();
        }
        k
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Move to the next epoch: `K_{e+1} = SHA-256(K_e)`; the old key is overwritten.
    pub fn evolve(&mut self) {
        let next: Hash = Sha256::digest(self.key).into();
        self.key = next;
        self.epoch += 1;
    }

    fn message(epoch: u64, seq: u64, prev: &Hash) -> Vec<u8> {
        let mut msg = Vec::with_capacity(64);
        msg.extend_from_slice(b"r3270-audit checkpoint\0");
        msg.extend_from_slice(&epoch.to_be_bytes());
        msg.extend_from_slice(&seq.to_be_bytes());
        msg.extend_from_slice(prev);
        msg
    }

    /// The tag of a checkpoint line with this `seq` and `prev`, in this key's epoch.
    pub fn tag(&self, seq: u64, prev: &Hash) -> Hash {
        let mut m = mac(&self.key);
        m.update(&Self::message(self.epoch, seq, prev));
        m.finalize().into_bytes().into()
    }

    /// Whether `tag` is this epoch's tag for (`seq`, `prev`) (constant-time comparison).
    pub fn check(&self, seq: u64, prev: &Hash, tag: &[u8]) -> bool {
        let mut m = mac(&self.key);
        m.update(&Self::message(self.epoch, seq, prev));
        m.verify_slice(tag).is_ok()
    }
}

impl Drop for EpochKey {
    fn drop(&mut self) {
        self.key = [0; 32];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_evolve_and_tags_bind_the_epoch() {
        let seed = [7u8; 32];
        let k0 = EpochKey::first(&seed, 0);
        let mut k = EpochKey::first(&seed, 0);
        let t0 = k0.tag(5, &GENESIS);
        assert!(k.check(5, &GENESIS, &t0));
        k.evolve();
        assert_eq!(k.epoch(), 1);
        // The next epoch's key neither reproduces nor accepts the old tag.
        assert!(!k.check(5, &GENESIS, &t0));
        assert_ne!(k.tag(5, &GENESIS), t0);
        assert_eq!(
            EpochKey::at(&seed, 0, 1).tag(5, &GENESIS),
            k.tag(5, &GENESIS)
        );
        // Another slot has other keys; another seq or head another tag.
        assert_ne!(EpochKey::first(&seed, 1).tag(5, &GENESIS), t0);
        assert_ne!(k0.tag(6, &GENESIS), t0);
        assert_ne!(k0.tag(5, &[1; 32]), t0);
    }

    #[test]
    fn hashes_are_sha256_of_the_bytes() {
        assert_eq!(
            hex(&line_hash(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(parse_hex(&hex(&[9; 32])), Some([9; 32]));
        assert_eq!(parse_hex("zz"), None);
    }
}

/// The fixed head of a line as the writer puts it: `{"seq":N,"prev":"<64 hex>","ts":"...",
/// "kind":"..."`. Read without a JSON parser (verification speed); a line that does not
/// start this way is damaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefix<'a> {
    pub seq: u64,
    pub prev: Hash,
    pub ts: &'a str,
    pub kind: &'a str,
}

fn take<'a>(s: &'a [u8], lit: &[u8]) -> Option<&'a [u8]> {
    s.strip_prefix(lit)
}

fn until_quote(s: &[u8]) -> Option<(&str, &[u8])> {
    let end = s.iter().position(|&b| b == b'"')?;
    let text = std::str::from_utf8(&s[..end]).ok()?;
    Some((text, &s[end + 1..]))
}

/// Parse a line's head (see [`Prefix`]).
pub fn prefix(line: &[u8]) -> Option<Prefix<'_>> {
    let s = take(line, b"{\"seq\":")?;
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 19 {
        return None;
    }
    let seq: u64 = std::str::from_utf8(&s[..digits]).ok()?.parse().ok()?;
    let s = take(&s[digits..], b",\"prev\":\"")?;
    let prev = parse_hex(std::str::from_utf8(s.get(..64)?).ok()?)?;
    let s = take(&s[64..], b"\",\"ts\":\"")?;
    let (ts, s) = until_quote(s)?;
    let s = take(s, b",\"kind\":\"")?;
    let (kind, s) = until_quote(s)?;
    if !(s == b"}" || s.starts_with(b",")) || !line.ends_with(b"}") {
        return None;
    }
    Some(Prefix {
        seq,
        prev,
        ts,
        kind,
    })
}

/// Build one line (without its newline). `body` is a JSON object's text (`{...}`) whose
/// members follow the fixed head.
pub fn build_line(seq: u64, prev: &Hash, ts: &str, kind: &str, body: &str) -> Vec<u8> {
    let inner = body
        .strip_prefix('{')
        .and_then(|b| b.strip_suffix('}'))
        .unwrap_or("");
    let mut line = Vec::with_capacity(120 + kind.len() + body.len());
    line.extend_from_slice(b"{\"seq\":");
    line.extend_from_slice(seq.to_string().as_bytes());
    line.extend_from_slice(b",\"prev\":\"");
    line.extend_from_slice(hex(prev).as_bytes());
    line.extend_from_slice(b"\",\"ts\":\"");
    line.extend_from_slice(ts.as_bytes());
    line.extend_from_slice(b"\",\"kind\":\"");
    line.extend_from_slice(kind.as_bytes());
    line.push(b'"');
    if !inner.trim().is_empty() {
        line.push(b',');
        line.extend_from_slice(inner.as_bytes());
    }
    line.push(b'}');
    line
}

#[cfg(test)]
mod prefix_tests {
    use super::*;

    #[test]
    fn built_lines_parse_back_and_are_json() {
        let l = build_line(
            7,
            &[3; 32],
            "2026-12-03T00:00:00.000Z",
            "aid",
            r#"{"key":"Enter"}"#,
        );
        let p = prefix(&l).unwrap();
        assert_eq!((p.seq, p.prev, p.kind), (7, [3; 32], "aid"));
        let v: serde_json::Value = serde_json::from_slice(&l).unwrap();
        assert_eq!(v["key"], "Enter");
        let bare = build_line(1, &GENESIS, "t", "log-close", "{}");
        assert_eq!(prefix(&bare).unwrap().kind, "log-close");
        serde_json::from_slice::<serde_json::Value>(&bare).unwrap();
        assert!(prefix(b"{\"seq\":x}").is_none());
        assert!(prefix(&l[..l.len() - 1]).is_none());
    }
}
