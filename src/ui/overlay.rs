//! Drawing the popups over the screen: help (the effective keys), the command palette, the
//! connect picker, a yes/no confirmation, a message (config errors, ...) and the rename
//! prompt: the views of the panes in `crate::app::pane`.
//!
//! Every overlay is a centred popup sized to the area: the cells under it are cleared, then
//! a bordered block in the theme's overlay colours. This module also builds the rows the
//! help and the palette list ([`help_rows`], [`palette_items`]) from the keymap and
//! [`ACTIONS`]. It draws what it is given: input text, selection and scroll belong to the
//! app, which also decides when an overlay opens or closes.

mod palette;

pub use palette::{PaletteItem, draw_palette, palette_items};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use crate::action::{ACTIONS, Arg};
use crate::keymap::{Keymap, Layer};
use crate::theme::Theme;

/// One line of the help overlay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpRow {
    /// The chords, joined by ", ", or "(palette only)".
    pub keys: String,
    /// The action as the palette and the keymap write it (`send-aid pf3`).
    pub action: String,
    pub help: String,
}

/// Every action of [`ACTIONS`] with the chords bound to it in `layers` and then `global`
/// (the screen's and the prompt's keys, for the help overlay); an action bound with several
/// arguments (`send-aid pf1`, `send-aid pf2`, ...) gets a row for each, and one bound to
/// nothing is marked "(palette only)".
pub fn help_rows(keymap: &Keymap, layers: &[Layer]) -> Vec<HelpRow> {
    let mut layers = layers.to_vec();
    layers.retain(|l| *l != Layer::Global);
    layers.push(Layer::Global);
    let bindings: Vec<(String, String)> = layers
        .iter()
        .flat_map(|l| keymap.layer(*l))
        .filter(|b| b.action != crate::action::Action::None)
        .map(|b| (b.action.to_string(), b.key.to_string()))
        .collect();
    let mut rows = Vec::new();
    for info in ACTIONS {
        if info.name == "none" {
            continue;
        }
        // Distinct bound forms of this action, in keymap order, with their chords.
        let mut forms: Vec<(String, Vec<String>)> = Vec::new();
        for (action, chord) in &bindings {
            let name = action.split_whitespace().next().unwrap_or("");
            if name != info.name {
                continue;
            }
            match forms.iter_mut().find(|(a, _)| a == action) {
                Some((_, chords)) => {
                    if !chords.contains(chord) {
                        chords.push(chord.clone());
                    }
                }
                None => forms.push((action.clone(), vec![chord.clone()])),
            }
        }
        if forms.is_empty() {
            let action = match info.arg {
                Arg::None => info.name.to_owned(),
                Arg::Required(_) => format!("{} <arg>", info.name),
                Arg::Optional(_) => format!("{} [arg]", info.name),
            };
            rows.push(HelpRow {
                keys: "(palette only)".into(),
                action,
                help: info.help.to_owned(),
            });
        }
        for (action, chords) in forms {
            // "send PF3" says more than the generic help repeated on 27 rows.
            let help = match action.split_once(' ') {
                Some(("send-aid", key)) => format!("send {}", key.to_ascii_uppercase()),
                _ => info.help.to_owned(),
            };
            rows.push(HelpRow {
                keys: chords.join(", "),
                action,
                help,
            });
        }
    }
    rows
}

/// One choice of the connect picker: a profile or a recent host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickerItem {
    pub label: String,
    pub detail: String,
}

pub(crate) fn base_style(theme: &Theme) -> Style {
    Style::new().fg(theme.overlay_fg.0).bg(theme.overlay_bg.0)
}

fn selected_style(theme: &Theme) -> Style {
    Style::new()
        .fg(theme.selection_fg.0)
        .bg(theme.selection_bg.0)
        .add_modifier(Modifier::BOLD)
}

/// Clears a centred `width`x`height` popup (clamped to `area`), draws its border and title
/// and returns the inside.
fn popup(
    buf: &mut Buffer,
    area: Rect,
    width: u16,
    height: u16,
    title: &str,
    theme: &Theme,
) -> Rect {
    let area = area.intersection(buf.area);
    let w = width.min(area.width);
    let h = height.min(area.height);
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    framed(buf, rect, title, theme)
}

