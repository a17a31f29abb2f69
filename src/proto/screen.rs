//! The 3270 presentation space: cells, the field map, the cursor and the two screen sizes.
//!
//! The screen owns no protocol knowledge: [`ds::apply`](super::ds) writes into it and the
//! [`keyboard`](super::keyboard) edits it. It keeps a per-cell index of the governing field
//! attribute so that "which field is this address in" is O(1); the index is rebuilt after
//! anything that adds or removes field attributes, and a linear scan answers while it is
//! stale, so a lookup is always right.

use crate::proto::addr::{BufferAddr, Dimensions, Position};
use crate::proto::attr::FieldAttr;
use crate::proto::codepage::CodePage;

/// EBCDIC null: shown as a blank, not sent in Read Modified.
pub const NULL: u8 = 0x00;
/// EBCDIC space.
pub const SPACE: u8 = 0x40;
/// The DUP control character (shown as an asterisk).
pub const DUP: u8 = 0x1C;
/// The Field Mark control character (shown as a semicolon).
pub const FM: u8 = 0x1E;

const FLAG_FA: u8 = 0x01;
const FLAG_GE: u8 = 0x02;
const NO_FIELD: u16 = u16::MAX;

mod cell;
mod field;
mod store;
#[cfg(test)]
mod tests;

pub use cell::{Cell, ExtMut, PackedExt};
pub use field::Field;

/// The presentation space.
///
/// The cells are stored as a structure of arrays (characters, flags, packed extended
/// attributes; all the same length) rather than an array of [`Cell`]s: a run of text is then
/// a copy into `chars` and two fills, an erase a few memsets, and the field index is rebuilt
/// from a scan of the one-byte flags. With one array of 9-byte cells each text cell took five
/// stores, which made storing text the largest part of a full-screen write.
#[derive(Clone, Debug)]
pub struct Screen {
    default_dims: Dimensions,
    alternate_dims: Dimensions,
    dims: Dimensions,
    alternate: bool,
    /// The character of each cell; for an FA cell, the field attribute bits.
    chars: Vec<u8>,
    /// `FLAG_FA` / `FLAG_GE` of each cell.
    flags: Vec<u8>,
    /// The extended attributes of each cell.
    ext: Vec<PackedExt>,
    cursor: BufferAddr,
    /// For each cell, the address of the governing FA (or [`NO_FIELD`]).
    field_of: Vec<u16>,
    /// Addresses of every FA, ascending.
    attrs: Vec<u16>,
    /// Whether `attrs` lists every FA even though the index is stale. Field attributes
    /// stored in ascending order after an erase (every Erase/Write) are appended as they
    /// come, so the rebuild after the write needs no scan for them; anything that removes
    /// an FA or adds one out of order clears this. Always true when the index is fresh.
    attrs_known: bool,
    /// Whether every cell with other than default extended attributes is an FA cell (as
    /// after an Erase/Write whose text has no SA attributes). Then, while `attrs_known`,
    /// an erase clears the attributes of the listed FA cells only. Storing attributes in a
    /// character cell clears this; moving cells (scrolling) keeps it true.
    ext_only_at_fa: bool,
    index_stale: bool,
    /// Every cell from this index on is blank (NULL, no flags, default attributes), as an
    /// erase leaves it. A full-screen write stores each cell once, in ascending order, into
    /// blank cells: knowing they are blank lets a text run skip the attribute fill and the
    /// test for overwritten field attributes (see `write_chars`), and lets the next erase
    /// clear only the cells before it. Every store raises it past the cell it writes.
    clean_from: usize,
}

impl Screen {
    /// A blank screen in its default size. `alternate` is the model's alternate size (for a
    /// model 2 the same as the default).
    pub fn new(default: Dimensions, alternate: Dimensions) -> Self {
        let mut s = Screen {
            default_dims: default,
            alternate_dims: alternate,
            dims: default,
            alternate: false,
            chars: Vec::new(),
            flags: Vec::new(),
            ext: Vec::new(),
            cursor: BufferAddr::ZERO,
            field_of: Vec::new(),
            attrs: Vec::new(),
            attrs_known: true,
            ext_only_at_fa: true,
            index_stale: false,
            clean_from: 0,
        };
        s.erase(false);
        s
    }

    /// The current size.
    pub fn dims(&self) -> Dimensions {
        self.dims
    }

    pub fn default_dims(&self) -> Dimensions {
        self.default_dims
    }

    pub fn alternate_dims(&self) -> Dimensions {
        self.alternate_dims
    }

    /// Whether the alternate size is in use.
    pub fn is_alternate(&self) -> bool {
        self.alternate
    }

    /// Change the two sizes (a BIND-IMAGE may do that). Takes effect at the next erase.
    pub fn set_sizes(&mut self, default: Dimensions, alternate: Dimensions) {
        if default.is_valid() {
            self.default_dims = default;
        }
        if alternate.is_valid() {
            self.alternate_dims = alternate;
        }
    }

