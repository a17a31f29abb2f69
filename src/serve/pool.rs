//! The sessions `r3270 serve` runs: each a tokio task that owns one script-mode session
//! ([`crate::script_mode::State`], the same code as `r3270 script`) and takes commands one
//! at a time from a channel; the pool names them, opens them from profiles (trying the
//! profile's endpoints in order), and announces what happens to them ([`PoolEvent`]).
//!
//! Figures are never asked of a session's task: each connection publishes them into its
//! [`Live`] after every event, so a scrape or a listing never waits for a running script.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use tokio::sync::{broadcast, mpsc, oneshot};

use crate::config::{Config, Profile};
use crate::runtime::client::Live;
use crate::runtime::host::HostSpec;
use crate::script_mode::{Answer, Line, State};

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
}

impl SessionState {
    pub fn word(self) -> &'static str {
        match self {
            SessionState::NotConnected => "not-connected",
            SessionState::Connecting => "connecting",
            SessionState::Connected => "connected",
            SessionState::Disconnected => "disconnected",
            SessionState::Failed => "failed",
        }
    }

    pub const ALL: [SessionState; 5] = [
        SessionState::NotConnected,
        SessionState::Connecting,
        SessionState::Connected,
        SessionState::Disconnected,
        SessionState::Failed,
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
    pub profile: String,
    pub created: SystemTime,
    tx: mpsc::Sender<Cmd>,
    /// The figures the connection last published.
    pub live: Arc<Mutex<Live>>,
    pub meta: Arc<Mutex<Meta>>,
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
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("sessions", &self.names())
            .finish_non_exhaustive()
    }
}

