//! Snapshots of drawn views: characters, then the style runs (see [`super::dump`]).

// Snapshot text is built once per test: `push_str(&format!(..))` reads best here.
#![allow(clippy::format_push_string)]

use std::time::Duration;

use insta::assert_snapshot;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::render::highlight_screen;
use super::{demo_menu, demo_signon, dump, inputs, press, type_at};
use crate::app::{Badges, Selection};
use crate::keymap::{Binding, Keymap, Layer};
use crate::proto::addr::{Dimensions, Position};
use crate::proto::key::Aid;
use crate::proto::oia::{LockReason, Mode, Oia, OperatorError, Secure};
use crate::theme::Theme;
use crate::ui::oia::{ConnState, OiaStatus, draw_oia};
use crate::ui::overlay::{
    PickerItem, draw_confirm, draw_help, draw_message, draw_palette, draw_picker, draw_rename,
    help_rows, palette_items,
};
use crate::ui::screen::{ScreenOptions, draw_screen};
use crate::ui::tabs::{TabInfo, TabState, draw_tabs};

fn buffer(w: u16, h: u16) -> Buffer {
    Buffer::empty(Rect::new(0, 0, w, h))
}

#[test]
fn signon_screen_with_typed_user_and_hidden_password() {
    let (_, mut screen) = demo_signon(Dimensions::MODEL_2);
    let fields = inputs(&screen);
    type_at(&mut screen, fields[0], "DEMO");
    type_at(&mut screen, fields[1], "SECRET");
    let mut buf = buffer(80, 24);
    let opts = ScreenOptions {
        focused: true,
        blink_on: true,
        ..ScreenOptions::default()
    };
    let area = buf.area;
    let l = draw_screen(&mut buf, area, &screen, &Theme::default(), &opts);
    assert_eq!(
        l.cursor(),
        Some((
            fields[0].position(screen.dims()).col,
            fields[0].position(screen.dims()).row
        ))
    );
    assert_snapshot!("signon_24x80", dump(&buf));
}

#[test]
fn colour_chart_with_blink_in_both_phases() {
    let (mut app, mut screen) = demo_menu(Dimensions::MODEL_2);
    press(&mut app, &mut screen, Aid::Enter, &["3"]);
    let theme = Theme::default();
    for (blink_on, name) in [(true, "colours_blink_on"), (false, "colours_blink_off")] {
        let mut buf = buffer(80, 24);
        let opts = ScreenOptions {
            blink_on,
            ..ScreenOptions::default()
        };
        let area = buf.area;
        draw_screen(&mut buf, area, &screen, &theme, &opts);
        assert_snapshot!(name, dump(&buf));
    }
}

#[test]
fn every_highlight_and_outline() {
    let screen = highlight_screen();
    let mut buf = buffer(60, 5);
    let opts = ScreenOptions {
        blink_on: true,
        pan: Some((0, 0)),
        ..ScreenOptions::default()
    };
    draw_screen(
        &mut buf,
        Rect::new(0, 0, 60, 5),
        &screen,
        &Theme::default(),
        &opts,
    );
    assert_snapshot!("highlights_and_outlines", dump(&buf));
}

#[test]
fn a_62x160_screen() {
    let dims = Dimensions::new(62, 160);
    let (_, screen) = demo_menu(dims);
    let mut buf = buffer(164, 64);
    let area = buf.area;
    draw_screen(
        &mut buf,
        area,
        &screen,
        &Theme::default(),
        &ScreenOptions::default(),
    );
    assert_snapshot!("menu_62x160_centred", dump(&buf));
}

#[test]
fn a_small_terminal_shows_the_notice_and_follows_the_cursor() {
    let dims = Dimensions::new(43, 80);
    let (_, mut screen) = demo_signon(dims);
    let opts = ScreenOptions {
        focused: true,
        ..ScreenOptions::default()
    };
    let mut out = String::new();
    let mut buf = buffer(70, 30);
    let area = buf.area;
    draw_screen(&mut buf, area, &screen, &Theme::default(), &opts);
    out.push_str(&format!("=== cursor on the user id field\n{}", dump(&buf)));
    // The cursor near the bottom-right corner: the view moves with it.
    let corner = crate::proto::addr::BufferAddr::from_position(Position::new(41, 78), dims)
        .expect("in range");
    screen.set_cursor(corner);
    let mut buf = buffer(70, 30);
    let l = draw_screen(&mut buf, area, &screen, &Theme::default(), &opts);
    assert_eq!(l.origin(), (14, 10));
    out.push_str(&format!("=== cursor at 42/79\n{}", dump(&buf)));
    // Panned back to the top-left, the cursor is out of view.
    let mut buf = buffer(120, 10);
    let area = buf.area;
    let panned = ScreenOptions {
        pan: Some((0, 0)),
        ..opts
    };
    let l = draw_screen(&mut buf, area, &screen, &Theme::default(), &panned);
    assert_eq!(l.cursor(), None);
    out.push_str(&format!("=== panned to the top in 120x10\n{}", dump(&buf)));
    assert_snapshot!("small_terminal_43x80", out);
}

