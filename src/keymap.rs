//! The keymap: key chords, layers, conditions and the bindings that turn a chord into an
//! [`Action`].
//!
//! A chord is written the way operators say it: modifiers then a key, joined by `-`:
//! `ctrl-e`, `shift-f3`, `alt-1`, `ctrl-]`, `kp-enter`, `pageup`. Keypad keys (`kp-...`)
//! are distinct from the main keys where the terminal reports them (the kitty keyboard
//! protocol does; most terminals send keypad Enter as Enter). Chords are matched
//! case-insensitively for named keys; a character key matches the character typed
//! (`shift-a` and `A` are the same chord: crossterm reports the shifted character).
//!
//! Bindings live in layers, each active in one part of the UI: `screen` (the 3270 screen),
//! `global` (everywhere, looked up after the active layer), `monitor`, `audit` and
//! `prompt`. A binding may carry a condition (`when = "insert-mode"`), and the first
//! binding whose condition holds wins, so a chord can mean two things in two states.
//!
//! This module parses and looks up; the defaults are data in `assets/default-config.toml`,
//! and the config loader validates them with file and line.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::action::Action;

/// Modifier bits of a chord.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mods {
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// The key of a chord, without modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChordKey {
    /// A character key (lower-cased letters when a modifier other than shift is held).
    Char(char),
    /// F1-F24.
    F(u8),
    Enter,
    Tab,
    /// Shift-Tab as terminals report it.
    BackTab,
    Backspace,
    Delete,
    Insert,
    Home,
    End,
    PageUp,
    PageDown,
    Up,
    Down,
    Left,
    Right,
    Esc,
    /// Keypad keys, where the terminal reports them as such.
    KeypadEnter,
    KeypadChar(char),
}

/// A key with its modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyChord {
    pub mods: Mods,
    pub key: ChordKey,
}

/// A chord that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{chord}` is not a key chord: {why}")]
pub struct ChordError {
    pub chord: String,
    pub why: String,
}

const NAMED: &[(&str, ChordKey)] = &[
    ("enter", ChordKey::Enter),
    ("return", ChordKey::Enter),
    ("tab", ChordKey::Tab),
    ("backtab", ChordKey::BackTab),
    ("backspace", ChordKey::Backspace),
    ("delete", ChordKey::Delete),
    ("del", ChordKey::Delete),
    ("insert", ChordKey::Insert),
    ("ins", ChordKey::Insert),
    ("home", ChordKey::Home),
    ("end", ChordKey::End),
    ("pageup", ChordKey::PageUp),
    ("pgup", ChordKey::PageUp),
    ("pagedown", ChordKey::PageDown),
    ("pgdn", ChordKey::PageDown),
    ("up", ChordKey::Up),
    ("down", ChordKey::Down),
    ("left", ChordKey::Left),
    ("right", ChordKey::Right),
    ("esc", ChordKey::Esc),
    ("escape", ChordKey::Esc),
    ("space", ChordKey::Char(' ')),
    ("minus", ChordKey::Char('-')),
    ("kp-enter", ChordKey::KeypadEnter),
];

impl FromStr for KeyChord {
    type Err = ChordError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |why: &str| ChordError {
            chord: s.to_owned(),
            why: why.to_owned(),
        };
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        let mut mods = Mods::default();
        let mut rest = s;
        // Modifiers are prefixes ending in '-'; the key itself may be '-' (written `minus`).
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (&mut mods.ctrl, 5)
            } else if lower.starts_with("alt-") {
                (&mut mods.alt, 4)
            } else if lower.starts_with("shift-") {
                (&mut mods.shift, 6)
            } else {
                break;
            };
            if *m {
                return Err(err("a modifier is repeated"));
            }
            *m = true;
            rest = &rest[len..];
        }
        let lower = rest.to_ascii_lowercase();
        let key = if let Some((_, k)) = NAMED.iter().find(|(n, _)| *n == lower) {
            *k
        } else if let Some(c) = lower.strip_prefix("kp-").and_then(single_char) {
            if !(c.is_ascii_digit() || "+-*/.,".contains(c)) {
                return Err(err(
                    "keypad keys are kp-0 to kp-9, kp-enter and kp-+ - * / . ,",
                ));
            }
            ChordKey::KeypadChar(c)
        } else if let Some(n) = lower
            .strip_prefix('f')
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            match n.parse::<u8>() {
                Ok(n @ 1..=24) => ChordKey::F(n),
                _ => return Err(err("function keys are f1 to f24")),
            }
        } else if let Some(c) = single_char(rest) {
            if c.is_control() {
                return Err(err("control characters are written as ctrl-<key>"));
            }
            ChordKey::Char(c)
        } else {
            return Err(err(
                "expected [ctrl-][alt-][shift-] and a character, f1-f24, enter, tab, backtab, \
                 backspace, delete, insert, home, end, pageup, pagedown, up, down, left, right, \
                 esc, space, kp-enter or kp-<digit>",
            ));
        };
        Ok(KeyChord { mods, key }.normalised())
    }
}

