//! Buffer addresses, screen positions and dimensions: the units every 3270 component speaks.
//!
//! A 3270 screen is a linear buffer of `rows * cols` cells; orders name cells by a buffer
//! address that is encoded on the wire either as 12-bit "coded" form (two 6-bit halves, each
//! translated through the graphic code table) or as 14-bit binary form (IBM GA23-0059,
//! "Buffer Addressing"). Address arithmetic is where emulators break, so it lives here, behind
//! newtypes, and wraps explicitly. This module never panics on host input.

use std::fmt;

/// Rows and columns of a screen (or of a partition).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dimensions {
    pub rows: u16,
    pub cols: u16,
}

impl Dimensions {
    /// The 24x80 size every 3270 model has as its default (primary) size.
    pub const MODEL_2: Dimensions = Dimensions { rows: 24, cols: 80 };
    /// The largest screen r3270 accepts (14-bit addressing allows 16384 cells).
    pub const MAX_CELLS: usize = 16384;

    pub const fn new(rows: u16, cols: u16) -> Self {
        Dimensions { rows, cols }
    }

    /// Number of cells in the buffer.
    pub const fn cells(self) -> usize {
        self.rows as usize * self.cols as usize
    }

    /// Whether addresses of this size must be sent in 14-bit form (more than 4096 cells).
    pub const fn needs_14_bit(self) -> bool {
        self.cells() > 4096
    }

    /// Whether the size is usable: at least one cell and addressable with 14 bits.
    pub const fn is_valid(self) -> bool {
        self.rows > 0 && self.cols > 0 && self.cells() <= Self::MAX_CELLS
    }
}

impl fmt::Display for Dimensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.rows, self.cols)
    }
}

/// A row and column on the screen, both 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Position {
    pub row: u16,
    pub col: u16,
}

impl Position {
    pub const fn new(row: u16, col: u16) -> Self {
        Position { row, col }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.row, self.col)
    }
}

/// An index into the screen buffer, always smaller than the buffer's cell count when it came
/// from one of the checked constructors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct BufferAddr(u16);

/// The 64-entry table that turns a 6-bit value into the graphic byte sent on the wire for
/// 12-bit addresses, field attributes in inbound data, and the like (GA23-0059 figure
/// "Address Characters").
pub const CODE_TABLE: [u8; 64] = [
    0x40, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F,
    0x50, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F,
    0x60, 0x61, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F,
    0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F,
];

/// How addresses are written in data the terminal sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressMode {
    /// Two 6-bit halves through [`CODE_TABLE`] (screens of up to 4096 cells).
    Coded12,
    /// Two bytes of plain binary, 14 bits used.
    Binary14,
}

impl AddressMode {
    /// The mode a terminal uses for a buffer of this size.
    pub const fn for_dimensions(dims: Dimensions) -> Self {
        if dims.needs_14_bit() {
            AddressMode::Binary14
        } else {
            AddressMode::Coded12
        }
    }
}

impl BufferAddr {
    /// The first cell (row 0, column 0).
    pub const ZERO: BufferAddr = BufferAddr(0);

    /// An address checked against the buffer size.
    pub fn new(index: usize, dims: Dimensions) -> Option<Self> {
        if index < dims.cells() {
            u16::try_from(index).ok().map(BufferAddr)
        } else {
            None
        }
    }

    /// The address of a row and column, if it is on the screen.
    pub fn from_position(pos: Position, dims: Dimensions) -> Option<Self> {
        if pos.row < dims.rows && pos.col < dims.cols {
            Self::new(
                usize::from(pos.row) * usize::from(dims.cols) + usize::from(pos.col),
                dims,
            )
        } else {
            None
        }
    }

    /// Decode a two-byte address as it appears in outbound orders. Bits 7-6 of the first byte
    /// say which form it is: `00` is 14-bit binary, anything else 12-bit coded. The raw value
    /// is returned unchecked: the caller compares it with the buffer size, because an address
    /// beyond the buffer is a host error that must be reported, not silently wrapped.
    pub const fn decode_raw(b1: u8, b2: u8) -> u16 {
        if b1 & 0xC0 == 0 {
            (((b1 & 0x3F) as u16) << 8) | b2 as u16
        } else {
            (((b1 & 0x3F) as u16) << 6) | (b2 & 0x3F) as u16
        }
    }

    /// Decode and check against the buffer size.
    pub fn decode(b1: u8, b2: u8, dims: Dimensions) -> Option<Self> {
        Self::new(usize::from(Self::decode_raw(b1, b2)), dims)
    }

