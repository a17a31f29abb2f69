use std::fmt::Write as _;

use super::*;
use crate::action::Action;
use crate::proto::{Aid, Key};

fn user(text: &str) -> Result<Config, ConfigErrors> {
    build(
        Some(("c.toml", text, None)),
        (PathBuf::from("c.toml"), Origin::Flag),
        false,
    )
}

fn errors(text: &str) -> Vec<String> {
    match user(text) {
        Ok(_) => Vec::new(),
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn the_embedded_defaults_load_without_error() {
    let c = build(None, (PathBuf::from("x"), Origin::Default), false).unwrap();
    assert_eq!(c.ui.theme, "3279");
    assert!(c.profiles.is_empty());
    assert!(!c.keymap.layer(Layer::Screen).is_empty());
    assert_eq!(c.logging, LoggingSettings::default());
    assert_eq!(c.limits, Limits::default());
    assert_eq!(c.themes.len(), theme_file::SHIPPED.len());
}

#[test]
fn a_user_binding_overrides_the_default_for_its_chord() {
    let c = user("[keymap]\nscreen = [ { key = \"f5\", action = \"send-aid pf8\" } ]\n").unwrap();
    let st = crate::keymap::KeyState::default();
    let f5 = "f5".parse().unwrap();
    assert_eq!(
        c.keymap.lookup(Layer::Screen, &f5, &st),
        Some(&Action::Key(Key::Aid(Aid::Pf(8))))
    );
    let f6 = "f6".parse().unwrap();
    assert_eq!(
        c.keymap.lookup(Layer::Screen, &f6, &st),
        Some(&Action::Key(Key::Aid(Aid::Pf(6))))
    );
    assert_eq!(
        c.keymap
            .layer(Layer::Screen)
            .iter()
            .filter(|b| b.key == f5)
            .count(),
        1
    );
}

#[test]
fn profiles_merge_over_defaults() {
    let c = user("[profile.mvs]\nhost = \"mvs.example.com\"\ntls = \"direct\"\nmodel = \"4\"\n")
        .unwrap();
    let p = c.profile("mvs").unwrap();
    assert_eq!(p.host_spec().port, 992);
    assert_eq!(p.model.number, 4);
    assert_eq!(c.resolve_target("mvs").unwrap().host, "mvs.example.com");
    assert_eq!(
        c.resolve_target("other.host:3270")
            .unwrap()
            .host_spec()
            .port,
        3270
    );
    let e = c.resolve_target("mvss").unwrap_err();
    assert!(e.contains("did you mean `mvs`"), "{e}");
}

#[test]
fn every_error_is_collected_in_file_order() {
    let e = errors("[profile.a]\nhost = \"h\"\nprot = 23\nport = 70000\n[ui]\nmouse = \"yes\"\n");
    assert_eq!(
        e,
        [
            "c.toml:3:1: profile.a.prot: unknown key (did you mean `port`?)",
            "c.toml:4:8: profile.a.port: 70000 is out of range: a port is 1-65535",
            "c.toml:6:9: ui.mouse: \"yes\" is a string: expected true or false",
        ]
    );
}

#[test]
fn logging_and_limits_are_checked_where_written() {
    let e = errors("[limits]\nmax-sessions = 0\n[logging]\nlevel = \"loud\"\n");
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].starts_with("c.toml:2:16: limits.max-sessions: 0 is out of range"),
        "{e:?}"
    );
    assert!(
        e[1].starts_with("c.toml:4:9: logging.level: \"loud\" is not a log level"),
        "{e:?}"
    );
    let c = user("[limits]\nmax-sessions = 3\n").unwrap();
    assert_eq!(c.limits.max_sessions, 3);
    assert_eq!(c.limits.type_ahead, Limits::default().type_ahead);
}

#[test]
fn inline_theme_colours_override_the_selected_theme() {
    let c = user("[ui]\ntheme = \"green-screen\"\n[theme]\nred = \"#010203\"\n").unwrap();
    assert_eq!(c.theme.red.to_string(), "#010203");
    assert_eq!(c.theme.green, c.themes["green-screen"].green);
}

