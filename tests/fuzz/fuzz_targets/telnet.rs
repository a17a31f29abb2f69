//! The receive-side telnet parser: arbitrary bytes, fed whole, split at an arbitrary point,
//! and one byte at a time, must produce the same events (data runs may be cut differently,
//! so adjacent `Data` events are joined before comparing). Also checks that the output
//! framing functions round-trip through the parser.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use r3270::proto::telnet::{
    MAX_SUBNEGOTIATION, OwnedTelnetEvent, TelnetOption, TelnetParser, escape_iac,
    write_subnegotiation,
};

#[derive(Debug, Arbitrary)]
struct Input {
    /// NVT "CR NUL is CR" rule on or off.
    strip_cr_nul: bool,
    /// Where the stream is split (taken modulo its length + 1).
    split: u16,
    /// An option byte for the subnegotiation round trip.
    option: u8,
    stream: Vec<u8>,
}

/// Events of feeding `chunks` in order to one parser, with data runs joined.
fn events(strip: bool, chunks: &[&[u8]]) -> Vec<OwnedTelnetEvent> {
    let mut parser = TelnetParser::new();
    parser.set_strip_cr_nul(strip);
    let mut out: Vec<OwnedTelnetEvent> = Vec::new();
    for chunk in chunks {
        parser.feed(chunk, &mut |ev| {
            let ev = ev.to_owned_event();
            match (out.last_mut(), ev) {
                (_, OwnedTelnetEvent::Data(d)) if d.is_empty() => {}
                (Some(OwnedTelnetEvent::Data(prev)), OwnedTelnetEvent::Data(d)) => {
                    prev.extend_from_slice(&d);
                }
                (_, ev) => out.push(ev),
            }
        });
    }
    out
}

fuzz_target!(|input: Input| {
    let Input {
        strip_cr_nul,
        split,
        option,
        stream,
    } = input;
    let at = usize::from(split) % (stream.len() + 1);
    let (a, b) = stream.split_at(at);

    let whole = events(strip_cr_nul, &[&stream]);
    let two = events(strip_cr_nul, &[a, b]);
    assert_eq!(whole, two, "split at {at} changed the events");
    let bytewise: Vec<&[u8]> = stream.chunks(1).collect();
    let one_by_one = events(strip_cr_nul, &bytewise);
    assert_eq!(whole, one_by_one, "byte-at-a-time feeding changed the events");

    // Data escaped with escape_iac comes back unchanged (without the NVT CR rule).
    let mut escaped = Vec::new();
    escape_iac(&stream, &mut escaped);
    let back = events(false, &[&escaped]);
    if stream.is_empty() {
        assert!(back.is_empty());
    } else {
        assert_eq!(back, vec![OwnedTelnetEvent::Data(stream.clone())]);
    }

    // A subnegotiation written by write_subnegotiation parses back to the same payload.
    let mut sb = Vec::new();
    write_subnegotiation(TelnetOption(option), &stream, &mut sb);
    let back = events(strip_cr_nul, &[&sb]);
    if stream.len() <= MAX_SUBNEGOTIATION {
        assert_eq!(
            back,
            vec![OwnedTelnetEvent::Subnegotiation {
                option: TelnetOption(option),
                data: stream,
            }]
        );
    } else {
        assert_eq!(back.len(), 1);
        assert!(matches!(back[0], OwnedTelnetEvent::Error(_)));
    }
});