    /// Erase everything, switch to the default or alternate size, home the cursor
    /// (Erase/Write, Erase/Write Alternate, Clear).
    pub fn erase(&mut self, use_alternate: bool) {
        self.alternate = use_alternate;
        self.dims = if use_alternate {
            self.alternate_dims
        } else {
            self.default_dims
        };
        let n = self.dims.cells();
        if self.len() == n {
            // Same size: only the cells before `clean_from` can be other than blank.
            let dirty = ..self.clean_from.min(n);
            self.chars[dirty].fill(NULL);
            self.flags[dirty].fill(0);
            if self.attrs_known && self.ext_only_at_fa {
                // Only the FA cells, all listed, can have attributes: clear just those
                // rather than 8 bytes for every cell (most of an erase after a write).
                for &a in &self.attrs {
                    if let Some(e) = self.ext.get_mut(usize::from(a)) {
                        *e = PackedExt::default();
                    }
                }
            } else {
                self.ext[dirty].fill(PackedExt::default());
            }
        } else {
            self.chars.clear();
            self.chars.resize(n, NULL);
            self.flags.clear();
            self.flags.resize(n, 0);
            self.ext.clear();
            self.ext.resize(n, PackedExt::default());
        }
        self.clean_from = 0;
        // A fresh index of a screen without attributes maps every cell to NO_FIELD already;
        // only reset it when it may hold something else.
        if self.index_stale || !self.attrs.is_empty() || self.field_of.len() != n {
            self.field_of.clear();
            self.field_of.resize(n, NO_FIELD);
        }
        self.attrs.clear();
        self.attrs_known = true;
        self.ext_only_at_fa = true;
        self.index_stale = false;
        self.cursor = BufferAddr::ZERO;
    }

    /// Scroll the whole screen up one row, blanking the last (NVT and SSCP-LU output).
    pub fn scroll_up(&mut self) {
        let cols = usize::from(self.dims.cols);
        let n = self.dims.cells();
        if self.chars.len() >= cols {
            self.chars.drain(..cols);
            self.chars.resize(n, NULL);
            self.flags.drain(..cols);
            self.flags.resize(n, 0);
            self.ext.drain(..cols);
            self.ext.resize(n, PackedExt::default());
            // The blank cells moved up a row with the rest, and the new last row is blank.
            self.clean_from = self.clean_from.saturating_sub(cols);
            self.index_stale = true;
            self.attrs_known = false;
        }
    }

    /// The number of cells (`rows * cols` of the current size).
    fn len(&self) -> usize {
        self.chars.len()
    }

    /// The cell at index `i` (which must be in range).
    fn cell_at(&self, i: usize) -> Cell {
        Cell {
            flags: self.flags[i],
            ext: self.ext[i].unpack(),
            byte: self.chars[i],
        }
    }

    fn is_fa_at(&self, i: usize) -> bool {
        self.flags.get(i).is_some_and(|&f| f & FLAG_FA != 0)
    }

    /// All cells, row by row (built by value: the screen does not store [`Cell`]s).
    pub fn cells(&self) -> impl DoubleEndedIterator<Item = Cell> + ExactSizeIterator + '_ {
        (0..self.len()).map(|i| self.cell_at(i))
    }

    /// One cell. Addresses come from this screen, so they are in range; an address from a
    /// screen of another size reads as a blank cell rather than panicking.
    pub fn cell(&self, addr: BufferAddr) -> Cell {
        // One `get` per array rather than a length test and three indexings: the arrays
        // have the same length, but the compiler cannot know it, and this is the accessor
        // every reader (Read Modified, rendering, the keyboard) goes through.
        let i = addr.index();
        match (self.chars.get(i), self.flags.get(i), self.ext.get(i)) {
            (Some(&byte), Some(&flags), Some(ext)) => Cell {
                flags,
                ext: ext.unpack(),
                byte,
            },
            _ => Cell::default(),
        }
    }

    pub fn cursor(&self) -> BufferAddr {
        self.cursor
    }

    pub fn cursor_position(&self) -> Position {
        self.cursor.position(self.dims)
    }

    /// Move the cursor (ignored if the address is not on this screen).
    pub fn set_cursor(&mut self, addr: BufferAddr) {
        if addr.index() < self.len() {
            self.cursor = addr;
        }
    }

    /// The character an operator sees at `addr`: blank for attributes, nulls, controls and
    /// non-display fields; `*` for DUP and `;` for Field Mark; otherwise the code page's
    /// character. This is the text s3270's `Ascii()` prints.
    pub fn display_char(&self, addr: BufferAddr, cp: CodePage) -> char {
        let cell = self.cell(addr);
        if cell.is_field_attr() {
            return ' ';
        }
        if self.field_at(addr).is_some_and(|f| f.attr.is_non_display()) {
            return ' ';
        }
        display_byte(cell.byte(), cell.is_ge(), cp)
    }

    /// The screen as text, one `String` a row, as s3270's `Ascii()` shows it.
    pub fn text_rows(&self, cp: CodePage) -> Vec<String> {
        let cols = usize::from(self.dims.cols);
        let mut rows = Vec::with_capacity(usize::from(self.dims.rows));
        let mut hidden = false;
        // Walk the buffer once, tracking whether the current field is non-display; cells
        // before the first attribute belong to the last field (the buffer wraps).
        if let Some(last) = self.cells().rev().find(Cell::is_field_attr) {
            hidden = last.attr().is_some_and(FieldAttr::is_non_display);
        }
        let mut line = String::with_capacity(cols);
        for (i, cell) in self.cells().enumerate() {
            let ch = if let Some(fa) = cell.attr() {
                hidden = fa.is_non_display();
                ' '
            } else if hidden {
                ' '
            } else {
                display_byte(cell.byte(), cell.is_ge(), cp)
            };
            line.push(ch);
            if (i + 1) % cols == 0 {
                rows.push(std::mem::replace(&mut line, String::with_capacity(cols)));
            }
        }
        rows
    }
}

/// The visible form of one EBCDIC byte.
pub fn display_byte(byte: u8, ge: bool, cp: CodePage) -> char {
    match byte {
        DUP if !ge => '*',
        FM if !ge => ';',
        // SUB and EO (eight ones) have glyphs of their own on a 3270, as in x3270.
        0x3F if !ge => '■',
        0xFF if !ge => '●',
        0x00..=0x3F => ' ',
        b if ge => crate::proto::ge::to_unicode(b),
        b => cp.to_unicode(b),
    }
}
