//! The rename prompt: the current tab's new name on an input line; `accept` renames, `cancel`
//! closes. Its view is `crate::ui::overlay::draw_rename`.

use std::any::Any;

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Edit, Handled, Pane, PaneCtx, Request, edit_line, insert_at};
use crate::action::Action;
use crate::ui::overlay::draw_rename;

/// The rename prompt's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rename {
    pub input: String,
    /// The text cursor, in characters.
    pub cursor: usize,
}

impl Rename {
    /// A prompt holding the current name, the cursor after it.
    pub fn new(current: String) -> Self {
        Rename {
            cursor: current.chars().count(),
            input: current,
        }
    }
}

impl Pane for Rename {
    fn key(&mut self, key: &KeyEvent, _ctx: &PaneCtx) -> Handled {
        match edit_line(&mut self.input, &mut self.cursor, key) {
            Edit::Changed | Edit::Moved => Handled::Kept,
            Edit::NotText => Handled::No,
        }
    }

    fn action(&mut self, action: &Action, _ctx: &PaneCtx) -> Handled {
        match action {
            Action::Accept => Handled::Ask(Request::Rename(self.input.clone())),
            Action::Cancel => Handled::Close,
            _ => Handled::No,
        }
    }

    fn paste(&mut self, line: &str) {
        insert_at(&mut self.input, &mut self.cursor, line);
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, ctx: &PaneCtx) {
        draw_rename(buf, area, &self.input, ctx.theme);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
