//! Properties of a whole [`Session`]: host bytes never panic it, whatever they are and however
//! they are chunked; operator keys never change protected fields or attribute positions
//! (except the MDT bit); the MDT of an unprotected field is set exactly when its content
//! changed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use proptest::prelude::*;
use r3270::proto::addr::{AddressMode, BufferAddr, Dimensions};
use r3270::proto::attr::FieldAttr;
use r3270::proto::screen::{Field, Screen};
use r3270::proto::telnet::{self, DO, IAC, SB, SE, TelnetOption, WILL};
use r3270::proto::{Aid, Key, LockReason, Mode, Session, TerminalConfig};

const TTYPE: u8 = 24;
const BINARY: u8 = 0;
const O_EOR: u8 = 25;
const TN3270E: u8 = 40;

fn sb(option: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    telnet::write_subnegotiation(TelnetOption(option), payload, &mut out);
    out
}

fn record(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    telnet::write_record(data, &mut out);
    out
}

fn drain(s: &mut Session) {
    while s.poll_transmit().is_some() {}
    while s.poll_event().is_some() {}
}

#[derive(Clone, Copy, Debug)]
enum Start {
    Fresh,
    Tn3270,
    Tn3270e,
}

/// A session the fake-host prefix has brought to `start`, and the virtual clock.
fn negotiated(start: Start) -> (Session, Instant) {
    #[allow(clippy::disallowed_methods)] // the virtual clock's origin
    let now = Instant::now();
    let mut s = Session::new(TerminalConfig::default());
    let host: Vec<Vec<u8>> = match start {
        Start::Fresh => vec![],
        Start::Tn3270 => vec![
            vec![IAC, DO, TTYPE],
            sb(TTYPE, &[1]),
            vec![
                IAC, DO, O_EOR, IAC, WILL, O_EOR, IAC, DO, BINARY, IAC, WILL, BINARY,
            ],
            record(&[0xF5, 0x02]),
        ],
        Start::Tn3270e => vec![
            vec![IAC, DO, TN3270E],
            sb(TN3270E, &[8, 2]),
            sb(TN3270E, b"\x02\x04IBM-3278-2-E\x01LU1"),
            sb(TN3270E, &[3, 4, 0, 2, 4, 5]),
            record(&[0, 0, 0, 0, 0, 0xF5, 0x02]),
        ],
    };
    for h in host {
        s.handle_input(now, &h);
        drain(&mut s);
    }
    let want = match start {
        Start::Fresh => Mode::Negotiating,
        Start::Tn3270 => Mode::Tn3270,
        Start::Tn3270e => Mode::Tn3270e,
    };
    assert_eq!(s.mode(), want);
    if !matches!(start, Start::Fresh) {
        assert_eq!(s.oia().lock, None);
    }
    (s, now)
}

// ----- strategies ---------------------------------------------------------------------------------

fn any_key() -> impl Strategy<Value = Key> {
    prop_oneof![
        4 => prop::sample::select(vec!['A', 'z', '0', '9', ' ', '.', '-', '?', '>', '&', '\u{e9}'])
            .prop_map(Key::Char),
        1 => any::<char>().prop_map(Key::Char),
        1 => prop::sample::select(vec![
            Aid::Enter, Aid::Pf(1), Aid::Pf(24), Aid::Pf(0), Aid::Pf(30), Aid::Pa(1), Aid::Pa(3),
            Aid::Pa(9), Aid::Clear, Aid::SysReq, Aid::SelectorPen, Aid::NoAid,
            Aid::StructuredField,
        ])
        .prop_map(Key::Aid),
        6 => prop::sample::select(all_non_aid_keys()),
        1 => (any::<u16>(), any::<u16>()).prop_map(|(row, col)| Key::MoveCursor { row, col }),
        1 => (0u16..30, 0u16..90).prop_map(|(row, col)| Key::MoveCursor { row, col }),
    ]
}

