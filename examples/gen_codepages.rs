//! Generates `src/proto/codepage/tables.rs`, the EBCDIC code page tables of `proto::codepage`.
//!
//! Run it from the repository root with `cargo run --example gen_codepages`. It needs glibc's
//! `iconv` program, which is the reference for every mapping: each page is decoded by feeding
//! bytes 0x40..=0xFF through `iconv -f IBMnnn -t UTF-32BE`. Running it twice gives the same file,
//! so a diff after a rerun means glibc changed, not the generator. The generator uses nothing
//! from the crate, so if the tables ever fail to compile it can be built on its own:
//! `rustc --edition 2024 examples/gen_codepages.rs -o /tmp/gen && /tmp/gen`.
//!
//! Decisions, each applied here and mirrored by `tests/codepage_iconv.rs`:
//! - Bytes 0x00..=0x3F are 3270 orders and controls, never graphics, so they are not in the
//!   tables at all; `CodePage::to_unicode` answers ' ' for them.
//! - A byte that glibc rejects (some pages, such as 275, 803 and 880, leave code points
//!   undefined) or maps to a control character (most pages put U+009F at 0xFF) becomes ' '.
//!   A blank is what a real 3270 shows for a code point it has no glyph for, and it keeps the
//!   screen free of U+FFFD boxes and of control characters that would upset a terminal. Such
//!   bytes have no reverse mapping, so typing ' ' always gives 0x40.
//! - When several bytes decode to the same character, the reverse mapping uses the byte that
//!   glibc itself encodes the character to (`iconv -t IBMnnn`), so typing matches what a host
//!   converting the same text with glibc would produce.
//! - x3270's "bracket" page has no glibc charmap. It is 037 with the square brackets at 0xAD
//!   and 0xBD, where older host software expects them; the characters 037 has at those two
//!   bytes (`Ý` and `¨`) move to 0xBA and 0xBB, where 037 has the brackets.
//! - glibc has no charmap for 924 (Latin-9 EBCDIC). IBM defines it as 1047 with eight
//!   characters replaced and three moved, so it is derived from glibc's IBM1047 with exactly
//!   those eleven bytes changed (see `CP924_EDITS`).
//! - Where x3270 (the oracle the script mode is checked against) differs from glibc on a page
//!   both have, the x3270 character wins: five bytes of 285 and 875 (`CP285_EDITS`,
//!   `CP875_EDITS`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

/// Where the generated file goes, relative to the repository root.
const OUTPUT: &str = "src/proto/codepage/tables.rs";

