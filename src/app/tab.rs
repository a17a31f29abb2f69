//! One tab: a session with its own engine, connection state, badges and view state.
//!
//! A tab follows the engine's polling contract (docs/ARCHITECTURE.md): after every call into
//! its [`Session`] it drains `poll_transmit` into [`Effect::Send`] and `poll_event` into
//! badges, the bell and [`Effect::StartTls`]. It does no I/O of its own.

use std::time::{Duration, Instant};

use crate::app::{Effect, HostEvent, Selection};
use crate::config::Profile;
use crate::limits::Limits;
use crate::proto::{LockReason, Session, SessionEvent};

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
    pub session: Session,
    pub conn: ConnState,
    pub badges: Badges,
    /// A rectangle the operator dragged, shown until the next key or click.
    pub selection: Option<Selection>,
    /// The host (row, col) shown top-left when the operator panned a screen that does not
    /// fit; `None` follows the cursor.
    pub pan: Option<(u16, u16)>,
    /// The last host error or connection failure, for the status line.
    pub last_error: Option<String>,
    /// Whether this tab is the one shown (badges are only set on background tabs).
    pub(crate) foreground: bool,
    /// The profile's logon macro waits for the host's first unlocked 3270 screen.
    logon_pending: bool,
    /// An automatic reconnect (the profile's `reconnect` policy): when, and which attempt.
    pub reconnect: Option<Reconnect>,
    /// Failed reconnect attempts in a row (reset when a connection is up).
    attempts: u32,
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
            session: new_session(&profile, limits),
            profile,
            conn: ConnState::Connecting,
            badges: Badges::default(),
            selection: None,
            pan: None,
            last_error: None,
            foreground: false,
            logon_pending: false,
            reconnect: None,
            attempts: 0,
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
        match event {
            HostEvent::Connected { direct_tls, .. } => {
                // Each connection starts a fresh conversation: nothing of an old one (a
                // half-negotiated telnet state, a locked keyboard) may leak into it.
                self.session = new_session(&self.profile, limits);
                if let Some(verified) = direct_tls {
                    self.session.set_secure(verified);
                }
                self.conn = ConnState::Connected;
                self.last_error = None;
                self.logon_pending = self.profile.logon_macro.is_some();
                self.reconnect = None;
                self.attempts = 0;
            }
            HostEvent::Data(bytes) => {
                if !self.conn.is_connected() {
                    return;
                }
                let oversized = self.session.oversized_records();
                self.session.handle_input(now, &bytes);
                self.drain(self.foreground, long_aid, effects);
                if self.session.oversized_records() > oversized {
                    // A host past the record limit is not trusted with the rest of the
                    // session (as in runtime::Client): hang up and say why.
                    let limit = self.session.max_record();
                    effects.push(Effect::Disconnect { tab: self.id });
                    // Not reconnected: the same host would only do it again.
                    self.ended(
                        format!(
                            "the host sent a record larger than limits.max-record-bytes ({limit} bytes)"
                        ),
                        None,
                    );
                    self.badges.error |= !self.foreground;
                }
            }
            HostEvent::TlsEstablished { verified } => {
                self.session.handle_tls_established(verified);
                self.drain(self.foreground, long_aid, effects);
            }
            HostEvent::Closed => {
                self.ended("the host closed the connection".to_owned(), Some(now));
            }
            HostEvent::Failed(message) => {
                self.badges.error |= !self.foreground;
                self.ended(message, Some(now));
            }
        }
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
        let policy = &self.profile.reconnect;
        let exhausted = policy.max_attempts > 0 && self.attempts >= policy.max_attempts;
        self.reconnect = match now {
            Some(now) if policy.enabled && !exhausted => {
                // The wait doubles after each failed attempt, up to max_delay.
                let factor = 2u32.saturating_pow(self.attempts.min(16));
                let wait = policy.delay.saturating_mul(factor).min(policy.max_delay);
                Some(Reconnect {
                    at: now + wait,
                    attempt: self.attempts + 1,
                })
            }
            _ => None,
        };
        self.badges.disconnected |= !self.foreground;
        self.last_error = Some(why.clone());
        self.conn = ConnState::Disconnected(Some(why));
    }

    /// The polling contract: bytes first, in order, then events.
    pub(crate) fn drain(&mut self, foreground: bool, long_aid: Duration, out: &mut Vec<Effect>) {
        while let Some(bytes) = self.session.poll_transmit() {
            if self.conn.is_connected() {
                out.push(Effect::Send {
                    tab: self.id,
                    bytes,
                });
            }
        }
        while let Some(ev) = self.session.poll_event() {
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
                SessionEvent::StartTls => out.push(Effect::StartTls { tab: self.id }),
                SessionEvent::HostError { error, .. } => {
                    tracing::info!(tab = self.id.0, %error, kind = error.kind().name(), "host error");
                    self.badges.error |= !foreground;
                    self.last_error = Some(error.to_string());
                }
                SessionEvent::KeyboardLocked(LockReason::Operator(_)) if foreground => {
                    // A refused key rings, as on a 3270 (the OIA says why).
                    out.push(Effect::Bell);
                }
                SessionEvent::ModeChanged(_)
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
            && self.session.mode().is_3270()
            && !self.session.is_locked();
        if !ready {
            return None;
        }
        self.logon_pending = false;
        self.profile.logon_macro.clone()
    }

    /// Type keys into this tab's session (a logon macro), then drain it.
    pub(crate) fn type_keys(
        &mut self,
        keys: impl IntoIterator<Item = crate::proto::Key>,
        now: Instant,
        long_aid: Duration,
        out: &mut Vec<Effect>,
    ) {
        for key in keys {
            self.session.handle_key(key, now);
        }
        self.drain(self.foreground, long_aid, out);
    }

    /// The operator looked at this tab: its badges are read.
    pub(crate) fn bring_forward(&mut self) {
        self.foreground = true;
        self.badges = Badges::default();
    }
}

/// A session for a profile with the configured limits. The host spec's `LU@` and `N:`
/// are already part of the profile (`Profile::for_host`).
fn new_session(profile: &Profile, limits: &Limits) -> Session {
    let mut session = Session::new(profile.terminal_config());
    session.set_max_record(limits.max_record_bytes);
    session.set_typeahead_limit(limits.type_ahead);
    session
}
