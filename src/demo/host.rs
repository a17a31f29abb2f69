//! The server side of one demo connection, sans-IO: bytes in, bytes out.
//!
//! [`HostConnection`] does what a TN3270 server does before and around the application:
//! optionally offers STARTTLS first (draft-altman-telnet-starttls; the handshake itself is the
//! caller's, announced by [`HostEvent::StartTls`]), offers TN3270E (RFC 2355: DO TN3270E, SEND
//! DEVICE-TYPE, DEVICE-TYPE IS ... CONNECT with an LU name, FUNCTIONS narrowed to what this
//! host supports, the 5-byte header on every record) and falls back to plain TN3270 (RFC 1576:
//! TERMINAL-TYPE, END-OF-RECORD and BINARY both ways) when the client refuses. It turns the
//! terminal type into a screen size: models 2-5 by number, `IBM-DYNAMIC` from the Usable Area
//! or Implicit Partition of the client's Query Reply (or 24x80 when no reply comes in time).
//! Extended terminals (`-E`, `IBM-DYNAMIC`) get a Read Partition Query first, then the
//! application in colour; basic ones get plain fields.
//!
//! It never reads a clock, opens a socket or panics on client input: time comes in as `now`
//! (and the time of day for the screens as a [`WallClock`]), and whatever the client sends is
//! parsed, answered or ignored. The one shared thing is the [`LuPool`], which the caller owns
//! and passes in, so two connections never get the same LU name.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::proto::addr::Dimensions;
use crate::proto::ds::build::read_partition_query;
use crate::proto::ds::inbound::parse_inbound;
use crate::proto::ds::query::AID_STRUCTURED_FIELD;
use crate::proto::ds::sf::{Qcode, sfid};
use crate::proto::model::Model;
use crate::proto::telnet::{
    self, OptionPolicy, OptionSet, OptionTable, Side, TelnetEvent, TelnetOption, TelnetParser, Verb,
};
use crate::proto::tn3270e::{self, DataType, Function, FunctionSet, Header, command as tc};

use super::app::{App, Reply, Terminal, WallClock};
pub use super::lu::LuPool;
use super::lu::reason;

/// The largest record accepted from a client; anything longer is dropped. A full 62x160 Read
/// Modified is about 10 KiB.
const MAX_RECORD: usize = 64 * 1024;
/// How many FUNCTIONS REQUEST rounds the host plays before settling on what it supports.
const MAX_FUNCTION_ROUNDS: u8 = 4;

/// How the host behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostConfig {
    /// Offer TN3270E (otherwise plain TN3270 from the start).
    pub tn3270e: bool,
    /// Offer STARTTLS before anything else; the caller must be able to run the handshake.
    pub starttls: bool,
    /// The TN3270E functions the host agrees to.
    pub functions: FunctionSet,
    /// How long to wait for the Query Reply before drawing at the model's size (24x80 for
    /// `IBM-DYNAMIC`).
    pub query_timeout: Duration,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            tn3270e: true,
            starttls: false,
            functions: FunctionSet::EMPTY.with(Function::Responses),
            query_timeout: Duration::from_secs(3),
        }
    }
}

/// Which protocol the connection ended up speaking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostMode {
    /// Still negotiating.
    Negotiating,
    /// Plain TN3270 (RFC 1576).
    Tn3270,
    /// TN3270E (RFC 2355).
    Tn3270e,
}

/// Something the caller must act on or may want to log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostEvent {
    /// Run the server side of a TLS handshake on the socket now, then call
    /// [`HostConnection::handle_tls_established`]. Bytes already queued for sending (the
    /// STARTTLS FOLLOWS) must be written first.
    StartTls,
    /// Negotiation finished; the application starts.
    Ready {
        mode: HostMode,
        terminal_type: String,
        lu: String,
        dims: Dimensions,
        extended: bool,
    },
    /// Send what is queued, then close the connection.
    Close,
}

/// Where the negotiation is, named for what the host expects next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Sent DO STARTTLS.
    ExpectStartTlsAnswer,
    /// Sent SB STARTTLS FOLLOWS; the client's FOLLOWS comes next.
    ExpectClientFollows,
    /// The caller runs the TLS handshake; input is ignored until it is done.
    TlsHandshake,
    /// Sent DO TN3270E.
    ExpectTn3270eAnswer,
    /// Sent SEND DEVICE-TYPE.
    ExpectDeviceTypeRequest,
    /// Sent DEVICE-TYPE IS (or our own FUNCTIONS REQUEST).
    ExpectFunctions,
    /// Sent DO TERMINAL-TYPE (and later SEND).
    ExpectTerminalType,
    /// Sent DO/WILL END-OF-RECORD and DO/WILL BINARY.
    ExpectBinaryEor,
    /// Sent the Read Partition Query.
    ExpectQueryReply { deadline: Instant },
    /// The application runs.
    Running,
    /// Closing: nothing more is read.
    Closed,
}

