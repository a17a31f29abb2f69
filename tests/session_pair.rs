//! A scripted fake TN3270/TN3270E host paired with a real [`Session`] on a virtual clock.
//!
//! [`Host`] answers the client's negotiation the way a host following a small [`Script`]
//! would; [`Pair`] shuttles bytes both ways until both sides are quiet, advancing the clock by
//! a fixed latency per hop and jumping to the host's next scheduled answer when nothing else
//! is in flight (the idea of quinn's test `Pair`). Tests then assert the exact bytes the
//! client sent and the mode, OIA and events that resulted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use r3270::proto::addr::{AddressMode, BufferAddr, Dimensions, Position};
use r3270::proto::error::HostError;
use r3270::proto::oia::Secure;
use r3270::proto::telnet::{
    self, BRK, DO, DONT, EOR, IAC, IP, TelnetEvent, TelnetOption, TelnetParser, WILL, WONT,
};
use r3270::proto::tn3270e::{Function, FunctionSet, command as tc};
use r3270::proto::{Aid, CodePage, Key, LockReason, Mode, OperatorError, Session, SessionEvent};
use r3270::proto::{Model, TerminalConfig};

const TTYPE: u8 = 24;
const BINARY: u8 = 0;
const O_EOR: u8 = 25;
const ECHO: u8 = 1;
const TN3270E: u8 = 40;
const STARTTLS: u8 = 46;

/// x3270's default function request: BIND-IMAGE RESPONSES SYSREQ CONTENTION-RESOLUTION.
const X3270_FUNCTIONS: [u8; 4] = [0, 2, 4, 5];

// ----- byte builders ------------------------------------------------------------------------

fn neg(verb: u8, option: u8) -> Vec<u8> {
    vec![IAC, verb, option]
}

fn sb(option: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    telnet::write_subnegotiation(TelnetOption(option), payload, &mut out);
    out
}

fn record(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    telnet::write_record(data, &mut out);
    out
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn ebcdic(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| CodePage::default().from_unicode(c).unwrap())
        .collect()
}

/// SBA to a row and column in 12-bit coded form.
fn sba(row: u16, col: u16, dims: Dimensions) -> Vec<u8> {
    let a = BufferAddr::from_position(Position::new(row, col), dims).unwrap();
    let [b1, b2] = a.encode(AddressMode::Coded12);
    vec![0x11, b1, b2]
}

/// A buffer address (24x80) in 12-bit coded form, as the client sends the cursor.
fn addr12(row: u16, col: u16) -> Vec<u8> {
    sba(row, col, Dimensions::MODEL_2)[1..].to_vec()
}

/// WCC bits.
const WCC_RESTORE: u8 = 0x02;
const WCC_RESET_MDT: u8 = 0x01;

/// Erase/Write with keyboard restore: a protected label and an unprotected input field at
/// row 1 column 11, cursor there.
fn login_screen() -> Vec<u8> {
    let d = Dimensions::MODEL_2;
    cat(&[
        &[0xF5, WCC_RESTORE | WCC_RESET_MDT],
        &sba(0, 0, d),
        &[0x1D, 0x60],
        &ebcdic("WELCOME"),
        &sba(1, 0, d),
        &[0x1D, 0x60],
        &ebcdic("USERID"),
        &sba(1, 10, d),
        &[0x1D, 0x40, 0x13],
        &sba(1, 19, d),
        &[0x1D, 0x60],
    ])
}

// ----- the fake host --------------------------------------------------------------------------

/// Something the client sent, as the host's telnet parser saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum FromClient {
    Will(u8),
    Wont(u8),
    Do(u8),
    Dont(u8),
    Sb(u8, Vec<u8>),
    /// Data up to IAC EOR (telnet-unescaped).
    Record(Vec<u8>),
    Command(u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reject {
    Never,
    /// Reject a DEVICE-TYPE REQUEST that names an LU (INV-NAME).
    WithLu,
    /// Reject every DEVICE-TYPE REQUEST (INV-DEVICE-TYPE).
    Always,
}

/// What the host does.
#[derive(Clone, Debug)]
struct Script {
    /// Whether the host negotiates at all (an NVT host just talks).
    negotiate: bool,
    starttls: bool,
    tn3270e: bool,
    /// LU assigned when the client names none.
    assign_lu: &'static str,
    reject: Reject,
    /// FUNCTIONS REQUESTs the host sends back, one per client REQUEST, before it agrees.
    counter_requests: VecDeque<Vec<u8>>,
    /// The list in FUNCTIONS IS; `None` repeats the client's request.
    grant: Option<Vec<u8>>,
    /// Sent once 3270 mode is up.
    welcome: Option<Vec<u8>>,
    /// Answer to every AID record: delay and 3270 data (framed as the mode needs).
    aid_reply: Option<(Duration, Vec<u8>)>,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            negotiate: true,
            starttls: false,
            tn3270e: false,
            assign_lu: "TCP00042",
            reject: Reject::Never,
            counter_requests: VecDeque::new(),
            grant: None,
            welcome: Some(login_screen()),
            aid_reply: None,
        }
    }
}

#[derive(Debug)]
struct Host {
    script: Script,
    parser: TelnetParser,
    data: Vec<u8>,
    /// Everything the client sent, in order.
    log: Vec<FromClient>,
    /// Raw data outside records (NVT).
    nvt_in: Vec<u8>,
    /// Bytes for the client and when they may leave.
    out: Vec<(Instant, Vec<u8>)>,
    accepted: Vec<u8>,
    e_agreed: bool,
    e_mode: bool,
    welcomed: bool,
    tls_waiting: bool,
    seq: u16,
    terminal_type: Option<Vec<u8>>,
}

impl Host {
    fn new(script: Script) -> Self {
        Host {
            script,
            parser: TelnetParser::new(),
            data: Vec::new(),
            log: Vec::new(),
            nvt_in: Vec::new(),
            out: Vec::new(),
            accepted: Vec::new(),
            e_agreed: false,
            e_mode: false,
            welcomed: false,
            tls_waiting: false,
            seq: 0,
            terminal_type: None,
        }
    }

    fn send(&mut self, now: Instant, bytes: Vec<u8>) {
        self.out.push((now, bytes));
    }

    fn start(&mut self, now: Instant) {
        if !self.script.negotiate {
            return;
        }
        if self.script.starttls {
            self.send(now, neg(DO, STARTTLS));
        } else {
            self.begin(now);
        }
    }

    fn begin(&mut self, now: Instant) {
        if self.script.tn3270e {
            self.send(now, neg(DO, TN3270E));
        } else {
            self.send(now, neg(DO, TTYPE));
        }
    }

