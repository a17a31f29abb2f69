//! TN3270E (RFC 2355): the subnegotiation state machine, the 5-byte message header, the
//! SNA responses a client sends, and the parts of a BIND-IMAGE a terminal needs.
//!
//! This module owns the client side of RFC 2355 sections 7 (device-type and function
//! negotiation), 8 (the TN3270E message header) and 10 (responses), plus the BID data type and
//! SEND-DATA / KEYBOARD-RESTORE request flags of the TN3270E functional extensions
//! (CONTENTION-RESOLUTION). It is driven by the SB TN3270E payloads the telnet layer delivers
//! and answers with complete telnet bytes to send; it decides nothing about WILL/WONT
//! TN3270E itself (that is the telnet [`OptionTable`](super::telnet::OptionTable)'s job, under
//! the session's direction).
//!
//! It must not do I/O, read a clock or panic: every payload and record the host sends is
//! parsed or ignored, never trusted for lengths.

use super::addr::Dimensions;
use super::telnet::{TelnetOption, write_subnegotiation};

/// RFC 2355 section 3: the subnegotiation command codes.
pub mod command {
    pub const ASSOCIATE: u8 = 0;
    pub const CONNECT: u8 = 1;
    pub const DEVICE_TYPE: u8 = 2;
    pub const FUNCTIONS: u8 = 3;
    pub const IS: u8 = 4;
    pub const REASON: u8 = 5;
    pub const REJECT: u8 = 6;
    pub const REQUEST: u8 = 7;
    pub const SEND: u8 = 8;
}

use command::{CONNECT, DEVICE_TYPE, FUNCTIONS, IS, REASON, REJECT, REQUEST, SEND};

/// RFC 2355 section 3: why the server rejected a DEVICE-TYPE REQUEST.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RejectReason {
    ConnPartner,
    DeviceInUse,
    InvAssociate,
    /// The requested device name (LU) is unknown: INV-NAME, a.k.a. INV-DEVICE-NAME.
    InvName,
    InvDeviceType,
    TypeNameError,
    UnknownError,
    UnsupportedReq,
    /// A code outside RFC 2355's table, or no code at all (`None`).
    Other(Option<u8>),
}

impl RejectReason {
    pub const fn from_code(code: Option<u8>) -> Self {
        match code {
            Some(0) => RejectReason::ConnPartner,
            Some(1) => RejectReason::DeviceInUse,
            Some(2) => RejectReason::InvAssociate,
            Some(3) => RejectReason::InvName,
            Some(4) => RejectReason::InvDeviceType,
            Some(5) => RejectReason::TypeNameError,
            Some(6) => RejectReason::UnknownError,
            Some(7) => RejectReason::UnsupportedReq,
            other => RejectReason::Other(other),
        }
    }

    /// Whether the reason is about the device name we asked for, so that asking again
    /// without one may succeed.
    pub const fn concerns_device_name(self) -> bool {
        matches!(
            self,
            RejectReason::InvName | RejectReason::DeviceInUse | RejectReason::TypeNameError
        )
    }
}

/// A TN3270E function (RFC 2355 section 3, plus CONTENTION-RESOLUTION from the functional
/// extensions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Function {
    BindImage = 0,
    DataStreamCtl = 1,
    Responses = 2,
    ScsCtlCodes = 3,
    Sysreq = 4,
    ContentionResolution = 5,
}

