//! The event loop: one task owns the [`App`] and the terminal and `select!`s over terminal
//! events (read on a thread of their own, [`Input`]), host events from the connection
//! tasks, a slow tick and a render deadline.
//!
//! Every ready event is drained before a frame is drawn, frames are capped (~60 per
//! second) and drawn only when something changed. Effects from the app are carried out
//! here: connection tasks are started and fed, the clipboard gets OSC 52, the bell rings,
//! the configuration is read again. The loop decides nothing about keys or sessions.

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use crossterm::clipboard::CopyToClipboard;
use crossterm::event::{Event as TermEvent, KeyEventKind};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::{App, Effect, Event, HostEvent, TabId};
use crate::tui::audit_jobs::{self, AuditJobs};
use crate::tui::conn::{self, ConnCmd, ConnHandle};
use crate::tui::input::Input;
use crate::tui::{TuiOptions, setup};

/// The shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);
/// The slow tick: blinking host text and the config file's modification time. Nothing an
/// operator types waits for it, nor any deadline (those have their own arm).
const TICK: Duration = Duration::from_millis(500);
/// Sets the slow tick in milliseconds instead of [`TICK`]. A test seam, not a setting: the
/// key-echo test makes the tick an hour long to prove a key is drawn without it.
const TICK_ENV: &str = "R3270_TICK_MS";
/// At most this many ready events are handled before a frame gets a chance.
const BATCH: usize = 512;

/// An endpoint and how its health probe went (`Event::Probe`).
type ProbeResult = (String, Result<Duration, String>);

struct Loop {
    app: App,
    conns: HashMap<TabId, ConnHandle>,
    host_tx: mpsc::Sender<(TabId, HostEvent)>,
    /// Health probes report here (at most one in flight per endpoint: the app's rule).
    probe_tx: mpsc::Sender<ProbeResult>,
    /// The audit viewer's reads and verifications, on the blocking pool.
    audit_jobs: AuditJobs,
    opts_reload: crate::tui::Reload,
    watch: Option<std::path::PathBuf>,
    watched_mtime: Option<SystemTime>,
    /// The API's calls waiting for the App's answer (`[api] enabled`).
    api: crate::tui::api::Link,
}