/// A terminal type the host understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TermKind {
    dims: Dimensions,
    extended: bool,
    dynamic: bool,
}

/// `IBM-3278-n`, `IBM-3279-n` (n = 2..5) with an optional `-E`, or `IBM-DYNAMIC`.
fn term_kind(name: &str) -> Option<TermKind> {
    let up = name.to_ascii_uppercase();
    if up == "IBM-DYNAMIC" {
        return Some(TermKind {
            dims: Dimensions::MODEL_2,
            extended: true,
            dynamic: true,
        });
    }
    if !up.starts_with("IBM-327") {
        return None;
    }
    let model: Model = up.parse().ok()?;
    Some(TermKind {
        dims: model.alternate_dims(),
        extended: model.extended,
        dynamic: false,
    })
}

/// One client connection, server side.
#[derive(Debug)]
pub struct HostConnection {
    cfg: HostConfig,
    lus: Arc<Mutex<LuPool>>,
    parser: TelnetParser,
    options: OptionTable,
    phase: Phase,
    mode: HostMode,
    terminal_type: String,
    kind: Option<TermKind>,
    lu: Option<String>,
    functions: FunctionSet,
    function_rounds: u8,
    record: Vec<u8>,
    record_overflow: bool,
    transmit: Vec<u8>,
    events: VecDeque<HostEvent>,
    app: Option<App>,
    seq: u16,
    positive_responses: u32,
    negative_responses: u32,
    tls_active: bool,
}

impl HostConnection {
    /// A new connection; the first negotiation bytes are queued at once.
    pub fn new(cfg: HostConfig, lus: Arc<Mutex<LuPool>>) -> Self {
        // The host performs BINARY and END-OF-RECORD itself and lets the client perform those
        // and the options it offers; everything else the client proposes is refused.
        let policy = OptionPolicy {
            local: OptionSet::empty()
                .with(TelnetOption::BINARY)
                .with(TelnetOption::EOR),
            remote: OptionSet::empty()
                .with(TelnetOption::BINARY)
                .with(TelnetOption::EOR)
                .with(TelnetOption::TERMINAL_TYPE)
                .with(TelnetOption::TN3270E)
                .with(TelnetOption::STARTTLS),
            answer_timing_mark: false,
        };
        let mut host = HostConnection {
            cfg,
            lus,
            parser: TelnetParser::new(),
            options: OptionTable::new(policy),
            phase: Phase::ExpectTerminalType,
            mode: HostMode::Negotiating,
            terminal_type: String::new(),
            kind: None,
            lu: None,
            functions: FunctionSet::EMPTY,
            function_rounds: 0,
            record: Vec::new(),
            record_overflow: false,
            transmit: Vec::new(),
            events: VecDeque::new(),
            app: None,
            seq: 0,
            positive_responses: 0,
            negative_responses: 0,
            tls_active: false,
        };
        if host.cfg.starttls {
            host.ask(Side::Remote, TelnetOption::STARTTLS);
            host.phase = Phase::ExpectStartTlsAnswer;
        } else {
            host.begin_3270();
        }
        host
    }

    // ----- getters -------------------------------------------------------------------

    pub fn mode(&self) -> HostMode {
        self.mode
    }

    /// The terminal type the client announced.
    pub fn terminal_type(&self) -> &str {
        &self.terminal_type
    }

    /// The LU name given to the client.
    pub fn lu(&self) -> Option<&str> {
        self.lu.as_deref()
    }

    /// The TN3270E functions agreed.
    pub fn functions(&self) -> FunctionSet {
        self.functions
    }

    /// The screen size the application draws in, once known.
    pub fn dims(&self) -> Option<Dimensions> {
        self.app.as_ref().map(|a| a.terminal().dims)
    }

    /// The application, once it runs.
    pub fn app(&self) -> Option<&App> {
        self.app.as_ref()
    }

    /// TN3270E responses received: (positive, negative).
    pub fn responses(&self) -> (u32, u32) {
        (self.positive_responses, self.negative_responses)
    }

