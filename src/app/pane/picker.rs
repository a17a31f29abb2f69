//! The connect picker: an input line for `[L:][LU@]host[:port]` over a list of profiles,
//! recent hosts and "connect to what you typed". `accept` asks the App to connect to the
//! highlighted entry; with no tab open, `cancel` keeps the picker (there is nothing under it).
//!
//! The input is edited at its end only (the view draws the cursor there).

use std::any::Any;

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Handled, Pane, PaneCtx, Request, list_input_key, list_select};
use crate::action::Action;
use crate::ui::overlay::{PickerItem, draw_picker};

/// One line of the connect picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickerEntry {
    pub label: String,
    pub detail: String,
    /// What `connect` is given when this entry is chosen.
    pub target: String,
}

/// The picker's entries for `input`: profiles, then recent hosts, then "connect to what you
/// typed" (only those containing the input, case-insensitively).
pub fn entries(ctx: &PaneCtx, input: &str) -> Vec<PickerEntry> {
    let needle = input.trim().to_lowercase();
    let matches = |s: &str| s.to_lowercase().contains(&needle);
    let mut out: Vec<PickerEntry> = ctx
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
        ctx.recent
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

/// The picker's state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Picker {
    pub input: String,
    /// The highlighted entry.
    pub selected: usize,
    /// Why the last choice was refused.
    pub error: Option<String>,
}

impl Pane for Picker {
    fn key(&mut self, key: &KeyEvent, _ctx: &PaneCtx) -> Handled {
        // The picker's cursor is always at the end of its input.
        let mut cursor = self.input.chars().count();
        list_input_key(
            &mut self.input,
            &mut cursor,
            &mut self.selected,
            &mut self.error,
            key,
        )
    }

    fn action(&mut self, action: &Action, ctx: &PaneCtx) -> Handled {
        let entries = entries(ctx, &self.input);
        if list_select(&mut self.selected, &mut self.error, entries.len(), action) {
            return Handled::Kept;
        }
        match action {
            Action::Accept => {
                let last = entries.len().saturating_sub(1);
                let Some(entry) = entries.get(self.selected.min(last)) else {
                    self.error = Some("type a host ([L:][LU@]host[:port]) or a profile".into());
                    return Handled::Kept;
                };
                self.error = None;
                Handled::Ask(Request::Connect(entry.target.clone()))
            }
            Action::Cancel if ctx.tabs == 0 => Handled::Ask(Request::Status(
                "no session open: choose a host, or quit".to_owned(),
            )),
            Action::Cancel => Handled::Close,
            _ => Handled::No,
        }
    }

    fn paste(&mut self, line: &str) {
        self.input.push_str(line);
    }

    fn show_error(&mut self, error: String) -> bool {
        self.error = Some(error);
        true
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, ctx: &PaneCtx) {
        let items: Vec<PickerItem> = entries(ctx, &self.input)
            .into_iter()
            .map(|e| PickerItem {
                label: e.label,
                detail: e.detail,
            })
            .collect();
        let error = self.error.as_deref();
        draw_picker(
            buf,
            area,
            &self.input,
            &items,
            self.selected,
            error,
            ctx.theme,
        );
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
