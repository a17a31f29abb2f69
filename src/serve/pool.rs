//! The sessions `r3270 serve` runs: each a tokio task that owns one script-mode session
//! ([`crate::script_mode::State`], the same code as `r3270 script`) and takes commands one
//! at a time from a channel; the pool names them, opens them from profiles (trying the
//! profile's endpoints in order), and announces what happens to them ([`PoolEvent`]).
//!
//! As in the TUI, a profile's `balance` picks the endpoint a new session starts on (those
//! the probes of [`super::health`] found down last), its `reconnect` policy connects a
//! dropped session again (failing over along its endpoints), its `logon-macro` plays after
//! every connect, and a session can be paused, resumed and migrated ([`task`] does all of
//! that on the session's own task).
//!
//! Figures are never asked of a session's task: each connection publishes them into its
//! [`Live`] after every event, so a scrape or a listing never waits for a running script.

mod task;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::SystemTime;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::health::{self, EndpointReport, Endpoints};
use crate::config::{Config, Profile};
use crate::runtime::client::Live;
use crate::runtime::host::HostSpec;
use crate::script_mode::{Answer, State};

/// The name of the session the s3270-compatible paths use without `/session/NAME`.
pub const DEFAULT_SESSION: &str = "default";

/// A session's state in x3270's words, as the monitor shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionState {
    /// Not connected yet (or never: the default session before its `Connect()`).
    NotConnected,
    Connecting,
    Connected,
    /// The connection ended (the host closed it, or `Disconnect()`).
    Disconnected,
    /// Every endpoint failed.
    Failed,
    /// The connection dropped; the profile's `reconnect` policy connects it again soon.
    Reconnecting,
    /// Paused through the API: no connection, the last screen kept, no reconnect until
    /// resumed.
    Paused,
}

impl SessionState {
    pub fn word(self) -> &'static str {
        match self {
            SessionState::NotConnected => "not-connected",
            SessionState::Connecting => "connecting",
            SessionState::Connected => "connected",
            SessionState::Disconnected => "disconnected",
            SessionState::Failed => "failed",
            SessionState::Reconnecting => "reconnecting",
            SessionState::Paused => "paused",
        }
    }

    pub const ALL: [SessionState; 7] = [
        SessionState::NotConnected,
        SessionState::Connecting,
        SessionState::Connected,
        SessionState::Disconnected,
        SessionState::Failed,
        SessionState::Reconnecting,
        SessionState::Paused,
    ];
}

/// What the pool knows of a session besides its figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Meta {
    pub state: SessionState,
    /// The endpoint of the current (or last) connection.
    pub endpoint: Option<String>,
    /// Why the last connection ended or failed.
    pub last_error: Option<String>,
    /// Endpoints tried and failed before the one in use (endpoint, why).
    pub failed_over: Vec<(String, String)>,
    /// The profile the session follows now (its own, or the one it migrated to).
    pub profile: String,
    /// How the profile's `balance` chose the endpoint the session started on, if it did.
    pub balance: Option<String>,
    /// While reconnecting: the attempt due next (1 for the first after a drop).
    pub reconnect_attempt: Option<u32>,
}

/// Something that happened to a session (for webhooks and the event stream).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolEvent {
    Connected {
        session: String,
        profile: String,
        endpoint: String,
    },
    Disconnected {
        session: String,
        profile: String,
        reason: String,
    },
    /// The session connected, but not to the first endpoint it tried.
    FailedOver {
        session: String,
        profile: String,
        from: String,
        to: String,
        reason: String,
    },
    /// No endpoint of the profile could be reached.
    Failed {
        session: String,
        profile: String,
        reason: String,
    },
    Created {
        session: String,
        profile: String,
    },
    Closed {
        session: String,
        profile: String,
    },
    /// A health probe found an endpoint down, or up again after being down.
    EndpointDown {
        endpoint: String,
        reason: String,
    },
    EndpointUp {
        endpoint: String,
    },
    /// The host took longer than the configured threshold to answer an AID.
    ResponseSlow {
        session: String,
        profile: String,
        millis: u64,
    },
    MacroFailed {
        session: String,
        profile: String,
        name: String,
        reason: String,
    },
    /// A record could not be written to the audit log.
    AuditFailure {
        session: Option<String>,
        reason: String,
    },
}

