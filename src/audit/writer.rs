//! The writer: one process appends to one chain ("slot") of a log directory.
//!
//! Files are `audit-w{SLOT}-{FIRST_SEQ:012}.jsonl`. A process takes the first slot whose
//! lock file (`audit.w{SLOT}.lock`, an advisory exclusive lock held for the writer's life)
//! is free: the first r3270 process writes slot 0, a second one running at the same time
//! slot 1, and so on. Each slot is its own chain with its own checkpoint keys and mirror;
//! `r3270 audit verify` checks every slot. So two processes never interleave bytes in one
//! file and neither waits for the other.
//!
//! Every file starts with a `file-start` record chained to the previous file's last line
//! (so a deleted file is a visible gap) and carrying the epoch of the next checkpoint.
//! A record is written with one `write` on a file opened for appending, so a crash leaves
//! at most one torn line at the end; [`Writer::open`] moves it aside (`.torn`), cuts it off
//! and writes a `recovery` record that continues the chain. Checkpoints are fsynced and then
//! mirrored (`w{SLOT}.head` in the key directory, outside the log directory), so cutting
//! off the tail of the log is caught by `verify`.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use fs4::fs_std::FileExt;
use serde::Serialize;
use sha2::Digest;

use super::AuditError;
use super::chain::{EpochKey, GENESIS, Hash, build_line, hex, line_hash, prefix};
use super::settings::{AuditSettings, SyncMode};
use super::time;

/// The most writer slots (processes writing one directory at once).
pub const MAX_SLOTS: u32 = 64;

/// How old un-synced records may get under `sync = "group"`.
pub const GROUP_INTERVAL: Duration = Duration::from_millis(50);

/// Where and how to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriterOptions {
    pub dir: PathBuf,
    /// The key directory for this log directory (see [`key_dir_for`]).
    pub key_dir: PathBuf,
    pub archive_dir: Option<PathBuf>,
    pub sync: SyncMode,
    pub rotate_bytes: u64,
    pub rotate_daily: bool,
    pub keep_days: u32,
    pub checkpoint_every: u32,
}

impl WriterOptions {
    /// From the `[audit]` settings and the configured data and state directories.
    pub fn from_settings(s: &AuditSettings, data_dir: &Path, state_dir: &Path) -> Self {
        let dir = s.log_dir(data_dir);
        let key_dir = key_dir_for(&s.key_dir(state_dir), &dir);
        WriterOptions {
            dir,
            key_dir,
            archive_dir: s.archive_dir.clone(),
            sync: s.sync,
            rotate_bytes: s.rotate_bytes,
            rotate_daily: s.rotate_daily,
            keep_days: s.keep_days,
            checkpoint_every: s.checkpoint_every,
        }
    }

    /// Defaults for a directory (tests, benches).
    pub fn new(dir: &Path, key_root: &Path) -> Self {
        let s = AuditSettings::default();
        WriterOptions {
            dir: dir.to_owned(),
            key_dir: key_dir_for(key_root, dir),
            archive_dir: None,
            sync: s.sync,
            rotate_bytes: s.rotate_bytes,
            rotate_daily: s.rotate_daily,
            keep_days: s.keep_days,
            checkpoint_every: s.checkpoint_every,
        }
    }
}

/// The key directory of one log directory: a subdirectory of `root` named after the log
/// directory's path, so one key root serves several log directories.
pub fn key_dir_for(root: &Path, log_dir: &Path) -> PathBuf {
    let abs = if log_dir.is_absolute() {
        log_dir.to_owned()
    } else {
        std::env::current_dir().map_or_else(|_| log_dir.to_owned(), |c| c.join(log_dir))
    };
    let abs = fs::canonicalize(&abs).unwrap_or(abs);
    let h = sha2::Sha256::digest(abs.to_string_lossy().as_bytes());
    root.join(hex::encode(&h[..8]))
}

/// A file of a slot's chain, by name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LogFile {
    pub slot: u32,
    pub first_seq: u64,
    /// gzip-compressed (an archive).
    pub gz: bool,
}

impl LogFile {
    pub fn name(&self) -> String {
        format!(
            "audit-w{}-{:012}.jsonl{}",
            self.slot,
            self.first_seq,
            if self.gz { ".gz" } else { "" }
        )
    }

    /// Parse a file name; `None` for anything else in the directory.
    pub fn parse(name: &str) -> Option<Self> {
        let (rest, gz) = match name.strip_suffix(".jsonl.gz") {
            Some(r) => (r, true),
            None => (name.strip_suffix(".jsonl")?, false),
        };
        let rest = rest.strip_prefix("audit-w")?;
        let (slot, seq) = rest.split_once('-')?;
        Some(LogFile {
            slot: slot.parse().ok()?,
            first_seq: seq.parse().ok()?,
            gz,
        })
    }
}

