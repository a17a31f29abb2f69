//! Drawing the operator information area: the status line under the 3270 screen.
//!
//! Laid out in the spirit of a real 3270's OIA, left to right: the mode (`4A`, `4B`, `NVT`,
//! `SSCP`) or the connection state, the keyboard lock in 3270 words (`X SYSTEM`,
//! `X (clock)`, `X Protected`, ...), insert mode, the type-ahead queue, the last response
//! time; then at the right the TLS mark (a loud `TLS NOT VERIFIED` when certificate checks
//! are off), the LU name, the host and the cursor as `row/col` like x3270. When the line is
//! too narrow the least important items go first; the lock state and the cursor stay.
//!
//! The view only reads the [`Oia`]; it never changes it or the connection.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use crate::proto::oia::{LockReason, Mode, Oia};
use crate::theme::Theme;

/// The connection's state, as the runtime reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnState {
    Connecting,
    Connected,
    /// The connection ended, with the reason when there is one.
    Disconnected(Option<String>),
    Reconnecting {
        attempt: u32,
    },
}

/// Everything the status line shows.
#[derive(Clone, Debug)]
pub struct OiaStatus<'a> {
    pub oia: &'a Oia,
    pub connection: ConnState,
    /// The host as the operator named it (`host:port`).
    pub host: &'a str,
    /// A macro playing (`▶ logon 3/7`) or being recorded (`REC 5`).
    pub macro_state: Option<&'a str>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

/// One item of the line; lower `rank` is dropped first when the line is too narrow.
struct Item {
    text: String,
    style: Style,
    rank: u8,
    side: Side,
    /// The item may be cut (ending in `…`) down to this many characters before anything is
    /// dropped; 0 for items that are shown whole or not at all.
    shrink_to: usize,
}

fn mode_label(mode: Mode) -> &'static str {
    match mode {
        Mode::SscpLu => "SSCP",
        m => m.label(),
    }
}

/// The items of the line, in display order.
fn items(status: &OiaStatus, theme: &Theme) -> Vec<Item> {
    let oia = status.oia;
    let normal = Style::new().fg(theme.oia_fg.0).bg(theme.oia_bg.0);
    let warning = Style::new().fg(theme.oia_warning.0).bg(theme.oia_bg.0);
    let error = Style::new()
        .fg(theme.oia_error.0)
        .bg(theme.oia_bg.0)
        .add_modifier(Modifier::BOLD);
    let item = |text: String, style: Style, rank: u8, side: Side| Item {
        text,
        style,
        rank,
        side,
        shrink_to: 0,
    };
    let mut v = Vec::new();
    match &status.connection {
        ConnState::Connecting => v.push(item("Connecting".into(), warning, 9, Side::Left)),
        ConnState::Reconnecting { attempt } => v.push(item(
            format!("Reconnecting (attempt {attempt})"),
            warning,
            9,
            Side::Left,
        )),
        ConnState::Disconnected(why) => v.push(Item {
            // Why the session ended matters more than anything else on the line: a long
            // reason is cut to fit rather than dropped (the log has it in full).
            shrink_to: "Disconnected: …".chars().count(),
            ..item(
                match why {
                    Some(w) => format!("Disconnected: {w}"),
                    None => "Disconnected".into(),
                },
                error,
                9,
                Side::Left,
            )
        }),
        ConnState::Connected => {
            let mode = Style::new()
                .fg(theme.oia_bg.0)
                .bg(theme.oia_fg.0)
                .add_modifier(Modifier::BOLD);
            v.push(item(mode_label(oia.mode).into(), mode, 9, Side::Left));
            if let Some(lock) = oia.lock {
                let style = match lock {
                    LockReason::Operator(_) => error,
                    _ => warning,
                };
                v.push(item(lock.label().into(), style, 10, Side::Left));
            }
        }
    }
    if let Some(m) = status.macro_state {
        v.push(item(m.to_owned(), warning, 8, Side::Left));
    }
    if oia.insert {
        v.push(item("^ INS".into(), warning, 7, Side::Left));
    }
    if oia.typeahead > 0 {
        v.push(item(format!("Q{}", oia.typeahead), warning, 6, Side::Left));
    }
    if let Some(rt) = oia.last_response_time {
        v.push(item(
            format!("{:.2}s", rt.as_secs_f64()),
            normal,
            3,
            Side::Left,
        ));
    }
    if oia.alarm {
        v.push(item("ALARM".into(), warning, 4, Side::Left));
    }
    if let Some(secure) = oia.secure {
        if secure.verified {
            v.push(item("TLS".into(), normal, 5, Side::Right));
        } else {
            let loud = warning.add_modifier(Modifier::BOLD | Modifier::REVERSED);
            v.push(item("TLS NOT VERIFIED".into(), loud, 8, Side::Right));
        }
    }
    if let Some(lu) = &oia.lu {
        v.push(item(lu.clone(), normal, 2, Side::Right));
    }
    if !status.host.is_empty() {
        v.push(item(status.host.to_owned(), normal, 1, Side::Right));
    }
    v.push(item(
        format!("{:03}/{:03}", oia.cursor.row + 1, oia.cursor.col + 1),
        normal,
        10,
        Side::Right,
    ));
    v
}

/// Draws the status line into `area` (its first row).
pub fn draw_oia(buf: &mut Buffer, area: Rect, status: &OiaStatus, theme: &Theme) {
    let area = area.intersection(buf.area);
    if area.height == 0 {
        return;
    }
    let base = Style::new().fg(theme.oia_fg.0).bg(theme.oia_bg.0);
    let row = Rect::new(area.x, area.y, area.width, 1);
    buf.set_style(row, base);
    for x in row.left()..row.right() {
        if let Some(c) = buf.cell_mut((x, row.y)) {
            c.set_char(' ');
        }
    }
    let mut items = items(status, theme);
    let width = |items: &[Item]| -> usize {
        items
            .iter()
            .map(|i| i.text.chars().count() + 2)
            .sum::<usize>()
    };
    let room = usize::from(row.width) + 2;
    let total = width(&items);
    if total > room {
        let mut over = total - room;
        for it in items.iter_mut().filter(|i| i.shrink_to > 0) {
            let len = it.text.chars().count();
            let cut = over.min(len.saturating_sub(it.shrink_to));
            if cut > 0 {
                let keep = len - cut - 1;
                it.text = it
                    .text
                    .chars()
                    .take(keep)
                    .chain(std::iter::once('…'))
                    .collect();
                over -= cut;
            }
        }
    }
    while width(&items) > room && !items.is_empty() {
        let Some((drop, _)) = items.iter().enumerate().min_by_key(|(_, i)| i.rank) else {
            break;
        };
        items.remove(drop);
    }
    let mut x = row.x;
    for it in items.iter().filter(|i| i.side == Side::Left) {
        let (nx, _) = buf.set_stringn(
            x,
            row.y,
            &it.text,
            usize::from(row.right().saturating_sub(x)),
            it.style,
        );
        x = nx.saturating_add(2);
    }
    let right: Vec<&Item> = items.iter().filter(|i| i.side == Side::Right).collect();
    let right_width: usize = right.iter().map(|i| i.text.chars().count() + 2).sum();
    let mut x = row
        .right()
        .saturating_sub(u16::try_from(right_width.saturating_sub(2)).unwrap_or(u16::MAX))
        .max(row.x);
    for it in right {
        let (nx, _) = buf.set_stringn(
            x,
            row.y,
            &it.text,
            usize::from(row.right().saturating_sub(x)),
            it.style,
        );
        x = nx.saturating_add(2);
    }
}
