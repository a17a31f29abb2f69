//! The hook the session driver calls ([`AuditSink`]) and its one implementation,
//! [`SessionAudit`]: one session's records, built and redacted here, appended through a
//! [`SharedWriter`] that every session of the process shares.
//!
//! What the driver hands over is already safe: the engine's masked copy of each read reply
//! (non-display input replaced) and the screen through `Session::text_rows` (non-display
//! fields blank). Here card numbers, the user's rules and the profile's screen areas are
//! masked before a record exists.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use serde_json::{Value, json};

use super::AuditError;
use super::chain::{Hash, line_hash};
use super::redact::{Fired, Redactor};
use super::settings::{AuditSettings, OnFailure, SyncMode};
use super::writer::{GROUP_INTERVAL, Writer, WriterOptions};
use crate::driver::LinkStats;
use crate::proto::ds::inbound::parse_inbound;
use crate::proto::screen::display_byte;
use crate::proto::{Session, SessionEvent};

/// What the driver tells the audit log. Called synchronously, in the order things happen;
/// [`AuditSink::sending`] before the bytes are handed to the connection (write-ahead).
pub trait AuditSink: Send {
    /// A connection opened (a reconnect too: `link.reconnects` says so).
    fn connected(&mut self, link: &LinkStats, session: &Session);
    /// The engine is about to send these bytes (its masked copy). `Err` means the records
    /// for them could not be written and the bytes must be held (`on-failure = "block"`);
    /// the driver calls again with no bytes to retry.
    fn sending(&mut self, session: &Session, kept: &[u8]) -> Result<(), String>;
    /// An engine event (unlock after an AID, host errors, the device accepted, ...).
    fn event(&mut self, session: &Session, event: &SessionEvent);
    /// STARTTLS finished.
    fn tls(&mut self, verified: bool, cert: Option<&crate::runtime::cert_info::PeerCert>);
    /// The session ended: `by` is `host`, `connection` or `operator`.
    fn ended(&mut self, why: &str, by: &str);
    /// A front end's own event (a clipboard copy: where and how much, never the text).
    fn note(&mut self, kind: &str, body: Value);
    /// The last write failure, while the log is failing (for the OIA and the monitor).
    fn failure(&self) -> Option<&str>;
    /// The `session` every record of this sink carries (the viewer jumps to its tab).
    fn session_id(&self) -> Option<&str> {
        None
    }
}

/// The process's writer, shared by its sessions. Under `sync = "group"` a thread fsyncs
/// what has waited [`GROUP_INTERVAL`].
#[derive(Clone)]
pub struct SharedWriter {
    inner: Arc<Mutex<Option<Writer>>>,
    dir: PathBuf,
    opts: WriterOptions,
    /// Records appended, and appends that failed, by every session and the API.
    tally: Arc<WriteTally>,
}

/// What a [`SharedWriter`] has written since it was opened (for `/metrics`).
#[derive(Debug, Default)]
struct WriteTally {
    written: AtomicU64,
    failed: AtomicU64,
}

