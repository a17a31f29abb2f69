//! One arbitrary outbound 3270 record (W, EW, EWA, EAU, WSF, reads) applied to screens of
//! 24x80 and 62x160, blank or preformatted, as the session does it: `Record::parse`, then
//! `apply_write` for the writes, `erase_all_unprotected` for EAU, `sf::parse_fields` for WSF.
//! Afterwards the screen invariants must hold (cursor on the screen, field index equal to a
//! linear scan), the order parser must agree with `apply_write` on malformed orders, and the
//! inbound replies (Read Buffer, Read Modified) must build without panicking.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use r3270::proto::addr::Dimensions;
use r3270::proto::ds::apply::{apply_write, erase_all_unprotected};
use r3270::proto::ds::inbound::{ReadKind, ReplyMode, read_buffer, read_modified};
use r3270::proto::ds::parse::{Command, DsError, Record};
use r3270::proto::ds::sf::{self, Outbound3270DsCommand, StructuredField};
use r3270::proto::key::Aid;
use r3270::proto::screen::Screen;
use r3270_fuzz::check_screen;

#[derive(Debug, Arbitrary)]
struct Input {
    /// Start from a screen with protected and unprotected fields (else blank).
    preformat: bool,
    record: Vec<u8>,
}

/// EW, WCC (reset MDT, restore), SF protected "NAME", SF unprotected "abc", SF protected
/// intensified, SF unprotected numeric, IC, SF autoskip; no addresses so it fits any size.
const PREFORMAT: &[u8] = &[
    0xF5, 0xC3, 0x1D, 0x60, 0xD5, 0xC1, 0xD4, 0xC5, 0x1D, 0x40, 0x81, 0x82, 0x83, 0x1D, 0xE8,
    0x1D, 0x50, 0x13, 0x40, 0x40, 0x1D, 0xF0,
];

const MODEL_2: Dimensions = Dimensions::MODEL_2;
const MODEL_5_WIDE: Dimensions = Dimensions { rows: 62, cols: 160 };

/// What the session does with one record, minus the replies.
fn apply(screen: &mut Screen, reply_mode: &mut ReplyMode, record: &[u8]) -> Result<(), DsError> {
    let rec = Record::parse(record)?;
    match rec.command {
        Command::W | Command::Ew | Command::Ewa => write(screen, reply_mode, rec),
        Command::Eau => {
            erase_all_unprotected(screen);
            Ok(())
        }
        Command::Wsf => {
            for item in sf::parse_fields(rec.body) {
                let Ok(field) = item else { break };
                match field {
                    StructuredField::EraseReset { use_alternate } => screen.erase(use_alternate),
                    StructuredField::SetReplyMode { mode, .. } => {
                        *reply_mode = match mode {
                            sf::ReplyMode::Field => ReplyMode::Field,
                            sf::ReplyMode::ExtendedField => ReplyMode::ExtendedField,
                            sf::ReplyMode::Character { attribute_types } => {
                                ReplyMode::Character(attribute_types.to_vec())
                            }
                        };
                    }
                    StructuredField::Outbound3270Ds { command, data, .. } => {
                        let cmd = match command {
                            Outbound3270DsCommand::Write => Command::W,
                            Outbound3270DsCommand::EraseWrite => Command::Ew,
                            Outbound3270DsCommand::EraseWriteAlternate => Command::Ewa,
                            Outbound3270DsCommand::EraseAllUnprotected => {
                                erase_all_unprotected(screen);
                                continue;
                            }
                        };
                        let (_, result) = apply_write(screen, cmd, data);
                        result?;
                    }
                    StructuredField::ReadPartition { .. } | StructuredField::Unknown { .. } => {}
                }
                check_screen(screen);
            }
            Ok(())
        }
        Command::Rb | Command::Rm | Command::Rma | Command::Nop => Ok(()),
    }
}

fn write(screen: &mut Screen, reply_mode: &mut ReplyMode, rec: Record<'_>) -> Result<(), DsError> {
    // The order parser on its own: its first error is the one apply_write must report,
    // unless apply_write stopped earlier at an address outside the screen.
    let parse_error = rec
        .write_parts()
        .map(|(_, orders)| orders.filter_map(Result::err).next());
    let (fx, result) = apply_write(screen, rec.command, rec.body);
    if fx.erased || fx.wcc.reset() {
        *reply_mode = ReplyMode::Field;
    }
    match (&parse_error, &result) {
        (Err(e), r) => assert_eq!(Err(*e), *r),
        (Ok(None), Ok(())) | (_, Err(DsError::BadAddress { .. })) => {}
        (Ok(Some(e)), r) => assert_eq!(Err(*e), *r, "apply_write and Orders disagree"),
        (Ok(None), Err(e)) => panic!("apply_write failed ({e}) on orders that parse"),
    }
    assert!(
        !screen.index_is_stale(),
        "apply_write left a stale field index"
    );
    result
}

fuzz_target!(|input: Input| {
    for (default, alternate) in [
        (MODEL_2, MODEL_2),
        (MODEL_2, MODEL_5_WIDE),
        (MODEL_5_WIDE, MODEL_5_WIDE),
    ] {
        let mut screen = Screen::new(default, alternate);
        let mut reply_mode = ReplyMode::Field;
        if input.preformat {
            apply(&mut screen, &mut reply_mode, PREFORMAT).expect("preformat applies");
        }
        let _ = apply(&mut screen, &mut reply_mode, &input.record);
        check_screen(&screen);

        // What the terminal would send back from this screen.
        let mut out = Vec::new();
        read_buffer(&screen, Aid::Enter, &reply_mode, &mut out);
        out.clear();
        read_modified(&screen, Aid::Enter, ReadKind::Modified, &reply_mode, &mut out);
        out.clear();
        read_modified(&screen, Aid::Pa(1), ReadKind::ModifiedAll, &reply_mode, &mut out);
    }
});
