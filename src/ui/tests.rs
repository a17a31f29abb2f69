//! Tests of the views: layout arithmetic, the text helpers, and snapshots of drawn buffers.
//!
//! Screens come from the demo host's application (its real records applied to a [`Screen`])
//! or from records written with the data stream builder; snapshots print the characters and
//! then every run of cells with the same style, so colours and highlights are reviewed too.

mod render;
mod snapshots;
mod text;

use std::fmt::Write as _;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use crate::demo::WallClock;
use crate::demo::app::{App, Reply, Terminal};
use crate::proto::addr::{BufferAddr, Dimensions};
use crate::proto::codepage::CodePage;
use crate::proto::ds::apply::apply_write;
use crate::proto::ds::inbound::{Inbound, InboundField};
use crate::proto::ds::parse::Record;
use crate::proto::key::Aid;
use crate::proto::screen::Screen;

/// Applies the host's reply to the screen.
pub(super) fn show(screen: &mut Screen, reply: &Reply) {
    for rec in &reply.records {
        let r = Record::parse(rec).expect("demo records parse");
        apply_write(screen, r.command, r.body)
            .1
            .expect("demo records apply");
    }
}

pub(super) fn ebcdic(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            CodePage::default()
                .from_unicode(c)
                .expect("in the code page")
        })
        .collect()
}

/// Start addresses of the unprotected fields, in screen order.
pub(super) fn inputs(screen: &Screen) -> Vec<BufferAddr> {
    screen
        .fields()
        .iter()
        .filter(|f| !f.attr.is_protected())
        .map(|f| f.start(screen.dims()))
        .collect()
}

/// Types `text` into the screen at `addr` the way the keyboard leaves it (characters only).
pub(super) fn type_at(screen: &mut Screen, addr: BufferAddr, text: &str) {
    let dims = screen.dims();
    let mut a = addr;
    for b in ebcdic(text) {
        screen.set_byte_keep_attrs(a, b, false);
        a = a.next(dims);
    }
}

/// The demo application on a `dims` terminal, showing its sign-on screen.
pub(super) fn demo_signon(dims: Dimensions) -> (App, Screen) {
    let mut app = App::new(Terminal {
        dims,
        extended: true,
        terminal_type: "IBM-3278-2-E".into(),
        lu: "DEMO0001".into(),
    });
    let mut screen = Screen::new(Dimensions::MODEL_2, dims);
    show(&mut screen, &app.start(WallClock::default()));
    (app, screen)
}

/// Presses `aid` with each unprotected field's text from `values` (in field order).
pub(super) fn press(app: &mut App, screen: &mut Screen, aid: Aid, values: &[&str]) {
    let fields = inputs(screen)
        .into_iter()
        .zip(values)
        .map(|(addr, v)| InboundField {
            addr,
            data: ebcdic(v),
        })
        .collect();
    let input = Inbound {
        aid,
        cursor: None,
        fields,
    };
    let reply = app.handle(&input, WallClock::default());
    show(screen, &reply);
}

/// The demo's menu after signing on as the practice user.
pub(super) fn demo_menu(dims: Dimensions) -> (App, Screen) {
    let (mut app, mut screen) = demo_signon(dims);
    press(&mut app, &mut screen, Aid::Enter, &["demo", "Demo"]);
    (app, screen)
}

fn color(c: Color) -> String {
    match c {
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Reset => "-".into(),
        other => format!("{other:?}").to_ascii_lowercase(),
    }
}

/// Characters, then one legend line per run of same-styled cells in a row. Blank cells with
/// no line-drawing modifier show no foreground, so the legend lists what is visible.
pub(super) fn dump(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out.push_str("--- styles (row col-col) ---\n");
    let visible_mods = Modifier::UNDERLINED | Modifier::REVERSED;
    for y in area.top()..area.bottom() {
        // (first col, last col, fg, bg and modifiers); a blank joins the run before it
        // when only its (invisible) foreground differs.
        let mut runs: Vec<(u16, u16, String, String)> = Vec::new();
        for x in area.left()..area.right() {
            let c = &buf[(x, y)];
            let blank = c.symbol() == " " && !c.modifier.intersects(visible_mods);
            let mut rest = format!("bg={}", color(c.bg));
            if !c.modifier.is_empty() {
                let _ = write!(rest, " {:?}", c.modifier);
            }
            let fg = if blank { "-".to_owned() } else { color(c.fg) };
            match runs.last_mut() {
                Some((_, end, f, r)) if *r == rest && (blank || *f == fg) => *end = x,
                Some((_, end, f, r)) if *r == rest && f == "-" => {
                    *end = x;
                    *f = fg;
                }
                _ => runs.push((x, x, fg, rest)),
            }
        }
        for (a, b, fg, rest) in runs {
            // Plain background (nothing visible) is left out.
            if fg == "-" && (rest == "bg=-" || rest == "bg=black") {
                continue;
            }
            let _ = writeln!(out, "{y:02} {a:03}-{b:03} fg={fg} {rest}");
        }
    }
    out
}
