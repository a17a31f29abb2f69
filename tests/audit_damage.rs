//! Every kind of damage to the audit log makes `r3270 audit verify` fail, exit 1, and name
//! the file, line, seq and kind: a flipped byte (edited), a deleted line, two lines
//! swapped (reordered), an inserted line, a cut-off tail (truncated), a deleted rotated file
//! (missing file), and a checkpoint forged with a later epoch's key (bad checkpoint), even
//! when the forger re-chains every line after an edit and rewrites the mirror. The log is
//! written by r3270's own writer; the checks run the built binary.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use r3270::audit::SyncMode;
use r3270::audit::chain::{EpochKey, build_line, hex, line_hash, prefix};
use r3270::audit::writer::{LogFile, Mirror, Writer, WriterOptions, list, mirror_path};

struct Log {
    dir: PathBuf,
    key_root: PathBuf,
    opts: WriterOptions,
}

/// A closed log of `n` AID-like records, rotated every ~2 KB and checkpointed every 4.
fn write_log(n: u64) -> Log {
    let base = common::temp_dir("audit-damage");
    let dir = base.join("log");
    let key_root = base.join("keys");
    let mut opts = WriterOptions::new(&dir, &key_root);
    opts.rotate_bytes = 2_000;
    opts.checkpoint_every = 4;
    opts.sync = SyncMode::Os;
    let mut w = Writer::open(opts.clone()).unwrap();
    for i in 0..n {
        w.append(
            "aid",
            &serde_json::json!({"session": "t", "key": "Enter", "fields": [{"row": 5, "col": 10, "text": format!("record {i}")}]}),
        )
        .unwrap();
    }
    w.close().unwrap();
    drop(w);
    Log {
        dir,
        key_root,
        opts,
    }
}

impl Log {
    fn files(&self) -> Vec<PathBuf> {
        list(&self.dir)
            .unwrap()
            .into_iter()
            .map(|(_, p)| p)
            .collect()
    }

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn write(path: &Path, lines: &[String]) {
        let mut text = lines.join("\n");
        text.push('\n');
        std::fs::write(path, text).unwrap();
    }

