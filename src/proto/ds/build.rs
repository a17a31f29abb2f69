//! Building outbound 3270 records: what a host sends (IBM GA23-0059, "Write Operations",
//! "Orders", "Buffer Addressing").
//!
//! [`RecordBuilder`] appends a command, a WCC and orders named as in the spec (SBA, SF, SFE,
//! SA, MF, IC, PT, RA, EUA, GE) and writes buffer addresses in 12-bit coded form for screens
//! of up to 4096 cells and in 14-bit binary form above that, which is what a host must do for
//! a terminal that may not understand 14-bit addresses on small screens. It is sans-IO and
//! produces the bare record: telnet IAC doubling, the TN3270E header and IAC EOR are added by
//! whoever sends it ([`telnet::write_record`](crate::proto::telnet::write_record)).
//!
//! [`erase_write_from_screen`] turns a [`Screen`] back into one Erase/Write (Alternate) record
//! that recreates it, for the round-trip tests the design guide asks for and for any host that
//! wants to replay a screen. Nothing here panics: addresses come in as checked
//! [`BufferAddr`]s, and positions off the screen are clamped to it.

use crate::proto::addr::{AddressMode, BufferAddr, Dimensions, Position};
use crate::proto::attr::{ExtAttrs, FieldAttr, xa};
use crate::proto::codepage::CodePage;
use crate::proto::ds::parse::{Command, Wcc, code};
use crate::proto::screen::Screen;

/// WCC bits (GA23-0059 "Write Control Character"), to be or-ed into a [`Wcc`].
pub mod wcc {
    /// Reset partition characteristics (reply mode back to field mode).
    pub const RESET: u8 = 0x40;
    /// Start printer.
    pub const START_PRINTER: u8 = 0x08;
    /// Sound the alarm.
    pub const ALARM: u8 = 0x04;
    /// Restore (unlock) the keyboard.
    pub const KEYBOARD_RESTORE: u8 = 0x02;
    /// Reset every modified data tag.
    pub const RESET_MDT: u8 = 0x01;
}

/// The EBCDIC question mark, sent for characters the code page cannot show.
const QUESTION_MARK: u8 = 0x6F;

/// Appends orders to one outbound record. Methods take `&mut self` so that loops can add to
/// the same builder; [`RecordBuilder::finish`] hands the bytes over.
#[derive(Clone, Debug)]
pub struct RecordBuilder {
    buf: Vec<u8>,
    dims: Dimensions,
    mode: AddressMode,
}

impl RecordBuilder {
    /// A record for a screen of `dims` (the size the command leaves the screen in: the
    /// default size for Erase/Write, the alternate size for Erase/Write Alternate). Write
    /// commands get the WCC; other commands ignore it.
    pub fn new(command: Command, wcc: Wcc, dims: Dimensions) -> Self {
        let mut buf = Vec::with_capacity(256);
        buf.push(command.sna_byte());
        if command.is_write() {
            buf.push(wcc.0);
        }
        RecordBuilder {
            buf,
            dims,
            mode: AddressMode::for_dimensions(dims),
        }
    }

    /// The screen size addresses are written for.
    pub fn dims(&self) -> Dimensions {
        self.dims
    }

    /// The address of `row`, `col`, clamped to the screen so that a layout mistake draws in
    /// the wrong place instead of producing an address the terminal rejects.
    pub fn addr(&self, row: u16, col: u16) -> BufferAddr {
        let row = row.min(self.dims.rows.saturating_sub(1));
        let col = col.min(self.dims.cols.saturating_sub(1));
        BufferAddr::from_position(Position::new(row, col), self.dims).unwrap_or(BufferAddr::ZERO)
    }

    fn push_addr(&mut self, addr: BufferAddr) {
        self.buf.extend_from_slice(&addr.encode(self.mode));
    }

    /// Set Buffer Address.
    pub fn sba(&mut self, addr: BufferAddr) -> &mut Self {
        self.buf.push(code::SBA);
        self.push_addr(addr);
        self
    }

