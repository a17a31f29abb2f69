//! Pause, resume and migrate, driven against the demo host in memory: a paused tab keeps
//! its screen and never reconnects by itself; resuming plays the logon macro again; a
//! migration keeps the old connection until the new host has drawn, and a failed one
//! leaves the tab where it was.

use super::*;
use crate::ui::monitor::SessionState;

/// The demo profile with the logon macro and an automatic reconnect policy.
fn rig_with_logon() -> Rig {
    let mut cfg = config();
    cfg.profiles[0].logon_macro = Some("logon".to_owned());
    cfg.profiles[0].alternates = vec!["127.0.0.1:3271".to_owned()];
    cfg.profiles[0].reconnect = crate::config::ReconnectPolicy {
        enabled: true,
        delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
        max_attempts: 0,
    };
    let mut rig = Rig::with(cfg);
    rig.action("connect demo");
    assert!(
        rig.text().contains("Main menu"),
        "the logon macro: {}",
        rig.text()
    );
    rig
}

fn disconnects(rig: &Rig) -> Vec<TabId> {
    rig.seen
        .iter()
        .filter_map(|e| match e {
            Effect::Disconnect { tab } => Some(*tab),
            _ => None,
        })
        .collect()
}

#[test]
fn a_paused_session_keeps_its_screen_and_never_reconnects_until_resumed() {
    let mut rig = rig_with_logon();
    let id = rig.app.tabs()[0].id;
    let screen = rig.text();
    rig.action("pause-session");
    let tab = &rig.app.tabs()[0];
    assert!(tab.paused);
    assert_eq!(tab.monitor_state(Some(rig.now)), SessionState::Paused);
    assert_eq!(tab.reconnect, None);
    assert_eq!(disconnects(&rig), [id], "the connection is closed");
    assert_eq!(rig.text(), screen, "the last screen stays");
    assert!(rig.app.status().unwrap().contains("paused"));
    // The closed connection's late report schedules nothing.
    let ev = Event::Host {
        tab: id,
        event: HostEvent::Closed,
    };
    assert!(rig.app.handle_event(ev, rig.now).is_empty());
    assert_eq!(rig.app.next_deadline(), None);
    rig.now += Duration::from_secs(120);
    assert!(rig.app.handle_event(Event::Timer, rig.now).is_empty());
    assert!(rig.app.tabs()[0].paused);
    // Pausing twice says so; resuming connects and plays the logon macro again.
    rig.action("pause-session");
    assert!(rig.app.status().unwrap().contains("already paused"));
    rig.action("resume-session");
    let tab = &rig.app.tabs()[0];
    assert!(!tab.paused && tab.conn.is_connected());
    assert_eq!(tab.driver().stats().link.reconnects, 1);
    assert!(rig.text().contains("Main menu"), "{}", rig.text());
    rig.action("resume-session");
    assert!(rig.app.status().unwrap().contains("is not paused"));
}

#[test]
fn a_migration_closes_the_old_connection_only_after_the_new_host_drew() {
    let mut rig = rig_with_logon();
    let old = rig.app.tabs()[0].id;
    let effects = rig
        .app
        .update("migrate-session 127.0.0.1:3299".parse().unwrap(), rig.now);
    let new = match effects[..] {
        [Effect::Connect { tab, ref profile }] => {
            assert_eq!(profile.host_spec().to_string(), "127.0.0.1:3299");
            assert!(profile.alternates.is_empty());
            assert_eq!(profile.logon_macro.as_deref(), Some("logon"));
            tab
        }
        _ => panic!("{effects:?}"),
    };
    assert_ne!(new, old);
    let status = rig.app.status().unwrap().to_owned();
    assert!(status.contains("does not move"), "{status}");
    // The new host has not drawn yet: the old connection stays, the tab is the old one.
    rig.held.push(new);
    rig.run(effects);
    assert!(disconnects(&rig).is_empty());
    assert_eq!(rig.app.tabs()[0].id, old);
    assert!(rig.app.tabs()[0].conn.is_connected());
    assert_eq!(rig.app.tabs().len(), 1, "the pending tab is not shown");
    // It draws: the new connection takes the tab's place, then the old one is closed, and
    // the logon macro plays on the new host.
    rig.held.clear();
    rig.run(Vec::new());
    assert_eq!(disconnects(&rig), [old]);
    let tab = &rig.app.tabs()[0];
    assert_eq!((tab.id, tab.name.as_str()), (new, "demo"));
    assert!(tab.conn.is_connected());
    assert!(rig.text().contains("Main menu"), "{}", rig.text());
    assert!(
        rig.app.status().unwrap().contains("moved from"),
        "{:?}",
        rig.app.status()
    );
}

