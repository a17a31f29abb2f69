//! Unit tests of the presentation space: the field index, the bulk stores against
//! byte-by-byte references, the packed attributes and erase.

use super::field::{field_attr_positions, or_flags};
use super::*;
use crate::proto::attr::ExtAttrs;

fn addr(i: usize, s: &Screen) -> BufferAddr {
    BufferAddr::new(i, s.dims()).unwrap()
}

#[test]
fn field_map_lookups_agree_stale_and_rebuilt() {
    let mut s = Screen::new(Dimensions::MODEL_2, Dimensions::new(43, 80));
    s.set_field_attr(addr(10, &s), FieldAttr::from_byte(0x60), ExtAttrs::DEFAULT);
    s.set_field_attr(addr(100, &s), FieldAttr::from_byte(0x40), ExtAttrs::DEFAULT);
    let probe = [0, 5, 10, 11, 99, 100, 101, 1919];
    let stale: Vec<_> = probe
        .iter()
        .map(|&i| s.field_attr_addr(addr(i, &s)))
        .collect();
    let stale_fields = s.fields();
    s.rebuild_fields();
    let fresh: Vec<_> = probe
        .iter()
        .map(|&i| s.field_attr_addr(addr(i, &s)))
        .collect();
    assert_eq!(stale, fresh);
    assert_eq!(stale_fields, s.fields());
    assert_eq!(
        fresh[0],
        Some(addr(100, &s)),
        "cells before the first FA wrap to the last"
    );
    assert_eq!(fresh[3], Some(addr(10, &s)));
    let f = s.field_at(addr(50, &s)).unwrap();
    assert_eq!(f.len, 89);
    assert!(f.attr.is_protected());
    let wrap = s.field_at(addr(5, &s)).unwrap();
    assert_eq!(wrap.len, 1920 - 100 - 1 + 10);
    assert_eq!(s.next_unprotected(addr(0, &s)), Some(addr(101, &s)));
    assert!(s.is_protected_at(addr(10, &s)));
    assert!(!s.is_protected_at(addr(101, &s)));
}

/// What `write_chars` replaced: `set_char` and `next` once per byte.
fn write_bytewise(s: &mut Screen, mut a: BufferAddr, bytes: &[u8], ext: ExtAttrs) -> BufferAddr {
    for &b in bytes {
        s.set_char(a, b, false, ext);
        a = a.next(s.dims());
    }
    a
}

fn formatted() -> Screen {
    let mut s = Screen::new(Dimensions::new(4, 10), Dimensions::new(4, 10));
    s.set_field_attr(addr(5, &s), FieldAttr::from_byte(0x60), ExtAttrs::DEFAULT);
    s.set_field_attr(addr(38, &s), FieldAttr::from_byte(0x40), ExtAttrs::DEFAULT);
    s.rebuild_fields();
    s
}

#[test]
fn bulk_text_matches_bytewise_stores() {
    let ext = ExtAttrs {
        fg: 0xF2,
        highlight: 0xF1,
        ..ExtAttrs::DEFAULT
    };
    let text: Vec<u8> = (0..95u8).map(|i| 0xC1 + i % 9).collect();
    // Short runs, runs that wrap past the last cell, runs over one or both FAs, and
    // runs longer than the whole 40-cell buffer (wrapping more than once).
    for start in [0, 3, 6, 30, 36, 39] {
        for len in [0, 1, 2, 4, 10, 39, 40, 41, 95] {
            let mut bulk = formatted();
            let mut bytewise = formatted();
            let a = addr(start, &bulk);
            let end = bulk.write_chars(a, &text[..len], false, ext);
            let expected = write_bytewise(&mut bytewise, a, &text[..len], ext);
            assert_eq!(end, expected, "start {start} len {len}");
            assert_eq!(
                bulk.cells().collect::<Vec<_>>(),
                bytewise.cells().collect::<Vec<_>>(),
                "start {start} len {len}"
            );
            assert_eq!(
                bulk.index_is_stale(),
                bytewise.index_is_stale(),
                "start {start} len {len}"
            );
            bulk.rebuild_fields();
            bytewise.rebuild_fields();
            assert_eq!(bulk.fields(), bytewise.fields(), "start {start} len {len}");
        }
    }
}

