//! Macro playback in the App against the demo host: prompts (a secret masked), waits that
//! hold only when the host answers, a wait that never holds, a refused key, Esc, a disconnect.

use super::*;
use crate::app::pane::MacroPrompt;
use crate::macros::parse_step;

fn with_macro(name: &str, lines: &[&str], timeout: Option<u64>) -> Config {
    let mut cfg = config();
    cfg.macros.insert(
        name.to_owned(),
        Macro {
            name: name.to_owned(),
            steps: lines.iter().map(|l| parse_step(l).unwrap()).collect(),
            timeout: timeout.map(Duration::from_secs),
            file: None,
            remember_values: true,
            description: None,
        },
    );
    cfg
}

fn message(rig: &Rig) -> String {
    rig.app
        .pane_as::<Message>()
        .map(|m| m.lines.join("\n"))
        .unwrap_or_default()
}

const SIGN_ON: &[&str] = &[
    "prompt user",
    "tab",
    "prompt password secret",
    "enter",
    "clear",
    "wait text \"Main menu\"",
    "cursor 13 16",
    "type \"2\"",
    "enter",
];

#[test]
fn a_macro_asks_its_values_once_masks_a_secret_and_plays_with_the_host() {
    let mut rig = Rig::with(with_macro("logon", SIGN_ON, None));
    rig.action("connect demo");
    rig.action("play-macro logon");
    let p = rig.app.pane_as::<MacroPrompt>().expect("asks for user");
    assert_eq!((p.name.as_str(), p.secret), ("user", false));
    rig.typed("demo");
    rig.press(KeyCode::Enter);
    let p = rig.app.pane_as::<MacroPrompt>().expect("asks for password");
    assert_eq!((p.name.as_str(), p.secret), ("password", true));
    rig.typed("demo");
    assert_eq!(rig.app.pane_as::<MacroPrompt>().unwrap().shown(), "****");
    assert!(!format!("{:?}", rig.app.pane()).contains("demo"));
    rig.press(KeyCode::Enter);
    assert!(rig.text().contains("Lines 1-"), "{}", rig.text());
    assert_eq!(rig.app.status(), Some("macro `logon` done"));
    assert!(rig.app.tabs()[0].playback.is_none());
    // Signed off, the tab is not connected: nothing plays.
    rig.press(KeyCode::F(3));
    rig.press(KeyCode::F(3));
    rig.action("play-macro logon");
    assert_eq!(
        rig.app.status(),
        Some("macro `logon` not played: the session is not connected")
    );
    // The values stay for the tab's life: after a reconnect, a second playback asks nothing.
    rig.action("reconnect");
    rig.action("play-macro logon");
    assert!(rig.app.pane().is_none(), "{:?}", rig.app.pane());
    assert!(rig.text().contains("Lines 1-"), "{}", rig.text());
}

#[test]
fn each_aid_waits_for_the_host_where_typing_ahead_would_go_wrong() {
    let mut rig = Rig::with(with_macro(
        "logon",
        &[
            "type \"demo\"",
            "tab",
            "type \"demo\"",
            "enter",
            "cursor 13 16",
            "type \"2\"",
            "enter",
        ],
        None,
    ));
    rig.action("connect demo");
    let id = rig.app.tabs()[0].id;
    rig.held.push(id);
    rig.action("play-macro logon");
    // The host has not answered the sign-on: the macro waits at its first AID and the OIA
    // says so; an operator's key waits too.
    let tab = &rig.app.tabs()[0];
    assert_eq!(rig.app.macro_state(tab).as_deref(), Some("▶ logon 4/7"));
    rig.typed("x");
    assert!(rig.app.status().unwrap().contains("is playing (step 4/7)"));
    rig.held.clear();
    rig.run(Vec::new());
    assert!(rig.text().contains("Lines 1-"), "{}", rig.text());
}

#[test]
fn a_wait_that_never_holds_stops_the_macro_naming_the_step_and_the_screen() {
    let mut rig = Rig::with(with_macro("m", &["wait text \"READY\" timeout 2"], Some(5)));
    rig.action("connect demo");
    rig.action("play-macro m");
    let wake = rig.app.next_deadline().expect("the wait's deadline");
    assert!(wake <= rig.now + Duration::from_secs(2));
    rig.now = wake;
    rig.event(Event::Timer);
    let text = message(&rig);
    assert!(
        text.starts_with(
            "macro `m` stopped at step 1/1 `wait text \"READY\" timeout 2`: it did not hold within 2 s\nthe screen showed (cursor at "
        ),
        "{text}"
    );
    assert!(text.contains("Sign on"), "{text}");
    assert!(rig.app.tabs()[0].playback.is_none());
}

