//! The pane seam: what every popup over the screen (help, palette, picker, confirmation,
//! message, rename prompt), the session monitor and every later pane (the audit viewer) agrees
//! to, so the App routes keys and draws panes without knowing which one is open.
//!
//! The contract for one key (see `App::handle_key`):
//! 1. [`Pane::key`]: the focused pane's own keys, which no keymap names: the characters and
//!    editing keys of an input line, `y` / `n` of a confirmation, `q` of help.
//! 2. The keymap: the pane's [`Pane::layer`] first, then `global`. The action found is
//!    offered to [`Pane::action`]; only when the pane answers [`Handled::No`] does it reach
//!    `App::update`, so `ctrl-q` still quits with the palette open.
//!
//! A pane keeps its own state (input line, selection, scroll) and is handed what it needs
//! from the App in a [`PaneCtx`]; it never holds a reference to the App. What it wants the
//! App to do (run an action, connect, rename) comes back as a [`Request`]. A pane's
//! [`Pane::draw`] only calls its view in `crate::ui`. Nothing here does I/O.

use std::any::Any;
use std::fmt::Debug;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::action::Action;
use crate::config::Config;
use crate::keymap::Layer;
use crate::theme::Theme;

pub mod audit;
pub mod confirm;
pub mod help;
pub mod macro_prompt;
pub mod message;
pub mod monitor;
pub mod palette;
pub mod picker;
pub mod record_name;
pub mod rename;

pub use audit::AuditViewer;
pub use confirm::Confirm;
pub use help::Help;
pub use macro_prompt::MacroPrompt;
pub use message::Message;
pub use monitor::Monitor;
pub use palette::Palette;
pub use picker::{Picker, PickerEntry};
pub use record_name::RecordName;
pub use rename::Rename;

/// What a pane did with a key or an action (gitui's consumed / not consumed, with the pane's
/// fate and what it asks of the App).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    /// Not this pane's: a key goes on to the keymap, an action on to the App.
    No,
    /// Used; the pane stays open.
    Kept,
    /// Used; the pane closes.
    Close,
    /// Used; the App must do something for the pane (see [`Request`] for whether the pane
    /// stays).
    Ask(Request),
}

/// What a pane asks the App to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Close the pane, then run the action (which may open another pane).
    Run(Action),
    /// Close the pane, then run the action without asking "are you sure" again.
    RunConfirmed(Action),
    /// Keep the pane and open a tab on a profile or host: the tab replaces the pane, and a
    /// refusal lands in the pane's error line ([`Pane::show_error`]).
    Connect(String),
    /// Close the pane and rename the current tab.
    Rename(String),
    /// Close the pane and show the tab whose session the audit log calls this.
    ShowAuditSession(String),
    /// Keep the pane and have the runtime read this page of the audit log for it.
    ReadAudit(crate::audit::read::Page),
    /// Keep the pane and show a line on the status line.
    Status(String),
    /// Close the pane, keep a macro prompt's value in the tab's memory and go on starting
    /// the macro (the next prompt, or the playback).
    MacroValue {
        tab: crate::app::TabId,
        macro_name: String,
        name: String,
        value: crate::macros::Secret,
    },
    /// Close the pane and save a recorded macro under this name.
    SaveRecording {
        name: String,
        steps: Vec<crate::macros::MacroStep>,
    },
}

/// What a pane may read from the App: borrowed for one call, never kept.
#[derive(Clone, Copy, Debug)]
pub struct PaneCtx<'a> {
    pub config: &'a Config,
    /// Hosts used recently, newest first.
    pub recent: &'a [String],
    /// How many tabs are open.
    pub tabs: usize,
    /// The theme to draw with.
    pub theme: &'a Theme,
    /// The tabs, in order (the monitor reads their figures).
    pub sessions: &'a [crate::app::Tab],
    /// The time of the event the App handled last (the app never reads the clock): ages
    /// and countdowns are measured to it.
    pub now: Option<std::time::Instant>,
    /// Every endpoint of the profiles in use, with what the health probes found.
    pub endpoints: &'a std::collections::BTreeMap<String, crate::app::health::EndpointHealth>,
}

