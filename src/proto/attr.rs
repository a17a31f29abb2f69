//! Field attributes and extended attributes (IBM GA23-0059, "Field Attributes" and
//! "Extended Field and Character Attributes").
//!
//! A field attribute (FA) occupies one screen position, shows as a blank, and governs the
//! cells after it up to the next FA. Extended attributes (colour, highlighting, character set,
//! outlining, transparency, validation) come either for a whole field (Start Field Extended,
//! Modify Field, stored on the FA cell) or for single characters (Set Attribute, stored on the
//! character cell). Values are kept as the raw spec bytes so nothing the host sends is lost;
//! the accessors interpret them.

/// A 3270 field attribute byte, reduced to its six meaningful bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct FieldAttr(u8);

impl FieldAttr {
    /// Bit 2: the field is protected (operator cannot type in it).
    pub const PROTECTED: u8 = 0x20;
    /// Bit 3: numeric-only input (with PROTECTED: autoskip).
    pub const NUMERIC: u8 = 0x10;
    /// Bits 4-5: display / selector-pen detectable.
    pub const DISPLAY_MASK: u8 = 0x0C;
    /// Bits 4-5 = 11: non-display (passwords).
    pub const NON_DISPLAY: u8 = 0x0C;
    /// Bits 4-5 = 10: intensified, detectable.
    pub const INTENSIFIED: u8 = 0x08;
    /// Bits 4-5 = 01: normal, detectable.
    pub const DETECTABLE: u8 = 0x04;
    /// Bit 7: modified data tag.
    pub const MDT: u8 = 0x01;

    /// An attribute from the byte a host sent (the two high "graphic" bits are ignored).
    pub const fn from_byte(b: u8) -> Self {
        FieldAttr(b & 0x3F)
    }

    /// The six significant bits.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// The attribute as a terminal sends it in inbound data (translated to a graphic byte).
    pub const fn wire_byte(self) -> u8 {
        crate::proto::addr::CODE_TABLE[(self.0 & 0x3F) as usize]
    }

    pub const fn is_protected(self) -> bool {
        self.0 & Self::PROTECTED != 0
    }

    pub const fn is_numeric(self) -> bool {
        self.0 & Self::NUMERIC != 0
    }

    /// Protected and numeric together mean the cursor skips the field.
    pub const fn is_autoskip(self) -> bool {
        self.0 & (Self::PROTECTED | Self::NUMERIC) == (Self::PROTECTED | Self::NUMERIC)
    }

    pub const fn is_non_display(self) -> bool {
        self.0 & Self::DISPLAY_MASK == Self::NON_DISPLAY
    }

    pub const fn is_intensified(self) -> bool {
        self.0 & Self::DISPLAY_MASK == Self::INTENSIFIED
    }

    /// Selector-pen detectable (normal-detectable or intensified).
    pub const fn is_detectable(self) -> bool {
        matches!(
            self.0 & Self::DISPLAY_MASK,
            Self::DETECTABLE | Self::INTENSIFIED
        )
    }

    pub const fn is_modified(self) -> bool {
        self.0 & Self::MDT != 0
    }

    #[must_use]
    pub const fn with_mdt(self, on: bool) -> Self {
        if on {
            FieldAttr(self.0 | Self::MDT)
        } else {
            FieldAttr(self.0 & !Self::MDT)
        }
    }
}

/// Extended attribute type codes used by SFE, MF and SA (GA23-0059 "Attribute Types").
pub mod xa {
    /// The 3270 field attribute itself, inside SFE/MF.
    pub const FIELD: u8 = 0xC0;
    /// Field validation (mandatory fill / mandatory entry / trigger).
    pub const VALIDATION: u8 = 0xC1;
    /// Field outlining.
    pub const OUTLINING: u8 = 0xC2;
    /// Extended highlighting.
    pub const HIGHLIGHTING: u8 = 0x41;
    /// Foreground colour.
    pub const FOREGROUND: u8 = 0x42;
    /// Character set (GE / programmed symbols).
    pub const CHARSET: u8 = 0x43;
    /// Background colour.
    pub const BACKGROUND: u8 = 0x45;
    /// Transparency.
    pub const TRANSPARENCY: u8 = 0x46;
    /// Set Attribute with type 0 resets every character attribute.
    pub const ALL: u8 = 0x00;
}

/// The extended attributes of a cell or a field, as raw spec bytes (0 = default / inherit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct ExtAttrs {
    pub fg: u8,
    pub bg: u8,
    pub highlight: u8,
    pub charset: u8,
    pub outline: u8,
    pub transparency: u8,
    pub validation: u8,
}

impl ExtAttrs {
    pub const DEFAULT: ExtAttrs = ExtAttrs {
        fg: 0,
        bg: 0,
        highlight: 0,
        charset: 0,
        outline: 0,
        transparency: 0,
        validation: 0,
    };

    /// Whether every attribute is the default.
    pub fn is_default(&self) -> bool {
        *self == Self::DEFAULT
    }