    /// Whether the connection runs over TLS after STARTTLS.
    pub fn is_tls(&self) -> bool {
        self.tls_active
    }

    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    // ----- outputs -------------------------------------------------------------------

    /// Bytes to write to the socket.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.transmit.is_empty() {
            None
        } else {
            Some(std::mem::take(&mut self.transmit))
        }
    }

    pub fn poll_event(&mut self) -> Option<HostEvent> {
        self.events.pop_front()
    }

    /// When to call [`HostConnection::handle_timeout`]: the Query Reply deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::ExpectQueryReply { deadline } => Some(deadline),
            _ => None,
        }
    }

    // ----- inputs --------------------------------------------------------------------

    /// Bytes from the client, in any chunking.
    pub fn handle_input(&mut self, now: Instant, wall: WallClock, data: &[u8]) {
        let mut parser = std::mem::take(&mut self.parser);
        parser.feed(data, &mut |ev| {
            // After the client's STARTTLS FOLLOWS the bytes are TLS; after a close, nothing
            // counts.
            if !matches!(self.phase, Phase::TlsHandshake | Phase::Closed) {
                self.on_telnet(ev, now, wall);
            }
        });
        self.parser = parser;
    }

    /// Time passes: gives up waiting for a Query Reply when its deadline is reached.
    pub fn handle_timeout(&mut self, now: Instant, wall: WallClock) {
        if let Phase::ExpectQueryReply { deadline } = self.phase {
            if now >= deadline {
                self.start_app(None, wall);
            }
        }
    }

    /// The TLS handshake STARTTLS asked for is done: negotiate 3270 over it.
    pub fn handle_tls_established(&mut self) {
        if self.phase == Phase::TlsHandshake {
            self.tls_active = true;
            self.parser.reset();
            self.begin_3270();
        }
    }

    // ----- telnet --------------------------------------------------------------------

    fn on_telnet(&mut self, ev: TelnetEvent<'_>, now: Instant, wall: WallClock) {
        match ev {
            TelnetEvent::Data(bytes) => {
                if self.record_overflow {
                    return;
                }
                if self.record.len() + bytes.len() > MAX_RECORD {
                    self.record_overflow = true;
                    self.record.clear();
                } else {
                    self.record.extend_from_slice(bytes);
                }
            }
            TelnetEvent::EndOfRecord => {
                let record = std::mem::take(&mut self.record);
                if !std::mem::take(&mut self.record_overflow) {
                    self.on_record(&record, wall);
                }
            }
            TelnetEvent::Will(o) => self.negotiate(Verb::Will, o, now, wall),
            TelnetEvent::Wont(o) => self.negotiate(Verb::Wont, o, now, wall),
            TelnetEvent::Do(o) => self.negotiate(Verb::Do, o, now, wall),
            TelnetEvent::Dont(o) => self.negotiate(Verb::Dont, o, now, wall),
            TelnetEvent::Subnegotiation { option, data } => {
                self.subnegotiation(option, data, now, wall);
            }
            TelnetEvent::Command(_) | TelnetEvent::Error(_) => {}
        }
    }

    /// Sends DO (remote) or WILL (local) for an option, if not already on or asked.
    fn ask(&mut self, side: Side, option: TelnetOption) {
        self.options
            .request_enable(side, option)
            .write_reply(option, &mut self.transmit);
    }

    /// TN3270E if configured, else plain TN3270.
    fn begin_3270(&mut self) {
        if self.cfg.tn3270e {
            self.ask(Side::Remote, TelnetOption::TN3270E);
            self.phase = Phase::ExpectTn3270eAnswer;
        } else {
            self.begin_tn3270();
        }
    }

    fn begin_tn3270(&mut self) {
        self.ask(Side::Remote, TelnetOption::TERMINAL_TYPE);
        self.phase = Phase::ExpectTerminalType;
        if self.options.remote_enabled(TelnetOption::TERMINAL_TYPE) {
            self.send_ttype_send();
        }
    }

    fn send_ttype_send(&mut self) {
        telnet::write_subnegotiation(
            TelnetOption::TERMINAL_TYPE,
            &[telnet::TT_SEND],
            &mut self.transmit,
        );
    }

    fn negotiate(&mut self, verb: Verb, option: TelnetOption, now: Instant, wall: WallClock) {
        let result = self.options.receive(verb, option);
        result.write_reply(option, &mut self.transmit);
        let enabled = self.options.remote_enabled(option);
        match (option, self.phase) {
            (TelnetOption::STARTTLS, Phase::ExpectStartTlsAnswer) => {
                if enabled {
                    telnet::write_starttls_follows(&mut self.transmit);
                    self.phase = Phase::ExpectClientFollows;
                } else if matches!(verb, Verb::Wont) {
                    // The client will not do TLS: carry on in the clear, as servers that
                    // merely offer STARTTLS do.
                    self.begin_3270();
                }
            }
            (TelnetOption::TN3270E, Phase::ExpectTn3270eAnswer) if enabled => {
                telnet::write_subnegotiation(
                    TelnetOption::TN3270E,
                    &[tc::SEND, tc::DEVICE_TYPE],
                    &mut self.transmit,
                );
                self.phase = Phase::ExpectDeviceTypeRequest;
            }
            (
                TelnetOption::TN3270E,
                Phase::ExpectTn3270eAnswer
                | Phase::ExpectDeviceTypeRequest
                | Phase::ExpectFunctions,
            ) if !enabled && verb == Verb::Wont => {
                // Refused, or given up after a DEVICE-TYPE REJECT: plain TN3270 instead.
                self.release_lu();
                self.begin_tn3270();
            }
            (TelnetOption::TERMINAL_TYPE, Phase::ExpectTerminalType) => {
                if enabled && result.changed == Some(true) {
                    self.send_ttype_send();
                } else if !enabled && verb == Verb::Wont {
                    // No terminal type: assume the smallest 3270 there is.
                    self.accept_terminal_type("IBM-3278-2", None);
                }
            }
            (TelnetOption::BINARY | TelnetOption::EOR, Phase::ExpectBinaryEor)
                if self.options_say_3270() =>
            {
                self.mode = HostMode::Tn3270;
                self.ready(now, wall);
            }
            _ => {}
        }
    }

    fn options_say_3270(&self) -> bool {
        let o = &self.options;
        o.local_enabled(TelnetOption::BINARY)
            && o.remote_enabled(TelnetOption::BINARY)
            && o.local_enabled(TelnetOption::EOR)
            && o.remote_enabled(TelnetOption::EOR)
    }

    fn subnegotiation(&mut self, option: TelnetOption, data: &[u8], now: Instant, wall: WallClock) {
        match (option, self.phase) {
            (TelnetOption::STARTTLS, Phase::ExpectClientFollows)
                if telnet::is_starttls_follows(data) =>
            {
                self.phase = Phase::TlsHandshake;
                self.events.push_back(HostEvent::StartTls);
            }
            (TelnetOption::TERMINAL_TYPE, Phase::ExpectTerminalType) => {
                if let [telnet::TT_IS, name @ ..] = data {
                    let name = String::from_utf8_lossy(name).into_owned();
                    // RFC 1646: `TYPE@LU` asks for a device name.
                    let (ty, lu) = match name.split_once('@') {
                        Some((t, l)) => (t.to_owned(), Some(l.to_owned())),
                        None => (name, None),
                    };
                    self.accept_terminal_type(&ty, lu.as_deref());
                }
            }
            (TelnetOption::TN3270E, Phase::ExpectDeviceTypeRequest) => {
                if let [tc::DEVICE_TYPE, tc::REQUEST, rest @ ..] = data {
                    self.device_type_request(rest);
                }
            }
            (TelnetOption::TN3270E, Phase::ExpectFunctions) => match data {
                [tc::FUNCTIONS, tc::REQUEST, list @ ..] => self.functions_request(list, now, wall),
                [tc::FUNCTIONS, tc::IS, list @ ..] => {
                    let (agreed, _) = FunctionSet::parse(list);
                    self.functions = agreed.intersection(self.cfg.functions);
                    self.mode = HostMode::Tn3270e;
                    self.ready(now, wall);
                }
                _ => {}
            },
            _ => {}
        }
    }

    fn accept_terminal_type(&mut self, ty: &str, lu: Option<&str>) {
        self.terminal_type = ty.to_ascii_uppercase();
        // Plain TN3270 has no way to refuse a type: an unknown one gets the basic 24x80.
        self.kind = Some(term_kind(ty).unwrap_or(TermKind {
            dims: Dimensions::MODEL_2,
            extended: false,
            dynamic: false,
        }));
        // A name that is taken or malformed is not an error here either: take any.
        let claimed = {
            let mut pool = self.lus.lock().unwrap_or_else(PoisonError::into_inner);
            pool.claim(lu).or_else(|_| pool.claim(None))
        };
        self.lu = claimed.ok();
        for (side, option) in [
            (Side::Remote, TelnetOption::EOR),
            (Side::Local, TelnetOption::EOR),
            (Side::Remote, TelnetOption::BINARY),
            (Side::Local, TelnetOption::BINARY),
        ] {
            self.ask(side, option);
        }
        self.phase = Phase::ExpectBinaryEor;
    }

    fn device_type_request(&mut self, rest: &[u8]) {
        let split = rest
            .iter()
            .position(|&b| b == tc::CONNECT || b == tc::ASSOCIATE);
        let (ty, tail) = match split {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, &[][..]),
        };
        let ty = String::from_utf8_lossy(ty).to_ascii_uppercase();
        let reject = |host: &mut Self, code: u8| {
            telnet::write_subnegotiation(
                TelnetOption::TN3270E,
                &[tc::DEVICE_TYPE, tc::REJECT, tc::REASON, code],
                &mut host.transmit,
            );
        };
        let Some(kind) = term_kind(&ty) else {
            return reject(self, reason::INV_DEVICE_TYPE);
        };
        let requested = match tail {
            [tc::CONNECT, name @ ..] => Some(String::from_utf8_lossy(name).into_owned()),
            [tc::ASSOCIATE, ..] => return reject(self, reason::INV_ASSOCIATE),
            _ => None,
        };
        let claimed = self
            .lus
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .claim(requested.as_deref());
        let lu = match claimed {
            Ok(lu) => lu,
            Err(code) => return reject(self, code),
        };
        let mut payload = vec![tc::DEVICE_TYPE, tc::IS];
        payload.extend_from_slice(ty.as_bytes());
        payload.push(tc::CONNECT);
        payload.extend_from_slice(lu.as_bytes());
        telnet::write_subnegotiation(TelnetOption::TN3270E, &payload, &mut self.transmit);
        self.release_lu();
        self.lu = Some(lu);
        self.terminal_type = ty;
        self.kind = Some(kind);
        self.function_rounds = 0;
        self.phase = Phase::ExpectFunctions;
    }

    fn functions_request(&mut self, list: &[u8], now: Instant, wall: WallClock) {
        let (wanted, unknown) = FunctionSet::parse(list);
        self.function_rounds = self.function_rounds.saturating_add(1);
        let settle = self.function_rounds > MAX_FUNCTION_ROUNDS;
        if (!unknown && wanted.is_subset_of(self.cfg.functions)) || settle {
            // Everything asked for is supported (or the client will not settle): agree.
            let agreed = wanted.intersection(self.cfg.functions);
            send_functions(tc::IS, agreed, &mut self.transmit);
            self.functions = agreed;
            self.mode = HostMode::Tn3270e;
            self.ready(now, wall);
        } else {
            // RFC 2355 7.2: propose the part we support; the client answers IS.
            send_functions(
                tc::REQUEST,
                wanted.intersection(self.cfg.functions),
                &mut self.transmit,
            );
        }
    }

    fn release_lu(&mut self) {
        if let Some(lu) = self.lu.take() {
            self.lus
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .release(&lu);
        }
    }

    // ----- 3270 ----------------------------------------------------------------------

    /// 3270 mode is agreed: query extended terminals, start the application for the rest.
    fn ready(&mut self, now: Instant, wall: WallClock) {
        let extended = self.kind.is_some_and(|k| k.extended);
        if extended {
            self.send_record(&read_partition_query());
            self.phase = Phase::ExpectQueryReply {
                deadline: now + self.cfg.query_timeout,
            };
        } else {
            self.start_app(None, wall);
        }
    }

    fn start_app(&mut self, queried: Option<Dimensions>, wall: WallClock) {
        let kind = self.kind.unwrap_or(TermKind {
            dims: Dimensions::MODEL_2,
            extended: false,
            dynamic: false,
        });
        let dims = if kind.dynamic {
            queried.unwrap_or(Dimensions::MODEL_2)
        } else {
            kind.dims
        };
        let term = Terminal {
            dims,
            extended: kind.extended,
            terminal_type: self.terminal_type.clone(),
            lu: self.lu.clone().unwrap_or_default(),
        };
        self.events.push_back(HostEvent::Ready {
            mode: self.mode,
            terminal_type: term.terminal_type.clone(),
            lu: term.lu.clone(),
            dims,
            extended: kind.extended,
        });
        let mut app = App::new(term);
        let reply = app.start(wall);
        self.app = Some(app);
        self.phase = Phase::Running;
        self.send_reply(&reply);
    }

    fn on_record(&mut self, record: &[u8], wall: WallClock) {
        let data = if self.mode == HostMode::Tn3270e {
            let Some((h, body)) = Header::parse(record) else {
                return;
            };
            match h.data_type {
                DataType::DATA_3270 => body,
                DataType::RESPONSE => {
                    match h.response_flag {
                        tn3270e::response_flag::POSITIVE_RESPONSE => {
                            self.positive_responses += 1;
                        }
                        _ => self.negative_responses += 1,
                    }
                    return;
                }
                _ => return,
            }
        } else if self.mode == HostMode::Tn3270 {
            record
        } else {
            return;
        };
        match self.phase {
            Phase::ExpectQueryReply { .. } if data.first() == Some(&AID_STRUCTURED_FIELD) => {
                let size = size_from_query_reply(data);
                self.start_app(size, wall);
            }
            Phase::Running => {
                let Some(app) = self.app.as_mut() else {
                    return;
                };
                let dims = app.terminal().dims;
                // A record that does not parse is ignored: the keyboard stays locked on the
                // client, which is what a real host's silence looks like too.
                if let Ok(inbound) = parse_inbound(data, dims) {
                    let reply = app.handle(&inbound, wall);
                    self.send_reply(&reply);
                }
            }
            _ => {}
        }
    }

    fn send_reply(&mut self, reply: &Reply) {
        for record in &reply.records {
            self.send_record(record);
        }
        if reply.close {
            self.phase = Phase::Closed;
            self.release_lu();
            self.events.push_back(HostEvent::Close);
        }
    }

    /// Frames one 3270 record: TN3270E header when in TN3270E, then IAC doubling and IAC EOR.
    fn send_record(&mut self, record: &[u8]) {
        if self.mode == HostMode::Tn3270e {
            let response_flag = if self.functions.contains(Function::Responses) {
                tn3270e::response_flag::ALWAYS_RESPONSE
            } else {
                tn3270e::response_flag::NO_RESPONSE
            };
            let mut framed = Vec::with_capacity(record.len() + Header::LEN);
            Header {
                data_type: DataType::DATA_3270,
                request_flag: 0,
                response_flag,
                seq_number: self.seq,
            }
            .encode(&mut framed);
            framed.extend_from_slice(record);
            self.seq = self.seq.wrapping_add(1);
            telnet::write_record(&framed, &mut self.transmit);
        } else {
            telnet::write_record(record, &mut self.transmit);
        }
    }
}

