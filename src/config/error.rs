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

/// The 1-based line and character column of byte `offset` in `text`.
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

#[cfg(test)]
mod tests {
    use super::*;

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
