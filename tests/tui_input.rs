//! How the interactive client takes input and gives its screen in a real terminal (tmux):
//! a key is drawn at once, without waiting for the loop's slow tick; a burst of thousands of
//! keys all arrives without another key to push it through; a dropped session reconnects on
//! its own deadline; and the classic 80x24 window
//! shows all 24 host rows, the status line folded over the last only while it has something
//! to say.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::tmux::Tmux;

/// Far above a normal run; only catches a hang.
const DEADLINE: Duration = Duration::from_secs(30);
/// An hour: with the slow tick this long, nothing the test sees can have waited for it.
const NO_TICK: (&str, &str) = ("R3270_TICK_MS", "3600000");

fn start(name: &str, cols: u16, rows: u16) -> Option<Tmux> {
    let bin = Path::new(env!("CARGO_BIN_EXE_r3270"));
    let t = Tmux::start_env(name, cols, rows, bin, &["--demo"], &[NO_TICK]);
    if t.is_none() {
        common::skip("tmux");
    }
    t
}

/// The cursor position the OIA shows, 1-based (`row/col` at the right end of the last
/// non-blank line).
fn oia_cursor(screen: &str) -> (usize, usize) {
    let last = screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or("");
    let (r, c) = last
        .split_once('/')
        .unwrap_or_else(|| panic!("no cursor position in the OIA:\n{screen}"));
    (r.parse().unwrap(), c.parse().unwrap())
}

#[test]
fn a_key_is_drawn_without_waiting_for_the_slow_tick() {
    let Some(t) = start("input-echo", 100, 32) else {
        return;
    };
    let screen = t.wait_for("Password", DEADLINE);
    let (row, col) = oia_cursor(&screen);
    // Several keys, one at a time, each waited for: a single lucky wake-up cannot pass this.
    for (i, key) in ["Right", "Right", "Left", "Right"].into_iter().enumerate() {
        let expected = (row, col + [1, 2, 1, 2][i]);
        t.keys(&[key]);
        t.wait_until(DEADLINE, &format!("the cursor at {expected:?}"), |s| {
            oia_cursor(s) == expected
        });
    }
    // Typed text too, in the user id field.
    t.text("abc");
    t.wait_for("abc", DEADLINE);
}

#[test]
fn five_thousand_held_keys_all_arrive_without_another_key() {
    let Some(t) = start("input-burst", 100, 32) else {
        return;
    };
    let screen = t.wait_for("Password", DEADLINE);
    // The sign-on screen has two 8-character input fields (user id at row 8, column 20,
    // password at row 9, column 20) between autoskip labels: typing fills one, skips to the
    // other and wraps back, so after N characters the cursor is N modulo 16 positions on.
    assert_eq!(oia_cursor(&screen), (8, 20), "{screen}");
    let n = 5003;
    let k = n % 16;
    let expected = if k < 8 { (8, 20 + k) } else { (9, 20 + k - 8) };
    // A held key: one byte each. (Cursor keys are three-byte escape sequences, and
    // crossterm reads a sequence that a loaded pty splits across two reads as Esc plus
    // characters; a held arrow key at a keyboard's repeat rate never comes that fast.)
    t.keys(&["-N", &n.to_string(), "x"]);
    // No other key follows: the last of the 5,003 bytes must be read by themselves.
    t.wait_until(DEADLINE, &format!("the cursor at {expected:?}"), |s| {
        oia_cursor(s) == expected
    });
    // And the client still answers: Ctrl-Q quits (nothing is connected but the demo, which
    // asks first).
    t.keys(&["C-q"]);
    t.wait_for("(y/n)", DEADLINE);
}

#[test]
fn an_80x24_terminal_shows_all_24_host_rows_and_the_oia_only_when_it_has_news() {
    let Some(t) = start("input-classic", 80, 24) else {
        return;
    };
    let screen = t.wait_for("Password", DEADLINE);
    let lines: Vec<&str> = screen.lines().collect();
    // Row 1 is the host's first row (no tab bar) and row 24 its PF-key legend (no OIA).
    assert!(lines[0].contains("R3270 DEMONSTRATION HOST"), "{screen}");
    assert_eq!(lines.len(), 24, "{screen}");
    assert!(
        lines[23].contains("Enter=Sign on  PF1=Help  PF3=Exit"),
        "{screen}"
    );
    assert!(!screen.contains("Too small"), "{screen}");
    // An operator error (typing on protected text) needs saying: the OIA shows over row 24.
    t.keys(&["Up"]);
    t.text("x");
    let s = t.wait_for("X Protected", DEADLINE);
    assert!(s.lines().nth(23).unwrap().contains("X Protected"), "{s}");
    // Reset clears it, and row 24 is the host's again.
    t.keys(&["C-r"]);
    let s = t.wait_until(DEADLINE, "the legend back on row 24", |s| {
        s.lines()
            .nth(23)
            .is_some_and(|l| l.contains("Enter=Sign on"))
    });
    assert!(!s.contains("X Protected"), "{s}");
    // The operator can pin the OIA over the last row, and unpin it.
    t.keys(&["M-l"]);
    let s = t.wait_until(DEADLINE, "the pinned OIA", |s| {
        s.lines().nth(23).is_some_and(|l| l.starts_with("4B"))
    });
    assert!(!s.contains("Enter=Sign on"), "{s}");
    t.keys(&["M-l"]);
    t.wait_until(DEADLINE, "the legend back on row 24", |s| {
        s.lines()
            .nth(23)
            .is_some_and(|l| l.contains("Enter=Sign on"))
    });
}

#[test]
fn a_dropped_session_reconnects_on_its_deadline_without_the_tick() {
    let demo = common::start_demo(&[]);
    let dir = common::temp_dir("r3270-input-reconnect");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profile.d]\nhost = \"127.0.0.1\"\nport = {}\n\
             reconnect = {{ enabled = true, delay = 1, max-attempts = 3 }}\n",
            demo.port
        ),
    )
    .unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_r3270"));
    let cfg = config.display().to_string();
    let Some(t) = Tmux::start_env(
        "input-reconnect",
        100,
        32,
        bin,
        &["--config", &cfg, "d"],
        &[NO_TICK],
    ) else {
        common::skip("tmux");
        return;
    };
    t.wait_for("Password", DEADLINE);
    // PF3 on the sign-on screen ends the demo session: the host closes the connection.
    t.keys(&["F3"]);
    // With the tick an hour away, only the reconnect's own deadline can bring this back.
    t.wait_until(DEADLINE, "a new sign-on screen after the reconnect", |s| {
        s.contains("Password") && s.contains("DEMO0002")
    });
}
