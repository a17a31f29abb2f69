//! Reading the log a page at a time, for the viewer pane: the newest records, or those older
//! than a [`Cursor`], from every slot (archives included), in one merged order.
//!
//! The order: each slot's chain is read by seq, and the slots are merged by (ts, slot, seq).
//! A page is taken from the newer end: per slot, records are read backwards (a plain file
//! in chunks from its end, an archive decompressed in one streaming pass that keeps only
//! the last page's worth of lines), and the record with the greatest (ts, slot, seq) among
//! the slots' next ones is taken, until the page is full. So per slot a page is a run of
//! consecutive seqs, and the page's [`Cursor`] (per slot, the seq its records start at)
//! cuts every chain where the page ends: the next older page starts right below, and no
//! record is on two pages or on none. Files whose first seq is at or above a slot's bound
//! are not opened; memory holds one page, a chunk per slot and (for an archive) one page
//! of its lines.
//!
//! Counts (the header's "records A-B of N") come from seqs, which are consecutive in an
//! intact chain: a slot holds `last seq - first file's first seq + 1` records.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Entry;
use crate::audit::AuditError;
use crate::audit::chain::prefix;
use crate::audit::verify::VerifyOptions;
use crate::audit::writer::LogFile;

/// Where a page of the merged log starts, per writer slot: the slot's records with a seq
/// below its bound are older than the page. A slot not named has no older records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cursor(pub BTreeMap<u32, u64>);

/// Which page of the log to read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Page {
    /// The newest records.
    #[default]
    Newest,
    /// The records older than a page's start (that page's [`Snapshot::older`]).
    Before(Cursor),
}

/// What the audit viewer pane shows: one page of records (at most the `limit` asked for),
/// where it lies in the log, and whether older records exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub dir: PathBuf,
    /// The page asked for (the viewer drops a read of a page it no longer wants).
    pub page: Page,
    /// The page's records, oldest first.
    pub entries: Vec<Entry>,
    /// How many records the log holds (every slot, counted by seq).
    pub total: u64,
    /// How many records are older than the page's first (counted by seq).
    pub first: u64,
    /// The cursor of the next older page; `None` when this page holds the oldest records.
    pub older: Option<Cursor>,
    /// A read error (the directory is unreadable, a file cannot be read).
    pub error: Option<String>,
}

impl Snapshot {
    /// A read that found nothing: `error` says why.
    pub fn failed(dir: PathBuf, page: Page, error: String) -> Self {
        Snapshot {
            dir,
            page,
            entries: Vec::new(),
            total: 0,
            first: 0,
            older: None,
            error: Some(error),
        }
    }
}

/// How much of a plain file is read at a time, from its end backwards.
const CHUNK: u64 = 256 * 1024;

/// One record line as read: enough to merge it, its bytes kept for the page.
#[derive(Debug)]
struct Line {
    seq: u64,
    ts: String,
    raw: Vec<u8>,
    /// Index into its slot's files.
    file: usize,
}

/// A record line's seq and timestamp; `None` for a line that is not a record.
fn head(raw: &[u8]) -> Option<(u64, String)> {
    let p = prefix(raw)?;
    Some((p.seq, p.ts.to_owned()))
}

/// A plain file read backwards in chunks: whole lines only (a last line without its newline
/// is a record being written, or torn, and is left out).
struct Backward {
    file: File,
    path: PathBuf,
    /// What is not read yet: `..pos`.
    pos: u64,
    /// The start of a line whose beginning is before `pos`.
    carry: Vec<u8>,
    /// The file's end is not yet cut back to its last newline.
    trim_end: bool,
    /// Bytes read at a time.
    chunk: u64,
}

impl Backward {
    fn open(path: &Path) -> Result<Self, AuditError> {
        let file = File::open(path).map_err(|e| AuditError::io(path, e))?;
        let pos = file.metadata().map_err(|e| AuditError::io(path, e))?.len();
        Ok(Backward {
            file,
            path: path.to_owned(),
            pos,
            carry: Vec::new(),
            trim_end: true,
            chunk: CHUNK,
        })
    }

