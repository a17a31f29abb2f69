//! The durable outbox: `webhooks/outbox.jsonl` in the data directory, an append-only
//! journal of `add` lines (an event for one webhook, written and fsynced before delivery
//! starts) and `done` lines (its final outcome: delivered, gave up or dropped). What has an
//! `add` and no `done` is pending, and is delivered first when `r3270 serve` starts again.
//!
//! The journal is compacted (rewritten with the pending events only, to a temporary file
//! that is fsynced and renamed over it) at start and whenever the `done` lines outnumber
//! the pending ones. A line torn by a crash is skipped. Bodies hold no secret: the
//! signature is made at each attempt, from the secret in memory.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// One event waiting for one webhook.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    /// The webhook's name.
    pub webhook: String,
    /// `webhook-id`: the same for every attempt (and for every webhook of one event).
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The JSON body, exactly as it is sent and signed.
    pub body: String,
    /// When the event happened (unix seconds), for `give-up-seconds`.
    pub created: u64,
}

/// One line of the journal.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
enum Line {
    Add(Pending),
    Done {
        webhook: String,
        id: String,
        outcome: String,
    },
}

/// The journal, open for appending, and what it holds pending.
#[derive(Debug)]
pub struct Outbox {
    dir: PathBuf,
    file: File,
    /// The pending events by (webhook, id), with the order they were added in.
    pending: HashMap<(String, String), (u64, Pending)>,
    next: u64,
    /// `done` lines written since the last compaction.
    done_lines: usize,
    /// Held (locked) while open: one process per outbox.
    _lock: File,
}

/// Below this many `done` lines the journal is not compacted.
#[cfg(not(test))]
const COMPACT_AFTER: usize = 1024;
#[cfg(test)]
const COMPACT_AFTER: usize = 16;
const FILE: &str = "outbox.jsonl";

impl Outbox {
    /// Opens (or creates) the journal in `dir` and returns the events pending in it, oldest
    /// first; the journal is compacted first.
    pub fn open(dir: &Path) -> Result<(Outbox, Vec<Pending>), String> {
        create_private_dir(dir)?;
        let lock = lock(dir)?;
        let path = dir.join(FILE);
        let (pending, skipped) = read(&path)?;
        if skipped > 0 {
            tracing::warn!(
                file = %path.display(),
                lines = skipped,
                "webhook outbox: skipped lines that could not be read (a write cut short by a crash)"
            );
        }
        let mut pending_map = HashMap::new();
        let mut next = 0;
        for p in &pending {
            pending_map.insert((p.webhook.clone(), p.id.clone()), (next, p.clone()));
            next += 1;
        }
        let mut outbox = Outbox {
            dir: dir.to_owned(),
            file: open_append(&path)?,
            pending: pending_map,
            next,
            done_lines: 0,
            _lock: lock,
        };
        outbox.compact()?;
        Ok((outbox, pending))
    }

    /// Writes `items` as pending (one fsync for all).
    pub fn add(&mut self, items: &[Pending]) -> Result<(), String> {
        if items.is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        for p in items {
            text.push_str(&encode(&Line::Add(p.clone()))?);
        }
        self.write(&text)?;
        for p in items {
            self.pending
                .insert((p.webhook.clone(), p.id.clone()), (self.next, p.clone()));
            self.next += 1;
        }
        Ok(())
    }

    /// Writes the final outcome of `id` for `webhook`; compacts when due.
    pub fn done(&mut self, webhook: &str, id: &str, outcome: &str) -> Result<(), String> {
        let line = encode(&Line::Done {
            webhook: webhook.to_owned(),
            id: id.to_owned(),
            outcome: outcome.to_owned(),
        })?;
        self.write(&line)?;
        self.pending.remove(&(webhook.to_owned(), id.to_owned()));
        self.done_lines += 1;
        if self.done_lines >= COMPACT_AFTER && self.done_lines > self.pending.len() {
            self.compact()?;
        }
        Ok(())
    }

    /// How many events are pending, all webhooks together.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    fn write(&mut self, text: &str) -> Result<(), String> {
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("cannot write {}: {e}", self.dir.join(FILE).display()))
    }

    /// Rewrites the journal with the pending events only.
    fn compact(&mut self) -> Result<(), String> {
        let path = self.dir.join(FILE);
        let tmp = self.dir.join(format!("{FILE}.tmp"));
        let mut items: Vec<&(u64, Pending)> = self.pending.values().collect();
        items.sort_by_key(|(seq, _)| *seq);
        let mut text = String::new();
        for (_, p) in items {
            text.push_str(&encode(&Line::Add(p.clone()))?);
        }
        let fail = |e: std::io::Error| format!("cannot write {}: {e}", tmp.display());
        {
            let mut f = private_options()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)
                .map_err(fail)?;
            f.write_all(text.as_bytes()).map_err(fail)?;
            f.sync_all().map_err(fail)?;
        }
        std::fs::rename(&tmp, &path)
            .map_err(|e| format!("cannot replace {}: {e}", path.display()))?;
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        self.file = open_append(&path)?;
        self.done_lines = 0;
        Ok(())
    }
}

