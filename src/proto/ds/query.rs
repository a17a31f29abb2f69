//! The inbound Query Reply record a display terminal sends in answer to a Read Partition Query
//! or Query List (IBM GA23-0059, chapter 6 "Query Replies", and chapter 5 "Read Partition").
//!
//! This module owns the bytes of every query reply r3270 sends: Summary, Usable Area,
//! Alphanumeric Partitions, Character Sets, Color, Highlighting, Reply Modes, Field Outlining
//! (opt-in), Distributed Data Management (DDM), RPQ Names, Implicit Partition and Null. It
//! builds them from a [`QueryContext`] that says what the terminal advertises; it does not
//! decide that (the session does, e.g. from the model, the BIND and the options) and it does not
//! send anything or escape telnet IAC bytes. With [`QueryContext::new`] the replies are byte for
//! byte what x3270 4.x sends, so hosts see r3270 as they see x3270.

use super::sf::{Qcode, QueryListRequest, ReadPartitionType, sfid};
use crate::proto::addr::Dimensions;

/// The attention identifier that starts an inbound record made of structured fields.
pub const AID_STRUCTURED_FIELD: u8 = 0x88;

/// What the host asked for: the two Read Partition types that are answered with query replies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryRequest<'a> {
    /// Read Partition Query: every reply the terminal supports.
    Query,
    /// Read Partition Query List with its request type and the requested QCODEs.
    QueryList {
        request: QueryListRequest,
        qcodes: &'a [u8],
    },
}

impl<'a> QueryRequest<'a> {
    /// The query request a Read Partition type stands for, `None` for the read operations.
    pub fn from_read_partition(kind: ReadPartitionType<'a>) -> Option<Self> {
        match kind {
            ReadPartitionType::Query => Some(QueryRequest::Query),
            ReadPartitionType::QueryList { request, qcodes } => {
                Some(QueryRequest::QueryList { request, qcodes })
            }
            ReadPartitionType::ReadBuffer
            | ReadPartitionType::ReadModified
            | ReadPartitionType::ReadModifiedAll => None,
        }
    }
}

/// The addressing modes the Usable Area reply advertises (its ADDR flag bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addressing {
    /// B'0001': 12-bit and 14-bit buffer addresses are accepted. This is right for every
    /// alphanumeric screen size up to 16384 cells, whether or not the current size needs 14-bit
    /// addresses, because the host chooses the form and the terminal decodes both.
    TwelveAndFourteenBit,
    /// B'0011': 16-bit addresses are accepted too.
    TwelveFourteenAndSixteenBit,
}

impl Addressing {
    const fn code(self) -> u8 {
        match self {
            Addressing::TwelveAndFourteenBit => 0x01,
            Addressing::TwelveFourteenAndSixteenBit => 0x03,
        }
    }
}

/// The reply modes the terminal accepts in Set Reply Mode; field mode is always supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplyModes {
    /// Extended field mode (X'01').
    pub extended_field: bool,
    /// Character mode (X'02').
    pub character: bool,
}

/// The inbound and outbound length limits of the Distributed Data Management reply, which
/// IND$FILE uses to size its transfer buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DdmLimits {
    /// LIMIN: the largest inbound transmission the terminal will build.
    pub inbound: u16,
    /// LIMOUT: the largest outbound transmission the terminal accepts.
    pub outbound: u16,
}

/// One self-defining term appended to the RPQ name in the RPQ Names reply. The term ids are the
/// product's own, not the spec's (x3270 numbers them, e.g. 1 for a timestamp and 4 for its
/// version), so they are carried as plain bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpqTerm {
    pub id: u8,
    pub data: Vec<u8>,
}

/// The contents of the RPQ Names reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpqNames {
    /// Device type the RPQ applies to; 0 means all.
    pub device_type: u32,
    /// Model the RPQ applies to; 0 means all.
    pub model: u32,
    /// The RPQ name, already in EBCDIC.
    pub name: Vec<u8>,
    /// Self-defining terms after the name. Terms that do not fit in the 255-byte RPQ names
    /// area are left out rather than cut.
    pub terms: Vec<RpqTerm>,
}

impl RpqNames {
    /// "x3270" in EBCDIC, with no terms: what x3270 sends unless told to add terms.
    pub fn x3270() -> Self {
        RpqNames {
            device_type: 0,
            model: 0,
            name: vec![0xA7, 0xF3, 0xF2, 0xF7, 0xF0],
            terms: Vec::new(),
        }
    }
}

