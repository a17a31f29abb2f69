//! End-to-end flows of the interactive client in a real terminal (tmux): the real `r3270`
//! binary, real key presses (`send-keys`), real bracketed paste (`paste-buffer -p`) and real
//! resizes, read back with `capture-pane`, against the built-in demo host (`r3270 --demo`,
//! `r3270 serve-demo`) and against mainframe-mocker (`mfmock`), a host nobody on the team
//! wrote.
//!
//! Each test has its own tmux server (a unique socket) that its guard kills, even when the
//! test fails; every wait is a poll with a generous deadline that only catches a hang, and a
//! failed wait prints the last captured pane.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::tmux::Tmux;

/// Far above a normal run; only catches a hang.
const DEADLINE: Duration = Duration::from_secs(30);

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_r3270"))
}

fn start(name: &str, cols: u16, rows: u16, args: &[&str]) -> Option<Tmux> {
    let t = Tmux::start(name, cols, rows, bin(), args);
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

/// The cursor position the OIA shows, 1-based (`row/col` at the right end).
fn oia_cursor(screen: &str) -> (usize, usize) {
    let last = oia(screen).split_whitespace().last().unwrap_or("");
    let (r, c) = last
        .split_once('/')
        .unwrap_or_else(|| panic!("no cursor position in the OIA: {screen}"));
    (r.parse().unwrap(), c.parse().unwrap())
}

/// The 1-based host row of the first line containing `needle`, counting from the host
/// screen's first row (the line containing `first_row`).
fn host_row(screen: &str, first_row: &str, needle: &str) -> usize {
    let find = |text: &str| {
        screen
            .lines()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("`{text}` not on screen:\n{screen}"))
    };
    find(needle) - find(first_row) + 1
}

/// The first line containing `needle`.
fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not on screen:\n{screen}"))
}

/// Whether the OIA shows a keyboard lock (`X (clock)`, `X SYSTEM`, `X Protected`, ...).
fn locked(screen: &str) -> bool {
    let line = oia(screen);
    line.starts_with("X ") || line.contains(" X ")
}

/// Wait for `text`, then for the keyboard to unlock: the lock indicator must never stick.
fn wait_ready(t: &Tmux, text: &str) -> String {
    t.wait_until(
        DEADLINE,
        &format!("`{text}` and an unlocked keyboard"),
        |s| s.contains(text) && !locked(s),
    )
}

/// Everything but the first line (the tab bar, which gains a tab between two captures).
fn below_tab_bar(screen: &str) -> String {
    screen.lines().skip(1).collect::<Vec<_>>().join("\n")
}

fn demo_sign_on(t: &Tmux) {
    wait_ready(t, "Sign on");
    t.text("demo");
    t.keys(&["Tab"]);
    t.text("demo");
    t.keys(&["Enter"]);
    wait_ready(t, "Main menu");
}