#[test]
fn show_loads_back_to_the_same_config() {
    let c = user("[profile.mvs]\nhost = \"mvs\"\nport = 2323\nreconnect = { enabled = true }\n[macros]\nm = [\"type X\", \"enter\"]\n").unwrap();
    let text = super::super::show::config_toml(&c);
    let again = user(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(again.profiles, c.profiles);
    assert_eq!(again.keymap, c.keymap);
    assert_eq!(again.theme, c.theme);
    assert_eq!(again.macros, c.macros);
    assert_eq!(again.logging, c.logging);
    assert_eq!(again.limits, c.limits);
}

#[test]
fn builtin_is_the_embedded_defaults() {
    let c = Config::builtin();
    let screen = c.keymap.layer(Layer::Screen);
    assert!(!screen.is_empty());
    assert_eq!(c.ui, UiSettings::default());
    assert!(!c.keymap.layer(Layer::Global).is_empty());
    assert!(!c.keymap.layer(Layer::Prompt).is_empty());
}

#[test]
fn every_3270_key_has_a_default_screen_binding() {
    use crate::action::{ACTIONS, Arg};
    let c = Config::builtin();
    let screen = c.keymap.layer(Layer::Screen);
    // The 3270 keys are the actions from send-aid through cursor-select in ACTIONS.
    let first = ACTIONS.iter().position(|a| a.name == "send-aid").unwrap();
    let last = ACTIONS
        .iter()
        .position(|a| a.name == "cursor-select")
        .unwrap();
    let mut wanted: Vec<Action> = Vec::new();
    for info in &ACTIONS[first..=last] {
        if info.name == "send-aid" {
            for n in 1..=24 {
                wanted.push(format!("send-aid pf{n}").parse().unwrap());
            }
            for n in 1..=3 {
                wanted.push(format!("send-aid pa{n}").parse().unwrap());
            }
        } else {
            assert_eq!(info.arg, Arg::None, "{}", info.name);
            wanted.push(info.name.parse().unwrap());
        }
    }
    let missing: Vec<String> = wanted
        .iter()
        .filter(|a| !screen.iter().any(|b| &b.action == *a && b.when.is_none()))
        .map(ToString::to_string)
        .collect();
    assert!(missing.is_empty(), "no default binding for {missing:?}");
}

#[test]
fn pf13_to_pf24_have_a_chord_besides_shift_f() {
    let c = Config::builtin();
    for n in 13..=24 {
        let a: Action = format!("send-aid pf{n}").parse().unwrap();
        let chords = c.keymap.chords_for(Layer::Screen, &a);
        assert!(
            chords.iter().any(|k| !k.mods.shift),
            "pf{n} only has {chords:?}"
        );
    }
}

/// The rows of docs/CONFIG.md's key tables: (key path, default cell).
fn doc_rows() -> Vec<(String, String)> {
    include_str!("../../../docs/CONFIG.md")
        .lines()
        .filter(|l| l.starts_with("| `") && l.matches('|').count() >= 5)
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let key = cells[1].strip_prefix('`')?.strip_suffix('`')?;
            key.contains('.')
                .then(|| (key.to_owned(), cells[2].to_owned()))
        })
        .collect()
}

#[test]
fn config_md_documents_every_key_and_no_other() {
    let documented: Vec<String> = doc_rows().into_iter().map(|(k, _)| k).collect();
    let known = documented_keys();
    let missing: Vec<&String> = known.iter().filter(|k| !documented.contains(k)).collect();
    let extra: Vec<&String> = documented.iter().filter(|k| !known.contains(k)).collect();
    assert!(missing.is_empty(), "docs/CONFIG.md lacks {missing:?}");
    assert!(
        extra.is_empty(),
        "docs/CONFIG.md documents unknown keys {extra:?}"
    );
    let mut sorted = documented.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), documented.len(), "a key is documented twice");
}