#[test]
fn bulk_text_over_an_attribute_removes_the_field() {
    let mut s = formatted();
    let end = s.write_chars(addr(36, &s), b"\xC1\xC2\xC3\xC4", false, ExtAttrs::DEFAULT);
    assert_eq!(end, addr(0, &s), "wrapped past the last cell");
    assert!(s.index_is_stale(), "the FA at 38 was overwritten");
    assert_eq!(s.cell(addr(38, &s)).byte(), 0xC3);
    s.rebuild_fields();
    assert_eq!(s.fields().len(), 1);
    let mut clean = formatted();
    clean.write_chars(addr(0, &clean), b"\xC1\xC2", false, ExtAttrs::DEFAULT);
    assert!(!clean.index_is_stale(), "no FA touched, index still valid");
}

#[test]
fn bulk_fill_matches_bytewise_stores() {
    for start in [0, 4, 37] {
        for count in [0, 1, 3, 10, 40] {
            let mut bulk = formatted();
            let mut bytewise = formatted();
            let a = addr(start, &bulk);
            let end = bulk.fill_chars(a, count, 0xC1, true, ExtAttrs::DEFAULT);
            let mut expected = a;
            for _ in 0..count {
                bytewise.set_char(expected, 0xC1, true, ExtAttrs::DEFAULT);
                expected = expected.next(bytewise.dims());
            }
            assert_eq!(end, expected, "start {start} count {count}");
            assert_eq!(
                bulk.cells().collect::<Vec<_>>(),
                bytewise.cells().collect::<Vec<_>>(),
                "start {start} count {count}"
            );
            assert_eq!(bulk.index_is_stale(), bytewise.index_is_stale());
        }
    }
}

#[test]
fn bulk_text_at_an_address_of_another_size_acts_as_bytewise() {
    // An address from the larger alternate screen, used on the default one.
    let big = Dimensions::new(43, 80);
    let mut bulk = Screen::new(Dimensions::MODEL_2, big);
    let mut bytewise = bulk.clone();
    let a = BufferAddr::new(3000, big).unwrap();
    let end = bulk.write_chars(a, b"\xC1\xC2\xC3", false, ExtAttrs::DEFAULT);
    assert_eq!(
        end,
        write_bytewise(&mut bytewise, a, b"\xC1\xC2\xC3", ExtAttrs::DEFAULT)
    );
    assert_eq!(
        bulk.cells().collect::<Vec<_>>(),
        bytewise.cells().collect::<Vec<_>>()
    );
}

/// A straightforward screen model: one `Cell` per position, stored one at a time.
struct Reference {
    cells: Vec<Cell>,
    cols: usize,
}

impl Reference {
    fn new(s: &Screen) -> Self {
        Reference {
            cells: s.cells().collect(),
            cols: usize::from(s.dims().cols),
        }
    }

    fn store(&mut self, i: usize, c: Cell) {
        if let Some(slot) = self.cells.get_mut(i) {
            *slot = c;
        }
    }

    /// The governing attribute of every cell, by a backward search from each.
    fn field_attrs(&self) -> Vec<Option<usize>> {
        let n = self.cells.len();
        (0..n)
            .map(|i| {
                (0..n)
                    .map(|k| (i + n - k) % n)
                    .find(|&j| self.cells[j].is_field_attr())
            })
            .collect()
    }
}