#[test]
fn a_failed_migration_leaves_the_tab_where_it_was() {
    let mut rig = rig_with_logon();
    let old = rig.app.tabs()[0].id;
    // No argument: the profile's next endpoint (its alternate).
    let effects = rig.app.update("migrate-session".parse().unwrap(), rig.now);
    let [
        Effect::Connect {
            tab: new,
            ref profile,
        },
    ] = effects[..]
    else {
        panic!("{effects:?}");
    };
    assert_eq!(profile.host_spec().to_string(), "127.0.0.1:3271");
    let ev = Event::Host {
        tab: new,
        event: HostEvent::Failed(vec![crate::runtime::error::Attempt {
            endpoint: "127.0.0.1:3271".to_owned(),
            error: crate::runtime::error::ConnectionError::Refused {
                addr: "127.0.0.1:3271".parse().unwrap(),
            },
        }]),
    };
    let effects = rig.app.handle_event(ev, rig.now);
    assert_eq!(effects, [Effect::Disconnect { tab: new }]);
    let status = rig.app.status().unwrap();
    assert!(
        status.starts_with("`demo` did not move to 127.0.0.1:3271: 127.0.0.1:3271: connection to 127.0.0.1:3271 refused"),
        "{status}"
    );
    assert!(status.contains("it stays on 127.0.0.1:3270"), "{status}");
    assert_eq!(rig.app.tabs()[0].id, old);
    assert!(rig.app.tabs()[0].conn.is_connected());
    // A bad target is a clear message, not a move.
    let effects = rig
        .app
        .update("migrate-session no host here".parse().unwrap(), rig.now);
    assert!(effects.is_empty());
    assert!(
        rig.app
            .status()
            .unwrap()
            .starts_with("migrate-session `no host here`"),
        "{:?}",
        rig.app.status()
    );
}

#[test]
fn a_profile_with_one_endpoint_asks_for_a_host_to_migrate_to() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    let effects = rig.app.update("migrate-session".parse().unwrap(), rig.now);
    assert!(effects.is_empty());
    assert!(
        rig.app.status().unwrap().contains("has no other endpoint"),
        "{:?}",
        rig.app.status()
    );
}

/// Tabs opened on a profile with three endpoints, without connecting them: the endpoint
/// each Connect starts with.
fn first_endpoints(balance: crate::config::Balance, actions: &[&str]) -> Vec<String> {
    let mut cfg = config();
    cfg.profiles[0].alternates = vec!["127.0.0.1:3271".to_owned(), "127.0.0.1:3272".to_owned()];
    cfg.profiles[0].balance = balance;
    let mut app = App::new(cfg);
    let now = Instant::now();
    let mut out = Vec::new();
    for a in actions {
        for e in app.update(a.parse().unwrap(), now) {
            if let Effect::Connect { profile, .. } = e {
                let mut order = vec![profile.host_spec().to_string()];
                order.extend(profile.alternates.iter().cloned());
                out.push(order.join(" "));
            }
        }
    }
    out
}

#[test]
fn round_robin_starts_each_new_tab_one_endpoint_further_and_keeps_the_rest_as_failover() {
    use crate::config::Balance;
    let got = first_endpoints(Balance::RoundRobin, &["connect demo"; 4]);
    assert_eq!(
        got,
        [
            "127.0.0.1:3270 127.0.0.1:3271 127.0.0.1:3272",
            "127.0.0.1:3271 127.0.0.1:3272 127.0.0.1:3270",
            "127.0.0.1:3272 127.0.0.1:3270 127.0.0.1:3271",
            "127.0.0.1:3270 127.0.0.1:3271 127.0.0.1:3272",
        ]
    );
    // `first` always starts with the host.
    let got = first_endpoints(Balance::First, &["connect demo"; 2]);
    assert!(
        got.iter().all(|o| o.starts_with("127.0.0.1:3270 ")),
        "{got:?}"
    );
}

#[test]
fn least_sessions_fills_the_endpoint_with_the_fewest_tabs() {
    use crate::config::Balance;
    // Three tabs spread over the three endpoints; the second is closed; the next tab goes
    // where it was, and the one after to the first of the equals.
    let got = first_endpoints(
        Balance::LeastSessions,
        &[
            "connect demo",
            "connect demo",
            "connect demo",
            "switch-tab 2",
            "close-tab",
            "connect demo",
            "connect demo",
        ],
    );
    let starts: Vec<&str> = got.iter().map(|o| o.split(' ').next().unwrap()).collect();
    assert_eq!(
        starts,
        [
            "127.0.0.1:3270",
            "127.0.0.1:3271",
            "127.0.0.1:3272",
            "127.0.0.1:3271",
            "127.0.0.1:3270",
        ]
    );
}