#[test]
fn crosshair_and_selection() {
    let (_, mut screen) = demo_signon(Dimensions::MODEL_2);
    let fields = inputs(&screen);
    type_at(&mut screen, fields[1], "SECRET");
    let mut buf = buffer(80, 24);
    let opts = ScreenOptions {
        crosshair: true,
        focused: true,
        selection: Some(Selection {
            anchor: Position::new(12, 40),
            head: Position::new(1, 2),
        }),
        ..ScreenOptions::default()
    };
    let area = buf.area;
    draw_screen(&mut buf, area, &screen, &Theme::default(), &opts);
    assert_snapshot!("crosshair_and_selection", dump(&buf));
}

fn oia(f: impl FnOnce(&mut Oia)) -> Oia {
    let mut o = Oia {
        mode: Mode::Tn3270e,
        lu: Some("TCP00042".into()),
        cursor: Position::new(11, 33),
        ..Oia::default()
    };
    f(&mut o);
    o
}

/// Every state the OIA draws, by name: the mode, each lock, insert, TLS, the response time
/// and each connection state.
fn oia_cases() -> Vec<(&'static str, Oia, ConnState)> {
    vec![
        (
            "4A unlocked",
            oia(|o| o.mode = Mode::Tn3270),
            ConnState::Connected,
        ),
        ("4B unlocked", oia(|_| {}), ConnState::Connected),
        (
            "X SYSTEM",
            oia(|o| o.lock = Some(LockReason::System)),
            ConnState::Connected,
        ),
        (
            "X clock, Q2",
            oia(|o| {
                o.lock = Some(LockReason::TimeWait);
                o.typeahead = 2;
            }),
            ConnState::Connected,
        ),
        (
            "X Protected",
            oia(|o| o.lock = Some(LockReason::Operator(OperatorError::Protected))),
            ConnState::Connected,
        ),
        (
            "X NUM",
            oia(|o| o.lock = Some(LockReason::Operator(OperatorError::Numeric))),
            ConnState::Connected,
        ),
        ("insert", oia(|o| o.insert = true), ConnState::Connected),
        ("NVT", oia(|o| o.mode = Mode::Nvt), ConnState::Connected),
        (
            "SSCP-LU",
            oia(|o| o.mode = Mode::SscpLu),
            ConnState::Connected,
        ),
        (
            "TLS verified",
            oia(|o| o.secure = Some(Secure { verified: true })),
            ConnState::Connected,
        ),
        (
            "TLS not verified",
            oia(|o| o.secure = Some(Secure { verified: false })),
            ConnState::Connected,
        ),
        (
            "response time",
            oia(|o| o.last_response_time = Some(Duration::from_millis(420))),
            ConnState::Connected,
        ),
        ("connecting", Oia::default(), ConnState::Connecting),
        (
            "disconnected",
            Oia::default(),
            ConnState::Disconnected(Some("host closed the connection".into())),
        ),
        (
            "reconnecting",
            Oia::default(),
            ConnState::Reconnecting { attempt: 3 },
        ),
    ]
}