#[test]
fn demo_sign_on_order_form_parts_list_and_every_pf_and_pa_key() {
    let Some(t) = start("flows-demo", 100, 32, &["--demo"]) else {
        return;
    };
    // Sign on with a wrong password first: the host's message, the alarm, and the cursor
    // back on the password; the user id stays and the password never shows.
    wait_ready(&t, "Sign on");
    t.text("demo");
    t.keys(&["Tab"]);
    t.text("wrong");
    t.keys(&["Enter"]);
    let s = wait_ready(&t, "DMO001E User ID or password is not valid");
    assert!(oia(&s).contains("ALARM"), "{s}");
    assert_eq!(oia_cursor(&s).0, host_row(&s, "DMO000", "Password"), "{s}");
    assert!(line_with(&s, "User ID").contains("demo"), "{s}");
    assert!(!s.contains("wrong"), "the password shows:\n{s}");
    t.text("demo");
    t.keys(&["Enter"]);
    let s = wait_ready(&t, "Main menu");
    assert!(s.contains("User DEMO"), "{s}");
    // Typing answered the alarm: its indicator is gone.
    assert!(!oia(&s).contains("ALARM"), "{s}");

    // The order form: each error puts the cursor on the field to correct, and typing
    // there (without moving the cursor) corrects it.
    t.text("1");
    t.keys(&["Enter"]);
    wait_ready(&t, "Order entry");
    t.keys(&["Enter"]);
    let s = wait_ready(&t, "DMO201E Customer name is required.");
    assert_eq!(oia_cursor(&s).0, host_row(&s, "DMO200", "Customer name"));
    t.text("ACME");
    t.keys(&["Tab", "Tab"]);
    t.text("0");
    t.keys(&["Enter"]);
    let s = wait_ready(&t, "DMO204E Quantity must be 1 or more.");
    assert_eq!(oia_cursor(&s).0, host_row(&s, "DMO200", "Quantity"), "{s}");
    assert!(line_with(&s, "Customer name").contains("ACME"), "{s}");
    t.keys(&["End"]);
    t.text("5");
    t.keys(&["Tab"]);
    t.text("X");
    t.keys(&["Enter"]);
    let s = wait_ready(&t, "DMO205E Rush delivery is Y or N.");
    assert_eq!(
        oia_cursor(&s).0,
        host_row(&s, "DMO200", "Rush delivery"),
        "{s}"
    );
    t.keys(&["End"]);
    t.text("Y");
    t.keys(&["Enter"]);
    wait_ready(&t, "accepted: 5 x P-1001 for ACME");

    // The parts list: F7/F8 and PageUp/PageDown page; the ends say so.
    t.keys(&["F3"]);
    wait_ready(&t, "Main menu");
    t.text("2");
    t.keys(&["Enter"]);
    wait_ready(&t, "Lines 1-16 of 60");
    t.keys(&["F7"]);
    wait_ready(&t, "DMO301W TOP OF LIST");
    t.keys(&["F8"]);
    wait_ready(&t, "Lines 17-32 of 60");
    t.keys(&["PageDown"]);
    wait_ready(&t, "Lines 33-48 of 60");
    t.keys(&["PageDown"]);
    wait_ready(&t, "Lines 49-60 of 60");
    t.keys(&["F8"]);
    wait_ready(&t, "DMO302W BOTTOM OF LIST");
    t.keys(&["PageUp"]);
    wait_ready(&t, "Lines 33-48 of 60");

    // PF13-PF24 by Shift-F1..F12 and by their Alt chords, PA1-PA3: the host names each
    // key it got. A PA key between two chords for the same PF key tells the answers apart.
    let alt = [
        "M-q", "M-w", "M-e", "M-r", "M-t", "M-y", "M-u", "M-i", "M-o", "M-p", "M--", "M-=",
    ];
    for (i, chord) in alt.iter().enumerate() {
        let n = i + 13;
        let pf = format!("DMO005W PF{n} has no function");
        // Shift-F3 arrives as `ESC [ 1 ; 2 R`, which crossterm reads as a cursor position
        // report and drops (crossterm issue 685, docs/KEYS.md): PF15 has `alt-e` for that.
        if n != 15 {
            t.keys(&["M-z"]);
            wait_ready(&t, "DMO005W PA1 has no function");
            t.keys(&[&format!("S-F{}", i + 1)]);
            wait_ready(&t, &pf);
        }
        t.keys(&["M-x"]);
        wait_ready(&t, "DMO005W PA2 has no function");
        t.keys(&[*chord]);
        wait_ready(&t, &pf);
    }
    // The raw escape sequences xterm sends for Shift-F1 and Shift-F12.
    t.keys(&["M-c"]);
    wait_ready(&t, "DMO005W PA3 has no function");
    t.text("\x1b[1;2P");
    wait_ready(&t, "DMO005W PF13 has no function");
    t.text("\x1b[24;2~");
    let s = wait_ready(&t, "DMO005W PF24 has no function");
    // The list did not move, and the tab is not left showing a lock.
    assert!(s.contains("Lines 33-48 of 60"), "{s}");
    assert!(s.lines().next().unwrap().contains("demo·3270"), "{s}");
}