fn all_non_aid_keys() -> Vec<Key> {
    vec![
        Key::Attn,
        Key::Reset,
        Key::Tab,
        Key::BackTab,
        Key::Home,
        Key::NewLine,
        Key::EraseEof,
        Key::EraseInput,
        Key::Insert,
        Key::Delete,
        Key::Backspace,
        Key::Erase,
        Key::Dup,
        Key::FieldMark,
        Key::Up,
        Key::Down,
        Key::Left,
        Key::Right,
        Key::Left2,
        Key::Right2,
        Key::FieldEnd,
        Key::CursorSelect,
    ]
}

/// Host data-stream bodies: a command byte (mostly real ones) and random orders.
fn ds_body() -> impl Strategy<Value = Vec<u8>> {
    let command = prop_oneof![
        4 => prop::sample::select(vec![
            0x01u8, 0xF1, 0x05, 0xF5, 0x0D, 0x7E, 0x0F, 0x6F, 0x02, 0xF2, 0x06, 0xF6, 0x0E,
            0x6E, 0x11, 0xF3, 0x03,
        ]),
        1 => any::<u8>(),
    ];
    let piece = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..8),
        prop::sample::select(vec![
            vec![0x1D, 0x60],
            vec![0x1D, 0x40],
            vec![0x11, 0x40, 0x40],
            vec![0x11, 0x3F, 0xFF],
            vec![0x13],
            vec![0x3C, 0x5D, 0x7F, 0xC1],
            vec![0x12, 0x40, 0x40],
            vec![0x05],
            vec![0x29, 0x02, 0xC0, 0x20, 0x42, 0xF2],
            vec![0x28, 0x43, 0xF1],
            vec![0x08, 0xAD],
            // WSF Read Partition Query, Query List, Erase/Reset, Set Reply Mode, 3270-DS.
            vec![0x00, 0x05, 0x01, 0xFF, 0x02],
            vec![0x00, 0x08, 0x01, 0xFF, 0x03, 0x80, 0x81, 0x86],
            vec![0x00, 0x04, 0x03, 0x80],
            vec![0x00, 0x07, 0x09, 0x00, 0x02, 0x43, 0x42],
            vec![0x00, 0x07, 0x40, 0x00, 0xF5, 0x02, 0xC1],
            vec![0x00, 0x00],
            vec![0xFF, 0xFF],
        ]),
    ];
    (command, prop::collection::vec(piece, 0..10)).prop_map(|(c, pieces)| {
        let mut v = vec![c];
        v.extend(pieces.concat());
        v
    })
}

/// A stream a hostile or broken host might send: raw bytes, 3270 records, TN3270E records
/// with valid headers, telnet commands and subnegotiations.
fn host_stream() -> impl Strategy<Value = Vec<u8>> {
    let part = prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..64),
        3 => ds_body().prop_map(|b| record(&b)),
        4 => (0u8..=10, 0u8..=3, 0u8..=3, any::<u16>(), ds_body()).prop_map(
            |(t, req, rsp, seq, body)| {
                let [hi, lo] = seq.to_be_bytes();
                let mut r = vec![t, req, rsp, hi, lo];
                r.extend(body);
                record(&r)
            }
        ),
        1 => (prop::sample::select(vec![WILL, 252u8, DO, 254]), any::<u8>())
            .prop_map(|(v, o)| vec![IAC, v, o]),
        1 => (
            prop::sample::select(vec![0u8, 1, 24, 25, 39, 40, 46, 255]),
            prop::collection::vec(any::<u8>(), 0..20)
        )
            .prop_map(|(o, p)| sb(o, &p)),
        1 => any::<u8>().prop_map(|c| vec![IAC, c]),
        1 => Just(vec![IAC, SB, 40]),
        1 => Just(vec![IAC, SE]),
    ];
    prop::collection::vec(part, 0..24).prop_map(|v| v.concat())
}