/// The Field Outlining reply parameters: where the outline lines sit in a character cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldOutlining {
    /// SEP flag: outlines need a separate cell rather than being drawn inside the cell.
    pub separation: bool,
    /// VPOS: the slice (from the top of the cell) where underlines and overlines are drawn.
    pub vpos: u8,
    /// HPOS: the column of slices where left and right lines are drawn.
    pub hpos: u8,
    /// HPOS0: the slice of the left line.
    pub hpos0: u8,
    /// HPOS1: the slice of the right line.
    pub hpos1: u8,
}

impl Default for FieldOutlining {
    /// Lines on the edges of the 9x12 cell r3270 reports everywhere else.
    fn default() -> Self {
        FieldOutlining {
            separation: false,
            vpos: CELL_HEIGHT - 1,
            hpos: 0,
            hpos0: 0,
            hpos1: CELL_WIDTH - 1,
        }
    }
}

/// What the terminal advertises in its query replies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryContext {
    /// The default screen size (24x80 on every 3270 model), reported in Implicit Partition.
    pub default_size: Dimensions,
    /// The alternate (largest) screen size: the model's size, an oversize screen, or whatever a
    /// BIND limited it to. Usable Area, Alphanumeric Partitions and Implicit Partition report
    /// it. An IBM-DYNAMIC terminal needs nothing else: its oversize screen is this size.
    pub alternate_size: Dimensions,
    /// Whether colours are displayed (a 3279). When false (a 3278) the Color reply maps every
    /// colour to the default, which tells the host colour attributes are accepted but not shown.
    /// x3270 4.x reports colour for 3278 and 3279 models alike, as its traces show.
    pub color: bool,
    /// The CGCSGID of the host code page: GCSGID in the high 16 bits, CPGID in the low 16
    /// (0x02B9_0025 for code page 37 / "bracket").
    pub cgcsgid: u32,
    /// The CGCSGID of the graphic escape (APL) character set, when Graphic Escape is supported.
    pub graphic_escape_cgcsgid: Option<u32>,
    /// The addressing modes advertised in Usable Area.
    pub addressing: Addressing,
    /// The reply modes advertised in Reply Modes.
    pub reply_modes: ReplyModes,
    /// Field Outlining, when supported. Off by default because x3270 does not send it and the
    /// default replies must match x3270's.
    pub field_outlining: Option<FieldOutlining>,
    /// The DDM limits, when IND$FILE transfers are supported.
    pub ddm: Option<DdmLimits>,
    /// The RPQ Names reply, when sent.
    pub rpq_names: Option<RpqNames>,
}

/// The character cell x3270 reports (that of a 3279 model 2), in slices: the Usable Area and
/// Character Sets replies need a size and hosts only use it for graphics.
const CELL_WIDTH: u8 = 0x09;
/// See [`CELL_WIDTH`].
const CELL_HEIGHT: u8 = 0x0C;
/// The horizontal distance between points (Xr) of that cell's display, a fraction in
/// millimetres: 10/741.
const XR_MM: u32 = 0x000A_02E5;
/// The vertical distance between points (Yr): 2/111 mm.
const YR_MM: u32 = 0x0002_006F;
/// The CGCSGID of the APL character set reached through Graphic Escape: GCSGID 963, CPGID 310.
pub const APL_CGCSGID: u32 = 0x03C3_0136;
/// The CGCSGID of code page 37 ("bracket"): GCSGID 697, CPGID 37.
pub const CP037_CGCSGID: u32 = 0x02B9_0025;

impl QueryContext {
    /// A colour terminal with the given alternate size, code page 37, APL through Graphic
    /// Escape, all three reply modes, DDM limits of 16384 and the RPQ name "x3270": what x3270
    /// 4.x advertises with its default settings.
    pub fn new(alternate_size: Dimensions) -> Self {
        QueryContext {
            default_size: Dimensions::MODEL_2,
            alternate_size,
            color: true,
            cgcsgid: CP037_CGCSGID,
            graphic_escape_cgcsgid: Some(APL_CGCSGID),
            addressing: Addressing::TwelveAndFourteenBit,
            reply_modes: ReplyModes {
                extended_field: true,
                character: true,
            },
            field_outlining: None,
            ddm: Some(DdmLimits {
                inbound: 16384,
                outbound: 16384,
            }),
            rpq_names: Some(RpqNames::x3270()),
        }
    }

