//! Reading the log for `r3270 audit show` and `export`: every slot's files (archives
//! included) in order, filtered by session, time, kind and text; and a page at a time for
//! the viewer pane ([`page`]).
//! Lines are parsed as JSON here; nothing is re-written.

use std::path::PathBuf;

use serde_json::Value;

use super::AuditError;
use super::chain::prefix;
use super::writer::read_file;

pub mod page;

pub use page::{Cursor, Page, Snapshot, snapshot, verification};

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
    let files = page::files_by_slot(dir, archive)?;
    for (f, path) in files.into_values().flatten() {
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
        let s = snapshot(&loc, 5, &Page::Newest);
        assert_eq!(s.error, None);
        assert_eq!(s.entries.len(), 5);
        let seqs: Vec<u64> = s.entries.iter().map(Entry::seq).collect();
        let mut sorted = seqs.clone();
        sorted.sort_unstable();
        assert_eq!(seqs, sorted);
        assert_eq!(s.entries.last().unwrap().kind(), "checkpoint");
        // Counted by seq: the page is the last 5 of them, older ones exist.
        let last = s.entries.last().unwrap().seq();
        assert_eq!(s.total, last);
        assert_eq!(s.first, last - 5);
        assert!(s.older.is_some());
        assert!(verification(&loc).starts_with("verified through w0 seq"));
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
