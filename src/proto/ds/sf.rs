//! Structured fields carried by the Write Structured Field (WSF) command (IBM GA23-0059,
//! chapter 5 "Structured Fields": Read Partition, Erase/Reset, Set Reply Mode, Outbound 3270DS).
//!
//! This module owns the framing of a WSF record into its structured fields and the decoding of
//! the fields a display terminal with a single implicit partition acts on. It borrows from the
//! record instead of copying, and it does not act on anything: applying an Outbound 3270DS
//! write, building a query reply or switching the reply mode is the caller's job. It must not
//! panic on any input: every length is checked against the record, and a malformed field is
//! reported as an [`SfError`], which the caller turns into a negative response.
//!
//! It also names the query reply codes (QCODEs, GA23-0059 chapter 6 "Query Replies") in
//! [`Qcode`], because a Read Partition Query List carries them.

use std::fmt;

/// The WSF command code as it arrives on an SNA or TN3270 session.
pub const WSF: u8 = 0xF3;
/// The WSF command code of a locally attached (channel) 3270, which TN3270 hosts also send.
pub const WSF_LOCAL: u8 = 0x11;

/// Structured field identifiers (the "ID" byte after the length) of the outbound fields this
/// module decodes.
pub mod sfid {
    /// Read Partition.
    pub const READ_PARTITION: u8 = 0x01;
    /// Erase/Reset.
    pub const ERASE_RESET: u8 = 0x03;
    /// Set Reply Mode.
    pub const SET_REPLY_MODE: u8 = 0x09;
    /// Outbound 3270DS.
    pub const OUTBOUND_3270DS: u8 = 0x40;
    /// The inbound Query Reply structured field (ID of every reply the terminal sends).
    pub const QUERY_REPLY: u8 = 0x81;
}

/// A query reply code (QCODE). Kept as a byte so that codes r3270 does not know survive a round
/// trip; the associated constants carry the spec names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Qcode(pub u8);

