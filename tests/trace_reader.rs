//! Reads the x3270 trace corpus in `../shared/x3270-traces` with `r3270::trace`.
//!
//! The corpus is not part of the repository, so each test skips with a message when it is
//! absent (a plain clone).

use std::path::{Path, PathBuf};

use r3270::trace::{ActionOrigin, Trace, TraceEvent};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/x3270-traces");

/// The corpus folder, or `None` (after saying so) when it is absent.
fn corpus() -> Option<PathBuf> {
    let path = PathBuf::from(CORPUS);
    if path.is_dir() {
        Some(path)
    } else {
        // Under CI the corpus is always beside the clone: missing means broken, not skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "../shared/x3270-traces is missing under CI"
        );
        println!("skipped: ../shared/x3270-traces not found");
        None
    }
}

fn load(root: &Path, name: &str) -> Trace {
    let loaded = Trace::from_path(root.join(name));
    assert!(loaded.is_ok(), "{name}: {loaded:?}");
    loaded.unwrap_or_default()
}

/// Decodes the hex of an expected burst; the constants are well formed, so a bad digit pair
/// would only show up as a mismatch.
fn hex(text: &str) -> Vec<u8> {
    text.as_bytes()
        .chunks(2)
        .filter_map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

/// Every file under the corpus, recursively, in a stable order.
fn files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries = std::fs::read_dir(dir)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<std::io::Result<Vec<PathBuf>>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

#[test]
fn every_file_parses() {
    let Some(root) = corpus() else { return };
    let mut all = Vec::new();
    files(&root, &mut all).unwrap();
    let mut traces = 0;
    for path in &all {
        // The Markdown files and login.txt (a screen dump) hold no data lines but must not
        // trip the reader either.
        let trace =
            Trace::from_path(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        if path.extension().is_some_and(|ext| ext == "trc") {
            traces += 1;
            assert!(
                trace.host_bytes().next().is_some(),
                "{}: no host burst",
                path.display()
            );
            assert!(trace.require_host_data().is_ok(), "{}", path.display());
        } else {
            // What `r3270 replay` refuses: text that is not a trace.
            let err = trace.require_host_data().unwrap_err().to_string();
            assert!(
                err.starts_with("not an x3270 trace: no line holds host data"),
                "{}: {err}",
                path.display()
            );
        }
    }
    assert!(traces >= 50, "only {traces} traces found");
}

#[test]
fn c3270_hello_is_one_nvt_burst() {
    let Some(root) = corpus() else { return };
    let trace = load(&root, "c3270/hello.trc");
    assert_eq!(trace.events, vec![TraceEvent::Host(hex("68656c6c6f0a"))]);
    assert_eq!(trace.rows_cols(), None);
    assert_eq!(trace.model(), None);
}

#[test]
fn generated_numeric_has_size_and_concatenated_bursts() {
    let Some(root) = corpus() else { return };
    let trace = load(&root, "s3270/numeric.trc");
    assert_eq!(trace.rows_cols(), Some((43, 80)));
    let bursts: Vec<&[u8]> = trace.host_bytes().collect();
    let expected = [
        hex("fffd28"),
        hex("fffa280802fff0"),
        hex("fffa28020449424d2d333237382d342d450149424d305445514ffff0"),
        hex("fffa2803040204fff0"),
        // Three lines (offsets 0x0, 0x20, 0x40) make this one record.
        hex(concat!(
            "00000100017ec6114040e38889a24089a240a38885409985818460969593a840",
            "86898593844081a340a3888540a3969740968640a3888540a283998585954b11",
            "c14f1d501311f56f1df0ffef"
        )),
    ];
    assert_eq!(
        bursts,
        expected.iter().map(Vec::as_slice).collect::<Vec<_>>()
    );
    assert_eq!(trace.client_bytes().count(), 0);
}

#[test]
fn c3270_alt_has_its_odd_screen_size() {
    let Some(root) = corpus() else { return };
    let trace = load(&root, "c3270/alt.trc");
    assert_eq!(trace.rows_cols(), Some((27, 132)));
    assert_eq!(trace.host_bytes().count(), 5);
}

#[test]
fn b3270_short_sba_header_and_bursts() {
    let Some(root) = corpus() else { return };
    let trace = load(&root, "b3270/short_sba.trc");
    let header = &trace.header;
    assert_eq!(trace.model(), Some("3279-4-E"));
    assert_eq!(trace.rows_cols(), Some((43, 80)));
    assert_eq!(header.code_page.as_deref(), Some("bracket"));
    assert_eq!(header.host_code_page.as_deref(), Some("37"));
    assert!(
        header
            .command
            .as_deref()
            .is_some_and(|c| c.starts_with("b3270 b3270 -utf8"))
    );
    // Settings span several continuation lines; check both ends and empty values.
    assert_eq!(
        header.settings.get("acceptHostname").map(String::as_str),
        Some("")
    );
    assert_eq!(
        header.settings.get("model").map(String::as_str),
        Some("3279-4-E")
    );
    assert_eq!(
        header.settings.get("termName").map(String::as_str),
        Some("")
    );
    assert_eq!(
        header.settings.get("visibleControl").map(String::as_str),
        Some("true")
    );

    assert_eq!(trace.host_bytes().next(), Some(&[0xff, 0xfd, 0x28][..]));
    assert_eq!(trace.client_bytes().next(), Some(&[0xff, 0xfb, 0x28][..]));
    // The BIND image is split at 0x20 into a line holding only the IAC of the `ff ef`.
    let bind = hex("030000000031010303b190308000008787000002800000000018502b507e00ffef");
    assert!(trace.host_bytes().any(|burst| burst == bind.as_slice()));
    // The negative response to the aborted write.
    assert_eq!(
        trace.client_bytes().last(),
        Some(&hex("020001000202ffef")[..])
    );

    assert_eq!(trace.connect_target().as_deref(), Some("192.168.1.26:2323"));
    assert_eq!(trace.sent_terminal_type().as_deref(), Some("IBM-3278-4-E"));
}

#[test]
fn s3270_ibmlink_records_connect_and_pf3() {
    let Some(root) = corpus() else { return };
    let trace = load(&root, "s3270/ibmlink.trc");
    assert_eq!(
        trace.connect_target().as_deref(),
        Some("l:y:204.146.168.209")
    );
    let runs: Vec<(&str, &str)> = trace
        .actions()
        .filter(|(_, _, _, origin)| *origin == ActionOrigin::Run)
        .map(|(source, name, _, _)| (source, name))
        .collect();
    assert_eq!(runs, [("Command", "Connect"), ("Keymap", "PF")]);
}

#[test]
fn s3270_login_sent_terminal_type() {
    let Some(root) = corpus() else { return };
    let trace = load(&root, "s3270/login.trc");
    assert_eq!(trace.model(), Some("3278-4-E"));
    assert_eq!(trace.sent_terminal_type().as_deref(), Some("IBM-3278-4-E"));
    // The first host read holds several telnet commands and crosses seven lines.
    assert_eq!(trace.host_bytes().next().map(<[u8]>::len), Some(216));
}

#[test]
fn s3270_elf_new_environ_is_a_note() {
    let Some(root) = corpus() else { return };
    let trace = load(&root, "s3270/elf.trc");
    assert!(trace.notes().any(|(_, text)| text
        == "SENT SB NEW-ENVIRON IS USERVAR \"IBMELF\" VALUE \"YES\" USERVAR \"IBMAPPLID\" VALUE \"12345\" SE"));
    // The NEW-ENVIRON reply is split at 0x20 just before its final `f0`.
    let reply = trace.client_bytes().last().unwrap();
    assert_eq!(reply.len(), 33);
    assert_eq!(reply.last(), Some(&0xf0));
}

#[test]
fn contention_resolution_typeahead() {
    let Some(root) = corpus() else { return };
    let trace = load(&root, "s3270/contention-resolution.trc");
    let queued = trace
        .actions()
        .filter(|(_, _, _, origin)| *origin == ActionOrigin::Queued)
        .count();
    let typeahead = trace
        .actions()
        .filter(|(source, _, _, _)| *source == "typeahead")
        .count();
    assert!(queued > 0);
    assert_eq!(queued, typeahead);
}

#[test]
fn x3270_keys_come_from_default_expansion() {
    let Some(root) = corpus() else { return };
    let trace = load(&root, "s3270/nvt-data.trc");
    let keys: Vec<String> = trace
        .actions()
        .filter(|(_, _, _, origin)| *origin == ActionOrigin::KeyEvent)
        .map(|(_, name, args, _)| format!("{name}({})", args.join(",")))
        .collect();
    assert_eq!(
        keys,
        ["Key(U+0066)", "Key(U+006f)", "Key(U+006f)", "Key(U+000d)"]
    );
}

#[test]
fn hand_edited_bid_ta_keeps_requests() {
    let Some(root) = corpus() else { return };
    let trace = load(&root, "s3270/bid-ta.trc");
    assert_eq!(trace.rows_cols(), Some((40, 132)));
    let replayed: Vec<&str> = trace
        .replay_actions()
        .into_iter()
        .filter_map(|event| match event {
            TraceEvent::Action { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(replayed, ["Key", "Enter"]);
}
