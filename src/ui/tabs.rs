//! Drawing the tab bar: one label per session with its name, state and badges.
//!
//! A label reads ` 2 TSO·3270 ♪ `: the tab number (what `switch-tab N` takes), the name, the
//! state in a word, then badges for what happened in a background tab: `♪` the host rang
//! the alarm, `✓` the keyboard unlocked after a long wait, `✗` the connection dropped, `!`
//! an error. When the tabs do not fit, a window of them around the active tab is shown with
//! `◀`/`▶` marks for the hidden ones. The view returns hit areas for the mouse and never
//! changes which tab is active.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use crate::app::Badges;
use crate::theme::Theme;

/// A session's state as its tab shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TabState {
    Connecting,
    Connected,
    Nvt,
    Locked,
    Disconnected,
    Error,
}

impl TabState {
    /// The word shown after the name.
    pub fn label(self) -> &'static str {
        match self {
            TabState::Connecting => "connecting",
            TabState::Connected => "3270",
            TabState::Nvt => "NVT",
            TabState::Locked => "locked",
            TabState::Disconnected => "disconnected",
            TabState::Error => "error",
        }
    }
}

/// The badge marks, in a fixed order.
fn marks(badges: Badges) -> String {
    let mut s = String::new();
    for (on, mark) in [
        (badges.alarm, '♪'),
        (badges.unlocked, '✓'),
        (badges.disconnected, '✗'),
        (badges.error, '!'),
    ] {
        if on {
            s.push(mark);
        }
    }
    s
}

/// One tab.
#[derive(Clone, Copy, Debug)]
pub struct TabInfo<'a> {
    pub name: &'a str,
    pub state: TabState,
    pub badges: Badges,
}

/// The label text (without badges) and the badge marks of tab `i`.
fn label(i: usize, tab: &TabInfo) -> (String, String) {
    let text = format!(" {} {}·{}", i + 1, tab.name, tab.state.label());
    let marks = marks(tab.badges);
    (text, marks)
}

fn width(text: &str, marks: &str) -> u16 {
    let w = text.chars().count()
        + if marks.is_empty() {
            1
        } else {
            marks.chars().count() + 2
        };
    u16::try_from(w).unwrap_or(u16::MAX)
}

/// Draws the tab bar in `area` (its first row) and returns each drawn tab's cells with its
/// index, for mouse clicks.
pub fn draw_tabs(
    buf: &mut Buffer,
    area: Rect,
    tabs: &[TabInfo],
    active: usize,
    theme: &Theme,
) -> Vec<(Rect, usize)> {
    let area = area.intersection(buf.area);
    let mut hits = Vec::new();
    if area.height == 0 || area.width == 0 {
        return hits;
    }
    let bar = Style::new().fg(theme.tab_fg.0).bg(theme.tab_bg.0);
    let row = Rect::new(area.x, area.y, area.width, 1);
    buf.set_style(row, bar);
    for x in row.left()..row.right() {
        if let Some(c) = buf.cell_mut((x, row.y)) {
            c.set_char(' ');
        }
    }
    if tabs.is_empty() {
        return hits;
    }
    let active = active.min(tabs.len() - 1);
    let labels: Vec<(String, String)> = tabs.iter().enumerate().map(|(i, t)| label(i, t)).collect();
    let widths: Vec<u16> = labels.iter().map(|(t, m)| width(t, m)).collect();
    let (first, last) = window(&widths, active, row.width);
    let mut x = row.x;
    if first > 0 {
        buf.set_string(x, row.y, "◀", bar.add_modifier(Modifier::BOLD));
        x += 1;
    }
    for i in first..=last {
        let (text, marks) = &labels[i];
        let start = x;
        let styles = label_styles(theme, bar, tabs[i].state, i == active);
        x = draw_label(buf, x, row, text, marks, styles);
        hits.push((Rect::new(start, row.y, x - start, 1), i));
        if x >= row.right() {
            break;
        }
    }
    if last + 1 < tabs.len() && row.width > 0 {
        buf.set_string(
            row.right() - 1,
            row.y,
            "▶",
            bar.add_modifier(Modifier::BOLD),
        );
    }
    hits
}

/// The tabs shown, `first..=last`: all when they fit in `width`; otherwise a window grown
/// around the active one, right first, while it fits (one cell each side is kept for the
/// overflow marks).
fn window(widths: &[u16], active: usize, width: u16) -> (usize, usize) {
    let total: u32 = widths.iter().map(|&w| u32::from(w)).sum();
    if total <= u32::from(width) {
        return (0, widths.len().saturating_sub(1));
    }
    let (mut first, mut last) = (active, active);
    let room = u32::from(width.saturating_sub(2));
    let mut used = u32::from(widths[active]);
    loop {
        let mut grew = false;
        if last + 1 < widths.len() && used + u32::from(widths[last + 1]) <= room {
            last += 1;
            used += u32::from(widths[last]);
            grew = true;
        }
        if first > 0 && used + u32::from(widths[first - 1]) <= room {
            first -= 1;
            used += u32::from(widths[first]);
            grew = true;
        }
        if !grew {
            return (first, last);
        }
    }
}

/// How one label is drawn: its text, its state word, its badges.
#[derive(Clone, Copy)]
struct LabelStyles {
    text: Style,
    state: Style,
    badge: Style,
}

/// The active tab stands out; a background tab that dropped or failed has its state word
/// in the error colour and its badges in the badge colour.
fn label_styles(theme: &Theme, bar: Style, state: TabState, active: bool) -> LabelStyles {
    let text = if active {
        Style::new()
            .fg(theme.tab_active_fg.0)
            .bg(theme.tab_active_bg.0)
            .add_modifier(Modifier::BOLD)
    } else {
        bar
    };
    let state = match state {
        TabState::Disconnected | TabState::Error if !active => text.fg(theme.oia_error.0),
        _ => text,
    };
    let badge = if active {
        text.add_modifier(Modifier::BOLD)
    } else {
        text.fg(theme.tab_badge.0).add_modifier(Modifier::BOLD)
    };
    LabelStyles { text, state, badge }
}

/// Draws one label at `x` on `row` (name, `·`, the state word, then the badges), cut at
/// the row's end; returns the x after it.
fn draw_label(
    buf: &mut Buffer,
    x: u16,
    row: Rect,
    text: &str,
    marks: &str,
    st: LabelStyles,
) -> u16 {
    let limit = usize::from(row.right().saturating_sub(x));
    // The name part, then the state word in its own colour.
    let (name_part, state_part) = text.rsplit_once('·').unwrap_or((text, ""));
    let (nx, _) = buf.set_stringn(x, row.y, name_part, limit, st.text);
    let (nx, _) = buf.set_stringn(
        nx,
        row.y,
        "·",
        usize::from(row.right().saturating_sub(nx)),
        st.text,
    );
    let (nx, _) = buf.set_stringn(
        nx,
        row.y,
        state_part,
        usize::from(row.right().saturating_sub(nx)),
        st.state,
    );
    let mut nx = nx;
    if !marks.is_empty() {
        let (bx, _) = buf.set_stringn(
            nx,
            row.y,
            " ",
            usize::from(row.right().saturating_sub(nx)),
            st.text,
        );
        (nx, _) = buf.set_stringn(
            bx,
            row.y,
            marks,
            usize::from(row.right().saturating_sub(bx)),
            st.badge,
        );
    }
    let (nx, _) = buf.set_stringn(
        nx,
        row.y,
        " ",
        usize::from(row.right().saturating_sub(nx)),
        st.text,
    );
    nx
}
