//! Operator editing keys applied to the presentation space under 3270 field rules.
//!
//! This module owns what a key does to the screen once the keyboard is unlocked: where a typed
//! character goes (overwrite or insert), which positions the operator may not change (field
//! attribute positions, protected fields, non-digits in numeric fields), where the cursor goes
//! next (autoskip, Tab, BackTab, Home, New Line, the cursor keys), the erase and delete keys,
//! Cursor Select on selector-pen detectable fields, the modified data tag (MDT) that an
//! operator change sets, and the mandatory-entry / mandatory-fill check made before an AID.
//! It follows IBM GA23-0059 (3270 Data Stream Programmer's Reference: field attributes, MDT,
//! selector-pen designator characters, field validation) and the operator behaviour of the IBM
//! 3270 Information Display System (keyboard functions, the numeric lock feature, autoskip);
//! where the hardware documentation leaves a choice, it behaves as x3270 does.
//!
//! It must not own the keyboard lock, the type-ahead queue or the inbound record: the session
//! does. A refused key returns [`KeyOutcome::Error`] and leaves the screen and the cursor exactly
//! as they were, so all the session has to do is lock the keyboard with that error. An AID key
//! comes back as [`KeyOutcome::Aid`]; the session checks [`check_mandatory`] for AIDs that send
//! data, builds the inbound record, and erases the screen itself for Clear. Like all of `proto`,
//! this module does no I/O, reads no clock, keeps no global state and never panics, whatever
//! the screen and the key.
//!
//! Rules chosen where 3270 behaviour is ambiguous:
//! - Insert mode needs room in the field: the first null at or after the cursor is consumed
//!   (everything between the cursor and it shifts right); failing that, a blank in the field's
//!   last position is dropped. Otherwise the key is refused with `Overflow`. On an unformatted
//!   screen the "field" is the rest of the cursor's row.
//! - Shifting (insert, Delete, Erase) moves characters only; character attributes from Set
//!   Attribute stay with their positions, as they do when the operator overwrites a character.
//! - After the last position of a field is typed, the cursor moves on; an attribute position in
//!   its way is stepped over, and an autoskip (protected numeric) field is skipped to the next
//!   unprotected field. A protected, non-numeric field is entered (GA23-0059 defines autoskip as
//!   protected plus numeric), so the next character there is refused with `Protected`.
//! - The numeric lock accepts the digits, period, minus sign and DUP; Field Mark and anything
//!   else in a numeric field is refused with `Numeric`.
//! - Erase (destructive backspace) at the first position of a field does nothing; Tab, BackTab
//!   and Home with no unprotected field go to address 0; Backspace only moves the cursor left.
//! - Cursor Select on a field that is not detectable, or whose designator is not one of `?`,
//!   `>`, `&`, blank or null, is refused with `MinusFunction`. It changes the designator even in
//!   a protected field, as selection fields usually are protected.
//! - [`check_mandatory`] applies only when the operator presses an AID; the cursor keys never
//!   lock for an unfilled mandatory-fill field.

use crate::proto::addr::{BufferAddr, Dimensions, Position};
use crate::proto::codepage::CodePage;
use crate::proto::key::{Aid, Key};
use crate::proto::oia::OperatorError;
use crate::proto::screen::{DUP, FM, Field, NULL, SPACE, Screen};

/// EBCDIC values the field rules name. They are code-page invariant: every CECP code page puts
/// the digits, period, minus sign and the selector-pen designators at these positions.
mod ebc {
    pub const ZERO: u8 = 0xF0;
    pub const NINE: u8 = 0xF9;
    pub const PERIOD: u8 = 0x4B;
    pub const MINUS: u8 = 0x60;
    /// Selector-pen designator of an unselected selection field.
    pub const QUESTION: u8 = 0x6F;
    /// Selector-pen designator of a selected selection field.
    pub const GREATER: u8 = 0x6E;
    /// Selector-pen designator of an attention field that sends like Enter.
    pub const AMPERSAND: u8 = 0x50;
}

/// The first graphic EBCDIC code point; everything below is a control character the operator
/// can only produce through its own key (DUP, Field Mark).
const FIRST_GRAPHIC: u8 = 0x40;

/// The per-session editing state: whether insert mode is on (the OIA shows it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Keyboard {
    pub insert: bool,
}

/// What a key did, and what the session must do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOutcome {
    /// The key was applied; the screen, the cursor or insert mode may have changed.
    Done,
    /// The key is an attention: the session sends an inbound record with this AID (Enter,
    /// PFn, PAn, Clear, SysReq, or Enter / selector-pen attention from Cursor Select).
    Aid(Aid),
    /// The Attn key: the session sends telnet IP.
    Attn,
    /// The key was refused and nothing changed: the session locks the keyboard with this error.
    Error(OperatorError),
}

impl From<Result<(), OperatorError>> for KeyOutcome {
    fn from(r: Result<(), OperatorError>) -> Self {
        match r {
            Ok(()) => KeyOutcome::Done,
            Err(e) => KeyOutcome::Error(e),
        }
    }
}

impl Keyboard {
    pub const fn new() -> Self {
        Keyboard { insert: false }
    }

    /// Apply one operator key to the screen. The caller has checked that the keyboard is
    /// unlocked; `cp` translates typed characters to EBCDIC.
    pub fn apply(&mut self, screen: &mut Screen, key: Key, cp: CodePage) -> KeyOutcome {
        // Keys that do not touch the screen come first, so that even a screen with no cells
        // (which no model produces, but nothing forbids) cannot reach the address arithmetic.
        match key {
            Key::Aid(aid) => return aid_outcome(aid),
            Key::Attn => return KeyOutcome::Attn,
            Key::Reset => {
                // Reset leaves insert mode; unlocking is the session's part.
                self.insert = false;
                return KeyOutcome::Done;
            }
            Key::Insert => {
                self.insert = !self.insert;
                return KeyOutcome::Done;
            }
            _ => {}
        }
        if screen.cells().len() == 0 {
            return KeyOutcome::Done;
        }
        let dims = screen.dims();
        let cursor = screen.cursor();
        match key {
            Key::Char(c) => match cp.from_unicode(c) {
                Some(b) if b >= FIRST_GRAPHIC => self.type_ebcdic(screen, b, false),
                _ => KeyOutcome::Error(OperatorError::NotInCodePage),
            },
            Key::Dup => self.dup(screen),
            Key::FieldMark => self.store_and_advance(screen, FM, false),
            Key::Tab => move_to(screen, tab_target(screen, cursor)),
            Key::BackTab => move_to(screen, backtab_target(screen, cursor)),
            Key::Home => move_to(screen, home_target(screen)),
            Key::NewLine => move_to(screen, newline_target(screen, cursor)),
            Key::Up => move_to(screen, step(cursor, -isize_of(dims.cols), dims)),
            Key::Down => move_to(screen, step(cursor, isize_of(dims.cols), dims)),
            Key::Left | Key::Backspace => move_to(screen, cursor.prev(dims)),
            Key::Right => move_to(screen, cursor.next(dims)),
            Key::Left2 => move_to(screen, step(cursor, -2, dims)),
            Key::Right2 => move_to(screen, step(cursor, 2, dims)),
            Key::MoveCursor { row, col } => {
                // Off-screen coordinates (a script's guess, a click on the status line) are
                // clamped to the nearest screen position rather than wrapped.
                let pos = Position::new(
                    row.min(dims.rows.saturating_sub(1)),
                    col.min(dims.cols.saturating_sub(1)),
                );
                match BufferAddr::from_position(pos, dims) {
                    Some(a) => move_to(screen, a),
                    None => KeyOutcome::Done,
                }
            }
            Key::FieldEnd => move_to(screen, field_end_target(screen, cursor)),
            Key::EraseEof => erase_eof(screen).into(),
            Key::EraseInput => {
                erase_input(screen);
                KeyOutcome::Done
            }
            Key::Delete => delete(screen).into(),
            Key::Erase => erase(screen).into(),
            Key::CursorSelect => cursor_select(screen),
            // Handled above; listed so that a new key cannot be forgotten here.
            Key::Aid(_) | Key::Attn | Key::Reset | Key::Insert => KeyOutcome::Done,
        }
    }

