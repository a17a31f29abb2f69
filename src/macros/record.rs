//! Recording a macro from what the operator does: actions, not terminal events.
//!
//! [`Recorder::key`] sees each 3270 key before the session applies it. Typed characters
//! collapse into one `type "..."` step; characters typed into a non-display (password)
//! field are never kept: the field becomes a `prompt password secret` step (`secret-2`,
//! ... for later ones), asked at playback. After each AID, [`Recorder::host`] writes a
//! synchronisation point once the host has unlocked the keyboard:
//!
//! - up to [`SYNC_TEXTS`] texts of the screen that came back, by this rule: protected,
//!   displayed fields from the top of the screen, each trimmed text at least 4 characters
//!   long, with a letter and no digit (so no clock, date, count or page number), never an
//!   unprotected field (which is where the operator types), and never a text holding a word
//!   the operator typed in this recording (a host that echoes the user id in its header):
//!   `wait text "X" at ROW COL`;
//! - the cursor position: `wait cursor ROW COL`;
//! - each with the timeout that follows from the observed response time,
//!   [`timeout_for`]: max(3 × observed + 2 s, 10 s), in whole seconds.
//!
//! The AID step itself already waits for the unlock at playback. Sans-IO: time comes in.

use std::time::{Duration, Instant};

use crate::action::Action;
use crate::driver::Driver;
use crate::macros::{MacroStep, Value};
use crate::proto::{BufferAddr, Key};
use crate::script::{Until, Wait, keyboard_waits};

/// How many texts a synchronisation point waits for.
pub const SYNC_TEXTS: usize = 2;

/// The timeout of a recorded wait: three times the observed response time plus 2 s, at
/// least 10 s, rounded up to whole seconds.
pub fn timeout_for(observed: Duration) -> Duration {
    let t = (observed * 3 + Duration::from_secs(2)).max(Duration::from_secs(10));
    Duration::from_secs(t.as_secs() + u64::from(t.subsec_nanos() > 0))
}

/// A recording in progress on one tab.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    pub name: Option<String>,
    steps: Vec<MacroStep>,
    text: String,
    /// The non-display field being typed into (its prompt is already recorded).
    secret_field: Option<BufferAddr>,
    secrets: usize,
    /// When the last AID went out, while its synchronisation point is pending.
    aid_at: Option<Instant>,
    /// The words the operator typed (upper-cased), which a synchronisation text must not
    /// hold. Never a non-display field's characters: those are not kept at all.
    typed: Vec<String>,
}

impl Recorder {
    pub fn new(name: Option<String>) -> Self {
        Recorder {
            name,
            ..Recorder::default()
        }
    }

    /// Steps recorded so far (typed text not yet closed counts as one).
    pub fn count(&self) -> usize {
        self.steps.len() + usize::from(!self.text.is_empty())
    }

    fn flush_text(&mut self) {
        if !self.text.is_empty() {
            let text = std::mem::take(&mut self.text);
            self.typed.extend(
                text.split_whitespace()
                    .filter(|w| w.chars().count() >= 2)
                    .map(str::to_uppercase),
            );
            self.steps.push(MacroStep::Action(Action::Type(text)));
        }
    }

    /// A key the operator pressed, before the session applies it.
    pub fn key(&mut self, driver: &Driver, key: Key, now: Instant) {
        if let Key::Char(c) = key {
            if let Some(field) = non_display_field(driver) {
                if self.secret_field != Some(field) {
                    self.flush_text();
                    self.secrets += 1;
                    let name = if self.secrets == 1 {
                        "password".to_owned()
                    } else {
                        format!("secret-{}", self.secrets)
                    };
                    self.steps
                        .push(MacroStep::Value(Value::Prompt { name, secret: true }));
                    self.secret_field = Some(field);
                }
                return;
            }
            self.secret_field = None;
            self.text.push(c);
            return;
        }
        self.flush_text();
        self.secret_field = None;
        if matches!(key, Key::Aid(_) | Key::Attn | Key::CursorSelect) {
            self.aid_at = Some(now);
        }
        self.steps.push(MacroStep::Action(Action::Key(key)));
    }

