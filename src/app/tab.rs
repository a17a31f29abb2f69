//! One tab: a session driver ([`Driver`]) plus what the interactive client keeps around
//! it: connection state as the tab bar shows it, badges, the reconnect policy and view state.
//!
//! The driver does the session's bookkeeping (the record tracker, the record-size policy,
//! statistics, attempts per endpoint); the tab turns what it asks for into [`Effect`]s
//! (`Send`, `StartTls`, `Disconnect`) and its engine events into badges and the bell. It
//! does no I/O of its own. Connection failures arrive typed and stay typed on the tab
//! ([`Tab::tried`], [`Driver::ended`]); their text for the status line is made by
//! [`crate::ui::failure`].

use std::time::{Duration, Instant};

use crate::app::{Effect, HostEvent, Selection};
use crate::config::Profile;
use crate::driver::{Connected, Driver, Output};
use crate::limits::Limits;
use crate::proto::{Key, LockReason, Session, SessionEvent};
use crate::runtime::error::{Attempt, ConnectionError};
use crate::ui::failure;
use crate::ui::monitor::SessionState;

/// A tab's identity, stable across reordering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TabId(pub u64);

/// Where a tab's connection is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnState {
    /// Waiting for the connection task to connect.
    Connecting,
    /// Connected; the session runs.
    Connected,
    /// Not connected; `Some(reason)` when it ended by a failure or the host.
    Disconnected(Option<String>),
}

impl ConnState {
    pub fn is_connected(&self) -> bool {
        matches!(self, ConnState::Connected)
    }
}

/// What happened in a background tab since the operator last looked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Badges {
    /// The host rang the alarm.
    pub alarm: bool,
    /// The keyboard unlocked after an AID that took at least `ui.long-aid`.
    pub unlocked: bool,
    /// The connection ended.
    pub disconnected: bool,
    /// The host sent something malformed or the connection failed.
    pub error: bool,
}

/// One session in a tab.
#[derive(Debug)]
pub struct Tab {
    pub id: TabId,
    pub name: String,
    pub profile: Profile,
    driver: Driver,
    pub conn: ConnState,
    pub badges: Badges,
    /// A rectangle the operator dragged, shown until the next key or click.
    pub selection: Option<Selection>,
    /// The host (row, col) shown top-left when the operator panned a screen that does not
    /// fit; `None` follows the cursor.
    pub pan: Option<(u16, u16)>,
    /// The last host error or connection failure, for the status line.
    pub last_error: Option<String>,
    /// The endpoints that failed in the last round of connecting, in order, with their
    /// typed errors: every endpoint tried when none answered (the last one is the latest
    /// error), or those tried before the one that answered. Why an open connection ended is
    /// the driver's [`Driver::ended`]; attempts per endpoint over the tab's life are counted
    /// in its [`LinkStats`](crate::driver::LinkStats).
    pub tried: Vec<Attempt>,
    /// Whether this tab is the one shown (badges are only set on background tabs).
    pub(crate) foreground: bool,
    /// The profile's logon macro waits for the host's first unlocked 3270 screen.
    logon_pending: bool,
    /// An automatic reconnect (the profile's `reconnect` policy): when, and which attempt.
    pub reconnect: Option<Reconnect>,
    /// Failed reconnect attempts in a row (reset when a connection is up).
    attempts: u32,
    /// When the tab entered its state as the monitor names it (`App` stamps it with the
    /// `now` of the event that changed it).
    pub since: Option<Instant>,
    /// The state `since` belongs to (a reconnect's countdown counted as one state).
    seen: Option<SessionState>,
    /// The operator paused the session (`pause-session`): no connection, the last screen
    /// kept (drawn dimmed), no automatic reconnect, host events of the closed connection
    /// ignored.
    pub paused: bool,
    /// How the profile's `balance` chose the endpoint this tab started on, if it did.
    pub balance_note: Option<String>,
    /// The last time a reconnect landed on another endpoint than the connection it
    /// replaced: what happened, and when.
    pub failover: Option<(String, Instant)>,
    /// The macro playing into this tab, and when it next needs a poll.
    pub(crate) playback: Option<crate::macros::Playback>,
    pub(crate) playback_wake: Option<Instant>,
    /// Macro values asked of the operator: kept in memory for the tab's life, never written.
    pub(crate) values: crate::macros::Values,
    /// A macro being recorded from this tab's keys.
    pub(crate) recorder: Option<crate::macros::record::Recorder>,
}

