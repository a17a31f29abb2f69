//! The macro value prompt: a `prompt NAME [secret]` step asks the operator for NAME before
//! the macro plays; a secret is masked as it is typed. `accept` hands the value to the App
//! (kept in the tab's memory for its life, never written), `cancel` drops the playback. Its
//! `Debug` never shows what was typed.

use std::any::Any;

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Edit, Handled, Pane, PaneCtx, Request, edit_line, insert_at};
use crate::action::Action;
use crate::app::TabId;
use crate::macros::Secret;
use crate::ui::overlay::draw_message;

/// The prompt's state.
pub struct MacroPrompt {
    pub tab: TabId,
    pub macro_name: String,
    pub name: String,
    pub secret: bool,
    input: String,
    cursor: usize,
}

impl std::fmt::Debug for MacroPrompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MacroPrompt")
            .field("tab", &self.tab)
            .field("macro_name", &self.macro_name)
            .field("name", &self.name)
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

impl MacroPrompt {
    pub fn new(tab: TabId, macro_name: &str, name: &str, secret: bool) -> Self {
        MacroPrompt {
            tab,
            macro_name: macro_name.to_owned(),
            name: name.to_owned(),
            secret,
            input: String::new(),
            cursor: 0,
        }
    }

    /// The input line as shown: a secret as one `*` a character.
    pub fn shown(&self) -> String {
        if self.secret {
            "*".repeat(self.input.chars().count())
        } else {
            self.input.clone()
        }
    }
}

impl Pane for MacroPrompt {
    fn key(&mut self, key: &KeyEvent, _ctx: &PaneCtx) -> Handled {
        match edit_line(&mut self.input, &mut self.cursor, key) {
            Edit::Changed | Edit::Moved => Handled::Kept,
            Edit::NotText => Handled::No,
        }
    }

    fn action(&mut self, action: &Action, _ctx: &PaneCtx) -> Handled {
        match action {
            Action::Accept => Handled::Ask(Request::MacroValue {
                tab: self.tab,
                macro_name: self.macro_name.clone(),
                name: self.name.clone(),
                value: Secret(std::mem::take(&mut self.input)),
            }),
            Action::Cancel => Handled::Close,
            _ => Handled::No,
        }
    }

    fn paste(&mut self, line: &str) {
        insert_at(&mut self.input, &mut self.cursor, line);
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, ctx: &PaneCtx) {
        let what = if self.secret { " (hidden)" } else { "" };
        let lines = [
            format!("Macro `{}` asks for {}{what}:", self.macro_name, self.name),
            format!("> {}_", self.shown()),
            "Enter plays the macro, Esc cancels it".to_owned(),
        ];
        draw_message(buf, area, &lines, ctx.theme);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
