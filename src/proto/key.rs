//! Operator keys and attention identifiers (AIDs).
//!
//! [`Key`] is the domain vocabulary of everything an operator can press on a 3270 keyboard;
//! front ends (TUI keymaps, macros, the headless client) translate their input into it.
//! [`Aid`] is the subset that sends data to the host, with the AID byte of GA23-0059
//! "Attention Identification (AID) Characters".

use std::fmt;
use std::str::FromStr;

/// An attention identifier: the key that made the terminal send an inbound record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Aid {
    /// Enter (0x7D).
    Enter,
    /// Program Function keys 1-24.
    Pf(u8),
    /// Program Attention keys 1-3 (short read: no data is sent).
    Pa(u8),
    /// Clear (0x6D): erases the screen locally, then a short read.
    Clear,
    /// System Request / Test Request (0xF0) when not sent as a TN3270E SYSREQ.
    SysReq,
    /// Cursor Select on a detectable field (selector pen attention, 0x7E).
    SelectorPen,
    /// No AID (0x60), used in Read Buffer replies to a host read with nothing pressed.
    NoAid,
    /// Structured field (0x88), used for Query Replies.
    StructuredField,
}

impl Aid {
    /// The AID byte.
    pub const fn code(self) -> u8 {
        const PF: [u8; 24] = [
            0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0x7A, 0x7B, 0x7C, 0xC1, 0xC2,
            0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0x4A, 0x4B, 0x4C,
        ];
        match self {
            Aid::Enter => 0x7D,
            Aid::Pf(n) if n >= 1 && n <= 24 => PF[(n - 1) as usize],
            Aid::Pa(1) => 0x6C,
            Aid::Pa(2) => 0x6E,
            Aid::Pa(3) => 0x6B,
            Aid::Clear => 0x6D,
            Aid::SysReq => 0xF0,
            Aid::SelectorPen => 0x7E,
            Aid::StructuredField => 0x88,
            Aid::NoAid | Aid::Pf(_) | Aid::Pa(_) => 0x60,
        }
    }

    /// Whether this AID sends only the AID byte (PA keys, Clear): the "short read".
    pub const fn is_short_read(self) -> bool {
        matches!(self, Aid::Pa(_) | Aid::Clear)
    }

    /// Whether the AID is valid (PF 1-24, PA 1-3).
    pub const fn is_valid(self) -> bool {
        match self {
            Aid::Pf(n) => n >= 1 && n <= 24,
            Aid::Pa(n) => n >= 1 && n <= 3,
            _ => true,
        }
    }
}

impl fmt::Display for Aid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Aid::Enter => f.write_str("Enter"),
            Aid::Pf(n) => write!(f, "PF{n}"),
            Aid::Pa(n) => write!(f, "PA{n}"),
            Aid::Clear => f.write_str("Clear"),
            Aid::SysReq => f.write_str("SysReq"),
            Aid::SelectorPen => f.write_str("CursorSelect"),
            Aid::NoAid => f.write_str("NoAID"),
            Aid::StructuredField => f.write_str("StructuredField"),
        }
    }
}

/// Every key of a 3270 keyboard (and a few that emulators add).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// A printable character, typed at the cursor under field rules.
    Char(char),
    /// An AID key (Enter, PFn, PAn, Clear, SysReq).
    Aid(Aid),
    /// Attention: telnet IP (or BREAK), no data stream.
    Attn,
    /// Reset: unlocks an operator-error lock and leaves insert mode.
    Reset,
    Tab,
    BackTab,
    Home,
    /// New Line: first unprotected position of a following line.
    NewLine,
    EraseEof,
    EraseInput,
    /// Toggle insert mode.
    Insert,
    Delete,
    /// Backspace as a 3270 does it: move left within the field (x3270's BackSpace).
    Backspace,
    /// Erase: move left and delete (the "Erase" key, x3270's Erase action).
    Erase,
    Dup,
    FieldMark,
    Up,
    Down,
    Left,
    Right,
    /// Move two positions left/right (fast cursor keys).
    Left2,
    Right2,
    /// Move to the first/last non-blank of the current field.
    FieldEnd,
    /// Cursor Select (light pen) at the cursor.
    CursorSelect,
    /// Move the cursor to an absolute row and column (mouse click, scripts).
    MoveCursor {
        row: u16,
        col: u16,
    },
}

/// A key name that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown key `{0}`")]
pub struct UnknownKey(pub String);

impl FromStr for Aid {
    type Err = UnknownKey;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let l = s.to_ascii_lowercase();
        let num = |p: &str| l.strip_prefix(p).and_then(|n| n.parse::<u8>().ok());
        let aid = match l.as_str() {
            "enter" => Aid::Enter,
            "clear" => Aid::Clear,
            "sysreq" => Aid::SysReq,
            _ => {
                if let Some(n) = num("pf").filter(|n| (1..=24).contains(n)) {
                    Aid::Pf(n)
                } else if let Some(n) = num("pa").filter(|n| (1..=3).contains(n)) {
                    Aid::Pa(n)
                } else {
                    return Err(UnknownKey(s.to_owned()));
                }
            }
        };
        Ok(aid)
    }
}

impl FromStr for Key {
    type Err = UnknownKey;

    /// Key names as x3270 actions spell them (case-insensitive): `Enter`, `PF3`, `PA1`,
    /// `Tab`, `BackTab`, `EraseEOF`, `BackSpace`, ... .
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(aid) = s.parse::<Aid>() {
            return Ok(Key::Aid(aid));
        }
        let k = match s.to_ascii_lowercase().as_str() {
            "attn" => Key::Attn,
            "reset" => Key::Reset,
            "tab" => Key::Tab,
            "backtab" => Key::BackTab,
            "home" => Key::Home,
            "newline" => Key::NewLine,
            "eraseeof" => Key::EraseEof,
            "eraseinput" => Key::EraseInput,
            "insert" | "toggleinsert" => Key::Insert,
            "delete" => Key::Delete,
            "backspace" => Key::Backspace,
            "erase" => Key::Erase,
            "dup" => Key::Dup,
            "fieldmark" => Key::FieldMark,
            "up" => Key::Up,
            "down" => Key::Down,
            "left" => Key::Left,
            "right" => Key::Right,
            "left2" => Key::Left2,
            "right2" => Key::Right2,
            "fieldend" => Key::FieldEnd,
            "cursorselect" => Key::CursorSelect,
            _ => return Err(UnknownKey(s.to_owned())),
        };
        Ok(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aid_codes() {
        assert_eq!(Aid::Enter.code(), 0x7D);
        assert_eq!(Aid::Pf(1).code(), 0xF1);
        assert_eq!(Aid::Pf(12).code(), 0x7C);
        assert_eq!(Aid::Pf(13).code(), 0xC1);
        assert_eq!(Aid::Pf(24).code(), 0x4C);
        assert_eq!(Aid::Pa(1).code(), 0x6C);
        assert_eq!(Aid::Pa(2).code(), 0x6E);
        assert_eq!(Aid::Pa(3).code(), 0x6B);
        assert_eq!(Aid::Clear.code(), 0x6D);
        assert!(Aid::Clear.is_short_read() && !Aid::Enter.is_short_read());
        assert!(!Aid::Pf(25).is_valid());
    }

    #[test]
    fn names_parse() {
        assert_eq!("pf13".parse::<Key>(), Ok(Key::Aid(Aid::Pf(13))));
        assert_eq!("EraseEOF".parse::<Key>(), Ok(Key::EraseEof));
        assert!("pf25".parse::<Key>().is_err());
        assert!("pa4".parse::<Key>().is_err());
    }
}
