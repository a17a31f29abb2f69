//! The config file drives the headless client: a keymap change changes what a key does
//! (`r3270 --config FILE screen HOST key:f5` follows the file's binding), and a profile's
//! name is a target, with the profile's settings, as in the interactive client. The
//! built-in demo host (`r3270 serve-demo`, a child process killed by PID) is the far side.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{DemoHost, r3270, start_demo, temp_dir};

const GUARD: Duration = Duration::from_secs(60);

/// Signs on, opens the parts catalogue, presses `key:f5`; returns the run.
fn parts_then_f5(config: Option<&str>, host: &DemoHost) -> common::Run {
    let addr = host.addr();
    let mut args: Vec<&str> = Vec::new();
    if let Some(c) = config {
        args.extend(["--config", c]);
    }
    args.extend([
        "screen", &addr, "=DEMO", "Tab", "=DEMO", "Enter", "=2", "Enter", "key:f5",
    ]);
    r3270(&args, GUARD)
}

#[test]
fn a_rebound_f5_pages_the_parts_list_and_the_default_f5_is_pf5() {
    let host = start_demo(&[]);
    let dir = temp_dir("keys-headless");
    let empty = dir.join("empty.toml");
    std::fs::write(&empty, "").unwrap();

    let default = parts_then_f5(Some(empty.to_str().unwrap()), &host);
    assert_eq!(default.code, Some(0), "{}", default.stderr);
    let text = default.stdout.clone();
    assert!(text.contains("DMO300"), "on the parts catalogue:\n{text}");
    assert!(
        text.contains("DMO005W PF5 has no function on this screen"),
        "the default f5 sends PF5:\n{text}"
    );

    let rebound = dir.join("rebound.toml");
    std::fs::write(
        &rebound,
        "[keymap]\nscreen = [ { key = \"f5\", action = \"send-aid pf8\" } ]\n",
    )
    .unwrap();
    let paged = parts_then_f5(Some(rebound.to_str().unwrap()), &host);
    assert_eq!(paged.code, Some(0), "{}", paged.stderr);
    let text = paged.stdout;
    assert!(text.contains("DMO300"), "still the catalogue:\n{text}");
    assert!(
        !text.contains("DMO005W"),
        "PF8 has a function here:\n{text}"
    );
    assert_ne!(
        first_part(&text),
        first_part(&default.stdout),
        "PF8 showed the next page"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The first part number on the page (`P-nnnn`).
fn first_part(screen: &str) -> Option<String> {
    screen
        .split_whitespace()
        .find(|w| w.starts_with("P-") && w[2..].chars().all(|c| c.is_ascii_digit()))
        .map(str::to_owned)
}

#[test]
fn a_chord_bound_to_a_tui_action_is_refused_before_connecting() {
    // Nothing listens on port 9 of this host: the refusal must come before any connect.
    let run = r3270(&["screen", "127.0.0.1:9", "key:ctrl-t"], GUARD);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(
        run.stderr.trim_end(),
        "r3270: `key:ctrl-t` is bound to `new-tab`, which only the interactive TUI does; r3270 screen runs 3270 keys and typing"
    );
    let bad = r3270(&["screen", "127.0.0.1:9", "key:ctrl-f99"], GUARD);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(
        bad.stderr.contains("`ctrl-f99` is not a key chord"),
        "{}",
        bad.stderr
    );
}

#[test]
fn a_bad_config_stops_screen_before_connecting_with_every_error() {
    let dir = temp_dir("keys-bad-config");
    let file = dir.join("bad.toml");
    std::fs::write(
        &file,
        "[ui]\nmouse = 1\n[keymap]\nscreen = [ { key = \"f5\", action = \"pf5\" } ]\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let run = r3270(&["--config", f, "screen", "127.0.0.1:9", "key:f5"], GUARD);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{f}:2:9: ui.mouse: 1 is an integer: expected true or false"),
            format!("{f}:4:35: keymap.screen[0].action: unknown action `pf5`"),
            "r3270: 2 errors in the configuration".to_owned(),
        ]
    );
    assert_eq!(run.stdout, "");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_profile_name_is_a_target_with_the_profiles_settings() {
    let host = start_demo(&[]);
    let dir = temp_dir("profile-headless");
    let file = dir.join("profiles.toml");
    std::fs::write(
        &file,
        format!(
            "[profile.practice]\nhost = \"127.0.0.1\"\nport = {}\nmodel = \"3279-4\"\n",
            host.port
        ),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let json = |run: &common::Run| -> serde_json::Value {
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        serde_json::from_str(&run.stdout).unwrap()
    };
    // The profile's host, port and model (43x80) are used.
    let run = r3270(&["--config", f, "screen", "--json", "practice"], GUARD);
    let out = json(&run);
    assert_eq!(out["status"]["rows"], 43, "{}", run.stdout);
    assert!(
        run.stdout.contains("DMO000"),
        "the sign-on screen:\n{}",
        run.stdout
    );
    // An option on the command line wins over the profile.
    let run = r3270(
        &[
            "--config", f, "screen", "--json", "--model", "2", "practice",
        ],
        GUARD,
    );
    assert_eq!(json(&run)["status"]["rows"], 24, "{}", run.stdout);
    // A typo is not taken for a host name (no DNS query): "did you mean", nothing sent.
    let run = r3270(&["--config", f, "screen", "practise", "Enter"], GUARD);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(
        run.stderr.trim_end(),
        "r3270: `practise` is not a profile (did you mean `practice`?); to connect to a host of \
         that name, write practise:23"
    );
    assert_eq!(run.stdout, "");
    // Nor is a word that cannot be a host name.
    let run = r3270(&["--config", f, "screen", "practice!"], GUARD);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "r3270: `practice!` is neither a profile nor a host (did you mean profile \
             `practice`?): `practice!`: `!` cannot be in a host name"
        ),
        "{}",
        run.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
