//! The interactive application's state and logic: Event → Action → Effect.
//!
//! [`App`] owns every tab (each with its own sans-IO [`Session`](crate::proto::Session)),
//! the focused pane (help, palette, picker, ...: [`pane::Pane`]) and what the last frame
//! looked like. [`App::handle_event`] turns what happened (a key, a mouse
//! event, a paste, bytes from a host, a tick) into [`Action`]s through the keymap, and
//! [`App::update`] applies an action and returns the [`Effect`]s the runtime must carry out
//! (connect, send bytes, start TLS, copy to the clipboard, ring the bell, quit).
//!
//! This module must not do I/O: no tokio, no terminal, no clock. The caller passes `now`, so
//! tests drive an `App` synchronously, even against the demo host's sans-IO side. Views in
//! `crate::ui` borrow the state to draw it and never change it; the draw step records where
//! things landed in [`LastFrame`] so mouse positions can be mapped back.

use std::net::SocketAddr;
use std::time::Instant;

use crossterm::event::{KeyEvent, KeyEventKind, MouseEvent};

use crate::action::Action;
use crate::config::{Config, Profile};
use crate::keymap::{KeyChord, KeyState, Layer};
use crate::proto::Key;
use crate::runtime::error::{Attempt, ConnectionError};
use crate::theme::{ColorDepth, Theme};

pub mod api;
mod balance;
mod focus;
mod frame;
pub mod health;
mod lifecycle;
mod mouse;
pub mod pane;
mod paste;
mod playback;
mod recording;
mod tab;
mod tabs;
#[cfg(test)]
mod tests;

pub use frame::{LastFrame, Selection};
pub use lifecycle::SavedTab;
pub use pane::{Pane, PaneCtx, PickerEntry};
pub use tab::{Badges, ConnState, Reconnect, Tab, TabId};

/// Something that happened, for [`App::handle_event`]. Neither `Clone` nor `PartialEq`: a
/// host's failure carries typed [`ConnectionError`]s, which hold I/O errors.
#[derive(Debug)]
pub enum Event {
    /// A key press or repeat (releases are ignored).
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// Bracketed paste: typed into the fields under 3270 rules.
    Paste(String),
    /// The terminal's new size (columns, rows).
    Resize(u16, u16),
    /// Something from a tab's connection task.
    Host {
        tab: TabId,
        event: HostEvent,
    },
    /// The slow tick (cursor blink; the loop also checks the config file then).
    Tick,
    /// A page of the audit log as the runtime read it, for the viewer pane
    /// (`Effect::ReadAudit`).
    AuditRead(Box<crate::audit::read::Snapshot>),
    /// The audit log's verification state, in the viewer's words
    /// (`Effect::ReadAudit { verify: true, .. }`).
    AuditVerified(String),
    /// The earliest deadline the app asked for ([`App::next_deadline`]) has come.
    Timer,
    /// A health probe of an endpoint ended ([`Effect::Probe`]): how long until the host
    /// negotiated, or why it did not.
    Probe {
        endpoint: String,
        result: Result<std::time::Duration, String>,
    },
    /// A call of the API the client serves for its tabs (`[api] enabled`); its answer is
    /// [`Effect::ApiReply`] with the same id.
    Api {
        id: u64,
        request: api::ApiRequest,
    },
    /// The API gave up on a request (its client went away, or it timed out).
    ApiCancelled(u64),
}