    /// 3270 data as the current mode frames it (a TN3270E 3270-DATA header when in TN3270E).
    fn data_3270(&mut self, body: &[u8]) -> Vec<u8> {
        if self.e_mode {
            self.e_record(0x00, 0x00, 0x00, body)
        } else {
            record(body)
        }
    }

    /// A TN3270E record with the next sequence number.
    fn e_record(&mut self, data_type: u8, request: u8, response: u8, body: &[u8]) -> Vec<u8> {
        let [hi, lo] = self.seq.to_be_bytes();
        self.seq = self.seq.wrapping_add(1);
        record(&cat(&[&[data_type, request, response, hi, lo], body]))
    }

    fn in_3270(&self) -> bool {
        self.e_mode || self.accepted.len() == 4
    }

    fn maybe_welcome(&mut self, now: Instant) {
        if self.in_3270() && !self.welcomed {
            self.welcomed = true;
            if let Some(w) = self.script.welcome.clone() {
                let bytes = self.data_3270(&w);
                self.send(now, bytes);
            }
        }
    }

    fn receive(&mut self, now: Instant, bytes: &[u8]) {
        let mut events = Vec::new();
        let mut parser = std::mem::take(&mut self.parser);
        parser.feed(bytes, &mut |ev| events.push(ev.to_owned_event()));
        self.parser = parser;
        for ev in events {
            use r3270::proto::telnet::OwnedTelnetEvent as E;
            let msg = match ev {
                E::Data(d) => {
                    if self.in_3270() {
                        self.data.extend_from_slice(&d);
                    } else {
                        self.nvt_in.extend_from_slice(&d);
                    }
                    continue;
                }
                E::EndOfRecord => FromClient::Record(std::mem::take(&mut self.data)),
                E::Command(c) => FromClient::Command(c.byte()),
                E::Will(o) => FromClient::Will(o.0),
                E::Wont(o) => FromClient::Wont(o.0),
                E::Do(o) => FromClient::Do(o.0),
                E::Dont(o) => FromClient::Dont(o.0),
                E::Subnegotiation { option, data } => FromClient::Sb(option.0, data),
                E::Error(e) => panic!("client sent bad telnet: {e}"),
            };
            self.log.push(msg.clone());
            self.react(now, msg);
        }
    }

    fn react(&mut self, now: Instant, msg: FromClient) {
        match msg {
            FromClient::Wont(STARTTLS) => self.begin(now),
            FromClient::Sb(STARTTLS, p) if p == [1] => {
                self.send(now, sb(STARTTLS, &[1]));
                self.tls_waiting = true;
            }
            FromClient::Will(TN3270E) => {
                self.e_agreed = true;
                self.send(now, sb(TN3270E, &[tc::SEND, tc::DEVICE_TYPE]));
            }
            FromClient::Wont(TN3270E) => {
                if std::mem::take(&mut self.e_agreed) {
                    self.send(now, neg(DONT, TN3270E));
                }
                self.e_mode = false;
                self.send(now, neg(DO, TTYPE));
            }
            FromClient::Will(TTYPE) => self.send(now, sb(TTYPE, &[1])),
            FromClient::Sb(TTYPE, p) if p.first() == Some(&0) => {
                self.terminal_type = Some(p[1..].to_vec());
                self.send(
                    now,
                    cat(&[
                        &neg(DO, O_EOR),
                        &neg(WILL, O_EOR),
                        &neg(DO, BINARY),
                        &neg(WILL, BINARY),
                    ]),
                );
            }
            FromClient::Will(o @ (BINARY | O_EOR)) => {
                self.accepted.push(o);
                self.maybe_welcome(now);
            }
            FromClient::Do(o @ (BINARY | O_EOR)) => {
                self.accepted.push(o | 0x80);
                self.maybe_welcome(now);
            }
            FromClient::Sb(TN3270E, p) => self.tn3270e(now, &p),
            FromClient::Record(r) => self.on_record(now, &r),
            _ => {}
        }
    }

    fn tn3270e(&mut self, now: Instant, p: &[u8]) {
        match p {
            [tc::DEVICE_TYPE, tc::REQUEST, rest @ ..] => {
                let (device, lu) = match rest.iter().position(|&b| b == tc::CONNECT) {
                    Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                    None => (rest, None),
                };
                let reject = match self.script.reject {
                    Reject::Never => None,
                    Reject::WithLu => lu.map(|_| 3),
                    Reject::Always => Some(if lu.is_some() { 3 } else { 4 }),
                };
                let payload = match reject {
                    Some(code) => vec![tc::DEVICE_TYPE, tc::REJECT, tc::REASON, code],
                    None => cat(&[
                        &[tc::DEVICE_TYPE, tc::IS],
                        device,
                        &[tc::CONNECT],
                        lu.unwrap_or(self.script.assign_lu.as_bytes()),
                    ]),
                };
                self.send(now, sb(TN3270E, &payload));
            }
            [tc::FUNCTIONS, tc::REQUEST, list @ ..] => {
                if let Some(counter) = self.script.counter_requests.pop_front() {
                    self.send(
                        now,
                        sb(TN3270E, &cat(&[&[tc::FUNCTIONS, tc::REQUEST], &counter])),
                    );
                } else {
                    let grant = self.script.grant.clone().unwrap_or_else(|| list.to_vec());
                    self.send(now, sb(TN3270E, &cat(&[&[tc::FUNCTIONS, tc::IS], &grant])));
                    self.e_mode = true;
                    self.maybe_welcome(now);
                }
            }
            [tc::FUNCTIONS, tc::IS, ..] => {
                self.e_mode = true;
                self.maybe_welcome(now);
            }
            _ => {}
        }
    }

    fn on_record(&mut self, now: Instant, r: &[u8]) {
        let body = if self.e_mode {
            match r {
                [0x00, _, _, _, _, body @ ..] => body,
                _ => return,
            }
        } else {
            r
        };
        let is_aid = body.first().is_some_and(|&b| b != 0x88 && b != 0x60);
        if is_aid {
            if let Some((delay, reply)) = self.script.aid_reply.clone() {
                let bytes = self.data_3270(&reply);
                self.send(now + delay, bytes);
            }
        }
    }

    /// Host output whose time has come.
    fn take_ready(&mut self, now: Instant) -> Vec<u8> {
        let mut ready = Vec::new();
        let mut i = 0;
        while i < self.out.len() {
            if self.out[i].0 <= now {
                ready.extend(self.out.remove(i).1);
            } else {
                i += 1;
            }
        }
        ready
    }

    fn next_due(&self) -> Option<Instant> {
        self.out.iter().map(|(t, _)| *t).min()
    }