#[test]
fn every_oia_state() {
    let theme = Theme::default();
    let mut out = String::new();
    for (name, o, conn) in oia_cases() {
        let mut buf = buffer(80, 1);
        let status = OiaStatus {
            macro_state: None,
            oia: &o,
            connection: conn,
            host: "demo.example:3270",
        };
        let area = buf.area;
        draw_oia(&mut buf, area, &status, &theme);
        out.push_str(&format!("=== {name}\n{}", dump(&buf)));
    }
    // Too narrow: the lock and the cursor stay, the host and LU go first.
    let o = oia(|o| {
        o.lock = Some(LockReason::TimeWait);
        o.secure = Some(Secure { verified: false });
        o.typeahead = 5;
        o.insert = true;
        o.last_response_time = Some(Duration::from_millis(1500));
    });
    let mut buf = buffer(40, 1);
    let narrow = OiaStatus {
        macro_state: None,
        oia: &o,
        connection: ConnState::Connected,
        host: "demo.example:3270",
    };
    let area = buf.area;
    draw_oia(&mut buf, area, &narrow, &theme);
    out.push_str(&format!("=== narrow, everything on\n{}", dump(&buf)));
    // A reason longer than the line is cut to fit, not dropped; the cursor stays.
    let reason = "the certificate of mvs.example.com could not be verified: unable to get \
                  local issuer certificate (set the profile's ca-file)";
    let mut buf = buffer(80, 1);
    let long = OiaStatus {
        macro_state: None,
        oia: &Oia::default(),
        connection: ConnState::Disconnected(Some(reason.into())),
        host: "mvs.example.com:992",
    };
    let area = buf.area;
    draw_oia(&mut buf, area, &long, &theme);
    let line: String = buf
        .content()
        .iter()
        .map(ratatui::buffer::Cell::symbol)
        .collect();
    assert!(
        line.starts_with("Disconnected: the certificate of mvs"),
        "{line}"
    );
    assert!(
        line.contains('…') && line.trim_end().ends_with("001/001"),
        "{line}"
    );
    out.push_str(&format!("=== disconnected, long reason\n{}", dump(&buf)));
    assert_snapshot!("oia_states", out);
}

#[test]
fn tab_bar_with_badges_and_overflow() {
    let theme = Theme::default();
    let tab = |name, state, badges| TabInfo {
        name,
        state,
        badges,
    };
    let tabs = [
        tab("TSO", TabState::Connected, Badges::default()),
        tab(
            "CICS",
            TabState::Locked,
            Badges {
                alarm: true,
                unlocked: true,
                ..Badges::default()
            },
        ),
        tab("IMS", TabState::Connecting, Badges::default()),
        tab(
            "prod",
            TabState::Disconnected,
            Badges {
                disconnected: true,
                ..Badges::default()
            },
        ),
        tab(
            "test",
            TabState::Error,
            Badges {
                error: true,
                ..Badges::default()
            },
        ),
        tab("line", TabState::Nvt, Badges::default()),
    ];
    let mut out = String::new();
    for (w, active) in [(120u16, 0usize), (50, 0), (50, 3), (50, 5), (12, 2)] {
        let mut buf = buffer(w, 1);
        let area = buf.area;
        let hits = draw_tabs(&mut buf, area, &tabs, active, &theme);
        assert!(hits.iter().any(|(_, i)| *i == active), "active tab drawn");
        out.push_str(&format!(
            "=== width {w}, active {active}, hits {hits:?}\n{}",
            dump(&buf)
        ));
    }
    assert_snapshot!("tabs", out);
}

fn keymap() -> Keymap {
    let b = |k: &str, a: &str| Binding {
        key: k.parse().expect("chord"),
        action: a.parse().expect("action"),
        when: None,
    };
    Keymap::new([
        (
            Layer::Screen,
            vec![
                b("enter", "enter"),
                b("f1", "send-aid pf1"),
                b("f3", "send-aid pf3"),
                b("shift-f3", "send-aid pf15"),
                b("ctrl-e", "erase-eof"),
                b("end", "erase-eof"),
                b("insert", "toggle-insert"),
                b("tab", "tab"),
            ],
        ),
        (
            Layer::Global,
            vec![
                b("ctrl-]", "command-palette"),
                b("alt-h", "help"),
                b("alt-q", "quit"),
                b("alt-1", "switch-tab 1"),
                b("alt-2", "switch-tab 2"),
            ],
        ),
    ])
}

#[test]
fn help_overlay() {
    let rows = help_rows(&keymap(), &[Layer::Screen]);
    assert!(
        rows.iter()
            .any(|r| r.action == "send-aid pf15" && r.keys == "shift-f3")
    );
    assert!(
        rows.iter()
            .any(|r| r.action == "erase-eof" && r.keys == "ctrl-e, end")
    );
    assert!(
        rows.iter()
            .any(|r| r.action == "copy" && r.keys == "(palette only)")
    );
    let theme = Theme::default();
    let mut out = String::new();
    for scroll in [0, 20] {
        let mut buf = buffer(100, 24);
        let area = buf.area;
        draw_help(&mut buf, area, &rows, scroll, &theme);
        out.push_str(&format!("=== scroll {scroll}\n{}", dump(&buf)));
    }
    assert_snapshot!("help_overlay", out);
}

