//! The writer against a real directory: recovery, slots, retention, and the verifier
//! agreeing with each.

#![allow(clippy::many_single_char_names)] // w, o, r, k: writer, options, report, kinds

use std::path::PathBuf;

use super::*;
use crate::audit::verify::{Damage, VerifyOptions, verify};

fn dirs(name: &str) -> (PathBuf, PathBuf) {
    let base = std::env::temp_dir().join(format!(
        "r3270-audit-unit-{name}-{}-{}",
        std::process::id(),
        crate::audit::time::now().replace([':', '.'], "")
    ));
    let _ = fs::remove_dir_all(&base);
    (base.join("log"), base.join("keys"))
}

fn verify_opts(o: &WriterOptions) -> VerifyOptions {
    VerifyOptions {
        dir: o.dir.clone(),
        archive_dir: o.archive_dir.clone(),
        key_dir: o.key_dir.clone(),
    }
}

fn kinds(o: &WriterOptions) -> Vec<String> {
    let mut out = Vec::new();
    for (_, p) in list(&o.dir).unwrap() {
        for line in fs::read_to_string(p).unwrap().lines() {
            out.push(prefix(line.as_bytes()).unwrap().kind.to_owned());
        }
    }
    out
}

#[test]
fn a_torn_last_line_is_moved_aside_and_the_chain_goes_on() {
    let (dir, keys) = dirs("torn");
    let o = WriterOptions::new(&dir, &keys);
    let mut w = Writer::open(o.clone()).unwrap();
    for _ in 0..3 {
        w.append("aid", &serde_json::json!({"key": "Enter"}))
            .unwrap();
    }
    let path = w.path().to_owned();
    // A crash: no close, and half a line at the end.
    std::mem::forget(w);
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(b"{\"seq\":6,\"prev\":\"00").unwrap();
    drop(f);
    let r = verify(&verify_opts(&o)).unwrap();
    assert_eq!(r.problem.unwrap().damage, Damage::Truncated);

    // The lock of the "crashed" writer is still held by this process's leaked file, so
    // the next writer takes slot 1; free slot 0 the way a dead process would.
    let lock = dir.join("audit.w0.lock");
    fs::remove_file(&lock).unwrap();
    let mut w = Writer::open(o.clone()).unwrap();
    assert_eq!(w.slot(), 0);
    w.close().unwrap();
    drop(w);
    let k = kinds(&o);
    let at = k.iter().position(|k| k == "recovery").unwrap();
    assert_eq!(k[at + 1], "log-start");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"torn-bytes\":19"), "{text}");
    assert!(text.contains("\"unclean\":true"), "{text}");
    let torn = fs::read_to_string(path.with_extension("jsonl.torn")).unwrap();
    assert!(torn.starts_with("{\"seq\":6"));
    let r = verify(&verify_opts(&o)).unwrap();
    assert_eq!(r.problem, None);
}

#[test]
fn a_second_writer_takes_the_next_slot_and_both_verify() {
    let (dir, keys) = dirs("slots");
    let o = WriterOptions::new(&dir, &keys);
    let mut a = Writer::open(o.clone()).unwrap();
    let mut b = Writer::open(o.clone()).unwrap();
    assert_eq!((a.slot(), b.slot()), (0, 1));
    for i in 0..50 {
        a.append("aid", &serde_json::json!({"i": i})).unwrap();
        b.append("aid", &serde_json::json!({"i": i})).unwrap();
    }
    a.close().unwrap();
    b.close().unwrap();
    drop((a, b));
    let r = verify(&verify_opts(&o)).unwrap();
    assert_eq!(r.problem, None);
    assert_eq!(r.slots.len(), 2);
    assert!(r.slots.iter().all(|s| s.records > 50 && s.checkpoints >= 1));
    // Once the first is gone its slot is free again, and its chain goes on.
    let w = Writer::open(o.clone()).unwrap();
    assert_eq!(w.slot(), 0);
    assert!(w.seq() > 50);
}

#[test]
fn a_clean_close_needs_no_recovery() {
    let (dir, keys) = dirs("clean");
    let o = WriterOptions::new(&dir, &keys);
    drop(Writer::open(o.clone()).unwrap());
    drop(Writer::open(o.clone()).unwrap());
    assert!(!kinds(&o).contains(&"recovery".to_owned()));
}

fn age(path: &Path, days: u64) {
    let f = OpenOptions::new().append(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(days * 86_400))
        .unwrap();
}

#[test]
fn retention_deletes_or_archives_old_files_and_verify_still_passes() {
    for archive in [false, true] {
        let (dir, keys) = dirs(if archive { "archive" } else { "retain" });
        let mut o = WriterOptions::new(&dir, &keys);
        o.rotate_bytes = 1_000;
        o.keep_days = 30;
        if archive {
            o.archive_dir = Some(dir.with_file_name("archive"));
        }
        let mut w = Writer::open(o.clone()).unwrap();
        for i in 0..40 {
            w.append("aid", &serde_json::json!({"text": format!("entry {i}")}))
                .unwrap();
        }
        w.close().unwrap();
        drop(w);
        let files = list(&dir).unwrap();
        assert!(files.len() >= 4);
        age(&files[0].1, 31);
        age(&files[1].1, 31);
        drop(Writer::open(o.clone()).unwrap());
        let left = list(&dir).unwrap();
        for gone in &files[..2] {
            assert!(!left.contains(gone), "{} is still there", gone.1.display());
        }
        assert!(left.contains(&files[2]));
        let k = kinds(&o);
        assert_eq!(k.iter().filter(|k| *k == "retention").count(), 2);
        if archive {
            let a = list(o.archive_dir.as_ref().unwrap()).unwrap();
            assert_eq!(a.len(), 2);
            assert!(a.iter().all(|(f, _)| f.gz));
        }
        let r = verify(&verify_opts(&o)).unwrap();
        assert_eq!(r.problem, None, "archive={archive}");
    }
}

#[test]
fn daily_rotation_starts_a_new_file_chained_to_the_last() {
    let (dir, keys) = dirs("daily");
    let o = WriterOptions::new(&dir, &keys);
    let mut w = Writer::open(o.clone()).unwrap();
    w.append("aid", &serde_json::json!({})).unwrap();
    // Pretend the file was started yesterday.
    w.date = "1999-12-31".to_owned();
    w.append("aid", &serde_json::json!({})).unwrap();
    w.close().unwrap();
    drop(w);
    assert_eq!(list(&dir).unwrap().len(), 2);
    assert_eq!(verify(&verify_opts(&o)).unwrap().problem, None);
}

#[test]
fn a_seed_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, keys) = dirs("perm");
    let o = WriterOptions::new(&dir, &keys);
    drop(Writer::open(o.clone()).unwrap());
    let seed = o.key_dir.join("seed");
    assert_eq!(
        fs::metadata(&seed).unwrap().permissions().mode() & 0o777,
        0o600
    );
    fs::set_permissions(&seed, fs::Permissions::from_mode(0o644)).unwrap();
    let e = Writer::open(o.clone()).unwrap_err().to_string();
    assert!(e.contains("readable by others"), "{e}");
}