/// What a connection task reports about its tab. Errors stay typed; `crate::ui::failure`
/// words them.
#[derive(Debug)]
pub enum HostEvent {
    /// The TCP (and, for `L:`, TLS) connection is up: a fresh session starts.
    Connected {
        /// The endpoint that answered, as named (the profile's host or an alternate).
        endpoint: String,
        peer: SocketAddr,
        /// `Some(verified)` when TLS runs from the first byte.
        direct_tls: Option<bool>,
        /// How long opening the connection took.
        connect_time: Option<std::time::Duration>,
        /// The endpoints that failed before this one answered, in the order tried.
        tried: Vec<Attempt>,
    },
    /// Bytes from the host, as read.
    Data(Vec<u8>),
    /// The STARTTLS handshake finished.
    TlsEstablished { verified: bool },
    /// The certificate the host presented, just before the `Connected` (direct TLS) or
    /// `TlsEstablished` (STARTTLS) it belongs to.
    PeerCertificate(crate::runtime::cert_info::PeerCert),
    /// The host closed the connection.
    Closed,
    /// No endpoint could be connected: one typed result per endpoint tried, in order (the
    /// profile's host, then its alternates).
    Failed(Vec<Attempt>),
    /// The open connection failed (reset, the host stopped reading, the task went away).
    Lost(ConnectionError),
}

/// I/O the runtime must do for the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Open a connection for a tab (a new one, or a reconnect).
    Connect { tab: TabId, profile: Box<Profile> },
    /// Write bytes to a tab's host, in order.
    Send { tab: TabId, bytes: Vec<u8> },
    /// Run the STARTTLS handshake on a tab's connection.
    StartTls { tab: TabId },
    /// Close a tab's connection.
    Disconnect { tab: TabId },
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Ring the terminal bell.
    Bell,
    /// Read the configuration file again and hand the result to [`App::set_config`] or
    /// [`App::show_message`].
    ReloadConfig,
    /// Write a recorded macro's file (creating its directory); a failure goes to
    /// [`App::show_message`].
    SaveMacro {
        path: std::path::PathBuf,
        text: String,
    },
    /// Read a page of the audit log for the viewer pane, off the event loop; it comes back
    /// as `Event::AuditRead`. With `verify`, also verify the whole log (a job of its own,
    /// so reading pages does not wait for it): `Event::AuditVerified`.
    ReadAudit {
        verify: bool,
        page: crate::audit::read::Page,
    },
    /// Leave: restore the terminal and exit.
    Quit,
    /// Probe an endpoint's health (`runtime::probe`) within `timeout`, with the profile's
    /// TLS settings, and report it as [`Event::Probe`].
    Probe {
        endpoint: String,
        spec: crate::runtime::host::HostSpec,
        profile: Box<Profile>,
        timeout: std::time::Duration,
    },
    /// Answer an API request (`Event::Api`).
    ApiReply { id: u64, reply: api::ApiReply },
}

/// The whole interactive state.
#[derive(Debug)]
pub struct App {
    config: Config,
    /// The config's theme adapted to what the terminal can show.
    theme: Theme,
    /// Every named theme adapted the same way, for profiles that choose their own.
    themes: std::collections::BTreeMap<String, Theme>,
    depth: ColorDepth,
    tabs: Vec<Tab>,
    active: usize,
    next_id: u64,
    /// The focused pane, if any (one at a time: see `app/focus.rs`).
    pane: Option<Box<dyn Pane>>,
    /// Hosts typed into the picker or the palette, newest first.
    recent: Vec<String>,
    /// One line under the screen (paste results, refusals); cleared by the next key.
    status: Option<String>,
    /// Where the last frame put things, for the mouse.
    pub last_frame: LastFrame,
    size: (u16, u16),
    blink_on: bool,
    crosshair: bool,
    /// `toggle-oia`: the status line stays over the last host row when it has no row.
    oia_pinned: bool,
    quitting: bool,
    /// Something changed since the last draw.
    dirty: bool,
    /// A left-button press on the screen: where, and whether the mouse moved since.
    drag: Option<(crate::proto::Position, bool)>,
    /// The audit log new tabs record to (the runtime opens it; `None` in tests).
    audit: Option<crate::audit::SharedWriter>,
    /// The `now` of the last event handled: what panes measure ages to (the app never
    /// reads the clock).
    clock: Option<Instant>,
    /// While the monitor is open: when its figures are next redrawn. Host events do not
    /// ask for a frame then, so a hundred busy sessions cost a bounded number of frames.
    monitor_refresh: Option<Instant>,
    /// Tabs moving to another host (`migrate-session`), each with its pending connection.
    migrations: Vec<lifecycle::Migration>,
    /// `balance = "round-robin"`: the endpoint the next tab on each profile starts with.
    round_robin: std::collections::HashMap<String, usize>,
    /// Every endpoint of the profiles in use, and what the health probes found.
    health: crate::endpoints::HealthTable,
    /// Tabs offered for `restore-tabs` (left open by a run that did not quit).
    restorable: Vec<lifecycle::SavedTab>,
    /// How a macro's `env NAME` is read (the process environment; tests set their own).
    pub(crate) env: fn(&str) -> Option<String>,
    /// Requests of the API being carried out on tabs (`app/api.rs`).
    api: api::ApiJobs,
}

