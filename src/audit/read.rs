//! Reading the log for `r3270 audit show` and `export`: every slot's files (archives
//! included) in order, filtered by session, time, kind and text.
//! Lines are parsed as JSON here; nothing is re-written.

use std::path::PathBuf;

use serde_json::Value;

use super::AuditError;
use super::chain::prefix;
use super::writer::{list, read_file};

/// What to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// A session id (or a prefix of one).
    pub session: Option<String>,
    /// Timestamps bounds, normalised by `time::parse_bound`.
    pub since: Option<String>,
    pub until: Option<String>,
    pub kinds: Vec<String>,
    /// Text the line must contain (case-insensitive).
    pub grep: Option<String>,
}

/// One record as read: where it is, its exact line, and the parsed object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub slot: u32,
    pub file: PathBuf,
    pub line: u64,
    pub raw: String,
    pub value: Value,
}

impl Entry {
    pub fn kind(&self) -> &str {
        self.value.get("kind").and_then(Value::as_str).unwrap_or("")
    }
    pub fn ts(&self) -> &str {
        self.value.get("ts").and_then(Value::as_str).unwrap_or("")
    }
    pub fn seq(&self) -> u64 {
        self.value.get("seq").and_then(Value::as_u64).unwrap_or(0)
    }
    pub fn session(&self) -> &str {
        self.value
            .get("session")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// A one-line summary for `audit show`.
    pub fn summary(&self) -> String {
        let v = &self.value;
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        match self.kind() {
            "session-start" => format!(
                "user={} endpoint={} profile={} terminal={}",
                s("user"),
                s("endpoint"),
                v.get("profile").and_then(Value::as_str).unwrap_or("-"),
                s("terminal-type")
            ),
            "session-end" => format!("by={} reason={}", s("by"), s("reason")),
            "aid" => {
                let fields: Vec<String> = v
                    .get("fields")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|f| {
                                let pos = format!("{},{}", f["row"], f["col"]);
                                if f.get("hidden").is_some() {
                                    format!("{pos}=<hidden {}>", f["length"])
                                } else {
                                    format!("{pos}={:?}", f["text"].as_str().unwrap_or(""))
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                format!("{} {}", s("key"), fields.join(" "))
            }
            "screen" => {
                let first = v
                    .get("rows")
                    .and_then(Value::as_array)
                    .and_then(|r| {
                        r.iter()
                            .filter_map(Value::as_str)
                            .find(|l| !l.trim().is_empty())
                    })
                    .unwrap_or("")
                    .trim();
                format!("{first:?}")
            }
            _ => {
                let mut o = v.as_object().cloned().unwrap_or_default();
                for k in ["seq", "prev", "ts", "kind", "session"] {
                    o.remove(k);
                }
                Value::Object(o).to_string()
            }
        }
    }
}

impl Filter {
    pub fn accepts(&self, e: &Entry) -> bool {
        if let Some(s) = &self.session {
            if !e.session().starts_with(s.as_str()) {
                return false;
            }
        }
        if self.since.as_deref().is_some_and(|t| e.ts() < t) {
            return false;
        }
        if self.until.as_deref().is_some_and(|t| e.ts() >= t) {
            return false;
        }
        if !self.kinds.is_empty() && !self.kinds.iter().any(|k| k == e.kind()) {
            return false;
        }
        if let Some(g) = &self.grep {
            if !e.raw.to_lowercase().contains(&g.to_lowercase()) {
                return false;
            }
        }
        true
    }
}

/// Every record of the log directory (and archive), slot by slot in chain order, that
/// `filter` accepts, given to `each`. A line that is not a record is an error naming the
/// file and line (run `audit verify` to learn more).
pub fn scan(
    dir: &std::path::Path,
    archive: Option<&std::path::Path>,
    filter: &Filter,
    mut each: impl FnMut(Entry) -> bool,
) -> Result<(), AuditError> {
    let mut files = list(dir)?;
    if let Some(a) = archive {
        for (f, p) in list(a)? {
            if !files
                .iter()
                .any(|(g, _)| g.slot == f.slot && g.first_seq == f.first_seq)
            {
                files.push((f, p));
            }
        }
    }
    files.sort();
    for (f, path) in files {
        let content = read_file(&path)?;
        for (i, line) in content.split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let lineno = i as u64 + 1;
            let bad = || {
                AuditError::invalid(
                    &path,
                    format!("line {lineno} is not a record; `r3270 audit verify` says more"),
                )
            };
            if prefix(line).is_none() {
                return Err(bad());
            }
            let value: Value = serde_json::from_slice(line).map_err(|_| bad())?;
            let e = Entry {
                slot: f.slot,
                file: path.clone(),
                line: lineno,
                raw: String::from_utf8_lossy(line).into_owned(),
                value,
            };
            if filter.accepts(&e) && !each(e) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// CSV columns of `audit export --format csv`.
pub const CSV_HEADER: &str = "ts,slot,seq,kind,session,summary";

/// One CSV row (RFC 4180 quoting).
pub fn csv_row(e: &Entry) -> String {
    let q = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    format!(
        "{},{},{},{},{},{}",
        q(e.ts()),
        e.slot,
        e.seq(),
        q(e.kind()),
        q(e.session()),
        q(&e.summary())
    )
}

/// What the audit viewer pane shows: the newest records (at most `limit`) and, when asked
/// for, the verification state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub dir: PathBuf,
    pub entries: Vec<Entry>,
    /// How many records were read (the newest ones).
    pub total: usize,
    /// `verified through seq N` / `broken: ...`, when verification ran.
    pub verification: Option<String>,
    /// A read error (the directory is unreadable, a line is not a record).
    pub error: Option<String>,
}

/// How much of a file's end the viewer reads at most, per file.
const TAIL_BYTES: u64 = 8 * 1024 * 1024;

/// The last `max` bytes of a file, from the first whole line in them (archives whole).
fn tail(path: &std::path::Path, max: u64) -> Result<Vec<u8>, AuditError> {
    use std::io::{Read, Seek, SeekFrom};
    if path.extension().is_some_and(|e| e == "gz") {
        return read_file(path);
    }
    let mut f = std::fs::File::open(path).map_err(|e| AuditError::io(path, e))?;
    let len = f.metadata().map_err(|e| AuditError::io(path, e))?.len();
    let from = len.saturating_sub(max);
    f.seek(SeekFrom::Start(from))
        .map_err(|e| AuditError::io(path, e))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)
        .map_err(|e| AuditError::io(path, e))?;
    if from > 0 {
        let cut = buf
            .iter()
            .position(|&b| b == b'\n')
            .map_or(buf.len(), |i| i + 1);
        buf.drain(..cut);
    }
    Ok(buf)
}

/// Read the log for the viewer: the newest `limit` records (files read from the newest
/// back, each at most its last 8 MiB, until `limit` records are found, so a year of logs
/// costs no more than a day's), in time order; and verify the whole log when `check`.
pub fn snapshot(loc: &super::verify::VerifyOptions, limit: usize, check: bool) -> Snapshot {
    let mut error = None;
    let mut entries: Vec<Entry> = Vec::new();
    let mut files = list(&loc.dir).unwrap_or_else(|e| {
        error = Some(e.to_string());
        Vec::new()
    });
    if let Some(a) = &loc.archive_dir {
        files.extend(list(a).unwrap_or_default());
    }
    files.sort();
    // Newest first across slots: by the first seq is not comparable between slots, so by
    // modification time.
    files.sort_by_key(|(_, p)| {
        std::cmp::Reverse(std::fs::metadata(p).and_then(|m| m.modified()).ok())
    });
    for (f, path) in files {
        if entries.len() >= limit {
            break;
        }
        match tail(&path, TAIL_BYTES) {
            Ok(bytes) => {
                for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
                    if line.is_empty() || prefix(line).is_none() {
                        continue;
                    }
                    let Ok(value) = serde_json::from_slice::<Value>(line) else {
                        continue;
                    };
                    entries.push(Entry {
                        slot: f.slot,
                        file: path.clone(),
                        line: i as u64 + 1,
                        raw: String::from_utf8_lossy(line).into_owned(),
                        value,
                    });
                }
            }
            Err(e) => error = Some(e.to_string()),
        }
    }
    entries.sort_by(|a, b| (a.ts(), a.slot, a.seq()).cmp(&(b.ts(), b.slot, b.seq())));
    let total = entries.len();
    if total > limit {
        entries.drain(..total - limit);
    }
    let total = entries.len();
    let verification = check.then(|| match super::verify::verify(loc) {
        Ok(r) => match r.problem {
            None => {
                let through: Vec<String> = r
                    .slots
                    .iter()
                    .map(|s| format!("w{} seq {}", s.slot, s.verified_through))
                    .collect();
                if through.is_empty() {
                    "empty".to_owned()
                } else {
                    format!("verified through {}", through.join(", "))
                }
            }
            Some(p) => format!(
                "BROKEN at seq {}: {} ({})",
                p.seq.map_or_else(|| "?".to_owned(), |s| s.to_string()),
                p.damage.name(),
                p.file.file_name().unwrap_or_default().to_string_lossy()
            ),
        },
        Err(e) => format!("cannot verify: {e}"),
    });
    Snapshot {
        dir: loc.dir.clone(),
        entries,
        total,
        verification,
        error,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::many_single_char_names)] // o, w, s, f, n: options, writer, snapshot...

    use super::*;
    use crate::audit::verify::VerifyOptions;
    use crate::audit::writer::{Writer, WriterOptions};

    #[test]
    fn the_viewer_reads_the_newest_records_in_order_and_the_state() {
        let base = std::env::temp_dir().join(format!(
            "r3270-audit-read-{}-{}",
            std::process::id(),
            crate::audit::time::now().replace([':', '.'], "")
        ));
        let mut o = WriterOptions::new(&base.join("log"), &base.join("keys"));
        o.rotate_bytes = 1_500;
        let mut w = Writer::open(o.clone()).unwrap();
        for i in 0..40 {
            w.append("aid", &serde_json::json!({"session": "s", "i": i}))
                .unwrap();
        }
        w.close().unwrap();
        drop(w);
        let loc = VerifyOptions {
            dir: o.dir.clone(),
            archive_dir: None,
            key_dir: o.key_dir.clone(),
        };
        let s = snapshot(&loc, 5, true);
        assert_eq!(s.error, None);
        assert_eq!(s.entries.len(), 5);
        let seqs: Vec<u64> = s.entries.iter().map(Entry::seq).collect();
        let mut sorted = seqs.clone();
        sorted.sort_unstable();
        assert_eq!(seqs, sorted);
        assert_eq!(s.entries.last().unwrap().kind(), "checkpoint");
        assert!(
            s.verification
                .unwrap()
                .starts_with("verified through w0 seq")
        );
        // show/export: the filter picks records by kind and text.
        let mut n = 0;
        let f = Filter {
            kinds: vec!["aid".into()],
            grep: Some("\"i\":3".into()),
            ..Filter::default()
        };
        scan(&o.dir, None, &f, |_| {
            n += 1;
            true
        })
        .unwrap();
        assert_eq!(n, 11, "i = 3 and 30..39");
    }
}
