use super::*;

fn now() -> Instant {
    #[allow(clippy::disallowed_methods)]
    Instant::now()
}

#[test]
fn records_before_tn3270e_functions_are_agreed_are_ignored() {
    let mut s = Session::new(TerminalConfig::default());
    let t = now();
    // DO TN3270E, SEND DEVICE-TYPE, DEVICE-TYPE IS ...: the functions are never agreed.
    s.handle_input(t, &[0xff, 0xfd, 0x28]);
    s.handle_input(t, &[0xff, 0xfa, 0x28, 0x08, 0x02, 0xff, 0xf0]);
    s.handle_input(t, b"\xff\xfa\x28\x02\x04IBM-3278-2-E\x01LU1\xff\xf0");
    while s.poll_transmit().is_some() {}
    while s.poll_event().is_some() {}
    // A 3270-DATA record with an Erase/Write of "A": x3270 ignores it at the EOR.
    s.handle_input(t, &[0, 0, 0, 0, 0, 0xf5, 0xc3, 0xc1, 0xff, 0xef]);
    assert!(s.poll_transmit().is_none());
    assert_ne!(s.mode(), Mode::Nvt);
    assert!(s.text_rows().iter().all(|r| r.trim().is_empty()));
    let events: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, SessionEvent::HostError { .. })),
        "{events:?}"
    );
}

#[test]
fn leaving_3270_mode_clears_the_screen() {
    let mut s = Session::new(TerminalConfig::default());
    let t = now();
    // Plain TN3270: DO/WILL BINARY and EOR, then an Erase/Write of "A", and "B" on row 2.
    s.handle_input(
        t,
        &[
            0xff, 0xfd, 0x00, 0xff, 0xfb, 0x00, 0xff, 0xfd, 0x19, 0xff, 0xfb, 0x19,
        ],
    );
    s.handle_input(t, &[0xf5, 0xc3, 0xc1, 0x11, 0xc1, 0x50, 0xc2, 0xff, 0xef]);
    assert_eq!(s.mode(), Mode::Tn3270);
    assert!(s.text_rows()[0].starts_with('A'));
    assert!(s.text_rows()[1].starts_with('B'));
    // The host turns BINARY off: NVT text follows on a clean screen.
    s.handle_input(t, &[0xff, 0xfc, 0x00, 0xff, 0xfe, 0x00]);
    s.handle_input(t, b"hi");
    assert_eq!(s.text_rows()[0].trim_end(), "hi");
    assert!(s.text_rows()[1..].iter().all(|r| r.trim().is_empty()));
}

/// Plain TN3270 (BINARY and EOR both ways) with "A" written and the keyboard restored.
fn tn3270_session() -> (Session, Instant) {
    let mut s = Session::new(TerminalConfig::default());
    let t = now();
    s.handle_input(
        t,
        &[
            0xff, 0xfd, 0x00, 0xff, 0xfb, 0x00, 0xff, 0xfd, 0x19, 0xff, 0xfb, 0x19,
        ],
    );
    s.handle_input(t, &[0xf5, 0xc3, 0xc1, 0xff, 0xef]);
    while s.poll_transmit().is_some() {}
    while s.poll_event().is_some() {}
    (s, t)
}

#[test]
fn oversized_records_are_counted_once_each() {
    let (mut s, t) = tn3270_session();
    s.set_max_record(10);
    assert_eq!(s.max_record(), 64, "the floor is 64 bytes");
    assert_eq!(s.oversized_records(), 0);
    let mut big = vec![0xf5, 0xc3];
    big.extend(std::iter::repeat_n(0xc1, 100));
    // One record split over two reads is one overflow.
    s.handle_input(t, &big[..50]);
    s.handle_input(t, &big[50..]);
    s.handle_input(t, &[0xff, 0xef]);
    assert_eq!(s.oversized_records(), 1);
    let events: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert!(
        events.iter().any(|e| matches!(
            e,
            SessionEvent::HostError { error, .. }
                if error.to_string()
                    == "the host sent a record larger than the limit of 64 bytes; dropped"
        )),
        "{events:?}"
    );
    s.handle_input(t, &big);
    s.handle_input(t, &[0xff, 0xef]);
    assert_eq!(s.oversized_records(), 2);
}

#[test]
fn typeahead_limit_is_configurable() {
    let (mut s, t) = tn3270_session();
    assert_eq!(s.typeahead_limit(), TYPEAHEAD_LIMIT);
    s.set_typeahead_limit(3);
    s.handle_key(Key::Aid(Aid::Enter), t);
    assert!(s.is_locked());
    for c in "ABCDEF".chars() {
        s.handle_key(Key::Char(c), t);
    }
    assert_eq!(s.oia().typeahead, 3);
}

#[test]
fn masked_copy_hides_hidden_input_in_reads_and_only_there() {
    let (mut s, t) = tn3270_session();
    s.set_masked_copy(true);
    // An unprotected non-display field from 1 to 9 with the cursor in it, then a protected
    // field; the keyboard is restored.
    s.handle_input(
        t,
        &[
            0xf5, 0xc3, 0x1d, 0x4c, 0x13, 0x11, 0x40, 0x4a, 0x1d, 0x60, 0xff, 0xef,
        ],
    );
    while s.poll_event().is_some() {}
    assert!(s.poll_transmit_masked().is_none());
    let cp = CodePage::default();
    let secret: Vec<u8> = "HUNTER2"
        .chars()
        .map(|c| cp.from_unicode(c).unwrap())
        .collect();
    let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    for c in "HUNTER2".chars() {
        s.handle_key(Key::Char(c), t);
    }
    let records_out = s.stats().records_out;
    s.handle_key(Key::Aid(Aid::Enter), t);
    // The copy is not a record sent.
    assert_eq!(s.stats().records_out, records_out + 1);
    let (wire, kept) = s.poll_transmit_masked().unwrap();
    assert!(has(&wire, &secret), "the host gets the password");
    assert!(!has(&kept, &secret), "the copy does not");
    let mut expected = vec![0x7d, 0x40, 0xc8, 0x11, 0x40, 0xc1];
    expected.extend_from_slice(&crate::proto::ds::inbound::MASK);
    expected.extend_from_slice(&[0xff, 0xef]);
    assert_eq!(kept, expected);
    // The host asks for the whole buffer (Read Buffer): every hidden position is masked.
    s.handle_input(t, &[0xf2, 0xff, 0xef]);
    let (wire, kept) = s.poll_transmit_masked().unwrap();
    assert!(has(&wire, &secret));
    assert!(!has(&kept, &secret));
    assert_eq!(wire.len(), kept.len());
    assert!(has(&kept, &[0x5c; 9]), "nine positions, typed or not");
    // Without the copy turned on, both are the wire bytes.
    s.set_masked_copy(false);
    s.handle_input(t, &[0xf2, 0xff, 0xef]);
    let (wire, kept) = s.poll_transmit_masked().unwrap();
    assert_eq!(wire, kept);
}