    /// The QCODEs this terminal answers, in the order it sends them (ascending code, which puts
    /// Summary first as GA23-0059 requires).
    pub fn supported(&self) -> Vec<Qcode> {
        let mut codes = vec![
            Qcode::SUMMARY,
            Qcode::USABLE_AREA,
            Qcode::ALPHANUMERIC_PARTITIONS,
            Qcode::CHARACTER_SETS,
            Qcode::COLOR,
            Qcode::HIGHLIGHTING,
            Qcode::REPLY_MODES,
        ];
        if self.field_outlining.is_some() {
            codes.push(Qcode::FIELD_OUTLINING);
        }
        if self.ddm.is_some() {
            codes.push(Qcode::DDM);
        }
        if self.rpq_names.is_some() {
            codes.push(Qcode::RPQ_NAMES);
        }
        codes.push(Qcode::IMPLICIT_PARTITION);
        codes
    }
}

/// Append the inbound record answering `request`: AID X'88' and the query replies.
///
/// Query, and Query List of type All or Equivalent + List, get every supported reply. r3270
/// has no replies that are merely equivalent to others, so the only safe superset for
/// Equivalent + List is all of them (x3270 does the same). Query List of type List gets the
/// supported replies that were listed, in the terminal's order, each once; unknown codes are
/// ignored, and when nothing is left the Null reply is sent, because an empty record would not
/// tell the host its query was answered.
pub fn query_reply(ctx: &QueryContext, request: QueryRequest<'_>, out: &mut Vec<u8>) {
    out.push(AID_STRUCTURED_FIELD);
    let supported = ctx.supported();
    match request {
        QueryRequest::Query
        | QueryRequest::QueryList {
            request: QueryListRequest::All | QueryListRequest::EquivalentAndList,
            ..
        } => {
            for &q in &supported {
                append_reply(ctx, &supported, q, out);
            }
        }
        QueryRequest::QueryList {
            request: QueryListRequest::List,
            qcodes,
        } => {
            let mut any = false;
            for &q in supported.iter().filter(|q| qcodes.contains(&q.0)) {
                append_reply(ctx, &supported, q, out);
                any = true;
            }
            if !any {
                append_reply(ctx, &supported, Qcode::NULL, out);
            }
        }
    }
}

/// Append one Query Reply structured field: length, X'81', the QCODE and the parameters.
fn append_reply(ctx: &QueryContext, supported: &[Qcode], qcode: Qcode, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0, 0, sfid::QUERY_REPLY, qcode.0]);
    match qcode {
        Qcode::SUMMARY => out.extend(supported.iter().map(|q| q.0)),
        Qcode::USABLE_AREA => usable_area(ctx, out),
        Qcode::ALPHANUMERIC_PARTITIONS => {
            // NA: the highest partition id is 0 (the implicit partition only); M: the buffer
            // storage; no flags (no vertical scrolling or other partition features).
            out.push(0x00);
            out.extend_from_slice(&cells(ctx.alternate_size).to_be_bytes());
            out.push(0x00);
        }
        Qcode::CHARACTER_SETS => character_sets(ctx, out),
        Qcode::COLOR => color(ctx, out),
        Qcode::HIGHLIGHTING => {
            // Five pairs of (attribute value, what is shown): default is normal, and blink,
            // reverse video, underscore and intensify are each shown as themselves.
            out.extend_from_slice(&[
                0x05, 0x00, 0xF0, 0xF1, 0xF1, 0xF2, 0xF2, 0xF4, 0xF4, 0xF8, 0xF8,
            ]);
        }
        Qcode::REPLY_MODES => {
            out.push(0x00);
            if ctx.reply_modes.extended_field {
                out.push(0x01);
            }
            if ctx.reply_modes.character {
                out.push(0x02);
            }
        }
        Qcode::FIELD_OUTLINING => {
            if let Some(fo) = ctx.field_outlining {
                out.extend_from_slice(&[
                    0x00,
                    if fo.separation { 0x80 } else { 0x00 },
                    fo.vpos,
                    fo.hpos,
                    fo.hpos0,
                    fo.hpos1,
                ]);
            }
        }
        Qcode::DDM => {
            if let Some(ddm) = ctx.ddm {
                // Reserved flags, LIMIN, LIMOUT, then NSS (one subset) and DDMSS (subset 1).
                out.extend_from_slice(&[0x00, 0x00]);
                out.extend_from_slice(&ddm.inbound.to_be_bytes());
                out.extend_from_slice(&ddm.outbound.to_be_bytes());
                out.extend_from_slice(&[0x01, 0x01]);
            }
        }
        Qcode::RPQ_NAMES => {
            if let Some(rpq) = &ctx.rpq_names {
                rpq_names(rpq, out);
            }
        }
        Qcode::IMPLICIT_PARTITION => {
            // Two reserved bytes, then one self-defining parameter of 11 bytes, type X'01'
            // (implicit partition sizes): a reserved byte, the default width and height and
            // the alternate width and height, in character cells.
            out.extend_from_slice(&[0x00, 0x00, 0x0B, 0x01, 0x00]);
            for v in [
                ctx.default_size.cols,
                ctx.default_size.rows,
                ctx.alternate_size.cols,
                ctx.alternate_size.rows,
            ] {
                out.extend_from_slice(&v.to_be_bytes());
            }
        }
        // Null and anything unsupported carry no parameters.
        _ => {}
    }
    // Every reply is a few hundred bytes at most, so the length always fits; saturating keeps
    // this function panic-free even so.
    let len = u16::try_from(out.len() - start).unwrap_or(u16::MAX);
    if let Some(slot) = out.get_mut(start..start + 2) {
        slot.copy_from_slice(&len.to_be_bytes());
    }
}