impl Function {
    const ALL: [Function; 6] = [
        Function::BindImage,
        Function::DataStreamCtl,
        Function::Responses,
        Function::ScsCtlCodes,
        Function::Sysreq,
        Function::ContentionResolution,
    ];

    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The function a code names.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The RFC 2355 name, as x3270 traces print it.
    pub const fn name(self) -> &'static str {
        match self {
            Function::BindImage => "BIND-IMAGE",
            Function::DataStreamCtl => "DATA-STREAM-CTL",
            Function::Responses => "RESPONSES",
            Function::ScsCtlCodes => "SCS-CTL-CODES",
            Function::Sysreq => "SYSREQ",
            Function::ContentionResolution => "CONTENTION-RESOLUTION",
        }
    }

    /// The function an RFC 2355 name (as x3270 traces print it) names.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_uppercase().as_str() {
            "BIND-IMAGE" => Function::BindImage,
            "DATA-STREAM-CTL" => Function::DataStreamCtl,
            "RESPONSES" => Function::Responses,
            "SCS-CTL-CODES" => Function::ScsCtlCodes,
            "SYSREQ" => Function::Sysreq,
            "CONTENTION-RESOLUTION" => Function::ContentionResolution,
            _ => return None,
        })
    }
}

/// A set of TN3270E functions. On the wire it is listed in ascending code order, which is
/// the order x3270 uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub struct FunctionSet(u8);

impl FunctionSet {
    pub const EMPTY: FunctionSet = FunctionSet(0);
    /// What x3270 4.x s3270/c3270 request: BIND-IMAGE RESPONSES SYSREQ CONTENTION-RESOLUTION.
    pub const X3270: FunctionSet = FunctionSet::EMPTY
        .with(Function::BindImage)
        .with(Function::Responses)
        .with(Function::Sysreq)
        .with(Function::ContentionResolution);
    /// What the b3270 traces request: BIND-IMAGE RESPONSES SYSREQ.
    pub const B3270: FunctionSet = FunctionSet::EMPTY
        .with(Function::BindImage)
        .with(Function::Responses)
        .with(Function::Sysreq);

    #[must_use]
    pub const fn with(self, function: Function) -> Self {
        FunctionSet(self.0 | 1 << function as u8)
    }

    pub const fn contains(self, function: Function) -> bool {
        self.0 & (1 << function as u8) != 0
    }

    /// The functions in the set by name, in code order.
    pub fn names(self) -> Vec<&'static str> {
        Function::ALL
            .into_iter()
            .filter(|f| self.contains(*f))
            .map(Function::name)
            .collect()
    }

    #[must_use]
    pub const fn intersection(self, other: FunctionSet) -> Self {
        FunctionSet(self.0 & other.0)
    }

    pub const fn is_subset_of(self, other: FunctionSet) -> bool {
        self.0 & !other.0 == 0
    }

    /// Parses a function list. The flag is true if the list named a code r3270 does not know
    /// (such a code is left out of the set).
    pub fn parse(list: &[u8]) -> (FunctionSet, bool) {
        let mut set = FunctionSet::EMPTY;
        let mut unknown = false;
        for &code in list {
            match Function::ALL.iter().find(|f| f.code() == code) {
                Some(&function) => set = set.with(function),
                None => unknown = true,
            }
        }
        (set, unknown)
    }

    /// The functions in ascending code order.
    pub fn iter(self) -> impl Iterator<Item = Function> {
        Function::ALL.into_iter().filter(move |&f| self.contains(f))
    }

    fn write(self, out: &mut Vec<u8>) {
        out.extend(self.iter().map(Function::code));
    }
}

/// What the client asks for in TN3270E negotiation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tn3270eConfig {
    /// The device type, e.g. `IBM-3278-4-E` (RFC 2355 uses the 3278 names even for colour
    /// terminals) or `IBM-DYNAMIC`.
    pub device_type: Vec<u8>,
    /// The device name (LU) to CONNECT to, if any.
    pub device_name: Option<Vec<u8>>,
    /// The functions we request, which are also the only ones we accept.
    pub functions: FunctionSet,
}

impl Tn3270eConfig {
    pub fn new(device_type: &[u8]) -> Self {
        Tn3270eConfig {
            device_type: device_type.to_vec(),
            device_name: None,
            functions: FunctionSet::X3270,
        }
    }
}

