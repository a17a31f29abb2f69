//! Building inbound records: Read Modified, Read Modified All and Read Buffer replies
//! (IBM GA23-0059, "Inbound Data Stream", "Read Operations" and "Reply Modes").
//!
//! The output is the 3270 record only (AID, cursor address, data); telnet escaping, the
//! TN3270E header and IAC EOR are added by the session. Non-display fields are sent like any
//! other (the host needs the password). For a record that is kept (a trace), the masked
//! builders ([`read_modified_masked`], [`read_buffer_masked`]) build the same reply with the
//! operator's input in non-display fields replaced, so the secret never exists in the copy.

use crate::proto::addr::{AddressMode, BufferAddr, Dimensions};
use crate::proto::attr::{ExtAttrs, xa};
use crate::proto::ds::apply::CHARSET_GE;
use crate::proto::ds::parse::DsError;
use crate::proto::ds::parse::code;
use crate::proto::key::Aid;
use crate::proto::screen::{Cell, NULL, Screen};

/// How the terminal reports attributes in reads (set by the Set Reply Mode structured field).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ReplyMode {
    /// Field mode: only field attributes (SF) in Read Buffer, no attributes in Read Modified.
    #[default]
    Field,
    /// Extended field mode: SFE with the field's extended attributes in Read Buffer.
    ExtendedField,
    /// Character mode: as extended field, plus SA orders for the listed character attribute
    /// types wherever they change.
    Character(Vec<u8>),
}

/// Which read the host asked for, or which AID the operator pressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadKind {
    /// Read Modified (or an AID): modified fields only; short read for PA keys and Clear.
    Modified,
    /// Read Modified All: modified fields whatever the AID.
    ModifiedAll,
}

fn addr_bytes(out: &mut Vec<u8>, addr: BufferAddr, mode: AddressMode) {
    out.extend_from_slice(&addr.encode(mode));
}

/// Tracks character attributes already announced with SA in character reply mode.
struct SaTracker<'a> {
    types: &'a [u8],
    current: ExtAttrs,
}

impl SaTracker<'_> {
    fn emit(&mut self, out: &mut Vec<u8>, ext: ExtAttrs) {
        for &t in self.types {
            let v = ext.get(t);
            if v != self.current.get(t) {
                out.extend_from_slice(&[code::SA, t, v]);
                self.current.set(t, v);
            }
        }
    }
}

/// What a masked Read Modified carries for a modified, unprotected non-display field: eight
/// EBCDIC asterisks whatever the operator typed, even nothing, so that neither the text nor
/// its length is kept.
pub const MASK: [u8; 8] = [0x5C; 8];

/// EBCDIC `*`: what a masked Read Buffer carries in every position of an unprotected
/// non-display field (the field's length is the host's, not a secret).
const MASK_CELL: u8 = 0x5C;

/// Whether a field holds operator input that must not be kept: unprotected and
/// non-display (a password). Protected non-display fields hold only what the host wrote.
fn secret(attr: crate::proto::attr::FieldAttr) -> bool {
    attr.is_non_display() && !attr.is_protected()
}

/// Append a Read Modified (or Read Modified All) reply for `aid`.
pub fn read_modified(
    screen: &Screen,
    aid: Aid,
    kind: ReadKind,
    reply_mode: &ReplyMode,
    out: &mut Vec<u8>,
) {
    read_modified_with(screen, aid, kind, reply_mode, false, out);
}

/// [`read_modified`] for a copy that is kept (a trace): each modified unprotected
/// non-display field carries [`MASK`] instead of its contents.
pub fn read_modified_masked(
    screen: &Screen,
    aid: Aid,
    kind: ReadKind,
    reply_mode: &ReplyMode,
    out: &mut Vec<u8>,
) {
    read_modified_with(screen, aid, kind, reply_mode, true, out);
}