impl std::fmt::Debug for SharedWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedWriter")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl SharedWriter {
    pub fn open(opts: WriterOptions) -> Result<Self, AuditError> {
        let dir = opts.dir.clone();
        let group = opts.sync == SyncMode::Group;
        let w = Writer::open(opts.clone())?;
        let inner = Arc::new(Mutex::new(Some(w)));
        if group {
            let weak: Weak<Mutex<Option<Writer>>> = Arc::downgrade(&inner);
            let _ = std::thread::Builder::new()
                .name("audit-sync".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(GROUP_INTERVAL);
                        let Some(arc) = weak.upgrade() else { break };
                        let mut g = arc.lock().unwrap_or_else(PoisonError::into_inner);
                        let Some(w) = g.as_mut() else { break };
                        if let Err(e) = w.sync_if_due() {
                            tracing::error!(error = %e, "audit log: fsync failed");
                        }
                    }
                });
        }
        Ok(SharedWriter {
            inner,
            dir,
            opts,
            tally: Arc::default(),
        })
    }

    /// Open the log again after [`SharedWriter::close`] (or keep it if it is open): the
    /// sessions' held records are written on their next call.
    pub fn reopen(&self) -> Result<(), AuditError> {
        let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if g.is_none() {
            *g = Some(Writer::open(self.opts.clone())?);
        }
        Ok(())
    }

    /// The log directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Append one record (body: a JSON object's text); returns its seq.
    pub fn append_json(&self, kind: &str, body: &str) -> Result<u64, AuditError> {
        let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let done = match g.as_mut() {
            Some(w) => w.append_json(kind, body),
            None => Err(AuditError::invalid(&self.dir, "the audit log is closed")),
        };
        let n = if done.is_ok() {
            &self.tally.written
        } else {
            &self.tally.failed
        };
        n.fetch_add(1, Ordering::Relaxed);
        done
    }

    /// Records appended since the log was opened (every session's and the API's).
    pub fn records_written(&self) -> u64 {
        self.tally.written.load(Ordering::Relaxed)
    }

    /// Appends that failed since the log was opened.
    pub fn write_failures(&self) -> u64 {
        self.tally.failed.load(Ordering::Relaxed)
    }

    /// Close the log (`log-close` and a final checkpoint). Later appends fail.
    pub fn close(&self) -> Result<(), AuditError> {
        let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match g.take() {
            Some(mut w) => w.close(),
            None => Ok(()),
        }
    }

    /// A sink for one session.
    pub fn session(
        &self,
        settings: &AuditSettings,
        profile: Option<&str>,
    ) -> Result<SessionAudit, String> {
        let redactor = Redactor::new(&settings.rules, &settings.areas, profile)?;
        Ok(SessionAudit {
            writer: self.clone(),
            id: session_id(),
            profile: profile.map(str::to_owned),
            user: os_user(),
            screens: settings.screens,
            on_failure: settings.on_failure,
            redactor,
            aids_seen: 0,
            awaiting_screen: false,
            last_screen: None,
            pending: VecDeque::new(),
            dropped: 0,
            failure: None,
            open: false,
        })
    }
}

/// The OS user running r3270: the name of the real user id (from /etc/passwd), else
/// `$USER`, else `uid N`.
pub fn os_user() -> String {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|v| v.split_whitespace().next().map(str::to_owned))
        });
    if let Some(uid) = &uid {
        let name = std::fs::read_to_string("/etc/passwd").ok().and_then(|p| {
            p.lines().find_map(|l| {
                let mut f = l.split(':');
                let name = f.next()?;
                (f.nth(1)? == uid).then(|| name.to_owned())
            })
        });
        if let Some(n) = name {
            return n;
        }
    }
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .or(uid.map(|u| format!("uid {u}")))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn session_id() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let mut r = [0u8; 4];
    let _ = getrandom::fill(&mut r);
    format!(
        "{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed) + 1,
        hex::encode(r)
    )
}

/// Records waiting for a log that failed, at most this many (the rest are counted).
const MAX_PENDING: usize = 4096;