    /// Type one EBCDIC graphic byte at the cursor, as the character keys do once translated;
    /// `ge` marks a Graphic Escape (alternate character set) character. Control bytes (below
    /// 0x40) are refused with `NotInCodePage`: DUP and Field Mark have their own keys.
    pub fn type_ebcdic(&mut self, screen: &mut Screen, byte: u8, ge: bool) -> KeyOutcome {
        if byte < FIRST_GRAPHIC {
            return KeyOutcome::Error(OperatorError::NotInCodePage);
        }
        if screen.cells().len() == 0 {
            return KeyOutcome::Done;
        }
        self.store_and_advance(screen, byte, ge)
    }

    /// Store a byte at the cursor and move the cursor on, skipping attribute positions and
    /// autoskip fields.
    fn store_and_advance(self, screen: &mut Screen, byte: u8, ge: bool) -> KeyOutcome {
        let at = screen.cursor();
        if let Err(e) = self.store(screen, at, byte, ge) {
            return KeyOutcome::Error(e);
        }
        let next = advance_after_typing(screen, at);
        move_to(screen, next)
    }

    /// DUP: store the DUP character, then tab to the next unprotected field. What a DUP means
    /// (usually "repeat this field from the previous record") is the application's business;
    /// the terminal only stores the character and moves on.
    fn dup(self, screen: &mut Screen) -> KeyOutcome {
        let at = screen.cursor();
        if let Err(e) = self.store(screen, at, DUP, false) {
            return KeyOutcome::Error(e);
        }
        move_to(screen, tab_target(screen, at))
    }

    /// Check the field rules for storing `byte` at `at`, then store it (shifting in insert
    /// mode) and set the field's MDT. Nothing changes if it returns an error.
    fn store(
        self,
        screen: &mut Screen,
        at: BufferAddr,
        byte: u8,
        ge: bool,
    ) -> Result<(), OperatorError> {
        if let Some(field) = editable_field(screen, at)? {
            if field.attr.is_numeric() && !numeric_allows(byte, ge) {
                return Err(OperatorError::Numeric);
            }
        }
        if self.insert {
            let region = region_from(screen, at);
            let room = region
                .iter()
                .position(|&a| screen.cell(a).byte() == NULL)
                .or_else(|| {
                    // No null to absorb the shift: a trailing blank may be given up instead.
                    let last = region.last().copied()?;
                    let c = screen.cell(last);
                    (c.byte() == SPACE && !c.is_ge()).then(|| region.len() - 1)
                })
                .ok_or(OperatorError::Overflow)?;
            shift_right(screen, &region, room);
        }
        screen.set_byte_keep_attrs(at, byte, ge);
        // On an unformatted screen there is no field attribute and this does nothing.
        screen.set_mdt_at(at, true);
        Ok(())
    }
}

/// What an AID key produces: the AID if a 3270 keyboard has such a key, else a refusal.
fn aid_outcome(aid: Aid) -> KeyOutcome {
    match aid {
        Aid::Enter | Aid::Clear | Aid::SysReq | Aid::Pf(_) | Aid::Pa(_) if aid.is_valid() => {
            KeyOutcome::Aid(aid)
        }
        // Selector-pen attention comes from Cursor Select, and NoAID / structured field are
        // not keys: asking for them as keys is a function this keyboard does not have.
        _ => KeyOutcome::Error(OperatorError::MinusFunction),
    }
}

/// Mandatory entry and mandatory fill (GA23-0059 field validation), checked when the operator
/// presses an AID that sends data (not for the short reads, PA keys and Clear). Returns the
/// error to lock the keyboard with and the address to put the cursor on (the first data
/// position of the first offending field, in buffer order), or `None` if the AID may go.
///
/// A mandatory-entry field must have been modified (MDT set). A mandatory-fill field that was
/// modified must be either full (no nulls) or empty (all nulls). Protected fields are not
/// checked, since the operator could never satisfy them.
pub fn check_mandatory(screen: &Screen) -> Option<(OperatorError, BufferAddr)> {
    let dims = screen.dims();
    screen.fields().into_iter().find_map(|f| {
        if f.attr.is_protected() || f.len == 0 {
            return None;
        }
        let modified = f.attr.is_modified();
        let failed = if f.ext.mandatory_entry() && !modified {
            true
        } else if f.ext.mandatory_fill() && modified {
            let nulls = f
                .positions(dims)
                .filter(|&a| screen.cell(a).byte() == NULL)
                .count();
            nulls != 0 && nulls != f.len
        } else {
            false
        };
        failed.then(|| (OperatorError::FieldValidation, f.start(dims)))
    })
}

/// Whether the numeric lock lets `byte` into a numeric field.
fn numeric_allows(byte: u8, ge: bool) -> bool {
    !ge && matches!(byte, ebc::ZERO..=ebc::NINE | ebc::PERIOD | ebc::MINUS | DUP)
}

/// The field an editing key at `addr` would change: `Ok(None)` on an unformatted screen,
/// `Err(Protected)` on an attribute position or in a protected field.
fn editable_field(screen: &Screen, addr: BufferAddr) -> Result<Option<Field>, OperatorError> {
    if !screen.is_formatted() {
        return Ok(None);
    }
    if screen.cell(addr).is_field_attr() {
        return Err(OperatorError::Protected);
    }
    match screen.field_at(addr) {
        Some(f) if f.attr.is_protected() => Err(OperatorError::Protected),
        other => Ok(other),
    }
}

/// The positions from `addr` to the end of its field, in order (wrapping around the end of
/// the buffer). On an unformatted screen a "field" is the rest of the row, as on a 3270 the
/// insert and delete keys work line by line there.
fn region_from(screen: &Screen, addr: BufferAddr) -> Vec<BufferAddr> {
    let dims = screen.dims();
    match screen.field_at(addr) {
        Some(f) if screen.is_formatted() => {
            let skip = f.attr_addr.distance_to(addr, dims).saturating_sub(1);
            f.positions(dims).skip(skip).collect()
        }
        _ => {
            let col = addr.position(dims).col;
            let count = usize::from(dims.cols.saturating_sub(col));
            (0..count)
                .map(|i| step(addr, isize_of_usize(i), dims))
                .collect()
        }
    }
}

/// Shift the characters of `region[0..hole]` one position right, overwriting `region[hole]`.
fn shift_right(screen: &mut Screen, region: &[BufferAddr], hole: usize) {
    for i in (1..=hole.min(region.len().saturating_sub(1))).rev() {
        let from = screen.cell(region[i - 1]);
        screen.set_byte_keep_attrs(region[i], from.byte(), from.is_ge());
    }
}

/// Shift the characters of `region[1..]` one position left and put a null at its end.
fn shift_left(screen: &mut Screen, region: &[BufferAddr]) {
    for pair in region.windows(2) {
        let from = screen.cell(pair[1]);
        screen.set_byte_keep_attrs(pair[0], from.byte(), from.is_ge());
    }
    if let Some(&last) = region.last() {
        screen.set_byte_keep_attrs(last, NULL, false);
    }
}