/// A scheduled automatic reconnect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reconnect {
    pub at: Instant,
    /// 1 for the first attempt after a drop.
    pub attempt: u32,
}

impl Tab {
    pub(crate) fn new(id: TabId, name: String, profile: Profile, limits: &Limits) -> Self {
        Tab {
            id,
            name,
            driver: new_driver(&profile, limits),
            profile,
            conn: ConnState::Connecting,
            badges: Badges::default(),
            selection: None,
            pan: None,
            last_error: None,
            tried: Vec::new(),
            foreground: false,
            logon_pending: false,
            reconnect: None,
            attempts: 0,
            since: None,
            seen: None,
            paused: false,
            balance_note: None,
            failover: None,
            playback: None,
            playback_wake: None,
            values: crate::macros::Values::default(),
            recorder: None,
        }
    }

    /// The tab's state in x3270's words, as the monitor shows it; a pending reconnect
    /// counts down from `now` (zero when `now` is unknown).
    pub fn monitor_state(&self, now: Option<Instant>) -> SessionState {
        if self.paused {
            return SessionState::Paused;
        }
        if let Some(r) = self.reconnect {
            let left = now.map_or(Duration::ZERO, |now| r.at.saturating_duration_since(now));
            return SessionState::Reconnecting(left);
        }
        match &self.conn {
            ConnState::Connecting => SessionState::Connecting,
            ConnState::Connected => SessionState::connected(self.session().mode()),
            ConnState::Disconnected(_) => SessionState::Disconnected,
        }
    }

    /// Note the time if the monitor's state changed since the last call.
    pub(crate) fn stamp_state(&mut self, now: Instant) {
        let state = match self.monitor_state(None) {
            SessionState::Reconnecting(_) => SessionState::Reconnecting(Duration::ZERO),
            other => other,
        };
        if self.seen != Some(state) {
            self.seen = Some(state);
            self.since = Some(now);
        }
    }

    /// Record this tab's session in the audit log.
    pub(crate) fn set_audit(&mut self, sink: Box<dyn crate::audit::AuditSink>) {
        self.driver.set_audit(sink);
    }

    /// A macro's start, end or failure in this tab's audit records (its name and why it
    /// stopped, never its values).
    pub(crate) fn audit_macro(&mut self, name: &str, event: &str, why: Option<&str>) {
        self.audit_note(
            "macro",
            serde_json::json!({"macro": name, "event": event, "reason": why}),
        );
    }

    /// A front end's own audit record (a clipboard copy).
    pub(crate) fn audit_note(&mut self, kind: &str, body: serde_json::Value) {
        if let Some(a) = self.driver.audit_mut() {
            a.note(kind, body);
        }
    }

    /// Apply something from the connection task.
    pub(crate) fn host_event(
        &mut self,
        event: HostEvent,
        now: Instant,
        limits: &Limits,
        long_aid: Duration,
        effects: &mut Vec<Effect>,
    ) {
        if self.paused {
            // What the closed connection still had to say (a late close, a connect that
            // raced the pause) must not wake a paused tab.
            return;
        }
        match event {
            HostEvent::Connected {
                endpoint,
                peer,
                direct_tls,
                connect_time,
                tried,
            } => {
                // Each connection starts a fresh conversation (the driver makes a new
                // session): nothing of an old one may leak into it. The limits are the
                // configuration's now, which a reload may have changed.
                self.driver.reconfigure(
                    self.profile.terminal_config(),
                    limits.max_record_bytes,
                    limits.type_ahead,
                );
                // A reconnect that landed elsewhere (the endpoint it had is down, the next
                // in the profile's order answered) is said in the tab and the monitor.
                let before = self.driver.stats().link.endpoint;
                let failed_over =
                    before
                        .filter(|b| *b != endpoint)
                        .map(|b| match self.last_error.take() {
                            Some(why) => format!("failed over from {b} to {endpoint}: {why}"),
                            None => format!("failed over from {b} to {endpoint}"),
                        });
                for a in &tried {
                    self.driver.attempt_failed(&a.endpoint);
                }
                self.tried = tried;
                self.driver.connected(
                    now,
                    Connected {
                        endpoint,
                        peer,
                        direct_tls,
                        connect_time,
                    },
                );
                self.conn = ConnState::Connected;
                self.last_error = None;
                if let Some(what) = failed_over {
                    tracing::info!(tab = self.id.0, "{what}");
                    self.last_error = Some(what.clone());
                    self.failover = Some((what, now));
                }
                self.logon_pending = self.profile.logon_macro.is_some();
                self.reconnect = None;
                self.attempts = 0;
            }
            HostEvent::Data(bytes) => {
                if !self.conn.is_connected() {
                    return;
                }
                self.driver.input(now, &bytes);
                self.drain(self.foreground, long_aid, effects);
            }
            HostEvent::PeerCertificate(cert) => self.driver.peer_certificate(cert),
            HostEvent::TlsEstablished { verified } => {
                self.driver.tls_established(now, verified);
                self.drain(self.foreground, long_aid, effects);
            }
            HostEvent::Closed => {
                // The driver knows whether a record was open: "in the middle of a record".
                self.driver.closed(now);
                self.ended(self.end_text(), Some(now));
            }
            HostEvent::Failed(tried) => {
                for a in &tried {
                    self.driver.attempt_failed(&a.endpoint);
                }
                self.driver.disconnected("disconnected");
                self.badges.error |= !self.foreground;
                let why = failure::attempts(&tried);
                self.tried = tried;
                self.ended(why, Some(now));
            }
            HostEvent::Lost(e) => {
                // The driver tells a reset in the middle of a record from one between them.
                self.driver.failed(now, e);
                self.badges.error |= !self.foreground;
                self.ended(self.end_text(), Some(now));
            }
        }
    }

