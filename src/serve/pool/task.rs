//! A session's task: it owns the session's [`State`] and carries out its commands one at a
//! time, serving the connection in between; and it applies the session's profile as the
//! TUI applies a tab's:
//!
//! - a connect tries the endpoints in the order given (balanced by the pool), and says so
//!   when it lands on another endpoint than the first tried or the last one used;
//! - the profile's `logon-macro` plays after every connect, once the host has unlocked the
//!   keyboard (values from the environment: `env NAME` steps read NAME, a prompt
//!   `R3270_PROMPT_NAME`, as `r3270 macro run` does);
//! - a connection that drops by itself (not `Disconnect()`, close or pause) is connected
//!   again by the profile's `reconnect` policy, with its backoff, from the profile's host
//!   on with the endpoints found down last ([`crate::endpoints::reconnect_wait`]);
//! - pause, resume and migrate, as `pause-session`, `resume-session` and `migrate-session`
//!   do in the TUI.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use super::{Cmd, Counters, Meta, OpError, PoolEvent, SessionState};
use crate::config::{Config, Profile};
use crate::endpoints::{endpoints, reconnect_wait};
use crate::macros::{self, Plan, Playback, Played, Value, Values};
use crate::runtime::host::HostSpec;
use crate::script::Until;
use crate::script_mode::lifecycle::Settings;
use crate::script_mode::{Line, State};
use crate::serve::health::Endpoints;

/// What a session's task shares with the pool.
pub(in crate::serve) struct Shared {
    pub name: String,
    pub meta: Arc<Mutex<Meta>>,
    pub current: Arc<Mutex<Profile>>,
    pub events: broadcast::Sender<PoolEvent>,
    pub counters: Arc<Counters>,
    pub endpoints: Arc<Endpoints>,
    pub config: Arc<Config>,
    /// Slow host responses and audit failures (for webhooks).
    pub watch: crate::serve::webhooks::Watch,
}

/// A session's task: what it shares, and where its connection stands.
pub(in crate::serve) struct Task {
    s: Shared,
    /// A script line's action may read more lines while it waits (`r3270 script`); here
    /// each request brings one, so this channel never carries any.
    lines: mpsc::Receiver<Line>,
    _keep: mpsc::Sender<Line>,
    /// The connection was up at the last look.
    connected: bool,
    /// Paused through the API: nothing reconnects it until resumed.
    paused: bool,
    /// The automatic reconnect due, and its attempt number (1 for the first after a drop).
    reconnect: Option<(Instant, u32)>,
    /// Connect rounds failed in a row (every endpoint tried, none answered).
    failed: u32,
}

