//! The command palette: any action by name, with completion. Text keys edit the input line;
//! `select-prev` / `select-next` (and pages) move through the completions, `complete` takes
//! the highlighted one into the line, `accept` asks the App to run what is typed (or the
//! highlighted completion), and an input that does not parse shows the parser's reason.
//!
//! The completion rules are `crate::ui::overlay::palette_items` (shared with the view, which
//! lists them); the configured profiles and recent hosts are offered after `connect `.

use std::any::Any;
use std::str::FromStr;

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Handled, Pane, PaneCtx, Request, insert_at, list_input_key, list_select};
use crate::action::{Action, Arg};
use crate::ui::overlay::{PaletteItem, draw_palette, palette_items};

/// The palette's list for `input`.
pub fn items(ctx: &PaneCtx, input: &str) -> Vec<PaletteItem> {
    let names: Vec<&str> = ctx
        .config
        .profiles
        .iter()
        .map(|p| p.name.as_str())
        .chain(ctx.recent.iter().map(String::as_str))
        .collect();
    let mut items = palette_items(input, &ctx.config.keymap, &names);
    // `play-macro ` lists the macros (from [macros] and the macro files), bound keys too.
    if let Some(arg) = input.trim_start().strip_prefix("play-macro ") {
        let arg = arg.trim_start();
        let macros = ctx
            .config
            .macros
            .values()
            .filter(|m| m.name.starts_with(arg));
        let listed: Vec<PaletteItem> = macros
            .map(|m| {
                let action = Action::PlayMacro(m.name.clone());
                let keys = ctx
                    .config
                    .keymap
                    .chords_for(crate::keymap::Layer::Screen, &action);
                PaletteItem {
                    text: action.to_string(),
                    help: format!("macro, {} steps", m.steps.len()),
                    keys: keys
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            })
            .collect();
        items.splice(0..0, listed);
    }
    items
}

/// What `complete` and `accept` can take from the palette's list.
pub fn completions(ctx: &PaneCtx, input: &str) -> Vec<String> {
    items(ctx, input).into_iter().map(|i| i.text).collect()
}

fn takes_argument(name: &str) -> bool {
    Action::info(name.trim()).is_some_and(|i| !matches!(i.arg, Arg::None))
}

/// The palette's state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Palette {
    pub input: String,
    /// The text cursor, in characters.
    pub cursor: usize,
    /// The highlighted completion.
    pub selected: usize,
    /// Why the last input did not run.
    pub error: Option<String>,
}

impl Palette {
    /// `complete`: the highlighted completion replaces the input (with a space after a name
    /// that takes an argument).
    fn complete(&mut self, ctx: &PaneCtx) {
        let completions = completions(ctx, &self.input);
        let last = completions.len().saturating_sub(1);
        if let Some(c) = completions.get(self.selected.min(last)) {
            self.input.clone_from(c);
            if takes_argument(&self.input) {
                self.input.push(' ');
            }
            self.cursor = self.input.chars().count();
            self.selected = 0;
        }
        self.error = None;
    }

    /// `accept`: run the input if it is an action; otherwise take the highlighted completion
    /// (running it when it needs no argument); otherwise show why the input does not parse.
    fn accept(&mut self, ctx: &PaneCtx) -> Handled {
        let parsed = Action::from_str(&self.input);
        if let Ok(action) = parsed {
            return Handled::Ask(Request::Run(action));
        }
        let completions = completions(ctx, &self.input);
        let pick = completions
            .get(self.selected)
            .filter(|c| **c != self.input.trim());
        match (pick, parsed) {
            (Some(c), _) => {
                if let Ok(action) = Action::from_str(c) {
                    return Handled::Ask(Request::Run(action));
                }
                self.input = format!("{c} ");
                self.cursor = self.input.chars().count();
                self.selected = 0;
                self.error = None;
            }
            (None, Err(e)) => {
                self.cursor = self.input.chars().count();
                self.error = Some(e.to_string());
            }
            (None, Ok(_)) => {}
        }
        Handled::Kept
    }
}

impl Pane for Palette {
    fn key(&mut self, key: &KeyEvent, _ctx: &PaneCtx) -> Handled {
        list_input_key(
            &mut self.input,
            &mut self.cursor,
            &mut self.selected,
            &mut self.error,
            key,
        )
    }

    fn action(&mut self, action: &Action, ctx: &PaneCtx) -> Handled {
        let count = completions(ctx, &self.input).len();
        if list_select(&mut self.selected, &mut self.error, count, action) {
            return Handled::Kept;
        }
        match action {
            Action::Accept => self.accept(ctx),
            Action::Complete => {
                self.complete(ctx);
                Handled::Kept
            }
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
        let items = items(ctx, &self.input);
        let error = self.error.as_deref();
        draw_palette(
            buf,
            area,
            &self.input,
            self.cursor,
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
