//! Secrets stay out of what `r3270 screen` writes: a trace (`--trace`) holds neither a
//! password typed into a non-display field nor its length, on its `Command:` header line
//! or in the data stream, and no secret option value (`--client-password`) either. The far
//! side is the real demo host (`r3270 serve-demo` in a child process); the trace is read
//! back as text and with r3270's own trace reader, and replayed.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{r3270, start_demo};

const HANG_GUARD: Duration = Duration::from_secs(60);

/// A password nobody else types: letters from the process id and a counter, five of them
/// (the demo's password field holds eight), so that its length differs from the mask's.
fn unique_password() -> String {
    let mut n = u64::from(std::process::id()) * 131 + common::unique();
    (0..5)
        .map(|_| {
            let c = char::from(b'A' + u8::try_from(n % 26).unwrap());
            n /= 26;
            c
        })
        .collect::<String>()
        .replace(['D', 'E', 'M', 'O'], "Q")
}

fn ebcdic(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| r3270::proto::CodePage::default().from_unicode(c).unwrap())
        .collect()
}

fn has(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The lengths of the runs of EBCDIC asterisks in `bytes`.
fn asterisk_runs(bytes: &[u8]) -> Vec<usize> {
    bytes
        .split(|&b| b != 0x5C)
        .map(<[u8]>::len)
        .filter(|&n| n > 0)
        .collect()
}

#[test]
fn trace_keeps_no_password_nor_its_length() {
    let host = start_demo(&[]);
    let password = unique_password();
    let dir = common::temp_dir("secrets");
    let file = dir.join("session.trc");
    let run = r3270(
        &[
            "screen",
            "--trace",
            file.to_str().unwrap(),
            &host.addr(),
            "=DEMO",
            "Tab",
            &format!("={password}"),
            "Enter",
        ],
        HANG_GUARD,
    );
    // The demo host refuses the password, and says so: the password did reach it.
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("DMO001E"), "{}", run.stdout);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains(&password),
        "the password is in the trace:\n{text}"
    );
    let trace = r3270::trace::Trace::parse(&text).unwrap();
    let command = trace.header.command.clone().unwrap();
    assert!(
        command.ends_with(&format!("{} =*** Tab =*** Enter", host.addr())),
        "{command}"
    );
    let client: Vec<u8> = trace.client_bytes().flatten().copied().collect();
    assert!(has(&client, &ebcdic("DEMO")), "the user id is recorded");
    assert!(!has(&client, &ebcdic(&password)), "the password is not");
    // The password field is recorded as the fixed mask, never as one asterisk a character.
    assert_eq!(asterisk_runs(&client), vec![8], "{client:02x?}");
    assert!(!text.contains(&format!("<{}", password.len())));
    // The trace stays readable: the replay draws what `screen` printed.
    let replay = r3270(&["replay", file.to_str().unwrap()], HANG_GUARD);
    assert_eq!(replay.code, Some(0), "{}", replay.stderr);
    assert_eq!(replay.stdout, run.stdout);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn trace_header_keeps_no_secret_option() {
    let dir = common::temp_dir("secrets");
    let file = dir.join("session.trc");
    let secret = format!("pkcs12-{}", unique_password());
    // The certificate file does not exist, so nothing connects; the trace's header is
    // written before that is found out.
    let run = r3270(
        &[
            "screen",
            "--trace",
            file.to_str().unwrap(),
            "--client-cert",
            dir.join("missing.p12").to_str().unwrap(),
            "--client-password",
            &secret,
            "L:127.0.0.1:1",
            "=USER",
        ],
        HANG_GUARD,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(&secret), "{text}");
    assert!(!run.stderr.contains(&secret), "{}", run.stderr);
    let trace = r3270::trace::Trace::parse(&text).unwrap();
    let command = trace.header.command.unwrap();
    assert!(
        command.ends_with("--client-password *** L:127.0.0.1:1 =***"),
        "{command}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