fn single_char(s: &str) -> Option<char> {
    let mut it = s.chars();
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

impl KeyChord {
    /// One spelling per chord: `shift-a` is `A`, `shift-tab` is `backtab`, and letters
    /// with ctrl/alt are lower case (terminals report `ctrl-A` as `ctrl-a`).
    fn normalised(mut self) -> Self {
        match self.key {
            ChordKey::Char(c) if self.mods.shift && c.is_ascii_alphabetic() => {
                self.mods.shift = false;
                self.key = ChordKey::Char(if self.mods.ctrl || self.mods.alt {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                });
            }
            ChordKey::Char(c) if (self.mods.ctrl || self.mods.alt) && c.is_ascii_uppercase() => {
                self.key = ChordKey::Char(c.to_ascii_lowercase());
            }
            ChordKey::Char(c) if !c.is_ascii_alphabetic() && !c.is_whitespace() => {
                // Shifted punctuation arrives as the shifted character; shift adds nothing.
                self.mods.shift = false;
            }
            ChordKey::Tab if self.mods.shift => {
                self.mods.shift = false;
                self.key = ChordKey::BackTab;
            }
            ChordKey::BackTab => self.mods.shift = false,
            _ => {}
        }
        self
    }

    /// The chord of a terminal key event; `None` for key releases and keys no chord names.
    pub fn from_event(ev: &KeyEvent) -> Option<Self> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let keypad = ev.state.contains(crossterm::event::KeyEventState::KEYPAD);
        let key = match ev.code {
            KeyCode::Char(c) if keypad => ChordKey::KeypadChar(c),
            KeyCode::Char(c) => ChordKey::Char(c),
            KeyCode::F(n) if (1..=24).contains(&n) => ChordKey::F(n),
            KeyCode::Enter if keypad => ChordKey::KeypadEnter,
            KeyCode::Enter => ChordKey::Enter,
            KeyCode::Tab => ChordKey::Tab,
            KeyCode::BackTab => ChordKey::BackTab,
            KeyCode::Backspace => ChordKey::Backspace,
            KeyCode::Delete => ChordKey::Delete,
            KeyCode::Insert => ChordKey::Insert,
            KeyCode::Home => ChordKey::Home,
            KeyCode::End => ChordKey::End,
            KeyCode::PageUp => ChordKey::PageUp,
            KeyCode::PageDown => ChordKey::PageDown,
            KeyCode::Up => ChordKey::Up,
            KeyCode::Down => ChordKey::Down,
            KeyCode::Left => ChordKey::Left,
            KeyCode::Right => ChordKey::Right,
            KeyCode::Esc => ChordKey::Esc,
            _ => return None,
        };
        let m = ev.modifiers;
        let mut mods = Mods {
            ctrl: m.contains(KeyModifiers::CONTROL),
            alt: m.contains(KeyModifiers::ALT),
            shift: m.contains(KeyModifiers::SHIFT),
        };
        // Terminals report Ctrl-] and friends as the control character; crossterm maps most
        // of them back to ctrl + the key, but some arrive as raw control characters.
        let key = match key {
            ChordKey::Char(c @ '\u{1c}'..='\u{1f}') => {
                mods.ctrl = true;
                ChordKey::Char(char::from(c as u8 + 0x40))
            }
            // crossterm decodes the bytes 0x1C-0x1F (what a terminal sends for Ctrl-\,
            // Ctrl-], Ctrl-^ and Ctrl-_) as Ctrl-4 to Ctrl-7, the VT220 aliases. The
            // bracket chords are the ones operators bind (Ctrl-] is c3270's escape), so
            // they win; Ctrl-4 to Ctrl-7 cannot be told apart from them on such terminals.
            ChordKey::Char(c @ '4'..='7') if mods.ctrl && !mods.alt && !mods.shift => {
                ChordKey::Char(['\\', ']', '^', '_'][usize::from(c as u8 - b'4')])
            }
            k => k,
        };
        Some(KeyChord { mods, key }.normalised())
    }

    /// The character this chord types when no binding claims it (plain or shifted keys).
    pub fn typed_char(&self) -> Option<char> {
        match self.key {
            ChordKey::Char(c) | ChordKey::KeypadChar(c) if !self.mods.ctrl && !self.mods.alt => {
                Some(c)
            }
            _ => None,
        }
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.mods.alt {
            f.write_str("alt-")?;
        }
        if self.mods.shift {
            f.write_str("shift-")?;
        }
        match self.key {
            ChordKey::Char(' ') => f.write_str("space"),
            ChordKey::Char('-') => f.write_str("minus"),
            ChordKey::Char(c) => write!(f, "{c}"),
            ChordKey::F(n) => write!(f, "f{n}"),
            ChordKey::KeypadEnter => f.write_str("kp-enter"),
            ChordKey::KeypadChar(c) => write!(f, "kp-{c}"),
            named => {
                let name = NAMED
                    .iter()
                    .find(|(_, k)| *k == named)
                    .map_or("?", |(n, _)| *n);
                f.write_str(name)
            }
        }
    }
}

