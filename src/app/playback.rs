//! Macro playback in the App: `play-macro NAME` and a profile's logon macro start a
//! [`Playback`] on a tab; the App polls it whenever that tab's host sends something and at
//! the wake time it asked for ([`App::next_deadline`] includes it), so waits hold as soon as
//! the host allows and time out without the slow tick. Values a macro types are asked first
//! (one [`MacroPrompt`] each, kept in the tab's memory afterwards); environment variables
//! are read through the App's `env` lookup. Esc or Reset stops a playing macro; other keys
//! are refused while it plays, so operator and macro never type into each other.

use std::time::Instant;

use crate::app::pane::MacroPrompt;
use crate::app::{App, Effect, TabId};
use crate::macros::{self, Playback, Played, Secret, Stopped, Value};

impl App {
    /// `play-macro NAME` on the active tab.
    pub(crate) fn play_macro(&mut self, name: &str, now: Instant) -> Vec<Effect> {
        let Some(id) = self.active_tab().map(|t| t.id) else {
            self.set_status(format!("macro `{name}` not played: no session is open"));
            return Vec::new();
        };
        self.start_macro(id, name, now)
    }

    /// Starts macro `name` on tab `id`: asks for the first value it lacks, or plays.
    pub(crate) fn start_macro(&mut self, id: TabId, name: &str, now: Instant) -> Vec<Effect> {
        let Some(i) = self.tab_index(id) else {
            return Vec::new();
        };
        if let Some(p) = &self.tabs[i].playback {
            let (at, of) = p.progress();
            let msg = format!(
                "macro `{}` is playing (step {at}/{of}): Esc stops it",
                p.name()
            );
            self.set_status(msg);
            return Vec::new();
        }
        if !self.tabs[i].conn.is_connected() {
            self.set_status(format!(
                "macro `{name}` not played: the session is not connected"
            ));
            return Vec::new();
        }
        let env = self.env;
        let tab = &mut self.tabs[i];
        for v in macros::values_needed(&self.config.macros, name) {
            if tab.values.has(&v) {
                continue;
            }
            match &v {
                Value::Env(var) => {
                    if let Some(text) = env(var) {
                        tab.values.set_env(var, text);
                    }
                }
                Value::Prompt {
                    name: value,
                    secret,
                } => {
                    let prompt = MacroPrompt::new(id, name, value, *secret);
                    self.open_pane(Box::new(prompt));
                    return Vec::new();
                }
            }
        }
        let plan = match macros::plan(&self.config.macros, name, &tab.values) {
            Ok(p) => p,
            Err(why) => {
                tab.audit_macro(name, "failed", Some(&why));
                self.set_status(why);
                return Vec::new();
            }
        };
        // The audit log gets the macro's name only: its steps may hold credentials; the
        // AIDs it sends are recorded like any other, non-display fields as markers.
        tab.audit_macro(name, "start", None);
        tab.playback = Some(Playback::new(plan));
        tracing::info!(tab = id.0, macro_name = name, "macro playing");
        let mut effects = Vec::new();
        self.poll_playback(i, now, &mut effects);
        effects
    }

    /// A prompt's answer: kept for the tab's life, then the macro goes on starting.
    pub(crate) fn macro_value(
        &mut self,
        id: TabId,
        macro_name: &str,
        name: &str,
        value: Secret,
        now: Instant,
    ) -> Vec<Effect> {
        let Some(i) = self.tab_index(id) else {
            return Vec::new();
        };
        self.tabs[i].values.set_prompt(name, value.0);
        self.start_macro(id, macro_name, now)
    }

    /// Runs tab `i`'s macro as far as it goes now and carries out what it typed.
    pub(crate) fn poll_playback(&mut self, i: usize, now: Instant, effects: &mut Vec<Effect>) {
        let long_aid = self.config.ui.long_aid;
        let foreground = i == self.active;
        let Some(tab) = self.tabs.get_mut(i) else {
            return;
        };
        let Some(played) = tab.play(now) else {
            return;
        };
        tab.drain(foreground, long_aid, effects);
        match played {
            Played::Pending(_) => {}
            Played::Done => {
                let name = tab.playback.take().map(|p| p.name().to_owned());
                tab.playback_wake = None;
                if let Some(name) = name {
                    tab.audit_macro(&name, "end", None);
                    // A logon macro finishes quietly (the operator did not start it, and
                    // a reconnect's or migration's own message must stay readable).
                    let logon = tab.profile.logon_macro.as_deref() == Some(name.as_str());
                    self.forget_values(i, &name);
                    if foreground && !logon {
                        self.set_status(format!("macro `{name}` done"));
                    }
                }
            }
            Played::Stopped(stopped) => {
                tab.playback = None;
                tab.playback_wake = None;
                tab.audit_macro(&stopped.macro_name, "failed", Some(&stopped.headline()));
                self.forget_values(i, &stopped.macro_name);
                self.report_stop(i, &stopped);
            }
        }
        self.dirty = true;
    }

    /// A macro with `remember-values = false` leaves none of its values behind.
    fn forget_values(&mut self, i: usize, name: &str) {
        if self
            .config
            .macros
            .get(name)
            .is_some_and(|m| !m.remember_values)
        {
            let values = macros::values_needed(&self.config.macros, name);
            if let Some(tab) = self.tabs.get_mut(i) {
                tab.values.forget(&values);
            }
        }
    }

    /// Polls every tab whose macro asked to be woken by `now`.
    pub(crate) fn due_playbacks(&mut self, now: Instant, effects: &mut Vec<Effect>) {
        for i in 0..self.tabs.len() {
            if self.tabs[i].playback_wake.is_some_and(|t| t <= now) {
                self.poll_playback(i, now, effects);
            }
        }
    }

    /// Esc or Reset on the active tab while a macro plays there: stop it. True if one did.
    pub(crate) fn stop_macro(&mut self) -> bool {
        let i = self.active;
        let Some(stopped) = self.tabs.get_mut(i).and_then(super::Tab::cancel_playback) else {
            return false;
        };
        self.forget_values(i, &stopped.macro_name);
        self.report_stop(i, &stopped);
        true
    }

    /// What the OIA shows of macros on `tab`: `REC n` while recording, `▶ NAME i/n` while
    /// one plays.
    pub fn macro_state(&self, tab: &super::Tab) -> Option<String> {
        if let Some(rec) = App::recording_state(tab) {
            return Some(rec);
        }
        let Some(p) = tab.playback.as_ref() else {
            return self.api_state(tab.id);
        };
        let (at, of) = p.progress();
        Some(format!("▶ {} {at}/{of}", p.name()))
    }

    /// Whether the active tab plays a macro (keys other than Esc and Reset wait).
    pub(crate) fn playing(&self) -> Option<String> {
        let p = self.active_tab()?.playback.as_ref()?;
        let (at, of) = p.progress();
        Some(format!(
            "macro `{}` is playing (step {at}/{of}): Esc stops it",
            p.name()
        ))
    }

    /// Says why a macro stopped: a message pane on the shown tab, the tab's error line and
    /// badge on another. The log gets the headline (step labels name values, never hold
    /// them), not the screen.
    fn report_stop(&mut self, i: usize, stopped: &Stopped) {
        let headline = stopped.headline();
        tracing::info!(tab = self.tabs[i].id.0, "{headline}");
        let tab = &mut self.tabs[i];
        tab.last_error = Some(headline.clone());
        if i == self.active {
            if matches!(stopped.why, macros::Why::Cancelled) {
                self.set_status(headline);
            } else {
                self.show_message(stopped.lines());
            }
        } else {
            tab.badges.error = true;
        }
    }
}