    /// The next whole lines going back (oldest first), or `None` at the file's start.
    fn chunk(&mut self) -> Result<Option<Vec<Vec<u8>>>, AuditError> {
        loop {
            if self.pos == 0 {
                return Ok(None);
            }
            let from = self.pos.saturating_sub(self.chunk);
            let mut data = vec![0; usize::try_from(self.pos - from).unwrap_or(0)];
            self.file
                .seek(SeekFrom::Start(from))
                .and_then(|_| self.file.read_exact(&mut data))
                .map_err(|e| AuditError::io(&self.path, e))?;
            self.pos = from;
            data.append(&mut self.carry);
            if self.trim_end {
                match data.iter().rposition(|&b| b == b'\n') {
                    Some(i) => {
                        data.truncate(i + 1);
                        self.trim_end = false;
                    }
                    // All of it is the unfinished last line.
                    None => continue,
                }
            }
            // Before the first newline is the end of a line that starts before `from`
            // (at the file's start, a whole line).
            let start = if from == 0 {
                0
            } else if let Some(i) = data.iter().position(|&b| b == b'\n') {
                self.carry = data[..i].to_vec();
                i + 1
            } else {
                // One line longer than a chunk: read on.
                self.carry = data;
                continue;
            };
            let lines = data[start..]
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec)
                .collect();
            return Ok(Some(lines));
        }
    }
}

/// One slot's records, newest first, below its bound.
struct Back {
    slot: u32,
    /// The slot's files, oldest first.
    files: Vec<(LogFile, PathBuf)>,
    /// `files[..next]` are not opened yet.
    next: usize,
    bound: Option<u64>,
    /// Lines read and not yet handed out, oldest first.
    ready: Vec<Line>,
    /// The plain file being read, and its index.
    plain: Option<(Backward, usize)>,
    /// At most this many lines of an archive are kept.
    cap: usize,
}

impl Back {
    fn new(slot: u32, files: Vec<(LogFile, PathBuf)>, bound: Option<u64>, cap: usize) -> Self {
        // A file that starts at or above the bound holds nothing below it.
        let next = match bound {
            Some(b) => files.partition_point(|(f, _)| f.first_seq < b),
            None => files.len(),
        };
        Back {
            slot,
            files,
            next,
            bound,
            ready: Vec::new(),
            plain: None,
            cap: cap.max(1),
        }
    }

    fn below_bound(&self, seq: u64) -> bool {
        self.bound.is_none_or(|b| seq < b)
    }

    /// The next record going back, or `None` when the slot has no more.
    fn next(&mut self) -> Result<Option<Line>, AuditError> {
        loop {
            if let Some(l) = self.ready.pop() {
                return Ok(Some(l));
            }
            if let Some((b, file)) = &mut self.plain {
                let file = *file;
                if let Some(lines) = b.chunk()? {
                    self.keep(lines, file);
                    continue;
                }
                self.plain = None;
            }
            if self.next == 0 {
                return Ok(None);
            }
            self.next -= 1;
            let path = &self.files[self.next].1;
            if self.files[self.next].0.gz {
                self.ready = self.archive(self.next)?;
            } else {
                self.plain = Some((Backward::open(path)?, self.next));
            }
        }
    }

    /// Lines of a chunk (oldest first): the records below the bound are handed out next.
    fn keep(&mut self, lines: Vec<Vec<u8>>, file: usize) {
        for raw in lines {
            if let Some((seq, ts)) = head(&raw).filter(|(s, _)| self.below_bound(*s)) {
                self.ready.push(Line { seq, ts, raw, file });
            }
        }
    }

