use super::*;

#[test]
fn concatenates_a_burst_and_splits_on_offset_zero() {
    let trace = Trace::parse("< 0x0   0102\n< 0x2   03\n< 0x0   04\n> 0x0 ff\n").unwrap();
    assert_eq!(
        trace.events,
        vec![
            TraceEvent::Host(vec![1, 2, 3]),
            TraceEvent::Host(vec![4]),
            TraceEvent::Client(vec![0xff]),
        ]
    );
}

#[test]
fn offset_mismatch_names_the_line() {
    let err = Trace::parse("note\n< 0x0   0102\n< 0x4   03\n").unwrap_err();
    assert!(
        matches!(
            err,
            TraceError::OffsetMismatch {
                line: 3,
                expected: 2,
                found: 4
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("line 3:"));
    // A continuation of the other direction's burst is also a mismatch.
    let err = Trace::parse("< 0x0   0102\n> 0x2   03\n").unwrap_err();
    assert!(matches!(err, TraceError::OffsetMismatch { line: 2, .. }));
}

#[test]
fn malformed_hex_names_the_line() {
    for text in ["< 0x0   0g\n", "< 0x0   012\n", "< 0xzz  01\n", "> 0x0\n"] {
        let err = Trace::parse(text).unwrap_err();
        assert!(
            matches!(err, TraceError::BadDataLine { line: 1, .. }),
            "{text}: {err:?}"
        );
    }
}

#[test]
fn decoded_direction_lines_are_skipped() {
    let text = "< 0x0   fffd28\n\
                < BIND PLU-name '' MaxSec-RU 1024 ...\n\
                ... ternate 24x80\n\
                < EraseWriteAlternate(reset) SetBufferAddress(43,80)\n \
                [invalid SBA address; write aborted]\n\
                \n\
                > QueryReply(Summary)\n\
                <.. foo ^M ^J\n\
                > 0x0   fffb28\n";
    let trace = Trace::parse(text).unwrap();
    assert_eq!(
        trace.events,
        vec![
            TraceEvent::Host(vec![0xff, 0xfd, 0x28]),
            TraceEvent::Client(vec![0xff, 0xfb, 0x28]),
        ]
    );
}

#[test]
fn header_and_settings_continuation() {
    let text = "20220429.184247.999 Trace started\n \
                Command: b3270 b3270 -utf8\n \
                Model 3279-4-E, 43 rows x 80 cols, color display, code page bracket\n \
                Host codepage: 37\n \
                Settings: acceptHostname= aidWait=true\n  \
                codePage=bracket termName=\n  \
                model=3279-4-E oversize=\n \
                Connection state: not-connected\n";
    let trace = Trace::parse(text).unwrap();
    let header = &trace.header;
    assert_eq!(trace.model(), Some("3279-4-E"));
    assert_eq!(trace.rows_cols(), Some((43, 80)));
    assert_eq!(header.code_page.as_deref(), Some("bracket"));
    assert_eq!(header.host_code_page.as_deref(), Some("37"));
    assert_eq!(header.command.as_deref(), Some("b3270 b3270 -utf8"));
    let settings: Vec<(&str, &str)> = header
        .settings
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        settings,
        vec![
            ("acceptHostname", ""),
            ("aidWait", "true"),
            ("codePage", "bracket"),
            ("model", "3279-4-E"),
            ("oversize", ""),
            ("termName", ""),
        ]
    );
}

#[test]
fn generated_screen_size() {
    let trace = Trace::parse("// rows 27\n// columns 132\n// # text\n").unwrap();
    assert_eq!(trace.rows_cols(), Some((27, 132)));
    assert!(matches!(
        Trace::parse("// rows many\n"),
        Err(TraceError::BadScreenSize { line: 1 })
    ));
}

#[test]
fn actions_and_their_origins() {
    use ActionOrigin::{KeyEvent, Queued, Requested, Run};
    let text = "\
20220429.184339.027 ui< <run actions=\"Set(a,&quot;&quot;) Connect(192.168.1.26:2323)\" r-tag=\"x\" />
20220429.184339.027 Macro[#11.2] 'Connect(192.168.1.26:2323)'
20220429.184339.030 ui -> Connect(\"192.168.1.26:2323\")
20220429.184339.032 Macro[#11.2] RUNNING -> CONNECT_WAIT (Connect() or Reconnect())
20220328.142540.884  base.3270:11 -> Enter()
20220328.142540.884 keymap -> Enter()
20220328.142540.884   action queued (kybdlock 0xc0)
20220328.142540.922 typeahead -> Enter()
20240229.133417.199 script -> String(\"LOGON \\\"X\\\"\")
20240229.133417.199  string -> Key(U+004c)
20230403.225050.553 Event ':<KeyPress>f' (case-insensitive: '<KeyPress>f') -> Default()
20230403.225050.553  default -> Key(U+0066)
20230403.225049.243 FocusIn -> PA-Focus()
20251122.113036.566 infra  script -> PF(\"3\")
20251122.113036.566 telnet SENT SB TERMINAL TYPE IS IBM-3279-4-E SE
";
    let trace = Trace::parse(text).unwrap();
    let actions: Vec<_> = trace
        .actions()
        .map(|(source, name, args, origin)| (source, name, args.join("|"), origin))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("ui", "Set", "a|".to_owned(), Requested),
            ("ui", "Connect", "192.168.1.26:2323".to_owned(), Requested),
            ("ui", "Connect", "192.168.1.26:2323".to_owned(), Run),
            ("keymap", "Enter", String::new(), Queued),
            ("typeahead", "Enter", String::new(), Run),
            ("script", "String", "LOGON \"X\"".to_owned(), Run),
            ("default", "Key", "U+0066".to_owned(), KeyEvent),
            ("script", "PF", "3".to_owned(), Run),
        ]
    );
    assert_eq!(trace.connect_target().as_deref(), Some("192.168.1.26:2323"));
    assert_eq!(trace.sent_terminal_type().as_deref(), Some("IBM-3279-4-E"));
    // The requests are dropped because the ui run lines are there; the queued Enter too.
    let replayed = trace
        .replay_actions()
        .into_iter()
        .filter_map(|event| match event {
            TraceEvent::Action { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert_eq!(replayed, ["Connect", "Enter", "String", "Key", "PF"]);
}

#[test]
fn argument_lists() {
    assert_eq!(parse_args(""), Vec::<String>::new());
    assert_eq!(parse_args("3"), ["3"]);
    assert_eq!(parse_args("\"a, b\", \"\", c"), ["a, b", "", "c"]);
    assert_eq!(parse_args("\"C:\\Users\\x\""), ["C:\\Users\\x"]);
    assert_eq!(parse_args("\"unterminated"), ["unterminated"]);
    assert_eq!(
        parse_action_list("Set(x,\"a)b\") Enter Clear()"),
        vec![
            ("Set".to_owned(), vec!["x".to_owned(), "a)b".to_owned()]),
            ("Enter".to_owned(), vec![]),
            ("Clear".to_owned(), vec![]),
        ]
    );
}

#[test]
fn never_panics_on_odd_input() {
    for text in [
        "",
        "<",
        ">",
        "< 0x",
        "< 0x ",
        "< 0xffffffffffffffffffffffff 00",
        "20220429.184339.027",
        "20220429.184339.027 ",
        "20220429.184339.027 ui< <run actions=\"Set(",
        "20220429.184339.027 a -> (",
        "20220429.184339.027 a -> B(",
        "20220429.184339.027 éééééééé -> B()",
        " Model ",
        " Model , x rows x y cols",
        " Settings: = == a",
        "//",
        "< 0x0 ff\u{0}",
    ] {
        let _ = Trace::parse(text);
    }
}
