//! The App driven synchronously, wired in memory to the demo host's sans-IO side: key
//! events sign on, tabs run in the background, the palette, picker, confirmations, paste and
//! the mouse (`tests/input.rs`). No tokio, no sockets; time is a virtual clock.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::pane::{Confirm, Help, Message, Palette, Picker, Rename};
use super::*;
use crate::config::{Macro, UiSettings};
use crate::demo::app::WallClock;
use crate::demo::host::{HostConfig, HostConnection, HostEvent as DemoEvent};
use crate::demo::lu::LuPool;
use crate::keymap::{Binding, Keymap};
use crate::proto::{Aid, LockReason, OperatorError, Position};

mod api;
mod input;
mod lifecycle;
mod macros;
mod monitor;
mod panes;

const WALL: WallClock = WallClock {
    day: 2,
    month: 3,
    year: 26,
    hour: 4,
    minute: 5,
};

fn bind(layer_bindings: &[(&str, &str)]) -> Vec<Binding> {
    layer_bindings
        .iter()
        .map(|(k, a)| Binding {
            key: k.parse().unwrap(),
            action: a.parse().unwrap(),
            when: None,
        })
        .collect()
}

/// The built-in configuration (its default keymap included) with a demo profile and a
/// logon macro.
fn config() -> Config {
    let mut cfg = Config::builtin();
    cfg.macros.insert(
        "logon".to_owned(),
        Macro::from_actions(
            "logon",
            [
                "type demo".parse().unwrap(),
                "tab".parse().unwrap(),
                "type demo".parse().unwrap(),
                "enter".parse().unwrap(),
            ],
        ),
    );
    let mut demo = Profile::for_host(&"127.0.0.1:3270".parse().unwrap());
    demo.name = "demo".to_owned();
    cfg.profiles = vec![demo];
    cfg.ui = UiSettings {
        long_aid: Duration::from_secs(2),
        ..UiSettings::default()
    };
    cfg
}

/// The app plus one in-memory demo host per tab, moving bytes both ways until quiet.
struct Rig {
    app: App,
    hosts: HashMap<TabId, HostConnection>,
    pool: Arc<Mutex<LuPool>>,
    now: Instant,
    /// Effects other than the connection plumbing, in order.
    seen: Vec<Effect>,
    /// Tabs whose host bytes are held back (a host that is slow to answer).
    held: Vec<TabId>,
}

impl Rig {
    fn new() -> Self {
        Self::with(config())
    }

    fn with(config: Config) -> Self {
        Rig {
            app: App::new(config),
            hosts: HashMap::new(),
            pool: LuPool::shared(),
            now: Instant::now(),
            seen: Vec::new(),
            held: Vec::new(),
        }
    }

    fn event(&mut self, ev: Event) {
        let effects = self.app.handle_event(ev, self.now);
        self.run(effects);
    }

    fn action(&mut self, action: &str) {
        let effects = self.app.update(action.parse().unwrap(), self.now);
        self.run(effects);
    }

    fn key(&mut self, code: KeyCode, mods: KeyModifiers) {
        self.event(Event::Key(KeyEvent::new(code, mods)));
    }

    fn press(&mut self, code: KeyCode) {
        self.key(code, KeyModifiers::NONE);
    }

    fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    fn run(&mut self, effects: Vec<Effect>) {
        let mut queue: VecDeque<Effect> = effects.into();
        loop {
            while let Some(effect) = queue.pop_front() {
                match effect {
                    Effect::Connect { tab, .. } => {
                        let host =
                            HostConnection::new(HostConfig::default(), Arc::clone(&self.pool));
                        self.hosts.insert(tab, host);
                        let ev = Event::Host {
                            tab,
                            event: HostEvent::Connected {
                                endpoint: "127.0.0.1:3270".to_owned(),
                                connect_time: None,
                                peer: "127.0.0.1:3270".parse().unwrap(),
                                direct_tls: None,
                                tried: Vec::new(),
                            },
                        };
                        queue.extend(self.app.handle_event(ev, self.now));
                    }
                    Effect::Send { tab, bytes } => {
                        if let Some(h) = self.hosts.get_mut(&tab) {
                            h.handle_input(self.now, WALL, &bytes);
                        }
                    }
                    Effect::Disconnect { tab } => {
                        self.hosts.remove(&tab);
                        self.seen.push(effect);
                    }
                    other => self.seen.push(other),
                }
            }
            let mut moved = false;
            let ids: Vec<TabId> = self.hosts.keys().copied().collect();
            for id in ids {
                if self.held.contains(&id) {
                    continue;
                }
                let mut out = Vec::new();
                let mut closed = false;
                if let Some(h) = self.hosts.get_mut(&id) {
                    while let Some(b) = h.poll_transmit() {
                        out.push(b);
                    }
                    while let Some(e) = h.poll_event() {
                        closed |= e == DemoEvent::Close;
                    }
                }
                for bytes in out {
                    moved = true;
                    let ev = Event::Host {
                        tab: id,
                        event: HostEvent::Data(bytes),
                    };
                    queue.extend(self.app.handle_event(ev, self.now));
                }
                if closed {
                    self.hosts.remove(&id);
                    let ev = Event::Host {
                        tab: id,
                        event: HostEvent::Closed,
                    };
                    queue.extend(self.app.handle_event(ev, self.now));
                    moved = true;
                }
            }
            if !moved && queue.is_empty() {
                break;
            }
        }
    }

    fn text(&self) -> String {
        self.app
            .active_tab()
            .unwrap()
            .session()
            .text_rows()
            .join("\n")
    }

    fn tab_text(&self, i: usize) -> String {
        self.app.tabs()[i].session().text_rows().join("\n")
    }

    fn sign_on(&mut self) {
        self.typed("demo");
        self.press(KeyCode::Tab);
        self.typed("demo");
        self.press(KeyCode::Enter);
        assert!(self.text().contains("Main menu"), "{}", self.text());
    }
}

#[test]
fn starts_with_the_picker_and_signs_on_through_key_events() {
    let mut rig = Rig::new();
    assert!(matches!(rig.app.pane_as::<Picker>(), Some(Picker { .. })));
    assert_eq!(rig.app.layer(), Layer::Prompt);
    // With no session, cancelling (Esc, or the prompt layer's ctrl-g) keeps the picker.
    rig.press(KeyCode::Esc);
    rig.key(KeyCode::Char('g'), KeyModifiers::CONTROL);
    assert!(matches!(rig.app.pane_as::<Picker>(), Some(Picker { .. })));
    // The picker lists the profile; Enter connects to the highlighted one.
    assert_eq!(rig.app.picker_entries("")[0].target, "demo");
    rig.press(KeyCode::Enter);
    assert_eq!(rig.app.tabs().len(), 1);
    assert!(rig.app.pane().is_none());
    assert_eq!(rig.app.tabs()[0].name, "demo");
    assert!(rig.app.tabs()[0].conn.is_connected());
    assert!(rig.text().contains("Sign on"), "{}", rig.text());
    rig.sign_on();
}

#[test]
fn the_picker_connects_to_what_was_typed_and_remembers_it() {
    let mut rig = Rig::new();
    rig.typed("N:127.0.0.1:3270");
    let entries = rig.app.picker_entries("N:127.0.0.1:3270");
    assert_eq!(entries.last().unwrap().target, "N:127.0.0.1:3270");
    // Down to the last entry ("connect to ..."), then Enter.
    for _ in 0..entries.len() {
        rig.press(KeyCode::Down);
    }
    rig.press(KeyCode::Enter);
    assert_eq!(rig.app.tabs().len(), 1, "{:?}", rig.app.pane());
    assert!(!rig.app.tabs()[0].profile.tn3270e);
    assert_eq!(rig.app.recent_hosts(), ["N:127.0.0.1:3270"]);
    // Hosts from an earlier run: junk lines and duplicates are dropped.
    rig.app.set_recent_hosts(
        [
            "a.example:23",
            "L:X:junk",
            "",
            "a.example:23",
            "N:b.example",
        ]
        .map(String::from),
    );
    assert_eq!(rig.app.recent_hosts(), ["a.example:23", "N:b.example"]);
    let labels: Vec<String> = rig
        .app
        .picker_entries("b.ex")
        .into_iter()
        .map(|e| e.label)
        .collect();
    assert_eq!(labels, ["N:b.example", "connect to b.ex"]);
    assert!(rig.text().contains("Sign on"));
    // A bad host is refused with the parser's reason, in the picker.
    rig.action("new-tab");
    rig.typed("L:X:host");
    rig.key(KeyCode::Down, KeyModifiers::NONE);
    rig.press(KeyCode::Enter);
    let Some(Picker { error: Some(e), .. }) = rig.app.pane_as::<Picker>() else {
        panic!("no error: {:?}", rig.app.pane());
    };
    assert!(e.contains("prefix"), "{e}");
    assert_eq!(rig.app.tabs().len(), 1);
}