    /// An archive's last `cap` records below the bound, in one streaming pass.
    fn archive(&self, file: usize) -> Result<Vec<Line>, AuditError> {
        let path = &self.files[file].1;
        let f = File::open(path).map_err(|e| AuditError::io(path, e))?;
        let mut r = BufReader::new(flate2::read::GzDecoder::new(BufReader::new(f)));
        let mut kept = std::collections::VecDeque::with_capacity(self.cap.min(4096));
        let mut raw = Vec::new();
        loop {
            raw.clear();
            let n = r
                .read_until(b'\n', &mut raw)
                .map_err(|e| AuditError::io(path, e))?;
            if n == 0 || raw.last() != Some(&b'\n') {
                break;
            }
            raw.pop();
            if let Some((seq, ts)) = head(&raw).filter(|(s, _)| self.below_bound(*s)) {
                if kept.len() == self.cap {
                    kept.pop_front();
                }
                kept.push_back(Line {
                    seq,
                    ts,
                    raw: raw.clone(),
                    file,
                });
            }
        }
        Ok(kept.into())
    }

    fn entry(&self, l: &Line) -> Option<Entry> {
        let value: Value = serde_json::from_slice(&l.raw).ok()?;
        let (f, path) = &self.files[l.file];
        Some(Entry {
            slot: self.slot,
            file: path.clone(),
            // Lines are seqs from the file's first (a chain that verifies has no gaps).
            line: l.seq.saturating_sub(f.first_seq) + 1,
            raw: String::from_utf8_lossy(&l.raw).into_owned(),
            value,
        })
    }
}

/// Every log file of the directory and the archive (a file in both counts once), by slot,
/// each slot's oldest first.
pub(crate) fn files_by_slot(
    dir: &Path,
    archive: Option<&Path>,
) -> Result<BTreeMap<u32, Vec<(LogFile, PathBuf)>>, AuditError> {
    let mut files = crate::audit::writer::list(dir)?;
    if let Some(a) = archive {
        for (f, p) in crate::audit::writer::list(a)? {
            if !files
                .iter()
                .any(|(g, _)| g.slot == f.slot && g.first_seq == f.first_seq)
            {
                files.push((f, p));
            }
        }
    }
    files.sort();
    let mut by_slot: BTreeMap<u32, Vec<(LogFile, PathBuf)>> = BTreeMap::new();
    for (f, p) in files {
        by_slot.entry(f.slot).or_default().push((f, p));
    }
    Ok(by_slot)
}

/// What a merge took: the lines newest first, each with its slot's index.
struct Taken {
    lines: Vec<(usize, Line)>,
    /// Per slot index, the next line not taken (the newest left).
    heads: Vec<Option<Line>>,
}

/// Take up to `limit` lines from the newer end, the greatest (ts, slot, seq) first.
fn merge(backs: &mut [Back], limit: usize, errors: &mut Vec<String>) -> Taken {
    let mut pull = |b: &mut Back| {
        b.next().unwrap_or_else(|e| {
            errors.push(e.to_string());
            None
        })
    };
    let mut heads: Vec<Option<Line>> = backs.iter_mut().map(&mut pull).collect();
    let mut lines = Vec::new();
    while lines.len() < limit {
        let newest = heads
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.as_ref().map(|l| (i, l)))
            .max_by(|(i, a), (j, b)| {
                (&a.ts, backs[*i].slot, a.seq).cmp(&(&b.ts, backs[*j].slot, b.seq))
            })
            .map(|(i, _)| i);
        let Some(i) = newest else { break };
        let next = pull(&mut backs[i]);
        if let Some(l) = std::mem::replace(&mut heads[i], next) {
            lines.push((i, l));
        }
    }
    Taken { lines, heads }
}

/// The seq of a slot's newest record.
fn last_seq(files: &[(LogFile, PathBuf)], errors: &mut Vec<String>) -> Option<u64> {
    let mut b = Back::new(0, files.to_vec(), None, 1);
    b.next()
        .unwrap_or_else(|e| {
            errors.push(e.to_string());
            None
        })
        .map(|l| l.seq)
}