    /// The tab's session.
    pub fn session(&self) -> &Session {
        self.driver.session()
    }

    /// The tab's driver (statistics, host errors, why the connection ended).
    pub fn driver(&self) -> &Driver {
        &self.driver
    }

    /// The tab's driver, for a script runner (the API's jobs); [`Tab::drain`] turns what
    /// it typed into effects.
    pub(crate) fn driver_mut(&mut self) -> &mut Driver {
        &mut self.driver
    }

    /// One operator key into the session; [`Tab::drain`] turns what it caused into effects.
    pub(crate) fn key(&mut self, now: Instant, key: Key) {
        self.driver.key(now, key);
    }

    /// The operator disconnected: host input is no longer taken.
    pub(crate) fn disconnect(&mut self) {
        self.driver.disconnected("disconnected");
    }

    /// A session timer came due.
    pub(crate) fn timeout(&mut self, now: Instant) {
        self.driver.timeout(now);
    }

    /// Why the driver says the connection ended, in the operator's words. The driver always
    /// has a reason once the host closed or a limit was broken; a plain close stands in.
    fn end_text(&self) -> String {
        self.driver.ended().map_or_else(
            || failure::describe(&ConnectionError::HostClosed),
            failure::describe,
        )
    }

    /// The connection ended for `why`; with `now`, the reconnect policy may schedule
    /// another attempt.
    fn ended(&mut self, why: String, now: Option<Instant>) {
        let was_connecting = matches!(self.conn, ConnState::Connecting);
        if matches!(self.conn, ConnState::Disconnected(_)) {
            return;
        }
        if was_connecting {
            self.attempts += 1;
        }
        // The wait doubles after each failed attempt, up to max_delay.
        let wait = crate::endpoints::reconnect_wait(&self.profile.reconnect, self.attempts);
        self.reconnect = match (now, wait) {
            (Some(now), Some(wait)) => Some(Reconnect {
                at: now + wait,
                attempt: self.attempts + 1,
            }),
            _ => None,
        };
        self.badges.disconnected |= !self.foreground;
        self.last_error = Some(why.clone());
        self.conn = ConnState::Disconnected(Some(why));
    }

