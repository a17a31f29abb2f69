//! Recording and playing a macro in the real TUI (tmux) against the demo host in a child
//! process: a sign-on with its non-display password, a menu choice and two pages of a list
//! are recorded; the file holds a `prompt password secret` step and not the password; the
//! macro plays back in a new tab (asking for the password, masked) and headlessly, and the
//! headless screen equals s3270's for the same keys.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::tmux::Tmux;
use common::{S3270, mask_clock, start_demo};

/// Far above a normal run; only catches a hang.
const DEADLINE: Duration = Duration::from_secs(30);

fn palette(t: &Tmux, command: &str) {
    t.keys(&["C-]"]);
    t.wait_for("Command (Enter runs", DEADLINE);
    t.text(command);
    t.keys(&["Enter"]);
}

#[test]
fn a_recorded_sign_on_plays_back_in_a_new_tab_and_headlessly_as_s3270_does() {
    let host = start_demo(&[]);
    let dir = common::temp_dir("macro-tmux");
    let data = dir.join("data");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!("[paths]\ndata-dir = {:?}\n", data.display().to_string()),
    )
    .unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_r3270"));
    let args = ["--config", config.to_str().unwrap(), &host.addr()];
    let Some(t) = Tmux::start("r3270-macro-rec", 120, 40, bin, &args) else {
        common::skip("tmux");
        return;
    };
    t.wait_for("Sign on", DEADLINE);
    palette(&t, "record-macro browse");
    t.wait_for("REC 0", DEADLINE);
    t.text("demo");
    t.keys(&["Tab"]);
    t.text("demo");
    t.keys(&["Enter"]);
    t.wait_for("Main menu", DEADLINE);
    t.text("2");
    t.keys(&["Enter"]);
    t.wait_for("Lines 1-", DEADLINE);
    t.keys(&["F8"]);
    let screen = t.wait_for("Lines 17-", DEADLINE);
    assert!(screen.contains("REC "), "{screen}");
    palette(&t, "stop-recording");
    t.wait_for("Saved macro `browse`", DEADLINE);
    t.keys(&["Escape"]);

    let file = data.join("macros/browse.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"prompt password secret\""), "{text}");
    // The user id is typed once; the password (the same word here) never.
    assert_eq!(text.matches("demo").count(), 1, "{text}");
    assert!(text.contains("wait cursor"), "{text}");

    // A new tab on the same host plays it, asking for the password (masked).
    palette(&t, &format!("connect {}", host.addr()));
    t.wait_until(DEADLINE, "the second tab's sign-on", |s| {
        s.contains("(2)") && s.contains("Sign on")
    });
    palette(&t, "play-macro browse");
    t.wait_for("asks for password (hidden)", DEADLINE);
    t.text("demo");
    let screen = t.wait_for("> ****_", DEADLINE);
    assert!(!screen.contains("> demo"), "{screen}");
    t.keys(&["Enter"]);
    let screen = t.wait_for("macro `browse` done", DEADLINE);
    assert!(screen.contains("Lines 17-"), "{screen}");

    // Quit (two connected sessions: it asks).
    palette(&t, "quit");
    t.wait_for("2 connected sessions", DEADLINE);
    t.text("y");
    t.wait_exit(DEADLINE);
    t.assert_restored();

    headless_equals_s3270(&config, &host.addr());
}

/// Headless, with the password from the environment: the screen s3270 shows for the same
/// keys.
fn headless_equals_s3270(config: &Path, addr: &str) {
    let out = common::r3270_command()
        .env("R3270_PROMPT_PASSWORD", "demo")
        .args([
            "--config",
            config.to_str().unwrap(),
            "macro",
            "run",
            "browse",
        ])
        .arg(addr)
        .args(["--model", "2"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let mine: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let Some(mut oracle) = S3270::start(&["-model", "3279-2"]) else {
        return;
    };
    oracle.run(&format!("Connect({addr})")).unwrap();
    oracle.run("Wait(15,Unlock)").unwrap();
    for (action, aid) in [
        ("String(\"demo\")", false),
        ("Tab()", false),
        ("String(\"demo\")", false),
        ("Enter()", true),
        ("String(\"2\")", false),
        ("Enter()", true),
        ("PF(8)", true),
    ] {
        if aid {
            oracle.aid(action);
        } else {
            oracle.run(action).unwrap();
        }
    }
    let theirs = mask_clock(&oracle.screen());
    assert_eq!(
        mask_clock(&mine),
        theirs,
        "r3270:\n{}\ns3270:\n{}",
        mine.join("\n"),
        theirs.join("\n")
    );
}
