//! Cross-checks every `CodePage` table against glibc's `iconv`, the reference the tables were
//! generated from (see examples/gen_codepages.rs for the rules applied here).
//!
//! For each page, every byte 0x40..=0xFF is decoded by iconv and compared with
//! `CodePage::to_unicode`, where a rejected byte or a control character must show as ' '; then
//! every character the page has is encoded by iconv and compared with `CodePage::from_unicode`.
//! The two pages glibc lacks are checked against the page they are derived from, with their
//! documented differences. Without iconv the test says so and passes.

use std::io::Write as _;
use std::process::{Command, Stdio};

use r3270::proto::CodePage;

/// Bytes where "bracket" differs from glibc's IBM037, with what "bracket" has there.
const BRACKET_EDITS: &[(u8, char)] = &[(0xAD, '['), (0xBA, 'Ý'), (0xBB, '¨'), (0xBD, ']')];

/// Bytes where 924 differs from glibc's IBM1047, with what 924 has there.
const CP924_EDITS: &[(u8, char)] = &[
    (0x4A, 'Ý'),
    (0x6A, 'Š'),
    (0x9D, 'ž'),
    (0x9F, '€'),
    (0xB0, '¢'),
    (0xB7, 'Œ'),
    (0xB8, 'œ'),
    (0xB9, 'Ÿ'),
    (0xBA, '¬'),
    (0xBB, 'š'),
    (0xBE, 'Ž'),
];

/// Runs iconv; `None` if it rejects the input (or, once `iconv_installed` has said yes,
/// cannot be run, which then shows up as a mismatch naming the byte).
fn iconv(from: &str, to: &str, input: &[u8]) -> Option<Vec<u8>> {
    let mut child = Command::new("iconv")
        .args(["-f", from, "-t", to])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    // Inputs are a few hundred bytes, well under a pipe buffer, so this cannot deadlock.
    child.stdin.take()?.write_all(input).ok()?;
    let out = child.wait_with_output().ok()?;
    out.status.success().then_some(out.stdout)
}

fn iconv_installed() -> bool {
    Command::new("iconv")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What glibc says byte `b` is in `charmap`, with the blank rule applied.
fn glibc_char(charmap: &str, b: u8) -> char {
    let c = iconv(charmap, "UTF-32BE", &[b]).and_then(|out| match out[..] {
        [a, b, c, d] => char::from_u32(u32::from_be_bytes([a, b, c, d])),
        _ => None,
    });
    match c {
        Some(c) if !c.is_control() => c,
        _ => ' ',
    }
}

/// Bytes where x3270 (and so r3270) differs from glibc's IBM285 and IBM875.
const CP285_EDITS: &[(u8, char)] = &[(0xA1, '¯')];
const CP875_EDITS: &[(u8, char)] = &[(0xB4, 'ΐ'), (0xB8, 'ΰ'), (0xCC, 'ϊ'), (0xCD, 'ϋ')];

/// The glibc charmap a page comes from, and the bytes where the page deliberately differs.
fn reference(page: CodePage) -> (String, &'static [(u8, char)]) {
    match page.name() {
        "bracket" => ("IBM037".to_owned(), BRACKET_EDITS),
        "cp924" => ("IBM1047".to_owned(), CP924_EDITS),
        "cp285" => ("IBM285".to_owned(), CP285_EDITS),
        "cp875" => ("IBM875".to_owned(), CP875_EDITS),
        _ => (format!("IBM{:03}", page.number()), &[]),
    }
}

#[test]
fn tables_match_iconv() {
    if !iconv_installed() {
        // glibc's iconv is on every CI machine: missing there means broken, not skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "iconv is missing under CI"
        );
        println!("skipped: iconv not installed");
        eprintln!("skipped: iconv not installed");
        return;
    }
    let mut checked = 0;
    for &page in CodePage::all() {
        let (charmap, edits) = reference(page);

        // Decoding: one iconv run for the whole range when glibc defines every byte, one per
        // byte otherwise, so that a hole is pinned to its byte.
        let all: Vec<u8> = (0x40..=0xFF).collect();
        let bulk = iconv(&charmap, "UTF-32BE", &all).filter(|o| o.len() == all.len() * 4);
        for &b in &all {
            let want = match edits.iter().find(|&&(e, _)| e == b) {
                Some(&(_, c)) => c,
                None => match &bulk {
                    Some(out) => {
                        let i = usize::from(b - 0x40) * 4;
                        let raw = u32::from_be_bytes([out[i], out[i + 1], out[i + 2], out[i + 3]]);
                        char::from_u32(raw)
                            .filter(|c| !c.is_control())
                            .unwrap_or(' ')
                    }
                    None => glibc_char(&charmap, b),
                },
            };
            assert_eq!(
                page.to_unicode(b),
                want,
                "{page} byte {b:#04X} vs {charmap}"
            );
        }
        for b in 0..0x40 {
            assert_eq!(page.to_unicode(b), ' ', "{page} control {b:#04X}");
        }

        // Encoding: every character the page shows must encode the way glibc encodes it.
        // Glibc has no encoder for the edits, so the edited characters are checked directly.
        let mut chars: Vec<char> = all
            .iter()
            .map(|&b| page.to_unicode(b))
            .filter(|&c| c != ' ')
            .collect();
        chars.sort_unstable();
        chars.dedup();
        let (edited, plain): (Vec<char>, Vec<char>) = chars
            .iter()
            .partition(|&&c| edits.iter().any(|&(_, e)| e == c));
        for c in edited {
            let b = edits.iter().find(|&&(_, e)| e == c).map(|&(b, _)| b);
            assert_eq!(page.from_unicode(c), b, "{page} {c:?}");
        }
        // Every character of a single-byte page encodes to one byte, so one iconv run covers
        // them all.
        let text: String = plain.iter().collect();
        let want = iconv("UTF-8", &charmap, text.as_bytes()).expect("iconv encodes the page");
        assert_eq!(want.len(), plain.len(), "{charmap}");
        for (&c, &b) in plain.iter().zip(&want) {
            assert_eq!(page.from_unicode(c), Some(b), "{page} {c:?} vs {charmap}");
        }
        assert_eq!(page.from_unicode(' '), Some(0x40), "{page}");
        checked += 1;
    }
    assert_eq!(checked, CodePage::all().len());
    println!("checked {checked} code pages against iconv");
}