    /// The records the client sent, in order.
    fn records(&self) -> Vec<Vec<u8>> {
        self.log
            .iter()
            .filter_map(|m| match m {
                FromClient::Record(r) => Some(r.clone()),
                _ => None,
            })
            .collect()
    }
}

// ----- the pair -------------------------------------------------------------------------------

struct Pair {
    client: Session,
    host: Host,
    now: Instant,
    latency: Duration,
    /// Every `poll_transmit` result, in order.
    chunks: Vec<Vec<u8>>,
    /// Every byte handed to the client's `handle_input`, in order (the statistics' witness).
    delivered: Vec<u8>,
    events: Vec<SessionEvent>,
}

impl Pair {
    fn new(cfg: TerminalConfig, script: Script) -> Self {
        #[allow(clippy::disallowed_methods)] // the virtual clock's origin
        let now = Instant::now();
        let mut pair = Pair {
            client: Session::new(cfg),
            host: Host::new(script),
            now,
            latency: Duration::from_millis(5),
            chunks: Vec::new(),
            delivered: Vec::new(),
            events: Vec::new(),
        };
        pair.host.start(now);
        pair.drive();
        pair
    }

    /// Shuttle bytes both ways until nothing is in flight or scheduled.
    fn drive(&mut self) {
        for _ in 0..10_000 {
            while let Some(ev) = self.client.poll_event() {
                self.events.push(ev);
            }
            if let Some(bytes) = self.client.poll_transmit() {
                self.now += self.latency;
                self.chunks.push(bytes.clone());
                self.host.receive(self.now, &bytes);
                continue;
            }
            let ready = self.host.take_ready(self.now);
            if !ready.is_empty() {
                self.now += self.latency;
                self.delivered.extend_from_slice(&ready);
                self.client.handle_input(self.now, &ready);
                continue;
            }
            match self.host.next_due() {
                Some(t) => {
                    self.now = self.now.max(t);
                    self.client.handle_timeout(self.now);
                }
                None => return,
            }
        }
        panic!("the pair never went quiet");
    }

    fn key(&mut self, key: Key) {
        self.client.handle_key(key, self.now);
        self.drive();
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(Key::Char(c));
        }
    }

    /// The host sends bytes now.
    fn host_send(&mut self, bytes: Vec<u8>) {
        self.host.send(self.now, bytes);
        self.drive();
    }

    /// The host sends 3270 data framed for the current mode.
    fn host_write(&mut self, body: &[u8]) {
        let bytes = self.host.data_3270(body);
        self.host_send(bytes);
    }

    fn tls_established(&mut self) {
        self.client.handle_tls_established(true);
        self.host.tls_waiting = false;
        self.host.begin(self.now);
        self.drive();
    }

    fn take_chunks(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.chunks)
    }

    fn take_events(&mut self) -> Vec<SessionEvent> {
        std::mem::take(&mut self.events)
    }

    fn sent(&self) -> Vec<u8> {
        self.chunks.concat()
    }

    fn row(&self, n: usize) -> String {
        self.client.text_rows()[n].clone()
    }
}

