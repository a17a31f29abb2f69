//! A scripted driver: one `Session` on one connection, for the headless client and tests.
//!
//! [`Client`] owns its [`Session`] and the [`Connection`] handle and follows the polling
//! contract of `docs/ARCHITECTURE.md`: every chunk from the host goes to `handle_input`,
//! `poll_transmit` and `poll_event` are drained after every call, `SessionEvent::StartTls`
//! hands the handshake to the connection task and its result goes back through
//! `handle_tls_established`, and `handle_timeout` is called when `poll_timeout` asks. It
//! has no user interface and prints nothing; the TUI will have its own loop over many
//! sessions.

use std::io::Write;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::proto::{Key, LockReason, Mode, Session, SessionEvent, TerminalConfig};
use crate::runtime::connection::{CLOSE_GRACE, ConnEvent, ConnectOptions, Connection};
use crate::runtime::error::ConnectionError;
use crate::runtime::host::HostSpec;
use crate::runtime::record::RecordTracker;
use crate::trace::writer::TraceWriter;

/// How long the host must stay silent after unlocking before a screen counts as final
/// (hosts often send a second record right after the one that unlocks).
pub const QUIET: Duration = Duration::from_millis(200);

/// The longest a wait holds out for [`QUIET`] once its condition holds. A host that redraws
/// more often than that (a clock, a monitor) never falls quiet, and with the keyboard
/// unlocked an operator would go on typing; so does the script.
pub const MAX_SETTLE: Duration = Duration::from_secs(1);

/// How a wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// The condition held and the host was quiet (or kept talking for [`MAX_SETTLE`]).
    Ready,
    /// The time ran out first.
    TimedOut,
    /// The connection ended first ([`Client::ended`] says why).
    Ended,
}

/// What became of an AID key ([`Client::press_and_wait`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Sent, and the host unlocked the keyboard (then was quiet, or [`MAX_SETTLE`] passed).
    Answered,
    /// Not sent: the keyboard was already locked for this reason, so the key would only
    /// have been queued (type-ahead) or dropped.
    Locked(LockReason),
    /// Not sent: refused by field rules (e.g. a mandatory field is empty); the keyboard is
    /// locked with this operator error.
    Refused(LockReason),
    /// Sent, and the keyboard was still locked when the time ran out.
    NoAnswer,
    /// Sent (or being sent) when the connection ended with the keyboard locked
    /// ([`Client::ended`] says why).
    Ended,
}

/// A trace sink the client writes both directions to.
pub type Trace = TraceWriter<Box<dyn Write + Send>>;

/// One session on one connection, driven by a script.
pub struct Client {
    session: Session,
    conn: Connection,
    ended: Option<ConnectionError>,
    /// The host has drawn something since the connection opened.
    drawn: bool,
    last_input: Instant,
    tracker: RecordTracker,
    trace: Option<Trace>,
    host_errors: Vec<String>,
    alarms: usize,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("peer", &self.conn.peer())
            .field("mode", &self.session.mode())
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connect and create the session. The host spec's `LU@` and `N:` override `cfg`.
    pub async fn connect(
        spec: &HostSpec,
        opts: &ConnectOptions,
        mut cfg: TerminalConfig,
    ) -> Result<Self, ConnectionError> {
        if let Some(lu) = &spec.lu {
            cfg.lu = Some(lu.clone());
        }
        if !spec.tn3270e {
            cfg.tn3270e = false;
        }
        let conn = Connection::open(spec, opts).await?;
        let mut session = Session::new(cfg);
        session.set_max_record(opts.limits.max_record_bytes);
        session.set_typeahead_limit(opts.limits.type_ahead);
        if let Some(verified) = conn.direct_tls() {
            session.set_secure(verified);
        }
        Ok(Client {
            session,
            conn,
            ended: None,
            drawn: false,
            last_input: Instant::now(),
            tracker: RecordTracker::default(),
            trace: None,
            host_errors: Vec::new(),
            alarms: 0,
        })
    }