/// Counts kept by the pool and the API for `/metrics` (figures that no session holds).
#[derive(Debug, Default)]
pub struct Counters {
    /// s3270 action lines run, and how many failed.
    pub script_lines: AtomicU64,
    pub script_errors: AtomicU64,
    /// Macros run through the API, and how many failed.
    pub macro_runs: AtomicU64,
    pub macro_failures: AtomicU64,
    /// Webhook deliveries that the receiver took (2xx), and attempts that failed.
    pub webhook_delivered: AtomicU64,
    pub webhook_failed: AtomicU64,
    /// Audit records the API wrote (api-call records), and writes that failed.
    pub audit_api_records: AtomicU64,
    pub audit_write_failures: AtomicU64,
    /// API responses by status class (1xx..5xx), refusals included.
    pub api_responses: [AtomicU64; 5],
}

/// A command for a session's task.
enum Cmd {
    /// Run one s3270 action line.
    Line {
        text: String,
        reply: oneshot::Sender<Answer>,
    },
    /// Connect to the profile's endpoints, in order, until one answers.
    Open {
        endpoints: Vec<HostSpec>,
        reply: oneshot::Sender<Result<(), String>>,
    },
    /// Run something else on the session (REST steps, macros): a closure given the state.
    With { job: Job },
    /// Disconnect, keeping the session and its last screen, until resumed.
    Pause {
        reply: oneshot::Sender<Result<(), OpError>>,
    },
    /// Connect a paused session again.
    Resume {
        reply: oneshot::Sender<Result<(), OpError>>,
    },
    /// Move to `profile`'s endpoints (tried in order): the old connection closes once the
    /// new host has drawn its first screen.
    Migrate {
        profile: Box<Profile>,
        reply: oneshot::Sender<Result<(), OpError>>,
    },
    /// Disconnect and end the task.
    Close { reply: oneshot::Sender<()> },
}

/// A job run on a session's task with its state (see [`SessionHandle::with`]).
pub type Job = Box<
    dyn for<'a> FnOnce(
            &'a mut State,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>
        + Send,
>;

/// One session of the pool.
pub struct SessionHandle {
    pub name: String,
    /// The profile the session was opened from ([`Meta::profile`] is the one it follows
    /// now).
    pub profile: String,
    pub created: SystemTime,
    tx: mpsc::Sender<Cmd>,
    /// The figures the connection last published.
    pub live: Arc<Mutex<Live>>,
    pub meta: Arc<Mutex<Meta>>,
    /// The profile the session follows now, its endpoints in the order it tries them.
    current: Arc<Mutex<Profile>>,
}

impl std::fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionHandle")
            .field("name", &self.name)
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

/// Why a command could not be carried out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolError {
    NoSuchSession(String),
    Exists(String),
    TooMany(usize),
    BadTarget(String),
    /// The session's task ended (closed meanwhile).
    Gone,
}

impl std::fmt::Display for PoolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PoolError::NoSuchSession(n) => write!(f, "no session named `{n}`"),
            PoolError::Exists(n) => write!(f, "a session named `{n}` exists"),
            PoolError::TooMany(n) => write!(f, "{n} sessions are open (api.max-sessions)"),
            PoolError::BadTarget(why) => f.write_str(why),
            PoolError::Gone => f.write_str("the session was closed"),
        }
    }
}

/// Why a pause, resume or migration did not happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpError {
    Pool(PoolError),
    /// Not in a state for it (already paused, not paused, migrating).
    Conflict(String),
    /// No endpoint could be reached (for a migration: the session stays where it was).
    Failed(String),
}

impl std::fmt::Display for OpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpError::Pool(e) => e.fmt(f),
            OpError::Conflict(why) | OpError::Failed(why) => f.write_str(why),
        }
    }
}

impl From<PoolError> for OpError {
    fn from(e: PoolError) -> Self {
        OpError::Pool(e)
    }
}

impl SessionHandle {
    /// Runs one s3270 action line on the session.
    pub async fn line(&self, text: &str) -> Result<Answer, PoolError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Cmd::Line {
                text: text.to_owned(),
                reply,
            })
            .await
            .map_err(|_| PoolError::Gone)?;
        rx.await.map_err(|_| PoolError::Gone)
    }

    /// Runs `job` on the session's task, between two other commands, and returns its
    /// result.
    pub async fn with<T: Send + 'static>(
        &self,
        job: impl for<'a> FnOnce(
            &'a mut State,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>
        + Send
        + 'static,
    ) -> Result<T, PoolError> {
        let (reply, rx) = oneshot::channel();
        let job: Job = Box::new(move |state: &mut State| {
            Box::pin(async move {
                let out = job(state).await;
                let _ = reply.send(out);
            })
        });
        self.tx
            .send(Cmd::With { job })
            .await
            .map_err(|_| PoolError::Gone)?;
        rx.await.map_err(|_| PoolError::Gone)
    }

    /// The figures now.
    pub fn live(&self) -> Live {
        self.live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn meta(&self) -> Meta {
        self.meta
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The profile the session follows now, its endpoints in the order it tries them.
    pub fn current_profile(&self) -> Profile {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The endpoint the session is on: the one its connection named, else the first it
    /// will try.
    fn endpoint(&self) -> String {
        self.meta()
            .endpoint
            .unwrap_or_else(|| self.current_profile().host_spec().to_string())
    }

    /// Sends a lifecycle command and waits for its answer.
    async fn op(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<(), OpError>>) -> Cmd,
    ) -> Result<(), OpError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(make(reply))
            .await
            .map_err(|_| PoolError::Gone)?;
        rx.await.map_err(|_| PoolError::Gone)?
    }
}

