//! The name prompt of a recording stopped without a name: `accept` saves the recorded
//! steps (held here meanwhile) as `DATA/macros/NAME.toml`, `cancel` drops them.

use std::any::Any;

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Edit, Handled, Pane, PaneCtx, Request, edit_line, insert_at};
use crate::action::Action;
use crate::macros::MacroStep;
use crate::ui::overlay::draw_message;

/// The prompt's state: the name typed so far and the steps to save.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordName {
    pub input: String,
    cursor: usize,
    pub steps: Vec<MacroStep>,
    /// Why the last name was refused.
    pub error: Option<String>,
}

impl RecordName {
    pub fn new(steps: Vec<MacroStep>) -> Self {
        RecordName {
            input: String::new(),
            cursor: 0,
            steps,
            error: None,
        }
    }
}

impl RecordName {
    /// The prompt again with a refused name in it, the cursor after it.
    pub fn named(steps: Vec<MacroStep>, name: &str) -> Self {
        RecordName {
            input: name.to_owned(),
            cursor: name.chars().count(),
            steps,
            error: None,
        }
    }
}

impl Pane for RecordName {
    fn key(&mut self, key: &KeyEvent, _ctx: &PaneCtx) -> Handled {
        match edit_line(&mut self.input, &mut self.cursor, key) {
            Edit::Changed | Edit::Moved => Handled::Kept,
            Edit::NotText => Handled::No,
        }
    }

    fn action(&mut self, action: &Action, _ctx: &PaneCtx) -> Handled {
        match action {
            Action::Accept => Handled::Ask(Request::SaveRecording {
                name: self.input.trim().to_owned(),
                steps: self.steps.clone(),
            }),
            Action::Cancel => Handled::Close,
            _ => Handled::No,
        }
    }

    fn paste(&mut self, line: &str) {
        insert_at(&mut self.input, &mut self.cursor, line);
    }

    fn show_error(&mut self, error: String) -> bool {
        self.error = Some(error);
        true
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, ctx: &PaneCtx) {
        let mut lines = vec![
            format!(
                "Name for the recorded macro ({} steps), and a key if you like (logon alt-f1):",
                self.steps.len()
            ),
            format!("> {}_", self.input),
        ];
        if let Some(e) = &self.error {
            lines.push(e.clone());
        }
        lines.push("Enter saves it, Esc drops the recording".to_owned());
        draw_message(buf, area, &lines, ctx.theme);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