/// Read a page of the log for the viewer: at most `limit` records of `page`, oldest first,
/// with the cursor of the page before it and the counts.
pub fn snapshot(loc: &VerifyOptions, limit: usize, page: &Page) -> Snapshot {
    let by_slot = match files_by_slot(&loc.dir, loc.archive_dir.as_deref()) {
        Ok(f) => f,
        Err(e) => return Snapshot::failed(loc.dir.clone(), page.clone(), e.to_string()),
    };
    let mut errors = Vec::new();
    // Where each slot's count starts, and how many records it has.
    let mut base = BTreeMap::new();
    let mut total = 0u64;
    for (slot, files) in &by_slot {
        let first = files.first().map_or(1, |(f, _)| f.first_seq);
        base.insert(*slot, first);
        if let Some(last) = last_seq(files, &mut errors) {
            total += (last + 1).saturating_sub(first);
        }
    }
    let mut backs: Vec<Back> = by_slot
        .into_iter()
        .filter_map(|(slot, files)| match page {
            // A page and the head after it may come from one archive.
            Page::Newest => Some(Back::new(slot, files, None, limit + 1)),
            Page::Before(c) => {
                c.0.get(&slot)
                    .map(|b| Back::new(slot, files, Some(*b), limit + 1))
            }
        })
        .collect();
    let taken = merge(&mut backs, limit, &mut errors);
    // The next page starts where this one ends, in every slot that has more: below the
    // slot's oldest record taken, or (none taken) below its bound, or its newest record.
    let mut lowest: BTreeMap<usize, u64> = BTreeMap::new();
    for (i, l) in &taken.lines {
        lowest
            .entry(*i)
            .and_modify(|s| *s = (*s).min(l.seq))
            .or_insert(l.seq);
    }
    let mut older = BTreeMap::new();
    for (i, h) in taken.heads.iter().enumerate() {
        if let Some(l) = h {
            let bound = lowest.get(&i).copied().or(backs[i].bound);
            older.insert(backs[i].slot, bound.unwrap_or(l.seq + 1));
        }
    }
    let first: u64 = older
        .iter()
        .map(|(slot, bound)| bound.saturating_sub(base.get(slot).copied().unwrap_or(1)))
        .sum();
    let entries: Vec<Entry> = taken
        .lines
        .iter()
        .rev()
        .filter_map(|(i, l)| backs[*i].entry(l))
        .collect();
    errors.dedup();
    Snapshot {
        dir: loc.dir.clone(),
        page: page.clone(),
        first: first.min(total.saturating_sub(entries.len() as u64)),
        total,
        entries,
        older: (!older.is_empty()).then_some(Cursor(older)),
        error: (!errors.is_empty()).then(|| errors.join("; ")),
    }
}

