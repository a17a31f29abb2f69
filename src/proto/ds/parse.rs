//! Parsing one complete outbound 3270 record into a command, a WCC and orders.
//!
//! Zero-copy and pure: [`Record::parse`] looks only at the command byte; [`Orders`] walks the
//! rest lazily and yields each order or run of text as a borrowed slice. A malformed order
//! (cut short, unknown attribute count) yields one [`DsError`] and then nothing more, so the
//! caller can apply everything before it and stop there, as a real terminal does
//! (IBM GA23-0059, "Orders" and "Write Control Character").

use thiserror::Error;

/// Outbound commands (GA23-0059 "Commands"). Each has a local-channel code point and an SNA
/// one; both are accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// Write (0x01 / 0xF1).
    W,
    /// Erase/Write (0x05 / 0xF5).
    Ew,
    /// Erase/Write Alternate (0x0D / 0x7E).
    Ewa,
    /// Erase All Unprotected (0x0F / 0x6F).
    Eau,
    /// Read Buffer (0x02 / 0xF2).
    Rb,
    /// Read Modified (0x06 / 0xF6).
    Rm,
    /// Read Modified All (0x0E / 0x6E).
    Rma,
    /// Write Structured Field (0x11 / 0xF3).
    Wsf,
    /// No operation (0x03).
    Nop,
}

impl Command {
    /// The command a byte names, or `None`.
    pub const fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0x01 | 0xF1 => Command::W,
            0x05 | 0xF5 => Command::Ew,
            0x0D | 0x7E => Command::Ewa,
            0x0F | 0x6F => Command::Eau,
            0x02 | 0xF2 => Command::Rb,
            0x06 | 0xF6 => Command::Rm,
            0x0E | 0x6E => Command::Rma,
            0x11 | 0xF3 => Command::Wsf,
            0x03 => Command::Nop,
            _ => return None,
        })
    }

    /// The SNA code point, used when we build records (the demo host, round-trip tests).
    pub const fn sna_byte(self) -> u8 {
        match self {
            Command::W => 0xF1,
            Command::Ew => 0xF5,
            Command::Ewa => 0x7E,
            Command::Eau => 0x6F,
            Command::Rb => 0xF2,
            Command::Rm => 0xF6,
            Command::Rma => 0x6E,
            Command::Wsf => 0xF3,
            Command::Nop => 0x03,
        }
    }

    /// Whether the command is followed by a WCC and orders.
    pub const fn is_write(self) -> bool {
        matches!(self, Command::W | Command::Ew | Command::Ewa)
    }
}

/// The Write Control Character (GA23-0059 "Write Control Character (WCC)").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Wcc(pub u8);

impl Wcc {
    /// Bit 1: reset partition characteristics (reply mode back to field mode).
    pub const fn reset(self) -> bool {
        self.0 & 0x40 != 0
    }
    /// Bit 4: start printer (printers only; recorded).
    pub const fn start_printer(self) -> bool {
        self.0 & 0x08 != 0
    }
    /// Bit 5: sound the alarm.
    pub const fn alarm(self) -> bool {
        self.0 & 0x04 != 0
    }
    /// Bit 6: restore (unlock) the keyboard.
    pub const fn keyboard_restore(self) -> bool {
        self.0 & 0x02 != 0
    }
    /// Bit 7: reset every modified data tag.
    pub const fn reset_mdt(self) -> bool {
        self.0 & 0x01 != 0
    }
}

/// Order codes (GA23-0059 "Orders").
pub mod code {
    /// Start Field.
    pub const SF: u8 = 0x1D;
    /// Start Field Extended.
    pub const SFE: u8 = 0x29;
    /// Set Buffer Address.
    pub const SBA: u8 = 0x11;
    /// Set Attribute.
    pub const SA: u8 = 0x28;
    /// Modify Field.
    pub const MF: u8 = 0x2C;
    /// Insert Cursor.
    pub const IC: u8 = 0x13;
    /// Program Tab.
    pub const PT: u8 = 0x05;
    /// Repeat to Address.
    pub const RA: u8 = 0x3C;
    /// Erase Unprotected to Address.
    pub const EUA: u8 = 0x12;
    /// Graphic Escape.
    pub const GE: u8 = 0x08;
}