#[test]
fn typing_while_locked_queues_and_an_operator_error_waits_for_reset() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    let id = rig.app.tabs()[0].id;
    rig.typed("demo");
    rig.press(KeyCode::Tab);
    rig.typed("demo");
    // The host is slow: the Enter locks the keyboard and what is typed next waits.
    rig.held.push(id);
    rig.press(KeyCode::Enter);
    assert_eq!(
        rig.app.active_tab().unwrap().session().oia().lock,
        Some(LockReason::TimeWait)
    );
    assert!(rig.app.key_state().keyboard_locked);
    rig.typed("1");
    assert_eq!(rig.app.active_tab().unwrap().session().oia().typeahead, 1);
    rig.held.clear();
    rig.run(Vec::new());
    assert!(rig.text().contains("Main menu"), "{}", rig.text());
    // The queued `1` was typed into the menu's selection field once the host unlocked.
    assert_eq!(rig.app.active_tab().unwrap().session().oia().typeahead, 0);
    // Typing onto a protected position locks with an operator error; Reset (Esc) clears.
    let screen = rig.app.active_tab().unwrap().session().screen();
    let protected = (0..screen.dims().cells())
        .map(|i| crate::proto::BufferAddr::new(i, screen.dims()).unwrap())
        .find(|a| screen.is_protected_at(*a) && !screen.cell(*a).is_field_attr())
        .unwrap()
        .position(screen.dims());
    rig.action(&format!(
        "move-cursor {},{}",
        protected.row + 1,
        protected.col + 1
    ));
    rig.seen.clear();
    rig.typed("x");
    assert_eq!(
        rig.app.active_tab().unwrap().session().oia().lock,
        Some(LockReason::Operator(OperatorError::Protected))
    );
    assert_eq!(rig.seen, [Effect::Bell]);
    rig.press(KeyCode::Esc);
    assert_eq!(rig.app.active_tab().unwrap().session().oia().lock, None);
}

#[test]
fn background_tabs_keep_running_and_get_badges() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.action("connect demo");
    assert_eq!(rig.app.tabs()[1].name, "demo (2)");
    assert_eq!(rig.app.active_index(), 1);
    rig.key(KeyCode::Char('1'), KeyModifiers::ALT);
    assert_eq!(rig.app.active_index(), 0);
    let first = rig.app.tabs()[0].id;
    rig.typed("demo");
    rig.press(KeyCode::Tab);
    rig.typed("demo");
    rig.held.push(first);
    rig.press(KeyCode::Enter);
    // Switch away while the host thinks; its answer arrives three seconds later.
    rig.key(KeyCode::PageDown, KeyModifiers::CONTROL);
    assert_eq!(rig.app.active_index(), 1);
    rig.now += Duration::from_secs(3);
    rig.held.clear();
    rig.run(Vec::new());
    assert!(rig.tab_text(0).contains("Main menu"), "{}", rig.tab_text(0));
    assert!(rig.app.tabs()[0].badges.unlocked);
    assert!(!rig.app.tabs()[1].badges.unlocked);
    // Looking at the tab reads its badges.
    rig.key(KeyCode::PageUp, KeyModifiers::CONTROL);
    assert_eq!(rig.app.tabs()[0].badges, Badges::default());
    // The host's alarm rings the bell in the shown tab...
    rig.seen.clear();
    rig.typed("zz");
    rig.press(KeyCode::Enter);
    assert!(rig.text().contains("DMO103E"), "{}", rig.text());
    assert_eq!(rig.seen, [Effect::Bell]);
    // ...and is a badge on a background tab, without a bell.
    rig.seen.clear();
    rig.held.push(first);
    rig.typed("zz");
    rig.press(KeyCode::Enter);
    rig.key(KeyCode::PageDown, KeyModifiers::CONTROL);
    rig.held.clear();
    rig.run(Vec::new());
    assert!(rig.app.tabs()[0].badges.alarm);
    assert!(!rig.seen.contains(&Effect::Bell), "{:?}", rig.seen);
    // A background tab whose host hangs up is marked disconnected.
    rig.key(KeyCode::Char('2'), KeyModifiers::ALT);
    let first = rig.app.tabs()[0].id;
    let effects = rig.app.handle_event(
        Event::Host {
            tab: first,
            event: HostEvent::Lost(ConnectionError::Reset { mid_record: false }),
        },
        rig.now,
    );
    assert!(effects.is_empty());
    let tab = &rig.app.tabs()[0];
    assert!(tab.badges.disconnected && tab.badges.error);
    assert_eq!(
        tab.conn,
        ConnState::Disconnected(Some("the connection was reset by the host".into()))
    );
}

