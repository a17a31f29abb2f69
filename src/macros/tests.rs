use super::*;

fn step(line: &str) -> MacroStep {
    parse_step(line).unwrap_or_else(|e| panic!("{line}: {e}"))
}

fn err(line: &str) -> String {
    parse_step(line).unwrap_err()
}

#[test]
fn steps_parse_and_print_back() {
    for line in [
        "type \"demo\"",
        "type \"  two  words \\\"quoted\\\" \"",
        "send-aid pf3",
        "enter",
        "tab",
        "erase-eof",
        "cursor 3 7",
        "wait unlock",
        "wait unlock timeout 2.5",
        "wait text \"READY\"",
        "wait text \"SELECTION ===>\" at 20 2 timeout 10",
        "wait cursor 5 12",
        "wait input-field",
        "wait input-field at 5 12",
        "wait change timeout 4",
        "wait disconnect",
        "pause 0.5",
        "prompt user",
        "prompt password secret",
        "env R3270_USER",
        "play-macro logon",
    ] {
        let s = step(line);
        assert_eq!(s.to_string(), line, "{line} round trip");
        assert_eq!(step(&s.to_string()), s);
    }
}

#[test]
fn positions_are_one_based_and_old_forms_still_parse() {
    assert_eq!(
        step("cursor 1 1"),
        MacroStep::Action(Action::Key(Key::MoveCursor { row: 0, col: 0 }))
    );
    assert_eq!(
        step("move-cursor 2,3"),
        MacroStep::Action(Action::Key(Key::MoveCursor { row: 1, col: 2 }))
    );
    assert_eq!(
        step("type hello world"),
        MacroStep::Action(Action::Type("hello world".into()))
    );
    assert_eq!(
        step("type he said \"hi"),
        MacroStep::Action(Action::Type("he said \"hi".into()))
    );
    assert_eq!(
        err("type \"a\" \"b\""),
        "expected `type \"TEXT\"` (one quoted string)"
    );
    assert_eq!(
        step("wait text \"X\" at 1 2"),
        MacroStep::Wait(Wait::new(Until::Text {
            text: "X".into(),
            at: Some((0, 1))
        }))
    );
}

#[test]
fn bad_steps_say_what_is_wrong() {
    assert_eq!(
        err("wait unlok"),
        "unknown wait `unlok` (did you mean `unlock`?): use wait unlock, wait text, wait cursor, wait input-field, wait change, wait ready, wait disconnect"
    );
    assert_eq!(
        err("wiat unlock"),
        "unknown step `wiat` (did you mean `wait`?)"
    );
    assert_eq!(err("cursor 0 3"), "expected ROW (a number from 1)");
    assert_eq!(err("wait text \"X"), "a quoted string is not closed");
    assert_eq!(err("pause soon"), "expected a number of seconds (0-86400)");
    assert_eq!(err("wait unlock timeout"), "`timeout SECS` comes last");
    assert_eq!(
        err("prompt pass word"),
        "expected `prompt NAME` or `prompt NAME secret`"
    );
    assert_eq!(
        err("env A=B"),
        "`A=B` is not a name: use letters, digits, - and _"
    );
    assert_eq!(
        err("next-tab"),
        "`next-tab` cannot be a macro step: a macro plays keys, text, waits and values into its session (and `play-macro NAME`)"
    );
    assert_eq!(
        err("erase-eol"),
        "unknown action `erase-eol` (did you mean `erase-eof`?)"
    );
}

fn macros(defs: &[(&str, &[&str], Option<u64>)]) -> BTreeMap<String, Macro> {
    defs.iter()
        .map(|(name, lines, timeout)| {
            (
                (*name).to_owned(),
                Macro {
                    name: (*name).to_owned(),
                    steps: lines.iter().map(|l| step(l)).collect(),
                    timeout: timeout.map(Duration::from_secs),
                    file: None,
                    remember_values: true,
                    description: None,
                },
            )
        })
        .collect()
}

#[test]
fn a_plan_expands_called_macros_fills_values_and_never_labels_a_value() {
    let m = macros(&[
        (
            "logon",
            &[
                "prompt user",
                "tab",
                "prompt password secret",
                "enter",
                "play-macro menu",
            ],
            Some(12),
        ),
        (
            "menu",
            &["type \"2\"", "enter", "wait text \"Guest\" timeout 3"],
            None,
        ),
    ]);
    assert_eq!(
        values_needed(&m, "logon"),
        [
            Value::Prompt {
                name: "user".into(),
                secret: false
            },
            Value::Prompt {
                name: "password".into(),
                secret: true
            }
        ]
    );
    let mut values = Values::default();
    values.set_prompt("user", "DEMO".into());
    assert_eq!(
        plan(&m, "logon", &values).unwrap_err(),
        "no value for prompt `password`"
    );
    values.set_prompt("password", "S3CRET".into());
    assert!(!format!("{values:?}").contains("S3CRET"));
    let p = plan(&m, "logon", &values).unwrap();
    let labels: Vec<&str> = p.steps.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "prompt user",
            "tab",
            "prompt password secret",
            "enter",
            "type \"2\"",
            "enter",
            "wait text \"Guest\" timeout 3"
        ]
    );
    assert_eq!(p.steps[2].step, script::Step::Text("S3CRET".into()));
    assert!(!format!("{p:?}").contains("S3CRET"));
    let timeouts: Vec<u64> = p.steps.iter().map(|s| s.timeout.as_secs()).collect();
    assert_eq!(timeouts, [12, 12, 12, 12, 30, 30, 3]);
    assert_eq!(
        plan(&m, "logn", &values).unwrap_err(),
        "no macro named `logn` (did you mean `logon`?)"
    );
    let looping = macros(&[("loop", &["play-macro loop"], None)]);
    assert!(
        plan(&looping, "loop", &values)
            .unwrap_err()
            .contains("nest deeper than 8")
    );
}