    /// `r3270 audit verify` on this log: (exit code, stderr).
    fn verify(&self) -> (Option<i32>, String) {
        let out = common::r3270_command()
            .args(["audit", "verify", "--dir"])
            .arg(&self.dir)
            .arg("--key-dir")
            .arg(&self.key_root)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn assert_damage(&self, file: &Path, line: Option<usize>, kind: &str) -> String {
        let (code, err) = self.verify();
        assert_eq!(code, Some(1), "verify passed a damaged log:\n{err}");
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(err.contains(&name), "{name} not named:\n{err}");
        if let Some(l) = line {
            assert!(
                err.contains(&format!("{name}:{l}:")),
                "line {l} not named:\n{err}"
            );
        }
        assert!(err.contains(&format!(": {kind}: ")), "not `{kind}`:\n{err}");
        eprintln!("{err}");
        err
    }
}

#[test]
fn an_intact_log_verifies() {
    let log = write_log(60);
    assert!(
        log.files().len() >= 3,
        "expected rotation: {:?}",
        log.files()
    );
    let (code, err) = log.verify();
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn a_flipped_byte_is_an_edit() {
    let log = write_log(30);
    let f = &log.files()[0];
    let mut lines = Log::lines(f);
    // Flip one byte of the text of line 5's record.
    lines[4] = lines[4].replacen("record", "recorD", 1);
    Log::write(f, &lines);
    let err = log.assert_damage(f, Some(5), "edited");
    assert!(err.contains("seq 5"), "{err}");
}

#[test]
fn a_changed_seq_is_an_edit() {
    let log = write_log(30);
    let f = &log.files()[0];
    let mut lines = Log::lines(f);
    lines[5] = lines[5].replacen("{\"seq\":6,", "{\"seq\":9,", 1);
    Log::write(f, &lines);
    log.assert_damage(f, Some(6), "edited");
}

#[test]
fn a_deleted_line_is_named() {
    let log = write_log(30);
    let f = &log.files()[0];
    let mut lines = Log::lines(f);
    lines.remove(5);
    Log::write(f, &lines);
    let err = log.assert_damage(f, Some(6), "deleted");
    assert!(err.contains("seq 6"), "{err}");
}

#[test]
fn swapped_lines_are_reordered() {
    let log = write_log(30);
    let f = &log.files()[0];
    let mut lines = Log::lines(f);
    lines.swap(4, 5);
    Log::write(f, &lines);
    log.assert_damage(f, Some(5), "reordered");
}

#[test]
fn an_inserted_line_is_named() {
    let log = write_log(30);
    let f = &log.files()[0];
    let mut lines = Log::lines(f);
    // A copy of an earlier record, and (another run) a made-up one.
    let copy = lines[2].clone();
    lines.insert(6, copy);
    Log::write(f, &lines);
    log.assert_damage(f, Some(7), "inserted");

    let log = write_log(30);
    let f = &log.files()[0];
    let mut lines = Log::lines(f);
    lines.insert(
        6,
        r#"{"kind":"aid","key":"Enter","note":"made up"}"#.to_owned(),
    );
    Log::write(f, &lines);
    log.assert_damage(f, Some(7), "inserted");
}

#[test]
fn a_cut_tail_is_truncated() {
    let log = write_log(30);
    let files = log.files();
    let f = files.last().unwrap();
    let mut lines = Log::lines(f);
    lines.truncate(lines.len() - 3);
    Log::write(f, &lines);
    log.assert_damage(f, None, "truncated");

    // Cut in the middle of the last line.
    let log = write_log(30);
    let files = log.files();
    let f = files.last().unwrap();
    let text = std::fs::read(f).unwrap();
    std::fs::write(f, &text[..text.len() - 20]).unwrap();
    log.assert_damage(f, None, "truncated");
}

#[test]
fn a_deleted_rotated_file_is_a_missing_file() {
    let log = write_log(60);
    let files = log.files();
    assert!(files.len() >= 3);
    std::fs::remove_file(&files[1]).unwrap();
    let err = log.assert_damage(&files[2], None, "missing file");
    let gone = files[1].file_name().unwrap().to_string_lossy().into_owned();
    let before = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(err.contains(&before), "{gone} between? {err}");

    // The first file, and the newest one.
    let log = write_log(60);
    let files = log.files();
    std::fs::remove_file(&files[0]).unwrap();
    log.assert_damage(&files[1], None, "missing file");
    let log = write_log(60);
    let files = log.files();
    std::fs::remove_file(files.last().unwrap()).unwrap();
    log.assert_damage(files.last().unwrap(), None, "missing file");
}

/// Given a checkpoint's seq and prev, the epoch and tag a forger writes.
type Forge<'a> = dyn FnMut(u64, &[u8; 32]) -> (u64, String) + 'a;

/// Re-chain `lines` from index `from` on: every `prev` recomputed, every checkpoint's tag
/// recomputed by `forge` (given the checkpoint's seq and prev, it returns the epoch and the
/// tag to write), as a forger who knows the format would.
fn rechain(lines: &mut [String], from: usize, forge: &mut Forge<'_>) {
    for i in from..lines.len() {
        let prev = if i == 0 {
            [0; 32]
        } else {
            line_hash(lines[i - 1].as_bytes())
        };
        let p = prefix(lines[i].as_bytes()).unwrap();
        let (seq, ts, kind) = (p.seq, p.ts.to_owned(), p.kind.to_owned());
        let v: serde_json::Value = serde_json::from_str(&lines[i]).unwrap();
        let mut body = v.as_object().unwrap().clone();
        for k in ["seq", "prev", "ts", "kind"] {
            body.remove(k);
        }
        if kind == "checkpoint" {
            let (epoch, tag) = forge(seq, &prev);
            body.insert("epoch".into(), epoch.into());
            body.insert("tag".into(), tag.into());
        }
        let body = serde_json::Value::Object(body).to_string();
        lines[i] = String::from_utf8(build_line(seq, &prev, &ts, &kind, &body)).unwrap();
    }
}

#[test]
fn a_checkpoint_forged_with_a_later_epochs_key_is_bad() {
    for label_with_later_epoch in [false, true] {
        let log = write_log(14);
        let files = log.files();
        let f = files.last().unwrap();
        let mut lines = Log::lines(f);
        // The forger edits a record before the last checkpoint, re-chains the rest and
        // re-tags the checkpoints after it with a key stolen at a later epoch.
        let first_seq = LogFile::parse(&f.file_name().unwrap().to_string_lossy())
            .unwrap()
            .first_seq;
        let at = lines
            .iter()
            .position(|l| l.contains("\"kind\":\"aid\""))
            .unwrap();
        lines[at] = lines[at].replacen("record", "RECORD", 1);
        let seed = hex::decode(
            std::fs::read_to_string(log.opts.key_dir.join("seed"))
                .unwrap()
                .trim(),
        )
        .unwrap();
        // The epoch the writer had reached when the log closed, plus one: a key the forger
        // could only have taken from a later, running writer.
        let closed_epoch = lines
            .iter()
            .filter_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).ok()?;
                v.get("epoch")?.as_u64()
            })
            .max()
            .unwrap();
        let stolen = EpochKey::at(&seed, 0, closed_epoch + 1);
        let mut next_epoch = lines
            .iter()
            .find_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).ok()?;
                (v["kind"] == "file-start").then(|| v["epoch"].as_u64().unwrap())
            })
            .unwrap();
        let mut forged_line = None;
        rechain(&mut lines, at, &mut |seq, prev| {
            let named = if label_with_later_epoch {
                stolen.epoch()
            } else {
                next_epoch
            };
            next_epoch += 1;
            forged_line.get_or_insert(seq);
            (named, hex(&stolen.tag(seq, prev)))
        });
        Log::write(f, &lines);
        // The mirror is rewritten too (the worst case): only the tag check is left.
        let last = lines.last().unwrap();
        let p = prefix(last.as_bytes()).unwrap();
        let v: serde_json::Value = serde_json::from_str(last).unwrap();
        let m = Mirror {
            file: f.file_name().unwrap().to_string_lossy().into_owned(),
            line: lines.len() as u64,
            seq: p.seq,
            epoch: v["epoch"].as_u64().unwrap(),
            hash: hex(&line_hash(last.as_bytes())),
        };
        std::fs::write(
            mirror_path(&log.opts.key_dir, 0),
            serde_json::to_string(&m).unwrap(),
        )
        .unwrap();
        let seq = forged_line.unwrap();
        let line = usize::try_from(seq - first_seq).unwrap() + 1;
        let err = log.assert_damage(f, Some(line), "bad checkpoint");
        assert!(err.contains(&format!("seq {seq}")), "{err}");
        if label_with_later_epoch {
            assert!(err.contains("another epoch"), "{err}");
        }
    }
}

#[test]
fn verify_without_the_key_cannot_check_and_exits_2() {
    let log = write_log(5);
    std::fs::remove_file(log.opts.key_dir.join("seed")).unwrap();
    let (code, err) = log.verify();
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("seed"), "{err}");
}
