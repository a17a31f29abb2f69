//! `r3270 audit verify`: check every slot's chain, its checkpoints and their mirrors.
//!
//! Lines are checked as bytes: the head (`seq`, `prev`, `kind`) is read at its fixed place
//! and `prev` is compared with the SHA-256 of the previous line as it is on disk. The first
//! problem found is named with its file, line and seq and the kind of damage
//! ([`Damage`]); verification stops there, because whatever follows an edit cannot be
//! told apart from more edits.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::AuditError;
use super::chain::{EpochKey, GENESIS, Hash, hex, line_hash, parse_hex, prefix};
use super::writer::{LogFile, Mirror, field_u64, list, load_seed, read_file, read_mirror};

/// The kind of damage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Damage {
    /// A line's bytes changed.
    Edited,
    /// Lines are missing from the middle of a file.
    Deleted,
    /// A line that was never written by the writer is there.
    Inserted,
    /// Lines are out of order.
    Reordered,
    /// The end of the log is gone (or the last line is cut short).
    Truncated,
    /// A whole file is gone.
    MissingFile,
    /// A checkpoint's tag, epoch or mirror does not match.
    BadCheckpoint,
}

impl Damage {
    pub fn name(self) -> &'static str {
        match self {
            Damage::Edited => "edited",
            Damage::Deleted => "deleted",
            Damage::Inserted => "inserted",
            Damage::Reordered => "reordered",
            Damage::Truncated => "truncated",
            Damage::MissingFile => "missing file",
            Damage::BadCheckpoint => "bad checkpoint",
        }
    }
}

/// The first problem found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based line in `file` (0 when the problem is the file itself).
    pub line: u64,
    pub seq: Option<u64>,
    pub damage: Damage,
    pub detail: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if let Some(s) = self.seq {
            write!(f, ": seq {s}")?;
        }
        write!(f, ": {}: {}", self.damage.name(), self.detail)
    }
}

/// What was checked in one slot.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SlotSummary {
    pub slot: u32,
    pub files: usize,
    pub records: u64,
    pub checkpoints: u64,
    pub last_seq: u64,
    /// The seq of the last checkpoint whose tag was checked.
    pub verified_through: u64,
}

/// The result of a verification.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub slots: Vec<SlotSummary>,
    pub bytes: u64,
    pub problem: Option<Problem>,
}

/// Where to look.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyOptions {
    pub dir: PathBuf,
    pub archive_dir: Option<PathBuf>,
    /// The key directory of this log directory (`writer::key_dir_for`).
    pub key_dir: PathBuf,
}

/// Verify every slot of a log directory (and its archive).
pub fn verify(opts: &VerifyOptions) -> Result<VerifyReport, AuditError> {
    let mut files = list(&opts.dir)?;
    if let Some(a) = &opts.archive_dir {
        for (f, p) in list(a)? {
            // A file both archived and still in place (a crash between the two): the
            // plain one is read.
            if !files
                .iter()
                .any(|(g, _)| g.slot == f.slot && g.first_seq == f.first_seq)
            {
                files.push((f, p));
            }
        }
    }
    files.sort();
    let mut report = VerifyReport::default();
    if files.is_empty() {
        return Ok(report);
    }
    let seed = load_seed(&opts.key_dir, false)?;
    let mut slots: Vec<u32> = files.iter().map(|(f, _)| f.slot).collect();
    slots.dedup();
    for slot in slots {
        let mine: Vec<_> = files.iter().filter(|(f, _)| f.slot == slot).collect();
        let mirror = read_mirror(&opts.key_dir, slot)?;
        let mut summary = SlotSummary {
            slot,
            files: mine.len(),
            ..SlotSummary::default()
        };
        let problem = verify_slot(
            &seed,
            slot,
            &mine,
            mirror.as_ref(),
            &opts.key_dir,
            &mut summary,
            &mut report.bytes,
        )?;
        report.slots.push(summary);
        if problem.is_some() {
            report.problem = problem;
            break;
        }
    }
    Ok(report)
}

#[allow(clippy::unnecessary_wraps)] // every caller returns `Option<Problem>`
fn problem(
    file: &Path,
    line: u64,
    seq: Option<u64>,
    damage: Damage,
    detail: String,
) -> Option<Problem> {
    Some(Problem {
        file: file.to_owned(),
        line,
        seq,
        damage,
        detail,
    })
}