    /// Record every byte, both ways, from now on. What the operator types into non-display
    /// (password) fields is recorded masked: the session builds the copy of each read reply
    /// with it replaced (`Session::set_masked_copy`); the wire is untouched.
    pub fn set_trace(&mut self, trace: Trace) {
        self.session.set_masked_copy(true);
        self.trace = Some(trace);
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The address connected to.
    pub fn peer(&self) -> std::net::SocketAddr {
        self.conn.peer()
    }

    /// Why the connection ended, once it has.
    pub fn ended(&self) -> Option<&ConnectionError> {
        self.ended.as_ref()
    }

    /// Malformed host data the session reported (and survived), oldest first.
    pub fn host_errors(&self) -> &[String] {
        &self.host_errors
    }

    /// Whether the host has drawn anything on the screen yet.
    pub fn drawn(&self) -> bool {
        self.drawn
    }

    /// How many times the host rang the alarm.
    pub fn alarms(&self) -> usize {
        self.alarms
    }

    /// Press one key (typed characters are `Key::Char`). AIDs are sent at once; use
    /// [`Client::aid`] to also wait for the answer.
    pub fn key(&mut self, key: Key) {
        self.session.handle_key(key, std::time::Instant::now());
        self.flush();
    }

    /// Type text at the cursor under field rules.
    pub fn text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(Key::Char(c));
        }
    }

    /// Wait until the host has drawn a screen, the keyboard is unlocked and the host has
    /// been quiet for [`QUIET`] (at most [`MAX_SETTLE`]).
    pub async fn wait_ready(&mut self, timeout: Duration) -> Wait {
        self.pump(Instant::now() + timeout, |c| {
            c.drawn && !c.session.is_locked() && c.session.mode() != Mode::Negotiating
        })
        .await
    }

    /// Press an AID key (or Attn) and wait for the host to unlock the keyboard, then for
    /// [`QUIET`] (at most [`MAX_SETTLE`]).
    pub async fn aid(&mut self, aid: crate::proto::Aid, timeout: Duration) -> Answer {
        self.press_and_wait(Key::Aid(aid), timeout).await
    }

    /// [`Client::aid`] for any key that may lock the keyboard (Attn included). A key is only
    /// pressed on an unlocked keyboard: on a locked one it would be queued or dropped, and
    /// a script must know that it was not sent.
    pub async fn press_and_wait(&mut self, key: Key, timeout: Duration) -> Answer {
        if let Some(lock) = self.session.oia().lock {
            return Answer::Locked(lock);
        }
        self.key(key);
        if let Some(lock @ LockReason::Operator(_)) = self.session.oia().lock {
            // Refused by field rules (e.g. a mandatory field): nothing went to the host.
            return Answer::Refused(lock);
        }
        match self
            .pump(Instant::now() + timeout, |c| !c.session.is_locked())
            .await
        {
            Wait::Ready => Answer::Answered,
            Wait::TimedOut => Answer::NoAnswer,
            Wait::Ended => Answer::Ended,
        }
    }

    /// Let time pass while still serving the connection.
    pub async fn pause(&mut self, duration: Duration) {
        let deadline = Instant::now() + duration;
        while Instant::now() < deadline && self.ended.is_none() {
            self.step(deadline).await;
        }
    }

    /// Orderly disconnect: the task flushes what was queued, then shuts the stream down.
    /// It always finishes: after [`CLOSE_GRACE`] the connection is dropped where it stands,
    /// and the error says so (a host that does not take our bytes).
    pub async fn close(mut self) -> Result<(), ConnectionError> {
        let closed = self.conn.close_within(CLOSE_GRACE).await;
        if let Some(t) = &mut self.trace {
            let note = match &closed {
                Ok(()) => "disconnected".to_owned(),
                Err(e) => format!("disconnected: {e}"),
            };
            let _ = t.note(SystemTime::now(), &note);
            let _ = t.flush();
        }
        closed
    }

    /// Serve the connection until `done` holds and the host has been quiet for [`QUIET`],
    /// the deadline passes, or the connection ends. Once `done` holds, the wait for quiet
    /// lasts at most [`MAX_SETTLE`] and never past the deadline: a condition that holds is
    /// never reported as timed out because the host kept talking.
    async fn pump(&mut self, deadline: Instant, done: fn(&Client) -> bool) -> Wait {
        let mut held_since: Option<Instant> = None;
        loop {
            let holds = done(self);
            let now = Instant::now();
            held_since = if holds {
                held_since.or(Some(now))
            } else {
                None
            };
            if let Some(since) = held_since {
                if now >= self.last_input + QUIET || now >= since + MAX_SETTLE || now >= deadline {
                    return Wait::Ready;
                }
            }
            if self.ended.is_some() {
                // The last screen before a hang-up still counts (sign-off screens do this).
                return if holds { Wait::Ready } else { Wait::Ended };
            }
            if now >= deadline {
                return Wait::TimedOut;
            }
            let wake = held_since.map_or(deadline, |since| {
                deadline
                    .min(self.last_input + QUIET)
                    .min(since + MAX_SETTLE)
            });
            self.step(wake).await;
        }
    }

    /// Handle one event from the connection, or the session's timer, or wake at `until`.
    async fn step(&mut self, until: Instant) {
        let timer = self
            .session
            .poll_timeout()
            .map_or(until, |t| Instant::from_std(t).min(until));
        tokio::select! {
            ev = self.conn.next_event(), if self.ended.is_none() => self.on_event(ev),
            () = tokio::time::sleep_until(timer) => {
                let now = std::time::Instant::now();
                if self.session.poll_timeout().is_some_and(|t| t <= now) {
                    self.session.handle_timeout(now);
                    self.flush();
                }
            }
        }
    }

    fn on_event(&mut self, ev: Option<ConnEvent>) {
        match ev {
            Some(ConnEvent::Data(bytes)) => {
                if let Some(t) = &mut self.trace {
                    let _ = t.host(&bytes);
                }
                self.tracker.feed(&bytes);
                self.last_input = Instant::now();
                let oversized = self.session.oversized_records();
                self.session.handle_input(std::time::Instant::now(), &bytes);
                if self.session.oversized_records() > oversized {
                    // A host that sends more than the limit is not to be trusted with the
                    // rest of the session: stop reading at once and say why.
                    let limit = self.session.max_record();
                    tracing::warn!(limit, "record size limit hit; disconnecting");
                    self.flush();
                    self.conn.abort();
                    self.end(ConnectionError::RecordTooLarge { limit });
                    return;
                }
                if !self.session.mode().is_3270() {
                    // NVT text has no records; only 3270 data can be cut mid-record.
                    self.tracker.reset();
                }
                self.flush();
            }
            Some(ConnEvent::TlsEstablished { verified }) => {
                if let Some(t) = &mut self.trace {
                    let _ = t.note(SystemTime::now(), "TLS established");
                }
                tracing::debug!(verified, "session: TLS established");
                self.session.handle_tls_established(verified);
                self.flush();
            }
            Some(ConnEvent::Closed) => {
                let bytes = self.tracker.open_bytes();
                self.end(if bytes > 0 {
                    ConnectionError::ClosedMidRecord { bytes }
                } else {
                    ConnectionError::HostClosed
                });
            }
            Some(ConnEvent::Error(ConnectionError::Reset { .. })) => {
                let mid_record = self.tracker.open_bytes() > 0;
                self.end(ConnectionError::Reset { mid_record });
            }
            Some(ConnEvent::Error(e)) => self.end(e),
            None => self.end(ConnectionError::TaskGone),
        }
    }

    fn end(&mut self, e: ConnectionError) {
        tracing::info!(error = %e, "session ended");
        if let Some(t) = &mut self.trace {
            let _ = t.note(SystemTime::now(), &format!("connection ended: {e}"));
            let _ = t.flush();
        }
        if self.ended.is_none() {
            self.ended = Some(e);
        }
    }

    /// The polling contract: bytes first, in order, then events.
    fn flush(&mut self) {
        while let Some((bytes, kept)) = self.session.poll_transmit_masked() {
            if let Some(t) = &mut self.trace {
                let _ = t.client(&kept);
            }
            if self.ended.is_none() {
                if let Err(e) = self.conn.send(bytes) {
                    // Over the outbound budget (or the task is gone): a host that does not
                    // read our replies is not read or written any further.
                    self.conn.abort();
                    self.end(e);
                }
            }
        }
        while let Some(ev) = self.session.poll_event() {
            match ev {
                SessionEvent::StartTls => {
                    if let Err(e) = self.conn.start_tls() {
                        self.end(e);
                    }
                }
                SessionEvent::ScreenChanged => self.drawn = true,
                SessionEvent::Alarm => self.alarms += 1,
                SessionEvent::HostError { error, .. } => {
                    // The engine's errors describe framing and orders, never field contents.
                    tracing::debug!(%error, kind = error.kind().name(), "host error");
                    self.host_errors.push(error.to_string());
                }
                _ => {}
            }
        }
    }
}
