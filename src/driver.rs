//! The session driver: one [`Session`] and everything every front end needs around it,
//! written once.
//!
//! A front end (the headless `Client`, a TUI tab, the trace replay) owns one [`Driver`] per
//! session, feeds it what happened on the connection (`connected`, `input`,
//! `tls_established`, `closed`, `failed`), the operator's keys and the time, and carries out
//! what it asks for ([`Driver::poll_output`]: bytes to send, a STARTTLS handshake, an abort).
//! The driver keeps what the three copies used to keep each their own way:
//!
//! - the record tracker, so that "closed in the middle of a record" is known to every front
//!   end, not only the headless one;
//! - the record-size policy: a host past `limits.max-record-bytes` is cut off, with one
//!   reason worded once ([`ConnectionError::RecordTooLarge`]);
//! - the redacting tap ([`Tap`]): a trace gets the host's bytes and the engine's masked copy
//!   of ours, never what the operator typed into a non-display field;
//! - connection-level figures ([`LinkStats`]) beside the engine's own
//!   ([`SessionStats`](crate::proto::SessionStats)), read together as a [`Snapshot`];
//! - what waits need: whether the host has drawn, when it last spoke, how many screens it
//!   has sent;
//! - the audit hook ([`AuditSink`], `crate::audit`): it sees what the tap sees, plus the
//!   engine's events, and an AID's record is written before the AID's bytes are handed out
//!   by [`Driver::poll_output`] (write-ahead). When the log cannot be written and its policy
//!   is `block`, the bytes are held until it can (retried on every call, and at least once a
//!   second through [`Driver::poll_timeout`]).
//!
//! Like the engine it does no I/O, reads no clock and needs no tokio: time comes in as
//! `now`. It must not decide what a key means (that is the keymap's) or how anything is
//! shown (that is `ui` and `headless`).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::audit::AuditSink;
use crate::proto::error::HostError;
use crate::proto::{Key, Mode, Session, SessionEvent, SessionStats, TerminalConfig};
use crate::runtime::error::ConnectionError;
use crate::runtime::record::RecordTracker;

/// Host errors kept for display (the count of all of them is in the statistics).
const KEPT_ERRORS: usize = 32;

/// How often bytes held for a failing audit log are retried.
const AUDIT_RETRY: Duration = Duration::from_secs(1);
/// Response times kept one by one, newest last (the monitor's sparkline); the engine's
/// statistics have the count, the buckets, the mean and the largest of all of them.
pub const RECENT_RESPONSES: usize = 60;

/// Where a trace (and, later, the audit log) taps the session. It is handed the host's bytes
/// as read and our bytes as the engine masked them for keeping: secrets typed into
/// non-display fields never reach it.
pub trait Tap: Send {
    /// Bytes from the host, as read.
    fn host(&mut self, bytes: &[u8]);
    /// Bytes to the host, with non-display input masked.
    fn client(&mut self, masked: &[u8]);
    /// Something that happened on the connection (TLS up, closed, why it ended).
    fn note(&mut self, text: &str);
    /// Write out what is buffered (the connection ended, or the front end is done).
    fn flush(&mut self) {}
}

/// An x3270 trace file is a tap: host bytes as `<` lines, ours (masked) as `>` lines, notes
/// as comments with the wall-clock time. A write error is logged, not fatal: a full disk
/// must not end the session.
impl<W: std::io::Write + Send> Tap for crate::trace::writer::TraceWriter<W> {
    fn host(&mut self, bytes: &[u8]) {
        if let Err(e) = crate::trace::writer::TraceWriter::host(self, bytes) {
            tracing::warn!(error = %e, "cannot write the trace");
        }
    }

    fn client(&mut self, masked: &[u8]) {
        if let Err(e) = crate::trace::writer::TraceWriter::client(self, masked) {
            tracing::warn!(error = %e, "cannot write the trace");
        }
    }

    #[allow(clippy::disallowed_methods)] // a trace note carries the wall-clock time
    fn note(&mut self, text: &str) {
        let now = std::time::SystemTime::now();
        if let Err(e) = crate::trace::writer::TraceWriter::note(self, now, text) {
            tracing::warn!(error = %e, "cannot write the trace");
        }
    }

    fn flush(&mut self) {
        if let Err(e) = crate::trace::writer::TraceWriter::flush(self) {
            tracing::warn!(error = %e, "cannot write the trace");
        }
    }
}