/// Run the TUI until the operator quits (success) or a signal ends it (the shell's code for
/// death by that signal, 128 + its number, so a script can tell the two apart). The terminal
/// is set up here and restored on every way out (the guard, and the panic hook for panics).
pub async fn run(opts: TuiOptions) -> anyhow::Result<ExitCode> {
    let TuiOptions {
        config,
        open,
        reload,
        watch,
        audit,
        api,
    } = opts;
    let mouse = config.ui.mouse;
    let (mut lp, mut inbox) = Loop::new(config, reload, watch);
    let api_task = lp.attach(&mut inbox, audit, api);
    let recent_file = load_recent(&mut lp.app);
    let _guard = setup(mouse).context("cannot set up the terminal")?;
    let mut terminal =
        Terminal::new(CrosstermBackend::new(io::stdout())).context("cannot open the terminal")?;
    let size = terminal.size().context("cannot read the terminal size")?;
    let mut saved_tabs = SavedTabs::read(&lp.app);
    let effects = first_effects(&mut lp.app, size, open, &mut saved_tabs);
    lp.carry_out(effects)?;

    // SIGTERM and SIGHUP (the terminal went away) end the loop like quit, so the guard
    // restores the terminal and connections close in order.
    let mut sigterm = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut sighup = signal(SignalKind::hangup()).context("cannot watch SIGHUP")?;
    let watchdog = tokio::spawn(exit_if_stuck());
    let mut input = Input::spawn().context("cannot start reading the terminal")?;
    let mut tick = slow_tick();
    let mut last_draw = Instant::now() - FRAME;
    let result = loop {
        let next_draw = last_draw + FRAME;
        let dirty = lp.app.is_dirty();
        // The earliest deadline any tab has (a reconnect, a session timer): slept on here,
        // so it fires on time rather than on the next tick.
        let deadline = lp.app.next_deadline().map(Instant::from_std);
        tokio::select! {
            ev = input.recv() => match ev {
                Some(Ok(ev)) => {
                    lp.terminal_event(ev)?;
                    // Drain whatever else is ready before drawing.
                    for _ in 0..BATCH {
                        match input.try_recv() {
                            Some(Ok(ev)) => lp.terminal_event(ev)?,
                            Some(Err(e)) => return Err(e).context("terminal input failed"),
                            None => break,
                        }
                    }
                }
                Some(Err(e)) => break Err(anyhow::Error::new(e).context("terminal input failed")),
                None => break Ok(ExitCode::SUCCESS),
            },
            Some((tab, event)) = inbox.host.recv() => {
                lp.host_event(tab, event)?;
                for _ in 0..BATCH {
                    match inbox.host.try_recv() {
                        Ok((tab, event)) => lp.host_event(tab, event)?,
                        Err(_) => break,
                    }
                }
            }
            Some((endpoint, result)) = inbox.probe.recv() => {
                let ev = Event::Probe { endpoint, result };
                let effects = lp.app.handle_event(ev, std::time::Instant::now());
                lp.carry_out(effects)?;
            }
            Some(inbound) = crate::tui::api::recv(&mut inbox.api) => lp.api_call(inbound)?,
            Some(done) = inbox.audit.recv() => {
                let ev = lp.audit_jobs.done(done);
                let effects = lp.app.handle_event(ev, std::time::Instant::now());
                lp.carry_out(effects)?;
            }
            _ = tick.tick() => {
                let effects = lp.app.handle_event(Event::Tick, std::time::Instant::now());
                lp.carry_out(effects)?;
                lp.check_config_file();
                lp.api_abandoned()?;
            }
            () = sleep_until_some(deadline) => {
                let effects = lp.app.handle_event(Event::Timer, std::time::Instant::now());
                lp.carry_out(effects)?;
            }
            () = tokio::time::sleep_until(next_draw), if dirty => {}
            _ = sigterm.recv() => break Ok(ExitCode::from(128 + 15)),
            _ = sighup.recv() => break Ok(ExitCode::from(128 + 1)),
        }
        if lp.app.quitting() {
            break Ok(ExitCode::SUCCESS);
        }
        saved_tabs.keep(&lp.app);
        if lp.app.is_dirty() && Instant::now() >= last_draw + FRAME {
            terminal
                .draw(|f| crate::tui::draw(f, &mut lp.app))
                .context("cannot draw")?;
            lp.app.mark_drawn();
            last_draw = Instant::now();
        }
    };
    api_task.inspect(tokio::task::JoinHandle::abort);
    lp.shutdown().await;
    save_recent(&recent_file, lp.app.recent_hosts());
    saved_tabs.ended(&lp.app);
    watchdog.abort();
    result
}

/// The recent hosts kept between runs, read into the app; returns the file they go back to.
fn load_recent(app: &mut App) -> std::path::PathBuf {
    let recent_file = app.config().paths.data_dir.join(RECENT_FILE);
    if let Ok(text) = std::fs::read_to_string(&recent_file) {
        app.set_recent_hosts(text.lines().map(str::to_owned));
    }
    recent_file
}

/// The first frame's size, then the tabs to open: those named on the command line, or the
/// tabs a run that did not quit left open (offered).
fn first_effects(
    app: &mut App,
    size: ratatui::layout::Size,
    open: Vec<crate::config::Profile>,
    saved_tabs: &mut SavedTabs,
) -> Vec<Effect> {
    let now = std::time::Instant::now();
    let mut effects = app.handle_event(Event::Resize(size.width, size.height), now);
    if open.is_empty() {
        effects.extend(saved_tabs.offer(app, now));
    }
    for profile in open {
        effects.extend(app.open_tab(profile));
    }
    effects
}

/// The slow tick ([`TICK`], or [`TICK_ENV`] milliseconds); a late tick is not made up.
fn slow_tick() -> tokio::time::Interval {
    let every = std::env::var(TICK_ENV)
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(TICK, Duration::from_millis);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick
}