/// Sleeps until `at`, or for ever.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Task {
    pub(in crate::serve) fn new(s: Shared) -> Task {
        let (keep, lines) = mpsc::channel::<Line>(1);
        Task {
            s,
            lines,
            _keep: keep,
            connected: false,
            paused: false,
            reconnect: None,
            failed: 0,
        }
    }

    pub(in crate::serve) async fn run(mut self, mut state: State, mut rx: mpsc::Receiver<Cmd>) {
        loop {
            let due = self.reconnect.map(|(at, _)| at);
            let cmd = tokio::select! {
                cmd = rx.recv() => cmd,
                () = state.idle() => {
                    self.note(&state);
                    continue;
                }
                () = sleep_until(due) => {
                    self.reconnect_now(&mut state).await;
                    continue;
                }
            };
            let Some(cmd) = cmd else { break };
            if Box::pin(self.command(cmd, &mut state)).await {
                break;
            }
        }
    }

    /// Carries out one command; true when the session ends.
    async fn command(&mut self, cmd: Cmd, state: &mut State) -> bool {
        match cmd {
            Cmd::Line { text, reply } => {
                let mut answer = state.answer(Line::Text(text), &mut self.lines).await;
                self.s.counters.script_lines.fetch_add(1, Ordering::Relaxed);
                if !answer.ok {
                    self.s
                        .counters
                        .script_errors
                        .fetch_add(1, Ordering::Relaxed);
                }
                if answer.quit {
                    // Quit ends the session's connection; the session stays.
                    self.disconnect(state).await;
                    answer.quit = false;
                }
                self.note(state);
                if state.closed_by_client() && self.reconnect.is_some() {
                    // `Disconnect()` while a reconnect was due: the client wants none.
                    self.reconnect = None;
                    self.set(|m| {
                        m.state = SessionState::Disconnected;
                        m.reconnect_attempt = None;
                    });
                }
                let _ = reply.send(answer);
            }
            Cmd::Open { endpoints, reply } => {
                let result = self.connect(state, &endpoints, None).await;
                let _ = reply.send(result);
            }
            Cmd::With { job } => {
                job(state).await;
                self.note(state);
            }
            Cmd::Pause { reply } => {
                let result = self.pause(state).await;
                let _ = reply.send(result);
            }
            Cmd::Resume { reply } => {
                let result = self.resume(state).await;
                let _ = reply.send(result);
            }
            Cmd::Migrate { profile, reply } => {
                let result = Box::pin(self.migrate(state, *profile)).await;
                let _ = reply.send(result);
            }
            Cmd::Close { reply } => {
                self.reconnect = None;
                self.disconnect(state).await;
                self.note(state);
                let _ = reply.send(());
                return true;
            }
        }
        false
    }

    /// `Disconnect()`: the connection closes, its last screen stays.
    async fn disconnect(&mut self, state: &mut State) {
        let _ = state
            .answer(Line::Text("Disconnect()".to_owned()), &mut self.lines)
            .await;
    }

    fn profile(&self) -> Profile {
        self.s
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn profile_name(&self) -> String {
        self.meta().profile
    }

    fn meta(&self) -> Meta {
        self.s
            .meta
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, f: impl FnOnce(&mut Meta)) {
        f(&mut self.s.meta.lock().unwrap_or_else(PoisonError::into_inner));
    }

    fn announce(&self, event: PoolEvent) {
        let _ = self.s.events.send(event);
    }

    /// A connect: one round over `endpoints`; on success the logon macro plays, on failure
    /// the reconnect policy decides whether another round follows. `previous` is the
    /// endpoint the session was last on (a reconnect's, a resume's).
    async fn connect(
        &mut self,
        state: &mut State,
        endpoints: &[HostSpec],
        previous: Option<String>,
    ) -> Result<(), String> {
        self.reconnect = None;
        self.set(|m| {
            m.state = SessionState::Connecting;
            m.reconnect_attempt = None;
        });
        match self.round(state, endpoints, previous).await {
            Ok(()) => {
                self.failed = 0;
                self.note(state);
                self.logon(state).await;
                // The logon macro may have ended the connection.
                self.note(state);
                Ok(())
            }
            Err(reason) => {
                self.failed += 1;
                self.set(|m| m.last_error = Some(reason.clone()));
                self.retry_or_fail(reason.clone());
                Err(reason)
            }
        }
    }

    /// Tries each endpoint in order until one connects.
    async fn round(
        &self,
        state: &mut State,
        endpoints: &[HostSpec],
        previous: Option<String>,
    ) -> Result<(), String> {
        let mut failed: Vec<(String, String)> = Vec::new();
        for spec in endpoints {
            let endpoint = spec.to_string();
            match state.connect_spec(spec, spec.host.clone()).await {
                Ok(_) => {
                    self.s.endpoints.tried(&endpoint, true);
                    self.failed_over(previous.as_deref(), &failed, &endpoint);
                    self.set(|m| m.failed_over.clone_from(&failed));
                    return Ok(());
                }
                Err(why) => {
                    self.s.endpoints.tried(&endpoint, false);
                    failed.push((endpoint, why.join(" ")));
                }
            }
        }
        let reason = failed
            .iter()
            .map(|(e, why)| format!("{e}: {why}"))
            .collect::<Vec<_>>()
            .join("; ");
        self.set(|m| m.failed_over.clone_from(&failed));
        Err(reason)
    }

    /// Announces a failover when the session came up on `to` rather than on the endpoint
    /// it was last on, or the first it tried.
    fn failed_over(&self, previous: Option<&str>, failed: &[(String, String)], to: &str) {
        let from = match previous {
            Some(p) if p != to => {
                let why = failed
                    .iter()
                    .find(|(e, _)| e == p)
                    .map(|(_, why)| why.clone())
                    .or_else(|| self.meta().last_error)
                    .unwrap_or_else(|| "it failed".to_owned());
                Some((p.to_owned(), why))
            }
            Some(_) => None,
            None => failed.first().cloned(),
        };
        if let Some((from, reason)) = from {
            tracing::info!(session = %self.s.name, %from, to, %reason, "failed over");
            self.announce(PoolEvent::FailedOver {
                session: self.s.name.clone(),
                profile: self.profile_name(),
                from,
                to: to.to_owned(),
                reason,
            });
        }
    }

    /// After a failed round: another after the policy's wait, or the session has failed.
    fn retry_or_fail(&mut self, reason: String) {
        if let Some(wait) = reconnect_wait(&self.profile().reconnect, self.failed) {
            self.schedule(wait);
            return;
        }
        self.set(|m| {
            m.state = SessionState::Failed;
            m.reconnect_attempt = None;
        });
        self.announce(PoolEvent::Failed {
            session: self.s.name.clone(),
            profile: self.profile_name(),
            reason,
        });
    }

    fn schedule(&mut self, wait: std::time::Duration) {
        let attempt = self.failed + 1;
        tracing::info!(session = %self.s.name, attempt, ?wait, "reconnect scheduled");
        self.reconnect = Some((Instant::now() + wait, attempt));
        self.set(|m| {
            m.state = SessionState::Reconnecting;
            m.reconnect_attempt = Some(attempt);
        });
    }

    /// A reconnect came due: the profile's endpoints from its host on, those found down
    /// last.
    async fn reconnect_now(&mut self, state: &mut State) {
        let Some((_, attempt)) = self.reconnect.take() else {
            return;
        };
        if state.client().is_some() {
            // Connected meanwhile (a `Connect()`).
            return;
        }
        tracing::info!(session = %self.s.name, attempt, "reconnecting");
        let profile = self.s.endpoints.order(self.profile());
        let previous = self.meta().endpoint;
        let _ = self.connect(state, &endpoints(&profile), previous).await;
    }

    /// After each command and connection event: the session's state from its connection,
    /// an event when it connected or the connection ended, and a reconnect scheduled when
    /// it ended by itself.
    fn note(&mut self, state: &State) {
        let client = state.client();
        let now = client.is_some_and(|c| c.ended().is_none());
        let endpoint = client.and_then(|c| c.driver().stats().link.endpoint);
        if now && !self.connected {
            self.paused = false;
            self.reconnect = None;
            self.set(|m| {
                m.state = SessionState::Connected;
                m.endpoint.clone_from(&endpoint);
                m.last_error = None;
                m.reconnect_attempt = None;
            });
            self.announce(PoolEvent::Connected {
                session: self.s.name.clone(),
                profile: self.profile_name(),
                endpoint: endpoint.unwrap_or_default(),
            });
        } else if !now && self.connected {
            self.ended(state);
        }
        self.connected = now;
        let profile = self.profile_name();
        for ev in self.s.watch.check(client, &self.s.name, &profile) {
            self.announce(ev);
        }
    }

    /// The connection ended: paused, closed by the client, or dropped (then the policy
    /// may reconnect it).
    fn ended(&mut self, state: &State) {
        let reason = if self.paused {
            "paused".to_owned()
        } else {
            state
                .ended_reason()
                .unwrap_or_else(|| "disconnected".to_owned())
        };
        let wait = if self.paused || state.closed_by_client() {
            None
        } else {
            self.failed = 0;
            reconnect_wait(&self.profile().reconnect, 0)
        };
        self.set(|m| {
            m.state = if self.paused {
                SessionState::Paused
            } else {
                SessionState::Disconnected
            };
            m.last_error = Some(reason.clone());
        });
        self.announce(PoolEvent::Disconnected {
            session: self.s.name.clone(),
            profile: self.profile_name(),
            reason,
        });
        if let Some(wait) = wait {
            self.schedule(wait);
        }
    }

    async fn pause(&mut self, state: &mut State) -> Result<(), OpError> {
        if self.paused {
            return Err(OpError::Conflict(format!(
                "`{}` is already paused (resume connects it)",
                self.s.name
            )));
        }
        self.paused = true;
        self.reconnect = None;
        self.failed = 0;
        if state.client().is_some() {
            self.disconnect(state).await;
        }
        self.note(state);
        self.set(|m| {
            m.state = SessionState::Paused;
            m.reconnect_attempt = None;
        });
        tracing::info!(session = %self.s.name, "paused");
        Ok(())
    }

    async fn resume(&mut self, state: &mut State) -> Result<(), OpError> {
        if !self.paused {
            return Err(OpError::Conflict(format!(
                "`{}` is not paused",
                self.s.name
            )));
        }
        self.paused = false;
        let profile = self.s.endpoints.order(self.profile());
        let previous = self.meta().endpoint;
        self.connect(state, &endpoints(&profile), previous)
            .await
            .map_err(OpError::Failed)
    }

    /// The session follows `profile` from now on.
    fn follow(&self, profile: Profile) {
        let name = profile.name.clone();
        *self
            .s
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = profile;
        self.set(|m| m.profile = name);
    }

    async fn migrate(&mut self, state: &mut State, profile: Profile) -> Result<(), OpError> {
        let before = state.settings();
        if profile.name != self.profile_name() {
            // Another profile: its terminal and connection settings from now on.
            let mut connect = profile.connect_options();
            connect.limits = self.s.config.limits.clone();
            state.set_settings(Settings {
                terminal: profile.terminal_config(),
                connect,
                profile: Some(profile.name.clone()),
            });
        }
        let targets = endpoints(&profile);
        let live = state.client().is_some_and(|c| c.ended().is_none());
        if !live {
            // Nothing to move: connect there.
            self.follow(profile);
            self.paused = false;
            let previous = self.meta().endpoint;
            return self
                .connect(state, &targets, previous)
                .await
                .map_err(OpError::Failed);
        }
        let from = self.meta().endpoint.unwrap_or_default();
        let timeout = profile.connect_timeout;
        let mut failed: Vec<(String, String)> = Vec::new();
        for spec in &targets {
            let endpoint = spec.to_string();
            match Box::pin(state.migrate_spec(spec, spec.host.clone(), timeout)).await {
                Ok(()) => {
                    self.s.endpoints.tried(&endpoint, true);
                    self.moved(state, profile, &from, &endpoint, failed).await;
                    return Ok(());
                }
                Err(why) => {
                    self.s.endpoints.tried(&endpoint, false);
                    failed.push((endpoint, why));
                }
            }
        }
        state.set_settings(before);
        // The old connection may have ended while the new one was tried.
        self.note(state);
        let why = failed
            .iter()
            .map(|(e, why)| format!("{e}: {why}"))
            .collect::<Vec<_>>()
            .join("; ");
        Err(OpError::Failed(format!(
            "`{}` did not move: {why}; it stays on {from}",
            self.s.name
        )))
    }

    /// A migration succeeded: the session is on `to`, following `profile`.
    async fn moved(
        &mut self,
        state: &mut State,
        profile: Profile,
        from: &str,
        to: &str,
        failed: Vec<(String, String)>,
    ) {
        self.follow(profile);
        tracing::info!(session = %self.s.name, from, to, "moved");
        self.connected = true;
        self.set(|m| {
            m.state = SessionState::Connected;
            m.endpoint = Some(to.to_owned());
            m.last_error = None;
            m.failed_over = failed;
        });
        self.announce(PoolEvent::Connected {
            session: self.s.name.clone(),
            profile: self.profile_name(),
            endpoint: to.to_owned(),
        });
        // The host application's state does not move: the logon macro plays again.
        self.logon(state).await;
        self.note(state);
    }

    /// Plays the profile's logon macro (if it has one) once the host has unlocked the
    /// keyboard; a macro that cannot start or stops is announced.
    async fn logon(&self, state: &mut State) {
        let Some(name) = self.profile().logon_macro else {
            return;
        };
        let plan = match plan_from_env(&self.s.config.macros, &name) {
            Ok(p) => p,
            Err(why) => {
                self.macro_failed(&name, why);
                return;
            }
        };
        let Some(client) = state.client_mut() else {
            return;
        };
        self.s.counters.macro_runs.fetch_add(1, Ordering::Relaxed);
        // As in the TUI: the logon macro starts once the host has unlocked the keyboard
        // (if it never does, the macro's first key says so).
        let _ = client.wait(Until::Unlock, macros::DEFAULT_TIMEOUT).await;
        // The audit log gets the macro's name only: its steps may hold credentials.
        client.audit_note(
            "macro",
            serde_json::json!({"macro": name, "event": "start", "reason": null}),
        );
        let mut playback = Playback::new(plan);
        match client.play(&mut playback).await {
            Played::Done | Played::Pending(_) => {
                client.audit_note(
                    "macro",
                    serde_json::json!({"macro": name, "event": "end", "reason": null}),
                );
            }
            Played::Stopped(stopped) => {
                let why = stopped.headline();
                client.audit_note(
                    "macro",
                    serde_json::json!({"macro": name, "event": "failed", "reason": why}),
                );
                self.macro_failed(&name, why);
            }
        }
    }

    fn macro_failed(&self, name: &str, reason: String) {
        tracing::warn!(session = %self.s.name, macro_name = name, %reason, "logon macro failed");
        self.s
            .counters
            .macro_failures
            .fetch_add(1, Ordering::Relaxed);
        self.announce(PoolEvent::MacroFailed {
            session: self.s.name.clone(),
            profile: self.profile_name(),
            name: name.to_owned(),
            reason,
        });
    }
}

/// Macro `name` expanded with values from the environment: `env NAME` steps read NAME, a
/// prompt NAME reads `R3270_PROMPT_NAME` (nobody is there to answer it).
fn plan_from_env(
    macros: &std::collections::BTreeMap<String, macros::Macro>,
    name: &str,
) -> Result<Plan, String> {
    let mut values = Values::default();
    for v in macros::values_needed(macros, name) {
        match &v {
            Value::Env(var) => {
                if let Ok(text) = std::env::var(var) {
                    values.set_env(var, text);
                }
            }
            Value::Prompt { name: p, .. } => {
                let var = crate::headless::play::prompt_env(p);
                match std::env::var(&var) {
                    Ok(text) => values.set_prompt(p, text),
                    Err(_) => {
                        return Err(format!(
                            "macro `{name}` asks for `{p}`: set {var} in r3270 serve's \
                             environment"
                        ));
                    }
                }
            }
        }
    }
    macros::plan(macros, name, &values)
}