fn tn3270e_script() -> Script {
    Script {
        tn3270e: true,
        ..Script::default()
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The TN3270E 3270-DATA record the client sends, with its header.
fn e_data(seq: u16, body: &[u8]) -> Vec<u8> {
    let [hi, lo] = seq.to_be_bytes();
    cat(&[&[0x00, 0x00, 0x00, hi, lo], body])
}

// ----- plain TN3270 -----------------------------------------------------------------------------

#[test]
fn plain_tn3270_negotiation_exact_bytes() {
    let mut p = Pair::new(TerminalConfig::default(), Script::default());
    assert_eq!(
        p.take_chunks(),
        vec![
            neg(WILL, TTYPE),
            sb(TTYPE, b"\x00IBM-3279-2-E"),
            cat(&[
                &neg(WILL, O_EOR),
                &neg(DO, O_EOR),
                &neg(WILL, BINARY),
                &neg(DO, BINARY),
            ]),
        ]
    );
    assert_eq!(p.host.terminal_type.as_deref(), Some(&b"IBM-3279-2-E"[..]));
    assert_eq!(p.client.mode(), Mode::Tn3270);
    assert_eq!(p.client.oia().mode, Mode::Tn3270);
    assert!(!p.client.is_tn3270e());
    assert_eq!(
        p.client.oia().lock,
        None,
        "the first EW with restore unlocks"
    );
    let events = p.take_events();
    assert!(events.contains(&SessionEvent::ModeChanged(Mode::Tn3270)));
    assert!(events.contains(&SessionEvent::KeyboardUnlocked {
        response_time: None
    }));
    assert!(p.row(0).starts_with(" WELCOME"));
    assert!(p.row(1).starts_with(" USERID"));
}

#[test]
fn plain_tn3270_keyboard_stays_locked_until_a_restoring_write() {
    let script = Script {
        welcome: Some(vec![0xF5, 0x00]),
        ..Script::default()
    };
    let mut p = Pair::new(TerminalConfig::default(), script);
    assert_eq!(p.client.mode(), Mode::Tn3270);
    assert_eq!(p.client.oia().lock, Some(LockReason::System));
    p.host_write(&[0xF1, WCC_RESTORE]);
    assert_eq!(p.client.oia().lock, None);
}

#[test]
fn plain_tn3270_terminal_type_carries_the_lu() {
    let cfg = TerminalConfig {
        lu: Some("LU1".into()),
        ..TerminalConfig::default()
    };
    let p = Pair::new(cfg, Script::default());
    assert_eq!(p.chunks[1], sb(TTYPE, b"\x00IBM-3279-2-E@LU1"));
    assert_eq!(p.client.mode(), Mode::Tn3270);
}

#[test]
fn plain_tn3270_model_names_the_terminal_type() {
    let cfg = TerminalConfig {
        model: "3278-4".parse::<Model>().unwrap(),
        ..TerminalConfig::default()
    };
    let p = Pair::new(cfg, Script::default());
    assert_eq!(p.chunks[1], sb(TTYPE, b"\x00IBM-3278-4"));
}

// ----- TN3270E -----------------------------------------------------------------------------------

#[test]
fn tn3270e_accepted_exact_bytes() {
    let mut p = Pair::new(TerminalConfig::default(), tn3270e_script());
    assert_eq!(
        p.take_chunks(),
        vec![
            neg(WILL, TN3270E),
            sb(TN3270E, b"\x02\x07IBM-3278-2-E"),
            sb(TN3270E, &cat(&[&[3, 7], &X3270_FUNCTIONS])),
        ]
    );
    assert_eq!(p.client.mode(), Mode::Tn3270e);
    assert!(p.client.is_tn3270e());
    assert_eq!(p.client.oia().lu.as_deref(), Some("TCP00042"));
    assert_eq!(
        p.client.oia().terminal_type.as_deref(),
        Some("IBM-3278-2-E")
    );
    assert_eq!(
        p.client.tn3270e().functions(),
        FunctionSet::X3270,
        "IS repeating the request grants all of it"
    );
    let events = p.take_events();
    assert!(events.contains(&SessionEvent::DeviceAccepted {
        terminal_type: "IBM-3278-2-E".into(),
        lu: Some("TCP00042".into()),
    }));
    assert!(events.contains(&SessionEvent::ModeChanged(Mode::Tn3270e)));
    assert_eq!(p.client.oia().lock, None, "the welcome 3270-DATA restored");
    assert!(p.row(0).starts_with(" WELCOME"));
}

#[test]
fn tn3270e_with_lu_connects_to_it() {
    let cfg = TerminalConfig {
        lu: Some("LU1".into()),
        ..TerminalConfig::default()
    };
    let mut p = Pair::new(cfg, tn3270e_script());
    let chunks = p.take_chunks();
    assert_eq!(chunks[1], sb(TN3270E, b"\x02\x07IBM-3278-2-E\x01LU1"));
    assert_eq!(p.client.oia().lu.as_deref(), Some("LU1"));
    assert!(p.take_events().contains(&SessionEvent::DeviceAccepted {
        terminal_type: "IBM-3278-2-E".into(),
        lu: Some("LU1".into()),
    }));
}

#[test]
fn tn3270e_functions_is_subset_and_empty() {
    for grant in [vec![2u8], vec![0, 4], vec![]] {
        let script = Script {
            grant: Some(grant.clone()),
            ..tn3270e_script()
        };
        let p = Pair::new(TerminalConfig::default(), script);
        assert_eq!(p.client.mode(), Mode::Tn3270e, "grant {grant:?}");
        let want = grant.iter().fold(FunctionSet::EMPTY, |s, &c| {
            s.with(Function::from_code(c).unwrap())
        });
        assert_eq!(p.client.tn3270e().functions(), want);
    }
}

#[test]
fn tn3270e_functions_is_granting_more_than_asked_is_clipped() {
    let cfg = TerminalConfig {
        tn3270e_functions: Some(vec![2]),
        ..TerminalConfig::default()
    };
    let script = Script {
        grant: Some(vec![0, 1, 2, 3, 4]),
        ..tn3270e_script()
    };
    let p = Pair::new(cfg, script);
    assert_eq!(p.chunks[2], sb(TN3270E, &[3, 7, 2]));
    assert_eq!(
        p.client.tn3270e().functions(),
        FunctionSet::EMPTY.with(Function::Responses)
    );
}

#[test]
fn tn3270e_records_carry_headers_and_aids_count_up() {
    let script = Script {
        aid_reply: Some((Duration::from_millis(50), vec![0xF1, WCC_RESTORE])),
        ..tn3270e_script()
    };
    let mut p = Pair::new(TerminalConfig::default(), script);
    p.take_chunks();
    p.type_text("IBMUSER");
    p.key(Key::Aid(Aid::Enter));
    p.key(Key::Aid(Aid::Pf(3)));
    p.key(Key::Aid(Aid::Pa(1)));
    let rows = p.host.records();
    let field = cat(&[&sba(1, 11, Dimensions::MODEL_2), &ebcdic("IBMUSER")]);
    assert_eq!(
        rows,
        vec![
            e_data(0, &cat(&[&[0x7D], &addr12(1, 18), &field])),
            // PF3 after a restoring write: the MDT stays set, the field is sent again.
            e_data(1, &cat(&[&[0xF3], &addr12(1, 18), &field])),
            e_data(2, &[0x6C]),
        ]
    );
    // Raw bytes: each record ends in IAC EOR.
    assert!(contains(
        &p.sent(),
        &[0x00, 0x00, 0x00, 0x00, 0x02, 0x6C, IAC, EOR]
    ));
}

#[test]
fn tn3270e_refused_by_config_falls_back_to_tn3270() {
    let cfg = TerminalConfig {
        tn3270e: false,
        ..TerminalConfig::default()
    };
    let mut p = Pair::new(cfg, tn3270e_script());
    let chunks = p.take_chunks();
    assert_eq!(chunks[0], neg(WONT, TN3270E));
    assert_eq!(chunks[1], neg(WILL, TTYPE));
    assert_eq!(chunks[2], sb(TTYPE, b"\x00IBM-3279-2-E"));
    assert_eq!(p.client.mode(), Mode::Tn3270);
    assert!(!p.client.is_tn3270e());
    assert_eq!(p.client.oia().lock, None);
}

#[test]
fn tn3270e_custom_terminal_type_refuses_tn3270e() {
    let cfg = TerminalConfig {
        terminal_type: Some("MY-TERM".into()),
        ..TerminalConfig::default()
    };
    let p = Pair::new(cfg, tn3270e_script());
    assert_eq!(p.chunks[0], neg(WONT, TN3270E));
    assert_eq!(p.chunks[2], sb(TTYPE, b"\x00MY-TERM"));
    assert_eq!(p.client.mode(), Mode::Tn3270);
}

#[test]
fn tn3270e_rejected_lu_retries_without_it() {
    let cfg = TerminalConfig {
        lu: Some("BADLU".into()),
        ..TerminalConfig::default()
    };
    let script = Script {
        reject: Reject::WithLu,
        ..tn3270e_script()
    };
    let mut p = Pair::new(cfg, script);
    let chunks = p.take_chunks();
    assert_eq!(
        chunks,
        vec![
            neg(WILL, TN3270E),
            sb(TN3270E, b"\x02\x07IBM-3278-2-E\x01BADLU"),
            sb(TN3270E, b"\x02\x07IBM-3278-2-E"),
            sb(TN3270E, &cat(&[&[3, 7], &X3270_FUNCTIONS])),
        ]
    );
    assert_eq!(p.client.mode(), Mode::Tn3270e);
    assert_eq!(p.client.oia().lu.as_deref(), Some("TCP00042"));
}

#[test]
fn tn3270e_rejected_device_without_lu_falls_back() {
    let script = Script {
        reject: Reject::Always,
        ..tn3270e_script()
    };
    let mut p = Pair::new(TerminalConfig::default(), script);
    let chunks = p.take_chunks();
    assert_eq!(chunks[0], neg(WILL, TN3270E));
    assert_eq!(chunks[1], sb(TN3270E, b"\x02\x07IBM-3278-2-E"));
    assert_eq!(chunks[2], neg(WONT, TN3270E));
    assert_eq!(chunks[3], neg(WILL, TTYPE), "the host starts plain TN3270");
    assert_eq!(chunks[4], sb(TTYPE, b"\x00IBM-3279-2-E"));
    assert_eq!(p.client.mode(), Mode::Tn3270);
    assert!(!p.client.is_tn3270e());
    assert_eq!(p.client.oia().lock, None);
    assert!(
        !p.take_events()
            .iter()
            .any(|e| matches!(e, SessionEvent::DeviceAccepted { .. }))
    );
}

#[test]
fn tn3270e_rejected_lu_then_rejected_again_falls_back() {
    let cfg = TerminalConfig {
        lu: Some("LU9".into()),
        ..TerminalConfig::default()
    };
    let script = Script {
        reject: Reject::Always,
        ..tn3270e_script()
    };
    let p = Pair::new(cfg, script);
    assert_eq!(p.chunks[1], sb(TN3270E, b"\x02\x07IBM-3278-2-E\x01LU9"));
    assert_eq!(p.chunks[2], sb(TN3270E, b"\x02\x07IBM-3278-2-E"));
    assert_eq!(p.chunks[3], neg(WONT, TN3270E));
    assert_eq!(p.chunks[5], sb(TTYPE, b"\x00IBM-3279-2-E@LU9"));
    assert_eq!(p.client.mode(), Mode::Tn3270);
}

#[test]
fn tn3270e_host_functions_request_subset_is_agreed() {
    let script = Script {
        counter_requests: VecDeque::from([vec![0, 2]]),
        ..tn3270e_script()
    };
    let p = Pair::new(TerminalConfig::default(), script);
    assert_eq!(p.chunks[2], sb(TN3270E, &cat(&[&[3, 7], &X3270_FUNCTIONS])));
    assert_eq!(
        p.chunks[3],
        sb(TN3270E, &[3, 4, 0, 2]),
        "FUNCTIONS IS subset"
    );
    assert_eq!(p.chunks.len(), 4);
    assert_eq!(p.client.mode(), Mode::Tn3270e);
    assert_eq!(
        p.client.tn3270e().functions(),
        FunctionSet::EMPTY
            .with(Function::BindImage)
            .with(Function::Responses)
    );
}

#[test]
fn tn3270e_host_functions_request_unknown_gets_a_counter_proposal() {
    let script = Script {
        counter_requests: VecDeque::from([vec![0, 2, 7]]),
        ..tn3270e_script()
    };
    let p = Pair::new(TerminalConfig::default(), script);
    assert_eq!(p.chunks[3], sb(TN3270E, &[3, 7, 0, 2]), "counter-proposal");
    assert_eq!(p.client.mode(), Mode::Tn3270e);
    assert_eq!(
        p.client.tn3270e().functions(),
        FunctionSet::EMPTY
            .with(Function::BindImage)
            .with(Function::Responses)
    );
}

// ----- TN3270E responses ----------------------------------------------------------------------------

#[test]
fn tn3270e_responses() {
    let mut p = Pair::new(TerminalConfig::default(), tn3270e_script());
    p.take_chunks();
    p.take_events();
    // ALWAYS-RESPONSE on a good record: positive response.
    p.host.seq = 0x0107;
    let r = p.host.e_record(0x00, 0x00, 0x02, &[0xF1, WCC_RESTORE]);
    p.host_send(r);
    assert_eq!(
        p.take_chunks(),
        vec![record(&[0x02, 0x00, 0x00, 0x01, 0x07, 0x00])]
    );
    // ERROR-RESPONSE on a malformed record (SBA cut short): negative response.
    let r = p.host.e_record(0x00, 0x00, 0x01, &[0xF1, 0x00, 0x11, 0x40]);
    p.host_send(r);
    assert_eq!(
        p.take_chunks(),
        vec![record(&[0x02, 0x00, 0x01, 0x01, 0x08, 0x02])]
    );
    assert!(p.take_events().iter().any(|e| matches!(
        e,
        SessionEvent::HostError {
            negative_response: true,
            ..
        }
    )));
    // ERROR-RESPONSE on a good record: silence.
    let r = p.host.e_record(0x00, 0x00, 0x01, &[0xF1, WCC_RESTORE]);
    p.host_send(r);
    assert_eq!(p.take_chunks(), Vec::<Vec<u8>>::new());
    // NO-RESPONSE on a bad record: an error event but nothing on the wire.
    let r = p.host.e_record(0x00, 0x00, 0x00, &[0x99]);
    p.host_send(r);
    assert_eq!(p.take_chunks(), Vec::<Vec<u8>>::new());
    assert!(p.take_events().iter().any(|e| matches!(
        e,
        SessionEvent::HostError {
            negative_response: false,
            ..
        }
    )));
    assert_eq!(p.client.mode(), Mode::Tn3270e);
}

#[test]
fn tn3270e_response_goes_before_the_query_reply() {
    let mut p = Pair::new(TerminalConfig::default(), tn3270e_script());
    p.take_chunks();
    p.host.seq = 9;
    let r = p
        .host
        .e_record(0x00, 0x00, 0x02, &[0xF3, 0x00, 0x05, 0x01, 0xFF, 0x02]);
    p.host_send(r);
    let recs = p.host.records();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0], [0x02, 0x00, 0x00, 0x00, 0x09, 0x00]);
    assert_eq!(recs[1][..6], [0x00, 0x00, 0x00, 0x00, 0x00, 0x88]);
}

