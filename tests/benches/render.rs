//! Criterion benches of the TUI's screen view (see `docs/PERFORMANCE.md`, "Rendering").
//!
//! - `draw_screen/24x80`, `draw_screen/62x160`: `ui::screen::draw_screen` of a full screen
//!   with many coloured and highlighted fields into a ratatui `Buffer` of the same size;
//! - `draw_screen/62x160_crosshair_selection`: the same with the crosshair and a selection,
//!   which add a per-cell test;
//! - `draw_screen/62x160_in_120x50`: the too-small case (a notice and a window that follows
//!   the cursor).
//!
//! Throughput is in screen cells per second; one iteration is one frame, so frames per second
//! is the reciprocal of the reported time.

// A bench is test code: a broken fixture should stop it loudly.
#![allow(clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use r3270::app::Selection;
use r3270::proto::Screen;
use r3270::proto::addr::{Dimensions, Position};
use r3270::proto::attr::{FieldAttr, xa};
use r3270::proto::codepage::CodePage;
use r3270::proto::ds::apply::apply_write;
use r3270::proto::ds::build::{RecordBuilder, wcc};
use r3270::proto::ds::parse::{Command, Record, Wcc};
use r3270::theme::Theme;
use r3270::ui::screen::{ScreenOptions, draw_screen};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// Foreground colours and highlights the fields cycle through.
const COLOURS: [u8; 8] = [0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0x00];
const HIGHLIGHTS: [u8; 5] = [0x00, 0xF1, 0xF2, 0xF4, 0xF8];

/// A screen of `dims` with `per_row` fields on every row, each an SFE with a colour and a
/// highlight (every fifth non-display, some outlined), filled with text.
fn screen(dims: Dimensions, per_row: u16) -> Screen {
    let command = if dims == Dimensions::MODEL_2 {
        Command::Ew
    } else {
        Command::Ewa
    };
    let mut b = RecordBuilder::new(command, Wcc(wcc::KEYBOARD_RESTORE), dims);
    let cp = CodePage::default();
    let len = dims.cols / per_row;
    let mut n = 0usize;
    for row in 0..dims.rows {
        for f in 0..per_row {
            b.sba_at(row, f * len);
            let attr = match n % 5 {
                0 => 0x60,
                1 => 0x40,
                2 => 0x68,
                3 => 0x4C,
                _ => 0xE0,
            };
            let mut pairs = vec![
                (xa::FOREGROUND, COLOURS[n % COLOURS.len()]),
                (xa::HIGHLIGHTING, HIGHLIGHTS[n % HIGHLIGHTS.len()]),
            ];
            if n % 7 == 0 {
                pairs.push((xa::OUTLINING, 0x0F));
            }
            b.sfe(FieldAttr::from_byte(attr), &pairs);
            let text: String = "ABCDEFGHIJ klmnopqrst 0123456789 "
                .chars()
                .cycle()
                .skip(n % 10)
                .take(usize::from(len - 1))
                .collect();
            b.text(&text, cp);
            n += 1;
        }
    }
    let rec = b.finish();
    let mut s = Screen::new(Dimensions::MODEL_2, dims);
    let r = Record::parse(&rec).expect("record parses");
    apply_write(&mut s, r.command, r.body)
        .1
        .expect("record applies");
    assert_eq!(s.dims(), dims);
    s
}

fn bench_draw(c: &mut Criterion) {
    let theme = Theme::default();
    let mut group = c.benchmark_group("draw_screen");
    let cases: [(&str, Dimensions, u16, Rect, ScreenOptions); 4] = [
        (
            "24x80",
            Dimensions::MODEL_2,
            4,
            Rect::new(0, 0, 80, 24),
            ScreenOptions::default(),
        ),
        (
            "62x160",
            Dimensions::new(62, 160),
            8,
            Rect::new(0, 0, 160, 62),
            ScreenOptions::default(),
        ),
        (
            "62x160_crosshair_selection",
            Dimensions::new(62, 160),
            8,
            Rect::new(0, 0, 160, 62),
            ScreenOptions {
                crosshair: true,
                focused: true,
                blink_on: true,
                selection: Some(Selection {
                    anchor: Position::new(3, 4),
                    head: Position::new(40, 100),
                }),
                ..ScreenOptions::default()
            },
        ),
        (
            "62x160_in_120x50",
            Dimensions::new(62, 160),
            8,
            Rect::new(0, 0, 120, 50),
            ScreenOptions::default(),
        ),
    ];
    for (name, dims, per_row, area, opts) in cases {
        let s = screen(dims, per_row);
        let mut buf = Buffer::empty(area);
        group.throughput(Throughput::Elements(dims.cells() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &s, |b, s| {
            b.iter(|| {
                let l = draw_screen(&mut buf, area, black_box(s), &theme, &opts);
                black_box(l)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_draw);
criterion_main!(benches);
