//! The demo host paired in memory with r3270's own client engine (`proto::Session`): every
//! negotiation branch (TN3270E, refusal and fallback, rejection, LU names, STARTTLS, the
//! Query for `IBM-DYNAMIC` and its timeout) and a walk through the application, with no
//! sockets and a virtual clock.

use std::time::{Duration, Instant};

use super::*;
use crate::proto::ds::query::{QueryContext, QueryRequest, query_reply};
use crate::proto::telnet::{DO, IAC, SB, SE, WILL, WONT};
use crate::proto::{Aid, Key, Mode, Session, SessionEvent, TerminalConfig};

const WALL: WallClock = WallClock {
    day: 2,
    month: 3,
    year: 26,
    hour: 4,
    minute: 5,
};

struct Pair {
    host: HostConnection,
    client: Session,
    now: Instant,
    host_events: Vec<HostEvent>,
    client_events: Vec<SessionEvent>,
}

impl Pair {
    fn new(cfg: HostConfig, client: TerminalConfig) -> Self {
        Self::with_pool(cfg, client, &LuPool::shared())
    }

    fn with_pool(cfg: HostConfig, client: TerminalConfig, pool: &Arc<Mutex<LuPool>>) -> Self {
        let mut pair = Pair {
            host: HostConnection::new(cfg, Arc::clone(pool)),
            client: Session::new(client),
            now: Instant::now(),
            host_events: Vec::new(),
            client_events: Vec::new(),
        };
        pair.run();
        pair
    }

    /// Moves bytes both ways until both sides are quiet. A STARTTLS request on both sides
    /// is completed as the tokio layer would, without the TLS.
    fn run(&mut self) {
        loop {
            let mut moved = false;
            while let Some(b) = self.host.poll_transmit() {
                self.client.handle_input(self.now, &b);
                moved = true;
            }
            while let Some(b) = self.client.poll_transmit() {
                self.host.handle_input(self.now, WALL, &b);
                moved = true;
            }
            self.client_events_drain();
            while let Some(e) = self.host.poll_event() {
                if e == HostEvent::StartTls {
                    // The host's FOLLOWS reaches the client before the handshake starts, and
                    // both ends finish it before anything else is sent.
                    while let Some(b) = self.host.poll_transmit() {
                        self.client.handle_input(self.now, &b);
                    }
                    self.client_events_drain();
                    self.host.handle_tls_established();
                    moved = true;
                }
                self.host_events.push(e);
            }
            if !moved {
                break;
            }
        }
    }

    fn client_events_drain(&mut self) {
        while let Some(e) = self.client.poll_event() {
            if e == SessionEvent::StartTls {
                self.client.handle_tls_established(false);
            }
            self.client_events.push(e);
        }
    }

    fn text(&self) -> String {
        self.client.text_rows().join("\n")
    }

    fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.client.handle_key(Key::Char(c), self.now);
        }
        self.run();
    }

    fn key(&mut self, key: Key) {
        self.client.handle_key(key, self.now);
        self.run();
    }

    fn aid(&mut self, aid: Aid) {
        self.key(Key::Aid(aid));
        assert!(
            !self.client.is_locked(),
            "locked after {aid}:\n{}",
            self.text()
        );
    }

    fn sign_on(&mut self) {
        self.typed("demo");
        self.key(Key::Tab);
        self.typed("demo");
        self.aid(Aid::Enter);
        assert!(self.text().contains("Main menu"), "{}", self.text());
    }
}

fn model(name: &str) -> TerminalConfig {
    TerminalConfig {
        model: name.parse().unwrap(),
        ..TerminalConfig::default()
    }
}

fn ready(pair: &Pair) -> (HostMode, Dimensions, bool) {
    pair.host_events
        .iter()
        .find_map(|e| match e {
            HostEvent::Ready {
                mode,
                dims,
                extended,
                ..
            } => Some((*mode, *dims, *extended)),
            _ => None,
        })
        .expect("the host never got ready")
}

