//! The interactive TUI in a real terminal (tmux): `r3270 --demo` starts, the operator signs
//! on with real key presses and sees the main menu, the palette opens a second tab, and
//! quitting leaves the terminal as it was (no alternate screen, the pane's shell intact).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::tmux::Tmux;

/// Far above a normal run; only catches a hang.
const DEADLINE: Duration = Duration::from_secs(20);

fn start(name: &str, args: &[&str]) -> Option<Tmux> {
    let bin = Path::new(env!("CARGO_BIN_EXE_r3270"));
    let t = Tmux::start(name, 120, 40, bin, args);
    if t.is_none() {
        common::skip("tmux");
    }
    t
}

#[test]
fn demo_signs_on_and_shows_the_main_menu() {
    let Some(t) = start("r3270-demo-signon", &["--demo"]) else {
        return;
    };
    let screen = t.wait_for("Sign on", DEADLINE);
    assert!(screen.contains("R3270 DEMONSTRATION HOST"), "{screen}");
    // The tab bar names the session.
    assert!(
        screen.lines().next().unwrap_or("").contains("demo"),
        "{screen}"
    );
    t.text("demo");
    t.keys(&["Tab"]);
    t.text("demo");
    t.keys(&["Enter"]);
    let screen = t.wait_for("Main menu", DEADLINE);
    assert!(screen.contains("User DEMO"), "{screen}");
    // The OIA says 3270 mode and an unlocked keyboard.
    assert!(!screen.contains("X (clock)"), "{screen}");

    // The command palette opens a second tab on the same host by name.
    t.keys(&["C-]"]);
    t.wait_for("Command (Enter runs", DEADLINE);
    t.text("connect demo");
    t.keys(&["Enter"]);
    let screen = t.wait_until(DEADLINE, "a second tab signed on", |s| {
        s.contains("demo (2)") && s.contains("Sign on")
    });
    assert!(
        screen.lines().next().unwrap_or("").contains("demo (2)"),
        "{screen}"
    );

    // Quit through the palette; two connected sessions: it asks first.
    t.keys(&["C-]"]);
    t.wait_for("Command (Enter runs", DEADLINE);
    t.text("quit");
    t.keys(&["Enter"]);
    t.wait_for("2 connected sessions", DEADLINE);
    t.text("y");
    t.wait_exit(DEADLINE);
    t.assert_restored();
}

#[test]
fn a_bad_target_is_refused_before_the_terminal_is_touched() {
    let run = common::r3270(&["L:X:nohost"], Duration::from_secs(20));
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("prefix"), "{}", run.stderr);
    assert!(
        !run.stdout.contains("\x1b["),
        "escape codes on stdout: {:?}",
        run.stdout
    );
}

#[test]
fn an_edited_config_is_reloaded_and_a_bad_one_is_shown_and_kept_out() {
    let dir = common::temp_dir("r3270-tui-reload");
    let file = dir.join("config.toml");
    std::fs::write(&file, "# nothing yet\n").unwrap();
    let path = file.display().to_string();
    let Some(t) = start("r3270-reload", &["--config", &path, "--demo"]) else {
        return;
    };
    t.wait_for("Sign on", DEADLINE);
    // A bad edit: the errors show, with where they are; the old configuration stays.
    std::fs::write(&file, "[ui]\ncolour = 1\n").unwrap();
    let screen = t.wait_for("The configuration has errors", DEADLINE);
    assert!(screen.contains("colour"), "{screen}");
    t.keys(&["Enter"]);
    t.wait_until(DEADLINE, "the message closed", |s| {
        !s.contains("has errors")
    });
    // A good edit: F12 now opens the help instead of sending PF12.
    std::fs::write(
        &file,
        "[keymap]\nscreen = [ { key = \"f12\", action = \"help\" } ]\n",
    )
    .unwrap();
    t.wait_for("configuration reloaded", DEADLINE);
    t.keys(&["F12"]);
    t.wait_for("Keys (Esc closes)", DEADLINE);
}

/// An SGR mouse report (what a terminal sends with mouse capture on) for a left press or
/// release at 0-based terminal cell (col, row).
fn sgr_click(col: usize, row: usize, press: bool) -> String {
    format!(
        "\x1b[<0;{};{}{}",
        col + 1,
        row + 1,
        if press { 'M' } else { 'm' }
    )
}