// ----- STARTTLS ---------------------------------------------------------------------------------------

#[test]
fn starttls_then_tn3270e() {
    let script = Script {
        starttls: true,
        ..tn3270e_script()
    };
    let mut p = Pair::new(TerminalConfig::default(), script);
    assert_eq!(
        p.take_chunks(),
        vec![cat(&[&neg(WILL, STARTTLS), &sb(STARTTLS, &[1])])]
    );
    assert!(p.host.tls_waiting);
    assert!(p.take_events().contains(&SessionEvent::StartTls));
    assert_eq!(p.client.mode(), Mode::Negotiating);
    // Anything before the handshake completes is ignored.
    p.host_send(neg(DO, TN3270E));
    assert!(p.take_chunks().is_empty());
    assert!(
        p.take_events()
            .iter()
            .any(|e| matches!(e, SessionEvent::HostError { .. }))
    );
    assert_eq!(p.client.oia().secure, None);
    p.tls_established();
    assert_eq!(p.client.oia().secure, Some(Secure { verified: true }));
    assert_eq!(p.take_chunks()[0], neg(WILL, TN3270E));
    assert_eq!(p.client.mode(), Mode::Tn3270e);
    assert_eq!(p.client.oia().lock, None);
}

#[test]
fn starttls_refused_by_config() {
    let cfg = TerminalConfig {
        starttls: false,
        ..TerminalConfig::default()
    };
    let script = Script {
        starttls: true,
        ..Script::default()
    };
    let p = Pair::new(cfg, script);
    assert_eq!(p.chunks[0], neg(WONT, STARTTLS));
    assert_eq!(p.chunks[1], neg(WILL, TTYPE));
    assert_eq!(p.client.mode(), Mode::Tn3270);
    assert_eq!(p.client.oia().secure, None);
    assert!(!p.events.contains(&SessionEvent::StartTls));
}