impl Qcode {
    /// Summary.
    pub const SUMMARY: Qcode = Qcode(0x80);
    /// Usable Area.
    pub const USABLE_AREA: Qcode = Qcode(0x81);
    /// Image.
    pub const IMAGE: Qcode = Qcode(0x82);
    /// Text Partitions.
    pub const TEXT_PARTITIONS: Qcode = Qcode(0x83);
    /// Alphanumeric Partitions.
    pub const ALPHANUMERIC_PARTITIONS: Qcode = Qcode(0x84);
    /// Character Sets.
    pub const CHARACTER_SETS: Qcode = Qcode(0x85);
    /// Color.
    pub const COLOR: Qcode = Qcode(0x86);
    /// Highlighting.
    pub const HIGHLIGHTING: Qcode = Qcode(0x87);
    /// Reply Modes.
    pub const REPLY_MODES: Qcode = Qcode(0x88);
    /// Field Validation.
    pub const FIELD_VALIDATION: Qcode = Qcode(0x8A);
    /// MSR Control.
    pub const MSR_CONTROL: Qcode = Qcode(0x8B);
    /// Field Outlining.
    pub const FIELD_OUTLINING: Qcode = Qcode(0x8C);
    /// Partition Characteristics.
    pub const PARTITION_CHARACTERISTICS: Qcode = Qcode(0x8E);
    /// OEM Auxiliary Device.
    pub const OEM_AUXILIARY_DEVICE: Qcode = Qcode(0x8F);
    /// Format Presentation.
    pub const FORMAT_PRESENTATION: Qcode = Qcode(0x90);
    /// DBCS-Asia.
    pub const DBCS_ASIA: Qcode = Qcode(0x91);
    /// Save/Restore Format.
    pub const SAVE_RESTORE_FORMAT: Qcode = Qcode(0x92);
    /// Format Storage Auxiliary Device.
    pub const FORMAT_STORAGE_AUXILIARY_DEVICE: Qcode = Qcode(0x94);
    /// Distributed Data Management (DDM), which IND$FILE transfers rely on.
    pub const DDM: Qcode = Qcode(0x95);
    /// Storage Pools.
    pub const STORAGE_POOLS: Qcode = Qcode(0x96);
    /// Document Interchange Architecture.
    pub const DIA: Qcode = Qcode(0x97);
    /// Data Chaining.
    pub const DATA_CHAINING: Qcode = Qcode(0x98);
    /// Auxiliary Device.
    pub const AUXILIARY_DEVICE: Qcode = Qcode(0x99);
    /// 3270 IPDS.
    pub const IPDS_3270: Qcode = Qcode(0x9A);
    /// Product Defined Data Stream.
    pub const PRODUCT_DEFINED_DATA_STREAM: Qcode = Qcode(0x9C);
    /// Anomaly Implementation.
    pub const ANOMALY_IMPLEMENTATION: Qcode = Qcode(0x9D);
    /// IBM Auxiliary Device.
    pub const IBM_AUXILIARY_DEVICE: Qcode = Qcode(0x9E);
    /// Begin/End of File.
    pub const BEGIN_END_OF_FILE: Qcode = Qcode(0x9F);
    /// Device Characteristics.
    pub const DEVICE_CHARACTERISTICS: Qcode = Qcode(0xA0);
    /// RPQ Names.
    pub const RPQ_NAMES: Qcode = Qcode(0xA1);
    /// Data Streams.
    pub const DATA_STREAMS: Qcode = Qcode(0xA2);
    /// Implicit Partition.
    pub const IMPLICIT_PARTITION: Qcode = Qcode(0xA6);
    /// Paper Feed Techniques.
    pub const PAPER_FEED_TECHNIQUES: Qcode = Qcode(0xA7);
    /// Transparency.
    pub const TRANSPARENCY: Qcode = Qcode(0xA8);
    /// Settable Printer Characteristics.
    pub const SETTABLE_PRINTER_CHARACTERISTICS: Qcode = Qcode(0xA9);
    /// IOCA Auxiliary Device.
    pub const IOCA_AUXILIARY_DEVICE: Qcode = Qcode(0xAA);
    /// Cooperative Processing Requestor.
    pub const COOPERATIVE_PROCESSING_REQUESTOR: Qcode = Qcode(0xAB);
    /// Segment.
    pub const SEGMENT: Qcode = Qcode(0xB0);
    /// Procedure.
    pub const PROCEDURE: Qcode = Qcode(0xB1);
    /// Line Type.
    pub const LINE_TYPE: Qcode = Qcode(0xB2);
    /// Port.
    pub const PORT: Qcode = Qcode(0xB3);
    /// Graphic Color.
    pub const GRAPHIC_COLOR: Qcode = Qcode(0xB4);
    /// Extended Drawing Routine.
    pub const EXTENDED_DRAWING_ROUTINE: Qcode = Qcode(0xB5);
    /// Graphic Symbol Sets.
    pub const GRAPHIC_SYMBOL_SETS: Qcode = Qcode(0xB6);
    /// Null: the reply a terminal sends when it has nothing else to say.
    pub const NULL: Qcode = Qcode(0xFF);