// ----- formatted screens ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Order {
    Sf(u8),
    Sfe(u8, Option<u8>),
    Sba(u16),
    Text(Vec<u8>),
    Ic,
}

/// Screen text: upper case, blanks and the selector-pen designators, never a byte the
/// operator can type in [`typed_key`] (so that typing always changes a position).
fn screen_text() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(vec![0xC1u8, 0xC5, 0xD4, 0xE9, 0x40, 0x6F, 0x6E, 0x50, 0x00]),
        1..40,
    )
}

/// A field attribute: mostly the common kinds (unprotected, numeric, protected, autoskip,
/// non-display, detectable), sometimes any byte.
fn field_attr(clear_mdt: bool) -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => prop::sample::select(vec![0x40u8, 0x40, 0x50, 0x4C, 0xC4, 0xC8, 0x60, 0xF0, 0xE4]),
        1 => any::<u8>(),
    ]
    .prop_map(move |a| if clear_mdt { a & !FieldAttr::MDT } else { a })
}

fn order(clear_mdt: bool) -> impl Strategy<Value = Order> {
    prop_oneof![
        3 => field_attr(clear_mdt).prop_map(Order::Sf),
        1 => (
            field_attr(clear_mdt),
            prop::option::of(prop::sample::select(vec![0xF1u8, 0xF2, 0xF4]))
        )
            .prop_map(|(a, c)| Order::Sfe(a, c)),
        3 => (0u16..1920).prop_map(Order::Sba),
        4 => screen_text().prop_map(Order::Text),
        1 => Just(Order::Ic),
    ]
}

/// An Erase/Write with restore and reset-MDT drawing the orders; starts with a field.
fn screen_write(clear_mdt: bool) -> impl Strategy<Value = Vec<u8>> {
    (
        field_attr(clear_mdt),
        prop::collection::vec(order(clear_mdt), 1..30),
    )
        .prop_map(move |(first, orders)| {
            let mut w = vec![0xF5, 0x03, 0x1D, first];
            for o in orders {
                match o {
                    Order::Sf(a) => w.extend([0x1D, a]),
                    Order::Sfe(a, None) => w.extend([0x29, 1, 0xC0, a]),
                    Order::Sfe(a, Some(c)) => w.extend([0x29, 2, 0xC0, a, 0x42, c]),
                    Order::Sba(addr) => {
                        let a = BufferAddr::new(usize::from(addr), Dimensions::MODEL_2).unwrap();
                        w.push(0x11);
                        w.extend(a.encode(AddressMode::Coded12));
                    }
                    Order::Text(t) => w.extend(t),
                    Order::Ic => w.push(0x13),
                }
            }
            w
        })
}

/// Keys that edit without ever erasing: each typed byte differs from every byte the screen
/// was drawn with, so a typed position always changes. Cursor Select is left out: its
/// attention form sets the MDT without changing the field, by design.
fn typed_key() -> impl Strategy<Value = Key> {
    prop_oneof![
        6 => prop::sample::select(vec!['a', 'q', 'x', '1', '7', '.', '-']).prop_map(Key::Char),
        1 => Just(Key::Dup),
        1 => Just(Key::FieldMark),
        4 => prop::sample::select(vec![
            Key::Tab, Key::BackTab, Key::Home, Key::NewLine, Key::Up, Key::Down, Key::Left,
            Key::Right, Key::Left2, Key::Right2, Key::Backspace, Key::FieldEnd, Key::Insert,
            Key::Reset,
        ]),
        2 => (0u16..24, 0u16..80).prop_map(|(row, col)| Key::MoveCursor { row, col }),
    ]
}

/// Every key but Cursor Select, whose deselection resets the MDT whatever else the field
/// holds (GA23-0059), and Clear.
fn key_but_select() -> impl Strategy<Value = Key> {
    key_but_clear().prop_filter("Cursor Select resets the MDT by design", |k| {
        *k != Key::CursorSelect
    })
}