#[test]
fn tn3270e_is_negotiated_with_an_lu_and_responses() {
    let mut pair = Pair::new(HostConfig::default(), model("3279-2-E"));
    assert_eq!(pair.host.mode(), HostMode::Tn3270e);
    assert_eq!(pair.client.mode(), Mode::Tn3270e);
    assert_eq!(pair.host.lu(), Some("DEMO0001"));
    assert_eq!(pair.client.tn3270e().device_name(), Some(&b"DEMO0001"[..]));
    assert_eq!(pair.host.terminal_type(), "IBM-3278-2-E");
    // x3270's request (BIND-IMAGE RESPONSES SYSREQ CONTENTION-RESOLUTION) is narrowed to
    // RESPONSES, and the client agrees.
    let responses = FunctionSet::EMPTY.with(Function::Responses);
    assert_eq!(pair.host.functions(), responses);
    assert_eq!(pair.client.tn3270e().functions(), responses);
    assert_eq!(ready(&pair), (HostMode::Tn3270e, Dimensions::MODEL_2, true));
    assert!(pair.text().contains("Sign on"));
    assert!(pair.text().contains("02/03/26 04:05"));
    // Every record asked for a response: the Query and the first screen.
    assert_eq!(pair.host.responses(), (2, 0));
    pair.aid(Aid::Clear);
    assert_eq!(pair.host.responses(), (3, 0));
}

#[test]
fn a_client_that_refuses_tn3270e_gets_tn3270() {
    let client = TerminalConfig {
        tn3270e: false,
        ..model("3279-2-E")
    };
    let pair = Pair::new(HostConfig::default(), client);
    assert_eq!(pair.host.mode(), HostMode::Tn3270);
    assert_eq!(pair.client.mode(), Mode::Tn3270);
    assert_eq!(pair.host.terminal_type(), "IBM-3279-2-E");
    assert!(pair.host.lu().is_some_and(|l| l.starts_with("DEMO")));
    assert!(pair.text().contains("Sign on"));
}

#[test]
fn a_host_without_tn3270e_never_offers_it() {
    let cfg = HostConfig {
        tn3270e: false,
        ..HostConfig::default()
    };
    let pair = Pair::new(cfg, model("3279-4-E"));
    assert_eq!(pair.client.mode(), Mode::Tn3270);
    assert_eq!(
        ready(&pair),
        (HostMode::Tn3270, Dimensions::new(43, 80), true)
    );
    assert_eq!(pair.client.screen().dims(), Dimensions::new(43, 80));
}

#[test]
fn models_set_the_size_and_erase_write_alternate_is_used() {
    for (name, dims) in [
        ("3279-2-E", Dimensions::new(24, 80)),
        ("3279-3-E", Dimensions::new(32, 80)),
        ("3279-4-E", Dimensions::new(43, 80)),
        ("3278-5-E", Dimensions::new(27, 132)),
    ] {
        let pair = Pair::new(HostConfig::default(), model(name));
        assert_eq!(pair.host.dims(), Some(dims), "{name}");
        assert_eq!(pair.client.screen().dims(), dims, "{name}");
        assert_eq!(
            pair.client.screen().is_alternate(),
            dims != Dimensions::MODEL_2
        );
        let last = pair.client.text_rows()[usize::from(dims.rows) - 1].clone();
        assert!(last.contains("Enter=Sign on"), "{name}: {last}");
    }
}

#[test]
fn a_basic_terminal_gets_no_query_and_no_colour() {
    let client = TerminalConfig {
        terminal_type: Some("IBM-3278-2".into()),
        ..model("3278-2")
    };
    let pair = Pair::new(HostConfig::default(), client);
    assert_eq!(
        ready(&pair),
        (HostMode::Tn3270e, Dimensions::MODEL_2, false)
    );
    assert!(pair.client.screen().cells().all(|c| c.ext.is_default()));
    // Only the first screen asked for a response: there was no Query.
    assert_eq!(pair.host.responses(), (1, 0));
}

#[test]
fn ibm_dynamic_takes_its_size_from_the_query_reply() {
    for dims in [Dimensions::new(62, 160), Dimensions::new(30, 100)] {
        let client = TerminalConfig {
            oversize: Some(dims),
            ..model("3279-4-E")
        };
        let pair = Pair::new(HostConfig::default(), client);
        assert_eq!(pair.host.terminal_type(), "IBM-DYNAMIC");
        assert_eq!(ready(&pair), (HostMode::Tn3270e, dims, true));
        assert_eq!(pair.client.screen().dims(), dims);
        assert!(
            pair.text()
                .contains(&format!("{}x{}", dims.rows, dims.cols))
        );
    }
}

