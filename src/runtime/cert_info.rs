//! The few facts of an X.509 certificate (RFC 5280) that make a verification failure
//! actionable: its validity dates and the names it was issued for.
//!
//! native-tls reports a failed verification as OpenSSL's one-line verify result and hands
//! over no certificate, so when a certificate has expired or names another host, the
//! connection code fetches the certificate again without verifying it and reads these
//! facts here, to say *when* it expired and *which* names would have matched. Only what is
//! needed is read: a small DER walker (ITU-T X.690), no general ASN.1 support. Input is
//! untrusted: nothing here panics or allocates more than the input, and names are reduced
//! to printable ASCII before they reach a message.

/// What the messages need from a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertInfo {
    /// `notBefore`, as `YYYY-MM-DD HH:MM:SS UTC`.
    pub not_before: String,
    /// `notAfter`, as `YYYY-MM-DD HH:MM:SS UTC`.
    pub not_after: String,
    /// The DNS names and IP addresses of the subjectAltName extension or, when it has none,
    /// the subject's common name (the only name a verifier then looks at). At most
    /// [`MAX_NAMES`].
    pub names: Vec<String>,
}

/// The certificate a host presented on a connection that is up: what the monitor, the
/// audit log and `Query(TlsSubjectNames)` show of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerCert {
    /// The names it is for (subjectAltName, or the common name).
    pub names: Vec<String>,
    /// `notAfter`, as `YYYY-MM-DD HH:MM:SS UTC`.
    pub not_after: String,
    /// SHA-256 of the DER encoding, as lowercase hex (what `openssl x509 -fingerprint
    /// -sha256` prints, without the colons).
    pub sha256: String,
}

impl PeerCert {
    /// From the DER bytes of the host's certificate; `None` if the walker cannot read it.
    pub fn from_der(der: &[u8]) -> Option<Self> {
        use sha2::Digest;
        let info = parse(der)?;
        let digest = sha2::Sha256::digest(der);
        Some(PeerCert {
            names: info.names,
            not_after: info.not_after,
            sha256: hex::encode(digest),
        })
    }
}

/// The most names kept: enough to show the right one, few enough for one line.
pub const MAX_NAMES: usize = 8;

/// DER tags used here.
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const OCTET_STRING: u8 = 0x04;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
/// `[0] EXPLICIT Version` and `[3] EXPLICIT Extensions` of TBSCertificate.
const VERSION: u8 = 0xA0;
const EXTENSIONS: u8 = 0xA3;
/// GeneralName choices (context-specific, implicit): `[2] dNSName`, `[7] iPAddress`.
const DNS_NAME: u8 = 0x82;
const IP_ADDRESS: u8 = 0x87;

/// id-ce-subjectAltName, 2.5.29.17.
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1D, 0x11];
/// id-at-commonName, 2.5.4.3.
const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

/// Read one TLV: its tag, its contents and what follows it. `None` on anything a DER
/// encoder would not produce here (indefinite or over-long lengths, truncated input).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = rest.get(..n)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, rest.get(n..)?)
    };
    Some((tag, rest.get(..len)?, rest.get(len..)?))
}

/// The contents of a TLV that must have tag `want`, and what follows it.
fn expect(input: &[u8], want: u8) -> Option<(&[u8], &[u8])> {
    let (tag, body, rest) = tlv(input)?;
    (tag == want).then_some((body, rest))
}

/// Read the facts of a DER certificate; `None` if it is not one this walker understands.
pub fn parse(der: &[u8]) -> Option<CertInfo> {
    let (cert, _) = expect(der, SEQUENCE)?;
    let (tbs, _) = expect(cert, SEQUENCE)?;
    let mut rest = tbs;
    if let Some((VERSION, _, after)) = tlv(rest) {
        rest = after;
    }
    let (_, _serial, rest) = tlv(rest)?;
    let (_signature, rest) = expect(rest, SEQUENCE)?;
    let (_issuer, rest) = expect(rest, SEQUENCE)?;
    let (validity, rest) = expect(rest, SEQUENCE)?;
    let (subject, rest) = expect(rest, SEQUENCE)?;
    let (_key, mut rest) = expect(rest, SEQUENCE)?;
    let (not_before, after) = time(validity)?;
    let (not_after, _) = time(after)?;
    let mut names = Vec::new();
    // Optional unique IDs ([1], [2]) may come before the extensions ([3]).
    while let Some((tag, body, after)) = tlv(rest) {
        if tag == EXTENSIONS {
            names = alt_names(body).unwrap_or_default();
        }
        rest = after;
    }
    if names.is_empty() {
        names.extend(common_name(subject));
    }
    Some(CertInfo {
        not_before,
        not_after,
        names,
    })
}

/// A UTCTime or GeneralizedTime (RFC 5280 section 4.1.2.5: always UTC, with seconds) as
/// `YYYY-MM-DD HH:MM:SS UTC`, and what follows it.
fn time(input: &[u8]) -> Option<(String, &[u8])> {
    let (tag, body, rest) = tlv(input)?;
    let digits = body.strip_suffix(b"Z")?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let text = std::str::from_utf8(digits).ok()?;
    let (year, rest_digits) = match (tag, text.len()) {
        (UTC_TIME, 12) => {
            // Two-digit years: 50-99 are 19xx, 00-49 are 20xx (RFC 5280).
            let yy: u16 = text.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, text.get(2..)?)
        }
        (GENERALIZED_TIME, 14) => (text.get(..4)?.parse().ok()?, text.get(4..)?),
        _ => return None,
    };
    let part = |i: usize| rest_digits.get(i..i + 2);
    Some((
        format!(
            "{year:04}-{}-{} {}:{}:{} UTC",
            part(0)?,
            part(2)?,
            part(4)?,
            part(6)?,
            part(8)?
        ),
        rest,
    ))
}