#[test]
fn the_palette_runs_any_action_by_name_with_completion() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.key(KeyCode::Char(']'), KeyModifiers::CONTROL);
    assert!(matches!(rig.app.pane_as::<Palette>(), Some(Palette { .. })));
    assert_eq!(rig.app.layer(), Layer::Prompt);
    // An action with no binding, completed with Tab.
    rig.typed("toggle-cr");
    rig.press(KeyCode::Tab);
    let Some(Palette { input, .. }) = rig.app.pane_as::<Palette>() else {
        panic!()
    };
    assert_eq!(input, "toggle-crosshair");
    let before = rig.app.crosshair();
    rig.press(KeyCode::Enter);
    assert!(rig.app.pane().is_none());
    assert_ne!(rig.app.crosshair(), before);
    // A typo shows the parser's "did you mean".
    rig.key(KeyCode::Char(']'), KeyModifiers::CONTROL);
    rig.typed("erase-eaf");
    rig.press(KeyCode::Enter);
    let Some(Palette { error: Some(e), .. }) = rig.app.pane_as::<Palette>() else {
        panic!("{:?}", rig.app.pane())
    };
    assert!(e.contains("did you mean `erase-eof`"), "{e}");
    rig.press(KeyCode::Esc);
    assert!(rig.app.pane().is_none());
    // `connect` completes profile names and opens a tab.
    rig.key(KeyCode::Char(']'), KeyModifiers::CONTROL);
    rig.typed("conn");
    rig.press(KeyCode::Tab);
    rig.typed("de");
    rig.press(KeyCode::Tab);
    let Some(Palette { input, .. }) = rig.app.pane_as::<Palette>() else {
        panic!()
    };
    assert_eq!(input, "connect demo");
    rig.press(KeyCode::Enter);
    assert_eq!(rig.app.tabs().len(), 2);
    assert!(rig.text().contains("Sign on"));
    // A macro by name signs on (through another macro, and a looping one stops).
    let mut cfg = rig.app.config().clone();
    for (name, actions) in [("outer", "play-macro logon"), ("loop", "play-macro loop")] {
        cfg.macros.insert(
            name.to_owned(),
            Macro::from_actions(name, [actions.parse().unwrap()]),
        );
    }
    rig.app.set_config(cfg);
    rig.action("play-macro loop");
    assert!(rig.app.status().unwrap().contains("nest deeper"));
    rig.action("play-macro outer");
    assert!(rig.text().contains("Main menu"), "{}", rig.text());
}

#[test]
fn a_profiles_logon_macro_signs_on_when_the_host_first_unlocks() {
    let mut cfg = config();
    cfg.profiles[0].logon_macro = Some("logon".to_owned());
    let mut rig = Rig::with(cfg);
    rig.action("connect demo");
    assert!(rig.text().contains("Main menu"), "{}", rig.text());
    // Only once: the host unlocking again (Clear redraws the menu) plays nothing.
    rig.key(KeyCode::Char('l'), KeyModifiers::CONTROL);
    let text = rig.text();
    assert!(text.contains("Main menu"), "{text}");
    let command = text.lines().find(|l| l.contains("Command ===>")).unwrap();
    assert_eq!(command.trim(), "Command ===>", "{text}");
}