#[test]
fn a_click_on_a_pf_key_label_sends_that_key() {
    let Some(t) = start("r3270-mouse", &["--demo"]) else {
        return;
    };
    t.wait_for("Sign on", DEADLINE);
    t.text("demo");
    t.keys(&["Tab"]);
    t.text("demo");
    t.keys(&["Enter"]);
    let screen = t.wait_for("PF3=Sign off", DEADLINE);
    let (row, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("PF3=Sign off"))
        .unwrap();
    let col = line.find("PF3=Sign off").unwrap() + 1;
    t.text(&sgr_click(col, row, true));
    t.text(&sgr_click(col, row, false));
    t.wait_for("signed off", DEADLINE);
}

#[test]
fn sigterm_restores_the_terminal() {
    let Some(t) = start("r3270-sigterm", &["--demo"]) else {
        return;
    };
    t.wait_for("Sign on", DEADLINE);
    assert_eq!(t.format("#{alternate_on}"), "1");
    let pid = t.format("#{pane_pid}");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    t.wait_exit(DEADLINE);
    t.assert_restored();
}

#[test]
fn sigterm_exits_with_the_shells_code_for_it_not_zero() {
    // Under a shell in the pane, so the shell reports r3270's exit status (tmux's own
    // pane_dead_status is not always filled in before the pane is gone).
    let dir = common::temp_dir("r3270-sigterm-status");
    let status_file = dir.join("status");
    let bin = Path::new(env!("CARGO_BIN_EXE_r3270"));
    let script = format!(
        "'{}' --demo; echo \"status=$?\" > '{}'",
        bin.display(),
        status_file.display()
    );
    let Some(t) = Tmux::start(
        "r3270-sigterm-status",
        120,
        40,
        Path::new("sh"),
        &["-c", &script],
    ) else {
        common::skip("tmux");
        return;
    };
    t.wait_for("Sign on", DEADLINE);
    let shell = t.format("#{pane_pid}");
    let r3270 = common::children(&shell);
    assert_eq!(r3270.len(), 1, "{r3270:?}");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &r3270[0]])
        .status()
        .unwrap();
    assert!(status.success());
    let end = std::time::Instant::now() + DEADLINE;
    let mut text = String::new();
    while !text.contains('\n') {
        assert!(std::time::Instant::now() < end, "no status written");
        std::thread::sleep(Duration::from_millis(20));
        text = std::fs::read_to_string(&status_file).unwrap_or_default();
    }
    assert_eq!(text.trim(), "status=143");
}

/// An SGR report of the mouse moving with the left button held.
fn sgr_drag(col: usize, row: usize) -> String {
    format!("\x1b[<32;{};{}M", col + 1, row + 1)
}

#[test]
fn a_drag_selects_a_rectangle_and_copies_it_with_osc_52() {
    let Some(t) = start("r3270-copy", &["--demo"]) else {
        return;
    };
    t.server_option("set-clipboard", "on");
    let screen = t.wait_for("Sign on", DEADLINE);
    let title = "R3270 DEMONSTRATION HOST";
    let (row, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(title))
        .unwrap();
    let col = line.find(title).unwrap();
    // Two rows: the title and the row under it, cut to the same columns.
    let below: String = screen
        .lines()
        .nth(row + 1)
        .unwrap()
        .chars()
        .skip(col)
        .take(title.len())
        .collect();
    t.text(&sgr_click(col, row, true));
    t.text(&sgr_drag(col + 5, row + 1));
    t.text(&sgr_drag(col + title.len() - 1, row + 1));
    t.text(&sgr_click(col + title.len() - 1, row + 1, false));
    let expected = format!("{title}\n{}", below.trim_end());
    let end = std::time::Instant::now() + DEADLINE;
    while t.buffer().as_deref() != Some(expected.as_str()) {
        assert!(
            std::time::Instant::now() < end,
            "copied {:?}, expected {expected:?}",
            t.buffer()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    t.wait_for("copied 24x2 characters", DEADLINE);
}

#[test]
fn the_screen_follows_terminal_resizes() {
    let Some(t) = start("r3270-resize", &["--demo"]) else {
        return;
    };
    t.wait_for("Sign on", DEADLINE);
    // Too small for 24x80: a notice says so and the view follows the cursor.
    t.resize(60, 20);
    // (The notice is shortened to fit: `Too small for 24x80: rows 1-18, cols 1-60`.)
    let small = t.wait_for("Too small for 24x80: rows 1-18, cols 1-60", DEADLINE);
    assert!(small.lines().all(|l| l.chars().count() <= 60), "{small}");
    // Big again: the whole screen, centred, and no notice.
    t.resize(120, 40);
    let big = t.wait_until(DEADLINE, "the notice gone", |s| {
        !s.contains("Too small") && s.contains("R3270 DEMONSTRATION HOST")
    });
    assert!(big.contains("Enter=Sign on"), "{big}");
}
