//! s3270's action syntax: the lines a script writes to s3270's standard input, the actions
//! an x3270 trace records, and the `String()` escapes.
//!
//! A line holds one or more actions, each `Name(arg, "arg")` or `Name arg "arg"`
//! (a space before `(` allowed, `!` or `#` starting a comment). Names are matched without
//! case, and a unique prefix of a name is accepted, as x3270 does. Inside double quotes a
//! backslash keeps its meaning for the action (so `String("a\n")` reaches `String` with the
//! `\n` escape) except before a quote. The wording of syntax errors is s3270's, because
//! scripts and the tools around them match on it.

use std::fmt;

use std::time::Duration;

use super::Until;
use crate::proto::{Aid, Key};

/// One action with its arguments, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub name: String,
    pub args: Vec<String>,
}

/// A line that does not parse, in s3270's words (`Syntax error: ")" expected at column 7`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    what: &'static str,
    column: usize,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at column {}", self.what, self.column)
    }
}

impl std::error::Error for SyntaxError {}

const NAME_START: &str = "Action name must begin with an alphanumeric character";
const NAME_SYNTAX: &str = "Syntax error in action name";
const PAREN_OR_COMMA: &str = "Syntax error: \")\" or \",\" expected";
const PAREN: &str = "Syntax error: \")\" expected";
const UNCLOSED: &str = "Syntax error: unclosed \"";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lex {
    Ground,
    Comment,
    Name,
    AfterName,
    Open,
    OpenComma,
    /// Inside parentheses (`paren`) or after a space-separated name.
    Arg {
        paren: bool,
    },
    Quoted {
        paren: bool,
    },
    Backslash {
        paren: bool,
    },
    Backslash2 {
        paren: bool,
    },
    AfterArg {
        paren: bool,
    },
}

/// Splits a line into actions. An empty line or a comment gives none.
pub fn parse_line(line: &str) -> Result<Vec<Call>, SyntaxError> {
    // Columns in errors count from the start of the failing action (after the blanks
    // that separate it from the one before), as s3270 counts them.
    let mut calls = Vec::new();
    let mut rest = line.trim_start();
    loop {
        let (call, used) = parse_one(rest)?;
        match call {
            Some(c) => calls.push(c),
            None => return Ok(calls),
        }
        rest = rest[used..].trim_start();
        if rest.is_empty() {
            return Ok(calls);
        }
    }
}

/// The lexer's state for one action.
struct Lexer {
    state: Lex,
    name: String,
    args: Vec<String>,
    cur: String,
}

fn fail(what: &'static str, at: usize) -> SyntaxError {
    SyntaxError {
        what,
        column: at + 1,
    }
}

impl Lexer {
    fn push_arg(&mut self) {
        self.args.push(std::mem::take(&mut self.cur));
    }

    /// Inside a quoted argument: a backslash keeps its meaning for the action, except
    /// before a quote.
    fn feed_quoted(&mut self, paren: bool, c: char) {
        match self.state {
            Lex::Quoted { .. } => {
                if c == '"' {
                    self.push_arg();
                    self.state = Lex::AfterArg { paren };
                } else if c == '\\' {
                    self.state = Lex::Backslash { paren };
                } else {
                    self.cur.push(c);
                }
            }
            Lex::Backslash { .. } => {
                if c != '"' {
                    self.cur.push('\\');
                }
                if c == '\\' {
                    self.state = Lex::Backslash2 { paren };
                } else {
                    self.cur.push(c);
                    self.state = Lex::Quoted { paren };
                }
            }
            Lex::Backslash2 { .. } => {
                if c == '"' {
                    self.push_arg();
                    self.state = Lex::AfterArg { paren };
                } else {
                    self.cur.push('\\');
                    if c != '\\' {
                        self.cur.push(c);
                        self.state = Lex::Quoted { paren };
                    }
                }
            }
            _ => {}
        }
    }

