//! The confirmation pane: a yes/no question before something that drops connections
//! (closing a tab, quitting). `y` or `accept` runs the action it holds without asking again;
//! `n` or `cancel` closes it.
//!
//! It is modal: every other action is swallowed, so a stray chord cannot act behind the
//! question (as before the pane seam).

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Handled, Pane, PaneCtx, Request};
use crate::action::Action;
use crate::ui::overlay::draw_confirm;

/// The confirmation pane's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirm {
    pub question: String,
    /// Run, confirmed, on yes.
    pub on_yes: Action,
}

impl Confirm {
    fn yes(&self) -> Handled {
        Handled::Ask(Request::RunConfirmed(self.on_yes.clone()))
    }
}

impl Pane for Confirm {
    fn key(&mut self, key: &KeyEvent, _ctx: &PaneCtx) -> Handled {
        match key.code {
            KeyCode::Char('y' | 'Y') => self.yes(),
            KeyCode::Char('n' | 'N') => Handled::Close,
            _ => Handled::No,
        }
    }

    fn action(&mut self, action: &Action, _ctx: &PaneCtx) -> Handled {
        match action {
            Action::Accept => self.yes(),
            Action::Cancel => Handled::Close,
            _ => Handled::Kept,
        }
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, ctx: &PaneCtx) {
        let q = format!("{}  (y/n)", self.question);
        draw_confirm(buf, area, &q, ctx.theme);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