    /// Encode for inbound data in the given mode.
    pub const fn encode(self, mode: AddressMode) -> [u8; 2] {
        match mode {
            AddressMode::Coded12 => [
                CODE_TABLE[((self.0 >> 6) & 0x3F) as usize],
                CODE_TABLE[(self.0 & 0x3F) as usize],
            ],
            AddressMode::Binary14 => [((self.0 >> 8) & 0x3F) as u8, (self.0 & 0xFF) as u8],
        }
    }

    /// The buffer index.
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// The raw value.
    pub const fn value(self) -> u16 {
        self.0
    }

    /// Row and column of this address.
    pub fn position(self, dims: Dimensions) -> Position {
        let cols = dims.cols.max(1);
        Position {
            row: self.0 / cols,
            col: self.0 % cols,
        }
    }

    /// The next address, wrapping from the last cell to the first.
    pub fn next(self, dims: Dimensions) -> Self {
        let n = self.index() + 1;
        if n >= dims.cells() {
            BufferAddr(0)
        } else {
            BufferAddr(self.0 + 1)
        }
    }

    /// The previous address, wrapping from the first cell to the last.
    pub fn prev(self, dims: Dimensions) -> Self {
        if self.0 == 0 {
            BufferAddr(u16::try_from(dims.cells().saturating_sub(1)).unwrap_or(0))
        } else {
            BufferAddr(self.0 - 1)
        }
    }

    /// This address moved by `delta` cells, wrapping around the buffer in either direction.
    pub fn offset(self, delta: isize, dims: Dimensions) -> Self {
        let n = dims.cells().max(1);
        let n_i = isize::try_from(n).unwrap_or(isize::MAX);
        let v = (isize::try_from(self.index()).unwrap_or(0) + delta).rem_euclid(n_i);
        BufferAddr(u16::try_from(v).unwrap_or(0))
    }

    /// Number of cells from `self` forward to `other`, wrapping (0 when equal).
    pub fn distance_to(self, other: BufferAddr, dims: Dimensions) -> usize {
        let n = dims.cells().max(1);
        (other.index() + n - self.index() % n) % n
    }
}

impl fmt::Display for BufferAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_bit_round_trip_every_address() {
        let dims = Dimensions::new(43, 80);
        for i in 0..dims.cells() {
            let a = BufferAddr::new(i, dims).unwrap();
            let [b1, b2] = a.encode(AddressMode::Coded12);
            assert_eq!(BufferAddr::decode(b1, b2, dims), Some(a), "address {i}");
        }
    }

    #[test]
    fn fourteen_bit_round_trip_every_address() {
        let dims = Dimensions::new(62, 160);
        assert!(dims.needs_14_bit());
        for i in 0..dims.cells() {
            let a = BufferAddr::new(i, dims).unwrap();
            let [b1, b2] = a.encode(AddressMode::Binary14);
            assert_eq!(b1 & 0xC0, 0);
            assert_eq!(BufferAddr::decode(b1, b2, dims), Some(a), "address {i}");
        }
    }

    #[test]
    fn known_encodings() {
        // Row 24 col 80 of a 24x80 screen (address 1919) is 5D 7F in 12-bit form.
        let dims = Dimensions::MODEL_2;
        let last = BufferAddr::new(1919, dims).unwrap();
        assert_eq!(last.encode(AddressMode::Coded12), [0x5D, 0x7F]);
        // 11 C1 4F in a trace is address 79 (row 1, col 80 in 1-based terms).
        assert_eq!(BufferAddr::decode_raw(0xC1, 0x4F), 79);
        assert_eq!(BufferAddr::decode_raw(0x40, 0x40), 0);
    }

    #[test]
    fn out_of_range_is_rejected() {
        let dims = Dimensions::MODEL_2;
        assert_eq!(BufferAddr::decode(0x3F, 0xFF, dims), None);
        assert_eq!(BufferAddr::new(1920, dims), None);
        assert_eq!(BufferAddr::from_position(Position::new(24, 0), dims), None);
    }

    #[test]
    fn wrapping_arithmetic() {
        let dims = Dimensions::MODEL_2;
        let z = BufferAddr::ZERO;
        assert_eq!(z.prev(dims).index(), 1919);
        assert_eq!(z.prev(dims).next(dims), z);
        assert_eq!(z.offset(-81, dims).index(), 1839);
        assert_eq!(z.offset(1920 * 3 + 5, dims).index(), 5);
        assert_eq!(z.distance_to(z.prev(dims), dims), 1919);
        assert_eq!(
            BufferAddr::new(85, dims).unwrap().position(dims),
            Position::new(1, 5)
        );
    }
}