/// The list of open tabs in the data directory (`tui::restore`), as last written.
struct SavedTabs {
    path: std::path::PathBuf,
    tabs: Vec<crate::app::SavedTab>,
}

impl SavedTabs {
    fn read(app: &App) -> Self {
        let path = crate::tui::restore::path(&app.config().paths.data_dir);
        let tabs = crate::tui::restore::read(&path);
        SavedTabs { path, tabs }
    }

    /// Tabs a run that did not quit left open are offered again (`ui.restore-tabs`).
    fn offer(&self, app: &mut App, now: std::time::Instant) -> Vec<Effect> {
        app.offer_restore(self.tabs.clone(), now)
    }

    /// Replace the file when the tabs changed (no allocation when they did not).
    fn keep(&mut self, app: &App) {
        if !app.tabs_saved_as(&self.tabs) {
            self.tabs = app.saved_tabs();
            crate::tui::restore::write(&self.path, &self.tabs);
        }
    }

    /// Quitting closes the tabs on purpose: nothing to offer next time. Any other end
    /// (a signal, a lost terminal) leaves the list.
    fn ended(&self, app: &App) {
        if app.quitting() {
            crate::tui::restore::write(&self.path, &[]);
        }
    }
}

/// Sleep until `at`, or for ever when there is no deadline.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// How long the loop has to end by itself once the terminal has gone or a signal came.
const STUCK_GRACE: Duration = Duration::from_secs(3);

/// Ends the process when the loop has not ended [`STUCK_GRACE`] after SIGTERM, SIGHUP, or
/// the terminal going away (checked every second: a closed or hung-up terminal is no
/// longer a terminal).
///
/// When the terminal goes away, a read of it returns nothing (or EIO) at once and for
/// ever, and crossterm's reader retries such a read without end on the thread that polls
/// it. If that is this loop's thread, the loop never sees the signal, nor a failed draw,
/// and r3270 would spin a core with nobody left to stop it. This task runs on another
/// runtime worker, so it still runs then: it restores what it can of the terminal (nothing,
/// if it is gone) and exits with the shell's code for death by that signal.
async fn exit_if_stuck() {
    let watch_in = io::stdin().is_terminal();
    let watch_out = io::stdout().is_terminal();
    let mut term = signal(SignalKind::terminate()).ok();
    let mut hup = signal(SignalKind::hangup()).ok();
    let mut every = tokio::time::interval(Duration::from_secs(1));
    let code = loop {
        tokio::select! {
            () = recv(&mut term) => break 128 + 15,
            () = recv(&mut hup) => break 128 + 1,
            _ = every.tick() => {
                let gone = (watch_in && !io::stdin().is_terminal())
                    || (watch_out && !io::stdout().is_terminal());
                if gone {
                    break 128 + 1;
                }
            }
        }
    };
    tokio::time::sleep(STUCK_GRACE).await;
    tracing::warn!(
        code,
        "the event loop did not end after its terminal went away; exiting"
    );
    crate::tui::restore();
    std::process::exit(code);
}