/// Plain TN3270 by hand, as a client that never answers the Query would do it.
#[test]
fn a_query_without_an_answer_times_out_to_24x80() {
    let cfg = HostConfig {
        tn3270e: false,
        ..HostConfig::default()
    };
    let mut host = HostConnection::new(cfg, LuPool::shared());
    assert_eq!(host.poll_transmit(), Some(vec![IAC, DO, 24]));
    let now = Instant::now();
    host.handle_input(now, WALL, &[IAC, WILL, 24]);
    assert_eq!(host.poll_transmit(), Some(vec![IAC, SB, 24, 1, IAC, SE]));
    let mut is = vec![IAC, SB, 24, 0];
    is.extend_from_slice(b"IBM-DYNAMIC");
    is.extend_from_slice(&[IAC, SE]);
    host.handle_input(now, WALL, &is);
    assert!(host.poll_transmit().is_some());
    host.handle_input(
        now,
        WALL,
        &[IAC, WILL, 25, IAC, DO, 25, IAC, WILL, 0, IAC, DO, 0],
    );
    let query = host.poll_transmit().unwrap();
    let mut framed = Vec::new();
    telnet::write_record(&read_partition_query(), &mut framed);
    assert_eq!(query, framed);
    let deadline = host.poll_timeout().unwrap();
    assert_eq!(deadline, now + Duration::from_secs(3));
    host.handle_timeout(now + Duration::from_millis(2999), WALL);
    assert!(host.app().is_none());
    host.handle_timeout(deadline, WALL);
    assert_eq!(host.dims(), Some(Dimensions::MODEL_2));
    assert_eq!(host.poll_timeout(), None);
    let screen = host.poll_transmit().unwrap();
    assert_eq!(screen[0], 0xF5, "Erase/Write for 24x80");
}

#[test]
fn an_unknown_device_type_is_rejected_and_wont_falls_back() {
    let mut host = HostConnection::new(HostConfig::default(), LuPool::shared());
    assert_eq!(host.poll_transmit(), Some(vec![IAC, DO, 40]));
    let now = Instant::now();
    host.handle_input(now, WALL, &[IAC, WILL, 40]);
    assert_eq!(
        host.poll_transmit(),
        Some(vec![IAC, SB, 40, tc::SEND, tc::DEVICE_TYPE, IAC, SE])
    );
    let mut req = vec![IAC, SB, 40, tc::DEVICE_TYPE, tc::REQUEST];
    req.extend_from_slice(b"VT100");
    req.extend_from_slice(&[IAC, SE]);
    host.handle_input(now, WALL, &req);
    assert_eq!(
        host.poll_transmit(),
        Some(vec![
            IAC,
            SB,
            40,
            tc::DEVICE_TYPE,
            tc::REJECT,
            tc::REASON,
            reason::INV_DEVICE_TYPE,
            IAC,
            SE
        ])
    );
    host.handle_input(now, WALL, &[IAC, WONT, 40]);
    let out = host.poll_transmit().unwrap();
    assert!(out.ends_with(&[IAC, DO, 24]), "{out:?}");
    assert_eq!(host.lu(), None);
}

#[test]
fn a_requested_lu_is_given_if_free_and_the_client_retries_if_not() {
    let pool = LuPool::shared();
    let client = TerminalConfig {
        lu: Some("MYLU".into()),
        ..model("3279-2-E")
    };
    let first = Pair::with_pool(HostConfig::default(), client.clone(), &pool);
    assert_eq!(first.host.lu(), Some("MYLU"));
    let second = Pair::with_pool(HostConfig::default(), client.clone(), &pool);
    // DEVICE-IN-USE, so r3270 asks again without a name.
    assert_eq!(second.host.mode(), HostMode::Tn3270e);
    assert_eq!(second.host.lu(), Some("DEMO0001"));
    drop(first);
    let third = Pair::with_pool(HostConfig::default(), client, &pool);
    assert_eq!(third.host.lu(), Some("MYLU"));
    assert_eq!(pool.lock().unwrap().len(), 2);
}

