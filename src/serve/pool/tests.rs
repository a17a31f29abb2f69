//! The pool's events (what webhooks are sent from) against the built-in demo host run in
//! process: a connection that drops reconnects and fails over, probes announce an endpoint
//! down and up again, a pause and a `Disconnect()` do not reconnect, and a logon macro that
//! cannot start is announced.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;

use super::{Pool, PoolEvent, SessionState};
use crate::config::{Config, HealthCheck, Profile, ReconnectPolicy};
use crate::demo::server::{DemoServer, ServerOptions, start};

async fn demo(port: u16) -> (u16, DemoServer) {
    let (addr, server) = start(ServerOptions {
        port,
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    (addr.port(), server)
}

fn profile(name: &str, host: u16, alternates: &[u16]) -> Profile {
    Profile {
        name: name.to_owned(),
        alternates: alternates
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect(),
        ..Profile::for_host(&format!("127.0.0.1:{host}").parse().unwrap())
    }
}

fn pool(profiles: Vec<Profile>) -> Arc<Pool> {
    let mut cfg = Config::builtin();
    cfg.profiles = profiles;
    cfg.macros.insert(
        "asks".to_owned(),
        crate::macros::Macro {
            name: "asks".to_owned(),
            steps: vec![crate::macros::parse_step("prompt r3270-test-never-set secret").unwrap()],
            timeout: None,
            file: None,
            remember_values: true,
            description: None,
        },
    );
    Pool::new(Arc::new(cfg), None)
}

/// The pool's events as they come, kept until a test looks for them (their order between
/// sessions and probes is not fixed).
struct Events {
    rx: broadcast::Receiver<PoolEvent>,
    kept: Vec<PoolEvent>,
}

impl Events {
    /// The first event (kept or to come) that `pick` takes, taken out; a hang guard, not a
    /// time limit.
    async fn take<T>(&mut self, mut pick: impl FnMut(&PoolEvent) -> Option<T>) -> T {
        if let Some(i) = self.kept.iter().position(|e| pick(e).is_some()) {
            let ev = self.kept.remove(i);
            return pick(&ev).unwrap();
        }
        let wait = async {
            loop {
                let ev = self.rx.recv().await.unwrap();
                if let Some(v) = pick(&ev) {
                    return v;
                }
                self.kept.push(ev);
            }
        };
        tokio::time::timeout(Duration::from_secs(60), wait)
            .await
            .expect("hung waiting for an event")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_session_fails_over_and_probes_say_down_then_up() {
    let (a, server_a) = demo(0).await;
    let (b, _server_b) = demo(0).await;
    let mut p = profile("ev", a, &[b]);
    p.reconnect = ReconnectPolicy {
        enabled: true,
        delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        max_attempts: 0,
    };
    p.health_check = Some(HealthCheck {
        interval: Duration::from_secs(1),
        timeout: Duration::from_millis(500),
    });
    let pool = pool(vec![p]);
    let mut rx = Events {
        rx: pool.subscribe(),
        kept: Vec::new(),
    };
    let s = pool.open("ev", Some("x".to_owned())).await.unwrap();
    let ea = format!("127.0.0.1:{a}");
    let eb = format!("127.0.0.1:{b}");
    let on = rx
        .take(|e| match e {
            PoolEvent::Connected { endpoint, .. } => Some(endpoint.clone()),
            _ => None,
        })
        .await;
    assert_eq!(on, ea);
    server_a.shutdown().await;
    let why = rx
        .take(|e| match e {
            PoolEvent::Disconnected {
                session, reason, ..
            } if session == "x" => Some(reason.clone()),
            _ => None,
        })
        .await;
    assert!(!why.is_empty());
    let (from, to) = rx
        .take(|e| match e {
            PoolEvent::FailedOver { from, to, .. } => Some((from.clone(), to.clone())),
            _ => None,
        })
        .await;
    assert_eq!((from.as_str(), to.as_str()), (ea.as_str(), eb.as_str()));
    let on = rx
        .take(|e| match e {
            PoolEvent::Connected { endpoint, .. } => Some(endpoint.clone()),
            _ => None,
        })
        .await;
    assert_eq!(on, eb);
    assert_eq!(s.meta().state, SessionState::Connected);
    // The probes find the stopped host down, and up again once it is back.
    let down = rx
        .take(|e| match e {
            PoolEvent::EndpointDown { endpoint, .. } => Some(endpoint.clone()),
            _ => None,
        })
        .await;
    assert_eq!(down, ea);
    let report = pool.endpoint_report();
    let ra = report.iter().find(|r| r.endpoint == ea).unwrap();
    assert_eq!((ra.health, ra.sessions), ("down", 0));
    let (_, _server_a) = demo(a).await;
    let up = rx
        .take(|e| match e {
            PoolEvent::EndpointUp { endpoint } => Some(endpoint.clone()),
            _ => None,
        })
        .await;
    assert_eq!(up, ea);
    pool.close_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_or_a_disconnect_is_not_reconnected_and_a_logon_macro_that_cannot_start_is_said() {
    let (a, _server) = demo(0).await;
    let mut p = profile("quiet", a, &[]);
    p.reconnect = ReconnectPolicy {
        enabled: true,
        delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(50),
        max_attempts: 0,
    };
    p.logon_macro = Some("asks".to_owned());
    let pool = pool(vec![p]);
    let mut rx = Events {
        rx: pool.subscribe(),
        kept: Vec::new(),
    };
    let s = pool.open("quiet", None).await.unwrap();
    let why = rx
        .take(|e| match e {
            PoolEvent::MacroFailed { name, reason, .. } if name == "asks" => Some(reason.clone()),
            _ => None,
        })
        .await;
    assert!(why.contains("R3270_PROMPT_R3270_TEST_NEVER_SET"), "{why}");
    assert_eq!(s.meta().state, SessionState::Connected);
    // Pause: disconnected, said so, nothing scheduled.
    pool.pause(&s.name).await.unwrap();
    let why = rx
        .take(|e| match e {
            PoolEvent::Disconnected { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .await;
    assert_eq!(why, "paused");
    let m = s.meta();
    assert_eq!((m.state, m.reconnect_attempt), (SessionState::Paused, None));
    assert!(matches!(
        pool.pause(&s.name).await,
        Err(super::OpError::Conflict(_))
    ));
    pool.resume(&s.name).await.unwrap();
    assert_eq!(s.meta().state, SessionState::Connected);
    // The client's own Disconnect(): no reconnect either.
    let answer = s.line("Disconnect()").await.unwrap();
    assert!(answer.ok);
    let m = s.meta();
    assert_eq!(
        (m.state, m.reconnect_attempt),
        (SessionState::Disconnected, None)
    );
    pool.close_all().await;
}