/// The sessions of one `r3270 serve` process.
pub struct Pool {
    config: Arc<Config>,
    sessions: Mutex<BTreeMap<String, Arc<SessionHandle>>>,
    next: AtomicU64,
    audit: Option<(crate::audit::AuditSettings, crate::audit::SharedWriter)>,
    events: broadcast::Sender<PoolEvent>,
    max_sessions: usize,
    /// Figures no single session holds.
    pub counters: Arc<Counters>,
    /// Figures of connections and sessions that are over, so counters never go down.
    pub tally: Arc<Mutex<super::metrics::Tally>>,
    /// Endpoint health, balancing and attempts, shared with the sessions and the probes.
    endpoints: Arc<Endpoints>,
    /// The probe task runs (started with the first session, inside the runtime).
    probing: AtomicBool,
    me: Weak<Pool>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("sessions", &self.names())
            .finish_non_exhaustive()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // The probe task ends when it finds the pool gone.
        self.endpoints.wake();
    }
}

impl Pool {
    pub fn new(
        config: Arc<Config>,
        audit: Option<(crate::audit::AuditSettings, crate::audit::SharedWriter)>,
    ) -> Arc<Pool> {
        let (events, _) = broadcast::channel(1024);
        Arc::new_cyclic(|me| Pool {
            max_sessions: config.api.max_sessions,
            config,
            sessions: Mutex::new(BTreeMap::new()),
            next: AtomicU64::new(1),
            audit,
            events,
            counters: Arc::new(Counters::default()),
            tally: Arc::default(),
            endpoints: Arc::new(Endpoints::default()),
            probing: AtomicBool::new(false),
            me: me.clone(),
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The audit log all sessions write to, if recording.
    pub fn audit_writer(&self) -> Option<&crate::audit::SharedWriter> {
        self.audit.as_ref().map(|(_, w)| w)
    }

    /// Every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<PoolEvent> {
        self.events.subscribe()
    }

    /// Announce an event (the pool's own, and the API's).
    pub fn announce(&self, event: PoolEvent) {
        let _ = self.events.send(event);
    }

    pub(super) fn event_sender(&self) -> broadcast::Sender<PoolEvent> {
        self.events.clone()
    }

    pub fn names(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// Every session, by name.
    pub fn sessions(&self) -> Vec<Arc<SessionHandle>> {
        self.lock().values().cloned().collect()
    }

    pub fn get(&self, name: &str) -> Result<Arc<SessionHandle>, PoolError> {
        self.lock()
            .get(name)
            .cloned()
            .ok_or_else(|| PoolError::NoSuchSession(name.to_owned()))
    }

    /// The profiles the sessions follow now (one per session): their endpoints are the
    /// ones probed and listed.
    pub fn profiles_in_use(&self) -> Vec<Profile> {
        self.sessions()
            .iter()
            .map(|s| s.current_profile())
            .collect()
    }

    /// Every endpoint of the profiles in use: health, last probe, sessions on it, attempts.
    pub fn endpoint_report(&self) -> Vec<EndpointReport> {
        self.endpoints.sync(&self.profiles_in_use());
        let sessions = self.sessions();
        let on = |endpoint: &str| {
            sessions
                .iter()
                .filter(|s| {
                    let m = s.meta();
                    m.state == SessionState::Connected && m.endpoint.as_deref() == Some(endpoint)
                })
                .count()
        };
        self.endpoints.report(&on)
    }

    /// The session the s3270-compatible paths use without `/session/NAME`: made (not
    /// connected) on first use, as s3270 -httpd starts with no connection.
    pub fn default_session(&self) -> Result<Arc<SessionHandle>, PoolError> {
        if let Ok(s) = self.get(DEFAULT_SESSION) {
            return Ok(s);
        }
        // s3270's own defaults (a 3279-4-E), so the compatible paths answer as
        // `s3270 -httpd` does for a client that connects with `Connect()`.
        let profile = Profile {
            name: DEFAULT_SESSION.to_owned(),
            model: crate::proto::Model {
                number: 4,
                color: true,
                extended: true,
            },
            ..Profile::for_host(&HostSpec {
                host: "localhost".to_owned(),
                port: 23,
                tls: false,
                tn3270e: true,
                lu: None,
            })
        };
        match self.add(DEFAULT_SESSION.to_owned(), &profile, None) {
            Err(PoolError::Exists(_)) => self.get(DEFAULT_SESSION),
            other => other,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Arc<SessionHandle>>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a session on `target` (a profile's name or `[L:][LU@]host[:port]`), named
    /// `name` or `sN`; returns once it connected (and its profile's logon macro played) or
    /// every endpoint failed (the session is kept either way, in state connected, failed,
    /// or reconnecting under the profile's `reconnect` policy). A profile with several
    /// endpoints is balanced first: its `balance` picks the endpoint to start with, those
    /// found down go last.
    pub async fn open(
        self: &Arc<Self>,
        target: &str,
        name: Option<String>,
    ) -> Result<Arc<SessionHandle>, PoolError> {
        let profile = self
            .config
            .resolve_target(target)
            .map_err(PoolError::BadTarget)?;
        endpoints(&profile)?;
        let name = match name {
            Some(n) => {
                check_name(&n)?;
                n
            }
            None => loop {
                let n = format!("s{}", self.next.fetch_add(1, Ordering::Relaxed));
                if !self.lock().contains_key(&n) {
                    break n;
                }
            },
        };
        let (profile, note) = self.balanced(profile);
        let handle = self.add(name, &profile, note)?;
        let (reply, rx) = oneshot::channel();
        handle
            .tx
            .send(Cmd::Open {
                endpoints: endpoints(&profile)?,
                reply,
            })
            .await
            .map_err(|_| PoolError::Gone)?;
        let _ = rx.await;
        Ok(handle)
    }

    /// `profile` with its endpoints in the order a new session tries them.
    fn balanced(&self, profile: Profile) -> (Profile, Option<String>) {
        let sessions = self.sessions();
        let name = profile.name.clone();
        let on = |endpoint: &str| {
            sessions
                .iter()
                .filter(|s| s.meta().profile == name && s.endpoint() == endpoint)
                .count()
        };
        self.endpoints.balanced(profile, &on)
    }

    /// Registers a new session task for `profile`, not connected.
    fn add(
        &self,
        name: String,
        profile: &Profile,
        balance: Option<String>,
    ) -> Result<Arc<SessionHandle>, PoolError> {
        let mut sessions = self.lock();
        if sessions.contains_key(&name) {
            return Err(PoolError::Exists(name));
        }
        if sessions.len() >= self.max_sessions {
            return Err(PoolError::TooMany(sessions.len()));
        }
        let mut connect = profile.connect_options();
        connect.limits = self.config.limits.clone();
        let live = Arc::new(Mutex::new(Live::none()));
        let meta = Arc::new(Mutex::new(Meta {
            state: SessionState::NotConnected,
            endpoint: None,
            last_error: None,
            failed_over: Vec::new(),
            profile: profile.name.clone(),
            balance,
            reconnect_attempt: None,
        }));
        let current = Arc::new(Mutex::new(profile.clone()));
        let mut state = State::for_serve(profile, connect, self.audit.clone(), live.clone());
        state.set_on_connect(super::metrics::Tally::on_connect(
            self.tally.clone(),
            profile.name.clone(),
            live.clone(),
        ));
        let (tx, rx) = mpsc::channel(16);
        let handle = Arc::new(SessionHandle {
            name: name.clone(),
            profile: profile.name.clone(),
            created: SystemTime::now(),
            tx,
            live,
            meta: meta.clone(),
            current: current.clone(),
        });
        let task = task::Task::new(task::Shared {
            name: name.clone(),
            meta,
            current,
            events: self.events.clone(),
            counters: self.counters.clone(),
            endpoints: self.endpoints.clone(),
            config: self.config.clone(),
            watch: super::webhooks::Watch::new(&self.config),
        });
        tokio::spawn(task.run(state, rx));
        sessions.insert(name.clone(), handle.clone());
        drop(sessions);
        self.endpoints_changed();
        self.announce(PoolEvent::Created {
            session: name,
            profile: profile.name.clone(),
        });
        Ok(handle)
    }

    /// The sessions (or a session's profile) changed: the endpoints follow, and the probe
    /// task runs (it is started here, with the first session, inside the runtime).
    fn endpoints_changed(&self) {
        self.endpoints.sync(&self.profiles_in_use());
        if !self.probing.swap(true, Ordering::SeqCst) {
            tokio::spawn(health::run(self.me.clone(), self.endpoints.clone()));
        }
    }

    /// Disconnects and forgets the session.
    pub async fn close(&self, name: &str) -> Result<(), PoolError> {
        let handle = {
            // The tally first, then the list: a scrape sees the session in one or the other.
            let mut tally = self.tally.lock().unwrap_or_else(PoisonError::into_inner);
            let handle = self
                .lock()
                .remove(name)
                .ok_or_else(|| PoolError::NoSuchSession(name.to_owned()))?;
            tally.closing(&handle.profile, &handle.live);
            handle
        };
        let (reply, rx) = oneshot::channel();
        if handle.tx.send(Cmd::Close { reply }).await.is_ok() {
            let _ = rx.await;
        }
        self.tally
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closed(&handle.live);
        self.endpoints_changed();
        self.announce(PoolEvent::Closed {
            session: handle.name.clone(),
            profile: handle.profile.clone(),
        });
        Ok(())
    }

    /// Closes every session (at shutdown).
    pub async fn close_all(&self) {
        for name in self.names() {
            let _ = self.close(&name).await;
        }
    }

    /// Pauses a session: its connection is closed, its last screen kept, and nothing
    /// reconnects it until [`Pool::resume`].
    pub async fn pause(&self, name: &str) -> Result<(), OpError> {
        let s = self.get(name)?;
        s.op(|reply| Cmd::Pause { reply }).await
    }

    /// Connects a paused session again (its profile's endpoints from its host on, those
    /// found down last; the logon macro plays).
    pub async fn resume(&self, name: &str) -> Result<(), OpError> {
        let s = self.get(name)?;
        s.op(|reply| Cmd::Resume { reply }).await
    }

    /// Moves a session to `target`: a profile (balanced; the session follows that profile
    /// from then on), an endpoint `[L:][N:][LU@]host[:port]` (the session's profile pointed
    /// at it alone), or, with none, its profile's endpoint after the one in use. The new
    /// connection replaces the old one only once its host has drawn the first screen; if it
    /// fails, the session stays where it was.
    pub async fn migrate(&self, name: &str, target: Option<&str>) -> Result<(), OpError> {
        let s = self.get(name)?;
        let profile = self.migration_profile(&s, target)?;
        let done = s
            .op(|reply| Cmd::Migrate {
                profile: Box::new(profile),
                reply,
            })
            .await;
        self.endpoints_changed();
        done
    }
}

impl Pool {
    /// Where [`Pool::migrate`] moves session `s`: the profile it follows there, its
    /// endpoints in the order to try them.
    fn migration_profile(
        &self,
        s: &SessionHandle,
        target: Option<&str>,
    ) -> Result<Profile, PoolError> {
        let current = s.current_profile();
        let Some(t) = target.map(str::trim).filter(|t| !t.is_empty()) else {
            let spec =
                crate::endpoints::next_endpoint(&current, &s.endpoint()).ok_or_else(|| {
                    PoolError::BadTarget(format!(
                        "`{}` has no other endpoint in its profile: name a profile or a host as \
                     the target",
                        s.name
                    ))
                })?;
            return Ok(crate::endpoints::moved_to(&current, &spec));
        };
        if let Some(p) = self.config.profile(t) {
            endpoints(p)?;
            return Ok(self.balanced(p.clone()).0);
        }
        let spec: HostSpec = t.parse().map_err(|e| {
            PoolError::BadTarget(format!(
                "`{t}` is neither a profile nor a host: {e} (a host is \
                 [L:][N:][LU@]host[:port])"
            ))
        })?;
        Ok(crate::endpoints::moved_to(&current, &spec))
    }
}

/// A session name: 1 to 64 of letters, digits, `-`, `_` and `.`.
fn check_name(name: &str) -> Result<(), PoolError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(PoolError::BadTarget(format!(
            "`{name}` is not a session name (1-64 letters, digits, `-`, `_`, `.`)"
        )))
    }
}

/// The profile's endpoints in the order to try them: its host, then its alternates.
fn endpoints(profile: &Profile) -> Result<Vec<HostSpec>, PoolError> {
    let mut out = vec![profile.host_spec()];
    for a in &profile.alternates {
        let spec: HostSpec = a.parse().map_err(|e| {
            PoolError::BadTarget(format!("profile `{}`: alternate `{a}`: {e}", profile.name))
        })?;
        out.push(spec);
    }
    Ok(out)
}