/// Where the negotiation is, named for what it expects next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NegotiationState {
    /// TN3270E is agreed at the telnet level; the host should send SEND DEVICE-TYPE.
    ExpectSendDeviceType,
    /// We sent DEVICE-TYPE REQUEST; the host should answer IS or REJECT.
    ExpectDeviceTypeIs,
    /// The host rejected our device type; the caller must [`retry`](Tn3270eNegotiator::retry)
    /// or [`abandon`](Tn3270eNegotiator::abandon).
    ExpectRetryDecision { reason: RejectReason },
    /// We sent FUNCTIONS REQUEST; the host should answer IS or a REQUEST of its own.
    ExpectFunctionsIs,
    /// Negotiation is complete; the host may still renegotiate.
    Negotiated,
    /// We gave up on TN3270E; the session sends WONT TN3270E and falls back to TN3270.
    Abandoned,
}

/// What one host subnegotiation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tn3270eEvent {
    /// Nothing changed: unexpected in this state, or malformed, and ignored.
    Ignored,
    /// We answered and wait for the next step.
    InProgress,
    /// The host rejected the device type; see [`NegotiationState::ExpectRetryDecision`].
    DeviceTypeRejected {
        reason: RejectReason,
        device_name_requested: bool,
    },
    /// Negotiation finished (or was renegotiated) with these functions.
    Negotiated { functions: FunctionSet },
    /// The host kept counter-proposing functions; we gave up. Send WONT TN3270E.
    Abandoned,
}

/// How many FUNCTIONS REQUEST rounds we answer before giving up, so a host that never
/// settles cannot keep us negotiating forever.
const MAX_FUNCTION_ROUNDS: u8 = 8;

/// The client side of RFC 2355 section 7.
#[derive(Clone, Debug)]
pub struct Tn3270eNegotiator {
    config: Tn3270eConfig,
    state: NegotiationState,
    /// The device name we asked to CONNECT to in the last DEVICE-TYPE REQUEST.
    requested_name: Option<Vec<u8>>,
    device_type: Option<Vec<u8>>,
    device_name: Option<Vec<u8>>,
    functions: FunctionSet,
    function_rounds: u8,
}

impl Tn3270eNegotiator {
    pub fn new(config: Tn3270eConfig) -> Self {
        Tn3270eNegotiator {
            config,
            state: NegotiationState::ExpectSendDeviceType,
            requested_name: None,
            device_type: None,
            device_name: None,
            functions: FunctionSet::EMPTY,
            function_rounds: 0,
        }
    }

    pub fn config(&self) -> &Tn3270eConfig {
        &self.config
    }

    pub fn state(&self) -> &NegotiationState {
        &self.state
    }

    /// The device type the host confirmed (DEVICE-TYPE IS).
    pub fn device_type(&self) -> Option<&[u8]> {
        self.device_type.as_deref()
    }

    /// The device name (LU) the host connected us to.
    pub fn device_name(&self) -> Option<&[u8]> {
        self.device_name.as_deref()
    }

    /// The functions in force (meaningful once negotiated).
    pub fn functions(&self) -> FunctionSet {
        self.functions
    }

    pub fn is_negotiated(&self) -> bool {
        self.state == NegotiationState::Negotiated
    }

    /// Starts over, as when TN3270E is (re-)enabled at the telnet level (DO TN3270E answered
    /// with WILL) or has been turned off.
    pub fn reset(&mut self) {
        self.state = NegotiationState::ExpectSendDeviceType;
        self.requested_name = None;
        self.device_type = None;
        self.device_name = None;
        self.functions = FunctionSet::EMPTY;
        self.function_rounds = 0;
    }