/// Hashes vouched for by retention records: the last line of each deleted file, with its seq.
fn vouched(files: &[&(LogFile, PathBuf)]) -> Result<HashMap<Hash, u64>, AuditError> {
    let mut out = HashMap::new();
    for (_, path) in files {
        let content = read_file(path)?;
        for line in content.split(|&b| b == b'\n') {
            if prefix(line).is_some_and(|p| p.kind == "retention") {
                let v: serde_json::Value = serde_json::from_slice(line).unwrap_or_default();
                if let (Some(h), Some(s)) = (
                    v.get("last-hash")
                        .and_then(|h| h.as_str())
                        .and_then(parse_hex),
                    v.get("last-seq").and_then(serde_json::Value::as_u64),
                ) {
                    out.insert(h, s);
                }
            }
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn verify_slot(
    seed: &[u8],
    slot: u32,
    files: &[&(LogFile, PathBuf)],
    mirror: Option<&Mirror>,
    key_dir: &Path,
    summary: &mut SlotSummary,
    bytes: &mut u64,
) -> Result<Option<Problem>, AuditError> {
    // (next seq, hash of the last line, where that line is)
    let mut expect: Option<(u64, Hash, PathBuf, u64)> = None;
    let mut key: Option<EpochKey> = None;
    let mut mirror_seen: Option<(Hash, String)> = None;
    let last_file = files.len().saturating_sub(1);
    for (fi, (lf, path)) in files.iter().enumerate() {
        let content = read_file(path)?;
        *bytes += content.len() as u64;
        let mut lines: Vec<&[u8]> = content.split(|&b| b == b'\n').collect();
        let torn = lines.pop().filter(|l| !l.is_empty());
        for (i, &line) in lines.iter().enumerate() {
            let lineno = i as u64 + 1;
            let Some(p) = prefix(line) else {
                let next = lines.get(i + 1).and_then(|l| prefix(l));
                if let (Some(n), Some((seq, prev, _, _))) = (next, &expect) {
                    if n.seq == *seq && n.prev == *prev {
                        return Ok(problem(
                            path,
                            lineno,
                            None,
                            Damage::Inserted,
                            "this line is not part of the chain: the next line follows the one before it"
                                .into(),
                        ));
                    }
                }
                let seq = expect.as_ref().map(|e| e.0);
                return Ok(problem(
                    path,
                    lineno,
                    seq,
                    Damage::Edited,
                    "not a well-formed record".into(),
                ));
            };
            match &expect {
                None => {
                    if p.kind != "file-start" {
                        return Ok(problem(
                            path,
                            lineno,
                            Some(p.seq),
                            Damage::MissingFile,
                            format!(
                                "the chain starts with a `{}` record, not at the start of a file",
                                p.kind
                            ),
                        ));
                    }
                    let epoch = field_u64(line, "epoch").unwrap_or(0);
                    let ok = if p.seq == 1 {
                        p.prev == GENESIS && epoch == 0
                    } else {
                        vouched(files)?.get(&p.prev) == Some(&(p.seq - 1))
                    };
                    if !ok {
                        return Ok(problem(
                            path,
                            lineno,
                            Some(p.seq),
                            Damage::MissingFile,
                            format!(
                                "the chain starts at seq {}: the records before it are gone and no retention record accounts for them",
                                p.seq
                            ),
                        ));
                    }
                    key = Some(EpochKey::at(seed, slot, epoch));
                }
                Some((seq, prev, prev_path, prev_line)) => {
                    if p.seq != *seq && p.prev == *prev {
                        return Ok(problem(
                            path,
                            lineno,
                            Some(p.seq),
                            Damage::Edited,
                            format!(
                                "its seq was changed (it follows seq {} but is not seq {seq})",
                                seq - 1
                            ),
                        ));
                    }
                    if i == 0 && p.seq > *seq {
                        return Ok(problem(
                            path,
                            0,
                            Some(*seq),
                            Damage::MissingFile,
                            format!(
                                "seq {seq} to {} are missing: a file between {} and {} was deleted",
                                p.seq - 1,
                                prev_path.file_name().unwrap_or_default().to_string_lossy(),
                                lf.name()
                            ),
                        ));
                    }
                    if p.seq > *seq {
                        let later = lines[i + 1..]
                            .iter()
                            .any(|l| prefix(l).is_some_and(|q| q.seq == *seq));
                        return Ok(if later {
                            problem(
                                path,
                                lineno,
                                Some(p.seq),
                                Damage::Reordered,
                                format!("seq {} comes before seq {seq}", p.seq),
                            )
                        } else {
                            problem(
                                path,
                                lineno,
                                Some(*seq),
                                Damage::Deleted,
                                if p.seq - 1 > *seq {
                                    format!(
                                        "seq {seq} to {} are missing before this line",
                                        p.seq - 1
                                    )
                                } else {
                                    format!("seq {seq} is missing before this line")
                                },
                            )
                        });
                    }
                    if p.seq < *seq {
                        return Ok(problem(
                            path,
                            lineno,
                            Some(p.seq),
                            Damage::Inserted,
                            format!(
                                "seq {} again after seq {}: this line was inserted",
                                p.seq,
                                seq - 1
                            ),
                        ));
                    }
                    if p.prev != *prev {
                        return Ok(problem(
                            prev_path,
                            *prev_line,
                            Some(seq - 1),
                            Damage::Edited,
                            format!("the next record (seq {seq}) names another hash for this line"),
                        ));
                    }
                }
            }
            let k = key.as_mut();
            match (p.kind, k) {
                ("checkpoint", Some(k)) => {
                    let v: serde_json::Value = serde_json::from_slice(line).unwrap_or_default();
                    let epoch = v.get("epoch").and_then(serde_json::Value::as_u64);
                    let tag = v.get("tag").and_then(|t| t.as_str()).and_then(parse_hex);
                    if epoch != Some(k.epoch()) {
                        return Ok(problem(
                            path,
                            lineno,
                            Some(p.seq),
                            Damage::BadCheckpoint,
                            format!(
                                "it names epoch {}, but the next checkpoint's epoch is {} (a key of another epoch)",
                                epoch.map_or_else(|| "none".to_owned(), |e| e.to_string()),
                                k.epoch()
                            ),
                        ));
                    }
                    if !tag.is_some_and(|t| k.check(p.seq, &p.prev, &t)) {
                        return Ok(problem(
                            path,
                            lineno,
                            Some(p.seq),
                            Damage::BadCheckpoint,
                            format!("its tag is not epoch {}'s tag for this chain", k.epoch()),
                        ));
                    }
                    k.evolve();
                    summary.checkpoints += 1;
                    summary.verified_through = p.seq;
                }
                ("file-start", Some(k)) => {
                    let epoch = field_u64(line, "epoch");
                    if epoch != Some(k.epoch()) {
                        return Ok(problem(
                            path,
                            lineno,
                            Some(p.seq),
                            Damage::BadCheckpoint,
                            format!("the file starts at epoch {epoch:?}, expected {}", k.epoch()),
                        ));
                    }
                }
                _ => {}
            }
            let h = line_hash(line);
            if mirror.is_some_and(|m| m.seq == p.seq) {
                mirror_seen = Some((h, lf.name()));
            }
            summary.records += 1;
            summary.last_seq = p.seq;
            expect = Some((p.seq + 1, h, path.clone(), lineno));
        }
        if let Some(t) = torn {
            let lineno = lines.len() as u64 + 1;
            let seq = expect.as_ref().map(|e| e.0);
            return Ok(if fi == last_file {
                problem(
                    path,
                    lineno,
                    seq,
                    Damage::Truncated,
                    format!(
                        "the last line is cut short ({} bytes, no newline): a crash or a cut; the next r3270 start moves it aside and records that",
                        t.len()
                    ),
                )
            } else {
                problem(
                    path,
                    lineno,
                    seq,
                    Damage::Edited,
                    "a line without its newline in the middle of the chain".into(),
                )
            });
        }
    }
    let Some(m) = mirror else {
        if summary.checkpoints > 0 {
            let path = super::writer::mirror_path(key_dir, slot);
            return Ok(problem(
                &path,
                0,
                None,
                Damage::BadCheckpoint,
                "the log has checkpoints but their mirror outside the log directory is gone".into(),
            ));
        }
        return Ok(None);
    };
    let last = files.last().map(|(_, p)| p.clone()).unwrap_or_default();
    match mirror_seen {
        None if summary.last_seq < m.seq => {
            if files.iter().any(|(f, _)| {
                f.name() == m.file
                    || LogFile::parse(&m.file).is_some_and(|g| g.first_seq == f.first_seq)
            }) {
                Ok(problem(
                    &last,
                    0,
                    Some(summary.last_seq),
                    Damage::Truncated,
                    format!(
                        "the log ends at seq {}, but the last checkpoint (mirrored outside the log directory) is seq {} in {}",
                        summary.last_seq, m.seq, m.file
                    ),
                ))
            } else {
                Ok(problem(
                    &last.with_file_name(&m.file),
                    0,
                    Some(m.seq),
                    Damage::MissingFile,
                    format!(
                        "{} is gone: it held the last checkpoint (seq {}), and the log now ends at seq {}",
                        m.file, m.seq, summary.last_seq
                    ),
                ))
            }
        }
        Some((h, _)) if hex(&h) != m.hash => Ok(problem(
            &last,
            0,
            Some(m.seq),
            Damage::BadCheckpoint,
            format!(
                "checkpoint seq {} differs from its mirror outside the log directory",
                m.seq
            ),
        )),
        None | Some(_) => Ok(None),
    }
}
