//! Tests of TN3270E: every negotiation branch, byte-exact against the x3270 trace corpus,
//! header round trips, responses, and BIND-IMAGE parsing.

use super::*;
use crate::proto::telnet::{OwnedTelnetEvent, TelnetParser};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The TN3270E payload of one host SB given as trace hex (`fffa28 ... fff0`).
fn sb_payload(host: &str) -> Vec<u8> {
    let mut events = Vec::new();
    TelnetParser::new().feed(&hex(host), &mut |e| events.push(e.to_owned_event()));
    match events.as_slice() {
        [OwnedTelnetEvent::Subnegotiation { option, data }] if *option == TelnetOption::TN3270E => {
            data.clone()
        }
        other => panic!("not one TN3270E SB: {other:?}"),
    }
}

/// Feeds one host SB and checks the client's answer against the trace's `>` bytes.
fn step(n: &mut Tn3270eNegotiator, host: &str, client: &str) -> Tn3270eEvent {
    let mut out = Vec::new();
    let event = n.handle_subnegotiation(&sb_payload(host), &mut out);
    assert_eq!(out, hex(client), "answer to {host}");
    event
}

const SEND_DEVICE_TYPE: &str = "fffa280802fff0";
const REQUEST_3278_4_E: &str = "fffa28020749424d2d333237382d342d45fff0";
const FUNCTIONS_REQUEST_X3270: &str = "fffa28030700020405fff0";

#[test]
fn accepted_with_narrowed_functions_devname_success_trace() {
    // s3270/devname_success.trc (also target.trc, lu.trc, tn3270e-renegotiate.trc).
    let mut n = Tn3270eNegotiator::new(Tn3270eConfig::new(b"IBM-3278-4-E"));
    assert_eq!(
        step(&mut n, SEND_DEVICE_TYPE, REQUEST_3278_4_E),
        Tn3270eEvent::InProgress
    );
    assert_eq!(*n.state(), NegotiationState::ExpectDeviceTypeIs);
    let event = step(
        &mut n,
        "fffa28020449424d2d333237382d342d450149424d3054453039fff0",
        FUNCTIONS_REQUEST_X3270,
    );
    assert_eq!(event, Tn3270eEvent::InProgress);
    assert_eq!(n.device_type(), Some(&b"IBM-3278-4-E"[..]));
    assert_eq!(n.device_name(), Some(&b"IBM0TE09"[..]));
    // Host FUNCTIONS REQUEST BIND-IMAGE -> we agree with FUNCTIONS IS BIND-IMAGE.
    let event = step(&mut n, "fffa28030700fff0", "fffa28030400fff0");
    let only_bind = FunctionSet::EMPTY.with(Function::BindImage);
    assert_eq!(
        event,
        Tn3270eEvent::Negotiated {
            functions: only_bind
        }
    );
    assert!(n.is_negotiated());
    assert_eq!(n.functions(), only_bind);
}

#[test]
fn accepted_as_requested_contention_resolution_trace() {
    // s3270/contention-resolution.trc: the host grants the full list with FUNCTIONS IS.
    let mut n = Tn3270eNegotiator::new(Tn3270eConfig::new(b"IBM-3278-2-E"));
    step(
        &mut n,
        SEND_DEVICE_TYPE,
        "fffa28020749424d2d333237382d322d45fff0",
    );
    step(
        &mut n,
        "fffa28020449424d2d333237382d322d45015343305443503037fff0",
        FUNCTIONS_REQUEST_X3270,
    );
    let event = step(&mut n, "fffa28030400020405fff0", "");
    assert_eq!(
        event,
        Tn3270eEvent::Negotiated {
            functions: FunctionSet::X3270
        }
    );
}

#[test]
fn host_grants_subset_with_is_ibmlink_cr_trace() {
    // s3270/ibmlink-cr.trc: we ask for four functions, IBMLink answers IS with three.
    let mut n = Tn3270eNegotiator::new(Tn3270eConfig::new(b"IBM-3278-4-E"));
    step(&mut n, SEND_DEVICE_TYPE, REQUEST_3278_4_E);
    step(
        &mut n,
        "fffa28020449424d2d333237382d342d450149424d305445514ffff0",
        FUNCTIONS_REQUEST_X3270,
    );
    let event = step(&mut n, "fffa280304000204fff0", "");
    assert_eq!(
        event,
        Tn3270eEvent::Negotiated {
            functions: FunctionSet::B3270
        }
    );
}