    /// Handles the payload of one `IAC SB TN3270E ... IAC SE` (the bytes after the option),
    /// appending any answer, as complete telnet bytes, to `out`.
    pub fn handle_subnegotiation(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Tn3270eEvent {
        match payload {
            // SEND DEVICE-TYPE may come at any time: the host is (re)starting negotiation.
            [SEND, DEVICE_TYPE, ..] => {
                if self.state == NegotiationState::Abandoned {
                    return Tn3270eEvent::Ignored;
                }
                self.reset();
                let name = self.config.device_name.clone();
                self.send_device_type_request(name, out);
                Tn3270eEvent::InProgress
            }
            [DEVICE_TYPE, IS, rest @ ..] => {
                // Some servers announce the device type before we asked (bid-ta.trc); x3270
                // takes it, and so do we. Anywhere else in the exchange it is ignored.
                if !matches!(
                    self.state,
                    NegotiationState::ExpectDeviceTypeIs | NegotiationState::ExpectSendDeviceType
                ) {
                    return Tn3270eEvent::Ignored;
                }
                let (device_type, device_name) = match rest.iter().position(|&b| b == CONNECT) {
                    Some(i) => (&rest[..i], Some(rest[i + 1..].to_vec())),
                    None => (rest, None),
                };
                self.device_type = Some(device_type.to_vec());
                self.device_name = device_name;
                self.function_rounds = 0;
                send_functions(REQUEST, self.config.functions, out);
                self.state = NegotiationState::ExpectFunctionsIs;
                Tn3270eEvent::InProgress
            }
            [DEVICE_TYPE, REJECT, rest @ ..] => {
                if self.state != NegotiationState::ExpectDeviceTypeIs {
                    return Tn3270eEvent::Ignored;
                }
                let code = match rest {
                    [REASON, code, ..] => Some(*code),
                    _ => None,
                };
                let reason = RejectReason::from_code(code);
                self.state = NegotiationState::ExpectRetryDecision { reason };
                Tn3270eEvent::DeviceTypeRejected {
                    reason,
                    device_name_requested: self.requested_name.is_some(),
                }
            }
            [FUNCTIONS, IS, list @ ..] => {
                if !matches!(
                    self.state,
                    NegotiationState::ExpectFunctionsIs | NegotiationState::Negotiated
                ) {
                    return Tn3270eEvent::Ignored;
                }
                // RFC 2355 says IS repeats our list; real servers (IBMLink in ibmlink-cr.trc)
                // grant a subset instead. Anything granted that we did not ask for is dropped.
                let (granted, _) = FunctionSet::parse(list);
                self.functions = granted.intersection(self.config.functions);
                self.state = NegotiationState::Negotiated;
                Tn3270eEvent::Negotiated {
                    functions: self.functions,
                }
            }
            [FUNCTIONS, REQUEST, list @ ..] => {
                if !matches!(
                    self.state,
                    NegotiationState::ExpectFunctionsIs | NegotiationState::Negotiated
                ) {
                    return Tn3270eEvent::Ignored;
                }
                let (wanted, unknown) = FunctionSet::parse(list);
                if !unknown && wanted.is_subset_of(self.config.functions) {
                    // Everything the host wants we support: agree (RFC 2355 7.2).
                    send_functions(IS, wanted, out);
                    self.functions = wanted;
                    self.state = NegotiationState::Negotiated;
                    return Tn3270eEvent::Negotiated { functions: wanted };
                }
                // Counter-propose the part we support; that is a subset of the host's list,
                // so a conforming host answers IS and the exchange ends.
                self.function_rounds = self.function_rounds.saturating_add(1);
                if self.function_rounds > MAX_FUNCTION_ROUNDS {
                    self.state = NegotiationState::Abandoned;
                    return Tn3270eEvent::Abandoned;
                }
                send_functions(REQUEST, wanted.intersection(self.config.functions), out);
                self.state = NegotiationState::ExpectFunctionsIs;
                Tn3270eEvent::InProgress
            }
            _ => Tn3270eEvent::Ignored,
        }
    }

    /// After a rejection: asks again for the configured device type, connecting to
    /// `device_name` (or to any device if `None`).
    pub fn retry(&mut self, device_name: Option<&[u8]>, out: &mut Vec<u8>) {
        self.send_device_type_request(device_name.map(<[u8]>::to_vec), out);
    }

    /// Gives up TN3270E. The session must then disable the option at the telnet level
    /// (`OptionTable::request_disable(Side::Local, TN3270E)`, i.e. send WONT TN3270E) and
    /// carry on as plain TN3270.
    pub fn abandon(&mut self) {
        self.state = NegotiationState::Abandoned;
    }

    /// The usual answer to a rejection: if we had asked for a device name, ask again without
    /// one (whatever the reason: a second rejection then ends it); otherwise give up.
    /// Returns true if it retried, false if it abandoned (send WONT TN3270E).
    pub fn recover_from_reject(&mut self, out: &mut Vec<u8>) -> bool {
        if !matches!(self.state, NegotiationState::ExpectRetryDecision { .. }) {
            return false;
        }
        if self.requested_name.is_some() {
            self.retry(None, out);
            true
        } else {
            self.abandon();
            false
        }
    }

    fn send_device_type_request(&mut self, device_name: Option<Vec<u8>>, out: &mut Vec<u8>) {
        let mut payload = vec![DEVICE_TYPE, REQUEST];
        payload.extend_from_slice(&self.config.device_type);
        if let Some(name) = &device_name {
            payload.push(CONNECT);
            payload.extend_from_slice(name);
        }
        write_subnegotiation(TelnetOption::TN3270E, &payload, out);
        self.requested_name = device_name;
        self.state = NegotiationState::ExpectDeviceTypeIs;
    }
}

/// Appends `IAC SB TN3270E FUNCTIONS <verb> <list> IAC SE`.
fn send_functions(verb: u8, functions: FunctionSet, out: &mut Vec<u8>) {
    let mut payload = vec![FUNCTIONS, verb];
    functions.write(&mut payload);
    write_subnegotiation(TelnetOption::TN3270E, &payload, out);
}

// ---------------------------------------------------------------------------------------------
// The message header (RFC 2355 section 8)
// ---------------------------------------------------------------------------------------------

/// DATA-TYPE of a TN3270E message.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataType(pub u8);

impl DataType {
    pub const DATA_3270: DataType = DataType(0x00);
    pub const SCS_DATA: DataType = DataType(0x01);
    pub const RESPONSE: DataType = DataType(0x02);
    pub const BIND_IMAGE: DataType = DataType(0x03);
    pub const UNBIND: DataType = DataType(0x04);
    pub const NVT_DATA: DataType = DataType(0x05);
    pub const REQUEST: DataType = DataType(0x06);
    pub const SSCP_LU_DATA: DataType = DataType(0x07);
    pub const PRINT_EOJ: DataType = DataType(0x08);
    /// CONTENTION-RESOLUTION: the host bids for the right to send (bid.trc `< 0900020001`).
    pub const BID: DataType = DataType(0x09);

    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "3270-DATA",
            1 => "SCS-DATA",
            2 => "RESPONSE",
            3 => "BIND-IMAGE",
            4 => "UNBIND",
            5 => "NVT-DATA",
            6 => "REQUEST",
            7 => "SSCP-LU-DATA",
            8 => "PRINT-EOJ",
            9 => "BID",
            _ => return None,
        })
    }
}