    /// Takes character `c` at byte `i`; `Ok(true)` when it closed the parentheses.
    fn feed(&mut self, i: usize, c: char) -> Result<bool, SyntaxError> {
        match self.state {
            Lex::Ground => {
                if c.is_whitespace() {
                } else if c.is_alphanumeric() {
                    self.name.push(c);
                    self.state = Lex::Name;
                } else if c == '!' || c == '#' {
                    self.state = Lex::Comment;
                } else {
                    return Err(fail(NAME_START, i));
                }
            }
            Lex::Comment => {}
            Lex::Name => {
                if c == '(' {
                    self.state = Lex::Open;
                } else if c.is_whitespace() {
                    self.state = Lex::AfterName;
                } else if c.is_alphanumeric() || c == '_' || c == '-' {
                    self.name.push(c);
                } else {
                    return Err(fail(NAME_SYNTAX, i));
                }
            }
            Lex::AfterName => {
                if c.is_whitespace() {
                } else if c == '(' {
                    self.state = Lex::Open;
                } else if c == '"' {
                    self.state = Lex::Quoted { paren: false };
                } else {
                    self.cur.push(c);
                    self.state = Lex::Arg { paren: false };
                }
            }
            Lex::Open | Lex::OpenComma => {
                if c.is_whitespace() {
                } else if c == '"' {
                    self.state = Lex::Quoted { paren: true };
                } else if c == ',' {
                    self.push_arg();
                    self.state = Lex::OpenComma;
                } else if c == ')' {
                    if self.state == Lex::OpenComma {
                        self.push_arg();
                    }
                    return Ok(true);
                } else {
                    self.cur.push(c);
                    self.state = Lex::Arg { paren: true };
                }
            }
            Lex::Arg { paren: true } => {
                if c.is_whitespace() {
                    self.push_arg();
                    self.state = Lex::AfterArg { paren: true };
                } else if c == ')' {
                    self.push_arg();
                    return Ok(true);
                } else if c == ',' {
                    self.push_arg();
                    self.state = Lex::OpenComma;
                } else {
                    self.cur.push(c);
                }
            }
            Lex::Arg { paren: false } => {
                if c.is_whitespace() {
                    self.push_arg();
                    self.state = Lex::AfterArg { paren: false };
                } else {
                    self.cur.push(c);
                }
            }
            Lex::Quoted { paren } | Lex::Backslash { paren } | Lex::Backslash2 { paren } => {
                self.feed_quoted(paren, c);
            }
            Lex::AfterArg { paren: true } => {
                if c.is_whitespace() {
                } else if c == ',' {
                    self.state = Lex::OpenComma;
                } else if c == ')' {
                    return Ok(true);
                } else {
                    return Err(fail(PAREN_OR_COMMA, i));
                }
            }
            Lex::AfterArg { paren: false } => {
                if c.is_whitespace() {
                } else if c == '"' {
                    self.state = Lex::Quoted { paren: false };
                } else {
                    self.cur.push(c);
                    self.state = Lex::Arg { paren: false };
                }
            }
        }
        Ok(false)
    }
}

/// One action from the start of `s`; returns it and the bytes it used.
fn parse_one(s: &str) -> Result<(Option<Call>, usize), SyntaxError> {
    let mut lx = Lexer {
        state: Lex::Ground,
        name: String::new(),
        args: Vec::new(),
        cur: String::new(),
    };
    for (i, c) in s.char_indices() {
        if lx.feed(i, c)? {
            return Ok((
                Some(Call {
                    name: lx.name,
                    args: lx.args,
                }),
                i + 1,
            ));
        }
    }
    match lx.state {
        Lex::Ground | Lex::Comment => return Ok((None, s.len())),
        Lex::Name | Lex::AfterName | Lex::AfterArg { paren: false } => {}
        Lex::Arg { paren: false } => lx.push_arg(),
        Lex::Quoted { .. } | Lex::Backslash { .. } | Lex::Backslash2 { .. } => {
            return Err(fail(UNCLOSED, s.len()));
        }
        _ => return Err(fail(PAREN, s.len())),
    }
    Ok((
        Some(Call {
            name: lx.name,
            args: lx.args,
        }),
        s.len(),
    ))
}

/// Why a `String()` argument cannot be typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EscapeError(pub String);