/// A focused part of the UI over (or instead of) the screen.
pub trait Pane: Debug {
    /// The keymap layer asked first while this pane has the focus (then `global`).
    fn layer(&self) -> Layer {
        Layer::Prompt
    }

    /// A key before the keymap sees it: only the keys a keymap cannot name (text entry).
    fn key(&mut self, _key: &KeyEvent, _ctx: &PaneCtx) -> Handled {
        Handled::No
    }

    /// An action the keymap found for a key while this pane has the focus.
    fn action(&mut self, action: &Action, ctx: &PaneCtx) -> Handled;

    /// Pasted text (one line, control characters removed), for panes with an input line.
    fn paste(&mut self, _line: &str) {}

    /// Show why something the pane asked for was refused; `false` if it has no place to.
    fn show_error(&mut self, _error: String) -> bool {
        false
    }

    /// Draw the pane over `area` through its view in `crate::ui`.
    fn draw(&self, buf: &mut Buffer, area: Rect, ctx: &PaneCtx);

    /// For `App::pane_as` (tests and the App's few questions about one kind of pane).
    fn as_any(&self) -> &dyn Any;

    /// The pane as `Any`, mutable, for panes the App hands data to (the audit viewer gets
    /// what the runtime read). Most panes need none.
    fn as_any_mut(&mut self) -> Option<&mut dyn Any> {
        None
    }
}

/// How a key changed an input line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Edit {
    Changed,
    Moved,
    NotText,
}

/// The editing keys of a one-line input: characters (no Ctrl or Alt), Backspace, Delete,
/// Left/Right, Home/End. `cursor` counts characters.
pub(crate) fn edit_line(input: &mut String, cursor: &mut usize, key: &KeyEvent) -> Edit {
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

/// A key on the input line of a list pane (palette, picker): an edit goes back to the first
/// match, and any edit or move clears the error shown.
pub(crate) fn list_input_key(
    input: &mut String,
    cursor: &mut usize,
    selected: &mut usize,
    error: &mut Option<String>,
    key: &KeyEvent,
) -> Handled {
    match edit_line(input, cursor, key) {
        Edit::Changed => {
            *selected = 0;
            *error = None;
            Handled::Kept
        }
        Edit::Moved => {
            *error = None;
            Handled::Kept
        }
        Edit::NotText => Handled::No,
    }
}

/// A movement action on a list pane's selection among `count` items; true when it was
/// one (the error shown is cleared then).
pub(crate) fn list_select(
    selected: &mut usize,
    error: &mut Option<String>,
    count: usize,
    action: &Action,
) -> bool {
    match moved(*selected, count, action) {
        Some(s) => {
            *selected = s;
            *error = None;
            true
        }
        None => false,
    }
}

/// Inserts a pasted line at the cursor (in characters) and moves the cursor after it.
pub(crate) fn insert_at(input: &mut String, cursor: &mut usize, line: &str) {
    let at = input
        .char_indices()
        .nth(*cursor)
        .map_or(input.len(), |(i, _)| i);
    input.insert_str(at, line);
    *cursor += line.chars().count();
}

/// Rows a page key moves in a list or in help.
pub(crate) const PAGE: usize = 10;

/// The selection in a list of `count` items after a movement action; `None` if the action
/// does not move a selection. It stops at both ends.
pub(crate) fn moved(selected: usize, count: usize, action: &Action) -> Option<usize> {
    let last = count.saturating_sub(1);
    Some(match action {
        Action::SelectPrev => selected.saturating_sub(1),
        Action::SelectNext => (selected + 1).min(last),
        Action::PagePrev => selected.saturating_sub(PAGE),
        Action::PageNext => (selected + PAGE).min(last),
        _ => return None,
    })
}
