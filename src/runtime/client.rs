//! The headless client: one [`Driver`] on one [`Connection`], for `r3270 screen` and tests.
//!
//! [`Client`] is the async pump around the sans-IO driver: every event from the connection
//! task goes to the driver, what the driver asks for (bytes, a STARTTLS handshake, an
//! abort) goes to the connection, and the driver's timer is slept on. The session's
//! bookkeeping (the record tracker, the record-size policy, the trace tap, statistics) is
//! the driver's, shared with the TUI's tabs; waiting (for a first screen, for the answer
//! to an AID, for the host to fall quiet) is the script runner's ([`crate::script`]), and
//! this client only serves the connection while a [`Runner`] waits. It has no user
//! interface and prints nothing.

use std::io::Write;
use std::time::Duration;

use tokio::time::Instant;

use crate::driver::{Connected, Driver, Output};
use crate::proto::{Key, LockReason, Session, TerminalConfig};
use crate::runtime::connection::{CLOSE_GRACE, ConnEvent, ConnectOptions, Connection};
use crate::runtime::error::ConnectionError;
use crate::runtime::host::HostSpec;
use crate::script::{self, Failure, Options, Progress, Runner, Step, Until};
use crate::trace::writer::TraceWriter;

/// How long the host must stay silent after unlocking before a screen counts as final, by
/// default for a [`Client`] (some hosts send a second record right after the one that
/// unlocks). `r3270 screen` sets it with `--settle` (default 0, as s3270's `Wait(Unlock)`).
pub const QUIET: Duration = Duration::from_millis(200);

pub use crate::script::MAX_SETTLE;

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

/// One session on one connection, driven by a script: a [`Driver`] and its connection.
pub struct Client {
    driver: Driver,
    conn: Connection,
    /// How long the host must be quiet once a wait's condition holds ([`QUIET`] unless set).
    settle: Duration,
    /// Where the session's figures are published after each event, for readers on other
    /// tasks (`r3270 serve`'s metrics and REST) that must not wait for a running script.
    live: Option<std::sync::Arc<std::sync::Mutex<Live>>>,
}

impl Live {
    /// No connection yet.
    pub fn none() -> Live {
        Live {
            stats: crate::driver::Snapshot::default(),
            connected: false,
            locked: false,
            screens: 0,
            ended: None,
        }
    }

    fn of(driver: &Driver) -> Live {
        Live {
            stats: driver.stats(),
            connected: driver.is_connected(),
            locked: driver.session().is_locked(),
            screens: driver.screens(),
            ended: driver.ended().map(ToString::to_string),
        }
    }
}

fn publish(live: Option<&std::sync::Arc<std::sync::Mutex<Live>>>, driver: &Driver) {
    if let Some(live) = live {
        let now = Live::of(driver);
        if let Ok(mut slot) = live.lock() {
            *slot = now;
        }
    }
}