/// One order, or a run of data characters, borrowed from the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order<'a> {
    /// Start Field with its attribute byte.
    Sf(u8),
    /// Start Field Extended with its type/value pairs.
    Sfe(&'a [u8]),
    /// Set Buffer Address (raw decoded address, not yet checked against the screen).
    Sba(u16),
    /// Set Attribute type and value.
    Sa(u8, u8),
    /// Modify Field with its type/value pairs.
    Mf(&'a [u8]),
    /// Insert Cursor.
    Ic,
    /// Program Tab.
    Pt,
    /// Repeat to Address: stop address (raw), the character, whether it is a GE character.
    Ra { stop: u16, ch: u8, ge: bool },
    /// Erase Unprotected to Address (raw stop address).
    Eua(u16),
    /// Graphic Escape: one character from the alternate character set.
    Ge(u8),
    /// Data characters (anything that is not an order code).
    Text(&'a [u8]),
}

/// A record the terminal cannot process. `offset` is the byte offset in the record (command
/// byte = 0) where the bad element starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum DsError {
    #[error("empty record")]
    Empty,
    #[error("unknown command 0x{0:02X}")]
    UnknownCommand(u8),
    #[error("write command without a WCC")]
    MissingWcc,
    #[error("order 0x{order:02X} at offset {offset} is cut short")]
    Truncated { order: u8, offset: usize },
    #[error("buffer address {addr} at offset {offset} is outside the {cells}-cell screen")]
    BadAddress {
        addr: u16,
        offset: usize,
        cells: usize,
    },
    #[error("invalid {what} at offset {offset}")]
    Invalid { what: &'static str, offset: usize },
    #[error("structured field at offset {offset}: {what}")]
    StructuredField { what: &'static str, offset: usize },
}

/// A parsed record: the command and its body (WCC + orders for writes, structured fields for
/// WSF, nothing for reads).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    pub command: Command,
    /// Everything after the command byte.
    pub body: &'a [u8],
}

impl<'a> Record<'a> {
    /// Recognise the command of an outbound record.
    pub fn parse(data: &'a [u8]) -> Result<Self, DsError> {
        let (&first, body) = data.split_first().ok_or(DsError::Empty)?;
        let command = Command::from_byte(first).ok_or(DsError::UnknownCommand(first))?;
        Ok(Record { command, body })
    }

    /// For a write command: the WCC and an iterator over the orders after it. Offsets
    /// reported by the iterator count from the command byte.
    pub fn write_parts(&self) -> Result<(Wcc, Orders<'a>), DsError> {
        let (&wcc, rest) = self.body.split_first().ok_or(DsError::MissingWcc)?;
        Ok((Wcc(wcc), Orders::new(rest, 2)))
    }
}

/// Iterator over the orders of a write. Yields `Err` once at the first malformed order, then
/// ends.
#[derive(Clone, Debug)]
pub struct Orders<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
    failed: bool,
}

pub(crate) const fn is_order(b: u8) -> bool {
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

/// Length of the run of data characters at the start of `data` (up to the first order code).
///
/// Every order code is below 0x40, and nearly all text is 0x40 or above (EBCDIC graphics),
/// so eight bytes at a time are checked for bytes below 0x40 (bits 7 and 6 both clear)
/// with plain integer arithmetic, and only those bytes are tested for being an order. The
/// text scan was most of the parser's cost on a full screen, a test per byte; finding the
/// candidates of a word from its mask (rather than a byte loop from the first word that has
/// one) keeps the end of each run cheap too, and fields are short.
pub(crate) fn text_run_len(data: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut done = 0;
    for word in data.chunks_exact(8) {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        let w = u64::from_le_bytes(w);
        // Bit 7 of each byte of `w | w << 1` is bit 7 or bit 6 of that byte (the shift
        // carries bit 7 of a byte into bit 0 of the next, which the mask drops); `low` has
        // bit 7 set in each byte below 0x40.
        let mut low = !(w | (w << 1)) & HIGH;
        while low != 0 {
            // Little-endian: the lowest set bit is the first such byte.
            let k = (low.trailing_zeros() / 8) as usize;
            if is_order(word[k]) {
                return done + k;
            }
            // A control character that is data (NULL, DUP, FM, ...): look further.
            low &= low - 1;
        }
        done += 8;
    }
    data[done..]
        .iter()
        .position(|&c| is_order(c))
        .map_or(data.len(), |r| done + r)
}

impl<'a> Orders<'a> {
    /// Orders from `data`, reporting offsets as `base + index`.
    pub fn new(data: &'a [u8], base: usize) -> Self {
        Orders {
            data,
            pos: 0,
            base,
            failed: false,
        }
    }

    /// Offset (in the record) of the next element.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    fn take(&mut self, n: usize, order: u8, start: usize) -> Result<&'a [u8], DsError> {
        let end = self.pos + n;
        match self.data.get(self.pos..end) {
            Some(s) => {
                self.pos = end;
                Ok(s)
            }
            None => Err(DsError::Truncated {
                order,
                offset: self.base + start,
            }),
        }
    }

    fn pairs(&mut self, order: u8, start: usize) -> Result<&'a [u8], DsError> {
        let count = self.take(1, order, start)?[0];
        self.take(usize::from(count) * 2, order, start)
    }

    // Inlined (with `next`) into the caller's loop so that the enum built here and matched
    // there can be folded away: per-order overhead is a large part of a full-screen write.
    #[inline]
    fn next_order(&mut self) -> Result<Order<'a>, DsError> {
        let start = self.pos;
        let b = self.data[start];
        if !is_order(b) {
            let end = start + text_run_len(&self.data[start..]);
            self.pos = end;
            return Ok(Order::Text(&self.data[start..end]));
        }
        self.pos += 1;
        let addr = |s: &[u8]| crate::proto::addr::BufferAddr::decode_raw(s[0], s[1]);
        Ok(match b {
            code::SF => Order::Sf(self.take(1, b, start)?[0]),
            code::SFE => Order::Sfe(self.pairs(b, start)?),
            code::SBA => Order::Sba(addr(self.take(2, b, start)?)),
            code::SA => {
                let s = self.take(2, b, start)?;
                Order::Sa(s[0], s[1])
            }
            code::MF => Order::Mf(self.pairs(b, start)?),
            code::IC => Order::Ic,
            code::PT => Order::Pt,
            code::RA => {
                let stop = addr(self.take(2, b, start)?);
                let c = self.take(1, b, start)?[0];
                if c == code::GE {
                    Order::Ra {
                        stop,
                        ch: self.take(1, b, start)?[0],
                        ge: true,
                    }
                } else {
                    Order::Ra {
                        stop,
                        ch: c,
                        ge: false,
                    }
                }
            }
            code::EUA => Order::Eua(addr(self.take(2, b, start)?)),
            _ => Order::Ge(self.take(1, b, start)?[0]),
        })
    }
}

