//! A panic inside the TUI gives the terminal back: the panic hook installed by
//! `tui::setup` leaves the alternate screen, stops mouse reporting, shows the cursor and
//! ends raw mode before the panic message is printed, so the message is readable and the
//! shell usable.
//!
//! The binary cannot be made to panic on purpose, so this test binary plays the program:
//! the parent test runs this same executable in a real terminal (tmux, through a shell) with
//! `R3270_PANIC_CHILD` set, which makes `panic_child_entry_point` set the terminal up exactly
//! as r3270 does and then panic.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::tmux::Tmux;

const DEADLINE: Duration = Duration::from_secs(20);
const CHILD_ENV: &str = "R3270_PANIC_CHILD";

/// Not a test of its own: the program the parent test runs. Without `R3270_PANIC_CHILD`
/// it returns at once.
#[test]
fn panic_child_entry_point() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let _guard = r3270::tui::setup(true).unwrap();
    print!("drawn inside the TUI");
    panic!("a deliberate panic inside the TUI");
}

#[test]
fn a_panic_restores_the_terminal_before_its_message() {
    let exe = std::env::current_exe().unwrap();
    let script = format!(
        "echo 'the shell before'; RUST_BACKTRACE=0 {CHILD_ENV}=1 '{}' --exact panic_child_entry_point \
         --nocapture --test-threads=1; echo \"child exited with $?\"; \
         stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; \
         echo; sleep 60",
        exe.display()
    );
    let Some(t) = Tmux::start(
        "r3270-panic",
        100,
        50,
        Path::new("/bin/sh"),
        &["-c", &script],
    ) else {
        common::skip("tmux");
        return;
    };
    t.wait_for("child exited with", DEADLINE);
    let s = t.wait_until(DEADLINE, "the terminal modes printed", |p| {
        p.lines().any(|l| l.contains("icanon"))
    });
    assert!(s.contains("the shell before"), "{s}");
    assert!(s.contains("a deliberate panic inside the TUI"), "{s}");
    assert!(
        !s.contains("drawn inside the TUI"),
        "the alternate screen's content is left behind:\n{s}"
    );
    assert!(s.contains("child exited with 101"), "{s}");
    let modes = s.lines().find(|l| l.contains("icanon")).unwrap();
    assert!(
        modes.split_whitespace().any(|m| m == "icanon")
            && modes.split_whitespace().any(|m| m == "echo"),
        "raw mode is still on: {modes}\n{s}"
    );
    t.assert_restored();
}