    /// Every QCODE with its spec name, in code order.
    const NAMES: &'static [(Qcode, &'static str)] = &[
        (Qcode::SUMMARY, "Summary"),
        (Qcode::USABLE_AREA, "UsableArea"),
        (Qcode::IMAGE, "Image"),
        (Qcode::TEXT_PARTITIONS, "TextPartitions"),
        (Qcode::ALPHANUMERIC_PARTITIONS, "AlphanumericPartitions"),
        (Qcode::CHARACTER_SETS, "CharacterSets"),
        (Qcode::COLOR, "Color"),
        (Qcode::HIGHLIGHTING, "Highlighting"),
        (Qcode::REPLY_MODES, "ReplyModes"),
        (Qcode::FIELD_VALIDATION, "FieldValidation"),
        (Qcode::MSR_CONTROL, "MsrControl"),
        (Qcode::FIELD_OUTLINING, "FieldOutlining"),
        (Qcode::PARTITION_CHARACTERISTICS, "PartitionCharacteristics"),
        (Qcode::OEM_AUXILIARY_DEVICE, "OemAuxiliaryDevice"),
        (Qcode::FORMAT_PRESENTATION, "FormatPresentation"),
        (Qcode::DBCS_ASIA, "DbcsAsia"),
        (Qcode::SAVE_RESTORE_FORMAT, "SaveRestoreFormat"),
        (
            Qcode::FORMAT_STORAGE_AUXILIARY_DEVICE,
            "FormatStorageAuxiliaryDevice",
        ),
        (Qcode::DDM, "DistributedDataManagement"),
        (Qcode::STORAGE_POOLS, "StoragePools"),
        (Qcode::DIA, "DocumentInterchangeArchitecture"),
        (Qcode::DATA_CHAINING, "DataChaining"),
        (Qcode::AUXILIARY_DEVICE, "AuxiliaryDevice"),
        (Qcode::IPDS_3270, "3270Ipds"),
        (
            Qcode::PRODUCT_DEFINED_DATA_STREAM,
            "ProductDefinedDataStream",
        ),
        (Qcode::ANOMALY_IMPLEMENTATION, "AnomalyImplementation"),
        (Qcode::IBM_AUXILIARY_DEVICE, "IbmAuxiliaryDevice"),
        (Qcode::BEGIN_END_OF_FILE, "BeginEndOfFile"),
        (Qcode::DEVICE_CHARACTERISTICS, "DeviceCharacteristics"),
        (Qcode::RPQ_NAMES, "RPQNames"),
        (Qcode::DATA_STREAMS, "DataStreams"),
        (Qcode::IMPLICIT_PARTITION, "ImplicitPartition"),
        (Qcode::PAPER_FEED_TECHNIQUES, "PaperFeedTechniques"),
        (Qcode::TRANSPARENCY, "Transparency"),
        (
            Qcode::SETTABLE_PRINTER_CHARACTERISTICS,
            "SettablePrinterCharacteristics",
        ),
        (Qcode::IOCA_AUXILIARY_DEVICE, "IocaAuxiliaryDevice"),
        (
            Qcode::COOPERATIVE_PROCESSING_REQUESTOR,
            "CooperativeProcessingRequestor",
        ),
        (Qcode::SEGMENT, "Segment"),
        (Qcode::PROCEDURE, "Procedure"),
        (Qcode::LINE_TYPE, "LineType"),
        (Qcode::PORT, "Port"),
        (Qcode::GRAPHIC_COLOR, "GraphicColor"),
        (Qcode::EXTENDED_DRAWING_ROUTINE, "ExtendedDrawingRoutine"),
        (Qcode::GRAPHIC_SYMBOL_SETS, "GraphicSymbolSets"),
        (Qcode::NULL, "Null"),
    ];

    /// The spec name of this code, `None` for a code GA23-0059 does not define.
    pub fn name(self) -> Option<&'static str> {
        Self::NAMES
            .iter()
            .find(|(q, _)| *q == self)
            .map(|&(_, n)| n)
    }

    /// Look a QCODE up by its spec name (as [`Qcode::name`] spells it, case-insensitive).
    pub fn from_name(name: &str) -> Option<Qcode> {
        Self::NAMES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|&(q, _)| q)
    }
}

impl From<u8> for Qcode {
    fn from(b: u8) -> Self {
        Qcode(b)
    }
}

impl From<Qcode> for u8 {
    fn from(q: Qcode) -> Self {
        q.0
    }
}

impl fmt::Display for Qcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "0x{:02x}", self.0),
        }
    }
}

/// The request type (REQTYP) byte of a Read Partition Query List.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryListRequest {
    /// X'00' List: reply with the listed QCODEs the terminal supports.
    List,
    /// X'40' Equivalent + List: the listed replies plus those equivalent to them.
    EquivalentAndList,
    /// X'80' All: every reply the terminal supports, whatever the list says.
    All,
}

impl QueryListRequest {
    /// The REQTYP code point.
    pub const fn code(self) -> u8 {
        match self {
            QueryListRequest::List => 0x00,
            QueryListRequest::EquivalentAndList => 0x40,
            QueryListRequest::All => 0x80,
        }
    }

    /// Decode a REQTYP byte.
    pub const fn from_code(b: u8) -> Option<Self> {
        match b {
            0x00 => Some(QueryListRequest::List),
            0x40 => Some(QueryListRequest::EquivalentAndList),
            0x80 => Some(QueryListRequest::All),
            _ => None,
        }
    }
}

