//! The API's requests on the App's tabs against the demo host, in memory: s3270 action
//! lines sign on the focused tab (each AID waiting for the host), reads answer with the
//! script mode's formats and s3270's status line, a non-display field's contents never
//! show, waits time out on the App's timer, jobs on one tab take turns, steps, and the
//! refusals.

use super::*;
use crate::app::api::{ApiReply, ApiRequest, ApiStep, ApiTarget, LineAnswer};
use crate::script::{Step, Until, Wait};

/// Sends request `id` and returns its answer, if it came.
fn ask(rig: &mut Rig, id: u64, request: ApiRequest) -> Option<ApiReply> {
    rig.event(Event::Api { id, request });
    reply(rig, id)
}

fn reply(rig: &mut Rig, id: u64) -> Option<ApiReply> {
    let i = rig
        .seen
        .iter()
        .position(|e| matches!(e, Effect::ApiReply { id: i, .. } if *i == id))?;
    match rig.seen.remove(i) {
        Effect::ApiReply { reply, .. } => Some(reply),
        _ => None,
    }
}

fn line(rig: &mut Rig, id: u64, target: ApiTarget, text: &str) -> Option<LineAnswer> {
    match ask(
        rig,
        id,
        ApiRequest::Line {
            target,
            line: text.to_owned(),
        },
    ) {
        Some(ApiReply::Line(a)) => Some(a),
        None => None,
        Some(other) => panic!("not a line's answer: {other:?}"),
    }
}

fn focused(rig: &mut Rig, id: u64, text: &str) -> LineAnswer {
    line(rig, id, ApiTarget::Focused, text).expect("an answer")
}

#[test]
fn an_action_line_signs_on_the_focused_tab_and_reads_as_s3270_does() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    // What the operator typed is what Ascii() reads.
    rig.typed("opr1");
    let a = focused(&mut rig, 1, "Ascii()");
    assert!(a.ok, "{a:?}");
    assert_eq!(a.data.len(), 24);
    assert!(a.data.join("\n").contains("opr1"), "{a:?}");
    assert!(
        a.status.starts_with("U F U C(127.0.0.1) I 2 24 80 "),
        "{}",
        a.status
    );
    assert!(a.status.ends_with(" 0x0 0.000"), "{}", a.status);
    // The sign-on through the API: every AID waits for the host's answer.
    let a = focused(
        &mut rig,
        2,
        r#"Home() EraseEOF() String("demo") Tab() String("demo") Enter()"#,
    );
    assert!(a.ok, "{a:?}");
    assert!(a.data.is_empty());
    assert!(rig.text().contains("Main menu"), "{}", rig.text());
    let a = focused(
        &mut rig,
        3,
        "Query(ConnectionState) Query(Cursor) Ascii(0,0,2)",
    );
    assert_eq!(a.data[0], "connected-tn3270e");
    assert_eq!(a.data.len(), 3, "{a:?}");
    let cursor = rig
        .app
        .active_tab()
        .unwrap()
        .session()
        .screen()
        .cursor_position();
    assert_eq!(a.data[1], format!("{} {}", cursor.row, cursor.col));
    assert!(
        a.status.starts_with(&format!(
            "U F U C(127.0.0.1) I 2 24 80 {} {} 0x0",
            cursor.row, cursor.col
        )),
        "{}",
        a.status
    );
}

#[test]
fn a_non_display_field_never_answers_what_it_holds() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.typed("demo");
    rig.press(KeyCode::Tab);
    // The operator types a password; the API reads every way s3270 can.
    rig.typed("Zq9x");
    let ebcdic: Vec<String> = "Zq9x"
        .chars()
        .map(|c| {
            format!(
                "{:02x}",
                rig.app
                    .active_tab()
                    .unwrap()
                    .session()
                    .code_page()
                    .from_unicode(c)
                    .unwrap()
            )
        })
        .collect();
    for (id, read) in [
        "Ascii()",
        "Ebcdic()",
        "ReadBuffer(Ascii)",
        "ReadBuffer(Ebcdic)",
        "AsciiField()",
        "EbcdicField()",
        "Ascii1(1,1,1920)",
    ]
    .into_iter()
    .enumerate()
    {
        let a = focused(&mut rig, id as u64 + 1, read);
        assert!(a.ok, "{read}: {a:?}");
        let all = a.data.join("\n");
        assert!(!all.contains("Zq9x"), "{read}: {all}");
        assert!(
            !all.to_lowercase().contains(&ebcdic.join(" ")),
            "{read}: {all}"
        );
        assert!(
            !all.to_lowercase().contains(&ebcdic.concat()),
            "{read}: {all}"
        );
    }
    let Some(ApiReply::Json { code: 200, body }) = ask(
        &mut rig,
        20,
        ApiRequest::Screen {
            target: ApiTarget::Named("demo".to_owned()),
        },
    ) else {
        panic!("no screen");
    };
    assert!(!body.to_string().contains("Zq9x"), "{body}");
    let hidden: Vec<_> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["hidden"] == true)
        .collect();
    assert!(!hidden.is_empty(), "{body}");
    assert!(hidden.iter().all(|f| f["text"] == ""), "{body}");
    assert!(body["rows"][0].as_str().is_some());
}

