//! The configuration as an operator meets it through the binary: `r3270 config check` on
//! one invalid fixture per kind of error (each compared with the exact full output), the
//! shipped defaults and themes, `config init`/`show`, `paths`, `keys`, and the documents
//! that must not drift from the embedded defaults (docs/CONFIG.md, docs/KEYS.md).

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{r3270, r3270_command, temp_dir};

const GUARD: Duration = Duration::from_secs(60);

/// `r3270 config check FIXTURE` must fail with exactly `expected` (plus the count line).
fn check_fails(name: &str, expected: &[&str]) {
    let path = format!("tests/fixtures/config/{name}.toml");
    let run = r3270(&["config", "check", &path], GUARD);
    let n = expected.len();
    let mut want: Vec<String> = expected.iter().map(|l| format!("{path}:{l}")).collect();
    want.push(format!(
        "r3270: {n} error{} in the configuration",
        if n == 1 { "" } else { "s" }
    ));
    let got: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(got, want, "{name}");
    assert_eq!(run.code, Some(1), "{name}: exit status");
    assert_eq!(run.stdout, "", "{name}: nothing on stdout");
}

#[test]
fn a_new_users_typo_gets_the_position_and_a_suggestion() {
    check_fails(
        "unknown-key",
        &["4:1: profile.mvs.modle: unknown key (did you mean `model`?)"],
    );
}

#[test]
fn toml_syntax() {
    check_fails(
        "syntax",
        &["3:14: TOML syntax: invalid basic string, expected `\"`"],
    );
}

#[test]
fn unknown_section() {
    check_fails(
        "unknown-section",
        &[
            "4:2: display: unknown key (known keys: ui, paths, theme, profile, macros, keymap, logging, limits, audit, api, webhooks)",
        ],
    );
}

#[test]
fn wrong_types_quote_the_value() {
    check_fails(
        "wrong-type",
        &[
            "2:9: ui.mouse: \"yes\" is a string: expected true or false",
            "3:12: ui.long-aid: \"2s\" is a string: expected a number of seconds",
        ],
    );
}

#[test]
fn port_out_of_range() {
    check_fails(
        "port-range",
        &["3:8: profile.mvs.port: 70000 is out of range: a port is 1-65535"],
    );
}

#[test]
fn tls_mode() {
    check_fails(
        "tls-mode",
        &[
            "3:7: profile.mvs.tls: \"ssl\" is not a TLS mode: use \"off\", \"direct\" or \"starttls\"",
        ],
    );
}

#[test]
fn model_versus_oversize() {
    check_fails(
        "model-oversize",
        &[
            "4:12: profile.big.oversize: 100x30 is smaller than model 5's 132x27 screen: an oversize screen is at least the model's size (or choose a smaller model)",
        ],
    );
}

#[test]
fn unknown_code_page() {
    check_fails(
        "code-page",
        &[
            "3:13: profile.de.code-page: \"cp9999\" is not a known code page: use a CCSID number (optionally cpNNN): 37, 273, 275, 277, 278, 280, 284, 285, 297, 424, 500, 803, 870, 871, 875, 880, 924, 1025, 1026, 1047, 1123, 1140, 1141, 1142, 1143, 1144, 1145, 1146, 1147, 1148, 1149, 1154, 1158, 1160",
        ],
    );
}

#[test]
fn missing_certificate_file() {
    check_fails(
        "missing-cert",
        &[
            "4:11: profile.secure.ca-file: \"no-such-ca.pem\": no such file (looked for tests/fixtures/config/no-such-ca.pem)",
        ],
    );
}

#[test]
fn bad_alternate_endpoint() {
    check_fails(
        "bad-alternate",
        &[
            "3:39: profile.mvs.alternates[1]: `Q:mvs3.example.com`: prefix `Q:` is not supported (r3270 knows L: for TLS, N: for no TN3270E); an alternate is [L:][N:][LU@]host[:port]",
        ],
    );
}

#[test]
fn profile_without_host() {
    check_fails(
        "missing-host",
        &["1:10: profile.nohost: the profile has no `host` (host = \"name or address\")"],
    );
}

#[test]
fn undefined_logon_macro() {
    check_fails(
        "undefined-macro",
        &[
            "3:15: profile.tso.logon-macro: no macro \"logn\" (did you mean `logon`?): define it under [macros] (the macros are logon)",
        ],
    );
}

#[test]
fn keymap_macro_not_defined() {
    check_fails(
        "keymap-macro",
        &[
            "3:26: keymap.screen[0].action: no macro \"nope\": define it under [macros] (no macros are defined)",
        ],
    );
}

