//! `r3270 replay` on files that are not what it needs: a missing file, a directory, a text
//! file that is no trace, a binary file, a malformed data line. Each ends with exit status
//! 2 and one line on stderr naming the file (and the line, where one is at fault), printed
//! once, and nothing on stdout.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{r3270, temp_dir};

const GUARD: Duration = Duration::from_secs(60);

fn refused(file: &str) -> String {
    let run = r3270(&["replay", file], GUARD);
    assert_eq!(run.code, Some(2), "{file}: {run:?}");
    assert_eq!(run.stdout, "", "{file}: no screen is printed");
    assert_eq!(run.stderr.lines().count(), 1, "{file}: {}", run.stderr);
    run.stderr.trim_end().to_owned()
}

#[test]
fn a_missing_file_is_reported_once() {
    let dir = temp_dir("replay-cli");
    let missing = dir.join("missing.trc");
    let m = missing.to_str().unwrap();
    let err = refused(m);
    assert_eq!(
        err,
        format!("r3270: cannot read trace {m}: No such file or directory (os error 2)")
    );
    let d = dir.to_str().unwrap();
    let err = refused(d);
    assert_eq!(err.matches("Is a directory").count(), 1, "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_that_is_not_a_trace_is_refused() {
    let dir = temp_dir("replay-cli");
    let text = dir.join("notes.txt");
    std::fs::write(&text, "shopping list\nmilk\n").unwrap();
    let t = text.to_str().unwrap();
    assert_eq!(
        refused(t),
        format!(
            "r3270: {t}: not an x3270 trace: no line holds host data (`< 0x0   ...`); line 1 \
             is not trace text: `shopping list`"
        )
    );
    let empty = dir.join("empty.trc");
    std::fs::write(&empty, "").unwrap();
    let e = empty.to_str().unwrap();
    assert_eq!(
        refused(e),
        format!("r3270: {e}: not an x3270 trace: no line holds host data (`< 0x0   ...`)")
    );
    // A binary file: quoted without its control characters.
    let binary = dir.join("binary.trc");
    std::fs::write(&binary, b"\x7fELF\x02\x01\x01\x00\x1b[2J\nmore").unwrap();
    let b = binary.to_str().unwrap();
    let err = refused(b);
    assert!(
        err.ends_with("line 1 is not trace text: `?ELF?????[2J`"),
        "{err}"
    );
    // A malformed data line is named by its number.
    let bad = dir.join("bad.trc");
    std::fs::write(&bad, " Model 3279-2-E, 24 rows x 80 cols\n< 0x0   f5c\n").unwrap();
    let b = bad.to_str().unwrap();
    assert_eq!(
        refused(b),
        format!(
            "r3270: {b}: line 2: malformed data line: data is not an even number of hex digits"
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