/// The log files of `dir` (non-recursive), sorted by slot then first seq.
pub fn list(dir: &Path) -> Result<Vec<(LogFile, PathBuf)>, AuditError> {
    let mut out = Vec::new();
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(AuditError::io(dir, e)),
    };
    for entry in rd {
        let entry = entry.map_err(|e| AuditError::io(dir, e))?;
        if let Some(f) = entry.file_name().to_str().and_then(LogFile::parse) {
            out.push((f, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Read a log file whole (an archive is decompressed).
pub fn read_file(path: &Path) -> Result<Vec<u8>, AuditError> {
    let raw = fs::read(path).map_err(|e| AuditError::io(path, e))?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| AuditError::io(path, e))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// The seed of the checkpoint keys: 32 random bytes, hex, in `seed` of the key directory,
/// created 0600 (the directory 0700) on first use. A seed others may read is refused.
pub fn load_seed(key_dir: &Path, create: bool) -> Result<Vec<u8>, AuditError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let path = key_dir.join("seed");
    match fs::read_to_string(&path) {
        Ok(text) => {
            let mode = fs::metadata(&path)
                .map_err(|e| AuditError::io(&path, e))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(AuditError::invalid(
                    &path,
                    format!(
                        "the audit key is readable by others (mode {:o}); chmod 600 it",
                        mode & 0o777
                    ),
                ));
            }
            hex::decode(text.trim()).map_err(|_| {
                AuditError::invalid(&path, "the audit key is not 64 hex digits (damaged?)")
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            fs::create_dir_all(key_dir).map_err(|e| AuditError::io(key_dir, e))?;
            let _ = fs::set_permissions(key_dir, fs::Permissions::from_mode(0o700));
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| {
                AuditError::invalid(&path, format!("no random numbers for the key: {e}"))
            })?;
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| AuditError::io(&path, e))?;
            f.write_all(hex::encode(seed).as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| AuditError::io(&path, e))?;
            Ok(seed.to_vec())
        }
        Err(e) => Err(AuditError::io(&path, e)),
    }
}

/// The latest checkpoint of a slot, as mirrored outside the log directory.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mirror {
    pub file: String,
    pub line: u64,
    pub seq: u64,
    pub epoch: u64,
    /// The SHA-256 of the checkpoint line.
    pub hash: String,
}

/// The mirror file of a slot.
pub fn mirror_path(key_dir: &Path, slot: u32) -> PathBuf {
    key_dir.join(format!("w{slot}.head"))
}

/// One slot's writer.
pub struct Writer {
    opts: WriterOptions,
    slot: u32,
    _lock: File,
    file: File,
    path: PathBuf,
    name: String,
    len: u64,
    lines: u64,
    date: String,
    /// The last seq written, and the hash of that line.
    seq: u64,
    prev: Hash,
    key: EpochKey,
    since_checkpoint: u32,
    dirty: bool,
    last_sync: Instant,
    closed: bool,
    /// Retention is running (its own records may rotate; that rotation must not start it
    /// again).
    retaining: bool,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("path", &self.path)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// What the writer found in its slot when it opened.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
struct Found {
    /// Bytes of a torn last line moved aside.
    torn_bytes: usize,
    torn_to: Option<String>,
    /// The previous writer did not close the log (a crash or kill -9).
    unclean: bool,
}

impl Writer {
    /// Open the first free slot of `opts.dir`, recover from a crash, write `log-start`,
    /// and apply retention.
    pub fn open(opts: WriterOptions) -> Result<Writer, AuditError> {
        use std::os::unix::fs::PermissionsExt;
        let dir = opts.dir.clone();
        fs::create_dir_all(&dir).map_err(|e| AuditError::io(&dir, e))?;
        let _ = fs::set_permissions(&dir, fs::Permissions::from_mode(0o700));
        if opts.key_dir.starts_with(&dir) {
            return Err(AuditError::invalid(
                &opts.key_dir,
                "the audit key directory must be outside the log directory",
            ));
        }
        let seed = load_seed(&opts.key_dir, true)?;
        let (slot, lock) = take_slot(&dir)?;
        let mut files: Vec<_> = list(&dir)?
            .into_iter()
            .filter(|(f, _)| f.slot == slot && !f.gz)
            .collect();
        // A newest file with nothing in it: the process died between creating it and
        // writing its first line. Nothing was recorded there; go on from the one before.
        while let Some((_, p)) = files.last() {
            if fs::metadata(p).map_or(1, |m| m.len()) != 0 {
                break;
            }
            fs::remove_file(p).map_err(|e| AuditError::io(p, e))?;
            files.pop();
        }
        let mut found = Found::default();
        let mut w = match files.last() {
            None => Self::start_chain(opts, slot, lock, &seed)?,
            Some((f, path)) => Self::resume(opts, slot, lock, &seed, f, path, &mut found)?,
        };
        drop(seed);
        if found.torn_bytes > 0 || found.unclean {
            w.append("recovery", &found)?;
        }
        w.append(
            "log-start",
            &serde_json::json!({
                "pid": std::process::id(),
                "version": env!("CARGO_PKG_VERSION"),
                "slot": slot,
                "sync": w.opts.sync,
            }),
        )?;
        w.retention()?;
        Ok(w)
    }

    fn start_chain(
        opts: WriterOptions,
        slot: u32,
        lock: File,
        seed: &[u8],
    ) -> Result<Writer, AuditError> {
        let f = LogFile {
            slot,
            first_seq: 1,
            gz: false,
        };
        let path = opts.dir.join(f.name());
        let file = open_append(&path, true)?;
        let mut w = Writer {
            slot,
            _lock: lock,
            file,
            name: f.name(),
            path,
            len: 0,
            lines: 0,
            date: String::new(),
            seq: 0,
            prev: GENESIS,
            key: EpochKey::first(seed, slot),
            since_checkpoint: 0,
            dirty: false,
            last_sync: Instant::now(),
            closed: false,
            retaining: false,
            opts,
        };
        w.file_start(None)?;
        Ok(w)
    }

    fn resume(
        opts: WriterOptions,
        slot: u32,
        lock: File,
        seed: &[u8],
        f: &LogFile,
        path: &Path,
        found: &mut Found,
    ) -> Result<Writer, AuditError> {
        let mut content = read_file(path)?;
        let keep = content
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        if keep < content.len() {
            // A torn last line: the crash cut a write short. Keep its bytes beside the log
            // (they are redacted records) and cut them off.
            let torn_path = path.with_extension("jsonl.torn");
            let mut t = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&torn_path)
                .map_err(|e| AuditError::io(&torn_path, e))?;
            t.write_all(&content[keep..])
                .and_then(|()| t.write_all(b"\n"))
                .and_then(|()| t.sync_all())
                .map_err(|e| AuditError::io(&torn_path, e))?;
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| AuditError::io(path, e))?;
            file.set_len(keep as u64)
                .and_then(|()| file.sync_all())
                .map_err(|e| AuditError::io(path, e))?;
            found.torn_bytes = content.len() - keep;
            found.torn_to = torn_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            content.truncate(keep);
        }
        let mut last = None;
        let mut last_kind: Option<String> = None;
        let mut epoch = None;
        let mut since = 0u32;
        let mut lines = 0u64;
        let mut date = String::new();
        for line in content.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            lines += 1;
            let p = prefix(line).ok_or_else(|| {
                AuditError::invalid(
                    path,
                    format!("line {lines} is damaged; run `r3270 audit verify`"),
                )
            })?;
            since += 1;
            match p.kind {
                "file-start" => {
                    epoch = Some(field_u64(line, "epoch").unwrap_or(0));
                    p.ts.get(..10).unwrap_or_default().clone_into(&mut date);
                    since = 0;
                }
                "checkpoint" => {
                    epoch = Some(field_u64(line, "epoch").map_or(0, |e| e + 1));
                    since = 0;
                }
                _ => {}
            }
            // A clean close is `log-close` and then its checkpoint.
            let closed = p.kind == "log-close"
                || (p.kind == "checkpoint" && last_kind.as_deref() == Some("log-close"));
            last_kind = Some(p.kind.to_owned());
            last = Some((p.seq, line_hash(line), closed));
        }
        let Some((seq, prev, closed)) = last else {
            return Err(AuditError::invalid(
                path,
                "the newest log file holds only a torn line; run `r3270 audit verify`",
            ));
        };
        found.unclean = !closed;
        let file = open_append(path, false)?;
        Ok(Writer {
            slot,
            _lock: lock,
            file,
            name: f.name(),
            path: path.to_owned(),
            len: content.len() as u64,
            lines,
            date,
            seq,
            prev,
            key: EpochKey::at(seed, slot, epoch.unwrap_or(0)),
            since_checkpoint: since,
            dirty: false,
            last_sync: Instant::now(),
            closed: false,
            retaining: false,
            opts,
        })
    }

    /// The slot this writer holds.
    pub fn slot(&self) -> u32 {
        self.slot
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The last seq written.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    fn file_start(&mut self, previous: Option<&str>) -> Result<(), AuditError> {
        let ts = time::now();
        ts.get(..10).unwrap_or_default().clone_into(&mut self.date);
        let body = serde_json::json!({
            "epoch": self.key.epoch(),
            "slot": self.slot,
            "previous-file": previous,
        });
        self.write_line(&ts, "file-start", &body.to_string())?;
        self.since_checkpoint = 0;
        Ok(())
    }

    /// Append one record; returns its seq. The record has reached the OS when this returns
    /// (and the disk, with `sync = "each"`).
    pub fn append(&mut self, kind: &str, body: &impl Serialize) -> Result<u64, AuditError> {
        let body = serde_json::to_string(body)
            .map_err(|e| AuditError::invalid(&self.path, format!("cannot encode: {e}")))?;
        self.append_json(kind, &body)
    }

    /// [`Writer::append`] with the body already encoded as a JSON object.
    pub fn append_json(&mut self, kind: &str, body: &str) -> Result<u64, AuditError> {
        let ts = time::now();
        if self.rotation_due(&ts) {
            self.rotate()?;
        }
        self.write_line(&ts, kind, body)?;
        self.since_checkpoint += 1;
        if self.since_checkpoint >= self.opts.checkpoint_every {
            self.checkpoint()?;
        }
        Ok(self.seq)
    }

    fn write_line(&mut self, ts: &str, kind: &str, body: &str) -> Result<(), AuditError> {
        let seq = self.seq + 1;
        let mut line = build_line(seq, &self.prev, ts, kind, body);
        let hash = line_hash(&line);
        line.push(b'\n');
        self.file
            .write_all(&line)
            .map_err(|e| AuditError::io(&self.path, e))?;
        self.seq = seq;
        self.prev = hash;
        self.len += line.len() as u64;
        self.lines += 1;
        self.dirty = true;
        match self.opts.sync {
            SyncMode::Each => self.sync()?,
            SyncMode::Group if self.last_sync.elapsed() >= GROUP_INTERVAL => self.sync()?,
            _ => {}
        }
        Ok(())
    }

    /// fsync what was written.
    pub fn sync(&mut self) -> Result<(), AuditError> {
        if self.dirty {
            self.file
                .sync_data()
                .map_err(|e| AuditError::io(&self.path, e))?;
            self.dirty = false;
        }
        self.last_sync = Instant::now();
        Ok(())
    }

    /// Under `sync = "group"`: fsync if records have waited [`GROUP_INTERVAL`].
    pub fn sync_if_due(&mut self) -> Result<(), AuditError> {
        if self.dirty && self.last_sync.elapsed() >= GROUP_INTERVAL {
            self.sync()?;
        }
        Ok(())
    }

    /// Write a keyed checkpoint now, fsync it, mirror it, and move the key on.
    pub fn checkpoint(&mut self) -> Result<(), AuditError> {
        let seq = self.seq + 1;
        let tag = self.key.tag(seq, &self.prev);
        let body = format!(
            "{{\"epoch\":{},\"tag\":\"{}\"}}",
            self.key.epoch(),
            hex(&tag)
        );
        self.write_line(&time::now(), "checkpoint", &body)?;
        self.sync()?;
        let m = Mirror {
            file: self.name.clone(),
            line: self.lines,
            seq: self.seq,
            epoch: self.key.epoch(),
            hash: hex(&self.prev),
        };
        write_mirror(&self.opts.key_dir, self.slot, &m)?;
        self.key.evolve();
        self.since_checkpoint = 0;
        Ok(())
    }

    fn rotation_due(&self, ts: &str) -> bool {
        self.len >= self.opts.rotate_bytes
            || (self.opts.rotate_daily && ts.get(..10).is_some_and(|d| d != self.date))
    }

    /// End this file with a checkpoint and go on in a new one.
    pub fn rotate(&mut self) -> Result<(), AuditError> {
        self.checkpoint()?;
        let f = LogFile {
            slot: self.slot,
            first_seq: self.seq + 1,
            gz: false,
        };
        let path = self.opts.dir.join(f.name());
        self.file = open_append(&path, true)?;
        let previous = std::mem::replace(&mut self.name, f.name());
        self.path = path;
        self.len = 0;
        self.lines = 0;
        self.file_start(Some(&previous))?;
        self.retention()
    }

    /// Delete or archive this slot's files older than `keep-days`, recording each.
    fn retention(&mut self) -> Result<(), AuditError> {
        if self.opts.keep_days == 0 || self.retaining {
            return Ok(());
        }
        self.retaining = true;
        let r = self.retain();
        self.retaining = false;
        r
    }

    fn retain(&mut self) -> Result<(), AuditError> {
        let max_age = Duration::from_secs(u64::from(self.opts.keep_days) * 86_400);
        let now = SystemTime::now();
        let files: Vec<_> = list(&self.opts.dir)?
            .into_iter()
            .filter(|(f, p)| f.slot == self.slot && !f.gz && *p != self.path)
            .collect();
        for (f, path) in files {
            let modified = fs::metadata(&path)
                .and_then(|m| m.modified())
                .map_err(|e| AuditError::io(&path, e))?;
            if now.duration_since(modified).unwrap_or_default() < max_age {
                continue;
            }
            let content = read_file(&path)?;
            let last = content
                .split(|&b| b == b'\n')
                .rfind(|l| !l.is_empty())
                .unwrap_or_default();
            let last_seq = prefix(last).map_or(0, |p| p.seq);
            let (action, archive) = match &self.opts.archive_dir {
                Some(a) => {
                    let to = archive(a, &f, &content)?;
                    ("archived", Some(to.display().to_string()))
                }
                None => ("deleted", None),
            };
            fs::remove_file(&path).map_err(|e| AuditError::io(&path, e))?;
            self.append(
                "retention",
                &serde_json::json!({
                    "file": f.name(),
                    "first-seq": f.first_seq,
                    "last-seq": last_seq,
                    "last-hash": hex(&line_hash(last)),
                    "action": action,
                    "archive": archive,
                    "keep-days": self.opts.keep_days,
                }),
            )?;
        }
        Ok(())
    }

    /// Write `log-close` and a final checkpoint, and fsync. Done once (also on drop).
    pub fn close(&mut self) -> Result<(), AuditError> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        self.append("log-close", &serde_json::json!({}))?;
        self.checkpoint()
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let Err(e) = self.close() {
            tracing::error!(error = %e, "cannot close the audit log");
        }
    }
}