#[test]
fn b3270_function_list_short_sba_trace() {
    // b3270/short_sba.trc: b3270 requests BIND-IMAGE RESPONSES SYSREQ; host grants BIND-IMAGE.
    let mut config = Tn3270eConfig::new(b"IBM-3278-4-E");
    config.functions = FunctionSet::B3270;
    let mut n = Tn3270eNegotiator::new(config);
    step(&mut n, SEND_DEVICE_TYPE, REQUEST_3278_4_E);
    step(
        &mut n,
        "fffa28020449424d2d333237382d342d45014930303030303037fff0",
        "fffa280307000204fff0",
    );
    let event = step(&mut n, "fffa28030400fff0", "");
    assert_eq!(
        event,
        Tn3270eEvent::Negotiated {
            functions: FunctionSet::EMPTY.with(Function::BindImage)
        }
    );
}

#[test]
fn connect_lu_trace() {
    // s3270/lu.trc (lu=foo): DEVICE-TYPE REQUEST IBM-3278-4-E CONNECT foo.
    let mut config = Tn3270eConfig::new(b"IBM-3278-4-E");
    config.device_name = Some(b"foo".to_vec());
    let mut n = Tn3270eNegotiator::new(config);
    step(
        &mut n,
        SEND_DEVICE_TYPE,
        "fffa28020749424d2d333237382d342d4501666f6ffff0",
    );
}

#[test]
fn host_requests_unsupported_functions_we_counter_propose() {
    let mut config = Tn3270eConfig::new(b"IBM-3278-2-E");
    config.functions = FunctionSet::B3270;
    let mut n = Tn3270eNegotiator::new(config);
    let mut out = Vec::new();
    n.handle_subnegotiation(&[SEND, DEVICE_TYPE], &mut out);
    n.handle_subnegotiation(&[DEVICE_TYPE, IS, b'X', CONNECT, b'L'], &mut out);
    out.clear();
    // Host asks for BIND-IMAGE, DATA-STREAM-CTL, SYSREQ and an unknown 0x10.
    let event = n.handle_subnegotiation(&[FUNCTIONS, REQUEST, 0, 1, 4, 0x10], &mut out);
    assert_eq!(event, Tn3270eEvent::InProgress);
    assert_eq!(out, hex("fffa2803070004fff0"));
    assert_eq!(*n.state(), NegotiationState::ExpectFunctionsIs);
    // The host accepts our narrowed list.
    out.clear();
    let event = n.handle_subnegotiation(&[FUNCTIONS, IS, 0, 4], &mut out);
    assert!(out.is_empty());
    assert_eq!(
        event,
        Tn3270eEvent::Negotiated {
            functions: FunctionSet::EMPTY
                .with(Function::BindImage)
                .with(Function::Sysreq)
        }
    );
}

#[test]
fn endless_function_counter_proposals_are_abandoned() {
    let mut n = Tn3270eNegotiator::new(Tn3270eConfig::new(b"IBM-3278-2-E"));
    let mut out = Vec::new();
    n.handle_subnegotiation(&[SEND, DEVICE_TYPE], &mut out);
    n.handle_subnegotiation(&[DEVICE_TYPE, IS, b'X'], &mut out);
    assert_eq!(n.device_name(), None);
    let mut last = Tn3270eEvent::Ignored;
    for _ in 0..=MAX_FUNCTION_ROUNDS {
        last = n.handle_subnegotiation(&[FUNCTIONS, REQUEST, 1], &mut out);
    }
    assert_eq!(last, Tn3270eEvent::Abandoned);
    assert_eq!(*n.state(), NegotiationState::Abandoned);
}

#[test]
fn rejected_with_lu_retries_without_it() {
    let mut config = Tn3270eConfig::new(b"IBM-3278-2-E");
    config.device_name = Some(b"BADLU".to_vec());
    let mut n = Tn3270eNegotiator::new(config);
    let mut out = Vec::new();
    n.handle_subnegotiation(&[SEND, DEVICE_TYPE], &mut out);
    out.clear();
    let event = n.handle_subnegotiation(&[DEVICE_TYPE, REJECT, REASON, 3], &mut out);
    assert!(out.is_empty());
    assert_eq!(
        event,
        Tn3270eEvent::DeviceTypeRejected {
            reason: RejectReason::InvName,
            device_name_requested: true
        }
    );
    assert!(n.recover_from_reject(&mut out));
    let mut expected = vec![0xff, 0xfa, 0x28, DEVICE_TYPE, REQUEST];
    expected.extend_from_slice(b"IBM-3278-2-E");
    expected.extend_from_slice(&[0xff, 0xf0]);
    assert_eq!(out, expected);
    assert_eq!(*n.state(), NegotiationState::ExpectDeviceTypeIs);
    // Rejected again, now without an LU: give up.
    let event = n.handle_subnegotiation(&[DEVICE_TYPE, REJECT, REASON, 4], &mut out);
    assert_eq!(
        event,
        Tn3270eEvent::DeviceTypeRejected {
            reason: RejectReason::InvDeviceType,
            device_name_requested: false
        }
    );
    out.clear();
    assert!(!n.recover_from_reject(&mut out));
    assert!(out.is_empty());
    assert_eq!(*n.state(), NegotiationState::Abandoned);
    // Once abandoned, TN3270E payloads are ignored until the session resets us.
    assert_eq!(
        n.handle_subnegotiation(&[SEND, DEVICE_TYPE], &mut out),
        Tn3270eEvent::Ignored
    );
}