#[test]
fn mfmock_sign_on_greeting_form_and_paged_guest_book() {
    let Some((_host, port)) = common::start_mfmock(&[]) else {
        return;
    };
    let target = format!("127.0.0.1:{port}");
    let Some(t) = start("flows-mfmock", 100, 32, &[&target]) else {
        return;
    };
    let s = wait_ready(&t, "M F M O C K   D E M O   H O S T");
    assert!(s.lines().next().unwrap().contains(&target), "{s}");
    t.text("DEMO");
    t.keys(&["Tab"]);
    t.text("WRONG");
    t.keys(&["Enter"]);
    let s = wait_ready(&t, "DEM0101E USER ID OR PASSWORD IS INCORRECT");
    assert!(!s.contains("WRONG"), "the password shows:\n{s}");
    assert_eq!(oia_cursor(&s).0, host_row(&s, "MFMOCK", "PASSWORD"), "{s}");
    t.text("DEMO");
    t.keys(&["Enter"]);
    wait_ready(&t, "SELECTION ===>");
    // The greeting form: empty is an error; a name is greeted.
    t.text("1");
    t.keys(&["Enter"]);
    wait_ready(&t, "YOUR NAME");
    t.keys(&["Enter"]);
    let s = wait_ready(&t, "DEM0017E NAME IS REQUIRED");
    assert_eq!(oia_cursor(&s).0, host_row(&s, "MFMOCK", "YOUR NAME"), "{s}");
    t.text("Ada");
    t.keys(&["Enter"]);
    wait_ready(&t, "HELLO, ADA!");
    // The guest book has the greeting; it pages with PF8 / PF7.
    t.keys(&["F3"]);
    wait_ready(&t, "SELECTION ===>");
    t.text("2");
    t.keys(&["Enter"]);
    let s = wait_ready(&t, "GUEST BOOK");
    assert!(s.contains("ADA"), "{s}");
    t.keys(&["F8"]);
    wait_ready(&t, "DEM0020W BOTTOM OF LIST");
    t.keys(&["F7"]);
    wait_ready(&t, "DEM0019W TOP OF LIST");
    t.keys(&["F3"]);
    wait_ready(&t, "SELECTION ===>");
    t.text("3");
    t.keys(&["Enter"]);
    let s = t.wait_until(DEADLINE, "the field showcase", |s| {
        !s.contains("SELECTION ===>") && !locked(s)
    });
    assert!(s.contains("MFMOCK"), "{s}");
    t.keys(&["F3"]);
    wait_ready(&t, "SELECTION ===>");
}

#[test]
fn a_second_tab_on_another_host_and_both_sessions_kept_as_they_were() {
    let Some((_host, port)) = common::start_mfmock(&[]) else {
        return;
    };
    let target = format!("127.0.0.1:{port}");
    let Some(t) = start("flows-tabs", 100, 32, &["--demo"]) else {
        return;
    };
    demo_sign_on(&t);
    t.text("2");
    t.keys(&["Enter"]);
    wait_ready(&t, "Lines 1-16 of 60");
    t.keys(&["F8"]);
    let demo = wait_ready(&t, "Lines 17-32 of 60");

    // A second tab on mainframe-mocker from the command palette.
    t.keys(&["C-]"]);
    t.wait_for("Command (Enter runs", DEADLINE);
    t.text(&format!("connect {target}"));
    t.keys(&["Enter"]);
    wait_ready(&t, "M F M O C K   D E M O   H O S T");
    t.text("DEMO");
    t.keys(&["Tab"]);
    t.text("DEMO");
    t.keys(&["Enter"]);
    let mf = wait_ready(&t, "SELECTION ===>");
    let bar = mf.lines().next().unwrap();
    assert!(
        bar.contains("1 demo") && bar.contains(&format!("2 {target}")),
        "{mf}"
    );

    // Back to the demo (Alt-1): exactly the screen it had.
    t.keys(&["M-1"]);
    t.wait_until(DEADLINE, "the demo tab as it was", |s| {
        below_tab_bar(s) == below_tab_bar(&demo)
    });
    // To the mfmock tab (Ctrl-PageDown): exactly as it was.
    t.keys(&["C-PageDown"]);
    t.wait_until(DEADLINE, "the mfmock tab as it was", |s| s == mf);
    // And back with Ctrl-PageUp; the demo session still answers keys.
    t.keys(&["C-PageUp"]);
    t.wait_until(DEADLINE, "the demo tab again", |s| {
        below_tab_bar(s) == below_tab_bar(&demo)
    });
    t.keys(&["F7"]);
    wait_ready(&t, "Lines 1-16 of 60");
    // The mfmock session still answers too.
    t.keys(&["M-2"]);
    t.wait_until(DEADLINE, "the mfmock tab", |s| s.contains("SELECTION ===>"));
    t.text("1");
    t.keys(&["Enter"]);
    wait_ready(&t, "YOUR NAME");
}