#[test]
fn a_reconnect_that_lands_on_another_endpoint_says_it_failed_over() {
    let mut rig = rig_with_logon();
    let id = rig.app.tabs()[0].id;
    rig.hosts.remove(&id);
    let closed = Event::Host {
        tab: id,
        event: HostEvent::Closed,
    };
    let _ = rig.app.handle_event(closed, rig.now);
    rig.now += Duration::from_secs(2);
    let effects = rig.app.handle_event(Event::Timer, rig.now);
    assert!(
        matches!(effects[..], [Effect::Connect { .. }]),
        "{effects:?}"
    );
    // The profile's host did not answer; its alternate did.
    let connected = Event::Host {
        tab: id,
        event: HostEvent::Connected {
            endpoint: "127.0.0.1:3271".to_owned(),
            peer: "127.0.0.1:3271".parse().unwrap(),
            direct_tls: None,
            connect_time: None,
            tried: Vec::new(),
        },
    };
    let _ = rig.app.handle_event(connected, rig.now);
    let tab = &rig.app.tabs()[0];
    let what = "failed over from 127.0.0.1:3270 to 127.0.0.1:3271: the host closed the connection";
    assert_eq!(tab.failover, Some((what.to_owned(), rig.now)));
    assert_eq!(tab.last_error.as_deref(), Some(what));
    // The same endpoint again is no failover.
    let tab_before = tab.failover.clone();
    let _ = rig.app.handle_event(
        Event::Host {
            tab: id,
            event: HostEvent::Closed,
        },
        rig.now,
    );
    rig.now += Duration::from_secs(2);
    let _ = rig.app.handle_event(Event::Timer, rig.now);
    let again = Event::Host {
        tab: id,
        event: HostEvent::Connected {
            endpoint: "127.0.0.1:3271".to_owned(),
            peer: "127.0.0.1:3271".parse().unwrap(),
            direct_tls: None,
            connect_time: None,
            tried: Vec::new(),
        },
    };
    let _ = rig.app.handle_event(again, rig.now);
    assert_eq!(rig.app.tabs()[0].failover, tab_before);
    assert_eq!(rig.app.tabs()[0].last_error, None);
}