/// The process environment, for macros' `env NAME` steps.
fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// How often the open monitor redraws its figures.
pub const MONITOR_REFRESH: std::time::Duration = std::time::Duration::from_millis(500);

/// Whether any character or field on `screen` has the blink highlight.
fn has_blinking_text(screen: &crate::proto::Screen) -> bool {
    screen
        .cells()
        .any(|c| c.ext.highlighting() == crate::proto::attr::Highlight::Blink)
}

/// Every named theme of `config`, fitted to the terminal.
fn adapt_all(config: &Config, depth: ColorDepth) -> std::collections::BTreeMap<String, Theme> {
    config
        .themes
        .iter()
        .map(|(name, t)| (name.clone(), t.adapted(depth)))
        .collect()
}

impl App {
    /// An app with no tabs (the connect picker shows until one is opened).
    pub fn new(config: Config) -> Self {
        let crosshair = config.ui.crosshair;
        let depth = ColorDepth::TrueColor;
        App {
            theme: config.theme.adapted(depth),
            themes: adapt_all(&config, depth),
            depth,
            config,
            tabs: Vec::new(),
            active: 0,
            next_id: 1,
            pane: Some(Box::new(pane::Picker::default())),
            recent: Vec::new(),
            status: None,
            last_frame: LastFrame::default(),
            size: (80, 24),
            blink_on: true,
            crosshair,
            oia_pinned: false,
            quitting: false,
            dirty: true,
            drag: None,
            env: process_env,
            clock: None,
            monitor_refresh: None,
            migrations: Vec::new(),
            round_robin: std::collections::HashMap::new(),
            health: crate::endpoints::HealthTable::default(),
            restorable: Vec::new(),
            audit: None,
            api: api::ApiJobs::default(),
        }
    }

    /// Record every tab opened from now on in this audit log.
    pub fn set_audit(&mut self, writer: crate::audit::SharedWriter) {
        self.audit = Some(writer);
    }

    /// A new tab's audit sink, if the log is on (a bad rule cannot happen here: the
    /// configuration was checked; were it to, the tab is not recorded and says so).
    pub(crate) fn audit_sink(&mut self, profile: &Profile) -> Option<crate::audit::SessionAudit> {
        let w = self.audit.as_ref()?;
        match w.session(&self.config.audit, Some(profile.name.as_str())) {
            Ok(s) => Some(s),
            Err(e) => {
                self.set_status(format!("not recording this session: {e}"));
                None
            }
        }
    }