fn read_modified_with(
    screen: &Screen,
    aid: Aid,
    kind: ReadKind,
    reply_mode: &ReplyMode,
    mask: bool,
    out: &mut Vec<u8>,
) {
    out.push(aid.code());
    if kind == ReadKind::Modified && aid.is_short_read() {
        return;
    }
    let dims = screen.dims();
    let mode = AddressMode::for_dimensions(dims);
    addr_bytes(out, screen.cursor(), mode);
    let mut sa = match reply_mode {
        ReplyMode::Character(types) => Some(SaTracker {
            types: types.as_slice(),
            current: ExtAttrs::DEFAULT,
        }),
        _ => None,
    };
    let mut push_cell = |out: &mut Vec<u8>, addr: BufferAddr| {
        let cell = screen.cell(addr);
        if cell.byte() == NULL {
            return;
        }
        if let Some(t) = sa.as_mut() {
            t.emit(out, cell.ext);
        }
        if cell.is_ge() {
            out.push(code::GE);
        }
        out.push(cell.byte());
    };
    if !screen.is_formatted() {
        for i in 0..dims.cells() {
            if let Some(a) = BufferAddr::new(i, dims) {
                push_cell(out, a);
            }
        }
        return;
    }
    for f in screen.fields() {
        if !f.attr.is_modified() {
            continue;
        }
        out.push(code::SBA);
        addr_bytes(out, f.start(dims), mode);
        if mask && secret(f.attr) {
            out.extend_from_slice(&MASK);
            continue;
        }
        for a in f.positions(dims) {
            push_cell(out, a);
        }
    }
}

/// Append a Read Buffer reply: every position, attributes as SF/SFE, nulls included.
pub fn read_buffer(screen: &Screen, aid: Aid, reply_mode: &ReplyMode, out: &mut Vec<u8>) {
    read_buffer_with(screen, aid, reply_mode, false, out);
}

/// [`read_buffer`] for a copy that is kept (a trace): every position of an unprotected
/// non-display field carries an asterisk, whatever it holds (nulls included).
pub fn read_buffer_masked(screen: &Screen, aid: Aid, reply_mode: &ReplyMode, out: &mut Vec<u8>) {
    read_buffer_with(screen, aid, reply_mode, true, out);
}

fn read_buffer_with(
    screen: &Screen,
    aid: Aid,
    reply_mode: &ReplyMode,
    mask: bool,
    out: &mut Vec<u8>,
) {
    out.push(aid.code());
    let dims = screen.dims();
    addr_bytes(out, screen.cursor(), AddressMode::for_dimensions(dims));
    let mut sa = match reply_mode {
        ReplyMode::Character(types) => Some(SaTracker {
            types: types.as_slice(),
            current: ExtAttrs::DEFAULT,
        }),
        _ => None,
    };
    // Characters in a field whose character set is GE (SFE charset 0xF1) are GE characters
    // unless they carry a character set of their own.
    let last_attr = screen.cells().rev().find(Cell::is_field_attr);
    let mut field_ge = last_attr.is_some_and(|c| c.ext.charset == CHARSET_GE);
    // Positions before the first attribute belong to the last field (the buffer wraps).
    let mut hidden_input = mask && last_attr.and_then(|c| c.attr()).is_some_and(secret);
    for cell in screen.cells() {
        if let Some(fa) = cell.attr() {
            field_ge = cell.ext.charset == CHARSET_GE;
            hidden_input = mask && secret(fa);
            if *reply_mode == ReplyMode::Field {
                out.extend_from_slice(&[code::SF, fa.wire_byte()]);
            } else {
                let mut pairs: Vec<[u8; 2]> = vec![[xa::FIELD, fa.wire_byte()]];
                for t in [
                    xa::VALIDATION,
                    xa::OUTLINING,
                    xa::HIGHLIGHTING,
                    xa::FOREGROUND,
                    xa::CHARSET,
                    xa::BACKGROUND,
                    xa::TRANSPARENCY,
                ] {
                    let v = cell.ext.get(t);
                    if v != 0 {
                        pairs.push([t, v]);
                    }
                }
                out.push(code::SFE);
                out.push(u8::try_from(pairs.len()).unwrap_or(1));
                for p in pairs {
                    out.extend_from_slice(&p);
                }
            }
            continue;
        }
        if let Some(t) = sa.as_mut() {
            t.emit(out, cell.ext);
        }
        if hidden_input {
            out.push(MASK_CELL);
            continue;
        }
        if cell.is_ge() || (field_ge && cell.ext.charset == 0) {
            out.push(code::GE);
        }
        out.push(cell.byte());
    }
}

