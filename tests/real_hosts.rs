//! The engine meets real hosts: mainframe-mocker (TN3270E and TN3270) and Hercules, with
//! s3270 as the oracle. For the same host and the same keys, the screen r3270's `Session`
//! shows must be exactly what s3270's `Ascii()` prints (the host's clock masked).
//!
//! The socket side here is a minimal blocking driver (`common::Driver`); the engine under
//! test is the real `Session`, unmodified.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Driver, S3270, mask_clock, start_hercules, start_mfmock};
use r3270::proto::{Aid, Dimensions, Key, LockReason, Mode, Model, TerminalConfig};

/// One operator step, as r3270 keys and as the equivalent s3270 action.
enum Step {
    Text(&'static str),
    Key(Key, &'static str),
    Aid(Aid, &'static str),
}

use Step::{Aid as A, Key as K, Text as T};

fn s3270_string(text: &str) -> String {
    format!("String(\"{text}\")")
}

/// Run the same steps on r3270 and s3270 against fresh connections to the same host, and
/// compare the screens after the first draw and after every AID.
/// Every text in `must_see` has to appear on at least one compared screen, so two clients
/// stuck on the same wrong screen cannot agree their way to a pass.
fn compare_flow(
    port: u16,
    cfg: TerminalConfig,
    s3270_args: &[&str],
    steps: &[Step],
    must_see: &[&str],
) -> Mode {
    let Some(mut oracle) = S3270::start(s3270_args) else {
        return Mode::Negotiating;
    };
    oracle.run(&format!("Connect(127.0.0.1:{port})")).unwrap();
    oracle.run("Wait(15,Unlock)").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut ours = Driver::connect(port, cfg);
    assert!(ours.wait_ready(), "r3270 never got an unlocked 3270 screen");
    let mode = ours.session.mode();
    let mut seen = String::new();
    let mut check = |ours: &mut Driver, oracle: &mut S3270, after: &str| {
        let theirs = mask_clock(&oracle.screen());
        let mine = mask_clock(&ours.session.text_rows());
        seen.push_str(&mine.join("\n"));
        assert_eq!(mine.len(), theirs.len(), "row count after {after}");
        for (i, (m, t)) in mine.iter().zip(&theirs).enumerate() {
            assert_eq!(
                m,
                t,
                "row {i} differs after {after}\nr3270:\n{}\ns3270:\n{}",
                mine.join("\n"),
                theirs.join("\n")
            );
        }
    };
    check(&mut ours, &mut oracle, "connect");
    for step in steps {
        match step {
            T(text) => {
                ours.text(text);
                oracle.run(&s3270_string(text)).unwrap();
            }
            K(key, action) => {
                ours.key(*key);
                oracle.run(action).unwrap();
            }
            A(aid, action) => {
                ours.aid(Key::Aid(*aid));
                oracle.aid(action);
                check(&mut ours, &mut oracle, action);
            }
        }
    }
    let _ = oracle.run("Disconnect()");
    for text in must_see {
        assert!(seen.contains(text), "no screen showed {text:?}:\n{seen}");
    }
    mode
}

/// What the mainframe-mocker flow must show along the way.
const DEMO_SCREENS: &[&str] = &[
    "SIGN ON",
    "IS INCORRECT",
    "MAIN MENU",
    "GREETING",
    "GUEST BOOK",
];

/// Sign-on (a wrong password first), menu, greeting form, guest book paging, showcase, back.
fn demo_flow() -> Vec<Step> {
    vec![
        T("DEMO"),
        K(Key::Tab, "Tab()"),
        T("WRONG"),
        A(Aid::Enter, "Enter()"),
        K(Key::Home, "Home()"),
        K(Key::EraseEof, "EraseEOF()"),
        T("DEMO"),
        K(Key::Tab, "Tab()"),
        K(Key::EraseEof, "EraseEOF()"),
        T("DEMO"),
        A(Aid::Enter, "Enter()"),
        T("1"),
        A(Aid::Enter, "Enter()"),
        A(Aid::Pf(3), "PF(3)"),
        T("2"),
        A(Aid::Enter, "Enter()"),
        A(Aid::Pf(8), "PF(8)"),
        A(Aid::Pf(8), "PF(8)"),
        A(Aid::Pf(7), "PF(7)"),
        A(Aid::Pf(3), "PF(3)"),
        T("3"),
        A(Aid::Enter, "Enter()"),
        A(Aid::Pf(1), "PF(1)"),
        A(Aid::Pf(3), "PF(3)"),
        A(Aid::Pf(3), "PF(3)"),
    ]
}

fn model(s: &str) -> TerminalConfig {
    TerminalConfig {
        model: s.parse::<Model>().unwrap(),
        ..TerminalConfig::default()
    }
}

#[test]
fn mfmock_tn3270e_model_2_matches_s3270() {
    let Some((_host, port)) = start_mfmock(&[]) else {
        return;
    };
    let mode = compare_flow(
        port,
        model("3279-2-E"),
        &["-model", "3279-2"],
        &demo_flow(),
        DEMO_SCREENS,
    );
    assert_eq!(mode, Mode::Tn3270e);
}

#[test]
fn mfmock_tn3270_model_2_matches_s3270() {
    let Some((_host, port)) = start_mfmock(&["--no-tn3270e"]) else {
        return;
    };
    let mode = compare_flow(
        port,
        model("3279-2-E"),
        &["-model", "3279-2"],
        &demo_flow(),
        DEMO_SCREENS,
    );
    assert_eq!(mode, Mode::Tn3270);
}

#[test]
fn mfmock_tn3270e_model_4_matches_s3270() {
    let Some((_host, port)) = start_mfmock(&[]) else {
        return;
    };
    compare_flow(
        port,
        model("3279-4-E"),
        &["-model", "3279-4"],
        &demo_flow(),
        DEMO_SCREENS,
    );
}

#[test]
fn mfmock_tn3270_model_5_matches_s3270() {
    let Some((_host, port)) = start_mfmock(&["--no-tn3270e"]) else {
        return;
    };
    compare_flow(
        port,
        model("3279-5-E"),
        &["-model", "3279-5"],
        &demo_flow(),
        DEMO_SCREENS,
    );
}

#[test]
fn mfmock_dynamic_62x160_matches_s3270() {
    let Some((_host, port)) = start_mfmock(&[]) else {
        return;
    };
    let cfg = TerminalConfig {
        oversize: Some(Dimensions::new(62, 160)),
        ..TerminalConfig::default()
    };
    compare_flow(
        port,
        cfg,
        &[
            "-model",
            "3279-4",
            "-tn",
            "IBM-DYNAMIC",
            "-oversize",
            "160x62",
        ],
        &demo_flow(),
        DEMO_SCREENS,
    );
}

#[test]
fn mfmock_basic_3278_matches_s3270() {
    let Some((_host, port)) = start_mfmock(&["--no-tn3270e"]) else {
        return;
    };
    let cfg = TerminalConfig {
        terminal_type: Some("IBM-3278-2".into()),
        ..model("3278-2")
    };
    compare_flow(
        port,
        cfg,
        &["-model", "3278-2", "-tn", "IBM-3278-2"],
        &demo_flow(),
        DEMO_SCREENS,
    );
}

#[test]
fn hercules_logo_matches_s3270_and_an_aid_stays_locked() {
    let Some((_host, port)) = start_hercules(4) else {
        return;
    };
    compare_flow(
        port,
        model("3279-2-E"),
        &["-model", "3279-2"],
        &[],
        &["Device number", "MAINFRAME"],
    );
    let mut ours = Driver::connect(port, model("3279-2-E"));
    assert!(ours.wait_ready());
    assert_eq!(ours.session.mode(), Mode::Tn3270);
    // Hercules never answers an AID on its logo screen: the keyboard stays locked.
    assert!(!ours.aid(Key::Aid(Aid::Enter)));
    assert_eq!(ours.session.oia().lock, Some(LockReason::TimeWait));
}

#[test]
fn hercules_second_client_on_one_device_is_rejected() {
    let Some((_host, port)) = start_hercules(1) else {
        return;
    };
    let mut first = Driver::connect(port, model("3279-2-E"));
    assert!(first.wait_ready());
    let mut second = Driver::connect(port, model("3279-2-E"));
    second.pump_until(
        std::time::Duration::from_secs(10),
        std::time::Duration::from_millis(500),
        |s| {
            s.text_rows()
                .iter()
                .any(|r| r.contains("no available 3270 device"))
        },
    );
    let text = second.session.text_rows().join("\n");
    assert!(
        text.contains("Connection rejected, no available 3270 device"),
        "{text}"
    );
}

#[test]
fn hercules_device_by_lu_name() {
    let Some((_host, port)) = start_hercules(32) else {
        return;
    };
    let cfg = TerminalConfig {
        lu: Some("0015".into()),
        ..model("3279-2-E")
    };
    let mut ours = Driver::connect(port, cfg);
    assert!(ours.wait_ready());
    let text = ours.session.text_rows().join("\n");
    assert!(
        text.contains("0015"),
        "the logo names the device it gave us:\n{text}"
    );
}