/// Every key but Clear (which erases the screen on purpose).
fn key_but_clear() -> impl Strategy<Value = Key> {
    any_key().prop_filter("Clear erases the screen", |k| *k != Key::Aid(Aid::Clear))
}

/// Press a key; if it sent an AID, the host answers with a Write that only restores.
fn press(s: &mut Session, now: &mut Instant, key: Key) {
    s.handle_key(key, *now);
    drain(s);
    *now += Duration::from_millis(10);
    if s.oia().lock == Some(LockReason::TimeWait) {
        s.handle_input(*now, &record(&[0xF1, 0x02]));
        drain(s);
        assert_eq!(s.oia().lock, None);
    }
}

/// Which data positions belong to a protected field, and which to an unprotected one.
fn field_map(screen: &Screen) -> Vec<Option<(bool, BufferAddr)>> {
    let dims = screen.dims();
    let mut map = vec![None; dims.cells()];
    for f in screen.fields() {
        for a in f.positions(dims) {
            map[a.index()] = Some((f.attr.is_protected(), f.attr_addr));
        }
    }
    map
}

/// The bytes of a field's data positions (taken from `field`, which is the field as drawn).
fn content(screen: &Screen, field: &Field) -> Vec<(u8, bool)> {
    field
        .positions(screen.dims())
        .map(|a| (screen.cell(a).byte(), screen.cell(a).is_ge()))
        .collect()
}

