//! Criterion benches of the sans-IO engine's hot paths (see `docs/PERFORMANCE.md`).
//!
//! - `apply_ew/*`: applying a full-screen Erase/Write (24x80) or Erase/Write Alternate
//!   (62x160, 14-bit addresses) record directly with `apply_write`;
//! - `session_ew/*`: the same records framed for the wire (0xFF doubled, IAC EOR) and fed to a
//!   `Session` already negotiated into TN3270;
//! - `read_modified/*`: building the Read Modified reply of a screen full of modified fields;
//! - `field_lookup/*`: `field_attr_addr` and `field_at` for every address of a screen with
//!   about 100 fields.
//!
//! The screens are built by a small encoder below: every row has several fields, each an SFE
//! with a field attribute, a foreground colour and a highlight, and text fills the rest.

// A bench is test code: a broken fixture should stop it loudly.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use r3270::proto::addr::{AddressMode, BufferAddr, Dimensions};
use r3270::proto::ds::apply::apply_write;
use r3270::proto::ds::inbound::{ReadKind, ReplyMode, read_modified};
use r3270::proto::ds::parse::{Command, Record, code};
use r3270::proto::{Aid, Mode, Screen, Session, TerminalConfig};

const IAC: u8 = 0xFF;
const EOR: u8 = 0xEF;

/// One screen shape to bench.
struct Shape {
    name: &'static str,
    dims: Dimensions,
    command: Command,
    fields_per_row: u16,
}

const SHAPES: [Shape; 2] = [
    Shape {
        name: "24x80",
        dims: Dimensions::MODEL_2,
        command: Command::Ew,
        fields_per_row: 4,
    },
    Shape {
        name: "62x160",
        dims: Dimensions::new(62, 160),
        command: Command::Ewa,
        fields_per_row: 8,
    },
];

/// Foreground colours (GA23-0059 colour identifiers) and highlights the encoder cycles
/// through.
const COLOURS: [u8; 7] = [0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7];
const HIGHLIGHTS: [u8; 4] = [0x00, 0xF1, 0xF2, 0xF4];

/// Printable EBCDIC text (letters, digits, blank) to fill fields with.
const TEXT: &[u8] =
    b"\xC1\xC2\xC3\xC4\xC5\xC6\xC7\xC8\xC9\x40\xD1\xD2\xD3\xD4\xD5\xD6\xD7\xD8\xD9\x40\
\xE2\xE3\xE4\xE5\xE6\xE7\xE8\xE9\x40\xF0\xF1\xF2\xF3\xF4\xF5\xF6\xF7\xF8\xF9\x40";

/// A full-screen write record (command byte, WCC, orders): each row starts with an SBA, then
/// `fields_per_row` fields, each an SFE (attribute, foreground, highlight) followed by text
/// up to the next field. Even fields are protected labels; odd fields are unprotected input
/// fields, with the MDT set when `modified`.
fn encode_screen(shape: &Shape, modified: bool) -> Vec<u8> {
    let dims = shape.dims;
    let mode = AddressMode::for_dimensions(dims);
    let mut rec = vec![shape.command.sna_byte(), 0xC2];
    let field_len = dims.cols / shape.fields_per_row;
    let mut text = TEXT.iter().cycle();
    let mut n = 0usize;
    for row in 0..dims.rows {
        let start = BufferAddr::new(usize::from(row) * usize::from(dims.cols), dims)
            .expect("row start is on the screen");
        rec.push(code::SBA);
        rec.extend_from_slice(&start.encode(mode));
        for f in 0..shape.fields_per_row {
            let attr = if f % 2 == 0 {
                0x60 // protected
            } else if modified {
                0xC1 // unprotected, MDT on
            } else {
                0x40 // unprotected
            };
            rec.extend_from_slice(&[
                code::SFE,
                3,
                0xC0,
                attr,
                0x42,
                COLOURS[n % COLOURS.len()],
                0x41,
                HIGHLIGHTS[n % HIGHLIGHTS.len()],
            ]);
            n += 1;
            // The last field of a row runs to the end of the row.
            let len = if f + 1 == shape.fields_per_row {
                dims.cols - field_len * f - 1
            } else {
                field_len - 1
            };
            rec.extend(text.by_ref().take(usize::from(len)));
        }
    }
    rec.push(code::IC);
    rec
}

/// A record as it travels on a TN3270 connection: 0xFF doubled, then IAC EOR.
fn frame(record: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(record.len() + 2);
    for &b in record {
        out.push(b);
        if b == IAC {
            out.push(IAC);
        }
    }
    out.extend_from_slice(&[IAC, EOR]);
    out
}