/// Where the cursor goes after a character is stored at `at`: the next position, except that
/// an attribute position is stepped over and an autoskip field is skipped to the next
/// unprotected field (GA23-0059 "autoskip").
fn advance_after_typing(screen: &Screen, at: BufferAddr) -> BufferAddr {
    let dims = screen.dims();
    let mut a = at.next(dims);
    if !screen.is_formatted() {
        return a;
    }
    // Bounded so that no screen, however odd, can keep this loop going.
    for _ in 0..screen.cells().len() {
        match screen.cell(a).attr() {
            None => break,
            Some(fa) if fa.is_autoskip() => {
                a = screen.next_unprotected(a).unwrap_or_else(|| a.next(dims));
            }
            Some(_) => a = a.next(dims),
        }
    }
    a
}

/// Tab: the first data position of the next unprotected field (wrapping), or address 0 if
/// there is none (which is every position of an unformatted screen). The attribute at `from`
/// itself counts: from the attribute position of an unprotected field, the next input
/// position is that field's first.
fn tab_target(screen: &Screen, from: BufferAddr) -> BufferAddr {
    let dims = screen.dims();
    let own = screen
        .cell(from)
        .attr()
        .is_some_and(|fa| !fa.is_protected());
    if own && !screen.cell(from.next(dims)).is_field_attr() {
        return from.next(dims);
    }
    screen.next_unprotected(from).unwrap_or(BufferAddr::ZERO)
}

/// BackTab: the start of the current unprotected field if the cursor is past it, else the
/// start of the previous unprotected field (wrapping); address 0 if there is none.
fn backtab_target(screen: &Screen, from: BufferAddr) -> BufferAddr {
    let dims = screen.dims();
    let mut a = from.prev(dims);
    // From the first position of a field, the field's own attribute does not count.
    if screen.cell(a).is_field_attr() {
        a = a.prev(dims);
    }
    for _ in 0..screen.cells().len() {
        let next = a.next(dims);
        if screen.cell(a).attr().is_some_and(|fa| !fa.is_protected())
            && !screen.cell(next).is_field_attr()
        {
            return next;
        }
        a = a.prev(dims);
    }
    BufferAddr::ZERO
}

/// Home: the first data position of the first unprotected field on the screen, or 0.
fn home_target(screen: &Screen) -> BufferAddr {
    let last = BufferAddr::ZERO.prev(screen.dims());
    tab_target(screen, last)
}

/// New Line: column 0 of the next row if it is an unprotected data position, else the next
/// unprotected field after it.
fn newline_target(screen: &Screen, from: BufferAddr) -> BufferAddr {
    let dims = screen.dims();
    let row = (from.position(dims).row + 1) % dims.rows.max(1);
    let start = BufferAddr::from_position(Position::new(row, 0), dims).unwrap_or(BufferAddr::ZERO);
    if screen.is_protected_at(start) {
        tab_target(screen, start)
    } else {
        start
    }
}

/// Field End: just after the last non-blank character of an unprotected field (the last
/// position if that is the field's end, the first position if the field is blank). Elsewhere,
/// and on an unformatted screen, the cursor stays.
fn field_end_target(screen: &Screen, from: BufferAddr) -> BufferAddr {
    let Ok(Some(field)) = editable_field(screen, from) else {
        return from;
    };
    let dims = screen.dims();
    let positions: Vec<BufferAddr> = field.positions(dims).collect();
    let last_nonblank = positions.iter().rposition(|&a| {
        let b = screen.cell(a).byte();
        b != NULL && b != SPACE
    });
    match last_nonblank {
        None => field.start(dims),
        Some(i) => positions
            .get(i + 1)
            .or(positions.get(i))
            .copied()
            .unwrap_or(from),
    }
}

/// Erase EOF: nulls from the cursor to the end of the field (to the end of the buffer on an
/// unformatted screen), and the field is modified.
fn erase_eof(screen: &mut Screen) -> Result<(), OperatorError> {
    let at = screen.cursor();
    let region: Vec<BufferAddr> = if editable_field(screen, at)?.is_some() {
        region_from(screen, at)
    } else {
        let dims = screen.dims();
        let count = dims.cells().saturating_sub(at.index());
        (0..count)
            .map(|i| step(at, isize_of_usize(i), dims))
            .collect()
    };
    for a in region {
        screen.set_byte_keep_attrs(a, NULL, false);
    }
    screen.set_mdt_at(at, true);
    Ok(())
}

/// Erase Input: nulls in every unprotected field, their MDTs reset, the cursor to the first
/// unprotected field. On an unformatted screen everything is input, so all of it is erased.
fn erase_input(screen: &mut Screen) {
    let dims = screen.dims();
    if screen.is_formatted() {
        for f in screen.fields() {
            if f.attr.is_protected() {
                continue;
            }
            for a in f.positions(dims) {
                screen.set_byte_keep_attrs(a, NULL, false);
            }
            screen.replace_attr(f.attr_addr, f.attr.with_mdt(false));
        }
    } else {
        let n = screen.cells().len();
        for i in 0..n {
            if let Some(a) = BufferAddr::new(i, dims) {
                screen.set_byte_keep_attrs(a, NULL, false);
            }
        }
    }
    screen.set_cursor(home_target(screen));
}

/// Delete: the character at the cursor goes, the rest of the field shifts left, and a null
/// fills the field's last position.
fn delete(screen: &mut Screen) -> Result<(), OperatorError> {
    let at = screen.cursor();
    editable_field(screen, at)?;
    let region = region_from(screen, at);
    shift_left(screen, &region);
    screen.set_mdt_at(at, true);
    Ok(())
}

/// Erase (destructive backspace): move left within the field and delete there. At the first
/// position of a field there is nothing to the left to erase, and nothing happens.
fn erase(screen: &mut Screen) -> Result<(), OperatorError> {
    let dims = screen.dims();
    let at = screen.cursor();
    if let Some(field) = editable_field(screen, at)? {
        if field.start(dims) == at {
            return Ok(());
        }
    }
    screen.set_cursor(at.prev(dims));
    delete(screen)
}

/// Cursor Select: the selector-pen operation on the field under the cursor (GA23-0059
/// "Selector Pen"). The designator character in the field's first position decides: `?`
/// becomes `>` and the MDT is set (selected); `>` becomes `?` and the MDT is reset; a blank or
/// null makes an attention with the selector-pen AID; `&` makes an attention with the Enter
/// AID. Both attentions set the MDT so that the field is read.
fn cursor_select(screen: &mut Screen) -> KeyOutcome {
    let refused = KeyOutcome::Error(OperatorError::MinusFunction);
    let at = screen.cursor();
    let Some(field) = screen
        .field_at(at)
        .filter(|f| f.attr.is_detectable() && f.len > 0)
    else {
        return refused;
    };
    let designator = field.start(screen.dims());
    let cell = screen.cell(designator);
    if cell.is_ge() {
        return refused;
    }
    match cell.byte() {
        ebc::QUESTION => {
            screen.set_byte_keep_attrs(designator, ebc::GREATER, false);
            screen.set_mdt_at(designator, true);
            KeyOutcome::Done
        }
        ebc::GREATER => {
            screen.set_byte_keep_attrs(designator, ebc::QUESTION, false);
            screen.set_mdt_at(designator, false);
            KeyOutcome::Done
        }
        NULL | SPACE => {
            screen.set_mdt_at(designator, true);
            KeyOutcome::Aid(Aid::SelectorPen)
        }
        ebc::AMPERSAND => {
            screen.set_mdt_at(designator, true);
            KeyOutcome::Aid(Aid::Enter)
        }
        _ => refused,
    }
}

fn move_to(screen: &mut Screen, addr: BufferAddr) -> KeyOutcome {
    screen.set_cursor(addr);
    KeyOutcome::Done
}