#[test]
fn config_md_defaults_match_the_embedded_defaults() {
    let rows = doc_rows();
    let defaults: toml::Table = toml::from_str(DEFAULTS).unwrap();
    let mut checked = 0;
    for (section, value) in &defaults {
        let toml::Value::Table(t) = value else {
            continue;
        };
        for (key, v) in t {
            if matches!(v, toml::Value::Table(_) | toml::Value::Array(_)) {
                continue;
            }
            let path = format!("{section}.{key}");
            let row = rows.iter().find(|(k, _)| *k == path);
            let (_, cell) = row.unwrap_or_else(|| panic!("{path} is not in docs/CONFIG.md"));
            assert_eq!(*cell, format!("`{v}`"), "the default of {path}");
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} defaults were compared");
    // Theme defaults are the built-in theme's colours.
    let theme = toml::Value::try_from(crate::theme::Theme::default()).unwrap();
    for (key, v) in theme.as_table().unwrap() {
        if key == "name" {
            continue;
        }
        let path = format!("theme.{key}");
        let (_, cell) = rows.iter().find(|(k, _)| *k == path).unwrap();
        assert_eq!(*cell, format!("`{v}`"), "the default of {path}");
    }
}

#[test]
fn a_macro_that_plays_itself_is_refused() {
    let e = errors(
        "[macros]\na = [\"play-macro b\"]\nb = [\"enter\", \"play-macro a\"]\nc = [\"play-macro a\"]\n",
    );
    assert_eq!(
        e,
        [
            "c.toml:2:6: macros.a[0]: macro \"a\" would play itself through \"b\": a macro cannot call itself, directly or through others",
            "c.toml:3:15: macros.b[1]: macro \"b\" would play itself through \"a\": a macro cannot call itself, directly or through others",
        ]
    );
}

#[test]
fn type_errors_in_settings_sections_say_what_is_allowed() {
    assert_eq!(
        errors("[limits]\nmax-sessions = \"x\"\n[logging]\nkeep = -1\nformat = \"xml\"\n"),
        [
            "c.toml:2:16: limits.max-sessions: \"x\" is not allowed: expected a whole number, 0 or more",
            "c.toml:4:8: logging.keep: -1 is not allowed: expected a whole number, 0 or more",
            "c.toml:5:10: logging.format: \"xml\" is not allowed: use `plain` or `json`",
        ]
    );
}

/// `n` profiles of seven lines each (header, five keys, a blank line), after a macro; the
/// profile `p{i}` starts on line `4 + 7 * i`.
fn many_profiles(n: usize) -> String {
    let mut text = String::from("[macros]\nlogon = [\"type TSO\", \"enter\"]\n\n");
    for i in 0..n {
        let _ = write!(
            text,
            "[profile.p{i:05}]\nhost = \"mvs{i}.example.com\"\nport = {}\nmodel = \"3279-2\"\ntls = \"starttls\"\nlogon-macro = \"logon\"\n\n",
            1 + i % 60_000
        );
    }
    text
}

/// A file with 16,384 profiles loads whole, and errors in the middle and at its very end name
/// the right line and column (as the small fixtures do). Loading used to scan the file from
/// its start for every position and the profile list for every name: quadratic, minutes for
/// this file in a debug build; the positions now come from an index built once per file.
#[test]
fn a_file_with_sixteen_thousand_profiles_loads_and_places_errors() {
    let n = 16_384;
    let text = many_profiles(n);
    let c = user(&text).unwrap();
    assert_eq!(c.profiles.len(), n);
    let last = c.profile(&format!("p{:05}", n - 1)).unwrap();
    assert_eq!(last.host, format!("mvs{}.example.com", n - 1));

    // The middle profile loses its host, the last one gets a port out of range.
    let mid = n / 2;
    let text = text
        .replace(&format!("host = \"mvs{mid}.example.com\"\n"), "")
        .replace(
            &format!("port = {}\n", 1 + (n - 1) % 60_000),
            "port = 70000\n",
        );
    let mid_line = 4 + 7 * mid;
    // The last profile's header moved up a line with the removed host; its port is two
    // lines below it.
    let port_line = 4 + 7 * (n - 1) - 1 + 2;
    assert_eq!(
        errors(&text),
        [
            format!(
                "c.toml:{mid_line}:10: profile.p{mid:05}: the profile has no `host` (host = \"name or address\")"
            ),
            format!(
                "c.toml:{port_line}:8: profile.p{:05}.port: 70000 is out of range: a port is 1-65535",
                n - 1
            ),
        ]
    );
}

#[test]
fn audit_settings_load_and_bad_values_are_named_where_written() {
    let c = user(
        "[audit]\nsync = \"each\"\nscreens = false\nrules = [{ name = \"ssn\", pattern = '\\d{3}-\\d{2}-\\d{4}' }]\nareas = [{ profile = \"prod\", row = 5, col = 20, len = 12 }]\n",
    )
    .unwrap();
    assert_eq!(c.audit.sync, crate::audit::SyncMode::Each);
    assert!(!c.audit.screens);
    assert_eq!(c.audit.rules[0].name, "ssn");
    assert_eq!(c.audit.areas[0].len, 12);
    let text = super::super::show::config_toml(&c);
    assert_eq!(user(&text).unwrap().audit, c.audit, "{text}");

    let e = errors(
        "[audit]\nsync = \"sometimes\"\ncheckpoint-every = 0\nrules = [{ name = \"x\", pattern = \"(\" }]\nkeep = 3\n",
    );
    assert!(
        e.iter()
            .any(|m| m.starts_with("c.toml:2:8: audit.sync: \"sometimes\" is not allowed")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|m| m.starts_with("c.toml:3:20: audit.checkpoint-every: 0 is out of range")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|m| m
            .starts_with("c.toml:4:9: audit.rules[0].pattern: `(` is not a regular expression")),
        "{e:?}"
    );
    assert!(e.iter().any(|m| m.contains("audit.keep")), "{e:?}");
}

/// The profile section goes through the serde path now; a value of the wrong type is
/// still named in the words of the hand-written checks it replaced, at its own place, and
/// a sub-table or list item at its own key.
#[test]
fn profile_values_of_the_wrong_type_are_named_as_before() {
    let e = errors(
        "[profile.a]\nhost = \"h\"\nport = \"23\"\nverify = \"yes\"\nkeepalive = \"2s\"\n\
         alternates = [\"b:24\", 5]\nreconnect = { dely = 2, delay = \"x\", max-attempts = -1 }\n\
         [profile.b]\nhost = \"h\"\nreconnect = 5\nbalance = \"random\"\nconnect-timeout = 0\n",
    );
    assert_eq!(
        e,
        [
            "c.toml:3:8: profile.a.port: \"23\" is a string: expected an integer",
            "c.toml:4:10: profile.a.verify: \"yes\" is a string: expected true or false",
            "c.toml:5:13: profile.a.keepalive: \"2s\" is a string: expected a number of seconds",
            "c.toml:6:23: profile.a.alternates[1]: 5 is an integer: expected a string",
            "c.toml:7:15: profile.a.reconnect.dely: unknown key (did you mean `delay`?)",
            "c.toml:7:33: profile.a.reconnect.delay: \"x\" is a string: expected a number of seconds",
            "c.toml:7:53: profile.a.reconnect.max-attempts: -1 is out of range: the number of attempts is 0-1000000",
            "c.toml:10:13: profile.b.reconnect: 5 is an integer: expected a table",
            "c.toml:11:11: profile.b.balance: \"random\" is not a balancing strategy: use \"first\", \"round-robin\" or \"least-sessions\"",
            "c.toml:12:19: profile.b.connect-timeout: 0 is out of range: the timeout must be more than 0 seconds",
        ]
    );
}

#[test]
fn a_profile_merges_key_by_key_over_two_files_reconnect_included() {
    let mut b = Builder::default();
    let mut errs = Vec::new();
    let first = parse_doc(
        "one.toml",
        "[profile.p]\nhost = \"h\"\nbalance = \"round-robin\"\nreconnect = { enabled = true, delay = 5 }\n",
        None,
        &mut errs,
    )
    .unwrap();
    let second = parse_doc(
        "two.toml",
        "[profile.p]\nport = 2323\nreconnect = { delay = 7 }\n",
        None,
        &mut errs,
    )
    .unwrap();
    b.apply(&first);
    b.apply(&second);
    let c = b
        .finish((PathBuf::from("two.toml"), Origin::Flag), false)
        .unwrap();
    let p = c.profile("p").unwrap();
    assert_eq!((p.host.as_str(), p.port), ("h", Some(2323)));
    assert_eq!(p.balance, crate::config::Balance::RoundRobin);
    assert!(p.reconnect.enabled);
    assert_eq!(p.reconnect.delay, std::time::Duration::from_secs(7));
}