#[test]
fn a_dropped_session_reconnects_by_the_profiles_policy() {
    let mut cfg = config();
    cfg.profiles[0].reconnect = crate::config::ReconnectPolicy {
        enabled: true,
        delay: Duration::from_secs(2),
        max_delay: Duration::from_secs(60),
        max_attempts: 2,
    };
    let mut rig = Rig::with(cfg);
    rig.action("connect demo");
    rig.sign_on();
    // PF3 signs off and the host hangs up: a reconnect is scheduled, not yet due.
    rig.press(KeyCode::F(3));
    let tab = &rig.app.tabs()[0];
    assert!(matches!(tab.conn, ConnState::Disconnected(_)));
    let r = tab.reconnect.unwrap();
    assert_eq!((r.attempt, r.at), (1, rig.now + Duration::from_secs(2)));
    rig.now += Duration::from_secs(1);
    rig.event(Event::Tick);
    assert!(matches!(rig.app.tabs()[0].conn, ConnState::Disconnected(_)));
    rig.now += Duration::from_secs(1);
    rig.event(Event::Tick);
    assert!(rig.app.tabs()[0].conn.is_connected());
    assert!(rig.text().contains("Sign on"), "{}", rig.text());
    // Failed attempts wait twice as long each time, and stop after max-attempts.
    let id = rig.app.tabs()[0].id;
    rig.hosts.remove(&id);
    let fail = |rig: &mut Rig| {
        let ev = Event::Host {
            tab: id,
            event: HostEvent::Failed(vec![Attempt {
                endpoint: "127.0.0.1:3270".to_owned(),
                error: ConnectionError::Refused {
                    addr: "127.0.0.1:3270".parse().unwrap(),
                },
            }]),
        };
        let effects = rig.app.handle_event(ev, rig.now);
        assert!(effects.is_empty());
    };
    fail(&mut rig);
    assert_eq!(
        rig.app.tabs()[0].reconnect.unwrap().at,
        rig.now + Duration::from_secs(2)
    );
    rig.now += Duration::from_secs(2);
    let effects = rig.app.handle_event(Event::Tick, rig.now);
    assert!(
        matches!(effects[..], [Effect::Connect { .. }]),
        "{effects:?}"
    );
    fail(&mut rig);
    assert_eq!(
        rig.app.tabs()[0].reconnect.unwrap().at,
        rig.now + Duration::from_secs(4)
    );
    rig.now += Duration::from_secs(4);
    assert_eq!(rig.app.handle_event(Event::Tick, rig.now).len(), 1);
    fail(&mut rig);
    assert_eq!(rig.app.tabs()[0].reconnect, None);
    assert_eq!(rig.app.next_deadline(), None);
    // Disconnecting by hand never reconnects.
    rig.action("reconnect");
    assert!(rig.app.tabs()[0].conn.is_connected());
    rig.action("disconnect");
    assert_eq!(rig.app.tabs()[0].reconnect, None);
}

#[test]
fn a_reconnect_is_a_deadline_the_loop_sleeps_on_not_a_tick() {
    let mut cfg = config();
    cfg.profiles[0].reconnect = crate::config::ReconnectPolicy {
        enabled: true,
        delay: Duration::from_secs(3),
        max_delay: Duration::from_secs(60),
        max_attempts: 2,
    };
    let mut rig = Rig::with(cfg);
    rig.action("connect demo");
    assert_eq!(rig.app.next_deadline(), None);
    rig.sign_on();
    rig.press(KeyCode::F(3));
    let due = rig.now + Duration::from_secs(3);
    assert_eq!(rig.app.next_deadline(), Some(due));
    // Early, the timer does nothing (and asks for no frame).
    rig.now += Duration::from_secs(2);
    rig.app.mark_drawn();
    assert!(rig.app.handle_event(Event::Timer, rig.now).is_empty());
    assert!(!rig.app.is_dirty());
    // At the deadline it reconnects, with no tick at all.
    rig.now = due;
    rig.event(Event::Timer);
    assert!(rig.app.tabs()[0].conn.is_connected());
    assert!(rig.text().contains("Sign on"), "{}", rig.text());
    assert_eq!(rig.app.next_deadline(), None);
}

