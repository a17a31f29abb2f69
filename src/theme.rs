//! Themes: the colours of the 3270 screen and of r3270's own chrome.
//!
//! A theme maps the four base-colour field kinds of a 3279 (protected / unprotected ×
//! normal / intensified), the sixteen extended colours of GA23-0059 and the UI chrome (tab
//! bar, OIA, panes, borders, selection, overlays) to terminal colours. Colours are written
//! as `#rrggbb`, an xterm palette index (`ansi:208` or `208`), or a name (`red`,
//! `lightblue`, `default`, ...). A theme file sets any subset of keys; the rest come from
//! the built-in default (which looks like a 3279), so a theme can be three lines.
//!
//! Terminals differ in how many colours they show: [`ColorDepth::detect`] reads
//! `COLORTERM` and `TERM`, and [`Theme::adapted`] maps every RGB colour to the nearest of
//! the 256 or 16 the terminal has. Parsing and fitting are here; reading files from
//! `themes/` and the config dir belongs to the config loader.

use std::fmt;
use std::str::FromStr;

use ratatui::style::Color;

use crate::proto::attr::Color as HostColor;

/// A colour as a theme writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThemeColor(pub Color);

const NAMES: &[(&str, Color)] = &[
    ("default", Color::Reset),
    ("reset", Color::Reset),
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("grey", Color::Gray),
    ("darkgray", Color::DarkGray),
    ("darkgrey", Color::DarkGray),
    ("lightred", Color::LightRed),
    ("lightgreen", Color::LightGreen),
    ("lightyellow", Color::LightYellow),
    ("lightblue", Color::LightBlue),
    ("lightmagenta", Color::LightMagenta),
    ("lightcyan", Color::LightCyan),
    ("white", Color::White),
];

/// A colour that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a colour: use #rrggbb, a palette index 0-255 (ansi:N), or one of default, \
     black, red, green, yellow, blue, magenta, cyan, gray, darkgray, lightred, lightgreen, \
     lightyellow, lightblue, lightmagenta, lightcyan, white"
)]
pub struct ColorError(pub String);

impl FromStr for ThemeColor {
    type Err = ColorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let bad = || ColorError(s.to_owned());
        if let Some(hex) = t.strip_prefix('#') {
            if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            let v = u32::from_str_radix(hex, 16).map_err(|_| bad())?;
            return Ok(ThemeColor(Color::Rgb(
                (v >> 16) as u8,
                (v >> 8) as u8,
                v as u8,
            )));
        }
        let index = t.strip_prefix("ansi:").unwrap_or(&t);
        if index.bytes().all(|b| b.is_ascii_digit()) && !index.is_empty() {
            return index
                .parse::<u8>()
                .map(|i| ThemeColor(Color::Indexed(i)))
                .map_err(|_| bad());
        }
        NAMES
            .iter()
            .find(|(n, _)| *n == t.replace(['-', '_', ' '], ""))
            .map(|(_, c)| ThemeColor(*c))
            .ok_or_else(bad)
    }
}

impl fmt::Display for ThemeColor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Color::Rgb(r, g, b) => write!(f, "#{r:02x}{g:02x}{b:02x}"),
            Color::Indexed(i) => write!(f, "ansi:{i}"),
            c => {
                let name = NAMES
                    .iter()
                    .find(|(_, n)| *n == c)
                    .map_or("default", |(n, _)| *n);
                f.write_str(name)
            }
        }
    }
}

impl serde::Serialize for ThemeColor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ThemeColor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// How many colours the terminal shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorDepth {
    Ansi16,
    Ansi256,
    TrueColor,
}

impl ColorDepth {
    /// From `COLORTERM` (truecolor/24bit) and `TERM` (`*-256color`), as terminals advertise.
    pub fn detect() -> Self {
        let colorterm = std::env::var("COLORTERM").unwrap_or_default();
        let term = std::env::var("TERM").unwrap_or_default();
        Self::from_env(&colorterm, &term)
    }

    /// The decision of [`ColorDepth::detect`] on given values.
    pub fn from_env(colorterm: &str, term: &str) -> Self {
        let ct = colorterm.to_ascii_lowercase();
        if ct.contains("truecolor") || ct.contains("24bit") || term.contains("direct") {
            ColorDepth::TrueColor
        } else if term.contains("256") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }
}

