//! EBCDIC <-> Unicode translation for the single-byte host code pages.
//!
//! This module owns the mapping between the graphic bytes of a host code page and Unicode, the
//! names users pick a code page by, and the CGCSGID (GCSGID << 16 | CPGID) the terminal
//! advertises in the Character Sets query reply (IBM GA23-0059, "Query Reply (Character
//! Sets)") and in the TN3270E NEW-ENVIRON exchange. The pages and their names follow the set
//! x3270 offers, plus 924, 1025 and 1154; the mappings themselves are glibc's (IBM CDRA
//! definitions), generated into `codepage/tables.rs` by `examples/gen_codepages.rs`.
//!
//! Bytes 0x00..=0x3F are orders and controls, which the screen layer interprets itself, so
//! [`CodePage::to_unicode`] shows them as blanks. Lookups are pure table reads: nothing here
//! allocates except the error of a failed [`str::parse`], and nothing panics.

#[rustfmt::skip]
mod tables;

use std::fmt;
use std::str::FromStr;

/// One page's tables, as generated into [`tables`].
struct Table {
    /// The character each byte 0x40..=0xFF stands for; undefined bytes are ' '.
    graphic: [char; 192],
    /// The byte for each ASCII character, 0 where the page lacks it (0x00 is never graphic).
    ascii: [u8; 128],
    /// The byte for each non-ASCII character, sorted by character.
    non_ascii: &'static [(char, u8)],
}

/// Which page a [`CodePage`] is; the discriminant indexes [`PAGES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Id {
    Bracket,
    Cp037,
    Cp273,
    Cp275,
    Cp277,
    Cp278,
    Cp280,
    Cp284,
    Cp285,
    Cp297,
    Cp424,
    Cp500,
    Cp803,
    Cp870,
    Cp871,
    Cp875,
    Cp880,
    Cp924,
    Cp1025,
    Cp1026,
    Cp1047,
    Cp1123,
    Cp1140,
    Cp1141,
    Cp1142,
    Cp1143,
    Cp1144,
    Cp1145,
    Cp1146,
    Cp1147,
    Cp1148,
    Cp1149,
    Cp1154,
    Cp1158,
    Cp1160,
}

/// Everything known about one page besides its tables.
struct Info {
    name: &'static str,
    cpgid: u16,
    gcsgid: u16,
    aliases: &'static [&'static str],
    table: &'static Table,
}

/// The GCSGID of the Latin-1 pages without the euro (character set 697).
const LATIN1: u16 = 697;
/// The GCSGID of the Latin-1 pages with the euro (character set 695).
const LATIN1_EURO: u16 = 695;

/// One entry per [`Id`], in the same order. Names, aliases and CGCSGIDs are the ones x3270
/// uses. The x3270 sources at hand predate its 1123 and 1158 entries, so those two, and 924,
/// 1025 and 1154, which x3270 does not offer, carry the GCSGIDs of IBM's host code page
/// references (1158/1388, 924/1353, 1025/1150, 1154/1381); 1123's 1326 is IBM's registry
/// value and the least certain of them. "ukrainian" and "ukrainian-euro" are this crate's
/// aliases, after wx3270's names for those pages.
static PAGES: [Info; 35] = [
    page(
        "bracket",
        37,
        LATIN1,
        &["oldibm", "bracket437"],
        &tables::BRACKET,
    ),
    page(
        "cp037",
        37,
        LATIN1,
        &["cp37", "us", "us-intl"],
        &tables::CP037,
    ),
    page("cp273", 273, LATIN1, &["german"], &tables::CP273),
    page("cp275", 275, LATIN1, &["brazilian"], &tables::CP275),
    page("cp277", 277, LATIN1, &["norwegian"], &tables::CP277),
    page(
        "cp278",
        278,
        LATIN1,
        &["finnish", "swedish"],
        &tables::CP278,
    ),
    page("cp280", 280, LATIN1, &["italian"], &tables::CP280),
    page("cp284", 284, LATIN1, &["spanish"], &tables::CP284),
    page("cp285", 285, LATIN1, &["uk"], &tables::CP285),
    page("cp297", 297, LATIN1, &["french"], &tables::CP297),
    page("cp424", 424, 1349, &["hebrew"], &tables::CP424),
    page("cp500", 500, LATIN1, &["belgian"], &tables::CP500),
    page("cp803", 803, 1147, &["hebrew-old"], &tables::CP803),
    page("cp870", 870, 959, &["polish", "slovenian"], &tables::CP870),
    page("cp871", 871, LATIN1, &["icelandic"], &tables::CP871),
    page("cp875", 875, 925, &["greek"], &tables::CP875),
    page("cp880", 880, 959, &["russian"], &tables::CP880),
    page("cp924", 924, 1353, &[], &tables::CP924),
    page("cp1025", 1025, 1150, &[], &tables::CP1025),
    page("cp1026", 1026, 1152, &["turkish"], &tables::CP1026),
    page("cp1047", 1047, LATIN1, &[], &tables::CP1047),
    page("cp1123", 1123, 1326, &["ukrainian"], &tables::CP1123),
    page("cp1140", 1140, LATIN1_EURO, &["us-euro"], &tables::CP1140),
    page(
        "cp1141",
        1141,
        LATIN1_EURO,
        &["german-euro"],
        &tables::CP1141,
    ),
    page(
        "cp1142",
        1142,
        LATIN1_EURO,
        &["norwegian-euro"],
        &tables::CP1142,
    ),
    page(
        "cp1143",
        1143,
        LATIN1_EURO,
        &["finnish-euro", "swedish-euro"],
        &tables::CP1143,
    ),
    page(
        "cp1144",
        1144,
        LATIN1_EURO,
        &["italian-euro"],
        &tables::CP1144,
    ),
    page(
        "cp1145",
        1145,
        LATIN1_EURO,
        &["spanish-euro"],
        &tables::CP1145,
    ),
    page("cp1146", 1146, LATIN1_EURO, &["uk-euro"], &tables::CP1146),
    page(
        "cp1147",
        1147,
        LATIN1_EURO,
        &["french-euro"],
        &tables::CP1147,
    ),
    page(
        "cp1148",
        1148,
        LATIN1_EURO,
        &["belgian-euro"],
        &tables::CP1148,
    ),
    page(
        "cp1149",
        1149,
        LATIN1_EURO,
        &["icelandic-euro"],
        &tables::CP1149,
    ),
    page("cp1154", 1154, 1381, &[], &tables::CP1154),
    page("cp1158", 1158, 1388, &["ukrainian-euro"], &tables::CP1158),
    page("cp1160", 1160, 1395, &["thai"], &tables::CP1160),
];

