//! A parsed configuration file that remembers where every key and value came from.
//!
//! The `toml` crate's spanned document ([`toml::de::DeTable`]) is copied into a small owned
//! tree of [`Node`]s with byte spans, sorted in file order, and a [`Ctx`] walks it: typed
//! getters report a wrong type, unknown keys are reported with the nearest known key, and
//! every problem is collected (never only the first). This module knows TOML and positions
//! (a [`LineIndex`] built once per file turns a byte span into a line and column, so a file
//! with thousands of tables loads in linear time); which keys a section has is the business
//! of the section's own module.

use std::ops::Range;
use std::time::Duration;

use toml::de::{DeTable, DeValue};

use super::error::{ConfigError, LineIndex};

/// A byte range in the file.
pub type Span = Range<usize>;

/// A value with its place in the file.
#[derive(Clone, Debug)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// A TOML value.
#[derive(Clone, Debug)]
pub enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Datetime(String),
    Array(Vec<Node>),
    Table(Table),
}

impl Value {
    /// The type as an error message names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Datetime(_) => "a date",
            Value::Array(_) => "a list",
            Value::Table(_) => "a table",
        }
    }

    /// The value as TOML, for the generic sections that serde reads.
    pub fn to_toml(&self) -> toml::Value {
        match self {
            Value::Str(s) => toml::Value::String(s.clone()),
            Value::Int(i) => toml::Value::Integer(*i),
            Value::Float(f) => toml::Value::Float(*f),
            Value::Bool(b) => toml::Value::Boolean(*b),
            Value::Datetime(d) => d
                .parse()
                .map_or_else(|_| toml::Value::String(d.clone()), toml::Value::Datetime),
            Value::Array(a) => toml::Value::Array(a.iter().map(|n| n.value.to_toml()).collect()),
            Value::Table(t) => toml::Value::Table(t.to_toml()),
        }
    }

    /// The value quoted for a message: strings in quotes, others as written.
    pub fn quoted(&self) -> String {
        match self {
            Value::Str(s) => format!("\"{s}\""),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Datetime(d) => d.clone(),
            Value::Array(_) => "a list".to_owned(),
            Value::Table(_) => "a table".to_owned(),
        }
    }
}

/// One `key = value` of a table.
#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub node: Node,
}

/// A table's entries in file order.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub entries: Vec<Entry>,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    pub fn to_toml(&self) -> toml::Table {
        self.entries
            .iter()
            .map(|e| (e.key.clone(), e.node.value.to_toml()))
            .collect()
    }
}

/// A whole file: its name for messages, where its lines start (for positions), its root
/// table.
#[derive(Clone, Debug)]
pub struct Doc {
    pub file: String,
    /// Built once, so every position in the file costs a few binary searches.
    pub lines: LineIndex,
    /// The file's directory, against which relative paths in it are resolved.
    pub dir: Option<std::path::PathBuf>,
    pub root: Table,
}

impl Doc {
    /// Parses `text`; a TOML syntax error comes back with its position (all of them when
    /// the parser can recover).
    pub fn parse(file: &str, text: &str) -> Result<Doc, Vec<ConfigError>> {
        let (table, errors) = DeTable::parse_recoverable(text);
        let lines = LineIndex::new(text);
        if !errors.is_empty() {
            return Err(errors
                .iter()
                .map(|e| ConfigError {
                    file: file.to_owned(),
                    pos: e.span().map(|s| lines.line_col(s.start)),
                    key: String::new(),
                    message: format!("TOML syntax: {}", e.message().trim()),
                })
                .collect());
        }
        Ok(Doc {
            file: file.to_owned(),
            lines,
            dir: None,
            root: convert_table(table.get_ref()),
        })
    }

    /// The 1-based line and character column of byte `offset` in the file.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.lines.line_col(offset)
    }
}

fn convert_table(t: &DeTable<'_>) -> Table {
    let mut entries: Vec<Entry> = t
        .iter()
        .map(|(k, v)| Entry {
            key: k.get_ref().to_string(),
            key_span: k.span(),
            node: Node {
                value: convert_value(v.get_ref()),
                span: v.span(),
            },
        })
        .collect();
    entries.sort_by_key(|e| e.key_span.start);
    Table { entries }
}

