//! Tests of the telnet layer: split invariance, RFC 1143 properties, framing, and the exact
//! NEW-ENVIRON / TERMINAL-TYPE bytes x3270 sends in the trace corpus.

use super::*;

/// Feeds `chunks` in order and returns the events with adjacent data runs merged, since run
/// boundaries carry no meaning.
fn parse_chunks(parser: &mut TelnetParser, chunks: &[&[u8]]) -> Vec<OwnedTelnetEvent> {
    let mut events: Vec<OwnedTelnetEvent> = Vec::new();
    for chunk in chunks {
        parser.feed(chunk, &mut |event| {
            let owned = event.to_owned_event();
            if let (OwnedTelnetEvent::Data(new), Some(OwnedTelnetEvent::Data(last))) =
                (&owned, events.last_mut())
            {
                last.extend_from_slice(new);
                return;
            }
            events.push(owned);
        });
    }
    events
}

fn parse(input: &[u8]) -> Vec<OwnedTelnetEvent> {
    parse_chunks(&mut TelnetParser::new(), &[input])
}

/// A stream exercising every parser state: data with IAC IAC, negotiation, SB with an
/// escaped IAC, EOR, a command, an SB interrupted by a command.
const MIXED: &[u8] = &[
    b'a', IAC, IAC, b'b', IAC, DO, 40, IAC, SB, 40, 8, 2, IAC, IAC, 7, IAC, SE, 0xf5, 0xc3, IAC,
    EOR, IAC, NOP, IAC, WILL, 25, IAC, IAC, IAC, IAC, IAC, SB, 24, 1, IAC, NOP, b'z', IAC, DONT, 1,
    IAC, WONT, 0, 13, 0, 13, 10,
];

fn mixed_expected() -> Vec<OwnedTelnetEvent> {
    use OwnedTelnetEvent as E;
    vec![
        E::Data(vec![b'a', IAC, b'b']),
        E::Do(TelnetOption::TN3270E),
        E::Subnegotiation {
            option: TelnetOption::TN3270E,
            data: vec![8, 2, IAC, 7],
        },
        E::Data(vec![0xf5, 0xc3]),
        E::EndOfRecord,
        E::Command(Command::NoOperation),
        E::Will(TelnetOption::EOR),
        E::Data(vec![IAC, IAC]),
        E::Error(TelnetError::SubnegotiationInterrupted {
            option: TelnetOption::TERMINAL_TYPE,
            command: NOP,
        }),
        E::Command(Command::NoOperation),
        E::Data(vec![b'z']),
        E::Dont(TelnetOption::ECHO),
        E::Wont(TelnetOption::BINARY),
        E::Data(vec![13, 0, 13, 10]),
    ]
}

#[test]
fn parses_mixed_stream() {
    assert_eq!(parse(MIXED), mixed_expected());
}

#[test]
fn split_invariance_at_every_point() {
    let expected = mixed_expected();
    for a in 0..=MIXED.len() {
        for b in a..=MIXED.len() {
            let mut parser = TelnetParser::new();
            let got = parse_chunks(&mut parser, &[&MIXED[..a], &MIXED[a..b], &MIXED[b..]]);
            assert_eq!(got, expected, "split at {a} and {b}");
        }
    }
}

#[test]
fn byte_at_a_time_matches() {
    let chunks: Vec<&[u8]> = MIXED.chunks(1).collect();
    assert_eq!(
        parse_chunks(&mut TelnetParser::new(), &chunks),
        mixed_expected()
    );
}

#[test]
fn cr_nul_stripped_only_when_asked_and_across_splits() {
    let input: &[u8] = &[b'x', CR, NUL, b'y', CR, b'\n', CR, IAC, IAC, CR, CR, NUL];
    let mut expected = vec![OwnedTelnetEvent::Data(vec![
        b'x', CR, b'y', CR, b'\n', CR, IAC, CR, CR,
    ])];
    for split in 0..=input.len() {
        let mut parser = TelnetParser::new();
        parser.set_strip_cr_nul(true);
        let got = parse_chunks(&mut parser, &[&input[..split], &input[split..]]);
        assert_eq!(got, expected, "split at {split}");
    }
    expected = vec![OwnedTelnetEvent::Data(vec![
        b'x', CR, NUL, b'y', CR, b'\n', CR, IAC, CR, CR, NUL,
    ])];
    assert_eq!(parse(input), expected);
}