/// One session's audit records.
pub struct SessionAudit {
    writer: SharedWriter,
    id: String,
    profile: Option<String>,
    user: String,
    screens: bool,
    on_failure: OnFailure,
    redactor: Redactor,
    aids_seen: u64,
    awaiting_screen: bool,
    last_screen: Option<Hash>,
    pending: VecDeque<(&'static str, String)>,
    dropped: u64,
    failure: Option<String>,
    /// A connection is open (its `session-end` is not written yet).
    open: bool,
}

impl Drop for SessionAudit {
    fn drop(&mut self) {
        if self.open {
            self.ended("the client stopped with the session open", "client");
        }
    }
}

impl std::fmt::Debug for SessionAudit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionAudit")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl SessionAudit {
    /// This session's id in the records.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Queue a record and write what is queued, in order.
    fn record(&mut self, kind: &'static str, mut body: Value) -> Result<(), String> {
        if let Some(o) = body.as_object_mut() {
            o.insert("session".into(), Value::String(self.id.clone()));
        }
        if self.pending.len() >= MAX_PENDING {
            self.dropped += 1;
        } else {
            self.pending.push_back((kind, body.to_string()));
        }
        self.flush()
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.failure.is_some() && self.pending.is_empty() {
            return Ok(());
        }
        let was_failing = self.failure.is_some();
        if was_failing {
            // The log works again: say how long it did not, before the held records.
            let body = json!({
                "session": self.id,
                "error": self.failure,
                "held": self.pending.len(),
                "dropped": self.dropped,
            })
            .to_string();
            if let Err(e) = self.writer.append_json("log-failure", &body) {
                return Err(self.failed(&e));
            }
            self.failure = None;
            self.dropped = 0;
        }
        while let Some((kind, body)) = self.pending.front() {
            if let Err(e) = self.writer.append_json(kind, body) {
                return Err(self.failed(&e));
            }
            self.pending.pop_front();
        }
        Ok(())
    }

    fn failed(&mut self, e: &AuditError) -> String {
        let msg = format!("audit log: {e}");
        if self.failure.is_none() {
            tracing::error!(error = %e, "cannot write the audit log");
        }
        self.failure = Some(msg.clone());
        msg
    }

    fn aid_record(&mut self, session: &Session, record: &[u8]) -> Option<Value> {
        let screen = session.screen();
        let dims = screen.dims();
        let inbound = parse_inbound(record, dims).ok()?;
        if inbound.aid == crate::proto::Aid::StructuredField {
            return None;
        }
        let cp = session.code_page();
        let mut fired = Fired::new();
        let mut fields = Vec::new();
        for f in &inbound.fields {
            let pos = f.addr.position(dims);
            let field = screen.field_at(f.addr);
            if field.is_some_and(|fd| fd.attr.is_non_display() && !fd.attr.is_protected()) {
                fields.push(json!({
                    "row": pos.row + 1,
                    "col": pos.col + 1,
                    "hidden": true,
                    "length": field.map_or(0, |fd| fd.len),
                }));
                continue;
            }
            let mut text = String::new();
            let mut ge = false;
            let mut at = f.addr;
            let mut area = false;
            for &b in &f.data {
                if b == 0x08 && !ge {
                    ge = true;
                    continue;
                }
                let p = at.position(dims);
                if self
                    .redactor
                    .in_area(usize::from(p.row), usize::from(p.col))
                {
                    text.push('*');
                    area = true;
                } else {
                    text.push(display_byte(b, ge, cp));
                }
                ge = false;
                at = at.next(dims);
            }
            if area {
                *fired.entry("area".into()).or_insert(0) += 1;
            }
            let text = self.redactor.text(&text, &mut fired);
            fields.push(json!({"row": pos.row + 1, "col": pos.col + 1, "text": text}));
        }
        let cursor = inbound.cursor.map(|c| {
            let p = c.position(dims);
            json!({"row": p.row + 1, "col": p.col + 1})
        });
        Some(json!({
            "key": inbound.aid.to_string(),
            "cursor": cursor,
            "fields": fields,
            "redactions": fired,
        }))
    }
}

/// The 3270 records in framed outbound bytes: telnet commands and sub-negotiations
/// dropped, IAC doubling undone, split at IAC EOR. A record not ended by EOR is dropped.
fn records(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != 0xFF {
            cur.push(b);
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(0xFF) => {
                cur.push(0xFF);
                i += 2;
            }
            Some(0xEF) => {
                out.push(std::mem::take(&mut cur));
                i += 2;
            }
            Some(0xFA) => {
                let end = bytes[i + 2..]
                    .windows(2)
                    .position(|w| w == [0xFF, 0xF0])
                    .map_or(bytes.len(), |p| i + 2 + p + 2);
                i = end;
            }
            Some(0xFB..=0xFE) => i += 3,
            _ => i += 2,
        }
    }
    out
}