#[test]
fn palette_completions_and_error() {
    let km = keymap();
    let profiles = ["prod", "preprod", "test"];
    let items = palette_items("era", &km, &profiles);
    let names: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(names, ["erase-eof", "erase-input", "erase"]);
    let items = palette_items("tab", &km, &profiles);
    assert_eq!(items[0].text, "tab", "prefix matches come first");
    assert!(
        items.iter().any(|i| i.text == "back-tab"),
        "then names containing it"
    );
    let items = palette_items("connect pr", &km, &profiles);
    let names: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(names, ["connect prod", "connect preprod", "connect pr"]);
    assert!(palette_items("nosuch arg", &km, &profiles).is_empty());
    let items = palette_items("send-aid pf1", &km, &profiles);
    let names: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(names.len(), 11, "{names:?}");
    assert_eq!(names[0], "send-aid pf10");
    assert_eq!(
        names[10], "send-aid pf1",
        "what is typed comes last, with the argument help"
    );
    let items = palette_items("send-aid p", &km, &profiles);
    let pf3 = items
        .iter()
        .find(|i| i.text == "send-aid pf3")
        .expect("pf3 offered");
    assert_eq!(pf3.keys, "f3");
    assert_eq!(pf3.help, "send PF3");

    let theme = Theme::default();
    let mut out = String::new();
    let mut buf = buffer(90, 20);
    let items = palette_items("era", &km, &profiles);
    let area = buf.area;
    draw_palette(&mut buf, area, "era", 3, &items, 1, None, &theme);
    out.push_str(&format!("=== completions\n{}", dump(&buf)));
    let mut buf = buffer(90, 12);
    let items = palette_items("connect pr", &km, &profiles);
    let area = buf.area;
    draw_palette(&mut buf, area, "connect pr", 2, &items, 0, None, &theme);
    out.push_str(&format!("=== argument\n{}", dump(&buf)));
    let mut buf = buffer(90, 10);
    let area = buf.area;
    draw_palette(
        &mut buf,
        area,
        "erase-oef",
        9,
        &[],
        0,
        Some("unknown action `erase-oef` (did you mean `erase-eof`?)"),
        &theme,
    );
    out.push_str(&format!("=== error\n{}", dump(&buf)));
    assert_snapshot!("palette", out);
}

#[test]
fn picker_confirm_and_message() {
    let theme = Theme::default();
    let items = [
        PickerItem {
            label: "prod".into(),
            detail: "L:mvs.example.com:992 (profile)".into(),
        },
        PickerItem {
            label: "test".into(),
            detail: "test.example.com:23 (profile)".into(),
        },
        PickerItem {
            label: "127.0.0.1:3270".into(),
            detail: "recent, 2 hours ago".into(),
        },
    ];
    let mut out = String::new();
    let mut buf = buffer(80, 12);
    let area = buf.area;
    draw_picker(&mut buf, area, "", &items, 1, None, &theme);
    out.push_str(&format!("=== picker\n{}", dump(&buf)));
    let mut buf = buffer(80, 12);
    let area = buf.area;
    draw_picker(
        &mut buf,
        area,
        "L:bad host",
        &items,
        0,
        Some("`bad host`: a host name has no spaces"),
        &theme,
    );
    out.push_str(&format!("=== picker with error\n{}", dump(&buf)));
    let mut buf = buffer(60, 9);
    let area = buf.area;
    draw_confirm(
        &mut buf,
        area,
        "Close tab 2 (TSO), which is connected?",
        &theme,
    );
    out.push_str(&format!("=== confirm\n{}", dump(&buf)));
    let mut buf = buffer(70, 9);
    let area = buf.area;
    draw_message(
        &mut buf,
        area,
        &[
            "The configuration was not reloaded:".into(),
            "config.toml:12: unknown key `colour` (did you mean `color`?)".into(),
        ],
        &theme,
    );
    out.push_str(&format!("=== message\n{}", dump(&buf)));
    assert_snapshot!("popups", out);
}