#[test]
fn data_runs_borrow_the_input() {
    let input: &[u8] = b"hello\xff\xffworld";
    let mut runs = Vec::new();
    TelnetParser::new().feed(input, &mut |event| {
        if let TelnetEvent::Data(data) = event {
            runs.push((data.as_ptr() as usize - input.as_ptr() as usize, data.len()));
        }
    });
    // "hello", then the second IAC starts the run "\xffworld" — no copy made.
    assert_eq!(runs, vec![(0, 5), (6, 6)]);
}

#[test]
fn oversized_subnegotiation_is_dropped_and_reported() {
    let mut input = vec![IAC, SB, 39];
    input.extend(std::iter::repeat_n(b'x', MAX_SUBNEGOTIATION + 1));
    input.extend_from_slice(&[IAC, SE, b'k']);
    let events = parse(&input);
    assert_eq!(
        events,
        vec![
            OwnedTelnetEvent::Error(TelnetError::SubnegotiationTooLong {
                option: TelnetOption::NEW_ENVIRON
            }),
            OwnedTelnetEvent::Data(vec![b'k']),
        ]
    );
    // Exactly the maximum is still accepted.
    let mut input = vec![IAC, SB, 39];
    input.extend(std::iter::repeat_n(IAC, 2 * MAX_SUBNEGOTIATION));
    input.extend_from_slice(&[IAC, SE]);
    assert!(matches!(
        parse(&input).as_slice(),
        [OwnedTelnetEvent::Subnegotiation { data, .. }] if data.len() == MAX_SUBNEGOTIATION
    ));
}

#[test]
fn never_panics_on_pseudo_random_input() {
    // A small deterministic generator stands in for a fuzzer: bytes biased toward IAC and
    // the command range, so every state is visited often.
    let mut x: u32 = 0x1234_5678;
    let mut input = Vec::new();
    for _ in 0..20000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let b = (x >> 8) as u8;
        input.push(if b < 96 { 0xff - (b & 0x0f) } else { b });
    }
    let whole = parse(&input);
    let chunks: Vec<&[u8]> = input.chunks(7).collect();
    assert_eq!(parse_chunks(&mut TelnetParser::new(), &chunks), whole);
}

#[test]
fn framing_helpers() {
    let mut out = Vec::new();
    escape_iac(&[1, IAC, 2, IAC, IAC], &mut out);
    assert_eq!(out, [1, IAC, IAC, 2, IAC, IAC, IAC, IAC]);
    out.clear();
    write_record(&[0x7d, IAC], &mut out);
    assert_eq!(out, [0x7d, IAC, IAC, IAC, EOR]);
    out.clear();
    write_negotiation(Verb::Will, TelnetOption::TN3270E, &mut out);
    assert_eq!(out, [0xff, 0xfb, 0x28]);
    out.clear();
    write_subnegotiation(TelnetOption::TN3270E, &[2, IAC], &mut out);
    assert_eq!(out, [IAC, SB, 40, 2, IAC, IAC, IAC, SE]);
    // Whatever we frame, the parser gives back.
    let data: Vec<u8> = (0..=255).collect();
    out.clear();
    write_record(&data, &mut out);
    assert_eq!(
        parse(&out),
        vec![OwnedTelnetEvent::Data(data), OwnedTelnetEvent::EndOfRecord]
    );
}

// --- RFC 1143 ---------------------------------------------------------------------------