impl AuditSink for SessionAudit {
    fn connected(&mut self, link: &LinkStats, session: &Session) {
        self.open = true;
        self.aids_seen = session.stats().aids.total();
        self.awaiting_screen = false;
        self.last_screen = None;
        let cfg = session.config();
        let body = json!({
            "user": self.user,
            "profile": self.profile,
            "endpoint": link.endpoint,
            "peer": link.peer.map(|p| p.to_string()),
            "tls": link.tls.map(|v| json!({
                "verified": v,
                "starttls": false,
                "certificate": cert_json(link.cert.as_ref()),
            })),
            "terminal-type": cfg.terminal_type(),
            "lu": cfg.lu,
            "reconnect": link.reconnects > 0,
            "connection": link.connections,
        });
        let _ = self.record("session-start", body);
    }

    fn sending(&mut self, session: &Session, kept: &[u8]) -> Result<(), String> {
        let total = session.stats().aids.total();
        if total > self.aids_seen && !kept.is_empty() {
            self.aids_seen = total;
            let e = session.is_tn3270e();
            for rec in records(kept) {
                let data = if e {
                    // TN3270E: 3270-DATA records only (data type 0), header stripped.
                    match rec.split_first_chunk::<5>() {
                        Some((h, rest)) if h[0] == 0 => rest.to_vec(),
                        _ => continue,
                    }
                } else {
                    rec
                };
                if let Some(body) = self.aid_record(session, &data) {
                    self.awaiting_screen = true;
                    if self.pending.len() >= MAX_PENDING {
                        self.dropped += 1;
                    } else {
                        let mut body = body;
                        if let Some(o) = body.as_object_mut() {
                            o.insert("session".into(), Value::String(self.id.clone()));
                        }
                        self.pending.push_back(("aid", body.to_string()));
                    }
                }
            }
        }
        match self.flush() {
            Ok(()) => Ok(()),
            Err(e) if self.on_failure == OnFailure::Block => Err(e),
            Err(_) => {
                // `warn`: the bytes go; their records wait for the log to work again.
                Ok(())
            }
        }
    }

    fn event(&mut self, session: &Session, event: &SessionEvent) {
        let r = match event {
            SessionEvent::KeyboardUnlocked { response_time } if self.awaiting_screen => {
                self.awaiting_screen = false;
                if !self.screens {
                    return;
                }
                let mut fired = Fired::new();
                let rows: Vec<String> = self
                    .redactor
                    .screen(&session.text_rows(), &mut fired)
                    .into_iter()
                    .map(|r| r.trim_end().to_owned())
                    .collect();
                let h = line_hash(rows.join("\n").as_bytes());
                if self.last_screen == Some(h) {
                    return;
                }
                self.last_screen = Some(h);
                let c = session.screen().cursor_position();
                self.record(
                    "screen",
                    json!({
                        "rows": rows,
                        "cursor": {"row": c.row + 1, "col": c.col + 1},
                        "response-ms": response_time.map(|d| d.as_millis()),
                        "redactions": fired,
                    }),
                )
            }
            SessionEvent::HostError {
                error,
                negative_response,
            } => self.record(
                "host-error",
                json!({
                    "error": error.to_string(),
                    "class": error.kind().name(),
                    "negative-response": negative_response,
                }),
            ),
            SessionEvent::DeviceAccepted { terminal_type, lu } => {
                self.record("device", json!({"terminal-type": terminal_type, "lu": lu}))
            }
            SessionEvent::Bound { plu } => self.record("bind", json!({"plu": plu})),
            SessionEvent::Unbound => self.record("unbind", json!({})),
            _ => return,
        };
        let _ = r;
    }

    fn tls(&mut self, verified: bool, cert: Option<&crate::runtime::cert_info::PeerCert>) {
        let _ = self.record(
            "tls",
            json!({"verified": verified, "starttls": true, "certificate": cert_json(cert)}),
        );
    }

    fn ended(&mut self, why: &str, by: &str) {
        self.open = false;
        let _ = self.record("session-end", json!({"reason": why, "by": by}));
    }