#[test]
fn typing_into_a_protected_field_stops_the_macro_before_its_aid() {
    let mut rig = Rig::with(with_macro(
        "m",
        &["cursor 1 1", "type \"x\"", "enter"],
        None,
    ));
    rig.action("connect demo");
    rig.action("play-macro m");
    let text = message(&rig);
    assert!(
        text.starts_with(
            "macro `m` stopped at step 2/3 `type \"x\"`: the key was refused (X Protected)"
        ),
        "{text}"
    );
    // Enter was never sent: still the sign-on screen, locked by the operator error.
    assert!(rig.text().contains("Sign on"));
}

#[test]
fn esc_stops_a_playing_macro_and_a_disconnect_stops_one_cleanly() {
    let mut rig = Rig::with(with_macro("m", &["wait text \"NEVER\""], None));
    rig.action("connect demo");
    rig.action("play-macro m");
    assert!(rig.app.tabs()[0].playback.is_some());
    rig.press(KeyCode::Esc);
    assert!(rig.app.tabs()[0].playback.is_none());
    assert!(
        rig.app
            .status()
            .unwrap()
            .contains("stopped by the operator")
    );
    // Again, and the host hangs up (PF3 on the sign-on screen ends the session).
    rig.action("play-macro m");
    let id = rig.app.tabs()[0].id;
    rig.hosts.remove(&id);
    rig.event(Event::Host {
        tab: id,
        event: HostEvent::Closed,
    });
    assert!(rig.app.tabs()[0].playback.is_none());
    let text = message(&rig);
    assert!(text.contains("the connection ended"), "{text}");
}

#[test]
fn a_recording_keeps_actions_and_sync_points_never_the_password_and_plays_back() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.action("record-macro");
    rig.typed("demo");
    rig.press(KeyCode::Tab);
    rig.typed("demo");
    let tab = &rig.app.tabs()[0];
    assert_eq!(rig.app.macro_state(tab).as_deref(), Some("REC 3"));
    rig.press(KeyCode::Enter);
    assert!(rig.text().contains("Main menu"));
    rig.action("stop-recording");
    rig.typed("signon alt-f1");
    rig.press(KeyCode::Enter);
    let Some(Effect::SaveMacro { path, text }) = rig
        .seen
        .iter()
        .find(|e| matches!(e, Effect::SaveMacro { .. }))
        .cloned()
    else {
        panic!("no file saved: {:?}", rig.seen)
    };
    assert!(path.ends_with("macros/signon.toml"), "{path:?}");
    let steps: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("    "))
        .map(str::trim)
        .collect();
    assert_eq!(
        steps,
        [
            r#"'type "demo"',"#,
            r#""tab","#,
            r#""prompt password secret","#,
            r#""enter","#,
            r#"'wait text "Main menu" at 2 2 timeout 10',"#,
            r#"'wait text "Choose an option, or type a command, and press Enter." at 4 3 timeout 10',"#,
            r#""wait cursor 13 16 timeout 10","#,
        ],
        "{text}"
    );
    assert!(text.contains("\nkey = \"alt-f1\"\n"), "{text}");
    assert!(rig.app.config().macros.contains_key("signon"));
    // Played back in a new tab by its key: it asks for the password, and signs on.
    rig.press(KeyCode::Esc);
    rig.action("connect demo");
    rig.key(KeyCode::F(1), KeyModifiers::ALT);
    let p = rig
        .app
        .pane_as::<MacroPrompt>()
        .expect("asks for the password");
    assert!(p.secret);
    rig.typed("demo");
    rig.press(KeyCode::Enter);
    assert!(rig.text().contains("Main menu"), "{}", rig.text());
    assert_eq!(rig.app.status(), Some("macro `signon` done"));
}

#[test]
fn a_macro_that_does_not_remember_its_values_asks_each_time() {
    let mut cfg = with_macro("m", &["prompt word", "wait unlock"], None);
    if let Some(m) = cfg.macros.get_mut("m") {
        m.remember_values = false;
    }
    let mut rig = Rig::with(cfg);
    rig.action("connect demo");
    for _ in 0..2 {
        rig.action("play-macro m");
        assert!(rig.app.pane_as::<MacroPrompt>().is_some(), "asks again");
        rig.typed("x");
        rig.press(KeyCode::Enter);
        assert_eq!(rig.app.status(), Some("macro `m` done"));
    }
}