    /// Set Buffer Address to a row and column (0-based, clamped to the screen).
    pub fn sba_at(&mut self, row: u16, col: u16) -> &mut Self {
        let a = self.addr(row, col);
        self.sba(a)
    }

    /// Start Field with a field attribute. The attribute is sent as its graphic byte, as
    /// GA23-0059 recommends, so it never looks like an order code.
    pub fn sf(&mut self, attr: FieldAttr) -> &mut Self {
        self.buf.extend_from_slice(&[code::SF, attr.wire_byte()]);
        self
    }

    /// Start Field Extended with the field attribute and extended attribute pairs
    /// `(type, value)` (types from [`xa`]). The field attribute is the first pair.
    pub fn sfe(&mut self, attr: FieldAttr, pairs: &[(u8, u8)]) -> &mut Self {
        self.buf.push(code::SFE);
        self.buf
            .push(u8::try_from(pairs.len() + 1).unwrap_or(u8::MAX));
        self.buf.extend_from_slice(&[xa::FIELD, attr.wire_byte()]);
        for &(t, v) in pairs.iter().take(usize::from(u8::MAX) - 1) {
            self.buf.extend_from_slice(&[t, v]);
        }
        self
    }

    /// Set Attribute: a character attribute for the characters that follow
    /// (`xa::ALL, 0` resets them all).
    pub fn sa(&mut self, kind: u8, value: u8) -> &mut Self {
        self.buf.extend_from_slice(&[code::SA, kind, value]);
        self
    }

    /// Modify Field: change attributes of the field whose attribute is at the current
    /// address.
    pub fn mf(&mut self, pairs: &[(u8, u8)]) -> &mut Self {
        let pairs = &pairs[..pairs.len().min(usize::from(u8::MAX))];
        self.buf.push(code::MF);
        self.buf.push(pairs.len() as u8);
        for &(t, v) in pairs {
            self.buf.extend_from_slice(&[t, v]);
        }
        self
    }

    /// Insert Cursor at the current address.
    pub fn ic(&mut self) -> &mut Self {
        self.buf.push(code::IC);
        self
    }

    /// Program Tab.
    pub fn pt(&mut self) -> &mut Self {
        self.buf.push(code::PT);
        self
    }

    /// Repeat to Address: `ch` (EBCDIC) from the current address up to, not including,
    /// `stop` (the whole buffer when they are equal).
    pub fn ra(&mut self, stop: BufferAddr, ch: u8) -> &mut Self {
        self.buf.push(code::RA);
        self.push_addr(stop);
        self.buf.push(ch);
        self
    }

    /// Repeat to Address, the stop given as a row and column (clamped to the screen).
    pub fn ra_at(&mut self, row: u16, col: u16, ch: u8) -> &mut Self {
        let stop = self.addr(row, col);
        self.ra(stop, ch)
    }

    /// Repeat to Address with a Graphic Escape character.
    pub fn ra_ge(&mut self, stop: BufferAddr, ch: u8) -> &mut Self {
        self.buf.push(code::RA);
        self.push_addr(stop);
        self.buf.extend_from_slice(&[code::GE, ch]);
        self
    }

    /// Erase Unprotected to Address.
    pub fn eua(&mut self, stop: BufferAddr) -> &mut Self {
        self.buf.push(code::EUA);
        self.push_addr(stop);
        self
    }

    /// Graphic Escape: one character of the alternate (APL) character set.
    pub fn ge(&mut self, ch: u8) -> &mut Self {
        self.buf.extend_from_slice(&[code::GE, ch]);
        self
    }

    /// Text in the given code page. A character the page lacks, or one that would encode
    /// below 0x40 (where order codes live), is sent as `?`.
    pub fn text(&mut self, text: &str, cp: CodePage) -> &mut Self {
        self.buf
            .extend(text.chars().map(|c| match cp.from_unicode(c) {
                Some(b) if b >= 0x40 => b,
                _ => QUESTION_MARK,
            }));
        self
    }

