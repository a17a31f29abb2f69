//! The screen as s3270's reading actions see it: `Ascii`, `Ebcdic`, `ReadBuffer`,
//! `PrintText`, and `Snap`'s saved copy of all of them.
//!
//! A [`Grid`] is taken from the session (or is the blank 24x80 screen s3270 shows before a
//! connection) and holds everything those actions print, so a `Snap(Save)` is a `Grid`
//! kept aside. The formats are s3270's: one `data:` line a row; `ReadBuffer` tokens
//! `SF(c0=XX,...)`, `SA(...)` and a character's bytes in hex.

use std::fmt::Write as _;

use crate::proto::Session;
use crate::proto::attr::{ExtAttrs, FieldAttr};

/// One cell as the reading actions need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cell {
    ch: char,
    byte: u8,
    ge: bool,
    fa: Option<FieldAttr>,
    ext: ExtAttrs,
}

/// A copy of the screen.
#[derive(Clone, Debug)]
pub struct Grid {
    pub rows: usize,
    pub cols: usize,
    pub cursor: usize,
    pub formatted: bool,
    cells: Vec<Cell>,
}

impl Grid {
    /// The blank screen shown before any connection.
    pub fn blank(rows: usize, cols: usize) -> Self {
        Grid {
            rows,
            cols,
            cursor: 0,
            formatted: false,
            cells: vec![
                Cell {
                    ch: ' ',
                    byte: 0,
                    ge: false,
                    fa: None,
                    ext: ExtAttrs::DEFAULT,
                };
                rows * cols
            ],
        }
    }

    pub fn of(session: &Session) -> Self {
        let screen = session.screen();
        let dims = screen.dims();
        let rows = usize::from(dims.rows);
        let cols = usize::from(dims.cols);
        let text: Vec<char> = session.text_rows().concat().chars().collect();
        // A monochrome 3278 shows no colours: s3270 drops them from what it reports.
        let colour = session.config().model.color;
        let mut cells = Vec::with_capacity(rows * cols);
        for (i, c) in screen.cells().enumerate() {
            let mut ext = c.ext;
            if !colour {
                ext.fg = 0;
                ext.bg = 0;
            }
            cells.push(Cell {
                ch: text.get(i).copied().unwrap_or(' '),
                byte: c.byte(),
                ge: c.is_ge(),
                fa: c.attr(),
                ext,
            });
        }
        Grid {
            rows,
            cols,
            cursor: screen.cursor().index(),
            formatted: screen.is_formatted(),
            cells,
        }
    }

    /// [`Grid::of`] with what non-display fields hold blanked, bytes included: every
    /// position of such a field reads as an empty (null) one, so neither `Ascii`, `Ebcdic`
    /// nor `ReadBuffer` can show a password or its length (the TUI's API).
    pub fn of_masked(session: &Session) -> Self {
        let mut grid = Self::of(session);
        // Cells before the first attribute belong to the last field (the buffer wraps).
        let mut hidden = grid
            .cells
            .iter()
            .rev()
            .find_map(|c| c.fa)
            .is_some_and(FieldAttr::is_non_display);
        for cell in &mut grid.cells {
            if let Some(fa) = cell.fa {
                hidden = fa.is_non_display();
            } else if hidden {
                cell.ch = ' ';
                cell.byte = 0;
                cell.ge = false;
            }
        }
        grid
    }

    /// The text of `len` cells from `start`, cut into one string a row.
    pub fn text_range(&self, start: usize, len: usize, ebcdic: bool) -> Vec<String> {
        let mut out = Vec::new();
        let mut line = String::new();
        let total = self.cells.len();
        let mut first = true;
        for k in 0..len {
            let i = (start + k) % total.max(1);
            if !first && i % self.cols == 0 {
                out.push(std::mem::take(&mut line));
            }
            first = false;
            self.push_cell(&mut line, i, ebcdic);
        }
        out.push(line);
        out
    }

    fn push_cell(&self, line: &mut String, i: usize, ebcdic: bool) {
        let Some(c) = self.cells.get(i) else { return };
        if ebcdic {
            if !line.is_empty() {
                line.push(' ');
            }
            let b = if c.fa.is_some() { 0 } else { c.byte };
            let _ = write!(line, "{b:02x}");
        } else {
            line.push(c.ch);
        }
    }

    /// `Ascii`/`Ebcdic` with their 0, 1, 3 or 4 arguments (`origin` 1 for `Ascii1`).
    pub fn dump(
        &self,
        name: &str,
        args: &[String],
        origin: usize,
        ebcdic: bool,
    ) -> Result<Vec<String>, String> {
        let invalid = || format!("{name}: Invalid argument");
        let nums: Vec<usize> = args
            .iter()
            .map(|a| a.trim().parse::<usize>().map_err(|_| invalid()))
            .collect::<Result<_, _>>()?;
        let pos = |r: usize, c: usize| -> Result<usize, String> {
            let (r, c) = (
                r.checked_sub(origin).ok_or_else(invalid)?,
                c.checked_sub(origin).ok_or_else(invalid)?,
            );
            if r >= self.rows || c >= self.cols {
                return Err(invalid());
            }
            Ok(r * self.cols + c)
        };
        match nums.as_slice() {
            [] => Ok((0..self.rows)
                .flat_map(|r| self.text_range(r * self.cols, self.cols, ebcdic))
                .collect()),
            [len] => Ok(self.text_range(self.cursor, *len, ebcdic)),
            [r, c, len] => {
                let start = pos(*r, *c)?;
                if start + len > self.cells.len() {
                    return Err(invalid());
                }
                Ok(self.text_range(start, *len, ebcdic))
            }
            [r, c, rows, cols] => {
                let start = pos(*r, *c)?;
                let (r0, c0) = (start / self.cols, start % self.cols);
                if r0 + rows > self.rows || c0 + cols > self.cols {
                    return Err(invalid());
                }
                Ok((0..*rows)
                    .flat_map(|k| self.text_range((r0 + k) * self.cols + c0, *cols, ebcdic))
                    .collect())
            }
            _ => Err(format!("{name} requires 0, 1, 3 or 4 arguments")),
        }
    }