    fn note(&mut self, kind: &str, body: Value) {
        let kind: &'static str = match kind {
            "clipboard" => "clipboard",
            "macro" => "macro",
            "config-reload" => "config-reload",
            _ => "note",
        };
        let _ = self.record(kind, body);
    }

    fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    fn session_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_unframed() {
        // IAC DO TTYPE, a record with a doubled IAC, IAC EOR, a sub-negotiation, a record.
        let bytes = [
            0xFF, 0xFD, 0x18, 0x7D, 0xFF, 0xFF, 0x01, 0xFF, 0xEF, 0xFF, 0xFA, 0x18, 0x00, 0xFF,
            0xF0, 0x6D, 0xFF, 0xEF, 0x99,
        ];
        assert_eq!(records(&bytes), vec![vec![0x7D, 0xFF, 0x01], vec![0x6D]]);
    }
}

#[cfg(test)]
mod block_tests {
    //! `on-failure`: the session driver against the demo host's sans-IO side in memory,
    //! with a real writer that stops working (closed) and works again (reopened).
    #![allow(clippy::many_single_char_names)] // d, h, o, w: driver, host, options, writer

    use std::time::{Duration, Instant};

    use super::*;
    use crate::demo::{HostConfig, HostConnection, LuPool, WallClock};
    use crate::driver::{Connected, Driver, Output};
    use crate::proto::{Aid, Key, TerminalConfig};

    const WALL: WallClock = WallClock {
        day: 2,
        month: 3,
        year: 26,
        hour: 4,
        minute: 5,
    };

    fn dirs(name: &str) -> WriterOptions {
        let base = std::env::temp_dir().join(format!(
            "r3270-audit-block-{name}-{}-{}",
            std::process::id(),
            crate::audit::time::now().replace([':', '.'], "")
        ));
        WriterOptions::new(&base.join("log"), &base.join("keys"))
    }

    /// Bytes the host received, pumped both ways; returns how many AIDs reached it.
    fn pump(d: &mut Driver, h: &mut HostConnection, now: Instant) -> usize {
        let mut aids = 0;
        loop {
            let mut moved = false;
            while let Some(o) = d.poll_output() {
                if let Output::Send(b) = o {
                    // TN3270E: 3270-DATA (type 0) is an AID here; responses are type 2.
                    if b.first() == Some(&0) {
                        aids += 1;
                    }
                    h.handle_input(now, WALL, &b);
                    moved = true;
                }
            }
            while d.poll_event().is_some() {}
            while let Some(b) = h.poll_transmit() {
                d.input(now, &b);
                moved = true;
            }
            while h.poll_event().is_some() {}
            if !moved {
                return aids;
            }
        }
    }

    fn session(settings: &AuditSettings, w: &SharedWriter) -> (Driver, HostConnection, Instant) {
        let now = Instant::now();
        let mut d = Driver::new(TerminalConfig::default(), 256 * 1024, 512);
        d.set_audit(Box::new(w.session(settings, None).unwrap()));
        d.connected(
            now,
            Connected {
                endpoint: "127.0.0.1:3270".into(),
                peer: "127.0.0.1:3270".parse().unwrap(),
                direct_tls: None,
                connect_time: None,
            },
        );
        let mut h = HostConnection::new(HostConfig::default(), LuPool::shared());
        pump(&mut d, &mut h, now);
        assert!(d.drawn());
        for c in "demo".chars() {
            d.key(now, Key::Char(c));
        }
        d.key(now, Key::Tab);
        (d, h, now)
    }

    fn aid_records(o: &WriterOptions) -> usize {
        crate::audit::writer::list(&o.dir)
            .unwrap()
            .iter()
            .map(|(_, p)| {
                std::fs::read_to_string(p)
                    .unwrap()
                    .lines()
                    .filter(|l| l.contains("\"kind\":\"aid\""))
                    .count()
            })
            .sum()
    }