impl std::fmt::Debug for DataType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "DataType({:#04x})", self.0),
        }
    }
}

/// REQUEST-FLAG values.
pub mod request_flag {
    /// For DATA-TYPE REQUEST: the error condition is cleared.
    pub const ERR_COND_CLEARED: u8 = 0x00;
    /// CONTENTION-RESOLUTION: the host is done sending; the client may send.
    pub const SEND_DATA: u8 = 0x01;
    /// CONTENTION-RESOLUTION: unlock the keyboard (seen as `< 0003010003` with SEND-DATA).
    pub const KEYBOARD_RESTORE: u8 = 0x02;
}

/// RESPONSE-FLAG values. The first three apply to requests, the last two to DATA-TYPE
/// RESPONSE.
pub mod response_flag {
    pub const NO_RESPONSE: u8 = 0x00;
    pub const ERROR_RESPONSE: u8 = 0x01;
    pub const ALWAYS_RESPONSE: u8 = 0x02;
    pub const POSITIVE_RESPONSE: u8 = 0x00;
    pub const NEGATIVE_RESPONSE: u8 = 0x01;
}

/// The 5-byte TN3270E message header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    pub data_type: DataType,
    pub request_flag: u8,
    pub response_flag: u8,
    pub seq_number: u16,
}

impl Header {
    pub const LEN: usize = 5;

