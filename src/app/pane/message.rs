//! The message pane: lines to read (a failed reload's errors, a refused connection), closed
//! by `accept` or `cancel` (Enter, Esc) or Space. Every other action goes on to the App.

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Handled, Pane, PaneCtx};
use crate::action::Action;
use crate::ui::overlay::draw_message;

/// The message pane's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub lines: Vec<String>,
}

impl Pane for Message {
    fn key(&mut self, key: &KeyEvent, _ctx: &PaneCtx) -> Handled {
        // Space dismisses as in a pager; a message has no input line.
        if key.code == KeyCode::Char(' ') {
            Handled::Close
        } else {
            Handled::No
        }
    }

    fn action(&mut self, action: &Action, _ctx: &PaneCtx) -> Handled {
        match action {
            Action::Accept | Action::Cancel => Handled::Close,
            _ => Handled::No,
        }
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, ctx: &PaneCtx) {
        draw_message(buf, area, &self.lines, ctx.theme);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
