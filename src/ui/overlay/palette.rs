//! The command palette (Ctrl-]): its completion list and its popup.
//!
//! [`palette_items`] completes the first word against [`ACTIONS`] (prefix matches first, then
//! names containing the word) and, once the name is complete, shows what its argument is; for
//! `connect` it lists the matching profile names. It neither runs nor parses actions: the app
//! does that with `Action::from_str` when Enter is pressed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;

use super::{base_style, fill_row, input_line, popup, put, selected_style, text_width};
use crate::action::{ACTIONS, Action, ActionInfo, Arg};
use crate::keymap::{Keymap, Layer};
use crate::theme::Theme;

/// One line of the palette's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaletteItem {
    /// What Tab/Enter puts in the input (`erase-eof`, `connect prod`).
    pub text: String,
    pub help: String,
    /// The chords bound to it, if any.
    pub keys: String,
}

fn keys_for(keymap: &Keymap, name: &str) -> String {
    name.parse::<Action>()
        .map(|a| {
            keymap
                .chords_for(Layer::Screen, &a)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn item(info: &ActionInfo, keymap: &Keymap) -> PaletteItem {
    let help = match info.arg {
        Arg::None => info.help.to_owned(),
        Arg::Required(what) => format!("{} (needs: {what})", info.help),
        Arg::Optional(what) => format!("{} (optional: {what})", info.help),
    };
    PaletteItem {
        text: info.name.to_owned(),
        help,
        keys: keys_for(keymap, info.name),
    }
}

/// The keys `send-aid` takes, in keyboard order.
fn aid_names() -> impl Iterator<Item = String> {
    ["enter", "clear", "sysreq"]
        .into_iter()
        .map(str::to_owned)
        .chain((1..=24).map(|n| format!("pf{n}")))
        .chain((1..=3).map(|n| format!("pa{n}")))
}

/// The completions for what is typed in the palette. `profiles` are the configured profile
/// names, offered after `connect `.
pub fn palette_items(input: &str, keymap: &Keymap, profiles: &[&str]) -> Vec<PaletteItem> {
    let input = input.trim_start();
    let (word, rest) = match input.split_once(char::is_whitespace) {
        Some((w, r)) => (w, Some(r.trim_start())),
        None => (input, None),
    };
    let word_lc = word.to_ascii_lowercase();
    let Some(arg) = rest else {
        let listed = ACTIONS.iter().filter(|a| a.name != "none");
        let prefix = listed.clone().filter(|a| a.name.starts_with(&word_lc));
        let inner = listed.filter(|a| !a.name.starts_with(&word_lc) && a.name.contains(&word_lc));
        return prefix.chain(inner).map(|a| item(a, keymap)).collect();
    };
    let Some(info) = Action::info(&word_lc) else {
        return Vec::new();
    };
    let mut items = Vec::new();
    match info.arg {
        Arg::None => items.push(PaletteItem {
            text: info.name.to_owned(),
            help: format!("{} (takes no argument)", info.help),
            keys: keys_for(keymap, info.name),
        }),
        Arg::Required(what) | Arg::Optional(what) => {
            if info.name == "send-aid" {
                let lower = arg.to_ascii_lowercase();
                for key in aid_names().filter(|k| k.starts_with(&lower) && *k != lower) {
                    items.push(PaletteItem {
                        text: format!("send-aid {key}"),
                        help: format!("send {}", key.to_ascii_uppercase()),
                        keys: keys_for(keymap, &format!("send-aid {key}")),
                    });
                }
            }
            if info.name == "connect" {
                for p in profiles.iter().filter(|p| p.starts_with(arg)) {
                    items.push(PaletteItem {
                        text: format!("connect {p}"),
                        help: "profile from the configuration".into(),
                        keys: String::new(),
                    });
                }
            }
            items.push(PaletteItem {
                text: format!("{} {arg}", info.name),
                help: format!("argument: {what}"),
                keys: String::new(),
            });
        }
    }
    items
}

/// Draws the palette: the input line with its cursor (a char index), an error line when the
/// last command did not parse, then the completions with `selected` highlighted.
#[allow(clippy::too_many_arguments)]
pub fn draw_palette(
    buf: &mut Buffer,
    area: Rect,
    input: &str,
    cursor: usize,
    items: &[PaletteItem],
    selected: usize,
    error: Option<&str>,
    theme: &Theme,
) {
    let shown = items.len().min(12);
    let want_h = u16::try_from(shown).unwrap_or(12) + 4;
    let inner = popup(
        buf,
        area,
        76,
        want_h,
        "Command (Enter runs, Tab completes)",
        theme,
    );
    if inner.height == 0 {
        return;
    }
    let base = base_style(theme);
    let right = inner.right();
    input_line(buf, inner, "> ", input, cursor, theme);
    if let Some(e) = error
        && inner.height > 1
    {
        put(
            buf,
            inner.x,
            inner.y + 1,
            right,
            e,
            base.fg(theme.oia_error.0).add_modifier(Modifier::BOLD),
        );
    }
    let text_w = items
        .iter()
        .map(|i| text_width(&i.text))
        .max()
        .unwrap_or(0)
        .min(30);
    // Keep the selected item visible when the list is longer than the popup.
    let body = usize::from(inner.height.saturating_sub(2));
    let first = selected.saturating_sub(body.saturating_sub(1));
    for (n, it) in items.iter().enumerate().skip(first).take(body) {
        let y = inner.y + 2 + (n - first) as u16;
        let style = if n == selected {
            fill_row(buf, inner, y, selected_style(theme));
            selected_style(theme)
        } else {
            base
        };
        put(
            buf,
            inner.x + 1,
            y,
            right,
            &it.text,
            style.add_modifier(Modifier::BOLD),
        );
        let help_x = inner.x + text_w + 3;
        let keys_w = text_width(&it.keys);
        let keys_x = right.saturating_sub(keys_w + 1).max(help_x);
        put(buf, help_x, y, keys_x.saturating_sub(1), &it.help, style);
        if !it.keys.is_empty() {
            let kstyle = if n == selected {
                style
            } else {
                style.fg(theme.overlay_highlight.0)
            };
            put(buf, keys_x, y, right, &it.keys, kstyle);
        }
    }
}