/// A small deterministic generator (no dependency, same sequence every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// Random sequences of every kind of store, erase and scroll, on the screen and on the
/// reference: cells and field index must agree after each step. This exercises the
/// blank-cell shortcuts of `write_chars` / `fill_chars` and the partial clearing in
/// `erase`, whatever order the cells are written in.
#[test]
#[allow(clippy::many_single_char_names)]
fn stores_match_a_cell_by_cell_reference() {
    let exts = [
        ExtAttrs::DEFAULT,
        ExtAttrs {
            fg: 0xF2,
            highlight: 0xF1,
            ..ExtAttrs::DEFAULT
        },
        ExtAttrs {
            charset: 0xF1,
            validation: 0x04,
            ..ExtAttrs::DEFAULT
        },
    ];
    let mut rng = Lcg(7);
    for _ in 0..200 {
        let mut s = Screen::new(Dimensions::new(4, 10), Dimensions::new(3, 7));
        let mut r = Reference::new(&s);
        for step in 0..40 {
            let n = s.dims().cells();
            let i = rng.below(n);
            let a = addr(i, &s);
            let ext = exts[rng.below(exts.len())];
            let ge = rng.below(4) == 0;
            match rng.below(9) {
                0 | 1 => {
                    let len = rng.below(2 * n + 2);
                    let text: Vec<u8> = (0..len).map(|k| 0xC1 + (k % 9) as u8).collect();
                    let end = s.write_chars(a, &text, ge, ext);
                    for (k, &b) in text.iter().enumerate() {
                        r.store((i + k) % n, Cell::character(b, ge, ext));
                    }
                    assert_eq!(end.index(), (i + len) % n);
                }
                2 => {
                    let count = rng.below(2 * n + 2);
                    let end = s.fill_chars(a, count, 0xE7, ge, ext);
                    for k in 0..count {
                        r.store((i + k) % n, Cell::character(0xE7, ge, ext));
                    }
                    assert_eq!(end.index(), (i + count) % n);
                }
                3 | 4 => {
                    let fa = FieldAttr::from_byte(if rng.below(2) == 0 { 0x60 } else { 0x41 });
                    s.set_field_attr(a, fa, ext);
                    r.store(i, Cell::field_attr(fa, ext));
                }
                5 => {
                    s.set_char(a, 0xD1, ge, ext);
                    r.store(i, Cell::character(0xD1, ge, ext));
                }
                6 => {
                    *s.ext_mut(a).unwrap() = ext;
                    r.cells[i].ext = ext;
                    s.set_byte_keep_attrs(a, 0xD2, ge);
                    if !r.cells[i].is_field_attr() {
                        r.store(i, Cell::character(0xD2, ge, r.cells[i].ext));
                    }
                }
                7 => {
                    s.scroll_up();
                    r.cells.drain(..r.cols);
                    r.cells.resize(n, Cell::default());
                }
                _ => {
                    let alternate = rng.below(2) == 0;
                    s.erase(alternate);
                    r = Reference::new(&s);
                    assert!(r.cells.iter().all(|c| *c == Cell::default()));
                }
            }
            assert_eq!(s.cells().collect::<Vec<_>>(), r.cells, "step {step}");
            // Rebuild only now and then, so that several changes pile up on a stale
            // index (and on the attribute list the screen keeps meanwhile).
            if s.index_is_stale() && rng.below(3) == 0 {
                s.rebuild_fields();
            }
            let n = s.dims().cells();
            let got: Vec<_> = (0..n)
                .map(|k| s.field_attr_addr(addr(k, &s)).map(BufferAddr::index))
                .collect();
            assert_eq!(got, r.field_attrs(), "step {step}");
        }
    }
}

#[test]
fn fill_of_the_whole_buffer_over_attributes_and_ge() {
    let mut s = formatted();
    s.write_chars(addr(0, &s), b"\xC1", true, ExtAttrs::DEFAULT);
    let ext = ExtAttrs {
        fg: 0xF4,
        ..ExtAttrs::DEFAULT
    };
    let end = s.fill_chars(addr(7, &s), 40, 0xC2, false, ext);
    assert_eq!(end, addr(7, &s));
    assert!(s.cells().all(|c| c == Cell::character(0xC2, false, ext)));
    s.rebuild_fields();
    assert!(!s.is_formatted());
}

