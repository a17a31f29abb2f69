//! Executing outbound write commands on a [`Screen`] (IBM GA23-0059, "Write Operations" and
//! "Orders").
//!
//! [`apply_write`] runs Write, Erase/Write and Erase/Write Alternate; [`erase_all_unprotected`]
//! runs EAU. Processing stops at the first malformed order: everything before it stays on the
//! screen (as on a real terminal) and the error is returned so the session can send the
//! TN3270E negative response. Nothing here panics on host input.

use crate::proto::addr::{BufferAddr, Dimensions};
use crate::proto::attr::{ExtAttrs, FieldAttr, xa};
use crate::proto::ds::parse::{Command, DsError, Order, Orders, Wcc, code, is_order, text_run_len};
use crate::proto::screen::{NULL, PackedExt, Screen};

/// The character-set attribute value that selects the GE (APL) character set.
pub const CHARSET_GE: u8 = 0xF1;

/// What a write asks of the terminal besides changing the screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteEffects {
    pub wcc: Wcc,
    /// Whether the screen was erased (EW/EWA), which also resets the reply mode.
    pub erased: bool,
}

impl WriteEffects {
    pub fn alarm(&self) -> bool {
        self.wcc.alarm()
    }
    pub fn keyboard_restore(&self) -> bool {
        self.wcc.keyboard_restore()
    }
}

/// Apply a Write / Erase/Write / Erase/Write Alternate. `body` is what follows the command
/// byte (WCC and orders); error offsets count from the command byte. The returned effects are valid even when an error stopped the orders: the erase
/// and the WCC are acted upon as a terminal would, having already read them.
pub fn apply_write(
    screen: &mut Screen,
    command: Command,
    body: &[u8],
) -> (WriteEffects, Result<(), DsError>) {
    let mut fx = WriteEffects::default();
    match command {
        Command::Ew => {
            screen.erase(false);
            fx.erased = true;
        }
        Command::Ewa => {
            screen.erase(true);
            fx.erased = true;
        }
        _ => {}
    }
    let Some((&wcc, rest)) = body.split_first() else {
        // x3270 treats an erase without a WCC as an erase; the missing WCC is still an error.
        return (fx, Err(DsError::MissingWcc));
    };
    fx.wcc = Wcc(wcc);
    if fx.wcc.reset_mdt() {
        screen.reset_all_mdt();
    }
    let result = apply_orders(screen, rest, 2);
    if screen.index_is_stale() {
        screen.rebuild_fields();
    }
    (fx, result)
}

fn check(raw: u16, offset: usize, dims: Dimensions) -> Result<BufferAddr, DsError> {
    BufferAddr::new(usize::from(raw), dims).ok_or(DsError::BadAddress {
        addr: raw,
        offset,
        cells: dims.cells(),
    })
}

/// The state of a write while its orders are applied.
struct Writer<'s> {
    screen: &'s mut Screen,
    dims: Dimensions,
    /// The current buffer address.
    addr: BufferAddr,
    /// Character attributes set by SA for the data that follows.
    char_attrs: ExtAttrs,
    /// Where IC put the cursor (moved there when the write ends).
    cursor: Option<BufferAddr>,
    /// Whether the previous order stored data (Program Tab then nulls the rest of the field).
    last_was_text: bool,
}

