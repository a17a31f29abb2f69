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
use super::chain::{EpochKey, GENESIS, Hash, Prefix, hex, line_hash, parse_hex, prefix};
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
        let mut check = SlotCheck {
            seed: &seed,
            slot,
            files: &mine,
            mirror: mirror.as_ref(),
            expect: None,
            key: None,
            mirror_seen: None,
            summary: SlotSummary {
                slot,
                files: mine.len(),
                ..SlotSummary::default()
            },
            bytes: 0,
        };
        let problem = check.run(&opts.key_dir)?;
        report.bytes += check.bytes;
        let summary = check.summary;
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

/// Where the chain stands: the next seq, the hash of the last line, and where that line is.
struct Expect {
    seq: u64,
    prev: Hash,
    /// The index of its file in the slot's files.
    file: usize,
    line: u64,
}

/// One slot's verification, file by file and line by line.
struct SlotCheck<'a> {
    seed: &'a [u8],
    slot: u32,
    files: &'a [&'a (LogFile, PathBuf)],
    mirror: Option<&'a Mirror>,
    expect: Option<Expect>,
    key: Option<EpochKey>,
    /// The hash of the line the mirror names, once passed.
    mirror_seen: Option<Hash>,
    summary: SlotSummary,
    bytes: u64,
}

/// A line in its file, for the checks.
struct At<'a> {
    path: &'a Path,
    line: u64,
}

impl At<'_> {
    fn problem(&self, seq: Option<u64>, damage: Damage, detail: String) -> Option<Problem> {
        problem(self.path, self.line, seq, damage, detail)
    }
}