/// What a Read Partition structured field asks for (its TYPE byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadPartitionType<'a> {
    /// X'02' Query: send every query reply.
    Query,
    /// X'03' Query List: send the replies a list of QCODEs asks for.
    QueryList {
        request: QueryListRequest,
        /// The requested QCODEs as they arrived; unknown codes are for the replier to ignore.
        qcodes: &'a [u8],
    },
    /// X'F2' Read Buffer (RB).
    ReadBuffer,
    /// X'F6' Read Modified (RM).
    ReadModified,
    /// X'6E' Read Modified All (RMA).
    ReadModifiedAll,
}

/// The reply mode a Set Reply Mode structured field selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyMode<'a> {
    /// X'00' Field mode: inbound data carries field attributes only.
    Field,
    /// X'01' Extended field mode: inbound data carries extended field attributes too.
    ExtendedField,
    /// X'02' Character mode: inbound data also carries the listed character attribute types
    /// (extended attribute type codes such as X'41' highlighting, X'42' foreground color).
    Character { attribute_types: &'a [u8] },
}

impl ReplyMode<'_> {
    /// The MODE code point.
    pub const fn code(&self) -> u8 {
        match self {
            ReplyMode::Field => 0x00,
            ReplyMode::ExtendedField => 0x01,
            ReplyMode::Character { .. } => 0x02,
        }
    }
}

/// The 3270 write-type command carried by an Outbound 3270DS structured field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outbound3270DsCommand {
    /// Write (W).
    Write,
    /// Erase/Write (EW).
    EraseWrite,
    /// Erase/Write Alternate (EWA).
    EraseWriteAlternate,
    /// Erase All Unprotected (EAU).
    EraseAllUnprotected,
}

impl Outbound3270DsCommand {
    /// The SNA code point of the command.
    pub const fn code(self) -> u8 {
        match self {
            Outbound3270DsCommand::Write => 0xF1,
            Outbound3270DsCommand::EraseWrite => 0xF5,
            Outbound3270DsCommand::EraseWriteAlternate => 0x7E,
            Outbound3270DsCommand::EraseAllUnprotected => 0x6F,
        }
    }

    /// Decode a command byte. The SNA code points are what the spec defines for this field; the
    /// local (channel-attached) code points are accepted as well because TN3270 servers pass
    /// both kinds of command byte through and they cannot be confused with each other.
    pub const fn from_code(b: u8) -> Option<Self> {
        match b {
            0xF1 | 0x01 => Some(Outbound3270DsCommand::Write),
            0xF5 | 0x05 => Some(Outbound3270DsCommand::EraseWrite),
            0x7E | 0x0D => Some(Outbound3270DsCommand::EraseWriteAlternate),
            0x6F | 0x0F => Some(Outbound3270DsCommand::EraseAllUnprotected),
            _ => None,
        }
    }
}

/// One decoded outbound structured field, borrowing from the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StructuredField<'a> {
    /// Read Partition (ID X'01'). Query and Query List are only valid for partition X'FF' and the
    /// read operations only for partition X'00'; the caller checks that, because which
    /// partitions exist is its business.
    ReadPartition {
        partition: u8,
        kind: ReadPartitionType<'a>,
    },
    /// Erase/Reset (ID X'03'): clear the screen and go back to the implicit partition, in the
    /// alternate size when `use_alternate` (flag bit 0, X'80') is set, else the default size.
    EraseReset { use_alternate: bool },
    /// Set Reply Mode (ID X'09').
    SetReplyMode { partition: u8, mode: ReplyMode<'a> },
    /// Outbound 3270DS (ID X'40'): a write-type command for a partition. `data` is what follows
    /// the command byte (the WCC and the orders; empty for EAU) for the caller to apply.
    Outbound3270Ds {
        partition: u8,
        command: Outbound3270DsCommand,
        data: &'a [u8],
    },
    /// Any other structured field, for the caller to skip or hand elsewhere (Load Programmed
    /// Symbols, Create Partition, IND$FILE Data X'D0', ...). `id` is the one-byte ID, or for the
    /// two-byte IDs (first byte X'0F' or X'10') both bytes big-endian; `data` follows the ID.
    Unknown { id: u16, data: &'a [u8] },
}

/// Why a WSF record or one of its structured fields could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SfError {
    /// One byte was left where a two-byte length was expected.
    #[error("structured field at offset {offset}: length field cut short")]
    TruncatedLength { offset: usize },
    /// A length below 3 cannot even hold the length and the ID.
    #[error("structured field at offset {offset}: length {length} is below the minimum of 3")]
    LengthTooSmall { offset: usize, length: usize },
    /// The length runs past the end of the record.
    #[error(
        "structured field at offset {offset}: length {length} overruns the {remaining} bytes left"
    )]
    LengthOverrun {
        offset: usize,
        length: usize,
        remaining: usize,
    },
    /// A known structured field is shorter than its mandatory parameters.
    #[error("structured field ID 0x{id:02x}: {length} bytes is too short")]
    FieldTooShort { id: u8, length: usize },
    /// A Read Partition TYPE that GA23-0059 does not define.
    #[error("Read Partition: unknown type 0x{0:02x}")]
    UnknownReadPartitionType(u8),
    /// A Query List REQTYP that GA23-0059 does not define.
    #[error("Read Partition Query List: unknown request type 0x{0:02x}")]
    UnknownQueryListRequest(u8),
    /// A Set Reply Mode MODE that GA23-0059 does not define.
    #[error("Set Reply Mode: unknown mode 0x{0:02x}")]
    UnknownReplyMode(u8),
    /// An Outbound 3270DS command that is not W, EW, EWA or EAU.
    #[error("Outbound 3270DS: unknown command 0x{0:02x}")]
    UnknownOutboundCommand(u8),
}

