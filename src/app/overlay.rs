//! Overlays (one at a time): help, the command palette, the connect picker, a yes/no
//! question, a message and the rename prompt, with their text-entry keys.
//!
//! Text entry (characters, Backspace, Delete, Left/Right, Home/End, Up/Down to select, Tab
//! to complete, Enter to accept, Esc to cancel) is handled here directly; other chords go
//! through the keymap's `prompt` layer, then `global`. No I/O and no drawing here.

use std::str::FromStr;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::{Action, Arg};
use crate::app::{App, Effect};
use crate::keymap::Layer;

/// The overlay shown over the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    /// The effective keys, scrolled by `scroll` rows.
    Help { scroll: usize },
    /// Run any action by name.
    Palette {
        input: String,
        /// Cursor position in characters.
        cursor: usize,
        /// The highlighted completion.
        selected: usize,
        error: Option<String>,
    },
    /// Choose a host for a new tab.
    Picker {
        input: String,
        selected: usize,
        error: Option<String>,
    },
    /// A yes/no question; yes runs `on_yes` without asking again.
    Confirm { question: String, on_yes: Action },
    /// Lines to read (errors); any of Esc, Enter or Space closes it.
    Message { lines: Vec<String> },
    /// The new name of the current tab.
    Rename { input: String, cursor: usize },
}

impl Overlay {
    pub fn palette() -> Self {
        Overlay::Palette {
            input: String::new(),
            cursor: 0,
            selected: 0,
            error: None,
        }
    }

    pub fn picker() -> Self {
        Overlay::Picker {
            input: String::new(),
            selected: 0,
            error: None,
        }
    }
}

/// One line of the connect picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickerEntry {
    pub label: String,
    pub detail: String,
    /// What `connect` is given when this entry is chosen.
    pub target: String,
}

/// How a text-entry key changes an input line.
enum Edit {
    Changed,
    Moved,
    NotText,
}

fn edit_line(input: &mut String, cursor: &mut usize, key: &KeyEvent) -> Edit {
    let byte_at = |s: &str, c: usize| s.char_indices().nth(c).map_or(s.len(), |(i, _)| i);
    let len = input.chars().count();
    *cursor = (*cursor).min(len);
    let plain = !key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match key.code {
        KeyCode::Char(c) if plain && !c.is_control() => {
            input.insert(byte_at(input, *cursor), c);
            *cursor += 1;
            Edit::Changed
        }
        KeyCode::Backspace if *cursor > 0 => {
            *cursor -= 1;
            input.remove(byte_at(input, *cursor));
            Edit::Changed
        }
        KeyCode::Delete if *cursor < len => {
            input.remove(byte_at(input, *cursor));
            Edit::Changed
        }
        KeyCode::Backspace | KeyCode::Delete => Edit::Moved,
        KeyCode::Left => {
            *cursor = cursor.saturating_sub(1);
            Edit::Moved
        }
        KeyCode::Right => {
            *cursor = (*cursor + 1).min(len);
            Edit::Moved
        }
        KeyCode::Home => {
            *cursor = 0;
            Edit::Moved
        }
        KeyCode::End => {
            *cursor = len;
            Edit::Moved
        }
        _ => Edit::NotText,
    }
}

/// A key in a list with an input line (picker, palette): Up/Down move the selection, text
/// keys edit the line (and go back to the first match). Returns whether the key was used.
fn list_entry_key(
    selected: &mut usize,
    count: usize,
    input: &mut String,
    cursor: &mut usize,
    key: &KeyEvent,
    code: KeyCode,
) -> bool {
    if step(selected, count, code) {
        return true;
    }
    match edit_line(input, cursor, key) {
        Edit::Changed => {
            *selected = 0;
            true
        }
        Edit::Moved => true,
        Edit::NotText => false,
    }
}

fn step(selected: &mut usize, count: usize, key: KeyCode) -> bool {
    match key {
        KeyCode::Up => *selected = selected.saturating_sub(1),
        KeyCode::Down => *selected = (*selected + 1).min(count.saturating_sub(1)),
        _ => return false,
    }
    true
}