// ----- NVT ----------------------------------------------------------------------------------------------

#[test]
fn nvt_host_line_mode_then_echo() {
    let script = Script {
        negotiate: false,
        ..Script::default()
    };
    let mut p = Pair::new(TerminalConfig::default(), script);
    assert!(p.chunks.is_empty());
    assert_eq!(p.client.mode(), Mode::Negotiating);
    p.host_send(b"Welcome to the NVT host\r\nlogin: ".to_vec());
    assert_eq!(p.client.mode(), Mode::Nvt);
    assert!(
        p.take_events()
            .contains(&SessionEvent::ModeChanged(Mode::Nvt))
    );
    assert_eq!(p.client.oia().lock, None);
    assert!(p.row(0).starts_with("Welcome to the NVT host"));
    assert!(p.row(1).starts_with("login: "));
    p.type_text("joe");
    assert!(p.take_chunks().is_empty(), "line mode: nothing until Enter");
    assert!(p.row(1).starts_with("login: joe"), "local echo");
    p.key(Key::Aid(Aid::Enter));
    assert_eq!(p.take_chunks(), vec![b"joe\r\n".to_vec()]);
    assert_eq!(p.host.nvt_in, b"joe\r\n");
    // The host takes over echoing: characters go out one by one.
    p.host_send(neg(WILL, ECHO));
    assert_eq!(p.take_chunks(), vec![neg(DO, ECHO)]);
    p.type_text("pw");
    assert_eq!(p.take_chunks(), vec![b"p".to_vec(), b"w".to_vec()]);
    assert!(
        !p.row(2).contains("pw"),
        "no local echo once the host echoes"
    );
    p.key(Key::Aid(Aid::Enter));
    assert_eq!(p.take_chunks(), vec![b"\r\n".to_vec()]);
}

// ----- SSCP-LU ------------------------------------------------------------------------------------------

fn bind_image(plu: &str) -> Vec<u8> {
    let mut b = vec![0u8; 27];
    b[0] = 0x31;
    b[14] = 0x02;
    b[20] = 24;
    b[21] = 80;
    b[24] = 0x7E;
    let name = ebcdic(plu);
    b.push(u8::try_from(name.len()).unwrap());
    b.extend(name);
    b
}

#[test]
fn sscp_lu_bind_and_unbind() {
    let script = Script {
        welcome: None,
        grant: Some(vec![0, 2]),
        ..tn3270e_script()
    };
    let mut p = Pair::new(TerminalConfig::default(), script);
    assert!(p.client.tn3270e().functions().contains(Function::BindImage));
    p.take_chunks();
    p.take_events();
    let mut msg = ebcdic("USSMSG10 ENTER LOGON");
    msg.push(0x15);
    let r = p.host.e_record(0x07, 0x00, 0x00, &msg);
    p.host_send(r);
    assert_eq!(p.client.mode(), Mode::SscpLu);
    assert!(
        p.take_events()
            .contains(&SessionEvent::ModeChanged(Mode::SscpLu))
    );
    assert!(p.row(0).starts_with("USSMSG10 ENTER LOGON"));
    assert_eq!(p.client.oia().lock, None);
    p.type_text("LOGON APPLID(TSO)");
    assert!(p.row(1).starts_with("LOGON APPLID(TSO)"));
    p.key(Key::Aid(Aid::Enter));
    let sent = p.take_chunks();
    assert_eq!(
        sent,
        vec![record(&cat(&[
            &[0x07, 0x00, 0x00, 0x00, 0x00],
            &ebcdic("LOGON APPLID(TSO)")
        ]))]
    );
    assert_eq!(p.client.oia().lock, Some(LockReason::TimeWait));
    // BIND: the LU-LU session starts.
    let r = p.host.e_record(0x03, 0x00, 0x02, &bind_image("TSO"));
    let seq = p.host.seq - 1;
    p.host_send(r);
    assert_eq!(p.client.mode(), Mode::Tn3270e);
    let events = p.take_events();
    assert!(events.contains(&SessionEvent::Bound {
        plu: Some("TSO".into())
    }));
    assert!(events.contains(&SessionEvent::ModeChanged(Mode::Tn3270e)));
    let [hi, lo] = seq.to_be_bytes();
    assert_eq!(
        p.take_chunks(),
        vec![record(&[0x02, 0x00, 0x00, hi, lo, 0x00])]
    );
    p.host_write(&login_screen());
    assert_eq!(p.client.oia().lock, None);
    assert!(p.row(0).starts_with(" WELCOME"));
    // UNBIND: back to SSCP-LU.
    let r = p.host.e_record(0x04, 0x00, 0x00, &[0x32, 0x01]);
    p.host_send(r);
    assert_eq!(p.client.mode(), Mode::SscpLu);
    let events = p.take_events();
    assert!(events.contains(&SessionEvent::Unbound));
    assert!(events.contains(&SessionEvent::ModeChanged(Mode::SscpLu)));
}

// ----- keyboard lock, type-ahead, response time ---------------------------------------------------------

/// EW with restore: one unprotected field at row 5 column 1 (cursor there).
fn second_screen() -> Vec<u8> {
    let d = Dimensions::MODEL_2;
    cat(&[
        &[0xF5, WCC_RESTORE],
        &sba(5, 0, d),
        &[0x1D, 0x40, 0x13],
        &sba(5, 20, d),
        &[0x1D, 0x60],
    ])
}