impl serde::Serialize for KeyChord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for KeyChord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Where a binding is active.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    /// Looked up after the active layer, everywhere.
    Global,
    /// The 3270 screen of a session.
    Screen,
    /// The session monitor pane.
    Monitor,
    /// The audit log viewer.
    Audit,
    /// Prompts, the palette and pickers (text entry).
    Prompt,
}

impl Layer {
    pub const ALL: [Layer; 5] = [
        Layer::Global,
        Layer::Screen,
        Layer::Monitor,
        Layer::Audit,
        Layer::Prompt,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Layer::Global => "global",
            Layer::Screen => "screen",
            Layer::Monitor => "monitor",
            Layer::Audit => "audit",
            Layer::Prompt => "prompt",
        }
    }
}

/// A state a binding can require.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    InsertMode,
    NotInsertMode,
    KeyboardLocked,
    KeyboardUnlocked,
    Connected,
    Disconnected,
}

impl Condition {
    pub const NAMES: &[&str] = &[
        "insert-mode",
        "not-insert-mode",
        "keyboard-locked",
        "keyboard-unlocked",
        "connected",
        "disconnected",
    ];

    /// Whether the condition holds in `state`.
    pub fn holds(self, state: &KeyState) -> bool {
        match self {
            Condition::InsertMode => state.insert_mode,
            Condition::NotInsertMode => !state.insert_mode,
            Condition::KeyboardLocked => state.keyboard_locked,
            Condition::KeyboardUnlocked => !state.keyboard_locked,
            Condition::Connected => state.connected,
            Condition::Disconnected => !state.connected,
        }
    }
}

/// What conditions are evaluated against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyState {
    pub insert_mode: bool,
    pub keyboard_locked: bool,
    pub connected: bool,
}

/// One binding: a chord, an action, an optional condition.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    pub key: KeyChord,
    pub action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

/// Bindings by layer, in lookup order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keymap {
    layers: Vec<(Layer, Vec<Binding>)>,
}

impl Keymap {
    /// A keymap from bindings per layer (first match wins within a layer).
    pub fn new(layers: impl IntoIterator<Item = (Layer, Vec<Binding>)>) -> Self {
        Keymap {
            layers: layers.into_iter().collect(),
        }
    }

    /// The bindings of one layer.
    pub fn layer(&self, layer: Layer) -> &[Binding] {
        self.layers
            .iter()
            .find(|(l, _)| *l == layer)
            .map_or(&[], |(_, b)| b.as_slice())
    }

    /// The action for `chord` in `layer` (then `global`) under `state`. `Some(Action::None)`
    /// means the chord is explicitly unbound; `None` means no binding mentions it (a
    /// character key then types itself).
    pub fn lookup(&self, layer: Layer, chord: &KeyChord, state: &KeyState) -> Option<&Action> {
        let find = |l: Layer| {
            self.layer(l)
                .iter()
                .find(|b| b.key == *chord && b.when.is_none_or(|c| c.holds(state)))
                .map(|b| &b.action)
        };
        find(layer).or_else(|| {
            if layer == Layer::Global {
                None
            } else {
                find(Layer::Global)
            }
        })
    }

    /// Adds a binding in front of `layer`'s, replacing one for the same chord and condition
    /// (a macro's own `key`).
    pub fn bind(&mut self, layer: Layer, binding: Binding) {
        match self.layers.iter_mut().find(|(l, _)| *l == layer) {
            Some((_, list)) => {
                list.retain(|b| !(b.key == binding.key && b.when == binding.when));
                list.insert(0, binding);
            }
            None => self.layers.push((layer, vec![binding])),
        }
    }

