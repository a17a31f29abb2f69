//! Pure helpers over a [`Screen`] for the mouse and the clipboard: the text of a selection,
//! the PF-key label (hotspot) under a position, the screen as text.
//!
//! Text comes from [`Screen::text_rows`], the same conversion s3270's `Ascii()`, replay and
//! the headless client use, so non-display fields, attribute positions and nulls are blanks
//! here too: a secret can never reach the clipboard. This module does not draw and does not
//! depend on ratatui; it never changes the screen.

use crate::proto::addr::Position;
use crate::proto::codepage::CodePage;
use crate::proto::key::Aid;
use crate::proto::screen::Screen;

use crate::app::Selection;

/// The screen as an operator sees it, one `String` a row.
pub fn screen_text(screen: &Screen, cp: CodePage) -> Vec<String> {
    screen.text_rows(cp)
}

/// The text of the rectangle `sel`: its rows joined by `\n`, trailing spaces trimmed per row.
/// Non-display fields, attribute positions and nulls are spaces. Parts of the rectangle off
/// the screen are ignored.
pub fn selection_text(screen: &Screen, sel: Selection, cp: CodePage) -> String {
    let (tl, br) = sel.corners();
    let rows = screen.text_rows(cp);
    let mut out = String::new();
    let last = usize::from(br.row).min(rows.len().saturating_sub(1));
    for (n, row) in rows
        .iter()
        .enumerate()
        .take(last + 1)
        .skip(usize::from(tl.row))
    {
        let part: String = row
            .chars()
            .skip(usize::from(tl.col))
            .take(usize::from(br.col - tl.col) + 1)
            .collect();
        out.push_str(part.trim_end());
        if n < last {
            out.push('\n');
        }
    }
    out
}

/// The attention key a host-written label under `pos` names, if any: `PF3`, `PF03`,
/// `PF3=Exit`, `F3=Exit`, `PA1`, `ENTER=Process`, `CLEAR`; and `3=Exit` when the row is a
/// PF-key legend (it holds at least two `key=label` items). A click there sends that key.
pub fn hotspot_at(screen: &Screen, pos: Position, cp: CodePage) -> Option<Aid> {
    let rows = screen.text_rows(cp);
    let row: Vec<char> = rows.get(usize::from(pos.row))?.chars().collect();
    let col = usize::from(pos.col);
    if row.get(col).is_none_or(|c| c.is_whitespace()) {
        return None;
    }
    let start = row[..col]
        .iter()
        .rposition(|c| c.is_whitespace())
        .map_or(0, |i| i + 1);
    let end = row[col..]
        .iter()
        .position(|c| c.is_whitespace())
        .map_or(row.len(), |i| col + i);
    let word: String = row[start..end].iter().collect();
    let legend = is_legend_row(&row.iter().collect::<String>());
    parse_label(&word, legend)
}

/// Whether a row is a PF-key legend: at least two words of the form `key=label`.
fn is_legend_row(row: &str) -> bool {
    row.split_whitespace()
        .filter(|w| {
            w.split_once('=')
                .is_some_and(|(k, _)| parse_key(k, true).is_some())
        })
        .take(2)
        .count()
        >= 2
}

/// One word as a key label: `KEY` or `KEY=...` / `KEY:...` (punctuation around it ignored).
fn parse_label(word: &str, legend: bool) -> Option<Aid> {
    let word = word.trim_matches(|c: char| matches!(c, '(' | ')' | '[' | ']' | '<' | '>' | ','));
    let (key, has_label) = match word.find(['=', ':']) {
        Some(i) => (&word[..i], true),
        None => (word, false),
    };
    // A bare number is a key only as `N=label` on a legend row, never alone (`Page 2`).
    let aid = parse_key(key, legend && has_label)?;
    // Bare `F3`, `3`, `ENTER` and `CLEAR` are too common in ordinary text: they count only
    // with a label or in a legend row. `PF3` and `PA1` are unambiguous.
    let unambiguous = {
        let k = key.to_ascii_uppercase();
        k.starts_with("PF") || k.starts_with("PA")
    };
    if unambiguous || has_label || legend {
        Some(aid)
    } else {
        None
    }
}

/// A key name: `PFn`, `Fn`, `PAn`, `ENTER`, `CLEAR`, and a bare number when `numbers` is set.
fn parse_key(key: &str, numbers: bool) -> Option<Aid> {
    let k = key.to_ascii_uppercase();
    let number = |s: &str| -> Option<u8> {
        if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let aid = if let Some(n) = k.strip_prefix("PF").and_then(number) {
        Aid::Pf(n)
    } else if let Some(n) = k.strip_prefix("PA").and_then(number) {
        Aid::Pa(n)
    } else if let Some(n) = k.strip_prefix('F').and_then(number) {
        Aid::Pf(n)
    } else if k == "ENTER" {
        Aid::Enter
    } else if k == "CLEAR" {
        Aid::Clear
    } else if numbers && let Some(n) = number(&k) {
        Aid::Pf(n)
    } else {
        return None;
    };
    aid.is_valid().then_some(aid)
}