/// What the driver asks the front end to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Write these bytes to the host, in order.
    Send(Vec<u8>),
    /// Run the TLS handshake now (the host sent STARTTLS FOLLOWS), then call
    /// [`Driver::tls_established`].
    StartTls,
    /// Drop the connection at once without reading more: the host broke a limit.
    /// [`Driver::ended`] says why.
    Abort,
}

/// A connection that has just opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connected {
    /// The endpoint as the operator or the profile named it (`host:port`, `L:host:992`).
    pub endpoint: String,
    pub peer: SocketAddr,
    /// `Some(verified)` when TLS ran from the first byte (`L:`).
    pub direct_tls: Option<bool>,
    /// How long name resolution, the TCP connect (and a direct TLS handshake) took.
    pub connect_time: Option<Duration>,
}

/// Connection-level figures, kept by the driver.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// The endpoint of the current (or last) connection.
    pub endpoint: Option<String>,
    pub peer: Option<SocketAddr>,
    /// When the current (or last) connection opened.
    pub connected_at: Option<Instant>,
    /// How long opening it took.
    pub connect_time: Option<Duration>,
    /// `Some(verified)` once the connection runs over TLS (direct or STARTTLS).
    pub tls: Option<bool>,
    /// TLS came by STARTTLS rather than from the first byte.
    pub starttls: bool,
    /// The terminal type the host accepted, and the LU it assigned (TN3270E).
    pub terminal_type: Option<String>,
    pub lu: Option<String>,
    /// Connections opened on this driver, and how many of them followed a dropped one.
    pub connections: u32,
    pub reconnects: u32,
    /// Attempts per endpoint, in the order each was first tried.
    pub endpoints: Vec<EndpointAttempts>,
    /// The certificate the host presented (direct TLS or STARTTLS): names, expiry and
    /// SHA-256 fingerprint. native-tls does not tell the protocol version or the cipher,
    /// so neither is kept.
    pub cert: Option<crate::runtime::cert_info::PeerCert>,
}

/// How often one endpoint was tried, and how often that failed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointAttempts {
    /// The endpoint as named (the profile's host, or an alternate as written).
    pub endpoint: String,
    /// Attempts to connect to it, and how many of them failed.
    pub attempts: u32,
    pub failures: u32,
}

/// The figures of one session: the engine's and the connection's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub session: SessionStats,
    pub link: LinkStats,
    /// The protocol mode now.
    pub mode: Mode,
    /// TN3270E functions in force, by their RFC 2355 names.
    pub functions: Vec<&'static str>,
}

