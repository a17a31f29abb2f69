//! The audit log viewer's view: a header with the log and its verification state, the
//! filter line, and the records (or the one opened: a screen record drawn row by row, as
//! the operator saw it, any other record as indented JSON). It borrows the pane's state and
//! never changes it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use crate::app::pane::AuditViewer;
use crate::audit::read::Entry;
use crate::theme::Theme;

fn put(buf: &mut Buffer, x: u16, y: u16, right: u16, text: &str, style: Style) -> u16 {
    if x >= right {
        return x;
    }
    buf.set_stringn(x, y, text, usize::from(right - x), style).0
}

/// One list row for a record.
pub fn row_text(e: &Entry) -> String {
    let ts = e.ts().get(11..23).unwrap_or(e.ts());
    format!(
        "{ts} w{} #{:<6} {:<13} {:<18} {}",
        e.slot,
        e.seq(),
        e.kind(),
        e.session(),
        e.summary()
    )
}

/// The lines of an opened record.
pub fn detail_lines(e: &Entry) -> Vec<String> {
    let mut out = vec![format!(
        "{} {} seq {} slot {} ({})",
        e.ts(),
        e.kind(),
        e.seq(),
        e.slot,
        e.file.file_name().unwrap_or_default().to_string_lossy(),
    )];
    if let Some(rows) = e.value.get("rows").and_then(|r| r.as_array()) {
        out.push(String::new());
        out.extend(rows.iter().map(|r| r.as_str().unwrap_or("").to_owned()));
        if let Some(red) = e.value.get("redactions") {
            out.push(String::new());
            out.push(format!("redactions: {red}"));
        }
    } else {
        out.extend(
            serde_json::to_string_pretty(&e.value)
                .unwrap_or_default()
                .lines()
                .map(str::to_owned),
        );
    }
    out
}