#[test]
fn tn3270_client_policy_replies() {
    let mut table = OptionTable::default();
    let cases = [
        (
            Verb::Do,
            TelnetOption::TN3270E,
            Some(Verb::Will),
            Some(true),
        ),
        (
            Verb::Do,
            TelnetOption::NEW_ENVIRON,
            Some(Verb::Will),
            Some(true),
        ),
        (
            Verb::Do,
            TelnetOption::TERMINAL_TYPE,
            Some(Verb::Will),
            Some(true),
        ),
        (Verb::Do, TelnetOption::EOR, Some(Verb::Will), Some(true)),
        (Verb::Do, TelnetOption::BINARY, Some(Verb::Will), Some(true)),
        (
            Verb::Do,
            TelnetOption::STARTTLS,
            Some(Verb::Will),
            Some(true),
        ),
        (Verb::Will, TelnetOption::EOR, Some(Verb::Do), Some(true)),
        (Verb::Will, TelnetOption::BINARY, Some(Verb::Do), Some(true)),
        (Verb::Will, TelnetOption::ECHO, Some(Verb::Do), Some(true)),
        (Verb::Will, TelnetOption::SGA, Some(Verb::Do), Some(true)),
        (Verb::Do, TelnetOption::ECHO, Some(Verb::Wont), None),
        (Verb::Do, TelnetOption::NAWS, Some(Verb::Wont), None),
        (
            Verb::Will,
            TelnetOption::TERMINAL_TYPE,
            Some(Verb::Dont),
            None,
        ),
        (Verb::Will, TelnetOption(200), Some(Verb::Dont), None),
        // Confirmations of the current state are never answered.
        (Verb::Do, TelnetOption::TN3270E, None, None),
        (Verb::Dont, TelnetOption::ECHO, None, None),
        (Verb::Wont, TelnetOption(200), None, None),
    ];
    for (verb, option, reply, changed) in cases {
        let n = table.receive(verb, option);
        assert_eq!(
            (n.reply, n.changed),
            (reply, changed),
            "{verb:?} {option:?}"
        );
    }
    assert!(table.local_enabled(TelnetOption::TN3270E));
    assert!(table.remote_enabled(TelnetOption::ECHO));
    // DONT TN3270E turns it off with one WONT, and a fresh DO turns it on again.
    let n = table.receive(Verb::Dont, TelnetOption::TN3270E);
    assert_eq!((n.reply, n.changed), (Some(Verb::Wont), Some(false)));
    let n = table.receive(Verb::Do, TelnetOption::TN3270E);
    assert_eq!((n.reply, n.changed), (Some(Verb::Will), Some(true)));
}

#[test]
fn timing_mark_answered_every_time_never_enabled() {
    let mut table = OptionTable::default();
    for _ in 0..3 {
        let n = table.receive(Verb::Do, TelnetOption::TIMING_MARK);
        assert_eq!((n.reply, n.changed), (Some(Verb::Will), None));
        assert!(!table.local_enabled(TelnetOption::TIMING_MARK));
    }
    let n = table.receive(Verb::Dont, TelnetOption::TIMING_MARK);
    assert_eq!(n.reply, None);
}

#[test]
fn wont_tn3270e_after_will_as_in_wont_tn3270e_trace() {
    // wont-tn3270e.trc: DO TN3270E / WILL TN3270E, ..., host WONT TN3270E; x3270 gives up
    // TN3270E and sends WONT TN3270E (`> fffc28`). The host's WONT is about its own side
    // (already NO, so no reply); the session then disables our side.
    let mut table = OptionTable::default();
    let mut out = Vec::new();
    table
        .receive(Verb::Do, TelnetOption::TN3270E)
        .write_reply(TelnetOption::TN3270E, &mut out);
    assert_eq!(out, [0xff, 0xfb, 0x28]);
    assert_eq!(table.receive(Verb::Wont, TelnetOption::TN3270E).reply, None);
    out.clear();
    let n = table.request_disable(Side::Local, TelnetOption::TN3270E);
    n.write_reply(TelnetOption::TN3270E, &mut out);
    assert_eq!(out, [0xff, 0xfc, 0x28]);
    assert_eq!(n.changed, Some(false));
    // The host's DONT (if it answers) settles WANTNO without a further reply.
    assert_eq!(table.receive(Verb::Dont, TelnetOption::TN3270E).reply, None);
    assert_eq!(
        table.state(Side::Local, TelnetOption::TN3270E).state,
        QState::No
    );
}

#[test]
fn request_queue_semantics() {
    let mut table = OptionTable::default();
    let opt = TelnetOption::BINARY;
    assert_eq!(
        table.request_enable(Side::Remote, opt).reply,
        Some(Verb::Do)
    );
    // Asking again while WANTYES sends nothing.
    assert_eq!(table.request_enable(Side::Remote, opt).reply, None);
    // Changing our mind while WANTYES queues the opposite.
    assert_eq!(table.request_disable(Side::Remote, opt).reply, None);
    assert_eq!(
        table.state(Side::Remote, opt),
        SideState {
            state: QState::WantYes,
            queue: QueueBit::Opposite
        }
    );
    // The WILL arrives: we immediately ask to turn it off, once.
    let n = table.receive(Verb::Will, opt);
    assert_eq!(n.reply, Some(Verb::Dont));
    assert_eq!(table.receive(Verb::Wont, opt).reply, None);
    assert_eq!(table.state(Side::Remote, opt).state, QState::No);
}

