//! `r3270 screen` (the built binary) against mainframe-mocker, screen for screen against
//! s3270 given the same keys.
//!
//! `r3270 screen` is one-shot, so it runs once per checkpoint with every key so far, while
//! one s3270 session walks the same keys and takes its screen at each checkpoint. The flow:
//! sign-on with a wrong password, then `DEMO`/`DEMO`, the greeting form, the guest book
//! (PF8/PF8/PF7), the showcase and its help, back to the menu, and sign-off with PF3 (the
//! host closes). Each protocol mode (TN3270E, plain TN3270) at models 2, 4, 5 and
//! IBM-DYNAMIC 62x160. The host's clock is masked.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{S3270, mask_clock, r3270, s3270_action, start_mfmock};

/// Generous: a hang, not slowness, is what this catches.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// Checkpoints: a name, a text the screen must show there (so that two clients stuck on
/// the same wrong screen cannot agree their way to a pass), and the keys added since the
/// previous checkpoint.
const FLOW: &[(&str, &str, &[&str])] = &[
    ("sign-on screen", "SIGN ON", &[]),
    (
        "wrong password",
        "IS INCORRECT",
        &["=DEMO", "Tab", "=WRONG", "Enter"],
    ),
    (
        "menu",
        "MAIN MENU",
        &[
            "Home", "EraseEOF", "=DEMO", "Tab", "EraseEOF", "=DEMO", "Enter",
        ],
    ),
    ("greeting form", "GREETING", &["=1", "Enter"]),
    (
        "guest book",
        "GUEST BOOK",
        &["PF3", "=2", "Enter", "PF8", "PF8", "PF7"],
    ),
    (
        "back to the menu",
        "MAIN MENU",
        &["PF3", "=3", "Enter", "PF1", "PF3", "PF3"],
    ),
    ("sign-off", "THANK YOU", &["PF3"]),
];

struct Config {
    mfmock: &'static [&'static str],
    r3270: &'static [&'static str],
    s3270: &'static [&'static str],
    mode: &'static str,
}

fn compare(cfg: &Config, flow: &[(&str, &str, &[&str])]) {
    let Some((_host, port)) = start_mfmock(cfg.mfmock) else {
        return;
    };
    let Some(mut oracle) = S3270::start(cfg.s3270) else {
        return;
    };
    let host = format!("127.0.0.1:{port}");
    oracle.run(&format!("Connect({host})")).unwrap();
    oracle.run("Wait(15,Unlock)").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let mut keys: Vec<&str> = Vec::new();
    for (i, (name, must_show, added)) in flow.iter().enumerate() {
        for key in *added {
            let (action, aid) = s3270_action(key);
            if aid {
                oracle.aid(&action);
            } else {
                oracle.run(&action).unwrap();
            }
            keys.push(key);
        }
        let theirs = mask_clock(&oracle.screen());
        let mut args: Vec<&str> = vec!["screen", "--timeout", "20"];
        args.extend_from_slice(cfg.r3270);
        if i == 0 {
            args.push("--status");
        }
        args.push(&host);
        args.extend_from_slice(&keys);
        let run = r3270(&args, HANG_GUARD);
        assert_eq!(
            run.code,
            Some(0),
            "{name}: r3270 {} failed:\n{}",
            args.join(" "),
            run.stderr
        );
        if i == 0 {
            let want = format!("mode: {}\n", cfg.mode);
            assert!(run.stderr.contains(&want), "{}", run.stderr);
        }
        let mine = mask_clock(&run.rows());
        assert!(
            mine.iter().any(|row| row.contains(must_show)),
            "{name}: r3270's screen does not show {must_show:?}:\n{}",
            mine.join("\n")
        );
        assert_eq!(
            mine,
            theirs,
            "{name}: r3270 and s3270 differ after {}\nr3270:\n{}\ns3270:\n{}",
            keys.join(" "),
            mine.join("\n"),
            theirs.join("\n")
        );
    }
    if let Some(last) = flow.last() {
        if last.0 == "sign-off" {
            // The goodbye screen stays; the host's close is reported, not an error. The host
            // closes just after the goodbye screen unlocks: `--settle` waits for that (with
            // the default 0, r3270 is done at the unlock and closes first, as s3270 would).
            let mut args: Vec<&str> = vec!["screen", "--settle", "500"];
            args.extend_from_slice(cfg.r3270);
            args.push(&host);
            args.extend_from_slice(&keys);
            let run = r3270(&args, HANG_GUARD);
            assert!(
                run.stderr.contains("the host closed the connection"),
                "{}",
                run.stderr
            );
        }
    }
    let _ = oracle.run("Disconnect()");
}

const TN3270E: &[&str] = &[];
const TN3270: &[&str] = &["--no-tn3270e"];

