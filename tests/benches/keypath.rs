//! Criterion benches of one key's way through the interactive client (see
//! `docs/PERFORMANCE.md`, "Key to frame").
//!
//! The app is signed on to the built-in demo host's sans-IO side in memory (no sockets, no
//! tokio) and shows its main menu, on a 24x80 screen (model 2) and on a 62x160 one
//! (IBM-DYNAMIC). One iteration is what the event loop does for a key press:
//! `App::handle_event` with a crossterm key event (keymap lookup, the session's keyboard
//! rules, the effects), then `Terminal::draw` of the whole frame (tab bar, screen, status
//! line, OIA) into a ratatui `TestBackend`, which includes ratatui's diff against the
//! previous frame.
//!
//! - `key_to_frame/char/...`: a typed character into the menu's command field (the cursor
//!   wraps within the field, so every iteration does the same work);
//! - `key_to_frame/tab/...`: Tab to the next input field;
//! - `handle_event/...`: the same keys without drawing, to split the figure.

// A bench is test code: a broken fixture should stop it loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use r3270::app::{App, Effect, Event, HostEvent, TabId};
use r3270::config::{Config, Profile};
use r3270::demo::{HostConfig, HostConnection, LuPool, WallClock};
use r3270::proto::addr::Dimensions;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const WALL: WallClock = WallClock {
    day: 2,
    month: 3,
    year: 26,
    hour: 4,
    minute: 5,
};

/// The app and the one in-memory demo host of its tab.
struct Rig {
    app: App,
    host: Option<(TabId, HostConnection)>,
    now: Instant,
}

impl Rig {
    /// Signed on and showing the main menu, on a host screen of `oversize` (None: 24x80).
    fn signed_on(oversize: Option<Dimensions>, cols: u16, rows: u16) -> Rig {
        let mut profile = Profile::for_host(&"127.0.0.1:3270".parse().expect("host spec"));
        "demo".clone_into(&mut profile.name);
        profile.oversize = oversize;
        let mut rig = Rig {
            app: App::new(Config::builtin()),
            host: None,
            now: Instant::now(),
        };
        let effects = rig.app.handle_event(Event::Resize(cols, rows), rig.now);
        rig.run(effects);
        let effects = rig.app.open_tab(profile);
        rig.run(effects);
        for c in "demo".chars() {
            rig.key(KeyCode::Char(c));
        }
        rig.key(KeyCode::Tab);
        for c in "demo".chars() {
            rig.key(KeyCode::Char(c));
        }
        rig.key(KeyCode::Enter);
        let text = rig
            .app
            .active_tab()
            .expect("a tab")
            .session()
            .text_rows()
            .join("\n");
        assert!(text.contains("Main menu"), "not signed on:\n{text}");
        rig
    }

    fn key(&mut self, code: KeyCode) {
        let effects = self.app.handle_event(
            Event::Key(KeyEvent::new(code, KeyModifiers::NONE)),
            self.now,
        );
        self.run(effects);
    }

    /// Carry out effects and move bytes both ways until both sides are quiet.
    fn run(&mut self, effects: Vec<Effect>) {
        let mut queue = effects;
        loop {
            for effect in std::mem::take(&mut queue) {
                match effect {
                    Effect::Connect { tab, .. } => {
                        let host = HostConnection::new(HostConfig::default(), LuPool::shared());
                        self.host = Some((tab, host));
                        let ev = Event::Host {
                            tab,
                            event: HostEvent::Connected {
                                endpoint: "127.0.0.1:3270".to_owned(),
                                connect_time: None,
                                peer: "127.0.0.1:3270".parse().expect("address"),
                                direct_tls: None,
                                tried: Vec::new(),
                            },
                        };
                        queue.extend(self.app.handle_event(ev, self.now));
                    }
                    Effect::Send { bytes, .. } => {
                        if let Some((_, h)) = &mut self.host {
                            h.handle_input(self.now, WALL, &bytes);
                        }
                    }
                    _ => {}
                }
            }
            let mut out = Vec::new();
            let mut id = None;
            if let Some((tab, h)) = &mut self.host {
                id = Some(*tab);
                while let Some(b) = h.poll_transmit() {
                    out.push(b);
                }
                while h.poll_event().is_some() {}
            }
            if out.is_empty() && queue.is_empty() {
                break;
            }
            let tab = id.expect("a host");
            for bytes in out {
                let ev = Event::Host {
                    tab,
                    event: HostEvent::Data(bytes),
                };
                queue.extend(self.app.handle_event(ev, self.now));
            }
        }
    }
}

fn bench_keypath(c: &mut Criterion) {
    let cases: [(&str, Option<Dimensions>, u16, u16); 2] = [
        ("24x80", None, 100, 30),
        ("62x160", Some(Dimensions::new(62, 160)), 170, 66),
    ];
    let keys = [("char", KeyCode::Char('x')), ("tab", KeyCode::Tab)];
    let mut group = c.benchmark_group("key_to_frame");
    for (size, oversize, cols, rows) in cases {
        for (kname, code) in keys {
            let mut rig = Rig::signed_on(oversize, cols, rows);
            let dims = rig
                .app
                .active_tab()
                .expect("a tab")
                .session()
                .screen()
                .dims();
            assert_eq!(dims, oversize.unwrap_or(Dimensions::MODEL_2));
            let mut terminal = Terminal::new(TestBackend::new(cols, rows)).expect("terminal");
            terminal
                .draw(|f| r3270::tui::draw(f, &mut rig.app))
                .expect("draw");
            // `Event` is not `Clone` (a host failure carries I/O errors); a key event is `Copy`.
            let key = KeyEvent::new(code, KeyModifiers::NONE);
            let now = rig.now;
            group.bench_function(BenchmarkId::new(kname, size), |b| {
                b.iter(|| {
                    let effects = rig.app.handle_event(black_box(Event::Key(key)), now);
                    assert!(effects.is_empty(), "{effects:?}");
                    terminal
                        .draw(|f| r3270::tui::draw(f, &mut rig.app))
                        .expect("draw");
                    rig.app.mark_drawn();
                });
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("handle_event");
    for (size, oversize, cols, rows) in cases {
        for (kname, code) in keys {
            let mut rig = Rig::signed_on(oversize, cols, rows);
            // `Event` is not `Clone` (a host failure carries I/O errors); a key event is `Copy`.
            let key = KeyEvent::new(code, KeyModifiers::NONE);
            let now = rig.now;
            group.bench_function(BenchmarkId::new(kname, size), |b| {
                b.iter(|| black_box(rig.app.handle_event(black_box(Event::Key(key)), now)));
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_keypath);
criterion_main!(benches);