impl App {
    /// The picker's entries for its input: profiles, then recent hosts, then "connect to
    /// what you typed" (only those containing the input, case-insensitively).
    pub fn picker_entries(&self, input: &str) -> Vec<PickerEntry> {
        let needle = input.trim().to_lowercase();
        let matches = |s: &str| s.to_lowercase().contains(&needle);
        let mut out: Vec<PickerEntry> = self
            .config
            .profiles
            .iter()
            .filter(|p| matches(&p.name) || matches(&p.host))
            .map(|p| PickerEntry {
                label: p.name.clone(),
                detail: p.host_spec().to_string(),
                target: p.name.clone(),
            })
            .collect();
        out.extend(
            self.recent
                .iter()
                .filter(|h| matches(h))
                .map(|h| PickerEntry {
                    label: h.clone(),
                    detail: "recent".to_owned(),
                    target: h.clone(),
                }),
        );
        let typed = input.trim();
        if !typed.is_empty() && !out.iter().any(|e| e.target == typed) {
            out.push(PickerEntry {
                label: format!("connect to {typed}"),
                detail: "[L:][LU@]host[:port]".to_owned(),
                target: typed.to_owned(),
            });
        }
        out
    }

    /// The palette's list for its input (the views' completion rules, with the configured
    /// profiles and recent hosts offered after `connect `).
    pub fn palette_items(&self, input: &str) -> Vec<crate::ui::overlay::PaletteItem> {
        let names: Vec<&str> = self
            .config
            .profiles
            .iter()
            .map(|p| p.name.as_str())
            .chain(self.recent.iter().map(String::as_str))
            .collect();
        crate::ui::overlay::palette_items(input, &self.config.keymap, &names)
    }

    /// What Tab and Enter can take from the palette's list.
    pub fn palette_completions(&self, input: &str) -> Vec<String> {
        self.palette_items(input)
            .into_iter()
            .map(|i| i.text)
            .collect()
    }