#[test]
fn tn3270e_model_2() {
    compare(
        &Config {
            mfmock: TN3270E,
            r3270: &["--model", "2"],
            s3270: &["-model", "3279-2"],
            mode: "TN3270E",
        },
        FLOW,
    );
}

#[test]
fn tn3270_model_2() {
    compare(
        &Config {
            mfmock: TN3270,
            r3270: &["--model", "2"],
            s3270: &["-model", "3279-2"],
            mode: "TN3270",
        },
        FLOW,
    );
}

#[test]
fn tn3270e_model_4() {
    compare(
        &Config {
            mfmock: TN3270E,
            r3270: &["--model", "3279-4-E"],
            s3270: &["-model", "3279-4"],
            mode: "TN3270E",
        },
        FLOW,
    );
}

#[test]
fn tn3270_model_4() {
    compare(
        &Config {
            mfmock: TN3270,
            r3270: &["--model", "4"],
            s3270: &["-model", "3279-4"],
            mode: "TN3270",
        },
        FLOW,
    );
}

#[test]
fn tn3270e_model_5() {
    compare(
        &Config {
            mfmock: TN3270E,
            r3270: &["--model", "5"],
            s3270: &["-model", "3279-5"],
            mode: "TN3270E",
        },
        FLOW,
    );
}

#[test]
fn tn3270_model_5() {
    compare(
        &Config {
            mfmock: TN3270,
            r3270: &["--model", "3279-5"],
            s3270: &["-model", "3279-5"],
            mode: "TN3270",
        },
        FLOW,
    );
}

#[test]
fn tn3270e_dynamic_62x160() {
    compare(
        &Config {
            mfmock: TN3270E,
            r3270: &["--oversize", "160x62"],
            s3270: &[
                "-model",
                "3279-4",
                "-tn",
                "IBM-DYNAMIC",
                "-oversize",
                "160x62",
            ],
            mode: "TN3270E",
        },
        FLOW,
    );
}

#[test]
fn tn3270_dynamic_62x160() {
    compare(
        &Config {
            mfmock: TN3270,
            r3270: &["--oversize", "160x62"],
            s3270: &[
                "-model",
                "3279-4",
                "-tn",
                "IBM-DYNAMIC",
                "-oversize",
                "160x62",
            ],
            mode: "TN3270",
        },
        FLOW,
    );
}

/// Sign-off by transaction: the TRAN field, then Enter (field overflow rules included).
#[test]
fn tran_signoff_matches_s3270() {
    compare(
        &Config {
            mfmock: TN3270E,
            r3270: &["--model", "2"],
            s3270: &["-model", "3279-2"],
            mode: "TN3270E",
        },
        &[
            ("sign-on screen", "SIGN ON", &[]),
            ("menu", "MAIN MENU", &["=DEMO", "Tab", "=DEMO", "Enter"]),
            (
                "tran signoff",
                "NOT RECOGNISED",
                &["cursor:1,7", "EraseEOF", "=SIGNOFF", "Enter"],
            ),
        ],
    );
}

/// `--trace` writes the x3270 format: the reader takes it back, `r3270 replay` of it
/// draws the screen `r3270 screen` printed, and the password typed into the non-display
/// field never appears in it.
#[test]
fn trace_round_trip_without_the_password() {
    let Some((_host, port)) = start_mfmock(TN3270E) else {
        return;
    };
    let dir = common::temp_dir("trace");
    let file = dir.join("session.trc");
    let run = r3270(
        &[
            "screen",
            "--trace",
            file.to_str().unwrap(),
            &format!("127.0.0.1:{port}"),
            "=DEMO",
            "Tab",
            "=SECRET",
            "Enter",
        ],
        HANG_GUARD,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("IS INCORRECT"), "{}", run.stdout);
    let text = std::fs::read_to_string(&file).unwrap();
    let trace = r3270::trace::Trace::parse(&text).unwrap();
    assert_eq!(trace.header.model.as_deref(), Some("3279-2-E"));
    let client: Vec<u8> = trace.client_bytes().flatten().copied().collect();
    let ebcdic = |s: &str| -> Vec<u8> {
        s.chars()
            .map(|c| r3270::proto::CodePage::default().from_unicode(c).unwrap())
            .collect()
    };
    let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    assert!(has(&client, &ebcdic("DEMO")), "the user id is recorded");
    assert!(!has(&client, &ebcdic("SECRET")), "the password must not be");
    assert!(has(&client, &[0x5C; 6]), "it is recorded as asterisks");
    let replay = r3270(&["replay", file.to_str().unwrap()], HANG_GUARD);
    assert_eq!(replay.code, Some(0), "{}", replay.stderr);
    assert_eq!(replay.stdout, run.stdout);
    let _ = std::fs::remove_dir_all(&dir);
}