#[test]
fn a_wait_holds_the_tab_until_the_host_answers_or_its_time_runs_out() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    let id = rig.app.tabs()[0].id;
    rig.sign_on();
    // Output the script has not seen: none yet, so the wait waits (the loop goes on).
    assert!(focused(&mut rig, 1, "Ascii(0,0,4)").ok);
    assert!(line(&mut rig, 2, ApiTarget::Focused, "Wait(3,Output)").is_none());
    // A second job on the same tab waits its turn.
    assert!(
        line(
            &mut rig,
            3,
            ApiTarget::Named("1".to_owned()),
            "Query(Formatted)"
        )
        .is_none()
    );
    assert_eq!(
        rig.app
            .macro_state(rig.app.active_tab().unwrap())
            .as_deref(),
        Some("▶ API")
    );
    let wake = rig.app.next_deadline().expect("the wait's time");
    assert!(wake <= rig.now + Duration::from_secs(3));
    rig.now += Duration::from_secs(3);
    rig.event(Event::Timer);
    let Some(ApiReply::Line(a)) = reply(&mut rig, 2) else {
        panic!("no answer");
    };
    assert_eq!(
        (a.ok, a.data.as_slice()),
        (false, ["Wait(): Timed out".to_owned()].as_slice())
    );
    assert!(a.status.ends_with(" 3.000"), "{}", a.status);
    let Some(ApiReply::Line(a)) = reply(&mut rig, 3) else {
        panic!("the queued job did not run");
    };
    assert_eq!(a.data, ["formatted"]);
    // An AID through the API while the host is slow: answered once the host answers.
    rig.held.push(id);
    assert!(line(&mut rig, 4, ApiTarget::Focused, "PF(8)").is_none());
    rig.held.clear();
    rig.event(Event::Tick);
    let Some(ApiReply::Line(a)) = reply(&mut rig, 4) else {
        panic!("no answer after the host's");
    };
    assert!(a.ok && a.status.starts_with("U "), "{a:?}");
}

#[test]
fn refusals_say_why() {
    let mut rig = Rig::new();
    let none = ask(
        &mut rig,
        1,
        ApiRequest::Line {
            target: ApiTarget::Focused,
            line: "Ascii()".to_owned(),
        },
    );
    assert!(
        matches!(none, Some(ApiReply::Error { code: 404, .. })),
        "{none:?}"
    );
    rig.action("connect demo");
    let missing = ask(
        &mut rig,
        2,
        ApiRequest::Screen {
            target: ApiTarget::Named("nope".to_owned()),
        },
    );
    assert!(
        matches!(missing, Some(ApiReply::Error { code: 404, .. })),
        "{missing:?}"
    );
    for (id, text, want) in [
        (3, "Quit()", "Quit(): not available"),
        (4, "Connect(example.com)", "Connect(): not available"),
        (5, "PrintText(file,/tmp/x)", "PrintText(): not supported"),
        (6, "Frob()", "Unknown action: Frob"),
        (7, "Ascii(", "Syntax error"),
        (8, "Query()", "one keyword at a time"),
        (9, "Query(Bogus)", "Query: Unknown parameter"),
    ] {
        let a = focused(&mut rig, id, text);
        assert!(!a.ok, "{text}: {a:?}");
        assert!(a.data.join(" ").contains(want), "{text}: {a:?}");
    }
    // Actions before the failing one ran; the line stops there.
    let a = focused(&mut rig, 10, "Ascii(0,0,3) Frob() Ascii(0,0,3)");
    assert_eq!(a.data.len(), 2, "{a:?}");
    // A request whose caller went away stops.
    assert!(line(&mut rig, 11, ApiTarget::Focused, "Wait(30,Output)").is_none());
    assert!(rig.app.api_wake().is_some());
    rig.event(Event::ApiCancelled(11));
    assert!(rig.app.api_wake().is_none());
}

#[test]
fn sessions_and_steps() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    let Some(ApiReply::Json { code: 200, body }) = ask(&mut rig, 1, ApiRequest::Sessions) else {
        panic!("no list");
    };
    let s = &body["sessions"][0];
    assert_eq!(s["name"], "demo");
    assert_eq!(s["state"], "connected");
    assert_eq!(s["number"], 1);
    assert_eq!(s["focused"], true);
    assert!(s["bytes-in"].as_u64().unwrap() > 0, "{s}");
    let steps = vec![
        ApiStep::Line(r#"String("demo") Tab()"#.to_owned()),
        ApiStep::Step(Step::Text("demo".to_owned()), None),
        ApiStep::Step(Step::Key(Key::Aid(Aid::Enter)), None),
        ApiStep::Step(
            Step::Wait(Wait::new(Until::Text {
                text: "Main menu".to_owned(),
                at: None,
            })),
            None,
        ),
    ];
    let Some(ApiReply::Json { code, body }) = ask(
        &mut rig,
        2,
        ApiRequest::Steps {
            target: ApiTarget::Named("demo".to_owned()),
            steps,
            timeout: None,
        },
    ) else {
        panic!("no answer");
    };
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["completed"], 4);
    assert!(
        body["screen"]["rows"].to_string().contains("Main menu"),
        "{body}"
    );
    // A key the field rules refuse: 409, named without what it typed.
    let steps = vec![
        ApiStep::Step(Step::Key(Key::MoveCursor { row: 0, col: 0 }), None),
        ApiStep::Step(Step::Text("secret".to_owned()), None),
    ];
    let Some(ApiReply::Json { code, body }) = ask(
        &mut rig,
        3,
        ApiRequest::Steps {
            target: ApiTarget::Focused,
            steps,
            timeout: None,
        },
    ) else {
        panic!("no answer");
    };
    assert_eq!(code, 409, "{body}");
    assert_eq!(body["failed"]["kind"], "refused");
    assert_eq!(body["failed"]["step"], "text");
}
