//! Terminal models and the terminal configuration a session emulates.
//!
//! A 3278/3279 model number fixes the alternate screen size (model 2: 24x80, 3: 32x80,
//! 4: 43x80, 5: 27x132); the default size is always 24x80. `-E` marks the extended data
//! stream (Query, SFE, colours). `IBM-DYNAMIC` asks the host to take the size from the Query
//! Reply, which is how oversize screens (up to 62x160 here) are reached (RFC 1576, RFC 2355).

use std::fmt;
use std::str::FromStr;

use crate::proto::addr::Dimensions;
use crate::proto::codepage::CodePage;

/// A 3278 (monochrome) or 3279 (colour) display model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Model {
    /// Model number 2-5.
    pub number: u8,
    /// 3279 (colour) rather than 3278.
    pub color: bool,
    /// Extended data stream (the `-E` suffix).
    pub extended: bool,
}

impl Default for Model {
    /// The model s3270 users expect when they name none for an interactive session:
    /// a 3279 model 2 with the extended data stream.
    fn default() -> Self {
        Model {
            number: 2,
            color: true,
            extended: true,
        }
    }
}

impl Model {
    /// The model's alternate screen size.
    pub const fn alternate_dims(self) -> Dimensions {
        match self.number {
            3 => Dimensions::new(32, 80),
            4 => Dimensions::new(43, 80),
            5 => Dimensions::new(27, 132),
            _ => Dimensions::MODEL_2,
        }
    }

    /// The terminal type sent in TERMINAL-TYPE / DEVICE-TYPE, e.g. `IBM-3279-2-E`.
    pub fn terminal_type(self) -> String {
        format!(
            "IBM-{}-{}{}",
            if self.color { 3279 } else { 3278 },
            self.number,
            if self.extended { "-E" } else { "" }
        )
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}{}",
            if self.color { 3279 } else { 3278 },
            self.number,
            if self.extended { "-E" } else { "" }
        )
    }
}

/// A model name that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown model `{0}` (expected 2-5, 3278-N, 3279-N, optionally with -E)")]
pub struct UnknownModel(pub String);

impl FromStr for Model {
    type Err = UnknownModel;

    /// Accepts `2`..`5`, `3278-4`, `3279-2-E`, `IBM-3279-4-E` (case-insensitive). A bare
    /// number means a 3279 with the extended data stream, as x3270 does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || UnknownModel(s.to_owned());
        let up = s.trim().to_ascii_uppercase();
        let rest = up.strip_prefix("IBM-").unwrap_or(&up);
        let parts: Vec<&str> = rest.split('-').collect();
        let num = |p: &str| p.parse::<u8>().ok().filter(|n| (2..=5).contains(n));
        match parts.as_slice() {
            [n] => Ok(Model {
                number: num(n).ok_or_else(err)?,
                color: true,
                extended: true,
            }),
            [kind, n] | [kind, n, "E"] => {
                let color = match *kind {
                    "3279" => true,
                    "3278" => false,
                    _ => return Err(err()),
                };
                Ok(Model {
                    number: num(n).ok_or_else(err)?,
                    color,
                    extended: parts.len() == 3,
                })
            }
            _ => Err(err()),
        }
    }
}

/// Everything about the terminal a session emulates, fixed for the life of a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TerminalConfig {
    pub model: Model,
    /// An oversize screen (rows x cols); implies terminal type `IBM-DYNAMIC`.
    pub oversize: Option<Dimensions>,
    /// An exact terminal type to send instead of the model's (x3270 `-tn`).
    pub terminal_type: Option<String>,
    /// LU / device name to ask for (`LU@host`).
    pub lu: Option<String>,
    /// Whether to accept TN3270E when the host offers it.
    pub tn3270e: bool,
    /// The host code page.
    pub code_page: CodePage,
    /// NEW-ENVIRON USER, when the host asks for it.
    pub user: Option<String>,
    /// NEW-ENVIRON DEVNAME (RFC 4777), when the host asks for it. Trailing `=` signs are
    /// replaced by a counter that goes up with every request (x3270's `foo===` habit).
    pub devname: Option<String>,
    /// NEW-ENVIRON IBMAPPLID, when the host asks for it (x3270 sends `None` when unset).
    pub applid: Option<String>,
    /// Whether to accept STARTTLS (telnet option 46) when the host offers it.
    pub starttls: bool,
    /// TN3270E functions to request (RFC 2355 codes); x3270's default set if `None`.
    pub tn3270e_functions: Option<Vec<u8>>,
}

impl Default for TerminalConfig {
    fn default() -> Self {
        TerminalConfig {
            model: Model::default(),
            oversize: None,
            terminal_type: None,
            lu: None,
            tn3270e: true,
            code_page: CodePage::default(),
            user: None,
            devname: None,
            applid: None,
            starttls: true,
            tn3270e_functions: None,
        }
    }
}

impl TerminalConfig {
    /// The screen size used by Erase/Write Alternate: the oversize if one is set and it is
    /// at least as large as the model's, else the model's alternate size.
    pub fn alternate_dims(&self) -> Dimensions {
        match self.oversize {
            Some(d) if d.is_valid() => d,
            _ => self.model.alternate_dims(),
        }
    }

    /// The terminal type to announce.
    pub fn terminal_type(&self) -> String {
        if let Some(t) = &self.terminal_type {
            return t.clone();
        }
        if self.oversize.is_some() {
            return "IBM-DYNAMIC".to_owned();
        }
        self.model.terminal_type()
    }

    /// Whether the terminal type is one RFC 2355 names (IBM-3278/3279-n[-E], IBM-DYNAMIC).
    /// A custom `--tn` name cannot be a TN3270E device type, so TN3270E is refused then, as
    /// x3270 does.
    pub fn tn3270e_device_type_is_standard(&self) -> bool {
        let t = self.terminal_type();
        t == "IBM-DYNAMIC" || t.parse::<Model>().is_ok()
    }

    /// Whether the extended data stream is in use (Query, SFE, SA, colours).
    pub fn extended(&self) -> bool {
        self.model.extended || self.oversize.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_parse_and_print() {
        let m: Model = "3279-4-E".parse().unwrap();
        assert_eq!(m.alternate_dims(), Dimensions::new(43, 80));
        assert_eq!(m.terminal_type(), "IBM-3279-4-E");
        assert_eq!(
            "3278-2".parse::<Model>().unwrap().terminal_type(),
            "IBM-3278-2"
        );
        assert_eq!(
            "5".parse::<Model>().unwrap().alternate_dims(),
            Dimensions::new(27, 132)
        );
        assert_eq!(
            "ibm-3278-3-e".parse::<Model>().unwrap().to_string(),
            "3278-3-E"
        );
        assert!("3277-2".parse::<Model>().is_err());
        assert!("6".parse::<Model>().is_err());
    }

    #[test]
    fn oversize_means_dynamic() {
        let cfg = TerminalConfig {
            oversize: Some(Dimensions::new(62, 160)),
            ..TerminalConfig::default()
        };
        assert_eq!(cfg.terminal_type(), "IBM-DYNAMIC");
        assert_eq!(cfg.alternate_dims(), Dimensions::new(62, 160));
    }
}
