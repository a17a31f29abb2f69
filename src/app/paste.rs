//! Bracketed paste, typed into the fields under 3270 rules.
//!
//! Each character goes through the session as if typed. A line break is New Line. Before a
//! character, a cursor on a field attribute or in a protected field moves on to the next
//! unprotected field; if that would wrap back to an earlier address (the end of the screen)
//! the paste stops there, so nothing is ever typed into a protected field or over the top
//! of the screen. While the keyboard is locked by a pending AID the engine's type-ahead
//! decides what happens to the characters. Part of `impl App`; no I/O.

use std::time::Instant;

use crate::app::{App, Effect};
use crate::proto::{Key, LockReason};

/// Why a paste stopped before its end.
enum Stop {
    EndOfScreen,
    NoField,
    Refused(LockReason),
}

impl App {
    pub(crate) fn paste(&mut self, text: &str, now: Instant) -> Vec<Effect> {
        if self.pane.is_some() {
            self.paste_into_pane(text);
            return Vec::new();
        }
        let long_aid = self.config.ui.long_aid;
        let Some(tab) = self.active_tab_mut() else {
            return Vec::new();
        };
        tab.selection = None;
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let total = text.chars().count();
        let mut typed = 0;
        let mut stop = None;
        let mut effects = Vec::new();
        let mut wrapped = false;
        for c in text.chars() {
            if wrapped {
                // The last key took the cursor back to the top: the rest would overwrite
                // fields above.
                stop = Some(Stop::EndOfScreen);
                break;
            }
            if tab.session().is_locked() {
                // Locked by an AID: the engine queues (type-ahead) or refuses; by an operator
                // error: nothing more can be typed until Reset.
                if let Some(reason @ LockReason::Operator(_)) = tab.session().oia().lock {
                    stop = Some(Stop::Refused(reason));
                    break;
                }
            } else if c != '\n' && c != '\t' {
                let screen = tab.session().screen();
                let cursor = screen.cursor();
                if screen.is_formatted() && screen.is_protected_at(cursor) {
                    match screen.next_unprotected(cursor) {
                        Some(next) if next.index() > cursor.index() => {
                            tab.key(now, Key::Tab);
                        }
                        Some(_) => {
                            stop = Some(Stop::EndOfScreen);
                            break;
                        }
                        None => {
                            stop = Some(Stop::NoField);
                            break;
                        }
                    }
                }
            }
            let before = tab.session().screen().cursor();
            let key = match c {
                '\n' => Key::NewLine,
                '\t' => Key::Tab,
                c => Key::Char(c),
            };
            tab.key(now, key);
            if let Some(reason @ LockReason::Operator(_)) = tab.session().oia().lock {
                stop = Some(Stop::Refused(reason));
                break;
            }
            typed += 1;
            let after = tab.session().screen().cursor().index();
            wrapped = !tab.session().is_locked()
                && (after < before.index() || (c == '\n' && after == before.index()));
        }
        tab.drain(true, long_aid, &mut effects);
        if let Some(stop) = stop {
            let why = match stop {
                Stop::EndOfScreen => "end of screen".to_owned(),
                Stop::NoField => "no unprotected field".to_owned(),
                Stop::Refused(reason) => format!("refused ({reason}); Reset clears it"),
            };
            self.set_status(format!("pasted {typed} of {total} characters: {why}"));
        } else if total > 0 {
            self.set_status(format!("pasted {total} characters"));
        }
        effects
    }
}

impl App {
    /// A paste while a pane is open goes to it (an input line takes the first line only: a
    /// prompt holds one line).
    fn paste_into_pane(&mut self, text: &str) {
        let line: String = text
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        if let Some(pane) = self.pane.as_mut() {
            pane.paste(&line);
        }
    }
}