/// Apply the orders of a write (`data` is what follows the WCC, at offset `base` in the
/// record).
///
/// One loop parses and applies each order with a single `match` on the raw bytes for what
/// full-screen writes are made of (text, SBA, SF, SFE, IC): going through [`Orders`] built
/// an [`Order`] and matched it a second time, and the per-order cost is most of a write of
/// many short fields. Each fast path consumes exactly the bytes `Orders` would; anything
/// else, including every malformed order, is parsed by `Orders` from the same position, so
/// errors (and their offsets) are the iterator's.
fn apply_orders(screen: &mut Screen, data: &[u8], base: usize) -> Result<(), DsError> {
    let dims = screen.dims();
    let mut w = Writer {
        addr: screen.cursor(),
        screen,
        dims,
        char_attrs: ExtAttrs::DEFAULT,
        cursor: None,
        last_was_text: false,
    };
    let mut pos = 0;
    while let Some(&b) = data.get(pos) {
        let offset = base + pos;
        match b {
            code::SBA => {
                if let Some(&[b1, b2]) = data.get(pos + 1..pos + 3) {
                    w.addr = check(BufferAddr::decode_raw(b1, b2), offset, dims)?;
                    w.last_was_text = false;
                    pos += 3;
                    continue;
                }
            }
            code::SF => {
                if let Some(&a) = data.get(pos + 1) {
                    w.start_field(FieldAttr::from_byte(a), PackedExt::default());
                    pos += 2;
                    continue;
                }
            }
            code::SFE => {
                let count = data.get(pos + 1).map_or(0, |&c| usize::from(c));
                let end = pos + 2 + 2 * count;
                if let Some(pairs) = data.get(pos + 2..end) {
                    w.start_field_ext(pairs);
                    pos = end;
                    continue;
                }
            }
            code::IC => {
                w.cursor = Some(w.addr);
                w.last_was_text = false;
                pos += 1;
                continue;
            }
            _ if !is_order(b) => {
                let end = pos + text_run_len(&data[pos..]);
                w.text(&data[pos..end]);
                pos = end;
                continue;
            }
            _ => {}
        }
        // The general path: the other orders, and any order cut short.
        let mut orders = Orders::new(&data[pos..], offset);
        match orders.next() {
            Some(Ok(order)) => {
                w.apply(order, offset)?;
                pos = orders.offset() - base;
            }
            Some(Err(e)) => {
                w.finish();
                return Err(e);
            }
            None => break,
        }
    }
    w.finish();
    Ok(())
}

/// The reference for [`apply_orders`]: every order through the [`Orders`] iterator and
/// [`Writer::apply`]. The tests check that both leave the same screen and error.
#[cfg(test)]
fn apply_orders_via_iterator(screen: &mut Screen, data: &[u8], base: usize) -> Result<(), DsError> {
    let dims = screen.dims();
    let mut w = Writer {
        addr: screen.cursor(),
        screen,
        dims,
        char_attrs: ExtAttrs::DEFAULT,
        cursor: None,
        last_was_text: false,
    };
    let mut orders = Orders::new(data, base);
    loop {
        let offset = orders.offset();
        match orders.next() {
            Some(Ok(order)) => w.apply(order, offset)?,
            Some(Err(e)) => {
                w.finish();
                return Err(e);
            }
            None => break,
        }
    }
    w.finish();
    Ok(())
}

