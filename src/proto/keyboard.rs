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
mod tests;