    /// A key while an overlay is open. `None`: not a text-entry key of this overlay, so it
    /// goes through the `prompt` layer.
    pub(crate) fn overlay_key(&mut self, key: &KeyEvent, now: Instant) -> Option<Vec<Effect>> {
        let overlay = self.overlay.take()?;
        let (kept, result) = match overlay {
            Overlay::Help { mut scroll } => {
                let handled = match key.code {
                    KeyCode::Up => {
                        scroll = scroll.saturating_sub(1);
                        true
                    }
                    KeyCode::Down => {
                        scroll += 1;
                        true
                    }
                    KeyCode::PageUp => {
                        scroll = scroll.saturating_sub(10);
                        true
                    }
                    KeyCode::PageDown => {
                        scroll += 10;
                        true
                    }
                    KeyCode::Esc | KeyCode::Char('q') => {
                        return Some(Vec::new());
                    }
                    _ => false,
                };
                // Scrolling stops at the last row, so Up answers at once after many Downs.
                let rows = crate::ui::overlay::help_rows(
                    &self.config.keymap,
                    &[Layer::Screen, Layer::Prompt],
                );
                let scroll = scroll.min(rows.len().saturating_sub(1));
                (Some(Overlay::Help { scroll }), handled.then(Vec::new))
            }
            Overlay::Message { lines } => match key.code {
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char(' ') => {
                    self.reopen_picker_if_empty();
                    return Some(Vec::new());
                }
                _ => (Some(Overlay::Message { lines }), None),
            },
            Overlay::Confirm { question, on_yes } => match key.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
                    return Some(self.apply(on_yes, now, true));
                }
                KeyCode::Char('n' | 'N') | KeyCode::Esc => return Some(Vec::new()),
                _ => (
                    Some(Overlay::Confirm { question, on_yes }),
                    Some(Vec::new()),
                ),
            },
            Overlay::Rename {
                mut input,
                mut cursor,
            } => match key.code {
                KeyCode::Enter => {
                    self.rename(Some(input));
                    return Some(Vec::new());
                }
                KeyCode::Esc => return Some(Vec::new()),
                _ => {
                    let edit = edit_line(&mut input, &mut cursor, key);
                    let handled = !matches!(edit, Edit::NotText);
                    (
                        Some(Overlay::Rename { input, cursor }),
                        handled.then(Vec::new),
                    )
                }
            },
            Overlay::Picker {
                mut input,
                mut selected,
                error,
            } => match key.code {
                KeyCode::Enter => {
                    let entries = self.picker_entries(&input);
                    let Some(entry) = entries.get(selected.min(entries.len().saturating_sub(1)))
                    else {
                        self.overlay = Some(Overlay::Picker {
                            input,
                            selected,
                            error: Some("type a host ([L:][LU@]host[:port]) or a profile".into()),
                        });
                        return Some(Vec::new());
                    };
                    let target = entry.target.clone();
                    self.overlay = Some(Overlay::Picker {
                        input,
                        selected,
                        error: None,
                    });
                    return Some(self.connect(&target));
                }
                KeyCode::Esc => {
                    if self.tabs.is_empty() {
                        self.set_status("no session open: choose a host, or quit");
                        (
                            Some(Overlay::Picker {
                                input,
                                selected,
                                error,
                            }),
                            Some(Vec::new()),
                        )
                    } else {
                        return Some(Vec::new());
                    }
                }
                code => {
                    let count = self.picker_entries(&input).len();
                    let mut cursor = input.chars().count();
                    let handled =
                        list_entry_key(&mut selected, count, &mut input, &mut cursor, key, code);
                    let error = if handled { None } else { error };
                    (
                        Some(Overlay::Picker {
                            input,
                            selected,
                            error,
                        }),
                        handled.then(Vec::new),
                    )
                }
            },
            Overlay::Palette {
                mut input,
                mut cursor,
                mut selected,
                error,
            } => match key.code {
                KeyCode::Enter => return Some(self.palette_enter(input, selected, now)),
                KeyCode::Esc => return Some(Vec::new()),
                KeyCode::Tab => {
                    let completions = self.palette_completions(&input);
                    if let Some(c) = completions.get(selected.min(completions.len().max(1) - 1)) {
                        input.clone_from(c);
                        if takes_argument(&input) {
                            input.push(' ');
                        }
                        cursor = input.chars().count();
                        selected = 0;
                    }
                    (
                        Some(Overlay::Palette {
                            input,
                            cursor,
                            selected,
                            error: None,
                        }),
                        Some(Vec::new()),
                    )
                }
                code => {
                    let count = self.palette_completions(&input).len();
                    let handled =
                        list_entry_key(&mut selected, count, &mut input, &mut cursor, key, code);
                    let error = if handled { None } else { error };
                    (
                        Some(Overlay::Palette {
                            input,
                            cursor,
                            selected,
                            error,
                        }),
                        handled.then(Vec::new),
                    )
                }
            },
        };
        self.overlay = kept;
        result
    }

    /// Enter in the palette: run the input if it is an action; otherwise take the
    /// highlighted completion (running it when it needs no argument); otherwise show why the
    /// input does not parse.
    fn palette_enter(&mut self, input: String, selected: usize, now: Instant) -> Vec<Effect> {
        let parsed = Action::from_str(&input);
        if let Ok(action) = parsed {
            return self.apply(action, now, false);
        }
        let completions = self.palette_completions(&input);
        let pick = completions.get(selected).filter(|c| **c != input.trim());
        match (pick, parsed) {
            (Some(c), _) => {
                if let Ok(action) = Action::from_str(c) {
                    return self.apply(action, now, false);
                }
                let mut input = c.clone();
                input.push(' ');
                self.overlay = Some(Overlay::Palette {
                    cursor: input.chars().count(),
                    input,
                    selected: 0,
                    error: None,
                });
            }
            (None, Err(e)) => {
                self.overlay = Some(Overlay::Palette {
                    cursor: input.chars().count(),
                    input,
                    selected,
                    error: Some(e.to_string()),
                });
            }
            (None, Ok(_)) => {}
        }
        Vec::new()
    }

    /// With no tabs, the picker is what the operator sees.
    pub(crate) fn reopen_picker_if_empty(&mut self) {
        if self.tabs.is_empty() && self.overlay.is_none() {
            self.overlay = Some(Overlay::picker());
        }
    }
}

fn takes_argument(name: &str) -> bool {
    Action::info(name.trim()).is_some_and(|i| !matches!(i.arg, Arg::None))
}
