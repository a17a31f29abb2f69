//! The interactive TUI against real hosts, with s3270 as the oracle: what r3270 draws in a
//! real terminal (tmux, an 80x26 window: tab bar, the 24x80 screen, OIA) must equal, row for
//! row, what s3270's `Ascii()` shows for the same keys on the same host. Hercules (its logo
//! screen) and mainframe-mocker (sign-on with a wrong password, then the menu, a form and a
//! paged list) are the far sides; keys reach the TUI as tmux key presses, so the keymap,
//! the app and the renderer are all under test.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::tmux::Tmux;
use common::{S3270, mask_clock, start_hercules, start_mfmock};

/// Far above a normal run; only catches a hang.
const DEADLINE: Duration = Duration::from_secs(20);

/// The host screen as the TUI drew it: pane rows 1..=24 (row 0 is the tab bar, row 25 the
/// OIA), trailing blanks trimmed.
fn drawn_screen(pane: &str) -> Vec<String> {
    pane.lines()
        .skip(1)
        .take(24)
        .map(|l| l.trim_end().to_owned())
        .collect()
}

fn oracle_screen(s: &mut S3270) -> Vec<String> {
    mask_clock(&s.screen())
        .iter()
        .map(|l| l.trim_end().to_owned())
        .collect()
}

/// Waits until the TUI shows the oracle's screen (hosts answer asynchronously) and the OIA
/// shows no lock; panics with both screens when they never agree.
fn agree(t: &Tmux, oracle: &mut S3270, after: &str) -> String {
    let want = oracle_screen(oracle);
    let end = std::time::Instant::now() + DEADLINE;
    let last = loop {
        let pane = t.capture();
        let oia = pane.lines().nth(25).unwrap_or("").to_owned();
        let drawn = mask_clock(&drawn_screen(&pane));
        if drawn == want && !oia.contains("X ") {
            return pane;
        }
        if std::time::Instant::now() > end {
            break drawn;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    for (i, (m, w)) in last.iter().zip(&want).enumerate() {
        assert_eq!(
            m,
            w,
            "row {i} differs after {after}\nr3270 TUI:\n{}\ns3270:\n{}",
            last.join("\n"),
            want.join("\n")
        );
    }
    panic!(
        "after {after} the TUI's screen never matched (or its keyboard stayed locked):\n{}",
        t.capture()
    );
}

fn tui(name: &str, port: u16) -> Option<Tmux> {
    let bin = Path::new(env!("CARGO_BIN_EXE_r3270"));
    let target = format!("127.0.0.1:{port}");
    let t = Tmux::start(name, 80, 26, bin, &[&target]);
    if t.is_none() {
        common::skip("tmux");
    }
    t
}

fn oracle(port: u16) -> Option<S3270> {
    let mut s = S3270::start(&["-model", "3279-2"])?;
    s.run(&format!("Connect(127.0.0.1:{port})")).unwrap();
    s.run("Wait(15,Unlock)").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    Some(s)
}

#[test]
fn tui_draws_the_hercules_logo_as_s3270_shows_it() {
    let Some((_host, port)) = start_hercules(4) else {
        return;
    };
    let Some(mut s) = oracle(port) else {
        return;
    };
    let Some(t) = tui("r3270-oracle-hercules", port) else {
        return;
    };
    let pane = agree(&t, &mut s, "connect");
    assert!(pane.contains("Device number"), "{pane}");
    // Hercules never answers an AID on its logo: the OIA shows the operator the wait.
    t.keys(&["Enter"]);
    let pane = t.wait_until(DEADLINE, "the keyboard locked after Enter", |p| {
        p.lines().nth(25).is_some_and(|oia| oia.contains("X "))
    });
    let oia = pane.lines().nth(25).unwrap();
    // Plain TN3270 (Hercules offers no TN3270E), waiting for the host after an AID.
    assert!(oia.starts_with("4A"), "{oia}");
    assert!(oia.contains("X (clock)"), "{oia}");
    let _ = s.run("Disconnect()");
}

#[test]
fn tui_matches_s3270_through_mainframe_mocker() {
    let Some((_host, port)) = start_mfmock(&[]) else {
        return;
    };
    let Some(mut s) = oracle(port) else {
        return;
    };
    let Some(t) = tui("r3270-oracle-mfmock", port) else {
        return;
    };
    let mut seen = agree(&t, &mut s, "connect");
    // The same steps both ways: tmux key presses for the TUI, actions for s3270.
    let steps: &[(&[&str], Option<&str>, &str)] = &[
        (&["-l", "DEMO"], None, "String(\"DEMO\")"),
        (&["Tab"], None, "Tab()"),
        (&["-l", "WRONG"], None, "String(\"WRONG\")"),
        (&["Enter"], Some("Enter"), "Enter()"),
        (&["Home"], None, "Home()"),
        (&["End"], None, "EraseEOF()"),
        (&["-l", "DEMO"], None, "String(\"DEMO\")"),
        (&["Tab"], None, "Tab()"),
        (&["End"], None, "EraseEOF()"),
        (&["-l", "DEMO"], None, "String(\"DEMO\")"),
        (&["Enter"], Some("sign-on"), "Enter()"),
        (&["-l", "2"], None, "String(\"2\")"),
        (&["Enter"], Some("menu 2"), "Enter()"),
        (&["F8"], Some("PF8"), "PF(8)"),
        (&["F8"], Some("PF8 again"), "PF(8)"),
        (&["F7"], Some("PF7"), "PF(7)"),
        (&["F3"], Some("PF3"), "PF(3)"),
        (&["-l", "1"], None, "String(\"1\")"),
        (&["Enter"], Some("menu 1"), "Enter()"),
        (&["F3"], Some("PF3 back"), "PF(3)"),
    ];
    for (keys, check, action) in steps {
        t.keys(keys);
        if let Some(after) = check {
            s.aid(action);
            seen.push_str(&agree(&t, &mut s, after));
        } else {
            // No wait needed: the terminal delivers keys in order and the TUI applies them
            // in order, so typing is in the fields before the next AID is read.
            s.run(action).unwrap();
        }
    }
    for must in [
        "SIGN ON",
        "IS INCORRECT",
        "MAIN MENU",
        "GUEST BOOK",
        "GREETING",
    ] {
        assert!(seen.contains(must), "no screen showed {must:?}:\n{seen}");
    }
    let _ = s.run("Disconnect()");
}