    /// Raw bytes, appended as they are (data or orders the builder has no method for).
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }

    /// Bytes so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing (not even the command) was written; never true for a new builder.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The record.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// The Write Structured Field record with one Read Partition Query (partition X'FF', type
/// X'02'): what a host sends to learn what the terminal supports and, for `IBM-DYNAMIC`, how
/// big its screen is.
pub fn read_partition_query() -> Vec<u8> {
    vec![Command::Wsf.sna_byte(), 0x00, 0x05, 0x01, 0xFF, 0x02]
}

/// Whether a byte would be read as an order code inside text.
const fn is_order_code(b: u8) -> bool {
    matches!(
        b,
        code::SF
            | code::SFE
            | code::SBA
            | code::SA
            | code::MF
            | code::IC
            | code::PT
            | code::RA
            | code::EUA
            | code::GE
    )
}

/// The extended attribute types in the order SFE pairs and SA orders list them.
const EXT_TYPES: [u8; 7] = [
    xa::HIGHLIGHTING,
    xa::FOREGROUND,
    xa::BACKGROUND,
    xa::CHARSET,
    xa::OUTLINING,
    xa::TRANSPARENCY,
    xa::VALIDATION,
];

/// One Erase/Write (or Erase/Write Alternate, when the screen is in its alternate size) that
/// recreates `screen`: every field attribute with its extended attributes, every character
/// with its character attributes (as SA orders where they change), Graphic Escape characters,
/// and the cursor. Modified data tags travel inside the field attributes, so the field map
/// comes back exactly.
///
/// A plain character whose byte is an order code (possible only through RA) is sent with a
/// one-cell RA; the single exception, a non-GE character 0x08 (the GE order itself), cannot be
/// expressed in a write and comes back as a GE character.
pub fn erase_write_from_screen(screen: &Screen) -> Vec<u8> {
    let dims = screen.dims();
    let command = if screen.is_alternate() {
        Command::Ewa
    } else {
        Command::Ew
    };
    let mut b = RecordBuilder::new(command, Wcc(wcc::KEYBOARD_RESTORE), dims);
    b.sba(BufferAddr::ZERO);
    let mut current = ExtAttrs::DEFAULT;
    let mut addr = BufferAddr::ZERO;
    for cell in screen.cells() {
        if let Some(fa) = cell.attr() {
            if cell.ext.is_default() {
                b.sf(fa);
            } else {
                let pairs: Vec<(u8, u8)> = EXT_TYPES
                    .iter()
                    .map(|&t| (t, cell.ext.get(t)))
                    .filter(|&(_, v)| v != 0)
                    .collect();
                b.sfe(fa, &pairs);
            }
        } else {
            if cell.ext != current {
                if !current.is_default() {
                    b.sa(xa::ALL, 0);
                }
                for t in EXT_TYPES {
                    let v = cell.ext.get(t);
                    if v != 0 {
                        b.sa(t, v);
                    }
                }
                current = cell.ext;
            }
            let byte = cell.byte();
            if cell.is_ge() || byte == code::GE {
                b.ge(byte);
            } else if is_order_code(byte) {
                b.ra(addr.next(dims), byte);
            } else {
                b.bytes(&[byte]);
            }
        }
        addr = addr.next(dims);
    }
    b.sba(screen.cursor()).ic();
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::attr::Color;
    use crate::proto::ds::apply::apply_write;
    use crate::proto::ds::parse::Record;
    use proptest::prelude::*;

    fn apply(screen: &mut Screen, rec: &[u8]) {
        let r = Record::parse(rec).unwrap();
        let (_, result) = apply_write(screen, r.command, r.body);
        result.unwrap();
    }

    fn same_screen(a: &Screen, b: &Screen) {
        assert_eq!(a.dims(), b.dims());
        assert_eq!(a.is_alternate(), b.is_alternate());
        assert_eq!(a.cursor(), b.cursor());
        assert_eq!(a.fields(), b.fields());
        for (i, (x, y)) in a.cells().zip(b.cells()).enumerate() {
            assert_eq!(x, y, "cell {i}");
        }
    }

    #[test]
    fn built_orders_land_where_they_were_built() {
        let dims = Dimensions::MODEL_2;
        let cp = CodePage::default();
        let mut b = RecordBuilder::new(Command::Ew, Wcc(wcc::KEYBOARD_RESTORE), dims);
        b.sba_at(1, 0)
            .sf(FieldAttr::from_byte(FieldAttr::PROTECTED))
            .text("NAME", cp)
            .sfe(
                FieldAttr::from_byte(0),
                &[
                    (xa::FOREGROUND, Color::Turquoise.byte()),
                    (xa::HIGHLIGHTING, 0xF4),
                ],
            )
            .ic()
            .sba_at(1, 20)
            .sf(FieldAttr::from_byte(FieldAttr::PROTECTED))
            .sa(xa::FOREGROUND, Color::Red.byte())
            .text("!", cp)
            .sba_at(3, 0)
            .ra_at(3, 10, 0x5C)
            .ge(0xAD);
        let rec = b.finish();
        let mut s = Screen::new(dims, dims);
        apply(&mut s, &rec);
        let rows = s.text_rows(cp);
        assert_eq!(&rows[1][1..5], "NAME");
        assert_eq!(&rows[3][..10], "**********");
        assert_eq!(s.cursor_position(), Position::new(1, 6));
        let input = s.field_at(s.cursor()).unwrap();
        assert!(!input.attr.is_protected());
        assert_eq!(input.ext.fg, 0xF5);
        assert_eq!(input.ext.highlight, 0xF4);
        assert_eq!(input.len, 14);
        let bang = s.cell(b_addr(1, 21, dims));
        assert_eq!(bang.ext.fg, 0xF2);
        assert!(s.cell(b_addr(3, 10, dims)).is_ge());
    }

    fn b_addr(row: u16, col: u16, dims: Dimensions) -> BufferAddr {
        BufferAddr::from_position(Position::new(row, col), dims).unwrap()
    }

    #[test]
    fn addresses_are_12_bit_up_to_4096_cells_and_14_bit_above() {
        let small = RecordBuilder::new(Command::Ewa, Wcc(0), Dimensions::new(27, 132));
        let mut s = small.clone();
        s.sba_at(26, 131);
        // 26 * 132 + 131 = 3563 = 55 * 64 + 43: code table entries 55 and 43.
        assert_eq!(&s.finish()[2..], &[0x11, 0xF7, 0x6B]);
        let big = Dimensions::new(62, 160);
        let mut b = RecordBuilder::new(Command::Ewa, Wcc(0), big);
        b.sba_at(61, 159).text("Z", CodePage::default());
        let rec = b.finish();
        assert_eq!(&rec[2..5], &[0x11, 0x26, 0xBF]);
        let mut screen = Screen::new(Dimensions::MODEL_2, big);
        apply(&mut screen, &rec);
        assert_eq!(
            screen.text_rows(CodePage::default())[61].chars().last(),
            Some('Z')
        );
    }

    #[test]
    fn off_screen_positions_are_clamped_and_bad_text_is_a_question_mark() {
        let mut b = RecordBuilder::new(Command::W, Wcc(0), Dimensions::MODEL_2);
        b.sba_at(99, 99).text("a\u{1}\u{4e00}", CodePage::default());
        assert_eq!(
            b.finish(),
            vec![0xF1, 0x00, 0x11, 0x5D, 0x7F, 0x81, 0x6F, 0x6F]
        );
    }

    #[test]
    fn screen_to_erase_write_and_back() {
        let dims = Dimensions::new(43, 80);
        let cp = CodePage::default();
        let mut b = RecordBuilder::new(Command::Ewa, Wcc(0), dims);
        b.sf(FieldAttr::from_byte(0x28))
            .sa(xa::FOREGROUND, 0xF6)
            .text("HELLO", cp)
            .sa(xa::ALL, 0)
            .text(" there", cp)
            .sba_at(5, 10)
            .sfe(FieldAttr::from_byte(0x01), &[(xa::VALIDATION, 0x04)])
            .text("typed", cp)
            .sba_at(5, 30)
            .sf(FieldAttr::from_byte(0x2C))
            .sba_at(9, 0)
            .ra_at(9, 3, code::IC)
            .sa(xa::CHARSET, 0xF1)
            .text("AB", cp)
            .sba_at(20, 5)
            .ic();
        let mut original = Screen::new(Dimensions::MODEL_2, dims);
        apply(&mut original, &b.finish());
        let mut copy = Screen::new(Dimensions::MODEL_2, dims);
        apply(&mut copy, &erase_write_from_screen(&original));
        same_screen(&original, &copy);
    }

    /// One random element of a write, for the round-trip property.
    #[derive(Clone, Debug)]
    enum Piece {
        Sba(u16),
        Sf(u8),
        Sfe(u8, u8, u8),
        Sa(u8, u8),
        Text(Vec<u8>),
        Ge(u8),
        Ra(u16, u8),
        Ic,
    }

    fn piece() -> impl Strategy<Value = Piece> {
        prop_oneof![
            (0u16..1920).prop_map(Piece::Sba),
            any::<u8>().prop_map(Piece::Sf),
            (
                any::<u8>(),
                0xF0u8..=0xFF,
                prop_oneof![Just(0u8), Just(0xF1), Just(0xF4)]
            )
                .prop_map(|(a, c, h)| Piece::Sfe(a, c, h)),
            (
                prop_oneof![Just(xa::FOREGROUND), Just(xa::HIGHLIGHTING), Just(xa::ALL)],
                0xF0u8..=0xFF
            )
                .prop_map(|(t, v)| Piece::Sa(t, v)),
            proptest::collection::vec(0x40u8..=0xFF, 1..30).prop_map(Piece::Text),
            (0x40u8..=0xFE).prop_map(Piece::Ge),
            (
                0u16..1920,
                any::<u8>().prop_filter("not GE", |&c| c != code::GE)
            )
                .prop_map(|(a, c)| Piece::Ra(a, c)),
            Just(Piece::Ic),
        ]
    }

    proptest! {
        #[test]
        fn any_built_screen_survives_the_erase_write_round_trip(
            pieces in proptest::collection::vec(piece(), 0..40)
        ) {
            let dims = Dimensions::MODEL_2;
            let mut b = RecordBuilder::new(Command::Ew, Wcc(0), dims);
            for p in &pieces {
                match p {
                    Piece::Sba(a) => { b.sba(BufferAddr::new(usize::from(*a), dims).unwrap()); }
                    Piece::Sf(a) => { b.sf(FieldAttr::from_byte(*a)); }
                    Piece::Sfe(a, c, h) => {
                        b.sfe(FieldAttr::from_byte(*a), &[(xa::FOREGROUND, *c), (xa::HIGHLIGHTING, *h)]);
                    }
                    Piece::Sa(t, v) => { b.sa(*t, *v); }
                    Piece::Text(t) => { b.bytes(t); }
                    Piece::Ge(c) => { b.ge(*c); }
                    Piece::Ra(a, c) => { b.ra(BufferAddr::new(usize::from(*a), dims).unwrap(), *c); }
                    Piece::Ic => { b.ic(); }
                }
            }
            let mut original = Screen::new(dims, dims);
            apply(&mut original, &b.finish());
            let mut copy = Screen::new(dims, dims);
            apply(&mut copy, &erase_write_from_screen(&original));
            same_screen(&original, &copy);
        }
    }
}