#[test]
fn attribute_scan_and_flag_or_agree_with_byte_loops() {
    for len in 0..40 {
        for pos in 0..len {
            for flag in [FLAG_FA, FLAG_GE, FLAG_FA | FLAG_GE] {
                let mut flags = vec![0u8; len];
                flags[pos] = flag;
                if pos + 3 < len {
                    flags[pos + 3] = FLAG_FA;
                }
                let mut got = Vec::new();
                field_attr_positions(&flags, &mut got);
                let want: Vec<u16> = (0..len)
                    .filter(|&i| flags[i] & FLAG_FA != 0)
                    .map(|i| u16::try_from(i).unwrap())
                    .collect();
                assert_eq!(got, want, "len {len} pos {pos}");
                assert_eq!(or_flags(&flags), flags.iter().fold(0, |a, &f| a | f));
            }
        }
    }
}

#[test]
fn packed_set_matches_ext_attrs_set() {
    let start = ExtAttrs {
        fg: 0xF1,
        bg: 0xF2,
        highlight: 0xF4,
        charset: 0xF1,
        outline: 0x01,
        transparency: 0xF0,
        validation: 0x04,
    };
    for kind in 0..=255u8 {
        for value in [0x00, 0x01, 0x7F, 0xF2, 0xFF] {
            let mut want = start;
            want.set(kind, value);
            let mut got = PackedExt::pack(start);
            got.set(kind, value);
            assert_eq!(got.get(), want, "type {kind:#04x} value {value:#04x}");
            assert_eq!(got, PackedExt::pack(want));
        }
    }
}

#[test]
fn packed_attributes_round_trip() {
    let e = ExtAttrs {
        fg: 1,
        bg: 2,
        highlight: 3,
        charset: 4,
        outline: 5,
        transparency: 6,
        validation: 0xFF,
    };
    assert_eq!(PackedExt::pack(e).unpack(), e);
    assert_eq!(PackedExt::pack(ExtAttrs::DEFAULT), PackedExt::default());
}

#[test]
fn erase_clears_attributes_of_attribute_and_character_cells() {
    let red = ExtAttrs {
        fg: 0xF2,
        ..ExtAttrs::DEFAULT
    };
    for character_ext in [false, true] {
        for rebuild in [false, true] {
            let mut s = Screen::new(Dimensions::new(4, 10), Dimensions::new(4, 10));
            s.set_field_attr(addr(3, &s), FieldAttr::from_byte(0x60), red);
            s.write_chars(addr(4, &s), b"\xC1\xC2", false, ExtAttrs::DEFAULT);
            s.set_field_attr(addr(20, &s), FieldAttr::from_byte(0x40), red);
            if character_ext {
                s.write_chars(addr(30, &s), b"\xC3", false, red);
            }
            if rebuild {
                s.rebuild_fields();
            }
            s.scroll_up();
            s.erase(false);
            assert!(
                s.cells().all(|c| c == Cell::default()),
                "{character_ext} {rebuild}"
            );
        }
    }
}

#[test]
fn erase_switches_size() {
    let mut s = Screen::new(Dimensions::MODEL_2, Dimensions::new(43, 80));
    s.erase(true);
    assert_eq!(s.dims(), Dimensions::new(43, 80));
    assert_eq!(s.cells().len(), 43 * 80);
    assert!(!s.is_formatted());
    s.erase(false);
    assert_eq!(s.cells().len(), 1920);
}

#[test]
fn single_attribute_field_covers_the_rest_of_the_buffer() {
    let mut s = Screen::new(Dimensions::MODEL_2, Dimensions::MODEL_2);
    s.set_field_attr(addr(0, &s), FieldAttr::from_byte(0x40), ExtAttrs::DEFAULT);
    s.rebuild_fields();
    let f = s.field_at(addr(1919, &s)).unwrap();
    assert_eq!(f.len, 1919);
    assert!(f.contains(addr(1, &s), s.dims()));
    assert!(!f.contains(addr(0, &s), s.dims()));
}