fn check_protected(before: &Screen, after: &Screen) -> Result<(), TestCaseError> {
    let dims = before.dims();
    prop_assert_eq!(after.dims(), dims);
    let map = field_map(before);
    for (i, owner) in map.iter().enumerate() {
        let a = BufferAddr::new(i, dims).unwrap();
        let (b, x) = (before.cell(a), after.cell(a));
        if let Some(fa) = b.attr() {
            let xa = x.attr();
            prop_assert!(xa.is_some(), "attribute at {} vanished", i);
            let mask = !FieldAttr::MDT;
            prop_assert_eq!(
                xa.unwrap().bits() & mask,
                fa.bits() & mask,
                "attribute {}",
                i
            );
            prop_assert_eq!(x.ext, b.ext, "attribute {} ext", i);
        } else if let Some((true, attr_addr)) = *owner {
            let field_attr = before.cell(attr_addr).attr().unwrap();
            let designator = attr_addr.next(dims) == a && field_attr.is_detectable();
            if designator && [0x6F, 0x6E].contains(&b.byte()) && [0x6F, 0x6E].contains(&x.byte()) {
                // Cursor Select toggles a selection field's designator, protected or not.
                continue;
            }
            prop_assert_eq!(x, b, "protected position {} changed", i);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn host_bytes_never_panic(
        start in prop::sample::select(vec![Start::Fresh, Start::Tn3270, Start::Tn3270e]),
        stream in host_stream(),
        cuts in prop::collection::vec(1usize..48, 1..64),
        keys in prop::collection::vec(any_key(), 0..16),
    ) {
        let (mut s, mut now) = negotiated(start);
        let mut rest = &stream[..];
        let mut keys = keys.into_iter();
        for &n in cuts.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (chunk, tail) = rest.split_at(n.min(rest.len()));
            rest = tail;
            now += Duration::from_millis(1);
            s.handle_input(now, chunk);
            if let Some(k) = keys.next() {
                s.handle_key(k, now);
            }
            drain(&mut s);
        }
        for k in keys {
            s.handle_key(k, now);
        }
        drain(&mut s);
        s.handle_timeout(now);
        // The session still answers: the getters are consistent.
        prop_assert_eq!(s.oia().mode, s.mode());
        prop_assert!(s.screen().cells().len() == s.screen().dims().cells());
        prop_assert!(s.text_rows().len() == usize::from(s.screen().dims().rows));
    }

    #[test]
    fn host_bytes_chunking_does_not_matter(
        start in prop::sample::select(vec![Start::Tn3270, Start::Tn3270e]),
        stream in host_stream(),
        cut in 1usize..16,
    ) {
        let (mut whole, now) = negotiated(start);
        let (mut split, _) = negotiated(start);
        whole.handle_input(now, &stream);
        for chunk in stream.chunks(cut) {
            split.handle_input(now, chunk);
        }
        let mut sent_whole = Vec::new();
        while let Some(b) = whole.poll_transmit() { sent_whole.extend(b); }
        let mut sent_split = Vec::new();
        while let Some(b) = split.poll_transmit() { sent_split.extend(b); }
        prop_assert_eq!(sent_whole, sent_split);
        prop_assert_eq!(whole.text_rows(), split.text_rows());
        prop_assert_eq!(whole.mode(), split.mode());
        prop_assert_eq!(whole.oia().lock, split.oia().lock);
    }

    #[test]
    fn keys_never_change_protected_fields(
        screen in screen_write(false),
        keys in prop::collection::vec(key_but_clear(), 1..60),
    ) {
        let (mut s, mut now) = negotiated(Start::Tn3270);
        s.handle_input(now, &record(&screen));
        drain(&mut s);
        prop_assume!(s.screen().is_formatted());
        let before = s.screen().clone();
        for k in keys {
            press(&mut s, &mut now, k);
            check_protected(&before, s.screen())?;
        }
    }

    #[test]
    fn mdt_set_iff_unprotected_field_changed(
        screen in screen_write(true),
        keys in prop::collection::vec(typed_key(), 1..60),
    ) {
        let (mut s, mut now) = negotiated(Start::Tn3270);
        s.handle_input(now, &record(&screen));
        drain(&mut s);
        prop_assume!(s.screen().is_formatted());
        let before = s.screen().clone();
        let unprotected: Vec<_> = before
            .fields()
            .into_iter()
            .filter(|f| !f.attr.is_protected())
            .collect();
        for f in &unprotected {
            prop_assert!(!f.attr.is_modified(), "the screen starts with every MDT clear");
        }
        for k in keys {
            press(&mut s, &mut now, k);
            for f in &unprotected {
                let changed = content(&before, f) != content(s.screen(), f);
                let mdt = s.screen().cell(f.attr_addr).attr().unwrap().is_modified();
                prop_assert_eq!(mdt, changed, "field at {} after {:?}", f.attr_addr.index(), k);
            }
        }
    }

    #[test]
    fn changed_unprotected_fields_have_mdt_set(
        screen in screen_write(true),
        keys in prop::collection::vec(key_but_select(), 1..60),
    ) {
        // With the erase keys only one direction holds: an erase key sets the MDT even when
        // there was nothing to erase, as on a real 3270. Erase Input empties every
        // unprotected field and resets its MDT (GA23-0059), so it starts a new baseline.
        let (mut s, mut now) = negotiated(Start::Tn3270);
        s.handle_input(now, &record(&screen));
        drain(&mut s);
        prop_assume!(s.screen().is_formatted());
        let mut before = s.screen().clone();
        let unprotected: Vec<_> = before
            .fields()
            .into_iter()
            .filter(|f| !f.attr.is_protected())
            .collect();
        for k in keys {
            // A locked keyboard (an operator error) ignores Erase Input like any other key.
            let erase_input = k == Key::EraseInput && s.oia().lock.is_none();
            press(&mut s, &mut now, k);
            for f in &unprotected {
                let mdt = s.screen().cell(f.attr_addr).attr().unwrap().is_modified();
                if erase_input {
                    prop_assert!(!mdt, "Erase Input left the MDT of {}", f.attr_addr.index());
                    prop_assert!(content(s.screen(), f).iter().all(|&(b, _)| b == 0));
                } else if content(&before, f) != content(s.screen(), f) {
                    prop_assert!(mdt, "field at {} changed without MDT", f.attr_addr.index());
                }
            }
            if erase_input {
                before = s.screen().clone();
            }
        }
    }
}