impl Writer<'_> {
    /// Move the cursor where IC asked. Done at the end of the orders and before returning a
    /// parse error; a bad address (the `?`s in `apply`) returns without it, as it always has.
    fn finish(&mut self) {
        if let Some(c) = self.cursor {
            self.screen.set_cursor(c);
        }
    }

    fn text(&mut self, bytes: &[u8]) {
        // Character set 0xF1 selected by SA is the GE (APL) set: such characters are GE
        // characters, exactly as if each had its own GE order.
        let ge = self.char_attrs.charset == CHARSET_GE;
        // One bulk store rather than `set_char` + `next` per byte: text is most of a
        // full-screen write, and the per-byte form paid a bounds check, a wrap test and a
        // field-attribute test for every cell.
        self.addr = self
            .screen
            .write_chars(self.addr, bytes, ge, self.char_attrs);
        self.last_was_text = true;
    }

    #[inline]
    fn start_field(&mut self, fa: FieldAttr, ext: PackedExt) {
        self.screen.set_field_attr_packed(self.addr, fa, ext);
        self.addr = self.addr.next(self.dims);
        self.last_was_text = false;
    }

    /// Start Field Extended from its type/value pairs (an even number of bytes).
    fn start_field_ext(&mut self, pairs: &[u8]) {
        let mut fa = FieldAttr::default();
        let mut ext = PackedExt::default();
        for p in pairs.chunks_exact(2) {
            if p[0] == xa::FIELD {
                fa = FieldAttr::from_byte(p[1]);
            } else {
                // Unknown attribute types are ignored, as GA23-0059 allows.
                ext.set(p[0], p[1]);
            }
        }
        self.start_field(fa, ext);
    }

    /// Apply one parsed order that starts at `offset` in the record.
    fn apply(&mut self, order: Order<'_>, offset: usize) -> Result<(), DsError> {
        let dims = self.dims;
        let screen = &mut *self.screen;
        let mut is_text = false;
        match order {
            Order::Text(bytes) => {
                self.text(bytes);
                return Ok(());
            }
            Order::Ge(b) => {
                screen.set_char(self.addr, b, true, self.char_attrs);
                self.addr = self.addr.next(dims);
                is_text = true;
            }
            Order::Sf(a) => {
                self.start_field(FieldAttr::from_byte(a), PackedExt::default());
                return Ok(());
            }
            Order::Sfe(pairs) => {
                self.start_field_ext(pairs);
                return Ok(());
            }
            Order::Mf(pairs) => {
                let cell = screen.cell(self.addr);
                if let Some(mut fa) = cell.attr() {
                    let mut ext = cell.ext;
                    for p in pairs.chunks_exact(2) {
                        if p[0] == xa::FIELD {
                            fa = FieldAttr::from_byte(p[1]);
                        } else {
                            ext.set(p[0], p[1]);
                        }
                    }
                    screen.set_field_attr(self.addr, fa, ext);
                    self.addr = self.addr.next(dims);
                }
            }
            Order::Sba(raw) => self.addr = check(raw, offset, dims)?,
            Order::Sa(kind, value) => {
                if kind == xa::FIELD {
                    // SA cannot set a field attribute; GA23-0059 says ignore it.
                } else {
                    self.char_attrs.set(kind, value);
                }
            }
            Order::Ic => self.cursor = Some(self.addr),
            Order::Pt => {
                if self.last_was_text {
                    self.addr = null_to_field_end(screen, self.addr);
                }
                self.addr = program_tab(screen, self.addr);
            }
            Order::Ra { stop, ch, ge } => {
                let stop = check(stop, offset, dims)?;
                let mut n = self.addr.distance_to(stop, dims);
                if n == 0 {
                    n = dims.cells();
                }
                let ge = ge || self.char_attrs.charset == CHARSET_GE;
                // Bulk fill, for the same reason as text above.
                self.addr = screen.fill_chars(self.addr, n, ch, ge, self.char_attrs);
                is_text = true;
            }
            Order::Eua(stop) => {
                let stop = check(stop, offset, dims)?;
                erase_unprotected_range(screen, self.addr, stop);
                self.addr = stop;
            }
        }
        self.last_was_text = is_text;
        Ok(())
    }
}

/// Program Tab after data: nulls from `addr` up to the next attribute (or the end of the
/// buffer). Returns where the fill stopped.
fn null_to_field_end(screen: &mut Screen, mut addr: BufferAddr) -> BufferAddr {
    let dims = screen.dims();
    loop {
        if screen.cell(addr).is_field_attr() {
            return addr;
        }
        let ext = screen.cell(addr).ext;
        screen.set_char(addr, NULL, false, ext);
        let next = addr.next(dims);
        if next == BufferAddr::ZERO {
            return next;
        }
        addr = next;
    }
}