/// One field of an inbound Read Modified record: where its data starts (the address after
/// the SBA, i.e. the field's first data position) and its data bytes as sent (EBCDIC, nulls
/// already left out by the terminal; Graphic Escape pairs kept as `0x08, char`; Set Attribute
/// orders of character reply mode dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundField {
    pub addr: BufferAddr,
    pub data: Vec<u8>,
}

/// An inbound record as the host sees it (GA23-0059 "Inbound Data Stream").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inbound {
    /// The attention identifier.
    pub aid: Aid,
    /// The cursor address; `None` in a short read (PA keys, Clear), which is the AID alone.
    pub cursor: Option<BufferAddr>,
    /// The modified fields, in the order sent. Data before the first SBA (an unformatted
    /// screen sends its whole buffer that way) is reported as a field at address 0.
    pub fields: Vec<InboundField>,
}

/// The AID an inbound AID byte names (the inverse of [`Aid::code`]).
fn aid_from_code(b: u8) -> Option<Aid> {
    const PF: [u8; 24] = [
        0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0x7A, 0x7B, 0x7C, 0xC1, 0xC2, 0xC3,
        0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0x4A, 0x4B, 0x4C,
    ];
    if let Some(i) = PF.iter().position(|&c| c == b) {
        return Some(Aid::Pf(i as u8 + 1));
    }
    Some(match b {
        0x7D => Aid::Enter,
        0x6C => Aid::Pa(1),
        0x6E => Aid::Pa(2),
        0x6B => Aid::Pa(3),
        0x6D => Aid::Clear,
        0xF0 => Aid::SysReq,
        0x7E => Aid::SelectorPen,
        0x60 => Aid::NoAid,
        0x88 => Aid::StructuredField,
        _ => return None,
    })
}