/// The DNS names and IP addresses of the subjectAltName extension, if there is one.
fn alt_names(extensions: &[u8]) -> Option<Vec<String>> {
    let (mut list, _) = expect(extensions, SEQUENCE)?;
    while let Some((ext, after)) = expect(list, SEQUENCE) {
        list = after;
        let (oid, rest) = expect(ext, OID)?;
        if oid != OID_SUBJECT_ALT_NAME {
            continue;
        }
        let rest = match tlv(rest) {
            Some((BOOLEAN, _, after)) => after,
            _ => rest,
        };
        let (value, _) = expect(rest, OCTET_STRING)?;
        let (mut general, _) = expect(value, SEQUENCE)?;
        let mut names = Vec::new();
        while let Some((tag, body, after)) = tlv(general) {
            general = after;
            let name = match tag {
                DNS_NAME => printable(body),
                IP_ADDRESS => ip(body),
                _ => None,
            };
            if let Some(n) = name {
                if names.len() < MAX_NAMES {
                    names.push(n);
                }
            }
        }
        return Some(names);
    }
    None
}

/// The subject's first common name.
fn common_name(subject: &[u8]) -> Option<String> {
    let mut rdns = subject;
    while let Some((set, after)) = expect(rdns, SET) {
        rdns = after;
        let (attr, _) = expect(set, SEQUENCE)?;
        let (oid, rest) = expect(attr, OID)?;
        if oid == OID_COMMON_NAME {
            let (_, value, _) = tlv(rest)?;
            return printable(value);
        }
    }
    None
}

/// Printable ASCII only (a name from an untrusted certificate goes into a message), and
/// only if anything is left.
fn printable(bytes: &[u8]) -> Option<String> {
    let s: String = bytes
        .iter()
        .filter(|b| b.is_ascii_graphic())
        .map(|&b| char::from(b))
        .collect();
    (!s.is_empty()).then_some(s)
}

fn ip(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => {
            let a: [u8; 4] = bytes.try_into().ok()?;
            Some(std::net::Ipv4Addr::from(a).to_string())
        }
        16 => {
            let a: [u8; 16] = bytes.try_into().ok()?;
            Some(std::net::Ipv6Addr::from(a).to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(names: &[&str], cn: &str, from: (i32, u8, u8), to: (i32, u8, u8)) -> Vec<u8> {
        use rcgen::{CertificateParams, DnType, KeyPair, date_time_ymd};
        let mut p =
            CertificateParams::new(names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
                .unwrap();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.not_before = date_time_ymd(from.0, from.1, from.2);
        p.not_after = date_time_ymd(to.0, to.1, to.2);
        p.self_signed(&KeyPair::generate().unwrap())
            .unwrap()
            .der()
            .to_vec()
    }

    #[test]
    fn dates_and_alt_names() {
        let der = cert(
            &["mvs.example.com", "127.0.0.1", "::1"],
            "ignored when there are alt names",
            (2020, 1, 2),
            (2051, 3, 4),
        );
        let info = parse(&der).unwrap();
        assert_eq!(info.not_before, "2020-01-02 00:00:00 UTC");
        // After 2049 RFC 5280 wants GeneralizedTime.
        assert_eq!(info.not_after, "2051-03-04 00:00:00 UTC");
        assert_eq!(info.names, ["mvs.example.com", "127.0.0.1", "::1"]);
    }

    #[test]
    fn the_common_name_when_there_are_no_alt_names() {
        let der = cert(&[], "tn3270.example.org", (2001, 1, 1), (2002, 1, 1));
        let info = parse(&der).unwrap();
        assert_eq!(info.not_after, "2002-01-01 00:00:00 UTC");
        assert_eq!(info.names, ["tn3270.example.org"]);
    }

    #[test]
    fn names_are_capped() {
        let many: Vec<String> = (0..20).map(|i| format!("h{i}.example.com")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let info = parse(&cert(&refs, "x", (2020, 1, 1), (2030, 1, 1))).unwrap();
        assert_eq!(info.names.len(), MAX_NAMES);
    }

    #[test]
    fn garbage_and_every_truncation_are_refused_without_panic() {
        let der = cert(&["a.example"], "a", (2020, 1, 1), (2030, 1, 1));
        for end in 0..der.len() {
            assert_eq!(parse(&der[..end]), None, "{end}");
        }
        assert_eq!(parse(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]), None);
        assert_eq!(parse(&[0x30, 0x80, 0x00, 0x00]), None);
        assert_eq!(parse(b"not a certificate"), None);
    }

    proptest::proptest! {
        /// Whatever a host presents, reading it never panics; a real certificate with a
        /// byte changed anywhere is read or refused, never more.
        #[test]
        fn any_bytes_are_read_or_refused(
            noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
            at in 0usize..4096,
            byte in proptest::prelude::any::<u8>(),
        ) {
            let _ = parse(&noise);
            let mut der = cert(&["a.example", "10.0.0.1"], "a", (2020, 1, 1), (2030, 1, 1));
            let i = at % der.len();
            der[i] = byte;
            if let Some(info) = parse(&der) {
                proptest::prop_assert!(info.names.len() <= MAX_NAMES);
            }
        }
    }
}
