//! Configuration errors as an operator reads them: `FILE:LINE:COL: KEY.PATH: message`.
//!
//! This module owns the wording of the position and the ordering of a list of errors. It
//! knows nothing about which keys exist; the loader and the validators build the messages.
//! Lines and columns are 1-based and columns count characters, not bytes, so an editor's
//! "go to line:column" lands on the bad value.

use std::fmt;

/// One problem in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file as the operator named it (or `<built-in defaults>` for the embedded file).
    pub file: String,
    /// Line and column (1-based), when the problem has a place in the file.
    pub pos: Option<(usize, usize)>,
    /// The dotted key path, such as `profile.mvs.port` (empty for a whole-file problem).
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some((line, col)) = self.pos {
            write!(f, ":{line}:{col}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in one load, in file order; printed one per line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &ConfigError> {
        self.0.iter()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The 1-based line and character column of byte `offset` in `text`, found by scanning
/// from the start: right for one position, but a file's many positions go through a
/// [`LineIndex`] built once (scanning for each of them made loading quadratic).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// Where a text's lines start and where its multi-byte characters are, so that any byte
/// offset's line and character column are two binary searches away. It gives exactly what
/// [`line_col`] gives, for every offset.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    /// The byte offset of each line's first byte (the first is 0).
    line_starts: Vec<usize>,
    /// Each character longer than one byte: its offset and its length in bytes.
    wide: Vec<(usize, usize)>,
    /// `extra[k]`: the bytes beyond the first of `wide[..k]`, i.e. how many more bytes than
    /// characters the text has before `wide[k]`.
    extra: Vec<usize>,
    len: usize,
}

impl LineIndex {
    /// One pass over `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        let mut wide = Vec::new();
        let mut extra = vec![0];
        for (i, c) in text.char_indices() {
            if c == '\n' {
                line_starts.push(i + 1);
            }
            let n = c.len_utf8();
            if n > 1 {
                wide.push((i, n));
                let before = extra.last().copied().unwrap_or(0);
                extra.push(before + n - 1);
            }
        }
        LineIndex {
            line_starts,
            wide,
            extra,
            len: text.len(),
        }
    }

    /// The 1-based line and character column of byte `offset` (past the end: the end; inside
    /// a character: that character), as [`line_col`] counts them.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.len);
        // The wide characters that start before `offset`; if the last of them is still
        // running at `offset`, the position is that character's.
        let mut k = self.wide.partition_point(|&(at, _)| at < offset);
        if let Some(&(at, n)) = k.checked_sub(1).and_then(|i| self.wide.get(i)) {
            if at + n > offset {
                offset = at;
                k -= 1;
            }
        }
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let k_start = self.wide.partition_point(|&(at, _)| at < start);
        let extra = |k: usize| self.extra.get(k).copied().unwrap_or(0);
        let col = (offset - start) - (extra(k) - extra(k_start)) + 1;
        (line, col)
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    /// The index against the scan, at every byte offset (and past the end) of texts with
    /// empty lines, wide characters of every length, a line of them alone and no final
    /// newline.
    #[test]
    fn the_index_agrees_with_the_scan_at_every_offset() {
        let texts = [
            "",
            "\n",
            "a",
            "a = 1\nbé = \"x\"\n",
            "\n\n[p]\nk = \"€𝄞é\" # ü\n\nlast = 2",
            "éé\n€\n𝄞𝄞𝄞\nx",
            "x\r\ny\r\n",
        ];
        for text in texts {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() + 3 {
                assert_eq!(
                    index.line_col(offset),
                    line_col(text, offset),
                    "{text:?} at {offset}"
                );
            }
        }
    }

    /// A long generated text, sampled every 97 bytes, and the last profile's line.
    #[test]
    fn the_index_agrees_on_a_large_text() {
        let mut text = String::new();
        for i in 0..5_000 {
            let _ = write!(text, "[profile.p{i}]\nhost = \"h{i}é.example\"\n\n");
        }
        let index = LineIndex::new(&text);
        for offset in (0..text.len()).step_by(97) {
            assert_eq!(index.line_col(offset), line_col(&text, offset), "{offset}");
        }
        let last = text.rfind("host").unwrap();
        assert_eq!(index.line_col(last), (5_000 * 3 - 1, 1));
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // `=` after a two-byte character is the fourth character of the line.
        assert_eq!(line_col(text, text.find("= \"").unwrap()), (2, 4));
        assert_eq!(line_col(text, 999), (3, 1));
    }

    #[test]
    fn display_is_file_line_col_key_message() {
        let e = ConfigError {
            file: "c.toml".into(),
            pos: Some((7, 9)),
            key: "profile.mvs.port".into(),
            message: "70000 is out of range: a port is 1-65535".into(),
        };
        assert_eq!(
            e.to_string(),
            "c.toml:7:9: profile.mvs.port: 70000 is out of range: a port is 1-65535"
        );
        let whole = ConfigError {
            file: "c.toml".into(),
            pos: None,
            key: String::new(),
            message: "cannot read: no such file".into(),
        };
        assert_eq!(whole.to_string(), "c.toml: cannot read: no such file");
    }
}