    /// Splits a record (telnet-unescaped, without IAC EOR) into header and data. `None` if
    /// the record is shorter than a header.
    pub fn parse(record: &[u8]) -> Option<(Header, &[u8])> {
        let (head, data) = record.split_first_chunk::<{ Header::LEN }>()?;
        let [data_type, request_flag, response_flag, seq_hi, seq_lo] = *head;
        Some((
            Header {
                data_type: DataType(data_type),
                request_flag,
                response_flag,
                seq_number: u16::from_be_bytes([seq_hi, seq_lo]),
            },
            data,
        ))
    }

    pub fn to_bytes(self) -> [u8; Header::LEN] {
        let [seq_hi, seq_lo] = self.seq_number.to_be_bytes();
        [
            self.data_type.0,
            self.request_flag,
            self.response_flag,
            seq_hi,
            seq_lo,
        ]
    }

    /// Appends the header (not telnet-escaped; frame the whole record with
    /// [`write_record`](super::telnet::write_record)).
    pub fn encode(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bytes());
    }

    /// Whether the host wants a response to this message whatever happens
    /// (ALWAYS-RESPONSE) or only on error (ERROR-RESPONSE); RFC 2355 section 10.
    pub fn wants_response(self, ok: bool) -> bool {
        match self.response_flag {
            response_flag::ALWAYS_RESPONSE => true,
            response_flag::ERROR_RESPONSE => !ok,
            _ => false,
        }
    }
}

/// The status byte of a positive response (RFC 2355 section 10.4).
pub const DEVICE_END: u8 = 0x00;

/// Why a request failed, sent in a negative response (RFC 2355 section 10.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NegativeCode {
    CommandReject = 0x00,
    InterventionRequired = 0x01,
    OperationCheck = 0x02,
    ComponentDisconnected = 0x03,
}

/// The record for a positive response to message `seq_number`:
/// `02 00 00 SEQ SEQ 00` (RESPONSE, POSITIVE-RESPONSE, DEVICE-END).
pub fn positive_response(seq_number: u16) -> [u8; 6] {
    response(response_flag::POSITIVE_RESPONSE, seq_number, DEVICE_END)
}

/// The record for a negative response to message `seq_number`:
/// `02 00 01 SEQ SEQ <code>` (RESPONSE, NEGATIVE-RESPONSE, the reason).
pub fn negative_response(seq_number: u16, code: NegativeCode) -> [u8; 6] {
    response(response_flag::NEGATIVE_RESPONSE, seq_number, code as u8)
}

fn response(flag: u8, seq_number: u16, status: u8) -> [u8; 6] {
    let [h0, h1, h2, h3, h4] = Header {
        data_type: DataType::RESPONSE,
        request_flag: 0,
        response_flag: flag,
        seq_number,
    }
    .to_bytes();
    [h0, h1, h2, h3, h4, status]
}

// ---------------------------------------------------------------------------------------------
// BIND-IMAGE (SNA BIND request unit, as carried by RFC 2355 DATA-TYPE BIND-IMAGE)
// ---------------------------------------------------------------------------------------------

/// The BIND request code, the first byte of every BIND RU.
pub const BIND_RU: u8 = 0x31;

