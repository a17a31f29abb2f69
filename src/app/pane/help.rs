//! The help pane: the keys in force (the screen's, the prompt's and the global ones) and
//! what they do, scrolled with the prompt layer's movement actions.
//!
//! It owns only the scroll position; the rows come from the keymap each time (a reload
//! shows at once) through `crate::ui::overlay::help_rows`, which also draws them.

use std::any::Any;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Handled, PAGE, Pane, PaneCtx};
use crate::action::Action;
use crate::keymap::{Keymap, Layer};
use crate::ui::overlay::{HelpRow, draw_help, help_rows};

/// The layers help lists, before `global`: what keys do on the screen and in a pane.
const LAYERS: [Layer; 2] = [Layer::Screen, Layer::Prompt];

/// The help pane's state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Help {
    /// The first row shown.
    pub scroll: usize,
}

impl Help {
    /// The rows help shows for `keymap`.
    pub fn rows(keymap: &Keymap) -> Vec<HelpRow> {
        help_rows(keymap, &LAYERS)
    }
}

impl Pane for Help {
    fn key(&mut self, key: &KeyEvent, _ctx: &PaneCtx) -> Handled {
        // `q` closes help as in a pager; help has no input line to type it into.
        if key.code == KeyCode::Char('q') {
            Handled::Close
        } else {
            Handled::No
        }
    }

    fn action(&mut self, action: &Action, ctx: &PaneCtx) -> Handled {
        let scroll = match action {
            Action::SelectPrev => self.scroll.saturating_sub(1),
            Action::SelectNext => self.scroll + 1,
            Action::PagePrev => self.scroll.saturating_sub(PAGE),
            Action::PageNext => self.scroll + PAGE,
            Action::Cancel => return Handled::Close,
            _ => return Handled::No,
        };
        // Scrolling stops at the last row, so Up answers at once after many Downs.
        let rows = Self::rows(&ctx.config.keymap).len();
        self.scroll = scroll.min(rows.saturating_sub(1));
        Handled::Kept
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, ctx: &PaneCtx) {
        let rows = Self::rows(&ctx.config.keymap);
        let scroll = u16::try_from(self.scroll).unwrap_or(u16::MAX);
        draw_help(buf, area, &rows, scroll, ctx.theme);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