/// Draw the viewer over `area`.
pub fn draw_audit(buf: &mut Buffer, area: Rect, v: &AuditViewer, theme: &Theme) {
    let area = area.intersection(buf.area);
    if area.height < 4 || area.width < 20 {
        return;
    }
    let base = Style::new().fg(theme.overlay_fg.0).bg(theme.overlay_bg.0);
    let hi = base.fg(theme.overlay_highlight.0);
    let sel = Style::new()
        .fg(theme.selection_fg.0)
        .bg(theme.selection_bg.0)
        .add_modifier(Modifier::BOLD);
    buf.set_style(area, base);
    for y in area.top()..area.bottom() {
        put(
            buf,
            area.x,
            y,
            area.right(),
            &" ".repeat(usize::from(area.width)),
            base,
        );
    }
    let right = area.right();
    let visible = v.visible();
    // Header: where, how many, verified or broken.
    let (dir, total, state, error) = match &v.snapshot {
        Some(s) => (
            s.dir.display().to_string(),
            s.total,
            s.verification
                .clone()
                .unwrap_or_else(|| "verifying...".into()),
            s.error.clone(),
        ),
        None => (String::new(), 0, "reading...".into(), None),
    };
    let x = put(
        buf,
        area.x,
        area.y,
        right,
        " Audit log ",
        hi.add_modifier(Modifier::BOLD),
    );
    let x = put(
        buf,
        x,
        area.y,
        right,
        &format!("{dir}  newest {total} records  "),
        base,
    );
    let state_style = if state.starts_with("BROKEN") || state.starts_with("cannot") {
        Style::new()
            .fg(theme.red.0)
            .bg(theme.overlay_bg.0)
            .add_modifier(Modifier::BOLD)
    } else {
        hi
    };
    put(buf, x, area.y, right, &state, state_style);
    let filter = format!(" filter: {}", v.filter);
    let x = put(buf, area.x, area.y + 1, right, &filter, base);
    if !v.detail {
        put(buf, x, area.y + 1, right, "_", hi);
    }
    if let Some(e) = error {
        put(buf, area.x + 30, area.y + 1, right, &e, state_style);
    }
    let list_top = area.y + 2;
    let list_h = usize::from(area.height - 3);
    let bottom = area.bottom() - 1;
    if v.detail {
        if let Some(e) = visible.get(v.selected) {
            for (i, line) in detail_lines(e).iter().take(list_h).enumerate() {
                put(buf, area.x + 1, list_top + i as u16, right, line, base);
            }
        }
        put(buf, area.x, bottom, right, " Esc: back to the list", hi);
        return;
    }
    // The window of rows that keeps the selection in view.
    let first = v.selected.saturating_sub(list_h.saturating_sub(1));
    let words: Vec<String> = v.search_words().iter().map(|w| w.to_lowercase()).collect();
    for (i, e) in visible.iter().enumerate().skip(first).take(list_h) {
        let y = list_top + (i - first) as u16;
        let text = row_text(e);
        let style = if i == v.selected { sel } else { base };
        if i == v.selected {
            buf.set_style(Rect::new(area.x, y, area.width, 1), sel);
        }
        put(buf, area.x + 1, y, right, &text, style);
        // Search words highlighted where they occur in the row.
        let lower = text.to_lowercase();
        for w in &words {
            let mut from = 0;
            while let Some(at) = lower[from..].find(w.as_str()) {
                let start = lower[..from + at].chars().count();
                let col = area.x + 1 + u16::try_from(start).unwrap_or(u16::MAX);
                let len = w.chars().count();
                let part: String = text.chars().skip(start).take(len).collect();
                put(
                    buf,
                    col,
                    y,
                    right,
                    &part,
                    style
                        .fg(theme.overlay_highlight.0)
                        .add_modifier(Modifier::REVERSED),
                );
                from += at + w.len().max(1);
            }
        }
    }
    if visible.is_empty() {
        put(buf, area.x + 1, list_top, right, "(no records)", base);
    }
    let hint = format!(
        " {}/{}  Up/Down/PgUp/PgDn move  Enter open  Esc close  filter: kind:K session:S since:T words{}",
        if visible.is_empty() {
            0
        } else {
            v.selected + 1
        },
        visible.len(),
        if v.follow { "  [following]" } else { "" }
    );
    put(buf, area.x, bottom, right, &hint, hi);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::read::Snapshot;

    fn text(buf: &Buffer) -> Vec<String> {
        let a = buf.area;
        (a.top()..a.bottom())
            .map(|y| {
                (a.left()..a.right())
                    .map(|x| buf[(x, y)].symbol())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn shows_the_state_the_records_and_an_opened_screen() {
        let raw = r#"{"seq":7,"ts":"2026-12-03T10:00:07.000Z","kind":"screen","session":"s1","rows":["HELLO, 411111******1111!"],"redactions":{"card":1}}"#;
        let e = Entry {
            slot: 0,
            file: "audit-w0-000000000001.jsonl".into(),
            line: 7,
            value: serde_json::from_str(raw).unwrap(),
            raw: raw.into(),
        };
        let mut v = AuditViewer::new();
        v.set_snapshot(Snapshot {
            dir: "/var/audit".into(),
            entries: vec![e],
            total: 1,
            verification: Some("BROKEN at seq 5: edited (audit-w0-000000000001.jsonl)".into()),
            error: None,
        });
        let theme = Theme::default();
        let mut buf = Buffer::empty(Rect::new(0, 0, 100, 10));
        let area = buf.area;
        draw_audit(&mut buf, area, &v, &theme);
        let rows = text(&buf);
        assert!(
            rows[0].contains("/var/audit  newest 1 records  BROKEN at seq 5: edited"),
            "{rows:?}"
        );
        assert!(
            rows[2].contains("#7") && rows[2].contains("HELLO, 411111******1111!"),
            "{rows:?}"
        );
        assert_eq!(buf[(60, 0)].fg, theme.red.0, "a broken log is shown in red");
        v.detail = true;
        let mut buf = Buffer::empty(Rect::new(0, 0, 100, 10));
        let area = buf.area;
        draw_audit(&mut buf, area, &v, &theme);
        let rows = text(&buf);
        assert!(
            rows[4].trim_start().starts_with("HELLO, 411111******1111!"),
            "{rows:?}"
        );
    }
}