    /// Set one attribute from a type/value pair. Returns false for a type this terminal does
    /// not know (the caller decides whether that is an error).
    pub fn set(&mut self, kind: u8, value: u8) -> bool {
        match kind {
            xa::ALL => *self = Self::DEFAULT,
            xa::FOREGROUND => self.fg = value,
            xa::BACKGROUND => self.bg = value,
            xa::HIGHLIGHTING => self.highlight = value,
            xa::CHARSET => self.charset = value,
            xa::OUTLINING => self.outline = value,
            xa::TRANSPARENCY => self.transparency = value,
            xa::VALIDATION => self.validation = value,
            _ => return false,
        }
        true
    }

    /// The value of one attribute type (for Read Buffer in extended modes).
    pub fn get(&self, kind: u8) -> u8 {
        match kind {
            xa::FOREGROUND => self.fg,
            xa::BACKGROUND => self.bg,
            xa::HIGHLIGHTING => self.highlight,
            xa::CHARSET => self.charset,
            xa::OUTLINING => self.outline,
            xa::TRANSPARENCY => self.transparency,
            xa::VALIDATION => self.validation,
            _ => 0,
        }
    }

    pub fn color(&self) -> Option<Color> {
        Color::from_byte(self.fg)
    }

    pub fn background(&self) -> Option<Color> {
        Color::from_byte(self.bg)
    }

    pub fn highlighting(&self) -> Highlight {
        Highlight::from_byte(self.highlight)
    }

    /// Mandatory fill: the field must be full or empty when an AID is pressed.
    pub fn mandatory_fill(&self) -> bool {
        self.validation & 0x04 != 0
    }

    /// Mandatory entry: the field must be modified before an AID is accepted.
    pub fn mandatory_entry(&self) -> bool {
        self.validation & 0x02 != 0
    }

    /// Trigger field: leaving it sends a Trigger AID (rarely used; recorded only).
    pub fn trigger(&self) -> bool {
        self.validation & 0x01 != 0
    }
}

/// The sixteen 3270 extended colours (GA23-0059 "Color Identifications").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Color {
    NeutralBlack,
    Blue,
    Red,
    Pink,
    Green,
    Turquoise,
    Yellow,
    NeutralWhite,
    Black,
    DeepBlue,
    Orange,
    Purple,
    PaleGreen,
    PaleTurquoise,
    Grey,
    White,
}

impl Color {
    /// The colour a value 0xF0..=0xFF names; `None` for the default (0x00) or anything else.
    pub const fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0xF0 => Color::NeutralBlack,
            0xF1 => Color::Blue,
            0xF2 => Color::Red,
            0xF3 => Color::Pink,
            0xF4 => Color::Green,
            0xF5 => Color::Turquoise,
            0xF6 => Color::Yellow,
            0xF7 => Color::NeutralWhite,
            0xF8 => Color::Black,
            0xF9 => Color::DeepBlue,
            0xFA => Color::Orange,
            0xFB => Color::Purple,
            0xFC => Color::PaleGreen,
            0xFD => Color::PaleTurquoise,
            0xFE => Color::Grey,
            0xFF => Color::White,
            _ => return None,
        })
    }

    /// The byte the host uses for this colour.
    pub const fn byte(self) -> u8 {
        0xF0 + self as u8
    }
}

/// Extended highlighting (GA23-0059 "Extended Highlighting").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Highlight {
    #[default]
    Default,
    Normal,
    Blink,
    Reverse,
    Underscore,
    Intensify,
}

impl Highlight {
    pub const fn from_byte(b: u8) -> Self {
        match b {
            0xF0 => Highlight::Normal,
            0xF1 => Highlight::Blink,
            0xF2 => Highlight::Reverse,
            0xF4 => Highlight::Underscore,
            0xF8 => Highlight::Intensify,
            _ => Highlight::Default,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_bits() {
        let a = FieldAttr::from_byte(0xF0); // protected, numeric: autoskip
        assert!(a.is_protected() && a.is_numeric() && a.is_autoskip());
        assert!(!a.is_modified());
        let p = FieldAttr::from_byte(0x4D); // unprotected, non-display, MDT
        assert!(p.is_non_display() && p.is_modified() && !p.is_protected());
        assert!(!p.with_mdt(false).is_modified());
        let h = FieldAttr::from_byte(0xE8); // protected intensified
        assert!(h.is_intensified() && h.is_detectable() && !h.is_numeric());
        assert_eq!(FieldAttr::from_byte(0x60).wire_byte(), 0x60);
        assert_eq!(FieldAttr::from_byte(0x00).wire_byte(), 0x40);
    }

    #[test]
    fn colours_and_highlights() {
        for b in 0xF0..=0xFF {
            assert_eq!(Color::from_byte(b).map(Color::byte), Some(b));
        }
        assert_eq!(Color::from_byte(0), None);
        assert_eq!(Highlight::from_byte(0xF2), Highlight::Reverse);
        let mut x = ExtAttrs::default();
        assert!(x.set(xa::FOREGROUND, 0xF2));
        assert!(!x.set(0x99, 1));
        assert_eq!(x.color(), Some(Color::Red));
        assert!(x.set(xa::ALL, 0));
        assert!(x.is_default());
    }
}