    /// Every chord bound to `action` in `layer` or `global`, for help and hints.
    pub fn chords_for(&self, layer: Layer, action: &Action) -> Vec<KeyChord> {
        [layer, Layer::Global]
            .iter()
            .flat_map(|l| self.layer(*l))
            .filter(|b| &b.action == action)
            .map(|b| b.key)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{Aid, Key};

    fn chord(s: &str) -> KeyChord {
        s.parse().unwrap()
    }

    #[test]
    fn chords_parse_and_print_one_way() {
        for (text, canon) in [
            ("ctrl-e", "ctrl-e"),
            ("Ctrl-E", "ctrl-e"),
            ("shift-f3", "shift-f3"),
            ("alt-1", "alt-1"),
            ("ctrl-]", "ctrl-]"),
            ("shift-a", "A"),
            ("shift-tab", "backtab"),
            ("kp-enter", "kp-enter"),
            ("kp-5", "kp-5"),
            ("PageUp", "pageup"),
            ("ctrl-pagedown", "ctrl-pagedown"),
            ("space", "space"),
            ("minus", "minus"),
            ("ctrl-alt-delete", "ctrl-alt-delete"),
        ] {
            assert_eq!(chord(text).to_string(), canon, "{text}");
            assert_eq!(chord(canon), chord(text));
        }
        for bad in ["", "f25", "ctrl-ctrl-a", "hyper-x", "kp-x", "abc"] {
            assert!(bad.parse::<KeyChord>().is_err(), "{bad}");
        }
    }

    #[test]
    fn terminal_events_map_to_the_same_chords() {
        let ev = |code, mods| KeyEvent::new(code, mods);
        assert_eq!(
            KeyChord::from_event(&ev(KeyCode::Char('A'), KeyModifiers::SHIFT)),
            Some(chord("shift-a"))
        );
        assert_eq!(
            KeyChord::from_event(&ev(KeyCode::F(3), KeyModifiers::SHIFT)),
            Some(chord("shift-f3"))
        );
        assert_eq!(
            KeyChord::from_event(&ev(KeyCode::Char(']'), KeyModifiers::CONTROL)),
            Some(chord("ctrl-]"))
        );
        assert_eq!(
            KeyChord::from_event(&ev(KeyCode::Char('\u{1d}'), KeyModifiers::NONE)),
            Some(chord("ctrl-]"))
        );
        // What crossterm makes of the byte 0x1D (Ctrl-] in a terminal without keyboard
        // enhancement).
        assert_eq!(
            KeyChord::from_event(&ev(KeyCode::Char('5'), KeyModifiers::CONTROL)),
            Some(chord("ctrl-]"))
        );
        assert_eq!(
            KeyChord::from_event(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(chord("backtab"))
        );
        assert_eq!(
            KeyChord::from_event(&ev(
                KeyCode::Char('E'),
                KeyModifiers::CONTROL | KeyModifiers::SHIFT
            )),
            Some(chord("ctrl-e"))
        );
    }

    #[test]
    fn lookup_prefers_the_layer_then_global_and_honours_conditions() {
        let b = |k: &str, a: &str, when| Binding {
            key: chord(k),
            action: a.parse().unwrap(),
            when,
        };
        let map = Keymap::new([
            (
                Layer::Screen,
                vec![
                    b("f3", "send-aid pf3", None),
                    b("insert", "reset", Some(Condition::InsertMode)),
                    b("insert", "toggle-insert", None),
                ],
            ),
            (
                Layer::Global,
                vec![b("f3", "quit", None), b("ctrl-]", "command-palette", None)],
            ),
        ]);
        let st = KeyState::default();
        assert_eq!(
            map.lookup(Layer::Screen, &chord("f3"), &st),
            Some(&Action::Key(Key::Aid(Aid::Pf(3))))
        );
        assert_eq!(
            map.lookup(Layer::Monitor, &chord("f3"), &st),
            Some(&Action::Quit)
        );
        assert_eq!(
            map.lookup(Layer::Screen, &chord("ctrl-]"), &st),
            Some(&Action::CommandPalette)
        );
        assert_eq!(
            map.lookup(Layer::Screen, &chord("insert"), &st),
            Some(&Action::Key(Key::Insert))
        );
        let ins = KeyState {
            insert_mode: true,
            ..st
        };
        assert_eq!(
            map.lookup(Layer::Screen, &chord("insert"), &ins),
            Some(&Action::Key(Key::Reset))
        );
        assert_eq!(map.lookup(Layer::Screen, &chord("x"), &st), None);
        assert_eq!(chord("x").typed_char(), Some('x'));
        assert_eq!(chord("ctrl-x").typed_char(), None);
    }
}