fn open_append(path: &Path, create_new: bool) -> Result<File, AuditError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut o = OpenOptions::new();
    o.append(true).mode(0o600);
    if create_new {
        o.create_new(true);
    }
    o.open(path).map_err(|e| AuditError::io(path, e))
}

fn take_slot(dir: &Path) -> Result<(u32, File), AuditError> {
    for slot in 0..MAX_SLOTS {
        let path = dir.join(format!("audit.w{slot}.lock"));
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| AuditError::io(&path, e))?;
        if f.try_lock_exclusive()
            .map_err(|e| AuditError::io(&path, e))?
        {
            return Ok((slot, f));
        }
    }
    Err(AuditError::invalid(
        dir,
        format!("all {MAX_SLOTS} writer slots are in use by other r3270 processes"),
    ))
}

fn write_mirror(key_dir: &Path, slot: u32, m: &Mirror) -> Result<(), AuditError> {
    let path = mirror_path(key_dir, slot);
    let tmp = path.with_extension("head.tmp");
    let text = serde_json::to_string(m).unwrap_or_default();
    let mut f = File::create(&tmp).map_err(|e| AuditError::io(&tmp, e))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| AuditError::io(&tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| AuditError::io(&path, e))
}

/// Read a slot's mirror, if there is one.
pub fn read_mirror(key_dir: &Path, slot: u32) -> Result<Option<Mirror>, AuditError> {
    let path = mirror_path(key_dir, slot);
    match fs::read_to_string(&path) {
        Ok(t) => serde_json::from_str(&t)
            .map(Some)
            .map_err(|e| AuditError::invalid(&path, format!("damaged mirror: {e}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(AuditError::io(&path, e)),
    }
}

fn archive(dir: &Path, f: &LogFile, content: &[u8]) -> Result<PathBuf, AuditError> {
    fs::create_dir_all(dir).map_err(|e| AuditError::io(dir, e))?;
    let gz = LogFile {
        gz: true,
        ..f.clone()
    };
    let to = dir.join(gz.name());
    let tmp = to.with_extension("gz.tmp");
    let file = File::create(&tmp).map_err(|e| AuditError::io(&tmp, e))?;
    let mut enc = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    enc.write_all(content)
        .and_then(|()| enc.finish())
        .and_then(|f| f.sync_all())
        .map_err(|e| AuditError::io(&tmp, e))?;
    fs::rename(&tmp, &to).map_err(|e| AuditError::io(&to, e))?;
    Ok(to)
}

/// A number member of a line, read with the JSON parser (rare records only).
pub fn field_u64(line: &[u8], key: &str) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_slice(line).ok()?;
    v.get(key)?.as_u64()
}

#[cfg(test)]
mod tests;