/// The next signal, or never when it could not be watched.
async fn recv(sig: &mut Option<tokio::signal::unix::Signal>) {
    match sig {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}

/// Recent hosts, one a line, newest first, in the data directory.
const RECENT_FILE: &str = "recent-hosts";

/// Remember the recent hosts for the next run; failing to is only logged (the terminal is
/// being restored, and the session itself is not affected).
fn save_recent(path: &Path, hosts: &[String]) {
    if hosts.is_empty() {
        return;
    }
    let mut text = hosts.join("\n");
    text.push('\n');
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(path, text));
    if let Err(e) = written {
        tracing::warn!(path = %path.display(), error = %e, "cannot save the recent hosts");
    }
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// What the loop's tasks report back: connection tasks, health probes, audit jobs.
struct Inbox {
    host: mpsc::Receiver<(TabId, HostEvent)>,
    probe: mpsc::Receiver<ProbeResult>,
    audit: mpsc::Receiver<audit_jobs::Done>,
    /// Calls of the API, when it is on.
    api: Option<mpsc::Receiver<crate::tui::api::Inbound>>,
}

impl Loop {
    /// The loop's state before the terminal is touched (the App, at the terminal's colour
    /// depth, with no tab yet), and the receiving end of every task's reports.
    fn new(
        config: crate::config::Config,
        reload: crate::tui::Reload,
        watch: Option<std::path::PathBuf>,
    ) -> (Self, Inbox) {
        let watched_mtime = watch.as_deref().and_then(mtime);
        let (host_tx, host) = mpsc::channel(256);
        let (probe_tx, probe) = mpsc::channel(64);
        let (audit_jobs, audit) = AuditJobs::new();
        let mut app = App::new(config);
        app.set_color_depth(crate::theme::ColorDepth::detect());
        let lp = Loop {
            app,
            conns: HashMap::new(),
            host_tx,
            probe_tx,
            audit_jobs,
            opts_reload: reload,
            watch,
            watched_mtime,
            api: crate::tui::api::Link::default(),
        };
        let inbox = Inbox {
            host,
            probe,
            audit,
            api: None,
        };
        (lp, inbox)
    }

    /// Where the configured audit log is (its archive and key directory too).
    fn audit_location(&self) -> crate::audit::verify::VerifyOptions {
        let c = self.app.config();
        let dir = c.audit.log_dir(&c.paths.data_dir);
        crate::audit::verify::VerifyOptions {
            key_dir: crate::audit::writer::key_dir_for(&c.audit.key_dir(&c.paths.log_dir), &dir),
            dir,
            archive_dir: c.audit.archive_dir.clone(),
        }
    }

    fn terminal_event(&mut self, ev: TermEvent) -> anyhow::Result<()> {
        let now = std::time::Instant::now();
        let ev = match ev {
            TermEvent::Key(k) if k.kind == KeyEventKind::Release => return Ok(()),
            TermEvent::Key(k) => Event::Key(k),
            TermEvent::Mouse(m) => Event::Mouse(m),
            TermEvent::Paste(s) => Event::Paste(s),
            TermEvent::Resize(w, h) => Event::Resize(w, h),
            TermEvent::FocusGained | TermEvent::FocusLost => return Ok(()),
        };
        let effects = self.app.handle_event(ev, now);
        self.carry_out(effects)
    }

    fn host_event(&mut self, tab: TabId, event: HostEvent) -> anyhow::Result<()> {
        if matches!(
            event,
            HostEvent::Closed | HostEvent::Failed(_) | HostEvent::Lost(_)
        ) {
            // The task has ended (or is ending); a reconnect starts a new one.
            self.conns.remove(&tab);
        }
        let effects = self
            .app
            .handle_event(Event::Host { tab, event }, std::time::Instant::now());
        self.carry_out(effects)
    }

    fn carry_out(&mut self, effects: Vec<Effect>) -> anyhow::Result<()> {
        for effect in effects {
            match effect {
                Effect::Connect { tab, profile } => {
                    if let Some(old) = self.conns.remove(&tab) {
                        let _ = old.commands.send(ConnCmd::Close);
                    }
                    let handle = conn::spawn(
                        tab,
                        *profile,
                        self.app.limits().clone(),
                        self.host_tx.clone(),
                    );
                    self.conns.insert(tab, handle);
                }
                Effect::Send { tab, bytes } => {
                    if let Some(c) = self.conns.get(&tab) {
                        let _ = c.commands.send(ConnCmd::Send(bytes));
                    }
                }
                Effect::StartTls { tab } => {
                    if let Some(c) = self.conns.get(&tab) {
                        let _ = c.commands.send(ConnCmd::StartTls);
                    }
                }
                Effect::Disconnect { tab } => {
                    if let Some(c) = self.conns.remove(&tab) {
                        let _ = c.commands.send(ConnCmd::Close);
                    }
                }
                Effect::Copy(text) => {
                    let mut out = io::stdout();
                    crossterm::execute!(out, CopyToClipboard::to_clipboard_from(text))
                        .context("cannot write to the terminal")?;
                }
                Effect::Bell => {
                    let mut out = io::stdout();
                    out.write_all(b"\x07")
                        .and_then(|()| out.flush())
                        .context("cannot write to the terminal")?;
                }
                Effect::ReloadConfig => self.reload(),
                Effect::ReadAudit { verify, page } => {
                    // Off the loop: the result is an `audit_jobs::Done` in the inbox.
                    let loc = self.audit_location();
                    self.audit_jobs.request(&loc, page, verify);
                }
                Effect::Probe {
                    endpoint,
                    spec,
                    profile,
                    timeout,
                } => {
                    let tx = self.probe_tx.clone();
                    let opts = profile.connect_options();
                    tokio::spawn(async move {
                        let result = crate::runtime::probe::probe(&spec, &opts, timeout).await;
                        let _ = tx.send((endpoint, result)).await;
                    });
                }
                Effect::SaveMacro { path, text } => {
                    let written = path
                        .parent()
                        .map_or(Ok(()), std::fs::create_dir_all)
                        .and_then(|()| std::fs::write(&path, text));
                    if let Err(e) = written {
                        self.app.show_message(vec![format!(
                            "cannot write the macro file {}: {e}",
                            path.display()
                        )]);
                    }
                }
                Effect::ApiReply { id, reply } => self.api.reply(id, reply),
                Effect::Quit => {}
            }
        }
        Ok(())
    }

    /// The audit log the tabs record to; the API server, whose calls come to this loop
    /// from now on (its address on the status line). Returns the server's task, to abort
    /// when the loop ends.
    fn attach(
        &mut self,
        inbox: &mut Inbox,
        audit: Option<crate::audit::SharedWriter>,
        api: Option<crate::tui::api::Server>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        if let Some(w) = audit {
            self.app.set_audit(w);
        }
        let server = api?;
        let note = format!(
            "API listening on {} (token in {})",
            server.url,
            server.token_file.display()
        );
        let (rx, link, task) = server.split();
        inbox.api = Some(rx);
        self.api = link;
        self.app.set_status(note);
        Some(task)
    }

    /// A call of the API, to the App.
    fn api_call(&mut self, inbound: crate::tui::api::Inbound) -> anyhow::Result<()> {
        let ev = self.api.event(inbound);
        let effects = self.app.handle_event(ev, std::time::Instant::now());
        self.carry_out(effects)
    }

    /// Calls of the API whose callers went away: their jobs stop.
    fn api_abandoned(&mut self) -> anyhow::Result<()> {
        for id in self.api.abandoned() {
            let effects = self
                .app
                .handle_event(Event::ApiCancelled(id), std::time::Instant::now());
            self.carry_out(effects)?;
        }
        Ok(())
    }

    /// Read the configuration again: a good one replaces the old, a bad one is shown and
    /// the old one stays.
    fn reload(&mut self) {
        match (self.opts_reload)() {
            Ok(config) => {
                tracing::info!("configuration reloaded");
                self.app.set_config(config);
            }
            Err(errors) => {
                tracing::info!(errors = errors.len(), "configuration reload failed");
                self.app.config_reload_failed(errors);
            }
        }
    }

    /// A changed modification time of the watched file reloads it.
    fn check_config_file(&mut self) {
        let Some(path) = &self.watch else {
            return;
        };
        let now = mtime(path);
        if now != self.watched_mtime {
            self.watched_mtime = now;
            if now.is_some() {
                self.reload();
            }
        }
    }

    /// Close every connection in an orderly way, waiting a little for them to finish.
    async fn shutdown(&mut self) {
        for (_, c) in self.conns.drain() {
            let _ = c.commands.send(ConnCmd::Close);
            if tokio::time::timeout(Duration::from_secs(1), c.task)
                .await
                .is_err()
            {
                tracing::info!("a connection did not close in time");
            }
        }
    }
}