    /// What the driver asks for becomes effects, in order; then its engine events become
    /// badges and the bell.
    pub(crate) fn drain(&mut self, foreground: bool, long_aid: Duration, out: &mut Vec<Effect>) {
        // A failing audit log is loud: the status line says so while it fails (and, under
        // `on-failure = "block"`, the AID waits with the keyboard locked).
        if let Some(e) = self.driver.audit_failure() {
            if self.last_error.as_deref() != Some(e) {
                self.last_error = Some(e.to_owned());
            }
        }
        while let Some(output) = self.driver.poll_output() {
            match output {
                Output::Send(bytes) => {
                    if self.conn.is_connected() {
                        out.push(Effect::Send {
                            tab: self.id,
                            bytes,
                        });
                    }
                }
                Output::StartTls => out.push(Effect::StartTls { tab: self.id }),
                Output::Abort => {
                    // A host past the record limit is not trusted with the rest of the
                    // session: hang up, say why, and do not reconnect (the same host would
                    // only do it again).
                    out.push(Effect::Disconnect { tab: self.id });
                    self.ended(self.end_text(), None);
                    self.badges.error |= !foreground;
                }
            }
        }
        while let Some(ev) = self.driver.poll_event() {
            match ev {
                SessionEvent::Alarm => {
                    if foreground {
                        out.push(Effect::Bell);
                    } else {
                        self.badges.alarm = true;
                    }
                }
                SessionEvent::KeyboardUnlocked { response_time } => {
                    if !foreground && response_time.is_some_and(|t| t >= long_aid) {
                        self.badges.unlocked = true;
                    }
                }
                SessionEvent::HostError { error, .. } => {
                    tracing::info!(tab = self.id.0, %error, kind = error.kind().name(), "host error");
                    self.badges.error |= !foreground;
                    self.last_error = Some(error.to_string());
                }
                SessionEvent::KeyboardLocked(LockReason::Operator(_)) if foreground => {
                    // A refused key rings, as on a 3270 (the OIA says why).
                    out.push(Effect::Bell);
                }
                SessionEvent::StartTls
                | SessionEvent::ModeChanged(_)
                | SessionEvent::ScreenChanged
                | SessionEvent::KeyboardLocked(_)
                | SessionEvent::DeviceAccepted { .. }
                | SessionEvent::Bound { .. }
                | SessionEvent::Unbound => {}
            }
        }
    }

    /// The operator disconnected or reconnected by hand: no automatic attempt is pending.
    pub(crate) fn cancel_reconnect(&mut self) {
        self.reconnect = None;
        self.attempts = 0;
    }

    /// Whether an automatic reconnect is due at `now` (it is then taken).
    pub(crate) fn reconnect_due(&mut self, now: Instant) -> bool {
        if self.reconnect.is_some_and(|r| r.at <= now) {
            self.reconnect = None;
            self.conn = ConnState::Connecting;
            return true;
        }
        false
    }

    /// The logon macro's name, once: when the host has first unlocked the keyboard on a
    /// 3270 screen after connecting.
    pub(crate) fn take_logon(&mut self) -> Option<String> {
        let ready = self.logon_pending
            && self.conn.is_connected()
            && self.session().mode().is_3270()
            && !self.session().is_locked();
        if !ready {
            return None;
        }
        self.logon_pending = false;
        self.profile.logon_macro.clone()
    }

    /// A recording on this tab sees a key before the session applies it.
    pub(crate) fn record_key(&mut self, key: Key, now: Instant) {
        if let Some(rec) = &mut self.recorder {
            rec.key(&self.driver, key, now);
        }
    }

    /// A recording on this tab sees what the host sent.
    pub(crate) fn record_host(&mut self, now: Instant) {
        if let Some(rec) = &mut self.recorder {
            rec.host(&self.driver, now);
        }
    }

    /// Runs the playing macro as far as it goes now; `None` when none plays.
    pub(crate) fn play(&mut self, now: Instant) -> Option<crate::macros::Played> {
        let played = self.playback.as_mut()?.poll(&mut self.driver, now);
        self.playback_wake = match played {
            crate::macros::Played::Pending(at) => at,
            _ => None,
        };
        Some(played)
    }

    /// Stops the playing macro; where it was, if one played.
    pub(crate) fn cancel_playback(&mut self) -> Option<crate::macros::Stopped> {
        self.playback_wake = None;
        self.playback.take().map(|p| p.cancel(&self.driver))
    }

    /// The operator looked at this tab: its badges are read.
    pub(crate) fn bring_forward(&mut self) {
        self.foreground = true;
        self.badges = Badges::default();
    }
}