#[test]
fn rejected_without_lu_gives_up_and_caller_may_choose() {
    let mut n = Tn3270eNegotiator::new(Tn3270eConfig::new(b"IBM-3278-2-E"));
    let mut out = Vec::new();
    n.handle_subnegotiation(&[SEND, DEVICE_TYPE], &mut out);
    // A REJECT without a REASON is still a rejection.
    let event = n.handle_subnegotiation(&[DEVICE_TYPE, REJECT], &mut out);
    assert_eq!(
        event,
        Tn3270eEvent::DeviceTypeRejected {
            reason: RejectReason::Other(None),
            device_name_requested: false
        }
    );
    // The caller may instead retry with another LU of its choosing.
    out.clear();
    n.retry(Some(b"LU2"), &mut out);
    assert!(out.ends_with(&[CONNECT, b'L', b'U', b'2', 0xff, 0xf0]));
    assert_eq!(*n.state(), NegotiationState::ExpectDeviceTypeIs);
}

#[test]
fn renegotiation_tn3270e_renegotiate_trace() {
    // s3270/tn3270e-renegotiate.trc: negotiated, then DONT TN3270E / WONT, DO TN3270E / WILL,
    // and the whole exchange again with a new LU.
    let mut n = Tn3270eNegotiator::new(Tn3270eConfig::new(b"IBM-3278-4-E"));
    step(&mut n, SEND_DEVICE_TYPE, REQUEST_3278_4_E);
    step(
        &mut n,
        "fffa28020449424d2d333237382d342d450149424d3054453030fff0",
        FUNCTIONS_REQUEST_X3270,
    );
    step(&mut n, "fffa28030700fff0", "fffa28030400fff0");
    assert!(n.is_negotiated());
    // DONT TN3270E then DO TN3270E: the session resets the negotiator.
    n.reset();
    assert_eq!(*n.state(), NegotiationState::ExpectSendDeviceType);
    step(&mut n, SEND_DEVICE_TYPE, REQUEST_3278_4_E);
    step(
        &mut n,
        "fffa28020449424d2d333237382d342d450149424d3054453031fff0",
        FUNCTIONS_REQUEST_X3270,
    );
    step(&mut n, "fffa28030700fff0", "fffa28030400fff0");
    assert_eq!(n.device_name(), Some(&b"IBM0TE01"[..]));
    // SEND DEVICE-TYPE while negotiated also restarts, without a reset.
    step(&mut n, SEND_DEVICE_TYPE, REQUEST_3278_4_E);
    assert_eq!(*n.state(), NegotiationState::ExpectDeviceTypeIs);
    assert_eq!(n.device_name(), None);
}

#[test]
fn unexpected_and_malformed_payloads_are_ignored() {
    let mut n = Tn3270eNegotiator::new(Tn3270eConfig::new(b"IBM-3278-2-E"));
    let mut out = Vec::new();
    for payload in [
        &[][..],
        &[SEND],
        &[DEVICE_TYPE, REJECT, REASON, 1],
        &[FUNCTIONS, IS, 0],
        &[FUNCTIONS, REQUEST, 0],
        &[FUNCTIONS],
        &[0xee, 1, 2],
    ] {
        assert_eq!(
            n.handle_subnegotiation(payload, &mut out),
            Tn3270eEvent::Ignored
        );
    }
    assert!(out.is_empty());
    assert_eq!(*n.state(), NegotiationState::ExpectSendDeviceType);
    // Every payload of up to three bytes, in every state reachable from here: no panic.
    for a in 0..=255u8 {
        for b in [0u8, 2, 3, 4, 5, 6, 7, 8, 0xff] {
            for c in [0u8, 1, 4, 0xff] {
                let mut n = Tn3270eNegotiator::new(Tn3270eConfig::new(b"T"));
                n.handle_subnegotiation(&[SEND, DEVICE_TYPE], &mut out);
                n.handle_subnegotiation(&[a, b, c], &mut out);
                n.handle_subnegotiation(&[a, b], &mut out);
                n.handle_subnegotiation(&[a], &mut out);
            }
        }
    }
}