impl Drop for HostConnection {
    fn drop(&mut self) {
        self.release_lu();
    }
}

/// Appends `IAC SB TN3270E FUNCTIONS <verb> <list> IAC SE`.
fn send_functions(verb: u8, functions: FunctionSet, out: &mut Vec<u8>) {
    let mut payload = vec![tc::FUNCTIONS, verb];
    payload.extend(functions.iter().map(Function::code));
    telnet::write_subnegotiation(TelnetOption::TN3270E, &payload, out);
}

/// The screen size a Query Reply record (AID X'88' and its structured fields) reports: the
/// alternate size of the Implicit Partition reply if there is one, else the Usable Area's
/// width and height. `None` if neither is there or the size is smaller than 24x80 or larger
/// than 14-bit addressing reaches.
pub fn size_from_query_reply(record: &[u8]) -> Option<Dimensions> {
    let mut rest = record.get(1..)?;
    let mut usable = None;
    let mut implicit = None;
    let be = |s: &[u8], i: usize| -> Option<u16> {
        Some(u16::from_be_bytes([*s.get(i)?, *s.get(i + 1)?]))
    };
    while rest.len() >= 4 {
        let len = usize::from(be(rest, 0)?);
        if len < 4 || len > rest.len() {
            break;
        }
        let (field, tail) = rest.split_at(len);
        rest = tail;
        if field[2] != sfid::QUERY_REPLY {
            continue;
        }
        let params = &field[4..];
        match Qcode(field[3]) {
            // Flags, flags, width, height, ...
            Qcode::USABLE_AREA => {
                usable = Some(Dimensions::new(be(params, 4)?, be(params, 2)?));
            }
            // Reserved (2), length, type X'01', reserved, default w/h, alternate w/h.
            Qcode::IMPLICIT_PARTITION if params.get(3) == Some(&0x01) => {
                implicit = Some(Dimensions::new(be(params, 11)?, be(params, 9)?));
            }
            _ => {}
        }
    }
    implicit
        .or(usable)
        .filter(|d| d.rows >= 24 && d.cols >= 80 && d.is_valid())
}

#[cfg(test)]
mod tests;