#[test]
fn the_session_limit_refuses_a_tab_with_a_message() {
    let mut cfg = config();
    cfg.limits.max_sessions = 1;
    let mut rig = Rig::with(cfg);
    rig.action("connect demo");
    rig.action("connect demo");
    assert_eq!(rig.app.tabs().len(), 1);
    let status = rig.app.status().unwrap();
    assert!(status.contains("max-sessions is 1"), "{status}");
    rig.action("new-tab");
    assert!(rig.app.pane().is_none());
}

#[test]
fn closing_and_quitting_ask_first_when_connected() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    let id = rig.app.tabs()[0].id;
    rig.key(KeyCode::Char('w'), KeyModifiers::CONTROL);
    assert!(matches!(rig.app.pane_as::<Confirm>(), Some(Confirm { .. })));
    rig.press(KeyCode::Char('n'));
    assert_eq!(rig.app.tabs().len(), 1);
    rig.key(KeyCode::Char('q'), KeyModifiers::CONTROL);
    let Some(Confirm { question, .. }) = rig.app.pane_as::<Confirm>() else {
        panic!()
    };
    assert!(question.contains("1 connected session"), "{question}");
    rig.press(KeyCode::Esc);
    assert!(!rig.app.quitting());
    rig.key(KeyCode::Char('w'), KeyModifiers::CONTROL);
    rig.press(KeyCode::Char('y'));
    assert!(rig.app.tabs().is_empty());
    assert!(rig.seen.contains(&Effect::Disconnect { tab: id }));
    // With no tabs the picker is back, and quitting no longer asks.
    assert!(matches!(rig.app.pane_as::<Picker>(), Some(Picker { .. })));
    rig.key(KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert!(rig.app.quitting());
    assert_eq!(rig.seen.last(), Some(&Effect::Quit));
}

#[test]
fn tabs_reorder_and_rename() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.action("connect N:127.0.0.1:3270");
    rig.action("move-tab-left");
    assert_eq!(rig.app.tabs()[0].name, "N:127.0.0.1:3270");
    assert_eq!(rig.app.active_index(), 0);
    rig.action("rename-tab");
    assert!(matches!(rig.app.pane_as::<Rename>(), Some(Rename { .. })));
    for _ in 0.."N:127.0.0.1:3270".len() {
        rig.press(KeyCode::Backspace);
    }
    rig.typed("prod");
    rig.press(KeyCode::Enter);
    assert_eq!(rig.app.tabs()[0].name, "prod");
    rig.action("rename-tab test");
    assert_eq!(rig.app.tabs()[0].name, "test");
    rig.action("switch-tab 9");
    assert!(rig.app.status().unwrap().contains("no tab 9"));
}

#[test]
fn a_new_keymap_changes_what_a_key_does() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.key(KeyCode::Char('h'), KeyModifiers::ALT);
    assert!(matches!(rig.app.pane_as::<Help>(), Some(Help { .. })));
    // The help scrolls, and stops at its last row.
    for _ in 0..50 {
        rig.press(KeyCode::PageDown);
    }
    rig.press(KeyCode::Up);
    let rows =
        crate::ui::overlay::help_rows(&rig.app.config().keymap, &[Layer::Screen, Layer::Prompt])
            .len();
    assert_eq!(rig.app.pane_as::<Help>(), Some(&Help { scroll: rows - 2 }));
    rig.press(KeyCode::Esc);
    let mut cfg = config();
    cfg.keymap = Keymap::new([(Layer::Global, bind(&[("alt-h", "toggle-crosshair")]))]);
    rig.app.set_config(cfg);
    let before = rig.app.crosshair();
    rig.key(KeyCode::Char('h'), KeyModifiers::ALT);
    assert!(rig.app.pane().is_none());
    assert_ne!(rig.app.crosshair(), before);
    // Errors from a bad reload show in a message and the old config stays.
    rig.action("reload-config");
    assert_eq!(rig.seen.last(), Some(&Effect::ReloadConfig));
    rig.app
        .show_message(vec!["config.toml:3:1: unknown key `colour`".into()]);
    assert!(matches!(rig.app.pane_as::<Message>(), Some(Message { .. })));
    rig.press(KeyCode::Enter);
    assert!(rig.app.pane().is_none());
}