impl fmt::Display for EscapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What `String()` types: characters and the keys its escapes name, or an EBCDIC byte
/// (`\eNN`), which only the engine can place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Typed {
    Key(Key),
    Ebcdic(u8),
}

/// Expands x3270's `String()` escapes: `\n` Enter, `\t` Tab, `\T` BackTab, `\b` Left,
/// `\f` Clear, `\r` Newline, `\pfNN` and `\paNN`, `\xNN` and `\uNNNN` (a Unicode
/// character), `\eNN` (an EBCDIC code), `\\`, octal `\NNN`; a backslash before anything else
/// stands for itself.
pub fn string_keys(text: &str) -> Result<Vec<Typed>, EscapeError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' {
            // Control characters typed as they are mean what their escapes mean.
            out.push(Typed::Key(match c {
                '\n' => Key::Aid(Aid::Enter),
                '\t' => Key::Tab,
                '\u{8}' => Key::Left,
                '\u{c}' => Key::Aid(Aid::Clear),
                '\r' => Key::NewLine,
                c => Key::Char(c),
            }));
            continue;
        }
        let Some(&e) = chars.get(i) else {
            out.push(Typed::Key(Key::Char('\\')));
            break;
        };
        i += 1;
        escape(&chars, &mut i, e, &mut out)?;
    }
    Ok(out)
}

/// Up to `max` hex digits from `from`: their value and how many there were.
fn hex_run(chars: &[char], from: usize, max: usize) -> (u32, usize) {
    let mut value = 0u32;
    let mut used = 0;
    while used < max {
        match chars.get(from + used).and_then(|c| c.to_digit(16)) {
            Some(d) => {
                value = value * 16 + d;
                used += 1;
            }
            None => break,
        }
    }
    (value, used)
}