/// An iterator over the structured fields of a WSF record. It stops after the first error,
/// because once a length is wrong the position of the next field is unknown.
#[derive(Clone, Debug)]
pub struct StructuredFields<'a> {
    rest: &'a [u8],
    offset: usize,
    failed: bool,
}

/// Iterate over the structured fields of a whole WSF record, command byte included. The
/// command byte is skipped unchecked: the caller dispatched on it already.
pub fn parse_record(record: &[u8]) -> StructuredFields<'_> {
    let fields = record.get(1..).unwrap_or_default();
    StructuredFields {
        rest: fields,
        offset: 1,
        failed: false,
    }
}

/// Iterate over structured fields that start at the first byte of `fields` (the WSF command
/// byte already removed).
pub fn parse_fields(fields: &[u8]) -> StructuredFields<'_> {
    StructuredFields {
        rest: fields,
        offset: 0,
        failed: false,
    }
}

impl<'a> Iterator for StructuredFields<'a> {
    type Item = Result<StructuredField<'a>, SfError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        match self.split_field() {
            Ok(field) => Some(decode(field)),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

impl std::iter::FusedIterator for StructuredFields<'_> {}

impl<'a> StructuredFields<'a> {
    /// Take the next field (length bytes included) off the front of the record.
    fn split_field(&mut self) -> Result<&'a [u8], SfError> {
        let offset = self.offset;
        let [hi, lo, ..] = *self.rest else {
            return Err(SfError::TruncatedLength { offset });
        };
        let remaining = self.rest.len();
        // A length of zero is the spec's way of saying "the rest of the record", used by hosts
        // that build the last field before knowing its size.
        let length = match usize::from(u16::from_be_bytes([hi, lo])) {
            0 => remaining,
            n => n,
        };
        if length < 3 {
            return Err(SfError::LengthTooSmall { offset, length });
        }
        if length > remaining {
            return Err(SfError::LengthOverrun {
                offset,
                length,
                remaining,
            });
        }
        let (field, rest) = self.rest.split_at(length);
        self.rest = rest;
        self.offset += length;
        Ok(field)
    }
}