const fn page(
    name: &'static str,
    cpgid: u16,
    gcsgid: u16,
    aliases: &'static [&'static str],
    table: &'static Table,
) -> Info {
    Info {
        name,
        cpgid,
        gcsgid,
        aliases,
        table,
    }
}

/// Every page, in [`PAGES`] order.
static ALL: [CodePage; 35] = {
    use Id::{
        Bracket, Cp037, Cp273, Cp275, Cp277, Cp278, Cp280, Cp284, Cp285, Cp297, Cp424, Cp500,
        Cp803, Cp870, Cp871, Cp875, Cp880, Cp924, Cp1025, Cp1026, Cp1047, Cp1123, Cp1140, Cp1141,
        Cp1142, Cp1143, Cp1144, Cp1145, Cp1146, Cp1147, Cp1148, Cp1149, Cp1154, Cp1158, Cp1160,
    };
    let ids = [
        Bracket, Cp037, Cp273, Cp275, Cp277, Cp278, Cp280, Cp284, Cp285, Cp297, Cp424, Cp500,
        Cp803, Cp870, Cp871, Cp875, Cp880, Cp924, Cp1025, Cp1026, Cp1047, Cp1123, Cp1140, Cp1141,
        Cp1142, Cp1143, Cp1144, Cp1145, Cp1146, Cp1147, Cp1148, Cp1149, Cp1154, Cp1158, Cp1160,
    ];
    let mut all = [CodePage { id: Bracket }; 35];
    let mut i = 0;
    while i < ids.len() {
        all[i] = CodePage { id: ids[i] };
        i += 1;
    }
    all
};

/// A single-byte EBCDIC host code page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodePage {
    id: Id,
}

impl Default for CodePage {
    /// x3270's default, "bracket": 037 with the square brackets where older hosts expect them.
    fn default() -> Self {
        CodePage { id: Id::Bracket }
    }
}