#[test]
fn macro_that_plays_itself() {
    check_fails(
        "macro-cycle",
        &[
            "2:31: macros.logon[2]: macro \"logon\" would play itself through \"again\": a macro cannot call itself, directly or through others",
            "3:10: macros.again[0]: macro \"again\" would play itself through \"logon\": a macro cannot call itself, directly or through others",
        ],
    );
}

#[test]
fn keymap_action_that_does_not_exist() {
    check_fails(
        "unknown-action",
        &["3:30: keymap.screen[0].action: unknown action `erase-eol` (did you mean `erase-eof`?)"],
    );
}

#[test]
fn two_bindings_for_one_chord_name_both_lines() {
    check_fails(
        "duplicate-binding",
        &[
            "5:3: keymap.screen[2]: `f5` is bound twice in layer screen: on line 3 and on line 5 (remove one)",
        ],
    );
}

#[test]
fn bad_chord() {
    check_fails(
        "bad-chord",
        &["3:11: keymap.global[0].key: `ctrl-f25` is not a key chord: function keys are f1 to f24"],
    );
}

#[test]
fn bad_condition() {
    check_fails(
        "bad-condition",
        &[
            "3:46: keymap.screen[0].when: \"insert-mod\" is not a condition (did you mean `insert-mode`?): use one of insert-mode, not-insert-mode, keyboard-locked, keyboard-unlocked, connected, disconnected",
        ],
    );
}

#[test]
fn theme_colour_that_does_not_parse() {
    check_fails(
        "bad-colour",
        &[
            "2:14: theme.background: `#00002` is not a colour: use #rrggbb, a palette index 0-255 (ansi:N), or one of default, black, red, green, yellow, blue, magenta, cyan, gray, darkgray, lightred, lightgreen, lightyellow, lightblue, lightmagenta, lightcyan, white",
        ],
    );
}

#[test]
fn unknown_theme() {
    check_fails(
        "unknown-theme",
        &[
            "2:9: ui.theme: no theme \"green-scren\" (did you mean `green-screen`?): the themes are 3279, green-screen, high-contrast, light (or add green-scren.toml to tests/fixtures/config/themes)",
        ],
    );
}

#[test]
fn limits_out_of_range() {
    check_fails(
        "limits",
        &[
            "2:16: limits.max-sessions: 0 is out of range: allowed is 1 to 256",
            "3:14: limits.type-ahead: 99999 is out of range: allowed is 0 to 4096",
        ],
    );
}

#[test]
fn logging_values() {
    check_fails(
        "logging",
        &[
            "2:9: logging.level: \"loud\" is not a log level: allowed are trace, debug, info, warn, error, off",
            "3:12: logging.rotation: \"weekly\" is not allowed: use one of `daily`, `hourly`, `never`, `size`",
        ],
    );
}

#[test]
fn a_missing_explicit_file_is_an_error() {
    let run = r3270(
        &[
            "--config",
            "tests/fixtures/config/does-not-exist.toml",
            "keys",
        ],
        GUARD,
    );
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .starts_with("tests/fixtures/config/does-not-exist.toml: cannot read the config file:"),
        "{}",
        run.stderr
    );
}