/// Program Tab: the first data position of the next unprotected field, searching from `addr`
/// and stopping at the end of the buffer (which leaves the address at 0).
fn program_tab(screen: &Screen, mut addr: BufferAddr) -> BufferAddr {
    let dims = screen.dims();
    loop {
        let cell = screen.cell(addr);
        let next = addr.next(dims);
        if cell.attr().is_some_and(|fa| !fa.is_protected()) && !screen.cell(next).is_field_attr() {
            return next;
        }
        if next == BufferAddr::ZERO {
            return next;
        }
        addr = next;
    }
}

/// Nulls in every unprotected data position from `from` up to (not including) `to`; the
/// whole buffer when they are equal.
fn erase_unprotected_range(screen: &mut Screen, from: BufferAddr, to: BufferAddr) {
    let dims = screen.dims();
    let mut n = from.distance_to(to, dims);
    if n == 0 {
        n = dims.cells();
    }
    let mut protected = screen.field_at(from).is_some_and(|f| f.attr.is_protected());
    let mut addr = from;
    for _ in 0..n {
        let cell = screen.cell(addr);
        if let Some(fa) = cell.attr() {
            protected = fa.is_protected();
        } else if !protected {
            screen.set_char(addr, NULL, false, cell.ext);
        }
        addr = addr.next(dims);
    }
}

