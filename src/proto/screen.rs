//! The 3270 presentation space: cells, the field map, the cursor and the two screen sizes.
//!
//! The screen owns no protocol knowledge: [`ds::apply`](super::ds) writes into it and the
//! [`keyboard`](super::keyboard) edits it. It keeps a per-cell index of the governing field
//! attribute so that "which field is this address in" is O(1); the index is rebuilt after
//! anything that adds or removes field attributes, and a linear scan answers while it is
//! stale, so a lookup is always right.

use crate::proto::addr::{BufferAddr, Dimensions, Position};
use crate::proto::attr::{ExtAttrs, FieldAttr, xa};
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

/// One screen position, as [`Screen::cell`] and [`Screen::cells`] hand it out. The screen
/// itself keeps the parts of a cell in separate arrays (see [`Screen`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cell {
    flags: u8,
    /// Extended attributes: of the character (from SA), or of the field when this is an FA.
    pub ext: ExtAttrs,
    byte: u8,
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

const fn ge_flag(ge: bool) -> u8 {
    if ge { FLAG_GE } else { 0 }
}

/// The seven extended-attribute bytes of a cell packed into one word, as the screen stores
/// them: filling a run of cells is then one 8-byte store per cell (which the compiler turns
/// into vector stores), where the 7-byte struct took three stores per cell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PackedExt(u64);

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

    const fn pack(e: ExtAttrs) -> Self {
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

    const fn unpack(self) -> ExtAttrs {
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

/// Fill `index[range]` with `v` eight entries (one 16-byte store) at a time; the last block
/// may run past the end of the range. [`Screen::rebuild_fields`] fills the fields in
/// ascending order, so whatever runs over is filled again by the next field; with ~20-cell
/// fields, an exact `fill` spent most of its time on the odd entries at the end.
fn fill_ahead(index: &mut [u16], range: std::ops::Range<usize>, v: u16) {
    let mut i = range.start;
    while i < range.end {
        if let Some(block) = index.get_mut(i..i + 8) {
            block.copy_from_slice(&[v; 8]);
        } else {
            // Near the end of the index: no room for a whole block.
            if let Some(rest) = index.get_mut(i..range.end) {
                rest.fill(v);
            }
            return;
        }
        i += 8;
    }
}

/// For each attribute type, its byte in [`PackedExt`] (7 for the types it does not hold).
const EXT_SLOT: [u8; 256] = {
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

/// Mutable access to one cell's extended attributes ([`Screen::ext_mut`]): the screen stores
/// them packed, so this holds an unpacked copy and stores it back when dropped.
#[derive(Debug)]
pub struct ExtMut<'a> {
    slot: &'a mut PackedExt,
    ext: ExtAttrs,
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

/// Append the index of every cell whose flags have `FLAG_FA` to `out`, ascending.
///
/// Eight flag bytes are tested at a time (a field attribute is rare: a few per row), and
/// each word with hits yields them by its set bits, which makes the scan behind
/// [`Screen::rebuild_fields`] a fraction of a byte-by-byte one.
fn field_attr_positions(flags: &[u8], out: &mut Vec<u16>) {
    const FA_BITS: u64 = u64::from_ne_bytes([FLAG_FA; 8]);
    let to_u16 = |i: usize| u16::try_from(i).unwrap_or(NO_FIELD);
    let mut words = flags.chunks_exact(8);
    let mut base = 0;
    for word in &mut words {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        let mut hits = u64::from_le_bytes(w) & FA_BITS;
        while hits != 0 {
            // The lowest set bit belongs to the first byte (in little-endian order) with
            // the flag; clear it and go on to the next.
            out.push(to_u16(base + (hits.trailing_zeros() / 8) as usize));
            hits &= hits - 1;
        }
        base += 8;
    }
    for (i, &f) in words.remainder().iter().enumerate() {
        if f & FLAG_FA != 0 {
            out.push(to_u16(base + i));
        }
    }
}

/// The OR of all `flags`: every flag that any of the cells has.
///
/// Text runs are short (a field's worth), so rather than a search that stops at the first
/// FA this ORs eight bytes at a time into one word and folds it at the end: a few
/// instructions for a typical run, where a byte loop took one iteration per cell.
fn or_flags(flags: &[u8]) -> u8 {
    let mut words = flags.chunks_exact(8);
    let mut acc = 0u64;
    for word in &mut words {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        acc |= u64::from_le_bytes(w);
    }
    acc |= acc >> 32;
    acc |= acc >> 16;
    acc |= acc >> 8;
    words.remainder().iter().fold(acc as u8, |a, &f| a | f)
}

/// Whether any of `flags` has `FLAG_FA`.
fn any_field_attr(flags: &[u8]) -> bool {
    or_flags(flags) & FLAG_FA != 0
}

/// A field: its attribute position, attribute, extended attributes, and the data positions it
/// governs (from the cell after the attribute up to the next attribute).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub attr_addr: BufferAddr,
    pub attr: FieldAttr,
    pub ext: ExtAttrs,
    /// Number of data positions (0 when two attributes are adjacent).
    pub len: usize,
}

impl Field {
    /// The first data position.
    pub fn start(&self, dims: Dimensions) -> BufferAddr {
        self.attr_addr.next(dims)
    }

    /// Whether `addr` is one of this field's data positions.
    pub fn contains(&self, addr: BufferAddr, dims: Dimensions) -> bool {
        let d = self.attr_addr.distance_to(addr, dims);
        d >= 1 && d <= self.len
    }

    /// The data positions, in order (wrapping at the end of the buffer).
    pub fn positions(&self, dims: Dimensions) -> impl Iterator<Item = BufferAddr> + use<> {
        let start = self.attr_addr;
        (1..=self.len).map(move |i| start.offset(isize::try_from(i).unwrap_or(0), dims))
    }
}

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

    /// Store a field attribute.
    pub fn set_field_attr(&mut self, addr: BufferAddr, fa: FieldAttr, ext: ExtAttrs) {
        self.set_field_attr_packed(addr, fa, PackedExt::pack(ext));
    }

    /// Store a field attribute whose extended attributes are already packed (Start Field
    /// Extended, see [`PackedExt::set`]).
    #[inline]
    pub fn set_field_attr_packed(&mut self, addr: BufferAddr, fa: FieldAttr, ext: PackedExt) {
        let i = addr.index();
        if i < self.len() {
            // Keep `attrs` exact while it is cheap to: an FA replacing an FA changes nothing,
            // one after the last known FA (a write's fields come in ascending order) is
            // appended; anything else leaves the rebuild to find them. A cell at or after
            // `clean_from` is blank, so its flags need no look.
            if self.attrs_known && (i >= self.clean_from || self.flags[i] & FLAG_FA == 0) {
                match u16::try_from(i) {
                    Ok(a) if self.attrs.last().is_none_or(|&last| last < a) => self.attrs.push(a),
                    _ => self.attrs_known = false,
                }
            }
            self.chars[i] = fa.bits();
            self.flags[i] = FLAG_FA;
            self.ext[i] = ext;
            self.mark_written(i + 1);
            self.index_stale = true;
        }
    }

    /// Store a character, replacing whatever was there (an FA overwritten by data is gone).
    pub fn set_char(&mut self, addr: BufferAddr, byte: u8, ge: bool, ext: ExtAttrs) {
        let i = addr.index();
        if i < self.len() {
            if self.flags[i] & FLAG_FA != 0 {
                self.index_stale = true;
                self.attrs_known = false;
            }
            if ext != ExtAttrs::DEFAULT {
                self.ext_only_at_fa = false;
            }
            self.chars[i] = byte;
            self.flags[i] = ge_flag(ge);
            self.ext[i] = PackedExt::pack(ext);
            self.mark_written(i + 1);
        }
    }

    /// Store a run of characters from `addr` on, wrapping from the last cell to the first,
    /// and return the address after the last one. The result is exactly that of
    /// [`Screen::set_char`] and [`BufferAddr::next`] once per byte; doing it a contiguous
    /// stretch at a time makes it a copy and two fills (text is most of every full-screen
    /// write).
    // Inlined into the write loop for the fast path; the general case is out of line.
    #[inline]
    pub fn write_chars(
        &mut self,
        addr: BufferAddr,
        bytes: &[u8],
        ge: bool,
        ext: ExtAttrs,
    ) -> BufferAddr {
        let i = addr.index();
        let end = i + bytes.len();
        // The common case, plain characters with default attributes into blank cells (an
        // Erase/Write) in a run that stops short of the end of the buffer: only the
        // characters need storing. Taking it before the general walk below keeps the fixed
        // cost of a run small, and the runs of a formatted screen are short (~20 bytes).
        if !ge && ext == ExtAttrs::DEFAULT && i >= self.clean_from && end < self.len() {
            self.chars[i..end].copy_from_slice(bytes);
            self.clean_from = end;
            return BufferAddr::new(end, self.dims).unwrap_or(BufferAddr::ZERO);
        }
        self.write_chars_general(addr, bytes, ge, ext)
    }

    /// [`Screen::write_chars`] in every case.
    fn write_chars_general(
        &mut self,
        addr: BufferAddr,
        bytes: &[u8],
        ge: bool,
        ext: ExtAttrs,
    ) -> BufferAddr {
        let flag = ge_flag(ge);
        let ext = PackedExt::pack(ext);
        self.store_runs(addr, bytes.len(), |s, range, done| {
            s.chars[range.clone()].copy_from_slice(&bytes[done..done + range.len()]);
            s.store_flags_and_ext(range, flag, ext)
        })
    }

    /// Store `count` copies of one character from `addr` on (Repeat to Address), wrapping,
    /// and return the address after the last one; see [`Screen::write_chars`].
    pub fn fill_chars(
        &mut self,
        addr: BufferAddr,
        count: usize,
        byte: u8,
        ge: bool,
        ext: ExtAttrs,
    ) -> BufferAddr {
        let flag = ge_flag(ge);
        let ext = PackedExt::pack(ext);
        self.store_runs(addr, count, |s, range, _| {
            s.chars[range.clone()].fill(byte);
            s.store_flags_and_ext(range, flag, ext)
        })
    }

    /// Record that cells before `end` may no longer be blank.
    fn mark_written(&mut self, end: usize) {
        self.clean_from = self.clean_from.max(end);
    }

    /// Whether every cell of `range` is blank (see `clean_from`).
    fn is_blank(&self, range: &std::ops::Range<usize>) -> bool {
        range.start >= self.clean_from
    }

    /// Set the flags and attributes of the characters stored in `range`; returns whether a
    /// field attribute was overwritten.
    ///
    /// Nearly all text is plain characters with default attributes written into blank
    /// cells (an Erase/Write fills an erased screen), and then there is nothing to store
    /// and no attribute to look for: skipping both saves most of the per-run work. Else,
    /// cells with no flags to clear and no GE flag to set skip the flag fill.
    fn store_flags_and_ext(
        &mut self,
        range: std::ops::Range<usize>,
        flag: u8,
        ext: PackedExt,
    ) -> bool {
        let old_flags = if self.is_blank(&range) {
            0
        } else {
            or_flags(&self.flags[range.clone()])
        };
        if old_flags != 0 || flag != 0 {
            self.flags[range.clone()].fill(flag);
        }
        if ext != PackedExt::default() || !self.is_blank(&range) {
            self.ext[range].fill(ext);
        }
        if ext != PackedExt::default() {
            self.ext_only_at_fa = false;
        }
        old_flags & FLAG_FA != 0
    }

    /// The walk behind [`Screen::write_chars`] and [`Screen::fill_chars`]: hands `store`
    /// each contiguous range of the `len` cells from `addr` on (splitting where the buffer
    /// wraps) with the number of cells already stored; `store` says whether it overwrote a
    /// field attribute, which marks the index stale. Returns the address after the last cell.
    fn store_runs(
        &mut self,
        addr: BufferAddr,
        mut len: usize,
        mut store: impl FnMut(&mut Self, std::ops::Range<usize>, usize) -> bool,
    ) -> BufferAddr {
        let n = self.len();
        let mut i = addr.index();
        let mut done = 0;
        if len == 0 {
            return addr;
        }
        if i >= n {
            // Only an address from a screen of another size gets here: `set_char` ignores
            // the first byte and `next` wraps to 0, so do the same.
            if n == 0 {
                return BufferAddr::ZERO;
            }
            done = 1;
            len -= 1;
            i = 0;
        }
        let mut overwrote_attr = false;
        while len > 0 {
            // The contiguous stretch up to the end of the buffer; `i < n`, so it is in range.
            let chunk = len.min(n - i);
            overwrote_attr |= store(self, i..i + chunk, done);
            self.mark_written(i + chunk);
            done += chunk;
            len -= chunk;
            i += chunk;
            if i == n {
                i = 0;
            }
        }
        if overwrote_attr {
            // As in `set_char`: data over an FA removes that field.
            self.index_stale = true;
            self.attrs_known = false;
        }
        BufferAddr::new(i, self.dims).unwrap_or(BufferAddr::ZERO)
    }

    /// Replace only the character of a non-FA cell, keeping its character attributes (what
    /// the keyboard does when an operator types).
    pub fn set_byte_keep_attrs(&mut self, addr: BufferAddr, byte: u8, ge: bool) {
        let i = addr.index();
        if i < self.len() && !self.is_fa_at(i) {
            self.chars[i] = byte;
            self.flags[i] = ge_flag(ge);
            self.mark_written(i + 1);
        }
    }

    /// Mutable access to a cell's extended attributes (Modify Field, Set Attribute); the
    /// change is stored when the returned guard is dropped.
    pub fn ext_mut(&mut self, addr: BufferAddr) -> Option<ExtMut<'_>> {
        if addr.index() < self.len() {
            self.mark_written(addr.index() + 1);
        }
        // The caller may store attributes in a character cell.
        self.ext_only_at_fa = false;
        self.ext.get_mut(addr.index()).map(|slot| ExtMut {
            ext: slot.unpack(),
            slot,
        })
    }

    /// Replace the attribute of an existing FA cell (Modify Field, MDT changes).
    pub fn replace_attr(&mut self, addr: BufferAddr, fa: FieldAttr) {
        let i = addr.index();
        if self.is_fa_at(i) {
            self.chars[i] = fa.bits();
            self.mark_written(i + 1);
        }
    }

    /// Whether any field attribute is on the screen.
    pub fn is_formatted(&self) -> bool {
        if self.index_stale {
            any_field_attr(&self.flags)
        } else {
            !self.attrs.is_empty()
        }
    }

    /// Rebuild the field index. Call after a batch of changes to field attributes; lookups
    /// stay correct (but slower) until then.
    pub fn rebuild_fields(&mut self) {
        // Every full-screen write ends here. The attributes are usually known already (see
        // `attrs_known`); else they are found by a word-at-a-time scan of the flags. The index is filled a field at a time with `fill` (a
        // memset-like loop), rather than a test and a store per cell.
        if !self.attrs_known {
            self.attrs.clear();
            field_attr_positions(&self.flags, &mut self.attrs);
            self.attrs_known = true;
        }
        let n = self.len();
        self.field_of.resize(n, NO_FIELD);
        // Cells before the first FA belong to the last field (the buffer wraps).
        let mut current = self.attrs.last().copied().unwrap_or(NO_FIELD);
        let mut start = 0;
        for &a in &self.attrs {
            let a_index = usize::from(a);
            fill_ahead(&mut self.field_of, start..a_index, current);
            current = a;
            start = a_index;
        }
        self.field_of[start..].fill(current);
        self.index_stale = false;
    }

    /// Whether the field index needs a rebuild.
    pub fn index_is_stale(&self) -> bool {
        self.index_stale
    }

    /// The address of the field attribute governing `addr` (the FA itself for an FA cell),
    /// or `None` on an unformatted screen.
    pub fn field_attr_addr(&self, addr: BufferAddr) -> Option<BufferAddr> {
        if addr.index() >= self.len() {
            return None;
        }
        if !self.index_stale {
            let v = self.field_of[addr.index()];
            return (v != NO_FIELD)
                .then(|| BufferAddr::new(usize::from(v), self.dims))
                .flatten();
        }
        let mut a = addr;
        for _ in 0..self.len() {
            if self.is_fa_at(a.index()) {
                return Some(a);
            }
            a = a.prev(self.dims);
        }
        None
    }

    /// The field containing `addr` (or whose attribute is at `addr`).
    pub fn field_at(&self, addr: BufferAddr) -> Option<Field> {
        let fa = self.field_attr_addr(addr)?;
        Some(self.field_from_attr(fa))
    }

    fn field_from_attr(&self, fa: BufferAddr) -> Field {
        let cell = self.cell(fa);
        let next = self.next_attr_after(fa).unwrap_or(fa);
        let len = match fa.distance_to(next, self.dims) {
            0 => self.dims.cells().saturating_sub(1),
            d => d - 1,
        };
        Field {
            attr_addr: fa,
            attr: cell.attr().unwrap_or_default(),
            ext: cell.ext,
            len,
        }
    }

    /// The next field attribute strictly after `addr`, wrapping (may return `addr` itself if
    /// it is the only one).
    pub fn next_attr_after(&self, addr: BufferAddr) -> Option<BufferAddr> {
        if !self.index_stale {
            if self.attrs.is_empty() {
                return None;
            }
            let v = addr.value();
            let i = self.attrs.partition_point(|&a| a <= v);
            let a = self.attrs.get(i).or_else(|| self.attrs.first()).copied()?;
            return BufferAddr::new(usize::from(a), self.dims);
        }
        let mut a = addr.next(self.dims);
        for _ in 0..self.len() {
            if self.is_fa_at(a.index()) {
                return Some(a);
            }
            a = a.next(self.dims);
        }
        None
    }

    /// Every field, in buffer order starting from the first attribute.
    pub fn fields(&self) -> Vec<Field> {
        if self.index_stale {
            (0..self.len())
                .filter(|&i| self.is_fa_at(i))
                .filter_map(|i| BufferAddr::new(i, self.dims))
                .map(|a| self.field_from_attr(a))
                .collect()
        } else {
            self.attrs
                .iter()
                .filter_map(|&a| BufferAddr::new(usize::from(a), self.dims))
                .map(|a| self.field_from_attr(a))
                .collect()
        }
    }

    /// Whether the operator may not type at `addr`: field attribute positions and protected
    /// fields. On an unformatted screen everything is typeable.
    pub fn is_protected_at(&self, addr: BufferAddr) -> bool {
        if self.cell(addr).is_field_attr() {
            return true;
        }
        self.field_at(addr).is_some_and(|f| f.attr.is_protected())
    }

    /// The first data position of the next unprotected field after `addr` (wrapping), as the
    /// Tab key and Program Tab find it.
    pub fn next_unprotected(&self, addr: BufferAddr) -> Option<BufferAddr> {
        let mut fa = addr;
        for _ in 0..=self.attr_count() {
            fa = self.next_attr_after(fa)?;
            let f = self.field_from_attr(fa);
            if !f.attr.is_protected() && f.len > 0 {
                return Some(f.start(self.dims));
            }
        }
        None
    }

    fn attr_count(&self) -> usize {
        if self.index_stale {
            self.flags.iter().filter(|&&f| f & FLAG_FA != 0).count()
        } else {
            self.attrs.len()
        }
    }

    /// Set or clear the modified data tag of the field containing `addr`.
    pub fn set_mdt_at(&mut self, addr: BufferAddr, on: bool) {
        if let Some(fa) = self.field_attr_addr(addr) {
            let attr = self.cell(fa).attr().unwrap_or_default();
            self.replace_attr(fa, attr.with_mdt(on));
        }
    }

    /// Reset the MDT of every field (WCC reset-MDT).
    pub fn reset_all_mdt(&mut self) {
        for (c, &f) in self.chars.iter_mut().zip(&self.flags) {
            if f & FLAG_FA != 0 {
                *c &= !FieldAttr::MDT;
            }
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
        DUP => '*',
        FM => ';',
        0x00..=0x3F => ' ',
        b if ge => crate::proto::ge::to_unicode(b),
        b => cp.to_unicode(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(i: usize, s: &Screen) -> BufferAddr {
        BufferAddr::new(i, s.dims()).unwrap()
    }

    #[test]
    fn field_map_lookups_agree_stale_and_rebuilt() {
        let mut s = Screen::new(Dimensions::MODEL_2, Dimensions::new(43, 80));
        s.set_field_attr(addr(10, &s), FieldAttr::from_byte(0x60), ExtAttrs::DEFAULT);
        s.set_field_attr(addr(100, &s), FieldAttr::from_byte(0x40), ExtAttrs::DEFAULT);
        let probe = [0, 5, 10, 11, 99, 100, 101, 1919];
        let stale: Vec<_> = probe
            .iter()
            .map(|&i| s.field_attr_addr(addr(i, &s)))
            .collect();
        let stale_fields = s.fields();
        s.rebuild_fields();
        let fresh: Vec<_> = probe
            .iter()
            .map(|&i| s.field_attr_addr(addr(i, &s)))
            .collect();
        assert_eq!(stale, fresh);
        assert_eq!(stale_fields, s.fields());
        assert_eq!(
            fresh[0],
            Some(addr(100, &s)),
            "cells before the first FA wrap to the last"
        );
        assert_eq!(fresh[3], Some(addr(10, &s)));
        let f = s.field_at(addr(50, &s)).unwrap();
        assert_eq!(f.len, 89);
        assert!(f.attr.is_protected());
        let wrap = s.field_at(addr(5, &s)).unwrap();
        assert_eq!(wrap.len, 1920 - 100 - 1 + 10);
        assert_eq!(s.next_unprotected(addr(0, &s)), Some(addr(101, &s)));
        assert!(s.is_protected_at(addr(10, &s)));
        assert!(!s.is_protected_at(addr(101, &s)));
    }

    /// What `write_chars` replaced: `set_char` and `next` once per byte.
    fn write_bytewise(
        s: &mut Screen,
        mut a: BufferAddr,
        bytes: &[u8],
        ext: ExtAttrs,
    ) -> BufferAddr {
        for &b in bytes {
            s.set_char(a, b, false, ext);
            a = a.next(s.dims());
        }
        a
    }

    fn formatted() -> Screen {
        let mut s = Screen::new(Dimensions::new(4, 10), Dimensions::new(4, 10));
        s.set_field_attr(addr(5, &s), FieldAttr::from_byte(0x60), ExtAttrs::DEFAULT);
        s.set_field_attr(addr(38, &s), FieldAttr::from_byte(0x40), ExtAttrs::DEFAULT);
        s.rebuild_fields();
        s
    }

    #[test]
    fn bulk_text_matches_bytewise_stores() {
        let ext = ExtAttrs {
            fg: 0xF2,
            highlight: 0xF1,
            ..ExtAttrs::DEFAULT
        };
        let text: Vec<u8> = (0..95u8).map(|i| 0xC1 + i % 9).collect();
        // Short runs, runs that wrap past the last cell, runs over one or both FAs, and
        // runs longer than the whole 40-cell buffer (wrapping more than once).
        for start in [0, 3, 6, 30, 36, 39] {
            for len in [0, 1, 2, 4, 10, 39, 40, 41, 95] {
                let mut bulk = formatted();
                let mut bytewise = formatted();
                let a = addr(start, &bulk);
                let end = bulk.write_chars(a, &text[..len], false, ext);
                let expected = write_bytewise(&mut bytewise, a, &text[..len], ext);
                assert_eq!(end, expected, "start {start} len {len}");
                assert_eq!(
                    bulk.cells().collect::<Vec<_>>(),
                    bytewise.cells().collect::<Vec<_>>(),
                    "start {start} len {len}"
                );
                assert_eq!(
                    bulk.index_is_stale(),
                    bytewise.index_is_stale(),
                    "start {start} len {len}"
                );
                bulk.rebuild_fields();
                bytewise.rebuild_fields();
                assert_eq!(bulk.fields(), bytewise.fields(), "start {start} len {len}");
            }
        }
    }

    #[test]
    fn bulk_text_over_an_attribute_removes_the_field() {
        let mut s = formatted();
        let end = s.write_chars(addr(36, &s), b"\xC1\xC2\xC3\xC4", false, ExtAttrs::DEFAULT);
        assert_eq!(end, addr(0, &s), "wrapped past the last cell");
        assert!(s.index_is_stale(), "the FA at 38 was overwritten");
        assert_eq!(s.cell(addr(38, &s)).byte(), 0xC3);
        s.rebuild_fields();
        assert_eq!(s.fields().len(), 1);
        let mut clean = formatted();
        clean.write_chars(addr(0, &clean), b"\xC1\xC2", false, ExtAttrs::DEFAULT);
        assert!(!clean.index_is_stale(), "no FA touched, index still valid");
    }

    #[test]
    fn bulk_fill_matches_bytewise_stores() {
        for start in [0, 4, 37] {
            for count in [0, 1, 3, 10, 40] {
                let mut bulk = formatted();
                let mut bytewise = formatted();
                let a = addr(start, &bulk);
                let end = bulk.fill_chars(a, count, 0xC1, true, ExtAttrs::DEFAULT);
                let mut expected = a;
                for _ in 0..count {
                    bytewise.set_char(expected, 0xC1, true, ExtAttrs::DEFAULT);
                    expected = expected.next(bytewise.dims());
                }
                assert_eq!(end, expected, "start {start} count {count}");
                assert_eq!(
                    bulk.cells().collect::<Vec<_>>(),
                    bytewise.cells().collect::<Vec<_>>(),
                    "start {start} count {count}"
                );
                assert_eq!(bulk.index_is_stale(), bytewise.index_is_stale());
            }
        }
    }

    #[test]
    fn bulk_text_at_an_address_of_another_size_acts_as_bytewise() {
        // An address from the larger alternate screen, used on the default one.
        let big = Dimensions::new(43, 80);
        let mut bulk = Screen::new(Dimensions::MODEL_2, big);
        let mut bytewise = bulk.clone();
        let a = BufferAddr::new(3000, big).unwrap();
        let end = bulk.write_chars(a, b"\xC1\xC2\xC3", false, ExtAttrs::DEFAULT);
        assert_eq!(
            end,
            write_bytewise(&mut bytewise, a, b"\xC1\xC2\xC3", ExtAttrs::DEFAULT)
        );
        assert_eq!(
            bulk.cells().collect::<Vec<_>>(),
            bytewise.cells().collect::<Vec<_>>()
        );
    }

    /// A straightforward screen model: one `Cell` per position, stored one at a time.
    struct Reference {
        cells: Vec<Cell>,
        cols: usize,
    }

    impl Reference {
        fn new(s: &Screen) -> Self {
            Reference {
                cells: s.cells().collect(),
                cols: usize::from(s.dims().cols),
            }
        }

        fn store(&mut self, i: usize, c: Cell) {
            if let Some(slot) = self.cells.get_mut(i) {
                *slot = c;
            }
        }

        /// The governing attribute of every cell, by a backward search from each.
        fn field_attrs(&self) -> Vec<Option<usize>> {
            let n = self.cells.len();
            (0..n)
                .map(|i| {
                    (0..n)
                        .map(|k| (i + n - k) % n)
                        .find(|&j| self.cells[j].is_field_attr())
                })
                .collect()
        }
    }

    /// A small deterministic generator (no dependency, same sequence every run).
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n.max(1)
        }
    }

    /// Random sequences of every kind of store, erase and scroll, on the screen and on the
    /// reference: cells and field index must agree after each step. This exercises the
    /// blank-cell shortcuts of `write_chars` / `fill_chars` and the partial clearing in
    /// `erase`, whatever order the cells are written in.
    #[test]
    #[allow(clippy::many_single_char_names)]
    fn stores_match_a_cell_by_cell_reference() {
        let exts = [
            ExtAttrs::DEFAULT,
            ExtAttrs {
                fg: 0xF2,
                highlight: 0xF1,
                ..ExtAttrs::DEFAULT
            },
            ExtAttrs {
                charset: 0xF1,
                validation: 0x04,
                ..ExtAttrs::DEFAULT
            },
        ];
        let mut rng = Lcg(7);
        for _ in 0..200 {
            let mut s = Screen::new(Dimensions::new(4, 10), Dimensions::new(3, 7));
            let mut r = Reference::new(&s);
            for step in 0..40 {
                let n = s.dims().cells();
                let i = rng.below(n);
                let a = addr(i, &s);
                let ext = exts[rng.below(exts.len())];
                let ge = rng.below(4) == 0;
                match rng.below(9) {
                    0 | 1 => {
                        let len = rng.below(2 * n + 2);
                        let text: Vec<u8> = (0..len).map(|k| 0xC1 + (k % 9) as u8).collect();
                        let end = s.write_chars(a, &text, ge, ext);
                        for (k, &b) in text.iter().enumerate() {
                            r.store((i + k) % n, Cell::character(b, ge, ext));
                        }
                        assert_eq!(end.index(), (i + len) % n);
                    }
                    2 => {
                        let count = rng.below(2 * n + 2);
                        let end = s.fill_chars(a, count, 0xE7, ge, ext);
                        for k in 0..count {
                            r.store((i + k) % n, Cell::character(0xE7, ge, ext));
                        }
                        assert_eq!(end.index(), (i + count) % n);
                    }
                    3 | 4 => {
                        let fa = FieldAttr::from_byte(if rng.below(2) == 0 { 0x60 } else { 0x41 });
                        s.set_field_attr(a, fa, ext);
                        r.store(i, Cell::field_attr(fa, ext));
                    }
                    5 => {
                        s.set_char(a, 0xD1, ge, ext);
                        r.store(i, Cell::character(0xD1, ge, ext));
                    }
                    6 => {
                        *s.ext_mut(a).unwrap() = ext;
                        r.cells[i].ext = ext;
                        s.set_byte_keep_attrs(a, 0xD2, ge);
                        if !r.cells[i].is_field_attr() {
                            r.store(i, Cell::character(0xD2, ge, r.cells[i].ext));
                        }
                    }
                    7 => {
                        s.scroll_up();
                        r.cells.drain(..r.cols);
                        r.cells.resize(n, Cell::default());
                    }
                    _ => {
                        let alternate = rng.below(2) == 0;
                        s.erase(alternate);
                        r = Reference::new(&s);
                        assert!(r.cells.iter().all(|c| *c == Cell::default()));
                    }
                }
                assert_eq!(s.cells().collect::<Vec<_>>(), r.cells, "step {step}");
                // Rebuild only now and then, so that several changes pile up on a stale
                // index (and on the attribute list the screen keeps meanwhile).
                if s.index_is_stale() && rng.below(3) == 0 {
                    s.rebuild_fields();
                }
                let n = s.dims().cells();
                let got: Vec<_> = (0..n)
                    .map(|k| s.field_attr_addr(addr(k, &s)).map(BufferAddr::index))
                    .collect();
                assert_eq!(got, r.field_attrs(), "step {step}");
            }
        }
    }

    #[test]
    fn fill_of_the_whole_buffer_over_attributes_and_ge() {
        let mut s = formatted();
        s.write_chars(addr(0, &s), b"\xC1", true, ExtAttrs::DEFAULT);
        let ext = ExtAttrs {
            fg: 0xF4,
            ..ExtAttrs::DEFAULT
        };
        let end = s.fill_chars(addr(7, &s), 40, 0xC2, false, ext);
        assert_eq!(end, addr(7, &s));
        assert!(s.cells().all(|c| c == Cell::character(0xC2, false, ext)));
        s.rebuild_fields();
        assert!(!s.is_formatted());
    }

    #[test]
    fn attribute_scan_and_flag_or_agree_with_byte_loops() {
        for len in 0..40 {
            for pos in 0..len {
                for flag in [FLAG_FA, FLAG_GE, FLAG_FA | FLAG_GE] {
                    let mut flags = vec![0u8; len];
                    flags[pos] = flag;
                    if pos + 3 < len {
                        flags[pos + 3] = FLAG_FA;
                    }
                    let mut got = Vec::new();
                    field_attr_positions(&flags, &mut got);
                    let want: Vec<u16> = (0..len)
                        .filter(|&i| flags[i] & FLAG_FA != 0)
                        .map(|i| u16::try_from(i).unwrap())
                        .collect();
                    assert_eq!(got, want, "len {len} pos {pos}");
                    assert_eq!(or_flags(&flags), flags.iter().fold(0, |a, &f| a | f));
                }
            }
        }
    }

    #[test]
    fn packed_set_matches_ext_attrs_set() {
        let start = ExtAttrs {
            fg: 0xF1,
            bg: 0xF2,
            highlight: 0xF4,
            charset: 0xF1,
            outline: 0x01,
            transparency: 0xF0,
            validation: 0x04,
        };
        for kind in 0..=255u8 {
            for value in [0x00, 0x01, 0x7F, 0xF2, 0xFF] {
                let mut want = start;
                want.set(kind, value);
                let mut got = PackedExt::pack(start);
                got.set(kind, value);
                assert_eq!(got.get(), want, "type {kind:#04x} value {value:#04x}");
                assert_eq!(got, PackedExt::pack(want));
            }
        }
    }

    #[test]
    fn packed_attributes_round_trip() {
        let e = ExtAttrs {
            fg: 1,
            bg: 2,
            highlight: 3,
            charset: 4,
            outline: 5,
            transparency: 6,
            validation: 0xFF,
        };
        assert_eq!(PackedExt::pack(e).unpack(), e);
        assert_eq!(PackedExt::pack(ExtAttrs::DEFAULT), PackedExt::default());
    }

    #[test]
    fn erase_clears_attributes_of_attribute_and_character_cells() {
        let red = ExtAttrs {
            fg: 0xF2,
            ..ExtAttrs::DEFAULT
        };
        for character_ext in [false, true] {
            for rebuild in [false, true] {
                let mut s = Screen::new(Dimensions::new(4, 10), Dimensions::new(4, 10));
                s.set_field_attr(addr(3, &s), FieldAttr::from_byte(0x60), red);
                s.write_chars(addr(4, &s), b"\xC1\xC2", false, ExtAttrs::DEFAULT);
                s.set_field_attr(addr(20, &s), FieldAttr::from_byte(0x40), red);
                if character_ext {
                    s.write_chars(addr(30, &s), b"\xC3", false, red);
                }
                if rebuild {
                    s.rebuild_fields();
                }
                s.scroll_up();
                s.erase(false);
                assert!(
                    s.cells().all(|c| c == Cell::default()),
                    "{character_ext} {rebuild}"
                );
            }
        }
    }

    #[test]
    fn erase_switches_size() {
        let mut s = Screen::new(Dimensions::MODEL_2, Dimensions::new(43, 80));
        s.erase(true);
        assert_eq!(s.dims(), Dimensions::new(43, 80));
        assert_eq!(s.cells().len(), 43 * 80);
        assert!(!s.is_formatted());
        s.erase(false);
        assert_eq!(s.cells().len(), 1920);
    }

    #[test]
    fn single_attribute_field_covers_the_rest_of_the_buffer() {
        let mut s = Screen::new(Dimensions::MODEL_2, Dimensions::MODEL_2);
        s.set_field_attr(addr(0, &s), FieldAttr::from_byte(0x40), ExtAttrs::DEFAULT);
        s.rebuild_fields();
        let f = s.field_at(addr(1919, &s)).unwrap();
        assert_eq!(f.len, 1919);
        assert!(f.contains(addr(1, &s), s.dims()));
        assert!(!f.contains(addr(0, &s), s.dims()));
    }
}