/// A session's figures and state as last published by its [`Client`].
#[derive(Clone, Debug)]
pub struct Live {
    pub stats: crate::driver::Snapshot,
    pub connected: bool,
    /// The keyboard is locked (an AID is waiting for the host, or an operator error).
    pub locked: bool,
    /// Screens the host has drawn.
    pub screens: u64,
    /// Why the connection ended, once it has.
    pub ended: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("peer", &self.conn.peer())
            .field("driver", &self.driver)
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
        let started = Instant::now();
        let conn = Connection::open(spec, opts).await?;
        let mut driver = Driver::new(cfg, opts.limits.max_record_bytes, opts.limits.type_ahead);
        if let Some(cert) = conn.peer_cert() {
            driver.peer_certificate(cert.clone());
        }
        driver.connected(
            std::time::Instant::now(),
            Connected {
                endpoint: spec.to_string(),
                peer: conn.peer(),
                direct_tls: conn.direct_tls(),
                connect_time: Some(started.elapsed()),
            },
        );
        Ok(Client {
            driver,
            conn,
            settle: QUIET,
            live: None,
        })
    }

    /// Publish the session's figures into `live` after every event from now on.
    pub fn set_live(&mut self, live: std::sync::Arc<std::sync::Mutex<Live>>) {
        self.live = Some(live);
        self.publish();
    }

    /// The figures now (what [`Client::set_live`] publishes).
    pub fn live(&self) -> Live {
        Live::of(&self.driver)
    }

    fn publish(&self) {
        publish(self.live.as_ref(), &self.driver);
    }

    /// How long the host must stay quiet once a wait's condition holds before the wait
    /// ends (at most [`MAX_SETTLE`]); zero ends it as soon as the condition holds.
    pub fn set_settle(&mut self, settle: Duration) {
        self.settle = settle;
    }

    /// Record every byte, both ways, from now on. What the operator types into non-display
    /// (password) fields is recorded masked: the session builds the copy of each read reply
    /// with it replaced (`Session::set_masked_copy`); the wire is untouched.
    pub fn set_trace(&mut self, trace: Trace) {
        self.driver.set_tap(Box::new(trace));
    }

    /// Record the session in the audit log from now on (the connection is recorded as
    /// starting now).
    pub fn set_audit(&mut self, audit: Box<dyn crate::audit::AuditSink>) {
        self.driver.set_audit(audit);
    }

    pub fn session(&self) -> &Session {
        self.driver.session()
    }

    /// A front end's own record in the session's audit log (a macro's start and end).
    pub fn audit_note(&mut self, kind: &str, body: serde_json::Value) {
        if let Some(a) = self.driver.audit_mut() {
            a.note(kind, body);
        }
    }

    /// The session's driver: statistics, host errors, why the connection ended.
    pub fn driver(&self) -> &Driver {
        &self.driver
    }

    /// The address connected to.
    pub fn peer(&self) -> std::net::SocketAddr {
        self.conn.peer()
    }

    /// Why the connection ended, once it has.
    pub fn ended(&self) -> Option<&ConnectionError> {
        self.driver.ended()
    }

    /// Malformed host data the session reported (and survived), oldest first (the newest
    /// 32; the statistics count them all).
    pub fn host_errors(&self) -> Vec<String> {
        self.driver.host_errors().map(ToString::to_string).collect()
    }

    /// Whether the host has drawn anything on the screen yet.
    pub fn drawn(&self) -> bool {
        self.driver.drawn()
    }

    /// How many times the host rang the alarm.
    pub fn alarms(&self) -> u64 {
        self.driver.stats().session.alarms
    }

    /// Press one key (typed characters are `Key::Char`). AIDs are sent at once; use
    /// [`Client::aid`] to also wait for the answer.
    pub fn key(&mut self, key: Key) {
        self.driver.key(std::time::Instant::now(), key);
        self.flush();
    }

    /// Type text at the cursor under field rules.
    pub fn text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(Key::Char(c));
        }
    }

    /// Wait until the host has drawn a screen, the keyboard is unlocked and the host has
    /// been quiet for the settle time (at most [`MAX_SETTLE`]).
    pub async fn wait_ready(&mut self, timeout: Duration) -> Wait {
        self.wait(Until::Ready, timeout).await
    }

    /// Press an AID key (or Attn) and wait for the host to unlock the keyboard, then for
    /// the settle time (at most [`MAX_SETTLE`]).
    pub async fn aid(&mut self, aid: crate::proto::Aid, timeout: Duration) -> Answer {
        self.press_and_wait(Key::Aid(aid), timeout).await
    }

    /// [`Client::aid`] for any key that may lock the keyboard (Attn included). A key is only
    /// pressed on an unlocked keyboard: on a locked one it would be queued or dropped, and
    /// a script must know that it was not sent.
    pub async fn press_and_wait(&mut self, key: Key, timeout: Duration) -> Answer {
        if let Some(lock) = self.session().oia().lock {
            return Answer::Locked(lock);
        }
        self.key(key);
        if let Some(lock @ LockReason::Operator(_)) = self.session().oia().lock {
            // Refused by field rules (e.g. a mandatory field): nothing went to the host.
            return Answer::Refused(lock);
        }
        match self.wait(Until::Unlock, timeout).await {
            Wait::Ready => Answer::Answered,
            Wait::TimedOut => Answer::NoAnswer,
            Wait::Ended => Answer::Ended,
        }
    }

    /// One wait, run by the script runner, with this client's settle time.
    pub async fn wait(&mut self, until: Until, timeout: Duration) -> Wait {
        let mut runner = Runner::new(
            [Step::Wait(script::Wait::within(until, timeout))],
            self.options(),
        );
        match self.run(&mut runner).await {
            Progress::Done | Progress::Pending(_) => Wait::Ready,
            Progress::Failed(Failure::TimedOut { .. }) => Wait::TimedOut,
            Progress::Failed(Failure::Ended { .. } | Failure::NotConnected { .. }) => Wait::Ended,
        }
    }

    /// The runner options this client works with: s3270's, with its settle time.
    pub fn options(&self) -> Options {
        Options {
            settle: self.settle,
            ..Options::default()
        }
    }

    /// Runs a script until it is done or fails, serving the connection meanwhile.
    pub async fn run(&mut self, runner: &mut Runner) -> Progress {
        loop {
            let progress = runner.poll(&mut self.driver, std::time::Instant::now());
            self.flush();
            match progress {
                Progress::Pending(wake) => {
                    // Nothing to wake for but the host: a day is as good as for ever.
                    let until = wake.map_or_else(
                        || Instant::now() + Duration::from_secs(86_400),
                        Instant::from_std,
                    );
                    self.step(until).await;
                }
                done => return done,
            }
        }
    }

    /// Plays a macro until it is done or stops, serving the connection meanwhile.
    pub async fn play(&mut self, playback: &mut crate::macros::Playback) -> crate::macros::Played {
        loop {
            let played = playback.poll(&mut self.driver, std::time::Instant::now());
            self.flush();
            match played {
                crate::macros::Played::Pending(wake) => {
                    let until = wake.map_or_else(
                        || Instant::now() + Duration::from_secs(86_400),
                        Instant::from_std,
                    );
                    self.step(until).await;
                }
                done => return done,
            }
        }
    }

    /// Let time pass while still serving the connection.
    pub async fn pause(&mut self, duration: Duration) {
        let deadline = Instant::now() + duration;
        while Instant::now() < deadline && self.ended().is_none() {
            self.step(deadline).await;
        }
    }

    /// Orderly disconnect: the task flushes what was queued, then shuts the stream down.
    /// It always finishes: after [`CLOSE_GRACE`] the connection is dropped where it stands,
    /// and the error says so (a host that does not take our bytes).
    pub async fn close(mut self) -> Result<(), ConnectionError> {
        let closed = self.conn.close_within(CLOSE_GRACE).await;
        self.driver.disconnected(match &closed {
            Ok(()) => "disconnected".to_owned(),
            Err(e) => format!("disconnected: {e}"),
        });
        publish(self.live.as_ref(), &self.driver);
        closed
    }

    /// One poll of a script runner, and what it asked for carried out.
    pub fn poll_runner(&mut self, runner: &mut Runner) -> Progress {
        let progress = runner.poll(&mut self.driver, std::time::Instant::now());
        self.flush();
        progress
    }

    /// Serves the connection until something happens on it, the session's timer fires, or
    /// `until`; a front end that waits for something else (a script's next line) selects
    /// on this.
    pub async fn serve(&mut self, until: Instant) {
        self.step(until).await;
    }

    /// Handles the connection events already waiting (and a timer already due), without
    /// waiting for more.
    pub async fn take_pending(&mut self) {
        while self.driver.ended().is_none() {
            // Let the connection task read what the kernel already holds (it runs on this
            // thread too).
            tokio::task::yield_now().await;
            // One poll of the event queue, not a zero timeout: tokio's timer has a
            // millisecond grain, and a zero timeout costs up to a millisecond a call.
            let polled = {
                let mut next = std::pin::pin!(self.conn.next_event());
                std::future::poll_fn(|cx| {
                    std::task::Poll::Ready(std::future::Future::poll(next.as_mut(), cx))
                })
                .await
            };
            match polled {
                std::task::Poll::Ready(ev) => self.on_event(ev),
                std::task::Poll::Pending => break,
            }
        }
        if self
            .driver
            .poll_timeout()
            .is_some_and(|t| t <= std::time::Instant::now())
        {
            self.driver.timeout(std::time::Instant::now());
            self.flush();
        }
    }

    /// Handle one event from the connection, or the session's timer, or wake at `until`.
    async fn step(&mut self, until: Instant) {
        let timer = self
            .driver
            .poll_timeout()
            .map_or(until, |t| Instant::from_std(t).min(until));
        tokio::select! {
            ev = self.conn.next_event(), if self.driver.ended().is_none() => self.on_event(ev),
            () = tokio::time::sleep_until(timer) => {
                self.driver.timeout(std::time::Instant::now());
                self.flush();
            }
        }
    }

    fn on_event(&mut self, ev: Option<ConnEvent>) {
        let now = std::time::Instant::now();
        match ev {
            Some(ConnEvent::Data(bytes)) => self.driver.input(now, &bytes),
            Some(ConnEvent::TlsEstablished { verified }) => {
                tracing::debug!(verified, "session: TLS established");
                self.driver.tls_established(now, verified);
            }
            Some(ConnEvent::PeerCertificate(cert)) => self.driver.peer_certificate(cert),
            Some(ConnEvent::Closed) => self.driver.closed(now),
            Some(ConnEvent::Error(e)) => self.driver.failed(now, e),
            None => self.driver.failed(now, ConnectionError::TaskGone),
        }
        self.flush();
    }

    /// Carry out what the driver asks for, in order.
    fn flush(&mut self) {
        while let Some(output) = self.driver.poll_output() {
            let result = match output {
                Output::Send(bytes) => self.conn.send(bytes),
                Output::StartTls => self.conn.start_tls(),
                Output::Abort => {
                    // A host past a limit is not read or written any further.
                    tracing::warn!("host broke a limit; disconnecting");
                    self.conn.abort();
                    Ok(())
                }
            };
            if let Err(e) = result {
                // Over the outbound budget (or the task is gone): a host that does not read
                // our replies is not read or written any further.
                self.conn.abort();
                self.driver.failed(std::time::Instant::now(), e);
            }
        }
        // Engine events matter to the driver (which keeps what a script needs); a script
        // has no bell or badges, so the rest are dropped here.
        while self.driver.poll_event().is_some() {}
        self.publish();
    }
}