impl Pool {
    pub fn new(
        config: Arc<Config>,
        audit: Option<(crate::audit::AuditSettings, crate::audit::SharedWriter)>,
    ) -> Arc<Pool> {
        let (events, _) = broadcast::channel(1024);
        Arc::new(Pool {
            max_sessions: config.api.max_sessions,
            config,
            sessions: Mutex::new(BTreeMap::new()),
            next: AtomicU64::new(1),
            audit,
            events,
            counters: Arc::new(Counters::default()),
            tally: Arc::default(),
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
        match self.add(DEFAULT_SESSION.to_owned(), &profile) {
            Err(PoolError::Exists(_)) => self.get(DEFAULT_SESSION),
            other => other,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Arc<SessionHandle>>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a session on `target` (a profile's name or `[L:][LU@]host[:port]`), named
    /// `name` or `sN`; returns once it connected or every endpoint failed (the session is
    /// kept either way, in state connected or failed).
    pub async fn open(
        self: &Arc<Self>,
        target: &str,
        name: Option<String>,
    ) -> Result<Arc<SessionHandle>, PoolError> {
        let profile = self
            .config
            .resolve_target(target)
            .map_err(PoolError::BadTarget)?;
        let endpoints = endpoints(&profile)?;
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
        let handle = self.add(name, &profile)?;
        let (reply, rx) = oneshot::channel();
        handle
            .tx
            .send(Cmd::Open { endpoints, reply })
            .await
            .map_err(|_| PoolError::Gone)?;
        let _ = rx.await;
        Ok(handle)
    }

    /// Registers a new session task for `profile`, not connected.
    fn add(&self, name: String, profile: &Profile) -> Result<Arc<SessionHandle>, PoolError> {
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
        }));
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
        });
        let task = Task {
            name: name.clone(),
            profile: profile.name.clone(),
            meta,
            events: self.events.clone(),
            counters: self.counters.clone(),
            watch: super::webhooks::Watch::new(&self.config),
        };
        tokio::spawn(task.run(state, rx));
        sessions.insert(name.clone(), handle.clone());
        drop(sessions);
        self.announce(PoolEvent::Created {
            session: name,
            profile: profile.name.clone(),
        });
        Ok(handle)
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

/// A session's task: its state and what it reports.
struct Task {
    name: String,
    profile: String,
    meta: Arc<Mutex<Meta>>,
    events: broadcast::Sender<PoolEvent>,
    counters: Arc<Counters>,
    /// Slow host responses and audit failures (for webhooks).
    watch: super::webhooks::Watch,
}

impl Task {
    async fn run(self, mut state: State, mut rx: mpsc::Receiver<Cmd>) {
        // A script line's action may read more lines while it waits (`r3270 script`);
        // here each request brings one, so this channel never carries any.
        let (_keep, mut lines) = mpsc::channel::<Line>(1);
        let mut connected = false;
        loop {
            let cmd = tokio::select! {
                cmd = rx.recv() => cmd,
                () = state.idle() => {
                    self.note(&state, &mut connected);
                    continue;
                }
            };
            match cmd {
                None => break,
                Some(Cmd::Line { text, reply }) => {
                    let mut answer = state.answer(Line::Text(text), &mut lines).await;
                    self.counters.script_lines.fetch_add(1, Ordering::Relaxed);
                    if !answer.ok {
                        self.counters.script_errors.fetch_add(1, Ordering::Relaxed);
                    }
                    if answer.quit {
                        // Quit ends the session's connection; the session stays.
                        let _ = state
                            .answer(Line::Text("Disconnect()".to_owned()), &mut lines)
                            .await;
                        answer.quit = false;
                    }
                    self.note(&state, &mut connected);
                    let _ = reply.send(answer);
                }
                Some(Cmd::Open { endpoints, reply }) => {
                    let result = self.open(&mut state, &endpoints).await;
                    self.note(&state, &mut connected);
                    let _ = reply.send(result);
                }
                Some(Cmd::With { job }) => {
                    job(&mut state).await;
                    self.note(&state, &mut connected);
                }
                Some(Cmd::Close { reply }) => {
                    let _ = state
                        .answer(Line::Text("Disconnect()".to_owned()), &mut lines)
                        .await;
                    self.note(&state, &mut connected);
                    let _ = reply.send(());
                    break;
                }
            }
        }
    }

    /// Tries each endpoint in order until one connects.
    async fn open(&self, state: &mut State, endpoints: &[HostSpec]) -> Result<(), String> {
        self.set(|m| m.state = SessionState::Connecting);
        let mut failed: Vec<(String, String)> = Vec::new();
        for spec in endpoints {
            match state.connect_spec(spec, spec.host.clone()).await {
                Ok(_) => {
                    if let Some((from, reason)) = failed.first().cloned() {
                        let _ = self.events.send(PoolEvent::FailedOver {
                            session: self.name.clone(),
                            profile: self.profile.clone(),
                            from,
                            to: spec.to_string(),
                            reason,
                        });
                    }
                    self.set(|m| m.failed_over.clone_from(&failed));
                    return Ok(());
                }
                Err(why) => failed.push((spec.to_string(), why.join(" "))),
            }
        }
        let reason = failed
            .iter()
            .map(|(e, why)| format!("{e}: {why}"))
            .collect::<Vec<_>>()
            .join("; ");
        self.set(|m| {
            m.state = SessionState::Failed;
            m.last_error = Some(reason.clone());
            m.failed_over.clone_from(&failed);
        });
        let _ = self.events.send(PoolEvent::Failed {
            session: self.name.clone(),
            profile: self.profile.clone(),
            reason: reason.clone(),
        });
        Err(reason)
    }

    fn set(&self, f: impl FnOnce(&mut Meta)) {
        f(&mut self.meta.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// After each command: the session's state from its connection, and an event when it
    /// connected or the connection ended.
    fn note(&self, state: &State, connected: &mut bool) {
        let client = state.client();
        let now = client.is_some_and(|c| c.ended().is_none());
        let endpoint = client.and_then(|c| c.driver().stats().link.endpoint);
        if now && !*connected {
            self.set(|m| {
                m.state = SessionState::Connected;
                m.endpoint.clone_from(&endpoint);
                m.last_error = None;
            });
            let _ = self.events.send(PoolEvent::Connected {
                session: self.name.clone(),
                profile: self.profile.clone(),
                endpoint: endpoint.unwrap_or_default(),
            });
        } else if !now && *connected {
            let reason = state
                .ended_reason()
                .unwrap_or_else(|| "disconnected".to_owned());
            self.set(|m| {
                m.state = SessionState::Disconnected;
                m.last_error = Some(reason.clone());
            });
            let _ = self.events.send(PoolEvent::Disconnected {
                session: self.name.clone(),
                profile: self.profile.clone(),
                reason,
            });
        }
        *connected = now;
        for ev in self.watch.check(client, &self.name, &self.profile) {
            let _ = self.events.send(ev);
        }
    }
}
