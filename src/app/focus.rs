//! The App's side of the pane seam: the one focused pane, the order a key takes through it
//! and the keymap, and the App carrying out what a pane asks ([`Request`]).
//!
//! One pane has the focus at a time (`App::pane`, an `Option<Box<dyn Pane>>`): opening a
//! pane replaces the one open, as the popups always have (a confirmation over the palette
//! closes the palette). With no tab open the connect picker comes back whenever a pane
//! closes, since nothing else could be shown. Part of `impl App`; no I/O, no drawing.

use std::any::Any;
use std::time::Instant;

use crossterm::event::KeyEvent;

use crate::action::Action;
use crate::app::pane::{Handled, Pane, PaneCtx, Picker, PickerEntry, Request, picker};
use crate::app::{App, Effect};
use crate::keymap::{ChordKey, KeyChord, Layer, Mods};
use crate::proto::Key;

/// What the plain navigation keys do in a pane when the keymap has no binding at all for
/// them (a hand-built keymap, a config that replaced the layers): a pane can always be moved
/// through, accepted and closed. A binding, `none` included, always wins over this.
fn pane_fallback(chord: &KeyChord) -> Option<Action> {
    if chord.mods != Mods::default() {
        return None;
    }
    Some(match chord.key {
        ChordKey::Esc => Action::Cancel,
        ChordKey::Enter | ChordKey::KeypadEnter => Action::Accept,
        ChordKey::Up => Action::SelectPrev,
        ChordKey::Down => Action::SelectNext,
        ChordKey::PageUp => Action::PagePrev,
        ChordKey::PageDown => Action::PageNext,
        ChordKey::Tab => Action::Complete,
        _ => return None,
    })
}

impl App {
    /// The focused pane (with no tabs it is the connect picker, unless a message is shown).
    pub fn pane(&self) -> Option<&dyn Pane> {
        self.pane.as_deref()
    }

    /// The focused pane if it is a `P`.
    pub fn pane_as<P: Pane + Any>(&self) -> Option<&P> {
        self.pane()?.as_any().downcast_ref::<P>()
    }

    /// The focused pane if it is a `P`, mutable (panes that offer `Pane::as_any_mut`).
    pub fn pane_as_mut<P: Pane + Any>(&mut self) -> Option<&mut P> {
        self.pane.as_deref_mut()?.as_any_mut()?.downcast_mut::<P>()
    }

    /// Give the focus to `pane` (closing the one open).
    pub fn open_pane(&mut self, pane: Box<dyn Pane>) {
        self.pane = Some(pane);
        self.dirty = true;
    }

    /// What a pane may read from the App, for one call.
    pub fn pane_ctx(&self) -> PaneCtx<'_> {
        PaneCtx {
            config: &self.config,
            recent: &self.recent,
            tabs: self.tabs.len(),
            theme: self.theme(),
            sessions: &self.tabs,
            now: self.clock,
            endpoints: self.endpoint_health(),
        }
    }

    /// The picker's entries for `input` (profiles, recent hosts, what was typed).
    pub fn picker_entries(&self, input: &str) -> Vec<PickerEntry> {
        picker::entries(&self.pane_ctx(), input)
    }

    /// The keymap layer keys go to now: the focused pane's, else the screen's.
    pub fn layer(&self) -> Layer {
        self.pane.as_ref().map_or(Layer::Screen, |p| p.layer())
    }

    /// Offer something to the focused pane; `None` when there is none or it is not used.
    fn offer(
        &mut self,
        now: Instant,
        f: impl FnOnce(&mut dyn Pane, &PaneCtx) -> Handled,
    ) -> Option<Vec<Effect>> {
        let mut pane = self.pane.take()?;
        let handled = f(pane.as_mut(), &self.pane_ctx());
        let effects = match handled {
            Handled::No => {
                self.pane = Some(pane);
                return None;
            }
            Handled::Kept => {
                self.pane = Some(pane);
                Vec::new()
            }
            Handled::Close => Vec::new(),
            Handled::Ask(request) => self.request(pane, request, now),
        };
        self.reopen_picker_if_empty();
        Some(effects)
    }

    /// Carry out what a pane asked (the pane is handed back in case it stays).
    fn request(&mut self, pane: Box<dyn Pane>, request: Request, now: Instant) -> Vec<Effect> {
        match request {
            Request::Run(action) => self.apply(action, now, false),
            Request::RunConfirmed(action) => self.apply(action, now, true),
            Request::Rename(name) => {
                self.rename(Some(name));
                Vec::new()
            }
            Request::ShowAuditSession(session) => {
                let at = self
                    .tabs
                    .iter()
                    .position(|t| t.driver().audit_session() == Some(session.as_str()));
                match at {
                    Some(i) => self.switch_to(i),
                    None => self.set_status(format!(
                        "the tab of audit session {session} is no longer open"
                    )),
                }
                Vec::new()
            }
            Request::ReadAudit(wanted) => {
                self.pane = Some(pane);
                vec![Effect::ReadAudit {
                    verify: false,
                    page: wanted,
                }]
            }
            Request::Connect(target) => {
                self.pane = Some(pane);
                self.connect(&target)
            }
            Request::Status(text) => {
                self.pane = Some(pane);
                self.set_status(text);
                Vec::new()
            }
            Request::MacroValue {
                tab,
                macro_name,
                name,
                value,
            } => self.macro_value(tab, &macro_name, &name, value, now),
            Request::SaveRecording { name, steps } => self.save_recording(&name, steps),
        }
    }

    /// A key: the focused pane's own keys, then the keymap (the pane's layer, then global),
    /// the action offered to the pane before the App runs it; on the screen an unbound
    /// character types itself.
    pub(crate) fn route_key(&mut self, key: &KeyEvent, now: Instant) -> Vec<Effect> {
        if let Some(effects) = self.offer(now, |p, ctx| p.key(key, ctx)) {
            return effects;
        }
        let Some(chord) = KeyChord::from_event(key) else {
            return Vec::new();
        };
        let action = self
            .config
            .keymap
            .lookup(self.layer(), &chord, &self.key_state())
            .cloned();
        match action {
            Some(action) => self.run_action(action, now),
            None if self.pane.is_some() => match pane_fallback(&chord) {
                Some(action) => self.run_action(action, now),
                None => Vec::new(),
            },
            None => {
                if let Some(c) = chord.typed_char() {
                    self.update(Action::Key(Key::Char(c)), now)
                } else {
                    self.hint_unbound(chord);
                    Vec::new()
                }
            }
        }
    }

    /// An action from a key: the focused pane first, then the App.
    fn run_action(&mut self, action: Action, now: Instant) -> Vec<Effect> {
        if let Some(effects) = self.offer(now, |p, ctx| p.action(&action, ctx)) {
            return effects;
        }
        self.update(action, now)
    }

    /// Put a refusal where the operator is looking: the focused pane's error line if it has
    /// one. Returns whether it did.
    pub(crate) fn show_error_in_pane(&mut self, error: String) -> bool {
        self.pane.as_mut().is_some_and(|p| p.show_error(error))
    }

    /// With no tabs, the picker is what the operator sees.
    pub(crate) fn reopen_picker_if_empty(&mut self) {
        if self.tabs.is_empty() && self.pane.is_none() {
            self.pane = Some(Box::new(Picker::default()));
        }
    }
}
