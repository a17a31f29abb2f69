//! One cell as the screen hands it out ([`Cell`]), and how the screen stores extended
//! attributes: packed into one word per cell ([`PackedExt`]), unpacked for editing through
//! [`ExtMut`]. Owns no screen state; [`Screen`](super::Screen) keeps the arrays.

use super::{FLAG_FA, FLAG_GE, NULL};
use crate::proto::attr::{ExtAttrs, FieldAttr, xa};

/// One screen position, as [`Screen::cell`](super::Screen::cell) and
/// [`Screen::cells`](super::Screen::cells) hand it out. The screen
/// itself keeps the parts of a cell in separate arrays (see [`Screen`](super::Screen)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cell {
    pub(super) flags: u8,
    /// Extended attributes: of the character (from SA), or of the field when this is an FA.
    pub ext: ExtAttrs,
    pub(super) byte: u8,
}

impl Cell {
    /// A field attribute cell.
    pub const fn field_attr(fa: FieldAttr, ext: ExtAttrs) -> Self {
        Cell {
            byte: fa.bits(),
            flags: FLAG_FA,
            ext,
        }
    }

    /// A character cell; `ge` marks a Graphic Escape (alternate character set) character.
    pub const fn character(byte: u8, ge: bool, ext: ExtAttrs) -> Self {
        Cell {
            byte,
            flags: ge_flag(ge),
            ext,
        }
    }

    /// Whether this position holds a field attribute.
    pub const fn is_field_attr(&self) -> bool {
        self.flags & FLAG_FA != 0
    }

    /// The field attribute, if this position holds one.
    pub const fn attr(&self) -> Option<FieldAttr> {
        if self.is_field_attr() {
            Some(FieldAttr::from_byte(self.byte))
        } else {
            None
        }
    }

    /// The EBCDIC character (meaningless for FA cells, which read as [`NULL`]).
    pub const fn byte(&self) -> u8 {
        if self.is_field_attr() {
            NULL
        } else {
            self.byte
        }
    }

    /// Whether the character came from Graphic Escape.
    pub const fn is_ge(&self) -> bool {
        self.flags & FLAG_GE != 0
    }
}

pub(super) const fn ge_flag(ge: bool) -> u8 {
    if ge { FLAG_GE } else { 0 }
}

/// The seven extended-attribute bytes of a cell packed into one word, as the screen stores
/// them: filling a run of cells is then one 8-byte store per cell (which the compiler turns
/// into vector stores), where the 7-byte struct took three stores per cell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PackedExt(pub(super) u64);

impl PackedExt {
    /// Set one attribute from a type/value pair, exactly as [`ExtAttrs::set`] does (type 0
    /// resets them all, unknown types are ignored). Start Field Extended decodes its pairs
    /// with this straight into the stored form, which saves unpacking and repacking the
    /// seven bytes for each of the many fields of a full-screen write.
    ///
    /// A table lookup and masks rather than a `match`: the types of consecutive pairs
    /// differ (colour, then highlight, ...), and the indirect jump of a `match` was
    /// mispredicted often enough to be a large part of applying an SFE.
    pub fn set(&mut self, kind: u8, value: u8) {
        if kind == xa::ALL {
            *self = PackedExt::default();
            return;
        }
        let slot = EXT_SLOT[usize::from(kind)];
        // An unknown type (slot 7, the unused byte) changes nothing: its mask is empty.
        let mask = if slot < 7 { 0xFF << (slot * 8) } else { 0 };
        self.0 = (self.0 & !mask) | ((u64::from(value) << (slot * 8)) & mask);
    }

    /// The attributes as a struct.
    pub const fn get(self) -> ExtAttrs {
        self.unpack()
    }

    pub(super) const fn pack(e: ExtAttrs) -> Self {
        PackedExt(u64::from_le_bytes([
            e.fg,
            e.bg,
            e.highlight,
            e.charset,
            e.outline,
            e.transparency,
            e.validation,
            0,
        ]))
    }

    pub(super) const fn unpack(self) -> ExtAttrs {
        let [
            fg,
            bg,
            highlight,
            charset,
            outline,
            transparency,
            validation,
            _,
        ] = self.0.to_le_bytes();
        ExtAttrs {
            fg,
            bg,
            highlight,
            charset,
            outline,
            transparency,
            validation,
        }
    }
}

/// For each attribute type, its byte in [`PackedExt`] (7 for the types it does not hold).
pub(super) const EXT_SLOT: [u8; 256] = {
    let mut t = [7; 256];
    t[xa::FOREGROUND as usize] = 0;
    t[xa::BACKGROUND as usize] = 1;
    t[xa::HIGHLIGHTING as usize] = 2;
    t[xa::CHARSET as usize] = 3;
    t[xa::OUTLINING as usize] = 4;
    t[xa::TRANSPARENCY as usize] = 5;
    t[xa::VALIDATION as usize] = 6;
    t
};

/// Mutable access to one cell's extended attributes ([`Screen::ext_mut`](super::Screen::ext_mut)): the screen stores
/// them packed, so this holds an unpacked copy and stores it back when dropped.
#[derive(Debug)]
pub struct ExtMut<'a> {
    pub(super) slot: &'a mut PackedExt,
    pub(super) ext: ExtAttrs,
}

impl std::ops::Deref for ExtMut<'_> {
    type Target = ExtAttrs;
    fn deref(&self) -> &ExtAttrs {
        &self.ext
    }
}

impl std::ops::DerefMut for ExtMut<'_> {
    fn deref_mut(&mut self) -> &mut ExtAttrs {
        &mut self.ext
    }
}

impl Drop for ExtMut<'_> {
    fn drop(&mut self) {
        *self.slot = PackedExt::pack(self.ext);
    }
}