#[test]
fn lu_pool_counts_skips_and_validates() {
    let mut pool = LuPool::new();
    assert_eq!(pool.claim(Some("demo0002")), Ok("DEMO0002".into()));
    assert_eq!(pool.claim(None), Ok("DEMO0001".into()));
    assert_eq!(pool.claim(None), Ok("DEMO0003".into()));
    assert_eq!(pool.claim(Some("DEMO0001")), Err(reason::DEVICE_IN_USE));
    assert_eq!(pool.claim(Some("TOO-LONG-NAME")), Err(reason::INV_NAME));
    pool.release("DEMO0001");
    assert_eq!(pool.claim(Some("DEMO0001")), Ok("DEMO0001".into()));
}

#[test]
fn starttls_is_offered_first_then_tn3270e() {
    let cfg = HostConfig {
        starttls: true,
        ..HostConfig::default()
    };
    let pair = Pair::new(cfg.clone(), model("3279-2-E"));
    assert!(pair.host_events.contains(&HostEvent::StartTls));
    assert!(pair.client_events.contains(&SessionEvent::StartTls));
    assert!(pair.host.is_tls());
    assert_eq!(pair.host.mode(), HostMode::Tn3270e);
    assert!(pair.text().contains("Sign on"));
    // A client that refuses STARTTLS is served in the clear.
    let client = TerminalConfig {
        starttls: false,
        ..model("3279-2-E")
    };
    let pair = Pair::new(cfg, client);
    assert!(!pair.host.is_tls());
    assert_eq!(pair.host.mode(), HostMode::Tn3270e);
    assert!(pair.text().contains("Sign on"));
}

#[test]
fn query_reply_sizes() {
    let mut reply = Vec::new();
    query_reply(
        &QueryContext::new(Dimensions::new(62, 160)),
        QueryRequest::Query,
        &mut reply,
    );
    assert_eq!(
        size_from_query_reply(&reply),
        Some(Dimensions::new(62, 160))
    );
    // Usable Area alone.
    let usable = [
        0x88, 0x00, 0x17, 0x81, 0x81, 0x01, 0x00, 0x00, 0x84, 0x00, 0x1B, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x0A, 0x0D, 0xEC,
    ];
    assert_eq!(
        size_from_query_reply(&usable),
        Some(Dimensions::new(27, 132))
    );
    assert_eq!(size_from_query_reply(&[0x88]), None);
    assert_eq!(size_from_query_reply(&[0x88, 0x00, 0x02, 0x81]), None);
    assert_eq!(size_from_query_reply(&[]), None);
}