#[test]
fn typeahead_is_applied_in_order_after_restore() {
    let script = Script {
        aid_reply: Some((Duration::from_millis(200), second_screen())),
        ..Script::default()
    };
    let mut p = Pair::new(TerminalConfig::default(), script);
    p.latency = Duration::ZERO;
    p.take_events();
    p.type_text("AB");
    // Press Enter without letting the host answer yet: key in by hand.
    p.client.handle_key(Key::Aid(Aid::Enter), p.now);
    let aid_at = p.now;
    assert_eq!(p.client.oia().lock, Some(LockReason::TimeWait));
    for k in [
        Key::Char('C'),
        Key::Char('D'),
        Key::Aid(Aid::Enter),
        Key::Char('X'),
    ] {
        p.client.handle_key(k, p.now);
    }
    assert_eq!(p.client.oia().typeahead, 4);
    p.drive();
    // C and D went into the new field, Enter sent it and locked again, X still waits.
    let recs = p.host.records();
    assert_eq!(recs.len(), 2);
    assert_eq!(
        recs[1],
        cat(&[
            &[0x7D],
            &addr12(5, 3),
            &sba(5, 1, Dimensions::MODEL_2),
            &ebcdic("CD")
        ])
    );
    assert_eq!(
        p.client.oia().typeahead,
        0,
        "X drained after the second answer"
    );
    assert_eq!(p.client.oia().lock, None);
    // The second answer erased the screen; X went into the new field.
    assert!(p.row(5).starts_with(" X "));
    let unlocks: Vec<_> = p
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            SessionEvent::KeyboardUnlocked { response_time } => Some(response_time),
            _ => None,
        })
        .collect();
    assert_eq!(
        unlocks,
        vec![
            Some(Duration::from_millis(200)),
            Some(Duration::from_millis(200))
        ]
    );
    assert_eq!(
        p.client.oia().last_response_time,
        Some(Duration::from_millis(200))
    );
    assert_eq!(p.now - aid_at, Duration::from_millis(400));
}

#[test]
fn response_time_counts_the_latency() {
    let script = Script {
        aid_reply: Some((Duration::from_millis(120), vec![0xF1, WCC_RESTORE])),
        ..Script::default()
    };
    let mut p = Pair::new(TerminalConfig::default(), script);
    p.latency = Duration::from_millis(7);
    p.take_events();
    p.key(Key::Aid(Aid::Enter));
    assert!(p.take_events().contains(&SessionEvent::KeyboardUnlocked {
        response_time: Some(Duration::from_millis(7 + 120 + 7))
    }));
}

/// IAC EOR marks in a telnet stream, found by a parser of its own (not the session's count).
fn records_in(stream: &[u8]) -> u64 {
    let mut parser = TelnetParser::new();
    let mut n = 0;
    parser.feed(stream, &mut |ev| {
        if matches!(ev, TelnetEvent::EndOfRecord) {
            n += 1;
        }
    });
    n
}

#[test]
fn statistics_count_what_crossed_the_wire_and_time_each_aid() {
    const WCC_ALARM: u8 = 0x04;
    let script = Script {
        aid_reply: Some((
            Duration::from_millis(120),
            vec![0xF1, WCC_RESTORE | WCC_ALARM],
        )),
        ..tn3270e_script()
    };
    let mut p = Pair::new(TerminalConfig::default(), script);
    p.latency = Duration::from_millis(7);
    let before = p.client.stats();
    assert_eq!(before.aids.total(), 0);
    assert_eq!(before.first_byte_at.map(|t| t <= p.now), Some(true));
    for aid in [Aid::Enter, Aid::Pf(3), Aid::Pf(3), Aid::Pa(1)] {
        p.key(Key::Aid(aid));
    }
    // A malformed record that asks for ERROR-RESPONSE: one negative response, one error.
    let r = p.host.e_record(0x00, 0x00, 0x01, &[0xF1, 0x00, 0x11, 0x40]);
    p.host_send(r);
    let s = p.client.stats();
    // Bytes and records both ways, against what the pair moved and the host parsed.
    assert_eq!(s.bytes_in, p.delivered.len() as u64);
    assert_eq!(s.bytes_out, p.sent().len() as u64);
    assert_eq!(s.records_in, records_in(&p.delivered));
    assert_eq!(s.records_out, p.host.records().len() as u64);
    assert!(s.records_out >= 5, "four AIDs, the Query Reply, a response");
    // AIDs by key.
    assert_eq!((s.aids.enter, s.aids.pf[2], s.aids.pa[0]), (1, 2, 1));
    assert_eq!(s.aids.total(), 4);
    // Each answer took the latency out, the host's 120 ms and the latency back.
    let one = Duration::from_millis(7 + 120 + 7);
    assert_eq!(s.response.count(), 4);
    assert_eq!(s.response.last(), Some(one));
    assert_eq!((s.response.max(), s.response.mean()), (one, Some(one)));
    let counts: Vec<u64> = s.response.buckets().map(|(_, n)| n).collect();
    assert_eq!(counts, [0, 0, 4, 0, 0, 0, 0, 0, 0, 0]);
    // Locked from each AID to its answer, and not otherwise.
    assert_eq!(
        s.keyboard_locked.checked_sub(before.keyboard_locked),
        Some(one * 4)
    );
    assert_eq!(s.alarms - before.alarms, 4);
    assert_eq!(s.negative_responses, 1);
    assert_eq!(
        (s.host_errors.malformed, s.host_errors.total()),
        (1, 1),
        "{:?}",
        s.host_errors
    );
}

#[test]
fn write_without_restore_leaves_x_system_and_keys_queue() {
    let script = Script {
        aid_reply: Some((Duration::from_millis(30), vec![0xF1, 0x00])),
        ..Script::default()
    };
    let mut p = Pair::new(TerminalConfig::default(), script);
    p.key(Key::Aid(Aid::Enter));
    assert_eq!(p.client.oia().lock, Some(LockReason::System));
    p.key(Key::Char('Q'));
    assert_eq!(p.client.oia().typeahead, 1);
    p.host_write(&[0xF1, WCC_RESTORE]);
    assert_eq!(p.client.oia().lock, None);
    assert_eq!(p.client.oia().typeahead, 0);
    assert!(p.row(1).starts_with(" USERID    Q"));
}

#[test]
fn reset_clears_an_operator_error() {
    let mut p = Pair::new(TerminalConfig::default(), Script::default());
    p.take_events();
    p.key(Key::MoveCursor { row: 0, col: 3 });
    p.key(Key::Char('Z'));
    let lock = LockReason::Operator(OperatorError::Protected);
    assert_eq!(p.client.oia().lock, Some(lock));
    assert!(
        p.take_events()
            .contains(&SessionEvent::KeyboardLocked(lock))
    );
    assert!(p.row(0).starts_with(" WELCOME"), "nothing typed");
    p.key(Key::Char('Y'));
    assert_eq!(
        p.client.oia().typeahead,
        0,
        "an operator error does not queue"
    );
    p.key(Key::Reset);
    assert_eq!(p.client.oia().lock, None);
    assert!(p.take_events().contains(&SessionEvent::KeyboardUnlocked {
        response_time: None
    }));
    assert!(p.host.records().is_empty(), "no AID was sent");
}

#[test]
fn reset_does_not_unlock_time_wait() {
    let mut p = Pair::new(TerminalConfig::default(), Script::default());
    p.key(Key::Aid(Aid::Enter));
    p.key(Key::Char('A'));
    assert_eq!(p.client.oia().typeahead, 1);
    p.key(Key::Reset);
    assert_eq!(p.client.oia().lock, Some(LockReason::TimeWait));
    assert_eq!(p.client.oia().typeahead, 0, "Reset flushes type-ahead");
}