/// Verify the whole log, in the viewer's words: `verified through w0 seq N, ...`,
/// `BROKEN at seq N: damage (file)`, `empty`, or `cannot verify: ...`.
pub fn verification(loc: &VerifyOptions) -> String {
    match crate::audit::verify::verify(loc) {
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
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::app::pane::audit::KEPT;
    use crate::audit::SyncMode;
    use crate::audit::read::{Filter, scan};
    use crate::audit::writer::{Writer, WriterOptions};

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "r3270-audit-{name}-{}-{}",
            std::process::id(),
            crate::audit::time::now().replace([':', '.'], "")
        ))
    }

    /// A log of two slots written at the same time (`records` appends, two in three to
    /// slot 0), in files of `rotate_bytes`, with slot 0's first file archived (gzip) as
    /// retention does.
    pub(crate) fn two_slot_log(name: &str, records: usize, rotate_bytes: u64) -> VerifyOptions {
        let base = temp(name);
        let mut o = WriterOptions::new(&base.join("log"), &base.join("keys"));
        o.rotate_bytes = rotate_bytes;
        // Few fsyncs (at checkpoints, rotation and close): the test is about reading.
        o.sync = SyncMode::Os;
        o.checkpoint_every = 4096;
        let mut a = Writer::open(o.clone()).unwrap();
        let mut b = Writer::open(o.clone()).unwrap();
        assert_eq!((a.slot(), b.slot()), (0, 1));
        for i in 0..records {
            let w = if i % 3 == 2 { &mut b } else { &mut a };
            w.append("aid", &serde_json::json!({"session": "s", "i": i}))
                .unwrap();
        }
        a.close().unwrap();
        b.close().unwrap();
        let archive = base.join("archive");
        std::fs::create_dir_all(&archive).unwrap();
        let name = LogFile {
            slot: 0,
            first_seq: 1,
            gz: false,
        }
        .name();
        let bytes = std::fs::read(o.dir.join(&name)).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &bytes).unwrap();
        std::fs::write(archive.join(format!("{name}.gz")), gz.finish().unwrap()).unwrap();
        std::fs::remove_file(o.dir.join(&name)).unwrap();
        VerifyOptions {
            dir: o.dir.clone(),
            archive_dir: Some(archive),
            key_dir: o.key_dir.clone(),
        }
    }

    /// (slot, seq) of every record, as `audit show` reads them.
    pub(crate) fn every_record(loc: &VerifyOptions) -> Vec<(u32, u64)> {
        let mut all = Vec::new();
        scan(
            &loc.dir,
            loc.archive_dir.as_deref(),
            &Filter::default(),
            |e| {
                all.push((e.slot, e.seq()));
                true
            },
        )
        .unwrap();
        all.sort_unstable();
        all
    }

    #[test]
    fn pages_reach_the_first_record_and_come_back_with_none_missing_or_twice() {
        let loc = two_slot_log("paging", 12_000, 256 * 1024);
        let all = every_record(&loc);
        let n = all.len();
        assert!(n > 2 * KEPT, "{n}");
        assert!(
            std::fs::read_dir(&loc.dir).unwrap().count() > 4,
            "several files a slot"
        );
        // Back from the newest page until there is nothing older.
        let mut pages: Vec<Snapshot> = Vec::new();
        let mut page = Page::Newest;
        loop {
            let s = snapshot(&loc, KEPT, &page);
            assert_eq!(s.error, None);
            assert_eq!(s.total, n as u64);
            assert!(s.entries.len() <= KEPT);
            let older = s.older.clone();
            pages.push(s);
            match older {
                Some(c) => page = Page::Before(c),
                None => break,
            }
            assert!(pages.len() <= n / KEPT + 1, "paging does not end");
        }
        assert_eq!(pages.len(), n.div_ceil(KEPT));
        assert!(
            pages[..pages.len() - 1]
                .iter()
                .all(|p| p.entries.len() == KEPT)
        );
        // Oldest first, the pages hold every record once, in the merged order.
        let seen: Vec<&Entry> = pages.iter().rev().flat_map(|p| &p.entries).collect();
        let mut ids: Vec<(u32, u64)> = seen.iter().map(|e| (e.slot, e.seq())).collect();
        // Each slot's records by seq (the slots merged by time: a chain's ts may step back
        // a millisecond at a rotation).
        for slot in [0, 1] {
            let seqs: Vec<u64> = ids.iter().filter(|i| i.0 == slot).map(|i| i.1).collect();
            assert!(seqs.windows(2).all(|w| w[0] < w[1]), "slot {slot} in order");
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), seen.len(), "no record on two pages");
        assert_eq!(ids, all, "no record missing");
        // Each page says where it lies.
        let mut older = 0;
        for p in pages.iter().rev() {
            assert_eq!(p.first, older);
            older += p.entries.len() as u64;
        }
        // The oldest page starts with the log's first record, read from the archive.
        let first = &pages.last().unwrap().entries[0];
        assert_eq!(
            (first.slot, first.seq(), first.kind()),
            (0, 1, "file-start")
        );
        assert!(first.file.starts_with(loc.archive_dir.as_ref().unwrap()));
        assert_eq!(first.line, 1);
        // Forward again: every page asked for once more is the same, up to the newest.
        for p in pages.iter().rev() {
            assert_eq!(&snapshot(&loc, KEPT, &p.page), p);
        }
        // Slot 1 was closed last: its last record is the newest.
        let newest = pages[0].entries.last().unwrap();
        let last_of_1 = all.iter().filter(|i| i.0 == 1).max().copied();
        assert_eq!(Some((newest.slot, newest.seq())), last_of_1);
    }

    /// Every page, newest first, of `limit` records.
    fn every_page(loc: &VerifyOptions, limit: usize) -> Vec<Snapshot> {
        let mut pages: Vec<Snapshot> = Vec::new();
        let mut page = Page::Newest;
        loop {
            let s = snapshot(loc, limit, &page);
            assert_eq!(s.error, None);
            let older = s.older.clone();
            pages.push(s);
            match older {
                Some(c) => page = Page::Before(c),
                None => return pages,
            }
            assert!(pages.len() < 100_000 / limit, "paging does not end");
        }
    }

    #[test]
    fn small_pages_through_an_archive_longer_than_a_page_miss_nothing() {
        // Files of about 100 records; the pages of one record take all an archive's lines
        // kept for the page, and still need the one after them.
        let loc = two_slot_log("small-pages", 400, 16 * 1024);
        let all = every_record(&loc);
        for limit in [1, 7, 150] {
            let pages = every_page(&loc, limit);
            let mut ids: Vec<(u32, u64)> = pages
                .iter()
                .flat_map(|p| p.entries.iter().map(|e| (e.slot, e.seq())))
                .collect();
            assert_eq!(ids.len(), all.len(), "limit {limit}");
            ids.sort_unstable();
            assert_eq!(ids, all, "limit {limit}");
        }
    }

    #[test]
    fn a_file_read_backwards_gives_its_whole_lines_whatever_the_chunk() {
        let dir = temp("backward");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        let lines: Vec<String> = (0..40).map(|i| "x".repeat(i * 7 % 23 + 1)).collect();
        // The last line has no newline yet (being written): it is left out.
        let text = format!("{}\nunfinished", lines.join("\n"));
        std::fs::write(&path, text).unwrap();
        for chunk in [1, 2, 5, 16, 64, 4096] {
            let mut b = Backward::open(&path).unwrap();
            b.chunk = chunk;
            let mut got = Vec::new();
            while let Some(part) = b.chunk().unwrap() {
                got.splice(
                    0..0,
                    part.into_iter().map(|l| String::from_utf8(l).unwrap()),
                );
            }
            assert_eq!(got, lines, "chunk {chunk}");
        }
    }

    #[test]
    fn a_cursor_past_every_record_or_of_slots_gone_reads_nothing() {
        let loc = two_slot_log("cursor", 30, 256 * 1024);
        let mut c = BTreeMap::new();
        c.insert(7, 5);
        let s = snapshot(&loc, 10, &Page::Before(Cursor(c)));
        assert!(s.entries.is_empty() && s.older.is_none() && s.error.is_none());
        // Only the slots the cursor names are read, below their bound.
        let mut c = BTreeMap::new();
        c.insert(1, 4);
        let s = snapshot(&loc, 10, &Page::Before(Cursor(c)));
        let ids: Vec<(u32, u64)> = s.entries.iter().map(|e| (e.slot, e.seq())).collect();
        assert_eq!(ids, vec![(1, 1), (1, 2), (1, 3)]);
        assert_eq!(s.first, 0);
        // An unreadable directory is an error in the snapshot, not a panic.
        let bad = VerifyOptions {
            dir: "/proc/version".into(),
            ..loc
        };
        assert!(snapshot(&bad, 10, &Page::Newest).error.is_some());
    }
}