/// Decode one structured field whose framing is already checked (at least 3 bytes, the first
/// two being its length).
fn decode(field: &[u8]) -> Result<StructuredField<'_>, SfError> {
    let length = field.len();
    let id = field.get(2).copied().unwrap_or_default();
    let too_short = SfError::FieldTooShort { id, length };
    let body = field.get(3..).unwrap_or_default();
    match id {
        sfid::READ_PARTITION => {
            let [partition, kind, ref params @ ..] = *body else {
                return Err(too_short);
            };
            let kind = match kind {
                0x02 => ReadPartitionType::Query,
                0x03 => {
                    let [reqtyp, ref qcodes @ ..] = *params else {
                        return Err(too_short);
                    };
                    let request = QueryListRequest::from_code(reqtyp)
                        .ok_or(SfError::UnknownQueryListRequest(reqtyp))?;
                    ReadPartitionType::QueryList { request, qcodes }
                }
                0xF2 => ReadPartitionType::ReadBuffer,
                0xF6 => ReadPartitionType::ReadModified,
                0x6E => ReadPartitionType::ReadModifiedAll,
                other => return Err(SfError::UnknownReadPartitionType(other)),
            };
            Ok(StructuredField::ReadPartition { partition, kind })
        }
        sfid::ERASE_RESET => {
            // Only bit 0 is defined; the other flag bits are reserved and ignored.
            let [flags, ..] = *body else {
                return Err(too_short);
            };
            Ok(StructuredField::EraseReset {
                use_alternate: flags & 0x80 != 0,
            })
        }
        sfid::SET_REPLY_MODE => {
            let [partition, mode, ref attribute_types @ ..] = *body else {
                return Err(too_short);
            };
            let mode = match mode {
                0x00 => ReplyMode::Field,
                0x01 => ReplyMode::ExtendedField,
                0x02 => ReplyMode::Character { attribute_types },
                other => return Err(SfError::UnknownReplyMode(other)),
            };
            Ok(StructuredField::SetReplyMode { partition, mode })
        }
        sfid::OUTBOUND_3270DS => {
            let [partition, command, ref data @ ..] = *body else {
                return Err(too_short);
            };
            let command = Outbound3270DsCommand::from_code(command)
                .ok_or(SfError::UnknownOutboundCommand(command))?;
            Ok(StructuredField::Outbound3270Ds {
                partition,
                command,
                data,
            })
        }
        // IDs starting X'0F' or X'10' are two bytes long (GA23-0059, "Structured Field
        // Format"); the second byte belongs to the ID, not to the data.
        0x0F | 0x10 => match *body {
            [id2, ref data @ ..] => Ok(StructuredField::Unknown {
                id: u16::from_be_bytes([id, id2]),
                data,
            }),
            [] => Err(too_short),
        },
        _ => Ok(StructuredField::Unknown {
            id: u16::from(id),
            data: body,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all(record: &[u8]) -> Vec<Result<StructuredField<'_>, SfError>> {
        parse_record(record).collect()
    }

    #[test]
    fn read_partition_query_from_invalid_sba_trace() {
        // b3270/invalid_sba.trc: host record `f3 0005 01 ff 02` (IAC doubling removed).
        let rec = [0xF3, 0x00, 0x05, 0x01, 0xFF, 0x02];
        assert_eq!(
            all(&rec),
            vec![Ok(StructuredField::ReadPartition {
                partition: 0xFF,
                kind: ReadPartitionType::Query
            })]
        );
    }

    #[test]
    fn query_list_from_rpqnames_trace() {
        // s3270/rpqnames.trc: `f3 0007 01 ff 03 00 a1`, Query List (List) of RPQ Names.
        let rec = [0xF3, 0x00, 0x07, 0x01, 0xFF, 0x03, 0x00, 0xA1];
        assert_eq!(
            all(&rec),
            vec![Ok(StructuredField::ReadPartition {
                partition: 0xFF,
                kind: ReadPartitionType::QueryList {
                    request: QueryListRequest::List,
                    qcodes: &[0xA1]
                }
            })]
        );
    }

    #[test]
    fn outbound_3270ds_then_query_from_bid_bug_trace() {
        // s3270/bid-bug.trc: `f3 0006 40 00 f1 c2 0005 01 ff 02`: a Write with WCC C2 for the
        // implicit partition, then a Query, in one record.
        let rec = [
            0xF3, 0x00, 0x06, 0x40, 0x00, 0xF1, 0xC2, 0x00, 0x05, 0x01, 0xFF, 0x02,
        ];
        assert_eq!(
            all(&rec),
            vec![
                Ok(StructuredField::Outbound3270Ds {
                    partition: 0,
                    command: Outbound3270DsCommand::Write,
                    data: &[0xC2]
                }),
                Ok(StructuredField::ReadPartition {
                    partition: 0xFF,
                    kind: ReadPartitionType::Query
                })
            ]
        );
    }

    #[test]
    fn set_reply_mode_from_reply_modes_trace() {
        // s3270/reply_modes.trc: `11 0005 09 00 01` and `11 0007 09 00 02 42 43`.
        let ext = [0x11, 0x00, 0x05, 0x09, 0x00, 0x01];
        assert_eq!(
            all(&ext),
            vec![Ok(StructuredField::SetReplyMode {
                partition: 0,
                mode: ReplyMode::ExtendedField
            })]
        );
        let chr = [0x11, 0x00, 0x07, 0x09, 0x00, 0x02, 0x42, 0x43];
        assert_eq!(
            all(&chr),
            vec![Ok(StructuredField::SetReplyMode {
                partition: 0,
                mode: ReplyMode::Character {
                    attribute_types: &[0x42, 0x43]
                }
            })]
        );
    }

    #[test]
    fn read_operations_and_erase_reset() {
        let rec = [
            0xF3, 0x00, 0x05, 0x01, 0x00, 0xF2, 0x00, 0x05, 0x01, 0x00, 0xF6, 0x00, 0x05, 0x01,
            0x00, 0x6E, 0x00, 0x04, 0x03, 0x80, 0x00, 0x04, 0x03, 0x00,
        ];
        let kinds: Vec<_> = all(&rec).into_iter().map(Result::unwrap).collect();
        assert_eq!(
            kinds,
            vec![
                StructuredField::ReadPartition {
                    partition: 0,
                    kind: ReadPartitionType::ReadBuffer
                },
                StructuredField::ReadPartition {
                    partition: 0,
                    kind: ReadPartitionType::ReadModified
                },
                StructuredField::ReadPartition {
                    partition: 0,
                    kind: ReadPartitionType::ReadModifiedAll
                },
                StructuredField::EraseReset {
                    use_alternate: true
                },
                StructuredField::EraseReset {
                    use_alternate: false
                },
            ]
        );
    }

    #[test]
    fn query_list_request_types() {
        for (code, req) in [
            (0x00, QueryListRequest::List),
            (0x40, QueryListRequest::EquivalentAndList),
            (0x80, QueryListRequest::All),
        ] {
            let rec = [0xF3, 0x00, 0x08, 0x01, 0xFF, 0x03, code, 0x81, 0x86];
            assert_eq!(
                all(&rec),
                vec![Ok(StructuredField::ReadPartition {
                    partition: 0xFF,
                    kind: ReadPartitionType::QueryList {
                        request: req,
                        qcodes: &[0x81, 0x86]
                    }
                })]
            );
            assert_eq!(req.code(), code);
        }
        let bad = [0xF3, 0x00, 0x06, 0x01, 0xFF, 0x03, 0x41];
        assert_eq!(all(&bad), vec![Err(SfError::UnknownQueryListRequest(0x41))]);
        let short = [0xF3, 0x00, 0x05, 0x01, 0xFF, 0x03];
        assert_eq!(
            all(&short),
            vec![Err(SfError::FieldTooShort { id: 1, length: 5 })]
        );
    }

    #[test]
    fn zero_length_runs_to_end_of_record() {
        // An Outbound 3270DS EW with length 0: everything after it belongs to it.
        let rec = [0xF3, 0x00, 0x00, 0x40, 0x00, 0xF5, 0xC3, 0x11, 0x40, 0x40];
        assert_eq!(
            all(&rec),
            vec![Ok(StructuredField::Outbound3270Ds {
                partition: 0,
                command: Outbound3270DsCommand::EraseWrite,
                data: &[0xC3, 0x11, 0x40, 0x40]
            })]
        );
    }

    #[test]
    fn unknown_fields_are_skipped_with_their_data() {
        // Load Programmed Symbols (0x06), IND$FILE Data (0xD0), a two-byte ID (0x0F 0x21),
        // then a field r3270 knows, which must still be found.
        let rec = [
            0xF3, 0x00, 0x05, 0x06, 0xAA, 0xBB, 0x00, 0x04, 0xD0, 0x01, 0x00, 0x05, 0x0F, 0x21,
            0x09, 0x00, 0x04, 0x03, 0x00,
        ];
        assert_eq!(
            all(&rec),
            vec![
                Ok(StructuredField::Unknown {
                    id: 0x06,
                    data: &[0xAA, 0xBB]
                }),
                Ok(StructuredField::Unknown {
                    id: 0xD0,
                    data: &[0x01]
                }),
                Ok(StructuredField::Unknown {
                    id: 0x0F21,
                    data: &[0x09]
                }),
                Ok(StructuredField::EraseReset {
                    use_alternate: false
                }),
            ]
        );
    }

    #[test]
    fn framing_errors_stop_iteration() {
        assert_eq!(all(&[0xF3]), vec![]);
        assert_eq!(
            all(&[0xF3, 0x00]),
            vec![Err(SfError::TruncatedLength { offset: 1 })]
        );
        assert_eq!(
            all(&[0xF3, 0x00, 0x02, 0x01, 0x00, 0x04, 0x03, 0x00]),
            vec![Err(SfError::LengthTooSmall {
                offset: 1,
                length: 2
            })]
        );
        assert_eq!(
            all(&[0xF3, 0x00, 0x04, 0x03, 0x00, 0x00, 0x09, 0x01]),
            vec![
                Ok(StructuredField::EraseReset {
                    use_alternate: false
                }),
                Err(SfError::LengthOverrun {
                    offset: 5,
                    length: 9,
                    remaining: 3
                })
            ]
        );
        // A zero length on one remaining byte is "to the end", which is still too small.
        assert_eq!(
            all(&[0xF3, 0x00, 0x00]),
            vec![Err(SfError::LengthTooSmall {
                offset: 1,
                length: 2
            })]
        );
    }

    #[test]
    fn content_errors_do_not_stop_iteration() {
        // A bad field whose framing is fine does not hide the fields after it.
        let rec = [
            0xF3, 0x00, 0x05, 0x09, 0x00, 0x07, 0x00, 0x05, 0x40, 0x00, 0x99, 0x00, 0x05, 0x01,
            0xFF, 0x55, 0x00, 0x03, 0x01, 0x00, 0x04, 0x03, 0x80,
        ];
        assert_eq!(
            all(&rec),
            vec![
                Err(SfError::UnknownReplyMode(7)),
                Err(SfError::UnknownOutboundCommand(0x99)),
                Err(SfError::UnknownReadPartitionType(0x55)),
                Err(SfError::FieldTooShort { id: 1, length: 3 }),
                Ok(StructuredField::EraseReset {
                    use_alternate: true
                }),
            ]
        );
    }

    #[test]
    fn qcode_names() {
        assert_eq!(Qcode::SUMMARY.name(), Some("Summary"));
        assert_eq!(Qcode::from(0xA1).to_string(), "RPQNames");
        assert_eq!(Qcode(0x7F).to_string(), "0x7f");
        assert_eq!(Qcode(0x00).name(), None);
        assert_eq!(
            Qcode::from_name("implicitpartition"),
            Some(Qcode::IMPLICIT_PARTITION)
        );
        assert_eq!(Qcode::from_name(""), None);
        assert_eq!(u8::from(Qcode::DDM), 0x95);
    }

    #[test]
    fn qcode_names_are_unique() {
        let named = Qcode::NAMES;
        for (i, (q, n)) in named.iter().enumerate() {
            for (q2, n2) in &named[i + 1..] {
                assert_ne!(q, q2);
                assert_ne!(n, n2);
            }
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut consumed = 0usize;
            for item in parse_record(&bytes) {
                if let Ok(StructuredField::Unknown { data, .. }) = item {
                    consumed += data.len();
                }
            }
            prop_assert!(consumed <= bytes.len());
        }

        #[test]
        fn well_framed_fields_are_all_visited(
            bodies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..20), 0..6)
        ) {
            let mut rec = vec![WSF];
            for body in &bodies {
                let len = u16::try_from(body.len() + 2).unwrap();
                rec.extend_from_slice(&len.to_be_bytes());
                rec.extend_from_slice(body);
            }
            let items: Vec<_> = parse_record(&rec).collect();
            let framing_error = items.iter().any(|r| matches!(
                r,
                Err(SfError::TruncatedLength { .. }
                    | SfError::LengthTooSmall { .. }
                    | SfError::LengthOverrun { .. })
            ));
            prop_assert!(!framing_error);
            prop_assert_eq!(items.len(), bodies.len());
        }
    }
}
