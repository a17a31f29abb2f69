//! The session monitor in a real terminal (tmux), against mainframe-mocker through a TCP
//! relay in the test that counts every byte each way and holds every host reply for a
//! known time: the monitor's bytes must equal the relay's counts exactly, its AID count the
//! keys sent, and every response time it shows must be at least the injected delay.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::relay::Relay;
use common::tmux::Tmux;

/// Far above a normal run; only catches a hang.
const DEADLINE: Duration = Duration::from_secs(30);
/// What the relay holds each host reply for.
const DELAY: Duration = Duration::from_millis(250);

fn start(name: &str, cols: u16, rows: u16, args: &[&str]) -> Option<Tmux> {
    let t = Tmux::start(
        name,
        cols,
        rows,
        Path::new(env!("CARGO_BIN_EXE_r3270")),
        args,
    );
    if t.is_none() {
        common::skip("tmux");
    }
    t
}

/// The status line (OIA): the last line of the pane that is not blank.
fn oia(screen: &str) -> &str {
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
}

fn locked(screen: &str) -> bool {
    let line = oia(screen);
    line.starts_with("X ") || line.contains(" X ")
}

fn wait_ready(t: &Tmux, text: &str) -> String {
    t.wait_until(
        DEADLINE,
        &format!("`{text}` and an unlocked keyboard"),
        |s| s.contains(text) && !locked(s),
    )
}

/// The number after `label` on the line that holds it (`in 1234`), if any.
fn figure_after(screen: &str, label: &str) -> Option<f64> {
    let at = screen.find(label)? + label.len();
    let rest = screen[at..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

#[test]
fn the_monitor_agrees_with_a_counting_relay_that_delays_every_reply() {
    let Some((_mfmock, port)) = common::start_mfmock(&[]) else {
        return;
    };
    let relay = Relay::start(port, DELAY);
    let target = format!("127.0.0.1:{}", relay.port);
    let Some(t) = start("monitor-relay", 120, 40, &[&target]) else {
        return;
    };
    // Three AIDs: sign on (Enter), the greeting form (Enter), back (PF3).
    wait_ready(&t, "M F M O C K   D E M O   H O S T");
    t.text("DEMO");
    t.keys(&["Tab"]);
    t.text("DEMO");
    t.keys(&["Enter"]);
    wait_ready(&t, "SELECTION ===>");
    t.text("1");
    t.keys(&["Enter"]);
    wait_ready(&t, "YOUR NAME");
    t.keys(&["F3"]);
    wait_ready(&t, "SELECTION ===>");

    // The table: one session, connected, three AIDs.
    t.keys(&["M-m"]);
    let table = t.wait_until(DEADLINE, "the monitor's table", |s| {
        s.contains("Session monitor: 1 sessions") && s.contains("connected-tn3270e")
    });
    let row = table
        .lines()
        .find(|l| l.contains(&target))
        .unwrap_or_else(|| panic!("no row for {target}:\n{table}"));
    assert!(row.contains("connected-tn3270e"), "{row}");
    assert!(row.contains(" DEMO"), "the LU: {row}");
    assert!(row.contains(" none "), "no TLS: {row}");

    // The detail: the bytes equal the relay's, exactly (the monitor redraws twice a
    // second; the relay's counts are read again on every look).
    t.keys(&["d"]);
    let detail = t.wait_until(
        DEADLINE,
        "the detail's bytes equal the relay's counts",
        |s| {
            s.contains(&format!(
                "bytes      in {}   out {}",
                relay.down(),
                relay.up()
            ))
        },
    );
    assert!(relay.down() > 0 && relay.up() > 0);
    assert!(
        detail.contains("AIDs       3: enter 2, pf3 1"),
        "the AIDs sent:\n{detail}"
    );
    assert!(detail.contains("response   count 3"), "{detail}");
    assert!(
        detail.contains("last 3 responses, oldest first"),
        "{detail}"
    );
    // Every response took at least the relay's delay (times are shown rounded down).
    let delay_ms = DELAY.as_secs_f64() * 1000.0;
    let min = figure_after(&detail, "oldest first: min").unwrap_or_else(|| panic!("{detail}"));
    let last = figure_after(&detail, "last ").unwrap_or_else(|| panic!("{detail}"));
    assert!(min >= delay_ms, "min {min} ms < {delay_ms} ms:\n{detail}");
    assert!(
        last >= delay_ms,
        "last {last} ms < {delay_ms} ms:\n{detail}"
    );
    assert!(detail.contains("TLS        none"), "{detail}");
    assert!(detail.contains("connections 1, reconnects 0"), "{detail}");
    assert_eq!(relay.connections(), 1);

    // Esc back to the table, Esc again to the screen, which is as it was.
    t.keys(&["Escape"]);
    t.wait_until(DEADLINE, "the table again", |s| {
        s.contains("Enter: go to tab")
    });
    t.keys(&["Escape"]);
    wait_ready(&t, "SELECTION ===>");
}

#[test]
fn the_monitor_fits_the_classic_80x24_window() {
    let Some((_mfmock, port)) = common::start_mfmock(&[]) else {
        return;
    };
    let target = format!("127.0.0.1:{port}");
    let Some(t) = start("monitor-80x24", 80, 24, &[&target]) else {
        return;
    };
    wait_ready(&t, "M F M O C K   D E M O   H O S T");
    t.keys(&["M-m"]);
    let s = t.wait_until(DEADLINE, "the monitor", |s| s.contains("Session monitor"));
    assert!(
        s.contains("SESSION") && s.contains("STATE") && s.contains("LAST"),
        "{s}"
    );
    assert!(s.contains("connected-tn3270e"), "{s}");
    assert!(s.contains("Enter: go to tab"), "{s}");
    t.keys(&["d"]);
    let s = t.wait_until(DEADLINE, "the detail", |s| s.contains("bytes      in "));
    assert!(s.contains("buckets"), "the bucket counts fit too:\n{s}");
    // One Esc at a time: two in one burst read as Alt-Esc.
    t.keys(&["Escape"]);
    t.wait_until(DEADLINE, "the table again", |s| {
        s.contains("Enter: go to tab")
    });
    t.keys(&["Escape"]);
    wait_ready(&t, "M F M O C K   D E M O   H O S T");
}
