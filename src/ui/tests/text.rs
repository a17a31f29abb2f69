//! Selection text and PF-key hotspots, on the demo host's screens, trace screens and small
//! hand-written ones.

use super::{demo_menu, demo_signon, inputs, type_at};
use crate::app::Selection;
use crate::proto::addr::{BufferAddr, Dimensions, Position};
use crate::proto::attr::{ExtAttrs, FieldAttr};
use crate::proto::codepage::CodePage;
use crate::proto::key::Aid;
use crate::proto::screen::Screen;
use crate::ui::text::{hotspot_at, screen_text, selection_text};

fn cp() -> CodePage {
    CodePage::default()
}

fn sel(r0: u16, c0: u16, r1: u16, c1: u16) -> Selection {
    Selection {
        anchor: Position::new(r0, c0),
        head: Position::new(r1, c1),
    }
}

/// A one-field protected screen with `rows` written from row 0.
fn text_screen(rows: &[&str]) -> Screen {
    let dims = Dimensions::MODEL_2;
    let mut s = Screen::new(dims, dims);
    s.set_field_attr(
        BufferAddr::new(dims.cells() - 1, dims).expect("in range"),
        FieldAttr::from_byte(0x20),
        ExtAttrs::DEFAULT,
    );
    for (r, line) in rows.iter().enumerate() {
        let a = BufferAddr::from_position(Position::new(r as u16, 0), dims).expect("in range");
        super::type_at(&mut s, a, line);
    }
    s
}

#[test]
fn selection_excludes_the_typed_password_and_trims_rows() {
    let (_, mut screen) = demo_signon(Dimensions::MODEL_2);
    let fields = inputs(&screen);
    type_at(&mut screen, fields[0], "DEMO");
    type_at(&mut screen, fields[1], "HUNTER2");
    let all = selection_text(&screen, sel(23, 79, 0, 0), cp());
    assert!(all.contains("DEMO"), "{all}");
    assert!(
        !all.contains("HUNTER2"),
        "the non-display field leaked: {all}"
    );
    assert_eq!(all.lines().count(), 24);
    assert!(all.lines().all(|l| !l.ends_with(' ')));
    let whole = screen_text(&screen, cp());
    assert!(!whole.concat().contains("HUNTER2"));
}

#[test]
fn selection_is_a_rectangle_in_any_order_with_attribute_cells_blank() {
    let s = text_screen(&["abcdefgh", "ijklmnop", "qrstuvwx"]);
    assert_eq!(selection_text(&s, sel(0, 2, 1, 4), cp()), "cde\nklm");
    assert_eq!(selection_text(&s, sel(1, 4, 0, 2), cp()), "cde\nklm");
    assert_eq!(selection_text(&s, sel(2, 7, 2, 7), cp()), "x");
    // Off the right edge and below the last row: clipped, not a panic.
    assert_eq!(
        selection_text(&s, sel(2, 6, 40, 200), cp()),
        "wx\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
    );
    // The attribute at the last position reads as a space (trimmed away).
    assert_eq!(selection_text(&s, sel(23, 70, 23, 79), cp()), "");
}

#[test]
fn hotspots_on_a_legend_row() {
    let s = text_screen(&[
        "F1=Help  F3=Exit  F12=Cancel",
        " 3=End   7=Up   8=Down   ENTER=Process  Page 2",
        "PF03 Back   PA1   Clear",
        "Press F3 or 3 to leave; CLEAR screen; PF25=none",
        "(PF1) for help, F24=Retrieve",
    ]);
    let at = |r: u16, c: u16| hotspot_at(&s, Position::new(r, c), cp());
    assert_eq!(at(0, 0), Some(Aid::Pf(1)));
    assert_eq!(at(0, 5), Some(Aid::Pf(1)), "the label text counts");
    assert_eq!(at(0, 7), None, "blank between items");
    assert_eq!(at(0, 10), Some(Aid::Pf(3)));
    assert_eq!(at(0, 20), Some(Aid::Pf(12)));
    assert_eq!(at(1, 1), Some(Aid::Pf(3)), "bare numbers on a legend row");
    assert_eq!(at(1, 9), Some(Aid::Pf(7)));
    assert_eq!(at(1, 28), Some(Aid::Enter));
    assert_eq!(at(1, 45), None, "a bare number on a legend row is text");
    assert_eq!(at(2, 1), Some(Aid::Pf(3)));
    assert_eq!(at(2, 6), None, "the word after a bare key is not a key");
    assert_eq!(at(2, 13), Some(Aid::Pa(1)));
    assert_eq!(at(2, 19), None, "bare Clear outside a legend is text");
    assert_eq!(at(3, 6), None, "bare F3 in prose is text");
    assert_eq!(at(3, 12), None, "a bare number in prose is text");
    assert_eq!(at(3, 40), None, "PF25 does not exist");
    assert_eq!(at(4, 2), Some(Aid::Pf(1)), "parentheses are ignored");
    assert_eq!(at(4, 20), Some(Aid::Pf(24)));
}