#[test]
fn health_probes_are_paced_one_at_a_time_and_new_tabs_avoid_a_down_endpoint() {
    use crate::app::health::Health;
    use crate::config::HealthCheck;
    let mut cfg = config();
    cfg.profiles[0].alternates = vec!["127.0.0.1:3271".to_owned()];
    cfg.profiles[0].health_check = Some(HealthCheck {
        interval: Duration::from_secs(10),
        timeout: Duration::from_secs(1),
    });
    let mut app = App::new(cfg);
    let mut now = Instant::now();
    let _ = app.update("connect demo".parse().unwrap(), now);
    // The next tick learns the endpoints and probes both at once.
    let probes = |effects: Vec<Effect>| -> Vec<String> {
        effects
            .into_iter()
            .filter_map(|e| match e {
                Effect::Probe {
                    endpoint, timeout, ..
                } => {
                    assert_eq!(timeout, Duration::from_secs(1));
                    Some(endpoint)
                }
                _ => None,
            })
            .collect()
    };
    let first = probes(app.handle_event(Event::Tick, now));
    assert_eq!(first, ["127.0.0.1:3270", "127.0.0.1:3271"]);
    // In flight: no second probe of either, however often the timer comes.
    assert!(probes(app.handle_event(Event::Timer, now)).is_empty());
    assert_eq!(app.next_deadline(), None);
    let report = |app: &mut App, endpoint: &str, result: Result<Duration, String>, now| {
        let ev = Event::Probe {
            endpoint: endpoint.to_owned(),
            result,
        };
        assert!(app.handle_event(ev, now).is_empty());
    };
    report(
        &mut app,
        "127.0.0.1:3270",
        Err("connection refused".into()),
        now,
    );
    report(
        &mut app,
        "127.0.0.1:3271",
        Ok(Duration::from_millis(3)),
        now,
    );
    let h = app.endpoint_health();
    assert_eq!(h["127.0.0.1:3270"].health, Health::Down);
    assert_eq!(h["127.0.0.1:3271"].health, Health::Up);
    assert_eq!(
        h["127.0.0.1:3270"].last_error,
        Some(("connection refused".to_owned(), now))
    );
    // The next probes come an interval later, plus at most a tenth.
    let next = app.next_deadline().unwrap();
    assert!(next >= now + Duration::from_secs(10) && next <= now + Duration::from_secs(11));
    // A new tab avoids the endpoint that is down, and says why it chose the other.
    let effects = app.update("connect demo".parse().unwrap(), now);
    let Some(Effect::Connect { profile, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    assert_eq!(profile.host_spec().to_string(), "127.0.0.1:3271");
    assert_eq!(profile.alternates, ["127.0.0.1:3270"]);
    assert_eq!(
        app.tabs()[1].balance_note.as_deref(),
        Some("first: 127.0.0.1:3271, 2 of 2 (down: 127.0.0.1:3270)")
    );
    // Still down later: the failing streak keeps its start; up again clears the error.
    now += Duration::from_secs(11);
    assert_eq!(probes(app.handle_event(Event::Timer, now)).len(), 2);
    let start = app.endpoint_health()["127.0.0.1:3270"]
        .last_error
        .clone()
        .unwrap()
        .1;
    report(
        &mut app,
        "127.0.0.1:3270",
        Err("connection refused".into()),
        now,
    );
    assert_eq!(
        app.endpoint_health()["127.0.0.1:3270"]
            .last_error
            .clone()
            .unwrap()
            .1,
        start
    );
    report(
        &mut app,
        "127.0.0.1:3270",
        Ok(Duration::from_millis(2)),
        now,
    );
    assert_eq!(app.endpoint_health()["127.0.0.1:3270"].health, Health::Up);
}

#[test]
fn with_every_tab_closed_the_endpoints_are_forgotten_and_not_probed() {
    let mut cfg = config();
    cfg.profiles[0].health_check = Some(crate::config::HealthCheck::default());
    cfg.ui.confirm_close = false;
    let mut app = App::new(cfg);
    let now = Instant::now();
    let _ = app.update("connect demo".parse().unwrap(), now);
    let _ = app.handle_event(Event::Tick, now);
    assert_eq!(app.endpoint_health().len(), 1);
    let _ = app.update("close-tab".parse().unwrap(), now);
    let _ = app.handle_event(Event::Tick, now);
    assert!(app.endpoint_health().is_empty());
    assert_eq!(app.next_deadline(), None);
}

#[test]
fn tabs_left_open_are_offered_and_restored_in_order_with_their_names() {
    let mut cfg = config();
    cfg.ui.restore_tabs = crate::config::RestoreTabs::Ask;
    let mut rig = Rig::with(cfg);
    let saved = vec![
        ("demo".to_owned(), "first".to_owned()),
        ("N:127.0.0.1:3270".to_owned(), "N:127.0.0.1:3270".to_owned()),
    ];
    let effects = rig.app.offer_restore(saved.clone(), rig.now);
    assert!(effects.is_empty());
    let q = rig.app.pane_as::<Confirm>().unwrap().question.clone();
    assert_eq!(
        q,
        "The last run ended with 2 tabs open (first, N:127.0.0.1:3270). Open them again?"
    );
    // Until answered, the old list stands.
    assert!(rig.app.tabs_saved_as(&saved));
    rig.press(KeyCode::Char('y'));
    let names: Vec<&str> = rig.app.tabs().iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["first", "N:127.0.0.1:3270"]);
    assert!(rig.app.tabs().iter().all(|t| t.conn.is_connected()));
    assert!(rig.app.tabs_saved_as(&saved));
    assert_eq!(rig.app.saved_tabs(), saved);
    // `never` forgets them; `always` opens them without asking.
    let mut cfg = config();
    cfg.ui.restore_tabs = crate::config::RestoreTabs::Never;
    let mut never = Rig::with(cfg);
    assert!(never.app.offer_restore(saved.clone(), never.now).is_empty());
    assert!(never.app.tabs().is_empty());
    assert!(!never.app.tabs_saved_as(&saved));
    let mut cfg = config();
    cfg.ui.restore_tabs = crate::config::RestoreTabs::Always;
    let mut always = Rig::with(cfg);
    let effects = always.app.offer_restore(saved, always.now);
    assert_eq!(effects.len(), 2);
    assert_eq!(always.app.tabs().len(), 2);
}

#[test]
fn with_every_endpoint_down_a_new_tab_still_tries_them_all_in_order() {
    let mut cfg = config();
    cfg.profiles[0].alternates = vec!["127.0.0.1:3271".to_owned()];
    cfg.profiles[0].health_check = Some(crate::config::HealthCheck::default());
    let mut app = App::new(cfg);
    let now = Instant::now();
    let _ = app.update("connect demo".parse().unwrap(), now);
    let _ = app.handle_event(Event::Tick, now);
    for endpoint in ["127.0.0.1:3270", "127.0.0.1:3271"] {
        let ev = Event::Probe {
            endpoint: endpoint.to_owned(),
            result: Err("connection refused".into()),
        };
        let _ = app.handle_event(ev, now);
    }
    let effects = app.update("connect demo".parse().unwrap(), now);
    let Some(Effect::Connect { profile, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    assert_eq!(profile.host_spec().to_string(), "127.0.0.1:3270");
    assert_eq!(profile.alternates, ["127.0.0.1:3271"]);
    assert_eq!(
        app.tabs()[1].balance_note.as_deref(),
        Some("first: 127.0.0.1:3270, 1 of 2 (down: 127.0.0.1:3270, 127.0.0.1:3271)")
    );
}
