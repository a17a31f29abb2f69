//! The operator's input devices against the demo host: bracketed paste under field rules,
//! the mouse (cursor moves, PF-key hotspots, selections, tab clicks), and the slow tick.

use super::*;

#[test]
fn paste_fills_unprotected_fields_and_stops_at_the_end_of_the_screen() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.event(Event::Paste("demo\ndemo".into()));
    let screen = rig.app.active_tab().unwrap().session().screen();
    let fields: Vec<_> = screen
        .fields()
        .into_iter()
        .filter(|f| !f.attr.is_protected())
        .collect();
    assert!(fields.len() >= 2);
    assert!(rig.text().contains("DEMO") || rig.text().contains("demo"));
    rig.press(KeyCode::Enter);
    assert!(rig.text().contains("Main menu"), "{}", rig.text());
    // A long paste on a fresh sign-on screen: never into protected text, and it says where
    // it stopped.
    rig.action("connect demo");
    let before = rig.text();
    let long = "x".repeat(3000);
    rig.event(Event::Paste(long));
    let status = rig.app.status().unwrap().to_owned();
    assert!(
        status.starts_with("pasted ") && status.ends_with("of 3000 characters: end of screen"),
        "{status}"
    );
    let after = rig.text();
    for (a, b) in before.lines().zip(after.lines()) {
        for (ca, cb) in a.chars().zip(b.chars()) {
            assert!(ca == cb || cb == 'x' || ca == ' ', "{before}\n---\n{after}");
        }
    }
    assert!(after.contains("Sign on"));
    // With the palette open, a paste goes into its input instead.
    rig.key(KeyCode::Char(']'), KeyModifiers::CONTROL);
    rig.event(Event::Paste("connect demo\nignored".into()));
    let Some(Palette { input, cursor, .. }) = rig.app.pane_as::<Palette>() else {
        panic!("{:?}", rig.app.pane())
    };
    assert_eq!((input.as_str(), *cursor), ("connect demo", 12));
    assert_eq!(rig.text(), after);
}

#[test]
fn the_mouse_moves_the_cursor_presses_labels_selects_and_switches_tabs() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.action("connect demo");
    rig.app.last_frame = LastFrame {
        screen_area: Some(Rect::new(0, 1, 80, 24)),
        screen_origin: Position::new(0, 0),
        tab_hits: vec![(Rect::new(0, 0, 10, 1), 0), (Rect::new(10, 0, 10, 1), 1)],
    };
    let mouse = |kind, column, row| {
        Event::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    rig.event(mouse(MouseEventKind::Down(MouseButton::Left), 3, 0));
    assert_eq!(rig.app.active_index(), 0);
    // A click moves the cursor (terminal row 6 is host row 5).
    rig.event(mouse(MouseEventKind::Down(MouseButton::Left), 12, 6));
    rig.event(mouse(MouseEventKind::Up(MouseButton::Left), 12, 6));
    assert_eq!(
        rig.app
            .active_tab()
            .unwrap()
            .session()
            .screen()
            .cursor_position(),
        Position::new(5, 12)
    );
    // A drag selects a rectangle and copies it on release.
    rig.event(mouse(MouseEventKind::Down(MouseButton::Left), 0, 1));
    rig.event(mouse(MouseEventKind::Drag(MouseButton::Left), 30, 3));
    rig.event(mouse(MouseEventKind::Up(MouseButton::Left), 30, 3));
    let Some(Effect::Copy(text)) = rig.seen.last() else {
        panic!("{:?}", rig.seen)
    };
    let rows: Vec<String> = rig
        .text()
        .lines()
        .take(3)
        .map(|l| l.chars().take(31).collect::<String>().trim_end().to_owned())
        .collect();
    assert_eq!(text, &rows.join("\n"));
    assert!(rig.app.active_tab().unwrap().selection.is_some());
    // A click on `PF3=...` written by the host sends PF3 (on the menu, sign off).
    rig.press(KeyCode::Home);
    rig.sign_on();
    let screen = rig.app.active_tab().unwrap().session().screen();
    let rows = rig.text();
    let (row, line) = rows
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("PF3="))
        .unwrap();
    let col = line.find("PF3=").unwrap() + 1;
    assert_eq!(
        crate::ui::text::hotspot_at(
            screen,
            Position::new(row as u16, col as u16),
            rig.app.active_tab().unwrap().session().code_page()
        ),
        Some(Aid::Pf(3))
    );
    rig.event(mouse(
        MouseEventKind::Down(MouseButton::Left),
        col as u16,
        row as u16 + 1,
    ));
    rig.event(mouse(
        MouseEventKind::Up(MouseButton::Left),
        col as u16,
        row as u16 + 1,
    ));
    assert!(rig.text().contains("signed off"), "{}", rig.text());
    assert!(matches!(
        rig.app.active_tab().unwrap().conn,
        ConnState::Disconnected(_)
    ));
}

#[test]
fn the_slow_tick_redraws_only_screens_with_blinking_text() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.sign_on();
    rig.app.mark_drawn();
    rig.event(Event::Tick);
    assert!(!rig.app.is_dirty(), "the menu has nothing that blinks");
    rig.typed("3");
    rig.press(KeyCode::Enter);
    assert!(rig.text().contains("Colour chart"), "{}", rig.text());
    rig.app.mark_drawn();
    rig.event(Event::Tick);
    assert!(
        rig.app.is_dirty(),
        "the colour chart's blinking sample needs the new phase"
    );
}

#[test]
fn a_tick_never_cancels_a_redraw_that_is_due() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.sign_on();
    rig.app.mark_drawn();
    rig.typed("x");
    assert!(rig.app.is_dirty());
    rig.event(Event::Tick);
    assert!(rig.app.is_dirty(), "the typed character is not drawn yet");
}

#[test]
fn an_unbound_ctrl_c_says_how_to_quit_and_sends_nothing() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    let before = rig.text();
    rig.key(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let status = rig.app.status().unwrap_or_default().to_owned();
    assert_eq!(
        status,
        "ctrl-c does not quit r3270: ctrl-q quits, ctrl-] runs any command, alt-h lists the keys"
    );
    assert!(!rig.app.quitting());
    assert_eq!(rig.text(), before);
    // The next key clears it.
    rig.press(KeyCode::Right);
    assert_eq!(rig.app.status(), None);
    // The hint follows the keymap: a rebound quit key is the one named.
    let mut cfg = config();
    cfg.keymap = Keymap::new([(Layer::Global, bind(&[("alt-x", "quit")]))]);
    let mut rig = Rig::with(cfg);
    rig.action("connect demo");
    rig.key(KeyCode::Char('b'), KeyModifiers::CONTROL);
    assert_eq!(
        rig.app.status(),
        Some("ctrl-b is not bound to anything: alt-x quits")
    );
}