// ----- Query, Clear, PA, Attn, SysReq ------------------------------------------------------------------------

#[test]
fn query_is_answered_immediately() {
    let script = Script {
        welcome: Some(vec![0xF3, 0x00, 0x05, 0x01, 0xFF, 0x02]),
        ..Script::default()
    };
    let p = Pair::new(TerminalConfig::default(), script);
    let recs = p.host.records();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0][0], 0x88, "Query Reply AID");
    // Usable Area (0x81 0x81) is in every reply.
    assert!(contains(&recs[0], &[0x81, 0x81]));
    assert_eq!(p.client.oia().lock, Some(LockReason::System));
}

#[test]
fn clear_and_pa1_short_reads() {
    let cfg = TerminalConfig {
        model: "3279-4-E".parse().unwrap(),
        ..TerminalConfig::default()
    };
    let script = Script {
        welcome: Some(cat(&[&[0x7E, WCC_RESTORE], &ebcdic("BIG")])),
        aid_reply: Some((Duration::from_millis(10), vec![0xF1, WCC_RESTORE])),
        ..Script::default()
    };
    let mut p = Pair::new(cfg, script);
    assert_eq!(p.client.screen().dims(), Dimensions::new(43, 80));
    assert!(p.row(0).starts_with("BIG"));
    p.key(Key::Aid(Aid::Clear));
    assert_eq!(p.client.screen().dims(), Dimensions::MODEL_2);
    assert!(p.client.text_rows().iter().all(|r| r.trim().is_empty()));
    p.key(Key::Aid(Aid::Pa(1)));
    assert_eq!(p.host.records(), vec![vec![0x6D], vec![0x6C]]);
}

#[test]
fn attn_is_break_in_tn3270_and_ip_in_tn3270e() {
    let mut p = Pair::new(TerminalConfig::default(), Script::default());
    p.take_chunks();
    p.key(Key::Attn);
    assert_eq!(p.take_chunks(), vec![vec![IAC, BRK]]);
    assert!(p.host.log.contains(&FromClient::Command(BRK)));

    let mut p = Pair::new(TerminalConfig::default(), tn3270e_script());
    p.take_chunks();
    p.key(Key::Attn);
    assert_eq!(p.take_chunks(), vec![vec![IAC, IP]]);
}

#[test]
fn sysreq_in_tn3270e_is_abort_output() {
    let mut p = Pair::new(TerminalConfig::default(), tn3270e_script());
    p.take_chunks();
    p.key(Key::Aid(Aid::SysReq));
    assert_eq!(p.take_chunks(), vec![vec![IAC, telnet::AO]]);
    assert_eq!(p.client.oia().lock, None);

    // Without the SYSREQ function it is an AID.
    let script = Script {
        grant: Some(vec![2]),
        ..tn3270e_script()
    };
    let mut p = Pair::new(TerminalConfig::default(), script);
    p.take_chunks();
    p.key(Key::Aid(Aid::SysReq));
    assert_eq!(
        p.host.records(),
        vec![e_data(0, &cat(&[&[0xF0], &addr12(1, 11)]))]
    );
}

// ----- oversize ---------------------------------------------------------------------------------------------

#[test]
fn oversize_dynamic_with_14_bit_addresses() {
    let big = Dimensions::new(62, 160);
    let cfg = TerminalConfig {
        oversize: Some(big),
        ..TerminalConfig::default()
    };
    let script = Script {
        welcome: None,
        ..Script::default()
    };
    let mut p = Pair::new(cfg, script);
    assert_eq!(p.chunks[1], sb(TTYPE, b"\x00IBM-DYNAMIC"));
    assert_eq!(p.client.mode(), Mode::Tn3270);
    // 9000 = 0x2328: beyond 4095, so 14-bit binary.
    let at = 9000u16;
    let [hi, lo] = at.to_be_bytes();
    p.host_write(&cat(&[
        &[0x7E, WCC_RESTORE, 0x11, hi, lo, 0x1D, 0xC1, 0x13],
        &ebcdic("FAR"),
    ]));
    assert_eq!(p.client.screen().dims(), big);
    let pos = BufferAddr::new(usize::from(at) + 1, big)
        .unwrap()
        .position(big);
    assert_eq!(
        &p.row(usize::from(pos.row))[usize::from(pos.col)..usize::from(pos.col) + 3],
        "FAR"
    );
    p.host_write(&[0xF6]);
    let [chi, clo] = (at + 1).to_be_bytes();
    assert_eq!(
        p.host.records(),
        vec![cat(&[&[0x60, chi, clo, 0x11, chi, clo], &ebcdic("FAR")])]
    );
    // Clear returns to the default 24x80.
    p.key(Key::Aid(Aid::Clear));
    assert_eq!(p.client.screen().dims(), Dimensions::MODEL_2);
}

// ----- record size limit ------------------------------------------------------------------------------------

#[test]
fn oversized_record_is_dropped_and_the_session_goes_on() {
    let mut p = Pair::new(TerminalConfig::default(), Script::default());
    p.client.set_max_record(100);
    p.take_events();
    let huge = cat(&[&[0xF5, WCC_RESTORE], &ebcdic(&"X".repeat(400))]);
    p.host_write(&huge);
    let events = p.take_events();
    assert!(
        events.iter().any(|e| matches!(
            e,
            SessionEvent::HostError {
                negative_response: false,
                error: HostError::RecordTooLarge { .. },
            }
        )),
        "{events:?}"
    );
    assert!(p.row(0).starts_with(" WELCOME"), "the screen is untouched");
    p.host_write(&cat(&[&[0xF5, WCC_RESTORE], &ebcdic("SMALL")]));
    assert!(p.row(0).starts_with("SMALL"));
    assert_eq!(p.client.mode(), Mode::Tn3270);
}

#[test]
fn nvt_utf8_split_across_reads() {
    let script = Script {
        negotiate: false,
        ..Script::default()
    };
    let mut p = Pair::new(TerminalConfig::default(), script);
    // "café" with the two bytes of the é in different TCP reads.
    p.host_send(b"caf\xC3".to_vec());
    p.host_send(b"\xA9!".to_vec());
    assert_eq!(p.client.mode(), Mode::Nvt);
    assert!(p.row(0).starts_with("café! "), "{:?}", p.row(0));
    // A byte that can never start or continue UTF-8 is still shown as one replacement.
    p.host_send(b"\r\nx\x80y".to_vec());
    assert!(p.row(1).starts_with("x?y "), "{:?}", p.row(1));
}