impl<'a> Iterator for Orders<'a> {
    type Item = Result<Order<'a>, DsError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.data.len() {
            return None;
        }
        let r = self.next_order();
        if r.is_err() {
            self.failed = true;
        }
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_run_len_agrees_with_a_byte_scan() {
        // Every byte value at every position of a 20-byte run of text, so the value falls
        // in the word-at-a-time part, the tail, and across their boundary.
        for pos in 0..20 {
            for b in 0..=255u8 {
                let mut data = vec![0xC1; 20];
                data[pos] = b;
                let expected = data.iter().position(|&c| is_order(c)).unwrap_or(20);
                assert_eq!(text_run_len(&data), expected, "byte {b:#04x} at {pos}");
            }
        }
        // Several bytes below 0x40 in one word, data controls before and after an order.
        for p1 in 0..20 {
            for p2 in 0..20 {
                for (c, o) in [(0x1C, 0x1D), (0x00, 0x3C), (0x3F, 0x05), (0x1E, 0x1F)] {
                    let mut data = vec![0xC1; 20];
                    data[p1] = c;
                    data[p2] = o;
                    let expected = data.iter().position(|&c| is_order(c)).unwrap_or(20);
                    assert_eq!(text_run_len(&data), expected, "{data:02X?}");
                }
            }
        }
        assert_eq!(text_run_len(&[]), 0);
        assert_eq!(text_run_len(&[0x00, 0x1C, 0x1E, 0x3F, 0x1D]), 4);
    }

    #[test]
    fn commands_both_code_points() {
        for (a, b) in [
            (0x01, 0xF1),
            (0x05, 0xF5),
            (0x0D, 0x7E),
            (0x0F, 0x6F),
            (0x11, 0xF3),
        ] {
            assert_eq!(Command::from_byte(a), Command::from_byte(b));
            assert!(Command::from_byte(a).is_some());
        }
        assert_eq!(Record::parse(&[0x7F]), Err(DsError::UnknownCommand(0x7F)));
        assert_eq!(Record::parse(&[]), Err(DsError::Empty));
    }

    #[test]
    fn orders_and_text() {
        // EWA, WCC C3, SBA 1,1, text "AB", SF 60, SFE (1 pair), IC, RA to 0 with GE char.
        let rec = [
            0x7E, 0xC3, 0x11, 0x40, 0x40, 0xC1, 0xC2, 0x1D, 0x60, 0x29, 0x01, 0x42, 0xF2, 0x13,
            0x3C, 0x40, 0x40, 0x08, 0xC5,
        ];
        let r = Record::parse(&rec).unwrap();
        assert_eq!(r.command, Command::Ewa);
        let (wcc, orders) = r.write_parts().unwrap();
        assert!(wcc.reset() && wcc.keyboard_restore() && wcc.reset_mdt() && !wcc.alarm());
        let v: Vec<_> = orders.collect::<Result<_, _>>().unwrap();
        assert_eq!(
            v,
            vec![
                Order::Sba(0),
                Order::Text(&[0xC1, 0xC2]),
                Order::Sf(0x60),
                Order::Sfe(&[0x42, 0xF2]),
                Order::Ic,
                Order::Ra {
                    stop: 0,
                    ch: 0xC5,
                    ge: true
                },
            ]
        );
    }

    #[test]
    fn short_orders_fail_once_with_offset() {
        for (rec, order) in [
            (&[0x7E, 0xC3, 0x11][..], 0x11),
            (&[0x7E, 0xC3, 0x3C, 0x00, 0x00, 0x08][..], 0x3C),
            (&[0x7E, 0xC3, 0x29, 0x01][..], 0x29),
            (
                &[0x7E, 0xC3, 0x2C, 0x20, 0x11, 0x00, 0x00, 0x2C, 0x01][..],
                0x2C,
            ),
            (&[0x7E, 0xC3, 0x08][..], 0x08),
        ] {
            let (_, mut it) = Record::parse(rec).unwrap().write_parts().unwrap();
            let errs: Vec<_> = it.by_ref().filter_map(Result::err).collect();
            assert_eq!(errs.len(), 1, "{rec:02X?}");
            assert!(matches!(errs[0], DsError::Truncated { order: o, .. } if o == order));
            assert!(it.next().is_none());
        }
    }
}