/// Clears `rect`, draws the panes' rounded border titled `title` on it and returns the
/// inside: every pane over the screen (popups, the monitor) is framed this way.
pub(crate) fn framed(buf: &mut Buffer, rect: Rect, title: &str, theme: &Theme) -> Rect {
    Clear.render(rect, buf);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(theme.border.0).bg(theme.overlay_bg.0))
        .style(base_style(theme))
        .title(format!(" {title} "))
        .title_style(
            Style::new()
                .fg(theme.overlay_highlight.0)
                .bg(theme.overlay_bg.0)
                .add_modifier(Modifier::BOLD),
        );
    let inner = block.inner(rect);
    block.render(rect, buf);
    inner
}

/// Writes `text` at (x, y), cut at `right`; returns the next column.
/// The first row of a prompt popup: `prompt`, then `input` in bold with the character under
/// the text cursor (`cursor`, in characters; a space past the end) reversed. Returns the
/// column after the input.
fn input_line(
    buf: &mut Buffer,
    inner: Rect,
    prompt: &str,
    input: &str,
    cursor: usize,
    theme: &Theme,
) -> u16 {
    let base = base_style(theme);
    let right = inner.right();
    let x = put(
        buf,
        inner.x,
        inner.y,
        right,
        prompt,
        base.fg(theme.overlay_highlight.0),
    );
    let end = put(
        buf,
        x,
        inner.y,
        right,
        input,
        base.add_modifier(Modifier::BOLD),
    );
    let cx = x.saturating_add(u16::try_from(cursor.min(input.chars().count())).unwrap_or(0));
    if cx < right
        && let Some(c) = buf.cell_mut((cx, inner.y))
    {
        c.modifier |= Modifier::REVERSED;
    }
    end
}

fn put(buf: &mut Buffer, x: u16, y: u16, right: u16, text: &str, style: Style) -> u16 {
    if x >= right {
        return x;
    }
    buf.set_stringn(x, y, text, usize::from(right - x), style).0
}

/// Fills one row of `inner` with `style` (for a selected line).
fn fill_row(buf: &mut Buffer, inner: Rect, y: u16, style: Style) {
    buf.set_style(Rect::new(inner.x, y, inner.width, 1), style);
}

fn text_width(s: &str) -> u16 {
    u16::try_from(s.chars().count()).unwrap_or(u16::MAX)
}