impl SlotCheck<'_> {
    fn run(&mut self, key_dir: &Path) -> Result<Option<Problem>, AuditError> {
        for fi in 0..self.files.len() {
            if let Some(p) = self.check_file(fi)? {
                return Ok(Some(p));
            }
        }
        Ok(self.check_mirror(key_dir))
    }

    fn check_file(&mut self, fi: usize) -> Result<Option<Problem>, AuditError> {
        let (lf, path) = self.files[fi];
        let content = read_file(path)?;
        self.bytes += content.len() as u64;
        let mut lines: Vec<&[u8]> = content.split(|&b| b == b'\n').collect();
        let torn = lines.pop().filter(|l| !l.is_empty());
        for (i, &line) in lines.iter().enumerate() {
            let at = At {
                path,
                line: i as u64 + 1,
            };
            let Some(p) = prefix(line) else {
                return Ok(self.malformed(&lines, i, &at));
            };
            let found = if self.expect.is_none() {
                self.check_first(&p, line, &at)?
            } else {
                self.check_sequence(&p, &lines[i + 1..], i == 0, lf, &at)
            };
            if found.is_some() {
                return Ok(found);
            }
            if let Some(found) = self.check_keyed(&p, line, &at) {
                return Ok(Some(found));
            }
            let h = line_hash(line);
            if self.mirror.is_some_and(|m| m.seq == p.seq) {
                self.mirror_seen = Some(h);
            }
            self.summary.records += 1;
            self.summary.last_seq = p.seq;
            self.expect = Some(Expect {
                seq: p.seq + 1,
                prev: h,
                file: fi,
                line: at.line,
            });
        }
        let Some(t) = torn else {
            return Ok(None);
        };
        let at = At {
            path,
            line: lines.len() as u64 + 1,
        };
        let seq = self.expect.as_ref().map(|e| e.seq);
        Ok(if fi + 1 == self.files.len() {
            at.problem(
                seq,
                Damage::Truncated,
                format!(
                    "the last line is cut short ({} bytes, no newline): a crash or a cut; the next r3270 start moves it aside and records that",
                    t.len()
                ),
            )
        } else {
            at.problem(
                seq,
                Damage::Edited,
                "a line without its newline in the middle of the chain".into(),
            )
        })
    }

    /// A line that is not a record: inserted when the next line follows the one before it,
    /// else edited.
    fn malformed(&self, lines: &[&[u8]], i: usize, at: &At<'_>) -> Option<Problem> {
        let next = lines.get(i + 1).and_then(|l| prefix(l));
        if let (Some(n), Some(e)) = (next, &self.expect) {
            if n.seq == e.seq && n.prev == e.prev {
                return at.problem(
                    None,
                    Damage::Inserted,
                    "this line is not part of the chain: the next line follows the one before it"
                        .into(),
                );
            }
        }
        at.problem(
            self.expect.as_ref().map(|e| e.seq),
            Damage::Edited,
            "not a well-formed record".into(),
        )
    }

    /// The first line of the slot: a file start at seq 1 (epoch 0, `prev` zero), or after
    /// files a retention record accounts for.
    fn check_first(
        &mut self,
        p: &Prefix<'_>,
        line: &[u8],
        at: &At<'_>,
    ) -> Result<Option<Problem>, AuditError> {
        if p.kind != "file-start" {
            return Ok(at.problem(
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
            vouched(self.files)?.get(&p.prev) == Some(&(p.seq - 1))
        };
        if !ok {
            return Ok(at.problem(
                Some(p.seq),
                Damage::MissingFile,
                format!(
                    "the chain starts at seq {}: the records before it are gone and no retention record accounts for them",
                    p.seq
                ),
            ));
        }
        self.key = Some(EpochKey::at(self.seed, self.slot, epoch));
        Ok(None)
    }

    /// `seq` and `prev` against the chain so far.
    fn check_sequence(
        &self,
        p: &Prefix<'_>,
        rest: &[&[u8]],
        first_in_file: bool,
        lf: &LogFile,
        at: &At<'_>,
    ) -> Option<Problem> {
        let e = self.expect.as_ref()?;
        let seq = e.seq;
        if p.seq != seq && p.prev == e.prev {
            return at.problem(
                Some(p.seq),
                Damage::Edited,
                format!(
                    "its seq was changed (it follows seq {} but is not seq {seq})",
                    seq - 1
                ),
            );
        }
        if first_in_file && p.seq > seq {
            return problem(
                at.path,
                0,
                Some(seq),
                Damage::MissingFile,
                format!(
                    "seq {seq} to {} are missing: a file between {} and {} was deleted",
                    p.seq - 1,
                    self.files[e.file]
                        .1
                        .file_name()
                        .unwrap_or_default()
                        .to_string_lossy(),
                    lf.name()
                ),
            );
        }
        if p.seq > seq {
            let later = rest.iter().any(|l| prefix(l).is_some_and(|q| q.seq == seq));
            if later {
                return at.problem(
                    Some(p.seq),
                    Damage::Reordered,
                    format!("seq {} comes before seq {seq}", p.seq),
                );
            }
            let what = if p.seq - 1 > seq {
                format!("seq {seq} to {} are missing before this line", p.seq - 1)
            } else {
                format!("seq {seq} is missing before this line")
            };
            return at.problem(Some(seq), Damage::Deleted, what);
        }
        if p.seq < seq {
            return at.problem(
                Some(p.seq),
                Damage::Inserted,
                format!(
                    "seq {} again after seq {}: this line was inserted",
                    p.seq,
                    seq - 1
                ),
            );
        }
        if p.prev != e.prev {
            return problem(
                &self.files[e.file].1,
                e.line,
                Some(seq - 1),
                Damage::Edited,
                format!("the next record (seq {seq}) names another hash for this line"),
            );
        }
        None
    }

    /// Checkpoints (epoch in order, the tag of that epoch's key) and file starts (the
    /// epoch they carry).
    fn check_keyed(&mut self, p: &Prefix<'_>, line: &[u8], at: &At<'_>) -> Option<Problem> {
        let k = self.key.as_mut()?;
        match p.kind {
            "checkpoint" => {
                let v: serde_json::Value = serde_json::from_slice(line).unwrap_or_default();
                let epoch = v.get("epoch").and_then(serde_json::Value::as_u64);
                let tag = v.get("tag").and_then(|t| t.as_str()).and_then(parse_hex);
                if epoch != Some(k.epoch()) {
                    return at.problem(
                        Some(p.seq),
                        Damage::BadCheckpoint,
                        format!(
                            "it names epoch {}, but the next checkpoint's epoch is {} (a key of another epoch)",
                            epoch.map_or_else(|| "none".to_owned(), |e| e.to_string()),
                            k.epoch()
                        ),
                    );
                }
                if !tag.is_some_and(|t| k.check(p.seq, &p.prev, &t)) {
                    return at.problem(
                        Some(p.seq),
                        Damage::BadCheckpoint,
                        format!("its tag is not epoch {}'s tag for this chain", k.epoch()),
                    );
                }
                k.evolve();
                self.summary.checkpoints += 1;
                self.summary.verified_through = p.seq;
                None
            }
            "file-start" => {
                let epoch = field_u64(line, "epoch");
                (epoch != Some(k.epoch())).then(|| Problem {
                    file: at.path.to_owned(),
                    line: at.line,
                    seq: Some(p.seq),
                    damage: Damage::BadCheckpoint,
                    detail: format!("the file starts at epoch {epoch:?}, expected {}", k.epoch()),
                })
            }
            _ => None,
        }
    }

    /// The log must hold the checkpoint mirrored outside the log directory.
    fn check_mirror(&self, key_dir: &Path) -> Option<Problem> {
        let summary = &self.summary;
        let Some(m) = self.mirror else {
            if summary.checkpoints > 0 {
                let path = super::writer::mirror_path(key_dir, self.slot);
                return problem(
                    &path,
                    0,
                    None,
                    Damage::BadCheckpoint,
                    "the log has checkpoints but their mirror outside the log directory is gone"
                        .into(),
                );
            }
            return None;
        };
        let last = self
            .files
            .last()
            .map(|(_, p)| p.clone())
            .unwrap_or_default();
        match self.mirror_seen {
            None if summary.last_seq < m.seq => {
                let present = self.files.iter().any(|(f, _)| {
                    f.name() == m.file
                        || LogFile::parse(&m.file).is_some_and(|g| g.first_seq == f.first_seq)
                });
                if present {
                    problem(
                        &last,
                        0,
                        Some(summary.last_seq),
                        Damage::Truncated,
                        format!(
                            "the log ends at seq {}, but the last checkpoint (mirrored outside the log directory) is seq {} in {}",
                            summary.last_seq, m.seq, m.file
                        ),
                    )
                } else {
                    problem(
                        &last.with_file_name(&m.file),
                        0,
                        Some(m.seq),
                        Damage::MissingFile,
                        format!(
                            "{} is gone: it held the last checkpoint (seq {}), and the log now ends at seq {}",
                            m.file, m.seq, summary.last_seq
                        ),
                    )
                }
            }
            Some(h) if hex(&h) != m.hash => problem(
                &last,
                0,
                Some(m.seq),
                Damage::BadCheckpoint,
                format!(
                    "checkpoint seq {} differs from its mirror outside the log directory",
                    m.seq
                ),
            ),
            None | Some(_) => None,
        }
    }
}
