//! Storing into the presentation space: field attributes, characters one at a time and in
//! runs (the bulk paths a full-screen write takes), extended attributes. Each store keeps
//! the field index's bookkeeping (stale marks, the known attribute list, the clean tail)
//! true, so lookups stay right whichever path wrote a cell.

use super::cell::ge_flag;
use super::field::or_flags;
use super::{ExtMut, FLAG_FA, PackedExt, Screen};
use crate::proto::addr::BufferAddr;
use crate::proto::attr::{ExtAttrs, FieldAttr};

impl Screen {
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
    pub(super) fn write_chars_general(
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
    pub(super) fn mark_written(&mut self, end: usize) {
        self.clean_from = self.clean_from.max(end);
    }

    /// Whether every cell of `range` is blank (see `clean_from`).
    pub(super) fn is_blank(&self, range: &std::ops::Range<usize>) -> bool {
        range.start >= self.clean_from
    }

    /// Set the flags and attributes of the characters stored in `range`; returns whether a
    /// field attribute was overwritten.
    ///
    /// Nearly all text is plain characters with default attributes written into blank
    /// cells (an Erase/Write fills an erased screen), and then there is nothing to store
    /// and no attribute to look for: skipping both saves most of the per-run work. Else,
    /// cells with no flags to clear and no GE flag to set skip the flag fill.
    pub(super) fn store_flags_and_ext(
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
    pub(super) fn store_runs(
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
}