fn convert_value(v: &DeValue<'_>) -> Value {
    match v {
        DeValue::String(s) => Value::Str(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map_or_else(|_| Value::Float(f64::INFINITY), Value::Int),
        DeValue::Float(f) => Value::Float(parse_float(f.as_str())),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::Datetime(d.to_string()),
        DeValue::Array(a) => Value::Array(
            a.iter()
                .map(|n| Node {
                    value: convert_value(n.get_ref()),
                    span: n.span(),
                })
                .collect(),
        ),
        DeValue::Table(t) => Value::Table(convert_table(t)),
    }
}

fn parse_float(s: &str) -> f64 {
    let s = s.replace('_', "");
    match s.as_str() {
        "inf" | "+inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        "nan" | "+nan" | "-nan" => f64::NAN,
        other => other.parse().unwrap_or(f64::NAN),
    }
}

/// `path.key`, quoting a key that is not a bare TOML key.
pub fn join(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let key = if bare {
        key.to_owned()
    } else {
        format!("\"{key}\"")
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

/// `"yes" is a string: expected true or false`; a list or table is named, not quoted.
pub fn wrong_type_message(found: &Value, expected: &str) -> String {
    match found {
        Value::Array(_) | Value::Table(_) => {
            format!("found {}: expected {expected}", found.kind())
        }
        v => format!("{} is {}: expected {expected}", v.quoted(), v.kind()),
    }
}

/// Walks one document, collecting errors.
pub struct Ctx<'a> {
    pub doc: &'a Doc,
    pub errors: &'a mut Vec<ConfigError>,
}

impl Ctx<'_> {
    /// Records a problem at `span`.
    pub fn err(&mut self, span: &Span, key: &str, message: impl Into<String>) {
        self.errors.push(ConfigError {
            file: self.doc.file.clone(),
            pos: Some(self.doc.line_col(span.start)),
            key: key.to_owned(),
            message: message.into(),
        });
    }

    /// Reports every key of `table` not in `known`, suggesting the nearest known key.
    pub fn check_keys(&mut self, path: &str, table: &Table, known: &[&str]) {
        for e in &table.entries {
            if !known.contains(&e.key.as_str()) {
                let msg = match crate::suggest::nearest(&e.key, known.iter().copied()) {
                    Some(s) => format!("unknown key (did you mean `{s}`?)"),
                    None => format!("unknown key (known keys: {})", known.join(", ")),
                };
                self.err(&e.key_span, &join(path, &e.key), msg);
            }
        }
    }

    fn wrong_type(&mut self, path: &str, e: &Entry, expected: &str) {
        self.err(
            &e.node.span,
            &join(path, &e.key),
            wrong_type_message(&e.node.value, expected),
        );
    }

    pub fn str(&mut self, path: &str, e: &Entry) -> Option<String> {
        if let Value::Str(s) = &e.node.value {
            Some(s.clone())
        } else {
            self.wrong_type(path, e, "a string");
            None
        }
    }

    pub fn bool(&mut self, path: &str, e: &Entry) -> Option<bool> {
        if let Value::Bool(b) = e.node.value {
            Some(b)
        } else {
            self.wrong_type(path, e, "true or false");
            None
        }
    }

    /// An integer in `range`; out of range quotes the value and names the range.
    pub fn int(
        &mut self,
        path: &str,
        e: &Entry,
        range: std::ops::RangeInclusive<i64>,
        what: &str,
    ) -> Option<i64> {
        match e.node.value {
            Value::Int(i) if range.contains(&i) => Some(i),
            Value::Int(i) => {
                self.err(
                    &e.node.span,
                    &join(path, &e.key),
                    format!(
                        "{i} is out of range: {what} is {}-{}",
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
            _ => {
                self.wrong_type(path, e, "an integer");
                None
            }
        }
    }

    /// Seconds, whole or fractional, from 0 to a day.
    pub fn seconds(&mut self, path: &str, e: &Entry) -> Option<Duration> {
        let secs = match e.node.value {
            // Seconds above 2^52 are out of range anyway, so the rounding cannot matter.
            #[allow(clippy::cast_precision_loss)]
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
            _ => {
                self.wrong_type(path, e, "a number of seconds");
                return None;
            }
        };
        if (0.0..=86_400.0).contains(&secs) {
            Some(Duration::from_secs_f64(secs))
        } else {
            self.err(
                &e.node.span,
                &join(path, &e.key),
                format!(
                    "{} is out of range: seconds are 0-86400",
                    e.node.value.quoted()
                ),
            );
            None
        }
    }

    pub fn table<'t>(&mut self, path: &str, e: &'t Entry) -> Option<&'t Table> {
        if let Value::Table(t) = &e.node.value {
            Some(t)
        } else {
            self.wrong_type(path, e, "a table");
            None
        }
    }

    pub fn array<'t>(&mut self, path: &str, e: &'t Entry) -> Option<&'t [Node]> {
        if let Value::Array(a) = &e.node.value {
            Some(a)
        } else {
            self.wrong_type(path, e, "a list");
            None
        }
    }

    /// A list of strings; a non-string item is reported at the item.
    pub fn strings(&mut self, path: &str, e: &Entry) -> Option<Vec<(String, Span)>> {
        let items = self.array(path, e)?;
        let key = join(path, &e.key);
        let mut out = Vec::new();
        for (i, n) in items.iter().enumerate() {
            match &n.value {
                Value::Str(s) => out.push((s.clone(), n.span.clone())),
                other => {
                    self.err(
                        &n.span,
                        &format!("{key}[{i}]"),
                        wrong_type_message(other, "a string"),
                    );
                }
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_come_in_file_order_with_spans() {
        let text = "zeta = 1\n[alpha]\nb = \"x\"\n";
        let doc = Doc::parse("t.toml", text).unwrap();
        let keys: Vec<_> = doc.root.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["zeta", "alpha"]);
        let Value::Table(alpha) = &doc.root.entries[1].node.value else {
            panic!("alpha is a table");
        };
        let b = alpha.get("b").unwrap();
        assert_eq!(&text[b.node.span.clone()], "\"x\"");
        assert_eq!(doc.line_col(b.key_span.start), (3, 1));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let errs = Doc::parse("t.toml", "a = 1\nb = \n").unwrap_err();
        assert!(errs[0].to_string().starts_with("t.toml:2:"), "{errs:?}");
    }

    #[test]
    fn unknown_keys_suggest() {
        let doc = Doc::parse("t.toml", "modle = 1\nbanana = 2\n").unwrap();
        let mut errors = Vec::new();
        let mut ctx = Ctx {
            doc: &doc,
            errors: &mut errors,
        };
        ctx.check_keys("profile.a", &doc.root, &["model", "host"]);
        let text: Vec<_> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "t.toml:1:1: profile.a.modle: unknown key (did you mean `model`?)",
                "t.toml:2:1: profile.a.banana: unknown key (known keys: model, host)",
            ]
        );
    }
}