#[test]
fn an_oversized_host_record_disconnects_the_tab() {
    let mut cfg = config();
    cfg.limits.max_record_bytes = 4096;
    let mut rig = Rig::with(cfg);
    rig.action("connect demo");
    rig.sign_on();
    let id = rig.app.tabs()[0].id;
    let mut record = vec![0xF5, 0xC3];
    record.extend(std::iter::repeat_n(0x40, 5000));
    record.extend([0xFF, 0xEF]);
    // TN3270E header (3270-DATA, no response), then the oversized Erase/Write.
    let mut bytes = vec![0, 0, 0, 0, 1];
    bytes.extend(record);
    let effects = rig.app.handle_event(
        Event::Host {
            tab: id,
            event: HostEvent::Data(bytes),
        },
        rig.now,
    );
    assert!(
        effects.contains(&Effect::Disconnect { tab: id }),
        "{effects:?}"
    );
    let ConnState::Disconnected(Some(why)) = &rig.app.tabs()[0].conn else {
        panic!()
    };
    assert!(why.contains("max-record-bytes"), "{why}");
}

#[test]
fn a_whole_frame_shows_tabs_screen_and_oia() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.sign_on();
    rig.action("connect N:127.0.0.1:3270");
    rig.action("switch-tab 1");
    let mut terminal = Terminal::new(TestBackend::new(100, 28)).unwrap();
    terminal
        .draw(|f| crate::tui::draw(f, &mut rig.app))
        .unwrap();
    insta::assert_snapshot!(terminal.backend());
    // The draw recorded where the screen and the tabs are, for the mouse.
    let last = &rig.app.last_frame;
    assert_eq!(last.tab_hits.len(), 2);
    let area = last.screen_area.unwrap();
    assert_eq!((area.width, area.height), (80, 24));
    // The palette over the screen.
    rig.key(KeyCode::Char(']'), KeyModifiers::CONTROL);
    rig.typed("erase-e");
    terminal
        .draw(|f| crate::tui::draw(f, &mut rig.app))
        .unwrap();
    insta::assert_snapshot!("palette_over_the_screen", terminal.backend());
}

#[test]
fn a_profiles_theme_colours_its_own_tabs_only() {
    let mut cfg = config();
    let green = cfg.themes["green-screen"].clone();
    assert_ne!(green, cfg.theme, "the test needs two different themes");
    let mut other = cfg.profiles[0].clone();
    other.name = "green".to_owned();
    other.theme = Some("green-screen".to_owned());
    cfg.profiles.push(other);
    let mut rig = Rig::with(cfg);
    rig.action("connect demo");
    let default_bg = rig.app.theme().background;
    rig.action("connect green");
    assert_eq!(rig.app.theme(), &green.adapted(ColorDepth::TrueColor));
    rig.action("switch-tab 1");
    assert_eq!(rig.app.theme().background, default_bg);
    assert_ne!(rig.app.theme(), &green.adapted(ColorDepth::TrueColor));
}

#[test]
fn a_host_that_closes_mid_record_is_named_so_in_the_tui_too() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.sign_on();
    let id = rig.app.tabs()[0].id;
    rig.hosts.remove(&id);
    // Half of a record (a TN3270E header and the start of an Erase/Write), then the close.
    for event in [
        HostEvent::Data(vec![0x00, 0x00, 0x00, 0x00, 0x07, 0xF5, 0xC3, 0xC1]),
        HostEvent::Closed,
    ] {
        rig.event(Event::Host { tab: id, event });
    }
    let tab = &rig.app.tabs()[0];
    let why = "the host closed the connection in the middle of a record (8 bytes of it received)";
    assert_eq!(tab.conn, ConnState::Disconnected(Some(why.to_owned())));
    assert_eq!(tab.last_error.as_deref(), Some(why));
    assert!(matches!(
        tab.driver().ended(),
        Some(crate::runtime::error::ConnectionError::ClosedMidRecord { bytes: 8 })
    ));
    // A clean close after a whole record is a plain close.
    rig.action("reconnect");
    rig.sign_on();
    rig.hosts.remove(&id);
    rig.event(Event::Host {
        tab: id,
        event: HostEvent::Closed,
    });
    assert_eq!(
        rig.app.tabs()[0].last_error.as_deref(),
        Some("the host closed the connection")
    );
}