/// One session and its connection's lifecycle, without I/O.
pub struct Driver {
    /// A host certificate given before the connection (or STARTTLS) it belongs to.
    pending_cert: Option<crate::runtime::cert_info::PeerCert>,
    terminal: TerminalConfig,
    max_record: usize,
    type_ahead: usize,
    session: Session,
    tracker: RecordTracker,
    link: LinkStats,
    connected: bool,
    ended: Option<ConnectionError>,
    drawn: bool,
    last_input: Option<Instant>,
    screens: u64,
    host_errors: VecDeque<HostError>,
    /// The newest response times of this connection, and how many the engine had counted
    /// when the last was taken.
    recent: VecDeque<Duration>,
    responses_seen: u64,
    tap: Option<Box<dyn Tap>>,
    audit: Option<Box<dyn AuditSink>>,
    /// Bytes whose audit records could not be written yet (`on-failure = "block"`).
    held: VecDeque<Vec<u8>>,
    /// The last time the driver was called with, for retrying held bytes.
    last_now: Option<Instant>,
    outputs: VecDeque<Output>,
    events: VecDeque<SessionEvent>,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("endpoint", &self.link.endpoint)
            .field("mode", &self.session.mode())
            .field("connected", &self.connected)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl Driver {
    /// A driver for sessions of this terminal, with the record-size and type-ahead limits
    /// (`limits.max-record-bytes`, `limits.type-ahead`). No connection yet.
    pub fn new(terminal: TerminalConfig, max_record: usize, type_ahead: usize) -> Self {
        let session = fresh_session(&terminal, max_record, type_ahead);
        Driver {
            terminal,
            max_record,
            type_ahead,
            session,
            tracker: RecordTracker::default(),
            link: LinkStats::default(),
            connected: false,
            ended: None,
            drawn: false,
            last_input: None,
            screens: 0,
            pending_cert: None,
            host_errors: VecDeque::new(),
            recent: VecDeque::new(),
            responses_seen: 0,
            tap: None,
            audit: None,
            held: VecDeque::new(),
            last_now: None,
            outputs: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The terminal and limits for the next connection (a configuration reload may have
    /// changed them); the session in use is not touched.
    pub fn reconfigure(&mut self, terminal: TerminalConfig, max_record: usize, type_ahead: usize) {
        self.terminal = terminal;
        self.max_record = max_record;
        self.type_ahead = type_ahead;
    }

    /// Record both directions from now on through `tap` (the engine then builds masked
    /// copies of what it sends).
    pub fn set_tap(&mut self, tap: Box<dyn Tap>) {
        self.session.set_masked_copy(true);
        self.tap = Some(tap);
    }

    /// Record the session in the audit log from now on (the engine then builds masked
    /// copies of what it sends). A connection already open is recorded as starting now.
    pub fn set_audit(&mut self, mut audit: Box<dyn AuditSink>) {
        self.session.set_masked_copy(true);
        if self.connected {
            audit.connected(&self.link, &self.session);
        }
        self.audit = Some(audit);
    }

    /// The audit hook, for a front end's own records (a clipboard copy).
    pub fn audit_mut(&mut self) -> Option<&mut (dyn AuditSink + 'static)> {
        self.audit.as_deref_mut()
    }

    /// The audit session this driver records to, if it records.
    pub fn audit_session(&self) -> Option<&str> {
        self.audit.as_deref().and_then(|a| a.session_id())
    }

    /// Why the audit log cannot be written, while it cannot.
    pub fn audit_failure(&self) -> Option<&str> {
        self.audit.as_ref().and_then(|a| a.failure())
    }

    /// Bytes held back until their audit records are written.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    // ----- inputs ------------------------------------------------------------------------

    /// A connection opened: a fresh conversation starts (nothing of an old one, a half-done
    /// negotiation or a locked keyboard, may leak into it).
    pub fn connected(&mut self, now: Instant, c: Connected) {
        if self.link.connections > 0 {
            self.link.reconnects += 1;
        }
        self.link.connections += 1;
        self.link.attempt(&c.endpoint).attempts += 1;
        self.session = fresh_session(&self.terminal, self.max_record, self.type_ahead);
        if self.tap.is_some() || self.audit.is_some() {
            self.session.set_masked_copy(true);
        }
        if let Some(verified) = c.direct_tls {
            self.session.set_secure(verified);
        }
        self.link.endpoint = Some(c.endpoint);
        self.link.peer = Some(c.peer);
        self.link.connected_at = Some(now);
        self.link.connect_time = c.connect_time;
        self.link.tls = c.direct_tls;
        self.link.starttls = false;
        // A certificate given for this connection (direct TLS); none otherwise.
        self.link.cert = self.pending_cert.take().filter(|_| c.direct_tls.is_some());
        self.link.terminal_type = None;
        self.link.lu = None;
        self.tracker = RecordTracker::default();
        self.connected = true;
        self.ended = None;
        self.drawn = false;
        self.last_input = None;
        self.outputs.clear();
        self.held.clear();
        self.last_now = Some(now);
        if let Some(a) = &mut self.audit {
            a.connected(&self.link, &self.session);
        }
        self.recent.clear();
        self.responses_seen = 0;
    }

    /// Bytes from the host, as read (any chunking).
    pub fn input(&mut self, now: Instant, bytes: &[u8]) {
        if !self.connected {
            return;
        }
        if let Some(tap) = &mut self.tap {
            tap.host(bytes);
        }
        self.tracker.feed(bytes);
        self.last_input = Some(now);
        self.last_now = Some(now);
        let oversized = self.session.oversized_records();
        self.session.handle_input(now, bytes);
        if self.session.oversized_records() > oversized {
            // A host that sends more than the limit is not trusted with the rest of the
            // session: stop reading at once and say why.
            let limit = self.session.max_record();
            self.drain();
            self.outputs.push_back(Output::Abort);
            self.end(ConnectionError::RecordTooLarge { limit });
            return;
        }
        if !self.session.mode().is_3270() {
            // NVT text has no records; only 3270 data can be cut mid-record.
            self.tracker.reset();
        }
        self.drain();
    }

    /// The STARTTLS handshake finished.
    /// The certificate the host presented; call it before [`Driver::connected`] (direct
    /// TLS) or [`Driver::tls_established`] (STARTTLS), which take it for their connection.
    pub fn peer_certificate(&mut self, cert: crate::runtime::cert_info::PeerCert) {
        self.pending_cert = Some(cert);
    }

    pub fn tls_established(&mut self, _now: Instant, verified: bool) {
        if let Some(tap) = &mut self.tap {
            tap.note("TLS established");
        }
        self.link.cert = self.pending_cert.take();
        if let Some(a) = &mut self.audit {
            a.tls(verified, self.link.cert.as_ref());
        }
        self.link.tls = Some(verified);
        self.link.starttls = true;
        self.session.handle_tls_established(verified);
        self.drain();
    }

    /// The host closed the connection (end of stream).
    pub fn closed(&mut self, _now: Instant) {
        let bytes = self.tracker.open_bytes();
        self.end(if bytes > 0 {
            ConnectionError::ClosedMidRecord { bytes }
        } else {
            ConnectionError::HostClosed
        });
    }

    /// An endpoint could not be connected (a front end that tries alternates reports each
    /// one that failed; the one that answers is counted by [`Driver::connected`]).
    pub fn attempt_failed(&mut self, endpoint: &str) {
        let e = self.link.attempt(endpoint);
        e.attempts += 1;
        e.failures += 1;
    }

    /// The connection failed (or could not be opened). A reset is told apart by whether a
    /// record was open.
    pub fn failed(&mut self, _now: Instant, e: ConnectionError) {
        let e = match e {
            ConnectionError::Reset { .. } => ConnectionError::Reset {
                mid_record: self.tracker.open_bytes() > 0,
            },
            other => other,
        };
        self.end(e);
    }

    /// One operator key.
    pub fn key(&mut self, now: Instant, key: Key) {
        self.last_now = Some(now);
        self.session.handle_key(key, now);
        self.drain();
    }

    /// Time passed: call when [`Driver::poll_timeout`] is due.
    pub fn timeout(&mut self, now: Instant) {
        self.last_now = Some(now);
        if self.session.poll_timeout().is_some_and(|t| t <= now) {
            self.session.handle_timeout(now);
            self.drain();
        } else if !self.held.is_empty() {
            self.drain();
        }
    }

    /// The disconnect was the operator's (or the front end's) own: the driver stops
    /// accepting host input and keeps the last screen; `note` goes to the tap. No end
    /// reason is recorded.
    pub fn disconnected(&mut self, note: impl Into<String>) {
        let note = note.into();
        if let Some(tap) = &mut self.tap {
            tap.note(&note);
            tap.flush();
        }
        if let (Some(a), true) = (&mut self.audit, self.connected) {
            a.ended(&note, "operator");
        }
        self.connected = false;
    }

    // ----- outputs -----------------------------------------------------------------------

    /// The next thing to do, in order.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// The next engine event, for front ends that react to them (badges, the bell).
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// When [`Driver::timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let retry = match (self.held.is_empty(), self.last_now) {
            (false, Some(t)) => Some(t + AUDIT_RETRY),
            _ => None,
        };
        match (self.session.poll_timeout(), retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ----- state -------------------------------------------------------------------------

    /// The session, when the driver is done with it (a replay's final state).
    pub fn into_session(self) -> Session {
        self.session
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Whether a connection is up and accepting input.
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// Why the connection ended, once it has (cleared when a new one opens).
    pub fn ended(&self) -> Option<&ConnectionError> {
        self.ended.as_ref()
    }

    /// Whether the host has drawn anything since the connection opened.
    pub fn drawn(&self) -> bool {
        self.drawn
    }

    /// When the host last sent anything.
    pub fn last_input(&self) -> Option<Instant> {
        self.last_input
    }

    /// How many times the host changed the screen (a wait for output compares two).
    pub fn screens(&self) -> u64 {
        self.screens
    }

    /// The newest host errors, oldest first (at most 32; the statistics count them all).
    pub fn host_errors(&self) -> impl Iterator<Item = &HostError> {
        self.host_errors.iter()
    }

    /// The newest response times of this connection (at most [`RECENT_RESPONSES`]),
    /// oldest first.
    pub fn recent_responses(&self) -> impl Iterator<Item = Duration> + '_ {
        self.recent.iter().copied()
    }

    /// Every figure of the session and its connection.
    pub fn stats(&self) -> Snapshot {
        let e = self.session.tn3270e();
        let functions = if self.session.is_tn3270e() {
            e.functions().names()
        } else {
            Vec::new()
        };
        Snapshot {
            session: self.session.stats(),
            link: self.link.clone(),
            mode: self.session.mode(),
            functions,
        }
    }

    // ----- the polling contract ----------------------------------------------------------

    fn end(&mut self, e: ConnectionError) {
        tracing::info!(error = %e, "session ended");
        if let Some(tap) = &mut self.tap {
            tap.note(&format!("connection ended: {e}"));
            tap.flush();
        }
        if let (Some(a), true) = (&mut self.audit, self.connected) {
            let by = if e.is_host_close() {
                "host"
            } else {
                "connection"
            };
            a.ended(&e.to_string(), by);
        }
        self.connected = false;
        if self.ended.is_none() {
            self.ended = Some(e);
        }
    }

    /// Bytes first, in order, then events (docs/ARCHITECTURE.md).
    fn drain(&mut self) {
        self.release_held();
        while let Some((wire, kept)) = self.session.poll_transmit_masked() {
            if let Some(tap) = &mut self.tap {
                tap.client(&kept);
            }
            if let Some(a) = &mut self.audit {
                // Write-ahead: the records first; bytes whose records failed (or that
                // follow held ones) wait.
                let written = a.sending(&self.session, &kept).is_ok();
                if !written || !self.held.is_empty() {
                    self.held.push_back(wire);
                    continue;
                }
            }
            if self.connected {
                self.outputs.push_back(Output::Send(wire));
            }
        }
        while let Some(ev) = self.session.poll_event() {
            match &ev {
                SessionEvent::StartTls => self.outputs.push_back(Output::StartTls),
                SessionEvent::ScreenChanged => {
                    self.drawn = true;
                    self.screens += 1;
                }
                SessionEvent::HostError { error, .. } => {
                    // The engine's errors describe framing and orders, never field contents.
                    tracing::debug!(%error, kind = error.kind().name(), "host error");
                    if self.host_errors.len() == KEPT_ERRORS {
                        self.host_errors.pop_front();
                    }
                    self.host_errors.push_back(*error);
                }
                SessionEvent::DeviceAccepted { terminal_type, lu } => {
                    self.link.terminal_type = Some(terminal_type.clone());
                    self.link.lu.clone_from(lu);
                }
                _ => {}
            }
            if let Some(a) = &mut self.audit {
                a.event(&self.session, &ev);
            }
            self.events.push_back(ev);
        }
        // A response is recorded by the engine when the host restores the keyboard after
        // an AID; one read answers at most one AID (the next leaves only after it).
        let r = self.session.stats().response;
        if r.count() > self.responses_seen {
            self.responses_seen = r.count();
            if let Some(last) = r.last() {
                if self.recent.len() == RECENT_RESPONSES {
                    self.recent.pop_front();
                }
                self.recent.push_back(last);
            }
        }
    }

    /// Hand out held bytes once their records are written.
    fn release_held(&mut self) {
        if self.held.is_empty() {
            return;
        }
        if let Some(a) = &mut self.audit {
            if a.sending(&self.session, &[]).is_err() {
                return;
            }
        }
        while let Some(wire) = self.held.pop_front() {
            if self.connected {
                self.outputs.push_back(Output::Send(wire));
            }
        }
    }
}

impl LinkStats {
    /// The figures of `endpoint`, added on its first attempt.
    fn attempt(&mut self, endpoint: &str) -> &mut EndpointAttempts {
        let i = if let Some(i) = self.endpoints.iter().position(|e| e.endpoint == endpoint) {
            i
        } else {
            self.endpoints.push(EndpointAttempts {
                endpoint: endpoint.to_owned(),
                ..EndpointAttempts::default()
            });
            self.endpoints.len() - 1
        };
        &mut self.endpoints[i]
    }
}

fn fresh_session(terminal: &TerminalConfig, max_record: usize, type_ahead: usize) -> Session {
    let mut session = Session::new(terminal.clone());
    session.set_max_record(max_record);
    session.set_typeahead_limit(type_ahead);
    session
}