impl CodePage {
    /// Every supported page, "bracket" first, then by number.
    pub fn all() -> &'static [CodePage] {
        &ALL
    }

    /// Looks a page up, ignoring ASCII case: by canonical name ("cp1047", "bracket"), by x3270
    /// alias ("german", "us-euro"), or by number with or without a "cp", "ibm" or "ibm-"
    /// prefix and leading zeros ("37", "037", "ibm-1047", "IBM037").
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim();
        let by_name = ALL.iter().copied().find(|cp| {
            let info = cp.info();
            info.name.eq_ignore_ascii_case(name)
                || info.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        });
        by_name.or_else(|| Self::from_number_text(name))
    }

    /// The numeric forms of a name: digits, optionally after a "cp"/"ibm"/"ibm-" prefix.
    fn from_number_text(name: &str) -> Option<Self> {
        let digits = ["ibm-", "ibm_", "ibm", "cp-", "cp"]
            .iter()
            .find_map(|p| {
                let head = name.get(..p.len())?;
                head.eq_ignore_ascii_case(p).then(|| &name[p.len()..])
            })
            .unwrap_or(name);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let number: u16 = digits.trim_start_matches('0').parse().ok()?;
        Self::from_number(number)
    }

    /// The page with this CPGID. 37 is the real 037, not "bracket", which only borrows the
    /// number for its CGCSGID.
    pub fn from_number(number: u16) -> Option<Self> {
        ALL.iter()
            .copied()
            .find(|cp| cp.id != Id::Bracket && cp.info().cpgid == number)
    }

    fn info(self) -> &'static Info {
        &PAGES[self.id as usize]
    }

    /// Canonical name, as x3270 spells it ("cp037", "bracket").
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The other names x3270 accepts for this page ("german" for cp273).
    pub fn aliases(self) -> &'static [&'static str] {
        self.info().aliases
    }

    /// The code page number (CPGID); 37 for "bracket".
    pub fn number(self) -> u16 {
        self.info().cpgid
    }

    /// Coded graphic character set id: GCSGID in the high 16 bits, CPGID in the low 16.
    pub fn cgcsgid(self) -> u32 {
        let info = self.info();
        (u32::from(info.gcsgid) << 16) | u32::from(info.cpgid)
    }

    /// The character a byte stands for. Bytes 0x00..=0x3F, and graphic bytes the page leaves
    /// undefined, give ' '.
    pub fn to_unicode(self, b: u8) -> char {
        match b.checked_sub(0x40) {
            Some(i) => self.info().table.graphic[usize::from(i)],
            None => ' ',
        }
    }

    /// The byte for a character, if this page has it. ASCII is one table read; anything else
    /// is a binary search over the page's non-ASCII characters.
    pub fn from_unicode(self, c: char) -> Option<u8> {
        let table = self.info().table;
        let b = if c.is_ascii() {
            table.ascii[c as usize]
        } else {
            let i = table.non_ascii.binary_search_by_key(&c, |&(k, _)| k).ok()?;
            table.non_ascii[i].1
        };
        (b != 0).then_some(b)
    }
}

impl fmt::Display for CodePage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing a code page name that no page answers to.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown host code page {0:?}")]
pub struct UnknownCodePage(pub String);