fn encode(line: &Line) -> Result<String, String> {
    let mut s = serde_json::to_string(line)
        .map_err(|e| format!("cannot encode a webhook outbox line: {e}"))?;
    s.push('\n');
    Ok(s)
}

/// The pending events of the journal at `path` (none when it does not exist), oldest
/// first, and how many lines could not be read.
fn read(path: &Path) -> Result<(Vec<Pending>, usize), String> {
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut order: Vec<(String, String)> = Vec::new();
    let mut pending: HashMap<(String, String), Pending> = HashMap::new();
    let mut skipped = 0;
    for line in BufReader::new(f).split(b'\n') {
        let line = line.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Line>(&line) {
            Ok(Line::Add(p)) => {
                let key = (p.webhook.clone(), p.id.clone());
                if pending.insert(key.clone(), p).is_none() {
                    order.push(key);
                }
            }
            Ok(Line::Done { webhook, id, .. }) => {
                pending.remove(&(webhook, id));
            }
            Err(_) => skipped += 1,
        }
    }
    let out = order
        .into_iter()
        .filter_map(|k| pending.remove(&k))
        .collect();
    Ok((out, skipped))
}

fn private_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

fn open_append(path: &Path) -> Result<File, String> {
    private_options()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))
}

/// Takes `outbox.lock` in `dir`, or says who has it.
fn lock(dir: &Path) -> Result<File, String> {
    use fs4::fs_std::FileExt;
    let path = dir.join("outbox.lock");
    let f = private_options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match f.try_lock_exclusive() {
        Ok(true) => Ok(f),
        Ok(false) => Err(format!(
            "another r3270 serve is using the webhook outbox in {} (it holds {}): give each r3270 serve its own data directory ([paths] data-dir)",
            dir.display(),
            path.display()
        )),
        Err(e) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

fn create_private_dir(dir: &Path) -> Result<(), String> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(webhook: &str, id: &str) -> Pending {
        Pending {
            webhook: webhook.to_owned(),
            id: id.to_owned(),
            kind: "session.connected".to_owned(),
            body: format!("{{\"id\":\"{id}\"}}"),
            created: 1,
        }
    }

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("r3270-outbox-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn pending_events_survive_a_reopen_in_order() {
        let d = dir("reopen");
        let (mut o, pending) = Outbox::open(&d).unwrap();
        assert!(pending.is_empty());
        o.add(&[item("a", "1"), item("b", "1"), item("a", "2")])
            .unwrap();
        o.done("a", "1", "delivered").unwrap();
        drop(o);
        let (o, pending) = Outbox::open(&d).unwrap();
        assert_eq!(pending, vec![item("b", "1"), item("a", "2")]);
        assert_eq!(o.len(), 2);
        // Compacted at open: only the pending adds are left.
        let text = std::fs::read_to_string(d.join(FILE)).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn one_process_at_a_time() {
        let d = dir("lock");
        let (o, _) = Outbox::open(&d).unwrap();
        let e = Outbox::open(&d).unwrap_err();
        assert!(e.contains("another r3270 serve"), "{e}");
        drop(o);
        assert!(Outbox::open(&d).is_ok());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_torn_last_line_is_skipped() {
        let d = dir("torn");
        let (mut o, _) = Outbox::open(&d).unwrap();
        o.add(&[item("a", "1")]).unwrap();
        drop(o);
        let mut f = OpenOptions::new().append(true).open(d.join(FILE)).unwrap();
        f.write_all(b"{\"op\":\"add\",\"webh").unwrap();
        drop(f);
        let (_, pending) = Outbox::open(&d).unwrap();
        assert_eq!(pending, vec![item("a", "1")]);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn many_done_lines_are_compacted_away() {
        let d = dir("compact");
        let (mut o, _) = Outbox::open(&d).unwrap();
        for i in 0..(COMPACT_AFTER + 10) {
            let id = i.to_string();
            o.add(&[item("a", &id)]).unwrap();
            o.done("a", &id, "delivered").unwrap();
        }
        o.add(&[item("a", "last")]).unwrap();
        let text = std::fs::read_to_string(d.join(FILE)).unwrap();
        assert!(text.lines().count() < 40, "{} lines", text.lines().count());
        drop(o);
        let (_, pending) = Outbox::open(&d).unwrap();
        assert_eq!(pending, vec![item("a", "last")]);
        let _ = std::fs::remove_dir_all(&d);
    }
}