/// A driver for a profile with the configured limits. The host spec's `LU@` and `N:` are
/// already part of the profile (`Profile::for_host`).
fn new_driver(profile: &Profile, limits: &Limits) -> Driver {
    Driver::new(
        profile.terminal_config(),
        limits.max_record_bytes,
        limits.type_ahead,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(endpoint: &str) -> Attempt {
        Attempt {
            endpoint: endpoint.to_owned(),
            error: ConnectionError::Refused {
                addr: endpoint.parse().unwrap(),
            },
        }
    }

    #[test]
    fn a_failure_with_two_endpoints_keeps_both_typed_results_and_names_both() {
        let limits = Limits::default();
        let profile = Profile::for_host(&"127.0.0.1:3270".parse().unwrap());
        let mut tab = Tab::new(TabId(1), "demo".to_owned(), profile, &limits);
        let now = Instant::now();
        let mut effects = Vec::new();
        let tls = Attempt {
            endpoint: "L:127.0.0.2:992".to_owned(),
            error: ConnectionError::NotTls {
                host: "127.0.0.2".to_owned(),
                port: 992,
                telnet: true,
            },
        };
        let event = HostEvent::Failed(vec![refused("127.0.0.1:3270"), tls]);
        tab.host_event(event, now, &limits, Duration::from_secs(1), &mut effects);
        assert!(effects.is_empty(), "{effects:?}");
        // Both results are kept, typed and in order.
        assert!(
            matches!(
                &tab.tried[..],
                [
                    Attempt {
                        error: ConnectionError::Refused { .. },
                        ..
                    },
                    Attempt {
                        error: ConnectionError::NotTls { telnet: true, .. },
                        ..
                    },
                ]
            ),
            "{:?}",
            tab.tried
        );
        let endpoints: Vec<_> = tab.tried.iter().map(|a| a.endpoint.as_str()).collect();
        assert_eq!(endpoints, ["127.0.0.1:3270", "L:127.0.0.2:992"]);
        // The status line and the OIA name both endpoints, each with its reason and, for
        // the TLS port, what to change in the profile.
        let why = "127.0.0.1:3270: connection to 127.0.0.1:3270 refused (is a TN3270 server \
                   listening on that port?); L:127.0.0.2:992: 127.0.0.2 does not speak TLS on \
                   port 992: it answered the TLS handshake with telnet negotiation, as a plain \
                   TN3270 port does (set `tls = \"off\"` in the profile: r3270 still starts TLS \
                   there if the host offers STARTTLS)";
        assert_eq!(tab.conn, ConnState::Disconnected(Some(why.to_owned())));
        assert_eq!(tab.last_error.as_deref(), Some(why));
        // The driver counted one failed attempt at each endpoint, and no connection.
        let link = tab.driver().stats().link;
        let counts: Vec<_> = link
            .endpoints
            .iter()
            .map(|e| (e.endpoint.as_str(), e.attempts, e.failures))
            .collect();
        assert_eq!(
            counts,
            [("127.0.0.1:3270", 1, 1), ("L:127.0.0.2:992", 1, 1)]
        );
        assert_eq!((link.connections, link.reconnects), (0, 0));
    }

    #[test]
    fn a_connection_after_failed_alternates_keeps_them_and_counts_every_attempt() {
        let limits = Limits::default();
        let profile = Profile::for_host(&"127.0.0.1:3270".parse().unwrap());
        let mut tab = Tab::new(TabId(1), "demo".to_owned(), profile, &limits);
        let now = Instant::now();
        let long_aid = Duration::from_secs(1);
        let mut effects = Vec::new();
        let connected = |tried| HostEvent::Connected {
            endpoint: "127.0.0.3:23".to_owned(),
            peer: "127.0.0.3:23".parse().unwrap(),
            direct_tls: None,
            connect_time: None,
            tried,
        };
        tab.host_event(
            connected(vec![refused("127.0.0.1:3270")]),
            now,
            &limits,
            long_aid,
            &mut effects,
        );
        assert!(tab.conn.is_connected());
        assert!(
            matches!(&tab.tried[..], [Attempt { endpoint, error: ConnectionError::Refused { .. } }] if endpoint == "127.0.0.1:3270"),
            "{:?}",
            tab.tried
        );
        // The host resets the connection, and the next round reaches the same alternate.
        tab.host_event(
            HostEvent::Lost(ConnectionError::Reset { mid_record: false }),
            now,
            &limits,
            long_aid,
            &mut effects,
        );
        assert!(matches!(
            tab.driver().ended(),
            Some(ConnectionError::Reset { mid_record: false })
        ));
        tab.host_event(
            connected(vec![refused("127.0.0.1:3270")]),
            now,
            &limits,
            long_aid,
            &mut effects,
        );
        let link = tab.driver().stats().link;
        let counts: Vec<_> = link
            .endpoints
            .iter()
            .map(|e| (e.endpoint.as_str(), e.attempts, e.failures))
            .collect();
        assert_eq!(counts, [("127.0.0.1:3270", 2, 2), ("127.0.0.3:23", 2, 0)]);
        assert_eq!((link.connections, link.reconnects), (2, 1));
    }
}