#[test]
fn init_writes_a_starter_that_checks_clean_and_never_overwrites() {
    let dir = temp_dir("config-init");
    let file = dir.join("sub").join("config.toml");
    let f = file.to_str().unwrap();
    let run = r3270(&["--config", f, "config", "init"], GUARD);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("# [profile.mvs]"),
        "the example profile is in the starter"
    );
    let check = r3270(&["config", "check", f], GUARD);
    assert_eq!(check.code, Some(0), "{}", check.stderr);
    assert_eq!(check.stdout, format!("{f}: ok\n"));
    std::fs::write(&file, "[ui]\ncrosshair = true\n").unwrap();
    let again = r3270(&["--config", f, "config", "init"], GUARD);
    assert_eq!(again.code, Some(1));
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "[ui]\ncrosshair = true\n",
        "the existing file is untouched"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn show_prints_the_merged_config_which_checks_clean() {
    let dir = temp_dir("config-show");
    let file = dir.join("config.toml");
    std::fs::write(
        &file,
        "[profile.mvs]\nhost = \"mvs.example.com\"\nmodel = \"4\"\n[keymap]\nscreen = [ { key = \"f5\", action = \"send-aid pf8\" } ]\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let run = r3270(&["--config", f, "config", "show"], GUARD);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("[profile.mvs]"), "{}", run.stdout);
    assert!(run.stdout.contains("model = \"3279-4\""), "{}", run.stdout);
    let shown = dir.join("shown.toml");
    std::fs::write(&shown, &run.stdout).unwrap();
    let check = r3270(&["config", "check", shown.to_str().unwrap()], GUARD);
    assert_eq!(check.code, Some(0), "{}", check.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn paths_say_where_each_location_came_from() {
    let dir = temp_dir("config-paths");
    let file = dir.join("config.toml");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        &file,
        format!("[paths]\ndata-dir = \"{}\"\n", data.display()),
    )
    .unwrap();
    let run = r3270(&["--config", file.to_str().unwrap(), "paths"], GUARD);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("config file  {}  (--config; exists)", file.display())
    );
    assert_eq!(
        lines[2],
        format!(
            "data         {}  (paths.data-dir in the config file; exists)",
            data.display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn keys_follow_the_file() {
    let dir = temp_dir("config-keys");
    let file = dir.join("config.toml");
    std::fs::write(
        &file,
        "[keymap]\nscreen = [ { key = \"f5\", action = \"send-aid pf8\" }, { key = \"f6\", action = \"none\" } ]\n",
    )
    .unwrap();
    let run = r3270(
        &[
            "--config",
            file.to_str().unwrap(),
            "keys",
            "--layer",
            "screen",
        ],
        GUARD,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "[screen]");
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["f5", "send-aid", "pf8"]
    );
    assert_eq!(
        lines[2].split_whitespace().collect::<Vec<_>>(),
        ["f6", "none"]
    );
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.trim_start().starts_with("f5 "))
            .count(),
        1,
        "the default f5 binding is replaced"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn user_themes_override_and_are_checked() {
    let dir = temp_dir("config-themes");
    let themes = dir.join("themes");
    std::fs::create_dir_all(&themes).unwrap();
    std::fs::write(themes.join("mine.toml"), "background = \"#101010\"\n").unwrap();
    let file = dir.join("config.toml");
    std::fs::write(&file, "[ui]\ntheme = \"mine\"\n").unwrap();
    let f = file.to_str().unwrap();
    let run = r3270(&["--config", f, "config", "show"], GUARD);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("background = \"#101010\""),
        "{}",
        run.stdout
    );
    std::fs::write(themes.join("bad.toml"), "red = \"reddish\"\n").unwrap();
    let bad = r3270(&["config", "check", f], GUARD);
    assert_eq!(bad.code, Some(1));
    let first = bad.stderr.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "{}:1:7: red: `reddish` is not a colour: use #rrggbb, a palette index 0-255 (ansi:N), or one of default, black, red, green, yellow, blue, magenta, cyan, gray, darkgray, lightred, lightgreen, lightyellow, lightblue, lightmagenta, lightcyan, white",
            themes.join("bad.toml").display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn r3270_config_names_the_file_and_the_default_may_be_missing() {
    let dir = temp_dir("config-env");
    let file = dir.join("env.toml");
    std::fs::write(&file, "[ui]\ncrosshair = true\n").unwrap();
    let out = r3270_command()
        .env("R3270_CONFIG", &file)
        .args(["paths"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().next().unwrap(),
        format!("config file  {}  (R3270_CONFIG; exists)", file.display())
    );
    let show = r3270_command()
        .env("R3270_CONFIG", &file)
        .args(["config", "show"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(show.stdout)
            .unwrap()
            .contains("crosshair = true")
    );
    // The runner's fresh home has no config file: the built-in defaults apply.
    let run = r3270(&["paths"], GUARD);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .lines()
            .next()
            .unwrap()
            .ends_with("(default; missing)"),
        "{}",
        run.stdout
    );
    let check = r3270(&["config", "check"], GUARD);
    assert_eq!(check.code, Some(0), "{}", check.stderr);
    assert!(
        check
            .stdout
            .ends_with(": no such file; the built-in defaults apply\n"),
        "{}",
        check.stdout
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_shipped_defaults_check_clean_as_a_user_file() {
    let run = r3270(&["config", "check", "assets/default-config.toml"], GUARD);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "assets/default-config.toml: ok\n");
    for theme in ["3279", "green-screen", "high-contrast", "light"] {
        let dir = temp_dir("config-shipped-theme");
        let file = dir.join("config.toml");
        std::fs::write(&file, format!("[ui]\ntheme = \"{theme}\"\n")).unwrap();
        let run = r3270(&["config", "check", file.to_str().unwrap()], GUARD);
        assert_eq!(run.code, Some(0), "{theme}: {}", run.stderr);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn profiles_written_as_a_list_say_how_profiles_are_written() {
    check_fails(
        "profile-array",
        &[
            "2:1: profile: profiles are tables named after the profile, not a list: write [profile.NAME] (e.g. [profile.mvs] then host = \"mvs.example.com\"), not [[profile]]",
        ],
    );
}