/// The help overlay: a table of keys, actions and what they do, scrolled by `scroll` rows.
pub fn draw_help(buf: &mut Buffer, area: Rect, rows: &[HelpRow], scroll: u16, theme: &Theme) {
    let keys_w = rows
        .iter()
        .map(|r| text_width(&r.keys))
        .max()
        .unwrap_or(0)
        .min(28);
    let action_w = rows
        .iter()
        .map(|r| text_width(&r.action))
        .max()
        .unwrap_or(0)
        .min(24);
    let help_w = rows.iter().map(|r| text_width(&r.help)).max().unwrap_or(0);
    let want_w = keys_w + action_w + help_w + 6;
    let want_h = u16::try_from(rows.len())
        .unwrap_or(u16::MAX)
        .saturating_add(4);
    let inner = popup(
        buf,
        area,
        want_w.max(30),
        want_h,
        "Keys (Esc closes)",
        theme,
    );
    if inner.height == 0 {
        return;
    }
    let base = base_style(theme);
    let head = base
        .fg(theme.overlay_highlight.0)
        .add_modifier(Modifier::BOLD);
    let right = inner.right();
    let (kx, ax) = (inner.x, inner.x + keys_w + 2);
    let hx = ax + action_w + 2;
    put(buf, kx, inner.y, right, "Keys", head);
    put(buf, ax, inner.y, right, "Action", head);
    put(buf, hx, inner.y, right, "What it does", head);
    let body = inner.height.saturating_sub(2);
    let max_scroll = u16::try_from(rows.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(body);
    let scroll = scroll.min(max_scroll);
    for (n, row) in rows
        .iter()
        .skip(usize::from(scroll))
        .take(usize::from(body))
        .enumerate()
    {
        let y = inner.y + 1 + n as u16;
        let kstyle = if row.keys.starts_with('(') {
            base.add_modifier(Modifier::DIM)
        } else {
            base.fg(theme.overlay_highlight.0)
        };
        put(
            buf,
            kx,
            y,
            ax.saturating_sub(1).min(right),
            &row.keys,
            kstyle,
        );
        put(
            buf,
            ax,
            y,
            hx.saturating_sub(1).min(right),
            &row.action,
            base.add_modifier(Modifier::BOLD),
        );
        put(buf, hx, y, right, &row.help, base);
    }
    let footer = format!(
        "rows {}-{} of {}  (scroll with the arrow keys)",
        usize::from(scroll) + 1,
        (usize::from(scroll) + usize::from(body)).min(rows.len()),
        rows.len()
    );
    put(
        buf,
        inner.x,
        inner.bottom() - 1,
        right,
        &footer,
        base.add_modifier(Modifier::DIM),
    );
}

/// The connect picker: a line to type `[L:][LU@]host[:port]`, then profiles and recent hosts.
pub fn draw_picker(
    buf: &mut Buffer,
    area: Rect,
    input: &str,
    items: &[PickerItem],
    selected: usize,
    error: Option<&str>,
    theme: &Theme,
) {
    let want_h = u16::try_from(items.len())
        .unwrap_or(u16::MAX)
        .saturating_add(5);
    let inner = popup(buf, area, 70, want_h, "Connect", theme);
    if inner.height == 0 {
        return;
    }
    let base = base_style(theme);
    let right = inner.right();
    // The picker edits at the end only: the text cursor sits after the input.
    let x = input_line(buf, inner, "Host: ", input, input.chars().count(), theme);
    if input.is_empty() {
        put(
            buf,
            x + 1,
            inner.y,
            right,
            "[L:][LU@]host[:port] or pick below",
            base.add_modifier(Modifier::DIM),
        );
    }
    let mut y = inner.y + 1;
    if let Some(e) = error {
        put(
            buf,
            inner.x,
            y,
            right,
            e,
            base.fg(theme.oia_error.0).add_modifier(Modifier::BOLD),
        );
    }
    y += 1;
    let label_w = items
        .iter()
        .map(|i| text_width(&i.label))
        .max()
        .unwrap_or(0)
        .min(30);
    for (n, item) in items.iter().enumerate() {
        if y >= inner.bottom() {
            break;
        }
        let style = if n == selected {
            fill_row(buf, inner, y, selected_style(theme));
            selected_style(theme)
        } else {
            base
        };
        put(buf, inner.x + 1, y, right, &item.label, style);
        put(
            buf,
            inner.x + label_w + 3,
            y,
            right,
            &item.detail,
            style.add_modifier(Modifier::DIM),
        );
        y += 1;
    }
}

/// A yes/no question (closing a connected tab, quitting).
pub fn draw_confirm(buf: &mut Buffer, area: Rect, question: &str, theme: &Theme) {
    let hint = "y: yes   n / Esc: no";
    let w = text_width(question).max(text_width(hint)) + 4;
    let inner = popup(buf, area, w, 5, "Confirm", theme);
    if inner.height == 0 {
        return;
    }
    let base = base_style(theme);
    put(
        buf,
        inner.x + 1,
        inner.y,
        inner.right(),
        question,
        base.add_modifier(Modifier::BOLD),
    );
    if inner.height > 2 {
        put(
            buf,
            inner.x + 1,
            inner.y + 2,
            inner.right(),
            hint,
            base.fg(theme.overlay_highlight.0),
        );
    }
}

/// A message shown until dismissed (e.g. the errors of a failed config reload).
pub fn draw_message(buf: &mut Buffer, area: Rect, lines: &[String], theme: &Theme) {
    let hint = "Enter / Esc: close";
    let w = lines
        .iter()
        .map(|l| text_width(l))
        .max()
        .unwrap_or(0)
        .max(text_width(hint))
        + 4;
    let h = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(4);
    let inner = popup(buf, area, w, h, "Message", theme);
    if inner.height == 0 {
        return;
    }
    let base = base_style(theme);
    for (n, line) in lines
        .iter()
        .enumerate()
        .take(usize::from(inner.height.saturating_sub(2)))
    {
        put(
            buf,
            inner.x + 1,
            inner.y + n as u16,
            inner.right(),
            line,
            base,
        );
    }
    put(
        buf,
        inner.x + 1,
        inner.bottom() - 1,
        inner.right(),
        hint,
        base.fg(theme.overlay_highlight.0),
    );
}

/// The rename prompt: the question, the input line (with a `_` where the next character
/// goes) and the keys, in a message-style popup.
pub fn draw_rename(buf: &mut Buffer, area: Rect, input: &str, theme: &Theme) {
    let lines = [
        "New name for this tab:".to_owned(),
        format!("> {input}_"),
        "Enter renames, Esc cancels".to_owned(),
    ];
    draw_message(buf, area, &lines, theme);
}