    /// The field the cursor is in (`AsciiField`, `EbcdicField`).
    pub fn field(&self, name: &str, ebcdic: bool) -> Result<Vec<String>, String> {
        if !self.formatted {
            return Err(format!("{name}(): Screen is not formatted"));
        }
        let total = self.cells.len();
        let fa = (0..total)
            .map(|k| (self.cursor + total - k) % total)
            .find(|&i| self.cells[i].fa.is_some())
            .unwrap_or(0);
        let start = (fa + 1) % total;
        let len = (0..total)
            .take_while(|k| self.cells[(start + k) % total].fa.is_none())
            .count();
        Ok(vec![self.text_range(start, len, ebcdic).concat()])
    }

    /// Whether the field at the cursor is protected (the status line's third field).
    pub fn cursor_protected(&self) -> bool {
        if !self.formatted {
            return false;
        }
        let total = self.cells.len();
        (0..total)
            .map(|k| (self.cursor + total - k) % total)
            .find_map(|i| self.cells[i].fa)
            .is_some_and(FieldAttr::is_protected)
    }

    /// `ReadBuffer(Ascii)` or `ReadBuffer(Ebcdic)`: one line a row.
    pub fn read_buffer(&self, ebcdic: bool) -> Vec<String> {
        let mut out = Vec::with_capacity(self.rows);
        let mut cur = ExtAttrs::DEFAULT;
        for r in 0..self.rows {
            let mut line = String::new();
            for c in 0..self.cols {
                let cell = self.cells[r * self.cols + c];
                line.push(' ');
                if let Some(fa) = cell.fa {
                    let _ = write!(line, "SF(c0={:02x}", fa.bits() | 0xc0);
                    ext_tokens(&mut line, cell.ext);
                    line.push(')');
                    continue;
                }
                let mut sa = Vec::new();
                if cell.ext.fg != cur.fg {
                    sa.push(format!("42={:02x}", cell.ext.fg));
                }
                if cell.ext.bg != cur.bg {
                    sa.push(format!("45={:02x}", cell.ext.bg));
                }
                if cell.ext.highlight != cur.highlight {
                    sa.push(format!("41={:02x}", cell.ext.highlight | 0xf0));
                }
                if cell.ge != (cur.charset == 0xf1) {
                    sa.push(format!("43={:02x}", if cell.ge { 0xf1 } else { 0 }));
                }
                cur = ExtAttrs {
                    charset: if cell.ge { 0xf1 } else { 0 },
                    ..cell.ext
                };
                if !sa.is_empty() {
                    let _ = write!(line, "SA({}) ", sa.join(","));
                }
                if ebcdic {
                    if cell.ge {
                        let _ = write!(line, "GE({:02x})", cell.byte);
                    } else {
                        let _ = write!(line, "{:02x}", cell.byte);
                    }
                } else if cell.byte == 0 {
                    line.push_str("00");
                } else {
                    let mut buf = [0u8; 4];
                    for b in cell.ch.encode_utf8(&mut buf).bytes() {
                        let _ = write!(line, "{b:02x}");
                    }
                }
            }
            out.push(line.trim_start().to_owned());
        }
        out
    }

    /// The screen as plain text (`PrintText(text)`), a row a line.
    pub fn plain(&self) -> Vec<String> {
        (0..self.rows)
            .map(|r| self.text_range(r * self.cols, self.cols, false).concat())
            .collect()
    }

    /// The screen as an HTML page (`PrintText(html)`), with colours by field.
    pub fn html(&self) -> String {
        let mut s = String::from(
            "<html>\n<head>\n <meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\n</head>\n <body>\n  <table border=0><tr bgcolor=black><td><pre>",
        );
        let mut open: Option<&'static str> = None;
        for (i, cell) in self.cells.iter().enumerate() {
            if i > 0 && i % self.cols == 0 {
                s.push('\n');
            }
            let colour = colour_name(cell.ext.fg);
            if open != Some(colour) {
                if open.is_some() {
                    s.push_str("</span>");
                }
                let _ = write!(s, "<span style=\"color:{colour};background:black\">");
                open = Some(colour);
            }
            match cell.ch {
                '<' => s.push_str("&lt;"),
                '>' => s.push_str("&gt;"),
                '&' => s.push_str("&amp;"),
                c => s.push(c),
            }
        }
        if open.is_some() {
            s.push_str("</span>");
        }
        s.push_str("</pre></td></tr>\n  </table>\n </body>\n</html>\n");
        s
    }
}

fn ext_tokens(line: &mut String, ext: ExtAttrs) {
    if ext.fg != 0 {
        let _ = write!(line, ",42={:02x}", ext.fg);
    }
    if ext.bg != 0 {
        let _ = write!(line, ",45={:02x}", ext.bg);
    }
    if ext.highlight != 0 {
        let _ = write!(line, ",41={:02x}", ext.highlight | 0xf0);
    }
}

fn colour_name(fg: u8) -> &'static str {
    match fg {
        0xf1 => "blue",
        0xf2 => "red",
        0xf3 => "pink",
        0xf5 => "turquoise",
        0xf6 => "yellow",
        0xf7 => "white",
        _ => "green",
    }
}