/// The number of cells of a screen as the two-byte buffer sizes of the replies carry it.
fn cells(dims: Dimensions) -> u16 {
    u16::try_from(dims.cells()).unwrap_or(u16::MAX)
}

/// Usable Area: the addressing flags, the screen's width and height in cells, the canned point
/// distances and cell size of a 3279 model 2 (units: millimetres) and the buffer size.
fn usable_area(ctx: &QueryContext, out: &mut Vec<u8>) {
    let dims = ctx.alternate_size;
    out.push(ctx.addressing.code());
    // No variable cells, matrix characters, and widths counted in cells.
    out.push(0x00);
    out.extend_from_slice(&dims.cols.to_be_bytes());
    out.extend_from_slice(&dims.rows.to_be_bytes());
    out.push(0x01);
    out.extend_from_slice(&XR_MM.to_be_bytes());
    out.extend_from_slice(&YR_MM.to_be_bytes());
    out.extend_from_slice(&[CELL_WIDTH, CELL_HEIGHT]);
    out.extend_from_slice(&cells(dims).to_be_bytes());
}

/// Character Sets: flags, the default cell size, no loadable symbol set formats, then one
/// descriptor per character set (the code page, and the APL set if Graphic Escape is on).
fn character_sets(ctx: &QueryContext, out: &mut Vec<u8>) {
    // Flags byte 1: X'80' Graphic Escape supported, X'02' descriptors carry a CGCSGID.
    let ge = if ctx.graphic_escape_cgcsgid.is_some() {
        0x80
    } else {
        0x00
    };
    out.extend_from_slice(&[ge | 0x02, 0x00, CELL_WIDTH, CELL_HEIGHT]);
    // FORM: no Load Programmed Symbols formats.
    out.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]);
    // DL: each descriptor is SET, FLAGS, LCID and the four-byte CGCSGID.
    out.push(0x07);
    // Set 0, non-loadable, single-plane, single-byte, no LCID compare (X'10'), LCID 0.
    out.extend_from_slice(&[0x00, 0x10, 0x00]);
    out.extend_from_slice(&ctx.cgcsgid.to_be_bytes());
    if let Some(apl) = ctx.graphic_escape_cgcsgid {
        // Set 1 is what Graphic Escape selects; LCID X'F1' is the one hosts use for APL.
        out.extend_from_slice(&[0x01, 0x00, 0xF1]);
        out.extend_from_slice(&apl.to_be_bytes());
    }
}

/// Color: no flags, 16 pairs of (colour attribute value, colour shown). The default (X'00') is
/// shown green; on a monochrome terminal every other colour is shown as the default (X'00').
fn color(ctx: &QueryContext, out: &mut Vec<u8>) {
    out.extend_from_slice(&[0x00, 0x10, 0x00, 0xF4]);
    for c in 0xF1..=0xFF_u8 {
        out.extend_from_slice(&[c, if ctx.color { c } else { 0x00 }]);
    }
}