/// Two RFC 1143 tables talking to each other, with arbitrary requests injected on both
/// sides, always go quiet: every exchange ends within a bounded number of messages.
#[test]
fn two_tables_never_loop() {
    #[derive(Clone, Copy)]
    enum Act {
        Enable(Side),
        Disable(Side),
    }
    let acts = [
        Act::Enable(Side::Local),
        Act::Disable(Side::Local),
        Act::Enable(Side::Remote),
        Act::Disable(Side::Remote),
    ];
    let policies = [
        OptionPolicy::tn3270_client(),
        OptionPolicy {
            local: OptionSet::empty(),
            remote: OptionSet::empty(),
            answer_timing_mark: false,
        },
    ];
    let option = TelnetOption::BINARY;
    for pa in policies {
        for pb in policies {
            for a1 in acts {
                for a2 in acts {
                    for b1 in acts {
                        let mut tables = [OptionTable::new(pa), OptionTable::new(pb)];
                        // Messages in flight: (to, verb).
                        let mut wire: Vec<(usize, Verb)> = Vec::new();
                        let act = |tables: &mut [OptionTable; 2], who: usize, a: Act| {
                            let n = match a {
                                Act::Enable(s) => tables[who].request_enable(s, option),
                                Act::Disable(s) => tables[who].request_disable(s, option),
                            };
                            n.reply.map(|v| (1 - who, v))
                        };
                        wire.extend(act(&mut tables, 0, a1));
                        wire.extend(act(&mut tables, 1, b1));
                        wire.extend(act(&mut tables, 0, a2));
                        let mut steps = 0;
                        while !wire.is_empty() {
                            let (to, verb) = wire.remove(0);
                            if let Some(reply) = tables[to].receive(verb, option).reply {
                                wire.push((1 - to, reply));
                            }
                            steps += 1;
                            assert!(steps < 20, "negotiation loop");
                        }
                        // Quiescent: both sides agree on who performs the option.
                        assert_eq!(
                            tables[0].local_enabled(option),
                            tables[1].remote_enabled(option)
                        );
                        assert_eq!(
                            tables[0].remote_enabled(option),
                            tables[1].local_enabled(option)
                        );
                    }
                }
            }
        }
    }
}

// --- TERMINAL-TYPE and NEW-ENVIRON, byte-exact against the x3270 traces --------------------

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Parses a host SB, answers it with `environ`, returns the reply bytes.
fn environ_reply(environ: &mut Environ, host: &str) -> Vec<u8> {
    let events = parse(&hex(host));
    let [OwnedTelnetEvent::Subnegotiation { option, data }] = events.as_slice() else {
        panic!("not one SB: {events:?}");
    };
    assert_eq!(*option, TelnetOption::NEW_ENVIRON);
    let request = parse_environ_send(data).unwrap();
    let mut out = Vec::new();
    environ.write_is(&request, &mut out);
    out
}

#[test]
fn terminal_type_is_matches_wont_tn3270e_trace() {
    // s3270/wont-tn3270e.trc: `< fffa1801fff0`, `> fffa180049424d2d333237392d342d45fff0`.
    let events = parse(&hex("fffa1801fff0"));
    let [OwnedTelnetEvent::Subnegotiation { option, data }] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!(*option, TelnetOption::TERMINAL_TYPE);
    assert!(is_terminal_type_send(data));
    let mut out = Vec::new();
    write_terminal_type_is(b"IBM-3279-4-E", &mut out);
    assert_eq!(out, hex("fffa180049424d2d333237392d342d45fff0"));
}

#[test]
fn environ_send_all_matches_target_trace() {
    // s3270/target.trc: `< fffa2701fff0` answered with USER "pdm", IBMELF, IBMAPPLID "None".
    let mut environ = Environ::x3270(Some(b"pdm"), None, None);
    assert_eq!(
        environ_reply(&mut environ, "fffa2701fff0"),
        hex(concat!(
            "fffa270000555345520170646d0349424d454c46015945530349424d4150504c",
            "4944014e6f6e65fff0"
        ))
    );
}

#[test]
fn environ_elf_traces() {
    // s3270/elf.trc: IBMAPPLID configured as 12345.
    let mut environ = Environ::x3270(Some(b"pdm"), Some(b"12345"), None);
    assert_eq!(
        environ_reply(
            &mut environ,
            "fffa27010349424d454c460349424d4150504c4944fff0"
        ),
        hex(concat!(
            "fffa27000349424d454c46015945530349424d4150504c4944013132333435ff",
            "f0"
        ))
    );
    // s3270/elfDefault.trc: no IBMAPPLID configured, x3270 sends "None".
    let mut environ = Environ::x3270(Some(b"pdm"), None, None);
    assert_eq!(
        environ_reply(
            &mut environ,
            "fffa27010349424d454c460349424d4150504c4944fff0"
        ),
        hex("fffa27000349424d454c46015945530349424d4150504c4944014e6f6e65fff0")
    );
}

