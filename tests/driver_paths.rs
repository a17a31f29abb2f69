//! One script of connection events, through both front ends' paths (the idea of
//! vt100-rust's `compare_screens`): the interactive client's (App and Tab, fed host events
//! in memory, as the TUI's loop does) and the headless one (`runtime::Client` over a real
//! TCP connection to a host in the test). Both must send the host the same bytes, end for
//! the same reason (a close in the middle of a record) and count the same statistics.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use r3270::app::{App, Effect, Event, HostEvent};
use r3270::config::{Config, Profile};
use r3270::driver::Snapshot;
use r3270::proto::{Aid, Key};
use r3270::runtime::{Answer, Client, ConnectionError, HostSpec};
use r3270::trace::Trace;

/// The host's side of the script: a sign-on screen (our own fixture trace), then, after the
/// operator's Enter, half of a record and a close.
fn host_script() -> (Vec<u8>, Vec<u8>) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/traces/demo-signon.trc"
    );
    let trace = Trace::from_path(path).unwrap();
    let screen: Vec<u8> = trace.host_bytes().flatten().copied().collect();
    // An Erase/Write whose IAC EOR never comes.
    let partial = vec![0xF5, 0xC3, 0x11, 0x40, 0x40, 0xC1, 0xC2];
    (screen, partial)
}

/// The figures that do not depend on when things happened.
fn counts(s: &Snapshot) -> impl PartialEq + std::fmt::Debug {
    let (x, l) = (&s.session, &s.link);
    (
        (x.bytes_in, x.bytes_out, x.records_in, x.records_out),
        (
            x.aids,
            x.response.count(),
            x.host_errors,
            x.negative_responses,
        ),
        (x.oversized_records, x.alarms),
        (
            s.mode,
            l.terminal_type.clone(),
            l.lu.clone(),
            l.connections,
            l.tls,
        ),
    )
}

/// The interactive client's path: what the TUI loop would hand the App.
fn tui_path(spec: &HostSpec) -> (Vec<u8>, Option<String>, Snapshot) {
    let (screen, partial) = host_script();
    let mut app = App::new(Config::builtin());
    let now = Instant::now();
    let mut sent = Vec::new();
    let collect = |effects: Vec<Effect>, sent: &mut Vec<u8>| {
        for e in effects {
            if let Effect::Send { bytes, .. } = e {
                sent.extend_from_slice(&bytes);
            }
        }
    };
    let effects = app.open_tab(Profile::for_host(spec));
    let tab = match effects.first() {
        Some(Effect::Connect { tab, .. }) => *tab,
        other => panic!("no connect: {other:?}"),
    };
    let host = |app: &mut App, event: HostEvent| app.handle_event(Event::Host { tab, event }, now);
    let connected = HostEvent::Connected {
        endpoint: spec.to_string(),
        peer: "127.0.0.1:23".parse().unwrap(),
        direct_tls: None,
        connect_time: None,
        tried: Vec::new(),
    };
    collect(host(&mut app, connected), &mut sent);
    collect(host(&mut app, HostEvent::Data(screen)), &mut sent);
    for code in [KeyCode::Char('X'), KeyCode::Enter] {
        let key = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
        collect(app.handle_event(key, now), &mut sent);
    }
    collect(host(&mut app, HostEvent::Data(partial)), &mut sent);
    collect(host(&mut app, HostEvent::Closed), &mut sent);
    let t = &app.tabs()[0];
    let ended = t.driver().ended().map(ToString::to_string);
    (sent, ended, t.driver().stats())
}

#[tokio::test]
async fn the_tui_and_headless_paths_send_the_same_end_the_same_and_count_the_same() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let spec: HostSpec = format!("N:127.0.0.1:{port}").parse().unwrap();
    let (go_on, wait) = mpsc::channel::<()>();
    // The host in the test: the screen, then (told the Enter went out) the half record and
    // the close; everything the client sends is kept.
    let host = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let (screen, partial) = host_script();
        s.write_all(&screen).unwrap();
        wait.recv().unwrap();
        s.write_all(&partial).unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        got
    });
    let profile = Profile::for_host(&spec);
    let mut opts = profile.connect_options();
    opts.connect_timeout = Duration::from_secs(10);
    let mut client = Client::connect(&spec, &opts, profile.terminal_config())
        .await
        .unwrap();
    assert_eq!(
        client.wait_ready(Duration::from_secs(10)).await,
        r3270::runtime::Wait::Ready
    );
    client.key(Key::Char('X'));
    // The host never answers the Enter: the press reports that, after a short wait.
    let answer = client
        .press_and_wait(Key::Aid(Aid::Enter), Duration::from_millis(300))
        .await;
    assert_eq!(answer, Answer::NoAnswer);
    go_on.send(()).unwrap();
    client.pause(Duration::from_secs(5)).await;
    let ended = client.ended().map(ToString::to_string);
    let stats = client.driver().stats();
    assert!(matches!(
        client.ended(),
        Some(ConnectionError::ClosedMidRecord { bytes: 7 })
    ));
    let _ = client.close().await;
    let headless_sent = host.join().unwrap();

    let (tui_sent, tui_ended, tui_stats) = tui_path(&spec);
    assert!(!headless_sent.is_empty());
    assert_eq!(tui_sent, headless_sent, "the same bytes reach the host");
    assert_eq!(tui_ended, ended, "the same end reason");
    assert_eq!(
        ended.as_deref(),
        Some("the host closed the connection in the middle of a record (7 bytes of it received)")
    );
    assert_eq!(counts(&tui_stats), counts(&stats), "the same statistics");
    assert_eq!(stats.session.aids.enter, 1);
}