#[test]
fn hotspots_on_the_demo_help_screen() {
    let (mut app, mut screen) = demo_menu(Dimensions::MODEL_2);
    super::press(&mut app, &mut screen, Aid::Pf(1), &[]);
    let rows = screen_text(&screen, cp());
    let find = |needle: &str| -> Position {
        for (r, row) in rows.iter().enumerate() {
            if let Some(c) = row.find(needle) {
                return Position::new(r as u16, c as u16);
            }
        }
        panic!("{needle} not on the help screen:\n{}", rows.join("\n"));
    };
    assert_eq!(hotspot_at(&screen, find("PF1 "), cp()), Some(Aid::Pf(1)));
    assert_eq!(hotspot_at(&screen, find("PF3 "), cp()), Some(Aid::Pf(3)));
    let p78 = find("PF7 PF8");
    assert_eq!(hotspot_at(&screen, p78, cp()), Some(Aid::Pf(7)));
    let p8 = Position::new(p78.row, p78.col + 4);
    assert_eq!(hotspot_at(&screen, p8, cp()), Some(Aid::Pf(8)));
    let text = find("Redraw");
    assert_eq!(hotspot_at(&screen, text, cp()), None);
}

/// The final screen of a trace from the shared corpus, or `None` (skipped) outside CI.
fn trace_session(rel: &str) -> Option<crate::proto::Session> {
    let path = format!(
        "{}/../shared/x3270-traces/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    let Ok(trace) = crate::trace::Trace::from_path(&path) else {
        assert!(std::env::var_os("CI").is_none(), "{path} missing under CI");
        println!("skipped: {path} not found");
        return None;
    };
    Some(crate::replay::replay(&trace, &crate::replay::ReplayOptions::default()).session)
}

#[test]
fn hotspots_on_trace_screens() {
    let Some(session) = trace_session("s3270/ibmlink.trc") else {
        return;
    };
    let (screen, cp) = (session.screen(), session.code_page());
    let rows = screen_text(screen, cp);
    let r = rows
        .iter()
        .position(|l| l.contains("(PF1)"))
        .expect("(PF1) row");
    let c = rows[r].find("(PF1)").expect("found") as u16;
    assert_eq!(
        hotspot_at(screen, Position::new(r as u16, c + 2), cp),
        Some(Aid::Pf(1))
    );
    assert_eq!(hotspot_at(screen, Position::new(r as u16, c - 2), cp), None);

    let Some(session) = trace_session("s3270/target.trc") else {
        return;
    };
    let (screen, cp) = (session.screen(), session.code_page());
    let rows = screen_text(screen, cp);
    let r = rows
        .iter()
        .position(|l| l.starts_with("F3=END"))
        .expect("F3=END row");
    assert_eq!(
        hotspot_at(screen, Position::new(r as u16, 0), cp),
        Some(Aid::Pf(3))
    );
    assert_eq!(
        hotspot_at(screen, Position::new(r as u16, 4), cp),
        Some(Aid::Pf(3))
    );
    assert_eq!(hotspot_at(screen, Position::new(r as u16, 7), cp), None);
}

#[test]
fn no_hotspot_inside_a_non_display_field() {
    let (_, mut screen) = demo_signon(Dimensions::MODEL_2);
    let fields = inputs(&screen);
    type_at(&mut screen, fields[1], "PF3");
    let p = fields[1].position(screen.dims());
    assert_eq!(hotspot_at(&screen, p, cp()), None);
}
