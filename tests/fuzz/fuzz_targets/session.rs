//! A whole `Session` driven by an arbitrary sequence of host bytes, operator keys, time and
//! TLS completions, optionally after a fixed prefix that negotiates plain TN3270 or TN3270E
//! (and optionally paints a formatted screen) so the fuzzer starts inside the 3270 states.
//! After every step the outputs are drained; nothing may panic, every `poll_transmit` chunk
//! must be complete, well-formed telnet, and the screen invariants must hold.
#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use r3270::proto::model::Model;
use r3270::proto::telnet::{EOR, IAC, escape_iac};
use r3270::proto::{Aid, Key, Session, TerminalConfig};
use r3270_fuzz::{check_screen, check_telnet_output};

#[derive(Debug, Arbitrary, Clone, Copy)]
enum Prefix {
    /// Start from scratch (NVT, negotiation, STARTTLS are all reachable).
    None,
    Tn3270,
    Tn3270Formatted,
    Tn3270e,
    Tn3270eFormatted,
}

#[derive(Debug, Arbitrary)]
enum FuzzAid {
    Enter,
    Pf(u8),
    Pa(u8),
    Clear,
    SysReq,
    SelectorPen,
    NoAid,
    StructuredField,
}

#[derive(Debug, Arbitrary)]
enum FuzzKey {
    Char(char),
    Aid(FuzzAid),
    Attn,
    Reset,
    Tab,
    BackTab,
    Home,
    NewLine,
    EraseEof,
    EraseInput,
    Insert,
    Delete,
    Backspace,
    Erase,
    Dup,
    FieldMark,
    Up,
    Down,
    Left,
    Right,
    Left2,
    Right2,
    FieldEnd,
    CursorSelect,
    MoveCursor { row: u16, col: u16 },
}

#[derive(Debug, Arbitrary)]
enum Step {
    /// Raw bytes from the host, telnet commands and all.
    HostBytes(Vec<u8>),
    /// One 3270 data-stream record: IAC-escaped, IAC EOR appended, and in TN3270E the
    /// 3270-DATA header (with the given response flag and sequence number) prepended.
    HostRecord {
        response_flag: u8,
        request_flag: u8,
        seq: u16,
        data: Vec<u8>,
    },
    /// A raw record: IAC-escaped and IAC EOR appended, nothing else (any TN3270E data type).
    HostRawRecord(Vec<u8>),
    Key(FuzzKey),
    Tick(u16),
    TlsEstablished(bool),
}

#[derive(Debug, Arbitrary)]
struct Input {
    prefix: Prefix,
    /// Model 2..=5.
    model: u8,
    steps: Vec<Step>,
}

const DO: u8 = 253;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;
const TTYPE: u8 = 24;
const OPT_EOR: u8 = 25;
const BINARY: u8 = 0;
const TN3270E: u8 = 40;

fn tn3270_prefix() -> Vec<u8> {
    vec![
        IAC, DO, TTYPE, IAC, SB, TTYPE, 1, IAC, SE, IAC, DO, OPT_EOR, IAC, WILL, OPT_EOR, IAC,
        DO, BINARY, IAC, WILL, BINARY,
    ]
}

fn tn3270e_prefix(terminal_type: &str) -> Vec<u8> {
    let mut v = vec![IAC, DO, TN3270E, IAC, SB, TN3270E, 8, 2, IAC, SE];
    v.extend_from_slice(&[IAC, SB, TN3270E, 2, 4]);
    v.extend_from_slice(terminal_type.as_bytes());
    v.extend_from_slice(&[1, b'L', b'U', b'1', IAC, SE]);
    v.extend_from_slice(&[IAC, SB, TN3270E, 3, 4, 0, 2, 4, 5, IAC, SE]);
    v
}

/// EW, WCC (reset, restore, reset MDT), SBA(1,0) SF protected "NAME", SF unprotected,
/// IC, SBA(2,0) SF unprotected numeric mandatory-fill-free, SBA(3,0) SF protected.
const FORMATTED: &[u8] = &[
    0xF5, 0xC3, 0x11, 0xC1, 0x50, 0x1D, 0x60, 0xD5, 0xC1, 0xD4, 0xC5, 0x1D, 0x40, 0x13, 0x11,
    0xC2, 0x60, 0x1D, 0x50, 0x11, 0xC3, 0xF0, 0x1D, 0xF0,
];

fn frame(data: &[u8], out: &mut Vec<u8>) {
    escape_iac(data, out);
    out.extend_from_slice(&[IAC, EOR]);
}

