//! The session monitor pane, driven by keys against the demo host in memory: the table's
//! figures are the driver's, a slow response stands out, sorting, Enter jumps to the tab,
//! the detail view, and host events while it is open cost no frame until its refresh.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::app::pane::Monitor;
use crate::app::pane::monitor::rows;
use crate::ui::monitor::{Column, SessionState};

fn drawn(rig: &mut Rig, cols: u16, rows: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(cols, rows)).unwrap();
    terminal
        .draw(|f| crate::tui::draw(f, &mut rig.app))
        .unwrap();
    let buf = terminal.backend().buffer();
    (0..rows)
        .map(|y| {
            (0..cols)
                .map(|x| buf[(x, y)].symbol().to_owned())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Two signed-on tabs; the second's Enter was answered three seconds later (past
/// `ui.long-aid`, two seconds).
fn two_tabs() -> Rig {
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.sign_on();
    rig.action("connect demo");
    let second = rig.app.tabs()[1].id;
    rig.held.push(second);
    rig.typed("demo");
    rig.press(KeyCode::Tab);
    rig.typed("demo");
    rig.press(KeyCode::Enter);
    rig.now += Duration::from_secs(3);
    rig.held.clear();
    rig.run(Vec::new());
    assert!(rig.text().contains("Main menu"), "{}", rig.text());
    rig
}

#[test]
fn the_monitor_shows_each_tabs_measured_figures_and_jumps_to_a_tab() {
    let mut rig = two_tabs();
    rig.key(KeyCode::Char('m'), KeyModifiers::ALT);
    assert!(rig.app.monitor_open());
    assert_eq!(rig.app.layer(), Layer::Monitor);
    let ctx = rig.app.pane_ctx();
    let table = rows(&ctx, Column::Name, false);
    assert_eq!(table.len(), 2);
    for (i, row) in &table {
        let stats = rig.app.tabs()[*i].driver().stats();
        assert_eq!(row.bytes_in, stats.session.bytes_in);
        assert_eq!(row.bytes_out, stats.session.bytes_out);
        assert!(row.bytes_in > 0 && row.bytes_out > 0, "{row:?}");
        assert_eq!(row.aids, 1, "one Enter each: {row:?}");
        assert_eq!(row.state, SessionState::ConnectedTn3270e);
        assert_eq!(row.lu, stats.link.lu);
    }
    assert_eq!(table[0].1.name, "demo");
    assert!(!table[0].1.slow);
    assert_eq!(table[1].1.name, "demo (2)");
    assert_eq!(table[1].1.last, Some(Duration::from_secs(3)));
    assert!(table[1].1.slow && table[1].1.stands_out());

    // The classic 80x24 window: the table, the states in x3270's words, the key line.
    let screen = drawn(&mut rig, 80, 24);
    assert!(
        screen.contains("Session monitor: 2 sessions, 1 need attention"),
        "{screen}"
    );
    assert!(
        screen.contains("SESSION") && screen.contains("STATE"),
        "{screen}"
    );
    assert!(screen.contains("connected-tn3270e"), "{screen}");
    assert!(screen.contains("3.00s"), "{screen}");
    assert!(screen.contains("Enter: go to tab"), "{screen}");

    // `s` sorts by the next column, `r` reverses: by name descending, the slow tab first.
    rig.press(KeyCode::Char('r'));
    let m = *rig.app.pane_as::<Monitor>().unwrap();
    assert!(m.descending && m.sort == Column::Name);
    let ctx = rig.app.pane_ctx();
    assert_eq!(rows(&ctx, m.sort, m.descending)[0].1.name, "demo (2)");
    // Enter on the second row (by name descending: `demo`, the first tab) goes there.
    assert_eq!(rig.app.active_index(), 1);
    rig.press(KeyCode::Down);
    rig.press(KeyCode::Enter);
    assert!(rig.app.pane().is_none());
    assert_eq!(rig.app.active_index(), 0);
    // `s` moves the sort to the next column, ascending.
    rig.key(KeyCode::Char('m'), KeyModifiers::ALT);
    rig.press(KeyCode::Char('s'));
    let m = *rig.app.pane_as::<Monitor>().unwrap();
    assert_eq!((m.sort, m.descending), (Column::Endpoint, false));
    // Alt-M again closes it.
    rig.key(KeyCode::Char('m'), KeyModifiers::ALT);
    assert!(rig.app.pane().is_none());
    // Nothing was typed into a screen.
    assert!(rig.text().contains("Main menu"), "{}", rig.text());
}

#[test]
fn the_detail_view_shows_every_figure_of_the_snapshot() {
    let mut rig = two_tabs();
    rig.action("show-monitor");
    rig.press(KeyCode::Down);
    rig.press(KeyCode::Char('d'));
    assert!(rig.app.pane_as::<Monitor>().unwrap().detail);
    let stats = rig.app.tabs()[1].driver().stats();
    let screen = drawn(&mut rig, 80, 24);
    assert!(screen.contains("Session monitor: demo (2)"), "{screen}");
    let bytes = format!(
        "bytes      in {}   out {}   records in {}   out {}",
        stats.session.bytes_in,
        stats.session.bytes_out,
        stats.session.records_in,
        stats.session.records_out
    );
    assert!(screen.contains(&bytes), "{bytes}\n{screen}");
    assert!(screen.contains("AIDs       1: enter 1"), "{screen}");
    assert!(screen.contains("last 3000.0 ms"), "{screen}");
    assert!(
        screen.contains("last 1 responses, oldest first: min 3000.0 ms"),
        "{screen}"
    );
    assert!(screen.contains("<=5.00s 1"), "{screen}");
    assert!(screen.contains("TLS        none"), "{screen}");
    assert!(
        screen.contains(&format!("LU {}", stats.link.lu.clone().unwrap())),
        "{screen}"
    );
    // Esc goes back to the table, then closes the monitor.
    rig.press(KeyCode::Esc);
    assert!(!rig.app.pane_as::<Monitor>().unwrap().detail);
    rig.press(KeyCode::Esc);
    assert!(rig.app.pane().is_none());
}

#[test]
fn while_the_monitor_is_open_host_data_waits_for_its_refresh() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.action("show-monitor");
    let _ = drawn(&mut rig, 80, 24);
    rig.app.mark_drawn();
    let refresh = rig.app.next_deadline().unwrap();
    assert!(refresh > rig.now && refresh <= rig.now + crate::app::MONITOR_REFRESH);
    // The host answers a key: figures change, but no frame is asked for yet.
    rig.app
        .tabs
        .get_mut(0)
        .unwrap()
        .key(rig.now, Key::Aid(Aid::Enter));
    let mut effects = Vec::new();
    rig.app.tabs[0].drain(true, Duration::from_secs(2), &mut effects);
    rig.run(effects);
    assert!(!rig.app.is_dirty());
    // The refresh comes as a timer, and asks for a frame.
    rig.now = refresh;
    rig.event(Event::Timer);
    assert!(rig.app.is_dirty());
    // Closed, host data draws at once again.
    rig.action("show-monitor");
    assert!(rig.app.pane().is_none());
}