#[test]
fn environ_empty_user_trace() {
    // s3270/empty-user.trc: `< fffa27010055534552fff0` -> `> fffa2700005553455201fff0`,
    // i.e. VAR USER VALUE with an empty value.
    let mut environ = Environ::x3270(Some(b""), None, None);
    assert_eq!(
        environ_reply(&mut environ, "fffa27010055534552fff0"),
        hex("fffa2700005553455201fff0")
    );
}

#[test]
fn environ_devname_counter_matches_devname_traces() {
    // s3270/devname_success.trc (-devname foo===): first answer includes DEVNAME foo001,
    // each later SEND USERVAR "DEVNAME" gets the next number.
    let mut environ = Environ::x3270(None, None, Some(b"foo==="));
    assert_eq!(
        environ_reply(
            &mut environ,
            "fffa27010349424d454c460349424d4150504c4944034445564e414d45fff0"
        ),
        hex(concat!(
            "fffa27000349424d454c46015945530349424d4150504c4944014e6f6e650344",
            "45564e414d4501666f6f303031fff0"
        ))
    );
    assert_eq!(
        environ_reply(&mut environ, "fffa2701034445564e414d45fff0"),
        hex("fffa2700034445564e414d4501666f6f303032fff0")
    );
    // s3270/devname_failure.trc (-devname foo=): foo1 .. foo9, then foo9 again.
    let mut devname = Devname::new(b"foo=");
    let values: Vec<Vec<u8>> = (0..10).map(|_| devname.next_value()).collect();
    assert_eq!(values[0], b"foo1");
    assert_eq!(values[8], b"foo9");
    assert_eq!(values[9], b"foo9");
    let mut fixed = Devname::new(b"LU01");
    assert_eq!(fixed.next_value(), b"LU01");
    assert_eq!(fixed.next_value(), b"LU01");
}

#[test]
fn environ_escapes_and_unknowns() {
    // A name containing the type bytes is escaped on both sides (RFC 1572 ESC).
    let payload = [
        ENV_SEND,
        ENV_USERVAR,
        b'A',
        ENV_ESC,
        ENV_VALUE,
        b'B',
        ENV_VAR,
    ];
    let request = parse_environ_send(&payload).unwrap();
    assert_eq!(
        request,
        vec![
            EnvRequestItem {
                kind: EnvKind::UserVar,
                name: vec![b'A', ENV_VALUE, b'B']
            },
            EnvRequestItem {
                kind: EnvKind::Var,
                name: vec![]
            },
        ]
    );
    let mut environ = Environ {
        user: Some(vec![b'u', ENV_ESC]),
        uservars: vec![(vec![b'A', ENV_VALUE, b'B'], vec![IAC])],
        on_request: Vec::new(),
        devname: None,
    };
    let mut out = Vec::new();
    environ.write_is(&request, &mut out);
    assert_eq!(
        out,
        [
            IAC,
            SB,
            39,
            ENV_IS,
            ENV_USERVAR,
            b'A',
            ENV_ESC,
            ENV_VALUE,
            b'B',
            ENV_VALUE,
            IAC,
            IAC,
            ENV_VAR,
            b'U',
            b'S',
            b'E',
            b'R',
            ENV_VALUE,
            b'u',
            ENV_ESC,
            ENV_ESC,
            IAC,
            SE
        ]
    );
    // Unknown variables are sent without VALUE ("not defined").
    out.clear();
    let request = parse_environ_send(&[ENV_SEND, ENV_VAR, b'X']).unwrap();
    environ.write_is(&request, &mut out);
    assert_eq!(out, [IAC, SB, 39, ENV_IS, ENV_VAR, b'X', IAC, SE]);
    // Not a SEND, or garbage: no panic.
    assert_eq!(parse_environ_send(&[ENV_IS]), None);
    assert_eq!(parse_environ_send(&[]), None);
    assert_eq!(parse_environ_send(&[ENV_SEND, 9, ENV_ESC]), Some(vec![]));
    assert_eq!(
        parse_environ_send(&[ENV_SEND, ENV_VAR, ENV_ESC]),
        Some(vec![EnvRequestItem {
            kind: EnvKind::Var,
            name: vec![]
        }])
    );
}

#[test]
fn starttls_follows() {
    let mut out = Vec::new();
    write_starttls_follows(&mut out);
    assert_eq!(out, [IAC, SB, 46, 1, IAC, SE]);
    assert!(is_starttls_follows(&[1]));
}