    #[test]
    fn the_shared_writer_counts_records_written_and_failed_appends() {
        let o = dirs("tally");
        let w = SharedWriter::open(o.clone()).unwrap();
        let other = w.clone();
        w.append_json("note", "{\"n\":1}").unwrap();
        other.append_json("note", "{\"n\":2}").unwrap();
        assert_eq!((w.records_written(), w.write_failures()), (2, 0));
        w.close().unwrap();
        assert!(other.append_json("note", "{\"n\":3}").is_err());
        assert_eq!((w.records_written(), w.write_failures()), (2, 1));
        w.reopen().unwrap();
        w.append_json("note", "{\"n\":4}").unwrap();
        assert_eq!((other.records_written(), other.write_failures()), (3, 1));
        w.close().unwrap();
        // The log holds every record counted as written.
        let notes: usize = crate::audit::writer::list(&o.dir)
            .unwrap()
            .iter()
            .map(|(_, p)| {
                std::fs::read_to_string(p)
                    .unwrap()
                    .lines()
                    .filter(|l| l.contains("\"kind\":\"note\""))
                    .count()
            })
            .sum();
        assert_eq!(notes, 3);
    }

    #[test]
    fn block_holds_the_aid_until_its_record_is_written() {
        let o = dirs("block");
        let w = SharedWriter::open(o.clone()).unwrap();
        let settings = AuditSettings::default();
        let (mut d, mut h, now) = session(&settings, &w);
        w.close().unwrap();
        d.key(now, Key::Aid(Aid::Enter));
        // Nothing leaves: the record could not be written.
        assert_eq!(pump(&mut d, &mut h, now), 0);
        assert_eq!(d.held(), 1);
        assert!(d.audit_failure().is_some_and(|e| e.contains("closed")));
        // The driver asks to be woken to retry.
        let retry = d.poll_timeout().unwrap();
        assert!(retry > now && retry <= now + Duration::from_secs(1));
        d.timeout(retry);
        assert_eq!(pump(&mut d, &mut h, now), 0, "still failing: still held");
        // The log works again: the next call writes the record, then sends the AID.
        w.reopen().unwrap();
        d.timeout(retry);
        assert_eq!(d.held(), 0);
        assert_eq!(pump(&mut d, &mut h, now), 1);
        assert!(d.audit_failure().is_none());
        assert!(!d.session().is_locked(), "the host answered");
        w.close().unwrap();
        assert_eq!(aid_records(&o), 1);
        let text: String = crate::audit::writer::list(&o.dir)
            .unwrap()
            .iter()
            .map(|(_, p)| std::fs::read_to_string(p).unwrap())
            .collect();
        assert!(text.contains("\"kind\":\"log-failure\""), "{text}");
        let v = crate::audit::verify::verify(&crate::audit::verify::VerifyOptions {
            dir: o.dir.clone(),
            archive_dir: None,
            key_dir: o.key_dir.clone(),
        })
        .unwrap();
        assert_eq!(v.problem, None);
    }

    #[test]
    fn warn_sends_the_aid_and_writes_its_record_later() {
        let o = dirs("warn");
        let w = SharedWriter::open(o.clone()).unwrap();
        let settings = AuditSettings {
            on_failure: OnFailure::Warn,
            ..AuditSettings::default()
        };
        let (mut d, mut h, now) = session(&settings, &w);
        w.close().unwrap();
        d.key(now, Key::Aid(Aid::Enter));
        assert_eq!(pump(&mut d, &mut h, now), 1, "sent despite the failure");
        assert!(d.audit_failure().is_some());
        w.reopen().unwrap();
        d.key(now, Key::Aid(Aid::Pf(1)));
        pump(&mut d, &mut h, now);
        w.close().unwrap();
        assert_eq!(
            aid_records(&o),
            2,
            "the held record was written when the log came back"
        );
    }
}

/// The host certificate as a record carries it: its names (the subject), expiry and
/// SHA-256 fingerprint.
fn cert_json(cert: Option<&crate::runtime::cert_info::PeerCert>) -> Value {
    cert.map_or(
        Value::Null,
        |c| json!({"names": c.names, "not-after": c.not_after, "sha256": c.sha256}),
    )
}