/// A screen of the shape's alternate size (when the record is an EWA) with `record` applied.
fn screen_for(shape: &Shape, record: &[u8]) -> Screen {
    let mut screen = Screen::new(Dimensions::MODEL_2, shape.dims);
    let rec = Record::parse(record).expect("record parses");
    apply_write(&mut screen, rec.command, rec.body)
        .1
        .expect("record applies");
    assert_eq!(screen.dims(), shape.dims);
    screen
}

/// A session negotiated into TN3270 (not TN3270E) by a fixed host prefix: DO TERMINAL-TYPE,
/// SB TERMINAL-TYPE SEND, DO/WILL EOR, DO/WILL BINARY.
fn negotiated_session(shape: &Shape, first: &[u8], now: Instant) -> Session {
    let cfg = TerminalConfig {
        oversize: (shape.dims != Dimensions::MODEL_2).then_some(shape.dims),
        tn3270e: false,
        starttls: false,
        ..TerminalConfig::default()
    };
    let mut session = Session::new(cfg);
    let prefix: &[u8] = &[
        IAC, 0xFD, 24, // DO TERMINAL-TYPE
        IAC, 0xFA, 24, 1, IAC, 0xF0, // SB TERMINAL-TYPE SEND SE
        IAC, 0xFD, 25, IAC, 0xFB, 25, // DO EOR, WILL EOR
        IAC, 0xFD, 0, IAC, 0xFB, 0, // DO BINARY, WILL BINARY
    ];
    session.handle_input(now, prefix);
    session.handle_input(now, first);
    drain(&mut session);
    assert_eq!(session.mode(), Mode::Tn3270);
    assert_eq!(session.screen().dims(), shape.dims);
    session
}

fn drain(session: &mut Session) {
    while let Some(t) = session.poll_transmit() {
        black_box(t);
    }
    while let Some(e) = session.poll_event() {
        black_box(e);
    }
}

fn bench_apply(c: &mut Criterion) {
    let mut g = c.benchmark_group("apply_ew");
    for shape in &SHAPES {
        let record = encode_screen(shape, false);
        let rec = Record::parse(&record).expect("record parses");
        let mut screen = screen_for(shape, &record);
        g.throughput(Throughput::Bytes(record.len() as u64));
        g.bench_function(BenchmarkId::from_parameter(shape.name), |b| {
            b.iter(|| {
                let (fx, r) = apply_write(&mut screen, rec.command, black_box(rec.body));
                black_box((fx, r))
            });
        });
    }
    g.finish();
}

fn bench_session(c: &mut Criterion) {
    let mut g = c.benchmark_group("session_ew");
    // The session only records the time it is given; any instant will do.
    #[allow(clippy::disallowed_methods)]
    let now = Instant::now();
    for shape in &SHAPES {
        let wire = frame(&encode_screen(shape, false));
        let mut session = negotiated_session(shape, &wire, now);
        g.throughput(Throughput::Bytes(wire.len() as u64));
        g.bench_function(BenchmarkId::from_parameter(shape.name), |b| {
            b.iter(|| {
                session.handle_input(now, black_box(&wire));
                drain(&mut session);
            });
        });
    }
    g.finish();
}

fn bench_read_modified(c: &mut Criterion) {
    let mut g = c.benchmark_group("read_modified");
    for shape in &SHAPES {
        let screen = screen_for(shape, &encode_screen(shape, true));
        let mut out = Vec::new();
        read_modified(
            &screen,
            Aid::Enter,
            ReadKind::Modified,
            &ReplyMode::Field,
            &mut out,
        );
        g.throughput(Throughput::Bytes(out.len() as u64));
        g.bench_function(BenchmarkId::from_parameter(shape.name), |b| {
            b.iter(|| {
                out.clear();
                read_modified(
                    black_box(&screen),
                    Aid::Enter,
                    ReadKind::Modified,
                    &ReplyMode::Field,
                    &mut out,
                );
                black_box(out.len())
            });
        });
    }
    g.finish();
}

fn bench_field_lookup(c: &mut Criterion) {
    let mut g = c.benchmark_group("field_lookup");
    let shape = &SHAPES[0];
    let screen = screen_for(shape, &encode_screen(shape, false));
    assert_eq!(screen.fields().len(), 96);
    let dims = screen.dims();
    let addrs: Vec<BufferAddr> = (0..dims.cells())
        .map(|i| BufferAddr::new(i, dims).expect("on screen"))
        .collect();
    g.throughput(Throughput::Elements(addrs.len() as u64));
    g.bench_function("field_attr_addr/24x80", |b| {
        b.iter(|| {
            for &a in &addrs {
                black_box(screen.field_attr_addr(black_box(a)));
            }
        });
    });
    g.bench_function("field_at/24x80", |b| {
        b.iter(|| {
            for &a in &addrs {
                black_box(screen.field_at(black_box(a)));
            }
        });
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_apply,
    bench_session,
    bench_read_modified,
    bench_field_lookup
);
criterion_main!(benches);