/// Parse an inbound Read Modified / Read Modified All record (the 3270 record alone: no
/// TN3270E header, telnet escaping already undone), for the host side of a connection.
///
/// `dims` is the screen size the host last wrote in; addresses beyond it are an error, as is
/// an unknown AID or an order cut short. A structured-field record (AID X'88', e.g. a Query
/// Reply) is returned with its AID only: its payload is for [`super::sf`]-style parsing by the
/// caller. Error offsets count from the AID byte.
pub fn parse_inbound(record: &[u8], dims: Dimensions) -> Result<Inbound, DsError> {
    let (&aid_byte, rest) = record.split_first().ok_or(DsError::Empty)?;
    let aid = aid_from_code(aid_byte).ok_or(DsError::Invalid {
        what: "AID",
        offset: 0,
    })?;
    let mut inbound = Inbound {
        aid,
        cursor: None,
        fields: Vec::new(),
    };
    if aid == Aid::StructuredField || rest.is_empty() {
        return Ok(inbound);
    }
    let decode = |b: &[u8], offset: usize| -> Result<BufferAddr, DsError> {
        match *b {
            [b1, b2, ..] => {
                let raw = BufferAddr::decode_raw(b1, b2);
                BufferAddr::new(usize::from(raw), dims).ok_or(DsError::BadAddress {
                    addr: raw,
                    offset,
                    cells: dims.cells(),
                })
            }
            _ => Err(DsError::Truncated { order: 0, offset }),
        }
    };
    inbound.cursor = Some(decode(rest, 1)?);
    let mut i = 3;
    let mut current: Option<InboundField> = None;
    while let Some(&b) = record.get(i) {
        match b {
            code::SBA => {
                let addr =
                    decode(record.get(i + 1..).unwrap_or_default(), i).map_err(|e| match e {
                        DsError::Truncated { .. } => DsError::Truncated {
                            order: code::SBA,
                            offset: i,
                        },
                        other => other,
                    })?;
                inbound.fields.extend(current.take());
                current = Some(InboundField {
                    addr,
                    data: Vec::new(),
                });
                i += 3;
            }
            code::SA => {
                if record.len() < i + 3 {
                    return Err(DsError::Truncated {
                        order: code::SA,
                        offset: i,
                    });
                }
                i += 3;
            }
            code::GE => {
                let ch = *record.get(i + 1).ok_or(DsError::Truncated {
                    order: code::GE,
                    offset: i,
                })?;
                current
                    .get_or_insert_with(|| InboundField {
                        addr: BufferAddr::ZERO,
                        data: Vec::new(),
                    })
                    .data
                    .extend_from_slice(&[code::GE, ch]);
                i += 2;
            }
            _ => {
                current
                    .get_or_insert_with(|| InboundField {
                        addr: BufferAddr::ZERO,
                        data: Vec::new(),
                    })
                    .data
                    .push(b);
                i += 1;
            }
        }
    }
    inbound.fields.extend(current);
    Ok(inbound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::addr::Dimensions;
    use crate::proto::ds::apply::apply_write;
    use crate::proto::ds::parse::Record;

    fn screen_with(rec: &[u8]) -> Screen {
        let mut s = Screen::new(Dimensions::MODEL_2, Dimensions::MODEL_2);
        let r = Record::parse(rec).unwrap();
        apply_write(&mut s, r.command, r.body).1.unwrap();
        s
    }

    #[test]
    fn read_modified_sends_modified_fields_without_nulls() {
        // SF prot "A" at 0-1, SF unprot+MDT at 2 with "B" null "C", SF prot at 6, IC at 3.
        let s = screen_with(&[
            0xF5, 0xC2, 0x1D, 0x60, 0xC1, 0x1D, 0xC1, 0xC2, 0x00, 0xC3, 0x1D, 0x60, 0x11, 0x40,
            0xC3, 0x13,
        ]);
        let mut out = Vec::new();
        read_modified(
            &s,
            Aid::Enter,
            ReadKind::Modified,
            &ReplyMode::Field,
            &mut out,
        );
        assert_eq!(out, vec![0x7D, 0x40, 0xC3, 0x11, 0x40, 0xC3, 0xC2, 0xC3]);
    }

    #[test]
    fn masked_read_modified_hides_the_text_and_its_length() {
        // SF prot "A" at 0-1; SF unprot, non-display, MDT at 2 with "B" null "C"; SF prot
        // at 6; a second unprot non-display MDT field at 7 left empty; SF prot at 9.
        let s = screen_with(&[
            0xF5, 0xC2, 0x1D, 0x60, 0xC1, 0x1D, 0x4D, 0xC2, 0x00, 0xC3, 0x1D, 0x60, 0x1D, 0x4D,
            0x00, 0x1D, 0x60, 0x11, 0x40, 0xC3, 0x13,
        ]);
        let mut wire = Vec::new();
        read_modified(
            &s,
            Aid::Enter,
            ReadKind::Modified,
            &ReplyMode::Field,
            &mut wire,
        );
        assert_eq!(
            wire,
            vec![
                0x7D, 0x40, 0xC3, 0x11, 0x40, 0xC3, 0xC2, 0xC3, 0x11, 0x40, 0xC8
            ]
        );
        let mut kept = Vec::new();
        read_modified_masked(
            &s,
            Aid::Enter,
            ReadKind::Modified,
            &ReplyMode::Field,
            &mut kept,
        );
        let mut expected = vec![0x7D, 0x40, 0xC3, 0x11, 0x40, 0xC3];
        expected.extend_from_slice(&MASK);
        expected.extend_from_slice(&[0x11, 0x40, 0xC8]);
        expected.extend_from_slice(&MASK);
        assert_eq!(kept, expected, "two and zero characters look the same");
        // A displayed field is kept as it is.
        let shown = screen_with(&[0xF5, 0xC2, 0x1D, 0xC1, 0xC2, 0x00, 0xC3]);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        read_modified(
            &shown,
            Aid::Enter,
            ReadKind::Modified,
            &ReplyMode::Field,
            &mut a,
        );
        read_modified_masked(
            &shown,
            Aid::Enter,
            ReadKind::Modified,
            &ReplyMode::Field,
            &mut b,
        );
        assert_eq!(a, b);
    }

    #[test]
    fn masked_read_buffer_hides_every_position_of_hidden_input() {
        // SF prot "A"; SF unprot non-display "B" null; SF prot non-display "H" (the host's).
        let s = screen_with(&[
            0xF5, 0xC2, 0x1D, 0x60, 0xC1, 0x1D, 0x4D, 0xC2, 0x00, 0x1D, 0x6C, 0xC8,
        ]);
        let mut wire = Vec::new();
        read_buffer(&s, Aid::Enter, &ReplyMode::Field, &mut wire);
        let mut kept = Vec::new();
        read_buffer_masked(&s, Aid::Enter, &ReplyMode::Field, &mut kept);
        assert_eq!(wire.len(), kept.len());
        // AID, cursor, SF 60 "A", SF 4D, then the two positions of the hidden input field.
        assert_eq!(
            &wire[..10],
            &[0x7D, 0x40, 0x40, 0x1D, 0x60, 0xC1, 0x1D, 0x4D, 0xC2, 0x00]
        );
        assert_eq!(
            &kept[..10],
            &[0x7D, 0x40, 0x40, 0x1D, 0x60, 0xC1, 0x1D, 0x4D, 0x5C, 0x5C]
        );
        // The protected non-display field is the host's text and stays.
        assert_eq!(&kept[10..13], &[0x1D, 0x6C, 0xC8]);
        assert_eq!(kept[10..], wire[10..]);
    }

    #[test]
    fn short_read_for_pa_and_clear() {
        let s = screen_with(&[0xF5, 0xC2, 0x1D, 0xC1, 0xC2]);
        let mut out = Vec::new();
        read_modified(
            &s,
            Aid::Pa(1),
            ReadKind::Modified,
            &ReplyMode::Field,
            &mut out,
        );
        assert_eq!(out, vec![0x6C]);
        out.clear();
        read_modified(
            &s,
            Aid::Pa(1),
            ReadKind::ModifiedAll,
            &ReplyMode::Field,
            &mut out,
        );
        assert_eq!(out, vec![0x6C, 0x40, 0x40, 0x11, 0x40, 0xC1, 0xC2]);
    }

    #[test]
    fn unformatted_read_modified_sends_all_data() {
        let s = screen_with(&[0xF5, 0xC2, 0xC1, 0x00, 0xC2]);
        let mut out = Vec::new();
        read_modified(
            &s,
            Aid::Enter,
            ReadKind::Modified,
            &ReplyMode::Field,
            &mut out,
        );
        assert_eq!(out, vec![0x7D, 0x40, 0x40, 0xC1, 0xC2]);
    }

    #[test]
    fn read_buffer_field_and_extended_modes() {
        let s = screen_with(&[0xF5, 0xC2, 0x29, 0x02, 0xC0, 0x60, 0x42, 0xF2, 0xC1]);
        let mut out = Vec::new();
        read_buffer(&s, Aid::NoAid, &ReplyMode::Field, &mut out);
        assert_eq!(&out[..6], &[0x60, 0x40, 0x40, 0x1D, 0x60, 0xC1]);
        assert_eq!(out.len(), 3 + 2 + 1919);
        out.clear();
        read_buffer(&s, Aid::NoAid, &ReplyMode::ExtendedField, &mut out);
        assert_eq!(
            &out[..10],
            &[0x60, 0x40, 0x40, 0x29, 0x02, 0xC0, 0x60, 0x42, 0xF2, 0xC1]
        );
    }

    #[test]
    fn fourteen_bit_cursor_address_on_big_screens() {
        let mut s = Screen::new(Dimensions::MODEL_2, Dimensions::new(62, 160));
        let r = Record::parse(&[0x7E, 0xC2, 0x11, 0x26, 0xBF, 0x13]).unwrap();
        apply_write(&mut s, r.command, r.body).1.unwrap();
        assert_eq!(s.cursor().index(), 0x26BF);
        let mut out = Vec::new();
        read_modified(
            &s,
            Aid::Enter,
            ReadKind::Modified,
            &ReplyMode::Field,
            &mut out,
        );
        assert_eq!(out, vec![0x7D, 0x26, 0xBF]);
    }

    #[test]
    fn parse_inbound_reads_back_read_modified() {
        let s = screen_with(&[
            0xF5, 0xC2, 0x1D, 0x60, 0xC1, 0x1D, 0xC1, 0xC2, 0x00, 0xC3, 0x1D, 0x60, 0x1D, 0x41,
            0xC4, 0x11, 0x40, 0xC3, 0x13,
        ]);
        for (aid, kind) in [
            (Aid::Enter, ReadKind::Modified),
            (Aid::Pf(8), ReadKind::Modified),
            (Aid::Pf(24), ReadKind::Modified),
            (Aid::Pa(2), ReadKind::ModifiedAll),
        ] {
            let mut out = Vec::new();
            read_modified(&s, aid, kind, &ReplyMode::Field, &mut out);
            let inbound = parse_inbound(&out, s.dims()).unwrap();
            assert_eq!(inbound.aid, aid);
            assert_eq!(inbound.cursor, Some(s.cursor()));
            let expected: Vec<InboundField> = s
                .fields()
                .iter()
                .filter(|f| f.attr.is_modified())
                .map(|f| InboundField {
                    addr: f.start(s.dims()),
                    data: f
                        .positions(s.dims())
                        .map(|a| s.cell(a).byte())
                        .filter(|&b| b != NULL)
                        .collect(),
                })
                .collect();
            assert_eq!(inbound.fields, expected);
            assert_eq!(inbound.fields.len(), 2);
            assert_eq!(inbound.fields[0].data, vec![0xC2, 0xC3]);
        }
    }

    #[test]
    fn parse_inbound_short_reads_and_errors() {
        let s = screen_with(&[0xF5, 0xC2, 0x1D, 0xC1, 0xC2]);
        for aid in [Aid::Clear, Aid::Pa(1), Aid::Pa(3)] {
            let mut out = Vec::new();
            read_modified(&s, aid, ReadKind::Modified, &ReplyMode::Field, &mut out);
            let inbound = parse_inbound(&out, s.dims()).unwrap();
            assert_eq!((inbound.aid, inbound.cursor), (aid, None));
            assert!(inbound.fields.is_empty());
        }
        let d = Dimensions::MODEL_2;
        assert_eq!(parse_inbound(&[], d), Err(DsError::Empty));
        assert!(matches!(
            parse_inbound(&[0x01], d),
            Err(DsError::Invalid { .. })
        ));
        assert!(matches!(
            parse_inbound(&[0x7D, 0x40], d),
            Err(DsError::Truncated { .. })
        ));
        assert!(matches!(
            parse_inbound(&[0x7D, 0x40, 0x40, 0x11, 0x40], d),
            Err(DsError::Truncated {
                order: 0x11,
                offset: 3
            })
        ));
        assert!(matches!(
            parse_inbound(&[0x7D, 0x3F, 0xFF], d),
            Err(DsError::BadAddress { .. })
        ));
        let q = parse_inbound(&[0x88, 0x00, 0x04, 0x81, 0xFF], d).unwrap();
        assert_eq!((q.aid, q.cursor), (Aid::StructuredField, None));
    }

    #[test]
    fn parse_inbound_unformatted_ge_sa_and_14_bit() {
        let s = screen_with(&[0xF5, 0xC2, 0xC1, 0x00, 0xC2]);
        let mut out = Vec::new();
        read_modified(
            &s,
            Aid::Enter,
            ReadKind::Modified,
            &ReplyMode::Field,
            &mut out,
        );
        let inbound = parse_inbound(&out, s.dims()).unwrap();
        assert_eq!(inbound.fields[0].addr, BufferAddr::ZERO);
        assert!(inbound.fields[0].data.starts_with(&[0xC1, 0xC2]));
        // Character reply mode: SA orders are dropped, GE pairs kept.
        let rec = [
            0x7D, 0x40, 0x41, 0x11, 0x40, 0x41, 0x28, 0x42, 0xF2, 0xC1, 0x08, 0xAD,
        ];
        let inbound = parse_inbound(&rec, Dimensions::MODEL_2).unwrap();
        assert_eq!(inbound.fields[0].data, vec![0xC1, 0x08, 0xAD]);
        let big = Dimensions::new(62, 160);
        let rec = [0x7D, 0x26, 0xBF, 0x11, 0x26, 0xBE, 0xC1];
        let inbound = parse_inbound(&rec, big).unwrap();
        assert_eq!(inbound.cursor.map(BufferAddr::index), Some(0x26BF));
        assert_eq!(inbound.fields[0].addr.index(), 0x26BE);
    }
}