// --- header and responses ------------------------------------------------------------------

#[test]
fn header_round_trips() {
    for data_type in 0..=10u8 {
        for seq in [0u16, 1, 0x00ff, 0xff00, 0xffff] {
            let header = Header {
                data_type: DataType(data_type),
                request_flag: 0x03,
                response_flag: 0x02,
                seq_number: seq,
            };
            let mut record = Vec::new();
            header.encode(&mut record);
            record.extend_from_slice(b"xy");
            assert_eq!(Header::parse(&record), Some((header, &b"xy"[..])));
        }
    }
    assert_eq!(Header::parse(&[0, 0, 0, 0]), None);
    assert_eq!(
        Header::parse(&[0, 0, 0, 0, 7]).map(|(_, d)| d.len()),
        Some(0)
    );
}

#[test]
fn headers_from_traces() {
    // s3270/bid.trc `< 0900020001`: BID ALWAYS-RESPONSE 1.
    let bid = hex("0900020001");
    let (h, data) = Header::parse(&bid).unwrap();
    assert_eq!(h.data_type, DataType::BID);
    assert_eq!(h.response_flag, response_flag::ALWAYS_RESPONSE);
    assert_eq!(h.seq_number, 1);
    assert!(data.is_empty());
    assert!(h.wants_response(true));
    // contention traces `< 0003010003`: 3270-DATA SEND-DATA|KEYBOARD-RESTORE ERROR-RESPONSE 3.
    let (h, _) = Header::parse(&hex("0003010003")).unwrap();
    assert_eq!(
        h.request_flag,
        request_flag::SEND_DATA | request_flag::KEYBOARD_RESTORE
    );
    assert!(!h.wants_response(true));
    assert!(h.wants_response(false));
    // s3270/bid.trc `< 040000000001`: UNBIND NO-RESPONSE 0, reason 01 (normal).
    let unbind = hex("040000000001");
    let (h, data) = Header::parse(&unbind).unwrap();
    assert_eq!(h.data_type, DataType::UNBIND);
    assert_eq!(data, [1]);
    assert!(!h.wants_response(false));
}

#[test]
fn responses_match_traces() {
    // s3270/bid.trc: the BID above is answered `> 020000000100ffef`.
    let mut out = Vec::new();
    crate::proto::telnet::write_record(&positive_response(1), &mut out);
    assert_eq!(out, hex("020000000100ffef"));
    // b3270/short_sba.trc: after the malformed record `< 00000100027ec311ffef` (3270-DATA
    // ERROR-RESPONSE seq 2), b3270 sends `> 020001000202ffef`: NEGATIVE-RESPONSE,
    // OPERATION-CHECK.
    let (h, _) = Header::parse(&hex("00000100027ec311")).unwrap();
    assert!(h.wants_response(false));
    out.clear();
    crate::proto::telnet::write_record(
        &negative_response(h.seq_number, NegativeCode::OperationCheck),
        &mut out,
    );
    assert_eq!(out, hex("020001000202ffef"));
    // A sequence number containing 0xFF is escaped by the record framing.
    out.clear();
    crate::proto::telnet::write_record(&positive_response(0xff01), &mut out);
    assert_eq!(out, hex("020000ffff0100ffef"));
    assert_eq!(
        negative_response(7, NegativeCode::CommandReject),
        [2, 0, 1, 0, 7, 0]
    );
}

// --- BIND-IMAGE ---------------------------------------------------------------------------