#[test]
fn the_oia_shows_mode_lu_cursor_and_operator_errors_that_reset_clears() {
    // A plain TN3270 host: the OIA says 4A (TN3270E would be 4B).
    let host = common::start_demo(&["--no-tn3270e"]);
    let port = host.port;
    let target = format!("127.0.0.1:{port}");
    let Some(t) = start("flows-oia", 100, 32, &[&target]) else {
        return;
    };
    let s = wait_ready(&t, "Sign on");
    let line = oia(&s);
    assert!(line.starts_with("4A"), "{s}");
    assert!(line.contains(&target), "{s}");
    // The cursor on the user id field, and it follows typing and Tab.
    let user_row = host_row(&s, "DMO000", "User ID");
    assert_eq!(oia_cursor(&s).0, user_row, "{s}");
    let col = oia_cursor(&s).1;
    t.text("ab");
    let s = t.wait_until(DEADLINE, "the cursor two to the right", |s| {
        oia_cursor(s) == (user_row, col + 2)
    });
    assert!(line_with(&s, "User ID").contains("ab"), "{s}");
    t.keys(&["Tab"]);
    t.wait_until(DEADLINE, "the cursor on the password", |s| {
        oia_cursor(s).0 == user_row + 1
    });
    // Typing into protected text: the operator error shows, Reset (Esc) clears it.
    t.keys(&["Up", "Up", "Up"]);
    t.text("z");
    t.wait_until(DEADLINE, "X Protected", |s| oia(s).contains("X Protected"));
    t.keys(&["Escape"]);
    t.wait_until(DEADLINE, "the keyboard unlocked", |s| !locked(s));

    // In TN3270E the OIA names the LU the host gave.
    let Some(t) = start("flows-oia-e", 100, 32, &["--demo"]) else {
        return;
    };
    demo_sign_on(&t);
    let s = t.capture();
    assert!(oia(&s).starts_with("4B"), "{s}");
    assert!(oia(&s).contains("DEMO0001"), "{s}");
    // A letter in the numeric quantity field: X NUM, then Reset.
    t.text("1");
    t.keys(&["Enter"]);
    wait_ready(&t, "Order entry");
    t.keys(&["Tab", "Tab"]);
    t.text("a");
    t.wait_until(DEADLINE, "X NUM", |s| oia(s).contains("X NUM"));
    t.keys(&["C-r"]);
    let s = t.wait_until(DEADLINE, "the keyboard unlocked", |s| !locked(s));
    assert!(!line_with(&s, "Quantity").contains(" a"), "{s}");
}

#[test]
fn bracketed_paste_fills_the_sign_on_fields_and_never_protected_text() {
    let Some(t) = start("flows-paste", 100, 32, &["--demo"]) else {
        return;
    };
    let before = wait_ready(&t, "Sign on");
    // The cursor on protected text: the paste starts in the next input field, and the line
    // break moves to the password field.
    t.keys(&["Up", "Up", "Up"]);
    t.paste("demo\ndemo");
    let s = t.wait_for("pasted 9 characters", DEADLINE);
    assert!(line_with(&s, "User ID").ends_with("demo"), "{s}");
    assert!(!line_with(&s, "Password").contains("demo"), "{s}");
    // The protected text around the fields is as it was.
    for needle in ["Welcome to the r3270", "Practice credentials"] {
        assert_eq!(line_with(&s, needle), line_with(&before, needle), "{s}");
    }
    assert!(!locked(&s), "{s}");
    // The pasted password was right: Enter signs on.
    t.keys(&["Enter"]);
    wait_ready(&t, "Main menu");

    // A screen without input fields takes nothing, and says so.
    t.text("2");
    t.keys(&["Enter"]);
    let list = wait_ready(&t, "Lines 1-16 of 60");
    t.paste("XYZ");
    let s = t.wait_for("pasted 0 of 3 characters: no unprotected field", DEADLINE);
    assert!(!s.contains("XYZ"), "{s}");
    assert_eq!(line_with(&s, "P-1001"), line_with(&list, "P-1001"), "{s}");
    // A paste into the command palette goes into its input line.
    t.keys(&["C-]"]);
    t.wait_for("Command (Enter runs", DEADLINE);
    t.paste("connect demo");
    t.wait_for("> connect demo", DEADLINE);
    t.keys(&["Escape"]);
    t.wait_until(DEADLINE, "the palette closed", |s| {
        !s.contains("Command (Enter runs")
    });
}

#[test]
fn a_small_terminal_shows_the_notice_and_a_live_resize_shows_the_whole_screen() {
    let Some(t) = start("flows-resize", 100, 32, &["--demo"]) else {
        return;
    };
    let full = wait_ready(&t, "Sign on");
    assert!(!full.contains("Too small for"), "{full}");
    t.resize(60, 20);
    let s = t.wait_for("Too small for 24x80", DEADLINE);
    assert!(s.lines().count() <= 20, "{s}");
    // The OIA is still there, shortened to fit.
    assert!(oia(&s).starts_with("4B"), "{s}");
    // Keys still work in the small window.
    t.text("demo");
    t.wait_until(DEADLINE, "the user id typed", |s| s.contains("demo"));
    t.resize(100, 32);
    let s = t.wait_until(DEADLINE, "the whole screen again", |s| {
        !s.contains("Too small for")
            && s.contains("Practice credentials: user DEMO, password DEMO.")
    });
    assert!(line_with(&s, "User ID").contains("demo"), "{s}");
    assert!(s.contains("Enter=Sign on  PF1=Help  PF3=Exit"), "{s}");

    // Started small: the notice from the first frame.
    let Some(t) = start("flows-small", 50, 15, &["--demo"]) else {
        return;
    };
    t.wait_for("Too small for 24x80", DEADLINE);
}

