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

/// The viewer's styles, from the theme's overlay colours.
struct Styles {
    base: Style,
    hi: Style,
    sel: Style,
    alert: Style,
}

impl Styles {
    fn new(theme: &Theme) -> Self {
        let base = Style::new().fg(theme.overlay_fg.0).bg(theme.overlay_bg.0);
        Styles {
            base,
            hi: base.fg(theme.overlay_highlight.0),
            sel: Style::new()
                .fg(theme.selection_fg.0)
                .bg(theme.selection_bg.0)
                .add_modifier(Modifier::BOLD),
            alert: base.fg(theme.red.0).add_modifier(Modifier::BOLD),
        }
    }
}

/// Draw the viewer over `area`.
pub fn draw_audit(buf: &mut Buffer, area: Rect, v: &AuditViewer, theme: &Theme) {
    let area = area.intersection(buf.area);
    if area.height < 4 || area.width < 20 {
        return;
    }
    let st = Styles::new(theme);
    buf.set_style(area, st.base);
    for y in area.top()..area.bottom() {
        let blank = " ".repeat(usize::from(area.width));
        put(buf, area.x, y, area.right(), &blank, st.base);
    }
    draw_header(buf, area, v, &st);
    let visible = v.visible();
    let list = Rect::new(area.x, area.y + 2, area.width, area.height - 3);
    let bottom = area.bottom() - 1;
    if v.detail {
        if let Some(e) = visible.get(v.selected) {
            let lines = detail_lines(e);
            for (i, line) in lines.iter().take(usize::from(list.height)).enumerate() {
                put(
                    buf,
                    list.x + 1,
                    list.y + i as u16,
                    list.right(),
                    line,
                    st.base,
                );
            }
        }
        put(
            buf,
            area.x,
            bottom,
            area.right(),
            " Esc: back to the list",
            st.hi,
        );
        return;
    }
    draw_list(buf, list, v, &visible, &st);
    let hint = format!(
        " {}/{}  Up/Down/PgUp/PgDn move  Ctrl-PgUp/PgDn older/newer page  Enter open  Esc close  filter: kind:K session:S since:T words{}",
        if visible.is_empty() {
            0
        } else {
            v.selected + 1
        },
        visible.len(),
        if v.follow { "  [following]" } else { "" }
    );
    put(buf, area.x, bottom, area.right(), &hint, st.hi);
}

/// `12345` as `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Which records the page holds (`records 5,001-10,000 of 12,345`), whether there are older
/// or newer pages, and whether a page is being read.
pub fn range_text(v: &AuditViewer) -> String {
    let Some(s) = &v.snapshot else {
        return "reading...".into();
    };
    let held = s.entries.len() as u64;
    let mut out = if held == 0 {
        format!("no records of {}", thousands(s.total))
    } else {
        format!(
            "records {}-{} of {}",
            thousands(s.first + 1),
            thousands(s.first + held),
            thousands(s.total)
        )
    };
    if s.older.is_some() {
        out.push_str(", older: PgUp");
    }
    if !v.newer.is_empty() {
        out.push_str(", newer: PgDn");
    }
    if v.waiting() {
        out.push_str(" reading...");
    }
    out
}

/// The header (the log, which records, verified or broken) and the filter line.
fn draw_header(buf: &mut Buffer, area: Rect, v: &AuditViewer, st: &Styles) {
    let right = area.right();
    let (dir, error) = match &v.snapshot {
        Some(s) => (s.dir.display().to_string(), s.error.clone()),
        None => (String::new(), None),
    };
    let state = v
        .verification
        .clone()
        .unwrap_or_else(|| "verifying...".into());
    let title = st.hi.add_modifier(Modifier::BOLD);
    let x = put(buf, area.x, area.y, right, " Audit log ", title);
    let counts = format!("{dir}  {}  ", range_text(v));
    let x = put(buf, x, area.y, right, &counts, st.base);
    let broken = state.starts_with("BROKEN") || state.starts_with("cannot");
    put(
        buf,
        x,
        area.y,
        right,
        &state,
        if broken { st.alert } else { st.hi },
    );
    let filter = format!(" filter: {}", v.filter);
    let x = put(buf, area.x, area.y + 1, right, &filter, st.base);
    if !v.detail {
        put(buf, x, area.y + 1, right, "_", st.hi);
    }
    if let Some(e) = error {
        put(buf, area.x + 30, area.y + 1, right, &e, st.alert);
    }
}

/// The records, the selection kept in view, search words highlighted.
fn draw_list(buf: &mut Buffer, list: Rect, v: &AuditViewer, visible: &[&Entry], st: &Styles) {
    let rows = usize::from(list.height);
    let first = v.selected.saturating_sub(rows.saturating_sub(1));
    let words: Vec<String> = v.search_words().iter().map(|w| w.to_lowercase()).collect();
    for (i, e) in visible.iter().enumerate().skip(first).take(rows) {
        let y = list.y + (i - first) as u16;
        let text = row_text(e);
        let style = if i == v.selected { st.sel } else { st.base };
        if i == v.selected {
            buf.set_style(Rect::new(list.x, y, list.width, 1), st.sel);
        }
        put(buf, list.x + 1, y, list.right(), &text, style);
        let marked = style
            .fg(st.hi.fg.unwrap_or_default())
            .add_modifier(Modifier::REVERSED);
        highlight(buf, list.x + 1, y, list.right(), &text, &words, marked);
    }
    if visible.is_empty() {
        put(
            buf,
            list.x + 1,
            list.y,
            list.right(),
            "(no records)",
            st.base,
        );
    }
}

/// Draw each occurrence of `words` (lower case) in `text`, shown at (`x`, `y`), in `style`.
fn highlight(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    right: u16,
    text: &str,
    words: &[String],
    style: Style,
) {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars.iter().map(char::to_ascii_lowercase).collect();
    for w in words {
        let w: Vec<char> = w.chars().collect();
        if w.is_empty() {
            continue;
        }
        let mut i = 0;
        while i + w.len() <= lower.len() {
            if lower[i..i + w.len()] == w[..] {
                let part: String = chars[i..i + w.len()].iter().collect();
                let col = x.saturating_add(u16::try_from(i).unwrap_or(u16::MAX));
                put(buf, col, y, right, &part, style);
                i += w.len();
            } else {
                i += 1;
            }
        }
    }
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
            page: crate::audit::read::Page::Newest,
            entries: vec![e],
            total: 12_345,
            first: 12_344,
            older: Some(crate::audit::read::Cursor::default()),
            error: None,
        });
        v.set_verification("BROKEN at seq 5: edited (audit-w0-000000000001.jsonl)".into());
        let theme = Theme::default();
        let mut buf = Buffer::empty(Rect::new(0, 0, 100, 10));
        let area = buf.area;
        draw_audit(&mut buf, area, &v, &theme);
        let rows = text(&buf);
        assert!(
            rows[0].contains(
                "/var/audit  records 12,345-12,345 of 12,345, older: PgUp  BROKEN at seq 5: edited"
            ),
            "{rows:?}"
        );
        assert!(
            rows[2].contains("#7") && rows[2].contains("HELLO, 411111******1111!"),
            "{rows:?}"
        );
        assert_eq!(buf[(75, 0)].fg, theme.red.0, "a broken log is shown in red");
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

    #[test]
    fn counts_have_thousands_separators() {
        let cases = [(0, "0"), (999, "999"), (1_000, "1,000"), (12_345, "12,345")];
        for (n, text) in cases {
            assert_eq!(thousands(n), text);
        }
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