#[test]
fn bind_image_devname_success_trace() {
    // s3270/devname_success.trc: BIND PLU-name 'IBM0SMAJ' MaxSec-RU 1024 MaxPri-RU 3840,
    // default 24x80, alternate 43x80 (screen size code 0x7F).
    let record = hex(concat!(
        "030000000031010303b1903080008787f8870002800000000018502b507f0000",
        "08c9c2d4f0e2d4c1d10005007eec0b1008c9c2d4f0e3c5e2d8"
    ));
    let (h, data) = Header::parse(&record).unwrap();
    assert_eq!(h.data_type, DataType::BIND_IMAGE);
    let bind = BindImage::parse(data).unwrap();
    assert_eq!(bind.max_secondary_ru, Some(1024));
    assert_eq!(bind.max_primary_ru, Some(3840));
    assert_eq!(bind.lu_type, 2);
    // "IBM0SMAJ" in EBCDIC.
    assert_eq!(bind.plu_name, hex("c9c2d4f0e2d4c1d1"));
    assert_eq!(bind.default_size(), Dimensions::new(24, 80));
    assert_eq!(bind.alternate_size(), Some(Dimensions::new(43, 80)));
}

#[test]
fn bind_image_without_plu_name_short_sba_trace() {
    // b3270/short_sba.trc: BIND PLU-name '' MaxSec-RU 1024 MaxPri-RU 1024, code 0x7E.
    let record = hex("030000000031010303b190308000008787000002800000000018502b507e00");
    let (_, data) = Header::parse(&record).unwrap();
    let bind = BindImage::parse(data).unwrap();
    assert_eq!(bind.plu_name, b"");
    assert_eq!(bind.max_secondary_ru, Some(1024));
    assert_eq!(bind.max_primary_ru, Some(1024));
    assert_eq!(bind.default_size(), Dimensions::new(24, 80));
    assert_eq!((bind.alternate_rows, bind.alternate_cols), (43, 80));
    assert_eq!(bind.alternate_size(), Some(Dimensions::new(24, 80)));
}

#[test]
fn bind_image_telnet_plu_contention_resolution_trace() {
    // s3270/contention-resolution.trc: BIND PLU-name 'TELNET' Default 24x80, code 0x7E.
    let record = hex(concat!(
        "03000000003101020200003080008487f88000028000000000185000007e0000",
        "06e3c5d3d5c5e300"
    ));
    let (_, data) = Header::parse(&record).unwrap();
    let bind = BindImage::parse(data).unwrap();
    assert_eq!(bind.plu_name, hex("e3c5d3d5c5e3"));
    assert_eq!(bind.max_secondary_ru, Some(1024));
    assert_eq!(bind.max_primary_ru, Some(3840));
    assert_eq!(bind.default_size(), Dimensions::new(24, 80));
}

#[test]
fn bind_image_malformed() {
    assert_eq!(BindImage::parse(&[]), None);
    assert_eq!(BindImage::parse(&[0x32; 40]), None);
    assert_eq!(BindImage::parse(&[BIND_RU; 24]), None);
    // A PLU name length running past the end is clipped, not trusted.
    let mut data = vec![0u8; 28];
    data[0] = BIND_RU;
    data[27] = 200;
    data.extend_from_slice(&[0xc1, 0xc2]);
    let bind = BindImage::parse(&data).unwrap();
    assert_eq!(bind.plu_name, [0xc1, 0xc2]);
    assert_eq!(bind.max_primary_ru, None);
    assert_eq!(bind.default_size(), Dimensions::MODEL_2);
    assert_eq!(bind.alternate_size(), None);
}

#[test]
fn unsolicited_device_type_is_is_accepted() {
    // bid-ta.trc: the server announces the device type before we asked; x3270 takes it and
    // goes on with FUNCTIONS REQUEST, and so do we.
    let mut n = Tn3270eNegotiator::new(Tn3270eConfig::new(b"IBM-DYNAMIC"));
    let mut out = Vec::new();
    let mut payload = vec![DEVICE_TYPE, IS];
    payload.extend_from_slice(b"IBM-DYNAMIC");
    payload.push(CONNECT);
    payload.extend_from_slice(b"QDOT0084");
    assert_eq!(
        n.handle_subnegotiation(&payload, &mut out),
        Tn3270eEvent::InProgress
    );
    assert_eq!(n.device_name(), Some(&b"QDOT0084"[..]));
    assert_eq!(*n.state(), NegotiationState::ExpectFunctionsIs);
    assert_eq!(
        out,
        [0xff, 0xfa, 40, FUNCTIONS, REQUEST, 0, 2, 4, 5, 0xff, 0xf0]
    );
}

#[test]
fn function_names_round_trip_in_code_order() {
    for f in Function::ALL {
        assert_eq!(Function::from_name(f.name()), Some(f));
    }
    assert_eq!(
        FunctionSet::X3270.names(),
        ["BIND-IMAGE", "RESPONSES", "SYSREQ", "CONTENTION-RESOLUTION"]
    );
    assert!(FunctionSet::EMPTY.names().is_empty());
}