/// `addr` moved by `delta` cells, wrapping around the buffer.
fn step(addr: BufferAddr, delta: isize, dims: Dimensions) -> BufferAddr {
    addr.offset(delta, dims)
}

fn isize_of(n: u16) -> isize {
    isize_of_usize(usize::from(n))
}

fn isize_of_usize(n: usize) -> isize {
    // Screens have at most 16384 cells, so this never saturates in practice.
    isize::try_from(n).unwrap_or(isize::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;
    use crate::proto::attr::{ExtAttrs, FieldAttr};

    /// The characters the tests type and show, with the EBCDIC 037 values the real code page
    /// will give them; `_` is a null, `*` DUP and `;` Field Mark, as the screen shows them.
    const TABLE: &[(char, u8)] = &[
        (' ', 0x40),
        ('.', 0x4B),
        ('-', 0x60),
        ('?', 0x6F),
        ('>', 0x6E),
        ('&', 0x50),
        ('_', NULL),
        ('*', DUP),
        (';', FM),
    ];

    fn ebc(c: char) -> u8 {
        let b = c as u8;
        match c {
            'A'..='I' => 0xC1 + (b - b'A'),
            'J'..='R' => 0xD1 + (b - b'J'),
            'S'..='Z' => 0xE2 + (b - b'S'),
            'a'..='i' => 0x81 + (b - b'a'),
            'j'..='r' => 0x91 + (b - b'j'),
            's'..='z' => 0xA2 + (b - b's'),
            '0'..='9' => 0xF0 + (b - b'0'),
            _ => TABLE
                .iter()
                .find(|(t, _)| *t == c)
                .map(|&(_, e)| e)
                .unwrap(),
        }
    }

    fn unebc(e: u8) -> char {
        (' '..='~')
            .find(|&c| is_mapped(c) && ebc(c) == e)
            .unwrap_or('!')
    }

    fn is_mapped(c: char) -> bool {
        c.is_ascii_alphanumeric() || TABLE.iter().any(|&(t, _)| t == c)
    }

    /// Field attribute markers in screen pictures.
    const MARKERS: &[(char, u8)] = &[('[', 0x00), ('|', 0x20), ('^', 0x30), ('#', 0x10)];

    /// A screen from a picture, one string a row: `[` unprotected attribute, `|` protected,
    /// `^` autoskip, `#` numeric; other characters are data (`_` a null).
    fn build(rows: &[&str]) -> Screen {
        let dims = Dimensions::new(rows.len() as u16, rows[0].chars().count() as u16);
        let mut s = Screen::new(dims, dims);
        for (i, c) in rows.concat().chars().enumerate() {
            let a = BufferAddr::new(i, dims).unwrap();
            match MARKERS.iter().find(|(m, _)| *m == c) {
                Some(&(_, bits)) => {
                    s.set_field_attr(a, FieldAttr::from_byte(bits), ExtAttrs::DEFAULT);
                }
                None => s.set_char(a, ebc(c), false, ExtAttrs::DEFAULT),
            }
        }
        s.rebuild_fields();
        s
    }

    /// The picture of a screen, rows joined with `/`.
    fn picture(s: &Screen) -> String {
        let cols = usize::from(s.dims().cols);
        let mut out = String::new();
        for (i, cell) in s.cells().enumerate() {
            if i > 0 && i % cols == 0 {
                out.push('/');
            }
            out.push(match cell.attr() {
                Some(fa) => {
                    let bits = fa.bits() & (FieldAttr::PROTECTED | FieldAttr::NUMERIC);
                    MARKERS
                        .iter()
                        .find(|&&(_, b)| b == bits)
                        .map_or('?', |&(m, _)| m)
                }
                None => unebc(cell.byte()),
            });
        }
        out
    }

    fn at(s: &Screen, i: usize) -> BufferAddr {
        BufferAddr::new(i, s.dims()).unwrap()
    }

    fn cursor_at(s: &mut Screen, i: usize) {
        let a = at(s, i);
        s.set_cursor(a);
    }

    fn mdt(s: &Screen, fa: usize) -> bool {
        s.cell(at(s, fa)).attr().unwrap().is_modified()
    }

    fn typ(kb: &mut Keyboard, s: &mut Screen, text: &str) -> Vec<KeyOutcome> {
        text.chars()
            .map(|c| kb.type_ebcdic(s, ebc(c), false))
            .collect()
    }

    fn key(kb: &mut Keyboard, s: &mut Screen, k: Key) -> KeyOutcome {
        kb.apply(s, k, CodePage::default())
    }

    fn cur(s: &Screen) -> usize {
        s.cursor().index()
    }

    const DONE: KeyOutcome = KeyOutcome::Done;

    fn err(e: OperatorError) -> KeyOutcome {
        KeyOutcome::Error(e)
    }

    /// Apply a key that must be refused and check that nothing at all changed.
    fn refused(kb: &mut Keyboard, s: &mut Screen, k: Key, e: OperatorError) {
        let before = (s.cells().collect::<Vec<_>>(), s.cursor(), *kb);
        assert_eq!(key(kb, s, k), err(e), "{k:?}");
        assert_eq!(
            (s.cells().collect::<Vec<_>>(), s.cursor(), *kb),
            before,
            "{k:?} changed something"
        );
    }

    #[test]
    fn a_login_panel_on_a_4_by_20_screen() {
        let mut s = build(&[
            "|USERID^[________^xx",
            "|PASSWORD[_____|xxxx",
            "|CMD[______________^",
            "|xxxxxxxxxxxxxxxxxxx",
        ]);
        assert_eq!(s.dims(), Dimensions::new(4, 20));
        let mut kb = Keyboard::new();
        key(&mut kb, &mut s, Key::Home);
        assert_eq!(cur(&s), 9);
        let typed = typ(&mut kb, &mut s, "ibmuser1pw");
        assert!(typed.iter().all(|o| *o == DONE));
        // Eight characters fill the user id; the cursor skips to the password field.
        assert_eq!(picture(&s).split('/').nth(1), Some("|PASSWORD[pw___|xxxx"));
        assert_eq!(cur(&s), 32);
        key(&mut kb, &mut s, Key::NewLine);
        assert_eq!(cur(&s), 45);
        assert!(mdt(&s, 8) && mdt(&s, 29) && !mdt(&s, 44));
        key(&mut kb, &mut s, Key::EraseInput);
        assert_eq!(cur(&s), 9);
        assert!(!mdt(&s, 8) && !mdt(&s, 29));
        assert_eq!(picture(&s).split('/').next(), Some("|USERID^[________^xx"));
    }

    #[test]
    fn picture_round_trip() {
        let s = build(&["[ab|cd^__#", "09.-?>&*;_"]);
        assert_eq!(picture(&s), "[ab|cd^__#/09.-?>&*;_");
    }

    #[test]
    fn overwrite_stores_keeps_character_attributes_and_sets_mdt() {
        let mut s = build(&["[xyz|abc[_"]);
        let red = ExtAttrs {
            fg: 0xF2,
            ..ExtAttrs::DEFAULT
        };
        *s.ext_mut(at(&s, 2)).unwrap() = red;
        cursor_at(&mut s, 1);
        let mut kb = Keyboard::new();
        assert_eq!(typ(&mut kb, &mut s, "AB"), [DONE, DONE]);
        assert_eq!(picture(&s), "[ABz|abc[_");
        assert_eq!(
            s.cell(at(&s, 2)).ext,
            red,
            "typing keeps the cell's character attributes"
        );
        assert!(mdt(&s, 0));
        assert!(!mdt(&s, 8), "only the typed field is modified");
        assert_eq!(cur(&s), 3);
    }

    #[test]
    fn typing_the_last_position_steps_over_the_attribute() {
        let mut s = build(&["[__[__|xx_"]);
        cursor_at(&mut s, 1);
        let mut kb = Keyboard::new();
        typ(&mut kb, &mut s, "ab");
        assert_eq!(
            cur(&s),
            4,
            "the next field's first position, past its attribute"
        );
        typ(&mut kb, &mut s, "cd");
        assert_eq!(cur(&s), 7, "a protected (not autoskip) field is entered");
        refused(&mut kb, &mut s, Key::Char(' '), OperatorError::Protected);
        assert_eq!(picture(&s), "[ab[cd|xx_");
    }

    #[test]
    fn autoskip_field_is_skipped_to_the_next_unprotected_field() {
        let mut s = build(&["[__^xx|yy[", "__________"]);
        cursor_at(&mut s, 1);
        let mut kb = Keyboard::new();
        typ(&mut kb, &mut s, "ab");
        assert_eq!(cur(&s), 10);
        // Adjacent attributes: the autoskip field has no data, the next one does.
        let mut s = build(&["[_^[_|____"]);
        cursor_at(&mut s, 1);
        typ(&mut kb, &mut s, "a");
        assert_eq!(cur(&s), 4);
        typ(&mut kb, &mut s, "b");
        assert_eq!(
            cur(&s),
            6,
            "a protected field after the last position is entered"
        );
    }

    #[test]
    fn autoskip_wraps_back_to_the_only_unprotected_field() {
        let mut s = build(&["^xx[___^yy"]);
        cursor_at(&mut s, 4);
        let mut kb = Keyboard::new();
        typ(&mut kb, &mut s, "abc");
        assert_eq!(cur(&s), 4);
        assert_eq!(picture(&s), "^xx[abc^yy");
    }

    #[test]
    fn a_field_wrapping_around_the_buffer_end() {
        let mut s = build(&["___|xx[___"]);
        cursor_at(&mut s, 8);
        let mut kb = Keyboard::new();
        assert_eq!(typ(&mut kb, &mut s, "abcd"), [DONE; 4]);
        assert_eq!(picture(&s), "cd_|xx[_ab");
        assert_eq!(cur(&s), 2);
        kb.insert = true;
        cursor_at(&mut s, 9);
        typ(&mut kb, &mut s, "Z");
        assert_eq!(
            picture(&s),
            "bcd|xx[_aZ",
            "insert shifts across the buffer end"
        );
        refused(&mut kb, &mut s, Key::Char(' '), OperatorError::Overflow);
        assert!(mdt(&s, 6));
    }

    #[test]
    fn protected_positions_refuse_every_editing_key() {
        let mut s = build(&["|abc[de__|"]);
        let mut kb = Keyboard::new();
        for pos in [0, 2, 4, 9] {
            cursor_at(&mut s, pos);
            for k in [
                Key::Char(' '),
                Key::Dup,
                Key::FieldMark,
                Key::Delete,
                Key::EraseEof,
            ] {
                refused(&mut kb, &mut s, k, OperatorError::Protected);
            }
            if pos != 0 {
                // Erase moves left first; from position 0 the left neighbour is in the same
                // protected field too, so only the FA cases differ.
                refused(&mut kb, &mut s, Key::Erase, OperatorError::Protected);
            }
        }
        let before = s.cells().collect::<Vec<_>>();
        assert_eq!(
            kb.type_ebcdic(&mut s, 0xC1, false),
            err(OperatorError::Protected)
        );
        assert_eq!(s.cells().collect::<Vec<_>>(), before);
    }

    #[test]
    fn numeric_lock() {
        let mut s = build(&["#_____|___"]);
        cursor_at(&mut s, 1);
        let mut kb = Keyboard::new();
        refused(&mut kb, &mut s, Key::Char(' '), OperatorError::Numeric);
        assert_eq!(
            kb.type_ebcdic(&mut s, ebc('A'), false),
            err(OperatorError::Numeric)
        );
        assert_eq!(
            kb.type_ebcdic(&mut s, ebc('1'), true),
            err(OperatorError::Numeric)
        );
        refused(&mut kb, &mut s, Key::FieldMark, OperatorError::Numeric);
        assert!(!mdt(&s, 0));
        assert_eq!(typ(&mut kb, &mut s, "-1.5"), [DONE; 4]);
        assert_eq!(
            key(&mut kb, &mut s, Key::Dup),
            DONE,
            "DUP passes the numeric lock"
        );
        assert_eq!(picture(&s), "#-1.5*|___");
        assert!(mdt(&s, 0));
    }

    #[test]
    fn insert_consumes_the_first_null_after_the_cursor() {
        let mut s = build(&["[ab_cd_[__"]);
        cursor_at(&mut s, 1);
        let mut kb = Keyboard { insert: true };
        typ(&mut kb, &mut s, "X");
        assert_eq!(picture(&s), "[Xabcd_[__");
        assert_eq!(cur(&s), 2);
        typ(&mut kb, &mut s, "Y");
        assert_eq!(picture(&s), "[XYabcd[__");
        refused(&mut kb, &mut s, Key::Char(' '), OperatorError::Overflow);
        assert_eq!(cur(&s), 3);
    }

    #[test]
    fn insert_may_drop_a_trailing_blank_but_not_data() {
        let mut s = build(&["[abc [____"]);
        cursor_at(&mut s, 1);
        let mut kb = Keyboard { insert: true };
        assert_eq!(typ(&mut kb, &mut s, "X"), [DONE]);
        assert_eq!(picture(&s), "[Xabc[____");
        assert!(mdt(&s, 0));
        refused(&mut kb, &mut s, Key::Char(' '), OperatorError::Overflow);
        // Insert at the last position of a full field has no room either.
        cursor_at(&mut s, 4);
        refused(&mut kb, &mut s, Key::Dup, OperatorError::Overflow);
        // In overwrite mode the same keys are accepted.
        kb.insert = false;
        assert_eq!(key(&mut kb, &mut s, Key::FieldMark), DONE);
        assert_eq!(picture(&s), "[Xab;[____");
    }

    #[test]
    fn insert_refusal_keeps_mdt_clear() {
        let mut s = build(&["[abc|"]);
        cursor_at(&mut s, 2);
        let mut kb = Keyboard { insert: true };
        refused(&mut kb, &mut s, Key::Char(' '), OperatorError::Overflow);
        assert!(!mdt(&s, 0));
    }

    #[test]
    fn unformatted_screen_types_everywhere_and_wraps() {
        let mut s = build(&["__________", "__________"]);
        cursor_at(&mut s, 18);
        let mut kb = Keyboard::new();
        typ(&mut kb, &mut s, "abc");
        assert_eq!(picture(&s), "c_________/________ab");
        assert_eq!(cur(&s), 1);
        // Insert works line by line: the rest of the row must end in a null or blank.
        kb.insert = true;
        cursor_at(&mut s, 0);
        typ(&mut kb, &mut s, "X");
        assert_eq!(picture(&s), "Xc________/________ab");
        cursor_at(&mut s, 18);
        refused(&mut kb, &mut s, Key::Char(' '), OperatorError::Overflow);
    }

    #[test]
    fn tab_backtab_home() {
        //          0         1
        //          0123456789012345678 9
        let mut s = build(&["|ab[cd^x[_", "[___|yy[__"]);
        let mut kb = Keyboard::new();
        cursor_at(&mut s, 1);
        let mut tabs = Vec::new();
        for _ in 0..5 {
            key(&mut kb, &mut s, Key::Tab);
            tabs.push(cur(&s));
        }
        assert_eq!(
            tabs,
            [4, 9, 11, 18, 4],
            "Tab visits unprotected fields, wrapping"
        );
        cursor_at(&mut s, 3);
        key(&mut kb, &mut s, Key::Tab);
        assert_eq!(
            cur(&s),
            4,
            "from an unprotected attribute, its own field is next"
        );

        cursor_at(&mut s, 13);
        let mut backs = Vec::new();
        for _ in 0..5 {
            key(&mut kb, &mut s, Key::BackTab);
            backs.push(cur(&s));
        }
        assert_eq!(
            backs,
            [11, 9, 4, 18, 11],
            "BackTab: own start first, then previous ones"
        );
        cursor_at(&mut s, 2);
        key(&mut kb, &mut s, Key::BackTab);
        assert_eq!(
            cur(&s),
            18,
            "from a protected field to the previous unprotected, wrapping"
        );

        key(&mut kb, &mut s, Key::Home);
        assert_eq!(cur(&s), 4);
    }

    #[test]
    fn home_and_tab_without_unprotected_fields_go_to_zero() {
        let mut s = build(&["|ab^cd|xyz"]);
        let mut kb = Keyboard::new();
        for k in [Key::Tab, Key::BackTab, Key::Home] {
            cursor_at(&mut s, 5);
            assert_eq!(key(&mut kb, &mut s, k), DONE);
            assert_eq!(cur(&s), 0, "{k:?}");
        }
        let mut u = build(&["abc", "def"]);
        cursor_at(&mut u, 4);
        key(&mut kb, &mut u, Key::Home);
        assert_eq!(cur(&u), 0);
    }

    #[test]
    fn home_finds_a_field_whose_attribute_is_the_last_cell() {
        let mut s = build(&["__|xx[__|["]);
        cursor_at(&mut s, 4);
        key(&mut Keyboard::new(), &mut s, Key::Home);
        assert_eq!(
            cur(&s),
            0,
            "the field starting at address 0 is the first one"
        );
    }

    #[test]
    fn newline() {
        let mut s = build(&["[____|xxxx", "|xx[______", "__________", "^yyyyyyyyy"]);
        let mut kb = Keyboard::new();
        cursor_at(&mut s, 2);
        key(&mut kb, &mut s, Key::NewLine);
        assert_eq!(
            cur(&s),
            14,
            "row 1 starts protected: the next unprotected field"
        );
        key(&mut kb, &mut s, Key::NewLine);
        assert_eq!(cur(&s), 20, "row 2 column 0 is in the unprotected field");
        key(&mut kb, &mut s, Key::NewLine);
        assert_eq!(cur(&s), 1, "row 3 is autoskip: wrap to the first field");
        let mut u = build(&["abc", "def"]);
        cursor_at(&mut u, 5);
        key(&mut kb, &mut u, Key::NewLine);
        assert_eq!(cur(&u), 0);
    }

    #[test]
    fn cursor_keys_wrap_over_the_whole_buffer() {
        let mut s = build(&["|abc[_____", "____|xxxxx"]);
        let mut kb = Keyboard::new();
        let moves = [
            (0, Key::Left, 19),
            (19, Key::Right, 0),
            (3, Key::Up, 13),
            (13, Key::Down, 3),
            (1, Key::Left2, 19),
            (18, Key::Right2, 0),
            (5, Key::Backspace, 4),
        ];
        for (from, k, to) in moves {
            cursor_at(&mut s, from);
            assert_eq!(key(&mut kb, &mut s, k), DONE);
            assert_eq!(cur(&s), to, "{k:?} from {from}");
        }
        for (row, col, to) in [(1, 3, 13), (0, 0, 0), (7, 2, 12), (1, 99, 19), (99, 99, 19)] {
            key(&mut kb, &mut s, Key::MoveCursor { row, col });
            assert_eq!(cur(&s), to, "MoveCursor {row},{col}");
        }
        assert_eq!(
            picture(&s),
            "|abc[_____/____|xxxxx",
            "cursor keys change no data"
        );
    }

    #[test]
    fn field_end() {
        let mut s = build(&["[ab c_ _[_", "____|xxxxx"]);
        let mut kb = Keyboard::new();
        cursor_at(&mut s, 1);
        key(&mut kb, &mut s, Key::FieldEnd);
        assert_eq!(cur(&s), 5, "after the last non-blank");
        cursor_at(&mut s, 12);
        key(&mut kb, &mut s, Key::FieldEnd);
        assert_eq!(cur(&s), 9, "a blank field: its first position");
        let mut full = build(&["[abc|"]);
        cursor_at(&mut full, 1);
        key(&mut kb, &mut full, Key::FieldEnd);
        assert_eq!(cur(&full), 3, "a full field: its last position");
        cursor_at(&mut full, 4);
        key(&mut kb, &mut full, Key::FieldEnd);
        assert_eq!(cur(&full), 4, "on an attribute the cursor stays");
    }

    #[test]
    fn erase_eof() {
        let mut s = build(&["[abcdef|xy"]);
        cursor_at(&mut s, 3);
        let mut kb = Keyboard::new();
        assert_eq!(key(&mut kb, &mut s, Key::EraseEof), DONE);
        assert_eq!(picture(&s), "[ab____|xy");
        assert!(mdt(&s, 0));
        assert_eq!(cur(&s), 3);
        let mut u = build(&["abcde", "fghij"]);
        cursor_at(&mut u, 3);
        key(&mut kb, &mut u, Key::EraseEof);
        assert_eq!(
            picture(&u),
            "abc__/_____",
            "unformatted: to the end of the buffer"
        );
    }

    #[test]
    fn erase_input() {
        let mut s = build(&["|ab[cd|xy[", "ef[gh#12_|"]);
        // Start with a modified field and a modified protected field.
        s.set_mdt_at(at(&s, 4), true);
        s.set_mdt_at(at(&s, 1), true);
        cursor_at(&mut s, 16);
        let mut kb = Keyboard::new();
        assert_eq!(key(&mut kb, &mut s, Key::EraseInput), DONE);
        assert_eq!(picture(&s), "|ab[__|xy[/__[__#___|");
        assert_eq!(cur(&s), 4);
        assert!(!mdt(&s, 3));
        assert!(mdt(&s, 0), "protected fields keep their MDT");
        let mut u = build(&["abc", "def"]);
        cursor_at(&mut u, 4);
        key(&mut kb, &mut u, Key::EraseInput);
        assert_eq!((picture(&u), cur(&u)), ("___/___".to_string(), 0));
    }

    #[test]
    fn delete_shifts_the_field_left() {
        let mut s = build(&["[abcd[wxyz"]);
        cursor_at(&mut s, 2);
        let mut kb = Keyboard::new();
        assert_eq!(key(&mut kb, &mut s, Key::Delete), DONE);
        assert_eq!(picture(&s), "[acd_[wxyz");
        assert_eq!(cur(&s), 2);
        assert!(mdt(&s, 0) && !mdt(&s, 5));
        cursor_at(&mut s, 9);
        key(&mut kb, &mut s, Key::Delete);
        assert_eq!(picture(&s), "[acd_[wxy_", "delete in the last position");
        let mut u = build(&["abcd", "efgh"]);
        cursor_at(&mut u, 1);
        key(&mut kb, &mut u, Key::Delete);
        assert_eq!(picture(&u), "acd_/efgh", "unformatted: within the row");
    }

    #[test]
    fn erase_is_a_destructive_backspace_within_the_field() {
        let mut s = build(&["[abcd[wxyz"]);
        cursor_at(&mut s, 3);
        let mut kb = Keyboard::new();
        assert_eq!(key(&mut kb, &mut s, Key::Erase), DONE);
        assert_eq!((picture(&s), cur(&s)), ("[acd_[wxyz".to_string(), 2));
        assert!(mdt(&s, 0));
        cursor_at(&mut s, 6);
        assert_eq!(key(&mut kb, &mut s, Key::Erase), DONE);
        assert_eq!(
            (picture(&s), cur(&s)),
            ("[acd_[wxyz".to_string(), 6),
            "no-op at start"
        );
        assert!(!mdt(&s, 5));
    }

    #[test]
    fn backspace_only_moves() {
        let mut s = build(&["[abcd[wxyz"]);
        cursor_at(&mut s, 6);
        let mut kb = Keyboard::new();
        key(&mut kb, &mut s, Key::Backspace);
        assert_eq!(cur(&s), 5);
        assert_eq!(picture(&s), "[abcd[wxyz");
        assert!(!mdt(&s, 0) && !mdt(&s, 5));
    }

    #[test]
    fn dup_and_field_mark() {
        let mut s = build(&["[____|xx[_", "__________"]);
        cursor_at(&mut s, 2);
        let mut kb = Keyboard::new();
        assert_eq!(key(&mut kb, &mut s, Key::Dup), DONE);
        assert_eq!(cur(&s), 9, "DUP tabs to the next unprotected field");
        assert!(mdt(&s, 0));
        assert_eq!(key(&mut kb, &mut s, Key::FieldMark), DONE);
        assert_eq!(cur(&s), 10, "Field Mark advances like a character");
        assert!(mdt(&s, 8));
        assert_eq!(picture(&s), "[_*__|xx[;/__________");
        assert_eq!(s.display_char(at(&s, 2), CodePage::default()), '*');
    }

    #[test]
    fn aid_attn_reset_insert() {
        let mut s = build(&["[abc"]);
        let mut kb = Keyboard::new();
        for aid in [
            Aid::Enter,
            Aid::Pf(1),
            Aid::Pf(24),
            Aid::Pa(2),
            Aid::Clear,
            Aid::SysReq,
        ] {
            assert_eq!(key(&mut kb, &mut s, Key::Aid(aid)), KeyOutcome::Aid(aid));
        }
        for aid in [
            Aid::Pf(0),
            Aid::Pf(25),
            Aid::Pa(4),
            Aid::NoAid,
            Aid::SelectorPen,
        ] {
            refused(&mut kb, &mut s, Key::Aid(aid), OperatorError::MinusFunction);
        }
        assert_eq!(key(&mut kb, &mut s, Key::Attn), KeyOutcome::Attn);
        key(&mut kb, &mut s, Key::Insert);
        assert!(kb.insert);
        key(&mut kb, &mut s, Key::Insert);
        assert!(!kb.insert);
        key(&mut kb, &mut s, Key::Insert);
        key(&mut kb, &mut s, Key::Reset);
        assert!(!kb.insert, "Reset leaves insert mode");
        assert_eq!(picture(&s), "[abc");
    }

    #[test]
    fn characters_go_through_the_code_page() {
        let mut s = build(&["[___"]);
        cursor_at(&mut s, 1);
        let mut kb = Keyboard::new();
        // The placeholder code page knows the blank; the real one will know much more.
        assert_eq!(key(&mut kb, &mut s, Key::Char(' ')), DONE);
        assert_eq!(s.cell(at(&s, 1)).byte(), SPACE);
        refused(
            &mut kb,
            &mut s,
            Key::Char('\u{2603}'),
            OperatorError::NotInCodePage,
        );
        refused(
            &mut kb,
            &mut s,
            Key::Char('\n'),
            OperatorError::NotInCodePage,
        );
        for control in [NULL, DUP, FM, 0x3F] {
            assert_eq!(
                kb.type_ebcdic(&mut s, control, false),
                err(OperatorError::NotInCodePage)
            );
        }
        assert_eq!(picture(&s), "[ __");
    }

    fn selector_screen(designator: char, fa_bits: u8) -> Screen {
        let mut s = build(&["|_xyz[____"]);
        s.set_field_attr(at(&s, 0), FieldAttr::from_byte(fa_bits), ExtAttrs::DEFAULT);
        s.set_char(at(&s, 1), ebc(designator), false, ExtAttrs::DEFAULT);
        s.rebuild_fields();
        s.set_cursor(at(&s, 3));
        s
    }

    #[test]
    fn cursor_select_toggles_selection_fields() {
        let mut kb = Keyboard::new();
        // Protected, detectable: a typical selection field.
        let mut s = selector_screen('?', 0x24);
        assert_eq!(key(&mut kb, &mut s, Key::CursorSelect), DONE);
        assert_eq!(s.cell(at(&s, 1)).byte(), ebc('>'));
        assert!(mdt(&s, 0));
        assert_eq!(key(&mut kb, &mut s, Key::CursorSelect), DONE);
        assert_eq!(s.cell(at(&s, 1)).byte(), ebc('?'));
        assert!(!mdt(&s, 0));
        assert_eq!(cur(&s), 3, "Cursor Select does not move the cursor");
    }

    #[test]
    fn cursor_select_attention_fields() {
        let mut kb = Keyboard::new();
        for (designator, aid) in [
            (' ', Aid::SelectorPen),
            ('_', Aid::SelectorPen),
            ('&', Aid::Enter),
        ] {
            let mut s = selector_screen(designator, 0x28);
            assert_eq!(
                key(&mut kb, &mut s, Key::CursorSelect),
                KeyOutcome::Aid(aid)
            );
            assert!(mdt(&s, 0), "the attention field is sent");
            assert_eq!(s.cell(at(&s, 1)).byte(), ebc(designator));
        }
    }

    #[test]
    fn cursor_select_refusals() {
        let mut kb = Keyboard::new();
        // Not detectable (normal display, protected), wrong designator, unformatted screen.
        let mut s = selector_screen('?', 0x20);
        refused(
            &mut kb,
            &mut s,
            Key::CursorSelect,
            OperatorError::MinusFunction,
        );
        let mut s = selector_screen('A', 0x24);
        refused(
            &mut kb,
            &mut s,
            Key::CursorSelect,
            OperatorError::MinusFunction,
        );
        let mut s = selector_screen('?', 0x0C);
        refused(
            &mut kb,
            &mut s,
            Key::CursorSelect,
            OperatorError::MinusFunction,
        );
        let mut u = build(&["?abc"]);
        refused(
            &mut kb,
            &mut u,
            Key::CursorSelect,
            OperatorError::MinusFunction,
        );
    }

    fn validated(s: &mut Screen, fa: usize, validation: u8) {
        let a = at(s, fa);
        let attr = s.cell(a).attr().unwrap();
        s.set_field_attr(
            a,
            attr,
            ExtAttrs {
                validation,
                ..ExtAttrs::DEFAULT
            },
        );
        s.rebuild_fields();
    }

    #[test]
    fn mandatory_entry() {
        let mut s = build(&["|ab[___[__"]);
        validated(&mut s, 7, 0x02);
        validated(&mut s, 0, 0x02);
        assert_eq!(
            check_mandatory(&s),
            Some((OperatorError::FieldValidation, at(&s, 8)))
        );
        cursor_at(&mut s, 9);
        let mut kb = Keyboard::new();
        key(&mut kb, &mut s, Key::EraseEof);
        assert_eq!(
            check_mandatory(&s),
            None,
            "Erase EOF modifies the field: that is entry"
        );
        key(&mut kb, &mut s, Key::EraseInput);
        assert!(check_mandatory(&s).is_some());
    }

    #[test]
    fn mandatory_fill() {
        let mut s = build(&["[___[___[_"]);
        validated(&mut s, 4, 0x04);
        validated(&mut s, 0, 0x04);
        assert_eq!(
            check_mandatory(&s),
            None,
            "unmodified fields are not checked"
        );
        let mut kb = Keyboard::new();
        cursor_at(&mut s, 5);
        typ(&mut kb, &mut s, "ab");
        assert_eq!(
            check_mandatory(&s),
            Some((OperatorError::FieldValidation, at(&s, 5)))
        );
        typ(&mut kb, &mut s, "c");
        assert_eq!(check_mandatory(&s), None, "full");
        cursor_at(&mut s, 5);
        key(&mut kb, &mut s, Key::EraseEof);
        assert_eq!(check_mandatory(&s), None, "modified but empty");
        cursor_at(&mut s, 1);
        typ(&mut kb, &mut s, "x");
        let first = check_mandatory(&s);
        assert_eq!(
            first,
            Some((OperatorError::FieldValidation, at(&s, 1))),
            "buffer order"
        );
    }

    // ---------------------------------------------------------------------------------------
    // Properties over random screens and key sequences.

    #[derive(Clone, Debug)]
    enum Op {
        Byte(u8),
        Key(Key),
    }

    fn arb_screen() -> impl Strategy<Value = Screen> {
        let cell = prop_oneof![
            1 => (0u8..64).prop_map(|b| Err(b & !FieldAttr::MDT)),
            4 => prop::sample::select(vec![NULL, SPACE, 0xC1, 0xF1, 0x4B, 0x60, 0x6F, 0x6E, 0x50, DUP])
                .prop_map(Ok),
        ];
        (1u16..=4, 1u16..=12)
            .prop_flat_map(move |(rows, cols)| {
                let n = usize::from(rows) * usize::from(cols);
                (
                    Just(Dimensions::new(rows, cols)),
                    prop::collection::vec(cell.clone(), n),
                    0..n,
                    any::<bool>(),
                )
            })
            .prop_map(|(dims, cells, cursor, rebuild)| {
                let mut s = Screen::new(dims, dims);
                for (i, c) in cells.into_iter().enumerate() {
                    let a = BufferAddr::new(i, dims).unwrap();
                    match c {
                        Err(bits) => {
                            s.set_field_attr(a, FieldAttr::from_byte(bits), ExtAttrs::DEFAULT);
                        }
                        Ok(b) => s.set_char(a, b, false, ExtAttrs::DEFAULT),
                    }
                }
                // Half the screens keep a stale field index, so both lookup paths are used.
                if rebuild {
                    s.rebuild_fields();
                }
                s.set_cursor(BufferAddr::new(cursor, dims).unwrap());
                s
            })
    }

    fn arb_op(with_select: bool) -> impl Strategy<Value = Op> {
        let mut keys = vec![
            Key::Tab,
            Key::BackTab,
            Key::Home,
            Key::NewLine,
            Key::EraseEof,
            Key::EraseInput,
            Key::Insert,
            Key::Delete,
            Key::Backspace,
            Key::Erase,
            Key::Dup,
            Key::FieldMark,
            Key::Up,
            Key::Down,
            Key::Left,
            Key::Right,
            Key::Left2,
            Key::Right2,
            Key::FieldEnd,
            Key::Reset,
            Key::Attn,
            Key::Aid(Aid::Enter),
            Key::Aid(Aid::Pf(30)),
            Key::Char(' '),
            Key::Char('\u{e9}'),
        ];
        if with_select {
            keys.push(Key::CursorSelect);
        }
        prop_oneof![
            3 => prop::sample::select(vec![0xC1u8, 0x81, 0xF1, 0xF9, 0x4B, 0x60, 0x40, 0x00, 0x1C])
                .prop_map(Op::Byte),
            3 => prop::sample::select(keys).prop_map(Op::Key),
            1 => (0u16..6, 0u16..15).prop_map(|(row, col)| Op::Key(Key::MoveCursor { row, col })),
        ]
    }

    fn run(kb: &mut Keyboard, s: &mut Screen, op: &Op) -> KeyOutcome {
        match *op {
            Op::Byte(b) => kb.type_ebcdic(s, b, false),
            Op::Key(k) => kb.apply(s, k, CodePage::default()),
        }
    }

    /// Whether an operation edits the field under the cursor (and only that one).
    fn edits(op: &Op) -> bool {
        matches!(
            op,
            Op::Byte(_)
                | Op::Key(
                    Key::Char(_)
                        | Key::Dup
                        | Key::FieldMark
                        | Key::Delete
                        | Key::Erase
                        | Key::EraseEof
                )
        )
    }

    fn content(s: &Screen, f: &Field) -> Vec<(u8, bool)> {
        f.positions(s.dims())
            .map(|a| (s.cell(a).byte(), s.cell(a).is_ge()))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// No key ever panics, a refused key changes nothing, and the cursor stays on the
        /// screen, whatever the screen.
        #[test]
        fn no_panic_and_refusals_change_nothing(
            mut s in arb_screen(),
            ops in prop::collection::vec(arb_op(true), 0..40),
            insert in any::<bool>(),
        ) {
            let mut kb = Keyboard { insert };
            for op in &ops {
                let before = (s.cells().collect::<Vec<_>>(), s.cursor());
                let out = run(&mut kb, &mut s, op);
                prop_assert!(s.cursor().index() < s.cells().len());
                if let KeyOutcome::Error(_) = out {
                    prop_assert_eq!(&(s.cells().collect::<Vec<_>>(), s.cursor()), &before, "{:?}", op);
                }
            }
        }

        /// No key changes a protected field or a field attribute (apart from the MDT bit of an
        /// unprotected field). Cursor Select is left out: it changes the designator of
        /// selection fields, which are usually protected.
        #[test]
        fn protected_cells_and_attributes_never_change(
            mut s in arb_screen(),
            ops in prop::collection::vec(arb_op(false), 0..40),
        ) {
            let initial = s.clone();
            let mut kb = Keyboard::new();
            for op in &ops {
                run(&mut kb, &mut s, op);
            }
            for i in 0..s.cells().len() {
                let a = BufferAddr::new(i, s.dims()).unwrap();
                let (old, new) = (initial.cell(a), s.cell(a));
                if let Some(fa) = old.attr() {
                    let now = new.attr().map(|n| n.with_mdt(false));
                    prop_assert_eq!(now, Some(fa.with_mdt(false)), "attribute at {}", i);
                    prop_assert_eq!(old.ext, new.ext);
                    if fa.is_protected() {
                        prop_assert_eq!(old, new);
                    }
                } else if initial.is_protected_at(a) {
                    prop_assert_eq!(old, new, "protected cell {} changed", i);
                }
            }
        }

        /// MDT: a field whose content changed has its MDT set, and a field no key edited keeps
        /// its MDT clear and its content. Erase Input resets every unprotected field, so it
        /// starts the comparison afresh.
        #[test]
        fn mdt_follows_operator_changes(
            mut s in arb_screen(),
            ops in prop::collection::vec(arb_op(false), 0..40),
        ) {
            let mut baseline = s.clone();
            let mut touched: HashSet<Option<BufferAddr>> = HashSet::new();
            let mut kb = Keyboard::new();
            for op in &ops {
                let field = s.field_attr_addr(s.cursor());
                let out = run(&mut kb, &mut s, op);
                if out == KeyOutcome::Done && edits(op) {
                    touched.insert(field);
                }
                if out == KeyOutcome::Done && matches!(op, Op::Key(Key::EraseInput)) {
                    baseline = s.clone();
                    touched.clear();
                }
            }
            for f in s.fields() {
                let changed = content(&s, &f) != content(&baseline, &f);
                if changed {
                    prop_assert!(f.attr.is_modified(), "field at {} changed without MDT", f.attr_addr);
                }
                if !touched.contains(&Some(f.attr_addr)) {
                    prop_assert!(!changed, "untouched field at {} changed", f.attr_addr);
                    prop_assert!(!f.attr.is_modified(), "untouched field at {} has MDT", f.attr_addr);
                }
            }
        }
    }
}
