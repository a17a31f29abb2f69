//! Criterion bench of the session monitor (see `docs/PERFORMANCE.md`, "The session
//! monitor"): one frame of the monitor pane for 100 sessions, each signed on to the demo
//! host's sans-IO side with one Enter answered, so every row has real figures.
//!
//! - `monitor/table_100_sessions_120x40`: the sessions table as the pane draws it: a
//!   snapshot of each tab's driver, the rows built and sorted, the table drawn into a ratatui
//!   `Buffer`;
//! - `monitor/table_100_sessions_80x24`: the same in the classic window (fewer columns);
//! - `monitor/detail_120x40`: one session's detail view with its sparkline.
//!
//! One iteration is one frame of the pane.

// A bench is test code: a broken fixture should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use r3270::action::Action;
use r3270::app::{App, Effect, Event, HostEvent, TabId};
use r3270::config::{Config, Profile};
use r3270::demo::{HostConfig, HostConnection, LuPool, WallClock};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

const SESSIONS: usize = 100;

const WALL: WallClock = WallClock {
    day: 2,
    month: 3,
    year: 26,
    hour: 4,
    minute: 5,
};

/// Moves bytes between the app and one demo host per tab until both are quiet.
fn pump(
    app: &mut App,
    hosts: &mut Vec<(TabId, HostConnection)>,
    effects: Vec<Effect>,
    now: Instant,
) {
    let pool = LuPool::shared();
    let mut queue: VecDeque<Effect> = effects.into();
    loop {
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Connect { tab, .. } => {
                    hosts.push((
                        tab,
                        HostConnection::new(HostConfig::default(), pool.clone()),
                    ));
                    let ev = Event::Host {
                        tab,
                        event: HostEvent::Connected {
                            endpoint: "127.0.0.1:3270".to_owned(),
                            peer: "127.0.0.1:3270".parse().unwrap(),
                            direct_tls: None,
                            connect_time: Some(Duration::from_micros(350)),
                            tried: Vec::new(),
                        },
                    };
                    queue.extend(app.handle_event(ev, now));
                }
                Effect::Send { tab, bytes } => {
                    if let Some((_, h)) = hosts.iter_mut().find(|(t, _)| *t == tab) {
                        h.handle_input(now, WALL, &bytes);
                    }
                }
                _ => {}
            }
        }
        let mut moved = false;
        for (tab, host) in hosts.iter_mut() {
            while let Some(bytes) = host.poll_transmit() {
                moved = true;
                let ev = Event::Host {
                    tab: *tab,
                    event: HostEvent::Data(bytes),
                };
                queue.extend(app.handle_event(ev, now));
            }
        }
        if !moved && queue.is_empty() {
            break;
        }
    }
}

/// An app with [`SESSIONS`] tabs on the demo host, each signed on (one Enter answered), with
/// the monitor open.
fn app_with_sessions() -> App {
    let mut config = Config::builtin();
    config.limits.max_sessions = SESSIONS + 1;
    let mut app = App::new(config);
    let mut hosts = Vec::new();
    let now = Instant::now();
    for i in 0..SESSIONS {
        let mut profile = Profile::for_host(&"127.0.0.1:3270".parse().unwrap());
        profile.name = format!("session-{i:03}");
        let effects = app.open_tab(profile);
        pump(&mut app, &mut hosts, effects, now);
        let key = |c| Event::Key(KeyEvent::new(c, KeyModifiers::NONE));
        for c in "demo".chars() {
            let e = app.handle_event(key(KeyCode::Char(c)), now);
            pump(&mut app, &mut hosts, e, now);
        }
        let e = app.handle_event(key(KeyCode::Tab), now);
        pump(&mut app, &mut hosts, e, now);
        for c in "demo".chars() {
            let e = app.handle_event(key(KeyCode::Char(c)), now);
            pump(&mut app, &mut hosts, e, now);
        }
        // The answer comes a little later for each session, so the rows differ.
        let e = app.handle_event(key(KeyCode::Enter), now);
        let later = now + Duration::from_millis(20 * i as u64);
        pump(&mut app, &mut hosts, e, later);
    }
    app.update(Action::ShowMonitor, now);
    assert!(app.monitor_open());
    assert_eq!(app.tabs().len(), SESSIONS);
    assert!(
        app.tabs()
            .iter()
            .all(|t| t.driver().stats().session.aids.total() == 1),
        "every session signed on"
    );
    app
}

fn frame(app: &App, buf: &mut Buffer, area: Rect) {
    let pane = app.pane().expect("the monitor is open");
    pane.draw(buf, area, &app.pane_ctx());
}

fn bench_monitor(c: &mut Criterion) {
    let mut app = app_with_sessions();
    let mut group = c.benchmark_group("monitor");
    for (name, area) in [
        ("table_100_sessions_120x40", Rect::new(0, 0, 120, 40)),
        ("table_100_sessions_80x24", Rect::new(0, 0, 80, 24)),
    ] {
        let mut buf = Buffer::empty(area);
        group.bench_function(name, |b| {
            b.iter(|| {
                frame(&app, &mut buf, area);
                black_box(&buf);
            });
        });
    }
    let now = Instant::now();
    let d = Event::Key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::NONE));
    let _ = app.handle_event(d, now);
    let area = Rect::new(0, 0, 120, 40);
    let mut buf = Buffer::empty(area);
    frame(&app, &mut buf, area);
    let text: String = buf
        .content()
        .iter()
        .map(ratatui::buffer::Cell::symbol)
        .collect();
    assert!(
        text.contains("response   count 1"),
        "the detail view: {text}"
    );
    group.bench_function("detail_120x40", |b| {
        b.iter(|| {
            frame(&app, &mut buf, area);
            black_box(&buf);
        });
    });
    group.finish();
}

criterion_group!(benches, bench_monitor);
criterion_main!(benches);