#[test]
fn help_rows_of_the_default_keymap_cover_every_action() {
    let config = crate::config::Config::builtin();
    let rows = help_rows(&config.keymap, &[Layer::Screen, Layer::Prompt]);
    for info in crate::action::ACTIONS.iter().filter(|a| a.name != "none") {
        assert!(
            rows.iter()
                .any(|r| r.action.split_whitespace().next() == Some(info.name)),
            "{} missing from the help",
            info.name
        );
    }
    let row = |action: &str| {
        rows.iter()
            .find(|r| r.action == action)
            .map(|r| r.keys.as_str())
    };
    assert_eq!(row("send-aid pf3"), Some("f3"));
    assert!(row("command-palette").is_some_and(|k| k.contains("ctrl-]")));
    // The prompt layer's keys are listed too, not "(palette only)".
    assert_eq!(row("select-next"), Some("down"));
    assert_eq!(row("accept"), Some("enter, kp-enter"));
    assert_eq!(row("cancel"), Some("esc, ctrl-g"));
    let mut buf = buffer(110, 40);
    let area = buf.area;
    draw_help(&mut buf, area, &rows, 0, &Theme::default());
    let text: String = buf
        .content()
        .iter()
        .map(ratatui::buffer::Cell::symbol)
        .collect();
    assert_snapshot!(
        "help_default_keymap",
        text.chars()
            .collect::<Vec<_>>()
            .chunks(110)
            .map(|c| c.iter().collect::<String>().trim_end().to_owned())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_view_survives_tiny_and_odd_areas() {
    let theme = Theme::default();
    let o = oia(|o| {
        o.lock = Some(LockReason::TimeWait);
        o.secure = Some(Secure { verified: false });
        o.typeahead = 3;
    });
    let tabs = [TabInfo {
        name: "a very long tab name that does not fit",
        state: TabState::Connecting,
        badges: Badges {
            alarm: true,
            error: true,
            ..Badges::default()
        },
    }];
    let rows = help_rows(&keymap(), &[Layer::Screen]);
    let items = palette_items("", &keymap(), &[]);
    for (w, h) in [(0, 0), (1, 1), (2, 2), (3, 1), (5, 3), (12, 4), (200, 2)] {
        for area in [Rect::new(0, 0, w, h), Rect::new(3, 3, w, h)] {
            let mut buf = buffer(210, 10);
            let status = OiaStatus {
                macro_state: None,
                oia: &o,
                connection: ConnState::Connected,
                host: "h",
            };
            draw_oia(&mut buf, area, &status, &theme);
            let hits = draw_tabs(&mut buf, area, &tabs, 7, &theme);
            for (r, _) in hits {
                assert!(area.contains(r.as_position()), "{r:?} outside {area:?}");
            }
            draw_help(&mut buf, area, &rows, u16::MAX, &theme);
            draw_palette(&mut buf, area, "x", 99, &items, 500, Some("error"), &theme);
            draw_picker(&mut buf, area, "", &[], 3, Some("e"), &theme);
            draw_confirm(&mut buf, area, "Really?", &theme);
            draw_message(&mut buf, area, &["m".into()], &theme);
            draw_rename(&mut buf, area, "name", &theme);
        }
    }
}

#[test]
fn a_replayed_trace_session_with_its_status_line() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/traces/demo-signon.trc"
    );
    let trace = crate::trace::Trace::from_path(path).expect("our own fixture reads");
    let report = crate::replay::replay(&trace, &crate::replay::ReplayOptions::default());
    let session = report.session;
    let theme = Theme::default();
    let mut buf = buffer(80, 25);
    let opts = ScreenOptions {
        focused: true,
        code_page: session.code_page(),
        ..ScreenOptions::default()
    };
    draw_screen(
        &mut buf,
        Rect::new(0, 0, 80, 24),
        session.screen(),
        &theme,
        &opts,
    );
    let status = OiaStatus {
        macro_state: None,
        oia: session.oia(),
        connection: ConnState::Connected,
        host: "127.0.0.1:3270",
    };
    draw_oia(&mut buf, Rect::new(0, 24, 80, 1), &status, &theme);
    // The PF legend written by the host is a hotspot row.
    let rows = crate::ui::text::screen_text(session.screen(), session.code_page());
    let r = rows
        .iter()
        .position(|l| l.contains("PF3=Exit"))
        .expect("legend");
    let c = rows[r].find("PF3").expect("PF3") as u16;
    assert_eq!(
        crate::ui::text::hotspot_at(
            session.screen(),
            Position::new(r as u16, c),
            session.code_page()
        ),
        Some(Aid::Pf(3))
    );
    assert_snapshot!("replayed_demo_signon_with_oia", dump(&buf));
}