#[test]
fn quitting_asks_first_then_gives_the_shell_back() {
    // Through a shell, so the pane shows what was there before r3270 and what comes after
    // it; the shell then waits so the pane can be read while it is alive.
    let script = format!(
        "echo 'the shell before r3270'; '{}' --demo; echo \"r3270 exited with $?\"; sleep 60",
        bin().display()
    );
    let Some(t) = Tmux::start(
        "flows-quit",
        100,
        32,
        Path::new("/bin/sh"),
        &["-c", &script],
    ) else {
        common::skip("tmux");
        return;
    };
    wait_ready(&t, "Sign on");
    assert_eq!(t.format("#{alternate_on}"), "1");
    assert_eq!(t.format("#{mouse_any_flag}"), "1", "mouse reporting is on");
    // No, then yes.
    t.keys(&["C-q"]);
    t.wait_for("Quit r3270 and close 1 connected session?", DEADLINE);
    t.text("n");
    t.wait_until(DEADLINE, "the question gone", |s| {
        !s.contains("Quit r3270") && s.contains("Sign on")
    });
    t.keys(&["C-q"]);
    t.wait_for("Quit r3270 and close 1 connected session?", DEADLINE);
    t.text("y");
    let s = t.wait_for("r3270 exited with 0", DEADLINE);
    assert!(s.contains("the shell before r3270"), "{s}");
    assert!(
        !s.contains("Sign on"),
        "the TUI's screen is left behind:\n{s}"
    );
    t.assert_restored();
}

/// Kills a process by PID when dropped, unless it has ended.
struct PidGuard(String);

impl PidGuard {
    fn alive(&self) -> bool {
        Path::new("/proc").join(&self.0).exists()
            && !std::fs::read_to_string(Path::new("/proc").join(&self.0).join("stat"))
                .is_ok_and(|s| s.contains(") Z "))
    }
}

impl Drop for PidGuard {
    fn drop(&mut self) {
        if self.alive() {
            let _ = Command::new("kill").args(["-KILL", &self.0]).status();
        }
    }
}

#[test]
fn r3270_ends_when_its_terminal_goes_away_without_a_hangup_signal() {
    // In a session of its own (setsid), r3270 gets no SIGHUP when the terminal closes: it
    // only sees its input end. It must not keep running (crossterm retries a read that
    // returns nothing without end, spinning a core).
    let Some(setsid) = common::find_program("setsid") else {
        common::skip("setsid");
        return;
    };
    let bin = bin().display().to_string();
    let Some(t) = Tmux::start("flows-hangup", 100, 32, &setsid, &["-w", &bin, "--demo"]) else {
        common::skip("tmux");
        return;
    };
    wait_ready(&t, "Sign on");
    let parent = t.format("#{pane_pid}");
    let pid = common::children(&parent)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no r3270 under setsid {parent}"));
    let r3270 = PidGuard(pid);
    assert!(r3270.alive());
    drop(t);
    let end = std::time::Instant::now() + DEADLINE;
    while r3270.alive() {
        assert!(
            std::time::Instant::now() < end,
            "r3270 is still running after its terminal went away"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn r3270_ends_when_its_terminal_goes_away_while_keys_arrive() {
    // The terminal closes while r3270 is busy reading keys: the race that could leave the
    // loop spinning inside crossterm's reader. Several rounds, since it is a race.
    for round in 0..6 {
        let Some(t) = start(&format!("flows-gone-{round}"), 100, 32, &["--demo"]) else {
            return;
        };
        wait_ready(&t, "Sign on");
        let r3270 = PidGuard(t.format("#{pane_pid}"));
        assert!(r3270.alive());
        for _ in 0..30 {
            t.keys(&["Right", "Left", "Right", "Left"]);
        }
        drop(t);
        let end = std::time::Instant::now() + DEADLINE;
        while r3270.alive() {
            assert!(
                std::time::Instant::now() < end,
                "round {round}: r3270 is still running after its terminal went away"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