    /// Note a clipboard copy in the active tab's audit records: where and how much, never
    /// the text.
    fn audit_copy(&mut self, chars: usize, selection: bool) {
        if let Some(tab) = self.active_tab_mut() {
            tab.audit_note(
                "clipboard",
                serde_json::json!({"where": "osc52", "chars": chars, "selection": selection}),
            );
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The theme to draw with: the active tab's profile theme if it names one, else the
    /// configured theme.
    pub fn theme(&self) -> &Theme {
        self.active_tab()
            .and_then(|t| t.profile.theme.as_ref())
            .and_then(|name| self.themes.get(name))
            .unwrap_or(&self.theme)
    }

    /// What the terminal can show (the loop detects it; the app never reads the
    /// environment).
    pub fn set_color_depth(&mut self, depth: ColorDepth) {
        self.depth = depth;
        self.theme = self.config.theme.adapted(depth);
        self.themes = adapt_all(&self.config, depth);
        self.dirty = true;
    }

    /// The `[limits]` in force.
    pub fn limits(&self) -> &crate::limits::Limits {
        &self.config.limits
    }

    pub fn tabs(&self) -> &[Tab] {
        &self.tabs
    }

    /// The index of the active tab (meaningless when there are no tabs).
    pub fn active_index(&self) -> usize {
        self.active
    }

    pub fn active_tab(&self) -> Option<&Tab> {
        self.tabs.get(self.active)
    }

    fn active_tab_mut(&mut self) -> Option<&mut Tab> {
        self.tabs.get_mut(self.active)
    }

    pub fn tab(&self, id: TabId) -> Option<&Tab> {
        self.tabs.iter().find(|t| t.id == id)
    }

    fn tab_index(&self, id: TabId) -> Option<usize> {
        self.tabs.iter().position(|t| t.id == id)
    }

    /// Hosts used recently, newest first (the picker lists them).
    pub fn recent_hosts(&self) -> &[String] {
        &self.recent
    }

    /// Hosts remembered from earlier runs, newest first; lines that are not a host
    /// (`[L:][N:][LU@]host[:port]`) are dropped, and at most `ui.recent-hosts` are kept.
    pub fn set_recent_hosts(&mut self, hosts: impl IntoIterator<Item = String>) {
        let mut recent: Vec<String> = Vec::new();
        for h in hosts {
            let h = h.trim().to_owned();
            if h.parse::<crate::runtime::host::HostSpec>().is_ok() && !recent.contains(&h) {
                recent.push(h);
            }
        }
        recent.truncate(self.config.ui.recent_hosts);
        self.recent = recent;
    }

    /// The status line's message, if any.
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    pub fn blink_on(&self) -> bool {
        self.blink_on
    }

    pub fn crosshair(&self) -> bool {
        self.crosshair
    }

    /// Whether the operator pinned the status line over the screen (`toggle-oia`).
    pub fn oia_pinned(&self) -> bool {
        self.oia_pinned
    }

    /// Whether the app has decided to quit (the loop also gets [`Effect::Quit`]).
    pub fn quitting(&self) -> bool {
        self.quitting
    }

    /// Whether something changed since [`App::mark_drawn`].
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    pub fn mark_drawn(&mut self) {
        self.dirty = false;
    }

    /// Replace the configuration (a successful reload): keymap, theme, profiles and UI
    /// settings take effect at once; open sessions keep their connections.
    pub fn set_config(&mut self, config: Config) {
        self.crosshair = config.ui.crosshair;
        self.theme = config.theme.adapted(self.depth);
        self.themes = adapt_all(&config, self.depth);
        if let Some(w) = &self.audit {
            // The log's own record of the reload (process-wide, no session).
            let body = serde_json::json!({
                "file": config.paths.config_file.display().to_string(),
                "result": "reloaded",
                "audit-enabled": config.audit.enabled,
            });
            if let Err(e) = w.append_json("config-reload", &body.to_string()) {
                tracing::error!(error = %e, "cannot write the audit log");
            }
        }
        self.config = config;
        self.status = Some("configuration reloaded".to_owned());
        self.dirty = true;
    }

    /// A reload that failed: the old configuration stays; the audit log records the
    /// attempt (the file and how many errors, not their text, which may quote values).
    pub fn config_reload_failed(&mut self, errors: Vec<String>) {
        if let Some(w) = &self.audit {
            let body = serde_json::json!({
                "file": self.config.paths.config_file.display().to_string(),
                "result": "failed",
                "errors": errors.len(),
            });
            if let Err(e) = w.append_json("config-reload", &body.to_string()) {
                tracing::error!(error = %e, "cannot write the audit log");
            }
        }
        let mut lines = vec!["The configuration has errors; the old one stays:".into()];
        lines.extend(errors);
        self.show_message(lines);
    }

    /// Show lines in a message pane (config errors, connection failures).
    pub fn show_message(&mut self, lines: Vec<String>) {
        self.open_pane(Box::new(pane::Message { lines }));
    }

    /// Set the status line.
    pub fn set_status(&mut self, text: impl Into<String>) {
        self.status = Some(text.into());
        self.dirty = true;
    }

    /// The key state the keymap's conditions see, from the active session.
    pub fn key_state(&self) -> KeyState {
        self.active_tab()
            .map_or_else(KeyState::default, |t| KeyState {
                insert_mode: t.session().oia().insert,
                keyboard_locked: t.session().is_locked(),
                connected: t.conn.is_connected(),
            })
    }

    /// Something happened: map it to actions and apply them.
    pub fn handle_event(&mut self, ev: Event, now: Instant) -> Vec<Effect> {
        self.clock = Some(now);
        let undrawn = self.dirty;
        self.dirty = true;
        let host = matches!(ev, Event::Host { .. });
        let mut effects = self.event(ev, now, undrawn);
        // The API's jobs go on after whatever happened (a host's answer, a timer).
        self.poll_api(now, &mut effects);
        for tab in &mut self.tabs {
            tab.stamp_state(now);
        }
        if self.monitor_open() {
            if host {
                // The monitor's figures are redrawn on its own timer, not per host event.
                self.dirty = undrawn;
            }
            if self.monitor_refresh.is_none_or(|at| at <= now) {
                self.monitor_refresh = Some(now + MONITOR_REFRESH);
                self.dirty = true;
            }
        }
        effects
    }

    /// Whether the session monitor has the focus.
    pub fn monitor_open(&self) -> bool {
        self.pane_as::<pane::Monitor>().is_some()
    }

    fn event(&mut self, ev: Event, now: Instant, undrawn: bool) -> Vec<Effect> {
        match ev {
            Event::Key(key) => self.handle_key(&key, now),
            Event::Mouse(m) => self.handle_mouse(m, now),
            Event::Paste(text) => self.paste(&text, now),
            Event::Resize(cols, rows) => {
                self.size = (cols, rows);
                for tab in &mut self.tabs {
                    tab.pan = None;
                }
                Vec::new()
            }
            Event::Host { tab, event } => self.host_event(tab, event, now),
            Event::AuditRead(snapshot) => {
                if let Some(v) = self.pane_as_mut::<pane::AuditViewer>() {
                    v.set_snapshot(*snapshot);
                    self.dirty = true;
                }
                Vec::new()
            }
            Event::AuditVerified(text) => {
                if let Some(v) = self.pane_as_mut::<pane::AuditViewer>() {
                    v.set_verification(text);
                    self.dirty = true;
                }
                Vec::new()
            }
            Event::Tick => {
                self.blink_on = !self.blink_on;
                let mut effects = self.due(now);
                let refresh = self
                    .pane_as::<pane::AuditViewer>()
                    .and_then(pane::AuditViewer::refresh);
                if let Some(page) = refresh {
                    // The viewer's newest page follows new records.
                    effects.push(Effect::ReadAudit {
                        verify: false,
                        page,
                    });
                }
                // The blink phase changes what is drawn only where host text blinks; an idle
                // session otherwise costs no frame at all. (A change not yet drawn stays due.)
                self.dirty = undrawn
                    || !effects.is_empty()
                    || self
                        .active_tab()
                        .is_some_and(|t| has_blinking_text(t.session().screen()));
                effects
            }
            Event::Timer => {
                let effects = self.due(now);
                self.dirty = undrawn || !effects.is_empty();
                effects
            }
            Event::Probe { endpoint, result } => {
                self.probed(&endpoint, result, now);
                // Shown by the monitor on its own refresh.
                self.dirty = undrawn;
                Vec::new()
            }
            Event::Api { id, request } => self.api_request(id, request, now),
            Event::ApiCancelled(id) => {
                self.api_cancelled(id);
                self.dirty = undrawn;
                Vec::new()
            }
        }
    }

    /// The earliest time something is due: an automatic reconnect, or a session's own timer
    /// (`Session::poll_timeout`). The loop sleeps until then and sends [`Event::Timer`], so
    /// nothing waits for the slow tick.
    pub fn next_deadline(&self) -> Option<Instant> {
        let monitor = self.monitor_refresh.filter(|_| self.monitor_open());
        let moving = self
            .migrations
            .iter()
            .filter_map(|m| m.tab.driver().poll_timeout());
        let probe = self.next_probe();
        self.tabs
            .iter()
            .flat_map(|t| {
                [
                    t.reconnect.map(|r| r.at),
                    t.driver().poll_timeout(),
                    t.playback_wake,
                ]
            })
            .flatten()
            .chain(monitor)
            .chain(moving)
            .chain(probe)
            .chain(self.api_wake())
            .min()
    }

    /// Whatever is due at `now`: reconnects, and the sessions' timers.
    fn due(&mut self, now: Instant) -> Vec<Effect> {
        let mut effects = Vec::new();
        let active = self.active;
        let long_aid = self.config.ui.long_aid;
        self.sync_endpoints(now);
        self.due_probes(now, &mut effects);
        let mut reconnects = Vec::new();
        for (i, tab) in self.tabs.iter_mut().enumerate() {
            if tab.reconnect_due(now) {
                reconnects.push(i);
            }
            if tab.driver().poll_timeout().is_some_and(|t| t <= now) {
                tab.timeout(now);
                tab.drain(i == active, long_aid, &mut effects);
            }
        }
        for m in &mut self.migrations {
            if m.tab.driver().poll_timeout().is_some_and(|t| t <= now) {
                m.tab.timeout(now);
                m.tab.drain(false, long_aid, &mut effects);
            }
        }
        // A reconnect tries the endpoints the probes found up first (the next in the
        // profile's order that is not down), the down ones last.
        for i in reconnects {
            let profile = self.order_endpoints(self.tabs[i].profile.clone(), 0);
            effects.push(Effect::Connect {
                tab: self.tabs[i].id,
                profile: Box::new(profile),
            });
        }
        self.due_playbacks(now, &mut effects);
        effects
    }

    fn handle_key(&mut self, key: &KeyEvent, now: Instant) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        self.status = None;
        // Esc stops a playing macro (before any pane or binding sees it).
        let plain_esc = key.code == crossterm::event::KeyCode::Esc
            && key.modifiers == crossterm::event::KeyModifiers::NONE;
        if plain_esc && self.pane.is_none() && self.stop_macro() {
            return Vec::new();
        }
        self.route_key(key, now)
    }

    /// A chord that does nothing says so on the status line, with the keys that quit, run
    /// any command and list the keys (as bound now). Ctrl-C above all: in most terminal
    /// programs it ends the program, and an operator who presses it expects something.
    pub(crate) fn hint_unbound(&mut self, chord: KeyChord) {
        let keymap = &self.config.keymap;
        let first = |action: Action| {
            keymap
                .chords_for(Layer::Screen, &action)
                .first()
                .map(ToString::to_string)
        };
        let mut how = Vec::new();
        if let Some(k) = first(Action::Quit) {
            how.push(format!("{k} quits"));
        }
        if let Some(k) = first(Action::CommandPalette) {
            how.push(format!("{k} runs any command"));
        }
        if let Some(k) = first(Action::Help) {
            how.push(format!("{k} lists the keys"));
        }
        let what = if chord.to_string() == "ctrl-c" {
            "ctrl-c does not quit r3270".to_owned()
        } else {
            format!("{chord} is not bound to anything")
        };
        self.status = Some(if how.is_empty() {
            what
        } else {
            format!("{what}: {}", how.join(", "))
        });
    }

    /// Apply one action.
    pub fn update(&mut self, action: Action, now: Instant) -> Vec<Effect> {
        self.apply(action, now, false)
    }

    /// Apply one action; `confirmed` skips the "are you sure" question (the confirmation pane
    /// answered it).
    /// Switching, moving and renaming tabs.
    fn tab_action(&mut self, action: Action) {
        match action {
            Action::SwitchTab(n) => self.switch_to(n.saturating_sub(1)),
            Action::NextTab => self.cycle(true),
            Action::PrevTab => self.cycle(false),
            Action::MoveTabLeft => self.move_tab(false),
            Action::MoveTabRight => self.move_tab(true),
            Action::RenameTab(name) => self.rename(name),
            _ => {}
        }
    }

    pub(crate) fn apply(&mut self, action: Action, now: Instant, confirmed: bool) -> Vec<Effect> {
        self.dirty = true;
        self.clock = Some(now);
        match action {
            Action::Key(key) => self.press(key, now),
            Action::Type(text) => {
                let mut effects = Vec::new();
                for c in text.chars() {
                    effects.extend(self.press(Key::Char(c), now));
                }
                effects
            }
            Action::CommandPalette => {
                self.open_pane(Box::<pane::Palette>::default());
                Vec::new()
            }
            Action::Help => {
                if self.pane_as::<pane::Help>().is_some() {
                    self.pane = None;
                    self.reopen_picker_if_empty();
                } else {
                    self.open_pane(Box::<pane::Help>::default());
                }
                Vec::new()
            }
            Action::Quit => self.quit(confirmed),
            Action::NewTab => {
                if self.refuse_new_tab() {
                    return Vec::new();
                }
                self.open_pane(Box::<pane::Picker>::default());
                Vec::new()
            }
            Action::Connect(target) => self.connect(&target),
            Action::Disconnect => self.disconnect(),
            Action::Reconnect => self.reconnect(),
            Action::CloseTab => self.close_tab(confirmed),
            Action::SwitchTab(_)
            | Action::NextTab
            | Action::PrevTab
            | Action::MoveTabLeft
            | Action::MoveTabRight
            | Action::RenameTab(_) => {
                self.tab_action(action);
                Vec::new()
            }
            Action::Copy => self.copy(),
            Action::ToggleCrosshair => {
                self.crosshair = !self.crosshair;
                Vec::new()
            }
            Action::ToggleOia => {
                self.oia_pinned = !self.oia_pinned;
                Vec::new()
            }
            Action::ShowAudit => {
                self.open_pane(Box::new(pane::AuditViewer::new()));
                vec![Effect::ReadAudit {
                    verify: true,
                    page: crate::audit::read::Page::Newest,
                }]
            }
            Action::ReloadConfig => vec![Effect::ReloadConfig],
            Action::PlayMacro(name) => self.play_macro(&name, now),
            Action::RecordMacro(name) => {
                self.record_macro(name);
                Vec::new()
            }
            Action::StopRecording => self.stop_recording(),
            Action::PanUp => self.pan(0, -1),
            Action::PanDown => self.pan(0, 1),
            Action::PanLeft => self.pan(-1, 0),
            Action::PanRight => self.pan(1, 0),
            // The pane actions mean something only to a pane (which consumes them before the
            // App sees them); bound on the screen or run from the palette they do nothing.
            Action::None
            | Action::SelectPrev
            | Action::SelectNext
            | Action::PagePrev
            | Action::PageNext
            | Action::OlderPage
            | Action::NewerPage
            | Action::Accept
            | Action::Complete => Vec::new(),
            Action::ShowMonitor
            | Action::PauseSession
            | Action::ResumeSession
            | Action::MigrateSession(_)
            | Action::RestoreTabs => self.session_action(action, now),
            Action::Cancel => {
                if self.pane.take().is_none() {
                    if let Some(tab) = self.active_tab_mut() {
                        tab.selection = None;
                    }
                }
                self.reopen_picker_if_empty();
                Vec::new()
            }
        }
    }

    /// The monitor and a session's lifecycle (`app/lifecycle.rs`).
    fn session_action(&mut self, action: Action, now: Instant) -> Vec<Effect> {
        match action {
            Action::ShowMonitor => {
                if self.monitor_open() {
                    self.pane = None;
                    self.reopen_picker_if_empty();
                } else {
                    self.open_pane(Box::<pane::Monitor>::default());
                    self.monitor_refresh = Some(now + MONITOR_REFRESH);
                }
                Vec::new()
            }
            Action::PauseSession => self.pause_session(),
            Action::ResumeSession => self.resume_session(),
            Action::MigrateSession(to) => self.migrate_session(to.as_deref()),
            Action::RestoreTabs => self.restore_tabs(now),
            _ => Vec::new(),
        }
    }

    /// A 3270 key on the active tab, through the engine (which queues it while the keyboard
    /// is locked by an AID, or locks with an operator error, exactly as a 3270 would).
    fn press(&mut self, key: Key, now: Instant) -> Vec<Effect> {
        // Reset stops a playing macro; other keys wait for it to end.
        if key == Key::Reset && self.stop_macro() {
            return Vec::new();
        }
        if let Some(why) = self.playing() {
            self.set_status(why);
            return Vec::new();
        }
        let long_aid = self.config.ui.long_aid;
        let Some(tab) = self.active_tab_mut() else {
            return Vec::new();
        };
        tab.selection = None;
        tab.record_key(key, now);
        tab.key(now, key);
        let mut effects = Vec::new();
        tab.drain(true, long_aid, &mut effects);
        effects
    }

    /// Scroll a screen that does not fit, from where the last frame showed it.
    fn pan(&mut self, dx: i32, dy: i32) -> Vec<Effect> {
        let shown = self.last_frame.screen_origin;
        if let Some(tab) = self.active_tab_mut() {
            let dims = tab.session().screen().dims();
            let (row, col) = tab.pan.unwrap_or((shown.row, shown.col));
            let clamp = |v: u16, d: i32, max: u16| {
                let n = i32::from(v) + d;
                u16::try_from(n.clamp(0, i32::from(max.saturating_sub(1)))).unwrap_or(0)
            };
            tab.pan = Some((clamp(row, dy, dims.rows), clamp(col, dx, dims.cols)));
        }
        Vec::new()
    }

    fn quit(&mut self, confirmed: bool) -> Vec<Effect> {
        let connected = self.tabs.iter().filter(|t| t.conn.is_connected()).count();
        if !confirmed && connected > 0 && self.config.ui.confirm_close {
            let s = if connected == 1 { "" } else { "s" };
            self.open_pane(Box::new(pane::Confirm {
                question: format!("Quit r3270 and close {connected} connected session{s}?"),
                on_yes: Action::Quit,
            }));
            return Vec::new();
        }
        self.quitting = true;
        let mut effects: Vec<Effect> = self
            .tabs
            .iter()
            .filter(|t| !matches!(t.conn, ConnState::Disconnected(_)))
            .map(|t| Effect::Disconnect { tab: t.id })
            .collect();
        effects.push(Effect::Quit);
        effects
    }

    /// The text to copy: the selection, or the whole screen.
    fn copy(&mut self) -> Vec<Effect> {
        let Some(tab) = self.active_tab() else {
            return Vec::new();
        };
        let screen = tab.session().screen();
        let cp = tab.session().code_page();
        let text = match tab.selection {
            Some(sel) => crate::ui::text::selection_text(screen, sel, cp),
            None => screen.text_rows(cp).join("\n"),
        };
        let chars = text.chars().count();
        let selection = tab.selection.is_some();
        self.set_status(format!("copied {chars} characters"));
        self.audit_copy(chars, selection);
        vec![Effect::Copy(text)]
    }

    /// Whether the session limit forbids another tab (and say so).
    fn refuse_new_tab(&mut self) -> bool {
        if self.config.limits.allows_another_session(self.tabs.len()) {
            return false;
        }
        let msg = format!(
            "cannot open another session: {} are open and limits.max-sessions is {}",
            self.tabs.len(),
            self.config.limits.max_sessions
        );
        self.set_status(msg.clone());
        self.show_error_in_pane(msg);
        true
    }
}