fn key(k: FuzzKey) -> Key {
    match k {
        FuzzKey::Char(c) => Key::Char(c),
        FuzzKey::Aid(a) => Key::Aid(match a {
            FuzzAid::Enter => Aid::Enter,
            FuzzAid::Pf(n) => Aid::Pf(n % 26),
            FuzzAid::Pa(n) => Aid::Pa(n % 5),
            FuzzAid::Clear => Aid::Clear,
            FuzzAid::SysReq => Aid::SysReq,
            FuzzAid::SelectorPen => Aid::SelectorPen,
            FuzzAid::NoAid => Aid::NoAid,
            FuzzAid::StructuredField => Aid::StructuredField,
        }),
        FuzzKey::Attn => Key::Attn,
        FuzzKey::Reset => Key::Reset,
        FuzzKey::Tab => Key::Tab,
        FuzzKey::BackTab => Key::BackTab,
        FuzzKey::Home => Key::Home,
        FuzzKey::NewLine => Key::NewLine,
        FuzzKey::EraseEof => Key::EraseEof,
        FuzzKey::EraseInput => Key::EraseInput,
        FuzzKey::Insert => Key::Insert,
        FuzzKey::Delete => Key::Delete,
        FuzzKey::Backspace => Key::Backspace,
        FuzzKey::Erase => Key::Erase,
        FuzzKey::Dup => Key::Dup,
        FuzzKey::FieldMark => Key::FieldMark,
        FuzzKey::Up => Key::Up,
        FuzzKey::Down => Key::Down,
        FuzzKey::Left => Key::Left,
        FuzzKey::Right => Key::Right,
        FuzzKey::Left2 => Key::Left2,
        FuzzKey::Right2 => Key::Right2,
        FuzzKey::FieldEnd => Key::FieldEnd,
        FuzzKey::CursorSelect => Key::CursorSelect,
        FuzzKey::MoveCursor { row, col } => Key::MoveCursor { row, col },
    }
}

fn drain(s: &mut Session) {
    while let Some(out) = s.poll_transmit() {
        check_telnet_output(&out);
    }
    while s.poll_event().is_some() {}
    check_screen(s.screen());
    assert_eq!(s.text_rows().len(), usize::from(s.screen().dims().rows));
}

fuzz_target!(|input: Input| {
    let cfg = TerminalConfig {
        model: Model {
            number: 2 + input.model % 4,
            color: true,
            extended: true,
        },
        ..TerminalConfig::default()
    };
    let terminal_type = cfg.terminal_type();
    let mut s = Session::new(cfg);
    let start = Instant::now();
    let mut now = start;

    let e_mode = matches!(input.prefix, Prefix::Tn3270e | Prefix::Tn3270eFormatted);
    let prefix = match input.prefix {
        Prefix::None => Vec::new(),
        Prefix::Tn3270 | Prefix::Tn3270Formatted => tn3270_prefix(),
        Prefix::Tn3270e | Prefix::Tn3270eFormatted => tn3270e_prefix(&terminal_type),
    };
    if !prefix.is_empty() {
        s.handle_input(now, &prefix);
        drain(&mut s);
        debug_assert!(s.mode().is_3270(), "prefix did not reach 3270 mode: {:?}", s.mode());
    }
    if matches!(input.prefix, Prefix::Tn3270Formatted | Prefix::Tn3270eFormatted) {
        let mut rec = Vec::new();
        if e_mode {
            rec.extend_from_slice(&[0, 0, 0, 0, 0]);
        }
        rec.extend_from_slice(FORMATTED);
        let mut bytes = Vec::new();
        frame(&rec, &mut bytes);
        s.handle_input(now, &bytes);
        drain(&mut s);
    }

    let mut bytes = Vec::new();
    for step in input.steps {
        match step {
            Step::HostBytes(b) => s.handle_input(now, &b),
            Step::HostRecord {
                response_flag,
                request_flag,
                seq,
                data,
            } => {
                let mut rec = Vec::with_capacity(data.len() + 5);
                if s.is_tn3270e() {
                    rec.extend_from_slice(&[0, request_flag, response_flag]);
                    rec.extend_from_slice(&seq.to_be_bytes());
                }
                rec.extend_from_slice(&data);
                bytes.clear();
                frame(&rec, &mut bytes);
                s.handle_input(now, &bytes);
            }
            Step::HostRawRecord(data) => {
                bytes.clear();
                frame(&data, &mut bytes);
                s.handle_input(now, &bytes);
            }
            Step::Key(k) => s.handle_key(key(k), now),
            Step::Tick(ms) => {
                now += Duration::from_millis(u64::from(ms));
                s.handle_timeout(now);
            }
            Step::TlsEstablished(verified) => s.handle_tls_established(verified),
        }
        drain(&mut s);
    }
});