/// RPQ Names: device type, model, then the RPQ names area: its length byte (counting itself,
/// so at most 255), the name and the self-defining terms that fit.
fn rpq_names(rpq: &RpqNames, out: &mut Vec<u8>) {
    /// Room after the RPQL byte.
    const AREA: usize = 254;
    out.extend_from_slice(&rpq.device_type.to_be_bytes());
    out.extend_from_slice(&rpq.model.to_be_bytes());
    let rpql_at = out.len();
    out.push(0);
    let name = rpq.name.get(..AREA.min(rpq.name.len())).unwrap_or_default();
    out.extend_from_slice(name);
    let mut used = name.len();
    for term in &rpq.terms {
        // A term is its length byte (counting itself and the id), the id and the data.
        let term_len = term.data.len() + 2;
        if used + term_len > AREA {
            continue;
        }
        out.push(term_len as u8);
        out.push(term.id);
        out.extend_from_slice(&term.data);
        used += term_len;
    }
    if let Some(rpql) = out.get_mut(rpql_at) {
        *rpql = (used + 1) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn reply(ctx: &QueryContext, request: QueryRequest<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        query_reply(ctx, request, &mut out);
        out
    }

    /// The replies x3270 sends that do not depend on the screen size, from the Character Sets
    /// reply to the RPQ Names reply (identical in all four recorded traces).
    const FIXED_MIDDLE: &str = "
        001b 8185 8200 090c 00000000 07 001000 02b90025 0100f1 03c30136
        0026 8186 00 10 00f4 f1f1 f2f2 f3f3 f4f4 f5f5 f6f6 f7f7 f8f8 f9f9 fafa fbfb fcfc
                              fdfd fefe ffff
        000f 8187 05 00f0 f1f1 f2f2 f4f4 f8f8
        0007 8188 000102
        000c 8195 0000 4000 4000 0101
        0012 81a1 00000000 00000000 06 a7f3f2f7f0";

    /// The reply to Read Partition Query recorded in b3270/invalid_sba.trc (b3270 4.1ga12,
    /// model 3279-4-E, 43x80, code page bracket), with the 5-byte TN3270E header, the IAC
    /// doubling and the closing IAC EOR removed.
    #[test]
    fn query_reply_matches_invalid_sba_trace_43x80() {
        let expected = hex(&format!(
            "88 000e 8180 8081848586878895a1a6
             0017 8181 0100 0050 002b 01 000a02e5 0002006f 090c 0d70
             0008 8184 00 0d70 00
             {FIXED_MIDDLE}
             0011 81a6 0000 0b01 00 0050 0018 0050 002b"
        ));
        let ctx = QueryContext::new(Dimensions::new(43, 80));
        assert_eq!(reply(&ctx, QueryRequest::Query), expected);
    }

    /// s3270/bid-bug.trc (b3270 4.3pre6, IBM-DYNAMIC, oversize 132x43, which needs 14-bit
    /// addressing): the reply the trace recorded, reproduced from the same context shape.
    #[test]
    fn query_reply_matches_bid_bug_trace_oversize_43x132() {
        let expected = hex(&format!(
            "88 000e 8180 8081848586878895a1a6
             0017 8181 0100 0084 002b 01 000a02e5 0002006f 090c 162c
             0008 8184 00 162c 00
             {FIXED_MIDDLE}
             0011 81a6 0000 0b01 00 0050 0018 0084 002b"
        ));
        let ctx = QueryContext::new(Dimensions::new(43, 132));
        assert_eq!(reply(&ctx, QueryRequest::Query), expected);
    }

    /// s3270/contention-resolution.trc and s3270/sscp-lu.trc (c3270 4.2pre3, 3279-4-E): the
    /// BIND asked for 24x80 default and alternate sizes, and with x3270's bindLimit the
    /// alternate size it advertises is cut down to 24x80.
    #[test]
    fn query_reply_matches_bind_limited_traces_24x80() {
        let expected = hex(&format!(
            "88 000e 8180 8081848586878895a1a6
             0017 8181 0100 0050 0018 01 000a02e5 0002006f 090c 0780
             0008 8184 00 0780 00
             {FIXED_MIDDLE}
             0011 81a6 0000 0b01 00 0050 0018 0050 0018"
        ));
        let ctx = QueryContext::new(Dimensions::MODEL_2);
        assert_eq!(reply(&ctx, QueryRequest::Query), expected);
    }

    #[test]
    fn usable_area_for_fourteen_bit_oversize_62x160() {
        // 62x160 = 9920 cells (X'26C0'): well past 4096, so the host must use 14-bit addresses;
        // the ADDR flags stay B'0001' (12/14-bit allowed), width and height are in cells.
        let dims = Dimensions::new(62, 160);
        assert!(dims.needs_14_bit());
        let ctx = QueryContext::new(dims);
        let out = reply(
            &ctx,
            QueryRequest::QueryList {
                request: QueryListRequest::List,
                qcodes: &[0x81, 0x84, 0xA6],
            },
        );
        let expected = hex("88
             0017 8181 01 00 00a0 003e 01 000a02e5 0002006f 09 0c 26c0
             0008 8184 00 26c0 00
             0011 81a6 0000 0b01 00 0050 0018 00a0 003e");
        assert_eq!(out, expected);
    }

    #[test]
    fn query_list_of_rpq_names_as_in_rpqnames_trace() {
        // s3270/rpqnames.trc records the host's Query List (List) of RPQ Names, `01 ff 03 00
        // a1`, but not the reply; the reply is the RPQ Names reply of the full Query alone.
        let ctx = QueryContext::new(Dimensions::new(43, 80));
        let out = reply(
            &ctx,
            QueryRequest::QueryList {
                request: QueryListRequest::List,
                qcodes: &[0xA1],
            },
        );
        assert_eq!(out, hex("88 0012 81a1 00000000 00000000 06 a7f3f2f7f0"));
    }

    #[test]
    fn query_list_keeps_terminal_order_ignores_unknown_and_duplicates() {
        let ctx = QueryContext::new(Dimensions::MODEL_2);
        let out = reply(
            &ctx,
            QueryRequest::QueryList {
                request: QueryListRequest::List,
                qcodes: &[0x88, 0x7F, 0x88, 0x99, 0x80],
            },
        );
        assert_eq!(
            out,
            hex("88 000e 8180 8081848586878895a1a6 0007 8188 000102")
        );
    }

    #[test]
    fn query_list_with_nothing_supported_sends_null() {
        let ctx = QueryContext::new(Dimensions::MODEL_2);
        for qcodes in [&[][..], &[0x99, 0xB0][..]] {
            let out = reply(
                &ctx,
                QueryRequest::QueryList {
                    request: QueryListRequest::List,
                    qcodes,
                },
            );
            assert_eq!(out, hex("88 0004 81ff"));
        }
    }

    #[test]
    fn query_list_all_and_equivalent_send_everything() {
        let ctx = QueryContext::new(Dimensions::new(43, 80));
        let full = reply(&ctx, QueryRequest::Query);
        for request in [QueryListRequest::All, QueryListRequest::EquivalentAndList] {
            let out = reply(
                &ctx,
                QueryRequest::QueryList {
                    request,
                    qcodes: &[0xA1],
                },
            );
            assert_eq!(out, full);
        }
    }

    #[test]
    fn monochrome_maps_colours_to_default() {
        let mut ctx = QueryContext::new(Dimensions::MODEL_2);
        ctx.color = false;
        let out = reply(
            &ctx,
            QueryRequest::QueryList {
                request: QueryListRequest::List,
                qcodes: &[0x86],
            },
        );
        let mut expected = hex("88 0026 8186 00 10 00f4");
        for c in 0xF1..=0xFF_u8 {
            expected.extend_from_slice(&[c, 0x00]);
        }
        assert_eq!(out, expected);
    }

    #[test]
    fn field_outlining_and_optional_replies() {
        let mut ctx = QueryContext::new(Dimensions::MODEL_2);
        ctx.field_outlining = Some(FieldOutlining::default());
        ctx.ddm = None;
        ctx.graphic_escape_cgcsgid = None;
        ctx.reply_modes.character = false;
        ctx.cgcsgid = 0x0465_0474;
        let out = reply(
            &ctx,
            QueryRequest::QueryList {
                request: QueryListRequest::List,
                qcodes: &[0x80, 0x85, 0x88, 0x8C, 0x95],
            },
        );
        assert_eq!(
            out,
            hex("88
                 000e 8180 80818485868788 8c a1a6
                 0014 8185 0200 090c 00000000 07 001000 04650474
                 0006 8188 0001
                 000a 818c 00 00 0b 00 00 08")
        );
    }

    #[test]
    fn rpq_terms_are_appended_and_kept_within_255() {
        let mut ctx = QueryContext::new(Dimensions::MODEL_2);
        let mut rpq = RpqNames::x3270();
        rpq.terms.push(RpqTerm {
            id: 4,
            data: vec![0xF4, 0x4B, 0xF1],
        });
        ctx.rpq_names = Some(rpq.clone());
        let req = QueryRequest::QueryList {
            request: QueryListRequest::List,
            qcodes: &[0xA1],
        };
        assert_eq!(
            reply(&ctx, req),
            hex("88 0017 81a1 00000000 00000000 0b a7f3f2f7f0 05 04 f44bf1")
        );

        // A term too big for what is left is dropped whole; a later one that fits is kept.
        rpq.terms = vec![
            RpqTerm {
                id: 1,
                data: vec![0x11; 250],
            },
            RpqTerm {
                id: 2,
                data: vec![0x22; 2],
            },
        ];
        ctx.rpq_names = Some(rpq.clone());
        let out = reply(&ctx, req);
        assert_eq!(out[13], 1 + 5 + 4);
        assert_eq!(&out[14..], &hex("a7f3f2f7f0 04 02 2222")[..]);

        // A name longer than the area is cut so that RPQL still fits in a byte.
        rpq.name = vec![0xC1; 300];
        rpq.terms.clear();
        ctx.rpq_names = Some(rpq);
        let out = reply(&ctx, req);
        assert_eq!(out[13], 255);
        assert_eq!(out.len(), 1 + 12 + 255);
        assert_eq!(u16::from_be_bytes([out[1], out[2]]) as usize, out.len() - 1);
    }

    #[test]
    fn from_read_partition() {
        assert_eq!(
            QueryRequest::from_read_partition(ReadPartitionType::Query),
            Some(QueryRequest::Query)
        );
        assert_eq!(
            QueryRequest::from_read_partition(ReadPartitionType::ReadBuffer),
            None
        );
    }

    /// Cross-check against the trace corpus when it is there: every recorded reply to a Read
    /// Partition Query must equal ours for the screen size that trace's host saw.
    #[test]
    fn trace_corpus_query_replies() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/x3270-traces");
        if !dir.is_dir() {
            assert!(
                std::env::var_os("CI").is_none(),
                "the x3270 trace corpus is missing under CI"
            );
            eprintln!(
                "skipping: x3270 trace corpus not found at {}",
                dir.display()
            );
            return;
        }
        let cases = [
            ("b3270/invalid_sba.trc", Dimensions::new(43, 80)),
            ("s3270/bid-bug.trc", Dimensions::new(43, 132)),
            ("s3270/contention-resolution.trc", Dimensions::MODEL_2),
            ("s3270/sscp-lu.trc", Dimensions::MODEL_2),
        ];
        for (file, dims) in cases {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            let recorded = recorded_query_replies(&text);
            assert!(!recorded.is_empty(), "{file}: no query reply found");
            let ours = reply(&QueryContext::new(dims), QueryRequest::Query);
            for r in recorded {
                assert_eq!(r, ours, "{file}");
            }
        }
    }

    /// Client bursts of a trace that are query reply records, as the 3270 bytes alone.
    fn recorded_query_replies(text: &str) -> Vec<Vec<u8>> {
        let mut bursts: Vec<Vec<u8>> = Vec::new();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("> 0x") else {
                continue;
            };
            let mut parts = rest.split_whitespace();
            let (Some(off), Some(data)) = (parts.next(), parts.next()) else {
                continue;
            };
            if off == "0" || bursts.is_empty() {
                bursts.push(Vec::new());
            }
            bursts.last_mut().unwrap().extend(hex(data));
        }
        bursts
            .into_iter()
            .filter_map(|b| {
                let rec = if b.first() == Some(&0x88) {
                    b
                } else if b.get(5) == Some(&0x88) {
                    b[5..].to_vec()
                } else {
                    return None;
                };
                let rec = rec.strip_suffix(&[0xFF, 0xEF]).unwrap_or(&rec).to_vec();
                let mut undoubled = Vec::with_capacity(rec.len());
                let mut i = 0;
                while i < rec.len() {
                    undoubled.push(rec[i]);
                    i += if rec[i] == 0xFF { 2 } else { 1 };
                }
                Some(undoubled)
            })
            .collect()
    }
}