impl FromStr for CodePage {
    type Err = UnknownCodePage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CodePage::from_name(s).ok_or_else(|| UnknownCodePage(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(name: &str) -> CodePage {
        CodePage::from_name(name).unwrap()
    }

    #[test]
    fn pages_and_ids_line_up() {
        assert_eq!(ALL.len(), PAGES.len());
        for (i, page) in ALL.iter().enumerate() {
            assert_eq!(page.id as usize, i);
        }
        let mut names: Vec<_> = ALL.iter().map(|p| p.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }

    #[test]
    fn every_required_page_is_there() {
        let numbers = [
            37, 273, 275, 277, 278, 280, 284, 285, 297, 424, 500, 803, 870, 871, 875, 880, 924,
            1025, 1026, 1047, 1123, 1140, 1141, 1142, 1143, 1144, 1145, 1146, 1147, 1148, 1149,
            1154, 1158, 1160,
        ];
        for n in numbers {
            let page = CodePage::from_number(n).unwrap();
            assert_eq!(page.number(), n);
            assert_eq!(page.name(), format!("cp{n:03}"));
        }
    }

    #[test]
    fn default_is_bracket() {
        let d = CodePage::default();
        assert_eq!(d.name(), "bracket");
        assert_eq!(d.cgcsgid(), 0x02B9_0025);
        assert_eq!(d.number(), 37);
    }

    #[test]
    fn cp037_basics() {
        let p = cp("cp037");
        assert_eq!(p.from_unicode('A'), Some(0xC1));
        assert_eq!(p.from_unicode('0'), Some(0xF0));
        assert_eq!(p.from_unicode(' '), Some(0x40));
        assert_eq!(p.to_unicode(0xC1), 'A');
        assert_eq!(p.to_unicode(0xF0), '0');
        assert_eq!(p.to_unicode(0x40), ' ');
        assert_eq!(p.from_unicode('['), Some(0xBA));
        assert_eq!(p.from_unicode(']'), Some(0xBB));
        assert_eq!(p.cgcsgid(), 0x02B9_0025);
    }

    #[test]
    fn bracket_moves_the_brackets() {
        let b = CodePage::default();
        let c = cp("037");
        assert_eq!(b.from_unicode('['), Some(0xAD));
        assert_eq!(b.from_unicode(']'), Some(0xBD));
        assert_eq!(b.to_unicode(0xBA), 'Ý');
        assert_eq!(b.to_unicode(0xBB), '¨');
        assert_eq!(c.to_unicode(0xAD), 'Ý');
        assert_eq!(c.to_unicode(0xBD), '¨');
        let differ: Vec<u8> = (0x40..=0xFF)
            .filter(|&x| b.to_unicode(x) != c.to_unicode(x))
            .collect();
        assert_eq!(differ, [0xAD, 0xBA, 0xBB, 0xBD]);
    }

    #[test]
    fn controls_are_blank() {
        for page in CodePage::all() {
            for b in 0..0x40 {
                assert_eq!(page.to_unicode(b), ' ');
            }
            assert_eq!(page.from_unicode(' '), Some(0x40));
            assert_eq!(page.from_unicode('\n'), None);
            assert_eq!(page.from_unicode('\u{0}'), None);
        }
    }

    #[test]
    fn round_trip_where_one_to_one() {
        for page in CodePage::all() {
            let mut seen = std::collections::HashMap::new();
            for b in 0x40..=0xFFu8 {
                *seen.entry(page.to_unicode(b)).or_insert(0) += 1;
            }
            for b in 0x40..=0xFFu8 {
                let c = page.to_unicode(b);
                if c == ' ' && b != 0x40 {
                    // Undefined byte: blank, with no way back.
                    continue;
                }
                if seen[&c] == 1 {
                    assert_eq!(page.from_unicode(c), Some(b), "{page} byte {b:#04X} {c:?}");
                } else {
                    // Duplicates map back to one of their bytes.
                    let back = page.from_unicode(c).unwrap();
                    assert_eq!(page.to_unicode(back), c, "{page} {c:?}");
                }
            }
        }
    }

    #[test]
    fn lookups_by_name_alias_and_number() {
        for (name, want) in [
            ("037", "cp037"),
            ("37", "cp037"),
            ("0037", "cp037"),
            ("cp37", "cp037"),
            ("CP037", "cp037"),
            ("IBM037", "cp037"),
            ("ibm-37", "cp037"),
            ("us", "cp037"),
            ("us-intl", "cp037"),
            ("1047", "cp1047"),
            ("cp1047", "cp1047"),
            ("ibm-1047", "cp1047"),
            ("IBM1047", "cp1047"),
            ("bracket", "bracket"),
            ("Bracket", "bracket"),
            ("oldibm", "bracket"),
            ("german", "cp273"),
            ("GERMAN", "cp273"),
            ("uk", "cp285"),
            ("french", "cp297"),
            ("finnish", "cp278"),
            ("swedish", "cp278"),
            ("norwegian", "cp277"),
            ("italian", "cp280"),
            ("spanish", "cp284"),
            ("belgian", "cp500"),
            ("icelandic", "cp871"),
            ("turkish", "cp1026"),
            ("hebrew", "cp424"),
            ("greek", "cp875"),
            ("russian", "cp880"),
            ("thai", "cp1160"),
            ("us-euro", "cp1140"),
            ("german-euro", "cp1141"),
            ("uk-euro", "cp1146"),
            ("  cp924 ", "cp924"),
        ] {
            assert_eq!(cp(name).name(), want, "{name}");
            assert_eq!(name.parse::<CodePage>().unwrap().name(), want, "{name}");
        }
        for bad in [
            "", "cp", "ibm-", "cp999", "99999999", "klingon", "cp-1-047", "+37",
        ] {
            assert_eq!(CodePage::from_name(bad), None, "{bad}");
            assert!(bad.parse::<CodePage>().is_err());
        }
    }

    #[test]
    fn names_and_aliases_round_trip() {
        for page in CodePage::all() {
            assert_eq!(CodePage::from_name(page.name()), Some(*page));
            for alias in page.aliases() {
                assert_eq!(CodePage::from_name(alias), Some(*page), "{alias}");
            }
            assert_eq!(page.to_string(), page.name());
        }
    }

    #[test]
    fn cgcsgids() {
        for (name, want) in [
            ("cp273", 0x02B9_0111),
            ("cp1047", 0x02B9_0417),
            ("cp1140", 0x02B7_0474),
            ("cp424", 0x0545_01A8),
            ("cp803", 0x047B_0323),
            ("cp870", 0x03BF_0366),
            ("cp875", 0x039D_036B),
            ("cp880", 0x03BF_0370),
            ("cp1026", 0x0480_0402),
            ("cp1160", 0x0573_0488),
        ] {
            assert_eq!(cp(name).cgcsgid(), want, "{name}");
        }
    }

    #[test]
    fn euro_pages_have_the_euro() {
        for n in 1140..=1149 {
            assert!(
                CodePage::from_number(n)
                    .unwrap()
                    .from_unicode('€')
                    .is_some()
            );
        }
        assert_eq!(cp("cp924").from_unicode('€'), Some(0x9F));
    }
}