/// Erase All Unprotected: null every unprotected data position, reset their MDTs, put the
/// cursor on the first unprotected position. The caller unlocks the keyboard.
pub fn erase_all_unprotected(screen: &mut Screen) {
    if screen.index_is_stale() {
        screen.rebuild_fields();
    }
    if !screen.is_formatted() {
        let dims = screen.dims();
        screen.erase(screen.is_alternate());
        debug_assert_eq!(screen.dims(), dims);
        return;
    }
    erase_unprotected_range(screen, BufferAddr::ZERO, BufferAddr::ZERO);
    for f in screen.fields() {
        if !f.attr.is_protected() {
            screen.replace_attr(f.attr_addr, f.attr.with_mdt(false));
        }
    }
    let first = screen.next_unprotected(BufferAddr::ZERO.prev(screen.dims()));
    screen.set_cursor(first.unwrap_or(BufferAddr::ZERO));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ds::parse::Record;

    fn run(screen: &mut Screen, rec: &[u8]) -> Result<(), DsError> {
        let r = Record::parse(rec).unwrap();
        apply_write(screen, r.command, r.body).1
    }

    fn s24() -> Screen {
        Screen::new(Dimensions::MODEL_2, Dimensions::new(43, 80))
    }

    /// Apply `orders` (what follows a WCC) to a copy of `start` both ways, fused and through
    /// the iterator, and check that screens, cursors, field maps and errors are the same.
    fn assert_fused_matches_iterator(start: &Screen, orders: &[u8]) {
        let mut fused = start.clone();
        let mut reference = start.clone();
        let a = apply_orders(&mut fused, orders, 2);
        let b = apply_orders_via_iterator(&mut reference, orders, 2);
        assert_eq!(a, b, "{orders:02X?}");
        assert!(fused.cells().eq(reference.cells()), "{orders:02X?}");
        assert_eq!(fused.cursor(), reference.cursor(), "{orders:02X?}");
        assert_eq!(fused.fields(), reference.fields(), "{orders:02X?}");
    }

    #[test]
    fn fused_orders_match_the_iterator() {
        const PICK: [u8; 16] = [
            0x11, 0x1D, 0x29, 0x28, 0x2C, 0x13, 0x05, 0x3C, 0x12, 0x08, 0xC0, 0x42, 0x41, 0x43,
            0xF1, 0x40,
        ];
        let blank = s24();
        let mut formatted = s24();
        run(
            &mut formatted,
            &[
                0xF5, 0xC3, 0x1D, 0x60, 0xC1, 0xC2, 0x29, 0x02, 0xC0, 0x40, 0x42, 0xF2, 0xC3, 0x11,
                0x5D, 0x7E, 0x1D, 0x40, 0x28, 0x43, 0xF1, 0xC4,
            ],
        )
        .unwrap();
        let fixed: &[&[u8]] = &[
            // Every order, well formed.
            &[
                0x11, 0x40, 0x50, 0xC1, 0xC2, 0x1D, 0x60, 0x29, 0x03, 0xC0, 0x40, 0x42, 0xF2, 0x41,
                0xF4, 0xC3, 0x13, 0x28, 0x42, 0xF5, 0xC4, 0x08, 0xAD, 0x2C, 0x01, 0x42, 0xF1, 0x05,
                0xC5, 0x3C, 0x41, 0x40, 0xC6, 0x12, 0x42, 0x40, 0x29, 0x02, 0x00, 0x00, 0x99, 0x99,
                0x28, 0x43, 0xF1, 0xC7, 0x3C, 0x40, 0x40, 0x08, 0xC8,
            ],
            // Text wrapping over the end of the buffer, SF on the last cell.
            &[
                0x11, 0x5D, 0x7D, 0xC1, 0xC2, 0xC3, 0x11, 0x5D, 0x7F, 0x1D, 0x60, 0xC4,
            ],
            // Each order cut short, after some that applied.
            &[0xC1, 0x13, 0x11, 0x40],
            &[0xC1, 0x13, 0x1D],
            &[0xC1, 0x13, 0x29],
            &[0xC1, 0x13, 0x29, 0x02, 0xC0, 0x40, 0x42],
            &[0xC1, 0x13, 0x3C, 0x40, 0x40, 0x08],
            // Addresses beyond the screen.
            &[0xC1, 0x13, 0x11, 0x7F, 0x7F, 0xC2],
            &[0x13, 0x3C, 0x3F, 0xFF, 0xC1],
        ];
        for orders in fixed {
            assert_fused_matches_iterator(&blank, orders);
            assert_fused_matches_iterator(&formatted, orders);
        }
        // Random records, biased towards order codes and attribute types so that most
        // orders are well formed and many end up cut short.
        let mut x = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..3000 {
            let len = (next() % 48) as usize;
            let orders: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 3 == 0 {
                        PICK[(r >> 8) as usize % PICK.len()]
                    } else {
                        (r >> 16) as u8
                    }
                })
                .collect();
            assert_fused_matches_iterator(&blank, &orders);
            assert_fused_matches_iterator(&formatted, &orders);
        }
    }

    #[test]
    fn erase_write_fields_text_cursor() {
        let mut s = s24();
        // EW, WCC restore; SBA row 1 col 1 (addr 81); SF protected; "HI"; SF unprotected; IC.
        run(
            &mut s,
            &[
                0xF5, 0xC2, 0x11, 0x41, 0x51, 0x1D, 0x60, 0xC8, 0xC9, 0x1D, 0x40, 0x13,
            ],
        )
        .unwrap();
        assert_eq!(
            s.cell(BufferAddr::new(81, s.dims()).unwrap())
                .attr()
                .unwrap()
                .bits(),
            0x20
        );
        assert_eq!(s.cell(BufferAddr::new(82, s.dims()).unwrap()).byte(), 0xC8);
        assert_eq!(s.cursor().index(), 85);
        assert_eq!(s.fields().len(), 2);
        assert!(!s.index_is_stale());
    }

    #[test]
    fn ewa_switches_to_alternate_size() {
        let mut s = s24();
        run(&mut s, &[0x7E, 0xC3]).unwrap();
        assert_eq!(s.dims(), Dimensions::new(43, 80));
    }

    #[test]
    fn bad_sba_keeps_what_was_applied() {
        let mut s = s24();
        let e = run(&mut s, &[0xF5, 0xC3, 0xC1, 0x11, 0x3F, 0xFF, 0xC2]).unwrap_err();
        assert!(matches!(e, DsError::BadAddress { offset: 3, .. }), "{e:?}");
        assert_eq!(s.cell(BufferAddr::ZERO).byte(), 0xC1);
        assert_eq!(s.cell(BufferAddr::new(1, s.dims()).unwrap()).byte(), NULL);
    }

    #[test]
    fn repeat_to_address_and_eua() {
        let mut s = s24();
        // RA from 0 to 10 with 'A', then SBA 5, SF unprotected, SBA 20, SF protected,
        // SBA 6, EUA to 20.
        run(
            &mut s,
            &[
                0xF5, 0xC3, 0x3C, 0x40, 0x4A, 0xC1, 0x11, 0x40, 0xC5, 0x1D, 0x40, 0x11, 0x40, 0xD4,
                0x1D, 0x60,
            ],
        )
        .unwrap();
        for i in 0..5 {
            assert_eq!(s.cell(BufferAddr::new(i, s.dims()).unwrap()).byte(), 0xC1);
        }
        run(&mut s, &[0xF1, 0xC2, 0x11, 0x40, 0xC6, 0x12, 0x40, 0xD4]).unwrap();
        for i in 6..10 {
            assert_eq!(
                s.cell(BufferAddr::new(i, s.dims()).unwrap()).byte(),
                NULL,
                "{i}"
            );
        }
        // Positions 0-4 are before the unprotected field: they belong to the last field
        // (protected, at 20), so EUA from 6 never touched them anyway.
        assert_eq!(s.cell(BufferAddr::new(4, s.dims()).unwrap()).byte(), 0xC1);
    }

    #[test]
    fn ra_to_same_address_fills_buffer() {
        let mut s = s24();
        run(&mut s, &[0xF5, 0xC3, 0x3C, 0x40, 0x40, 0xC1]).unwrap();
        assert!(s.cells().all(|c| c.byte() == 0xC1));
    }

    #[test]
    fn text_and_ra_wrap_past_the_last_cell_over_attributes() {
        let mut s = s24();
        // SF at 1918 and at 2, then from 1917 text of 5 wraps over both attributes to 2,
        // then RA from 3 all the way round (stop = 3) over what is left.
        run(
            &mut s,
            &[
                0xF5, 0xC3, 0x11, 0x5D, 0x7E, 0x1D, 0x60, 0x11, 0x40, 0xC2, 0x1D, 0x40, 0x11, 0x5D,
                0x7D, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0x13,
            ],
        )
        .unwrap();
        let b = |s: &Screen, i| s.cell(BufferAddr::new(i, s.dims()).unwrap()).byte();
        assert_eq!([b(&s, 1917), b(&s, 1918), b(&s, 1919)], [0xC1, 0xC2, 0xC3]);
        assert_eq!([b(&s, 0), b(&s, 1)], [0xC4, 0xC5]);
        assert_eq!(s.fields().len(), 1, "the FA at 1918 was overwritten");
        assert_eq!(s.cursor().index(), 2);
        run(
            &mut s,
            &[0xF1, 0xC3, 0x11, 0x40, 0xC3, 0x3C, 0x40, 0xC3, 0xC6],
        )
        .unwrap();
        assert!(s.cells().all(|c| c.byte() == 0xC6 && !c.is_field_attr()));
        assert!(!s.is_formatted());
        assert!(!s.index_is_stale());
    }

    #[test]
    fn eua_across_fields_matches_a_cell_by_cell_reference() {
        let mut s = s24();
        // Text everywhere, then fields: unprotected at 100, protected at 300, unprotected
        // at 1900 (its field wraps to the start of the buffer).
        run(&mut s, &[0xF5, 0xC3, 0x3C, 0x40, 0x40, 0xC1]).unwrap();
        run(
            &mut s,
            &[
                0xF1, 0xC3, 0x11, 0x41, 0xE4, 0x1D, 0x40, 0x11, 0x44, 0x6C, 0x1D, 0x60, 0x11, 0x5D,
                0x6C, 0x1D, 0x40,
            ],
        )
        .unwrap();
        let before: Vec<_> = s.cells().collect();
        // EUA from 1910 to 200: across the wrap, through two unprotected fields.
        run(&mut s, &[0xF1, 0xC3, 0x11, 0x5D, 0x76, 0x12, 0x43, 0x48]).unwrap();
        let unprotected = |i: usize| (101..300).contains(&i) || !(100..=1900).contains(&i);
        for (i, (old, new)) in before.iter().zip(s.cells()).enumerate() {
            let erased = !(200..1910).contains(&i) && !old.is_field_attr() && unprotected(i);
            let want = if erased { NULL } else { old.byte() };
            assert_eq!(new.byte(), want, "cell {i}");
            assert_eq!(new.attr(), old.attr(), "cell {i}");
        }
    }

    #[test]
    fn program_tab_nulls_after_text() {
        let mut s = s24();
        // SF unprot at 0, text at 1-3, SF prot at 10, SF unprot at 20, then SBA 1 "X" PT.
        run(
            &mut s,
            &[
                0xF5, 0xC3, 0x1D, 0x40, 0xC1, 0xC2, 0xC3, 0x11, 0x40, 0x4A, 0x1D, 0x60, 0x11, 0x40,
                0xD4, 0x1D, 0x40,
            ],
        )
        .unwrap();
        run(&mut s, &[0xF1, 0xC2, 0x11, 0x40, 0xC1, 0xE7, 0x05, 0xC4]).unwrap();
        let b = |i| s.cell(BufferAddr::new(i, s.dims()).unwrap()).byte();
        assert_eq!(b(1), 0xE7);
        assert_eq!(b(2), NULL);
        assert_eq!(b(3), NULL);
        assert_eq!(b(21), 0xC4, "PT lands on the next unprotected field");
    }

    #[test]
    fn sfe_and_sa_attributes() {
        let mut s = s24();
        run(
            &mut s,
            &[
                0xF5, 0xC3, 0x29, 0x02, 0xC0, 0x60, 0x42, 0xF2, 0x28, 0x41, 0xF4, 0xC1, 0x28, 0x00,
                0x00, 0xC2,
            ],
        )
        .unwrap();
        let fa = s.cell(BufferAddr::ZERO);
        assert!(fa.attr().unwrap().is_protected());
        assert_eq!(fa.ext.fg, 0xF2);
        assert_eq!(
            s.cell(BufferAddr::new(1, s.dims()).unwrap()).ext.highlight,
            0xF4
        );
        assert!(
            s.cell(BufferAddr::new(2, s.dims()).unwrap())
                .ext
                .is_default()
        );
    }

    #[test]
    fn modify_field_changes_attribute() {
        let mut s = s24();
        run(&mut s, &[0xF5, 0xC3, 0x1D, 0x40]).unwrap();
        run(
            &mut s,
            &[
                0xF1, 0xC3, 0x11, 0x40, 0x40, 0x2C, 0x02, 0xC0, 0x60, 0x42, 0xF6,
            ],
        )
        .unwrap();
        let fa = s.cell(BufferAddr::ZERO);
        assert!(fa.attr().unwrap().is_protected());
        assert_eq!(fa.ext.fg, 0xF6);
    }

    #[test]
    fn eau_clears_unprotected_and_homes_cursor() {
        let mut s = s24();
        run(
            &mut s,
            &[0xF5, 0xC3, 0x1D, 0x60, 0xC1, 0x1D, 0x41, 0xC2, 0xC3],
        )
        .unwrap();
        erase_all_unprotected(&mut s);
        assert_eq!(s.cell(BufferAddr::new(1, s.dims()).unwrap()).byte(), 0xC1);
        assert_eq!(s.cell(BufferAddr::new(3, s.dims()).unwrap()).byte(), NULL);
        assert!(
            !s.cell(BufferAddr::new(2, s.dims()).unwrap())
                .attr()
                .unwrap()
                .is_modified()
        );
        assert_eq!(s.cursor().index(), 3);
    }
}