macro_rules! theme_struct {
    ($( $(#[$doc:meta])* $field:ident = $default:expr ),* $(,)?) => {
        /// Every colour a theme sets. Missing keys in a theme file take the default's.
        #[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
        pub struct Theme {
            /// The theme's name (its file name when loaded from a file).
            #[serde(skip_serializing_if = "String::is_empty")]
            pub name: String,
            $( $(#[$doc])* pub $field: ThemeColor, )*
        }

        impl Default for Theme {
            fn default() -> Self {
                let c = |s: &str| s.parse::<ThemeColor>().unwrap_or(ThemeColor(Color::Reset));
                Theme { name: String::new(), $( $field: c($default), )* }
            }
        }

        impl Theme {
            /// Every colour key of a theme, in file order (for docs and validation).
            pub const KEYS: &[&str] = &[ $( stringify!($field), )* ];

            /// Maps every colour to what a terminal of `depth` can show.
            pub fn adapted(&self, depth: ColorDepth) -> Theme {
                Theme { name: self.name.clone(), $( $field: fit(self.$field, depth), )* }
            }
        }
    };
}

theme_struct! {
    /// The screen's background.
    background = "black",
    /// Base colour mode (no extended colour): protected, normal intensity.
    protected_normal = "#5c9bff",
    /// Protected, intensified.
    protected_intensified = "#ffffff",
    /// Unprotected, normal intensity.
    unprotected_normal = "#40e040",
    /// Unprotected, intensified.
    unprotected_intensified = "#ff4040",
    /// Extended colours (the sixteen of GA23-0059).
    neutral_black = "black",
    blue = "#5c9bff",
    red = "#ff4040",
    pink = "#ff70ff",
    green = "#40e040",
    turquoise = "#40e0e0",
    yellow = "#ffff40",
    neutral_white = "#ffffff",
    black = "black",
    deep_blue = "#4060ff",
    orange = "#ffa040",
    purple = "#b060ff",
    pale_green = "#a0ffa0",
    pale_turquoise = "#a0ffff",
    grey = "#a0a0a0",
    white = "#ffffff",
    /// The cursor's crosshair lines.
    crosshair = "#404040",
    /// Field outlining lines.
    outline = "#a0a0a0",
    /// The operator information area (status line).
    oia_fg = "#5c9bff",
    oia_bg = "black",
    /// OIA warnings: keyboard locked, certificate not verified, disconnected.
    oia_warning = "#ffff40",
    oia_error = "#ff4040",
    /// The tab bar.
    tab_fg = "gray",
    tab_bg = "#202020",
    tab_active_fg = "black",
    tab_active_bg = "#5c9bff",
    /// A background tab's badge (alarm, unlocked, disconnected, error).
    tab_badge = "#ffff40",
    /// Pane borders and titles.
    border = "#5c9bff",
    /// Selected text (mouse selection, picker rows).
    selection_fg = "black",
    selection_bg = "#a0a0a0",
    /// Overlays: help, command palette, pickers, confirmations.
    overlay_fg = "white",
    overlay_bg = "#202040",
    overlay_highlight = "#ffff40",
}

impl Theme {
    /// The colour the theme gives a host colour.
    pub fn host(&self, c: HostColor) -> Color {
        let t = match c {
            HostColor::NeutralBlack => self.neutral_black,
            HostColor::Blue => self.blue,
            HostColor::Red => self.red,
            HostColor::Pink => self.pink,
            HostColor::Green => self.green,
            HostColor::Turquoise => self.turquoise,
            HostColor::Yellow => self.yellow,
            HostColor::NeutralWhite => self.neutral_white,
            HostColor::Black => self.black,
            HostColor::DeepBlue => self.deep_blue,
            HostColor::Orange => self.orange,
            HostColor::Purple => self.purple,
            HostColor::PaleGreen => self.pale_green,
            HostColor::PaleTurquoise => self.pale_turquoise,
            HostColor::Grey => self.grey,
            HostColor::White => self.white,
        };
        t.0
    }

    /// The base colour of a field with no extended colour.
    pub fn base(&self, protected: bool, intensified: bool) -> Color {
        match (protected, intensified) {
            (true, false) => self.protected_normal.0,
            (true, true) => self.protected_intensified.0,
            (false, false) => self.unprotected_normal.0,
            (false, true) => self.unprotected_intensified.0,
        }
    }
}

/// The 16 ANSI colours as xterm shows them by default.
const ANSI16: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

fn ansi16(i: u8) -> Color {
    const C: [Color; 16] = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    C[usize::from(i & 15)]
}

/// The RGB value of a palette index in xterm's 256-colour palette.
fn palette_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[usize::from(i)],
        16..=231 => {
            let v = i - 16;
            let level = |x: u8| if x == 0 { 0 } else { 55 + 40 * x };
            (level(v / 36), level((v / 6) % 6), level(v % 6))
        }
        _ => {
            let g = 8 + 10 * (i - 232);
            (g, g, g)
        }
    }
}

fn dist(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs().pow(2);
    // Weighted for the eye: green differences matter most, blue least.
    3 * d(a.0, b.0) + 4 * d(a.1, b.1) + 2 * d(a.2, b.2)
}

fn nearest(rgb: (u8, u8, u8), range: std::ops::RangeInclusive<u8>) -> u8 {
    range
        .min_by_key(|i| dist(rgb, palette_rgb(*i)))
        .unwrap_or(0)
}

/// A colour as a terminal of `depth` can show it.
fn fit(c: ThemeColor, depth: ColorDepth) -> ThemeColor {
    ThemeColor(match (c.0, depth) {
        (Color::Rgb(r, g, b), ColorDepth::Ansi256) => Color::Indexed(nearest((r, g, b), 16..=255)),
        (Color::Rgb(r, g, b), ColorDepth::Ansi16) => ansi16(nearest((r, g, b), 0..=15)),
        (Color::Indexed(i), ColorDepth::Ansi16) if i >= 16 => {
            ansi16(nearest(palette_rgb(i), 0..=15))
        }
        (other, _) => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_and_print() {
        for (text, canon) in [
            ("#FF8000", "#ff8000"),
            ("ansi:208", "ansi:208"),
            ("208", "ansi:208"),
            ("Light-Blue", "lightblue"),
            ("default", "default"),
        ] {
            let c: ThemeColor = text.parse().unwrap();
            assert_eq!(c.to_string(), canon);
        }
        for bad in ["#12345", "#gg0000", "ansi:256", "chartreuse", ""] {
            assert!(bad.parse::<ThemeColor>().is_err(), "{bad}");
        }
    }

    #[test]
    fn depth_detection() {
        assert_eq!(
            ColorDepth::from_env("truecolor", "xterm"),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::from_env("", "tmux-256color"),
            ColorDepth::Ansi256
        );
        assert_eq!(ColorDepth::from_env("", "xterm"), ColorDepth::Ansi16);
    }

    #[test]
    fn adapting_picks_near_colours() {
        let t = Theme::default();
        let a16 = t.adapted(ColorDepth::Ansi16);
        assert_eq!(a16.unprotected_normal.0, Color::Green);
        assert_eq!(a16.red.0, Color::LightRed);
        assert_eq!(a16.neutral_white.0, Color::White);
        let a256 = t.adapted(ColorDepth::Ansi256);
        assert!(matches!(a256.orange.0, Color::Indexed(i) if i >= 16));
        assert_eq!(t.adapted(ColorDepth::TrueColor), t);
    }

    #[test]
    fn a_partial_theme_takes_the_defaults() {
        let t: Theme = toml::from_str("background = \"#000020\"\nred = \"ansi:9\"").unwrap();
        assert_eq!(t.background.0, Color::Rgb(0, 0, 0x20));
        assert_eq!(t.red.0, Color::Indexed(9));
        assert_eq!(t.green, Theme::default().green);
        let err = toml::from_str::<Theme>("bleu = \"red\"").unwrap_err();
        assert!(err.to_string().contains("unknown field `bleu`"), "{err}");
        // The derived defaults must all parse (none fell back to Reset by mistake).
        assert_ne!(Theme::default().blue.0, Color::Reset);
    }
}