/// One escape: `e` is the character after the backslash, `at` the position after `e`
/// (moved past what the escape takes).
fn escape(
    chars: &[char],
    at: &mut usize,
    e: char,
    out: &mut Vec<Typed>,
) -> Result<(), EscapeError> {
    let key = |k| Typed::Key(k);
    match e {
        'n' => out.push(key(Key::Aid(Aid::Enter))),
        't' => out.push(key(Key::Tab)),
        'T' => out.push(key(Key::BackTab)),
        'b' => out.push(key(Key::Left)),
        'f' => out.push(key(Key::Aid(Aid::Clear))),
        'r' => out.push(key(Key::NewLine)),
        '\\' => out.push(key(Key::Char('\\'))),
        'p' => {
            let kind = chars.get(*at).copied();
            let digits: String = chars[(*at + 1).min(chars.len())..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .take(2)
                .collect();
            let aid = match (kind, digits.parse::<u8>().ok()) {
                (Some('f'), Some(n)) if (1..=24).contains(&n) => Aid::Pf(n),
                (Some('a'), Some(n)) if (1..=3).contains(&n) => Aid::Pa(n),
                _ => {
                    return Err(EscapeError(
                        "String(): Unknown character after \\p".to_owned(),
                    ));
                }
            };
            *at += 1 + digits.len();
            out.push(key(Key::Aid(aid)));
        }
        'x' | 'u' | 'e' => {
            let (value, used) = hex_run(chars, *at, if e == 'u' { 6 } else { 4 });
            if used == 0 {
                return Err(EscapeError(format!(
                    "String(): Missing hex digits after \\{e}"
                )));
            }
            *at += used;
            if e == 'e' {
                out.push(Typed::Ebcdic((value & 0xff) as u8));
            } else {
                let c = char::from_u32(value)
                    .ok_or_else(|| EscapeError(format!("String(): Invalid \\{e} value")))?;
                out.push(key(Key::Char(c)));
            }
        }
        '0'..='7' => {
            let mut value = e.to_digit(8).unwrap_or(0);
            for _ in 0..2 {
                match chars.get(*at).and_then(|c| c.to_digit(8)) {
                    Some(d) => {
                        value = value * 8 + d;
                        *at += 1;
                    }
                    None => break,
                }
            }
            if let Some(c) = char::from_u32(value) {
                out.push(key(Key::Char(c)));
            }
        }
        other => {
            out.push(key(Key::Char('\\')));
            out.push(key(Key::Char(other)));
        }
    }
    Ok(())
}

/// The keys one action stands for, by its s3270 name, or `None` when the name is not a
/// key action (`Connect`, `Wait`, `Ascii`, ...). `String()` is expanded; `\eNN` codes are
/// left out (see [`string_keys`]).
pub fn action_keys(name: &str, args: &[String]) -> Option<Result<Vec<Key>, String>> {
    let lower = name.to_ascii_lowercase();
    let num = |what: &str, range: std::ops::RangeInclusive<u8>| {
        args.first()
            .and_then(|a| a.trim().parse::<u8>().ok())
            .filter(|n| range.contains(n))
            .ok_or_else(|| format!("{what}(): Invalid argument"))
    };
    let one = |k| Some(Ok(vec![k]));
    match lower.as_str() {
        "string" => Some(
            args.iter()
                .map(|a| string_keys(a))
                .collect::<Result<Vec<_>, _>>()
                .map(|v| {
                    v.into_iter()
                        .flatten()
                        .filter_map(|t| match t {
                            Typed::Key(k) => Some(k),
                            Typed::Ebcdic(_) => None,
                        })
                        .collect()
                })
                .map_err(|e| e.0),
        ),
        "pf" => Some(num("PF", 1..=24).map(|n| vec![Key::Aid(Aid::Pf(n))])),
        "pa" => Some(num("PA", 1..=3).map(|n| vec![Key::Aid(Aid::Pa(n))])),
        "key" => Some(
            args.iter()
                .map(|a| key_arg(a).ok_or_else(|| format!("Key(): Unknown keysym \"{a}\"")))
                .collect(),
        ),
        "movecursor" | "movecursor1" => {
            let base = u16::from(lower == "movecursor1");
            let nums: Vec<u16> = args.iter().filter_map(|a| a.trim().parse().ok()).collect();
            match nums.as_slice() {
                [r, c] if nums.len() == args.len() => Some(Ok(vec![Key::MoveCursor {
                    row: r.saturating_sub(base),
                    col: c.saturating_sub(base),
                }])),
                _ => Some(Err(format!("{name}(): Invalid argument"))),
            }
        }
        "deletefield" | "deleteword" => None,
        "toggleinsert" | "insert" => one(Key::Insert),
        "cursorselect" => one(Key::CursorSelect),
        other => other.parse::<Key>().ok().map(|k| Ok(vec![k])),
    }
}

/// What `Wait()` says when its keyword is missing or unknown.
pub const WAIT_KEYWORDS: &str = "Wait(): Parameter must be inputfield, nvtmode, 3270mode, output, seconds, disconnect or unlock";

/// A `Wait()`'s arguments as s3270 takes them (`[timeout,] keyword [args]`): the timeout,
/// if given, and the condition. `Output` comes back as `Until::Output { after: None }`: the
/// caller knows when its script last read the screen. The errors are s3270's words.
pub fn parse_wait(args: &[String]) -> Result<(Option<Duration>, Until), String> {
    let (timeout, rest) = match args.first().map(|a| a.trim().parse::<f64>()) {
        Some(Ok(t)) if t >= 0.0 && t.is_finite() => (Some(Duration::from_secs_f64(t)), &args[1..]),
        _ => (None, args),
    };
    let kw = rest.first().map(|s| s.to_ascii_lowercase());
    let n = |i: usize| rest.get(i).and_then(|a| a.trim().parse::<u16>().ok());
    let pos = |r: Option<u16>, c: Option<u16>| match (r, c) {
        (Some(r), Some(c)) if r >= 1 && c >= 1 => Ok((r - 1, c - 1)),
        _ => Err("Wait(): Invalid row or column".to_owned()),
    };
    let until = match kw.as_deref() {
        None | Some("inputfield") if rest.len() <= 1 => Until::InputField,
        Some("output") if rest.len() == 1 => Until::Output { after: None },
        Some("unlock") if rest.len() == 1 => Until::Unlock,
        Some("disconnect") if rest.len() == 1 => Until::Disconnect,
        Some("nvtmode" | "ansi") if rest.len() == 1 => Until::NvtMode,
        Some("3270mode" | "3270") if rest.len() == 1 => Until::Mode3270,
        Some("seconds") if rest.len() == 1 => match timeout {
            Some(t) if !t.is_zero() => Until::Seconds(t),
            _ => return Err(WAIT_KEYWORDS.to_owned()),
        },
        Some("cursorat") if rest.len() == 3 => {
            let (row, col) = pos(n(1), n(2))?;
            Until::CursorAt { row, col }
        }
        Some("inputfieldat") if rest.len() == 3 => {
            let (row, col) = pos(n(1), n(2))?;
            Until::InputFieldAt { row, col }
        }
        Some("stringat") if rest.len() == 4 => {
            let (row, col) = pos(n(1), n(2))?;
            Until::Text {
                text: rest[3].clone(),
                at: Some((row, col)),
            }
        }
        Some(k) if rest.len() > 1 && !matches!(k, "cursorat" | "inputfieldat" | "stringat") => {
            return Err("Too many arguments to Wait() or invalid timeout value".to_owned());
        }
        _ => return Err(WAIT_KEYWORDS.to_owned()),
    };
    Ok((timeout, until))
}

/// A `Key()` argument: a character, `U+NNNN`, `0xNN`, or an X keysym name for a symbol.
fn key_arg(a: &str) -> Option<Key> {
    let mut it = a.chars();
    if let (Some(c), None) = (it.next(), it.next()) {
        return Some(Key::Char(c));
    }
    let hex = a
        .strip_prefix("U+")
        .or_else(|| a.strip_prefix("u+"))
        .or_else(|| a.strip_prefix("0x"))
        .or_else(|| a.strip_prefix("0X"));
    if let Some(h) = hex {
        return u32::from_str_radix(h, 16)
            .ok()
            .and_then(char::from_u32)
            .map(Key::Char);
    }
    let c = match a {
        "space" => ' ',
        "exclam" => '!',
        "quotedbl" => '"',
        "numbersign" => '#',
        "dollar" => '$',
        "percent" => '%',
        "ampersand" => '&',
        "apostrophe" | "quoteright" => '\'',
        "parenleft" => '(',
        "parenright" => ')',
        "asterisk" => '*',
        "plus" => '+',
        "comma" => ',',
        "minus" => '-',
        "period" => '.',
        "slash" => '/',
        "colon" => ':',
        "semicolon" => ';',
        "less" => '<',
        "equal" => '=',
        "greater" => '>',
        "question" => '?',
        "at" => '@',
        "bracketleft" => '[',
        "backslash" => '\\',
        "bracketright" => ']',
        "underscore" => '_',
        "bar" => '|',
        "notsign" => '¬',
        "cent" => '¢',
        _ => return None,
    };
    Some(Key::Char(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[&str]) -> Call {
        Call {
            name: name.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    #[test]
    fn waits_parse_as_s3270_takes_them() {
        let w =
            |args: &[&str]| parse_wait(&args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>());
        assert_eq!(w(&[]), Ok((None, Until::InputField)));
        assert_eq!(
            w(&["2.5", "Unlock"]),
            Ok((Some(Duration::from_millis(2500)), Until::Unlock))
        );
        assert_eq!(w(&["output"]), Ok((None, Until::Output { after: None })));
        assert_eq!(
            w(&["3", "StringAt", "2", "5", "Main menu"]),
            Ok((
                Some(Duration::from_secs(3)),
                Until::Text {
                    text: "Main menu".to_owned(),
                    at: Some((1, 4))
                }
            ))
        );
        assert_eq!(
            w(&["2", "seconds"]),
            Ok((
                Some(Duration::from_secs(2)),
                Until::Seconds(Duration::from_secs(2))
            ))
        );
        assert_eq!(w(&["seconds"]), Err(WAIT_KEYWORDS.to_owned()));
        assert_eq!(w(&["soon"]), Err(WAIT_KEYWORDS.to_owned()));
        assert_eq!(
            w(&["CursorAt", "0", "1"]),
            Err("Wait(): Invalid row or column".to_owned())
        );
        assert_eq!(
            w(&["unlock", "x"]),
            Err("Too many arguments to Wait() or invalid timeout value".to_owned())
        );
    }

    #[test]
    fn both_forms_and_several_actions_on_a_line() {
        assert_eq!(parse_line("Enter").unwrap(), vec![call("Enter", &[])]);
        assert_eq!(parse_line("Enter()").unwrap(), vec![call("Enter", &[])]);
        assert_eq!(
            parse_line("Wait(5, InputField)").unwrap(),
            vec![call("Wait", &["5", "InputField"])]
        );
        assert_eq!(
            parse_line("wait 5 inputfield").unwrap(),
            vec![call("wait", &["5", "inputfield"])]
        );
        assert_eq!(
            parse_line("Ascii (0,0,10)").unwrap(),
            vec![call("Ascii", &["0", "0", "10"])]
        );
        assert_eq!(
            parse_line("String(\"x\") Tab").unwrap(),
            vec![call("String", &["x"]), call("Tab", &[])]
        );
        assert_eq!(parse_line("").unwrap(), vec![]);
        assert_eq!(parse_line("  # note").unwrap(), vec![]);
        assert_eq!(
            parse_line("MoveCursor(,)").unwrap(),
            vec![call("MoveCursor", &["", ""])]
        );
    }

    #[test]
    fn quotes_keep_escapes_for_the_action() {
        assert_eq!(
            parse_line(r#"String("a\nb\"c\\")"#).unwrap(),
            vec![call("String", &[r#"a\nb"c\"#])]
        );
        assert_eq!(
            parse_line(r#"String("a, b")"#).unwrap(),
            vec![call("String", &["a, b"])]
        );
    }

    #[test]
    fn syntax_errors_in_s3270s_words() {
        assert_eq!(
            parse_line("Enter(").unwrap_err().to_string(),
            "Syntax error: \")\" expected at column 7"
        );
        assert_eq!(
            parse_line("String(\"abc").unwrap_err().to_string(),
            "Syntax error: unclosed \" at column 12"
        );
        assert!(
            parse_line("(x)")
                .unwrap_err()
                .to_string()
                .starts_with("Action name must begin with an alphanumeric character")
        );
    }

    #[test]
    fn string_escapes() {
        let keys = string_keys(r"a\tb\n\pf3\pa2\x41\u00e9\e5b\\\101\T\b\f\r\q").unwrap();
        let c = |c| Typed::Key(Key::Char(c));
        assert_eq!(
            keys,
            vec![
                c('a'),
                Typed::Key(Key::Tab),
                c('b'),
                Typed::Key(Key::Aid(Aid::Enter)),
                Typed::Key(Key::Aid(Aid::Pf(3))),
                Typed::Key(Key::Aid(Aid::Pa(2))),
                c('A'),
                c('é'),
                Typed::Ebcdic(0x5b),
                c('\\'),
                c('A'),
                Typed::Key(Key::BackTab),
                Typed::Key(Key::Left),
                Typed::Key(Key::Aid(Aid::Clear)),
                Typed::Key(Key::NewLine),
                c('\\'),
                c('q'),
            ]
        );
        assert!(string_keys(r"\pf99").is_err());
    }

    #[test]
    fn action_names_to_keys() {
        let k = |n: &str, a: &[&str]| {
            action_keys(n, &a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
        };
        assert_eq!(k("PF", &["3"]), Some(Ok(vec![Key::Aid(Aid::Pf(3))])));
        assert_eq!(k("enter", &[]), Some(Ok(vec![Key::Aid(Aid::Enter)])));
        assert_eq!(
            k("MoveCursor1", &["1", "1"]),
            Some(Ok(vec![Key::MoveCursor { row: 0, col: 0 }]))
        );
        assert_eq!(k("Key", &["U+0041"]), Some(Ok(vec![Key::Char('A')])));
        assert_eq!(k("Key", &["space"]), Some(Ok(vec![Key::Char(' ')])));
        assert_eq!(k("Connect", &["x"]), None);
        assert!(matches!(k("PF", &["30"]), Some(Err(_))));
    }
}