#[test]
fn the_whole_application_over_tn3270e() {
    let mut p = Pair::new(HostConfig::default(), model("3279-2-E"));
    // Wrong password: message, alarm, cursor back on the password.
    p.typed("demo");
    p.key(Key::Tab);
    p.typed("wrong");
    p.client_events.clear();
    p.aid(Aid::Enter);
    assert!(p.text().contains("DMO001E"), "{}", p.text());
    assert!(p.client_events.contains(&SessionEvent::Alarm));
    assert!(p.client.oia().alarm, "the OIA shows the alarm");
    assert_eq!(p.client.screen().cursor_position().row, 8);
    // The user id stays; only the password is typed again.
    p.typed("demo");
    p.aid(Aid::Enter);
    assert!(p.text().contains("Main menu") && p.text().contains("User DEMO"));
    // The operator answered the alarm by typing: its indicator does not stick.
    assert!(!p.client.oia().alarm, "the alarm indicator stuck");
    assert_eq!(p.host.app().and_then(App::user), Some("DEMO"));
    // An unknown option.
    p.typed("9");
    p.aid(Aid::Enter);
    assert!(p.text().contains("DMO103E"));
    // The order form: nothing typed, then a bad quantity, then good.
    p.key(Key::EraseEof);
    p.typed("1");
    p.aid(Aid::Enter);
    assert!(p.text().contains("Order entry"));
    p.aid(Aid::Enter);
    assert!(p.text().contains("DMO201E Customer name is required."));
    assert_eq!(
        p.client.screen().cursor_position(),
        crate::proto::Position::new(6, 22)
    );
    p.typed("Acme Ltd");
    p.key(Key::Tab);
    p.key(Key::Tab);
    p.typed("1.5");
    p.aid(Aid::Enter);
    assert!(p.text().contains("DMO203E"), "{}", p.text());
    assert_eq!(
        p.client.screen().cursor_position(),
        crate::proto::Position::new(8, 22)
    );
    assert!(
        p.text().contains("Acme Ltd"),
        "a Write keeps what was typed"
    );
    p.key(Key::EraseEof);
    p.typed("12");
    p.aid(Aid::Enter);
    assert!(
        p.text()
            .contains("Order 00001 accepted: 12 x P-1001 for ACME LTD."),
        "{}",
        p.text()
    );
    assert!(p.text().contains("00002"));
    // Help and back, Clear redraw.
    p.aid(Aid::Pf(1));
    assert!(p.text().contains("Help: Order entry"));
    p.aid(Aid::Pf(3));
    assert!(p.text().contains("Order entry"));
    p.aid(Aid::Clear);
    assert!(p.text().contains("Order entry") && p.text().contains("Customer name"));
    // Not-active key: a message and the alarm, the screen stays.
    p.aid(Aid::Pf(9));
    assert!(p.text().contains("DMO005W PF9 has no function"));
    p.aid(Aid::Pf(3));
    // The catalogue: top, pages, bottom.
    p.typed("2");
    p.aid(Aid::Enter);
    assert!(p.text().contains("Lines 1-16 of 60") && p.text().contains("P-1001"));
    p.aid(Aid::Pf(7));
    assert!(p.text().contains("TOP OF LIST"));
    for _ in 0..3 {
        p.aid(Aid::Pf(8));
    }
    assert!(p.text().contains("Lines 49-60 of 60") && p.text().contains("P-1060"));
    p.aid(Aid::Pf(8));
    assert!(p.text().contains("BOTTOM OF LIST"));
    p.aid(Aid::Pf(7));
    assert!(p.text().contains("Lines 33-48 of 60"));
    p.aid(Aid::Pf(3));
    // The colour chart has every colour, as field and as character attributes.
    p.typed("3");
    p.aid(Aid::Enter);
    assert!(p.text().contains("Turquoise") && p.text().contains("Reverse video"));
    let fgs: std::collections::BTreeSet<u8> = p.client.screen().cells().map(|c| c.ext.fg).collect();
    for c in 0xF1..=0xF7 {
        assert!(fgs.contains(&c), "colour {c:#x} missing");
    }
    p.aid(Aid::Pf(3));
    // Sign off with a command: goodbye, then the host closes.
    p.typed("logoff");
    p.aid(Aid::Enter);
    assert!(p.text().contains("DEMO signed off. Goodbye."));
    assert!(p.host.is_closed());
    assert_eq!(p.host_events.last(), Some(&HostEvent::Close));
    assert_eq!(p.host.lu(), None, "the LU is free again");
}

#[test]
fn pf3_signs_off_from_the_menu_and_three_bad_passwords_hang_up() {
    let mut p = Pair::new(HostConfig::default(), model("3279-2-E"));
    p.sign_on();
    p.aid(Aid::Pf(3));
    assert!(p.host.is_closed() && p.text().contains("Goodbye"));
    let mut p = Pair::new(HostConfig::default(), model("3279-2-E"));
    p.typed("demo");
    p.key(Key::Tab);
    for _ in 0..3 {
        p.typed("bad");
        p.key(Key::Aid(Aid::Enter));
    }
    assert!(p.host.is_closed());
    assert!(p.text().contains("DMO003E"), "{}", p.text());
}

#[test]
fn input_split_at_every_byte_gives_the_same_screen() {
    let whole = Pair::new(HostConfig::default(), model("3279-2-E"));
    // Replay the client's bytes to a fresh host one byte at a time.
    let mut client = Session::new(model("3279-2-E"));
    let mut host = HostConnection::new(HostConfig::default(), LuPool::shared());
    let now = Instant::now();
    loop {
        let mut moved = false;
        while let Some(b) = host.poll_transmit() {
            client.handle_input(now, &b);
            moved = true;
        }
        while let Some(b) = client.poll_transmit() {
            for byte in b {
                host.handle_input(now, WALL, &[byte]);
            }
            moved = true;
        }
        while client.poll_event().is_some() {}
        if !moved {
            break;
        }
    }
    assert_eq!(client.text_rows(), whole.client.text_rows());
}
