//! Building inbound records: Read Modified, Read Modified All and Read Buffer replies
//! (IBM GA23-0059, "Inbound Data Stream", "Read Operations" and "Reply Modes").
//!
//! The output is the 3270 record only (AID, cursor address, data); telnet escaping, the
//! TN3270E header and IAC EOR are added by the session. Non-display fields are sent like any
//! other (the host needs the password); redaction for logs happens elsewhere.

use crate::proto::addr::{AddressMode, BufferAddr};
use crate::proto::attr::{ExtAttrs, xa};
use crate::proto::ds::apply::CHARSET_GE;
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

/// Append a Read Modified (or Read Modified All) reply for `aid`.
pub fn read_modified(
    screen: &Screen,
    aid: Aid,
    kind: ReadKind,
    reply_mode: &ReplyMode,
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
        for a in f.positions(dims) {
            push_cell(out, a);
        }
    }
}

/// Append a Read Buffer reply: every position, attributes as SF/SFE, nulls included.
pub fn read_buffer(screen: &Screen, aid: Aid, reply_mode: &ReplyMode, out: &mut Vec<u8>) {
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
    let mut field_ge = screen
        .cells()
        .rev()
        .find(Cell::is_field_attr)
        .is_some_and(|c| c.ext.charset == CHARSET_GE);
    for cell in screen.cells() {
        if let Some(fa) = cell.attr() {
            field_ge = cell.ext.charset == CHARSET_GE;
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
        if cell.is_ge() || (field_ge && cell.ext.charset == 0) {
            out.push(code::GE);
        }
        out.push(cell.byte());
    }
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
}