    /// After host input: once the keyboard has unlocked after an AID, the synchronisation
    /// point.
    pub fn host(&mut self, driver: &Driver, now: Instant) {
        let Some(at) = self.aid_at else {
            return;
        };
        let session = driver.session();
        if keyboard_waits(driver) || !session.mode().is_3270() || !driver.is_connected() {
            return;
        }
        self.aid_at = None;
        self.flush_text();
        let timeout = Some(timeout_for(now.saturating_duration_since(at)));
        for (text, row, col) in stable_texts(driver, &self.typed) {
            self.steps.push(MacroStep::Wait(Wait {
                until: Until::Text {
                    text,
                    at: Some((row, col)),
                },
                timeout,
            }));
        }
        let p = session.screen().cursor_position();
        self.steps.push(MacroStep::Wait(Wait {
            until: Until::CursorAt {
                row: p.row,
                col: p.col,
            },
            timeout,
        }));
    }

    /// The recording's steps.
    pub fn finish(mut self) -> Vec<MacroStep> {
        self.flush_text();
        self.steps
    }
}

/// The attribute address of the unprotected non-display field at the cursor, if it is one.
fn non_display_field(driver: &Driver) -> Option<BufferAddr> {
    let screen = driver.session().screen();
    let f = screen.field_at(screen.cursor())?;
    (f.attr.is_non_display() && !f.attr.is_protected()).then_some(f.attr_addr)
}

/// Texts to synchronise on, by the rule in the module comment: (text, row, col), 0-based.
pub fn stable_texts(driver: &Driver, typed: &[String]) -> Vec<(String, u16, u16)> {
    let session = driver.session();
    let screen = session.screen();
    let dims = screen.dims();
    let rows = session.text_rows();
    let mut out = Vec::new();
    for f in screen.fields() {
        if !f.attr.is_protected() || f.attr.is_non_display() || f.len == 0 {
            continue;
        }
        let start = f.start(dims).position(dims);
        let Some(row) = rows.get(usize::from(start.row)) else {
            continue;
        };
        let col = usize::from(start.col);
        let len = f.len.min(usize::from(dims.cols) - col);
        let cell: String = row.chars().skip(col).take(len).collect();
        let lead = cell.chars().take_while(|c| *c == ' ').count();
        let text = cell.trim().to_owned();
        let good = text.chars().count() >= 4
            && text.chars().any(char::is_alphabetic)
            && !text.chars().any(|c| c.is_ascii_digit())
            && !text.contains('"')
            && !typed
                .iter()
                .any(|w| text.to_uppercase().contains(w.as_str()));
        if good {
            let at = u16::try_from(col + lead).unwrap_or(0);
            out.push((text, start.row, at));
            if out.len() == SYNC_TEXTS {
                break;
            }
        }
    }
    out
}

/// A recorded macro as the file `DATA/macros/NAME.toml` holds it.
pub fn to_toml(name: &str, key: Option<crate::keymap::KeyChord>, steps: &[MacroStep]) -> String {
    let mut out = format!(
        "# Macro `{name}`, recorded by r3270. One step a line (docs/CONFIG.md, \"The macro \
         language\");\n# a `prompt NAME secret` is asked at playback and never stored.\nsteps = [\n"
    );
    if let Some(k) = key {
        out = out.replace("steps = [\n", &format!("key = \"{k}\"\nsteps = [\n"));
    }
    for s in steps {
        out.push_str("    ");
        out.push_str(&toml::Value::String(s.to_string()).to_string());
        out.push_str(",\n");
    }
    out.push_str("]\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_follow_the_observed_response_time() {
        assert_eq!(
            timeout_for(Duration::from_millis(30)),
            Duration::from_secs(10)
        );
        assert_eq!(timeout_for(Duration::from_secs(3)), Duration::from_secs(11));
        assert_eq!(
            timeout_for(Duration::from_millis(3100)),
            Duration::from_secs(12)
        );
    }

    #[test]
    fn a_recording_reads_back_as_the_same_steps() {
        let steps = vec![
            MacroStep::Action(Action::Type("DEMO \"x\"".into())),
            MacroStep::Action(Action::Key(Key::Tab)),
            MacroStep::Value(Value::Prompt {
                name: "password".into(),
                secret: true,
            }),
            MacroStep::Action(Action::Key(Key::Aid(crate::proto::Aid::Enter))),
            MacroStep::Wait(Wait {
                until: Until::Text {
                    text: "MAIN MENU".into(),
                    at: Some((0, 35)),
                },
                timeout: Some(Duration::from_secs(10)),
            }),
        ];
        let text = to_toml("t", Some("alt-f1".parse().unwrap()), &steps);
        assert!(text.contains("\nkey = \"alt-f1\"\nsteps = [\n"), "{text}");
        let doc: toml::Table = text.parse().unwrap();
        let back: Vec<MacroStep> = doc["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| crate::macros::parse_step(v.as_str().unwrap()).unwrap())
            .collect();
        assert_eq!(back, steps);
    }
}
