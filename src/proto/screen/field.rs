//! Fields and the field index: [`Field`], the scans that find field attributes in the flag
//! array, and the [`Screen`] methods that answer "which field is this address in" (O(1)
//! from the index when it is fresh, a linear scan while it is stale), walk fields, and keep
//! their modified data tags.

use super::{FLAG_FA, NO_FIELD, Screen};
use crate::proto::addr::{BufferAddr, Dimensions};
use crate::proto::attr::{ExtAttrs, FieldAttr};

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

/// Fill `index[range]` with `v` eight entries (one 16-byte store) at a time; the last block
/// may run past the end of the range. [`Screen::rebuild_fields`] fills the fields in
/// ascending order, so whatever runs over is filled again by the next field; with ~20-cell
/// fields, an exact `fill` spent most of its time on the odd entries at the end.
pub(super) fn fill_ahead(index: &mut [u16], range: std::ops::Range<usize>, v: u16) {
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

/// Append the index of every cell whose flags have `FLAG_FA` to `out`, ascending.
///
/// Eight flag bytes are tested at a time (a field attribute is rare: a few per row), and
/// each word with hits yields them by its set bits, which makes the scan behind
/// [`Screen::rebuild_fields`] a fraction of a byte-by-byte one.
pub(super) fn field_attr_positions(flags: &[u8], out: &mut Vec<u16>) {
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
pub(super) fn or_flags(flags: &[u8]) -> u8 {
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
pub(super) fn any_field_attr(flags: &[u8]) -> bool {
    or_flags(flags) & FLAG_FA != 0
}

impl Screen {
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

    pub(super) fn field_from_attr(&self, fa: BufferAddr) -> Field {
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

    pub(super) fn attr_count(&self) -> usize {
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
}
