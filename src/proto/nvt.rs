//! NVT mode: a host that never enters 3270 mode (or TN3270E NVT-DATA) speaks plain
//! line-oriented telnet (RFC 854 "Network Virtual Terminal").
//!
//! Its text is shown on the 3270 screen as an unformatted, scrolling display; the operator
//! types lines. While the host does not echo, input is line-buffered and echoed locally (the
//! telnet default); once the host says WILL ECHO, every key goes out at once and the host's
//! echo draws it. ANSI escape sequences are skipped, not interpreted: r3270 is a 3270
//! terminal, and this mode exists so a misconfigured host is readable, not to be a VT100.

use crate::proto::addr::{BufferAddr, Position};
use crate::proto::attr::ExtAttrs;
use crate::proto::codepage::CodePage;
use crate::proto::key::{Aid, Key};
use crate::proto::screen::{NULL, Screen};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Escape {
    #[default]
    None,
    Started,
    Csi,
}

/// The NVT display and line editor.
#[derive(Clone, Debug, Default)]
pub struct Nvt {
    esc: Escape,
    line: Vec<u8>,
    last_was_cr: bool,
    /// The start of a UTF-8 sequence cut off at the end of the last chunk of host output.
    utf8_tail: Vec<u8>,
}

impl Nvt {
    /// Show host output (ASCII / UTF-8 bytes) on the screen at the cursor.
    /// Host output arrives in any chunking: a UTF-8 sequence cut at the end of `bytes` is kept
    /// for the next call instead of being shown as replacement characters.
    pub fn output(&mut self, screen: &mut Screen, bytes: &[u8], cp: CodePage) {
        let mut joined = std::mem::take(&mut self.utf8_tail);
        joined.extend_from_slice(bytes);
        let mut rest = joined.as_slice();
        let mut text = String::with_capacity(rest.len());
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    text.push_str(s);
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    text.push_str(std::str::from_utf8(good).unwrap_or_default());
                    let Some(n) = e.error_len() else {
                        self.utf8_tail = bad.to_vec();
                        break;
                    };
                    text.push(char::REPLACEMENT_CHARACTER);
                    rest = &bad[n..];
                }
            }
        }
        for ch in text.chars() {
            match (self.esc, ch) {
                (Escape::None, '\u{1b}') => self.esc = Escape::Started,
                (Escape::Started, '[') => self.esc = Escape::Csi,
                (Escape::Started, _) => self.esc = Escape::None,
                (Escape::Csi, c) if c.is_ascii_alphabetic() || c == '@' || c == '~' => {
                    self.esc = Escape::None;
                }
                (Escape::Csi, _) => {}
                (Escape::None, c) => self.put(screen, c, cp),
            }
        }
        if screen.index_is_stale() {
            screen.rebuild_fields();
        }
    }

    fn put(&mut self, screen: &mut Screen, ch: char, cp: CodePage) {
        let dims = screen.dims();
        let pos = screen.cursor_position();
        let was_cr = std::mem::replace(&mut self.last_was_cr, ch == '\r');
        match ch {
            '\r' => set_pos(screen, Position::new(pos.row, 0)),
            '\n' => {
                if was_cr || pos.col == 0 {
                    // CR LF: the CR already went to column 0.
                }
                newline(screen);
            }
            '\u{8}' => {
                if pos.col > 0 {
                    set_pos(screen, Position::new(pos.row, pos.col - 1));
                }
            }
            '\t' => {
                let col = ((pos.col / 8) + 1) * 8;
                if col >= dims.cols {
                    newline(screen);
                } else {
                    set_pos(screen, Position::new(pos.row, col));
                }
            }
            '\u{7}' | '\0' => {}
            c if c.is_control() => {}
            c => {
                let b = cp.from_unicode(c).unwrap_or(0x6F); // '?' in every EBCDIC page
                let at = screen.cursor();
                screen.set_char(at, b, false, ExtAttrs::DEFAULT);
                if pos.col + 1 >= dims.cols {
                    newline(screen);
                } else {
                    screen.set_cursor(at.next(dims));
                }
            }
        }
    }

    /// An operator key in NVT mode. Bytes to send to the host are appended to `out`.
    pub fn key(
        &mut self,
        screen: &mut Screen,
        key: Key,
        echo_local: bool,
        cp: CodePage,
        out: &mut Vec<u8>,
    ) {
        match key {
            Key::Char('\r' | '\n') => self.key(screen, Key::Aid(Aid::Enter), echo_local, cp, out),
            Key::Char(c) => {
                let mut buf = [0u8; 4];
                let bytes = c.encode_utf8(&mut buf).as_bytes();
                if echo_local {
                    self.line.extend_from_slice(bytes);
                    self.put(screen, c, cp);
                } else {
                    out.extend_from_slice(bytes);
                }
            }
            Key::Aid(Aid::Enter) | Key::NewLine => {
                if echo_local {
                    out.append(&mut self.line);
                    self.put(screen, '\r', cp);
                    self.put(screen, '\n', cp);
                }
                out.extend_from_slice(b"\r\n");
            }
            Key::Backspace | Key::Erase => {
                if echo_local {
                    if let Some(last) = std::str::from_utf8(&self.line)
                        .ok()
                        .and_then(|s| s.chars().last())
                    {
                        self.line.truncate(self.line.len() - last.len_utf8());
                        let pos = screen.cursor_position();
                        if pos.col > 0 {
                            set_pos(screen, Position::new(pos.row, pos.col - 1));
                            let at = screen.cursor();
                            screen.set_char(at, NULL, false, ExtAttrs::DEFAULT);
                        }
                    }
                } else {
                    out.push(0x7F);
                }
            }
            Key::Tab => {
                if echo_local {
                    self.line.push(b'\t');
                    self.put(screen, '\t', cp);
                } else {
                    out.push(b'\t');
                }
            }
            Key::Aid(Aid::Clear) => {
                screen.erase(screen.is_alternate());
            }
            _ => {}
        }
    }
}

fn set_pos(screen: &mut Screen, pos: Position) {
    if let Some(a) = BufferAddr::from_position(pos, screen.dims()) {
        screen.set_cursor(a);
    }
}

/// Move to the start of the next line, scrolling the screen up at the bottom.
fn newline(screen: &mut Screen) {
    let dims = screen.dims();
    let pos = screen.cursor_position();
    if pos.row + 1 >= dims.rows {
        screen.scroll_up();
        set_pos(screen, Position::new(dims.rows - 1, 0));
    } else {
        set_pos(screen, Position::new(pos.row + 1, 0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::addr::Dimensions;

    #[test]
    fn text_lines_and_scrolling() {
        let mut s = Screen::new(Dimensions::new(3, 10), Dimensions::new(3, 10));
        let mut n = Nvt::default();
        let cp = CodePage::default();
        n.output(&mut s, b"\x1b[1mone\r\ntwo\r\nthree\r\nfour", cp);
        let rows = s.text_rows(cp);
        assert_eq!(rows.len(), 3);
        assert_eq!(s.cursor_position(), Position::new(2, 4));
        assert_eq!(
            s.cell(BufferAddr::ZERO).byte(),
            cp.from_unicode('t').unwrap()
        );
    }
}