/// How a table is obtained.
enum Source {
    /// Straight from a glibc charmap.
    Glibc(&'static str),
    /// From another glibc charmap, with single bytes replaced by other characters.
    Edited(&'static str, &'static [(u8, char)]),
}

/// 037 with the square brackets where x3270's "bracket" page has them.
const BRACKET_EDITS: &[(u8, char)] =
    &[(0xAD, '['), (0xBA, '\u{DD}'), (0xBB, '\u{A8}'), (0xBD, ']')];

/// 1047 turned into 924: the euro, the caron letters, the OE ligatures and Y diaeresis replace
/// Latin-1 characters that ISO 8859-15 dropped, and Ý, ¢ and ¬ move to make room.
const CP924_EDITS: &[(u8, char)] = &[
    (0x4A, '\u{DD}'),
    (0x6A, '\u{160}'),
    (0x9D, '\u{17E}'),
    (0x9F, '\u{20AC}'),
    (0xB0, '\u{A2}'),
    (0xB7, '\u{152}'),
    (0xB8, '\u{153}'),
    (0xB9, '\u{178}'),
    (0xBA, '\u{AC}'),
    (0xBB, '\u{161}'),
    (0xBE, '\u{17D}'),
];

/// 285 as x3270 has it: a macron at 0xA1 where glibc has an overline (s3270's `Ascii()`
/// prints U+00AF there; r3270 follows the x3270 suite, checked in tests/script_codepoints.rs).
const CP285_EDITS: &[(u8, char)] = &[(0xA1, '\u{AF}')];

/// 875 as x3270 has it: the two Greek letters with dialytika and tonos and the two with
/// dialytika alone trade places with glibc's (0xB4/0xB8 and 0xCC/0xCD).
const CP875_EDITS: &[(u8, char)] = &[
    (0xB4, '\u{390}'),
    (0xB8, '\u{3B0}'),
    (0xCC, '\u{3CA}'),
    (0xCD, '\u{3CB}'),
];

/// Every table the crate carries: the Rust name of the static, and its source.
const PAGES: &[(&str, Source)] = &[
    ("BRACKET", Source::Edited("IBM037", BRACKET_EDITS)),
    ("CP037", Source::Glibc("IBM037")),
    ("CP273", Source::Glibc("IBM273")),
    ("CP275", Source::Glibc("IBM275")),
    ("CP277", Source::Glibc("IBM277")),
    ("CP278", Source::Glibc("IBM278")),
    ("CP280", Source::Glibc("IBM280")),
    ("CP284", Source::Glibc("IBM284")),
    ("CP285", Source::Edited("IBM285", CP285_EDITS)),
    ("CP297", Source::Glibc("IBM297")),
    ("CP424", Source::Glibc("IBM424")),
    ("CP500", Source::Glibc("IBM500")),
    ("CP803", Source::Glibc("IBM803")),
    ("CP870", Source::Glibc("IBM870")),
    ("CP871", Source::Glibc("IBM871")),
    ("CP875", Source::Edited("IBM875", CP875_EDITS)),
    ("CP880", Source::Glibc("IBM880")),
    ("CP924", Source::Edited("IBM1047", CP924_EDITS)),
    ("CP1025", Source::Glibc("IBM1025")),
    ("CP1026", Source::Glibc("IBM1026")),
    ("CP1047", Source::Glibc("IBM1047")),
    ("CP1123", Source::Glibc("IBM1123")),
    ("CP1140", Source::Glibc("IBM1140")),
    ("CP1141", Source::Glibc("IBM1141")),
    ("CP1142", Source::Glibc("IBM1142")),
    ("CP1143", Source::Glibc("IBM1143")),
    ("CP1144", Source::Glibc("IBM1144")),
    ("CP1145", Source::Glibc("IBM1145")),
    ("CP1146", Source::Glibc("IBM1146")),
    ("CP1147", Source::Glibc("IBM1147")),
    ("CP1148", Source::Glibc("IBM1148")),
    ("CP1149", Source::Glibc("IBM1149")),
    ("CP1154", Source::Glibc("IBM1154")),
    ("CP1158", Source::Glibc("IBM1158")),
    ("CP1160", Source::Glibc("IBM1160")),
];

/// Runs iconv on `input`; `None` if it rejects any of it.
fn iconv(from: &str, to: &str, input: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut child = Command::new("iconv")
        .args(["-f", from, "-t", to])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run iconv: {e}"))?;
    // The input is at most a few hundred bytes, far below a pipe buffer, so writing it all
    // before reading the output cannot deadlock.
    child
        .stdin
        .take()
        .ok_or("iconv stdin missing")?
        .write_all(input)
        .map_err(|e| format!("writing to iconv: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("waiting for iconv: {e}"))?;
    Ok(out.status.success().then_some(out.stdout))
}

/// Splits UTF-32BE output into characters.
fn utf32_chars(bytes: &[u8]) -> Vec<Option<char>> {
    bytes
        .chunks_exact(4)
        .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
        .collect()
}

/// Decodes 0x40..=0xFF through a glibc charmap; `None` for bytes glibc rejects.
fn decode(charmap: &str) -> Result<Vec<Option<char>>, String> {
    let all: Vec<u8> = (0x40..=0xFF).collect();
    // One process per page is the common case; only pages with holes need a run per byte.
    if let Some(out) = iconv(charmap, "UTF-32BE", &all)? {
        let chars = utf32_chars(&out);
        if chars.len() == all.len() {
            return Ok(chars);
        }
    }
    let mut chars = Vec::with_capacity(all.len());
    for b in all {
        let c = iconv(charmap, "UTF-32BE", &[b])?.and_then(|out| match utf32_chars(&out)[..] {
            [c] => c,
            _ => None,
        });
        chars.push(c);
    }
    Ok(chars)
}

/// Applies the blank rule: rejected bytes and control characters show as ' '.
fn graphic(c: Option<char>) -> char {
    match c {
        Some(c) if !c.is_control() => c,
        _ => ' ',
    }
}

/// A finished table.
struct Table {
    graphic: Vec<char>,
    reverse: BTreeMap<char, u8>,
}

fn build(source: &Source) -> Result<Table, String> {
    let (charmap, edits): (&str, &[(u8, char)]) = match source {
        Source::Glibc(name) => (name, &[]),
        Source::Edited(name, edits) => (name, edits),
    };
    let mut graphic: Vec<char> = decode(charmap)?.into_iter().map(graphic).collect();
    for &(b, c) in edits {
        graphic[usize::from(b - 0x40)] = c;
    }

    // Reverse mapping: the byte each character comes from, with ' ' only ever from 0x40.
    let mut by_char: BTreeMap<char, Vec<u8>> = BTreeMap::new();
    for (b, &c) in (0x40..=0xFFu8).zip(&graphic) {
        if c != ' ' || b == 0x40 {
            by_char.entry(c).or_default().push(b);
        }
    }
    let mut reverse = BTreeMap::new();
    for (c, bytes) in by_char {
        let byte = if let [b] = bytes[..] {
            b
        } else {
            // Ambiguous: take glibc's own choice when it has one on the unedited charmap,
            // else the lowest byte, which keeps the output stable.
            let mut buf = [0; 4];
            let glibc = if edits.is_empty() {
                iconv("UTF-8", charmap, c.encode_utf8(&mut buf).as_bytes())?
            } else {
                None
            };
            match glibc.as_deref() {
                Some(&[b]) if bytes.contains(&b) => b,
                _ => bytes[0],
            }
        };
        reverse.insert(c, byte);
    }
    Ok(Table { graphic, reverse })
}

/// A char literal that survives any editor: printable ASCII as itself, the rest escaped.
fn lit(c: char) -> String {
    match c {
        '\'' => "'\\''".to_owned(),
        '\\' => "'\\\\'".to_owned(),
        ' '..='~' => format!("'{c}'"),
        _ => format!("'\\u{{{:X}}}'", u32::from(c)),
    }
}

fn render(tables: &[(&str, Table)]) -> String {
    let mut s = String::new();
    s.push_str(
        "//! EBCDIC code page tables. GENERATED FILE, DO NOT EDIT.\n\
         //!\n\
         //! Written by `cargo run --example gen_codepages` (examples/gen_codepages.rs) from\n\
         //! glibc's iconv charmaps; the generator's doc comment explains every choice, and\n\
         //! `tests/codepage_iconv.rs` checks these tables against iconv again.\n\
         //!\n\
         //! Each table holds the characters of bytes 0x40..=0xFF, the byte of each ASCII\n\
         //! character (0 where the page lacks it) and the byte of each other character,\n\
         //! sorted by character for binary search.\n\
         \n\
         use super::Table;\n",
    );
    for (name, table) in tables {
        let _ = write!(
            s,
            "\npub(super) static {name}: Table = Table {{\n    graphic: [\n"
        );
        for (row, chunk) in table.graphic.chunks(8).enumerate() {
            let cells: Vec<String> = chunk.iter().map(|&c| lit(c)).collect();
            let _ = writeln!(
                s,
                "        /* {:02X} */ {},",
                0x40 + row * 8,
                cells.join(", ")
            );
        }
        s.push_str("    ],\n    ascii: [\n");
        let mut ascii = [0u8; 128];
        for (&c, &b) in &table.reverse {
            if c.is_ascii() {
                ascii[c as usize] = b;
            }
        }
        for (row, chunk) in ascii.chunks(8).enumerate() {
            let cells: Vec<String> = chunk.iter().map(|b| format!("0x{b:02X}")).collect();
            let _ = writeln!(s, "        /* {:02X} */ {},", row * 8, cells.join(", "));
        }
        s.push_str("    ],\n    non_ascii: &[\n");
        let others: Vec<String> = table
            .reverse
            .iter()
            .filter(|(c, _)| !c.is_ascii())
            .map(|(&c, &b)| format!("({}, 0x{b:02X})", lit(c)))
            .collect();
        for chunk in others.chunks(6) {
            let _ = writeln!(s, "        {},", chunk.join(", "));
        }
        s.push_str("    ],\n};\n");
    }
    s
}

fn main() -> Result<(), String> {
    let available = Command::new("iconv")
        .arg("-l")
        .output()
        .map_err(|e| format!("cannot run iconv (is glibc's iconv installed?): {e}"))?;
    let available = String::from_utf8_lossy(&available.stdout).to_uppercase();
    let known: Vec<&str> = available
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|n| n.trim_end_matches('/'))
        .collect();

    let mut tables = Vec::new();
    for (name, source) in PAGES {
        let (Source::Glibc(charmap) | Source::Edited(charmap, _)) = source;
        if !known.contains(charmap) {
            return Err(format!(
                "glibc iconv has no charmap {charmap} (needed for {name})"
            ));
        }
        tables.push((*name, build(source)?));
    }
    std::fs::write(OUTPUT, render(&tables)).map_err(|e| format!("writing {OUTPUT}: {e}"))?;
    eprintln!("wrote {OUTPUT}: {} tables", tables.len());
    Ok(())
}