/// The parts of a BIND image a 3270 terminal uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindImage {
    /// Maximum RU size the secondary (us) may send, if the BIND limits it.
    pub max_secondary_ru: Option<u32>,
    /// Maximum RU size the primary (the host) may send, if the BIND limits it.
    pub max_primary_ru: Option<u32>,
    /// Presentation-space LU type (2 for a 3270 display).
    pub lu_type: u8,
    /// Default and alternate rows/columns as carried in the PS characteristics.
    pub default_rows: u8,
    pub default_cols: u8,
    pub alternate_rows: u8,
    pub alternate_cols: u8,
    /// Screen size code (PS characteristics): how to read the four fields above.
    pub screen_size_code: u8,
    /// The primary LU name, in EBCDIC as sent (empty if the BIND carries none).
    pub plu_name: Vec<u8>,
}

/// Offsets into the BIND RU (SNA formats, BIND request).
const BIND_MAX_SECONDARY_RU: usize = 10;
const BIND_MAX_PRIMARY_RU: usize = 11;
const BIND_LU_TYPE: usize = 14;
const BIND_DEFAULT_ROWS: usize = 20;
const BIND_SCREEN_SIZE: usize = 24;
const BIND_PLU_NAME_LEN: usize = 27;

/// Screen size codes: default from the BIND, alternate same as default.
const SIZE_DEFAULT_ONLY: u8 = 0x7e;
/// Screen size codes: both default and alternate from the BIND.
const SIZE_DEFAULT_AND_ALTERNATE: u8 = 0x7f;

impl BindImage {
    /// Parses the data of a BIND-IMAGE message (after the TN3270E header). `None` if it is
    /// not a BIND or is too short to hold the presentation space fields; the PLU name is
    /// optional and clipped to the data present.
    pub fn parse(data: &[u8]) -> Option<BindImage> {
        if data.first() != Some(&BIND_RU) || data.len() <= BIND_SCREEN_SIZE {
            return None;
        }
        let plu_name = match data.get(BIND_PLU_NAME_LEN) {
            Some(&len) => {
                let start = BIND_PLU_NAME_LEN + 1;
                let end = (start + usize::from(len)).min(data.len());
                data[start..end].to_vec()
            }
            None => Vec::new(),
        };
        Some(BindImage {
            max_secondary_ru: ru_size(data[BIND_MAX_SECONDARY_RU]),
            max_primary_ru: ru_size(data[BIND_MAX_PRIMARY_RU]),
            lu_type: data[BIND_LU_TYPE],
            default_rows: data[BIND_DEFAULT_ROWS],
            default_cols: data[BIND_DEFAULT_ROWS + 1],
            alternate_rows: data[BIND_DEFAULT_ROWS + 2],
            alternate_cols: data[BIND_DEFAULT_ROWS + 3],
            screen_size_code: data[BIND_SCREEN_SIZE],
            plu_name,
        })
    }

    /// The default screen size: from the BIND for codes 0x7E/0x7F, else 24x80 (model 2).
    pub fn default_size(&self) -> Dimensions {
        match self.screen_size_code {
            SIZE_DEFAULT_ONLY | SIZE_DEFAULT_AND_ALTERNATE => {
                Dimensions::new(u16::from(self.default_rows), u16::from(self.default_cols))
            }
            _ => Dimensions::MODEL_2,
        }
    }

    /// The alternate screen size the BIND states: the alternate fields for code 0x7F, the
    /// default size for 0x7E, and `None` (the terminal's own alternate) otherwise.
    pub fn alternate_size(&self) -> Option<Dimensions> {
        match self.screen_size_code {
            SIZE_DEFAULT_AND_ALTERNATE => Some(Dimensions::new(
                u16::from(self.alternate_rows),
                u16::from(self.alternate_cols),
            )),
            SIZE_DEFAULT_ONLY => Some(self.default_size()),
            _ => None,
        }
    }
}

/// Decodes a BIND RU-size byte: high nibble mantissa, low nibble power of two. A byte
/// without the high bit set means "no limit" (SNA formats).
fn ru_size(byte: u8) -> Option<u32> {
    if byte & 0x80 == 0 {
        return None;
    }
    Some(u32::from(byte >> 4) << (byte & 0x0f))
}

#[cfg(test)]
mod tests;
